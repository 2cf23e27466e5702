// SPDX-License-Identifier: MIT
/*
 * test_shim_stream_gz.c - the zlib shim's gz* reading, side by side with
 * stock zlib: gzread/gzgets/gzgetc/gzungetc/gzseek/gzdirect on every read
 * size and file shape (members, plain files, cut and damaged files).
 *
 * Linked with libwdz (its zlib calls are the shim's, every stream forced
 * onto queues: WD_ZLIB=force); stock zlib is loaded with dlmopen, and both
 * are driven through one table of functions by the same code
 * (shim_stream_util.c). The other test_shim_stream* programs test the
 * rest of the stream contract.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "tap.h"
#include "comp_data.h"
#include "shim_stream_util.h"

/* ------------------------------------------------------------------ */
/* gz reading                                                          */

static char gz_path[64];

/*
 * Damage the file written last: cut its last cut bytes, flip the byte at
 * flip (from the end when below -1; -1: none).
 */
static void damage_gz(long cut, long flip)
{
	int fd = open(gz_path, O_RDWR);
	off_t size = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
	uint8_t b;

	if (size < 0)
		tap_bail("temporary file");
	if (flip < -1)
		flip += size;
	if (flip >= 0 && pread(fd, &b, 1, flip) == 1) {
		b ^= 0x55;
		if (pwrite(fd, &b, 1, flip) != 1)
			tap_bail("pwrite");
	}
	if (cut && ftruncate(fd, size - cut))
		tap_bail("ftruncate");
	close(fd);
}

/* Write a file: n bytes of corpus in members of member bytes, + tail. */
static void write_gz(size_t n, size_t member, const char *tail, int plain)
{
	size_t at = 0;
	int fd;

	fd = open(gz_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		tap_bail("temporary file");
	if (plain) {
		if (write(fd, corpus, n) != (ssize_t)n)
			tap_bail("write");
		close(fd);
		return;
	}
	do {
		size_t m = n - at < member ? n - at : member;
		uint8_t *buf = malloc(m + m / 8 + 128);
		long len = td_z_deflate(31, 6, Z_DEFAULT_STRATEGY, corpus + at, m, buf,
					m + m / 8 + 128);

		if (len < 0 || write(fd, buf, (size_t)len) != len)
			tap_bail("write");
		free(buf);
		at += m;
	} while (at < n);
	if (tail && write(fd, tail, strlen(tail)) != (ssize_t)strlen(tail))
		tap_bail("write");
	close(fd);
}

/* What a gzread loop in pieces of len gets: a hash of it all. */
struct gzres {
	long total, last, reads;
	int err, eof, close, direct;
	uint64_t hash;
	uint64_t hash_but_last;	/* of all but the last byte read */
};

static void hash_in(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		*h = (*h ^ *b++) * 0x100000001b3ull;
}

static void gz_read_all(const struct zf *z, unsigned int len, int bufsize, uint8_t *buf,
			struct gzres *g)
{
	gzFile f = z->gzopen(gz_path, "rb");
	int n;

	memset(g, 0, sizeof(*g));
	g->hash = 0xcbf29ce484222325ull;
	if (!f) {
		g->total = -1;
		return;
	}
	if (bufsize)
		z->gzbuffer(f, (unsigned)bufsize);
	while ((n = z->gzread(f, buf, len)) > 0) {
		hash_in(&g->hash, buf, (size_t)n - 1);
		g->hash_but_last = g->hash;
		hash_in(&g->hash, buf + n - 1, 1);
		g->total += n;
		g->reads++;
	}
	g->last = n;
	z->gzerror(f, &g->err);
	g->eof = z->gzeof(f);
	g->direct = z->gzdirect(f);
	g->close = z->gzclose(f);
}

/*
 * cut: the file ends inside a deflate stream. There the device may stop
 * one byte short of zlib (ISA-L keeps a cut's last literal until it sees
 * the next code; doc/compression.md lists it): allowed, with everything
 * else zlib's, when the bytes are zlib's but its last one. Which cut
 * points show it depends on the data (/usr/include of the machine).
 */
static int gz_same(unsigned int len, int bufsize, uint8_t *buf, const char *what, int cut)
{
	struct gzres a, b;
	int one_short;

	gz_read_all(&shim, len, bufsize, buf, &a);
	gz_read_all(&real, len, bufsize, buf, &b);
	one_short = cut && a.total + 1 == b.total && a.hash == b.hash_but_last &&
		    (a.reads == b.reads || a.reads + 1 == b.reads);
	if (((a.total == b.total && a.hash == b.hash && a.reads == b.reads) || one_short) &&
	    a.last == b.last && a.err == b.err && a.eof == b.eof && a.close == b.close &&
	    a.direct == b.direct)
		return 1;
	diag("%s, gzread(%u)%s: shim %ld bytes in %ld reads (last %ld, err %d, eof %d, "
	     "direct %d, close %d), zlib %ld in %ld (last %ld, err %d, eof %d, direct %d, "
	     "close %d)%s", what, len, bufsize ? " small gzbuffer" : "", a.total, a.reads,
	     a.last, a.err, a.eof, a.direct, a.close, b.total, b.reads, b.last, b.err, b.eof,
	     b.direct, b.close, a.hash != b.hash ? ", bytes differ" : "");
	return 0;
}

static void test_gzread_issue(void)
{
	uint8_t *buf = malloc(1u << 20);
	struct gzres g;
	int good = 1;

	/* the report: 100,000 bytes read in 16 KiB and 1 KiB pieces */
	write_gz(100000, 100000, NULL, 0);
	gz_read_all(&shim, 16384, 0, buf, &g);
	good = g.total == 100000 && g.last == 0 && g.err == Z_OK && g.close == Z_OK;
	ok(good, "gzread of a 100,000-byte file in 16 KiB pieces: %ld bytes (last %ld, "
	   "err %d, close %d)", g.total, g.last, g.err, g.close);
	gz_read_all(&shim, 1024, 0, buf, &g);
	ok(g.total == 100000 && g.last == 0 && g.err == Z_OK && g.close == Z_OK,
	   "gzread of a 100,000-byte file in 1 KiB pieces: %ld bytes", g.total);
	free(buf);
}

static void test_gzread_shapes(void)
{
	static const unsigned int lens[] = { 1, 7, 1000, 1024, 16384, 16385, 32768, 65536,
					     131072, 1u << 20 };
	static const struct {
		size_t n, member;
		const char *tail;
		int plain;
		long cut, flip;
		const char *what;
	} files[] = {
		{ 0, 1, NULL, 1, 0, -1, "an empty file" },
		{ 0, 1, NULL, 0, 0, -1, "a gzip member of 0 bytes" },
		{ 1, 1, NULL, 0, 0, -1, "1 byte" },
		{ 100000, 100000, NULL, 0, 0, -1, "100,000 bytes" },
		{ 262144, 262144, NULL, 0, 0, -1, "256 KiB" },
		{ 1500007, 1500007, NULL, 0, 0, -1, "1,500,007 bytes" },
		{ 300001, 100000, NULL, 0, 0, -1, "4 members" },
		{ 200000, 200000, "trailing garbage\n", 0, 0, -1, "trailing garbage" },
		{ 120000, 60000, "\037\213", 0, 0, -1, "a cut member after 2" },
		{ 100000, 100000, NULL, 1, 0, -1, "plain text (gzdirect)" },
		{ 300000, 300000, NULL, 0, 4, -1, "a file cut in its trailer" },
		{ 300000, 300000, NULL, 0, 30000, -1, "a file cut mid-stream" },
		{ 300000, 300000, NULL, 0, 0, 20000, "a corrupt byte at 20,000" },
		{ 300000, 300000, NULL, 0, 0, -8, "a bad crc" },
		{ 300000, 300000, NULL, 0, 0, -2, "a bad length" },
	};
	uint8_t *buf = malloc(1u << 20);
	unsigned int f, l;

	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		int bad = 0, runs = 0;

		write_gz(files[f].n, files[f].member, files[f].tail, files[f].plain);
		damage_gz(files[f].cut, files[f].flip);
		for (l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			if (lens[l] == 1 && files[f].n > 300001)
				continue;
			bad += !gz_same(lens[l], 0, buf, files[f].what, files[f].cut > 8);
			runs++;
		}
		bad += !gz_same(4096, 1024, buf, files[f].what, files[f].cut > 8);	/* gzbuffer */
		ok(!bad, "gzread of %s, pieces of 1 B..1 MiB: as zlib's (%d of %d differ)",
		   files[f].what, bad, runs + 1);
	}
	free(buf);
}

