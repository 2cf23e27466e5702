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
 * The kernel's zlib writes and reads raw and zlib streams; the gzip wrapper
 * is added here (wd_soft_gzip.c), and AUTO picks zlib or gzip by the first
 * byte. What it lacks is mapped to what it has, with the same meaning for
 * the data: Z_BLOCK on deflate becomes Z_PARTIAL_FLUSH (a superset: the
 * block is completed and all its bits are written), the RLE and FIXED
 * strategies become the default one (a valid stream, another size), and a
 * dictionary is primed through the stream itself (comp_prime()).
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
	bool zinit;		/* zlib set up (AUTO waits for a first byte) */
	bool zend;		/* zlib reached Z_STREAM_END */
	bool dead;		/* corrupt data seen: only FIRST revives */
	bool gzip;		/* the wrapper is written or read here */
	u8 format;		/* as resolved: raw, zlib or gzip */
	u8 check;
	int wbits;
	u32 checksum;		/* raw: per check; gzip: crc32 */
	u64 wrap_out;		/* compress: gzip wrapper bytes written */
	u64 prime_out;		/* output of priming, dropped */
	struct wd_soft_gzip gz;
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
	if (!len || st->format == WD_COMP_ZLIB)
		return;		/* zlib keeps the adler32 of its own format */
	if (st->gzip || st->check == WD_COMP_CHECK_CRC32)
		st->checksum = ~crc32_le(~st->checksum, buf, len);
	else if (st->check == WD_COMP_CHECK_ADLER32)
		st->checksum = comp_adler32(st->checksum, buf, len);
}

static void comp_state_free(void *data)
{
	struct comp_state *st = data;

	if (st->zinit && st->inflate)
		zlib_inflateEnd(&st->zs);
	else if (st->zinit)
		zlib_deflateEnd(&st->zs);
	kvfree(st->zs.workspace);
	kfree(st);
}

/* Set zlib up for format (raw, zlib or gzip). */
static int comp_zinit(struct comp_state *st, const struct wd_comp_param *p,
		      u8 format)
{
	int strategy = p->strategy;
	int wbits = st->wbits;
	int ret;

	st->format = format;
	st->gzip = format == WD_COMP_GZIP;
	if (st->gzip) {
		wd_soft_gzip_init(&st->gz, p->level);
		st->checksum = 0;
	}
	if (format != WD_COMP_ZLIB)
		wbits = -wbits;		/* raw deflate, wrapped or not */
	if (strategy > WD_COMP_STRATEGY_HUFFMAN_ONLY)
		strategy = Z_DEFAULT_STRATEGY;
	if (st->inflate)
		ret = zlib_inflateInit2(&st->zs, wbits);
	else
		ret = zlib_deflateInit2(&st->zs, p->level, Z_DEFLATED, wbits,
					p->mem_level ? p->mem_level : DEF_MEM_LEVEL,
					strategy);
	st->zinit = ret == Z_OK;
	return st->zinit ? 0 : -EINVAL;
}

static struct comp_state *comp_state_new(const struct wd_comp_param *p,
					 bool inflate, int *err)
{
	int mem = p->mem_level ? p->mem_level : DEF_MEM_LEVEL;
	struct comp_state *st;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st) {
		*err = -ENOMEM;
		return NULL;
	}
	st->inflate = inflate;
	st->check = p->check;
	if (p->check_init)
		st->checksum = p->check_init;
	else
		st->checksum = p->check == WD_COMP_CHECK_ADLER32 ? 1 : 0;
	st->wbits = p->window_bits ? p->window_bits : MAX_WBITS;
	/* zlib itself turns a deflate window of 8 into 9 */
	if (!inflate && st->wbits == 8)
		st->wbits = 9;
	st->zs.workspace = kvmalloc(inflate ? zlib_inflate_workspacesize() :
				    zlib_deflate_workspacesize(st->wbits, mem),
				    GFP_KERNEL);
	*err = st->zs.workspace ? 0 : -ENOMEM;
	if (!*err && p->format != WD_COMP_AUTO)
		*err = comp_zinit(st, p, p->format);
	if (*err) {
		comp_state_free(st);
		return NULL;
	}
	return st;
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
		[WD_COMP_BLOCK] = Z_PARTIAL_FLUSH,
	};

	return flush < ARRAY_SIZE(map) ? map[flush] : Z_NO_FLUSH;
}

