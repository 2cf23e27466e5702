/* SPDX-License-Identifier: MIT */
/*
 * codec_wd.c - deflate and inflate through wd_comp sessions.
 *
 * Compression: each engine of deflater.c owns a one-queue session and
 * compresses a piece as a stream of its own, primed with the history
 * (wd_comp_sess_set_dict) and ended by a sync flush. A device error never
 * loses data: compression redoes the failed piece with zlib, primed the
 * same way, and the stream stays in software; decompression reports
 * CODEC_DEVICE_ERROR so that the driver restarts the member in software.
 * Both count what happened: "deflate"/"inflate" WD_ALG_ERRORS for the
 * device error and WD_ALG_FALLBACK for the software work.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wd.h"
#include "wd_comp.h"
#include "codec.h"

/*
 * Pieces shorter than this are compressed here: a round trip to an engine
 * (two requests: the history, then the data) costs more than they do.
 * The choice depends on the length only, so the same piece always comes
 * out the same (--rsyncable relies on it).
 */
#define INLINE_MAX	8192u

struct dengine {
	struct wd_comp_sess *sess;	/* NULL: software */
	struct zdeflater *z;
	int level;
	_Atomic int *failed;		/* the stream's device failed */
};

struct dengine *dengine_new(int level, int try_device, _Atomic int *failed)
{
	struct dengine *e = calloc(1, sizeof(*e));
	struct wd_comp_setup setup;

	if (!e)
		return NULL;
	e->level = level;
	e->failed = failed;
	e->z = zdeflater_new(level, NULL, 0);
	if (!e->z) {
		free(e);
		return NULL;
	}
	if (!try_device)
		return e;
	memset(&setup, 0, sizeof(setup));
	setup.op = WD_COMP_DEFLATE;
	setup.format = WD_COMP_RAW;
	setup.level = level;
	if (wd_comp_sess_alloc(&e->sess, &setup) != 0) {
		/* no device: the whole stream is software work */
		e->sess = NULL;
		wd_alg_stats_add("deflate", WD_ALG_FALLBACK, 1);
	}
	return e;
}

int dengine_on_device(const struct dengine *e)
{
	return e->sess != NULL;
}

/* One stream per piece, primed with the history, ended by the flush. */
static int device_piece(struct dengine *e, const uint8_t *dict,
			size_t dict_len, const uint8_t *in, size_t len,
			int last, struct obuf *out)
{
	struct wd_comp_setup setup = { .op = WD_COMP_DEFLATE,
				       .format = WD_COMP_RAW,
				       .level = e->level };
	struct wd_comp_req req;
	size_t left = len;

	if (wd_comp_sess_reset(e->sess) != 0 ||
	    (dict_len && wd_comp_sess_set_dict(e->sess, dict, dict_len) != 0))
		return -1;
	for (;;) {
		if (obuf_reserve(out, wd_comp_bound(&setup, left) + 4096))
			return CODEC_NO_MEMORY;
		memset(&req, 0, sizeof(req));
		req.src = in;
		req.src_len = left;
		req.dst = out->data + out->len;
		req.dst_len = out->cap - out->len;
		req.flush = last ? WD_COMP_FINISH : WD_COMP_SYNC_FLUSH;
		if (wd_comp_stream(e->sess, &req) != 0 || req.status != 0)
			return -1;
		out->len += req.produced;
		in += req.consumed;
		left -= req.consumed;
		if (left == 0 && !req.more && (!last || req.end))
			return CODEC_OK;
		if (req.consumed == 0 && req.produced == 0 && !req.more)
			return -1;	/* no progress possible: a fault */
	}
}

