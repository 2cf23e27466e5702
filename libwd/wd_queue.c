// SPDX-License-Identifier: MIT
/*
 * wd_queue.c - queues: request, send, receive, wait, release.
 *
 * The data path (wd_send, wd_recv) is plain loads and stores on the ring
 * memory of wd_ring.h: the only system call it can make is the kick of a
 * device that announced it went to sleep (ctrl->dev_idle).
 *
 * Every request in flight holds a slot; the descriptor's tag carries the
 * slot and a generation, so a completion that matches no request (a broken
 * or hostile device) is detected instead of handing back a stale pointer.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "wd_internal.h"
#include "wd_stats_priv.h"

#define WD_RECV_SPIN_NS		20000	/* always poll this long before sleeping */

static inline struct wd_qp *wd_qp_of(const struct wd_queue *q)
{
	return q ? q->priv : NULL;
}

/* Queues inherited across fork() are dead in the child. */
static inline int wd_qp_foreign(const struct wd_qp *qp)
{
	return qp->fork_gen != atomic_load_explicit(&wd_fork_gen, memory_order_relaxed);
}

static int wd_qp_alloc_slots(struct wd_qp *qp)
{
	uint32_t i;

	qp->slot_msg = calloc(qp->depth, sizeof(*qp->slot_msg));
	qp->slot_gen = calloc(qp->depth, sizeof(*qp->slot_gen));
	qp->free_slots = calloc(qp->depth, sizeof(*qp->free_slots));
	if (!qp->slot_msg || !qp->slot_gen || !qp->free_slots)
		return -ENOMEM;
	/* Hand out low slots first: it keeps the hot part of the arrays small. */
	for (i = 0; i < qp->depth; i++)
		qp->free_slots[i] = qp->depth - 1 - i;
	qp->nr_free = qp->depth;
	return 0;
}

static void wd_qp_free(struct wd_qp *qp)
{
	free(qp->slot_msg);
	free(qp->slot_gen);
	free(qp->free_slots);
	free(qp->free_ctx);
	free(qp);
}

WD_EXPORT int wd_request_queue(struct wd_queue *q)
{
	struct wd_capa capa;
	struct wd_qp *qp;
	int ret;

	if (!q)
		return -EINVAL;
	capa = q->capa;
	if (capa.depth && ((capa.depth & (capa.depth - 1)) ||
			   capa.depth > WD_RING_MAX_DEPTH || capa.depth < 2))
		return -EINVAL;
	if ((capa.flags & WD_CAPA_SVA) && (capa.flags & WD_CAPA_SHARE_DOMAIN))
		return -EINVAL;
	qp = calloc(1, sizeof(*qp));
	if (!qp)
		return -ENOMEM;
	qp->q = q;
	qp->fd = -1;
	qp->fork_gen = atomic_load(&wd_fork_gen);
	ret = wd_device_open_queue(qp, &capa);
	if (ret) {
		wd_qp_free(qp);
		return ret;
	}
	ret = wd_qp_alloc_slots(qp);
	if (ret) {
		qp->drv->close(qp);
		wd_qp_free(qp);
		return ret;
	}
	qp->stats = wd_stats_queue_get(qp->dev.name,
				       capa.flags & WD_CAPA_SHARE_DOMAIN ? "share" : "sva");
	snprintf(q->dev_name, sizeof(q->dev_name), "%s", qp->dev.name);
	snprintf(q->api_version, sizeof(q->api_version), "%s", qp->dev.api_version);
	q->depth = qp->depth;
	q->fd = qp->fd;
	q->priv = qp;
	return 0;
}

WD_EXPORT void wd_release_queue(struct wd_queue *q)
{
	struct wd_qp *qp = wd_qp_of(q);

	if (!qp)
		return;
	q->priv = NULL;
	q->fd = -1;
	if (wd_qp_foreign(qp)) {
		/*
		 * Inherited: the memory was not copied into this process and the
		 * device is the parent's. Only the bookkeeping is ours to free.
		 */
		wd_qp_free(qp);
		return;
	}
	qp->drv->close(qp);
	if (qp->share_base)
		munmap(qp->share_base, qp->share_size);
	wd_stats_queue_put(qp->stats);
	wd_qp_free(qp);
}

static inline int wd_msg_valid(const struct wd_msg *m)
{
	return m->opcode < WD_OP_MAX && m->src_len <= UINT32_MAX &&
	       m->dst_len <= UINT32_MAX && m->param_len <= UINT32_MAX;
}

