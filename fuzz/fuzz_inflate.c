// SPDX-License-Identifier: MIT
/*
 * fuzz_inflate - the zlib shim's inflate against stock zlib on the same
 * bytes, fed in the same pieces: same return code at the end, same output
 * (a stream that ends must produce zlib's bytes, total_in and adler; one
 * that fails must have produced a prefix of zlib's output), and a message
 * with every Z_DATA_ERROR.
 *
 * This binary contains the shim (its deflate/inflate are the names this
 * file calls) and reaches the real zlib by dlopen(SYSTEM_LIBZ), as
 * test/comp/test_zlib_shim does. WD_ZLIB=force sends every stream to the
 * soft device, small ones too.
 *
 * Input: [wbits choice][in piece][out piece][compressed data ...]
 */
#include "config.h"

#include <zlib.h>
#include "fuzz_util.h"
#include "fuzz_zlib.h"

#define OUT_CAP		(512u << 10)
#define MAX_CALLS	20000

static struct fz_zlib real;

static uint8_t *out_shim, *out_real;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_env();
	setenv("WD_ZLIB", "force", 0);
	fz_zlib_load(&real, "fuzz_inflate");
	out_shim = malloc(OUT_CAP);
	out_real = malloc(OUT_CAP);
	return 0;
}

struct result {
	int init;		/* inflateInit2's code */
	int ret;		/* the last inflate's code */
	int msg;		/* Z_DATA_ERROR came with a message */
	const char *why;	/* that message */
	unsigned long total_in, total_out, adler;
};

static const int wbits_choice[] = { 15, -15, 31, 47, 9, -9, 12, -12, 8, -8, 25, 0, 14, 40 };

/* Inflate all of in, in pieces of in_piece/out_piece bytes (0: all). */
static void run(int shim, int wbits, const uint8_t *in, size_t len, uInt in_piece,
		uInt out_piece, uint8_t *out, struct result *r)
{
	z_stream zs;
	int calls = 0;

	memset(&zs, 0, sizeof(zs));
	memset(r, 0, sizeof(*r));
	r->init = shim ? inflateInit2(&zs, wbits) :
		  real.inflateInit2_(&zs, wbits, ZLIB_VERSION, (int)sizeof(zs));
	if (r->init != Z_OK)
		return;
	zs.next_in = (Bytef *)in;
	zs.next_out = out;
	do {
		size_t in_left = len - zs.total_in, out_left = OUT_CAP - zs.total_out;
		uLong before_in = zs.total_in, before_out = zs.total_out;

		zs.avail_in = (uInt)(in_piece && in_piece < in_left ? in_piece : in_left);
		zs.avail_out = (uInt)(out_piece && out_piece < out_left ? out_piece : out_left);
		r->ret = shim ? inflate(&zs, Z_NO_FLUSH) : real.inflate(&zs, Z_NO_FLUSH);
		if (r->ret == Z_BUF_ERROR && zs.total_in == before_in &&
		    zs.total_out == before_out &&
		    (zs.total_in == len || zs.total_out == OUT_CAP))
			break;	/* no progress possible: the final answer */
	} while ((r->ret == Z_OK || r->ret == Z_BUF_ERROR) && ++calls < MAX_CALLS);
	r->msg = r->ret != Z_DATA_ERROR || zs.msg != NULL;
	r->why = r->ret == Z_DATA_ERROR ? zs.msg : NULL;
	r->total_in = zs.total_in;
	r->total_out = zs.total_out;
	r->adler = zs.adler;
	if (shim)
		inflateEnd(&zs);
	else
		real.inflateEnd(&zs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	int wbits = wbits_choice[fz_below(&f, sizeof(wbits_choice) / sizeof(wbits_choice[0]))];
	uInt in_piece = fz_u8(&f), out_piece = fz_u8(&f) * 257u;
	struct result s, z;
	size_t common;

	/* big pieces are the common case: 0 means everything at once */
	if (in_piece > 200)
		in_piece = 0;
	run(0, wbits, f.p, f.left, in_piece, out_piece, out_real, &z);
	run(1, wbits, f.p, f.left, in_piece, out_piece, out_shim, &s);
	if (s.init != z.init)
		fz_fail("wbits %d: inflateInit2 shim %d zlib %d", wbits, s.init, z.init);
	if (z.init != Z_OK)
		return 0;
	/*
	 * Open, with the ISA-L engine, when a dynamic block header comes after
	 * another block in the same device request (the soft engine has zlib
	 * judge only the headers a request starts with; ISA-L alone knows
	 * where the others are):
	 * known/fuzz_inflate/raw-incomplete-code-inside-request: ISA-L takes a
	 * header with an incomplete code that zlib refuses. (Data ISA-L
	 * refuses, zlib judges again: regress/fuzz_inflate/raw-truncated-
	 * dynamic-block-inside-request.)
	 */
	if (fz_ignore_known() && z.ret == Z_DATA_ERROR && s.ret != Z_DATA_ERROR && z.why &&
	    (!strcmp(z.why, "invalid distances set") ||
	     !strcmp(z.why, "invalid literal/lengths set") ||
	     !strcmp(z.why, "invalid code lengths set")))
		return 0;
	if (s.ret != z.ret)
		fz_fail("wbits %d pieces %u/%u: inflate shim %d zlib %d (out %lu/%lu in %lu/%lu)",
			wbits, in_piece, out_piece, s.ret, z.ret, s.total_out, z.total_out,
			s.total_in, z.total_in);
	if (!s.msg)
		fz_fail("Z_DATA_ERROR without a message");
	common = s.total_out < z.total_out ? s.total_out : z.total_out;
	if (memcmp(out_shim, out_real, common))
		fz_fail("wbits %d: output differs within the first %zu bytes", wbits, common);
	if (z.ret == Z_STREAM_END &&
	    (s.total_out != z.total_out || s.total_in != z.total_in ||
	     (wbits > 0 && s.adler != z.adler)))
		fz_fail("wbits %d: stream end with out %lu/%lu in %lu/%lu adler %lx/%lx",
			wbits, s.total_out, z.total_out, s.total_in, z.total_in,
			s.adler, z.adler);
	return 0;
}
