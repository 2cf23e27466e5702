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
 * covers up to 256 pages of all of a request's ranges (soft_bufs()), on the
 * engine's thread, not the submitter's.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>
#include "wd_internal.h"
#include "soft_engine.h"

#define SOFT_USER_TOP	0x0000800000000000ull	/* x86-64 user half */
#define SOFT_PROBE_IOV	256

/*
 * This process's pid, for process_vm_readv/writev on itself: glibc does not
 * cache getpid(), and a request's probes asked for it once per range, a
 * system call each (costly in a VM). Forgotten in a child after fork.
 */
static pid_t soft_pid;

static void soft_pid_forget(void)
{
	__atomic_store_n(&soft_pid, 0, __ATOMIC_RELAXED);
}

static void soft_pid_atfork(void)
{
	wd_atfork_register(soft_pid_forget);
}

static pid_t soft_self(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pid_t pid = __atomic_load_n(&soft_pid, __ATOMIC_RELAXED);

	if (!pid) {
		pthread_once(&once, soft_pid_atfork);
		pid = getpid();
		__atomic_store_n(&soft_pid, pid, __ATOMIC_RELAXED);
	}
	return pid;
}

/*
 * Page probes, batched: a byte of every page of every range of a request
 * is read with one process_vm_readv (up to SOFT_PROBE_IOV pages a call),
 * and the bytes of the pages that must be writable are written back with
 * one process_vm_writev.
 */
struct soft_probe {
	unsigned char scratch[SOFT_PROBE_IOV];
	struct iovec local[SOFT_PROBE_IOV], remote[SOFT_PROBE_IOV];
	struct iovec wlocal[SOFT_PROBE_IOV], wremote[SOFT_PROBE_IOV];
	int n, nw;
};

static int soft_probe_flush(struct soft_probe *pr)
{
	pid_t self = soft_self();
	int n = pr->n, nw = pr->nw;

	pr->n = pr->nw = 0;
	if (n && process_vm_readv(self, pr->local, n, pr->remote, n, 0) != n)
		return -EFAULT;
	/* Write back what was read: proves the page is writable. */
	if (nw && process_vm_writev(self, pr->wlocal, nw, pr->wremote, nw, 0) != nw)
		return -EFAULT;
	return 0;
}

static int soft_probe_add(struct soft_probe *pr, uint64_t addr, uint64_t len, int write)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t p = addr & ~(page - 1), end = addr + len;

	for (; p < end; p += page) {
		uint64_t at = p < addr ? addr : p;
		int i = pr->n++;

		pr->local[i].iov_base = &pr->scratch[i];
		pr->local[i].iov_len = 1;
		pr->remote[i].iov_base = (void *)(uintptr_t)at;
		pr->remote[i].iov_len = 1;
		if (write) {
			pr->wlocal[pr->nw] = pr->local[i];
			pr->wremote[pr->nw++] = pr->remote[i];
		}
		if (pr->n == SOFT_PROBE_IOV && soft_probe_flush(pr))
			return -EFAULT;
	}
	return 0;
}

/* The checks that need no probe; *probe: the pages must still be probed. */
static void *soft_range_check(struct soft_queue *q, uint64_t addr, uint64_t len,
			      int *probe)
{
	static char empty[1];

	*probe = 0;
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
	*probe = 1;
	return (void *)(uintptr_t)addr;
}

int soft_bufs(struct soft_queue *q, struct soft_range *r, unsigned int n)
{
	static __thread struct soft_probe pr;	/* 12 KiB: not on the stack */
	unsigned int i;
	int probe, ret = 0;

	pr.n = pr.nw = 0;
	for (i = 0; i < n; i++) {
		r[i].ptr = soft_range_check(q, r[i].addr, r[i].len, &probe);
		if (!r[i].ptr)
			ret = -EFAULT;
		else if (probe && !ret && soft_probe_add(&pr, r[i].addr, r[i].len, r[i].write))
			ret = -EFAULT;
	}
	if (!ret)
		ret = soft_probe_flush(&pr);
	if (ret)	/* which range failed a probe is not known: none is usable */
		for (i = 0; i < n; i++)
			r[i].ptr = NULL;
	return ret;
}

void *soft_buf(struct soft_queue *q, uint64_t addr, uint64_t len, int write)
{
	struct soft_range r = { addr, len, write, NULL };

	return soft_bufs(q, &r, 1) ? NULL : r.ptr;
}

/* libwd hands out the ids its devices keep slots for */
_Static_assert(WD_MAX_CTX == WD_RING_MAX_CTX, "session ids of core and device");

struct soft_ctx *soft_ctx(struct soft_queue *q, uint32_t ctx_id)
{
	if (!wd_check_ctx_id(ctx_id))
		return NULL;
	if (!q->ctx) {
		q->ctx = calloc(WD_RING_MAX_CTX, sizeof(*q->ctx));
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
