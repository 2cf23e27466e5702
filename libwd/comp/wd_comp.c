// SPDX-License-Identifier: MIT
/*
 * wd_comp.c - compression sessions: setup, stream steps, whole-buffer jobs
 * and asynchronous requests over WD_OP_COMPRESS / WD_OP_DECOMPRESS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "wd_internal.h"
#include "comp_priv.h"

static int comp_setup_check(struct wd_comp_setup *st)
{
	if (st->op != WD_COMP_DEFLATE && st->op != WD_COMP_INFLATE)
		return -EINVAL;
	if (st->format < 0 || st->format >= WD_COMP_NR_FORMATS ||
	    (st->op == WD_COMP_DEFLATE && st->format == WD_COMP_AUTO))
		return -EINVAL;
	if (st->level < -1 || st->level > 9 || st->mem_level < 0 ||
	    st->mem_level > 9 || st->strategy < 0 ||
	    st->strategy > WD_COMP_STRATEGY_FIXED)
		return -EINVAL;
	if (st->window_bits && (st->window_bits < 8 || st->window_bits > 15))
		return -EINVAL;
	if (st->flags & ~(WD_COMP_F_SHARE_DOMAIN | WD_COMP_F_CHUNKED) ||
	    (st->op == WD_COMP_INFLATE && (st->flags & WD_COMP_F_CHUNKED)))
		return -EINVAL;
	if (st->op == WD_COMP_INFLATE || st->parallel == 0)
		st->parallel = 1;
	if (st->parallel > 64)
		return -EINVAL;
	if (!st->chunk_size)
		st->chunk_size = st->level == 1 ? COMP_DEF_CHUNK_L1 : COMP_DEF_CHUNK;
	if (st->chunk_size < 2 * WD_COMP_WINDOW)
		st->chunk_size = 2 * WD_COMP_WINDOW;
	if ((st->flags & WD_COMP_F_SHARE_DOMAIN) &&
	    st->chunk_size > COMP_BOUNCE - WD_COMP_WINDOW)
		st->chunk_size = COMP_BOUNCE - WD_COMP_WINDOW;
	if (st->chunk_size > (64u << 20))
		st->chunk_size = 64u << 20;
	return 0;
}

/* Is the stream cut in chunks (comp_par.c)? */
static int comp_chunked(const struct wd_comp_setup *st)
{
	return st->op == WD_COMP_DEFLATE &&
	       (st->parallel > 1 || (st->flags & WD_COMP_F_CHUNKED));
}

/* Which device algorithm a session needs (see comp_queue.c). */
static int comp_alg_of(const struct wd_comp_setup *st)
{
	if (comp_chunked(st) || st->format == WD_COMP_GZIP || st->format == WD_COMP_AUTO)
		return COMP_ALG_GZIP;
	return st->format == WD_COMP_ZLIB ? COMP_ALG_ZLIB : COMP_ALG_DEFLATE;
}

static void comp_lane_release(struct comp_lane *l)
{
	int err;

	if (!l->pq)
		return;
	/* a queue goes back to the pool only with nothing in flight */
	while (l->inflight && comp_lane_wait(l, 1, &err))
		;
	if (l->ctx_id)
		wd_ctx_free(&l->pq->q, l->ctx_id);
	comp_pq_put(l->pq);
	l->pq = NULL;
}

int comp_lane_open(struct wd_comp_sess *s, struct comp_lane *l)
{
	int ret;

	l->pq = comp_pq_get(!!(s->setup.flags & WD_COMP_F_SHARE_DOMAIN),
			    comp_alg_of(&s->setup), &ret);
	if (!l->pq)
		return ret;
	if (l == &s->lane[0] && !comp_chunked(&s->setup)) {	/* stream requests */
		ret = wd_ctx_alloc(&l->pq->q);
		if (ret < 0) {
			comp_pq_put(l->pq);
			l->pq = NULL;
			return ret;
		}
		l->ctx_id = (uint32_t)ret;
	}
	return 0;
}

/*
 * 16 KiB: what the zlib shim once sent to zlib as whole one-call streams,
 * so short streams keep zlib's size (ISA-L, level 1's engine coder, codes
 * a piece of 8-16 KiB 2-7% larger than zlib -1), and below that a round
 * trip to an engine costs more than coding the piece here.
 */
