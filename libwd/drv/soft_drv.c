// SPDX-License-Identifier: MIT
/*
 * soft_drv.c - the user driver of the built-in soft device.
 *
 * The "device" is the engine threads of soft_engine.c; its queues' rings are
 * anonymous memory of this process, marked MADV_DONTFORK so that a child
 * does not inherit them (the kernel's VM_DONTCOPY for uacce queues).
 * Kicks and completion waits are private futexes: no file descriptor, but
 * for an eventfd the caller may hand over (wd_queue_set_event_fd).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "wd_internal.h"
#include "wd_fork.h"
#include "soft/soft_engine.h"

#define SOFT_DEV_NAME	"soft"

static int soft_list(struct wd_dev_info *devs, int max)
{
	long total = wd_config_long(WD_CFG_SOFT_MAX_QUEUES);

	if (soft_fault.missing)
		return 0;
	if (max < 1 || !devs)
		return 1;
	memset(devs, 0, sizeof(*devs));
	snprintf(devs->name, sizeof(devs->name), SOFT_DEV_NAME);
	snprintf(devs->api_version, sizeof(devs->api_version), WD_RING_API_SOFT);
	snprintf(devs->algorithms, sizeof(devs->algorithms), "%s", soft_algorithms());
	devs->flags = WD_CAPA_SVA | (soft_fault.no_share ? 0 : WD_CAPA_SHARE_DOMAIN);
	devs->numa_node = -1;
	devs->queues_total = (int)total;
	devs->queues_free = (int)total - soft_engine_queues();
	devs->is_kernel = 0;
	return 1;
}

static size_t soft_region_size(uint32_t depth)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t sz = WD_RING_CTRL_SIZE + depth * sizeof(struct wd_sqe) +
		    depth * sizeof(struct wd_cqe);

	return (sz + page - 1) & ~(page - 1);
}

static void *soft_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, size, MADV_DONTFORK)) {
		munmap(p, size);
		return NULL;
	}
	return p;
}

/* Injected "queue full": every Nth send of a soft queue (WD_SOFT_FAULT). */
static int soft_busy(struct wd_qp *qp)
{
	struct soft_queue *sq = qp->drv_priv;

	return soft_fault.busy_every && ++sq->sends % soft_fault.busy_every == 0;
}

static int soft_open(struct wd_qp *qp, const struct wd_dev_info *dev,
		     const struct wd_capa *capa)
{
	uint32_t depth = capa->depth ? capa->depth : WD_RING_DEFAULT_DEPTH;
	size_t size = soft_region_size(depth);
	struct wd_ring_ctrl *ctrl;
	struct soft_queue *sq;
	int ret;

	(void)dev;
	if (soft_fault_vanished())
		return -ENODEV;
	sq = calloc(1, sizeof(*sq));
	if (!sq)
		return -ENOMEM;
	ctrl = soft_map(size);
	if (!ctrl) {
		free(sq);
		return -ENOMEM;
	}
	ctrl->version = WD_RING_VERSION;
	ctrl->sq_depth = depth;
	ctrl->cq_depth = depth;
	ctrl->sq_offset = WD_RING_CTRL_SIZE;
	ctrl->cq_offset = WD_RING_CTRL_SIZE + depth * sizeof(struct wd_sqe);
	ctrl->region_size = (uint32_t)size;
	ctrl->flags = capa->flags & WD_CAPA_SHARE_DOMAIN ? WD_RING_F_SHARE_DOMAIN : 0;
	ctrl->magic = WD_RING_MAGIC;

	sq->ctrl = ctrl;
	sq->sq = (struct wd_sqe *)((char *)ctrl + ctrl->sq_offset);
	sq->cq = (struct wd_cqe *)((char *)ctrl + ctrl->cq_offset);
	sq->depth = depth;
	sq->share_domain = !!(ctrl->flags & WD_RING_F_SHARE_DOMAIN);
	sq->event_fd = -1;
	pthread_mutex_init(&sq->event_lock, NULL);
	ret = soft_engine_attach(sq);
	if (ret) {
		munmap(ctrl, size);
		free(sq);
		return ret;
	}
	qp->drv_priv = sq;
	qp->ctrl = ctrl;
	qp->sq = sq->sq;
	qp->cq = sq->cq;
	qp->depth = depth;
	qp->fd = -1;
	if (soft_fault.busy_every)
		qp->busy = soft_busy;
	return 0;
}

