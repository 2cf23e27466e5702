// SPDX-License-Identifier: GPL-2.0
/*
 * wd_soft_engine.c - the engine threads of wd_soft.ko.
 *
 * An engine owns a list of started queues. It polls their submission rings
 * for new entries (phase bits, wd_ring.h), copies each entry once, validates
 * it, runs the operation and posts a completion. After spin_us without work
 * it announces sleep through ctrl->dev_idle, looks at every ring once more
 * (the producer's fence pairs with that look) and sleeps until a
 * UACCE_CMD_KICK.
 *
 * SVA queues are served inside the opener's address space (kthread_use_mm),
 * so descriptors carry plain user pointers; copy_{from,to}_user fault pages
 * in, break COW, and fail cleanly on anything the owner may not touch. No
 * page is pinned. Share-domain queues are served from the kernel mapping of
 * their static share region, after a bounds check.
 */
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched/clock.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "wd_soft.h"

struct wd_soft_engine {
	struct task_struct *task;
	struct mutex lock;		/* queues, and serving them */
	struct list_head queues;
	unsigned int nr_queues;
	wait_queue_head_t wq;
	atomic_t kicked;
	void *bounce;
};

static struct wd_soft_engine *wd_soft_engines;
static unsigned int wd_soft_nr_engines;
static DEFINE_MUTEX(wd_soft_attach_lock);

/* Translate [addr, addr + len) of the share region to its kernel address. */
static void *wd_soft_ss_ptr(struct wd_soft_queue *q, u64 addr, u64 len)
{
	/* pairs with the release in uacce_mmap_ss(): size last, then the rest */
	unsigned long size = smp_load_acquire(&q->uq->ss_size);
	u64 off;

	if (!size || addr < q->uq->ss_uaddr)
		return NULL;
	off = addr - q->uq->ss_uaddr;
	if (off > size || len > size - off)
		return NULL;
	return q->uq->ss_kva + off;
}

/* The SVA path runs in the owner's mm; current->mm is NULL if it is gone. */
static bool wd_soft_user_ok(u64 addr, u64 len)
{
	return current->mm && addr == (unsigned long)addr &&
	       access_ok((void __user *)(unsigned long)addr, len);
}

int wd_soft_read(struct wd_soft_queue *q, void *dst, u64 addr, u64 len)
{
	void *p;

	if (!len)
		return 0;
	if (q->share_domain) {
		p = wd_soft_ss_ptr(q, addr, len);
		if (!p)
			return -EFAULT;
		memcpy(dst, p, len);
		return 0;
	}
	if (!wd_soft_user_ok(addr, len) ||
	    copy_from_user(dst, (void __user *)(unsigned long)addr, len))
		return -EFAULT;
	return 0;
}

int wd_soft_write(struct wd_soft_queue *q, u64 addr, const void *src, u64 len)
{
	void *p;

	if (!len)
		return 0;
	if (q->share_domain) {
		p = wd_soft_ss_ptr(q, addr, len);
		if (!p)
			return -EFAULT;
		memcpy(p, src, len);
		return 0;
	}
	if (!wd_soft_user_ok(addr, len) ||
	    copy_to_user((void __user *)(unsigned long)addr, src, len))
		return -EFAULT;
	return 0;
}

struct wd_soft_ctx *wd_soft_ctx(struct wd_soft_queue *q, u32 ctx_id)
{
	if (!wd_check_ctx_id(ctx_id))
		return NULL;
	if (!q->ctx) {
		q->ctx = kvcalloc(WD_RING_MAX_CTX, sizeof(*q->ctx), GFP_KERNEL);
		if (!q->ctx)
			return NULL;
	}
	return &q->ctx[ctx_id];
}

void wd_soft_ctx_reset(struct wd_soft_ctx *c)
{
	if (c->state && c->destroy)
		c->destroy(c->state);
	c->state = NULL;
	c->destroy = NULL;
}

void wd_soft_ctx_free_all(struct wd_soft_queue *q)
{
	unsigned int i;

	if (!q->ctx)
		return;
	for (i = 0; i < WD_RING_MAX_CTX; i++)
		wd_soft_ctx_reset(&q->ctx[i]);
	kvfree(q->ctx);
	q->ctx = NULL;
}

/* Validate the private copy sqe and run it; cqe is filled for posting. */
static void wd_soft_run(struct wd_soft_req *req, const struct wd_sqe *sqe,
			struct wd_cqe *cqe)
{
	struct wd_soft_ctx *ctx = NULL;
	wd_soft_op_fn fn;

