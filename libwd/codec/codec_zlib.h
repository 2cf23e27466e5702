/* SPDX-License-Identifier: MIT */
/*
 * codec_zlib.h - the real zlib, reached through dlopen(SYSTEM_LIBZ): the
 * coders of codec/ and the compression layer's own zlib calls use it (its
 * names keep the comp_ prefix of the layer it came from).
 *
 * Why not call deflate() directly: when libwdz.so.1 is preloaded (or
 * installed as libz.so.1), the names deflate, inflate ... resolve to the shim,
 * which would send the engine's own work back to the engine. Symbols looked
 * up in the handle of the real library are its own definitions.
 */
#ifndef CODEC_ZLIB_H
#define CODEC_ZLIB_H

#include <zlib.h>

struct comp_zlib {
	int (*deflateInit2_)(z_streamp, int, int, int, int, int, const char *, int);
	int (*deflate)(z_streamp, int);
	int (*deflateEnd)(z_streamp);
	int (*deflateReset)(z_streamp);
	int (*deflateSetDictionary)(z_streamp, const Bytef *, uInt);
	int (*inflateInit2_)(z_streamp, int, const char *, int);
	int (*inflate)(z_streamp, int);
	int (*inflateEnd)(z_streamp);
	int (*inflateReset)(z_streamp);
	int (*inflateSetDictionary)(z_streamp, const Bytef *, uInt);
	int (*inflatePrime)(z_streamp, int, int);
	uLong (*crc32)(uLong, const Bytef *, uInt);
	uLong (*adler32)(uLong, const Bytef *, uInt);
	uLong (*crc32_combine)(uLong, uLong, z_off_t);
	uLong (*adler32_combine)(uLong, uLong, z_off_t);
	const char *(*zlibVersion)(void);
};

/* The real zlib's entry points, or NULL if it cannot be loaded. */
const struct comp_zlib *comp_zlib(void);

/* Checksums over any length (zlib's take uInt lengths). */
uint32_t comp_crc32(uint32_t crc, const void *buf, size_t len);
uint32_t comp_adler32(uint32_t adler, const void *buf, size_t len);

#endif /* CODEC_ZLIB_H */
