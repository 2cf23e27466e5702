// SPDX-License-Identifier: MIT
/*
 * uacce_drv.c - the libwd user driver for kernel uacce devices that serve
 * the soft ring format (api_version "wd_soft_ring_v1", e.g. wd_soft.ko).
 *
 * Devices are found under $WD_SYSFS_CLASS (default /sys/class/uacce) and
 * reached through /dev/<name>. A queue is the open file: the ring region
 * (UACCE_QFRT_DUS) is mapped once, the share region (UACCE_QFRT_SS) on
 * demand. The data path never enters the kernel except for UACCE_CMD_KICK
 * when the device announced it sleeps, and poll() when a consumer waits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "wd_internal.h"
#include "uacce.h"

#define UACCE_NAMES_MAX		64

struct uacce_qpriv {
	void *ring;
	size_t ring_size;
};

static const char *uacce_class_dir(void)
{
	return wd_config_str(WD_CFG_SYSFS_CLASS);
}

/* Read dev/attr into buf without the trailing newline; 0 or -1. */
static int uacce_attr(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", uacce_class_dir(), dev, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static long uacce_attr_long(const char *dev, const char *attr, long def)
{
	char buf[64], *end;
	long v;

	if (uacce_attr(dev, attr, buf, sizeof(buf)))
		return def;
	v = strtol(buf, &end, 0);
	return end == buf ? def : v;
}

/* Fill d from sysfs; 0 when dev speaks our ring format, -1 otherwise. */
static int uacce_describe(const char *dev, struct wd_dev_info *d)
{
	char api[WD_NAME_MAX];
	long flags;

	if (uacce_attr(dev, "params/api_version", api, sizeof(api)) &&
	    uacce_attr(dev, "api", api, sizeof(api)))
		return -1;
	if (strcmp(api, WD_RING_API_SOFT))
		return -1;
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", dev);
	snprintf(d->api_version, sizeof(d->api_version), "%s", api);
	if (uacce_attr(dev, "algorithms", d->algorithms, sizeof(d->algorithms)))
		d->algorithms[0] = 0;
	flags = uacce_attr_long(dev, "flags", 0);
	if (flags & UACCE_DEV_SVA)
		d->flags |= WD_CAPA_SVA;
	if (flags & UACCE_DEV_SHARE_DOMAIN)
		d->flags |= WD_CAPA_SHARE_DOMAIN;
	d->numa_node = (int)uacce_attr_long(dev, "params/numa_node", -1);
	d->queues_free = (int)uacce_attr_long(dev, "params/nr_queue_remained",
				uacce_attr_long(dev, "available_instances", 0));
	d->queues_total = (int)uacce_attr_long(dev, "params/nr_queues", d->queues_free);
	d->priority = (int)uacce_attr_long(dev, "params/priority", 0);
	d->is_kernel = 1;
	return 0;
}

static int uacce_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int uacce_list(struct wd_dev_info *devs, int max)
{
	char *names[UACCE_NAMES_MAX];
	struct wd_dev_info d;
	struct dirent *de;
	int nn = 0, i, n = 0;
	DIR *dir;

	dir = opendir(uacce_class_dir());
	if (!dir)
		return 0;
	while ((de = readdir(dir)) && nn < UACCE_NAMES_MAX) {
		if (de->d_name[0] == '.')
			continue;
		names[nn] = strdup(de->d_name);
		if (names[nn])
			nn++;
	}
	closedir(dir);
	/* a stable order: the same device wins every time */
	qsort(names, nn, sizeof(names[0]), uacce_name_cmp);
	for (i = 0; i < nn; i++) {
		if (!uacce_describe(names[i], &d)) {
			if (devs && n < max)
				devs[n] = d;
			n++;
		}
		free(names[i]);
	}
	return n;
}

static size_t uacce_ring_size(uint32_t depth)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t sz = WD_RING_CTRL_SIZE + (size_t)depth *
		    (sizeof(struct wd_sqe) + sizeof(struct wd_cqe));

	return (sz + page - 1) & ~(page - 1);
}