uint32_t comp_inline_max(void)
{
	static long v = -1;

	if (v < 0)
		v = wd_config_long(WD_CFG_COMP_INLINE_MAX);
	return (uint32_t)v;
}

WD_EXPORT void wd_comp_sess_free(struct wd_comp_sess *s)
{
	unsigned int i;

	if (!s)
		return;
	if (s->par)
		comp_par_free(s);
	for (i = 0; i < s->nr_lanes; i++)
		comp_lane_release(&s->lane[i]);
	free(s->lane);
	free(s->dict);
	free(s);
}

WD_EXPORT const char *wd_comp_strerror(int error)
{
	static const char *const msg[WD_COMP_E_NR] = {
		[WD_COMP_E_UNKNOWN] = "invalid compressed data",
		[WD_COMP_E_HEADER] = "incorrect header check",
		[WD_COMP_E_METHOD] = "unknown compression method",
		[WD_COMP_E_WINDOW] = "invalid window size",
		[WD_COMP_E_FLAGS] = "unknown header flags set",
		[WD_COMP_E_HCRC] = "header crc mismatch",
		[WD_COMP_E_BLOCK] = "invalid block type",
		[WD_COMP_E_STORED] = "invalid stored block lengths",
		[WD_COMP_E_CODES] = "invalid code lengths set",
		[WD_COMP_E_LITLEN] = "invalid literal/length code",
		[WD_COMP_E_DIST] = "invalid distance code",
		[WD_COMP_E_TOOFAR] = "invalid distance too far back",
		[WD_COMP_E_CHECK] = "incorrect data check",
		[WD_COMP_E_LENGTH] = "incorrect length check",
	};

	return error >= 0 && error < WD_COMP_E_NR ? msg[error] : msg[0];
}

WD_EXPORT int wd_comp_sess_alloc(struct wd_comp_sess **sess,
				 const struct wd_comp_setup *setup)
{
	struct wd_comp_sess *s;
	unsigned int i;
	int ret;

	if (!sess || !setup)
		return -EINVAL;
	*sess = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->setup = *setup;
	ret = comp_setup_check(&s->setup);
	if (ret)
		goto err;
	s->inflate = s->setup.op == WD_COMP_INFLATE;
	s->lane = calloc(s->setup.parallel, sizeof(*s->lane));
	if (!s->lane) {
		ret = -ENOMEM;
		goto err;
	}
	s->nr_lanes = s->setup.parallel;
	for (i = 0; i < s->nr_lanes; i++) {
		/*
		 * A parallel stream takes its queues when it first sends a
		 * chunk (a short stream needs none), except on share-domain
		 * queues whose region holds the chunk buffers.
		 */
		if (comp_chunked(&s->setup) &&
		    !(s->setup.flags & WD_COMP_F_SHARE_DOMAIN))
			break;
		ret = comp_lane_open(s, &s->lane[i]);
		if (ret)
			goto err;
	}
	if (comp_chunked(&s->setup)) {
		ret = comp_par_init(s);
		if (ret)
			goto err;
	}
	*sess = s;
	return 0;
err:
	wd_comp_sess_free(s);
	return ret;
}

WD_EXPORT int wd_comp_sess_dup(struct wd_comp_sess **dup, struct wd_comp_sess *s)
{
	struct wd_comp_sess *d;
	int ret;

	if (!dup || !s)
		return -EINVAL;
	*dup = NULL;
	/* a one-queue stream lives in its device; share-domain chunks in
	 * their queue's region */
	if (!s->par || (s->setup.flags & WD_COMP_F_SHARE_DOMAIN))
		return -EOPNOTSUPP;
	ret = wd_comp_sess_alloc(&d, &s->setup);
	if (ret)
		return ret;
	if (s->dict_len) {
		ret = wd_comp_sess_set_dict(d, s->dict, s->dict_len);
		if (ret)
			goto err;
	}
	ret = comp_par_dup(d, s);
	if (ret)
		goto err;
	*dup = d;
	return 0;
err:
	wd_comp_sess_free(d);
	return ret;
}

WD_EXPORT int wd_comp_sess_reset(struct wd_comp_sess *s)
{
	struct comp_lane *l;
	int err;

	if (!s)
		return -EINVAL;
	l = &s->lane[0];
	while (l->inflight && comp_lane_wait(l, 1, &err))
		;
	s->started = 0;
	s->ended = 0;
	s->dead = 0;
	s->checksum = 0;
	s->dict_len = 0;
	if (s->par)
		comp_par_reset(s);
	return 0;
}

