/* SPDX-License-Identifier: MIT */
/*
 * codec.h - libwd's deflate coders, below both their users: the soft
 * device's COMPRESS and DECOMPRESS (soft/soft_op_comp.c) and the
 * compression layer's software fallback (comp/comp_par.c), which codes a
 * chunk a device failed exactly as the soft device would have, so that a
 * stream's bytes do not depend on who coded each chunk.
 *
 * A codec stream does what one deflate()/inflate() call per step does, in
 * the device format's terms (struct wd_comp_param of wd_comp.h: format,
 * level, window, memLevel, strategy, raw checksums, priming). The coding is
 * done by proven libraries, chosen per operation by measurement
 * (doc/compression.md):
 *   compress, level 1, default strategy, 32 KiB window: ISA-L's level 2
 *       (3-4x zlib's speed; output within 0.2% of zlib -1 on the bench
 *       corpus even cut in 256 KiB chunks, where ISA-L's level 1 is 1.2%
 *       larger; WD_COMP_ISAL_LEVEL overrides);
 *   compress, levels 2-9, default strategy, 32 KiB window, a stateless
 *       chunk (or a primed stream's piece) of 512 KiB or more: mostly
 *       libdeflate (codec_ld.c), faster than zlib and no larger;
 *   every other compression: zlib, so levels, windows, memLevel and
 *       strategies mean exactly what they mean in zlib;
 *   decompress: ISA-L's streaming inflate (2-4x zlib), zlib for windows
 *       below 32 KiB where zlib's "too far back" check must hold.
 * WD_COMP_ENGINE=zlib forces zlib everywhere (byte-exact zlib output).
 *
 * codec_stream.c  streams: setup, steps, checksums, the coder cache
 * codec_be_zlib.c the zlib backend
 * codec_be_isal.c the ISA-L backend, with the zlib checks ISA-L lacks
 * codec_ld.c      large chunks through libdeflate
 * codec_zlib.c    the real zlib, by dlopen
 */
#ifndef CODEC_H
#define CODEC_H

#include <stdint.h>
#include "wd_comp.h"

struct codec_stream;

/* One step: one deflate()/inflate() call over src and dst. */
struct codec_step {
	const uint8_t *src;
	uint32_t src_len;
	uint8_t *dst;
	uint32_t dst_len;
	int flush;			/* WD_COMP_* (deflate) */
	/* out */
	uint32_t consumed, produced;
	int end, more;
	int status;			/* 0 or -errno, as a device's */
	int error;			/* WD_COMP_E_* with -EBADMSG */
};

/*
 * codec_begin - a stream for the block p (checked here, as the device
 * format says: -EINVAL), inflating or not; the first p->dict_len bytes of
 * src (of src_len) prime it. A stateless job (session == 0) may get a
 * cached coder (deflate). NULL with *status on failure.
 */
struct codec_stream *codec_begin(const struct wd_comp_param *p, int inflate,
				 int session, uint8_t *src, uint32_t src_len,
				 int *status);

/* Free a stream (a session's destructor: void * for soft_ctx). */
void codec_destroy(void *s);

/* A stateless job is done with s: kept for the next one, or freed. */
void codec_put(struct codec_stream *s);

/* A step of a session's stream. */
void codec_run(struct codec_stream *s, struct codec_step *st);

/* A stateless job's one step: the whole stream, or -ENOSPC. */
void codec_run_whole(struct codec_stream *s, struct codec_step *st);

/*
 * A large stateless deflate job (p checked, src with its p->dict_len bytes
 * of history first) coded by libdeflate: 1 with *produced and the raw
 * checksum *check, or 0 when it is for codec_begin() instead.
 */
int codec_ld_job(const struct wd_comp_param *p, uint8_t *src, uint32_t src_len,
		 uint8_t *dst, uint32_t dst_len, uint32_t *produced,
		 uint32_t *check);

/*
 * A stateless deflate job coded in the calling thread exactly as the soft
 * device's engines code it: 0 and *produced, or -errno (-ENOSPC: dst too
 * small).
 */
int codec_deflate_stateless(const struct wd_comp_param *p, uint8_t *src,
			    uint32_t src_len, uint8_t *dst, uint32_t dst_len,
			    uint32_t *produced);

/* The out fields of the parameter block, after a step. */
uint32_t codec_checksum(const struct codec_stream *s);
uint32_t codec_dictid(const struct codec_stream *s);	/* with -ENOKEY */
uint64_t codec_total_out(const struct codec_stream *s);

/* Corrupt data seen: the WD_COMP_E_* of it, or 0 while the stream lives. */
int codec_dead(const struct codec_stream *s, uint32_t *error);

#endif /* CODEC_H */
