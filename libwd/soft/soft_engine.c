// SPDX-License-Identifier: MIT
/*
 * soft_engine.c - the soft device's engine threads.
 *
 * Each engine thread serves a set of queues. It polls their submission
 * rings while there is work and for WD_SOFT_SPIN_US after the last request,
 * then announces sleep (ctrl->dev_idle in every queue it serves), looks at
 * the rings one last time, and blocks on a futex until a producer kicks it.
 * So an idle queue costs no CPU and a busy one costs no system call.
 * A queue given an eventfd (wd_queue_set_event_fd) is the exception: the
 * engine writes it after posting completions, as hardware would raise an
 * interrupt.
 *
 * A new queue goes to the engine serving the fewest queues, so that several
 * queues opened by one program run on different engines (cores).
 *
 * Each engine is bound to one CPU of those the process may use, as a
 * device's interrupts are bound to CPUs: engine 0 to the CPU after the one
 * the engines were started from, engine 1 to the next, and so on around
 * (WD_SOFT_AFFINITY=off leaves them to the scheduler; so does a process
 * allowed fewer CPUs than it has engines). Unbound, the scheduler at times
 * put a busy engine on the CPU of the thread waiting for it, and both ran
 * at a fraction of their speed for whole seconds: a synchronous RSA
 * signature took 350-390 us on the engine instead of 275, and the other
 * CPU idled. A bound engine stays on its CPU; the waiting thread, free to
 * move, is the one the scheduler moves. Starting from the CPU after the
 * starter's puts the first queue's engine (engine 0) away from the thread
 * that opened it, and spreads the engine 0s of several processes (a
 * server's workers, each with one queue) over the CPUs they started on.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "wd_internal.h"
#include "soft_engine.h"

#define SOFT_SERVE_BUDGET	32	/* requests per queue per pass: fairness */

struct soft_engine {
	pthread_t thread;
	int id;
	_Atomic uint32_t doorbell;	/* futex word: bumped by each kick */
	_Atomic int sleeping;
	_Atomic uint32_t gen;		/* queue list version */
	uint32_t acked_gen;		/* under soft_dev.lock */
	struct soft_queue **queues;	/* under soft_dev.lock */
	int nr_queues;
	int cap_queues;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t acked;
	struct soft_engine *engines;
	int nr_engines;
	int nr_queues;
	int64_t spin_ns;
	int affinity;		/* WD_SOFT_AFFINITY: bind engines to CPUs */
	int bind_base;		/* engine 0's place among the allowed CPUs */
} soft_dev = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.acked = PTHREAD_COND_INITIALIZER,
};

static long soft_futex(_Atomic uint32_t *word, int op, uint32_t val,
		       const struct timespec *tmo)
{
	return syscall(SYS_futex, word, op, val, tmo, NULL, 0);
}

static int64_t soft_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int soft_sq_pending(const struct soft_queue *q)
{
	const struct wd_sqe *e = &q->sq[q->sq_head & (q->depth - 1)];

	return __atomic_load_n(&e->phase, __ATOMIC_ACQUIRE) ==
	       WD_RING_PHASE(q->sq_head, q->depth);
}

/* Run one validated request; the handler fills cqe. */
static void soft_run(struct soft_queue *q, const struct wd_sqe *sqe, struct wd_cqe *cqe)
{
	struct soft_ctx *ctx = NULL;
	soft_op_fn fn;

	cqe->status = wd_check_sqe(sqe);
	if (cqe->status)
		return;
	fn = soft_op_table[sqe->opcode];
	if (soft_fault.active) {
		cqe->status = soft_fault_request(sqe);
		if (cqe->status)
			return;
	}
	if (!fn) {
		cqe->status = -EOPNOTSUPP;
		return;
	}
	if (sqe->ctx_id) {
		ctx = soft_ctx(q, sqe->ctx_id);
		if (!ctx) {
			cqe->status = -EINVAL;
			return;
		}
		/* A new stream, or a slot last used by another operation. */
		if ((sqe->flags & WD_SQE_F_FIRST) || (ctx->state && ctx->opcode != sqe->opcode))
			soft_ctx_reset(ctx);
		ctx->opcode = sqe->opcode;
	}
	fn(q, sqe, cqe);
	if (ctx && (sqe->flags & WD_SQE_F_LAST))
		soft_ctx_reset(ctx);
}

