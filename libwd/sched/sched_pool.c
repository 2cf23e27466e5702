// SPDX-License-Identifier: MIT
/*
 * sched_pool.c - pools of queues lent to one user at a time, share-domain
 * staging, synchronous runs with software fallback, and fork.
 *
 * libwd lets one thread at a time use a queue, and a queue belongs to the
 * process that opened it. So queues are opened lazily, on first use in each
 * process (a child after fork starts with empty pools), and a user borrows
 * one for the length of an operation or a stream.
 *
 * Pools are per algorithm (wd_capa.alg), so that each queue is opened on a
 * device that serves it: with WD_DEVICE=auto a kernel device comes first,
 * and it may not serve every algorithm.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "wd_fork.h"
#include "sched_priv.h"

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wd_sched_pool *pools;	/* those used in this process */
static int queues_open;

unsigned int sched_gen(void)
{
	return wd_fork_generation();
}

/* ------------------------------------------------------------------ */
/* fork                                                                */

/*
 * In the child: the inherited queues are dead (wd.h), so forget the idle
 * ones (their memory is the parent's business). Borrowed ones come back
 * through wd_sched_put, which sees their generation and closes them.
 */
static void pool_fork_child(void)
{
	struct wd_sched_pool *p;

	pthread_mutex_init(&pool_lock, NULL);
	for (p = pools; p; p = p->next) {
		p->free = NULL;
		atomic_store(&p->retry_at, 0);
	}
	queues_open = 0;
}

