// SPDX-License-Identifier: MIT
/*
 * kmod_comp - WD_OP_COMPRESS / WD_OP_DECOMPRESS on wd_soft.ko, checked
 * against the real zlib in this process: whole jobs and streams cut into
 * requests (with dst full / WD_CQE_F_MORE), raw, zlib and gzip formats (the
 * gzip wrapper is the module's own), AUTO, checksums, corrupt input, and
 * dictionaries (primed by the module, read by zlib), and bad parameters.
 */
#include <zlib.h>
#include "kq.h"
#include "wd_comp.h"

#define DATA_LEN	(300u << 10)

static unsigned char *data, *buf, *back;
static struct wd_comp_param *param;

static void make_data(void)
{
	uint32_t x = 1;
	size_t i;

	/* text-like: compressible, not trivial */
	for (i = 0; i < DATA_LEN; i++) {
		x = x * 1103515245 + 12345;
		data[i] = "abcdefgh ijklmnop\n"[(x >> 16) % 18 % ((i / 4096) % 17 + 2)];
	}
}

static int comp_req(struct kq *q, int op, uint32_t ctx, uint8_t flags,
		    const void *src, uint32_t slen, void *dst, uint32_t dlen,
		    struct wd_cqe *c)
{
	struct wd_sqe e = {
		.tag = 1, .opcode = op, .flags = flags, .ctx_id = ctx,
		.src = (uintptr_t)src, .src_len = slen,
		.dst = (uintptr_t)dst, .dst_len = dlen,
		.param = (uintptr_t)param, .param_len = sizeof(*param),
	};

	return kq_roundtrip(q, &e, c);
}

static void setp(int format, int level, int flush, int check)
{
	memset(param, 0, sizeof(*param));
	param->format = format;
	param->level = level;
	param->flush = flush;
	param->check = check;
}

static int inflate_is(const unsigned char *z, size_t zlen, int wbits,
		      const unsigned char *want, size_t wlen)
{
	z_stream s = { 0 };
	int ret;

	if (inflateInit2(&s, wbits) != Z_OK)
		return 0;
	s.next_in = (unsigned char *)z;
	s.avail_in = zlen;
	s.next_out = back;
	s.avail_out = DATA_LEN + 1024;
	ret = inflate(&s, Z_FINISH);
	inflateEnd(&s);
	return ret == Z_STREAM_END && s.total_out == wlen && !memcmp(back, want, wlen);
}