/* Fill a slot for one request; share domain copies src in the bounce. */
static void comp_slot_prepare(struct wd_comp_sess *s, struct comp_slot *sl,
			      const struct wd_comp_req *req, size_t in,
			      size_t out, int stream)
{
	struct wd_msg *m = &sl->msg;

	comp_param_fill(s, sl->param, req->flush);
	if (!stream)
		sl->param->flush = WD_COMP_FINISH;
	if (stream && !s->started && req->src == s->dict && s->dict_len)
		sl->param->dict_len = s->dict_len;	/* comp_prime() */
	m->opcode = s->inflate ? WD_OP_DECOMPRESS : WD_OP_COMPRESS;
	m->ctx_id = stream ? s->lane[0].ctx_id : 0;
	m->flags = stream && !s->started ? WD_SQE_F_FIRST : 0;
	m->src_len = in;
	m->dst_len = out;
	if (sl->bin) {
		memcpy(sl->bin, req->src, in);
		m->src = sl->bin;
		m->dst = sl->bout;
	} else {
		m->src = req->src;
		m->dst = req->dst;
	}
}

/* Turn a completion into the request's out fields (share: copy out). */
static int comp_slot_complete(struct wd_comp_sess *s, struct comp_slot *sl,
			      struct wd_comp_req *req, int stream)
{
	const struct wd_msg *m = &sl->msg;
	const char *alg = comp_alg_name(s);

	req->status = m->status;
	req->consumed = m->consumed;
	req->produced = m->produced;
	req->end = !!(m->out_flags & WD_CQE_F_END);
	req->more = !!(m->out_flags & WD_CQE_F_MORE);
	req->checksum = sl->param->checksum;
	req->error = m->status == -EBADMSG && sl->param->error < WD_COMP_E_NR ?
		     (int)sl->param->error : WD_COMP_E_UNKNOWN;
	if (m->produced > m->dst_len || m->consumed > m->src_len) {
		req->status = -EIO;	/* a device that lies is a broken device */
		req->consumed = req->produced = 0;
	}
	if (sl->bout && req->produced)
		memcpy(req->dst, sl->bout, req->produced);
	if (stream) {
		if (req->status == 0 || req->status == -ENOKEY)
			s->started = 1;
		if (req->end)
			s->ended = 1;
		if (req->status == -EBADMSG)
			s->dead = 1;
		s->checksum = req->checksum;
	}
	if (req->status && req->status != -EBADMSG && req->status != -ENOKEY &&
	    req->status != -ENOSPC)
		wd_alg_stats_add(alg, WD_ALG_ERRORS, 1);
	/* a dictionary (comp_prime) is not data the stream compressed */
	if (!(stream && req->src == s->dict && s->dict_len))
		wd_alg_stats_add(alg, WD_ALG_BYTES_IN, req->consumed);
	wd_alg_stats_add(alg, WD_ALG_BYTES_OUT, req->produced);
	return req->status;
}

static size_t comp_max_in(const struct wd_comp_sess *s)
{
	return (s->setup.flags & WD_COMP_F_SHARE_DOMAIN) ? COMP_BOUNCE : COMP_MAX_LEN;
}

static size_t comp_max_out(const struct wd_comp_sess *s)
{
	return (s->setup.flags & WD_COMP_F_SHARE_DOMAIN) ? COMP_BOUNCE + COMP_BOUNCE / 4 :
	       COMP_MAX_LEN;
}

