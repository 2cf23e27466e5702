// SPDX-License-Identifier: MIT
/*
 * test_shim_stream_copy.c - inflateCopy and deflateCopy of the zlib shim in
 * every state of a stream, side by side with stock zlib's copies.
 *
 * Device failures are injected in a child process (WD_SOFT_FAULT is read
 * once per process): the child (this program with --faults) re-runs the
 * copy checks and reports its result through its exit status.
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
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include "tap.h"
#include "comp_data.h"
#include "shim_stream_util.h"

static int quiet;	/* the fault child: diag lines only */


static struct run ra, rb;

/* ------------------------------------------------------------------ */
/* inflateCopy                                                         */

/*
 * Inflate in[len] (all at once) in out pieces of sh->out_piece; after call
 * copy_at (-1: before the first call), copy the stream, then run the
 * original and the copy to their ends, one call each in turn.
 */
static void copy_run(const struct zf *z, const uint8_t *in, size_t len, size_t cap,
		     const struct shape *sh, int copy_at, struct run *r, struct run *c,
		     int *copy_ret)
{
	z_stream a = { 0 }, b = { 0 };
	uint64_t sa = 1, sb = 1;
	int ra = Z_OK, rb = Z_OK, i, on_a = 1, on_b = 1;

	r->n = c->n = 0;
	r->full = c->full = sh->flush == Z_BLOCK || sh->flush == Z_TREES;
	z->inflateInit2_(&a, sh->wbits, ZLIB_VERSION, (int)sizeof(a));
	a.next_in = (Bytef *)in;
	a.avail_in = (uInt)len;
	*copy_ret = -100;
	for (i = -1; i < copy_at && on_a; i++) {
		uLong out0 = a.total_out;

		ra = step(z, &a, r, sh, cap, &sa);
		on_a = goes_on(ra, out0, &a);
	}
	*copy_ret = z->inflateCopy(&b, &a);
	if (*copy_ret != Z_OK) {
		z->inflateEnd(&a);
		return;
	}
	/* the copy has the output so far too */
	memcpy(c->out, r->out, a.total_out);
	on_b = on_a;
	while ((on_a || on_b) && r->n < MAX_CALLS && c->n < MAX_CALLS) {
		if (on_a) {
			uLong out0 = a.total_out;

			ra = step(z, &a, r, sh, cap, &sa);
			on_a = goes_on(ra, out0, &a);
		}
		if (on_b) {
			uLong out0 = b.total_out;

			rb = step(z, &b, c, sh, cap, &sb);
			on_b = goes_on(rb, out0, &b);
		}
	}
	z->inflateEnd(&a);
	z->inflateEnd(&b);
}

static struct run rc, rd;

static int copy_same(const uint8_t *in, size_t len, size_t cap, const struct shape *sh,
		     int copy_at)
{
	char why[400];
	int cs, cr;

	copy_run(&shim, in, len, cap, sh, copy_at, &ra, &rc, &cs);
	copy_run(&real, in, len, cap, sh, copy_at, &rb, &rd, &cr);
	if (cs != cr) {
		diag("wbits %d out %u copy after call %d: inflateCopy %d, zlib %d", sh->wbits,
		     sh->out_piece, copy_at, cs, cr);
		return 0;
	}
	if (cs != Z_OK)
		return 1;
	if (runs_differ(&ra, &rb, why, sizeof(why))) {
		diag("wbits %d out %u copy after call %d: original: %s", sh->wbits,
		     sh->out_piece, copy_at, why);
		return 0;
	}
	if (runs_differ(&rc, &rd, why, sizeof(why))) {
		diag("wbits %d out %u copy after call %d: copy: %s", sh->wbits, sh->out_piece,
		     copy_at, why);
		return 0;
	}
	return 1;
}

