// SPDX-License-Identifier: MIT
/*
 * zlib_shim_util.c - the reference zlib and the helpers the
 * test_zlib_shim* programs share (zlib_shim_util.h).
 */
#include "config.h"

#include <dlfcn.h>
#include <string.h>
#include <zlib.h>
#include <stdlib.h>
#include "tap.h"
#include "comp_data.h"
#include "zlib_shim_util.h"

struct zs_real real;
uint8_t *corpus;

int load_real(void)
{
	void *h = dlopen(SYSTEM_LIBZ, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return -1;
	*(void **)&real.deflateInit2_ = dlsym(h, "deflateInit2_");
	*(void **)&real.deflate = dlsym(h, "deflate");
	*(void **)&real.deflateEnd = dlsym(h, "deflateEnd");
	*(void **)&real.deflateSetDictionary = dlsym(h, "deflateSetDictionary");
	*(void **)&real.inflateInit2_ = dlsym(h, "inflateInit2_");
	*(void **)&real.inflate = dlsym(h, "inflate");
	*(void **)&real.inflateEnd = dlsym(h, "inflateEnd");
	*(void **)&real.inflateSetDictionary = dlsym(h, "inflateSetDictionary");
	return 0;
}

void zs_begin(void)
{
	setenv("WD_ZLIB", "force", 1);
	if (load_real())
		tap_bail("no real zlib");
	corpus = td_corpus(CORPUS);
}

int inflate_all(int shim, int wbits, const uint8_t *in, size_t len,
		uint8_t *out, size_t cap, size_t *outlen, size_t *left,
		uLong *adler)
{
	z_stream zs = { 0 };
	int ret;

	ret = shim ? inflateInit2(&zs, wbits) :
	      real.inflateInit2_(&zs, wbits, ZLIB_VERSION, (int)sizeof(zs));
	if (ret != Z_OK)
		return ret;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	do
		ret = shim ? inflate(&zs, Z_NO_FLUSH) : real.inflate(&zs, Z_NO_FLUSH);
	while (ret == Z_OK);
	if (ret == Z_DATA_ERROR && !zs.msg)
		ret = 999;	/* Z_DATA_ERROR must come with a message */
	*outlen = zs.total_out;
	if (left)
		*left = zs.avail_in;
	if (adler)
		*adler = zs.adler;
	if (shim)
		inflateEnd(&zs);
	else
		real.inflateEnd(&zs);
	return ret;
}

size_t real_compress(int wbits, const uint8_t *in, size_t len, uint8_t *out,
		     size_t cap)
{
	z_stream zs = { 0 };
	size_t n;

	real.deflateInit2_(&zs, 6, Z_DEFLATED, wbits, 8, 0, ZLIB_VERSION, (int)sizeof(zs));
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	real.deflate(&zs, Z_FINISH);
	n = zs.total_out;
	real.deflateEnd(&zs);
	return n;
}