/* One device request, synchronously; req's out fields are this step's. */
static int comp_step_sync(struct wd_comp_sess *s, struct wd_comp_req *req,
			  int stream)
{
	struct comp_lane *l = &s->lane[0];
	struct comp_slot *sl, *done;
	size_t in = req->src_len, out = req->dst_len;
	int ret;

	if (!l->pq && (ret = comp_lane_open(s, l)) != 0)
		return ret;
	sl = comp_slot_get(l);
	if (!sl)
		return -EBUSY;
	if (in > comp_max_in(s))
		in = comp_max_in(s);
	if (out > comp_max_out(s))
		out = comp_max_out(s);
	/*
	 * A stream step need not see all of a huge buffer: the device checks
	 * (and, for dst, touches) every page it is given, so a caller's
	 * 100 MB input or output would cost that on every step. The loop in
	 * wd_comp_stream() goes on where the step stopped.
	 */
	if (stream && in > COMP_STEP_MAX)
		in = COMP_STEP_MAX;
	if (stream && out > COMP_STEP_MAX)
		out = COMP_STEP_MAX;
	comp_slot_prepare(s, sl, req, in, out, stream);
	/* a flush applies once all of the caller's input is in */
	if (stream && in < req->src_len)
		sl->param->flush = WD_COMP_NO_FLUSH;
	ret = comp_slot_send(l, sl);
	if (ret) {
		comp_slot_put(l, sl);
		return ret;
	}
	/* sync steps are alone on the lane unless async ones were left */
	do {
		done = comp_lane_wait(l, 1, &ret);
		if (done && done != sl && done->req) {
			comp_slot_complete(s, done, done->req, 1);
			if (done->req->cb)
				done->req->cb(done->req);
			comp_slot_put(l, done);
		}
	} while (done && done != sl);
	if (!done)
		return ret;
	ret = comp_slot_complete(s, sl, req, stream);
	comp_slot_put(l, sl);
	return ret;
}

WD_EXPORT int wd_comp_sess_set_dict(struct wd_comp_sess *s, const void *dict,
				    size_t len)
{
	if (!s || (len && !dict) || s->setup.format != WD_COMP_RAW ||
	    s->started || (s->par && comp_par_begun(s)))
		return -EINVAL;
	if (len > WD_COMP_WINDOW) {
		dict = (const uint8_t *)dict + len - WD_COMP_WINDOW;
		len = WD_COMP_WINDOW;
	}
	if (!s->dict) {
		s->dict = malloc(WD_COMP_WINDOW);
		if (!s->dict)
			return -ENOMEM;
	}
	memcpy(s->dict, dict, len);
	s->dict_len = (uint32_t)len;
	return 0;
}

WD_EXPORT int wd_comp_sess_params(struct wd_comp_sess *s, int level, int strategy)
{
	if (!s || s->inflate || level < -1 || level > 9 || strategy < 0 ||
	    strategy > WD_COMP_STRATEGY_FIXED)
		return -EINVAL;
	if (!s->par && s->started)
		return -EOPNOTSUPP;
	s->setup.level = level;
	s->setup.strategy = strategy;
	return 0;
}

/* The history of a raw stream goes first, alone, in the FIRST request. */
static int comp_prime(struct wd_comp_sess *s)
{
	struct wd_comp_req r = { 0 };
	int ret;

	if ((s->setup.flags & WD_COMP_F_SHARE_DOMAIN) && s->dict_len > COMP_BOUNCE)
		return -EINVAL;
	r.src = s->dict;
	r.src_len = s->dict_len;
	r.dst = s->dict;	/* zero length: never written */
	ret = comp_step_sync(s, &r, 1);
	s->dict_len = 0;
	return ret;
}

WD_EXPORT int wd_comp_sess_cut(struct wd_comp_sess *s)
{
	if (!s || !s->par)
		return -EINVAL;
	return comp_par_cut(s);
}

WD_EXPORT int wd_comp_stream(struct wd_comp_sess *s, struct wd_comp_req *req)
{
	struct wd_comp_req step;
	int ret = 0;

	if (!s || !req || (req->src_len && !req->src) || (req->dst_len && !req->dst) ||
	    req->flush < 0 || req->flush > WD_COMP_BLOCK)
		return -EINVAL;
	if (s->par)
		return comp_par_stream(s, req);
	req->consumed = req->produced = 0;
	req->end = req->more = 0;
	if (s->dead)
		return req->status = -EBADMSG;
	if (!s->started)
		wd_alg_stats_add(comp_alg_name(s), WD_ALG_OFFLOADED, 1);
	if (!s->started && s->dict_len) {
		ret = comp_prime(s);
		if (ret)
			return req->status = ret;
	}
	/* as many device steps as the zlib call would make progress */
	do {
		step = *req;
		step.src = (const uint8_t *)req->src + req->consumed;
		step.src_len = req->src_len - req->consumed;
		step.dst = (uint8_t *)req->dst + req->produced;
		step.dst_len = req->dst_len - req->produced;
		ret = comp_step_sync(s, &step, 1);
		req->consumed += step.consumed;
		req->produced += step.produced;
		req->end = step.end;
		req->more = step.more;
		req->checksum = step.checksum;
		req->error = step.error;
		if (ret)
			break;
	} while (!step.end && (step.consumed || step.produced) &&
		 req->produced < req->dst_len &&
		 (req->consumed < req->src_len || step.more));
	return req->status = ret;
}

