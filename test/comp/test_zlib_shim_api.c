// SPDX-License-Identifier: MIT
/*
 * test_zlib_shim_api.c - the shim's zlib API beyond plain streams,
 * against stock zlib: dictionaries, gzip headers and deflateParams,
 * deflateCopy, and gz* files.
 *
 * Linked with libwdz instead of libz (as if the shim were installed as
 * libz.so.1), so zlib calls here go to the shim; the real zlib is reached
 * with dlopen(SYSTEM_LIBZ) as the reference (zlib_shim_util.c). Every
 * check compares with what stock zlib does on the same input. The other
 * test_zlib_shim* programs test the rest of the shim.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "tap.h"
#include "comp_data.h"
#include "zlib_shim_util.h"

/* Dictionaries: zlib-format ones go to zlib, raw priming to the device. */
static void test_dictionaries(void)
{
	size_t len = 100000, cap = len * 2;
	uint8_t *out = malloc(cap), *back = malloc(len);
	const char *dict = "#include <stdio.h>\n#include <stdlib.h>\nstruct static const int";
	z_stream zs = { 0 };
	int ret;

	deflateInit(&zs, 6);
	deflateSetDictionary(&zs, (const Bytef *)dict, (uInt)strlen(dict));
	zs.next_in = corpus;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	ok(deflate(&zs, Z_FINISH) == Z_STREAM_END, "zlib-format dictionary stream");
	deflateEnd(&zs);
	memset(&zs, 0, sizeof(zs));
	inflateInit(&zs);
	zs.next_in = out;
	zs.avail_in = (uInt)cap;
	zs.next_out = back;
	zs.avail_out = (uInt)len;
	ret = inflate(&zs, Z_NO_FLUSH);
	ok(ret == Z_NEED_DICT && inflateSetDictionary(&zs, (const Bytef *)dict, (uInt)strlen(dict)) == Z_OK &&
	   inflate(&zs, Z_NO_FLUSH) == Z_STREAM_END && !memcmp(back, corpus, len),
	   "shim inflate: Z_NEED_DICT, then the dictionary, then the data");
	inflateEnd(&zs);

	/* raw dictionary priming (pigz's way) is served by the device */
	memset(&zs, 0, sizeof(zs));
	deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, 0);
	deflateSetDictionary(&zs, corpus, 32768);
	zs.next_in = corpus + 32768;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	ret = deflate(&zs, Z_FINISH);
	deflateEnd(&zs);
	{
		z_stream d = { 0 };

		real.inflateInit2_(&d, -15, ZLIB_VERSION, (int)sizeof(d));
		real.inflateSetDictionary(&d, corpus, 32768);
		d.next_in = out;
		d.avail_in = (uInt)zs.total_out;
		d.next_out = back;
		d.avail_out = (uInt)len;
		ok(ret == Z_STREAM_END && real.inflate(&d, Z_FINISH) == Z_STREAM_END &&
		   !memcmp(back, corpus + 32768, len), "raw stream primed with a dictionary");
		real.inflateEnd(&d);
	}

	free(out);
	free(back);
}

