// SPDX-License-Identifier: MIT
/*
 * kmod_lifecycle - sysfs of the wd_soft devices, a queue's life cycle
 * (open, depth, mmap rules, start, requests, PUT_Q, close) and exhaustion
 * (-EBUSY, nr_queue_remained back to its maximum).
 */
#include <sys/stat.h>
#include "kq.h"

static void check_sysfs(const char *dev, unsigned int flags)
{
	char buf[256];
	long total = kq_attr_long(dev, "params/nr_queues");
	struct stat st;
	char path[128];

	ok(!kq_attr(dev, "api", buf, sizeof(buf)) && !strcmp(buf, WD_RING_API_SOFT),
	   "%s: api is %s", dev, WD_RING_API_SOFT);
	ok(!kq_attr(dev, "params/api_version", buf, sizeof(buf)) &&
	   !strcmp(buf, WD_RING_API_SOFT), "%s: params/api_version", dev);
	ok(!kq_attr(dev, "algorithms", buf, sizeof(buf)) && strstr(buf, "nop") &&
	   strstr(buf, "memcpy"), "%s: algorithms lists nop and memcpy (%s)", dev, buf);
	ok(!kq_attr(dev, "params/device_attr", buf, sizeof(buf)) &&
	   !strcmp(buf, flags == UACCE_DEV_SVA ? "sva" : "share_domain"),
	   "%s: params/device_attr is %s", dev, buf);
	ok(total > 0 && kq_attr_long(dev, "params/nr_queue_remained") == total &&
	   kq_attr_long(dev, "available_instances") == total,
	   "%s: all %ld queues free", dev, total);
	ok(kq_attr_long(dev, "region_dus_size") == (long)kq_ring_size(WD_RING_DEFAULT_DEPTH) &&
	   kq_attr_long(dev, "region_mmio_size") == 0,
	   "%s: region sizes", dev);
	ok(kq_attr_long(dev, "params/numa_node") == 0, "%s: numa_node 0", dev);
	ok(!kq_attr_write(dev, "params/priority", "7") &&
	   kq_attr_long(dev, "params/priority") == 7 &&
	   kq_attr_write(dev, "params/priority", "x") == -EINVAL &&
	   kq_attr_write(dev, "params/priority", "1000") == -EINVAL &&
	   kq_attr_long(dev, "params/priority") == 7,
	   "%s: priority is writable and checked", dev);
	snprintf(path, sizeof(path), "/dev/%s", dev);
	ok(!stat(path, &st) && S_ISCHR(st.st_mode) && (st.st_mode & 0777) == 0660,
	   "%s: chrdev with mode 0660", dev);
}

static void check_setup_rules(const char *dev)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	long total = kq_attr_long(dev, "params/nr_queues");
	int fd = kq_open_fd(dev);
	size_t sz = kq_ring_size(64);
	void *p, *p2;

	ok(fd >= 0 && kq_attr_long(dev, "params/nr_queue_remained") == total - 1,
	   "open takes one queue");
	ok(ioctl(fd, UACCE_CMD_START_Q, 0) && errno == EINVAL,
	   "START_Q before the ring is mapped: EINVAL");
	ok(ioctl(fd, UACCE_CMD_SET_DEPTH, 3ul) && errno == EINVAL &&
	   ioctl(fd, UACCE_CMD_SET_DEPTH, 8192ul) && errno == EINVAL &&
	   !ioctl(fd, UACCE_CMD_SET_DEPTH, 64ul), "SET_DEPTH checks its argument");
	p = mmap(NULL, sz + page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
	ok(p == MAP_FAILED && errno == EINVAL, "DUS of the wrong size: EINVAL");
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, page);
	ok(p == MAP_FAILED && errno == EINVAL, "private mapping: EINVAL");
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ok(p == MAP_FAILED && errno == EINVAL, "MMIO region (none): EINVAL");
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 9 * page);
	ok(p == MAP_FAILED && errno == EINVAL, "unknown region: EINVAL");
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
	ok(p != MAP_FAILED && ((struct wd_ring_ctrl *)p)->magic == WD_RING_MAGIC &&
	   ((struct wd_ring_ctrl *)p)->sq_depth == 64, "ring mapped, depth 64");
	p2 = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
	ok(p2 == MAP_FAILED && errno == EEXIST, "second DUS mapping: EEXIST");
	ok(ioctl(fd, UACCE_CMD_SET_DEPTH, 32ul) && errno == EBUSY,
	   "SET_DEPTH after mapping: EBUSY");
	ok(munmap((char *)p + page, page) && errno == EINVAL,
	   "a region cannot be split");
	p2 = mmap(NULL, sz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok(mremap(p, sz, sz, MREMAP_MAYMOVE | MREMAP_FIXED, p2) == MAP_FAILED &&
	   ((struct wd_ring_ctrl *)p)->magic == WD_RING_MAGIC, "a region cannot be moved");
	munmap(p2, sz);
	ok(!ioctl(fd, UACCE_CMD_START_Q, 0), "START_Q");
	ok(ioctl(fd, UACCE_CMD_START_Q, 0) && errno == EINVAL, "second START_Q: EINVAL");
	ok(ioctl(fd, 0x1234, 0) && errno == EINVAL, "unknown ioctl: EINVAL");
	ok(!ioctl(fd, UACCE_CMD_PUT_Q, 0) &&
	   kq_attr_long(dev, "params/nr_queue_remained") == total,
	   "PUT_Q gives the queue back at once");
	ok(ioctl(fd, UACCE_CMD_KICK, 0) && errno == ENODEV, "KICK after PUT_Q: ENODEV");
	munmap(p, sz);
	close(fd);
	ok(kq_attr_long(dev, "params/nr_queue_remained") == total, "close after PUT_Q");
}

