// SPDX-License-Identifier: MIT
/*
 * wdp_queue.c - the provider's queues: a per-process pool lent to one
 * operation or stream at a time, and completion threads for ASYNC jobs.
 *
 * libwd lets one thread at a time use a queue, and a queue belongs to the
 * process that opened it. So queues are opened lazily, on first use in each
 * process (a child after fork starts with an empty pool: pthread_atfork bumps
 * a generation), and a thread borrows one for the length of an operation.
 *
 * ASYNC jobs (openssl speed -async_jobs, SSL_MODE_ASYNC) must not block:
 * an operation submits, pauses the job, and the job's wait fd (an eventfd)
 * becomes readable when the device has answered, so that the application
 * resumes the job. For RSA on a device that signals eventfds itself
 * (wd_queue_set_event_fd), the job's wait context keeps a
 * queue whose device signals the wait fd directly (run_evented). Otherwise
 * a completion thread writes the wait fd; two kinds:
 *  - reapers, for RSA: the job sends its request on a reaper's queue, and
 *    the reaper sleeps until the device answers. One reaper per soft
 *    engine (CPU) keeps every engine busy.
 *  - the waiter, for AES: the request must go on the queue the operation
 *    holds (a stream's device context lives on its leased queue; a
 *    stateless request wants a queue opened for its own algorithm), so the
 *    job sends it there itself and hands the waiter only the wait.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <openssl/async.h>
#include "wdp.h"
#include "wd_cipher.h"
#include "wd_env.h"

#define POOL_MAX	64	/* queues one process may borrow at once */
#define REAPERS_MAX	16

/*
 * Queues are pooled per algorithm, so that each is opened on a device that
 * serves it (wd_capa.alg): with WD_DEVICE=auto a kernel device comes first,
 * and it may not serve every operation.
 */
static const char *const pool_algs[] = {
	"rsa", "aes-ecb", "aes-cbc", "aes-ctr", "aes-xts", "aes-gcm"
};
#define NR_POOLS	(sizeof(pool_algs) / sizeof(pool_algs[0]))

struct pool_slot {
	struct wd_queue q;
	unsigned int kind;		/* index into pool_algs */
	uint32_t rsa_ctx;		/* key cache session, 0 = none yet */
	uint8_t *stage;			/* RSA on a share-domain queue: its
					 * piece of the share region */
	unsigned int gen;
	struct pool_slot *next;
};

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pool_slot *pool_free[NR_POOLS];
static int pool_open;
static atomic_uint pool_gen;
/*
 * Queues kept by ASYNC wait contexts (run_evented) until the application
 * frees them (libssl: with the connection): at most half the pool, the
 * reapers serve the jobs of any more.
 */
#define JOB_QUEUES_MAX	(POOL_MAX / 2)
static atomic_int job_queues;

/* ------------------------------------------------------------------ */
/* ASYNC completion threads                                            */

struct async_op {
	struct wd_msg *msg;
	struct wd_queue *q;		/* waiter: the queue msg was sent on */
	int efd;
	int result;
	int rsa_cache;
	atomic_int done;
	struct async_op *next;
};

struct reaper {
	pthread_mutex_t lock;		/* q's sends and receives */
	pthread_cond_t cond;
	struct async_op *head, *tail;	/* the ring was full: not yet sent */
	struct async_op *done;		/* answered, to be completed */
	unsigned int inflight;
	int idle;			/* sleeping on cond */
	struct wd_queue q;
	uint32_t rsa_ctx;
};

static pthread_mutex_t reaper_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reaper *reapers[REAPERS_MAX];
static int nr_reapers;
static atomic_uint reaper_next;
static int async_key;		/* its address names our wait fd */

/* The waiter (see waiter_main) */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct async_op *head, *tail;	/* handed over, not yet watched */
	int idle;			/* sleeping on cond */
	atomic_int running;		/* its thread exists in this process */
} waiter = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void wdp_atfork_child(void)
{
	/* another thread may have held them at fork time */
	pthread_mutex_init(&pool_lock, NULL);
	pthread_mutex_init(&reaper_lock, NULL);
	pthread_mutex_init(&waiter.lock, NULL);
	pthread_cond_init(&waiter.cond, NULL);
	/*
	 * Inherited queues are dead here and the completion threads do not
	 * exist: forget them (their memory is the parent's business), and the
	 * operations handed to them, which belong to the parent's jobs.
	 */
	memset(pool_free, 0, sizeof(pool_free));
	pool_open = 0;
	nr_reapers = 0;
	waiter.head = waiter.tail = NULL;
	waiter.idle = 0;
	atomic_store(&waiter.running, 0);
	atomic_store(&job_queues, 0);
	atomic_fetch_add(&pool_gen, 1);
}

