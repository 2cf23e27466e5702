// SPDX-License-Identifier: MIT
/*
 * test_wd_comp.c - wd_comp sessions on the soft device, checked against
 * stock zlib: streams in random steps both ways, every format, levels,
 * windows, strategies, flush patterns; oneshot jobs and their errors;
 * asynchronous requests; one stream over several queues; share-domain
 * queues; malformed parameter blocks sent straight to the device.
 */
#include <errno.h>
#include <unistd.h>
#include <string.h>
#include <zlib.h>
#include "tap.h"
#include "wd.h"
#include "wd_comp.h"
#include "wd_ring.h"
#include "alg_counter.h"
#include "comp_data.h"

#define CORPUS	(3u << 20)

static uint8_t *corpus;

static int zwb(int format, int wb)
{
	wb = wb ? wb : 15;
	return format == WD_COMP_RAW ? -wb : format == WD_COMP_GZIP ? wb + 16 :
	       format == WD_COMP_AUTO ? wb + 32 : wb;
}

/* stock zlib inflate of a whole stream; returns bytes or -1 */
static long z_inflate(int format, int wb, const uint8_t *in, size_t len,
		      uint8_t *out, size_t cap)
{
	int end;
	long n = td_z_inflate(zwb(format, wb), in, len, out, cap, &end);

	return end ? n : -1;
}

static long z_deflate(int format, int level, int wb, int strategy,
		      const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	return td_z_deflate(zwb(format, wb), level, strategy, in, len, out, cap);
}

/* Compress with wd_comp_stream in random steps; returns bytes or -errno. */
static long wd_deflate(struct wd_comp_setup *st, const uint8_t *in, size_t len,
		       uint8_t *out, size_t cap, size_t max_step, int flushes)
{
	struct wd_comp_sess *s;
	size_t ip = 0, op = 0;
	int ret, guard = 0;

	ret = wd_comp_sess_alloc(&s, st);
	if (ret)
		return ret;
	for (;;) {
		struct wd_comp_req r = { 0 };
		size_t in_step = 1 + td_rand() % max_step, out_step = 1 + td_rand() % max_step;

		r.src = in + ip;
		r.src_len = len - ip < in_step ? len - ip : in_step;
		r.dst = out + op;
		r.dst_len = cap - op < out_step ? cap - op : out_step;
		static const int fl[] = { WD_COMP_PARTIAL_FLUSH, WD_COMP_SYNC_FLUSH,
					  WD_COMP_FULL_FLUSH, WD_COMP_BLOCK };

		r.flush = ip + r.src_len == len ? WD_COMP_FINISH :
			  flushes && td_rand() % 4 == 0 ? fl[td_rand() % 4] : 0;
		ret = wd_comp_stream(s, &r);
		if (ret)
			break;
		ip += r.consumed;
		op += r.produced;
		if (r.end || ++guard > 1000000 || op == cap)
			break;
	}
	wd_comp_sess_free(s);
	return ret ? ret : (long)op;
}

/* Decompress with wd_comp_stream, input cut at random points. */
static long wd_inflate(struct wd_comp_setup *st, const uint8_t *in, size_t len,
		       uint8_t *out, size_t cap, size_t max_step, size_t *used)
{
	struct wd_comp_sess *s;
	size_t ip = 0, op = 0;
	int ret, end = 0, guard = 0;

	ret = wd_comp_sess_alloc(&s, st);
	if (ret)
		return ret;
	while (!end && guard++ < 1000000) {
		struct wd_comp_req r = { 0 };
		size_t in_step = 1 + td_rand() % max_step, out_step = 1 + td_rand() % max_step;

		r.src = in + ip;
		r.src_len = len - ip < in_step ? len - ip : in_step;
		r.dst = out + op;
		r.dst_len = cap - op < out_step ? cap - op : out_step;
		ret = wd_comp_stream(s, &r);
		if (ret)
			break;
		ip += r.consumed;
		op += r.produced;
		end = r.end;
		if (!r.consumed && !r.produced && ip == len)
			break;	/* truncated */
	}
	wd_comp_sess_free(s);
	if (used)
		*used = ip;
	if (ret)
		return ret;
	return end ? (long)op : -ENODATA;
}

