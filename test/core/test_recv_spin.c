// SPDX-License-Identifier: MIT
/*
 * test_recv_spin - a synchronous waiter whose requests take a few hundred
 * microseconds polls through them instead of sleeping (wd_wait_cq's
 * adaptive poll, WD_RECV_SPIN_MAX_US), and with WD_RECV_SPIN_MAX_US=0 it
 * sleeps: that run proves the measure can fail.
 *
 * "Sleeps" is counted as voluntary context switches of the waiting thread
 * (getrusage RUSAGE_THREAD): a wait in the driver is one, a sched_yield()
 * while polling is not. Each setting runs in a child process of its own,
 * since libwd reads its knobs once per process.
 */
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test_util.h"

#define ROUND_TRIPS	300
#define SERVICE_US	300	/* the engine takes this long per request */

/* In a child: ROUND_TRIPS synchronous NOPs; exit code: sleeps / 2 (<= 255). */
static int child(const char *spin_max)
{
	struct wd_queue q;
	struct wd_msg m;
	struct rusage r0, r1;
	void *got;
	long sleeps;
	int i, bad = 0;

	if (spin_max)
		setenv("WD_RECV_SPIN_MAX_US", spin_max, 1);
	memset(&q, 0, sizeof(q));
	q.capa.alg = "nop";
	if (wd_request_queue(&q))
		_exit(255);
	memset(&m, 0, sizeof(m));
	m.opcode = WD_OP_NOP;
	m.op_arg = SERVICE_US;
	for (i = 0; i < 20; i++) {	/* the estimate settles */
		wd_send(&q, &m);
		wd_recv_sync(&q, &got);
	}
	getrusage(RUSAGE_THREAD, &r0);
	for (i = 0; i < ROUND_TRIPS; i++) {
		if (wd_send(&q, &m) || wd_recv_sync(&q, &got) != 1 || got != &m || m.status)
			bad++;
	}
	getrusage(RUSAGE_THREAD, &r1);
	wd_release_queue(&q);
	if (bad)
		_exit(254);
	sleeps = r1.ru_nvcsw - r0.ru_nvcsw;
	_exit((int)(sleeps / 2 > 250 ? 250 : sleeps / 2));
}

static int run(const char *spin_max)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		child(spin_max);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(void)
{
	int polled, slept;

	tap_plan(3);
	unsetenv("WD_RECV_SPIN_MAX_US");
	polled = run(NULL);
	slept = run("0");
	ok(polled >= 0 && polled < 250 && slept >= 0 && slept < 250,
	   "%d synchronous round trips of %d us ran in both settings", ROUND_TRIPS, SERVICE_US);
	/* exit codes are halves: < 75 means fewer than half of the waits slept */
	ok(polled < ROUND_TRIPS / 4,
	   "default: the waiter slept about %d times in %d waits (polls through)",
	   polled * 2, ROUND_TRIPS);
	ok(slept >= ROUND_TRIPS / 4,
	   "WD_RECV_SPIN_MAX_US=0: it slept about %d times in %d waits", slept * 2, ROUND_TRIPS);
	return tap_exit();
}