/* Returns the number of differing runs (the fault child's exit status). */
static int inflate_copies(const char *what)
{
	static const int wbits[] = { -15, 15, 31, 47 };
	static const uInt outs[] = { 16384, 100000 };
	static const int at[] = { -1, 0, 1, 5, 20, 70, 1000000 };
	size_t cap = (2u << 20) + 4096, len;
	uint8_t *comp = malloc(cap);
	unsigned int w, o, k;
	int bad = 0, runs = 0;

	for (w = 0; w < 4; w++) {
		len = make_stream(wbits[w] == 47 ? 31 : wbits[w], 1u << 20, 0, comp, cap);
		for (o = 0; o < 2; o++) {
			for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
				struct shape sh = { wbits[w], Z_NO_FLUSH, outs[o], 0, 0, 0 };

				bad += !copy_same(comp, len, (1u << 20) + 64, &sh, at[k]);
				runs++;
			}
		}
		/* Z_FINISH callers and Z_SYNC_FLUSH ones: the same rules */
		{
			struct shape sh = { wbits[w], Z_FINISH, 65536, 0, 0, 0 };

			bad += !copy_same(comp, len, (1u << 20) + 64, &sh, 3);
			sh.flush = Z_SYNC_FLUSH;
			sh.out_piece = 3000;
			bad += !copy_same(comp, len, (1u << 20) + 64, &sh, 50);
			runs += 2;
		}
	}
	/* a device stream that turns to Z_BLOCK (zlib's from then on), copied */
	len = make_stream(15, 1u << 20, 0, comp, cap);
	{
		struct shape sh = { 15, Z_NO_FLUSH, 16384, 0, 0, 0 };
		z_stream a = { 0 }, b = { 0 }, x = { 0 }, y = { 0 };
		uint8_t *oa = malloc(cap), *ob = malloc(cap);
		int i, r1, r2, r3, r4, same = 1;

		(void)sh;
		shim.inflateInit2_(&a, 15, ZLIB_VERSION, (int)sizeof(a));
		real.inflateInit2_(&x, 15, ZLIB_VERSION, (int)sizeof(x));
		a.next_in = x.next_in = comp;
		a.avail_in = x.avail_in = (uInt)len;
		for (i = 0; i < 200 && same; i++) {
			int fl = i < 3 ? Z_NO_FLUSH : Z_BLOCK;

			a.next_out = oa + a.total_out;
			x.next_out = ob + x.total_out;
			a.avail_out = x.avail_out = 5000;
			r1 = shim.inflate(&a, fl);
			r2 = real.inflate(&x, fl);
			same = r1 == r2 && a.total_out == x.total_out && a.adler == x.adler &&
			       (i < 3 || (a.data_type == x.data_type && a.total_in == x.total_in));
			if (i == 4) {
				r3 = shim.inflateCopy(&b, &a);
				r4 = real.inflateCopy(&y, &x);
				same = same && r3 == Z_OK && r4 == Z_OK;
			}
			if (i > 4 && same) {
				b.next_out = oa + b.total_out;
				y.next_out = ob + y.total_out;
				b.avail_out = y.avail_out = 7000;
				r1 = shim.inflate(&b, Z_BLOCK);
				r2 = real.inflate(&y, Z_BLOCK);
				same = r1 == r2 && b.total_out == y.total_out &&
				       b.data_type == y.data_type && b.total_in == y.total_in;
			}
			if (r2 == Z_STREAM_END)
				break;
		}
		if (!same)
			diag("Z_BLOCK after 3 device calls: call %d differs", i);
		bad += !same;
		runs++;
		shim.inflateEnd(&a);
		shim.inflateEnd(&b);
		real.inflateEnd(&x);
		real.inflateEnd(&y);
		free(oa);
		free(ob);
	}
	free(comp);
	if (!quiet)
		ok(!bad, "inflateCopy %s: before the first call, mid-stream, at and after the "
		   "end, raw/zlib/gzip/auto; original and copy go on alike, as zlib's "
		   "(%d runs, %d differ)", what, runs, bad);
	return bad;
}

