/* SPDX-License-Identifier: MIT */
/*
 * wd_internal.h - what the libwd core shares with its user drivers.
 *
 * A user driver (drv/) knows one ring format family and one way to reach a
 * device: the in-process soft device (drv/soft_drv.c) or a kernel uacce
 * device (drv/uacce_drv.c). The core (wd_queue.c) speaks the ring format of
 * wd_ring.h and calls the driver only to open and close a queue, to kick a
 * sleeping device, to sleep for completions, and to map the share region.
 */
#ifndef WD_INTERNAL_H
#define WD_INTERNAL_H

#include <stdint.h>
#include <stdatomic.h>
#include "wd.h"
#include "wd_ring.h"
#include "wd_config.h"	/* every knob: wd_config_long(WD_CFG_...) */
#include "wd_fork.h"	/* what a fork child must drop: wd_atfork_register() */

#define WD_EXPORT __attribute__((visibility("default")))

#if defined(__x86_64__) || defined(__i386__)
#define wd_cpu_relax()	__builtin_ia32_pause()
#else
#define wd_cpu_relax()	__asm__ __volatile__("" ::: "memory")
#endif

#define WD_SHARE_MIN_SIZE	(4u << 20)	/* first share mapping, at least */
#define WD_MAX_CTX		4096u		/* ctx ids per queue: 1..WD_MAX_CTX-1 */

struct wd_qp;
struct wd_stats_queue;

struct wd_drv {
	const char *name;		/* "soft", "uacce" */
	/* once per process, before the first list: set the driver up (or NULL) */
	void (*init)(void);
	/* fill up to max devices; return how many this driver has */
	int (*list)(struct wd_dev_info *devs, int max);
	/*
	 * Open a queue on dev with capa; on success set qp->ctrl, qp->sq,
	 * qp->cq, qp->depth, qp->fd (or -1) and qp->drv_priv.
	 */
	int (*open)(struct wd_qp *qp, const struct wd_dev_info *dev,
		    const struct wd_capa *capa);
	/* stop the device using the queue, then free everything of it */
	void (*close)(struct wd_qp *qp);
	/* the device set ctrl->dev_idle: wake it to look at the rings */
	void (*kick)(struct wd_qp *qp);
	/*
	 * Sleep until ctrl->cq_seq differs from seq, or timeout_ms passes
	 * (-1: no timeout). Spurious returns are allowed. Returns 0,
	 * -ETIMEDOUT, or -ENODEV when the device is gone for good.
	 */
	int (*wait)(struct wd_qp *qp, uint32_t seq, int timeout_ms);
	/*
	 * Have the device signal efd (an eventfd; -1: none) after it posts
	 * completions. NULL when the device cannot: -EOPNOTSUPP.
	 */
	int (*set_event_fd)(struct wd_qp *qp, int efd);
	/* map the share region of size bytes; NULL with errno on failure */
	void *(*share_map)(struct wd_qp *qp, size_t size);
};

/* A queue as the core sees it (struct wd_queue.priv). */
struct wd_qp {
	const struct wd_drv *drv;
	void *drv_priv;
	struct wd_queue *q;
	struct wd_dev_info dev;
	int fd;
	unsigned int fork_gen;		/* wd_fork_gen when opened */

	/* rings */
	struct wd_ring_ctrl *ctrl;
	struct wd_sqe *sq;
	struct wd_cqe *cq;
	uint32_t depth;
	uint32_t sq_idx;		/* next submission index */
	uint32_t cq_idx;		/* next completion index */
	uint32_t inflight;
	int64_t wait_est_ns;		/* how long waits take (wd_wait_cq) */

	/* tags: a slot per request in flight; tag = slot | generation << 32 */
	struct wd_msg **slot_msg;
	uint32_t *slot_gen;
	uint32_t *free_slots;
	uint32_t nr_free;

	/* share region */
	char *share_base;
	size_t share_size;
	size_t share_used;

	/* device-side session ids */
	uint32_t *free_ctx;
	uint32_t nr_free_ctx;
	uint32_t next_ctx;

	struct wd_stats_queue *stats;
	int (*busy)(struct wd_qp *qp);	/* set by a driver to inject -EBUSY */
};

/* Incremented in every child after fork() (wd_fork.c); queues remember it. */
extern atomic_uint wd_fork_gen;

/* Drivers, in order of preference for WD_DEVICE=auto. */
extern const struct wd_drv wd_uacce_drv;
extern const struct wd_drv wd_soft_drv;

/* wd_device.c */
void wd_device_init(void);
int wd_device_open_queue(struct wd_qp *qp, const struct wd_capa *capa);

/* Does the space separated list contain word? */
int wd_alg_list_has(const char *list, const char *word);

#endif /* WD_INTERNAL_H */
