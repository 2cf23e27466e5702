// SPDX-License-Identifier: MIT
/*
 * test_event_fd - wd_queue_set_event_fd: the device signals the eventfd
 * after it posts an answer (never before), not at all once detached, through
 * its own reference to the fd; a bad fd and an inherited queue are refused;
 * and the soft engine coalesces the signals of queues it has more work for
 * (interrupt moderation) but never holds back the last one. The qemu suite
 * runs the same checks on wd_soft.ko (UACCE_CMD_SET_EVENTFD), which
 * signals every answer: the moderation checks are the soft device's.
 */
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test_util.h"

#define NR_MOD	4	/* queues of the moderation check */

/* Is efd readable within timeout_ms? */
static int readable(int efd, int timeout_ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static uint64_t drain(int efd)
{
	uint64_t v = 0;

	return read(efd, &v, sizeof(v)) == sizeof(v) ? v : 0;
}

static void nop_msg(struct wd_msg *m, unsigned int delay_us)
{
	memset(m, 0, sizeof(*m));
	m->opcode = WD_OP_NOP;
	m->op_arg = delay_us;
}

/*
 * One engine; a busy queue keeps it at work while four queues with eventfds
 * get a 100 ms request each. It then serves them in turn: the first two
 * answers wait for the third (fewer than two requests left), which goes out
 * with them; the fourth, the last work there is, is signalled at once.
 */
static void check_moderation(void)
{
	struct wd_queue busy, q[NR_MOD];
	struct wd_msg mb, m[NR_MOD];
	int efd[NR_MOD], i, ok_set = 1, third_in, second_sig, fourth_in;
	void *got;

	test_open(&busy, "nop", 0, 0);
	for (i = 0; i < NR_MOD; i++) {
		test_open(&q[i], "nop", 0, 0);
		efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ok_set &= efd[i] >= 0 && wd_queue_set_event_fd(&q[i], efd[i]) == 0;
	}
	ok(ok_set, "four queues with an eventfd each");
	nop_msg(&mb, 200000);
	wd_send(&busy, &mb);
	usleep(20000);		/* the engine is inside the busy request */
	for (i = 0; i < NR_MOD; i++) {
		nop_msg(&m[i], 100000);
		wd_send(&q[i], &m[i]);
	}
	ok(readable(efd[0], 5000), "the first queue is signalled");
	/* without moderation the third answer would be 200 ms away now */
	third_in = wd_recv(&q[2], &got) == 1 && got == &m[2];
	/*
	 * The engine writes the held signals one after another: this thread
	 * may wake between the first write and the second (CI, under load).
	 */
	second_sig = readable(efd[1], 50);
	fourth_in = wd_recv(&q[3], &got) == 1;
	ok(third_in, "by then the third answer is posted too: the first two waited for it");
	ok(second_sig, "and the second queue is signalled with them");
	ok(!fourth_in, "the fourth, still being served, is not");
	ok(readable(efd[3], 5000) && wd_recv(&q[3], &got) == 1 && got == &m[3],
	   "the last answer is signalled as soon as it is posted");
	ok(wd_recv(&q[0], &got) == 1 && wd_recv(&q[1], &got) == 1 &&
	   wd_recv_sync(&busy, &got) == 1, "every answer arrived");
	for (i = 0; i < NR_MOD; i++) {
		wd_release_queue(&q[i]);
		close(efd[i]);
	}
	wd_release_queue(&busy);
}

int main(void)
{
	struct wd_queue q;
	struct wd_msg m;
	int efd, efd2, ret, status, kernel, pfd[2];
	void *got = NULL;
	pid_t pid;

	/* one engine for the moderation check, whatever the caller set
	 * (tsan-check sets 2); read when the device starts */
	setenv("WD_SOFT_ENGINES", "1", 1);
	test_open(&q, "nop", 0, 0);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0)
		tap_bail("eventfd");
	ret = wd_queue_set_event_fd(&q, efd);
	kernel = q.fd >= 0;
	tap_plan(kernel ? 14 : 21);
	ok(ret == 0, "wd_queue_set_event_fd on a %s queue (%d)", kernel ? "kernel" : "soft", ret);
	ok(!readable(efd, 0), "nothing is signalled before a request");

	nop_msg(&m, 50000);
	wd_send(&q, &m);
	ok(!readable(efd, 10), "a request in progress is not signalled");
	ok(readable(efd, 5000), "its answer is");
	ret = wd_recv(&q, &got);
	ok(ret == 1 && got == &m, "and it is in the ring when the fd says so (%d)", ret);
	ok(drain(efd) == 1, "one signal for one answer");
	ok(!readable(efd, 100), "then the fd is quiet");

	/* the device keeps its own reference */
	efd2 = dup(efd);
	ok(efd2 >= 0 && wd_queue_set_event_fd(&q, efd2) == 0 && close(efd2) == 0,
	   "a duplicate set, then closed by the caller");
	nop_msg(&m, 0);
	ok(test_roundtrip(&q, &m) == 0 && readable(efd, 5000) && drain(efd) == 1,
	   "the device still signals the same eventfd");

	ok(wd_queue_set_event_fd(&q, -1) == 0, "detached");
	ok(test_roundtrip(&q, &m) == 0 && !readable(efd, 100),
	   "no signal after detaching");
	ret = wd_queue_set_event_fd(&q, 1000000);
	ok(ret == -EBADF, "a bad fd: -EBADF (%d)", ret);
	ret = -1;
	if (pipe(pfd) == 0) {
		ret = wd_queue_set_event_fd(&q, pfd[1]);
		close(pfd[0]);
		close(pfd[1]);
	}
	ok(ret == -EINVAL, "a pipe, not an eventfd: -EINVAL (%d)", ret);

	pid = fork();
	if (pid == 0)
		_exit(wd_queue_set_event_fd(&q, efd) == -EPERM ? 0 : 1);
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	   WEXITSTATUS(status) == 0, "an inherited queue is refused in the child");
	wd_release_queue(&q);
	close(efd);

	if (kernel)
		printf("# wd_soft.ko signals every answer: coalescing is the soft engine's\n");
	else
		check_moderation();
	return tap_exit();
}
