// SPDX-License-Identifier: GPL-2.0
/*
 * wd_soft_ops.c - the operation table of wd_soft.ko and its basic
 * operations: NOP, MEMCPY and CTX_FREE. They behave exactly like libwd's
 * built-in soft device (libwd/soft/soft_op_basic.c), so a test gets the same
 * answer from both.
 */
#include <linux/delay.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/string.h>
#include "wd_soft.h"

/* NOP: no work, after op_arg microseconds (a slow device, for tests). */
static void wd_soft_op_nop(struct wd_soft_req *req, const struct wd_sqe *sqe,
			   struct wd_cqe *cqe)
{
	u32 left = wd_check_nop_us(sqe);

	/* in slices, so that a queue being stopped does not wait a second */
	while (left && !READ_ONCE(req->q->stopping)) {
		u32 us = min(left, 10000u);

		usleep_range(us, us + 50);
		left -= us;
	}
	cqe->status = 0;
}

/* Copy len bytes between two addresses of the owner, through bounce. */
static int wd_soft_copy(struct wd_soft_req *req, u64 dst, u64 src, u64 len)
{
	/* overlapping with dst above src: copy from the end, as memmove */
	bool backward = dst > src && dst - src < len;
	u64 done = 0;
	int ret;

	while (done < len) {
		u64 n = min_t(u64, len - done, WD_SOFT_BOUNCE_SIZE);
		u64 off = backward ? len - done - n : done;

		if (READ_ONCE(req->q->stopping))
			return -ECANCELED;
		ret = wd_soft_read(req->q, req->bounce, src + off, n);
		if (!ret)
			ret = wd_soft_write(req->q, dst + off, req->bounce, n);
		if (ret)
			return ret;
		done += n;
		cond_resched();
	}
	return 0;
}

static void wd_soft_op_memcpy(struct wd_soft_req *req,
			      const struct wd_sqe *sqe, struct wd_cqe *cqe)
{
	int ret;

	ret = wd_check_memcpy(sqe);
	if (!ret)
		ret = wd_soft_copy(req, sqe->dst, sqe->src, sqe->src_len);
	if (ret) {
		cqe->status = ret;
		return;
	}
	cqe->consumed = sqe->src_len;
	cqe->produced = sqe->src_len;
	cqe->status = 0;
}

static void wd_soft_op_ctx_free(struct wd_soft_req *req,
				const struct wd_sqe *sqe, struct wd_cqe *cqe)
{
	struct wd_soft_ctx *c = wd_soft_ctx(req->q, sqe->ctx_id);

	if (!c) {
		cqe->status = -EINVAL;
		return;
	}
	wd_soft_ctx_reset(c);
	cqe->status = 0;
}

const wd_soft_op_fn wd_soft_ops[WD_OP_MAX] = {
	[WD_OP_NOP] = wd_soft_op_nop,
	[WD_OP_MEMCPY] = wd_soft_op_memcpy,
	[WD_OP_COMPRESS] = wd_soft_op_compress,
	[WD_OP_DECOMPRESS] = wd_soft_op_decompress,
	[WD_OP_CIPHER] = wd_soft_op_cipher,
	[WD_OP_CTX_FREE] = wd_soft_op_ctx_free,
};

static char wd_soft_algs[128];

/*
 * What the devices list: only what is really served. RSA is not: the
 * kernel's akcipher does neither CRT from user keys nor key generation.
 */
void wd_soft_ops_init(void)
{
	strscpy(wd_soft_algs, "nop memcpy deflate zlib gzip", sizeof(wd_soft_algs));
	wd_soft_cipher_probe(wd_soft_algs, sizeof(wd_soft_algs));
}

const char *wd_soft_algorithms(void)
{
	return wd_soft_algs;
}
