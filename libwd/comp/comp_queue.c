// SPDX-License-Identifier: MIT
/*
 * comp_queue.c - queues for compression sessions, and request slots.
 *
 * Opening a queue maps rings and attaches an engine: too slow to do per
 * stream when a program opens thousands of small streams (git, HTTP
 * clients). Released sessions put their queue back in a pool, and new
 * sessions take it from there. A queue is used by one session at a time,
 * which gives the one-thread-per-queue rule of wd.h for free.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "wd_internal.h"
#include "comp_priv.h"

#define COMP_POOL_MAX	64	/* idle queues kept per mode */

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct comp_pq *pool[2][COMP_NR_ALGS];
static unsigned int pool_len[2][COMP_NR_ALGS];

/*
 * The algorithm a queue is asked for: a device lists what it serves
 * (the kernel's zlib has no gzip wrapper and no priming, so wd_soft.ko
 * lists "deflate zlib"). Parallel chunks need priming: they ask for a
 * device that does gzip, which does everything here.
 */
static const char *const comp_alg_names[COMP_NR_ALGS] = {
	[COMP_ALG_DEFLATE] = "deflate", [COMP_ALG_ZLIB] = "zlib",
	[COMP_ALG_GZIP] = "gzip",
};

/* Carve the slots' parameter blocks (and bounce buffers) of a new queue. */
static int comp_pq_slots(struct comp_pq *pq)
{
	size_t per = pq->share ? 2 * COMP_BOUNCE + COMP_BOUNCE / 4 : 0;
	size_t params = COMP_SLOTS * 64;
	uint8_t *mem;
	int i;

	if (pq->share)
		mem = wd_preserve_share_memory(&pq->q, params + COMP_SLOTS * per);
	else
		mem = pq->shm = calloc(1, params);
	if (!mem)
		return -ENOMEM;
	for (i = 0; i < COMP_SLOTS; i++) {
		struct comp_slot *s = &pq->slot[i];

		s->param = (struct wd_comp_param *)(mem + i * 64);
		if (pq->share) {
			s->bin = mem + params + i * per;
			s->bout = s->bin + COMP_BOUNCE;
		}
	}
	return 0;
}

struct comp_pq *comp_pq_get(int share, int alg, int *err)
{
	struct comp_pq *pq;

	pthread_mutex_lock(&pool_lock);
	while ((pq = pool[share][alg]) != NULL) {
		pool[share][alg] = pq->next;
		pool_len[share][alg]--;
		if (pq->pid == getpid())
			break;
		/* inherited across fork: only forget it */
		wd_release_queue(&pq->q);
		if (!pq->share)
			free(pq->shm);
		free(pq);
	}
	pthread_mutex_unlock(&pool_lock);
	if (pq)
		return pq;

	pq = calloc(1, sizeof(*pq));
	if (!pq) {
		*err = -ENOMEM;
		return NULL;
	}
	pq->share = share;
	pq->alg = alg;
	pq->pid = getpid();
	pq->q.capa.alg = comp_alg_names[alg];
	pq->q.capa.flags = share ? WD_CAPA_SHARE_DOMAIN : 0;
	pq->q.capa.depth = 64;
	*err = wd_request_queue(&pq->q);
	if (*err) {
		free(pq);
		return NULL;
	}
	*err = comp_pq_slots(pq);
	if (*err) {
		wd_release_queue(&pq->q);
		free(pq);
		return NULL;
	}
	return pq;
}

void comp_pq_put(struct comp_pq *pq)
{
	int i;

	for (i = 0; i < COMP_SLOTS; i++) {
		pq->slot[i].busy = 0;
		pq->slot[i].req = NULL;
	}
	pthread_mutex_lock(&pool_lock);
	if (pq->pid == getpid() && pool_len[pq->share][pq->alg] < COMP_POOL_MAX) {
		pq->next = pool[pq->share][pq->alg];
		pool[pq->share][pq->alg] = pq;
		pool_len[pq->share][pq->alg]++;
		pq = NULL;
	}
	pthread_mutex_unlock(&pool_lock);
	if (pq) {
		wd_release_queue(&pq->q);
		if (!pq->share)
			free(pq->shm);
		free(pq);
	}
}

struct comp_slot *comp_slot_get(struct comp_lane *l)
{
	int i;

	for (i = 0; i < COMP_SLOTS; i++) {
		struct comp_slot *s = &l->pq->slot[i];

		if (!s->busy) {
			s->busy = 1;
			s->req = NULL;
			memset(&s->msg, 0, sizeof(s->msg));
			s->msg.user_data = s;
			s->msg.param = s->param;
			s->msg.param_len = sizeof(*s->param);
			return s;
		}
	}
	return NULL;
}

void comp_slot_put(struct comp_lane *l, struct comp_slot *s)
{
	(void)l;
	s->busy = 0;
	s->req = NULL;
}

void comp_param_fill(const struct wd_comp_sess *s, struct wd_comp_param *p,
		     int flush)
{
	const struct wd_comp_setup *st = &s->setup;

	memset(p, 0, sizeof(*p));
	p->format = (__u8)st->format;
	p->level = (__u8)(st->level < 0 ? 6 : st->level);
	p->window_bits = (__u8)st->window_bits;
	p->mem_level = (__u8)st->mem_level;
	p->strategy = (__u8)st->strategy;
	p->flush = (__u8)flush;
}

/*
 * -EBUSY is the device saying "not now", not an error: a device shared
 * with others (or WD_SOFT_FAULT=busy) can refuse a request while this lane
 * has little or nothing in flight. Try again a few times before the caller
 * treats it as a failure and falls back.
 */
#define COMP_BUSY_RETRIES	64

int comp_slot_send(struct comp_lane *l, struct comp_slot *s)
{
	int ret, tries = 0;

	while ((ret = wd_send(&l->pq->q, &s->msg)) == -EBUSY && tries++ < COMP_BUSY_RETRIES)
		sched_yield();
	if (ret == 0)
		l->inflight++;
	return ret;
}

struct comp_slot *comp_lane_wait(struct comp_lane *l, int wait, int *err)
{
	void *m = NULL;
	int ret;

	if (!l->inflight) {
		*err = -ENOENT;
		return NULL;
	}
	ret = wait ? wd_recv_sync(&l->pq->q, &m) : wd_recv(&l->pq->q, &m);
	if (ret != 1) {
		*err = ret;
		return NULL;
	}
	l->inflight--;
	*err = 0;
	return ((struct wd_msg *)m)->user_data;
}

const char *comp_alg_name(const struct wd_comp_sess *s)
{
	return s->inflate ? "inflate" : "deflate";
}