/* The kernel laid the ring out; check it before trusting the offsets. */
static int uacce_ring_sane(const struct wd_ring_ctrl *c, uint32_t depth, size_t size)
{
	return c->magic == WD_RING_MAGIC && c->version == WD_RING_VERSION &&
	       c->sq_depth == depth && c->cq_depth == depth &&
	       c->sq_offset >= sizeof(*c) &&
	       c->sq_offset + (size_t)depth * sizeof(struct wd_sqe) <= size &&
	       c->cq_offset >= c->sq_offset + (size_t)depth * sizeof(struct wd_sqe) &&
	       c->cq_offset + (size_t)depth * sizeof(struct wd_cqe) <= size;
}

static int uacce_map_ring(struct wd_qp *qp, struct uacce_qpriv *p, int fd,
			  uint32_t depth)
{
	long page = sysconf(_SC_PAGESIZE);
	struct wd_ring_ctrl *c;

	p->ring_size = uacce_ring_size(depth);
	p->ring = mmap(NULL, p->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, UACCE_QFRT_DUS * page);
	if (p->ring == MAP_FAILED) {
		p->ring = NULL;
		return -errno;
	}
	c = p->ring;
	if (!uacce_ring_sane(c, depth, p->ring_size))
		return -EPROTO;
	qp->ctrl = c;
	qp->sq = (struct wd_sqe *)((char *)c + c->sq_offset);
	qp->cq = (struct wd_cqe *)((char *)c + c->cq_offset);
	return 0;
}

static int uacce_open(struct wd_qp *qp, const struct wd_dev_info *dev,
		      const struct wd_capa *capa)
{
	uint32_t depth = capa->depth ? capa->depth : WD_RING_DEFAULT_DEPTH;
	struct uacce_qpriv *p;
	char path[WD_NAME_MAX + 8];
	int fd, ret;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/dev/%s", dev->name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = errno == ENOENT ? -ENODEV : -errno;
		goto err_free;
	}
	if (ioctl(fd, UACCE_CMD_SET_DEPTH, (unsigned long)depth)) {
		ret = -errno;
		goto err_close;
	}
	ret = uacce_map_ring(qp, p, fd, depth);
	if (ret)
		goto err_unmap;
	if (ioctl(fd, UACCE_CMD_START_Q, 0)) {
		ret = -errno;
		goto err_unmap;
	}
	qp->drv_priv = p;
	qp->depth = depth;
	qp->fd = fd;
	return 0;

err_unmap:
	if (p->ring)
		munmap(p->ring, p->ring_size);
err_close:
	close(fd);
err_free:
	free(p);
	return ret;
}

static void uacce_close(struct wd_qp *qp)
{
	struct uacce_qpriv *p = qp->drv_priv;

	/* stop the device now: the file lives on while the share region is mapped */
	ioctl(qp->fd, UACCE_CMD_PUT_Q, 0);
	munmap(p->ring, p->ring_size);
	close(qp->fd);
	qp->fd = -1;
	free(p);
	qp->drv_priv = NULL;
}

static void uacce_kick(struct wd_qp *qp)
{
	ioctl(qp->fd, UACCE_CMD_KICK, 0);
}

static int uacce_wait(struct wd_qp *qp, uint32_t seq, int timeout_ms)
{
	struct pollfd pfd = { .fd = qp->fd, .events = POLLIN };
	int r;

	if (__atomic_load_n(&qp->ctrl->cq_seq, __ATOMIC_ACQUIRE) != seq)
		return 0;
	/* a wake-up, an error, or a signal: the caller looks at the ring again */
	r = poll(&pfd, 1, timeout_ms);
	if (r == 0)
		return -ETIMEDOUT;
	/* the device is gone (rmmod) and nothing will complete */
	if (r > 0 && (pfd.revents & (POLLHUP | POLLERR)))
		return -ENODEV;
	return 0;
}

/* The kernel keeps its own reference to the eventfd. */
static int uacce_set_event_fd(struct wd_qp *qp, int efd)
{
	if (ioctl(qp->fd, UACCE_CMD_SET_EVENTFD, (unsigned long)(long)efd) < 0)
		return errno == ENOTTY ? -EOPNOTSUPP : -errno;
	return 0;
}

static void *uacce_share_map(struct wd_qp *qp, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, qp->fd,
		 UACCE_QFRT_SS * page);
	return p == MAP_FAILED ? NULL : p;
}

const struct wd_drv wd_uacce_drv = {
	.name = "uacce",
	.list = uacce_list,
	.open = uacce_open,
	.close = uacce_close,
	.kick = uacce_kick,
	.wait = uacce_wait,
	.set_event_fd = uacce_set_event_fd,
	.share_map = uacce_share_map,
};