WD_EXPORT int wd_send(struct wd_queue *q, void *req)
{
	struct wd_qp *qp = wd_qp_of(q);
	struct wd_msg *m = req;
	struct wd_sqe *e;
	uint32_t slot, gen;

	if (!qp || !m)
		return -EINVAL;
	if (wd_qp_foreign(qp))
		return -EPERM;
	if (!wd_msg_valid(m))
		return -EINVAL;
	if (!qp->nr_free || (qp->busy && qp->busy(qp))) {
		if (qp->stats)
			WD_STAT_ADD(qp->stats->busy, 1);
		return -EBUSY;
	}
	slot = qp->free_slots[--qp->nr_free];
	gen = ++qp->slot_gen[slot];
	qp->slot_msg[slot] = m;

	e = &qp->sq[qp->sq_idx & (qp->depth - 1)];
	e->tag = (uint64_t)gen << 32 | slot;
	e->opcode = m->opcode;
	e->flags = m->flags;
	e->ctx_id = m->ctx_id;
	e->src = (uintptr_t)m->src;
	e->src_len = (uint32_t)m->src_len;
	e->dst_len = (uint32_t)m->dst_len;
	e->dst = (uintptr_t)m->dst;
	e->param = (uintptr_t)m->param;
	e->param_len = (uint32_t)m->param_len;
	e->op_arg = m->op_arg;
	e->reserved = 0;
	/* Publish: the device reads the entry only after it sees the phase. */
	__atomic_store_n(&e->phase, WD_RING_PHASE(qp->sq_idx, qp->depth), __ATOMIC_RELEASE);
	qp->sq_idx++;
	qp->inflight++;

	/*
	 * Pairs with the device's fence between setting dev_idle and its last
	 * look at the ring: either it sees our entry, or we see it asleep.
	 */
	atomic_thread_fence(memory_order_seq_cst);
	if (__atomic_load_n(&qp->ctrl->dev_idle, __ATOMIC_RELAXED))
		qp->drv->kick(qp);

	if (qp->stats) {
		WD_STAT_ADD(qp->stats->requests, 1);
		WD_STAT_ADD(qp->stats->bytes_in, m->src_len);
	}
	return 0;
}

static inline int wd_cq_ready(const struct wd_qp *qp, uint32_t idx)
{
	const struct wd_cqe *c = &qp->cq[idx & (qp->depth - 1)];

	return __atomic_load_n(&c->phase, __ATOMIC_ACQUIRE) == WD_RING_PHASE(idx, qp->depth);
}

static int wd_take_completion(struct wd_qp *qp, void **req)
{
	const struct wd_cqe *c = &qp->cq[qp->cq_idx & (qp->depth - 1)];
	uint64_t tag = c->tag;
	uint32_t slot = (uint32_t)tag, gen = (uint32_t)(tag >> 32);
	struct wd_msg *m;

	qp->cq_idx++;
	if (slot >= qp->depth || !qp->slot_msg[slot] || qp->slot_gen[slot] != gen) {
		if (qp->stats)
			WD_STAT_ADD(qp->stats->errors, 1);
		return -EIO;
	}
	m = qp->slot_msg[slot];
	qp->slot_msg[slot] = NULL;
	qp->free_slots[qp->nr_free++] = slot;
	qp->inflight--;

	m->status = c->status;
	m->produced = c->produced;
	m->consumed = c->consumed;
	m->out_flags = c->flags;
	if (m->status > 0)	/* a device may only report 0 or -errno */
		m->status = -EIO;
	if (qp->stats) {
		WD_STAT_ADD(qp->stats->completions, 1);
		WD_STAT_ADD(qp->stats->bytes_out, m->produced);
		if (m->status)
			WD_STAT_ADD(qp->stats->errors, 1);
	}
	*req = m;
	return 1;
}

WD_EXPORT int wd_recv(struct wd_queue *q, void **req)
{
	struct wd_qp *qp = wd_qp_of(q);

	if (!qp || !req)
		return -EINVAL;
	if (wd_qp_foreign(qp))
		return -EPERM;
	if (!wd_cq_ready(qp, qp->cq_idx))
		return -EAGAIN;
	return wd_take_completion(qp, req);
}

static int64_t wd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t wd_spin_max_ns;

