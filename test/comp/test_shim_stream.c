// SPDX-License-Identifier: MIT
/*
 * test_shim_stream.c - the zlib shim's inflate stream contract, side by
 * side with stock zlib: small output buffers under every flush mode, in
 * every shape of calls, and what a caller can see compared after every
 * call: return code, output bytes, avail_out, total_out, adler; data_type
 * and avail_in/total_in where the shim promises zlib's (at the end of a
 * stream, on Z_BLOCK/Z_TREES streams, which are zlib's; doc/compression.md
 * says why not mid-stream). Also inflateReset after an empty call and an
 * inflateCopy whose caller presents less input than the device took.
 *
 * Linked with libwdz (its zlib calls are the shim's, every stream forced
 * onto queues: WD_ZLIB=force); stock zlib is loaded with dlmopen, and both
 * are driven through one table of functions by the same code
 * (shim_stream_util.c). The other test_shim_stream* programs test the
 * rest of the stream contract.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "tap.h"
#include "comp_data.h"
#include "shim_stream_util.h"

/*
 * Inflate in[len] into r with shape sh (cap: the output room in all).
 * Input all at once: every call is compared; in pieces (given when
 * avail_in is 0, as gzread does), the end.
 */
static void inflate_run(const struct zf *z, const uint8_t *in, size_t len, size_t cap,
			const struct shape *sh, struct run *r)
{
	z_stream zs = { 0 };
	uint64_t seed = 0x1234567, seed2 = 99;
	size_t pos = 0;
	int ret;

	r->n = 0;
	r->full = sh->flush == Z_BLOCK || sh->flush == Z_TREES;
	if (z->inflateInit2_(&zs, sh->wbits, ZLIB_VERSION, (int)sizeof(zs)) != Z_OK)
		tap_bail("inflateInit2");
	zs.next_in = (Bytef *)in;
	do {
		uLong out0 = zs.total_out;

		if (sh->reslice) {
			size_t left = len - (size_t)(zs.next_in - in);

			seed2 = seed2 * 6364136223846793005ull + 1442695040888963407ull;
			zs.avail_in = (uInt)(1 + (seed2 >> 33) % sh->in_piece);
			if (zs.avail_in > left)
				zs.avail_in = (uInt)left;
			pos = len;
		} else if (!zs.avail_in && pos < len) {
			size_t n = sh->in_piece && sh->in_piece < len - pos ? sh->in_piece :
				   len - pos;

			zs.next_in = (Bytef *)in + pos;
			zs.avail_in = (uInt)n;
			pos += n;
		}
		ret = step(z, &zs, r, sh, cap, &seed);
		if (!goes_on(ret, out0, &zs) && !(ret == Z_BUF_ERROR && pos < len &&
						   !zs.avail_in))
			break;
	} while (r->n < MAX_CALLS);
	z->inflateEnd(&zs);
}

static struct run ra, rb;

/* One shape on one compressed input: shim and zlib, compared. */
static int inflate_same(const uint8_t *in, size_t len, size_t cap, const struct shape *sh,
			const char *what)
{
	char why[400];
	int same;

	inflate_run(&shim, in, len, cap, sh, &ra);
	inflate_run(&real, in, len, cap, sh, &rb);
	if (sh->in_piece) {	/* only the end: collapse both to their last call */
		ra.o[0] = ra.o[ra.n - 1];
		rb.o[0] = rb.o[rb.n - 1];
		ra.n = rb.n = 1;
		/* the room of the last call depends on the calls before it */
		ra.o[0].avail_out = rb.o[0].avail_out;
	}
	same = !runs_differ(&ra, &rb, why, sizeof(why));
	if (!same)
		diag("%s wbits %d flush %d out %u%s in %u: %s", what, sh->wbits, sh->flush,
		     sh->out_piece, sh->random ? " (random)" : "", sh->in_piece, why);
	return same;
}

