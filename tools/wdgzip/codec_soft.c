/* SPDX-License-Identifier: MIT */
/*
 * codec_soft.c - codec.h served by zlib alone (no device), for builds
 * without wd_comp.
 */
#include "config.h"

#include <stdlib.h>

#include "codec.h"

struct deflater {
	struct zdeflater *z;
};

struct deflater *deflater_new(int level, unsigned int parallel)
{
	struct deflater *d = calloc(1, sizeof(*d));

	(void)parallel;
	if (d && !(d->z = zdeflater_new(level, NULL, 0))) {
		free(d);
		d = NULL;
	}
	return d;
}

int deflater_block(struct deflater *d, const uint8_t *in, size_t len,
		   int last, struct obuf *out)
{
	return zdeflater_block(d->z, in, len, last, out);
}

void deflater_free(struct deflater *d)
{
	if (d)
		zdeflater_free(d->z);
	free(d);
}

struct inflater {
	struct zinflater *z;
};

struct inflater *inflater_new(void)
{
	struct inflater *f = calloc(1, sizeof(*f));

	if (f && !(f->z = zinflater_new())) {
		free(f);
		f = NULL;
	}
	return f;
}

int inflater_reset(struct inflater *f)
{
	return zinflater_reset(f->z);
}

int inflater_on_device(const struct inflater *f)
{
	(void)f;
	return 0;
}

int inflater_step(struct inflater *f, const uint8_t *in, size_t in_len,
		  uint8_t *out, size_t out_len, size_t *consumed,
		  size_t *produced, int *end)
{
	return zinflater_step(f->z, in, in_len, out, out_len, consumed,
			      produced, end);
}

void inflater_free(struct inflater *f)
{
	if (f)
		zinflater_free(f->z);
	free(f);
}
