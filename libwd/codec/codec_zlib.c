// SPDX-License-Identifier: MIT
/*
 * codec_zlib.c - load the real zlib by path, once per process.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include "codec_zlib.h"

#ifdef HAVE_ISAL
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#endif

static struct comp_zlib zlib_api;
static int zlib_ok;
static pthread_once_t zlib_once = PTHREAD_ONCE_INIT;

#define LOAD(h, name) \
	(*(void **)&zlib_api.name = dlsym(h, #name)) != NULL

static void comp_zlib_load(void)
{
	/* RTLD_LOCAL: the real library's names must not join the global scope */
	void *h = dlopen(SYSTEM_LIBZ, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return;
	zlib_ok = LOAD(h, deflateInit2_) && LOAD(h, deflate) &&
		  LOAD(h, deflateEnd) && LOAD(h, deflateReset) &&
		  LOAD(h, deflateSetDictionary) &&
		  LOAD(h, inflateInit2_) && LOAD(h, inflate) &&
		  LOAD(h, inflateEnd) && LOAD(h, inflateReset) &&
		  LOAD(h, inflateSetDictionary) &&
		  LOAD(h, inflatePrime) &&
		  LOAD(h, crc32) && LOAD(h, adler32) && LOAD(h, crc32_combine) &&
		  LOAD(h, adler32_combine) && LOAD(h, zlibVersion);
}

const struct comp_zlib *comp_zlib(void)
{
	pthread_once(&zlib_once, comp_zlib_load);
	return zlib_ok ? &zlib_api : NULL;
}

uint32_t comp_crc32(uint32_t crc, const void *buf, size_t len)
{
#ifdef HAVE_ISAL
	/* ISA-L's folding crc is several times faster than zlib's */
	return crc32_gzip_refl(crc, buf, len);
#else
	const struct comp_zlib *z = comp_zlib();
	const unsigned char *p = buf;

	while (len) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;

		crc = (uint32_t)z->crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return crc;
#endif
}

uint32_t comp_adler32(uint32_t adler, const void *buf, size_t len)
{
#ifdef HAVE_ISAL
	/* vectorised, about twice zlib's speed */
	return isal_adler32(adler, buf, len);
#else
	const struct comp_zlib *z = comp_zlib();
	const unsigned char *p = buf;

	while (len) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;

		adler = (uint32_t)z->adler32(adler, p, n);
		p += n;
		len -= n;
	}
	return adler;
#endif
}
