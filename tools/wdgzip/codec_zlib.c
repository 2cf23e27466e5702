/* SPDX-License-Identifier: MIT */
/*
 * codec_zlib.c - output buffers, the CRC-32 (ISA-L's when available:
 * several times zlib's speed), and zlib's raw inflate, the software side
 * of the inflater.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/crc.h>
#endif

#include "codec.h"

/*
 * Room for extra more bytes. The buffers are kept and reused (a piece's
 * output, the block's), so they grow to what is asked, not to a power of
 * two: a device checks every page of the room it is given. New room is
 * written once here: the device's first touch of a page it is given is a
 * read, and a read then a write of an untouched page costs a copy-on-write
 * fault and a TLB flush on every CPU that runs this process.
 */
int obuf_reserve(struct obuf *b, size_t extra)
{
	size_t need = b->len + extra, cap;
	uint8_t *p;

	if (need <= b->cap)
		return 0;
	cap = (need + 4095) & ~(size_t)4095;
	if (cap < 2 * b->cap)
		cap = 2 * b->cap;	/* appending: amortised */
	p = realloc(b->data, cap);
	if (!p)
		return -1;
	memset(p + b->cap, 0, cap - b->cap);
	b->data = p;
	b->cap = cap;
	return 0;
}

void obuf_free(struct obuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

uint32_t gz_crc32(uint32_t crc, const uint8_t *buf, size_t len)
{
#ifdef HAVE_ISAL
	return crc32_gzip_refl(crc, buf, len);
#else
	while (len) {
		uInt n = len > UINT_MAX ? UINT_MAX : (uInt)len;

		crc = (uint32_t)crc32(crc, buf, n);
		buf += n;
		len -= n;
	}
	return crc;
#endif
}

uint32_t gz_crc32_combine(uint32_t crc_a, uint32_t crc_b, size_t len_b)
{
	return (uint32_t)crc32_combine(crc_a, crc_b, (z_off_t)len_b);
}

struct zinflater {
	z_stream s;
};

struct zinflater *zinflater_new(void)
{
	struct zinflater *z = calloc(1, sizeof(*z));

	if (!z)
		return NULL;
	if (inflateInit2(&z->s, -15) != Z_OK) {
		free(z);
		return NULL;
	}
	return z;
}

int zinflater_reset(struct zinflater *z)
{
	return inflateReset(&z->s) == Z_OK ? CODEC_OK : CODEC_NO_MEMORY;
}

int zinflater_step(struct zinflater *z, const uint8_t *in, size_t in_len,
		   uint8_t *out, size_t out_len, size_t *consumed,
		   size_t *produced, int *end)
{
	uInt ai = in_len > UINT_MAX ? UINT_MAX : (uInt)in_len;
	uInt ao = out_len > UINT_MAX ? UINT_MAX : (uInt)out_len;
	int ret;

	z->s.next_in = (Bytef *)in;
	z->s.avail_in = ai;
	z->s.next_out = out;
	z->s.avail_out = ao;
	ret = inflate(&z->s, Z_NO_FLUSH);
	*consumed = ai - z->s.avail_in;
	*produced = ao - z->s.avail_out;
	*end = ret == Z_STREAM_END;
	if (ret == Z_OK || ret == Z_STREAM_END || ret == Z_BUF_ERROR)
		return CODEC_OK;
	if (ret == Z_MEM_ERROR)
		return CODEC_NO_MEMORY;
	return CODEC_DATA_ERROR;
}

void zinflater_free(struct zinflater *z)
{
	if (!z)
		return;
	inflateEnd(&z->s);
	free(z);
}
