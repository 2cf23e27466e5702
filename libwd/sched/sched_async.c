// SPDX-License-Identifier: MIT
/*
 * sched_async.c - completion without blocking: struct wd_async (wd_async.h).
 *
 * A caller that must not block (an OpenSSL ASYNC job, an event loop)
 * submits, and its eventfd becomes readable when the device has answered.
 * Three ways to get there:
 *  - evented: on a device that signals eventfds itself
 *    (wd_queue_set_event_fd), the wd_async keeps a queue of the pool whose
 *    device signals its fd directly. No thread stands between the device
 *    and the caller: one wake-up per request instead of two, and no lock,
 *    which on a small machine is CPU the engines get back.
 *  - reapers: otherwise the request goes on a reaper's queue, and the
 *    reaper sleeps until the device answers, then writes the fd. One reaper
 *    per soft engine (WD_SOFT_ENGINES, default the online CPUs) keeps every
 *    engine busy.
 *  - the waiter: a request that must go on a queue the caller holds (a
 *    stream's device state lives on it) is sent there by the caller, and
 *    the waiter thread only waits for it.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "sched_priv.h"
#include "wd_config.h"
#include "wd_fork.h"

#define REAPERS_MAX	16

/*
 * Queues kept by wd_async objects (evented) until they are freed (libssl:
 * with the connection): at most half of what a process may open, the
 * reapers serve the requests of any more.
 */
#define EVQ_MAX		(SCHED_QUEUES_MAX / 2)
static atomic_int evq_count;

/* Set once a device has refused wd_queue_set_event_fd(): the reapers serve. */
static atomic_int event_fd_unsupported;

/* ------------------------------------------------------------------ */
/* completing                                                          */

static void async_destroy(struct wd_async *a);

/*
 * Done first, then the wake-up: a caller woken by its fd always finds the
 * result (the other order had ASYNC jobs resumed over and over while this
 * thread, preempted by the woken one, had yet to set it). After that a may
 * vanish; the fd stays open until the caller has read this wake-up
 * (wd_async_result), so it is not closed, or reused, under the write.
 */
static void async_complete(struct wd_async *a, int result)
{
	uint64_t one = 1;
	int fd = a->efd;
	ssize_t w;

	if (a->held)
		sched_unstage(a->held, a->msg, &a->sv, result == 0);
	a->result = result;
	if (atomic_exchange_explicit(&a->state, ASYNC_DONE,
				     memory_order_acq_rel) == ASYNC_ORPHAN) {
		async_destroy(a);	/* nobody waits for it any more */
		return;
	}
	w = write(fd, &one, sizeof(one));
	(void)w;	/* fails only when the counter is full: readable anyway */
}

/* ------------------------------------------------------------------ */
/* reapers                                                             */

struct reaper {
	pthread_mutex_t lock;		/* q's sends and receives */
	pthread_cond_t cond;
	struct wd_async *head, *tail;	/* the ring was full: not yet sent */
	struct wd_async *done;		/* answered, to be completed */
	unsigned int inflight;
	int idle;			/* sleeping on cond */
	struct wd_queue q;
	uint32_t cache_ctx;
};

struct sched_reapers {
	struct reaper *r[REAPERS_MAX];
	int n;
	atomic_uint next;
};

static pthread_mutex_t reaper_lock = PTHREAD_MUTEX_INITIALIZER;

/* Send what waited for room; 1 when the ring is full again. */
static void reaper_send_waiting(struct reaper *r)
{
	struct wd_async *a;
	int ret;

	while ((a = r->head) != NULL) {
		if (a->cache)
			sched_cache_set(&r->q, &r->cache_ctx, a->msg);
		ret = wd_send(&r->q, a->msg);
		if (ret == -EBUSY)
			break;
		r->head = a->next;
		if (!r->head)
			r->tail = NULL;
		a->next = NULL;
		if (ret) {
			a->result = ret;
			a->next = r->done;
			r->done = a;
		} else {
			r->inflight++;
		}
	}
}

