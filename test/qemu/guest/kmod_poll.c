// SPDX-License-Identifier: MIT
/*
 * kmod_poll - poll()/epoll wake-ups through uacce_wake_up, and the device
 * counters in sysfs (stats/).
 */
#include <sys/epoll.h>
#include "kq.h"

static void arm(struct kq *q)
{
	__atomic_store_n(&q->ctrl->user_waiting, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void check_poll(const char *dev)
{
	struct wd_sqe e = { .tag = 3, .opcode = WD_OP_NOP, .op_arg = 200000 };
	struct pollfd pfd;
	struct wd_cqe c;
	uint32_t seq;
	struct kq q;
	int r, ep;
	struct epoll_event ev = { .events = EPOLLIN }, got;

	if (kq_open(&q, dev, 0))
		tap_bail("open");
	pfd.fd = q.fd;
	pfd.events = POLLIN;
	ok(poll(&pfd, 1, 50) == 0, "%s: poll with nothing in flight times out", dev);

	seq = q.ctrl->cq_seq;
	arm(&q);
	kq_submit(&q, &e);
	r = poll(&pfd, 1, 10000);
	ok(r == 1 && (pfd.revents & POLLIN) && kq_cq_ready(&q),
	   "%s: poll wakes when the slow NOP completes", dev);
	ok(q.ctrl->cq_seq != seq, "%s: cq_seq moved for the waiter", dev);
	q.ctrl->user_waiting = 0;
	ok(!kq_wait(&q, &c, 1000) && c.tag == 3 && c.status == 0, "%s: its completion", dev);

	ep = epoll_create1(EPOLL_CLOEXEC);
	ok(ep >= 0 && !epoll_ctl(ep, EPOLL_CTL_ADD, q.fd, &ev), "epoll watches the queue");
	arm(&q);
	e.tag = 4;
	e.op_arg = 100000;
	kq_submit(&q, &e);
	r = epoll_wait(ep, &got, 1, 10000);
	ok(r == 1 && (got.events & EPOLLIN), "%s: epoll_wait wakes (%d)", dev, r);
	q.ctrl->user_waiting = 0;
	ok(!kq_wait(&q, &c, 1000) && c.tag == 4, "%s: its completion", dev);
	close(ep);

	ok(!ioctl(q.fd, UACCE_CMD_PUT_Q, 0) && poll(&pfd, 1, 1000) == 1 &&
	   (pfd.revents & (POLLHUP | POLLERR)), "%s: a put queue polls as hung up", dev);
	kq_close(&q);
}

static long stat_of(const char *dev, const char *name)
{
	char attr[64];

	snprintf(attr, sizeof(attr), "stats/%s", name);
	return kq_attr_long(dev, attr);
}

static void check_counters(const char *dev)
{
	long req = stat_of(dev, "requests"), err = stat_of(dev, "errors");
	long in = stat_of(dev, "bytes_in"), out = stat_of(dev, "bytes_out");
	long kicks = stat_of(dev, "kicks");
	static char src[1000], dst[1000];
	struct wd_sqe e;
	struct wd_cqe c;
	struct kq q;
	int i;

	ok(req >= 0 && err >= 0 && in >= 0 && out >= 0 && kicks >= 0,
	   "%s: stats/ counters readable", dev);
	if (kq_open(&q, dev, 0))
		tap_bail("open");
	for (i = 0; i < 100; i++) {
		e = kq_memcpy_sqe(dst, src, sizeof(src), i);
		kq_roundtrip(&q, &e, &c);
	}
	for (i = 0; i < 5; i++) {
		e = kq_memcpy_sqe(NULL, src, sizeof(src), i);
		kq_roundtrip(&q, &e, &c);
	}
	/* an idle engine sleeps after spin_us: the next request must kick */
	usleep(200000);
	e.opcode = WD_OP_NOP;
	kq_roundtrip(&q, &e, &c);
	ok(stat_of(dev, "requests") - req == 106, "%s: requests +106", dev);
	ok(stat_of(dev, "errors") - err == 5, "%s: errors +5", dev);
	ok(stat_of(dev, "bytes_in") - in == 100000 && stat_of(dev, "bytes_out") - out == 100000,
	   "%s: bytes in and out +100000", dev);
	ok(stat_of(dev, "kicks") > kicks, "%s: kicks counted", dev);
	kq_close(&q);
}

int main(void)
{
	char sva[64], sd[64];

	tap_plan(0);
	kq_dev_or_bail(UACCE_DEV_SVA, sva, sizeof(sva));
	kq_dev_or_bail(UACCE_DEV_SHARE_DOMAIN, sd, sizeof(sd));
	check_poll(sva);
	check_poll(sd);
	check_counters(sva);
	return tap_exit();
}
