/* SPDX-License-Identifier: MIT */
/*
 * wd_sched.h - the scheduling layer: what the algorithm layers (crypto/,
 * and comp/ later) use to get their requests answered. Private to libwd.
 *
 * One mechanism for every algorithm:
 *  - pools: queues are opened lazily, per process, per pool (an algorithm
 *    name for wd_capa.alg, so each queue sits on a device that serves it),
 *    and lent to one user at a time (wd.h's one-thread-per-queue rule);
 *    a process keeps at most SCHED_QUEUES_MAX of them;
 *  - share-domain staging: a pool that asks for it gets share-domain
 *    queues when the device has them, and each queue's piece of the share
 *    region is carved into parameter / source / destination; a request is
 *    copied in before the send and its output copied back after;
 *  - synchronous waits (wd_recv_sync) on a borrowed queue;
 *  - asynchronous waits (struct wd_async, wd_async.h): completion threads
 *    (reapers, the waiter) or a device that signals the eventfd itself;
 *  - fork rules: the child forgets the parent's queues and threads, and
 *    opens its own on first use;
 *  - a software fallback hook: the pool's fallback() computes a request in
 *    the caller when no queue can take it or the device failed.
 */
#ifndef WD_SCHED_H
#define WD_SCHED_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "wd.h"
#include "wd_async.h"

struct sched_slot;
struct sched_reapers;

/*
 * A pool: one static object per kind of queue an algorithm layer wants.
 * The algorithm fills the first fields; the rest is the layer's.
 */
struct wd_sched_pool {
	const char *alg;		/* wd_capa.alg of the pool's queues */
	/*
	 * Share-domain staging: bytes of each queue's share piece for the
	 * parameter block, the source and the destination. 0, 0, 0: the pool
	 * takes SVA queues only. A request larger than a piece is refused
	 * with -E2BIG on a staged queue (the caller falls back). Only the
	 * output is copied back: a staged parameter block is read-only.
	 */
	size_t stage_param, stage_src, stage_dst;
	/*
	 * Compute msg in the calling thread, as the device would (fill
	 * status, produced, consumed): used by wd_sched_do() when no queue
	 * is available or the device failed. NULL: no fallback.
	 */
	int (*fallback)(struct wd_msg *msg);

	/* the layer's */
	struct sched_slot *free;	/* idle queues of this process */
	_Atomic long long retry_at;	/* no queue could be opened: wait */
	struct sched_reapers *reapers;	/* completion threads, on first use */
	struct wd_sched_pool *next;	/* pools in use, for fork */
	int listed;
};

/* A queue lent by a pool (opaque). */
struct wd_sched_q;

/*
 * wd_sched_get - borrow a queue of pool p (opened now if the pool has no
 * idle one). NULL when none can be had: the process holds
 * SCHED_QUEUES_MAX, or no device serves p->alg (then no new open is tried
 * for a while, so that a fallback costs nothing).
 */
struct wd_sched_q *wd_sched_get(struct wd_sched_pool *p);

/* wd_sched_put - give it back (a queue of the parent, in a child: closed). */
void wd_sched_put(struct wd_sched_q *sq);

/* The borrowed queue itself, for wd_ctx_alloc and the like. */
struct wd_queue *wd_sched_queue(struct wd_sched_q *sq);

/* 1 when sq was borrowed before a fork() and this is the child. */
int wd_sched_stale(const struct wd_sched_q *sq);

/*
 * wd_sched_cache_ctx - the queue's one device session kept for the
 * algorithm across borrowers (RSA's key cache), allocated on first use;
 * 0 when the device has none left.
 */
uint32_t wd_sched_cache_ctx(struct wd_sched_q *sq);

/*
 * wd_sched_run - send msg on sq (staged if sq is a share-domain queue)
 * and wait for it. 0 with msg->status set, or a negative errno when the
 * request did not reach the device or was not answered.
 */
int wd_sched_run(struct wd_sched_q *sq, struct wd_msg *msg);

/*
 * wd_sched_do - borrow, run, give back. cache: put the queue's cache
 * session in msg->ctx_id. With fallback (and p->fallback set), a request
 * no queue could take, or that the device failed (an error other than an
 * answer, or msg->status -EIO/-ENODEV/-ENOMEM), is computed by
 * p->fallback(); *fell_back (if not NULL) says so: 0, or why
 * (WD_SCHED_FELL_BACK_*, a device failure is worth an error count).
 * Returns 0 with msg->status, or a negative errno.
 */
#define WD_SCHED_FELL_BACK_NO_QUEUE	1
#define WD_SCHED_FELL_BACK_FAILED	2
int wd_sched_do(struct wd_sched_pool *p, struct wd_msg *msg, int cache,
		int fallback, int *fell_back);

/*
 * Asynchronous: submit, then wd_async_result(a) says -EAGAIN until the
 * answer is in (a's fd is readable then). An error returned here means
 * nothing is in flight: the caller computes the request another way.
 *
 * wd_sched_submit - on any queue of p: a's own queue when its device
 * signals eventfds (staged as wd_sched_run), else a reaper's.
 * wd_sched_submit_held - on sq, which the caller holds (a stream's
 * device state lives there) and must not touch until the answer is in.
 */
int wd_sched_submit(struct wd_sched_pool *p, struct wd_msg *msg, int cache,
		    struct wd_async *a);
int wd_sched_submit_held(struct wd_sched_q *sq, struct wd_msg *msg,
			 struct wd_async *a);
/*
 * wd_sched_submit_lent - borrow a queue of p for this request only, submit
 * as wd_sched_submit_held, and give the queue back when the result is
 * taken. -ENODEV when no queue can be had.
 */
int wd_sched_submit_lent(struct wd_sched_pool *p, struct wd_msg *msg,
			 struct wd_async *a);

/*
 * Room a wd_async keeps for the algorithm layer's request while it is in
 * flight (the caller's own storage may be gone: a paused job's stack is
 * not): a message, and scratch bytes for its parameter block.
 * finish(a, result, arg) runs in wd_async_result, in the caller's thread,
 * when the answer is taken, and returns what wd_async_result returns.
 */
#define WD_SCHED_SCRATCH	320
struct wd_msg *wd_sched_async_msg(struct wd_async *a);
void *wd_sched_async_scratch(struct wd_async *a);
void wd_sched_async_finish(struct wd_async *a,
			   int (*finish)(struct wd_async *a, int result, void *arg),
			   void *arg);

#endif /* WD_SCHED_H */
