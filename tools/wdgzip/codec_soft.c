/* SPDX-License-Identifier: MIT */
/*
 * codec_soft.c - codec.h served by zlib alone (no device), for builds
 * without wd_comp (deflater.c drives these engines as it drives the
 * device ones).
 */
#include "config.h"

#include <stdlib.h>

#include "codec.h"

struct dengine {
	struct zdeflater *z;
};

struct dengine *dengine_new(int level, int try_device, _Atomic int *failed)
{
	struct dengine *e = calloc(1, sizeof(*e));

	(void)try_device;
	(void)failed;
	if (e && !(e->z = zdeflater_new(level, NULL, 0))) {
		free(e);
		e = NULL;
	}
	return e;
}

int dengine_on_device(const struct dengine *e)
{
	(void)e;
	return 0;
}

int dengine_piece(struct dengine *e, const uint8_t *dict, size_t dict_len,
		  const uint8_t *in, size_t len, int last, struct obuf *out)
{
	return zdeflater_piece(e->z, dict, dict_len, in, len, last, out);
}

void dengine_free(struct dengine *e)
{
	if (e)
		zdeflater_free(e->z);
	free(e);
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
