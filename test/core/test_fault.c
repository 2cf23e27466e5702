// SPDX-License-Identifier: MIT
/*
 * test_fault - the soft device's fault injection (WD_SOFT_FAULT) does what
 * it says, so that the adapters' fallback tests built on it mean something.
 * WD_SOFT_FAULT is read once per process: each case runs in a child.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "test_util.h"

static int copy_status(struct wd_queue *q)
{
	char a[64] = "x", b[64];
	struct wd_msg m;

	test_memcpy_msg(&m, a, sizeof(a), b, sizeof(b));
	return test_roundtrip(q, &m);
}

/* Each case returns 0 when the injected fault behaved as documented. */
static int case_missing(void)
{
	struct wd_dev_info d[8];
	struct wd_queue q;
	int i, n = wd_list_devices(d, 8);

	for (i = 0; i < n && i < 8; i++)
		if (!strcmp(d[i].name, "soft"))
			return 1;
	memset(&q, 0, sizeof(q));
	q.capa.dev_name = "soft";
	return wd_request_queue(&q) == -ENODEV ? 0 : 2;
}

static int case_error(void)
{
	struct wd_queue q;
	int i, errors = 0;

	test_open(&q, "memcpy", 0, 0);
	for (i = 1; i <= 30; i++) {
		int st = copy_status(&q);

		if (st == -EIO)
			errors++;
		else if (st || i % 3 == 0)
			return 1;
	}
	wd_release_queue(&q);
	return errors == 10 ? 0 : 2;
}

static int case_vanish(void)
{
	struct wd_queue q, q2;
	struct wd_msg nop;
	int i;

	test_open(&q, "memcpy", 0, 0);
	for (i = 0; i < 5; i++)
		if (copy_status(&q))
			return 1;
	if (copy_status(&q) != -ENODEV || copy_status(&q) != -ENODEV)
		return 2;
	memset(&nop, 0, sizeof(nop));
	nop.opcode = WD_OP_NOP;
	if (test_roundtrip(&q, &nop))	/* the ring itself still answers */
		return 3;
	memset(&q2, 0, sizeof(q2));
	q2.capa.dev_name = "soft";
	if (wd_request_queue(&q2) != -ENODEV)
		return 4;
	wd_release_queue(&q);
	return 0;
}

static int case_busy(void)
{
	struct wd_queue q;
	struct wd_msg m;
	void *got;
	int i, busy = 0;

	test_open(&q, "nop", 0, 0);
	memset(&m, 0, sizeof(m));
	for (i = 1; i <= 20; i++) {
		int r = wd_send(&q, &m);

		if (r == -EBUSY)
			busy++;
		else if (r || wd_recv_sync(&q, &got) != 1)
			return 1;
	}
	wd_release_queue(&q);
	return busy == 5 ? 0 : 2;
}

static int case_slow(void)
{
	struct timespec a, b;
	struct wd_queue q;
	double ms;

	test_open(&q, "memcpy", 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (copy_status(&q))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	wd_release_queue(&q);
	return ms >= 100 ? 0 : 2;	/* 200 ms injected: it cannot be faster */
}

static void run(const char *fault, int (*fn)(void), const char *what)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setenv("WD_SOFT_FAULT", fault, 1);
		setenv("WD_DEVICE", "soft", 1);	/* faults are the soft device's */
		_exit(fn());
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "WD_SOFT_FAULT=%s: %s (case result %d)",
	   fault, what, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(void)
{
	tap_plan(5);
	run("missing", case_missing, "no soft device, requests get -ENODEV");
	run("error=3", case_error, "every third request completes with -EIO");
	run("vanish=5", case_vanish, "after 5 requests everything gets -ENODEV");
	run("busy=4", case_busy, "every fourth send is refused with -EBUSY");
	run("slow=200000", case_slow, "a request takes at least the injected delay");
	return tap_exit();
}
