// SPDX-License-Identifier: MIT
/*
 * test_no_syscall - invariant 1 of DESIGN.md: no system call on the data
 * path of a polling queue.
 *
 * A thread installs a seccomp filter on itself only (no TSYNC) that turns
 * every system call except rt_sigreturn and exit into SIGSYS; the handler
 * counts them. The thread then makes 10^5 NOP round trips with wd_send and
 * wd_recv. The count must stay zero. A deliberate getppid() before the loop
 * proves the counter works (so this test can fail).
 *
 * "Polling" means the device is awake: WD_SOFT_SPIN_US is raised so that a
 * scheduling hiccup on a loaded machine cannot put the engine to sleep in
 * the middle of the loop (then a kick, a futex wake, would be correct).
 */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include "test_util.h"

#define ROUND_TRIPS 100000

static volatile sig_atomic_t nr_syscalls;
static volatile sig_atomic_t first_nr = -1;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	if (first_nr < 0)
		first_nr = si->si_syscall;
	nr_syscalls++;
	uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
}

static int trap_my_syscalls(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
	};
	struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	/* No SECCOMP_FILTER_FLAG_TSYNC: only this thread is filtered. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return -errno;
	return 0;
}

struct result {
	struct wd_queue q;	/* released by the main thread, unfiltered */
	int setup;
	long control, during, bad;
};

static void *measured_thread(void *arg)
{
	struct result *r = arg;
	struct wd_queue *qp = &r->q;
	struct wd_msg m;
	void *got;
	long i;

	test_open(qp, "nop", 0, 0);
	memset(&m, 0, sizeof(m));
	m.opcode = WD_OP_NOP;
	for (i = 0; i < 1000; i++)	/* warm up: engine awake, pages touched */
		test_roundtrip(qp, &m);
	while (wd_recv(qp, &got) == 1)
		;
	r->setup = trap_my_syscalls();
	if (r->setup)
		return NULL;
	syscall(SYS_getppid);
	r->control = nr_syscalls;
	nr_syscalls = 0;
	for (i = 0; i < ROUND_TRIPS; i++) {
		if (wd_send(qp, &m)) {
			r->bad++;
			continue;
		}
		while (wd_recv(qp, &got) != 1)
			;
		if (got != &m || m.status)
			r->bad++;
	}
	r->during = nr_syscalls;
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	pthread_t th;
	static struct result r;

	tap_plan(4);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	/*
	 * The sanitizer runtimes make system calls of their own inside signal
	 * handlers (sigaltstack, mmap), which this method would count and then
	 * break. The plain build runs this test; the sanitizer builds check
	 * memory and races, not system calls.
	 */
	tap_skip_n(4, "sanitizer runtime makes its own system calls in signal handlers");
	return tap_exit();
#endif
	setenv("WD_SOFT_SPIN_US", "1000000", 1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	pthread_create(&th, NULL, measured_thread, &r);
	pthread_join(th, NULL);
	if (r.setup) {
		printf("# seccomp unavailable: %s\n", strerror(-r.setup));
		tap_skip_n(4, "seccomp filters are not allowed here, cannot count system calls");
		wd_release_queue(&r.q);
		return tap_exit();
	}
	ok(r.control == 1, "the counter sees a deliberate system call (%ld)", r.control);
	ok(r.bad == 0, "%d round trips completed (%ld bad)", ROUND_TRIPS, r.bad);
	ok(r.during == 0, "system calls during %d round trips: %ld (first: nr %d)",
	   ROUND_TRIPS, r.during, (int)first_nr);
	ok(r.during * 1000 < ROUND_TRIPS, "fewer than one system call per 1000 requests");
	wd_release_queue(&r.q);
	return tap_exit();
}