static void wdp_atfork_register(void)
{
	pthread_atfork(NULL, NULL, wdp_atfork_child);
}

/*
 * When no queue can be opened (no device, all busy), do not try again on
 * every operation for a while: the software fallback should cost nothing.
 */
#define OPEN_RETRY_NS	(200 * 1000 * 1000LL)
static _Atomic long long open_retry_at[NR_POOLS];

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * RSA slots prefer a share-domain queue. A request's key block, input and
 * output then pass through the slot's piece of the share region (a few KiB
 * copied), which the device checks by arithmetic. On an SVA queue the soft
 * device must probe the caller's pages instead: two system calls on the
 * engine's thread per request, 4.4-4.6 us here, about 2% of an RSA-2048
 * signature. A device without share-domain queues, or a share region that
 * cannot be had, leaves the slot on an SVA queue.
 */
#define STAGE_PARAM	(12u << 10)	/* an 8192-bit key block: 7.2 KiB */
#define STAGE_SRC	(4u << 10)	/* one 8192-bit operand: 1 KiB */
#define STAGE_DST	(12u << 10)	/* a generated 8192-bit key: 7.2 KiB */

/* What a staged message pointed to, to put back when it is answered. */
struct stage_saved {
	const void *param, *src;
	void *dst;
};

static int slot_open_staged(struct pool_slot *s)
{
	s->q.capa.flags = WD_CAPA_SHARE_DOMAIN;
	if (wd_request_queue(&s->q))
		return -1;
	s->stage = wd_preserve_share_memory(&s->q, STAGE_PARAM + STAGE_SRC + STAGE_DST);
	if (s->stage)
		return 0;
	wd_release_queue(&s->q);
	return -1;
}

static int slot_open(struct pool_slot *s)
{
	if (s->kind == 0 && slot_open_staged(s) == 0)
		return 0;
	s->q.capa.flags = 0;
	return wd_request_queue(&s->q);
}

