// SPDX-License-Identifier: GPL-2.0
/*
 * wd_soft_gzip.c - the gzip wrapper (RFC 1952) around a raw deflate stream,
 * which the kernel's zlib does not write or read itself.
 *
 * Every function works on whatever piece of the stream it is given and
 * remembers where it stopped, because a request may end anywhere: in the
 * middle of the header, of the trailer, or of a file name.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include "wd_soft.h"

#define GZ_FHCRC	0x02
#define GZ_FEXTRA	0x04
#define GZ_FNAME	0x08
#define GZ_FCOMMENT	0x10
#define GZ_FRESERVED	0xe0

/* Header parser states, in stream order. */
enum { GZ_FIXED, GZ_XLEN, GZ_EXTRA, GZ_NAME, GZ_COMMENT, GZ_HCRC, GZ_DONE };

/* The header zlib writes: no name, no time, OS 3 (Unix). */
void wd_soft_gzip_init(struct wd_soft_gzip *g, int level)
{
	static const u8 head[WD_SOFT_GZ_HDR] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };

	memset(g, 0, sizeof(*g));
	memcpy(g->buf, head, sizeof(head));
	g->buf[8] = level == 9 ? 2 : level == 1 ? 4 : 0;
}

/* Copy what is left of the header to out; returns the bytes written. */
u32 wd_soft_gzip_put_hdr(struct wd_soft_gzip *g, u8 *out, u32 room)
{
	u32 n = min_t(u32, room, WD_SOFT_GZ_HDR - g->pos);

	memcpy(out, g->buf + g->pos, n);
	g->pos += n;
	if (g->pos == WD_SOFT_GZ_HDR) {
		g->hdr_done = true;
		g->pos = 0;
	}
	return n;
}

/* Copy what is left of the trailer (crc32, isize) to out. */
u32 wd_soft_gzip_put_trl(struct wd_soft_gzip *g, u32 crc, u32 isize,
			 u8 *out, u32 room)
{
	u32 n = min_t(u32, room, WD_SOFT_GZ_TRL - g->pos);
	u8 trl[WD_SOFT_GZ_TRL];

	put_unaligned_le32(crc, trl);
	put_unaligned_le32(isize, trl + 4);
	memcpy(out, trl + g->pos, n);
	g->pos += n;
	g->trl_done = g->pos == WD_SOFT_GZ_TRL;
	return n;
}

/* The state after the fixed part, from the flags. */
static u8 gz_next(u8 flg, u8 after)
{
	if (after < GZ_XLEN && (flg & GZ_FEXTRA))
		return GZ_XLEN;
	if (after < GZ_NAME && (flg & GZ_FNAME))
		return GZ_NAME;
	if (after < GZ_COMMENT && (flg & GZ_FCOMMENT))
		return GZ_COMMENT;
	if (after < GZ_HCRC && (flg & GZ_FHCRC))
		return GZ_HCRC;
	return GZ_DONE;
}

/* Move to the header field after the one named after. */
static void gz_enter(struct wd_soft_gzip *g, u8 after)
{
	g->state = gz_next(g->buf[3], after);
	g->left = g->state == GZ_XLEN || g->state == GZ_HCRC ? 2 : 0;
	g->hdr_done = g->state == GZ_DONE;
}

/* One header byte; returns 0 or -EBADMSG. */
static int gz_hdr_byte(struct wd_soft_gzip *g, u8 c)
{
	switch (g->state) {
	case GZ_FIXED:
		g->buf[g->pos++] = c;
		if (g->pos < WD_SOFT_GZ_HDR)
			break;
		if (g->buf[0] != 0x1f || g->buf[1] != 0x8b || g->buf[2] != 8 ||
		    (g->buf[3] & GZ_FRESERVED))
			return -EBADMSG;
		g->pos = 0;
		gz_enter(g, GZ_FIXED);
		break;
	case GZ_XLEN:
		g->xlen |= c << (8 * (2 - g->left));	/* little endian */
		if (--g->left)
			break;
		if (g->xlen) {
			g->state = GZ_EXTRA;
			g->left = g->xlen;
		} else {
			gz_enter(g, GZ_EXTRA);
		}
		break;
	case GZ_EXTRA:
		if (!--g->left)
			gz_enter(g, GZ_EXTRA);
		break;
	case GZ_NAME:
	case GZ_COMMENT:
		if (!c)
			gz_enter(g, g->state);
		break;
	case GZ_HCRC:
		if (!--g->left)
			gz_enter(g, GZ_HCRC);
		break;
	}
	return 0;
}

/* Read header bytes from in; *used says how many were header. */
int wd_soft_gzip_get_hdr(struct wd_soft_gzip *g, const u8 *in, u32 n, u32 *used)
{
	u32 i;
	int ret;

	for (i = 0; i < n && !g->hdr_done; i++) {
		ret = gz_hdr_byte(g, in[i]);
		if (ret)
			return ret;
	}
	*used = i;
	return 0;
}

/* Read trailer bytes and check them once complete; 0 or -EBADMSG. */
int wd_soft_gzip_get_trl(struct wd_soft_gzip *g, u32 crc, u32 isize,
			 const u8 *in, u32 n, u32 *used)
{
	u32 k = min_t(u32, n, WD_SOFT_GZ_TRL - g->pos);

	memcpy(g->buf + g->pos, in, k);
	g->pos += k;
	*used = k;
	if (g->pos < WD_SOFT_GZ_TRL)
		return 0;
	if (get_unaligned_le32(g->buf) != crc ||
	    get_unaligned_le32(g->buf + 4) != isize)
		return -EBADMSG;
	g->trl_done = true;
	return 0;
}