static void check_requests(const char *dev)
{
	char src[3000], dst[3000];
	struct wd_sqe e = { .tag = 77, .opcode = WD_OP_NOP };
	struct wd_cqe c;
	struct kq q;
	int i, ret;

	ret = kq_open(&q, dev, 0);
	ok(!ret, "%s: queue opened (%d)", dev, ret);
	if (ret)
		return;
	ok(kq_roundtrip(&q, &e, &c) == 0 && c.tag == 77, "NOP completes with its tag");
	for (i = 0; i < (int)sizeof(src); i++)
		src[i] = (char)(i * 7 + 1);
	memset(dst, 0, sizeof(dst));
	if (q.ctrl->flags & WD_RING_F_SHARE_DOMAIN) {
		ok(!kq_map_ss(&q, 1 << 20), "share region mapped");
		memcpy(q.ss, src, sizeof(src));
		e = kq_memcpy_sqe(q.ss + 8192, q.ss, sizeof(src), 78);
		ok(kq_roundtrip(&q, &e, &c) == 0 && c.produced == sizeof(src) &&
		   !memcmp(q.ss + 8192, src, sizeof(src)), "MEMCPY inside the share region");
		e = kq_memcpy_sqe(dst, src, sizeof(src), 79);
		ok(kq_roundtrip(&q, &e, &c) == -EFAULT, "MEMCPY outside it: EFAULT");
	} else {
		e = kq_memcpy_sqe(dst, src, sizeof(src), 78);
		ok(kq_roundtrip(&q, &e, &c) == 0 && c.produced == sizeof(src) &&
		   c.consumed == sizeof(src) && !memcmp(dst, src, sizeof(src)),
		   "MEMCPY of user memory");
		ok(kq_map_ss(&q, 1 << 20) == -EINVAL, "no share region on an SVA device");
		e.dst_len = 10;
		ok(kq_roundtrip(&q, &e, &c) == -ENOSPC, "MEMCPY into a small dst: ENOSPC");
	}
	kq_close(&q);
}

static void check_exhaustion(const char *dev)
{
	long total = kq_attr_long(dev, "params/nr_queues");
	int *fds = calloc(total + 1, sizeof(int));
	int n = 0, last;

	while (n <= total && (fds[n] = kq_open_fd(dev)) >= 0)
		n++;
	last = n <= total ? fds[n] : 0;
	ok(n == total && last == -EBUSY, "%s: %d queues opened, then EBUSY (%d)",
	   dev, n, last);
	ok(kq_attr_long(dev, "params/nr_queue_remained") == 0, "none remains");
	while (n > 0)
		close(fds[--n]);
	ok(kq_attr_long(dev, "params/nr_queue_remained") == total,
	   "all %ld back after close", total);
	free(fds);
}

int main(void)
{
	char sva[64], sd[64];

	tap_plan(0);
	kq_dev_or_bail(UACCE_DEV_SVA, sva, sizeof(sva));
	kq_dev_or_bail(UACCE_DEV_SHARE_DOMAIN, sd, sizeof(sd));
	check_sysfs(sva, UACCE_DEV_SVA);
	check_sysfs(sd, UACCE_DEV_SHARE_DOMAIN);
	check_setup_rules(sva);
	check_requests(sva);
	check_requests(sd);
	ok(kq_attr_long(sd, "region_ss_size") > 0, "share region limit shown");
	{
		struct kq q;
		long max = kq_attr_long(sd, "region_ss_size");

		if (!kq_open(&q, sd, 0)) {
			ok(kq_map_ss(&q, max + 4096) == -ENOMEM,
			   "share region over the limit: ENOMEM");
			ok(!kq_map_ss(&q, 4096) && kq_map_ss(&q, 4096) == -EEXIST,
			   "share region mapped once");
			ok(q.ss[0] == 0 && q.ss[4095] == 0, "share region zeroed");
			kq_close(&q);
		}
	}
	check_exhaustion(sva);
	check_exhaustion(sd);
	return tap_exit();
}