static void test_stream_matrix(void)
{
	static const int levels[] = { 0, 1, 2, 6, 9 };
	static const int wbs[] = { 9, 12, 15 };
	static const int strategies[] = { 0, 1, 2, 3, 4 };
	size_t len = 300000, cap = 2 * len + 1024;
	uint8_t *out = malloc(cap), *back = malloc(len);
	int f, li, wi, si, bad = 0, n = 0;

	for (f = 0; f < 3; f++)
		for (li = 0; li < 5; li++)
			for (wi = 0; wi < 3; wi++)
				for (si = 0; si < 5; si++) {
					struct wd_comp_setup st = { 0 };
					long c, d;

					if (si && (wi != 2 || li != 2))
						continue;	/* strategies once */
					st.op = WD_COMP_DEFLATE;
					st.format = f;
					st.level = levels[li];
					st.window_bits = wbs[wi];
					st.strategy = strategies[si];
					c = wd_deflate(&st, corpus, len, out, cap, 70000, 1);
					d = c > 0 ? z_inflate(f, wbs[wi], out, (size_t)c, back, len) : -1;
					n++;
					if (d != (long)len || memcmp(back, corpus, len)) {
						bad++;
						diag("deflate fmt %d level %d wb %d strat %d: c=%ld d=%ld",
						     f, levels[li], wbs[wi], strategies[si], c, d);
					}
				}
	ok(bad == 0, "stream deflate, random steps and flushes, read by zlib: %d/%d", n - bad, n);

	/* the other way: zlib streams read by wd_comp cut at any byte */
	bad = n = 0;
	for (f = 0; f < 3; f++)
		for (li = 0; li < 5; li++) {
			struct wd_comp_setup st = { .op = WD_COMP_INFLATE, .format = f };
			long c = z_deflate(f, levels[li], 15, 0, corpus, len, out, cap);
			long d = wd_inflate(&st, out, (size_t)c, back, len, li == 0 ? 7 : 5000, NULL);

			n++;
			if (d != (long)len || memcmp(back, corpus, len)) {
				bad++;
				diag("inflate fmt %d level %d: d=%ld", f, levels[li], d);
			}
		}
	ok(bad == 0, "zlib streams inflated by wd_comp in random pieces: %d/%d", n - bad, n);
	free(out);
	free(back);
}

static void test_ratio(void)
{
	size_t len = CORPUS, cap = len + len / 8 + 1024;
	uint8_t *out = malloc(cap);
	int levels[] = { 1, 6 }, i;

	for (i = 0; i < 2; i++) {
		struct wd_comp_setup st = { .op = WD_COMP_DEFLATE, .format = WD_COMP_ZLIB,
					    .level = levels[i] };
		long z = z_deflate(WD_COMP_ZLIB, levels[i], 15, 0, corpus, len, out, cap);
		long w = wd_deflate(&st, corpus, len, out, cap, 128 << 10, 0);

		ok(w > 0 && w <= z + z / 200, "level %d stream in 128 KiB steps: %ld bytes, zlib %ld",
		   levels[i], w, z);
		st.parallel = 2;
		w = wd_deflate(&st, corpus, len, out, cap, 128 << 10, 0);
		ok(w > 0 && w <= z + z / 200, "level %d over 2 queues: %ld bytes, zlib %ld",
		   levels[i], w, z);
	}
	free(out);
}

