// SPDX-License-Identifier: MIT
/*
 * test_zlib_shim.c - libwdz.so.1 against the real zlib, in one process:
 * round trips in every format, level, strategy and window with random
 * pieces and flushes, big output windows, deflateBound, the caller's
 * allocators, threads, and the counters the streams leave.
 *
 * Linked with libwdz instead of libz (as if the shim were installed as
 * libz.so.1), so zlib calls here go to the shim; the real zlib is reached
 * with dlopen(SYSTEM_LIBZ) as the reference (zlib_shim_util.c). Every
 * check compares with what stock zlib does on the same input. The other
 * test_zlib_shim* programs test the rest of the shim.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "wd.h"
#include "wd_stats.h"
#include "tap.h"
#include "comp_data.h"
#include "zlib_shim_util.h"

/* Shim deflate with random in/out pieces and flushes. */
static long shim_deflate(int level, int wbits, int mem, int strategy,
			 const uint8_t *in, size_t len, uint8_t *out, size_t cap,
			 int flushes, uLong *adler)
{
	static const int fl[] = { Z_PARTIAL_FLUSH, Z_SYNC_FLUSH, Z_FULL_FLUSH, Z_BLOCK };
	z_stream zs = { 0 };
	int ret = Z_OK;

	if (deflateInit2(&zs, level, Z_DEFLATED, wbits, mem, strategy) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)in;
	zs.next_out = out;
	while (ret != Z_STREAM_END) {
		size_t ip = zs.total_in, op = zs.total_out;
		uInt ai = (uInt)(1 + td_rand() % 150000), ao = (uInt)(1 + td_rand() % 150000);
		int flush;

		zs.avail_in = len - ip < ai ? (uInt)(len - ip) : ai;
		zs.avail_out = cap - op < ao ? (uInt)(cap - op) : ao;
		flush = ip + zs.avail_in == len ? Z_FINISH :
			flushes && td_rand() % 5 == 0 ? fl[td_rand() % 4] : Z_NO_FLUSH;
		ret = deflate(&zs, flush);
		if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR)
			break;
		/* zlib: strm->adler is the check of all input read so far */
		if (wbits > 0 && zs.adler != (wbits > 15 ? crc32(0, in, (uInt)zs.total_in) :
					      adler32(1, in, (uInt)zs.total_in)))
			return -50;
		if (zs.total_out == cap)
			break;
	}
	*adler = zs.adler;
	deflateEnd(&zs);
	return ret == Z_STREAM_END ? (long)zs.total_out : -2 - ret;
}

static void test_roundtrips(void)
{
	static const int levels[] = { 1, 3, 6, 9 };
	static const int wbits[] = { -15, 15, 31, -9, 12, 25 };
	size_t len = 400000, cap = len * 2, got;
	uint8_t *out = malloc(cap), *back = malloc(len);
	int li, wi, s, bad = 0, n = 0;

	for (li = 0; li < 4; li++)
		for (wi = 0; wi < 6; wi++)
			for (s = 0; s < 5; s++) {
				uLong adler = 0, radler = 0;
				long c;
				int ret;

				if (s && (li != 2 || wi != 1))
					continue;
				/* memLevel 1..9 across the matrix */
				c = shim_deflate(levels[li], wbits[wi], 1 + (li * 6 + wi) % 9, s,
						 corpus, len, out, cap, wi & 1, &adler);
				ret = c > 0 ? inflate_all(0, wbits[wi], out, (size_t)c, back, len,
							  &got, NULL, &radler) : -100;
				n++;
				if (ret != Z_STREAM_END || got != len || memcmp(back, corpus, len) ||
				    (wbits[wi] > 0 && adler != radler)) {
					bad++;
					diag("level %d wbits %d strategy %d: c=%ld ret=%d adler %lx/%lx",
					     levels[li], wbits[wi], s, c, ret, adler, radler);
				}
			}
	ok(bad == 0, "shim deflate (memLevels, random pieces, flushes) read by zlib, adler/crc right after every call: %d/%d",
	   n - bad, n);

	/* zlib's streams through the shim's inflate, in random pieces */
	bad = n = 0;
	for (li = 0; li < 4; li++)
		for (wi = 0; wi < 6; wi++) {
			z_stream zs = { 0 }, d = { 0 };
			int ret = Z_OK;

			real.deflateInit2_(&zs, levels[li], Z_DEFLATED, wbits[wi], 8, 0,
					   ZLIB_VERSION, (int)sizeof(zs));
			zs.next_in = corpus;
			zs.avail_in = (uInt)len;
			zs.next_out = out;
			zs.avail_out = (uInt)cap;
			real.deflate(&zs, Z_FINISH);
			inflateInit2(&d, wbits[wi]);
			d.next_in = out;
			d.next_out = back;
			while (ret == Z_OK || ret == Z_BUF_ERROR) {
				uInt ai = (uInt)(td_rand() % 30000), ao = (uInt)(td_rand() % 90000);

				d.avail_in = zs.total_out - d.total_in < ai ?
					     (uInt)(zs.total_out - d.total_in) : ai;
				d.avail_out = len - d.total_out < ao ? (uInt)(len - d.total_out) : ao;
				ret = inflate(&d, Z_NO_FLUSH);
				if (ret == Z_BUF_ERROR && d.total_in == zs.total_out &&
				    d.total_out == len)
					break;
			}
			n++;
			if (ret != Z_STREAM_END || d.total_out != len || memcmp(back, corpus, len) ||
			    (wbits[wi] > 0 && d.adler != zs.adler)) {
				bad++;
				diag("inflate level %d wbits %d: ret %d out %lu", levels[li],
				     wbits[wi], ret, d.total_out);
			}
			inflateEnd(&d);
			real.deflateEnd(&zs);
		}
	ok(bad == 0, "zlib streams inflated by the shim in random pieces: %d/%d", n - bad, n);
	free(out);
	free(back);
}