void sched_pools_forget_reapers(void)
{
	struct wd_sched_pool *p;

	for (p = pools; p; p = p->next)
		p->reapers = NULL;	/* the parent's threads: only forgotten */
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void pool_fork_register(void)
{
	wd_atfork_register(pool_fork_child);
}

/* ------------------------------------------------------------------ */
/* staging                                                             */

/*
 * A pool that stages prefers a share-domain queue: a request's parameter
 * block, input and output then pass through the queue's piece of the share
 * region (copied), which the device checks by arithmetic. On an SVA queue
 * the soft device must probe the caller's pages instead: two system calls
 * on the engine's thread per request (doc/provider.md has the measurement).
 * A device without share-domain queues, or a share region that cannot be
 * had, leaves the slot on an SVA queue.
 */
static size_t stage_size(const struct wd_sched_pool *p)
{
	return p->stage_param + p->stage_src + p->stage_dst;
}

static int slot_open_staged(struct sched_slot *s)
{
	s->q.capa.flags = WD_CAPA_SHARE_DOMAIN;
	if (wd_request_queue(&s->q))
		return -1;
	s->stage = wd_preserve_share_memory(&s->q, stage_size(s->pool));
	if (s->stage)
		return 0;
	wd_release_queue(&s->q);
	return -1;
}

static int slot_open(struct sched_slot *s)
{
	if (stage_size(s->pool) && slot_open_staged(s) == 0)
		return 0;
	s->q.capa.flags = 0;
	return wd_request_queue(&s->q);
}

/* Point msg into s's share region, if s has one: 0, or -E2BIG. */
int sched_stage(struct sched_slot *s, struct wd_msg *msg, struct stage_saved *sv)
{
	const struct wd_sched_pool *p = s->pool;
	uint8_t *param = s->stage, *src, *dst;

	if (!param)
		return 0;
	src = param + p->stage_param;
	dst = src + p->stage_src;
	if (msg->param_len > p->stage_param || msg->src_len > p->stage_src ||
	    msg->dst_len > p->stage_dst)
		return -E2BIG;
	sv->param = msg->param;
	sv->src = msg->src;
	sv->dst = msg->dst;
	if (msg->param_len)
		memcpy(param, msg->param, msg->param_len);
	if (msg->src_len)
		memcpy(src, msg->src, msg->src_len);
	msg->param = param;
	msg->src = src;
	msg->dst = dst;
	return 0;
}

/* Copy an answered staged message's output back, and its pointers. */
void sched_unstage(struct sched_slot *s, struct wd_msg *msg,
		   const struct stage_saved *sv, int answered)
{
	if (!s->stage)
		return;
	if (answered && !msg->status && msg->produced && msg->produced <= msg->dst_len)
		memcpy(sv->dst, msg->dst, msg->produced);
	msg->param = sv->param;
	msg->src = sv->src;
	msg->dst = sv->dst;
}

/* ------------------------------------------------------------------ */
/* lending                                                             */

/*
 * When no queue can be opened (no device, all busy), do not try again on
 * every operation for a while: the software fallback should cost nothing.
 */
#define OPEN_RETRY_NS	(200 * 1000 * 1000LL)

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Count one more open queue of p; 0 when the process holds the most. */
static int pool_reserve(struct wd_sched_pool *p, struct sched_slot **idle)
{
	int ok = 1;

	pthread_mutex_lock(&pool_lock);
	if (!p->listed) {
		p->next = pools;
		pools = p;
		p->listed = 1;
	}
	*idle = p->free;
	if (*idle)
		p->free = (*idle)->next;
	else if (queues_open < SCHED_QUEUES_MAX)
		queues_open++;
	else
		ok = 0;
	pthread_mutex_unlock(&pool_lock);
	return ok;
}

void sched_slot_forget(struct sched_slot *s)
{
	int mine = s->gen == sched_gen();

	wd_release_queue(&s->q);
	free(s);
	if (!mine)
		return;	/* the child's count never included it */
	pthread_mutex_lock(&pool_lock);
	queues_open--;
	pthread_mutex_unlock(&pool_lock);
}

struct wd_sched_q *wd_sched_get(struct wd_sched_pool *p)
{
	struct sched_slot *s;

	pthread_once(&fork_once, pool_fork_register);
	if (!pool_reserve(p, &s))
		return NULL;
	if (s)
		return (struct wd_sched_q *)s;
	/* open outside the lock: it may take a while */
	s = atomic_load(&p->retry_at) > mono_ns() ? NULL : calloc(1, sizeof(*s));
	if (s) {
		s->pool = p;
		s->q.capa.alg = p->alg;
		if (slot_open(s) == 0) {
			s->gen = sched_gen();
			return (struct wd_sched_q *)s;
		}
		free(s);
		atomic_store(&p->retry_at, mono_ns() + OPEN_RETRY_NS);
	}
	pthread_mutex_lock(&pool_lock);
	queues_open--;
	pthread_mutex_unlock(&pool_lock);
	return NULL;
}

void wd_sched_put(struct wd_sched_q *sq)
{
	struct sched_slot *s = (struct sched_slot *)sq;

	if (!s)
		return;
	if (s->gen != sched_gen()) {
		/* taken before a fork: in the child it is only forgotten */
		sched_slot_forget(s);
		return;
	}
	pthread_mutex_lock(&pool_lock);
	s->next = s->pool->free;
	s->pool->free = s;
	pthread_mutex_unlock(&pool_lock);
}

struct wd_queue *wd_sched_queue(struct wd_sched_q *sq)
{
	return &((struct sched_slot *)sq)->q;
}

int wd_sched_stale(const struct wd_sched_q *sq)
{
	return ((const struct sched_slot *)sq)->gen != sched_gen();
}

void sched_cache_set(struct wd_queue *q, uint32_t *ctx, struct wd_msg *msg)
{
	if (!*ctx) {
		int id = wd_ctx_alloc(q);

		*ctx = id > 0 ? (uint32_t)id : 0;
	}
	msg->ctx_id = *ctx;
}

uint32_t wd_sched_cache_ctx(struct wd_sched_q *sq)
{
	struct sched_slot *s = (struct sched_slot *)sq;
	struct wd_msg m;

	sched_cache_set(&s->q, &s->cache_ctx, &m);
	return m.ctx_id;
}

/* ------------------------------------------------------------------ */
/* synchronous runs                                                    */

/* The answer wd_recv* gave for msg: 0 (status in msg), or -errno. */
int sched_answer(struct wd_msg *msg, int ret, void *m)
{
	if (ret == 1)
		return m == msg ? 0 : -EIO;
	return ret < 0 ? ret : -EIO;
}

int wd_sched_run(struct wd_sched_q *sq, struct wd_msg *msg)
{
	struct sched_slot *s = (struct sched_slot *)sq;
	struct stage_saved sv;
	void *done = NULL;
	int ret;

	if (s->gen != sched_gen())
		return -EPERM;	/* a stream begun before fork() */
	ret = sched_stage(s, msg, &sv);
	if (ret)
		return ret;
	ret = wd_send(&s->q, msg);
	if (!ret) {
		ret = wd_recv_sync(&s->q, &done);
		ret = sched_answer(msg, ret, done);
	}
	sched_unstage(s, msg, &sv, ret == 0);
	return ret;
}

/* A device failure, not an answer about the request: worth a fallback. */
static int device_failed(int ret, const struct wd_msg *msg)
{
	if (ret)
		return 1;
	return msg->status == -EIO || msg->status == -ENODEV ||
	       msg->status == -ENOMEM;
}

int wd_sched_do(struct wd_sched_pool *p, struct wd_msg *msg, int cache,
		int fallback, int *fell_back)
{
	struct wd_sched_q *sq = wd_sched_get(p);
	int ret = -ENODEV, had_queue = sq != NULL;

	if (fell_back)
		*fell_back = 0;
	if (sq) {
		if (cache)
			msg->ctx_id = wd_sched_cache_ctx(sq);
		ret = wd_sched_run(sq, msg);
		wd_sched_put(sq);
	}
	if (!fallback || !p->fallback || !device_failed(ret, msg))
		return ret;
	if (fell_back)
		*fell_back = had_queue ? WD_SCHED_FELL_BACK_FAILED : WD_SCHED_FELL_BACK_NO_QUEUE;
	msg->ctx_id = 0;
	return p->fallback(msg);
}