/* gzip headers and deflateParams: a header goes to zlib, params do not. */
static void test_headers_params(void)
{
	size_t len = 100000, cap = len * 2, got;
	uint8_t *out = malloc(cap), *back = malloc(len);
	z_stream zs = { 0 };
	gz_header h = { 0 }, h2 = { 0 };
	char name[64] = "";
	int ret;

	/* gzip header fields both ways */
	memset(&zs, 0, sizeof(zs));
	deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, 0);
	h.name = (Bytef *)"file.txt";
	h.time = 1234567;
	ok(deflateSetHeader(&zs, &h) == Z_OK, "deflateSetHeader");
	zs.next_in = corpus;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	deflateEnd(&zs);
	memset(&zs, 0, sizeof(zs));
	inflateInit2(&zs, 31);
	h2.name = (Bytef *)name;
	h2.name_max = sizeof(name);
	inflateGetHeader(&zs, &h2);
	zs.next_in = out;
	zs.avail_in = (uInt)cap;
	zs.next_out = back;
	zs.avail_out = (uInt)len;
	ret = inflate(&zs, Z_NO_FLUSH);
	ok(ret == Z_STREAM_END && h2.done == 1 && !strcmp(name, "file.txt") && h2.time == 1234567,
	   "inflateGetHeader reads the name and time back");
	inflateEnd(&zs);

	/* deflateParams in the middle of an offloaded stream */
	memset(&zs, 0, sizeof(zs));
	deflateInit(&zs, 1);
	zs.next_in = corpus;
	zs.avail_in = (uInt)(len / 2);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_NO_FLUSH);
	ret = deflateParams(&zs, 9, Z_FILTERED);
	zs.avail_in = (uInt)(len / 2);
	ok(ret == Z_OK && deflate(&zs, Z_FINISH) == Z_STREAM_END &&
	   inflate_all(0, 15, out, zs.total_out, back, len, &got, NULL, NULL) == Z_STREAM_END &&
	   got == len && !memcmp(back, corpus, len), "deflateParams mid-stream");
	deflateEnd(&zs);
	free(out);
	free(back);
}

/* deflateCopy in the middle of an offloaded stream: both finish right. */
static void test_deflate_copy(void)
{
	size_t len = 1u << 20, cap = len + len / 8, got;
	uint8_t *o1 = malloc(cap), *o2 = malloc(cap), *back = malloc(len);
	z_stream a = { 0 }, b = { 0 };
	int r1, r2;

	deflateInit2(&a, 6, Z_DEFLATED, 31, 8, 0);
	a.next_in = corpus;
	a.avail_in = (uInt)(len / 2);
	a.next_out = o1;
	a.avail_out = (uInt)cap;
	deflate(&a, Z_NO_FLUSH);
	r1 = deflateCopy(&b, &a);
	b.next_out = o2 + (a.next_out - o1);
	memcpy(o2, o1, (size_t)(a.next_out - o1));
	a.avail_in = b.avail_in = (uInt)(len / 2);
	r2 = deflate(&a, Z_FINISH);
	r1 = r1 == Z_OK && deflate(&b, Z_FINISH) == Z_STREAM_END && r2 == Z_STREAM_END;
	ok(r1 && inflate_all(0, 31, o1, a.total_out, back, len, &got, NULL, NULL) == Z_STREAM_END &&
	   got == len && !memcmp(back, corpus, len) &&
	   inflate_all(0, 31, o2, b.total_out, back, len, &got, NULL, NULL) == Z_STREAM_END &&
	   got == len && !memcmp(back, corpus, len) && a.adler == b.adler,
	   "deflateCopy mid-stream: original and copy both finish into the same data");
	deflateEnd(&a);
	deflateEnd(&b);
	free(o1);
	free(o2);
	free(back);
}

static void test_gz(void)
{
	char path[] = "/tmp/wdz-test-XXXXXX";
	int fd = mkstemp(path), n, i;
	size_t len = 600000;
	uint8_t *back = malloc(2 * len + 10);
	gzFile f;

	close(fd);
	for (i = 0; i < 2; i++) {	/* two members: "w" then "a" */
		f = gzopen(path, i ? "ab" : "wb6");
		gzwrite(f, corpus + i * len, (unsigned)len);
		gzclose(f);
	}
	f = gzopen(path, "rb");
	n = 0;
	for (;;) {
		int r = gzread(f, back + n, 4096 + (unsigned)(td_rand() % 70000));

		if (r <= 0)
			break;
		n += r;
	}
	ok(n == (int)(2 * len) && !memcmp(back, corpus, 2 * len) && gzeof(f),
	   "gzwrite twice (two members), gzread reads both (%d bytes)", n);
	gzclose(f);
	unlink(path);
	free(back);
}

int main(void)
{
	tap_plan(0);
	zs_begin();
	test_dictionaries();
	test_headers_params();
	test_deflate_copy();
	test_gz();
	free(corpus);
	return tap_exit();
}
