/* SPDX-License-Identifier: MIT */
/*
 * shim_stream_util.h - what the test_shim_stream* programs share: the
 * shim and stock zlib (dlmopen, a link map of its own, so that its gz*
 * call its own inflate) behind one table of functions, and the traces of
 * inflate runs that compare what a caller sees after every call.
 */
#ifndef SHIM_STREAM_UTIL_H
#define SHIM_STREAM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#define FUNCS \
	X(inflateInit2_) X(inflate) X(inflateEnd) X(inflateCopy) X(inflateReset) \
	X(deflateInit2_) X(deflate) X(deflateEnd) X(deflateCopy) \
	X(deflateSetDictionary) \
	X(gzopen) X(gzbuffer) X(gzread) X(gzgets) X(gzgetc_) X(gzungetc) \
	X(gzseek) X(gztell) X(gzdirect) X(gzeof) X(gzerror) X(gzclose)

struct zf {
	const char *name;
#define X(f) __typeof__(&f) f;
	FUNCS
#undef X
};

extern struct zf shim, real;

/* Fill real from SYSTEM_LIBZ in a new link map (bails out without it). */
void load_real(void);

/* The test data (td_corpus(CORPUS), set by each program's main). */
extern uint8_t *corpus;
#define CORPUS		(3u << 20)
#define MAX_CALLS	(1u << 20)

/* ------------------------------------------------------------------ */
/* inflate traces                                                      */

/* What a caller sees after one inflate() call. */
struct obs {
	int ret, data_type;
	uInt avail_in, avail_out;
	uLong total_in, total_out, adler;
};

struct run {
	struct obs *o;		/* one per call */
	unsigned int n;
	uint8_t *out;		/* all output */
	int full;		/* compare avail_in, total_in, data_type on every call */
};

/* Record what a caller sees after a call that returned ret. */
void observe(struct run *r, const z_stream *zs, int ret);
/* The first difference of two runs of the same calls, or 0. */
int runs_differ(const struct run *a, const struct run *b, char *why, size_t len);
/* A run with room for MAX_CALLS calls and cap bytes of output (bails out). */
void run_alloc(struct run *r, size_t cap);
void run_free(struct run *r);

/* How the caller sizes its calls: output piece, input piece (0: all at once). */
struct shape {
	int wbits, flush;
	uInt out_piece, in_piece;
	int random;		/* out pieces 1..out_piece, from a seed */
	int reslice;		/* each call presents 1..in_piece bytes of what is
				 * left from next_in on: at times less than the
				 * call before, as zlib allows */
};

/* One inflate() call of a driven stream: the next output room, the call. */
int step(const struct zf *z, z_stream *zs, struct run *r, const struct shape *sh,
	 size_t cap, uint64_t *seed);
/* Go on while zlib's rules say a caller goes on: Z_OK, or progress. */
int goes_on(int ret, uLong out0, const z_stream *zs);
/* A stream of n corpus bytes made by stock zlib, + extra bytes after it. */
size_t make_stream(int wbits, size_t n, size_t extra, uint8_t *out, size_t cap);

/* Seconds, monotonic. */
double now(void);

/* The time each part takes (diag), to keep each program within make
 * check's budget. */
#define TIMED(call) \
	do { \
		double t0 = now(); \
		call; \
		diag("%s: %.1f s", #call, now() - t0); \
	} while (0)

#endif /* SHIM_STREAM_UTIL_H */