static size_t zlib_deflate_buf(unsigned char *out, size_t cap, int wbits)
{
	z_stream s = { 0 };

	deflateInit2(&s, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
	s.next_in = data;
	s.avail_in = DATA_LEN;
	s.next_out = out;
	s.avail_out = cap;
	deflate(&s, Z_FINISH);
	deflateEnd(&s);
	return s.total_out;
}

static void whole_jobs(struct kq *q)
{
	struct wd_cqe c;
	size_t zlen;
	int r;

	setp(WD_COMP_ZLIB, 6, WD_COMP_FINISH, 0);
	r = comp_req(q, WD_OP_COMPRESS, 0, 0, data, DATA_LEN, buf, DATA_LEN, &c);
	ok(r == 0 && (c.flags & WD_CQE_F_END) && c.consumed == DATA_LEN &&
	   c.produced < DATA_LEN / 2 && inflate_is(buf, c.produced, 15, data, DATA_LEN),
	   "zlib compress: zlib inflates it back (%d, %u -> %u)", r, c.consumed, c.produced);
	ok(param->checksum == adler32(1, data, DATA_LEN) && param->total_out == c.produced,
	   "zlib compress: adler32 and total_out written back");

	setp(WD_COMP_RAW, 1, WD_COMP_FINISH, WD_COMP_CHECK_CRC32);
	r = comp_req(q, WD_OP_COMPRESS, 0, 0, data, DATA_LEN, buf, DATA_LEN, &c);
	ok(r == 0 && inflate_is(buf, c.produced, -15, data, DATA_LEN) &&
	   param->checksum == crc32(0, data, DATA_LEN),
	   "raw compress with crc32: inflates back, checksum right");

	zlen = zlib_deflate_buf(buf, DATA_LEN, 15);
	setp(WD_COMP_ZLIB, 0, 0, 0);
	r = comp_req(q, WD_OP_DECOMPRESS, 0, 0, buf, zlen, back, DATA_LEN, &c);
	ok(r == 0 && (c.flags & WD_CQE_F_END) && c.produced == DATA_LEN &&
	   !memcmp(back, data, DATA_LEN), "zlib decompress of zlib's output");
	zlen = zlib_deflate_buf(buf, DATA_LEN, -15);
	setp(WD_COMP_RAW, 0, 0, WD_COMP_CHECK_ADLER32);
	r = comp_req(q, WD_OP_DECOMPRESS, 0, 0, buf, zlen, back, DATA_LEN, &c);
	ok(r == 0 && c.produced == DATA_LEN && !memcmp(back, data, DATA_LEN) &&
	   param->checksum == adler32(1, data, DATA_LEN),
	   "raw decompress with adler32");
	r = comp_req(q, WD_OP_DECOMPRESS, 0, 0, buf, zlen, back, 1000, &c);
	ok(r == -ENOSPC, "whole decompress into a small dst: ENOSPC (%d)", r);
	r = comp_req(q, WD_OP_DECOMPRESS, 0, 0, buf, zlen / 2, back, DATA_LEN, &c);
	ok(r == 0 && !(c.flags & WD_CQE_F_END) && c.produced > 0,
	   "truncated input: status 0 without END");
	buf[zlen / 3] ^= 0x55;
	buf[zlen / 3 + 1] ^= 0xaa;
	buf[zlen / 3 + 2] ^= 0x0f;
	zlen = zlib_deflate_buf(buf + DATA_LEN, DATA_LEN, 15);
	memset(buf + DATA_LEN + 2, 0xff, 64);	/* a broken first block */
	setp(WD_COMP_ZLIB, 0, 0, 0);
	r = comp_req(q, WD_OP_DECOMPRESS, 0, 0, buf + DATA_LEN, zlen, back, DATA_LEN, &c);
	ok(r == -EBADMSG, "corrupt data: EBADMSG (%d)", r);
	setp(WD_COMP_ZLIB, 9, WD_COMP_FINISH, 0);
	r = comp_req(q, WD_OP_COMPRESS, 0, 0, data, DATA_LEN, buf, 100, &c);
	ok(r == -ENOSPC, "whole compress into a small dst: ENOSPC (%d)", r);
}

static void streams(struct kq *q)
{
	uint32_t in = 0, out = 0, step = 10000;
	struct wd_cqe c;
	int r = 0, n = 0, more_seen = 0;

	/* compress: input in 10 KB requests, output in 4 KB pieces */
	while (!r) {
		uint32_t len = in + step > DATA_LEN ? DATA_LEN - in : step;
		int last = in + len == DATA_LEN;

		setp(WD_COMP_ZLIB, 6, last ? WD_COMP_FINISH : WD_COMP_NO_FLUSH, 0);
		r = comp_req(q, WD_OP_COMPRESS, 7, n++ ? 0 : WD_SQE_F_FIRST,
			     data + in, len, buf + out, 4096, &c);
		in += c.consumed;
		out += c.produced;
		more_seen |= !!(c.flags & WD_CQE_F_MORE);
		if (c.flags & WD_CQE_F_END)
			break;
	}
	ok(!r && in == DATA_LEN && more_seen && inflate_is(buf, out, 15, data, DATA_LEN),
	   "zlib stream over %d requests (dst full on some) inflates back", n);

	/* decompress the stream 777 output bytes at a time */
	setp(WD_COMP_ZLIB, 0, 0, 0);
	{
		uint32_t zin = 0, got = 0, zlen = out;

		n = 0;
		r = 0;
		while (!r && got < DATA_LEN + 1) {
			r = comp_req(q, WD_OP_DECOMPRESS, 8, n++ ? 0 : WD_SQE_F_FIRST,
				     buf + zin, zlen - zin, back + got, 777, &c);
			zin += c.consumed;
			got += c.produced;
			if (c.flags & WD_CQE_F_END)
				break;
			if (!c.consumed && !c.produced)
				break;
		}
		ok(!r && (c.flags & WD_CQE_F_END) && got == DATA_LEN &&
		   !memcmp(back, data, DATA_LEN),
		   "decompress stream in %d requests of 777 bytes out", n);
	}
}

/* A gzip member with every optional header field, around zlib's raw data. */
static size_t gzip_with_fields(unsigned char *o)
{
	static const unsigned char head[] = {
		0x1f, 0x8b, 8, 0x1e, 1, 2, 3, 4, 0, 3,	/* FEXTRA FNAME FCOMMENT FHCRC */
		5, 0, 'a', 'b', 'c', 'd', 'e',		/* XLEN 5 */
		'f', 'i', 'l', 'e', 0, 'h', 'i', 0,	/* name, comment */
		0x12, 0x34,				/* header crc (not checked) */
	};
	size_t n = sizeof(head), z;
	uint32_t crc = crc32(0, data, DATA_LEN);

	memcpy(o, head, n);
	z = zlib_deflate_buf(o + n, DATA_LEN, -15);
	n += z;
	memcpy(o + n, &crc, 4);
	crc = DATA_LEN;
	memcpy(o + n + 4, &crc, 4);
	return n + 8;
}

static void gzip_and_more(struct kq *q)
{
	uint32_t in = 0, out = 0;
	struct wd_cqe c;
	size_t glen;
	int r, n = 0;

	setp(WD_COMP_GZIP, 6, WD_COMP_FINISH, 0);
	r = comp_req(q, WD_OP_COMPRESS, 0, 0, data, DATA_LEN, buf, DATA_LEN, &c);
	ok(r == 0 && (c.flags & WD_CQE_F_END) && inflate_is(buf, c.produced, 31, data, DATA_LEN) &&
	   param->checksum == crc32(0, data, DATA_LEN) && param->total_out == c.produced,
	   "gzip compress: zlib reads it, crc32 and total_out right (%d)", r);

	/* a gzip stream whose header and trailer straddle 7-byte outputs */
	r = 0;
	while (!r) {
		uint32_t len = in + 50000 > 60000 ? 60000 - in : 50000;

		setp(WD_COMP_GZIP, 1, in + len == 60000 ? WD_COMP_FINISH : WD_COMP_BLOCK, 0);
		param->strategy = WD_COMP_STRATEGY_RLE;
		r = comp_req(q, WD_OP_COMPRESS, 9, n++ ? 0 : WD_SQE_F_FIRST,
			     data + in, len, buf + out, 7, &c);
		in += c.consumed;
		out += c.produced;
		if ((c.flags & WD_CQE_F_END) || n > 100000)
			break;
	}
	ok(!r && (c.flags & WD_CQE_F_END) && inflate_is(buf, out, 31, data, 60000),
	   "gzip stream (BLOCK flushes, RLE) 7 bytes at a time: zlib reads it (%d requests)", n);

	glen = gzip_with_fields(buf);
	setp(WD_COMP_GZIP, 0, 0, 0);
	r = comp_req(q, WD_OP_DECOMPRESS, 0, 0, buf, glen, back, DATA_LEN, &c);
	ok(r == 0 && (c.flags & WD_CQE_F_END) && c.consumed == glen &&
	   c.produced == DATA_LEN && !memcmp(back, data, DATA_LEN),
	   "gzip decompress with extra, name, comment and header crc (%d)", r);
	for (in = 0, out = 0, n = 0, r = 0; !r && n < 100000; n++) {
		/* 3 bytes at a time through the header and the trailer */
		uint32_t step = in < 64 || in + 64 > glen ? 3 : 4096;
		uint32_t len = glen - in < step ? glen - in : step;

		setp(WD_COMP_AUTO, 0, 0, 0);
		r = comp_req(q, WD_OP_DECOMPRESS, 10, n ? 0 : WD_SQE_F_FIRST,
			     buf + in, len, back + out, DATA_LEN - out, &c);
		in += c.consumed;
		out += c.produced;
		if (c.flags & WD_CQE_F_END)
			break;
	}
	ok(!r && (c.flags & WD_CQE_F_END) && out == DATA_LEN && !memcmp(back, data, DATA_LEN),
	   "AUTO finds gzip; header and trailer fed 3 bytes per request (%d requests)", n);
	buf[glen - 3] ^= 1;	/* isize */
	setp(WD_COMP_GZIP, 0, 0, 0);
	r = comp_req(q, WD_OP_DECOMPRESS, 0, 0, buf, glen, back, DATA_LEN, &c);
	ok(r == -EBADMSG, "gzip with a wrong length in its trailer: EBADMSG (%d)", r);
	buf[0] = 0x1e;
	r = comp_req(q, WD_OP_DECOMPRESS, 0, 0, buf, glen, back, DATA_LEN, &c);
	ok(r == -EBADMSG, "gzip with a bad magic: EBADMSG (%d)", r);
	glen = zlib_deflate_buf(buf, DATA_LEN, 15);
	setp(WD_COMP_AUTO, 0, 0, 0);
	r = comp_req(q, WD_OP_DECOMPRESS, 0, 0, buf, glen, back, DATA_LEN, &c);
	ok(r == 0 && c.produced == DATA_LEN && param->checksum == adler32(1, data, DATA_LEN),
	   "AUTO finds zlib");
}

/*
 * Priming: the first dict_len bytes of src are history. Compress data after
 * 40000 bytes of history (the last 32 KiB count) and check that zlib, given
 * the same dictionary, reads it; then the other way round, as a stream.
 */
static void dictionaries(struct kq *q)
{
	const uint32_t hist = 40000, len = 100000;
	const unsigned char *dict = data + hist - WD_COMP_WINDOW;
	uint32_t in = 0, out = 0;
	struct wd_cqe c;
	z_stream s = { 0 };
	int r, n = 0;

	setp(WD_COMP_RAW, 6, WD_COMP_FINISH, WD_COMP_CHECK_CRC32);
	param->dict_len = hist;
	r = comp_req(q, WD_OP_COMPRESS, 0, 0, data, hist + len, buf, DATA_LEN, &c);
	inflateInit2(&s, -15);
	inflateSetDictionary(&s, dict, WD_COMP_WINDOW);
	s.next_in = buf;
	s.avail_in = c.produced;
	s.next_out = back;
	s.avail_out = DATA_LEN;
	ok(r == 0 && c.consumed == hist + len && inflate(&s, Z_FINISH) == Z_STREAM_END &&
	   s.total_out == len && !memcmp(back, data + hist, len) &&
	   param->checksum == crc32(0, data + hist, len) && param->total_out == c.produced,
	   "primed deflate: zlib with the dictionary reads it; checksum skips the history");
	inflateEnd(&s);

	memset(&s, 0, sizeof(s));
	deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	deflateSetDictionary(&s, dict, WD_COMP_WINDOW);
	memcpy(buf, dict, WD_COMP_WINDOW);
	s.next_in = data + hist;
	s.avail_in = len;
	s.next_out = buf + WD_COMP_WINDOW;
	s.avail_out = DATA_LEN;
	deflate(&s, Z_FINISH);
	deflateEnd(&s);
	r = 0;
	while (!r && n < 10000) {
		uint32_t total = WD_COMP_WINDOW + s.total_out;
		uint32_t step = in ? 5000 : WD_COMP_WINDOW + 100;

		setp(WD_COMP_RAW, 0, 0, 0);
		param->dict_len = in ? 0 : WD_COMP_WINDOW;
		r = comp_req(q, WD_OP_DECOMPRESS, 11, in ? 0 : WD_SQE_F_FIRST, buf + in,
			     total - in < step ? total - in : step, back + out, 3000, &c);
		in += c.consumed;
		out += c.produced;
		n++;
		if (c.flags & WD_CQE_F_END)
			break;
	}
	ok(!r && (c.flags & WD_CQE_F_END) && out == len && !memcmp(back, data + hist, len),
	   "primed inflate stream: zlib's dictionary stream read back (%d requests)", n);
}

static void refused(struct kq *q)
{
	struct wd_cqe c;

	setp(WD_COMP_ZLIB, 6, WD_COMP_FINISH, 0);
	param->dict_len = 10;
	ok(comp_req(q, WD_OP_COMPRESS, 0, 0, data, 100, buf, 1000, &c) == -EINVAL,
	   "a dictionary on a zlib stream: EINVAL");
	setp(WD_COMP_ZLIB, 10, WD_COMP_FINISH, 0);
	ok(comp_req(q, WD_OP_COMPRESS, 0, 0, data, 100, buf, 1000, &c) == -EINVAL,
	   "level 10: EINVAL");
	setp(WD_COMP_ZLIB, 6, WD_COMP_FINISH, 0);
	param->reserved1 = 1;
	ok(comp_req(q, WD_OP_COMPRESS, 0, 0, data, 100, buf, 1000, &c) == -EINVAL,
	   "reserved field set: EINVAL");
	setp(WD_COMP_AUTO, 6, WD_COMP_FINISH, 0);
	ok(comp_req(q, WD_OP_COMPRESS, 0, 0, data, 100, buf, 1000, &c) == -EINVAL,
	   "AUTO on compress: EINVAL");
}

static void share_domain(const char *dev)
{
	struct wd_cqe c;
	struct kq q;
	int r;

	if (kq_open(&q, dev, 0) || kq_map_ss(&q, 2 << 20))
		tap_bail("open share-domain queue");
	param = (struct wd_comp_param *)q.ss;
	memcpy(q.ss + 4096, data, 100000);
	setp(WD_COMP_ZLIB, 6, WD_COMP_FINISH, 0);
	r = comp_req(&q, WD_OP_COMPRESS, 0, 0, q.ss + 4096, 100000,
		     q.ss + (1 << 20), 1 << 20, &c);
	ok(r == 0 && inflate_is((unsigned char *)q.ss + (1 << 20), c.produced, 15,
				data, 100000), "share domain: compress inside the region");
	r = comp_req(&q, WD_OP_COMPRESS, 0, 0, data, 100000, q.ss + (1 << 20), 1 << 20, &c);
	ok(r == -EFAULT, "share domain: src outside the region: EFAULT");
	kq_close(&q);
}

int main(void)
{
	char sva[64], sd[64], algs[256];
	struct kq q;

	tap_plan(0);
	kq_dev_or_bail(UACCE_DEV_SVA, sva, sizeof(sva));
	kq_dev_or_bail(UACCE_DEV_SHARE_DOMAIN, sd, sizeof(sd));
	ok(!kq_attr(sva, "algorithms", algs, sizeof(algs)) && strstr(algs, "deflate") &&
	   strstr(algs, "zlib") && strstr(algs, "gzip"),
	   "algorithms lists deflate, zlib and gzip (%s)", algs);
	data = malloc(DATA_LEN);
	buf = malloc(2 * DATA_LEN);
	back = malloc(DATA_LEN + 1024);
	param = malloc(sizeof(*param));
	if (!data || !buf || !back || !param || kq_open(&q, sva, 0))
		tap_bail("setup");
	make_data();
	whole_jobs(&q);
	streams(&q);
	gzip_and_more(&q);
	dictionaries(&q);
	refused(&q);
	kq_close(&q);
	share_domain(sd);
	return tap_exit();
}