/*
 * A reaper's queue is shared with the callers that submit on it: a caller
 * sends its request itself, under the reaper's lock (so it reaches the
 * device at once, not after the completion the reaper is waiting for,
 * which kept a queue of 8 jobs 1-2 requests short of busy engines), and
 * the reaper takes completions under the same lock. The reaper waits for
 * the next completion without it (wd_wait_ready(), which may run beside a
 * sender), then completes the requests with the lock released.
 */
static void *reaper_main(void *arg)
{
	struct reaper *r = arg;
	struct wd_async *done, *a;
	void *m;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		while (!r->head && !r->inflight) {
			r->idle = 1;
			pthread_cond_wait(&r->cond, &r->lock);
			r->idle = 0;
		}
		reaper_send_waiting(r);
		while (r->inflight && wd_recv(&r->q, &m) == 1) {
			r->inflight--;
			a = ((struct wd_msg *)m)->user_data;
			a->result = 0;
			a->next = r->done;
			r->done = a;
		}
		done = r->done;
		r->done = NULL;
		pthread_mutex_unlock(&r->lock);
		if (!done) {
			/* a short timeout: requests refused for room are retried */
			wd_wait_ready(&r->q, 1);
			continue;
		}
		while ((a = done) != NULL) {
			done = a->next;
			async_complete(a, a->result);
		}
	}
	return NULL;
}

/* As many as the soft device has engines (its default: the online CPUs). */
static int reaper_count(void)
{
	long n = wd_config_long(WD_CFG_SOFT_ENGINES);

	return n < 1 ? 1 : n > REAPERS_MAX ? REAPERS_MAX : (int)n;
}

static struct reaper *reaper_start(struct wd_sched_pool *p)
{
	struct reaper *r = calloc(1, sizeof(*r));
	pthread_attr_t attr;
	pthread_t th;
	int err;

	if (!r)
		return NULL;
	r->q.capa.alg = p->alg;
	if (wd_request_queue(&r->q)) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&th, &attr, reaper_main, r);
	pthread_attr_destroy(&attr);
	if (err) {
		wd_release_queue(&r->q);
		free(r);
		return NULL;
	}
	return r;
}

/* The pool's reapers, started on first use; one of them, in turn. */
static struct reaper *reaper_pick(struct wd_sched_pool *p)
{
	struct sched_reapers *rs;
	unsigned int n;

	pthread_mutex_lock(&reaper_lock);
	rs = p->reapers;
	if (!rs)
		rs = p->reapers = calloc(1, sizeof(*rs));
	while (rs && rs->n < reaper_count()) {
		struct reaper *r = reaper_start(p);

		if (!r)
			break;
		rs->r[rs->n++] = r;
	}
	n = rs ? (unsigned int)rs->n : 0;
	pthread_mutex_unlock(&reaper_lock);
	if (!n)
		return NULL;
	return rs->r[atomic_fetch_add(&rs->next, 1) % n];
}

static int reaper_submit(struct wd_sched_pool *p, struct wd_msg *msg, int cache,
			 struct wd_async *a)
{
	struct reaper *r = reaper_pick(p);
	int ret;

