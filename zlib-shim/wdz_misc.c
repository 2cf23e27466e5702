// SPDX-License-Identifier: MIT
/*
 * wdz_misc.c - the rest of the ABI: utility functions, checksums, version
 * queries and the gz* file API.
 *
 * These are the real library's own code, called through its handle: its
 * compress2/uncompress2/gz* call deflateInit2_, deflate, inflate ... through
 * its PLT, which lands in this shim, so their streams are offloaded by the
 * same rules as everybody's. The one exception: when an offloaded
 * compress/uncompress runs out of room where zlib would not (the device's
 * chunked output can be a few bytes longer than zlib's), the call is redone
 * entirely in zlib (wdz_in_real), so the caller still gets zlib's answer.
 */
#include <stdarg.h>
#include "wdz.h"

#define R	(wdz_real())

WDZ_EXPORT int compress2(Bytef *dest, uLongf *destLen, const Bytef *source,
			 uLong sourceLen, int level)
{
	uLongf room = *destLen;
	int ret = R->compress2(dest, destLen, source, sourceLen, level);

	if (ret == Z_BUF_ERROR && !wdz_in_real) {
		*destLen = room;
		wdz_in_real++;
		ret = R->compress2(dest, destLen, source, sourceLen, level);
		wdz_in_real--;
	}
	return ret;
}

WDZ_EXPORT int compress(Bytef *dest, uLongf *destLen, const Bytef *source,
			uLong sourceLen)
{
	return compress2(dest, destLen, source, sourceLen, Z_DEFAULT_COMPRESSION);
}

WDZ_EXPORT uLong compressBound(uLong sourceLen)
{
	return R->compressBound(sourceLen);
}

WDZ_EXPORT int uncompress2(Bytef *dest, uLongf *destLen, const Bytef *source,
			   uLong *sourceLen)
{
	return R->uncompress2(dest, destLen, source, sourceLen);
}

WDZ_EXPORT int uncompress(Bytef *dest, uLongf *destLen, const Bytef *source,
			  uLong sourceLen)
{
	return R->uncompress2(dest, destLen, source, &sourceLen);
}

/* Checksums and tables: zlib's. */
WDZ_EXPORT uLong adler32(uLong adler, const Bytef *buf, uInt len)
{
	return R->adler32(adler, buf, len);
}

WDZ_EXPORT uLong adler32_z(uLong adler, const Bytef *buf, z_size_t len)
{
	return R->adler32_z(adler, buf, len);
}

WDZ_EXPORT uLong adler32_combine(uLong a, uLong b, z_off_t len)
{
	return R->adler32_combine(a, b, len);
}

WDZ_EXPORT uLong adler32_combine64(uLong a, uLong b, z_off64_t len)
{
	return R->adler32_combine64(a, b, len);
}

WDZ_EXPORT uLong crc32(uLong crc, const Bytef *buf, uInt len)
{
	return R->crc32(crc, buf, len);
}

WDZ_EXPORT uLong crc32_z(uLong crc, const Bytef *buf, z_size_t len)
{
	return R->crc32_z(crc, buf, len);
}

WDZ_EXPORT uLong crc32_combine(uLong a, uLong b, z_off_t len)
{
	return R->crc32_combine(a, b, len);
}

WDZ_EXPORT uLong crc32_combine64(uLong a, uLong b, z_off64_t len)
{
	return R->crc32_combine64(a, b, len);
}

WDZ_EXPORT uLong crc32_combine_gen(z_off_t len)
{
	return R->crc32_combine_gen(len);
}

WDZ_EXPORT uLong crc32_combine_gen64(z_off64_t len)
{
	return R->crc32_combine_gen64(len);
}

WDZ_EXPORT uLong crc32_combine_op(uLong a, uLong b, uLong op)
{
	return R->crc32_combine_op(a, b, op);
}

WDZ_EXPORT const z_crc_t *get_crc_table(void)
{
	return R->get_crc_table();
}

WDZ_EXPORT const char *zlibVersion(void)
{
	return R->zlibVersion();
}

WDZ_EXPORT uLong zlibCompileFlags(void)
{
	return R->zlibCompileFlags();
}

WDZ_EXPORT const char *zError(int err)
{
	return R->zError(err);
}