int dengine_piece(struct dengine *e, const uint8_t *dict, size_t dict_len,
		  const uint8_t *in, size_t len, int last, struct obuf *out)
{
	size_t start = out->len;
	int ret;

	if (e->sess && atomic_load(e->failed)) {
		wd_comp_sess_free(e->sess);	/* another engine failed */
		e->sess = NULL;
	}
	if (e->sess && len >= INLINE_MAX) {
		ret = device_piece(e, dict, dict_len, in, len, last, out);
		if (ret != -1)
			return ret;
		/* a device error: this piece and the rest in software, the
		 * counters say so once per stream */
		out->len = start;
		if (!atomic_exchange(e->failed, 1)) {
			wd_alg_stats_add("deflate", WD_ALG_ERRORS, 1);
			wd_alg_stats_add("deflate", WD_ALG_FALLBACK, 1);
		}
		wd_comp_sess_free(e->sess);
		e->sess = NULL;
	}
	return zdeflater_piece(e->z, dict, dict_len, in, len, last, out);
}

void dengine_free(struct dengine *e)
{
	if (!e)
		return;
	if (e->sess)
		wd_comp_sess_free(e->sess);
	zdeflater_free(e->z);
	free(e);
}

struct inflater {
	struct wd_comp_sess *sess;	/* NULL once in software */
	struct zinflater *z;
};

static int inflater_software(struct inflater *f)
{
	if (!f->z)
		f->z = zinflater_new();
	return f->z ? CODEC_OK : CODEC_NO_MEMORY;
}

struct inflater *inflater_new(void)
{
	struct inflater *f = calloc(1, sizeof(*f));
	struct wd_comp_setup setup;

	if (!f)
		return NULL;
	memset(&setup, 0, sizeof(setup));
	setup.op = WD_COMP_INFLATE;
	setup.format = WD_COMP_RAW;
	if (wd_comp_sess_alloc(&f->sess, &setup) != 0) {
		f->sess = NULL;
		wd_alg_stats_add("inflate", WD_ALG_FALLBACK, 1);
		if (inflater_software(f) != CODEC_OK) {
			free(f);
			return NULL;
		}
	}
	return f;
}

/* The device failed: the rest is software work, and the counters say so. */
static int inflater_to_software(struct inflater *f)
{
	wd_alg_stats_add("inflate", WD_ALG_ERRORS, 1);
	wd_alg_stats_add("inflate", WD_ALG_FALLBACK, 1);
	wd_comp_sess_free(f->sess);
	f->sess = NULL;
	return inflater_software(f);
}

int inflater_reset(struct inflater *f)
{
	if (f->sess && wd_comp_sess_reset(f->sess) == 0)
		return CODEC_OK;
	if (f->sess && inflater_to_software(f) != CODEC_OK)
		return CODEC_NO_MEMORY;
	return zinflater_reset(f->z);
}

int inflater_on_device(const struct inflater *f)
{
	return f->sess != NULL;
}

int inflater_step(struct inflater *f, const uint8_t *in, size_t in_len,
		  uint8_t *out, size_t out_len, size_t *consumed,
		  size_t *produced, int *end)
{
	struct wd_comp_req req;
	int ret;

	if (!f->sess)
		return zinflater_step(f->z, in, in_len, out, out_len,
				      consumed, produced, end);
	memset(&req, 0, sizeof(req));
	req.src = in;
	req.src_len = in_len;
	req.dst = out;
	req.dst_len = out_len;
	req.flush = WD_COMP_NO_FLUSH;
	ret = wd_comp_stream(f->sess, &req);
	if (ret == 0)
		ret = req.status;
	*consumed = req.consumed;
	*produced = req.produced;
	*end = req.end;
	if (ret == 0)
		return CODEC_OK;
	if (ret == -EBADMSG)
		return CODEC_DATA_ERROR;
	*consumed = *produced = 0;
	*end = 0;
	if (inflater_to_software(f) != CODEC_OK)
		return CODEC_NO_MEMORY;
	return CODEC_DEVICE_ERROR;
}

void inflater_free(struct inflater *f)
{
	if (!f)
		return;
	if (f->sess)
		wd_comp_sess_free(f->sess);
	zinflater_free(f->z);
	free(f);
}