	if (!r)
		return -ENODEV;
	a->msg = msg;
	a->cache = cache;
	a->held = NULL;
	a->next = NULL;
	msg->user_data = a;
	atomic_store(&a->state, ASYNC_THREAD);
	pthread_mutex_lock(&r->lock);
	ret = -EBUSY;
	if (!r->head) {		/* in order behind those waiting for room */
		if (cache)
			sched_cache_set(&r->q, &r->cache_ctx, msg);
		ret = wd_send(&r->q, msg);
	}
	if (ret == -EBUSY) {	/* the reaper sends it when there is room */
		if (r->tail)
			r->tail->next = a;
		else
			r->head = a;
		r->tail = a;
	} else if (ret) {
		pthread_mutex_unlock(&r->lock);
		atomic_store(&a->state, ASYNC_IDLE);
		return ret;	/* nothing in flight: the caller falls back */
	} else {
		r->inflight++;
	}
	if (r->idle)
		pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

/* ------------------------------------------------------------------ */
/* the waiter                                                          */

/*
 * One thread that watches the queues callers sent requests on. It takes
 * each answer with a non-blocking wd_recv, so it may watch any number of
 * queues; when none has answered it sleeps in the oldest one's
 * wd_recv_timeout (a device answers mostly in order, so the others are
 * then close behind), for at most a millisecond, so that a newer answer or
 * a new hand-over is not left waiting behind a slow request. The caller
 * does not touch its queue until the result is set: one thread at a time,
 * as libwd requires. One thread and not one per request: on the soft
 * device a thread waiting in wd_recv_sync polls first, beside the engines
 * it waits for, and 8 jobs would mean 8 of them on 2 CPUs.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct wd_async *head, *tail;	/* handed over, not yet watched */
	int idle;			/* sleeping on cond */
	atomic_int running;		/* its thread exists in this process */
} waiter = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void *waiter_main(void *arg)
{
	struct wd_async *watch = NULL, **pp, *a;
	int answered, ret;
	void *m;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&waiter.lock);
		while (!waiter.head && !watch) {
			waiter.idle = 1;
			pthread_cond_wait(&waiter.cond, &waiter.lock);
			waiter.idle = 0;
		}
		/* the new ones behind those already watched: oldest first */
		for (pp = &watch; *pp; pp = &(*pp)->next)
			;
		*pp = waiter.head;
		waiter.head = waiter.tail = NULL;
		pthread_mutex_unlock(&waiter.lock);

		answered = 0;
		for (pp = &watch; (a = *pp) != NULL;) {
			ret = wd_recv(&a->held->q, &m);
			if (ret == -EAGAIN) {
				pp = &a->next;
				continue;
			}
			*pp = a->next;	/* a is the caller's once completed */
			async_complete(a, sched_answer(a->msg, ret, m));
			answered = 1;
		}
		if (answered || !watch)
			continue;
		a = watch;
		ret = wd_recv_timeout(&a->held->q, &m, 1);
		if (ret != -ETIMEDOUT) {
			watch = a->next;
			async_complete(a, sched_answer(a->msg, ret, m));
		}
	}
	return NULL;
}

/* Start the waiter of this process if need be; 0 when it cannot run. */
static int waiter_start(void)
{
	pthread_attr_t attr;
	pthread_t th;
	int ok = 1;

	if (atomic_load(&waiter.running))
		return 1;
	pthread_mutex_lock(&waiter.lock);
	if (!atomic_load(&waiter.running)) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		ok = pthread_create(&th, &attr, waiter_main, NULL) == 0;
		pthread_attr_destroy(&attr);
		atomic_store(&waiter.running, ok);
	}
	pthread_mutex_unlock(&waiter.lock);
	return ok;
}

int wd_sched_submit_held(struct wd_sched_q *sq, struct wd_msg *msg,
			 struct wd_async *a)
{
	struct sched_slot *s = (struct sched_slot *)sq;
	int ret;

	if (s->gen != sched_gen())
		return -EPERM;	/* a stream begun before fork() */
	if (!waiter_start())
		return -EAGAIN;
	ret = sched_stage(s, msg, &a->sv);
	if (ret)
		return ret;
	a->msg = msg;
	a->held = s;
	a->next = NULL;
	ret = wd_send(&s->q, msg);
	if (ret) {
		sched_unstage(s, msg, &a->sv, 0);
		a->held = NULL;
		return ret;
	}
	atomic_store(&a->state, ASYNC_THREAD);
	/* from here until the result is set, s is the waiter's */
	pthread_mutex_lock(&waiter.lock);
	if (waiter.tail)
		waiter.tail->next = a;
	else
		waiter.head = a;
	waiter.tail = a;
	if (waiter.idle)
		pthread_cond_signal(&waiter.cond);
	pthread_mutex_unlock(&waiter.lock);
	return 0;
}

int wd_sched_submit_lent(struct wd_sched_pool *p, struct wd_msg *msg,
			 struct wd_async *a)
{
	struct wd_sched_q *sq = wd_sched_get(p);
	int ret;