static void soft_close(struct wd_qp *qp)
{
	struct soft_queue *sq = qp->drv_priv;
	uint32_t i;

	soft_engine_detach(sq);
	if (sq->event_fd >= 0)
		close(sq->event_fd);
	pthread_mutex_destroy(&sq->event_lock);
	if (sq->ctx) {
		for (i = 0; i < WD_RING_MAX_CTX; i++)
			soft_ctx_reset(&sq->ctx[i]);
		free(sq->ctx);
	}
	munmap(sq->ctrl, sq->ctrl->region_size);
	free(sq);
	qp->drv_priv = NULL;
}

static void soft_kick(struct wd_qp *qp)
{
	soft_engine_kick(qp->drv_priv);
}

static int soft_wait(struct wd_qp *qp, uint32_t seq, int timeout_ms)
{
	struct timespec ts, *tmo = NULL;
	long r;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tmo = &ts;
	}
	r = syscall(SYS_futex, &qp->ctrl->cq_seq, FUTEX_WAIT_PRIVATE, seq, tmo, NULL, 0);
	return r < 0 && errno == ETIMEDOUT ? -ETIMEDOUT : 0;
}

/* Is fd an eventfd? As the kernel's eventfd_ctx_fdget(), refuse anything else. */
static int soft_is_eventfd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = 0;
	return !strcmp(target, "anon_inode:[eventfd]");
}

/*
 * The engine writes a duplicate of efd, so the caller may close its own at
 * any time; the old duplicate is closed once no engine can be writing it.
 */
static int soft_set_event_fd(struct wd_qp *qp, int efd)
{
	struct soft_queue *sq = qp->drv_priv;
	int dup = -1, old;

	if (soft_fault.no_event_fd)
		return -EOPNOTSUPP;
	if (efd >= 0) {
		dup = fcntl(efd, F_DUPFD_CLOEXEC, 0);
		if (dup < 0)
			return -errno;
		/*
		 * Judge the duplicate, not efd: another thread may close efd
		 * and reuse its number for a file between a check and the dup.
		 */
		if (!soft_is_eventfd(dup)) {
			close(dup);
			return -EINVAL;
		}
	}
	pthread_mutex_lock(&sq->event_lock);
	old = sq->event_fd;
	sq->event_fd = dup;
	atomic_store_explicit(&sq->event_on, dup >= 0, memory_order_relaxed);
	pthread_mutex_unlock(&sq->event_lock);
	if (old >= 0)
		close(old);
	return 0;
}

static void *soft_share_map(struct wd_qp *qp, size_t size)
{
	struct soft_queue *sq = qp->drv_priv;
	void *p = soft_map(size);

	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	atomic_store_explicit(&sq->share_size, size, memory_order_relaxed);
	atomic_store_explicit(&sq->share_base, (uintptr_t)p, memory_order_release);
	return p;
}

/*
 * Once, before the first list: fault injection is read, and a forked child
 * forgets the parent's engine threads (the registry bumps the fork
 * generation first).
 */
static void soft_init(void)
{
	wd_atfork_register(soft_engine_fork_child);
	soft_fault_init();
}

const struct wd_drv wd_soft_drv = {
	.name = "soft",
	.init = soft_init,
	.list = soft_list,
	.open = soft_open,
	.close = soft_close,
	.kick = soft_kick,
	.wait = soft_wait,
	.set_event_fd = soft_set_event_fd,
	.share_map = soft_share_map,
};
