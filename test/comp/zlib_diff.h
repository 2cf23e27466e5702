/* SPDX-License-Identifier: MIT */
/*
 * zlib_diff.h - a differential test engine of the whole zlib API: the
 * zlib shim (libwdz.so.1, its functions are the names zlib.h declares in
 * the program that includes this) against stock zlib, op by op.
 *
 * Shared by test/comp/test_zlib_diff.c (fixed and time seeds, TAP) and
 * fuzz/fuzz_zlib_diff.c (libFuzzer: the fuzzer's bytes are the choices).
 * Every choice comes from zd_pick(): a seeded xorshift, or the fuzzer's
 * bytes. A run is one scenario (inflate, deflate, compress, gz write,
 * gz read, inflateBack) doing the same random sequence of calls on the
 * shim and on stock zlib, comparing after each what a caller can observe:
 * return codes, output bytes of inflate, avail_*, total_*, adler,
 * data_type, msg presence, gz* results. Deflate output bytes may differ
 * (the device has its own deflate): there the shim's output must inflate
 * (stock zlib) to the input, codes and counters must agree whenever both
 * sides had room, the bytes must not depend on how the input was split
 * into calls, and deflateBound must bound them. The differences that are
 * by design (doc/compression.md, "Differences from stock zlib") are
 * allowed, each at exactly one place below (ZD_DOCUMENTED).
 *
 * The reference is loaded with dlmopen(LM_ID_NEWLM): its own link map,
 * so that its gz* and compress* call its own deflate/inflate, never the
 * shim's (a plain dlopen would resolve them to the shim, as the shim's
 * own dlopen of the same library does on purpose).
 *
 * A failure prints the seed (or the fuzz input's size), the scenario and
 * the trace of the calls: ZD_SEED=<seed> ZD_SCENARIO=<n> test_zlib_diff
 * replays it alone.
 */
#ifndef ZLIB_DIFF_H
#define ZLIB_DIFF_H

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include "wdz.h"	/* only to ask whether a shim stream is on the device */

/* Every function the engine calls, on both sides. */
#define ZD_FUNCS \
	X(deflateInit2_) X(deflateInit_) X(deflate) X(deflateEnd) X(deflateParams) \
	X(deflateSetDictionary) X(deflateGetDictionary) X(deflatePrime) \
	X(deflatePending) X(deflateBound) X(deflateCopy) X(deflateReset) \
	X(deflateResetKeep) X(deflateTune) X(deflateSetHeader) \
	X(inflateInit2_) X(inflateInit_) X(inflate) X(inflateEnd) X(inflateCopy) \
	X(inflateSync) X(inflateSyncPoint) X(inflateMark) X(inflateGetHeader) \
	X(inflateSetDictionary) X(inflateGetDictionary) X(inflateReset) \
	X(inflateReset2) X(inflateResetKeep) X(inflatePrime) X(inflateValidate) \
	X(inflateCodesUsed) X(inflateUndermine) \
	X(inflateBackInit_) X(inflateBack) X(inflateBackEnd) \
	X(compress) X(compress2) X(compressBound) X(uncompress) X(uncompress2) \
	X(gzdopen) X(gzbuffer) X(gzsetparams) X(gzread) X(gzfread) X(gzwrite) \
	X(gzfwrite) X(gzprintf) X(gzputs) X(gzgets) X(gzputc) X(gzgetc) \
	X(gzgetc_) X(gzungetc) X(gzflush) X(gzseek) X(gzrewind) X(gztell) \
	X(gzoffset) X(gzeof) X(gzdirect) X(gzclose) X(gzclose_r) X(gzclose_w) \
	X(gzerror) X(gzclearerr) X(adler32) X(crc32)

struct zd_lib {
#define X(name) __typeof__(&name) name;
	ZD_FUNCS
#undef X
};

/* The shim: the names as linked into this program. */
static const struct zd_lib zd_shim_lib = {
#define X(name) .name = name,
	ZD_FUNCS
#undef X
};

static struct zd_lib zd_ref_lib;