/* The same with device errors: every 5th request of the child fails. */
static void test_copy_faults(const char *self)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		setenv("WD_SOFT_FAULT", "error=5", 1);
		execl(self, self, "--faults", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "inflateCopy and deflateCopy with a device failing every 5th request "
	   "(streams redone in zlib or in the library, copied before, during and "
	   "after that): as zlib's (child status %d)",
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* ------------------------------------------------------------------ */
/* deflateCopy                                                         */

/*
 * Deflate n corpus bytes in input pieces of 100,000 and output pieces of
 * 16 KiB, copying after call copy_at (-1: before the first; before: a
 * zlib-format dictionary first, which only zlib takes); the original and
 * the copy go on alike. Their outputs and codes must be the same (the
 * device's bytes are its own, not zlib's: doc/compression.md).
 */
struct dres {
	uint8_t *out[2];
	size_t len[2];
	int rets[2][64], nret[2], copy, end[2];
	uint64_t rethash[2];
};

static void deflate_copy_run(const struct zf *z, size_t n, int copy_at, int dict,
			     struct dres *d)
{
	z_stream s[2];
	int i, k, done[2] = { 0, 0 }, ret;
	uInt in_piece = 100000;

	memset(s, 0, sizeof(s));
	memset(d->rethash, 0, sizeof(d->rethash));
	d->nret[0] = d->nret[1] = 0;
	z->deflateInit2_(&s[0], 6, Z_DEFLATED, dict ? 15 : 31, 8, Z_DEFAULT_STRATEGY,
			 ZLIB_VERSION, (int)sizeof(s[0]));
	if (dict)
		z->deflateSetDictionary(&s[0], corpus + CORPUS - 5000, 5000);
	d->copy = -100;
	for (i = -1; ; i++) {
		for (k = 0; k < 2; k++) {
			z_stream *zs = &s[k];
			size_t at = zs->total_in;

			if (k == 1 && i <= copy_at)
				continue;
			if (done[k])
				continue;
			if (i == copy_at && k == 0) {
				/* the copy, before this call of the original */
				d->copy = z->deflateCopy(&s[1], &s[0]);
				if (d->copy != Z_OK)
					done[1] = 1;
			}
			if (!zs->avail_in) {
				zs->next_in = corpus + at;
				zs->avail_in = n - at < in_piece ? (uInt)(n - at) : in_piece;
			}
			zs->next_out = d->out[k] + zs->total_out;
			zs->avail_out = 16384;
			ret = z->deflate(zs, at + zs->avail_in == n ? Z_FINISH : Z_NO_FLUSH);
			d->rethash[k] = d->rethash[k] * 31 + (uint64_t)(ret + 10);
			if (ret == Z_STREAM_END || (ret != Z_OK && ret != Z_BUF_ERROR) ||
			    zs->total_out > (n + n / 4 + 4096))
				done[k] = 1;
			d->end[k] = ret;
		}
		if (done[0] && (done[1] || i < copy_at) && i >= copy_at)
			break;
		if (i > 100000)
			break;
	}
	/* copy after the end (copy_at past the last call) */
	if (d->copy == -100) {
		d->copy = z->deflateCopy(&s[1], &s[0]);
		if (d->copy == Z_OK) {
			memcpy(d->out[1], d->out[0], s[0].total_out);
			s[1].next_out = d->out[1] + s[1].total_out;
			s[1].avail_out = 100;
			d->end[1] = z->deflate(&s[1], Z_FINISH);
		}
	}
	d->len[0] = s[0].total_out;
	d->len[1] = d->copy == Z_OK ? s[1].total_out : 0;
	if (d->copy == Z_OK) {
		d->end[1] = d->end[1] * 16 + z->deflateEnd(&s[1]) + 8;
	}
	d->end[0] = d->end[0] * 16 + z->deflateEnd(&s[0]) + 8;
}

static int inflates_to_corpus(int wbits, const uint8_t *in, size_t len, size_t n,
			      uint8_t *back)
{
	int end;

	return td_z_inflate(wbits, in, len, back, n + 1, &end) == (long)n && end &&
	       !memcmp(back, corpus, n);
}

static int test_deflate_copies(void)
{
	static const int at[] = { -1, 0, 2, 9, 1000 };
	size_t n = 900001, cap = n + n / 4 + 8192;
	struct dres ds, dz;
	uint8_t *back = malloc(n + 1);
	unsigned int k, dict;
	int bad = 0, runs = 0;

	ds.out[0] = malloc(cap);
	ds.out[1] = malloc(cap);
	dz.out[0] = malloc(cap);
	dz.out[1] = malloc(cap);
	for (dict = 0; dict < 2; dict++) {
		for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
			int wb = dict ? 15 : 31, good;

			deflate_copy_run(&shim, n, at[k], (int)dict, &ds);
			deflate_copy_run(&real, n, at[k], (int)dict, &dz);
			good = ds.copy == dz.copy && ds.copy == Z_OK &&
			       ds.end[0] == dz.end[0] && ds.end[1] == dz.end[1] &&
			       ds.len[0] == ds.len[1] && !memcmp(ds.out[0], ds.out[1], ds.len[0]);
			/* with a dictionary the streams are zlib's: its very bytes */
			if (dict)
				good = good && ds.len[0] == dz.len[0] &&
				       !memcmp(ds.out[0], dz.out[0], dz.len[0]) &&
				       ds.rethash[0] == dz.rethash[0];
			else
				good = good && inflates_to_corpus(wb, ds.out[0], ds.len[0], n, back);
			if (!good)
				diag("deflateCopy after call %d%s: copy %d/%d, ends %d %d / %d %d, "
				     "lengths %zu %zu (zlib %zu %zu)", at[k],
				     dict ? " (zlib's stream)" : "", ds.copy, dz.copy, ds.end[0],
				     ds.end[1], dz.end[0], dz.end[1], ds.len[0], ds.len[1],
				     dz.len[0], dz.len[1]);
			bad += !good;
			runs++;
		}
	}
	if (!quiet)
		ok(!bad, "deflateCopy before the first call, mid-stream on the device, on a "
		   "zlib-served stream, after the end: original and copy give the same "
		   "bytes and codes, as zlib's copies (%d runs, %d differ)", runs, bad);
	free(ds.out[0]);
	free(ds.out[1]);
	free(dz.out[0]);
	free(dz.out[1]);
	free(back);
	return bad;
}

int main(int argc, char **argv)
{
	/* every stream that can be offloaded is (small ones too) */
	setenv("WD_ZLIB", "force", 1);
	load_real();
	corpus = td_corpus(CORPUS);
	run_alloc(&ra, CORPUS);
	run_alloc(&rb, CORPUS);
	run_alloc(&rc, CORPUS);
	run_alloc(&rd, CORPUS);
	if (argc > 1 && !strcmp(argv[1], "--faults")) {
		quiet = 1;
		return inflate_copies("with device faults") + test_deflate_copies() ? 1 : 0;
	}
	tap_plan(0);
	TIMED(inflate_copies("on the device"));
	TIMED(test_deflate_copies());
	TIMED(test_copy_faults(argv[0]));
	run_free(&ra);
	run_free(&rb);
	run_free(&rc);
	run_free(&rd);
	free(corpus);
	tap_done();
	return tap_exit();
}