static void test_oneshot(void)
{
	size_t len = 100000, cap = len * 2;
	uint8_t *out = malloc(cap), *back = malloc(len);
	struct wd_comp_setup cs = { .op = WD_COMP_DEFLATE, .format = WD_COMP_GZIP, .level = 6 };
	struct wd_comp_setup ds = { .op = WD_COMP_INFLATE, .format = WD_COMP_AUTO };
	struct wd_comp_sess *c, *d;
	struct wd_comp_req r = { 0 };
	size_t clen;
	int ret;

	ok(wd_comp_sess_alloc(&c, &cs) == 0 && wd_comp_sess_alloc(&d, &ds) == 0,
	   "sessions open");
	r.src = corpus;
	r.src_len = len;
	r.dst = out;
	r.dst_len = cap;
	ret = wd_comp_oneshot(c, &r);
	clen = r.produced;
	ok(ret == 0 && r.end && r.consumed == len && z_inflate(WD_COMP_GZIP, 15, out, clen, back, len) == (long)len &&
	   r.checksum == crc32(0, corpus, (uInt)len), "oneshot gzip: zlib reads it, crc32 reported");

	memset(&r, 0, sizeof(r));
	r.src = out;
	r.src_len = clen;
	r.dst = back;
	r.dst_len = len;
	ret = wd_comp_oneshot(d, &r);
	ok(ret == 0 && r.produced == len && !memcmp(back, corpus, len), "oneshot inflate (auto-detected gzip)");

	r.dst_len = len - 1;
	r.status = 0;
	ok(wd_comp_oneshot(d, &r) == -ENOSPC, "oneshot inflate into a short buffer: -ENOSPC");
	r.dst_len = len;
	r.src_len = clen - 9;
	ok(wd_comp_oneshot(d, &r) == -ENODATA, "truncated stream: -ENODATA");
	r.src_len = clen;
	out[clen / 2] ^= 0x55;
	out[clen / 2 + 1] ^= 0xaa;
	ret = wd_comp_oneshot(d, &r);
	ok(ret == -EBADMSG, "corrupt stream: -EBADMSG (%d)", ret);
	out[3] = 0x1f;		/* reserved gzip flag bits... */
	out[3] |= 0xe0;
	ok(wd_comp_oneshot(d, &r) == -EBADMSG, "bad gzip header: -EBADMSG");

	memset(&r, 0, sizeof(r));
	r.src = corpus;
	r.src_len = len;
	r.dst = out;
	r.dst_len = 100;
	ok(wd_comp_oneshot(c, &r) == -ENOSPC, "oneshot deflate into 100 bytes: -ENOSPC");
	wd_comp_sess_free(c);
	wd_comp_sess_free(d);
	free(out);
	free(back);
}

/*
 * A raw stream primed with a dictionary: zlib inflates it with the same
 * dictionary, and the deflate counters count the data, not the dictionary
 * (wdgzip primes every piece with 32 KiB; counted, it inflated bytes-in).
 */
static void test_dict(void)
{
	size_t len = 100000, cap = len * 2, dict_len = 32768;
	uint8_t *out = malloc(cap), *back = malloc(len);
	struct wd_comp_setup cs = { .op = WD_COMP_DEFLATE, .format = WD_COMP_RAW, .level = 6 };
	struct wd_comp_sess *c;
	struct wd_comp_req r = { 0 };
	z_stream zs = { 0 };
	uint64_t before;
	int ret, zret;

	if (wd_comp_sess_alloc(&c, &cs) != 0) {
		ok(0, "raw deflate session opens");
		return;
	}
	before = alg_counter("deflate", WD_ALG_BYTES_IN);
	ret = wd_comp_sess_set_dict(c, corpus, dict_len);
	r.src = corpus + dict_len;
	r.src_len = len;
	r.dst = out;
	r.dst_len = cap;
	r.flush = WD_COMP_FINISH;
	if (ret == 0)
		ret = wd_comp_stream(c, &r);
	inflateInit2(&zs, -15);
	inflateSetDictionary(&zs, corpus, (uInt)dict_len);
	zs.next_in = out;
	zs.avail_in = (uInt)r.produced;
	zs.next_out = back;
	zs.avail_out = (uInt)len;
	zret = inflate(&zs, Z_FINISH);
	ok(ret == 0 && r.end && zret == Z_STREAM_END && zs.total_out == len &&
	   !memcmp(back, corpus + dict_len, len),
	   "raw stream primed with 32 KiB: zlib inflates it with the dictionary (%d, %d)",
	   ret, zret);
	inflateEnd(&zs);
	ok(alg_counter("deflate", WD_ALG_BYTES_IN) - before == len,
	   "deflate bytes-in counts the %zu bytes of data, not the dictionary (got %llu)",
	   len, (unsigned long long)(alg_counter("deflate", WD_ALG_BYTES_IN) - before));
	wd_comp_sess_free(c);
	free(out);
	free(back);
}

