// SPDX-License-Identifier: MIT
/*
 * test_comp_ld.c - parallel deflate streams in chunks of 512 KiB and more,
 * which the soft device codes with libdeflate at levels 2-9 and joins into
 * one stream (libwd/soft/soft_comp_ld.c), checked with stock zlib:
 *  - every format, levels 2, 6 and 9, with sync and full flushes at random
 *    points: the whole stream inflates to the input, and at every flush
 *    the output so far inflates, without reaching an end, to exactly the
 *    input so far (zlib's flush promise, which the joins must keep);
 *  - the engine really took the libdeflate path: the same stream made with
 *    WD_COMP_ENGINE=zlib (in a child, as the knob is read once) differs;
 *  - on plain text (headers, where a chunk coded without its history
 *    loses most), levels 2-9 stay within 0.5% of stock zlib's one stream;
 *  - all of it again on text followed by random bytes, which libdeflate
 *    codes as stored blocks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <zlib.h>
#include "tap.h"
#include "wd.h"
#include "wd_comp.h"
#include "comp_data.h"

#define CORPUS		(3u << 20)
#define CHUNK		(512u << 10)
#define MAX_FLUSHES	8

static uint8_t *corpus;

struct flush_point {
	size_t in, out;		/* input consumed, output produced, at a flush */
};

static int zwb(int format)
{
	return format == WD_COMP_RAW ? -15 : format == WD_COMP_GZIP ? 31 : 15;
}

/*
 * Compress corpus[0..len) in one session: steps of up to 1 MiB, a sync or
 * full flush at nfl random points. Returns the output length or -errno;
 * fills fp[] with the flush points.
 */
static long ld_deflate(int format, int level, size_t len, uint8_t *out, size_t cap,
		       struct flush_point *fp, int nfl)
{
	struct wd_comp_setup st = { .op = WD_COMP_DEFLATE, .format = format,
				    .level = level, .parallel = 2, .chunk_size = CHUNK };
	size_t cut[MAX_FLUSHES], ip = 0, op = 0;
	struct wd_comp_sess *s;
	int ret, i, next = 0, guard = 0;

	for (i = 0; i < nfl; i++)	/* increasing flush points */
		cut[i] = (len / (nfl + 1)) * (i + 1) + td_rand() % 4096;
	ret = wd_comp_sess_alloc(&s, &st);
	if (ret)
		return ret;
	for (;;) {
		struct wd_comp_req r = { 0 };
		size_t step = 1 + td_rand() % (1u << 20), end = len;

		if (next < nfl)
			end = cut[next];
		r.src = corpus + ip;
		r.src_len = end - ip < step ? end - ip : step;
		r.dst = out + op;
		r.dst_len = cap - op;
		r.flush = ip + r.src_len < end ? WD_COMP_NO_FLUSH :
			  next == nfl ? WD_COMP_FINISH :
			  next % 2 ? WD_COMP_FULL_FLUSH : WD_COMP_SYNC_FLUSH;
		ret = wd_comp_stream(s, &r);
		if (ret)
			break;
		ip += r.consumed;
		op += r.produced;
		if (r.end || ++guard > 100000)
			break;
		/* a flush is done when all its input is in and nothing is left */
		if (next < nfl && ip == end && r.flush != WD_COMP_NO_FLUSH &&
		    r.produced < r.dst_len) {
			fp[next].in = ip;
			fp[next].out = op;
			next++;
		}
	}
	wd_comp_sess_free(s);
	return ret ? ret : (long)op;
}

static void check_streams(void)
{
	static const int levels[] = { 2, 6, 9 };
	size_t cap = CORPUS + CORPUS / 4, len = CORPUS;
	uint8_t *out = malloc(cap), *back = malloc(len);
	struct flush_point fp[MAX_FLUSHES];
	int f, l, i, end;

	if (!out || !back)
		tap_bail("no memory");
	for (f = WD_COMP_RAW; f <= WD_COMP_GZIP; f++) {
		for (l = 0; l < 3; l++) {
			int nfl = 2 + (int)(td_rand() % 5), flush_bad = 0;
			long c = ld_deflate(f, levels[l], len, out, cap, fp, nfl), d;

			d = c > 0 ? td_z_inflate(zwb(f), out, (size_t)c, back, len, &end) : -1;
			ok(d == (long)len && end && !memcmp(back, corpus, len),
			   "format %d level %d, %d flushes: zlib reads the %ld bytes back",
			   f, levels[l], nfl, c);
			for (i = 0; c > 0 && i < nfl; i++) {
				long n = td_z_inflate(zwb(f), out, fp[i].out, back, len, &end);

				if (n != (long)fp[i].in || end || memcmp(back, corpus, fp[i].in)) {
					diag("flush %d: in %zu out %zu: zlib gives %ld%s", i,
					     fp[i].in, fp[i].out, n, end ? " and an end" : "");
					flush_bad++;
				}
			}
			ok(c > 0 && !flush_bad,
			   "format %d level %d: at each flush the output so far is the input so far",
			   f, levels[l]);
		}
	}
	free(out);
	free(back);
}