/* gz* file API: zlib's own, its streams come back to us (see above). */
WDZ_EXPORT gzFile gzopen(const char *path, const char *mode)
{
	return R->gzopen(path, mode);
}

WDZ_EXPORT gzFile gzopen64(const char *path, const char *mode)
{
	return R->gzopen64(path, mode);
}

WDZ_EXPORT gzFile gzdopen(int fd, const char *mode)
{
	return R->gzdopen(fd, mode);
}

WDZ_EXPORT int gzbuffer(gzFile file, unsigned size)
{
	return R->gzbuffer(file, size);
}

WDZ_EXPORT int gzsetparams(gzFile file, int level, int strategy)
{
	return R->gzsetparams(file, level, strategy);
}

WDZ_EXPORT int gzread(gzFile file, voidp buf, unsigned len)
{
	return R->gzread(file, buf, len);
}

WDZ_EXPORT z_size_t gzfread(voidp buf, z_size_t size, z_size_t nitems, gzFile file)
{
	return R->gzfread(buf, size, nitems, file);
}

WDZ_EXPORT int gzwrite(gzFile file, voidpc buf, unsigned len)
{
	return R->gzwrite(file, buf, len);
}

WDZ_EXPORT z_size_t gzfwrite(voidpc buf, z_size_t size, z_size_t nitems, gzFile file)
{
	return R->gzfwrite(buf, size, nitems, file);
}

WDZ_EXPORT int gzvprintf(gzFile file, const char *format, va_list va)
{
	return R->gzvprintf(file, format, va);
}

WDZ_EXPORT int gzprintf(gzFile file, const char *format, ...)
{
	va_list va;
	int ret;

	va_start(va, format);
	ret = R->gzvprintf(file, format, va);
	va_end(va);
	return ret;
}

WDZ_EXPORT int gzputs(gzFile file, const char *s)
{
	return R->gzputs(file, s);
}

WDZ_EXPORT char *gzgets(gzFile file, char *buf, int len)
{
	return R->gzgets(file, buf, len);
}

WDZ_EXPORT int gzputc(gzFile file, int c)
{
	return R->gzputc(file, c);
}

WDZ_EXPORT int gzgetc(gzFile file)
{
	return R->gzgetc(file);
}

WDZ_EXPORT int gzgetc_(gzFile file)
{
	return R->gzgetc_(file);
}

WDZ_EXPORT int gzungetc(int c, gzFile file)
{
	return R->gzungetc(c, file);
}

WDZ_EXPORT int gzflush(gzFile file, int flush)
{
	return R->gzflush(file, flush);
}

WDZ_EXPORT z_off_t gzseek(gzFile file, z_off_t offset, int whence)
{
	return R->gzseek(file, offset, whence);
}

WDZ_EXPORT z_off64_t gzseek64(gzFile file, z_off64_t offset, int whence)
{
	return R->gzseek64(file, offset, whence);
}

WDZ_EXPORT int gzrewind(gzFile file)
{
	return R->gzrewind(file);
}

WDZ_EXPORT z_off_t gztell(gzFile file)
{
	return R->gztell(file);
}

WDZ_EXPORT z_off64_t gztell64(gzFile file)
{
	return R->gztell64(file);
}

WDZ_EXPORT z_off_t gzoffset(gzFile file)
{
	return R->gzoffset(file);
}

WDZ_EXPORT z_off64_t gzoffset64(gzFile file)
{
	return R->gzoffset64(file);
}

WDZ_EXPORT int gzeof(gzFile file)
{
	return R->gzeof(file);
}

WDZ_EXPORT int gzdirect(gzFile file)
{
	return R->gzdirect(file);
}

WDZ_EXPORT int gzclose(gzFile file)
{
	return R->gzclose(file);
}

WDZ_EXPORT int gzclose_r(gzFile file)
{
	return R->gzclose_r(file);
}

WDZ_EXPORT int gzclose_w(gzFile file)
{
	return R->gzclose_w(file);
}

WDZ_EXPORT const char *gzerror(gzFile file, int *errnum)
{
	return R->gzerror(file, errnum);
}

WDZ_EXPORT void gzclearerr(gzFile file)
{
	R->gzclearerr(file);
}
