/* SPDX-License-Identifier: MIT */
/* codec_ld.h - large stateless deflate chunks through libdeflate. */
#ifndef CODEC_LD_H
#define CODEC_LD_H

#include <stdint.h>
#include "wd_comp.h"

/* Whether a stateless compress job of len bytes (history left out) is one. */
int codec_ld_wanted(const struct wd_comp_param *p, uint32_t len);

/*
 * Code src[0..len), which follows the history hist[0..hist_len) (at most
 * 32 KiB; contiguous with src or not), into dst as p->flush asks (sync,
 * full or finish), in no more than zlib's bound for len bytes; 0 with
 * *produced, or -EAGAIN: code it with zlib instead.
 */
int codec_ld(const struct wd_comp_param *p, const uint8_t *hist, uint32_t hist_len,
	     const uint8_t *src, uint32_t len, uint8_t *dst, uint32_t cap,
	     uint32_t *produced);

#endif
