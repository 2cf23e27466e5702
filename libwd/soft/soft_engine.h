/* SPDX-License-Identifier: MIT */
/*
 * soft_engine.h - the built-in soft device: engine threads that serve
 * queues in this process exactly as hardware would.
 *
 * An engine thread sees a request only through ring memory (wd_ring.h): it
 * copies the submission entry, validates it, runs the operation, and posts a
 * completion entry. It never calls back into the submitter.
 *
 * Operations live in one file each (soft_op_*.c) and are reached through
 * soft_op_table (soft_ops.c). The checks of the device format are
 * wd_ring_check.h's, shared with wd_soft.ko. An operation handler:
 *   - gets a private copy of the validated submission entry,
 *   - resolves every address it uses with soft_buf() (which enforces the
 *     queue's addressing mode: share domain or SVA),
 *   - keeps stream state in soft_ctx() when sqe->ctx_id != 0,
 *   - fills cqe->status (0 or -errno), produced, consumed and flags.
 */
#ifndef SOFT_ENGINE_H
#define SOFT_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "wd_ring.h"
#include "wd_ring_check.h"

struct soft_engine;

/* Device-side state of one session (ctx_id) of a queue. */
struct soft_ctx {
	void *state;			/* owned by the operation */
	void (*destroy)(void *state);	/* frees state; called by the engine */
	uint16_t opcode;		/* the operation that owns state */
};

/* A queue as the engine sees it. */
struct soft_queue {
	struct wd_ring_ctrl *ctrl;
	struct wd_sqe *sq;
	struct wd_cqe *cq;
	uint32_t depth;
	uint32_t sq_head;		/* engine's next submission index */
	uint32_t cq_tail;		/* engine's next completion index */
	int share_domain;		/* addresses must be in the share region */
	_Atomic(uintptr_t) share_base;	/* published by wd_preserve_share_memory */
	_Atomic(size_t) share_size;
	struct soft_ctx *ctx;		/* WD_RING_MAX_CTX slots, lazily allocated */
	struct soft_engine *engine;
	unsigned long sends;		/* for injected -EBUSY, submitter side */
	/*
	 * The eventfd signalled after completions are posted
	 * (wd_queue_set_event_fd), a duplicate the driver owns; -1 for none.
	 * event_lock keeps it open while the engine writes it.
	 */
	pthread_mutex_t event_lock;
	int event_fd;
	atomic_int event_on;		/* event_fd >= 0: a hint read unlocked */
	int event_due;			/* engine only: answers posted, not signalled */
};

typedef void (*soft_op_fn)(struct soft_queue *q, const struct wd_sqe *sqe,
			   struct wd_cqe *cqe);

/* The operations; NULL entries complete with -EOPNOTSUPP. */
extern soft_op_fn soft_op_table[WD_OP_MAX];

/* Space separated algorithm names the soft device serves (soft_ops.c). */
const char *soft_algorithms(void);

/*
 * soft_buf - check that [addr, addr + len) may be touched by this queue's
 * device (read, or write when write != 0) and return it as a pointer.
 * In share-domain mode the range must lie inside the share region; in SVA
 * mode it must be a mapped part of this process (readable, and writable for
 * write). A zero len always succeeds (returns a non-NULL dummy when addr is
 * 0). Returns NULL when the device must not touch it: the handler then
 * completes with -EFAULT.
 */
void *soft_buf(struct soft_queue *q, uint64_t addr, uint64_t len, int write);

/*
 * soft_bufs - soft_buf() for the n ranges of one request at once, with one
 * probe for them all: fewer system calls per request. Sets each r[i].ptr;
 * returns 0, or -EFAULT with every ptr NULL when any range is refused.
 */
struct soft_range {
	uint64_t addr, len;
	int write;
	void *ptr;		/* out */
};
int soft_bufs(struct soft_queue *q, struct soft_range *r, unsigned int n);

/*
 * soft_ctx - the session slot of sqe->ctx_id, or NULL when ctx_id is out of
 * range. WD_SQE_F_FIRST resets the slot (its old state is destroyed) before
 * the handler runs; after a request with WD_SQE_F_LAST the engine destroys it.
 */
struct soft_ctx *soft_ctx(struct soft_queue *q, uint32_t ctx_id);
void soft_ctx_reset(struct soft_ctx *c);

/* Fault injection (soft_fault.c): WD_SOFT_FAULT, documented there. */
struct soft_fault {
	int active;
	int missing;
	unsigned long error_every;
	unsigned long vanish_after;	/* N + 1, 0 = off */
	unsigned long slow_us;
	unsigned long busy_every;
	int no_event_fd;		/* "noevent": as a kernel device, no eventfd */
	int no_share;			/* "noshare": SVA queues only */
};
extern struct soft_fault soft_fault;
void soft_fault_init(void);
int soft_fault_request(const struct wd_sqe *sqe);
int soft_fault_vanished(void);

/* Engine side of queue registration (soft_engine.c). */
int soft_engine_attach(struct soft_queue *q);
void soft_engine_detach(struct soft_queue *q);
void soft_engine_kick(struct soft_queue *q);
int soft_engine_count(void);
int soft_engine_queues(void);
void soft_engine_fork_child(void);

#endif /* SOFT_ENGINE_H */