/*
 * wdgzip's way: a one-queue stream primed with 32 KiB of history, then
 * pieces of 1 MiB, each ending in a sync flush, the last in FINISH.
 */
static long primed_stream(uint8_t *out, size_t cap)
{
	struct wd_comp_setup st = { .op = WD_COMP_DEFLATE, .format = WD_COMP_RAW,
				    .level = 6 };
	struct wd_comp_sess *s;
	size_t ip = 32768, op = 0;
	int ret;

	ret = wd_comp_sess_alloc(&s, &st);
	if (ret)
		return ret;
	ret = wd_comp_sess_set_dict(s, corpus, 32768);
	while (!ret && ip < CORPUS) {
		struct wd_comp_req r = { 0 };
		size_t piece = CORPUS - ip < (1u << 20) ? CORPUS - ip : (1u << 20);

		r.src = corpus + ip;
		r.src_len = piece;
		r.dst = out + op;
		r.dst_len = cap - op;
		r.flush = ip + piece == CORPUS ? WD_COMP_FINISH : WD_COMP_SYNC_FLUSH;
		ret = wd_comp_stream(s, &r);
		if (!ret && r.consumed != piece)
			ret = -EIO;
		ip += r.consumed;
		op += r.produced;
	}
	wd_comp_sess_free(s);
	return ret ? ret : (long)op;
}

/* Stock zlib reads a primed_stream() back with the same history. */
static int primed_reads_back(const uint8_t *in, size_t len, uint8_t *back)
{
	z_stream zs = { 0 };
	int ret;

	if (inflateInit2(&zs, -15) != Z_OK)
		return 0;
	ret = inflateSetDictionary(&zs, corpus, 32768);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = back;
	zs.avail_out = CORPUS;
	if (ret == Z_OK)
		ret = inflate(&zs, Z_FINISH);
	inflateEnd(&zs);
	return ret == Z_STREAM_END && zs.total_out == CORPUS - 32768 &&
	       !memcmp(back, corpus + 32768, CORPUS - 32768);
}

/* One raw level-6 stream of the corpus, with WD_COMP_ENGINE as given. */
static long one_stream(const char *engine, uint8_t *out, size_t cap)
{
	struct flush_point fp[1];

	if (engine)
		setenv("WD_COMP_ENGINE", engine, 1);
	return ld_deflate(WD_COMP_RAW, 6, CORPUS, out, cap, fp, 0);
}

static void check_engine_choice(void)
{
	size_t cap = CORPUS + CORPUS / 4;
	uint8_t *z_out = mmap(NULL, cap, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint8_t *d_out = malloc(cap), *back = malloc(CORPUS);
	long zl = -1, dl, zp = -1, dp;
	pid_t pid;
	int st = 0;

	if (z_out == MAP_FAILED || !d_out || !back)
		tap_bail("no memory");
	/* the child's engines read WD_COMP_ENGINE=zlib; ours the default */
	pid = fork();
	if (pid == 0) {
		long n = one_stream("zlib", z_out, cap / 2);
		long m = primed_stream(z_out + cap / 2, cap / 2 - 16);

		memcpy(z_out + cap - 16, &n, sizeof(n));
		memcpy(z_out + cap - 8, &m, sizeof(m));
		_exit(0);
	}
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st)) {
		memcpy(&zl, z_out + cap - 16, sizeof(zl));
		memcpy(&zp, z_out + cap - 8, sizeof(zp));
	}
	dp = primed_stream(d_out, cap);
	ok(dp > 0 && primed_reads_back(d_out, (size_t)dp, back),
	   "a primed one-queue stream in 1 MiB sync-flushed pieces reads back (%ld bytes)", dp);