/* Deflate one piece: gzip header, zlib, gzip trailer, as room allows. */
static int comp_deflate_piece(struct comp_job *j, u8 *in, u32 in_n,
			      bool last_in, u8 *out, u32 room, u32 *used,
			      u32 *made)
{
	struct comp_state *st = j->st;
	struct z_stream_s *zs = &st->zs;
	u32 w = 0, wrap;
	int zret;

	*used = 0;
	if (st->gzip && !st->gz.hdr_done)
		w = wd_soft_gzip_put_hdr(&st->gz, out, room);
	wrap = w;
	if (!st->zend && (!st->gzip || st->gz.hdr_done)) {
		zs->next_in = in;
		zs->avail_in = in_n;
		zs->next_out = out + w;
		zs->avail_out = room - w;
		zret = zlib_deflate(zs, last_in ? j->zflush : Z_NO_FLUSH);
		*used = in_n - zs->avail_in;
		w = room - zs->avail_out;
		if (zret == Z_STREAM_END)
			st->zend = true;
		else if (zret != Z_OK && zret != Z_BUF_ERROR)
			return -EINVAL;
	}
	comp_check_update(st, in, *used);
	if (st->zend && st->gzip && !st->gz.trl_done) {
		u32 t = wd_soft_gzip_put_trl(&st->gz, st->checksum,
					     (u32)zs->total_in, out + w, room - w);

		w += t;
		wrap += t;
	}
	st->wrap_out += wrap;
	*made = w;
	j->end = st->zend && (!st->gzip || st->gz.trl_done);
	return 0;
}

/* Inflate one piece: gzip header, zlib, gzip trailer, as input allows. */
static int comp_inflate_piece(struct comp_job *j, const struct wd_comp_param *p,
			      u8 *in, u32 in_n, u8 *out, u32 room, u32 *used,
			      u32 *made)
{
	struct comp_state *st = j->st;
	struct z_stream_s *zs = &st->zs;
	int ret = 0, zret;
	u32 u = 0, k;

	*used = 0;
	*made = 0;
	if (!st->zinit) {
		if (!in_n)
			return 0;
		ret = comp_zinit(st, p, in[0] == 0x1f ? WD_COMP_GZIP : WD_COMP_ZLIB);
		if (ret)
			return ret;
	}
	if (st->gzip && !st->gz.hdr_done) {
		ret = wd_soft_gzip_get_hdr(&st->gz, in, in_n, &u);
		if (ret)
			return -EBADMSG;
	}
	if (!st->zend && (!st->gzip || st->gz.hdr_done)) {
		zs->next_in = in + u;
		zs->avail_in = in_n - u;
		zs->next_out = out;
		zs->avail_out = room;
		zret = zlib_inflate(zs, Z_SYNC_FLUSH);
		u = in_n - zs->avail_in;
		*made = room - zs->avail_out;
		if (zret == Z_STREAM_END)
			st->zend = true;
		else if (zret == Z_NEED_DICT)
			ret = -ENOKEY;
		else if (zret != Z_OK && zret != Z_BUF_ERROR)
			ret = -EBADMSG;
	}
	comp_check_update(st, out, *made);
	if (!ret && st->zend && st->gzip && !st->gz.trl_done) {
		ret = wd_soft_gzip_get_trl(&st->gz, st->checksum,
					   (u32)zs->total_out, in + u, in_n - u, &k);
		u += k;
	}
	*used = u;
	j->end = st->zend && (!st->gzip || st->gz.trl_done);
	return ret;
}

/* One piece of src and dst; returns 1 to go on, 0 when done, or -errno. */
static int comp_step(struct comp_job *j, const struct wd_comp_param *p)
{
	struct wd_soft_queue *q = j->req->q;
	const struct wd_sqe *sqe = j->sqe;
	u8 *in = j->req->bounce, *out = in + COMP_PIECE;
	u32 in_n = min_t(u32, sqe->src_len - j->consumed, COMP_PIECE);
	u32 room = min_t(u32, sqe->dst_len - j->produced, COMP_PIECE);
	bool last_in = j->consumed + in_n == sqe->src_len;
	u32 used, made;
	int ret;

	if (wd_soft_read(q, in, sqe->src + j->consumed, in_n))
		return -EFAULT;
	if (j->st->inflate)
		ret = comp_inflate_piece(j, p, in, in_n, out, room, &used, &made);
	else
		ret = comp_deflate_piece(j, in, in_n, last_in, out, room, &used,
					 &made);
	if (wd_soft_write(q, sqe->dst + j->produced, out, made))
		return -EFAULT;
	j->consumed += used;
	j->produced += made;
	if (ret || j->end)
		return ret;
	if (made == room && j->produced == sqe->dst_len) {
		j->more = true;		/* dst is full: there may be more */
		return 0;
	}
	if (last_in && used == in_n && made < room)
		return 0;		/* input done, flush done */
	if (!used && !made)
		return 0;		/* no progress possible */
	if (READ_ONCE(q->stopping))
		return -ECANCELED;
	return 1;
}

static int comp_run(struct comp_job *j, const struct wd_comp_param *p)
{
	int ret;

	do {
		ret = comp_step(j, p);
		cond_resched();
	} while (ret > 0);
	return ret;
}

