/* SPDX-License-Identifier: MIT */
/*
 * zlib_shim_util.h - what the test_zlib_shim* programs share: stock zlib
 * reached with dlopen(SYSTEM_LIBZ) as the reference (the programs are
 * linked with libwdz, so their plain zlib calls go to the shim), a corpus,
 * and whole-buffer helpers on either side.
 */
#ifndef ZLIB_SHIM_UTIL_H
#define ZLIB_SHIM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

/* Stock zlib's functions the tests call (load_real). */
struct zs_real {
	int (*deflateInit2_)(z_streamp, int, int, int, int, int, const char *, int);
	int (*deflate)(z_streamp, int);
	int (*deflateEnd)(z_streamp);
	int (*deflateSetDictionary)(z_streamp, const Bytef *, uInt);
	int (*inflateInit2_)(z_streamp, int, const char *, int);
	int (*inflate)(z_streamp, int);
	int (*inflateEnd)(z_streamp);
	int (*inflateSetDictionary)(z_streamp, const Bytef *, uInt);
};
extern struct zs_real real;

/* The test data (td_corpus(CORPUS), set by each program's main). */
extern uint8_t *corpus;
#define CORPUS	(2u << 20)

/* Fill real from SYSTEM_LIBZ; 0, or -1 when it cannot be loaded. */
int load_real(void);

/*
 * What each program's main does first: WD_ZLIB=force (every stream that
 * can be offloaded is, small ones too), the real zlib loaded (or bail out),
 * the corpus made.
 */
void zs_begin(void);

/*
 * Inflate all of in (whole buffers) with the shim (shim=1) or zlib: the
 * last return code (999: Z_DATA_ERROR without a message), the output
 * length, and optionally the input left and the check.
 */
int inflate_all(int shim, int wbits, const uint8_t *in, size_t len,
		uint8_t *out, size_t cap, size_t *outlen, size_t *left,
		uLong *adler);

/* Stock zlib's level-6 stream of in[len] with window bits wbits; its size. */
size_t real_compress(int wbits, const uint8_t *in, size_t len, uint8_t *out,
		     size_t cap);

#endif /* ZLIB_SHIM_UTIL_H */