static int cb_count;

static void count_cb(struct wd_comp_req *r)
{
	(void)r;
	cb_count++;
}

static void test_async(void)
{
	enum { N = 6, LEN = 64 << 10 };
	struct wd_comp_setup cs = { .op = WD_COMP_DEFLATE, .format = WD_COMP_ZLIB, .level = 1 };
	struct wd_comp_req r[N];
	struct wd_comp_sess *s;
	uint8_t *out = malloc((size_t)N * 2 * LEN), *back = malloc(LEN);
	int i, sent = 0, good = 0, done = 0;

	ok(wd_comp_sess_alloc(&s, &cs) == 0, "async session");
	memset(r, 0, sizeof(r));
	for (i = 0; i < N; i++) {
		r[i].src = corpus + (size_t)i * LEN;
		r[i].src_len = LEN;
		r[i].dst = out + (size_t)i * 2 * LEN;
		r[i].dst_len = 2 * LEN;
		r[i].cb = count_cb;
		sent += wd_comp_send(s, &r[i], 0) == 0;
	}
	ok(sent == N && wd_comp_inflight(s) > 0, "%d oneshot jobs in flight", sent);
	while (wd_comp_inflight(s) && done >= 0)
		done = wd_comp_poll(s, 0, 1);
	for (i = 0; i < N; i++)
		good += r[i].status == 0 &&
			z_inflate(WD_COMP_ZLIB, 15, r[i].dst, r[i].produced, back, LEN) == LEN &&
			!memcmp(back, r[i].src, LEN);
	ok(good == N && cb_count == N, "all completed with callbacks, zlib reads each (%d, cb %d)",
	   good, cb_count);

	/* stream steps in flight, in order */
	wd_comp_sess_reset(s);
	for (i = 0; i < N; i++) {
		r[i].flush = i == N - 1 ? WD_COMP_FINISH : WD_COMP_NO_FLUSH;
		r[i].cb = NULL;
		r[i].dst = out + (size_t)i * 2 * LEN;
	}
	sent = 0;
	for (i = 0; i < N; i++)
		sent += wd_comp_send(s, &r[i], 1) == 0;
	while (wd_comp_inflight(s) && done >= 0)
		done = wd_comp_poll(s, 0, 1);
	{
		size_t tot = 0;
		uint8_t *joined = malloc((size_t)N * 2 * LEN), *all = malloc((size_t)N * LEN);

		for (i = 0; i < N; i++) {
			memcpy(joined + tot, r[i].dst, r[i].produced);
			tot += r[i].produced;
		}
		ok(sent == N && r[N - 1].end &&
		   z_inflate(WD_COMP_ZLIB, 15, joined, tot, all, (size_t)N * LEN) == N * LEN &&
		   !memcmp(all, corpus, (size_t)N * LEN), "async stream steps join into one stream");
		free(joined);
		free(all);
	}
	wd_comp_sess_free(s);
	free(out);
	free(back);
}

static void test_parallel(void)
{
	size_t len = 2u << 20, cap = len + len / 4;
	uint8_t *out = malloc(cap), *back = malloc(len);
	int f, bad = 0;

	for (f = 0; f < 3; f++) {
		struct wd_comp_setup st = { .op = WD_COMP_DEFLATE, .format = f, .level = f == 1 ? 1 : 6,
					    .parallel = 3, .chunk_size = 100000 };
		long c = wd_deflate(&st, corpus, len, out, cap, 300000, f == 2);
		long d = c > 0 ? z_inflate(f, 15, out, (size_t)c, back, len) : -1;

		if (d != (long)len || memcmp(back, corpus, len)) {
			bad++;
			diag("parallel fmt %d: c=%ld d=%ld", f, c, d);
		}
	}
	ok(bad == 0, "one stream over 3 queues, all formats, read by zlib");
	free(out);
	free(back);
}

