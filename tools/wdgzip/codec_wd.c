/* SPDX-License-Identifier: MIT */
/*
 * codec_wd.c - deflate and inflate through wd_comp sessions.
 *
 * Compression uses a parallel session: wd_comp spreads the stream over
 * several queues, each served by its own engine, pigz style. A device
 * error never loses data: compression redoes the failed block with zlib,
 * primed with the 32 KiB before it (every earlier block ended on a byte
 * boundary), and stays in software; decompression reports
 * CODEC_DEVICE_ERROR so that the driver restarts the member in software.
 * Both count what happened: "deflate"/"inflate" WD_ALG_ERRORS for the
 * device error and WD_ALG_FALLBACK for the software work.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wd.h"
#include "wd_comp.h"
#include "codec.h"

#define HISTORY	WD_COMP_WINDOW

struct deflater {
	struct wd_comp_sess *sess;	/* NULL once in software */
	struct zdeflater *z;
	int level;
	uint8_t hist[HISTORY];		/* the last bytes compressed */
	size_t hist_len;
};

static unsigned int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

struct deflater *deflater_new(int level, unsigned int parallel)
{
	struct deflater *d = calloc(1, sizeof(*d));
	struct wd_comp_setup setup;

	if (!d)
		return NULL;
	d->level = level;
	memset(&setup, 0, sizeof(setup));
	setup.op = WD_COMP_DEFLATE;
	setup.format = WD_COMP_RAW;
	setup.level = level;
	setup.parallel = parallel ? parallel : online_cpus();
	if (wd_comp_sess_alloc(&d->sess, &setup) != 0) {
		/* no device: the whole stream is software work */
		d->sess = NULL;
		wd_alg_stats_add("deflate", WD_ALG_FALLBACK, 1);
		d->z = zdeflater_new(level, NULL, 0);
		if (!d->z) {
			free(d);
			return NULL;
		}
	}
	return d;
}

static void remember(struct deflater *d, const uint8_t *in, size_t len)
{
	if (len >= HISTORY) {
		memcpy(d->hist, in + len - HISTORY, HISTORY);
		d->hist_len = HISTORY;
		return;
	}
	if (d->hist_len + len > HISTORY) {
		size_t drop = d->hist_len + len - HISTORY;

		memmove(d->hist, d->hist + drop, d->hist_len - drop);
		d->hist_len -= drop;
	}
	memcpy(d->hist + d->hist_len, in, len);
	d->hist_len += len;
}

/* Drop the device for the rest of the stream and redo this block. */
static int deflater_to_software(struct deflater *d, const uint8_t *in,
				size_t len, int last, struct obuf *out)
{
	wd_alg_stats_add("deflate", WD_ALG_ERRORS, 1);
	wd_alg_stats_add("deflate", WD_ALG_FALLBACK, 1);
	wd_comp_sess_free(d->sess);
	d->sess = NULL;
	d->z = zdeflater_new(d->level, d->hist, d->hist_len);
	if (!d->z)
		return CODEC_NO_MEMORY;
	return zdeflater_block(d->z, in, len, last, out);
}

static int deflater_device_block(struct deflater *d, const uint8_t *in,
				 size_t len, int last, struct obuf *out)
{
	struct wd_comp_setup setup = { .op = WD_COMP_DEFLATE,
				       .format = WD_COMP_RAW,
				       .level = d->level };
	size_t start = out->len, left = len;
	const uint8_t *p = in;
	struct wd_comp_req req;

	for (;;) {
		if (obuf_reserve(out, wd_comp_bound(&setup, left) + 4096))
			return CODEC_NO_MEMORY;
		memset(&req, 0, sizeof(req));
		req.src = p;
		req.src_len = left;
		req.dst = out->data + out->len;
		req.dst_len = out->cap - out->len;
		req.flush = last ? WD_COMP_FINISH : WD_COMP_SYNC_FLUSH;
		if (wd_comp_stream(d->sess, &req) != 0 || req.status != 0) {
			out->len = start;
			return deflater_to_software(d, in, len, last, out);
		}
		out->len += req.produced;
		p += req.consumed;
		left -= req.consumed;
		if (left == 0 && !req.more && (!last || req.end))
			return CODEC_OK;
		if (req.consumed == 0 && req.produced == 0 && !req.more) {
			/* no progress possible: treat as a device fault */
			out->len = start;
			return deflater_to_software(d, in, len, last, out);
		}
	}
}

int deflater_block(struct deflater *d, const uint8_t *in, size_t len,
		   int last, struct obuf *out)
{
	int ret;

	if (d->sess)
		ret = deflater_device_block(d, in, len, last, out);
	else
		ret = zdeflater_block(d->z, in, len, last, out);
	if (ret == CODEC_OK && !last)
		remember(d, in, len);
	return ret;
}

void deflater_free(struct deflater *d)
{
	if (!d)
		return;
	if (d->sess)
		wd_comp_sess_free(d->sess);
	zdeflater_free(d->z);
	free(d);
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