/*
 * All input at once, output in fixed windows, stop at the first code that
 * is not Z_OK (as python's zlib.decompress does): output the device still
 * holds after the input is used up must come out, not a Z_BUF_ERROR.
 */
static void test_output_windows(void)
{
	static const unsigned int win[] = { 65536, 100000, 1000, 70000 };
	size_t len = CORPUS, cap = len + len / 8, k;
	uint8_t *z = malloc(cap), *back = malloc(len);
	uLongf zl = cap;
	int good = 0;

	compress2(z, &zl, corpus, len, 9);
	for (k = 0; k < 4; k++) {
		z_stream zs = { 0 };
		int ret;

		inflateInit(&zs);
		zs.next_in = z;
		zs.avail_in = (uInt)zl;
		zs.next_out = back;
		do {
			zs.avail_out = len - zs.total_out < win[k] ? (uInt)(len - zs.total_out) : win[k];
			ret = inflate(&zs, Z_NO_FLUSH);
		} while (ret == Z_OK);
		good += ret == Z_STREAM_END && zs.total_out == len && !memcmp(back, corpus, len);
		inflateEnd(&zs);
	}
	ok(good == 4, "whole input, output in fixed windows: every byte comes out (%d/4)", good);
	free(z);
	free(back);
}

/* deflateBound is a true bound: one Z_FINISH call always ends the stream. */
static void test_bound(void)
{
	size_t len = 1u << 20, i;
	uint8_t *rnd = malloc(len), *out;
	int wb[] = { -15, 15, 31 }, k, good = 0;

	for (i = 0; i < len; i++)
		rnd[i] = (uint8_t)td_rand();
	for (k = 0; k < 6; k++) {
		z_stream zs = { 0 };
		uLong b;

		deflateInit2(&zs, k < 3 ? 1 : 9, Z_DEFLATED, wb[k % 3], 8, 0);
		b = deflateBound(&zs, len);
		out = malloc(b);
		zs.next_in = rnd;
		zs.avail_in = (uInt)len;
		zs.next_out = out;
		zs.avail_out = (uInt)b;
		good += deflate(&zs, Z_FINISH) == Z_STREAM_END;
		deflateEnd(&zs);
		free(out);
	}
	ok(good == 6, "1 MiB of random bytes fits deflateBound() in one call (%d/6)", good);
	free(rnd);
}

static long alloc_balance, alloc_fail_after = -1;

static voidpf count_alloc(voidpf op, uInt n, uInt sz)
{
	(void)op;
	if (alloc_fail_after == 0)
		return NULL;
	if (alloc_fail_after > 0)
		alloc_fail_after--;
	alloc_balance++;
	return malloc((size_t)n * sz);
}