static void test_share_domain(void)
{
	size_t len = 700000, cap = len * 2;
	uint8_t *out = malloc(cap), *back = malloc(len);
	struct wd_comp_setup st = { .op = WD_COMP_DEFLATE, .format = WD_COMP_ZLIB, .level = 6,
				    .flags = WD_COMP_F_SHARE_DOMAIN };
	long c, d;

	c = wd_deflate(&st, corpus, len, out, cap, 400000, 1);
	if (c == -ENODEV || c == -EINVAL) {
		tap_skip_n(3, "no share-domain device");
		goto out;
	}
	st.op = WD_COMP_INFLATE;
	d = wd_inflate(&st, out, (size_t)c, back, len, 300000, NULL);
	ok(c > 0 && d == (long)len && !memcmp(back, corpus, len),
	   "share-domain stream both ways (c=%ld d=%ld)", c, d);
	/* one FINISH step with more input than a bounce buffer holds: the
	 * stream must not end before all of it is in */
	{
		struct wd_comp_sess *s;
		struct wd_comp_req r = { .src = corpus, .src_len = len, .dst = out,
					 .dst_len = cap, .flush = WD_COMP_FINISH };

		st.op = WD_COMP_DEFLATE;
		ok(wd_comp_sess_alloc(&s, &st) == 0 && wd_comp_stream(s, &r) == 0 && r.end &&
		   r.consumed == len &&
		   z_inflate(WD_COMP_ZLIB, 15, out, r.produced, back, len) == (long)len &&
		   !memcmp(back, corpus, len), "share domain: one FINISH step bigger than the bounce buffer");
		wd_comp_sess_free(s);
	}
	st.parallel = 2;
	c = wd_deflate(&st, corpus, len, out, cap, 400000, 0);
	ok(c > 0 && z_inflate(WD_COMP_ZLIB, 15, out, (size_t)c, back, len) == (long)len &&
	   !memcmp(back, corpus, len), "share-domain parallel stream");
out:
	free(out);
	free(back);
}

/* Concatenated members and trailing bytes: the end is where zlib says. */
static void test_member_end(void)
{
	size_t len = 50000, cap = 3 * len;
	uint8_t *out = malloc(cap), *back = malloc(2 * len);
	struct wd_comp_setup st = { .op = WD_COMP_INFLATE, .format = WD_COMP_GZIP };
	long a = z_deflate(WD_COMP_GZIP, 6, 15, 0, corpus, len, out, cap);
	long b = z_deflate(WD_COMP_GZIP, 6, 15, 0, corpus + len, len, out + a, cap - (size_t)a);
	size_t used = 0;
	long d = wd_inflate(&st, out, (size_t)(a + b), back, 2 * len, 3000, &used);

	ok(d == (long)len && used == (size_t)a, "first gzip member ends at its trailer (%ld, used %zu of %ld)",
	   d, used, a);
	free(out);
	free(back);
}

/*
 * A gzip header with every optional field (FEXTRA, FNAME, FCOMMENT, FHCRC),
 * fed in pieces of a few bytes: the engine must read past it to the data
 * (ISA-L 2.30 forgets a header's flags between calls, so the engine has
 * zlib read gzip headers), and a header CRC that does not match is
 * refused as zlib refuses it.
 */