	cqe->status = wd_check_sqe(sqe);
	if (cqe->status)
		return;
	fn = wd_soft_ops[sqe->opcode];
	if (!fn) {
		cqe->status = -EOPNOTSUPP;
		return;
	}
	if (sqe->ctx_id) {
		ctx = wd_soft_ctx(req->q, sqe->ctx_id);
		if (!ctx) {
			cqe->status = -EINVAL;
			return;
		}
		/* a new stream, or a slot last used by another operation */
		if ((sqe->flags & WD_SQE_F_FIRST) ||
		    (ctx->state && ctx->opcode != sqe->opcode))
			wd_soft_ctx_reset(ctx);
		ctx->opcode = sqe->opcode;
	}
	fn(req, sqe, cqe);
	if (ctx && (sqe->flags & WD_SQE_F_LAST))
		wd_soft_ctx_reset(ctx);
}

static void wd_soft_post(struct wd_soft_queue *q, const struct wd_cqe *res)
{
	struct wd_cqe *c = &q->cq[q->cq_tail & (q->depth - 1)];
	struct wd_soft_dev *sdev = q->sdev;

	wd_ring_cqe_fill(c, res);
	/* the entry is whole before the consumer can see its phase */
	smp_store_release(&c->phase, WD_RING_PHASE(q->cq_tail, q->depth));
	q->cq_tail++;

	wd_soft_count(sdev, WD_SOFT_REQUESTS, 1);
	wd_soft_count(sdev, WD_SOFT_BYTES_IN, res->consumed);
	wd_soft_count(sdev, WD_SOFT_BYTES_OUT, res->produced);
	if (res->status)
		wd_soft_count(sdev, WD_SOFT_ERRORS, 1);

	/* pairs with the consumer's fence between user_waiting and its look */
	smp_mb();
	if (READ_ONCE(q->ctrl->user_waiting)) {
		WRITE_ONCE(q->ctrl->cq_seq, ++q->cq_seq);
		wd_soft_count(sdev, WD_SOFT_WAKEUPS, 1);
		uacce_wake_up(q->uq);
	}
	uacce_signal_event(q->uq);
}

static bool wd_soft_sq_pending(struct wd_soft_queue *q)
{
	struct wd_sqe *e = &q->sq[q->sq_head & (q->depth - 1)];

	/* pairs with the producer's release: the entry is whole once seen */
	return smp_load_acquire(&e->phase) == WD_RING_PHASE(q->sq_head, q->depth);
}

/*
 * Enter the owner's address space for an SVA queue. If the owner is exiting
 * (no mm users left) we stay outside, and every access fails with -EFAULT.
 */
static struct mm_struct *wd_soft_enter_mm(struct wd_soft_queue *q)
{
	struct mm_struct *mm = q->uq->mm;

	if (q->share_domain || !mmget_not_zero(mm))
		return NULL;
	kthread_use_mm(mm);
	return mm;
}

static void wd_soft_leave_mm(struct mm_struct *mm)
{
	if (!mm)
		return;
	kthread_unuse_mm(mm);
	/* the last reference must not tear the mm down in this thread */
	mmput_async(mm);
}

/* Serve at most one ring's worth of q's requests; returns how many. */
static unsigned int wd_soft_serve(struct wd_soft_engine *eng,
				  struct wd_soft_queue *q)
{
	struct wd_soft_req req = { .q = q, .bounce = eng->bounce };
	struct mm_struct *mm = NULL;
	bool entered = false;
	unsigned int n = 0;

	while (n < q->depth && !READ_ONCE(q->stopping) &&
	       wd_soft_sq_pending(q)) {
		struct wd_sqe sqe;
		struct wd_cqe res = { };

		/* the only read of the entry: user space may change it now */
		memcpy(&sqe, &q->sq[q->sq_head & (q->depth - 1)], sizeof(sqe));
		q->sq_head++;
		if (!entered) {
			mm = wd_soft_enter_mm(q);
			entered = true;
		}
		res.tag = sqe.tag;
		wd_soft_run(&req, &sqe, &res);
		wd_soft_post(q, &res);
		n++;
		cond_resched();
	}
	wd_soft_leave_mm(mm);
	return n;
}

static unsigned int wd_soft_pass(struct wd_soft_engine *eng)
{
	struct wd_soft_queue *q;
	unsigned int n = 0;

	mutex_lock(&eng->lock);
	list_for_each_entry(q, &eng->queues, node)
		n += wd_soft_serve(eng, q);
	mutex_unlock(&eng->lock);
	return n;
}

