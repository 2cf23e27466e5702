// SPDX-License-Identifier: GPL-2.0
/*
 * wd_soft_comp.c - WD_OP_COMPRESS and WD_OP_DECOMPRESS of wd_soft.ko with
 * the kernel's zlib, in the device format of wd_comp.h.
 *
 * One request is one deflate()/inflate() call over src and dst; the data is
 * moved through the engine's bounce buffer in pieces, feeding zlib the
 * request's flush only with the last piece of input, which is what one call
 * over the whole buffers would do.
 *
 * The kernel's zlib has no gzip wrapper, no preset dictionary and neither
 * the RLE and FIXED strategies nor Z_BLOCK for deflate: such requests
 * complete with -EOPNOTSUPP (libwd then falls back to software), and the
 * device lists "deflate zlib", not "gzip".
 */
#include <linux/crc32.h>
#include <linux/slab.h>
#include <linux/zlib.h>
#include <wd_comp.h>
#include "wd_soft.h"

#define COMP_PIECE	(WD_SOFT_BOUNCE_SIZE / 2)
#define ADLER_BASE	65521u

struct comp_state {
	struct z_stream_s zs;
	bool inflate;
	u8 format;
	u8 check;
	u32 checksum;		/* raw format: running check of the data */
};

/* The data of a request as one zlib call sees it. */
struct comp_job {
	struct wd_soft_req *req;
	const struct wd_sqe *sqe;
	struct comp_state *st;
	int zflush;
	u32 consumed;
	u32 produced;
	bool end;
	bool more;
};

static u32 comp_adler32(u32 adler, const u8 *buf, size_t len)
{
	u32 a = adler & 0xffff, b = adler >> 16;

	while (len) {
		/* 5552 bytes keep b below 2^32 before the modulo */
		size_t n = min_t(size_t, len, 5552);

		len -= n;
		while (n--) {
			a += *buf++;
			b += a;
		}
		a %= ADLER_BASE;
		b %= ADLER_BASE;
	}
	return b << 16 | a;
}

static void comp_check_update(struct comp_state *st, const u8 *buf, size_t len)
{
	if (!len || st->format != WD_COMP_RAW)
		return;
	if (st->check == WD_COMP_CHECK_ADLER32)
		st->checksum = comp_adler32(st->checksum, buf, len);
	else if (st->check == WD_COMP_CHECK_CRC32)
		st->checksum = ~crc32_le(~st->checksum, buf, len);
}

static void comp_state_free(void *data)
{
	struct comp_state *st = data;

	if (st->inflate)
		zlib_inflateEnd(&st->zs);
	else
		zlib_deflateEnd(&st->zs);
	kvfree(st->zs.workspace);
	kfree(st);
}

static int comp_param_check(const struct wd_comp_param *p,
			    const struct wd_sqe *sqe, bool inflate)
{
	if (p->reserved0 || p->reserved1 || p->format >= WD_COMP_NR_FORMATS ||
	    (!inflate && p->format == WD_COMP_AUTO) || p->level > 9 ||
	    (p->window_bits && (p->window_bits < 8 || p->window_bits > 15)) ||
	    p->mem_level > 9 || p->strategy > WD_COMP_STRATEGY_FIXED ||
	    p->flush > WD_COMP_BLOCK || p->check > WD_COMP_CHECK_CRC32 ||
	    p->dict_len > sqe->src_len ||
	    (p->dict_len && p->format != WD_COMP_RAW))
		return -EINVAL;
	/* valid, but beyond the kernel's zlib */
	if (p->format == WD_COMP_GZIP || p->format == WD_COMP_AUTO ||
	    p->dict_len || p->strategy > WD_COMP_STRATEGY_HUFFMAN_ONLY ||
	    (!inflate && p->flush == WD_COMP_BLOCK))
		return -EOPNOTSUPP;
	return 0;
}