static void test_gzip_header_pieces(void)
{
	static uint8_t extra[20] = "extra field bytes..", name[61], comment[] = "a comment";
	size_t len = 20000, cap = len + 4096, piece;
	uint8_t *out = malloc(cap), *back = malloc(len + 1);
	struct wd_comp_setup st = { .op = WD_COMP_INFLATE, .format = WD_COMP_GZIP };
	gz_header h = { 0 };
	z_stream zs = { 0 };
	long n, hdr_len;
	int good = 1;

	memset(name, 'n', sizeof(name) - 1);
	h.extra = extra;
	h.extra_len = sizeof(extra);
	h.name = name;
	h.comment = comment;
	h.hcrc = 1;
	deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	deflateSetHeader(&zs, &h);
	zs.next_in = corpus;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	n = deflate(&zs, Z_FINISH) == Z_STREAM_END ? (long)zs.total_out : -1;
	deflateEnd(&zs);
	for (piece = 1; n > 0 && piece <= 7; piece += 3) {
		long d = wd_inflate(&st, out, (size_t)n, back, len + 1, piece, NULL);

		good &= d == (long)len && !memcmp(back, corpus, len);
	}
	ok(n > 0 && good, "a gzip header with extra, name, comment and CRC, in pieces of 1-7 bytes");
	/* the header CRC is the two bytes before the first block */
	hdr_len = 10 + 2 + (long)sizeof(extra) + (long)sizeof(name) + (long)sizeof(comment) + 2;
	out[hdr_len - 1] ^= 0x55;
	n = wd_inflate(&st, out, (size_t)n, back, len + 1, 5, NULL);
	ok(n == -EBADMSG, "a gzip header CRC mismatch fails the stream (%ld)", n);
	free(out);
	free(back);
}

/* Malformed requests straight to the device: errors, never a crash. */
static void test_device_checks(void)
{
	struct wd_queue q = { .capa = { .alg = "deflate" } };
	struct wd_comp_param p = { .format = 7 };
	struct wd_msg m = { 0 }, *done = NULL;
	uint8_t in[64] = "hello hello hello hello", out[256];

	if (wd_request_queue(&q)) {
		tap_skip_n(4, "no compression queue");
		return;
	}
	m.opcode = WD_OP_COMPRESS;
	m.src = in;
	m.src_len = sizeof(in);
	m.dst = out;
	m.dst_len = sizeof(out);
	m.param = &p;
	m.param_len = sizeof(p);
	ok(wd_send(&q, &m) == 0 && wd_recv_sync(&q, (void **)&done) == 1 &&
	   done->status == -EINVAL, "format 7: -EINVAL");
	p.format = WD_COMP_RAW;
	p.flush = WD_COMP_FINISH;
	m.dst = (void *)(uintptr_t)0x10;
	ok(wd_send(&q, &m) == 0 && wd_recv_sync(&q, (void **)&done) == 1 &&
	   done->status == -EFAULT, "unmapped dst: -EFAULT");
	m.dst = out;
	m.param_len = 8;
	ok(wd_send(&q, &m) == 0 && wd_recv_sync(&q, (void **)&done) == 1 &&
	   done->status == -EINVAL, "short parameter block: -EINVAL");
	m.param_len = sizeof(p);
	m.ctx_id = 5;	/* a stream that was never started */
	ok(wd_send(&q, &m) == 0 && wd_recv_sync(&q, (void **)&done) == 1 &&
	   done->status == -EINVAL, "stream step without FIRST: -EINVAL");
	wd_release_queue(&q);
}

/*
 * A parameter block at any address the caller gives (fuzz_soft_queue's
 * sanitizer-misaligned-comp-param): the device reads it and writes its out
 * fields back without assuming alignment. The sanitizer build turns a
 * misaligned access into a failure (-fno-sanitize-recover=undefined).
 */
