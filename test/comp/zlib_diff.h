/* SPDX-License-Identifier: MIT */
/*
 * zlib_diff.h - the declarations of a differential test engine of the whole zlib API: the
 * zlib shim (libwdz.so.1, its functions are the names zlib.h declares in
 * the program that includes this) against stock zlib, op by op.
 *
 * The engine is zlib_diff.c (choices, trace, verdicts, data, the run of
 * a scenario) and one file per scenario family: zlib_diff_inflate.c,
 * zlib_diff_deflate.c, zlib_diff_files.c (compress, gz*, inflateBack).
 * Linked into test/comp/test_zlib_diff (fixed and time seeds, TAP) and
 * fuzz/fuzz_zlib_diff (libFuzzer: the fuzzer's bytes are the choices).
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
 * allowed, each at exactly one place in the engine (ZD_DOCUMENTED).
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

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <zlib.h>
#undef gzgetc	/* a macro in zlib.h: the engine calls both sides' function */

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

/* The shim: the names as linked into this program; stock zlib (dlmopen). */
extern const struct zd_lib zd_shim_lib;
extern struct zd_lib zd_ref_lib;

/* ------------------------------------------------------------------ */
/* choices, trace, verdicts (zlib_diff.c)                              */

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

extern const char *const zd_class_name[ZD_NR_CLASSES];

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

#define ZD_CHECK(c, cond, ...)	zd_bad(c, cond, ZD_NEW, __VA_ARGS__)

/* Stock zlib in a link map of its own; 0, or -1 with a message. */
int zd_load_ref(void);
/* A run's start: its seed (fuzz mode: then set fuzz, fp, fleft). */
void zd_start(struct zd_ctx *c, uint64_t seed);
/* A choice in [0, n): n > 0. Fuzz mode: 0 once the input is used up. */
uint32_t zd_pick(struct zd_ctx *c, uint32_t n);
/* Fuzz mode: has the input run out (every loop ends then)? */
int zd_dry(const struct zd_ctx *c);
/* The trace of the run's calls (printed with a failure). */
__attribute__((format(printf, 2, 3)))
void zd_trace(struct zd_ctx *c, const char *fmt, ...);
/*
 * A deviation when cond is false (returns 1 then). A new one ends the run
 * (c->failed, the first one's class + 1); a known one is counted once per
 * run and the run goes on (the engine steps around it).
 */
__attribute__((format(printf, 4, 5)))
int zd_bad(struct zd_ctx *c, int cond, enum zd_class k, const char *fmt, ...);
/* ZD_SKIP=i,j,...: the i-th, j-th ... op of a run's loop is skipped. */
int zd_skip(int n);
/* Is the shim's stream served by the device (or redone after it)? */
int zd_on_device(z_streamp strm);
/* Is the stream's state the shim's own (not handed to zlib)? */
int zd_is_shim(z_streamp strm);

/* ------------------------------------------------------------------ */
/* data (zlib_diff.c)                                                  */

/* A random size: 0, 1, 2, small, medium, large (up to max). */
size_t zd_size(struct zd_ctx *c, size_t max);
/* len bytes of text, noise, zeros or a mix (fuzz mode: the fuzzer's). */
void zd_fill(struct zd_ctx *c, uint8_t *p, size_t len);
/* malloc, or abort */
uint8_t *zd_alloc(size_t n);
/* The check of data as the format keeps it (0: raw, none). */
uLong zd_check_of(int format, const uint8_t *p, size_t n);
/* format of deflate's windowBits: 0 raw, 1 zlib, 2 gzip */
int zd_format(int wbits);
/* Stock zlib inflates z to exactly want: NULL, or what differs. */
const char *zd_ref_inflates_to(int wbits, const uint8_t *z, size_t zlen,
			       const uint8_t *want, size_t wlen,
			       const uint8_t *dict, size_t dlen);

/* ------------------------------------------------------------------ */
/* scenarios                                                           */

#define ZD_OUT_MAX	(2u << 20)
#define ZD_CUT_SHORT	258	/* at a cut: at most a match (doc: a literal) */

/* A compressed input and what it holds. */
struct zd_zin {
	uint8_t *z, *raw;
	size_t zlen, rawlen;
	uint8_t dict[300];
	size_t dlen;
	int wbits;		/* the producer's */
	int damaged;		/* cut, corrupted, or the fuzzer's own bytes */
};

/* zlib_diff_inflate.c: a stock-zlib stream of wbits made by random calls */
void zd_make_input(struct zd_ctx *c, struct zd_zin *in, int wbits);
void zd_run_inflate(struct zd_ctx *c);

/* zlib_diff_deflate.c */
void zd_run_deflate(struct zd_ctx *c);

/* zlib_diff_files.c */
void zd_run_compress(struct zd_ctx *c);
void zd_run_gzwrite(struct zd_ctx *c);
void zd_run_gzread(struct zd_ctx *c);
void zd_run_back(struct zd_ctx *c);

enum { ZD_S_INFLATE, ZD_S_DEFLATE, ZD_S_COMPRESS, ZD_S_GZWRITE, ZD_S_GZREAD, ZD_S_BACK,
       ZD_NR_SCENARIOS };

extern const char *const zd_scenario_name[ZD_NR_SCENARIOS];

/* One run of a scenario; 0 when shim and zlib agreed. */
int zd_run(struct zd_ctx *c, int scenario);
/* The report of a failed run: how to replay it, why, and its calls. */
void zd_report(const struct zd_ctx *c, int scenario, FILE *to, const char *pfx);

#endif /* ZLIB_DIFF_H */
