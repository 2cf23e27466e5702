// SPDX-License-Identifier: MIT
/*
 * soft_mem.c - what memory a soft queue's device may touch.
 *
 * Share-domain queues: only their share region, checked by arithmetic.
 * SVA queues: any mapped memory of this process with the right access. A
 * hardware device would take an IOMMU fault on anything else and complete
 * with an error; the soft engine must not take a SIGSEGV instead, so it
 * probes every page of the range with process_vm_readv/writev on itself,
 * which fails with EFAULT where a load or store would fault. One system call
 * covers up to IOV_MAX pages, on the engine's thread, not the submitter's.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>
#include "wd_internal.h"
#include "soft_engine.h"

#define SOFT_USER_TOP	0x0000800000000000ull	/* x86-64 user half */
#define SOFT_PROBE_IOV	256

static int soft_probe_pages(uint64_t addr, uint64_t len, int write)
{
	static __thread unsigned char scratch[SOFT_PROBE_IOV];
	struct iovec local[SOFT_PROBE_IOV], remote[SOFT_PROBE_IOV];
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t p = addr & ~(page - 1), end = addr + len;
	pid_t self = getpid();

	while (p < end) {
		int n = 0;
		ssize_t got;

		for (; p < end && n < SOFT_PROBE_IOV; p += page, n++) {
			uint64_t at = p < addr ? addr : p;

			local[n].iov_base = &scratch[n];
			local[n].iov_len = 1;
			remote[n].iov_base = (void *)(uintptr_t)at;
			remote[n].iov_len = 1;
		}
		got = process_vm_readv(self, local, n, remote, n, 0);
		if (got != n)
			return -EFAULT;
		/* Write back what was read: proves the page is writable. */
		if (write && process_vm_writev(self, local, n, remote, n, 0) != n)
			return -EFAULT;
	}
	return 0;
}

void *soft_buf(struct soft_queue *q, uint64_t addr, uint64_t len, int write)
{
	static char empty[1];

	if (!len)
		return addr ? (void *)(uintptr_t)addr : empty;
	if (addr + len < addr)
		return NULL;
	if (q->share_domain) {
		uint64_t base = atomic_load_explicit(&q->share_base, memory_order_acquire);
		uint64_t size = atomic_load_explicit(&q->share_size, memory_order_relaxed);

		if (!base || addr < base || addr + len > base + size)
			return NULL;
		return (void *)(uintptr_t)addr;
	}
	if (addr < 4096 || addr + len > SOFT_USER_TOP)
		return NULL;
	if (soft_probe_pages(addr, len, write))
		return NULL;
	return (void *)(uintptr_t)addr;
}

struct soft_ctx *soft_ctx(struct soft_queue *q, uint32_t ctx_id)
{
	if (!ctx_id || ctx_id >= WD_MAX_CTX)
		return NULL;
	if (!q->ctx) {
		q->ctx = calloc(WD_MAX_CTX, sizeof(*q->ctx));
		if (!q->ctx)
			return NULL;
	}
	return &q->ctx[ctx_id];
}

void soft_ctx_reset(struct soft_ctx *c)
{
	if (c->state && c->destroy)
		c->destroy(c->state);
	c->state = NULL;
	c->destroy = NULL;
}