WD_EXPORT int wd_comp_oneshot(struct wd_comp_sess *s, struct wd_comp_req *req)
{
	int ret;

	if (!s || !req || (req->src_len && !req->src) || (req->dst_len && !req->dst))
		return -EINVAL;
	if (req->src_len > comp_max_in(s) || req->dst_len > COMP_MAX_LEN)
		return req->status = -E2BIG;
	wd_alg_stats_add(comp_alg_name(s), WD_ALG_OFFLOADED, 1);
	ret = comp_step_sync(s, req, 0);
	if (ret == 0 && s->inflate && !req->end)
		ret = -ENODATA;
	return req->status = ret;
}

WD_EXPORT int wd_comp_send(struct wd_comp_sess *s, struct wd_comp_req *req,
			   int stream)
{
	struct comp_lane *l;
	struct comp_slot *sl;
	int ret;

	if (!s || !req || s->par || (req->src_len && !req->src) ||
	    (req->dst_len && !req->dst))
		return -EINVAL;
	if (req->src_len > comp_max_in(s) || req->dst_len > comp_max_out(s))
		return -E2BIG;
	l = &s->lane[0];
	sl = comp_slot_get(l);
	if (!sl)
		return -EBUSY;
	sl->req = req;
	comp_slot_prepare(s, sl, req, req->src_len, req->dst_len, stream);
	if (stream && !s->started) {
		wd_alg_stats_add(comp_alg_name(s), WD_ALG_OFFLOADED, 1);
		s->started = 1;		/* the next steps are not FIRST */
	} else if (!stream) {
		wd_alg_stats_add(comp_alg_name(s), WD_ALG_OFFLOADED, 1);
	}
	ret = comp_slot_send(l, sl);
	if (ret)
		comp_slot_put(l, sl);
	return ret;
}

WD_EXPORT int wd_comp_poll(struct wd_comp_sess *s, unsigned int max, int wait)
{
	struct comp_lane *l;
	unsigned int n = 0;
	int err = 0;

	if (!s || s->par)
		return -EINVAL;
	l = &s->lane[0];
	while ((!max || n < max) && l->inflight) {
		struct comp_slot *sl = comp_lane_wait(l, wait && n == 0, &err);
		struct wd_comp_req *req;

		if (!sl)
			break;
		req = sl->req;
		if (req)
			comp_slot_complete(s, sl, req, sl->msg.ctx_id != 0);
		comp_slot_put(l, sl);
		n++;
		if (req && req->cb)
			req->cb(req);
	}
	if (!n && err && err != -EAGAIN && err != -ENOENT)
		return err;
	return (int)n;
}

WD_EXPORT unsigned int wd_comp_inflight(const struct wd_comp_sess *s)
{
	unsigned int i, n = 0;

	for (i = 0; s && i < s->nr_lanes; i++)
		n += s->lane[i].inflight;
	return n;
}

WD_EXPORT size_t wd_comp_bound(const struct wd_comp_setup *setup, size_t len)
{
	size_t chunks = 1, wrap = 18;

	if (setup && (setup->parallel > 1 || (setup->flags & WD_COMP_F_CHUNKED))) {
		/* the smaller default: more chunks, a larger bound */
		size_t c = setup->chunk_size ? setup->chunk_size : COMP_DEF_CHUNK_L1;

		chunks += len / (c < 2 * WD_COMP_WINDOW ? 2 * WD_COMP_WINDOW : c);
	}
	/*
	 * Stored blocks are the worst case of both coders: 5 bytes per block
	 * of at least 16 KiB (ISA-L) and a sync marker per chunk; the 1/8 and
	 * 1/64 terms cover small-window and fixed-code cases as zlib's
	 * conservative bound does.
	 */
	return len + (len >> 3) + (len >> 6) + (len >> 12) + 5 * (len >> 14) +
	       16 * chunks + wrap + 16;
}