/* gzgets, gzgetc, gzungetc, gzseek, gztell on reads: one script, both sides. */
static uint64_t gz_script(const struct zf *z)
{
	uint64_t h = 0xcbf29ce484222325ull;
	char line[300];
	gzFile f = z->gzopen(gz_path, "rb");
	long v[8];
	int i;

	if (!f)
		return 0;
	for (i = 0; i < 2000 && z->gzgets(f, line, (int)sizeof(line)); i++)
		hash_in(&h, line, strlen(line));
	for (i = 0; i < 5000; i++) {
		int c = z->gzgetc_(f);

		hash_in(&h, &c, sizeof(c));
		if (i % 97 == 0 && c >= 0)
			v[0] = z->gzungetc(c, f), hash_in(&h, v, sizeof(long));
	}
	v[0] = z->gzseek(f, 1000, SEEK_CUR);
	v[1] = z->gztell(f);
	v[2] = z->gzgetc_(f);
	v[3] = z->gzseek(f, 77, SEEK_SET);	/* backwards: a rewind */
	v[4] = z->gzgetc_(f);
	v[5] = z->gzseek(f, 10000000, SEEK_SET);	/* past the end */
	v[6] = z->gzgetc_(f);
	v[7] = z->gzeof(f);
	hash_in(&h, v, sizeof(v));
	v[0] = z->gzseek(f, 5, SEEK_SET);
	v[1] = z->gzread(f, line, 200);
	hash_in(&h, v, 2 * sizeof(long));
	hash_in(&h, line, 200);
	v[0] = z->gzclose(f);
	hash_in(&h, v, sizeof(long));
	return h;
}

static void test_gz_calls(void)
{
	write_gz(700000, 250000, NULL, 0);
	ok(gz_script(&shim) == gz_script(&real),
	   "gzgets/gzgetc/gzungetc/gzseek/gztell on a 3-member file: as zlib's");
	write_gz(5000, 5000, NULL, 1);
	ok(gz_script(&shim) == gz_script(&real),
	   "the same on a plain file (gzdirect): as zlib's");
}

int main(void)
{
	int fd;

	/* every stream that can be offloaded is (small ones too) */
	setenv("WD_ZLIB", "force", 1);
	load_real();
	corpus = td_corpus(CORPUS);
	tap_plan(0);
	snprintf(gz_path, sizeof(gz_path), "/tmp/wdz-stream-XXXXXX");
	fd = mkstemp(gz_path);
	if (fd < 0)
		tap_bail("temporary file");
	close(fd);
	TIMED(test_gzread_issue());
	TIMED(test_gzread_shapes());
	TIMED(test_gz_calls());
	unlink(gz_path);
	free(corpus);
	tap_done();
	return tap_exit();
}
