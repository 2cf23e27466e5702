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
 *    WD_COMP_ENGINE=zlib (in a child, as the knob is read once) differs.
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

/* Stock zlib on out[0..len): bytes it gives with Z_SYNC_FLUSH; *end set
 * when it reached the end of the stream, -1 on an error. */
static long z_inflate(int format, const uint8_t *in, size_t len, uint8_t *out,
		      size_t cap, int *end)
{
	z_stream zs = { 0 };
	long n;
	int ret;

	if (inflateInit2(&zs, zwb(format)) != Z_OK)
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

			d = c > 0 ? z_inflate(f, out, (size_t)c, back, len, &end) : -1;
			ok(d == (long)len && end && !memcmp(back, corpus, len),
			   "format %d level %d, %d flushes: zlib reads the %ld bytes back",
			   f, levels[l], nfl, c);
			for (i = 0; c > 0 && i < nfl; i++) {
				long n = z_inflate(f, out, fp[i].out, back, len, &end);

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
	uint8_t *d_out = malloc(cap);
	long zl = -1, dl;
	pid_t pid;
	int st = 0;

	if (z_out == MAP_FAILED || !d_out)
		tap_bail("no memory");
	/* the child's engines read WD_COMP_ENGINE=zlib; ours the default */
	pid = fork();
	if (pid == 0) {
		long n = one_stream("zlib", z_out, cap);

		memcpy(z_out + cap - sizeof(n), &n, sizeof(n));
		_exit(0);
	}
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		memcpy(&zl, z_out + cap - sizeof(zl), sizeof(zl));
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
	free(corpus);
	return tap_exit();
}
