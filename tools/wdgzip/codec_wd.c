/* SPDX-License-Identifier: MIT */
/*
 * codec_wd.c - inflate through a wd_comp session (codec.h).
 *
 * A device error never loses data: the inflater reports
 * CODEC_DEVICE_ERROR so that the driver restarts the member in software
 * (zlib, codec_zlib.c), and counts what happened: "inflate" WD_ALG_ERRORS
 * for the device error and WD_ALG_FALLBACK for the software work.
 * (Compression needs nothing here: compress.c's session falls back by
 * itself.)
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wd.h"
#include "wd_comp.h"
#include "codec.h"

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
