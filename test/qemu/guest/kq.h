/* SPDX-License-Identifier: MIT */
/*
 * kq.h - raw access to a wd_soft.ko queue for the guest tests: open the
 * chrdev, map the ring region, start, and talk wd_ring.h directly (no libwd),
 * so that a test controls every byte the kernel sees.
 */
#ifndef KQ_H
#define KQ_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
#include "uacce.h"
#include "wd_ring.h"

#define KQ_SYSFS	"/sys/class/uacce"

struct kq {
	int fd;
	char dev[64];
	void *ring;
	size_t ring_size;
	struct wd_ring_ctrl *ctrl;
	struct wd_sqe *sq;
	struct wd_cqe *cq;
	uint32_t depth;
	uint32_t sq_idx;
	uint32_t cq_idx;
	char *ss;
	size_t ss_size;
};

static inline size_t kq_ring_size(uint32_t depth)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t sz = WD_RING_CTRL_SIZE + (size_t)depth *
		    (sizeof(struct wd_sqe) + sizeof(struct wd_cqe));

	return (sz + page - 1) & ~(page - 1);
}

/* Read a sysfs attribute of dev into buf (newline stripped); -1 on error. */
static inline int kq_attr(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[600];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), KQ_SYSFS "/%s/%s", dev, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

static inline long kq_attr_long(const char *dev, const char *attr)
{
	char buf[64];

	if (kq_attr(dev, attr, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 0);
}

/* Write val to a sysfs attribute; returns 0 or -errno. */
static inline int kq_attr_write(const char *dev, const char *attr, const char *val)
{
	char path[600];
	int fd, ret = 0;

	snprintf(path, sizeof(path), KQ_SYSFS "/%s/%s", dev, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Name of the first wd_soft device with flags (UACCE_DEV_*), or -1. */
static inline int kq_find_dev(unsigned int flags, char *name, size_t len)
{
	DIR *d = opendir(KQ_SYSFS);
	struct dirent *de;
	int ret = -1;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char api[64];

		if (de->d_name[0] == '.' || kq_attr(de->d_name, "api", api, sizeof(api)))
			continue;
		if (strcmp(api, WD_RING_API_SOFT) ||
		    kq_attr_long(de->d_name, "flags") != (long)flags)
			continue;
		if (strlen(de->d_name) >= len)
			continue;
		memcpy(name, de->d_name, strlen(de->d_name) + 1);
		ret = 0;
		break;
	}
	closedir(d);
	return ret;
}

static inline void kq_dev_or_bail(unsigned int flags, char *name, size_t len)
{
	if (kq_find_dev(flags, name, len))
		tap_bail("no wd_soft device with the wanted mode in " KQ_SYSFS);
}

/* Open a queue file only; returns the fd or -errno. */
static inline int kq_open_fd(const char *dev)
{
	char path[300];
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", dev);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Open, size, map and start a queue; returns 0 or -errno. */
static inline int kq_open(struct kq *q, const char *dev, uint32_t depth)
{
	memset(q, 0, sizeof(*q));
	snprintf(q->dev, sizeof(q->dev), "%s", dev);
	q->fd = kq_open_fd(dev);
	if (q->fd < 0)
		return q->fd;
	if (depth && ioctl(q->fd, UACCE_CMD_SET_DEPTH, (unsigned long)depth))
		goto err;
	q->depth = depth ? depth : WD_RING_DEFAULT_DEPTH;
	q->ring_size = kq_ring_size(q->depth);
	q->ring = mmap(NULL, q->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       q->fd, UACCE_QFRT_DUS * sysconf(_SC_PAGESIZE));
	if (q->ring == MAP_FAILED) {
		q->ring = NULL;
		goto err;
	}
	q->ctrl = q->ring;
	q->sq = (struct wd_sqe *)((char *)q->ring + q->ctrl->sq_offset);
	q->cq = (struct wd_cqe *)((char *)q->ring + q->ctrl->cq_offset);
	if (ioctl(q->fd, UACCE_CMD_START_Q, 0))
		goto err;
	return 0;
err:
	{
		int err = -errno;

		if (q->ring)
			munmap(q->ring, q->ring_size);
		close(q->fd);
		q->fd = -1;
		return err;
	}
}

/* Map size bytes of the static share region; 0 or -errno. */
static inline int kq_map_ss(struct kq *q, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, q->fd,
		       UACCE_QFRT_SS * sysconf(_SC_PAGESIZE));

	if (p == MAP_FAILED)
		return -errno;
	q->ss = p;
	q->ss_size = size;
	return 0;
}

static inline void kq_close(struct kq *q)
{
	if (q->ss)
		munmap(q->ss, q->ss_size);
	if (q->ring)
		munmap(q->ring, q->ring_size);
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	q->ring = NULL;
	q->ss = NULL;
}

/* Publish e (its phase is set here) and kick a sleeping device. */
static inline int kq_submit(struct kq *q, const struct wd_sqe *e)
{
	struct wd_sqe *s = &q->sq[q->sq_idx & (q->depth - 1)];
	uint8_t phase = WD_RING_PHASE(q->sq_idx, q->depth);

	memcpy(s, e, sizeof(*s));
	s->phase = 0;
	__atomic_store_n(&s->phase, phase, __ATOMIC_RELEASE);
	q->sq_idx++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&q->ctrl->dev_idle, __ATOMIC_RELAXED))
		return ioctl(q->fd, UACCE_CMD_KICK, 0) ? -errno : 0;
	return 0;
}

static inline int kq_cq_ready(struct kq *q)
{
	struct wd_cqe *c = &q->cq[q->cq_idx & (q->depth - 1)];

	return __atomic_load_n(&c->phase, __ATOMIC_ACQUIRE) ==
	       WD_RING_PHASE(q->cq_idx, q->depth);
}

/* Wait for the next completion (sleeping in poll); 0, or -ETIMEDOUT. */
static inline int kq_wait(struct kq *q, struct wd_cqe *out, int timeout_ms)
{
	struct timespec t0, t;

	/* a device that answers at once is not worth a sleep */
	for (int spin = 0; spin < 20000 && !kq_cq_ready(q); spin++)
		__builtin_ia32_pause();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!kq_cq_ready(q)) {
		struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
		long ms;

		__atomic_store_n(&q->ctrl->user_waiting, 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!kq_cq_ready(q))
			poll(&pfd, 1, 20);
		__atomic_store_n(&q->ctrl->user_waiting, 0, __ATOMIC_RELAXED);
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (!kq_cq_ready(q) && ms > timeout_ms)
			return -ETIMEDOUT;
	}
	memcpy(out, &q->cq[q->cq_idx & (q->depth - 1)], sizeof(*out));
	q->cq_idx++;
	return 0;
}

/* Submit e and wait for its completion; returns the status or -ETIMEDOUT. */
static inline int kq_roundtrip(struct kq *q, const struct wd_sqe *e, struct wd_cqe *c)
{
	int ret = kq_submit(q, e);

	if (ret)
		return ret;
	ret = kq_wait(q, c, 10000);
	if (ret)
		return ret;
	return c->status;
}

static inline struct wd_sqe kq_memcpy_sqe(const void *dst, const void *src,
					  uint32_t len, uint64_t tag)
{
	struct wd_sqe e = {
		.tag = tag, .opcode = WD_OP_MEMCPY,
		.src = (uintptr_t)src, .src_len = len,
		.dst = (uintptr_t)dst, .dst_len = len,
	};

	return e;
}

#endif /* KQ_H */