static void test_inflate_shapes(void)
{
	static const int flushes[] = { Z_NO_FLUSH, Z_SYNC_FLUSH, Z_FINISH, Z_BLOCK, Z_TREES };
	static const struct { int enc, dec; } fmts[] = {
		{ -15, -15 }, { 15, 15 }, { 31, 31 }, { 15, 47 }, { 31, 47 },
	};
	/* 256 KiB is the shim's stage, 64 KiB its direct-output threshold */
	static const size_t sizes[] = { 0, 1, 100000, 256u << 10, (1u << 20) + 3 };
	static const uInt outs[] = { 1, 1000, 16384, 65536, 65537, 262144 };
	size_t cap = CORPUS + 1024, si, len, bad = 0, runs = 0;
	uint8_t *comp = malloc(cap);
	unsigned int f, k, o;

	for (f = 0; f < 5; f++) {
		for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			for (k = 0; k < 5; k++) {
				/* trailing bytes after the wrapped streams: zlib leaves them */
				len = make_stream(fmts[k].enc, sizes[si], fmts[k].enc > 0 ? 9 : 0,
						  comp, cap);
				for (o = 0; o < sizeof(outs) / sizeof(outs[0]); o++) {
					struct shape sh = { fmts[k].dec, flushes[f], outs[o], 0, 0, 0 };

					/* a million calls; 100,000 for two modes */
					if (outs[o] == 1 && (sizes[si] > 100000 ||
							     (sizes[si] > 1 && f % 3)))
						continue;
					runs++;
					bad += !inflate_same(comp, len, sizes[si] + 64, &sh,
							     "inflate");
					/* exactly the room the stream needs, one call */
					sh.out_piece = (uInt)sizes[si] + 1;
					if (o == 0) {
						bad += !inflate_same(comp, len, sizes[si], &sh,
								     "inflate exact");
						runs++;
					}
				}
				/* random pieces, input in pieces as gzread gives it */
				{
					struct shape sh = { fmts[k].dec, flushes[f], 70000, 0, 1, 0 };

					bad += !inflate_same(comp, len, sizes[si] + 64, &sh, "random");
					sh.in_piece = 8192;
					bad += !inflate_same(comp, len, sizes[si] + 64, &sh,
							     "input pieces");
					sh.out_piece = 16384;
					sh.random = 0;
					bad += !inflate_same(comp, len, sizes[si] + 64, &sh,
							     "input pieces");
					sh.reslice = 1;
					sh.in_piece = 30000;
					bad += !inflate_same(comp, len, sizes[si] + 64, &sh,
							     "input resliced");
					runs += 4;
				}
			}
		}
		ok(!bad, "inflate flush %d: small/large/exact/random output pieces, whole or "
		   "pieced input, raw/zlib/gzip/auto, 0 B..1 MiB: the same calls, codes, "
		   "bytes, counters and adler as zlib (%zu runs, %zu differ)", flushes[f],
		   runs, bad);
		bad = runs = 0;
	}
	free(comp);
}

/*
 * A stream read to its end, copied; the copy reset and called with no
 * input, then read again: zlib's codes and data_type.
 */