static void wd_spin_max_read(void)
{
	wd_spin_max_ns = wd_config_long(WD_CFG_RECV_SPIN_MAX_US) * 1000;
}

/*
 * How long a wait polls before it sleeps. Always WD_RECV_SPIN_NS: a device
 * that answers in microseconds is not worth a sleep. Longer when the queue
 * waits for one request at a time and its waits have lately been shorter
 * than WD_RECV_SPIN_MAX_US: then the poll runs through the expected time
 * and a quarter more. A sleep costs a wake-up of tens of microseconds (more
 * in a VM), and for a synchronous caller that is pure latency: it is most
 * of what separated a 2048-bit RSA signature on the soft device from one on
 * the caller's own CPU. A queue with several requests in flight (the shim's
 * parallel chunks) keeps the short poll, so that its thread leaves the CPUs
 * to the engines.
 */
static int64_t wd_spin_budget(const struct wd_qp *qp)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int64_t est = qp->wait_est_ns, max;

	pthread_once(&once, wd_spin_max_read);
	max = wd_spin_max_ns;
	if (qp->inflight != 1 || !est || est > max)
		return WD_RECV_SPIN_NS;
	est += est / 4;
	return est < WD_RECV_SPIN_NS ? WD_RECV_SPIN_NS : est > max ? max : est;
}

/*
 * Wait until the completion at index idx is posted, or the deadline
 * (ns, -1: none) passes: polls for wd_spin_budget(), then sleeps in the
 * driver. Past the short poll it yields at every turn, so that a thread
 * the device needs (a soft engine on this CPU) runs first.
 */
static int wd_wait_cq_poll_sleep(struct wd_qp *qp, uint32_t idx, int64_t start,
				 int64_t deadline, int64_t budget)
{
	int64_t spin_end = start + budget;
	struct wd_ring_ctrl *ctrl = qp->ctrl;

	while (!wd_cq_ready(qp, idx)) {
		int64_t now = wd_now_ns();
		uint32_t seq;
		int tmo = -1;

		if (now < spin_end) {
			if (now - start < WD_RECV_SPIN_NS)
				wd_cpu_relax();
			else
				sched_yield();
			continue;
		}
		if (deadline >= 0) {
			if (now >= deadline)
				return -ETIMEDOUT;
			tmo = (int)((deadline - now + 999999) / 1000000);
		}
		seq = __atomic_load_n(&ctrl->cq_seq, __ATOMIC_ACQUIRE);
		__atomic_store_n(&ctrl->user_waiting, 1, __ATOMIC_RELAXED);
		/* Pairs with the device's fence between posting and its look. */
		atomic_thread_fence(memory_order_seq_cst);
		if (!wd_cq_ready(qp, idx) && qp->drv->wait(qp, seq, tmo) == -ENODEV) {
			/* The device is gone (module unloaded): nothing will come. */
			__atomic_store_n(&ctrl->user_waiting, 0, __ATOMIC_RELAXED);
			return -ENODEV;
		}
		__atomic_store_n(&ctrl->user_waiting, 0, __ATOMIC_RELAXED);
	}
	return 0;
}

static int wd_wait_cq(struct wd_qp *qp, uint32_t idx, int64_t deadline)
{
	int64_t start = wd_now_ns();
	int ret = wd_wait_cq_poll_sleep(qp, idx, start, deadline, wd_spin_budget(qp));
	int64_t waited = wd_now_ns() - start;

	/* the running estimate of this queue's wait: 1/8 of the new one */
	qp->wait_est_ns += qp->wait_est_ns ? (waited - qp->wait_est_ns) / 8 : waited;
	return ret;
}

WD_EXPORT int wd_recv_timeout(struct wd_queue *q, void **req, int timeout_ms)
{
	struct wd_qp *qp = wd_qp_of(q);
	int64_t deadline = -1;
	int ret;

	ret = wd_recv(q, req);
	if (ret != -EAGAIN)
		return ret;
	if (!qp->inflight)
		return -ENOENT;
	if (timeout_ms >= 0)
		deadline = wd_now_ns() + (int64_t)timeout_ms * 1000000;
	ret = wd_wait_cq(qp, qp->cq_idx, deadline);
	if (ret)
		return ret;
	return wd_take_completion(qp, req);
}