static void soft_post(struct soft_queue *q, const struct wd_cqe *res)
{
	struct wd_cqe *c = &q->cq[q->cq_tail & (q->depth - 1)];

	wd_ring_cqe_fill(c, res);
	__atomic_store_n(&c->phase, WD_RING_PHASE(q->cq_tail, q->depth), __ATOMIC_RELEASE);
	q->cq_tail++;
}

/*
 * The device's interrupt, for a queue with an eventfd: after the completions
 * are posted (the write is a barrier), so a reader that clears the eventfd
 * and then looks at the ring misses nothing.
 */
static void soft_event_signal(struct soft_queue *q)
{
	uint64_t one = 1;
	ssize_t w;

	pthread_mutex_lock(&q->event_lock);
	if (q->event_fd >= 0) {
		w = write(q->event_fd, &one, sizeof(one));
		(void)w;	/* fails only when the counter is full: readable anyway */
	}
	pthread_mutex_unlock(&q->event_lock);
}

/*
 * Serve up to budget requests of q; returns how many. A queue with an
 * eventfd is then due a signal (counted in *nr_due), which the engine
 * writes when soft_event_moderate() says so.
 */
static int soft_queue_serve(struct soft_queue *q, int budget, int *nr_due)
{
	int n = 0;

	while (n < budget && soft_sq_pending(q)) {
		struct wd_sqe sqe = q->sq[q->sq_head & (q->depth - 1)];
		struct wd_cqe res = { .tag = sqe.tag };

		/* From here on only the private copy is read. */
		q->sq_head++;
		soft_run(q, &sqe, &res);
		soft_post(q, &res);
		n++;
	}
	if (n && !q->event_due && atomic_load_explicit(&q->event_on, memory_order_relaxed)) {
		q->event_due = 1;
		(*nr_due)++;
	}
	if (n) {
		struct wd_ring_ctrl *ctrl = q->ctrl;

		/* Pairs with the waiter's fence between user_waiting and its look. */
		atomic_thread_fence(memory_order_seq_cst);
		if (__atomic_load_n(&ctrl->user_waiting, __ATOMIC_RELAXED)) {
			__atomic_fetch_add(&ctrl->cq_seq, 1, __ATOMIC_RELEASE);
			soft_futex((_Atomic uint32_t *)&ctrl->cq_seq, FUTEX_WAKE_PRIVATE,
				   INT_MAX, NULL);
		}
	}
	return n;
}

/* Do at least want of the n queues have a request waiting? */
static int soft_pending_at_least(struct soft_queue **qs, int n, int want)
{
	int i, k = 0;

	for (i = 0; i < n && k < want; i++)
		k += soft_sq_pending(qs[i]);
	return k >= want;
}

/* Signal every queue due a signal. */
static void soft_event_flush(struct soft_queue **qs, int n, int *nr_due)
{
	int i;

	for (i = 0; i < n && *nr_due; i++) {
		if (qs[i]->event_due) {
			qs[i]->event_due = 0;
			soft_event_signal(qs[i]);
			(*nr_due)--;
		}
	}
	*nr_due = 0;
}

/*
 * Interrupt moderation for queues with an eventfd, as a network card
 * coalesces its interrupts: while requests wait in at least two of the
 * engine's queues, an answer's signal waits too, so that one wake-up of the
 * application takes several answers (on a small machine each wake-up costs
 * the engines a preemption). ASYNC jobs keep one request each on a queue
 * of their own, so for them this counts waiting requests. The signals go
 * out once fewer than two queues have a request waiting (the application
 * then refills the queues while the engine serves those), at the latest
 * after SOFT_EVENT_DUE_MAX answers. An idle engine never holds
 * a signal back, so a lone request is not delayed at all; waits on the
 * futex (wd_recv_sync) are never moderated.
 */
#define SOFT_EVENT_DUE_MAX	16

static void soft_event_moderate(struct soft_queue **qs, int n, int *nr_due)
{
	if (*nr_due && (*nr_due >= SOFT_EVENT_DUE_MAX || !soft_pending_at_least(qs, n, 2)))
		soft_event_flush(qs, n, nr_due);
}

static void soft_set_idle(struct soft_queue **qs, int n, uint32_t idle)
{
	int i;

	for (i = 0; i < n; i++)
		__atomic_store_n(&qs[i]->ctrl->dev_idle, idle, __ATOMIC_RELAXED);
}