#ifdef HAVE_LIBDEFLATE
	ok(zp > 0 && dp > 0 && (zp != dp || memcmp(z_out + cap / 2, d_out, (size_t)dp)),
	   "and its pieces went to libdeflate too (%ld bytes with zlib's engine)", zp);
#else
	tap_skip_n(1, "built without libdeflate: every piece is zlib's");
#endif
	dl = one_stream(NULL, d_out, cap);
	ok(zl > 0 && dl > 0, "the same stream with zlib's engine (%ld bytes) and the default (%ld)",
	   zl, dl);
#ifdef HAVE_LIBDEFLATE
	ok(zl > 0 && dl > 0 && (zl != dl || memcmp(z_out, d_out, (size_t)dl)),
	   "the default engine codes 512 KiB chunks with libdeflate: not zlib's bytes");
	ok(dl > 0 && dl <= zl + zl / 200,
	   "and no more than 0.5%% larger than zlib's chunks (%ld, %ld)", dl, zl);
#else
	tap_skip_n(2, "built without libdeflate: every chunk is zlib's");
#endif
	munmap(z_out, cap);
	free(d_out);
	free(back);
}

static void check_text_size(void)
{
	size_t cap = CORPUS + CORPUS / 4, len;
	uint8_t *text = malloc(CORPUS), *out = malloc(cap), *keep = corpus;
	struct flush_point fp[1];
	int level, bad = 0;

	if (!text || !out)
		tap_bail("no memory");
	len = td_fill_dir(text, CORPUS, "/usr/include");
	if (len < CORPUS)
		len += td_fill_dir(text + len, CORPUS - len, "/usr/include/linux");
	if (len < 2 * CHUNK) {
		tap_skip_n(1, "fewer than 1 MiB of headers in /usr/include");
		free(text);
		free(out);
		return;
	}
	corpus = text;		/* ld_deflate() compresses corpus */
	for (level = 2; level <= 9; level++) {
		long z = td_z_deflate(-15, level, Z_DEFAULT_STRATEGY, text, len, out, cap);
		long w = ld_deflate(WD_COMP_RAW, level, len, out, cap, fp, 0);

		if (z <= 0 || w <= 0 || w > z + z / 200) {
			diag("level %d: %ld bytes, zlib %ld (%+.2f%%)", level, w, z,
			     z > 0 ? (w - z) * 100.0 / z : 0.0);
			bad++;
		}
	}
	corpus = keep;
	ok(!bad, "%zu bytes of headers, levels 2-9: within 0.5%% of zlib's one stream", len);
	free(text);
	free(out);
}

/*
 * Text, then random bytes (as wdgzip-data.bats's files): libdeflate stores
 * what does not compress, and a stored block cannot be moved by part of a
 * byte; the chunks across the change must still join.
 */
static void check_mixed(void)
{
	uint8_t *mixed = malloc(CORPUS), *keep = corpus, *out, *back;
	size_t i, cap = CORPUS + CORPUS / 4;
	long n;

	out = malloc(cap);
	back = malloc(CORPUS);
	if (!mixed || !out || !back)
		tap_bail("no memory");
	/* the change inside a chunk, not on a chunk boundary */
	memcpy(mixed, corpus, CORPUS / 2 + 100000);
	for (i = CORPUS / 2 + 100000; i < CORPUS; i++)
		mixed[i] = (uint8_t)td_rand();
	corpus = mixed;
	check_streams();
	n = primed_stream(out, cap);
	ok(n > 0 && primed_reads_back(out, (size_t)n, back),
	   "text then random bytes: a primed stream in 1 MiB pieces reads back (%ld bytes)", n);
	corpus = keep;
	free(mixed);
	free(out);
	free(back);
}

int main(void)
{
	tap_plan(0);
	unsetenv("WD_COMP_ENGINE");
	setenv("WD_DEVICE", "soft", 1);		/* the engine under test */
	corpus = td_corpus(CORPUS);
	if (!corpus)
		tap_bail("no memory");
	check_engine_choice();	/* first: the child must fork before any queue */
	check_streams();
	check_text_size();
	check_mixed();
	free(corpus);
	return tap_exit();
}
