/* SPDX-License-Identifier: MIT */
/*
 * rsync.h - content-defined cut points for --rsyncable.
 *
 * A rolling sum over the last RSYNC_WIN input bytes decides where the
 * compressor starts afresh (a new piece, primed only with the 32 KiB of
 * input before it). Cut points depend on the bytes near them, not on their
 * offsets, so after an insertion or a change the cuts fall on the same
 * content again, and from there on the compressed bytes are the same:
 * rsync then only sends the pieces around the change.
 */
#ifndef WDGZIP_RSYNC_H
#define WDGZIP_RSYNC_H

#include <stddef.h>
#include <stdint.h>

#define RSYNC_WIN	4096u		/* bytes the rolling sum covers */
#define RSYNC_MIN	(32u << 10)	/* no cut closer than this to the last */
#define RSYNC_MAX	(1u << 20)	/* a cut at the latest after this */

struct rsync {
	uint32_t sum;		/* rolling sum of the window's byte weights */
	uint64_t seen;		/* bytes of the stream scanned */
	size_t since;		/* bytes since the last cut */
};

void rsync_init(struct rsync *r);
/*
 * Scan p[0..n), the next bytes of the stream; p[-RSYNC_WIN..-1] must hold
 * the bytes before them (those of them the stream has). Returns how many
 * bytes were scanned: up to and including a cut point (*cut = 1), or all
 * n without one (*cut = 0).
 */
size_t rsync_scan(struct rsync *r, const uint8_t *p, size_t n, int *cut);

#endif