static void test_misaligned_param(void)
{
	struct wd_queue q = { .capa = { .alg = "deflate" } };
	struct wd_msg m = { 0 }, *done = NULL;
	struct wd_comp_param p = { .format = WD_COMP_GZIP, .level = 6,
				   .flush = WD_COMP_FINISH }, back;
	static uint8_t blk[sizeof(p) + 16], out[8192], plain[4096];
	uint8_t bad[64] = { 0x78, 0x9c, 0xff, 0xff, 0xff };
	size_t off;
	int good = 0;

	if (wd_request_queue(&q)) {
		tap_skip_n(2, "no compression queue");
		return;
	}
	m.src = corpus;
	m.src_len = 4096;
	m.dst = out;
	m.dst_len = sizeof(out);
	m.param_len = sizeof(p);
	for (off = 1; off < 8; off++) {
		m.opcode = WD_OP_COMPRESS;
		memcpy(blk + off, &p, sizeof(p));
		m.param = blk + off;
		if (wd_send(&q, &m) || wd_recv_sync(&q, (void **)&done) != 1 || done->status)
			continue;
		memcpy(&back, blk + off, sizeof(back));
		if (back.checksum == crc32(0, corpus, 4096) && back.total_out == done->produced &&
		    z_inflate(WD_COMP_GZIP, 15, out, done->produced, plain, sizeof(plain)) == 4096 &&
		    !memcmp(plain, corpus, 4096))
			good++;
	}
	ok(good == 7, "compress with the parameter block at offsets 1..7: %d/7 right", good);
	good = 0;
	for (off = 1; off < 8; off += 2) {
		struct wd_comp_param d = { .format = WD_COMP_ZLIB };

		m.opcode = WD_OP_DECOMPRESS;
		m.src = bad;
		m.src_len = sizeof(bad);
		memcpy(blk + off, &d, sizeof(d));
		m.param = blk + off;
		if (wd_send(&q, &m) || wd_recv_sync(&q, (void **)&done) != 1)
			continue;
		memcpy(&back, blk + off, sizeof(back));
		if (done->status == -EBADMSG && back.error != 0)
			good++;
	}
	ok(good == 4, "corrupt data with a misaligned parameter block: -EBADMSG and an error code (%d/4)",
	   good);
	wd_release_queue(&q);
}

/* Share domain: the device touches the share region and nothing else. */
static void test_share_checks(void)
{
	struct wd_queue q = { .capa = { .alg = "deflate", .flags = WD_CAPA_SHARE_DOMAIN } };
	struct wd_msg m = { 0 }, *done = NULL;
	struct wd_comp_param *p;
	uint8_t *in, *out, heap[4096];

	if (wd_request_queue(&q)) {
		tap_skip_n(3, "no share-domain compression queue");
		return;
	}
	p = wd_preserve_share_memory(&q, 3 * 65536);
	in = (uint8_t *)p + 65536;
	out = in + 65536;
	memcpy(in, corpus, 65536);
	memcpy(heap, corpus, sizeof(heap));
	p->format = WD_COMP_GZIP;
	p->level = 6;
	p->flush = WD_COMP_FINISH;
	m.opcode = WD_OP_COMPRESS;
	m.src = heap;
	m.src_len = sizeof(heap);
	m.dst = out;
	m.dst_len = 65536;
	m.param = p;
	m.param_len = sizeof(*p);
	ok(wd_send(&q, &m) == 0 && wd_recv_sync(&q, (void **)&done) == 1 &&
	   done->status == -EFAULT, "share domain: source outside the region, -EFAULT");
	m.src = in;
	m.src_len = 65536;
	m.param = heap;
	ok(wd_send(&q, &m) == 0 && wd_recv_sync(&q, (void **)&done) == 1 &&
	   done->status == -EFAULT, "share domain: parameter block outside the region, -EFAULT");
	m.param = p;
	ok(wd_send(&q, &m) == 0 && wd_recv_sync(&q, (void **)&done) == 1 &&
	   done->status == 0 && (done->out_flags & WD_CQE_F_END) && done->produced > 18 &&
	   p->checksum == crc32(0, corpus, 65536), "share domain: all inside, a gzip member");
	wd_release_queue(&q);
}

int main(void)
{
	tap_plan(0);
	/* every piece to the device, however small (the shim test keeps the
	 * default, where small pieces are compressed in the library) */
	setenv("WD_COMP_INLINE_MAX", "0", 1);
	corpus = td_corpus(CORPUS);
	if (!corpus)
		tap_bail("no memory");
	test_stream_matrix();
	test_ratio();
	test_oneshot();
	test_dict();
	test_async();
	test_parallel();
	test_share_domain();
	test_member_end();
	test_gzip_header_pieces();
	test_device_checks();
	test_misaligned_param();
	test_share_checks();
	free(corpus);
	return tap_exit();
}