	if (!sq)
		return -ENODEV;
	ret = wd_sched_submit_held(sq, msg, a);
	if (ret) {
		wd_sched_put(sq);
		return ret;
	}
	a->lent = (struct sched_slot *)sq;
	return 0;
}

/* ------------------------------------------------------------------ */
/* evented: a's own queue signals a's fd                               */

/* Give back a's queue. */
static void async_drop_queue(struct wd_async *a)
{
	struct sched_slot *s = a->evq;

	a->evq = NULL;
	if (!s)
		return;
	if (s->gen == sched_gen()) {
		atomic_fetch_sub(&evq_count, 1);
		wd_queue_set_event_fd(&s->q, -1);
		if (wd_queue_inflight(&s->q)) {
			/* freed while waiting: its answer must reach nobody */
			sched_slot_forget(s);
			return;
		}
	}
	wd_sched_put((struct wd_sched_q *)s);
}

/* a's queue of pool p, its device signalling a's fd; NULL: use a reaper. */
static struct sched_slot *async_evq(struct wd_async *a, struct wd_sched_pool *p)
{
	struct sched_slot *s = a->evq;
	int ret;

	if (s && (s->gen != sched_gen() || s->pool != p))
		async_drop_queue(a);	/* the parent's, in a child; another pool's */
	if (a->evq || atomic_load_explicit(&event_fd_unsupported, memory_order_relaxed))
		return a->evq;
	if (atomic_fetch_add(&evq_count, 1) >= EVQ_MAX)
		goto none;
	s = (struct sched_slot *)wd_sched_get(p);
	if (!s)
		goto none;
	ret = wd_queue_set_event_fd(&s->q, a->efd);
	if (ret) {
		if (ret == -EOPNOTSUPP)
			atomic_store(&event_fd_unsupported, 1);
		wd_sched_put((struct wd_sched_q *)s);
		goto none;
	}
	a->evq = s;
	return s;
none:
	atomic_fetch_sub(&evq_count, 1);
	return NULL;
}

static int evented_submit(struct wd_sched_pool *p, struct wd_msg *msg,
			  int cache, struct wd_async *a)
{
	struct sched_slot *s = async_evq(a, p);
	int ret;

	if (!s)
		return -EOPNOTSUPP;
	if (cache)
		sched_cache_set(&s->q, &s->cache_ctx, msg);
	ret = sched_stage(s, msg, &a->sv);
	if (!ret)
		ret = wd_send(&s->q, msg);
	if (ret) {
		sched_unstage(s, msg, &a->sv, 0);
		return ret;
	}
	a->msg = msg;
	a->ev_ret = 0;
	a->ev_signalled = 0;
	a->ev_tries = 0;
	atomic_store(&a->state, ASYNC_EVENTED);
	return 0;
}

/*
 * Each look clears the fd before it looks at the ring, so an answer posted
 * after the look signals again. With one request in flight the device
 * signals once per request, after posting it: the result is returned only
 * once there are both the answer and that signal, so the fd is quiet until
 * the next request and a level-triggered event loop does not spin on it.
 */
static int evented_result(struct wd_async *a)
{
	struct pollfd pfd = { .fd = a->efd, .events = POLLIN };
	struct sched_slot *s = a->evq;
	uint64_t v;
	int ret;

	for (;;) {
		if (read(a->efd, &v, sizeof(v)) == sizeof(v))
			a->ev_signalled = 1;
		if (!a->ev_ret) {
			ret = wd_recv(&s->q, &a->ev_m);
			if (ret == -EAGAIN)
				return -EAGAIN;
			a->ev_ret = ret;
		}
		/* an error posted nothing; the signal follows an answer at once */
		if (a->ev_ret != 1 || a->ev_signalled || ++a->ev_tries > 10)
			break;
		poll(&pfd, 1, 100);
	}
	ret = sched_answer(a->msg, a->ev_ret, a->ev_m);
	sched_unstage(s, a->msg, &a->sv, ret == 0);
	atomic_store(&a->state, ASYNC_IDLE);
	return ret;
}