/* Stock zlib in a link map of its own; 0, or -1 with a message. */
static inline int zd_load_ref(void)
{
	void *h = dlmopen(LM_ID_NEWLM, SYSTEM_LIBZ, RTLD_NOW | RTLD_LOCAL);
	int missing = 0;

	if (!h) {
		fprintf(stderr, "zlib_diff: cannot load %s: %s\n", SYSTEM_LIBZ, dlerror());
		return -1;
	}
#define X(name) \
	*(void **)&zd_ref_lib.name = dlsym(h, #name); \
	missing += zd_ref_lib.name == NULL;
	ZD_FUNCS
#undef X
	if (missing || (void *)zd_ref_lib.deflate == (void *)deflate) {
		fprintf(stderr, "zlib_diff: %s lacks functions\n", SYSTEM_LIBZ);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* choices, trace, verdicts                                            */

/*
 * What a deviation is. ZD_NEW fails the test. ZD_H1/ZD_H2 are the two
 * classes of defect being fixed as this is written (the test reports them
 * as TODO, and an "ok # TODO" once they are fixed makes it fail, so the
 * marks are removed).
 */
enum zd_class {
	ZD_NEW,
	ZD_H1_COPY,	/* inflateCopy/deflateCopy of a device stream refused */
	ZD_H1_GZREAD,	/* gzread loses the end of a file */
	ZD_H2_SPLIT,	/* deflate output depends on the call split */
	ZD_H2_COMPRESS,	/* compress() bytes differ from a deflate stream's */
	ZD_H1_HELD,	/* inflate's counters around input it holds (H1's rework) */
	ZD_NR_CLASSES
};

static const char *const zd_class_name[ZD_NR_CLASSES] = {
	"new deviation",
	"H1: inflateCopy/deflateCopy of a device stream refused",
	"H1: gzread loses the end of a file",
	"H2: deflate output depends on the call split",
	"H2: compress() output differs from the deflate stream's",
	("H1: inflate input held back: total_in at Z_DATA_ERROR, adler of an auto-detected "
	 "gzip stream before its header is read"),
};

#define ZD_TRACE	(48u << 10)

struct zd_ctx {
	uint64_t seed, s;		/* xorshift state (seeded mode) */
	const uint8_t *fp;		/* fuzzer bytes (fuzz mode), or NULL */
	size_t fleft;
	int fuzz;
	const struct zd_lib *sh, *ref;
	char trace[ZD_TRACE];
	size_t tlen;
	int tcut;			/* the trace's head was dropped */
	int failed;			/* this run found a new deviation */
	char why[512];			/* the first one */
	unsigned known;			/* this run's known classes (bits) */
	char kwhy[ZD_NR_CLASSES][600];	/* each known class's first example */
	int kscen[ZD_NR_CLASSES];	/* its scenario (-1: none yet) */
	unsigned long long kseed[ZD_NR_CLASSES];
	unsigned long hits[ZD_NR_CLASSES];	/* runs that showed each class */
	unsigned long ops;
	int live;			/* print each call as it is done */
};

static inline void zd_start(struct zd_ctx *c, uint64_t seed)
{
	c->seed = seed;
	c->s = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
	if (!c->s)
		c->s = 1;
	c->tlen = 0;
	c->tcut = 0;
	c->trace[0] = 0;
	c->failed = 0;
	c->known = 0;
	c->why[0] = 0;
	c->sh = &zd_shim_lib;
	c->ref = &zd_ref_lib;
}

/* A choice in [0, n): n > 0. Fuzz mode: 0 once the input is used up. */
static inline uint32_t zd_pick(struct zd_ctx *c, uint32_t n)
{
	uint32_t v;

	if (n <= 1)
		return 0;
	if (c->fuzz) {
		v = 0;
		if (c->fleft) {
			v = *c->fp++;
			c->fleft--;
		}
		if (n > 256 && c->fleft >= 2) {
			v = v | (uint32_t)c->fp[0] << 8 | (uint32_t)c->fp[1] << 16;
			c->fp += 2;
			c->fleft -= 2;
		}
		return v % n;
	}
	c->s ^= c->s << 13;
	c->s ^= c->s >> 7;
	c->s ^= c->s << 17;
	return (uint32_t)((c->s >> 11) % n);
}

/* Fuzz mode: has the input run out (every loop ends then)? */
static inline int zd_dry(const struct zd_ctx *c)
{
	return c->fuzz && !c->fleft;
}

static inline __attribute__((format(printf, 2, 3)))
void zd_trace(struct zd_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	c->ops++;
	if (c->tlen > ZD_TRACE - 512) {	/* keep the last half */
		memmove(c->trace, c->trace + ZD_TRACE / 2, c->tlen - ZD_TRACE / 2);
		c->tlen -= ZD_TRACE / 2;
		c->tcut = 1;
	}
	va_start(ap, fmt);
	n = vsnprintf(c->trace + c->tlen, ZD_TRACE - c->tlen - 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->tlen += (size_t)n < ZD_TRACE - c->tlen - 2 ? (size_t)n : ZD_TRACE - c->tlen - 2;
	c->trace[c->tlen++] = '\n';
	c->trace[c->tlen] = 0;
	if (c->live)	/* ZD_LIVE=1: each call as it is done (a crash) */
		fprintf(stderr, "%.*s", (int)(c->tlen - (size_t)(n > 0 ? n : 0) - 1 < c->tlen ?
			n + 1 : 0), c->trace + c->tlen - (n > 0 ? n : 0) - 1);
}

/*
 * A deviation when cond is false (returns 1 then). A new one ends the run
 * (c->failed, the first one's class + 1); a known one is counted once per
 * run and the run goes on (the engine steps around it).
 */
static inline __attribute__((format(printf, 4, 5)))
int zd_bad(struct zd_ctx *c, int cond, enum zd_class k, const char *fmt, ...)
{
	char why[sizeof(c->why)];
	va_list ap;

	if (cond)
		return 0;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	zd_trace(c, "!! %s: %s", zd_class_name[k], why);
	if (k != ZD_NEW) {
		if (!(c->known & 1u << k)) {
			c->hits[k]++;
			if (!c->kwhy[k][0])
				snprintf(c->kwhy[k], sizeof(c->kwhy[k]), "seed %llu: %s",
					 (unsigned long long)c->seed, why);
		}
		c->known |= 1u << k;
		return 1;
	}
	if (!c->failed) {
		c->failed = 1;
		c->hits[k]++;
		memcpy(c->why, why, sizeof(why));
	}
	return 1;
}

/*
 * ZD_SKIP=i,j,... (to reduce a failure by hand): the i-th, j-th ... op of
 * a run's loop is replaced by a harmless query; the choices stay the same.
 */
static inline int zd_skip(int n)
{
	const char *e = getenv("ZD_SKIP");
	char *end;

	while (e && *e) {
		if (strtol(e, &end, 10) == n)
			return 1;
		e = *end ? end + 1 : end;
	}
	return 0;
}

#define ZD_CHECK(c, cond, ...)	zd_bad(c, cond, ZD_NEW, __VA_ARGS__)

/* Is the shim's stream served by the device (or redone after it)? */
static inline int zd_on_device(z_streamp strm)
{
	struct wdz_state *s = wdz_state(strm);

	return s && wdz_decided(s);
}

/* ------------------------------------------------------------------ */
/* data                                                                */

static const char *const zd_words[] = {
	"the ", "zlib ", "stream ", "deflate ", "inflate ", "queue ", "device ",
	"\n", "0123456789", "{ int x = 0; }\n", "aaaaaaaaaaaaaaaa", ", ", ". ",
};

/*
 * A random size: 0, 1, 2, small, medium, large (up to max). Fuzz input
 * used up: a few KiB, so that every loop that feeds the rest ends.
 */
static inline size_t zd_size(struct zd_ctx *c, size_t max)
{
	size_t n;

	if (zd_dry(c))
		return max < 4096 ? max : 4096;
	/* fuzzing: mostly small (a run costs what its data costs, and the
	 * sanitizers multiply it), sometimes past one chunk */
	if (c->fuzz && max > 20000 && zd_pick(c, 16))
		max = 20000;

	switch (zd_pick(c, 8)) {
	case 0: n = zd_pick(c, 3); break;
	case 1: case 2: n = zd_pick(c, 64); break;
	case 3: case 4: n = zd_pick(c, 4096); break;
	case 5: case 6: n = zd_pick(c, 70000); break;
	default: n = zd_pick(c, 300000); break;
	}
	return n > max ? max : n;
}

/* len bytes of text, noise, zeros or a mix (fuzz mode: the fuzzer's). */
static inline void zd_fill(struct zd_ctx *c, uint8_t *p, size_t len)
{
	int kind = (int)zd_pick(c, 5);
	size_t i = 0;

	while (i < len) {
		int k = kind == 4 ? (int)zd_pick(c, 4) : kind;
		size_t run = kind == 4 ? 1 + zd_pick(c, 5000) : len;

		for (; run && i < len; run--) {
			if (k == 0 || k == 3) {	/* text */
				const char *w = zd_words[zd_pick(c, sizeof(zd_words) / sizeof(*zd_words))];
				size_t n = strlen(w);

				if (n > len - i)
					n = len - i;
				memcpy(p + i, w, n);
				i += n;
				run = run > n ? run - n + 1 : 1;
			} else if (k == 1) {
				uint8_t v = (uint8_t)zd_pick(c, 256);

				p[i] = c->fuzz ? v : (uint8_t)(c->s >> (8 * (i & 7))) ^ v;
				i++;
			} else {
				p[i++] = 0;
			}
		}
	}
}

static inline uint8_t *zd_alloc(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "zlib_diff: out of memory\n");
		abort();
	}
	return p;
}

/* The check of data as the format keeps it (0: raw, none). */
static inline uLong zd_check_of(int format, const uint8_t *p, size_t n)
{
	if (format == 2)
		return zd_ref_lib.crc32(0, p, (uInt)n);
	if (format == 1)
		return zd_ref_lib.adler32(1, p, (uInt)n);
	return 1;
}

/* format of deflate's windowBits: 0 raw, 1 zlib, 2 gzip */
static inline int zd_format(int wbits)
{
	return wbits < 0 ? 0 : wbits > 15 ? 2 : 1;
}

/*
 * Stock zlib inflates z[0..zlen) (windowBits wbits, dict for Z_NEED_DICT
 * or raw priming) into exactly want[0..wlen); 0 if so, else what differs.
 */
static inline const char *zd_ref_inflates_to(int wbits, const uint8_t *z, size_t zlen,
					     const uint8_t *want, size_t wlen,
					     const uint8_t *dict, size_t dlen)
{
	z_stream zs;
	uint8_t *back = zd_alloc(wlen + 64);
	const char *why = NULL;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (zd_ref_lib.inflateInit2_(&zs, wbits == 8 ? 9 : wbits, ZLIB_VERSION,
				     (int)sizeof(zs)) != Z_OK) {
		free(back);
		return "inflateInit2 refused";
	}
	if (wbits < 0 && dlen)
		zd_ref_lib.inflateSetDictionary(&zs, dict, (uInt)dlen);
	zs.next_in = (Bytef *)z;
	zs.avail_in = (uInt)zlen;
	zs.next_out = back;
	zs.avail_out = (uInt)wlen + 64;
	ret = zd_ref_lib.inflate(&zs, Z_FINISH);
	if (ret == Z_NEED_DICT && dlen) {
		zd_ref_lib.inflateSetDictionary(&zs, dict, (uInt)dlen);
		ret = zd_ref_lib.inflate(&zs, Z_FINISH);
	}
	if (ret != Z_STREAM_END)
		why = "does not end";
	else if (zs.total_in != zlen)
		why = "ends before its last byte";
	else if (zs.total_out != wlen || (wlen && memcmp(back, want, wlen)))
		why = "gives other bytes";
	zd_ref_lib.inflateEnd(&zs);
	free(back);
	return why;
}

#include "zlib_diff_inflate.h"
#include "zlib_diff_deflate.h"
#include "zlib_diff_files.h"

#endif /* ZLIB_DIFF_H */
