// SPDX-License-Identifier: MIT
/*
 * test_shim_stream.c - the zlib shim's stream contract, side by side with
 * stock zlib: gzread/gzgets/gzgetc/gzungetc/gzseek/gzdirect on every read
 * size and file shape, inflate with small output buffers under every flush
 * mode, and inflateCopy/deflateCopy in every state of a stream.
 *
 * The program is linked with libwdz (its zlib calls are the shim's, every
 * stream forced onto queues: WD_ZLIB=force); stock zlib is loaded with
 * dlmopen(LM_ID_NEWLM), in a link map of its own, so that its gzread calls
 * its own inflate (a plain dlopen would bind that to the shim). Both sides
 * are driven through one table of functions by the same code, and what a
 * caller can see is compared after every call: return code, output bytes,
 * avail_out, total_out, adler; data_type and avail_in/total_in where the
 * shim promises zlib's (at the end of a stream, on Z_BLOCK/Z_TREES
 * streams, which are zlib's; doc/compression.md says why not mid-stream).
 *
 * Device failures are injected in a child process (WD_SOFT_FAULT is read
 * once per process): the child re-runs the inflateCopy checks and reports
 * its result through its exit status.
 */
#include "config.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "tap.h"
#include "comp_data.h"

#define FUNCS \
	X(inflateInit2_) X(inflate) X(inflateEnd) X(inflateCopy) X(inflateReset) \
	X(deflateInit2_) X(deflate) X(deflateEnd) X(deflateCopy) \
	X(deflateSetDictionary) \
	X(gzopen) X(gzbuffer) X(gzread) X(gzgets) X(gzgetc_) X(gzungetc) \
	X(gzseek) X(gztell) X(gzdirect) X(gzeof) X(gzerror) X(gzclose)

struct zf {
	const char *name;
#define X(f) __typeof__(&f) f;
	FUNCS
#undef X
};

static struct zf shim = {
	"shim",
#define X(f) f,
	FUNCS
#undef X
};
static struct zf real;

static uint8_t *corpus;
#define CORPUS		(3u << 20)
#define MAX_CALLS	(1u << 20)

static int quiet;	/* the fault child: diag lines only */

