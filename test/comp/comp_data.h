/* SPDX-License-Identifier: MIT */
/*
 * comp_data.h - test inputs for the compression tests: real text (headers
 * of this machine) with some binary noise, so that ratios and block types
 * look like real use, and a deterministic generator for split points.
 */
#ifndef COMP_DATA_H
#define COMP_DATA_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint64_t td_seed = 0x9e3779b97f4a7c15ull;

static inline uint32_t td_rand(void)
{
	td_seed ^= td_seed << 13;
	td_seed ^= td_seed >> 7;
	td_seed ^= td_seed << 17;
	return (uint32_t)(td_seed >> 11);
}

/* Append files of dir to buf until len bytes; returns bytes filled. */
static inline size_t td_fill_dir(uint8_t *buf, size_t len, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while (n < len && (e = readdir(d)) != NULL) {
		char path[512];
		FILE *f;

		if (!strstr(e->d_name, ".h"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		n += fread(buf + n, 1, len - n, f);
		fclose(f);
	}
	closedir(d);
	return n;
}

/* len bytes: text from /usr/include, every 64 KiB a 2 KiB noise patch. */
static inline uint8_t *td_corpus(size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	size_t n, i;

	if (!buf)
		return NULL;
	n = td_fill_dir(buf, len, "/usr/include");
	if (n < len)
		n += td_fill_dir(buf + n, len - n, "/usr/include/linux");
	for (i = n; i < len; i++)	/* not enough headers: words */
		buf[i] = (uint8_t)("etaoin shrdlu\n"[td_rand() % 14]);
	for (i = 0; i + 2048 < len; i += 65536) {
		size_t k;

		for (k = 0; k < 2048; k++)
			buf[i + k] = (uint8_t)td_rand();
	}
	return buf;
}

/*
 * Stock zlib's whole stream of in[0..len) (window_bits as deflateInit2()
 * takes them: negative for raw, +16 for gzip); its length, or -1.
 */
static inline long td_z_deflate(int window_bits, int level, int strategy,
				const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	z_stream zs = { 0 };
	long n;

	if (deflateInit2(&zs, level, Z_DEFLATED, window_bits, 8, strategy) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	n = deflate(&zs, Z_FINISH) == Z_STREAM_END ? (long)zs.total_out : -1;
	deflateEnd(&zs);
	return n;
}

/*
 * Stock zlib's inflate of in[0..len) with Z_SYNC_FLUSH (window_bits as
 * inflateInit2() takes them): the bytes it gives when it takes all of in,
 * else -1; *end says whether the stream ended.
 */
static inline long td_z_inflate(int window_bits, const uint8_t *in, size_t len,
				uint8_t *out, size_t cap, int *end)
{
	z_stream zs = { 0 };
	long n;
	int ret;

	*end = 0;
	if (inflateInit2(&zs, window_bits) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	ret = inflate(&zs, Z_SYNC_FLUSH);
	*end = ret == Z_STREAM_END;
	n = (ret == Z_OK || ret == Z_STREAM_END || ret == Z_BUF_ERROR) &&
	    zs.avail_in == 0 ? (long)zs.total_out : -1;
	inflateEnd(&zs);
	return n;
}

#endif /* COMP_DATA_H */
