/* SPDX-License-Identifier: MIT */
/*
 * codec.h - the deflate engines wdgzip drives, behind one small interface.
 *
 * The drivers (compress.c, decompress.c) write gzip headers and trailers
 * and compute the CRC themselves; a codec only turns raw deflate data
 * around. codec_wd.c serves it through wd_comp queues and falls back to
 * zlib (codec_zlib.c) on a device error, counting the fallback in the
 * "deflate"/"inflate" counters that `wdctl stats` shows.
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
 * Compression: one raw deflate stream fed in blocks, cut in pieces that
 * several engines compress at once, pigz style: each piece is primed with
 * the 32 KiB of input before it and, but for the last, ends on a byte
 * boundary (sync flush), so the pieces join by concatenation. Every block
 * but the last ends on a piece boundary: whatever goes wrong later, the
 * output so far is a valid prefix. deflater.c cuts and schedules; a
 * dengine (codec_wd.c: a device queue with zlib behind it) compresses.
 */
#define DEFLATE_WINDOW		32768u		/* history a piece is primed with */
/*
 * Pieces without --rsyncable. Each costs an engine a round trip or two
 * (with a device: the history, then the data) and a priming: big pieces
 * cost fewer (at -1, 256 KiB pieces took 15% more wall time than 1 MiB
 * ones); small inputs get small pieces so that every engine has some.
 */
#define DEFLATE_PIECE		(1u << 20)
#define DEFLATE_PIECE_SMALL	(256u << 10)
#define DEFLATE_PIECE_MAX	(1u << 20)	/* longest piece (rsync.h) */
/* Scratch room before each block the deflater may write: the history and
 * the input it held back go there, so that a piece is contiguous. */
#define DEFLATER_HEADROOM	(DEFLATE_WINDOW + DEFLATE_PIECE_MAX)

struct deflater;
/* Blocks that may be posted and not yet collected. */
#define DEFLATER_BLOCKS		4

/* parallel: engines to spread the stream over (0: all CPUs); rsyncable:
 * cut pieces where the content says (rsync.h), not every piece bytes
 * (at most DEFLATE_PIECE_MAX). */
struct deflater *deflater_new(int level, unsigned int parallel, int rsyncable,
			      size_t piece);
/* Engines that really run (threads could be started for them). */
unsigned int deflater_engines(const struct deflater *d);
/*
 * Hand in[0..len), the next input, to the engines and return at once; in
 * must stay untouched until its block is collected. The DEFLATER_HEADROOM
 * bytes before in are scratch. With rsyncable, the input after the last
 * cut of a block that is not the last is held back (copied) and
 * compressed with the next block.
 */
int deflater_post(struct deflater *d, uint8_t *in, size_t len, int last);
/*
 * Wait for the oldest block posted and append its deflate data to out;
 * its buffer is then free. The engines go on with the later blocks.
 */
int deflater_collect(struct deflater *d, struct obuf *out);
void deflater_free(struct deflater *d);

/* One engine: compresses a piece; used by one thread at a time. */
struct dengine;

/*
 * try_device: serve the pieces on a device queue (if one opens; if none
 * does, the engine is zlib and the stream is counted as a fallback).
 * failed: shared by the engines of one stream; after a device error every
 * one of them goes on in software (counted once).
 */
struct dengine *dengine_new(int level, int try_device, _Atomic int *failed);
int dengine_on_device(const struct dengine *e);
/* dict[0..dict_len) is the input just before in (at most 32 KiB). */
int dengine_piece(struct dengine *e, const uint8_t *dict, size_t dict_len,
		  const uint8_t *in, size_t len, int last, struct obuf *out);
void dengine_free(struct dengine *e);

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

/* Software engines (zlib), used alone or as the fallback. */
struct zdeflater;
struct zdeflater *zdeflater_new(int level, const uint8_t *dict,
				size_t dict_len);
int zdeflater_block(struct zdeflater *z, const uint8_t *in, size_t len,
		    int last, struct obuf *out);
/* A piece of its own: the stream starts afresh, primed with dict. */
int zdeflater_piece(struct zdeflater *z, const uint8_t *dict,
		    size_t dict_len, const uint8_t *in, size_t len, int last,
		    struct obuf *out);
void zdeflater_free(struct zdeflater *z);

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