static void count_free(voidpf op, voidpf p)
{
	(void)op;
	alloc_balance--;
	free(p);
}

static void test_memory(void)
{
	z_stream zs = { .zalloc = count_alloc, .zfree = count_free };
	size_t len = 300000, cap = len + 1000;
	uint8_t *out = malloc(cap);

	alloc_fail_after = 0;
	ok(deflateInit(&zs, 6) == Z_MEM_ERROR, "deflateInit with a failing zalloc: Z_MEM_ERROR");
	memset(&zs, 0, sizeof(zs));
	zs.zalloc = count_alloc;
	zs.zfree = count_free;
	ok(inflateInit(&zs) == Z_MEM_ERROR, "inflateInit with a failing zalloc: Z_MEM_ERROR");
	alloc_fail_after = -1;
	memset(&zs, 0, sizeof(zs));
	zs.zalloc = count_alloc;
	zs.zfree = count_free;
	deflateInit(&zs, 6);
	zs.next_in = corpus;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	deflateEnd(&zs);
	ok(alloc_balance == 0 && zs.total_in == len, "every zalloc of a stream is zfree'd (balance %ld)",
	   alloc_balance);
	free(out);
}

static void *thread_roundtrips(void *arg)
{
	size_t len = 150000, cap = len * 2, got;
	uint8_t *out = malloc(cap), *back = malloc(len);
	long good = 0;
	int i;

	for (i = 0; i < 4; i++) {
		z_stream zs = { 0 };
		const uint8_t *src = corpus + ((size_t)arg * 7919 + (size_t)i * 100000) % (CORPUS - len);

		deflateInit2(&zs, 1 + i * 2, Z_DEFLATED, 15 + 16 * (i & 1), 8, 0);
		zs.next_in = (Bytef *)src;
		zs.avail_in = (uInt)len;
		zs.next_out = out;
		zs.avail_out = (uInt)cap;
		if (deflate(&zs, Z_FINISH) == Z_STREAM_END &&
		    inflate_all(1, 47, out, zs.total_out, back, len, &got, NULL, NULL) == Z_STREAM_END &&
		    got == len && !memcmp(back, src, len))
			good++;
		deflateEnd(&zs);
	}
	free(out);
	free(back);
	return (void *)good;
}

static void test_threads(void)
{
	pthread_t t[8];
	long total = 0;
	int i;

	for (i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, thread_roundtrips, (void *)(long)i);
	for (i = 0; i < 8; i++) {
		void *r;

		pthread_join(t[i], &r);
		total += (long)r;
	}
	ok(total == 32, "8 threads x 4 streams each, all round trips intact (%ld/32)", total);
}

static int stats_cb(const struct wd_stats_file *f, void *arg)
{
	uint64_t *c = arg;
	int i;

	if (f->pid != getpid())
		return 0;
	for (i = 0; i < WD_STATS_MAX_ALGS; i++) {
		if (f->algs[i].state != 2)
			continue;
		if (!strcmp(f->algs[i].name, "deflate")) {
			c[0] = f->algs[i].c[WD_ALG_OFFLOADED];
			c[1] = f->algs[i].c[WD_ALG_FALLBACK];
		} else if (!strcmp(f->algs[i].name, "inflate")) {
			c[2] = f->algs[i].c[WD_ALG_OFFLOADED];
		}
	}
	return 1;
}

static void test_counters(void)
{
	uint64_t c[3] = { 0 };

	wd_stats_scan(stats_cb, c);
	ok(c[0] > 10 && c[2] > 10 && c[1] > 0,
	   "counters readable from outside: deflate offloaded %llu, fallback %llu; inflate offloaded %llu",
	   (unsigned long long)c[0], (unsigned long long)c[1], (unsigned long long)c[2]);
}

int main(void)
{
	tap_plan(0);
	zs_begin();
	ok(!strcmp(zlibVersion(), "1.2.13") && zlibCompileFlags() != 0,
	   "zlibVersion() %s, zlibCompileFlags() %lx", zlibVersion(), zlibCompileFlags());
	test_roundtrips();
	test_output_windows();
	test_bound();
	test_memory();
	test_threads();
	test_counters();
	free(corpus);
	return tap_exit();
}