static void load_real(void)
{
	void *h = dlmopen(LM_ID_NEWLM, SYSTEM_LIBZ, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		tap_bail("no stock zlib");
#define X(f) \
	*(void **)&real.f = dlsym(h, #f); \
	if (!real.f || (void *)real.f == (void *)f) \
		tap_bail("stock zlib lacks " #f);
	FUNCS
#undef X
}

/* ------------------------------------------------------------------ */
/* inflate traces                                                      */

/* What a caller sees after one inflate() call. */
struct obs {
	int ret, data_type;
	uInt avail_in, avail_out;
	uLong total_in, total_out, adler;
};

struct run {
	struct obs *o;		/* one per call */
	unsigned int n;
	uint8_t *out;		/* all output */
	int full;		/* compare avail_in, total_in, data_type on every call */
};

static void observe(struct run *r, const z_stream *zs, int ret)
{
	struct obs *o = &r->o[r->n < MAX_CALLS ? r->n++ : MAX_CALLS - 1];

	o->ret = ret;
	o->data_type = zs->data_type;
	o->avail_in = zs->avail_in;
	o->avail_out = zs->avail_out;
	o->total_in = zs->total_in;
	o->total_out = zs->total_out;
	o->adler = zs->adler;
}

/* The first difference of two runs of the same calls, or 0. */
static int runs_differ(const struct run *a, const struct run *b, char *why, size_t len)
{
	unsigned int i;

	for (i = 0; i < a->n && i < b->n; i++) {
		const struct obs *x = &a->o[i], *y = &b->o[i];
		/* zlib's own fields wherever the stream is zlib's or ended */
		int all = a->full || y->ret == Z_STREAM_END || i + 1 == b->n;

		if (x->ret != y->ret || x->avail_out != y->avail_out ||
		    x->total_out != y->total_out || x->adler != y->adler ||
		    (all && (x->avail_in != y->avail_in || x->total_in != y->total_in ||
			     x->data_type != y->data_type))) {
			snprintf(why, len, "call %u: shim ret %d out %u/%lu in %u/%lu adler %lx "
				 "dt %d, zlib ret %d out %u/%lu in %u/%lu adler %lx dt %d", i,
				 x->ret, x->avail_out, x->total_out, x->avail_in, x->total_in,
				 x->adler, x->data_type, y->ret, y->avail_out, y->total_out,
				 y->avail_in, y->total_in, y->adler, y->data_type);
			return 1;
		}
	}
	if (a->n != b->n) {
		snprintf(why, len, "shim made %u calls, zlib %u", a->n, b->n);
		return 1;
	}
	if (b->n && memcmp(a->out, b->out, a->o[a->n - 1].total_out)) {
		snprintf(why, len, "output bytes differ");
		return 1;
	}
	return 0;
}

static void run_alloc(struct run *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->o = malloc(MAX_CALLS * sizeof(*r->o));
	r->out = malloc(cap + 1);
	if (!r->o || !r->out)
		tap_bail("out of memory");
}

static void run_free(struct run *r)
{
	free(r->o);
	free(r->out);
}

/* How the caller sizes its calls: output piece, input piece (0: all at once). */
struct shape {
	int wbits, flush;
	uInt out_piece, in_piece;
	int random;		/* out pieces 1..out_piece, from a seed */
	int reslice;		/* each call presents 1..in_piece bytes of what is
				 * left from next_in on: at times less than the
				 * call before, as zlib allows */
};

/* One inflate() call of a driven stream: the next output room, the call. */
static int step(const struct zf *z, z_stream *zs, struct run *r, const struct shape *sh,
		size_t cap, uint64_t *seed)
{
	uInt room = sh->out_piece;
	int ret;

	if (sh->random) {
		*seed ^= *seed << 13;
		*seed ^= *seed >> 7;
		*seed ^= *seed << 17;
		room = 1 + (uInt)(*seed % sh->out_piece);
	}
	if (room > cap - zs->total_out)
		room = (uInt)(cap - zs->total_out);
	zs->next_out = r->out + zs->total_out;
	zs->avail_out = room;
	ret = z->inflate(zs, sh->flush);
	observe(r, zs, ret);
	return ret;
}

/* Go on while zlib's rules say a caller goes on: Z_OK, or progress. */
static int goes_on(int ret, uLong out0, const z_stream *zs)
{
	return ret == Z_OK || (ret == Z_BUF_ERROR && zs->total_out != out0);
}

/*
 * Inflate in[len] into r with shape sh (cap: the output room in all).
 * Input all at once: every call is compared; in pieces (given when
 * avail_in is 0, as gzread does), the end.
 */
static void inflate_run(const struct zf *z, const uint8_t *in, size_t len, size_t cap,
			const struct shape *sh, struct run *r)
{
	z_stream zs = { 0 };
	uint64_t seed = 0x1234567, seed2 = 99;
	size_t pos = 0;
	int ret;

	r->n = 0;
	r->full = sh->flush == Z_BLOCK || sh->flush == Z_TREES;
	if (z->inflateInit2_(&zs, sh->wbits, ZLIB_VERSION, (int)sizeof(zs)) != Z_OK)
		tap_bail("inflateInit2");
	zs.next_in = (Bytef *)in;
	do {
		uLong out0 = zs.total_out;

		if (sh->reslice) {
			size_t left = len - (size_t)(zs.next_in - in);

			seed2 = seed2 * 6364136223846793005ull + 1442695040888963407ull;
			zs.avail_in = (uInt)(1 + (seed2 >> 33) % sh->in_piece);
			if (zs.avail_in > left)
				zs.avail_in = (uInt)left;
			pos = len;
		} else if (!zs.avail_in && pos < len) {
			size_t n = sh->in_piece && sh->in_piece < len - pos ? sh->in_piece :
				   len - pos;

			zs.next_in = (Bytef *)in + pos;
			zs.avail_in = (uInt)n;
			pos += n;
		}
		ret = step(z, &zs, r, sh, cap, &seed);
		if (!goes_on(ret, out0, &zs) && !(ret == Z_BUF_ERROR && pos < len &&
						   !zs.avail_in))
			break;
	} while (r->n < MAX_CALLS);
	z->inflateEnd(&zs);
}

static struct run ra, rb;

/* One shape on one compressed input: shim and zlib, compared. */
static int inflate_same(const uint8_t *in, size_t len, size_t cap, const struct shape *sh,
			const char *what)
{
	char why[400];
	int same;

	inflate_run(&shim, in, len, cap, sh, &ra);
	inflate_run(&real, in, len, cap, sh, &rb);
	if (sh->in_piece) {	/* only the end: collapse both to their last call */
		ra.o[0] = ra.o[ra.n - 1];
		rb.o[0] = rb.o[rb.n - 1];
		ra.n = rb.n = 1;
		/* the room of the last call depends on the calls before it */
		ra.o[0].avail_out = rb.o[0].avail_out;
	}
	same = !runs_differ(&ra, &rb, why, sizeof(why));
	if (!same)
		diag("%s wbits %d flush %d out %u%s in %u: %s", what, sh->wbits, sh->flush,
		     sh->out_piece, sh->random ? " (random)" : "", sh->in_piece, why);
	return same;
}

/* A stream of n corpus bytes made by stock zlib, + extra bytes after it. */
static size_t make_stream(int wbits, size_t n, size_t extra, uint8_t *out, size_t cap)
{
	z_stream zs = { 0 };
	size_t len;

	real.deflateInit2_(&zs, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
			   (int)sizeof(zs));
	zs.next_in = corpus;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (real.deflate(&zs, Z_FINISH) != Z_STREAM_END)
		tap_bail("stock deflate");
	len = zs.total_out;
	real.deflateEnd(&zs);
	memset(out + len, 'x', extra);
	return len + extra;
}

static void test_inflate_shapes(void)
{
	static const int flushes[] = { Z_NO_FLUSH, Z_SYNC_FLUSH, Z_FINISH, Z_BLOCK, Z_TREES };
	static const struct { int enc, dec; } fmts[] = {
		{ -15, -15 }, { 15, 15 }, { 31, 31 }, { 15, 47 }, { 31, 47 },
	};
	/* 256 KiB is the shim's stage, 64 KiB its direct-output threshold */
	static const size_t sizes[] = { 0, 1, 100000, 256u << 10, (1u << 20) + 3 };
	static const uInt outs[] = { 1, 1000, 16384, 65536, 65537, 262144 };
	size_t cap = CORPUS + 1024, si, len, bad = 0, runs = 0;
	uint8_t *comp = malloc(cap);
	unsigned int f, k, o;

	for (f = 0; f < 5; f++) {
		for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			for (k = 0; k < 5; k++) {
				/* trailing bytes after the wrapped streams: zlib leaves them */
				len = make_stream(fmts[k].enc, sizes[si], fmts[k].enc > 0 ? 9 : 0,
						  comp, cap);
				for (o = 0; o < sizeof(outs) / sizeof(outs[0]); o++) {
					struct shape sh = { fmts[k].dec, flushes[f], outs[o], 0, 0, 0 };

					/* a million calls; 100,000 for two modes */
					if (outs[o] == 1 && (sizes[si] > 100000 ||
							     (sizes[si] > 1 && f % 3)))
						continue;
					runs++;
					bad += !inflate_same(comp, len, sizes[si] + 64, &sh,
							     "inflate");
					/* exactly the room the stream needs, one call */
					sh.out_piece = (uInt)sizes[si] + 1;
					if (o == 0) {
						bad += !inflate_same(comp, len, sizes[si], &sh,
								     "inflate exact");
						runs++;
					}
				}
				/* random pieces, input in pieces as gzread gives it */
				{
					struct shape sh = { fmts[k].dec, flushes[f], 70000, 0, 1, 0 };

					bad += !inflate_same(comp, len, sizes[si] + 64, &sh, "random");
					sh.in_piece = 8192;
					bad += !inflate_same(comp, len, sizes[si] + 64, &sh,
							     "input pieces");
					sh.out_piece = 16384;
					sh.random = 0;
					bad += !inflate_same(comp, len, sizes[si] + 64, &sh,
							     "input pieces");
					sh.reslice = 1;
					sh.in_piece = 30000;
					bad += !inflate_same(comp, len, sizes[si] + 64, &sh,
							     "input resliced");
					runs += 4;
				}
			}
		}
		ok(!bad, "inflate flush %d: small/large/exact/random output pieces, whole or "
		   "pieced input, raw/zlib/gzip/auto, 0 B..1 MiB: the same calls, codes, "
		   "bytes, counters and adler as zlib (%zu runs, %zu differ)", flushes[f],
		   runs, bad);
		bad = runs = 0;
	}
	free(comp);
}

/*
 * A stream read to its end, copied; the copy reset and called with no
 * input, then read again: zlib's codes and data_type.
 */
static void test_reset_empty_call(void)
{
	size_t cap = 300000, len;
	uint8_t *comp = malloc(cap), *out = malloc(cap);
	const struct zf *z[2] = { &shim, &real };
	int ret[2][3], dt[2][3], k;

	len = make_stream(31, 200000, 0, comp, cap);
	for (k = 0; k < 2; k++) {
		z_stream zs = { 0 }, cp;

		z[k]->inflateInit2_(&zs, 31, ZLIB_VERSION, (int)sizeof(zs));
		zs.next_in = comp;
		zs.avail_in = (uInt)len;
		zs.next_out = out;
		zs.avail_out = (uInt)cap;
		ret[k][0] = z[k]->inflate(&zs, Z_NO_FLUSH);
		dt[k][0] = zs.data_type;
		z[k]->inflateCopy(&cp, &zs);
		z[k]->inflateReset(&cp);
		cp.avail_in = 0;
		ret[k][1] = z[k]->inflate(&cp, Z_NO_FLUSH);
		dt[k][1] = cp.data_type;
		cp.next_in = comp;
		cp.avail_in = (uInt)len;
		cp.next_out = out;
		cp.avail_out = (uInt)cap;
		ret[k][2] = z[k]->inflate(&cp, Z_NO_FLUSH);
		dt[k][2] = cp.total_out == 200000 && !memcmp(out, corpus, 200000) ?
			   cp.data_type : -1;
		z[k]->inflateEnd(&cp);
		z[k]->inflateEnd(&zs);
	}
	ok(!memcmp(ret[0], ret[1], sizeof(ret[0])) && !memcmp(dt[0], dt[1], sizeof(dt[0])),
	   "to the end, copied, the copy reset, a call with no input, read again: codes "
	   "%d %d %d, data_type %d %d %d (zlib: %d %d %d, %d %d %d)", ret[0][0], ret[0][1],
	   ret[0][2], dt[0][0], dt[0][1], dt[0][2], ret[1][0], ret[1][1], ret[1][2],
	   dt[1][0], dt[1][1], dt[1][2]);
	free(comp);
	free(out);
}

/*
 * A stream whose first call took all its input (the end decoded ahead),
 * copied; the copy then presented its input in pieces of 1..97 bytes
 * (less than the device took): both ends as zlib's.
 */
static void test_copy_reslice(void)
{
	size_t cap = 300000, len, n = 100000;
	uint8_t *comp = malloc(cap), *out = malloc(cap);
	const struct zf *z[2] = { &shim, &real };
	uLong res[2][5];
	int k;

	len = make_stream(15, n, 0, comp, cap);
	for (k = 0; k < 2; k++) {
		z_stream a = { 0 }, b;
		uint64_t seed = 5;
		int r;

		z[k]->inflateInit2_(&a, 15, ZLIB_VERSION, (int)sizeof(a));
		a.next_in = comp;
		a.avail_in = (uInt)len;
		a.next_out = out;
		a.avail_out = 16384;
		res[k][0] = (uLong)z[k]->inflate(&a, Z_NO_FLUSH);
		z[k]->inflateCopy(&b, &a);
		do {
			size_t left = len - (size_t)(b.next_in - comp);

			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			b.avail_in = (uInt)(1 + (seed >> 33) % 97);
			if (b.avail_in > left)
				b.avail_in = (uInt)left;
			b.next_out = out + b.total_out;
			b.avail_out = (uInt)(cap - b.total_out);
			r = z[k]->inflate(&b, Z_NO_FLUSH);
		} while (r == Z_OK || (r == Z_BUF_ERROR && b.next_in < comp + len));
		res[k][1] = (uLong)r;
		res[k][2] = b.total_out == n && !memcmp(out, corpus, n) ? b.total_out : 0;
		res[k][3] = b.total_in;
		res[k][4] = b.adler;
		z[k]->inflateEnd(&b);
		z[k]->inflateEnd(&a);
	}
	ok(!memcmp(res[0], res[1], sizeof(res[0])),
	   "a copy of a stream decoded ahead to its end, its input then presented in "
	   "pieces of 1..97 bytes: codes %lu %lu, %lu bytes right, total_in %lu, adler %lx "
	   "(zlib: %lu %lu, %lu, %lu, %lx)", res[0][0], res[0][1], res[0][2], res[0][3],
	   res[0][4], res[1][0], res[1][1], res[1][2], res[1][3], res[1][4]);
	free(comp);
	free(out);
}

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

/* ------------------------------------------------------------------ */
/* inflateCopy                                                         */

/*
 * Inflate in[len] (all at once) in out pieces of sh->out_piece; after call
 * copy_at (-1: before the first call), copy the stream, then run the
 * original and the copy to their ends, one call each in turn.
 */
static void copy_run(const struct zf *z, const uint8_t *in, size_t len, size_t cap,
		     const struct shape *sh, int copy_at, struct run *r, struct run *c,
		     int *copy_ret)
{
	z_stream a = { 0 }, b = { 0 };
	uint64_t sa = 1, sb = 1;
	int ra = Z_OK, rb = Z_OK, i, on_a = 1, on_b = 1;

	r->n = c->n = 0;
	r->full = c->full = sh->flush == Z_BLOCK || sh->flush == Z_TREES;
	z->inflateInit2_(&a, sh->wbits, ZLIB_VERSION, (int)sizeof(a));
	a.next_in = (Bytef *)in;
	a.avail_in = (uInt)len;
	*copy_ret = -100;
	for (i = -1; i < copy_at && on_a; i++) {
		uLong out0 = a.total_out;

		ra = step(z, &a, r, sh, cap, &sa);
		on_a = goes_on(ra, out0, &a);
	}
	*copy_ret = z->inflateCopy(&b, &a);
	if (*copy_ret != Z_OK) {
		z->inflateEnd(&a);
		return;
	}
	/* the copy has the output so far too */
	memcpy(c->out, r->out, a.total_out);
	on_b = on_a;
	while ((on_a || on_b) && r->n < MAX_CALLS && c->n < MAX_CALLS) {
		if (on_a) {
			uLong out0 = a.total_out;

			ra = step(z, &a, r, sh, cap, &sa);
			on_a = goes_on(ra, out0, &a);
		}
		if (on_b) {
			uLong out0 = b.total_out;

			rb = step(z, &b, c, sh, cap, &sb);
			on_b = goes_on(rb, out0, &b);
		}
	}
	z->inflateEnd(&a);
	z->inflateEnd(&b);
}

static struct run rc, rd;

static int copy_same(const uint8_t *in, size_t len, size_t cap, const struct shape *sh,
		     int copy_at)
{
	char why[400];
	int cs, cr;

	copy_run(&shim, in, len, cap, sh, copy_at, &ra, &rc, &cs);
	copy_run(&real, in, len, cap, sh, copy_at, &rb, &rd, &cr);
	if (cs != cr) {
		diag("wbits %d out %u copy after call %d: inflateCopy %d, zlib %d", sh->wbits,
		     sh->out_piece, copy_at, cs, cr);
		return 0;
	}
	if (cs != Z_OK)
		return 1;
	if (runs_differ(&ra, &rb, why, sizeof(why))) {
		diag("wbits %d out %u copy after call %d: original: %s", sh->wbits,
		     sh->out_piece, copy_at, why);
		return 0;
	}
	if (runs_differ(&rc, &rd, why, sizeof(why))) {
		diag("wbits %d out %u copy after call %d: copy: %s", sh->wbits, sh->out_piece,
		     copy_at, why);
		return 0;
	}
	return 1;
}

/* Returns the number of differing runs (the fault child's exit status). */
static int inflate_copies(const char *what)
{
	static const int wbits[] = { -15, 15, 31, 47 };
	static const uInt outs[] = { 16384, 100000 };
	static const int at[] = { -1, 0, 1, 5, 20, 70, 1000000 };
	size_t cap = (2u << 20) + 4096, len;
	uint8_t *comp = malloc(cap);
	unsigned int w, o, k;
	int bad = 0, runs = 0;

	for (w = 0; w < 4; w++) {
		len = make_stream(wbits[w] == 47 ? 31 : wbits[w], 1u << 20, 0, comp, cap);
		for (o = 0; o < 2; o++) {
			for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
				struct shape sh = { wbits[w], Z_NO_FLUSH, outs[o], 0, 0, 0 };

				bad += !copy_same(comp, len, (1u << 20) + 64, &sh, at[k]);
				runs++;
			}
		}
		/* Z_FINISH callers and Z_SYNC_FLUSH ones: the same rules */
		{
			struct shape sh = { wbits[w], Z_FINISH, 65536, 0, 0, 0 };

			bad += !copy_same(comp, len, (1u << 20) + 64, &sh, 3);
			sh.flush = Z_SYNC_FLUSH;
			sh.out_piece = 3000;
			bad += !copy_same(comp, len, (1u << 20) + 64, &sh, 50);
			runs += 2;
		}
	}
	/* a device stream that turns to Z_BLOCK (zlib's from then on), copied */
	len = make_stream(15, 1u << 20, 0, comp, cap);
	{
		struct shape sh = { 15, Z_NO_FLUSH, 16384, 0, 0, 0 };
		z_stream a = { 0 }, b = { 0 }, x = { 0 }, y = { 0 };
		uint8_t *oa = malloc(cap), *ob = malloc(cap);
		int i, r1, r2, r3, r4, same = 1;

		(void)sh;
		shim.inflateInit2_(&a, 15, ZLIB_VERSION, (int)sizeof(a));
		real.inflateInit2_(&x, 15, ZLIB_VERSION, (int)sizeof(x));
		a.next_in = x.next_in = comp;
		a.avail_in = x.avail_in = (uInt)len;
		for (i = 0; i < 200 && same; i++) {
			int fl = i < 3 ? Z_NO_FLUSH : Z_BLOCK;

			a.next_out = oa + a.total_out;
			x.next_out = ob + x.total_out;
			a.avail_out = x.avail_out = 5000;
			r1 = shim.inflate(&a, fl);
			r2 = real.inflate(&x, fl);
			same = r1 == r2 && a.total_out == x.total_out && a.adler == x.adler &&
			       (i < 3 || (a.data_type == x.data_type && a.total_in == x.total_in));
			if (i == 4) {
				r3 = shim.inflateCopy(&b, &a);
				r4 = real.inflateCopy(&y, &x);
				same = same && r3 == Z_OK && r4 == Z_OK;
			}
			if (i > 4 && same) {
				b.next_out = oa + b.total_out;
				y.next_out = ob + y.total_out;
				b.avail_out = y.avail_out = 7000;
				r1 = shim.inflate(&b, Z_BLOCK);
				r2 = real.inflate(&y, Z_BLOCK);
				same = r1 == r2 && b.total_out == y.total_out &&
				       b.data_type == y.data_type && b.total_in == y.total_in;
			}
			if (r2 == Z_STREAM_END)
				break;
		}
		if (!same)
			diag("Z_BLOCK after 3 device calls: call %d differs", i);
		bad += !same;
		runs++;
		shim.inflateEnd(&a);
		shim.inflateEnd(&b);
		real.inflateEnd(&x);
		real.inflateEnd(&y);
		free(oa);
		free(ob);
	}
	free(comp);
	if (!quiet)
		ok(!bad, "inflateCopy %s: before the first call, mid-stream, at and after the "
		   "end, raw/zlib/gzip/auto; original and copy go on alike, as zlib's "
		   "(%d runs, %d differ)", what, runs, bad);
	return bad;
}

/* The same with device errors: every 5th request of the child fails. */
static void test_copy_faults(const char *self)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		setenv("WD_SOFT_FAULT", "error=5", 1);
		execl(self, self, "--faults", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "inflateCopy and deflateCopy with a device failing every 5th request "
	   "(streams redone in zlib or in the library, copied before, during and "
	   "after that): as zlib's (child status %d)",
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* ------------------------------------------------------------------ */
/* deflateCopy                                                         */

/*
 * Deflate n corpus bytes in input pieces of 100,000 and output pieces of
 * 16 KiB, copying after call copy_at (-1: before the first; before: a
 * zlib-format dictionary first, which only zlib takes); the original and
 * the copy go on alike. Their outputs and codes must be the same (the
 * device's bytes are its own, not zlib's: doc/compression.md).
 */
struct dres {
	uint8_t *out[2];
	size_t len[2];
	int rets[2][64], nret[2], copy, end[2];
	uint64_t rethash[2];
};

static void deflate_copy_run(const struct zf *z, size_t n, int copy_at, int dict,
			     struct dres *d)
{
	z_stream s[2];
	int i, k, done[2] = { 0, 0 }, ret;
	uInt in_piece = 100000;

	memset(s, 0, sizeof(s));
	memset(d->rethash, 0, sizeof(d->rethash));
	d->nret[0] = d->nret[1] = 0;
	z->deflateInit2_(&s[0], 6, Z_DEFLATED, dict ? 15 : 31, 8, Z_DEFAULT_STRATEGY,
			 ZLIB_VERSION, (int)sizeof(s[0]));
	if (dict)
		z->deflateSetDictionary(&s[0], corpus + CORPUS - 5000, 5000);
	d->copy = -100;
	for (i = -1; ; i++) {
		for (k = 0; k < 2; k++) {
			z_stream *zs = &s[k];
			size_t at = zs->total_in;

			if (k == 1 && i <= copy_at)
				continue;
			if (done[k])
				continue;
			if (i == copy_at && k == 0) {
				/* the copy, before this call of the original */
				d->copy = z->deflateCopy(&s[1], &s[0]);
				if (d->copy != Z_OK)
					done[1] = 1;
			}
			if (!zs->avail_in) {
				zs->next_in = corpus + at;
				zs->avail_in = n - at < in_piece ? (uInt)(n - at) : in_piece;
			}
			zs->next_out = d->out[k] + zs->total_out;
			zs->avail_out = 16384;
			ret = z->deflate(zs, at + zs->avail_in == n ? Z_FINISH : Z_NO_FLUSH);
			d->rethash[k] = d->rethash[k] * 31 + (uint64_t)(ret + 10);
			if (ret == Z_STREAM_END || (ret != Z_OK && ret != Z_BUF_ERROR) ||
			    zs->total_out > (n + n / 4 + 4096))
				done[k] = 1;
			d->end[k] = ret;
		}
		if (done[0] && (done[1] || i < copy_at) && i >= copy_at)
			break;
		if (i > 100000)
			break;
	}
	/* copy after the end (copy_at past the last call) */
	if (d->copy == -100) {
		d->copy = z->deflateCopy(&s[1], &s[0]);
		if (d->copy == Z_OK) {
			memcpy(d->out[1], d->out[0], s[0].total_out);
			s[1].next_out = d->out[1] + s[1].total_out;
			s[1].avail_out = 100;
			d->end[1] = z->deflate(&s[1], Z_FINISH);
		}
	}
	d->len[0] = s[0].total_out;
	d->len[1] = d->copy == Z_OK ? s[1].total_out : 0;
	if (d->copy == Z_OK) {
		d->end[1] = d->end[1] * 16 + z->deflateEnd(&s[1]) + 8;
	}
	d->end[0] = d->end[0] * 16 + z->deflateEnd(&s[0]) + 8;
}

static int inflates_to_corpus(int wbits, const uint8_t *in, size_t len, size_t n,
			      uint8_t *back)
{
	int end;

	return td_z_inflate(wbits, in, len, back, n + 1, &end) == (long)n && end &&
	       !memcmp(back, corpus, n);
}

static int test_deflate_copies(void)
{
	static const int at[] = { -1, 0, 2, 9, 1000 };
	size_t n = 900001, cap = n + n / 4 + 8192;
	struct dres ds, dz;
	uint8_t *back = malloc(n + 1);
	unsigned int k, dict;
	int bad = 0, runs = 0;

	ds.out[0] = malloc(cap);
	ds.out[1] = malloc(cap);
	dz.out[0] = malloc(cap);
	dz.out[1] = malloc(cap);
	for (dict = 0; dict < 2; dict++) {
		for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
			int wb = dict ? 15 : 31, good;

			deflate_copy_run(&shim, n, at[k], (int)dict, &ds);
			deflate_copy_run(&real, n, at[k], (int)dict, &dz);
			good = ds.copy == dz.copy && ds.copy == Z_OK &&
			       ds.end[0] == dz.end[0] && ds.end[1] == dz.end[1] &&
			       ds.len[0] == ds.len[1] && !memcmp(ds.out[0], ds.out[1], ds.len[0]);
			/* with a dictionary the streams are zlib's: its very bytes */
			if (dict)
				good = good && ds.len[0] == dz.len[0] &&
				       !memcmp(ds.out[0], dz.out[0], dz.len[0]) &&
				       ds.rethash[0] == dz.rethash[0];
			else
				good = good && inflates_to_corpus(wb, ds.out[0], ds.len[0], n, back);
			if (!good)
				diag("deflateCopy after call %d%s: copy %d/%d, ends %d %d / %d %d, "
				     "lengths %zu %zu (zlib %zu %zu)", at[k],
				     dict ? " (zlib's stream)" : "", ds.copy, dz.copy, ds.end[0],
				     ds.end[1], dz.end[0], dz.end[1], ds.len[0], ds.len[1],
				     dz.len[0], dz.len[1]);
			bad += !good;
			runs++;
		}
	}
	if (!quiet)
		ok(!bad, "deflateCopy before the first call, mid-stream on the device, on a "
		   "zlib-served stream, after the end: original and copy give the same "
		   "bytes and codes, as zlib's copies (%d runs, %d differ)", runs, bad);
	free(ds.out[0]);
	free(ds.out[1]);
	free(dz.out[0]);
	free(dz.out[1]);
	free(back);
	return bad;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The time each part takes, to keep the whole within make check's budget. */
#define TIMED(call) \
	do { \
		double t0 = now(); \
		call; \
		diag("%s: %.1f s", #call, now() - t0); \
	} while (0)

int main(int argc, char **argv)
{
	int fd;

	/* every stream that can be offloaded is (small ones too) */
	setenv("WD_ZLIB", "force", 1);
	load_real();
	corpus = td_corpus(CORPUS);
	run_alloc(&ra, CORPUS);
	run_alloc(&rb, CORPUS);
	run_alloc(&rc, CORPUS);
	run_alloc(&rd, CORPUS);
	if (argc > 1 && !strcmp(argv[1], "--faults")) {
		quiet = 1;
		return inflate_copies("with device faults") + test_deflate_copies() ? 1 : 0;
	}
	tap_plan(0);
	snprintf(gz_path, sizeof(gz_path), "/tmp/wdz-stream-XXXXXX");
	fd = mkstemp(gz_path);
	if (fd < 0)
		tap_bail("temporary file");
	close(fd);
	TIMED(test_gzread_issue());
	TIMED(test_gzread_shapes());
	TIMED(test_gz_calls());
	TIMED(test_inflate_shapes());
	test_reset_empty_call();
	test_copy_reslice();
	TIMED(inflate_copies("on the device"));
	TIMED(test_deflate_copies());
	TIMED(test_copy_faults(argv[0]));
	unlink(gz_path);
	run_free(&ra);
	run_free(&rb);
	run_free(&rc);
	run_free(&rd);
	free(corpus);
	tap_done();
	return tap_exit();
}