int wd_sched_submit(struct wd_sched_pool *p, struct wd_msg *msg, int cache,
		    struct wd_async *a)
{
	int ret;

	if (atomic_load(&a->state) != ASYNC_IDLE)
		return -EBUSY;
	ret = evented_submit(p, msg, cache, a);
	if (ret != -EOPNOTSUPP)
		return ret;
	return reaper_submit(p, msg, cache, a);
}

/* ------------------------------------------------------------------ */
/* struct wd_async                                                     */

/* In the child: the completion threads do not exist, forget them. */
static void async_fork_child(void)
{
	pthread_mutex_init(&reaper_lock, NULL);
	pthread_mutex_init(&waiter.lock, NULL);
	pthread_cond_init(&waiter.cond, NULL);
	waiter.head = waiter.tail = NULL;
	waiter.idle = 0;
	atomic_store(&waiter.running, 0);
	atomic_store(&evq_count, 0);
	sched_pools_forget_reapers();
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void async_fork_register(void)
{
	wd_atfork_register(async_fork_child);
}

WD_EXPORT struct wd_async *wd_async_new(void)
{
	struct wd_async *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	pthread_once(&fork_once, async_fork_register);
	a->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (a->efd < 0) {
		free(a);
		return NULL;
	}
	a->gen = sched_gen();
	return a;
}

WD_EXPORT int wd_async_fd(const struct wd_async *a)
{
	return a->efd;
}

struct wd_msg *wd_sched_async_msg(struct wd_async *a)
{
	return &a->m;
}

void *wd_sched_async_scratch(struct wd_async *a)
{
	return a->scratch;
}

void wd_sched_async_finish(struct wd_async *a,
			   int (*finish)(struct wd_async *a, int result, void *arg),
			   void *arg)
{
	a->finish = finish;
	a->finish_arg = arg;
}

/* The algorithm layer's last word on the result; once per request. */
static int async_finish(struct wd_async *a, int result)
{
	int (*finish)(struct wd_async *, int, void *) = a->finish;

	a->finish = NULL;
	return finish ? finish(a, result, a->finish_arg) : result;
}

WD_EXPORT int wd_async_result(struct wd_async *a)
{
	struct pollfd pfd = { .fd = a->efd, .events = POLLIN };
	uint64_t v;
	int tries;

	int ret;

	switch (atomic_load_explicit(&a->state, memory_order_acquire)) {
	case ASYNC_EVENTED:
		ret = evented_result(a);
		return ret == -EAGAIN ? ret : async_finish(a, ret);
	case ASYNC_THREAD:
		return -EAGAIN;
	case ASYNC_DONE:
		break;
	default:
		return -EINVAL;
	}
	/*
	 * Consume the wake-up so the fd is quiet until the next request. A
	 * caller that looked before the fd was readable (its own loop,
	 * another fd) waits for it here: the write follows the result at once.
	 */
	for (tries = 0; tries < 10; tries++) {
		if (read(a->efd, &v, sizeof(v)) == sizeof(v) || errno != EAGAIN)
			break;
		poll(&pfd, 1, 100);
	}
	a->held = NULL;
	if (a->lent) {
		wd_sched_put((struct wd_sched_q *)a->lent);
		a->lent = NULL;
	}
	atomic_store(&a->state, ASYNC_IDLE);
	return async_finish(a, a->result);
}

static void async_destroy(struct wd_async *a)
{
	if (a->lent)
		wd_sched_put((struct wd_sched_q *)a->lent);
	async_drop_queue(a);
	close(a->efd);
	free(a);
}

WD_EXPORT void wd_async_free(struct wd_async *a)
{
	int st = ASYNC_THREAD;

	if (!a)
		return;
	/* a completion thread of this process has it: that thread frees it */
	if (a->gen == sched_gen() &&
	    atomic_compare_exchange_strong(&a->state, &st, ASYNC_ORPHAN))
		return;
	async_destroy(a);
}
