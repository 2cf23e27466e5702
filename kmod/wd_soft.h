/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wd_soft.h - private to wd_soft.ko, a software accelerator that serves the
 * WarpDrive soft ring format (wd_ring.h) through uacce.
 *
 * wd_soft_main.c   module parameters, devices, uacce ops, ring memory
 * wd_soft_engine.c engine threads: find, validate and complete requests
 * wd_soft_ops.c    NOP, MEMCPY, CTX_FREE and the operation table
 * wd_soft_comp.c   COMPRESS and DECOMPRESS with the kernel's zlib
 * wd_soft_gzip.c   the gzip wrapper the kernel's zlib lacks
 * wd_soft_cipher.c CIPHER (AES) with the kernel crypto API
 */
#ifndef _WD_SOFT_H
#define _WD_SOFT_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <wd_ring.h>
#include <wd_ring_check.h>
#include "uacce.h"

#define WD_SOFT_NAME		"wd_soft"
#define WD_SOFT_BOUNCE_SIZE	(64u << 10)

/* Device counters, shown in sysfs under stats/. */
enum wd_soft_counter {
	WD_SOFT_REQUESTS,	/* descriptors completed */
	WD_SOFT_ERRORS,		/* completed with a non-zero status */
	WD_SOFT_BYTES_IN,	/* bytes consumed */
	WD_SOFT_BYTES_OUT,	/* bytes produced */
	WD_SOFT_KICKS,		/* UACCE_CMD_KICK received */
	WD_SOFT_WAKEUPS,	/* uacce_wake_up() of a waiting user */
	WD_SOFT_NR_COUNTERS
};

struct wd_soft_dev {
	struct uacce_device *uacce;
	unsigned int flags;		/* UACCE_DEV_* */
	atomic64_t counters[WD_SOFT_NR_COUNTERS];
};

/* Device-side state of one session (ctx_id) of a queue. */
struct wd_soft_ctx {
	void *state;			/* owned by the operation */
	void (*destroy)(void *state);
	u16 opcode;
};

struct wd_soft_engine;

struct wd_soft_queue {
	struct uacce_queue *uq;
	struct wd_soft_dev *sdev;
	struct wd_soft_engine *eng;	/* set while started */
	struct list_head node;		/* in eng->queues */
	bool share_domain;
	bool stopping;			/* ops abandon long work */

	/* ring region (vmalloc_user), laid out as wd_ring.h says */
	void *ring;
	size_t ring_size;
	u32 depth;
	struct wd_ring_ctrl *ctrl;
	struct wd_sqe *sq;
	struct wd_cqe *cq;
	/* device-side indexes: never read back from user memory */
	u32 sq_head;
	u32 cq_tail;
	u32 cq_seq;

	struct wd_soft_ctx *ctx;	/* WD_RING_MAX_CTX slots, lazily */
};

/* What an operation handler gets: its queue and a scratch buffer. */
struct wd_soft_req {
	struct wd_soft_queue *q;
	void *bounce;			/* WD_SOFT_BOUNCE_SIZE bytes, kmalloc */
};

typedef void (*wd_soft_op_fn)(struct wd_soft_req *req,
			      const struct wd_sqe *sqe, struct wd_cqe *cqe);

/* wd_soft_main.c */
extern unsigned int wd_soft_spin_us;
void wd_soft_count(struct wd_soft_dev *sdev, enum wd_soft_counter c, u64 n);
size_t wd_soft_ring_size(u32 depth);

/* wd_soft_engine.c */
int wd_soft_engines_start(unsigned int nr);
void wd_soft_engines_stop(void);
void wd_soft_engine_attach(struct wd_soft_queue *q);
void wd_soft_engine_detach(struct wd_soft_queue *q);
void wd_soft_engine_kick(struct wd_soft_queue *q);

/*
 * Access to the queue owner's memory, checked according to the queue's
 * mode: SVA (the owner's mm, user addresses only) or share domain (inside
 * the queue's static share region only). Return 0 or -EFAULT.
 */
int wd_soft_read(struct wd_soft_queue *q, void *dst, u64 addr, u64 len);
int wd_soft_write(struct wd_soft_queue *q, u64 addr, const void *src, u64 len);

/* The session slot of ctx_id (1..WD_RING_MAX_CTX-1), or NULL. */
struct wd_soft_ctx *wd_soft_ctx(struct wd_soft_queue *q, u32 ctx_id);
void wd_soft_ctx_reset(struct wd_soft_ctx *c);
void wd_soft_ctx_free_all(struct wd_soft_queue *q);

/* wd_soft_gzip.c: the gzip wrapper, written and read a piece at a time */
#define WD_SOFT_GZ_HDR	10	/* the fixed header */
#define WD_SOFT_GZ_TRL	8	/* crc32, isize */

struct wd_soft_gzip {
	u8 buf[WD_SOFT_GZ_HDR];	/* header to write, or bytes read */
	u8 pos;
	u8 state;		/* header parser */
	u16 left;		/* bytes left in the current header field */
	u16 xlen;
	bool hdr_done;
	bool trl_done;
};

void wd_soft_gzip_init(struct wd_soft_gzip *g, int level);
u32 wd_soft_gzip_put_hdr(struct wd_soft_gzip *g, u8 *out, u32 room);
u32 wd_soft_gzip_put_trl(struct wd_soft_gzip *g, u32 crc, u32 isize,
			 u8 *out, u32 room);
int wd_soft_gzip_get_hdr(struct wd_soft_gzip *g, const u8 *in, u32 n, u32 *used);
int wd_soft_gzip_get_trl(struct wd_soft_gzip *g, u32 crc, u32 isize,
			 const u8 *in, u32 n, u32 *used);

/* wd_soft_ops.c */
extern const wd_soft_op_fn wd_soft_ops[WD_OP_MAX];
void wd_soft_ops_init(void);
const char *wd_soft_algorithms(void);

/* wd_soft_comp.c, wd_soft_cipher.c */
void wd_soft_op_compress(struct wd_soft_req *req, const struct wd_sqe *sqe,
			 struct wd_cqe *cqe);
void wd_soft_op_decompress(struct wd_soft_req *req, const struct wd_sqe *sqe,
			   struct wd_cqe *cqe);
void wd_soft_op_cipher(struct wd_soft_req *req, const struct wd_sqe *sqe,
		       struct wd_cqe *cqe);
void wd_soft_cipher_probe(char *algs, size_t len);

#endif /* _WD_SOFT_H */
