/* SPDX-License-Identifier: MIT */
/*
 * sched_priv.h - what the scheduling layer's files share: the lent queue
 * (a slot), share-domain staging, the waiter object, and fork.
 */
#ifndef SCHED_PRIV_H
#define SCHED_PRIV_H

#include <pthread.h>
#include "wd_internal.h"
#include "wd_sched.h"

#define SCHED_QUEUES_MAX	64	/* queues one process may borrow at once */

/* A pooled queue (struct wd_sched_q is this). */
struct sched_slot {
	struct wd_queue q;
	struct wd_sched_pool *pool;
	uint32_t cache_ctx;		/* wd_sched_cache_ctx, 0 = none yet */
	uint8_t *stage;			/* share-domain queue: its share piece */
	unsigned int gen;		/* fork generation when opened */
	struct sched_slot *next;
};

/* What a staged message pointed to, to put back when it is answered. */
struct stage_saved {
	const void *param, *src;
	void *dst;
};

int sched_stage(struct sched_slot *s, struct wd_msg *msg, struct stage_saved *sv);
void sched_unstage(struct sched_slot *s, struct wd_msg *msg,
		   const struct stage_saved *sv, int answered);
void sched_cache_set(struct wd_queue *q, uint32_t *ctx, struct wd_msg *msg);

/* The pool's accounting, for a slot closed instead of put back. */
void sched_slot_forget(struct sched_slot *s);

/* In the child: the pools' completion threads do not exist. */
void sched_pools_forget_reapers(void);

/* The fork generation of this process (wd_fork.h). */
unsigned int sched_gen(void);

/* The answer of one request as a completion thread sees it. */
int sched_answer(struct wd_msg *msg, int ret, void *m);

enum async_state {
	ASYNC_IDLE,		/* nothing submitted */
	ASYNC_EVENTED,		/* on a's own queue: the device signals efd */
	ASYNC_THREAD,		/* a completion thread will complete it */
	ASYNC_DONE,		/* completed by a thread, result set */
	ASYNC_ORPHAN,		/* freed while a thread had it: it frees */
};

/* struct wd_async */
struct wd_async {
	int efd;
	_Atomic int state;		/* enum async_state */
	int result;
	struct wd_msg *msg;
	struct sched_slot *held;	/* the waiter: the queue msg went on */
	int cache;			/* reaper: msg takes the cache session */
	struct sched_slot *evq;		/* a queue whose device signals efd */
	int ev_ret;			/* evented: wd_recv's answer, 0 = none yet */
	void *ev_m;
	int ev_signalled, ev_tries;
	struct stage_saved sv;		/* staged: msg's own buffers */
	struct sched_slot *lent;	/* borrowed for this request only */
	/* the algorithm layer's, for the request in flight */
	int (*finish)(struct wd_async *a, int result, void *arg);
	void *finish_arg;
	struct wd_msg m;
	_Alignas(16) unsigned char scratch[WD_SCHED_SCRATCH];
	unsigned int gen;		/* fork generation when made */
	struct wd_async *next;
};

#endif /* SCHED_PRIV_H */