/* Write back the out fields of the parameter block. */
static int comp_param_out(struct comp_job *j, struct wd_comp_param *p)
{
	struct comp_state *st = j->st;

	p->checksum = st->format == WD_COMP_ZLIB ? (u32)st->zs.adler : st->checksum;
	p->total_out = st->zs.total_out + st->wrap_out - st->prime_out;
	p->error = 0;		/* this engine names no zlib message */
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

/*
 * Prime the window with the dict_len bytes at the head of src. The kernel's
 * zlib has no SetDictionary, so deflate compresses them up to a sync flush
 * and drops that output (the next block starts on a byte boundary and may
 * refer back into them), and inflate reads them as a stored block whose
 * output is dropped. They count in consumed, not in checksum or total_out.
 */
static int comp_prime(struct comp_job *j, u32 dict_len)
{
	struct comp_state *st = j->st;
	struct z_stream_s *zs = &st->zs;
	u8 *in = j->req->bounce, *out = in + COMP_PIECE;
	u32 skip = dict_len > WD_COMP_WINDOW ? dict_len - WD_COMP_WINDOW : 0;
	u32 len = dict_len - skip;
	u8 stored[5] = { 0, len & 0xff, len >> 8, ~len & 0xff, (~len >> 8) & 0xff };
	int zret;

	BUILD_BUG_ON(COMP_PIECE < WD_COMP_WINDOW);
	if (wd_soft_read(j->req->q, in, j->sqe->src + skip, len))
		return -EFAULT;
	if (st->inflate) {
		zs->next_in = stored;
		zs->avail_in = sizeof(stored);
		zs->next_out = out;
		zs->avail_out = COMP_PIECE;
		zret = zlib_inflate(zs, Z_SYNC_FLUSH);
		zs->next_in = in;
		zs->avail_in = len;
		if (zret == Z_OK)
			zret = zlib_inflate(zs, Z_SYNC_FLUSH);
	} else {
		zs->next_in = in;
		zs->avail_in = len;
		do {
			zs->next_out = out;
			zs->avail_out = COMP_PIECE;
			zret = zlib_deflate(zs, Z_SYNC_FLUSH);
		} while (zret == Z_OK && !zs->avail_out);
	}
	if (zret != Z_OK || zs->avail_in)
		return -EINVAL;
	st->prime_out = zs->total_out;
	j->consumed = dict_len;
	return 0;
}

/*
 * The stream of ctx_id: started by a FIRST request (the engine emptied the
 * slot), else the one a FIRST started, unless corrupt data killed it.
 */
static struct comp_state *comp_stream(struct wd_soft_req *req,
				      const struct wd_sqe *sqe,
				      const struct wd_comp_param *p,
				      bool inflate, bool *fresh, int *err)
{
	struct wd_soft_ctx *c = wd_soft_ctx(req->q, sqe->ctx_id);
	struct comp_state *st;

	if (!c) {
		*err = -EINVAL;
		return NULL;
	}
	if (sqe->flags & WD_SQE_F_FIRST) {
		c->state = comp_state_new(p, inflate, err);
		c->destroy = comp_state_free;
		*fresh = true;
		return c->state;
	}
	st = c->state;
	if (!st)
		*err = -EINVAL;		/* no FIRST on this slot */
	else if (st->dead)
		*err = -EBADMSG;
	return *err ? NULL : st;
}

static void wd_soft_op_comp(struct wd_soft_req *req, const struct wd_sqe *sqe,
			    struct wd_cqe *cqe, bool inflate)
{
	struct comp_job j = { .req = req, .sqe = sqe };
	struct wd_comp_param p;
	bool fresh = false;
	int ret;

	ret = wd_check_comp_param_len(sqe);
	if (!ret && wd_soft_read(req->q, &p, sqe->param, sizeof(p)))
		ret = -EFAULT;
	if (ret)
		goto out;
	if (!sqe->ctx_id || (sqe->flags & WD_SQE_F_FIRST))
		ret = wd_check_comp_setup(&p, inflate, sqe->src_len);
	else
		ret = wd_check_comp_more(&p);
	if (ret)
		goto out;
	j.zflush = comp_kernel_flush(p.flush);
	if (sqe->ctx_id) {
		j.st = comp_stream(req, sqe, &p, inflate, &fresh, &ret);
	} else {
		j.st = comp_state_new(&p, inflate, &ret);
		fresh = true;
	}
	if (!j.st)
		goto out;
	/* a dictionary belongs to the request that starts the stream */
	if (fresh && p.dict_len)
		ret = comp_prime(&j, p.dict_len);
	if (!ret)
		ret = comp_run(&j, &p);
	if (!ret && !sqe->ctx_id)
		ret = comp_whole(&j, &p);
	if (!ret || ret == -ENOKEY)
		if (comp_param_out(&j, &p))
			ret = -EFAULT;
	if (!sqe->ctx_id)
		comp_state_free(j.st);
	else if (ret == -EBADMSG)
		j.st->dead = true;	/* until the next FIRST, as libwd's */
	else if (ret && ret != -ENOKEY)
		/* a stream cut anywhere else: its slot is empty again */
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
