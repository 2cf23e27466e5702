// SPDX-License-Identifier: MIT
/*
 * test_shim_determinism.c - the zlib shim's deflate output depends on the
 * data, the parameters and the flush points only (DESIGN.md, invariant 4;
 * doc/compression.md, "What the output depends on").
 *
 * Linked with libwdz in place of libz (as test_zlib_shim), so deflate()
 * here is the shim's; stock zlib (dlopen(SYSTEM_LIBZ)) inflates every
 * stream back to its input. For each setting (level -1, 0..9; default,
 * filtered, huffman-only, RLE and fixed strategies; raw, zlib and gzip
 * wrappers; windowBits 9..15; memLevel 1..9) and each input size (0 to
 * 3 MiB, around the inline size and the chunk sizes), the same stream is
 * made with its input in one call, in 1-byte pieces and in random pieces,
 * and its output through one big buffer, 1-byte windows, growing and
 * random windows: every way must give the same bytes. So must compress()
 * and compress2() (zlib's own code, whose deflate calls come back to the
 * shim) against a stream; explicit flushes of every kind at fixed
 * offsets; deflateParams() and deflatePrime() mid-stream; a raw
 * dictionary or deflatePrime() before the data; a sync flush whose output
 * just fits, then more input; and, in children (the
 * knobs are read once), WD_ZLIB=force, other numbers of lanes and
 * engines, and a device that fails, vanishes or is missing, against this
 * process's default mode.
 *
 * The defect this guards against (issue 16): the shim sent a stream whose
 * first call was a flush with less than 16 KiB in it to zlib, and any
 * other stream to the device, so zlib.compress(d, 1) and a compressobj
 * fed the same 9,000 bytes gave different bytes.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <zlib.h>
#include "tap.h"
#include "comp_data.h"

#define CORPUS		((3u << 20) + 4099)
#define MAX_EVENTS	8

static struct {
	int (*inflateInit2_)(z_streamp, int, const char *, int);
	int (*inflate)(z_streamp, int);
	int (*inflateEnd)(z_streamp);
	int (*inflateSetDictionary)(z_streamp, const Bytef *, uInt);
} real;

static uint8_t *corpus, *out_ref, *out_try, *plain;
static int only_ref;		/* a child: the one-call streams only */
static size_t out_cap;

enum ev_kind { EV_FLUSH, EV_PARAMS, EV_PRIME };

struct event {
	size_t at;		/* input offset */
	enum ev_kind kind;
	int a, b;		/* flush; level, strategy; bits, value */
};

/* One stream: its setting, and what is done at which input offset. */
struct job {
	int level, wbits, mem, strategy;
	size_t len;
	unsigned int dict_len;	/* raw dictionary before the data */
	int prime_bits;		/* deflatePrime() before the data */
	struct event ev[MAX_EVENTS];
	int nr_ev;
};

enum { IN_ONE, IN_BYTE, IN_RAND, NR_IN };
enum { OUT_BIG, OUT_ONE, OUT_GROW, OUT_RAND, NR_OUT };