/* Point msg into s's share region, if s has one: 0, or -E2BIG. */
static int slot_stage(struct pool_slot *s, struct wd_msg *msg, struct stage_saved *sv)
{
	uint8_t *param = s->stage, *src, *dst;

	if (!param)
		return 0;
	src = param + STAGE_PARAM;
	dst = src + STAGE_SRC;
	if (msg->param_len > STAGE_PARAM || msg->src_len > STAGE_SRC ||
	    msg->dst_len > STAGE_DST)
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
static void slot_unstage(struct pool_slot *s, struct wd_msg *msg,
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

/* The pool of the algorithm alg ("rsa", "aes-gcm", ...). */
static unsigned int pool_kind(const char *alg)
{
	unsigned int i;

	for (i = 0; alg && i < NR_POOLS; i++)
		if (!strcmp(pool_algs[i], alg))
			return i;
	return 0;
}

static struct pool_slot *slot_get(unsigned int kind)
{
	struct pool_slot *s;

	pthread_once(&atfork_once, wdp_atfork_register);
	pthread_mutex_lock(&pool_lock);
	s = pool_free[kind];
	if (s) {
		pool_free[kind] = s->next;
	} else if (pool_open < POOL_MAX) {
		pool_open++;
	} else {
		pthread_mutex_unlock(&pool_lock);
		return NULL;
	}
	pthread_mutex_unlock(&pool_lock);
	if (s)
		return s;
	/* open outside the lock: it may take a while */
	s = atomic_load(&open_retry_at[kind]) > mono_ns() ? NULL : calloc(1, sizeof(*s));
	if (s) {
		s->gen = atomic_load(&pool_gen);
		s->kind = kind;
		s->q.capa.alg = pool_algs[kind];
		if (slot_open(s) == 0)
			return s;
		free(s);
		atomic_store(&open_retry_at[kind], mono_ns() + OPEN_RETRY_NS);
	}
	pthread_mutex_lock(&pool_lock);
	pool_open--;
	pthread_mutex_unlock(&pool_lock);
	return NULL;
}

static void slot_put(struct pool_slot *s)
{
	if (s->gen != atomic_load(&pool_gen)) {
		/* taken before a fork: in the child it is only forgotten */
		wd_release_queue(&s->q);
		free(s);
		return;
	}
	pthread_mutex_lock(&pool_lock);
	s->next = pool_free[s->kind];
	pool_free[s->kind] = s;
	pthread_mutex_unlock(&pool_lock);
}

/* Send and wait on a queue nobody else uses now. */
static int queue_run(struct wd_queue *q, struct wd_msg *msg)
{
	void *done = NULL;
	int ret = wd_send(q, msg);

	if (ret)
		return ret;
	ret = wd_recv_sync(q, &done);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	return done == msg ? 0 : -EIO;
}

static void rsa_cache_set(struct wd_queue *q, uint32_t *ctx, struct wd_msg *msg)
{
	if (!*ctx) {
		int id = wd_ctx_alloc(q);

		*ctx = id > 0 ? (uint32_t)id : 0;
	}
	msg->ctx_id = *ctx;
}

/*
 * Done first, then the wake-up: a job resumed by its fd always finds done
 * set (the other order had the application resume it over and over while
 * this thread, preempted by the woken one, had yet to set done). After done
 * op may vanish; the fd stays open until the job has read this wake-up
 * (job_wait), so it is not closed, or reused, under the write.
 */
static void async_complete(struct async_op *op, int result)
{
	uint64_t one = 1;
	int fd = op->efd;
	ssize_t w;

	op->result = result;
	atomic_store_explicit(&op->done, 1, memory_order_release);
	w = write(fd, &one, sizeof(one));
	(void)w;	/* fails only when the counter is full: readable anyway */
}

/*
 * A reaper's queue is shared with the jobs that submit on it: a job sends
 * its request itself, under the reaper's lock (so it reaches the device at
 * once, not after the completion the reaper is waiting for, which kept a
 * queue of 8 jobs 1-2 requests short of busy engines), and the reaper takes
 * completions under the same lock. The reaper waits for the next
 * completion without it (wd_wait_ready(), which may run beside a sender),
 * then completes the jobs with the lock released.
 */
static void *reaper_main(void *arg)
{
	struct reaper *r = arg;
	struct async_op *done, *op;
	void *m;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		while (!r->head && !r->inflight) {
			r->idle = 1;
			pthread_cond_wait(&r->cond, &r->lock);
			r->idle = 0;
		}
		/* requests the ring had no room for when their job sent them */
		while ((op = r->head) != NULL) {
			int ret;

			if (op->rsa_cache)
				rsa_cache_set(&r->q, &r->rsa_ctx, op->msg);
			ret = wd_send(&r->q, op->msg);
			if (ret == -EBUSY)
				break;
			r->head = op->next;
			if (!r->head)
				r->tail = NULL;
			op->next = NULL;
			if (ret) {
				op->result = ret;
				op->next = r->done;
				r->done = op;
			} else {
				r->inflight++;
			}
		}
		while (r->inflight && wd_recv(&r->q, &m) == 1) {
			r->inflight--;
			op = ((struct wd_msg *)m)->user_data;
			op->result = 0;
			op->next = r->done;
			r->done = op;
		}
		done = r->done;
		r->done = NULL;
		pthread_mutex_unlock(&r->lock);
		if (!done) {
			/* a short timeout: requests refused for room are retried */
			wd_wait_ready(&r->q, 1);
			continue;
		}
		while ((op = done) != NULL) {
			done = op->next;
			async_complete(op, op->result);
		}
	}
	return NULL;
}

static int reaper_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	const char *env = wd_env_get("WD_SOFT_ENGINES");

	if (env && atoi(env) > 0)
		n = atoi(env);
	return n < 1 ? 1 : n > REAPERS_MAX ? REAPERS_MAX : (int)n;
}

/* The completion threads of this process, started on first use. */
static struct reaper *reaper_pick(void)
{
	unsigned int n;

	pthread_once(&atfork_once, wdp_atfork_register);
	pthread_mutex_lock(&reaper_lock);
	while (nr_reapers < reaper_count()) {
		struct reaper *r = calloc(1, sizeof(*r));
		pthread_attr_t attr;
		pthread_t th;

		if (r)
			r->q.capa.alg = "rsa";	/* ASYNC jobs only run RSA */
		if (!r || wd_request_queue(&r->q)) {
			free(r);
			break;
		}
		pthread_mutex_init(&r->lock, NULL);
		pthread_cond_init(&r->cond, NULL);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&th, &attr, reaper_main, r)) {
			pthread_attr_destroy(&attr);
			wd_release_queue(&r->q);
			free(r);
			break;
		}
		pthread_attr_destroy(&attr);
		reapers[nr_reapers++] = r;
	}
	n = (unsigned int)nr_reapers;
	pthread_mutex_unlock(&reaper_lock);
	if (!n)
		return NULL;
	return reapers[atomic_fetch_add(&reaper_next, 1) % n];
}