static struct comp_state *comp_state_new(const struct wd_comp_param *p,
					 bool inflate, int *err)
{
	int wbits = p->window_bits ? p->window_bits : MAX_WBITS;
	int mem = p->mem_level ? p->mem_level : DEF_MEM_LEVEL;
	struct comp_state *st;
	int ret;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		goto err_nomem;
	st->inflate = inflate;
	st->format = p->format;
	st->check = p->check;
	if (p->check_init)
		st->checksum = p->check_init;
	else
		st->checksum = p->check == WD_COMP_CHECK_ADLER32 ? 1 : 0;
	/* zlib itself turns a deflate window of 8 into 9 */
	if (!inflate && wbits == 8)
		wbits = 9;
	st->zs.workspace = kvmalloc(inflate ? zlib_inflate_workspacesize() :
				    zlib_deflate_workspacesize(wbits, mem),
				    GFP_KERNEL);
	if (!st->zs.workspace)
		goto err_free;
	if (p->format == WD_COMP_RAW)
		wbits = -wbits;
	if (inflate)
		ret = zlib_inflateInit2(&st->zs, wbits);
	else
		ret = zlib_deflateInit2(&st->zs, p->level, Z_DEFLATED, wbits,
					mem, p->strategy);
	if (ret != Z_OK) {
		kvfree(st->zs.workspace);
		kfree(st);
		*err = -EINVAL;
		return NULL;
	}
	return st;

err_free:
	kfree(st);
err_nomem:
	*err = -ENOMEM;
	return NULL;
}

/* The kernel's zlib numbers its flush modes differently. */
static int comp_kernel_flush(u8 flush)
{
	static const int map[] = {
		[WD_COMP_NO_FLUSH] = Z_NO_FLUSH,
		[WD_COMP_PARTIAL_FLUSH] = Z_PARTIAL_FLUSH,
		[WD_COMP_SYNC_FLUSH] = Z_SYNC_FLUSH,
		[WD_COMP_FULL_FLUSH] = Z_FULL_FLUSH,
		[WD_COMP_FINISH] = Z_FINISH,
	};

	return flush < ARRAY_SIZE(map) ? map[flush] : Z_NO_FLUSH;
}

/* One zlib call on one piece; returns 1 to go on, 0 when done, or -errno. */
static int comp_step(struct comp_job *j)
{
	struct wd_soft_queue *q = j->req->q;
	const struct wd_sqe *sqe = j->sqe;
	struct z_stream_s *zs = &j->st->zs;
	u8 *in = j->req->bounce, *out = in + COMP_PIECE;
	u32 in_n = min_t(u32, sqe->src_len - j->consumed, COMP_PIECE);
	u32 room = min_t(u32, sqe->dst_len - j->produced, COMP_PIECE);
	bool last_in = j->consumed + in_n == sqe->src_len;
	u32 used, made;
	int zret;

	if (wd_soft_read(q, in, sqe->src + j->consumed, in_n))
		return -EFAULT;
	zs->next_in = in;
	zs->avail_in = in_n;
	zs->next_out = out;
	zs->avail_out = room;
	if (j->st->inflate)
		zret = zlib_inflate(zs, Z_SYNC_FLUSH);
	else
		zret = zlib_deflate(zs, last_in ? j->zflush : Z_NO_FLUSH);
	used = in_n - zs->avail_in;
	made = room - zs->avail_out;
	if (wd_soft_write(q, sqe->dst + j->produced, out, made))
		return -EFAULT;
	comp_check_update(j->st, j->st->inflate ? out : in,
			  j->st->inflate ? made : used);
	j->consumed += used;
	j->produced += made;

	switch (zret) {
	case Z_STREAM_END:
		j->end = true;
		return 0;
	case Z_NEED_DICT:
		return -ENOKEY;
	case Z_OK:
	case Z_BUF_ERROR:
		break;
	default:
		return j->st->inflate ? -EBADMSG : -EINVAL;
	}
	if (j->produced == sqe->dst_len && !zs->avail_out) {
		j->more = true;		/* dst is full: zlib may hold more */
		return 0;
	}
	if (last_in && !zs->avail_in && zs->avail_out)
		return 0;		/* input done, flush done */
	if (!used && !made)
		return 0;		/* zlib can make no progress */
	if (READ_ONCE(q->stopping))
		return -ECANCELED;
	return 1;
}

