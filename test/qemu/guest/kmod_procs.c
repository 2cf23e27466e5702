// SPDX-License-Identifier: MIT
/*
 * kmod_procs - what the device does across processes:
 *  - fork: the child inherits the fd but not the mappings, and every
 *    request it makes (ioctl, mmap) is refused; the parent's queue goes on;
 *  - isolation: two processes map different data at the same address and
 *    copy from it at the same time; each gets its own data, and an address
 *    only the other one has mapped fails with EFAULT;
 *  - kill -9 of 100 processes with requests in flight: every queue comes
 *    back (nr_queue_remained at its maximum).
 */
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include "kq.h"

#define SHARED_VA	((void *)0x300000000000ull)
#define ONLY_A_VA	((void *)0x310000000000ull)
#define NKILL		100

static int child_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void check_fork(const char *dev)
{
	struct wd_sqe e = { .tag = 1, .opcode = WD_OP_NOP };
	struct wd_cqe c;
	struct kq q;
	pid_t pid;

	if (kq_open(&q, dev, 0))
		tap_bail("open");
	pid = fork();
	if (!pid) {
		unsigned char vec;
		int bad = 0, efd;

		/* 1: the ring is not mapped here */
		if (mincore(q.ring, 4096, &vec) == 0 || errno != ENOMEM)
			bad |= 1;
		if (ioctl(q.fd, UACCE_CMD_KICK, 0) == 0 || errno != EPERM)
			bad |= 2;
		if (ioctl(q.fd, UACCE_CMD_PUT_Q, 0) == 0 || errno != EPERM)
			bad |= 4;
		if (mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, q.fd,
			 UACCE_QFRT_SS * 4096) != MAP_FAILED || errno != EPERM)
			bad |= 8;
		/* nor may it have the parent's answers signal an eventfd of its own */
		efd = eventfd(0, 0);
		if (ioctl(q.fd, UACCE_CMD_SET_EVENTFD, (unsigned long)efd) == 0 ||
		    errno != EPERM)
			bad |= 16;
		close(q.fd);
		_exit(bad);
	}
	ok(child_status(pid) == 0,
	   "%s: child has no mapping, its ioctl (SET_EVENTFD too) and mmap get EPERM",
	   dev);
	e.op_arg = 1000;
	ok(kq_roundtrip(&q, &e, &c) == 0 && c.tag == 1,
	   "%s: parent's queue works after the child closed the fd", dev);
	kq_close(&q);
}

/* Process body for the isolation test; returns failures as a bit mask. */
static int iso_body(const char *dev, char fill, int other_has_private)
{
	char *shared = mmap(SHARED_VA, 1 << 16, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	char *out = malloc(1 << 16);
	struct wd_sqe e;
	struct wd_cqe c;
	struct kq q;
	int i, bad = 0;

	if (shared != SHARED_VA || !out || kq_open(&q, dev, 0))
		return 1;
	memset(shared, fill, 1 << 16);
	if (!other_has_private) {
		/* a secret the other process must not reach */
		char *p = mmap(ONLY_A_VA, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p != ONLY_A_VA)
			return 1;
		memset(p, 'S', 4096);
	}
	for (i = 0; i < 300; i++) {
		memset(out, 0, 1 << 16);
		e = kq_memcpy_sqe(out, shared, 1 << 16, i);
		if (kq_roundtrip(&q, &e, &c) || out[0] != fill || out[65535] != fill)
			bad |= 2;
	}
	if (other_has_private) {
		memset(out, 0, 4096);
		e = kq_memcpy_sqe(out, ONLY_A_VA, 4096, 9);
		if (kq_roundtrip(&q, &e, &c) != -EFAULT || out[0] == 'S')
			bad |= 4;
	}
	kq_close(&q);
	return bad;
}

static void check_isolation(const char *dev)
{
	pid_t a, b;
	int sa, sb;

	a = fork();
	if (!a)
		_exit(iso_body(dev, 'A', 0));
	b = fork();
	if (!b)
		_exit(iso_body(dev, 'B', 1));
	sa = child_status(a);
	sb = child_status(b);
	ok(!(sa & 2) && !(sb & 2) && sa != 1 && sb != 1,
	   "%s: same address, two processes, each copies its own data (%d %d)",
	   dev, sa, sb);
	ok(!(sb & 4) && sb != 1, "%s: the other process's address gives EFAULT", dev);
}

/* Fill the ring with slow NOPs and copies, tell the parent, wait to die. */
static void kill_body(const char *dev, int ready_fd)
{
	static char src[4096], dst[4096];
	struct kq q;
	int i;

	if (kq_open(&q, dev, 64))
		_exit(1);
	for (i = 0; i < 64; i++) {
		struct wd_sqe e = { .tag = i, .opcode = WD_OP_NOP, .op_arg = 5000 };

		if (i % 2)
			e = kq_memcpy_sqe(dst, src, sizeof(src), i);
		kq_submit(&q, &e);
	}
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static int wait_remained(const char *dev, long want)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (kq_attr_long(dev, "params/nr_queue_remained") == want)
			return 1;
		usleep(20000);
	}
	return 0;
}

static void check_kill(const char *sva, const char *sd)
{
	long max_a = kq_attr_long(sva, "params/nr_queues");
	long max_s = kq_attr_long(sd, "params/nr_queues");
	pid_t pids[NKILL];
	int p[2], i, ready = 0, killed = 0;
	char ch;

	if (pipe(p))
		tap_bail("pipe");
	for (i = 0; i < NKILL; i++) {
		pids[i] = fork();
		if (!pids[i]) {
			close(p[0]);
			kill_body(i % 2 ? sd : sva, p[1]);
		}
	}
	close(p[1]);
	while (ready < NKILL && read(p[0], &ch, 1) == 1)
		ready++;
	close(p[0]);
	ok(ready == NKILL, "%d processes hold queues with requests in flight", ready);
	for (i = 0; i < NKILL; i++)
		if (pids[i] > 0 && !kill(pids[i], SIGKILL))
			killed++;
	for (i = 0; i < NKILL; i++)
		if (pids[i] > 0)
			child_status(pids[i]);
	ok(killed == NKILL, "all %d killed with SIGKILL", killed);
	ok(wait_remained(sva, max_a) && wait_remained(sd, max_s),
	   "every queue is back (%ld/%ld, %ld/%ld)",
	   kq_attr_long(sva, "params/nr_queue_remained"), max_a,
	   kq_attr_long(sd, "params/nr_queue_remained"), max_s);
}

int main(void)
{
	char sva[64], sd[64];

	tap_plan(0);
	kq_dev_or_bail(UACCE_DEV_SVA, sva, sizeof(sva));
	kq_dev_or_bail(UACCE_DEV_SHARE_DOMAIN, sd, sizeof(sd));
	check_fork(sva);
	check_fork(sd);
	check_isolation(sva);
	check_kill(sva, sd);
	return tap_exit();
}