/*
 * Reads only what the receiving thread owns (cq_idx) and what the device
 * writes (the completion ring, ctrl): the sending side (sq_idx, the slots,
 * inflight) may change under it. Hence the short poll, which needs no
 * in-flight count, and no update of the wait estimate.
 */
WD_EXPORT int wd_wait_ready(struct wd_queue *q, int timeout_ms)
{
	struct wd_qp *qp = wd_qp_of(q);
	int64_t deadline = -1, now;

	if (!qp)
		return -EINVAL;
	if (wd_qp_foreign(qp))
		return -EPERM;
	now = wd_now_ns();
	if (timeout_ms >= 0)
		deadline = now + (int64_t)timeout_ms * 1000000;
	return wd_wait_cq_poll_sleep(qp, qp->cq_idx, now, deadline, WD_RECV_SPIN_NS);
}

WD_EXPORT int wd_queue_set_event_fd(struct wd_queue *q, int efd)
{
	struct wd_qp *qp = wd_qp_of(q);

	if (!qp)
		return -EINVAL;
	if (wd_qp_foreign(qp))
		return -EPERM;
	if (!qp->drv->set_event_fd)
		return -EOPNOTSUPP;
	return qp->drv->set_event_fd(qp, efd < 0 ? -1 : efd);
}

WD_EXPORT int wd_recv_sync(struct wd_queue *q, void **req)
{
	return wd_recv_timeout(q, req, -1);
}

WD_EXPORT void wd_flush(struct wd_queue *q)
{
	struct wd_qp *qp = wd_qp_of(q);

	if (!qp || wd_qp_foreign(qp) || !qp->inflight)
		return;
	qp->drv->kick(qp);
	/* The device answers in order, so the last one posted means all are. */
	wd_wait_cq(qp, qp->cq_idx + qp->inflight - 1, -1);
}

WD_EXPORT unsigned int wd_queue_inflight(const struct wd_queue *q)
{
	const struct wd_qp *qp = wd_qp_of(q);

	return qp ? qp->inflight : 0;
}

WD_EXPORT void *wd_preserve_share_memory(struct wd_queue *q, size_t size)
{
	struct wd_qp *qp = wd_qp_of(q);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	if (!qp || !size) {
		errno = EINVAL;
		return NULL;
	}
	if (wd_qp_foreign(qp)) {
		errno = EPERM;
		return NULL;
	}
	if (!(q->capa.flags & WD_CAPA_SHARE_DOMAIN)) {
		errno = EINVAL;
		return NULL;
	}
	if (size > SIZE_MAX - page) {
		errno = ENOMEM;
		return NULL;
	}
	size = (size + page - 1) & ~(page - 1);
	if (!qp->share_base) {
		size_t want = size > WD_SHARE_MIN_SIZE ? size : WD_SHARE_MIN_SIZE;

		p = qp->drv->share_map(qp, want);
		if (!p)
			return NULL;
		qp->share_base = p;
		qp->share_size = want;
	}
	if (size > qp->share_size - qp->share_used) {
		errno = ENOMEM;
		return NULL;
	}
	p = qp->share_base + qp->share_used;
	qp->share_used += size;
	return p;
}

WD_EXPORT int wd_ctx_alloc(struct wd_queue *q)
{
	struct wd_qp *qp = wd_qp_of(q);

	if (!qp)
		return -EINVAL;
	if (wd_qp_foreign(qp))
		return -EPERM;
	if (qp->nr_free_ctx)
		return (int)qp->free_ctx[--qp->nr_free_ctx];
	if (!qp->next_ctx)
		qp->next_ctx = 1;	/* 0 means stateless */
	if (qp->next_ctx >= WD_MAX_CTX)
		return -ENOSPC;
	return (int)qp->next_ctx++;
}

WD_EXPORT void wd_ctx_free(struct wd_queue *q, uint32_t ctx_id)
{
	struct wd_qp *qp = wd_qp_of(q);

	if (!qp || wd_qp_foreign(qp) || !ctx_id || ctx_id >= qp->next_ctx)
		return;
	if (qp->nr_free_ctx >= WD_MAX_CTX)
		return;	/* freed twice: ignore rather than overflow */
	if (!qp->free_ctx) {
		qp->free_ctx = malloc(WD_MAX_CTX * sizeof(*qp->free_ctx));
		if (!qp->free_ctx)
			return;	/* the id is lost, never reused: harmless */
	}
	qp->free_ctx[qp->nr_free_ctx++] = ctx_id;
}
