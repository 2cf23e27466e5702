// SPDX-License-Identifier: MIT
/*
 * soft_op_comp.c - COMPRESS and DECOMPRESS on the soft device.
 *
 * One request is one deflate()/inflate() call on the stream kept in the
 * queue's session slot (wd_comp.h has the contract). This file is the
 * device's part: the checks of the format (wd_ring_check.h), the memory
 * the request may touch (soft_bufs()), the session slot, and the out
 * fields of the parameter block. The coding is codec/'s (codec.h), which
 * the compression layer's software fallback shares.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "soft_engine.h"
#include "codec/codec.h"

const char soft_comp_algs[] = "deflate zlib gzip";

/* The stream a later request of slot c continues, or NULL with *status. */
static struct codec_stream *comp_continue(struct soft_ctx *c,
					  const struct wd_comp_param *p, int *status,
					  uint32_t *error)
{
	struct codec_stream *s = c->state;

	*status = 0;
	*error = 0;
	if (!s)			/* no FIRST on this slot */
		*status = -EINVAL;
	else if (wd_check_comp_more(p))
		*status = -EINVAL;
	else if (codec_dead(s, error))
		*status = -EBADMSG;
	return *status ? NULL : s;
}

/*
 * Write one out field of the caller's parameter block. The block's address
 * is the caller's, untrusted and possibly misaligned: no struct access
 * through it (undefined behaviour, a bus error on strict-alignment CPUs).
 */
#define COMP_PUT(up, field, val) do {					\
	__typeof__(((struct wd_comp_param *)0)->field) v_ = (val);	\
	memcpy((uint8_t *)(up) + offsetof(struct wd_comp_param, field),	\
	       &v_, sizeof(v_));					\
} while (0)

/*
 * A large stateless deflate chunk through libdeflate (codec_ld_job()): 1
 * when done and answered, 0 when it is for a codec stream.
 */
static int comp_ld_run(const struct wd_comp_param *p, void *up, uint8_t *src,
		       uint32_t src_len, uint8_t *dst, uint32_t dst_len,
		       struct wd_cqe *cqe)
{
	uint32_t produced, check;

	if (!codec_ld_job(p, src, src_len, dst, dst_len, &produced, &check))
		return 0;
	cqe->status = 0;
	cqe->consumed = src_len;
	cqe->produced = produced;
	cqe->flags = p->flush == WD_COMP_FINISH ? WD_CQE_F_END : 0;
	COMP_PUT(up, checksum, check);
	COMP_PUT(up, total_out, (__u64)produced);
	COMP_PUT(up, error, 0);
	return 1;
}

/*
 * A request the batched probe refused: the checks that come before the
 * addresses in the format's order (wd_ring_check.h) answer first, as
 * wd_soft.ko's do, and the stream is left as it was.
 */
static int comp_refused(struct soft_queue *q, const struct wd_sqe *sqe, int inflate)
{
	const void *up = soft_buf(q, sqe->param, sizeof(struct wd_comp_param), 0);
	struct wd_comp_param p;
	struct soft_ctx *c;
	uint32_t error;
	int status;

	if (!up)
		return -EFAULT;
	memcpy(&p, up, sizeof(p));
	if (!sqe->ctx_id || (sqe->flags & WD_SQE_F_FIRST))
		status = wd_check_comp_setup(&p, inflate, sqe->src_len);
	else if ((c = soft_ctx(q, sqe->ctx_id)))
		comp_continue(c, &p, &status, &error);
	else
		status = -EINVAL;
	return status ? status : -EFAULT;
}


static void comp_run(struct soft_queue *q, const struct wd_sqe *sqe,
		     struct wd_cqe *cqe, int inflate)
{
	struct wd_comp_param p;
	void *up;
	struct codec_step st = { 0 };
	struct codec_stream *s;
	struct soft_ctx *c = NULL;
	uint8_t *src, *dst;
	uint32_t skip = 0, error;
	struct soft_range r[3] = {
		{ sqe->param, sizeof(p), 1, NULL },
		{ sqe->src, sqe->src_len, 0, NULL },
		{ sqe->dst, sqe->dst_len, 1, NULL },
	};

	cqe->status = wd_check_comp_param_len(sqe);
	if (cqe->status)
		return;
	if (soft_bufs(q, r, 3)) {
		cqe->status = comp_refused(q, sqe, inflate);
		return;
	}
	up = r[0].ptr;
	src = r[1].ptr;
	dst = r[2].ptr;
	memcpy(&p, up, sizeof(p));	/* read the untrusted block once */
	if (sqe->ctx_id) {
		c = soft_ctx(q, sqe->ctx_id);
		if (!c) {
			cqe->status = -EINVAL;
			return;
		}
	}
	if (!c && !inflate &&
	    comp_ld_run(&p, up, src, sqe->src_len, dst, sqe->dst_len, cqe))
		return;
	if (!c || (sqe->flags & WD_SQE_F_FIRST)) {
		s = codec_begin(&p, inflate, c != NULL, src, sqe->src_len, &cqe->status);
		if (s && c) {
			c->state = s;
			c->destroy = codec_destroy;
		}
		skip = p.dict_len;
	} else {
		s = comp_continue(c, &p, &cqe->status, &error);
		if (cqe->status == -EBADMSG)
			COMP_PUT(up, error, error);
	}
	if (!s)
		return;
	st.src = src + skip;
	st.src_len = sqe->src_len - skip;
	st.dst = dst;
	st.dst_len = sqe->dst_len;
	st.flush = p.flush;
	if (c)
		codec_run(s, &st);
	else
		codec_run_whole(s, &st);
	cqe->status = st.status;
	cqe->consumed = st.consumed + skip;
	cqe->produced = st.produced;
	cqe->flags = (st.end ? WD_CQE_F_END : 0) | (st.more ? WD_CQE_F_MORE : 0);
	/* out fields: written back one by one, never the in fields */
	COMP_PUT(up, checksum, st.status == -ENOKEY ? codec_dictid(s) :
			       codec_checksum(s));
	COMP_PUT(up, total_out, codec_total_out(s));
	COMP_PUT(up, error, st.status == -EBADMSG ? (__u32)st.error : 0);
	if (!c)
		codec_put(s);
}

void soft_op_compress(struct soft_queue *q, const struct wd_sqe *sqe,
		      struct wd_cqe *cqe)
{
	comp_run(q, sqe, cqe, 0);
}

void soft_op_decompress(struct soft_queue *q, const struct wd_sqe *sqe,
			struct wd_cqe *cqe)
{
	comp_run(q, sqe, cqe, 1);
}