/*
 * The waiter: one thread that watches the queues ASYNC jobs sent AES
 * requests on. It takes each answer with a non-blocking wd_recv, so it may
 * watch any number of queues; when none has answered it sleeps in the
 * oldest one's wd_recv_timeout (a device answers mostly in order, so the
 * others are then close behind), for at most a millisecond, so that a newer
 * answer or a new hand-over is not left waiting behind a slow request. The
 * job does not touch its queue until done is set: one thread at a time, as
 * libwd requires. One thread and not one per request: on the soft device a
 * thread waiting in wd_recv_sync polls first, beside the engines it waits
 * for, and 8 jobs would mean 8 of them on 2 CPUs.
 */
static int waiter_answer(struct async_op *op, int ret, void *m)
{
	if (ret == 1)
		return m == op->msg ? 0 : -EIO;
	return ret;
}

static void *waiter_main(void *arg)
{
	struct async_op *watch = NULL, **pp, *op;
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
		for (pp = &watch; (op = *pp) != NULL;) {
			ret = wd_recv(op->q, &m);
			if (ret == -EAGAIN) {
				pp = &op->next;
				continue;
			}
			*pp = op->next;	/* op is the job's once completed */
			async_complete(op, waiter_answer(op, ret, m));
			answered = 1;
		}
		if (answered || !watch)
			continue;
		op = watch;
		ret = wd_recv_timeout(op->q, &m, 1);
		if (ret != -ETIMEDOUT) {
			watch = op->next;
			async_complete(op, waiter_answer(op, ret, m));
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
	pthread_once(&atfork_once, wdp_atfork_register);
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

/*
 * What a job's wait context holds for wd, as the custom data of its wait fd:
 * the eventfd, and the queue of its RSA operations (see run_evented).
 */
struct job_wait {
	int efd;
	struct pool_slot *rsa;	/* a queue whose device signals efd, or NULL */
};

/* Give back the queue of a wait context. */
static void job_wait_drop_queue(struct job_wait *jw)
{
	struct pool_slot *s = jw->rsa;

	jw->rsa = NULL;
	if (!s)
		return;
	if (s->gen == atomic_load(&pool_gen)) {
		atomic_fetch_sub(&job_queues, 1);
		wd_queue_set_event_fd(&s->q, -1);
		if (wd_queue_inflight(&s->q)) {
			/* a job freed while paused: its answer must reach nobody */
			wd_release_queue(&s->q);
			free(s);
			pthread_mutex_lock(&pool_lock);
			pool_open--;
			pthread_mutex_unlock(&pool_lock);
			return;
		}
	}
	slot_put(s);
}

static void wait_fd_cleanup(ASYNC_WAIT_CTX *ctx, const void *key, OSSL_ASYNC_FD fd,
			    void *custom)
{
	struct job_wait *jw = custom;

	(void)ctx;
	(void)key;
	job_wait_drop_queue(jw);
	close(fd);
	free(jw);
}

/* The job's eventfd and queue, registered as its wait fd on first use. */
static struct job_wait *job_wait_get(ASYNC_JOB *job)
{
	ASYNC_WAIT_CTX *wctx = ASYNC_get_wait_ctx(job);
	struct job_wait *jw;
	OSSL_ASYNC_FD fd;
	void *custom;

	if (!wctx)
		return NULL;
	if (ASYNC_WAIT_CTX_get_fd(wctx, &async_key, &fd, &custom))
		return custom;
	jw = calloc(1, sizeof(*jw));
	if (!jw)
		return NULL;
	jw->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (jw->efd < 0 ||
	    !ASYNC_WAIT_CTX_set_wait_fd(wctx, &async_key, jw->efd, jw,
					wait_fd_cleanup)) {
		if (jw->efd >= 0)
			close(jw->efd);
		free(jw);
		return NULL;
	}
	return jw;
}

/* Pause the job until a completion thread is done with op. */
static int job_wait(struct async_op *op)
{
	struct pollfd p = { .fd = op->efd, .events = POLLIN };
	uint64_t v;
	int tries;

	while (!atomic_load_explicit(&op->done, memory_order_acquire)) {
		if (!ASYNC_pause_job())
			poll(&p, 1, 10);	/* cannot pause: wait for the fd here */
	}
	/*
	 * Consume the wake-up so the fd is quiet until the next operation.
	 * Resumed by the application without it (its own loop, another fd),
	 * the job waits for it here: the write follows done at once.
	 */
	for (tries = 0; tries < 10; tries++) {
		if (read(op->efd, &v, sizeof(v)) == sizeof(v) || errno != EAGAIN)
			break;
		poll(&p, 1, 100);
	}
	return op->result;
}

/* Set once a device has refused wd_queue_set_event_fd(): the reapers serve. */
static atomic_int event_fd_unsupported;


/* The job's own RSA queue, its device signalling the job's wait fd. */
static struct pool_slot *job_rsa_queue(struct job_wait *jw)
{
	struct pool_slot *s = jw->rsa;
	int ret;

	if (s && s->gen != atomic_load(&pool_gen))
		job_wait_drop_queue(jw);	/* the parent's, in a child */
	if (jw->rsa || atomic_load_explicit(&event_fd_unsupported, memory_order_relaxed))
		return jw->rsa;
	if (atomic_fetch_add(&job_queues, 1) >= JOB_QUEUES_MAX)
		goto none;
	s = slot_get(0);
	if (!s)
		goto none;
	ret = wd_queue_set_event_fd(&s->q, jw->efd);
	if (ret) {
		if (ret == -EOPNOTSUPP)
			atomic_store(&event_fd_unsupported, 1);
		slot_put(s);
		goto none;
	}
	jw->rsa = s;
	return s;
none:
	atomic_fetch_sub(&job_queues, 1);
	return NULL;
}

/*
 * RSA in a job, on a device that signals an eventfd: the job's wait
 * context keeps a queue of the pool whose device signals the job's wait
 * fd; the job sends on it and pauses until its answer is in. No
 * completion thread stands between the device and the application: one
 * wake-up per operation instead of two, and no lock, which on a small
 * machine is CPU the engines get back.
 *
 * Each resumption clears the fd before it looks at the ring, so an answer
 * posted after the look signals again. With one request in flight the
 * device signals once per request, after posting it: the job returns only
 * once it has both the answer and that signal, so the fd is quiet until the
 * job's next operation and a level-triggered event loop does not spin on
 * it. Returns -EOPNOTSUPP when it cannot serve msg: the reapers do.
 */
static int run_evented(struct job_wait *jw, struct wd_msg *msg, int rsa_cache)
{
	struct pollfd p = { .fd = jw->efd, .events = POLLIN };
	struct pool_slot *s = job_rsa_queue(jw);
	struct stage_saved sv;
	int ret, signalled = 0, tries = 0;
	void *m = NULL;
	uint64_t v;

	if (!s)
		return -EOPNOTSUPP;
	if (rsa_cache)
		rsa_cache_set(&s->q, &s->rsa_ctx, msg);
	ret = slot_stage(s, msg, &sv);
	if (!ret)
		ret = wd_send(&s->q, msg);
	if (ret) {
		slot_unstage(s, msg, &sv, 0);
		return ret;
	}
	for (;;) {
		if (read(jw->efd, &v, sizeof(v)) == sizeof(v))
			signalled = 1;
		if (ret != 1) {
			ret = wd_recv(&s->q, &m);
			if (ret == -EAGAIN) {
				if (!ASYNC_pause_job())
					poll(&p, 1, 10);	/* cannot pause: wait here */
				continue;
			}
		}
		/* an error posted nothing; the signal follows an answer at once */
		if (ret != 1 || signalled || ++tries > 10)
			break;
		poll(&p, 1, 100);
	}
	slot_unstage(s, msg, &sv, ret == 1 && m == msg);
	if (ret == 1)
		return m == msg ? 0 : -EIO;
	return ret;
}

/*
 * RSA in a job: on the job's own queue when its device signals eventfds,
 * else a reaper sends msg on its queue and waits.
 */
static int run_async(ASYNC_JOB *job, struct wd_msg *msg, int rsa_cache)
{
	struct async_op op = { .msg = msg, .rsa_cache = rsa_cache };
	struct job_wait *jw = job_wait_get(job);
	struct reaper *r;
	int ret;

	if (!jw)
		return -ENOMEM;
	ret = run_evented(jw, msg, rsa_cache);
	if (ret != -EOPNOTSUPP)
		return ret;
	op.efd = jw->efd;
	r = reaper_pick();
	if (!r)
		return -ENODEV;
	msg->user_data = &op;
	pthread_mutex_lock(&r->lock);
	ret = -EBUSY;
	if (!r->head) {		/* in order behind those waiting for room */
		if (rsa_cache)
			rsa_cache_set(&r->q, &r->rsa_ctx, msg);
		ret = wd_send(&r->q, msg);
	}
	if (ret == -EBUSY) {	/* the reaper sends it when there is room */
		if (r->tail)
			r->tail->next = &op;
		else
			r->head = &op;
		r->tail = &op;
	} else if (ret) {
		pthread_mutex_unlock(&r->lock);
		return ret;	/* nothing in flight: the caller falls back */
	} else {
		r->inflight++;
	}
	if (r->idle)
		pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return job_wait(&op);
}

/*
 * AES in a job: send msg on q, which the caller holds, and let the waiter
 * wait for it. An error before the send leaves nothing in flight: the
 * caller falls back to software as for any queue error.
 */
static int run_held_async(ASYNC_JOB *job, struct wd_queue *q, struct wd_msg *msg)
{
	struct async_op op = { .msg = msg, .q = q };
	struct job_wait *jw = job_wait_get(job);
	int ret;

	if (!jw)
		return -ENOMEM;
	op.efd = jw->efd;
	if (!waiter_start())
		return -EAGAIN;
	ret = wd_send(q, msg);
	if (ret)
		return ret;
	/* from here until done, q is the waiter's */
	pthread_mutex_lock(&waiter.lock);
	if (waiter.tail)
		waiter.tail->next = &op;
	else
		waiter.head = &op;
	waiter.tail = &op;
	if (waiter.idle)
		pthread_cond_signal(&waiter.cond);
	pthread_mutex_unlock(&waiter.lock);
	return job_wait(&op);
}

int wdp_run(struct wd_msg *msg, int rsa_cache)
{
	ASYNC_JOB *job = ASYNC_get_current_job();
	struct stage_saved sv;
	struct pool_slot *s;
	int ret;

	if (job && msg->opcode == WD_OP_RSA)
		return run_async(job, msg, rsa_cache);
	s = slot_get(msg->opcode == WD_OP_RSA ? 0 : pool_kind(
		wd_cipher_alg_name(((const struct wd_cipher_param *)msg->param)->mode)));
	if (!s)
		return -ENODEV;
	if (rsa_cache)
		rsa_cache_set(&s->q, &s->rsa_ctx, msg);
	/* in a job the slot stays borrowed while the job is paused */
	if (job) {
		ret = run_held_async(job, &s->q, msg);
	} else {
		ret = slot_stage(s, msg, &sv);
		if (!ret)
			ret = queue_run(&s->q, msg);
		slot_unstage(s, msg, &sv, ret == 0);
	}
	slot_put(s);
	return ret;
}

int wdp_lease_get(struct wdp_lease *l, const char *alg)
{
	struct pool_slot *s = slot_get(pool_kind(alg));
	int id;

	memset(l, 0, sizeof(*l));
	if (!s)
		return -ENODEV;
	id = wd_ctx_alloc(&s->q);
	if (id <= 0) {
		slot_put(s);
		return -ENOSPC;
	}
	l->q = &s->q;
	l->ctx_id = (uint32_t)id;
	l->gen = s->gen;
	l->slot = s;
	return 0;
}

int wdp_lease_run(struct wdp_lease *l, struct wd_msg *msg)
{
	ASYNC_JOB *job;

	if (!l->slot || l->gen != atomic_load(&pool_gen))
		return -EPERM;	/* a stream begun before fork() */
	msg->ctx_id = l->ctx_id;
	job = ASYNC_get_current_job();
	return job ? run_held_async(job, l->q, msg) : queue_run(l->q, msg);
}

void wdp_lease_put(struct wdp_lease *l)
{
	struct pool_slot *s = l->slot;

	if (!s)
		return;
	if (s->gen == atomic_load(&pool_gen))
		wd_ctx_free(&s->q, l->ctx_id);
	slot_put(s);
	memset(l, 0, sizeof(*l));
}