static int comp_run(struct comp_job *j)
{
	int ret;

	do {
		ret = comp_step(j);
		cond_resched();
	} while (ret > 0);
	return ret;
}

/* Write back the out fields of the parameter block. */
static int comp_param_out(struct comp_job *j, struct wd_comp_param *p)
{
	struct comp_state *st = j->st;

	p->checksum = st->format == WD_COMP_RAW ? st->checksum : (u32)st->zs.adler;
	p->total_out = st->zs.total_out;
	return wd_soft_write(j->req->q, j->sqe->param +
			     offsetof(struct wd_comp_param, checksum),
			     &p->checksum, sizeof(*p) -
			     offsetof(struct wd_comp_param, checksum));
}

/* A stateless job must be whole: all input used, all output delivered. */
static int comp_whole(struct comp_job *j, const struct wd_comp_param *p)
{
	if (j->more)
		return -ENOSPC;
	if (j->st->inflate)
		return 0;	/* input ending early is not an error */
	if (j->consumed != j->sqe->src_len ||
	    (p->flush == WD_COMP_FINISH && !j->end))
		return -ENOSPC;
	return 0;
}

/* The stream of ctx_id, started by this request if it is the first. */
static struct comp_state *comp_stream(struct wd_soft_req *req,
				      const struct wd_sqe *sqe,
				      const struct wd_comp_param *p,
				      bool inflate, int *err)
{
	struct wd_soft_ctx *c = wd_soft_ctx(req->q, sqe->ctx_id);

	if (!c) {
		*err = -EINVAL;
		return NULL;
	}
	if (!c->state) {
		c->state = comp_state_new(p, inflate, err);
		c->destroy = comp_state_free;
	}
	return c->state;
}

static void wd_soft_op_comp(struct wd_soft_req *req, const struct wd_sqe *sqe,
			    struct wd_cqe *cqe, bool inflate)
{
	struct comp_job j = { .req = req, .sqe = sqe };
	struct wd_comp_param p;
	int ret;

	if (!sqe->param || sqe->param_len < sizeof(p)) {
		cqe->status = -EINVAL;
		return;
	}
	if (wd_soft_read(req->q, &p, sqe->param, sizeof(p))) {
		cqe->status = -EFAULT;
		return;
	}
	ret = comp_param_check(&p, sqe, inflate);
	if (ret)
		goto out;
	j.zflush = comp_kernel_flush(p.flush);
	if (sqe->ctx_id)
		j.st = comp_stream(req, sqe, &p, inflate, &ret);
	else
		j.st = comp_state_new(&p, inflate, &ret);
	if (!j.st)
		goto out;
	ret = comp_run(&j);
	if (!ret && !sqe->ctx_id)
		ret = comp_whole(&j, &p);
	if (!ret || ret == -ENOKEY)
		if (comp_param_out(&j, &p))
			ret = -EFAULT;
	if (!sqe->ctx_id)
		comp_state_free(j.st);
	else if (ret && ret != -ENOKEY)
		/* the stream is dead: its next request starts a new one */
		wd_soft_ctx_reset(wd_soft_ctx(req->q, sqe->ctx_id));
out:
	cqe->status = ret;
	cqe->consumed = j.consumed;
	cqe->produced = j.produced;
	cqe->flags = (j.end ? WD_CQE_F_END : 0) | (j.more ? WD_CQE_F_MORE : 0);
}

void wd_soft_op_compress(struct wd_soft_req *req, const struct wd_sqe *sqe,
			 struct wd_cqe *cqe)
{
	wd_soft_op_comp(req, sqe, cqe, false);
}

void wd_soft_op_decompress(struct wd_soft_req *req, const struct wd_sqe *sqe,
			   struct wd_cqe *cqe)
{
	wd_soft_op_comp(req, sqe, cqe, true);
}