/* Take the current queue list; returns 1 when the engine must stop. */
static int soft_engine_reload(struct soft_engine *e, struct soft_queue ***local,
			      int *nr, int *cap, uint32_t *gen)
{
	pthread_mutex_lock(&soft_dev.lock);
	if (e->nr_queues > *cap) {
		struct soft_queue **n = realloc(*local, e->nr_queues * sizeof(*n));

		if (n) {
			*local = n;
			*cap = e->nr_queues;
		}
	}
	/* Never fails to shrink; on a failed growth serve the old prefix. */
	*nr = e->nr_queues < *cap ? e->nr_queues : *cap;
	if (*nr)
		memcpy(*local, e->queues, *nr * sizeof(**local));
	*gen = atomic_load(&e->gen);
	e->acked_gen = *gen;
	pthread_cond_broadcast(&soft_dev.acked);
	pthread_mutex_unlock(&soft_dev.lock);
	return 0;
}

/* Announce sleep, look once more, then block until kicked. */
static void soft_engine_sleep(struct soft_engine *e, struct soft_queue **qs, int n,
			      uint32_t gen)
{
	uint32_t bell = atomic_load(&e->doorbell);
	int i, pending = 0;

	atomic_store(&e->sleeping, 1);
	soft_set_idle(qs, n, 1);
	atomic_thread_fence(memory_order_seq_cst);
	for (i = 0; i < n && !pending; i++)
		pending = soft_sq_pending(qs[i]);
	if (!pending && atomic_load(&e->gen) == gen)
		soft_futex(&e->doorbell, FUTEX_WAIT_PRIVATE, bell, NULL);
	soft_set_idle(qs, n, 0);
	atomic_store(&e->sleeping, 0);
}

/* Where the engine starter runs, among its allowed CPUs, plus one. */
static int soft_engine_base(void)
{
	int cpu = sched_getcpu(), c, k = 1;
	cpu_set_t allowed;

	if (cpu < 0 || sched_getaffinity(0, sizeof(allowed), &allowed))
		return 0;
	for (c = 0; c < cpu && c < CPU_SETSIZE; c++)
		k += CPU_ISSET(c, &allowed);
	return k;
}

/* Bind the calling engine thread to its CPU (see the file comment). */
static void soft_engine_bind(int id, int nr_engines)
{
	cpu_set_t allowed, one;
	int cpu, k = 0, want;

	if (!soft_dev.affinity ||
	    pthread_getaffinity_np(pthread_self(), sizeof(allowed), &allowed) ||
	    CPU_COUNT(&allowed) < nr_engines)
		return;
	want = (soft_dev.bind_base + id) % CPU_COUNT(&allowed);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed) || k++ != want)
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		/* a failure leaves the engine where the scheduler puts it */
		pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
		return;
	}
}

static void *soft_engine_main(void *arg)
{
	struct soft_engine *e = arg;
	struct soft_queue **qs = NULL;
	int nr = 0, cap = 0;
	uint32_t gen = 0;
	int64_t idle_since = 0;
	int nr_due = 0;
	char name[16];

	snprintf(name, sizeof(name), "wd-soft-eng%d", e->id);
	/* bound before it is named: whoever sees the name sees the binding */
	soft_engine_bind(e->id, soft_engine_count());
	pthread_setname_np(pthread_self(), name);
	soft_engine_reload(e, &qs, &nr, &cap, &gen);
	for (;;) {
		int i, work = 0;

		if (atomic_load_explicit(&e->gen, memory_order_acquire) != gen) {
			/* the queues of this list stay valid until the reload */
			soft_event_flush(qs, nr, &nr_due);
			soft_engine_reload(e, &qs, &nr, &cap, &gen);
		}
		for (i = 0; i < nr; i++) {
			work += soft_queue_serve(qs[i], SOFT_SERVE_BUDGET, &nr_due);
			soft_event_moderate(qs, nr, &nr_due);
		}
		if (work) {
			idle_since = 0;
			continue;
		}
		if (!idle_since) {
			idle_since = soft_now_ns();
			continue;
		}
		if (soft_now_ns() - idle_since < soft_dev.spin_ns) {
			wd_cpu_relax();
			continue;
		}
		soft_engine_sleep(e, qs, nr, gen);
		idle_since = 0;
	}
	return NULL;
}

static void soft_engine_wake(struct soft_engine *e)
{
	atomic_fetch_add(&e->doorbell, 1);
	soft_futex(&e->doorbell, FUTEX_WAKE_PRIVATE, 1, NULL);
}