static void load_real(void)
{
	void *h = dlopen(SYSTEM_LIBZ, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		tap_bail("no real zlib (SYSTEM_LIBZ)");
	*(void **)&real.inflateInit2_ = dlsym(h, "inflateInit2_");
	*(void **)&real.inflate = dlsym(h, "inflate");
	*(void **)&real.inflateEnd = dlsym(h, "inflateEnd");
	*(void **)&real.inflateSetDictionary = dlsym(h, "inflateSetDictionary");
}

/* A feeder: the input and output windows of one way of calling deflate. */
struct feed {
	z_stream zs;
	int in_mode, out_mode;
	uint8_t *out;
	size_t cap, grow;
	uint32_t trace;		/* return codes of the calls between data */
};

static void feed_out(struct feed *f)
{
	size_t left = f->cap - f->zs.total_out, n = left;

	switch (f->out_mode) {
	case OUT_ONE:
		n = 1;
		break;
	case OUT_GROW:
		n = f->grow;
		f->grow += f->grow / 2 + 1;
		break;
	case OUT_RAND:
		n = 1 + td_rand() % (td_rand() % 4 ? 64 : 70000);
		break;
	}
	f->zs.next_out = f->out + f->zs.total_out;
	f->zs.avail_out = (uInt)(n < left ? n : left);
}

/* Call deflate(flush) until zlib's rule says the call is complete. */
static int feed_call(struct feed *f, int flush)
{
	int ret;

	do {
		if (f->zs.total_out >= f->cap)
			return Z_MEM_ERROR;	/* would loop: out of room */
		feed_out(f);
		ret = deflate(&f->zs, flush);
	} while (ret == Z_OK && (f->zs.avail_in || f->zs.avail_out == 0 ||
				 flush == Z_FINISH));
	return ret;
}

/* Input [from, to) with NO_FLUSH, in the pieces of the mode. */
static int feed_data(struct feed *f, const uint8_t *in, size_t from, size_t to)
{
	while (from < to) {
		size_t n = to - from;
		int ret;

		if (f->in_mode == IN_BYTE)
			n = 1;
		else if (f->in_mode == IN_RAND)
			n = 1 + td_rand() % (td_rand() % 3 ? 3000 : 300000);
		if (n > to - from)
			n = to - from;
		f->zs.next_in = (Bytef *)in + from;
		f->zs.avail_in = (uInt)n;
		ret = feed_call(f, Z_NO_FLUSH);
		if (ret != Z_OK && ret != Z_BUF_ERROR)
			return ret;
		from += n;
	}
	return Z_OK;
}

static void feed_event(struct feed *f, const struct event *e)
{
	int ret;

	switch (e->kind) {
	case EV_FLUSH:
		ret = feed_call(f, e->a);
		break;
	case EV_PARAMS:
		/* Z_BUF_ERROR: the flush it makes did not fit; call again */
		do {
			feed_out(f);
			ret = deflateParams(&f->zs, e->a, e->b);
		} while (ret == Z_BUF_ERROR && f->zs.total_out < f->cap);
		break;
	default:
		ret = deflatePrime(&f->zs, e->a, e->b);
		break;
	}
	f->trace = f->trace * 31 + (uint32_t)(ret + 10);
}

/*
 * Make job's stream one way; its length (out_cap + 1 for a wrong return
 * code, an unfinished stream or a failed setup), *trace the return codes.
 */
static size_t make(const struct job *j, const uint8_t *in, int in_mode,
		   int out_mode, uint8_t *out, uint32_t *trace)
{
	struct feed f = { .in_mode = in_mode, .out_mode = out_mode, .out = out,
			  .cap = out_cap, .grow = 1 };
	size_t pos = 0;
	int i, ret;

	if (deflateInit2(&f.zs, j->level, Z_DEFLATED, j->wbits, j->mem, j->strategy) != Z_OK)
		return out_cap + 1;
	if (j->dict_len && deflateSetDictionary(&f.zs, in, j->dict_len) != Z_OK)
		goto bad;
	if (j->prime_bits && deflatePrime(&f.zs, j->prime_bits, 0x5a) != Z_OK)
		goto bad;
	in += j->dict_len;
	for (i = 0; i < j->nr_ev; i++) {
		const struct event *e = &j->ev[i];

		if (in_mode == IN_ONE && e->kind == EV_FLUSH) {
			/* the data and the flush in one call */
			f.zs.next_in = (Bytef *)in + pos;
			f.zs.avail_in = (uInt)(e->at - pos);
		} else if (feed_data(&f, in, pos, e->at) != Z_OK) {
			goto bad;
		}
		pos = e->at;
		feed_event(&f, e);
	}
	if (in_mode == IN_ONE) {
		f.zs.next_in = (Bytef *)in + pos;
		f.zs.avail_in = (uInt)(j->len - pos);
	} else if (feed_data(&f, in, pos, j->len) != Z_OK) {
		goto bad;
	}
	ret = feed_call(&f, Z_FINISH);
	*trace = f.trace;
	if (ret != Z_STREAM_END || f.zs.avail_in)
		goto bad;
	ret = deflateEnd(&f.zs) == Z_OK;
	return ret ? f.zs.total_out : out_cap + 1;
bad:
	deflateEnd(&f.zs);
	return out_cap + 1;
}

/* Does stock zlib inflate out[0..n) to job's input? */
static int inflates_back(const struct job *j, const uint8_t *in, const uint8_t *out,
			 size_t n)
{
	z_stream zs = { 0 };
	int ret, good;

	if (j->prime_bits)
		return 1;	/* primed bits are not deflate data to inflate */
	if (real.inflateInit2_(&zs, j->wbits, ZLIB_VERSION, (int)sizeof(zs)) != Z_OK)
		return 0;
	if (j->dict_len)
		real.inflateSetDictionary(&zs, in, j->dict_len);
	zs.next_in = (Bytef *)out;
	zs.avail_in = (uInt)n;
	zs.next_out = plain;
	zs.avail_out = CORPUS;
	ret = real.inflate(&zs, Z_FINISH);
	good = ret == Z_STREAM_END && zs.avail_in == 0 && zs.total_out == j->len &&
	       !memcmp(plain, in + j->dict_len, j->len);
	real.inflateEnd(&zs);
	return good;
}

static const char *const in_name[NR_IN] = { "one call", "1-byte pieces", "random pieces" };
static const char *const out_name[NR_OUT] = { "one buffer", "1-byte windows", "growing windows",
					      "random windows" };

static char *job_name(const struct job *j, char *buf, size_t sz)
{
	snprintf(buf, sz, "%zu bytes, level %d, wbits %d, memLevel %d, strategy %d%s%s, %d events",
		 j->len, j->level, j->wbits, j->mem, j->strategy,
		 j->dict_len ? ", raw dictionary" : "", j->prime_bits ? ", primed" : "",
		 j->nr_ev);
	return buf;
}

/*
 * Every way of feeding job (those the mask allows) against the one-call,
 * one-buffer stream; 0 when all agree and inflate back. The reference
 * stays in out_ref (its length in *ref_len) for the caller.
 */
static int check_job(const struct job *j, unsigned int in_mask, unsigned int out_mask,
		     size_t *ref_len, uint64_t *hash)
{
	uint32_t t0 = 0, t;
	size_t n0, n;
	int im, om, bad = 0;
	char name[160];

	if (only_ref)
		in_mask = out_mask = 0;
	n0 = make(j, corpus, IN_ONE, OUT_BIG, out_ref, &t0);
	if (n0 > out_cap || !inflates_back(j, corpus, out_ref, n0)) {
		diag("%s: the reference stream is broken (%zu)", job_name(j, name, sizeof(name)), n0);
		return 1;
	}
	for (im = 0; im < NR_IN; im++) {
		for (om = 0; om < NR_OUT; om++) {
			if ((im == IN_ONE && om == OUT_BIG) || !(in_mask & (1u << im)) ||
			    !(out_mask & (1u << om)))
				continue;
			t = 0;
			n = make(j, corpus, im, om, out_try, &t);
			if (n != n0 || t != t0 || memcmp(out_try, out_ref, n)) {
				if (bad++ < 3)
					diag("%s: %s, %s: %zu bytes, one call: %zu%s",
					     job_name(j, name, sizeof(name)), in_name[im],
					     out_name[om], n, n0, t != t0 ? " (return codes differ)" : "");
			}
		}
	}
	if (ref_len)
		*ref_len = n0;
	if (hash) {
		for (n = 0; n < n0; n++)
			*hash = (*hash ^ out_ref[n]) * 0x100000001b3ull;
		*hash = (*hash ^ n0) * 0x100000001b3ull;
	}
	return bad;
}

static const size_t small_sizes[] = { 0, 1, 100, 8191, 8192, 9000, 16383, 16384, 16385, 40000 };
#define NR_SMALL (sizeof(small_sizes) / sizeof(small_sizes[0]))

static struct job plain_job(int level, int wbits, int mem, int strategy, size_t len)
{
	struct job j = { .level = level, .wbits = wbits, .mem = mem, .strategy = strategy,
			 .len = len };

	return j;
}

/* Levels x wrappers x the small sizes, every way of feeding. */
static void test_levels(void)
{
	static const int wbits[] = { 15, -15, 31 };
	int level, w, bad = 0, streams = 0;
	size_t i;

	for (level = -1; level <= 9; level++)
		for (w = 0; w < 3; w++)
			for (i = 0; i < NR_SMALL; i++) {
				struct job j = plain_job(level, wbits[w], 8, Z_DEFAULT_STRATEGY,
							 small_sizes[i]);
				unsigned int in = small_sizes[i] > 20000 && level > 1 ?
						  ~(1u << IN_BYTE) : ~0u;

				bad += !!check_job(&j, in, ~0u, NULL, NULL);
				streams++;
			}
	ok(bad == 0, "levels -1..9, raw/zlib/gzip, 0..40000 bytes: %d of %d streams the same "
	   "however fed", streams - bad, streams);
}

/* Strategies, windows and memLevels on a few sizes around the inline size. */
static void test_settings(void)
{
	static const size_t sizes[] = { 0, 100, 9000, 16385, 70000 };
	int bad = 0, streams = 0, s, k;
	size_t i;

	for (s = Z_DEFAULT_STRATEGY; s <= Z_FIXED; s++)
		for (k = 0; k < 4; k++)
			for (i = 0; i < 5; i++) {
				static const int lv[] = { 1, 6, 9, 0 }, wb[] = { 15, -15, 31, 15 };
				struct job j = plain_job(lv[k], wb[k], 8, s, sizes[i]);

				bad += !!check_job(&j, ~(1u << IN_BYTE), ~(1u << OUT_ONE),
						   NULL, NULL);
				streams++;
			}
	ok(bad == 0, "strategies default/filtered/huffman/RLE/fixed: %d of %d streams the same",
	   streams - bad, streams);
	bad = streams = 0;
	for (k = 9; k <= 15; k++)
		for (i = 0; i < 5; i++) {
			int w = k == 9 ? -9 : k == 10 ? 26 : k;
			struct job j = plain_job(k == 12 ? 1 : 6, w, 1 + (k + (int)i) % 9,
						 Z_DEFAULT_STRATEGY, sizes[i]);

			bad += !!check_job(&j, ~(1u << IN_BYTE), ~(1u << OUT_ONE), NULL, NULL);
			streams++;
		}
	ok(bad == 0, "windowBits 9..15, memLevel 1..9: %d of %d streams the same",
	   streams - bad, streams);
}

/*
 * Around the chunk sizes (256 KiB at level 1, 512 KiB), up to 3 MiB; the
 * costly ways (1-byte pieces, 1-byte windows: a call per byte) on the
 * smaller ones and once at level 1 on 1.3 MiB.
 */
static void test_large(uint64_t *hash)
{
	static const size_t sizes[] = { (256u << 10) - 1, 256u << 10, (256u << 10) + 1,
					(512u << 10) - 1, 512u << 10, (512u << 10) + 1,
					(1300u << 10) + 77, CORPUS };
	static const int levels[] = { 1, 6, 9, 0, 2 };
	const unsigned int cheap_in = (1u << IN_ONE) | (1u << IN_RAND);
	const unsigned int cheap_out = (1u << OUT_BIG) | (1u << OUT_GROW) | (1u << OUT_RAND);
	int bad = 0, streams = 0, l;
	size_t i;

	for (l = 0; l < 5; l++)
		for (i = 0; i < 8; i++) {
			struct job j = plain_job(levels[l], l == 2 ? 31 : l == 3 ? -15 : 15, 8,
						 Z_DEFAULT_STRATEGY, sizes[i]);
			int all = levels[l] == 1 && i < 3;

			if (sizes[i] > (1u << 20) && l >= 2)
				continue;
			bad += !!check_job(&j, all ? ~0u : cheap_in, all ? ~0u : cheap_out,
					   NULL, hash);
			streams++;
			if (levels[l] == 1 && i == 6) {
				bad += !!check_job(&j, 1u << IN_BYTE, 1u << OUT_BIG, NULL, NULL);
				bad += !!check_job(&j, 1u << IN_ONE, 1u << OUT_ONE, NULL, NULL);
			}
		}
	ok(bad == 0, "256 KiB +-1, 512 KiB +-1, 1.3 and 3 MiB at levels 0, 1, 2, 6, 9: "
	   "%d of %d streams the same however fed", streams - bad, streams);
}

/* Flushes of every kind, deflateParams and deflatePrime mid-stream. */
static void test_events(uint64_t *hash)
{
	static const int kinds[] = { Z_SYNC_FLUSH, Z_FULL_FLUSH, Z_PARTIAL_FLUSH, Z_BLOCK };
	int bad = 0, streams = 0, round;
	uint64_t pick = 12345;

	for (round = 0; round < 12; round++) {
		int level = round % 4 == 0 ? 1 : round % 4 == 1 ? 6 : round % 4 == 2 ? 0 : 9;
		size_t len = round < 6 ? (700u << 10) + 3 : 30000;
		struct job j = plain_job(level, round % 3 == 0 ? -15 : round % 3 == 1 ? 15 : 31,
					 8, Z_DEFAULT_STRATEGY, len);
		size_t at = 0;
		int k;

		for (k = 0; k < 6; k++) {
			/* repeated offsets too: a flush right after a flush; the
			 * offsets of their own generator, the same in children */
			pick = pick * 6364136223846793005ull + 1442695040888963407ull;
			at += k == 3 ? 0 : (size_t)(pick >> 33) % (len / 5);
			if (at > len)
				at = len;
			j.ev[k].at = at;
			j.ev[k].kind = EV_FLUSH;
			j.ev[k].a = kinds[(round + k) % 4];
		}
		/* mid-stream: new parameters, and a prime (the device has none) */
		j.ev[4].kind = EV_PARAMS;
		j.ev[4].a = (level + 3) % 10;
		j.ev[4].b = round % 5 == 4 ? Z_FILTERED : Z_DEFAULT_STRATEGY;
		if (round % 2) {
			j.ev[5].kind = EV_PRIME;
			j.ev[5].a = 5;
			j.ev[5].b = 0x11;
		}
		j.nr_ev = 6;
		bad += !!check_job(&j, len > 100000 ? ~(1u << IN_BYTE) : ~0u,
				   len > 100000 ? ~(1u << OUT_ONE) : ~0u, NULL, hash);
		streams++;
	}
	ok(bad == 0, "sync/full/partial/block flushes, deflateParams and deflatePrime "
	   "mid-stream: %d of %d streams the same however fed", streams - bad, streams);
}

/* What is set before the data: a raw dictionary (device), a prime (zlib). */
static void test_before_data(void)
{
	int bad = 0, streams = 0, level;

	for (level = 1; level <= 9; level += 4) {
		static const size_t sizes[] = { 5000, 20000, 600000 };
		size_t i;

		for (i = 0; i < 3; i++) {
			struct job j = plain_job(level, -15, 8, Z_DEFAULT_STRATEGY, sizes[i]);
			struct job p = plain_job(level, 15, 8, Z_DEFAULT_STRATEGY, sizes[i]);

			j.dict_len = 32768;
			p.prime_bits = 7;
			bad += !!check_job(&j, ~(1u << IN_BYTE), ~(1u << OUT_ONE), NULL, NULL);
			bad += !!check_job(&p, ~(1u << IN_BYTE), ~(1u << OUT_ONE), NULL, NULL);
			streams += 2;
		}
	}
	ok(bad == 0, "a raw dictionary or deflatePrime() before the data: %d of %d streams "
	   "the same however fed", streams - bad, streams);
}

/* compress() and compress2() against a stream of the same setting. */
static void test_compress(void)
{
	static const size_t sizes[] = { 0, 1, 100, 8191, 8192, 9000, 12000, 16383, 16384,
					16385, 100000, (256u << 10) + 1, (600u << 10) };
	int bad = 0, calls = 0, level;
	size_t i;

	for (level = -1; level <= 9; level++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			struct job j = plain_job(level, 15, 8, Z_DEFAULT_STRATEGY, sizes[i]);
			uLongf n = (uLongf)compressBound(sizes[i]);
			size_t ref = 0;
			int ret;

			if (sizes[i] > 100000 && level != 1 && level != 6)
				continue;
			if (check_job(&j, 1u << IN_RAND, 1u << OUT_RAND, &ref, NULL)) {
				bad++;
				continue;
			}
			ret = level == -1 ? compress(out_try, &n, corpus, sizes[i]) :
			      compress2(out_try, &n, corpus, sizes[i], level);
			calls++;
			if (ret != Z_OK || n != ref || memcmp(out_try, out_ref, n)) {
				if (bad++ < 3)
					diag("%s(%zu bytes, level %d): %d, %lu bytes; the stream: %zu",
					     level == -1 ? "compress" : "compress2", sizes[i], level,
					     ret, (unsigned long)n, ref);
			}
		}
	ok(bad == 0, "compress()/compress2() give a stream's bytes: %d of %d calls",
	   calls - bad, calls);
}

/*
 * data1, a sync flush, data2, a sync flush, the end; the first flush into
 * exactly the room its output needs (exact = 1) or plenty. zlib's flush is
 * complete when it returns with the output just fitting: the caller may go
 * on with new input instead of calling again. Its length, or 0.
 */
static size_t exact_fill_stream(int level, size_t len1, size_t len2, size_t room1,
				uint8_t *out, size_t *flush_end)
{
	z_stream zs = { 0 };
	int ret;

	if (deflateInit(&zs, level) != Z_OK)
		return 0;
	zs.next_in = corpus;
	zs.avail_in = (uInt)len1;
	zs.next_out = out;
	zs.avail_out = (uInt)(room1 ? room1 : out_cap);
	ret = deflate(&zs, Z_SYNC_FLUSH);
	*flush_end = zs.total_out;
	if (ret != Z_OK || zs.avail_in)
		goto bad;
	zs.avail_in = (uInt)len2;
	zs.next_out = out + zs.total_out;
	zs.avail_out = (uInt)(out_cap - zs.total_out);
	if (deflate(&zs, Z_NO_FLUSH) != Z_OK || deflate(&zs, Z_SYNC_FLUSH) != Z_OK ||
	    deflate(&zs, Z_FINISH) != Z_STREAM_END)
		goto bad;
	deflateEnd(&zs);
	return zs.total_out;
bad:
	deflateEnd(&zs);
	return 0;
}

static void test_exact_fill(void)
{
	static const size_t lens[] = { 3000, 30000, 600000 };
	int bad = 0, streams = 0, level;
	size_t i;

	for (level = 1; level <= 9; level += 5)
		for (i = 0; i < 3; i++) {
			struct job j = plain_job(level, 15, 8, Z_DEFAULT_STRATEGY,
						 lens[i] + 20000);
			size_t end1, end2, n1, n2;

			n1 = exact_fill_stream(level, lens[i], 20000, 0, out_ref, &end1);
			n2 = exact_fill_stream(level, lens[i], 20000, end1, out_try, &end2);
			streams++;
			if (!n1 || n2 != n1 || end2 != end1 || memcmp(out_ref, out_try, n1) ||
			    !inflates_back(&j, corpus, out_try, n2)) {
				bad++;
				diag("level %d, %zu + 20000 bytes: %zu bytes (first flush to %zu), "
				     "with plenty of room %zu (%zu)", level, lens[i], n2, end2,
				     n1, end1);
			}
		}
	ok(bad == 0, "a sync flush that just fits, then more input: %d of %d streams as "
	   "with room to spare", streams - bad, streams);
}

/*
 * Noise, which no coder shrinks: compress2() into compressBound() must
 * give the stream's bytes, which must fit there (stored blocks of up to
 * 64 KiB where a chunk would grow: comp_par.c). Before, a 64 KiB chunk of
 * noise came out 5 bytes over its share of the bound, and compress2()
 * redid the call in zlib, with zlib's bytes.
 */
static void test_noise(uint64_t *hash)
{
	static const size_t sizes[] = { 1, 16385, 65535, 65536, 65537, 65708, 131073,
					(600u << 10) + 3 };
	static const int levels[] = { 0, 1, 6, 9 };
	uint8_t *keep = corpus, *noise = malloc(CORPUS);
	int bad = 0, calls = 0, l;
	size_t i;

	if (!noise)
		tap_bail("no memory");
	for (i = 0; i < CORPUS; i++)
		noise[i] = (uint8_t)td_rand();
	corpus = noise;
	for (l = 0; l < 4; l++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			struct job j = plain_job(levels[l], 15, 8, Z_DEFAULT_STRATEGY, sizes[i]);
			uLongf n = (uLongf)compressBound(sizes[i]);
			size_t ref = 0;
			int ret;

			calls++;
			if (check_job(&j, 1u << IN_RAND, 1u << OUT_RAND, &ref, hash)) {
				bad++;
				continue;
			}
			ret = compress2(out_try, &n, corpus, sizes[i], levels[l]);
			if (ret != Z_OK || n != ref || memcmp(out_try, out_ref, n)) {
				if (bad++ < 3)
					diag("noise, compress2(%zu bytes, level %d): %d, %lu bytes; "
					     "the stream: %zu (bound %lu)", sizes[i], levels[l], ret,
					     (unsigned long)n, ref, compressBound(sizes[i]));
			}
		}
	corpus = keep;
	free(noise);
	ok(bad == 0, "noise: compress2() into compressBound() gives the stream's bytes: "
	   "%d of %d", calls - bad, calls);
}

static void run_large_events(uint64_t *h)
{
	test_large(h);
	test_events(h);
}

/*
 * The large and flushed streams in a child with other knobs (read once
 * per process, at the first zlib call): the hash of their bytes, 0 when
 * the child failed.
 */
static uint64_t child_hash(const char *const env[], void (*run)(uint64_t *))
{
	int fd[2], st = 0, i;
	uint64_t got = 0;
	pid_t pid;

	if (pipe(fd))
		tap_bail("pipe");
	pid = fork();
	if (pid == 0) {
		uint64_t h = 0xcbf29ce484222325ull;

		close(fd[0]);
		only_ref = 1;
		for (i = 0; env[i]; i += 2)
			setenv(env[i], env[i + 1], 1);
		/* the child's TAP lines go nowhere: the hash and status count */
		if (!freopen("/dev/null", "w", stdout))
			_exit(2);
		run(&h);
		_exit(write(fd[1], &h, sizeof(h)) == sizeof(h) && !tap_failed ? 0 : 1);
	}
	close(fd[1]);
	if (read(fd[0], &got, sizeof(got)) != sizeof(got))
		got = 0;
	close(fd[0]);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		diag("child with %s=%s: status %d", env[0], env[1], st);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? got : 0;
}

int main(void)
{
	static const char *const force[] = { "WD_ZLIB", "force", NULL };
	static const char *const lanes[] = { "WD_ZLIB_PARALLEL", "5", "WD_SOFT_ENGINES", "3",
					     NULL };
	static const char *const one[] = { "WD_SOFT_ENGINES", "1", NULL };
	size_t cap = compressBound(CORPUS) * 2 + (1u << 20);
	static const char *const small_chunks[] = { "WD_ZLIB_CHUNK", "64k", NULL };
	static const char *const faults[][3] = {
		{ "WD_SOFT_FAULT", "error=3", NULL },	/* every 3rd request fails */
		{ "WD_SOFT_FAULT", "vanish=4", NULL },	/* the device goes away */
		{ "WD_SOFT_FAULT", "missing", NULL },	/* no device at all */
	};
	uint64_t h = 0xcbf29ce484222325ull, hf, hl, h1, hc, hx[3];
	int i;

	tap_plan(0);
	load_real();
	corpus = td_corpus(CORPUS);
	out_ref = malloc(cap);
	out_try = malloc(cap);
	plain = malloc(CORPUS);
	if (!corpus || !out_ref || !out_try || !plain)
		tap_bail("no memory");
	out_cap = cap;
	/* children first, while this process has read no knob */
	hf = child_hash(force, run_large_events);
	hl = child_hash(lanes, run_large_events);
	h1 = child_hash(one, run_large_events);
	hc = child_hash(small_chunks, test_noise);
	for (i = 0; i < 3; i++)
		hx[i] = child_hash(faults[i], run_large_events);
	test_levels();
	test_settings();
	test_compress();
	test_before_data();
	test_exact_fill();
	test_noise(NULL);
	test_large(&h);
	test_events(&h);
	ok(hf == h, "WD_ZLIB=force: the same bytes as the default mode (auto)");
	ok(hl == h, "5 lanes over 3 engines: the same bytes as the default lanes and engines");
	ok(h1 == h, "one engine: the same bytes as the default engines");
	ok(hc != 0, "64 KiB chunks: noise through compress2() gives the stream's bytes too");
	for (i = 0; i < 3; i++)
		ok(hx[i] == h, "WD_SOFT_FAULT=%s: the chunks the device did not code are coded "
		   "as it would (the same bytes)", faults[i][1]);
	free(corpus);
	free(out_ref);
	free(out_try);
	free(plain);
	tap_done();
	return tap_exit();
}
