/* SPDX-License-Identifier: MIT */
/*
 * tablecheck.c - on a deflate stream cut short, would gzip have called it
 * corrupt before reaching its end?
 *
 * gzip and zlib (the device's decoder behaves as zlib's) find a bad
 * Huffman table at the same bit, with one exception: a dynamic block
 * whose code-length code has no codes at all (every one of its lengths
 * is 0). gzip fails on the first code length it then decodes, one bit
 * later ("invalid compressed data--format violated"); zlib takes every
 * code length as 0, one bit each, and fails only after all of them, up
 * to 316 bits later. On a stream that ends in between, zlib asks for more
 * input, which is "unexpected end of file": gzip's test suite feeds
 * exactly such a stream (tests/hufts). So, when a member ends early, the
 * stream is decoded again here with zlib, stopping at every block
 * boundary (Z_BLOCK) to read the next block's header.
 *
 * The device's decoder may also keep the last few bytes it decoded when
 * the input ends inside a stream, where gzip (and zlib) hand out all they
 * decoded before failing: deflate_cut_tail() decodes the cut stream again
 * with zlib for the bytes the device kept.
 *
 * Both run only on that error path; the bytes come from the file (pread)
 * or from the input buffer when the whole member is still there.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "tablecheck.h"

#define CHECK_IN	(64u << 10)
#define CHECK_OUT	(256u << 10)
#define HEADER_BYTES	12	/* 3 + 14 + 19 * 3 + 1 bits, at any bit */

/* Up to n bytes of the member at offset off (absolute); the count read. */
static size_t source_read(const struct table_source *s, int64_t off,
			  uint8_t *buf, size_t n)
{
	ssize_t k;

	if (off >= s->end)
		return 0;
	if ((int64_t)n > s->end - off)
		n = (size_t)(s->end - off);
	if (s->mem) {
		memcpy(buf, s->mem + (off - s->mem_start), n);
		return n;
	}
	k = pread(s->fd, buf, n, off);
	return k > 0 ? (size_t)k : 0;
}

static unsigned int get_bits(const uint8_t *p, size_t *bit, int n)
{
	unsigned int v = 0;
	int i;

	for (i = 0; i < n; i++, (*bit)++)
		v |= (unsigned int)((p[*bit / 8] >> (*bit % 8)) & 1) << i;
	return v;
}

/* Is the block header at bit position pos one with an empty code-length
 * code, followed by at least one more bit? */
static int header_is_bad(const struct table_source *s, int64_t pos)
{
	uint8_t h[HEADER_BYTES];
	size_t have, bit = (size_t)(pos % 8), ncl, i;

	have = source_read(s, pos / 8, h, sizeof(h)) * 8;
	if (have < bit + 3 + 14)
		return 0;
	get_bits(h, &bit, 1);				/* BFINAL */
	if (get_bits(h, &bit, 2) != 2)			/* dynamic? */
		return 0;
	get_bits(h, &bit, 10);				/* HLIT, HDIST */
	ncl = get_bits(h, &bit, 4) + 4;
	if (have < bit + 3 * ncl + 1)
		return 0;
	for (i = 0; i < ncl; i++)
		if (get_bits(h, &bit, 3))
			return 0;
	return 1;
}

/* Give z the next piece of the source from *pos on; 0 at its end. */
static int refill(const struct table_source *s, int64_t *pos, z_stream *z,
		  uint8_t *in, size_t size)
{
	size_t n = source_read(s, *pos, in, size);

	if (!n)
		return 0;
	*pos += (int64_t)n;
	z->next_in = in;
	z->avail_in = (uInt)n;
	return 1;
}

int deflate_bad_table(const struct table_source *s)
{
	static uint8_t in[CHECK_IN], out[CHECK_OUT];
	int64_t pos = s->start;
	z_stream z;
	int bad, ret;
	uInt left;

	if (header_is_bad(s, s->start * 8))
		return 1;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, -15) != Z_OK)
		return 0;
	for (bad = 0; !bad;) {
		if (!z.avail_in && !refill(s, &pos, &z, in, sizeof(in)))
			break;
		z.next_out = out;
		z.avail_out = sizeof(out);
		left = z.avail_in;
		ret = inflate(&z, Z_BLOCK);
		if ((ret != Z_OK && ret != Z_BUF_ERROR) ||
		    (z.avail_in == left && z.avail_out == sizeof(out)))
			break;		/* the end, an error zlib reports, or
					 * no progress */
		/* at a block boundary, after a block that was not the last */
		if ((z.data_type & 128) && !(z.data_type & 64))
			bad = header_is_bad(s, (pos - (int64_t)z.avail_in) * 8 -
					       (z.data_type & 63));
	}
	inflateEnd(&z);
	return bad;
}

int deflate_cut_tail(const struct table_source *s, uint64_t skip,
		     void (*emit)(void *arg, const uint8_t *p, size_t n),
		     void *arg)
{
	static uint8_t in[CHECK_IN], out[CHECK_OUT];
	int64_t pos = s->start;
	z_stream z;
	int ret = Z_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, -15) != Z_OK)
		return -1;
	while (ret == Z_OK) {
		size_t made;

		if (!z.avail_in && !refill(s, &pos, &z, in, sizeof(in)))
			break;
		z.next_out = out;
		z.avail_out = sizeof(out);
		ret = inflate(&z, Z_SYNC_FLUSH);
		made = sizeof(out) - z.avail_out;
		if (made > skip) {
			emit(arg, out + skip, made - (size_t)skip);
			skip = 0;
		} else {
			skip -= made;
		}
		if (ret == Z_BUF_ERROR && z.avail_in)
			break;
		if (ret == Z_BUF_ERROR)
			ret = Z_OK;	/* wants more input: read it */
	}
	inflateEnd(&z);
	return 0;
}