int soft_engine_count(void)
{
	return (int)wd_config_long(WD_CFG_SOFT_ENGINES);
}

/* Start the engine threads; under soft_dev.lock. */
static int soft_engines_start(void)
{
	int i, n = soft_engine_count();
	pthread_attr_t attr;
	sigset_t all, old;

	soft_dev.engines = calloc(n, sizeof(*soft_dev.engines));
	if (!soft_dev.engines)
		return -ENOMEM;
	soft_dev.spin_ns = wd_config_long(WD_CFG_SOFT_SPIN_US) * 1000;
	soft_dev.affinity = strcmp(wd_config_str(WD_CFG_SOFT_AFFINITY), "off") != 0;
	soft_dev.bind_base = soft_engine_base();
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Engines must never take the application's signals. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < n; i++) {
		soft_dev.engines[i].id = i;
		if (pthread_create(&soft_dev.engines[i].thread, &attr, soft_engine_main,
				   &soft_dev.engines[i]))
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (i == 0) {
		free(soft_dev.engines);
		soft_dev.engines = NULL;
		return -EAGAIN;
	}
	soft_dev.nr_engines = i;
	return 0;
}

int soft_engine_attach(struct soft_queue *q)
{
	long max = wd_config_long(WD_CFG_SOFT_MAX_QUEUES);
	struct soft_engine *e;
	int i, ret = 0;

	pthread_mutex_lock(&soft_dev.lock);
	if (!soft_dev.engines)
		ret = soft_engines_start();
	if (!ret && soft_dev.nr_queues >= max)
		ret = -EBUSY;
	if (ret)
		goto out;
	e = &soft_dev.engines[0];
	for (i = 1; i < soft_dev.nr_engines; i++)
		if (soft_dev.engines[i].nr_queues < e->nr_queues)
			e = &soft_dev.engines[i];
	if (e->nr_queues == e->cap_queues) {
		int cap = e->cap_queues ? e->cap_queues * 2 : 8;
		struct soft_queue **n = realloc(e->queues, cap * sizeof(*n));

		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		e->queues = n;
		e->cap_queues = cap;
	}
	e->queues[e->nr_queues++] = q;
	q->engine = e;
	soft_dev.nr_queues++;
	atomic_fetch_add(&e->gen, 1);
	soft_engine_wake(e);
out:
	pthread_mutex_unlock(&soft_dev.lock);
	return ret;
}

/* Remove q and wait until its engine no longer looks at it. */
void soft_engine_detach(struct soft_queue *q)
{
	struct soft_engine *e = q->engine;
	uint32_t gen;
	int i;

	pthread_mutex_lock(&soft_dev.lock);
	for (i = 0; i < e->nr_queues; i++) {
		if (e->queues[i] == q) {
			e->queues[i] = e->queues[--e->nr_queues];
			break;
		}
	}
	soft_dev.nr_queues--;
	gen = atomic_fetch_add(&e->gen, 1) + 1;
	soft_engine_wake(e);
	/*
	 * "Reached gen", not "equals gen": another attach or detach on this
	 * engine may bump gen again before the engine reloads, and the engine
	 * then acks the later generation only (a detach waiting for equality
	 * slept for ever: test_queue_stress under ThreadSanitizer, in CI).
	 */
	while ((int32_t)(e->acked_gen - gen) < 0)
		pthread_cond_wait(&soft_dev.acked, &soft_dev.lock);
	pthread_mutex_unlock(&soft_dev.lock);
	q->engine = NULL;
}

void soft_engine_kick(struct soft_queue *q)
{
	struct soft_engine *e = q->engine;

	if (atomic_load(&e->sleeping))
		soft_engine_wake(e);
}

int soft_engine_queues(void)
{
	int n;

	pthread_mutex_lock(&soft_dev.lock);
	n = soft_dev.nr_queues;
	pthread_mutex_unlock(&soft_dev.lock);
	return n;
}

/*
 * In a forked child no engine thread exists: forget them (their memory
 * stays allocated, it is the parent's picture) and start afresh on the
 * child's first queue. Queues inherited are refused by the fork check.
 */
void soft_engine_fork_child(void)
{
	pthread_mutex_init(&soft_dev.lock, NULL);
	pthread_cond_init(&soft_dev.acked, NULL);
	soft_dev.engines = NULL;
	soft_dev.nr_engines = 0;
	soft_dev.nr_queues = 0;
}