static void wd_soft_set_idle(struct wd_soft_engine *eng, u32 idle)
{
	struct wd_soft_queue *q;

	mutex_lock(&eng->lock);
	list_for_each_entry(q, &eng->queues, node)
		WRITE_ONCE(q->ctrl->dev_idle, idle);
	mutex_unlock(&eng->lock);
}

static int wd_soft_engine_fn(void *data)
{
	struct wd_soft_engine *eng = data;
	u64 idle_since = local_clock();

	while (!kthread_should_stop()) {
		if (wd_soft_pass(eng)) {
			idle_since = local_clock();
			continue;
		}
		if (local_clock() - idle_since <
		    (u64)READ_ONCE(wd_soft_spin_us) * NSEC_PER_USEC) {
			cond_resched();
			continue;
		}
		wd_soft_set_idle(eng, 1);
		/* pairs with the producer's fence between its entry and dev_idle */
		smp_mb();
		if (!wd_soft_pass(eng))
			wait_event_interruptible(eng->wq,
						 atomic_xchg(&eng->kicked, 0) ||
						 kthread_should_stop());
		wd_soft_set_idle(eng, 0);
		idle_since = local_clock();
	}
	return 0;
}

void wd_soft_engine_kick(struct wd_soft_queue *q)
{
	struct wd_soft_engine *eng = q->eng;

	atomic_set(&eng->kicked, 1);
	wake_up(&eng->wq);
}

/* Give q to the engine with the fewest queues. */
void wd_soft_engine_attach(struct wd_soft_queue *q)
{
	struct wd_soft_engine *eng = &wd_soft_engines[0];
	unsigned int i;

	mutex_lock(&wd_soft_attach_lock);
	for (i = 1; i < wd_soft_nr_engines; i++)
		if (wd_soft_engines[i].nr_queues < eng->nr_queues)
			eng = &wd_soft_engines[i];
	eng->nr_queues++;
	mutex_unlock(&wd_soft_attach_lock);

	WRITE_ONCE(q->stopping, false);
	q->eng = eng;
	mutex_lock(&eng->lock);
	list_add_tail(&q->node, &eng->queues);
	mutex_unlock(&eng->lock);
	wd_soft_engine_kick(q);
}

/* After this returns the engine never touches q again. */
void wd_soft_engine_detach(struct wd_soft_queue *q)
{
	struct wd_soft_engine *eng = q->eng;

	if (!eng)
		return;
	/* long operations see this and give up early */
	WRITE_ONCE(q->stopping, true);
	mutex_lock(&eng->lock);
	list_del_init(&q->node);
	mutex_unlock(&eng->lock);

	mutex_lock(&wd_soft_attach_lock);
	eng->nr_queues--;
	mutex_unlock(&wd_soft_attach_lock);
	q->eng = NULL;
}

int wd_soft_engines_start(unsigned int nr)
{
	unsigned int i;
	int ret;

	wd_soft_engines = kcalloc(nr, sizeof(*wd_soft_engines), GFP_KERNEL);
	if (!wd_soft_engines)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		struct wd_soft_engine *eng = &wd_soft_engines[i];

		mutex_init(&eng->lock);
		INIT_LIST_HEAD(&eng->queues);
		init_waitqueue_head(&eng->wq);
		eng->bounce = kmalloc(WD_SOFT_BOUNCE_SIZE, GFP_KERNEL);
		if (!eng->bounce) {
			ret = -ENOMEM;
			goto err_stop;
		}
		eng->task = kthread_run(wd_soft_engine_fn, eng, "wd_soft/%u", i);
		if (IS_ERR(eng->task)) {
			ret = PTR_ERR(eng->task);
			eng->task = NULL;
			goto err_stop;
		}
		wd_soft_nr_engines = i + 1;
	}
	return 0;

err_stop:
	/* engine i may hold a bounce buffer but no thread */
	kfree(wd_soft_engines[i].bounce);
	wd_soft_engines[i].bounce = NULL;
	wd_soft_engines_stop();
	return ret;
}

void wd_soft_engines_stop(void)
{
	unsigned int i;

	for (i = 0; i < wd_soft_nr_engines; i++) {
		struct wd_soft_engine *eng = &wd_soft_engines[i];

		kthread_stop(eng->task);
		WARN_ON(!list_empty(&eng->queues));
		kfree(eng->bounce);
		mutex_destroy(&eng->lock);
	}
	kfree(wd_soft_engines);
	wd_soft_engines = NULL;
	wd_soft_nr_engines = 0;
}
