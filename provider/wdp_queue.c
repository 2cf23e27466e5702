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
 * a job hands its request to a completion thread, which owns a queue of its
 * own, sends, sleeps until the device answers, and then makes the job's wait
 * fd (an eventfd) readable so that the application resumes the job. One
 * completion thread per soft engine (CPU) keeps every engine busy.
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
	unsigned int gen;
	struct pool_slot *next;
};

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pool_slot *pool_free[NR_POOLS];
static int pool_open;
static atomic_uint pool_gen;

/* ------------------------------------------------------------------ */
/* ASYNC completion threads                                            */

struct async_op {
	struct wd_msg *msg;
	int efd;
	int result;
	int rsa_cache;
	atomic_int done;
	struct async_op *next;
};

struct reaper {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct async_op *head, *tail;	/* submitted, not yet sent */
	int idle;			/* sleeping on cond */
	struct wd_queue q;
	uint32_t rsa_ctx;
};

static pthread_mutex_t reaper_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reaper *reapers[REAPERS_MAX];
static int nr_reapers;
static atomic_uint reaper_next;
static int async_key;		/* its address names our wait fd */

static void wdp_atfork_child(void)
{
	/* another thread may have held them at fork time */
	pthread_mutex_init(&pool_lock, NULL);
	pthread_mutex_init(&reaper_lock, NULL);
	/*
	 * Inherited queues are dead here and the completion threads do not
	 * exist: forget them (their memory is the parent's business).
	 */
	memset(pool_free, 0, sizeof(pool_free));
	pool_open = 0;
	nr_reapers = 0;
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
		if (wd_request_queue(&s->q) == 0)
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

static void async_complete(struct async_op *op, int result)
{
	uint64_t one = 1;
	int fd = op->efd;

	op->result = result;
	/* after done is set the op may vanish: nothing touches it after */
	atomic_store(&op->done, 1);
	if (write(fd, &one, sizeof(one)) < 0)
		return;	/* the counter is full: it is readable anyway */
}

static void *reaper_main(void *arg)
{
	struct reaper *r = arg;
	struct async_op *pending = NULL, **ptail, *op;
	unsigned int inflight = 0;
	void *m;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		while (!r->head && !pending && !inflight) {
			r->idle = 1;
			pthread_cond_wait(&r->cond, &r->lock);
			r->idle = 0;
		}
		/* append the new submissions behind the ones still waiting */
		for (ptail = &pending; *ptail; ptail = &(*ptail)->next)
			;
		*ptail = r->head;
		r->head = r->tail = NULL;
		pthread_mutex_unlock(&r->lock);

		while (pending) {
			int ret;

			op = pending;
			if (op->rsa_cache)
				rsa_cache_set(&r->q, &r->rsa_ctx, op->msg);
			ret = wd_send(&r->q, op->msg);
			if (ret == -EBUSY)
				break;	/* ring full: send after a completion */
			pending = op->next;
			if (ret)
				async_complete(op, ret);
			else
				inflight++;
		}
		if (!inflight)
			continue;
		/* a short timeout: new submissions are looked at soon */
		if (wd_recv_timeout(&r->q, &m, 1) == 1) {
			do {
				inflight--;
				async_complete(((struct wd_msg *)m)->user_data, 0);
			} while (inflight && wd_recv(&r->q, &m) == 1);
		}
	}
	return NULL;
}

static int reaper_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	const char *env = getenv("WD_SOFT_ENGINES");

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

static void wait_fd_cleanup(ASYNC_WAIT_CTX *ctx, const void *key, OSSL_ASYNC_FD fd,
			    void *custom)
{
	(void)ctx;
	(void)key;
	(void)custom;
	close(fd);
}

/* The job's eventfd, registered as its wait fd on first use. */
static int job_wait_fd(ASYNC_JOB *job)
{
	ASYNC_WAIT_CTX *wctx = ASYNC_get_wait_ctx(job);
	OSSL_ASYNC_FD fd;
	void *custom;

	if (!wctx)
		return -1;
	if (ASYNC_WAIT_CTX_get_fd(wctx, &async_key, &fd, &custom))
		return fd;
	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!ASYNC_WAIT_CTX_set_wait_fd(wctx, &async_key, fd, NULL,
					wait_fd_cleanup)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int run_async(ASYNC_JOB *job, struct wd_msg *msg, int rsa_cache)
{
	struct async_op op = { .msg = msg, .rsa_cache = rsa_cache };
	struct reaper *r;
	uint64_t v;

	op.efd = job_wait_fd(job);
	if (op.efd < 0)
		return -ENOMEM;
	r = reaper_pick();
	if (!r)
		return -ENODEV;
	msg->user_data = &op;
	pthread_mutex_lock(&r->lock);
	if (r->tail)
		r->tail->next = &op;
	else
		r->head = &op;
	r->tail = &op;
	if (r->idle)
		pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	while (!atomic_load(&op.done)) {
		if (!ASYNC_pause_job()) {
			/* cannot pause: wait for the fd here */
			struct pollfd p = { .fd = op.efd, .events = POLLIN };

			poll(&p, 1, 10);
		}
	}
	/* consume the wake-up so the fd is quiet until the next operation */
	if (read(op.efd, &v, sizeof(v)) < 0)
		v = 0;
	return op.result;
}

int wdp_run(struct wd_msg *msg, int rsa_cache)
{
	ASYNC_JOB *job = ASYNC_get_current_job();
	struct pool_slot *s;
	int ret;

	if (job)
		return run_async(job, msg, rsa_cache);
	s = slot_get(msg->opcode == WD_OP_RSA ? 0 : pool_kind(
		wd_cipher_alg_name(((const struct wd_cipher_param *)msg->param)->mode)));
	if (!s)
		return -ENODEV;
	if (rsa_cache)
		rsa_cache_set(&s->q, &s->rsa_ctx, msg);
	ret = queue_run(&s->q, msg);
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
	if (!l->slot || l->gen != atomic_load(&pool_gen))
		return -EPERM;	/* a stream begun before fork() */
	msg->ctx_id = l->ctx_id;
	return queue_run(l->q, msg);
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
