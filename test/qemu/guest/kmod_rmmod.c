// SPDX-License-Identifier: MIT
/*
 * kmod_rmmod - module removal with queues open and requests in flight, and
 * without: the queues turn into zombies (ENODEV, hang-up, SIGBUS on the
 * zapped rings), closing them frees everything, and both modules unload
 * and load again. Needs root and the modules at $KMOD_DIR (default /lib/wd).
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/stat.h>
#include "kq.h"

static sigjmp_buf jb;

static void on_sigbus(int sig)
{
	siglongjmp(jb, sig);
}

/* Does reading p raise SIGBUS? */
static int read_faults(volatile char *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	int sig;

	sigaction(SIGBUS, &sa, NULL);
	sig = sigsetjmp(jb, 1);
	if (!sig)
		(void)p[0];
	signal(SIGBUS, SIG_DFL);
	return sig == SIGBUS;
}

static int sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg);
	return system(cmd);
}

int main(void)
{
	const char *dir = getenv("KMOD_DIR") ? getenv("KMOD_DIR") : "/lib/wd";
	struct wd_sqe e = { .tag = 1, .opcode = WD_OP_NOP, .op_arg = 500000 };
	struct pollfd pfd = { .events = POLLIN };
	char sva[64], sd[64], path[128];
	struct kq qa, qs;
	struct stat st;
	int i;

	tap_plan(0);
	kq_dev_or_bail(UACCE_DEV_SVA, sva, sizeof(sva));
	kq_dev_or_bail(UACCE_DEV_SHARE_DOMAIN, sd, sizeof(sd));
	if (kq_open(&qa, sva, 0) || kq_open(&qs, sd, 0) || kq_map_ss(&qs, 1 << 20))
		tap_bail("open");
	for (i = 0; i < 8; i++) {
		kq_submit(&qa, &e);
		kq_submit(&qs, &e);
	}
	ok(sh("rmmod wd_soft", NULL) == 0, "rmmod wd_soft with queues open and busy");
	snprintf(path, sizeof(path), "/dev/%s", sva);
	ok(stat(path, &st) && kq_find_dev(UACCE_DEV_SVA, path, sizeof(path)),
	   "its devices are gone");
	ok(ioctl(qa.fd, UACCE_CMD_KICK, 0) && errno == ENODEV, "a zombie queue: ENODEV");
	pfd.fd = qa.fd;
	ok(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLHUP), "a zombie queue hangs up");
	ok(read_faults((char *)qa.ring) && read_faults(qs.ss),
	   "its ring and share region are unmapped (SIGBUS)");
	ok(sh("rmmod uacce 2>/dev/null", NULL) != 0, "uacce stays while queue files are open");
	kq_close(&qa);
	kq_close(&qs);
	ok(sh("rmmod uacce", NULL) == 0, "rmmod uacce once they are closed");
	ok(sh("insmod %s/uacce.ko && insmod %s/wd_soft.ko", dir) == 0, "both load again");
	ok(!kq_find_dev(UACCE_DEV_SVA, sva, sizeof(sva)) &&
	   !kq_open(&qa, sva, 0), "a new queue opens");
	e.op_arg = 0;
	{
		struct wd_cqe c;

		ok(kq_roundtrip(&qa, &e, &c) == 0, "and works");
	}
	kq_close(&qa);
	ok(sh("rmmod wd_soft && rmmod uacce", NULL) == 0, "rmmod without open queues");
	ok(sh("insmod %s/uacce.ko && insmod %s/wd_soft.ko", dir) == 0, "and load again");
	return tap_exit();
}