static void test_reset_empty_call(void)
{
	size_t cap = 300000, len;
	uint8_t *comp = malloc(cap), *out = malloc(cap);
	const struct zf *z[2] = { &shim, &real };
	int ret[2][3], dt[2][3], k;

	len = make_stream(31, 200000, 0, comp, cap);
	for (k = 0; k < 2; k++) {
		z_stream zs = { 0 }, cp;

		z[k]->inflateInit2_(&zs, 31, ZLIB_VERSION, (int)sizeof(zs));
		zs.next_in = comp;
		zs.avail_in = (uInt)len;
		zs.next_out = out;
		zs.avail_out = (uInt)cap;
		ret[k][0] = z[k]->inflate(&zs, Z_NO_FLUSH);
		dt[k][0] = zs.data_type;
		z[k]->inflateCopy(&cp, &zs);
		z[k]->inflateReset(&cp);
		cp.avail_in = 0;
		ret[k][1] = z[k]->inflate(&cp, Z_NO_FLUSH);
		dt[k][1] = cp.data_type;
		cp.next_in = comp;
		cp.avail_in = (uInt)len;
		cp.next_out = out;
		cp.avail_out = (uInt)cap;
		ret[k][2] = z[k]->inflate(&cp, Z_NO_FLUSH);
		dt[k][2] = cp.total_out == 200000 && !memcmp(out, corpus, 200000) ?
			   cp.data_type : -1;
		z[k]->inflateEnd(&cp);
		z[k]->inflateEnd(&zs);
	}
	ok(!memcmp(ret[0], ret[1], sizeof(ret[0])) && !memcmp(dt[0], dt[1], sizeof(dt[0])),
	   "to the end, copied, the copy reset, a call with no input, read again: codes "
	   "%d %d %d, data_type %d %d %d (zlib: %d %d %d, %d %d %d)", ret[0][0], ret[0][1],
	   ret[0][2], dt[0][0], dt[0][1], dt[0][2], ret[1][0], ret[1][1], ret[1][2],
	   dt[1][0], dt[1][1], dt[1][2]);
	free(comp);
	free(out);
}

/*
 * A stream whose first call took all its input (the end decoded ahead),
 * copied; the copy then presented its input in pieces of 1..97 bytes
 * (less than the device took): both ends as zlib's.
 */
static void test_copy_reslice(void)
{
	size_t cap = 300000, len, n = 100000;
	uint8_t *comp = malloc(cap), *out = malloc(cap);
	const struct zf *z[2] = { &shim, &real };
	uLong res[2][5];
	int k;

	len = make_stream(15, n, 0, comp, cap);
	for (k = 0; k < 2; k++) {
		z_stream a = { 0 }, b;
		uint64_t seed = 5;
		int r;

		z[k]->inflateInit2_(&a, 15, ZLIB_VERSION, (int)sizeof(a));
		a.next_in = comp;
		a.avail_in = (uInt)len;
		a.next_out = out;
		a.avail_out = 16384;
		res[k][0] = (uLong)z[k]->inflate(&a, Z_NO_FLUSH);
		z[k]->inflateCopy(&b, &a);
		do {
			size_t left = len - (size_t)(b.next_in - comp);

			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			b.avail_in = (uInt)(1 + (seed >> 33) % 97);
			if (b.avail_in > left)
				b.avail_in = (uInt)left;
			b.next_out = out + b.total_out;
			b.avail_out = (uInt)(cap - b.total_out);
			r = z[k]->inflate(&b, Z_NO_FLUSH);
		} while (r == Z_OK || (r == Z_BUF_ERROR && b.next_in < comp + len));
		res[k][1] = (uLong)r;
		res[k][2] = b.total_out == n && !memcmp(out, corpus, n) ? b.total_out : 0;
		res[k][3] = b.total_in;
		res[k][4] = b.adler;
		z[k]->inflateEnd(&b);
		z[k]->inflateEnd(&a);
	}
	ok(!memcmp(res[0], res[1], sizeof(res[0])),
	   "a copy of a stream decoded ahead to its end, its input then presented in "
	   "pieces of 1..97 bytes: codes %lu %lu, %lu bytes right, total_in %lu, adler %lx "
	   "(zlib: %lu %lu, %lu, %lu, %lx)", res[0][0], res[0][1], res[0][2], res[0][3],
	   res[0][4], res[1][0], res[1][1], res[1][2], res[1][3], res[1][4]);
	free(comp);
	free(out);
}

int main(void)
{
	/* every stream that can be offloaded is (small ones too) */
	setenv("WD_ZLIB", "force", 1);
	load_real();
	corpus = td_corpus(CORPUS);
	run_alloc(&ra, CORPUS);
	run_alloc(&rb, CORPUS);
	tap_plan(0);
	TIMED(test_inflate_shapes());
	test_reset_empty_call();
	test_copy_reslice();
	run_free(&ra);
	run_free(&rb);
	free(corpus);
	tap_done();
	return tap_exit();
}
