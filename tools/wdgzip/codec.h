/* SPDX-License-Identifier: MIT */
/*
 * codec.h - what the drivers share besides the session: growable output
 * buffers, the CRC-32, and the inflater of decompress.c.
 *
 * Compression has no codec of its own: compress.c drives a wd_comp
 * session, which schedules the chunks over the lanes and holds the one
 * software fallback (libwd/comp/comp_par.c). Decompression goes through
 * an inflater (codec_wd.c): a wd_comp session that falls back to zlib
 * (codec_zlib.c) on a device error, counting the fallback in the "inflate"
 * counters that `wdctl stats` shows.
 */
#ifndef WDGZIP_CODEC_H
#define WDGZIP_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Results of the codec calls. */
#define CODEC_OK		0
#define CODEC_DATA_ERROR	(-1)	/* corrupt deflate data */
#define CODEC_DEVICE_ERROR	(-2)	/* device failed: see codec_inflater */
#define CODEC_NO_MEMORY		(-3)

/* A growable output buffer. */
struct obuf {
	uint8_t *data;
	size_t len, cap;
};

int obuf_reserve(struct obuf *b, size_t extra);
void obuf_free(struct obuf *b);

/*
 * Decompression: raw deflate streams, one per gzip member. A step behaves
 * as one inflate() call. After CODEC_DEVICE_ERROR the inflater has switched
 * to software for good: the caller restarts the member from its first
 * deflate byte (inflater_reset) and skips the output it already has.
 */
struct inflater;

struct inflater *inflater_new(void);
int inflater_reset(struct inflater *f);
/* Is the device still decoding (so that an error can still happen)? */
int inflater_on_device(const struct inflater *f);
int inflater_step(struct inflater *f, const uint8_t *in, size_t in_len,
		  uint8_t *out, size_t out_len, size_t *consumed,
		  size_t *produced, int *end);
void inflater_free(struct inflater *f);

/* The software inflater (zlib), the fallback of decompression. */
struct zinflater;
struct zinflater *zinflater_new(void);
int zinflater_reset(struct zinflater *z);
int zinflater_step(struct zinflater *z, const uint8_t *in, size_t in_len,
		   uint8_t *out, size_t out_len, size_t *consumed,
		   size_t *produced, int *end);
void zinflater_free(struct zinflater *z);

/* CRC-32 of gzip (the fastest implementation available). */
uint32_t gz_crc32(uint32_t crc, const uint8_t *buf, size_t len);
/* The CRC-32 of A then B, from crc(A), crc(B) and the length of B. */
uint32_t gz_crc32_combine(uint32_t crc_a, uint32_t crc_b, size_t len_b);

#endif
