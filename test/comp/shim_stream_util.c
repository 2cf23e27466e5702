// SPDX-License-Identifier: MIT
/*
 * shim_stream_util.c - the function tables and inflate traces the
 * test_shim_stream* programs share (shim_stream_util.h).
 */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include "tap.h"
#include "shim_stream_util.h"


struct zf shim = {
	"shim",
#define X(f) f,
	FUNCS
#undef X
};
struct zf real;
uint8_t *corpus;

void load_real(void)
{
	void *h = dlmopen(LM_ID_NEWLM, SYSTEM_LIBZ, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		tap_bail("no stock zlib");
#define X(f) \
	*(void **)&real.f = dlsym(h, #f); \
	if (!real.f || (void *)real.f == (void *)f) \
		tap_bail("stock zlib lacks " #f);
	FUNCS
#undef X
}

void observe(struct run *r, const z_stream *zs, int ret)
{
	struct obs *o = &r->o[r->n < MAX_CALLS ? r->n++ : MAX_CALLS - 1];

	o->ret = ret;
	o->data_type = zs->data_type;
	o->avail_in = zs->avail_in;
	o->avail_out = zs->avail_out;
	o->total_in = zs->total_in;
	o->total_out = zs->total_out;
	o->adler = zs->adler;
}

/* The first difference of two runs of the same calls, or 0. */
int runs_differ(const struct run *a, const struct run *b, char *why, size_t len)
{
	unsigned int i;

	for (i = 0; i < a->n && i < b->n; i++) {
		const struct obs *x = &a->o[i], *y = &b->o[i];
		/* zlib's own fields wherever the stream is zlib's or ended */
		int all = a->full || y->ret == Z_STREAM_END || i + 1 == b->n;

		if (x->ret != y->ret || x->avail_out != y->avail_out ||
		    x->total_out != y->total_out || x->adler != y->adler ||
		    (all && (x->avail_in != y->avail_in || x->total_in != y->total_in ||
			     x->data_type != y->data_type))) {
			snprintf(why, len, "call %u: shim ret %d out %u/%lu in %u/%lu adler %lx "
				 "dt %d, zlib ret %d out %u/%lu in %u/%lu adler %lx dt %d", i,
				 x->ret, x->avail_out, x->total_out, x->avail_in, x->total_in,
				 x->adler, x->data_type, y->ret, y->avail_out, y->total_out,
				 y->avail_in, y->total_in, y->adler, y->data_type);
			return 1;
		}
	}
	if (a->n != b->n) {
		snprintf(why, len, "shim made %u calls, zlib %u", a->n, b->n);
		return 1;
	}
	if (b->n && memcmp(a->out, b->out, a->o[a->n - 1].total_out)) {
		snprintf(why, len, "output bytes differ");
		return 1;
	}
	return 0;
}

void run_alloc(struct run *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->o = malloc(MAX_CALLS * sizeof(*r->o));
	r->out = malloc(cap + 1);
	if (!r->o || !r->out)
		tap_bail("out of memory");
}

void run_free(struct run *r)
{
	free(r->o);
	free(r->out);
}

/* One inflate() call of a driven stream: the next output room, the call. */
int step(const struct zf *z, z_stream *zs, struct run *r, const struct shape *sh,
	 size_t cap, uint64_t *seed)
{
	uInt room = sh->out_piece;
	int ret;

	if (sh->random) {
		*seed ^= *seed << 13;
		*seed ^= *seed >> 7;
		*seed ^= *seed << 17;
		room = 1 + (uInt)(*seed % sh->out_piece);
	}
	if (room > cap - zs->total_out)
		room = (uInt)(cap - zs->total_out);
	zs->next_out = r->out + zs->total_out;
	zs->avail_out = room;
	ret = z->inflate(zs, sh->flush);
	observe(r, zs, ret);
	return ret;
}

/* Go on while zlib's rules say a caller goes on: Z_OK, or progress. */
int goes_on(int ret, uLong out0, const z_stream *zs)
{
	return ret == Z_OK || (ret == Z_BUF_ERROR && zs->total_out != out0);
}

/* A stream of n corpus bytes made by stock zlib, + extra bytes after it. */
size_t make_stream(int wbits, size_t n, size_t extra, uint8_t *out, size_t cap)
{
	z_stream zs = { 0 };
	size_t len;

	real.deflateInit2_(&zs, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
			   (int)sizeof(zs));
	zs.next_in = corpus;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (real.deflate(&zs, Z_FINISH) != Z_STREAM_END)
		tap_bail("stock deflate");
	len = zs.total_out;
	real.deflateEnd(&zs);
	memset(out + len, 'x', extra);
	return len + extra;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
