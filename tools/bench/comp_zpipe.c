// SPDX-License-Identifier: MIT
/*
 * comp_zpipe.c - an ordinary zlib program, the subject of `make bench`.
 *
 * It knows nothing of WarpDrive: it streams a file through deflate() or
 * inflate() in 128 KiB pieces, as a gzip-like tool would, and prints
 *   <bytes in> <bytes out> <seconds>
 * The benchmark runs it with and without LD_PRELOAD=libwdz.so.1.
 *
 *   comp_zpipe -c LEVEL FILE   zlib-format deflate at LEVEL
 *   comp_zpipe -d FILE         inflate (FILE holds a zlib stream)
 *   comp_zpipe -c LEVEL FILE -o OUT    also write the stream to OUT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define PIECE	(128u << 10)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0)
		return NULL;
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		return NULL;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Run the stream; out collects the output when keep != NULL. */
static int run(int comp, int level, const unsigned char *in, size_t len,
	       FILE *keep, size_t *produced)
{
	static unsigned char out[PIECE];
	z_stream zs = { 0 };
	size_t pos = 0;
	int ret = comp ? deflateInit(&zs, level) : inflateInit(&zs);

	if (ret != Z_OK)
		return ret;
	do {
		size_t n = len - pos < PIECE ? len - pos : PIECE;
		int flush = comp && pos + n == len ? Z_FINISH : Z_NO_FLUSH;

		zs.next_in = (unsigned char *)in + pos;
		zs.avail_in = (uInt)n;
		pos += n;
		do {
			zs.next_out = out;
			zs.avail_out = PIECE;
			ret = comp ? deflate(&zs, flush) : inflate(&zs, Z_NO_FLUSH);
			if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR)
				return ret;
			if (keep)
				fwrite(out, 1, PIECE - zs.avail_out, keep);
		} while (zs.avail_out == 0);
	} while (ret != Z_STREAM_END && pos < len);
	*produced = zs.total_out;
	if (comp)
		deflateEnd(&zs);
	else
		inflateEnd(&zs);
	return ret == Z_STREAM_END ? Z_OK : Z_DATA_ERROR;
}

int main(int argc, char **argv)
{
	int comp = argc >= 4 && !strcmp(argv[1], "-c");
	const char *path = comp ? argv[3] : argv[2];
	FILE *keep = NULL;
	size_t len, produced = 0;
	unsigned char *in;
	double t;
	int ret;

	if (argc < 3 || (!comp && strcmp(argv[1], "-d"))) {
		fprintf(stderr, "usage: comp_zpipe -c LEVEL FILE [-o OUT] | -d FILE\n");
		return 2;
	}
	in = slurp(path, &len);
	if (!in) {
		perror(path);
		return 1;
	}
	if (comp && argc >= 6 && !strcmp(argv[4], "-o"))
		keep = fopen(argv[5], "wb");
	t = now();
	ret = run(comp, comp ? atoi(argv[2]) : 0, in, len, keep, &produced);
	t = now() - t;
	if (keep)
		fclose(keep);
	if (ret != Z_OK) {
		fprintf(stderr, "comp_zpipe: zlib error %d\n", ret);
		return 1;
	}
	printf("%zu %zu %.6f\n", len, produced, t);
	free(in);
	return 0;
}
