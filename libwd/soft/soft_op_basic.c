// SPDX-License-Identifier: MIT
/* soft_op_basic.c - NOP, MEMCPY and CTX_FREE on the soft device. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "soft_engine.h"

/* NOP: no work, after op_arg microseconds (a slow device, for tests). */
void soft_op_nop(struct soft_queue *q, const struct wd_sqe *sqe, struct wd_cqe *cqe)
{
	uint32_t us = wd_check_nop_us(sqe);

	(void)q;
	if (us) {
		struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

		nanosleep(&ts, NULL);
	}
	cqe->status = 0;
}

void soft_op_memcpy(struct soft_queue *q, const struct wd_sqe *sqe, struct wd_cqe *cqe)
{
	struct soft_range r[2] = {
		{ sqe->src, sqe->src_len, 0, NULL },
		{ sqe->dst, sqe->src_len, 1, NULL },
	};

	cqe->status = wd_check_memcpy(sqe);
	if (cqe->status)
		return;
	if (soft_bufs(q, r, 2)) {
		cqe->status = -EFAULT;
		return;
	}
	memmove(r[1].ptr, r[0].ptr, sqe->src_len);
	cqe->consumed = sqe->src_len;
	cqe->produced = sqe->src_len;
	cqe->status = 0;
}

void soft_op_ctx_free(struct soft_queue *q, const struct wd_sqe *sqe, struct wd_cqe *cqe)
{
	struct soft_ctx *c = soft_ctx(q, sqe->ctx_id);

	if (!c) {
		cqe->status = -EINVAL;
		return;
	}
	soft_ctx_reset(c);
	cqe->status = 0;
}
