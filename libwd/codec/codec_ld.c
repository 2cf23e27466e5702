// SPDX-License-Identifier: MIT
/*
 * codec_ld.c - large deflate chunks, coded mostly by libdeflate.
 *
 * A parallel stream's chunks (comp_par.c) are stateless raw requests:
 * 32 KiB of history, then the chunk, to be coded as a run of non-final
 * blocks ending on a byte boundary (a sync flush) or, for the last, ending
 * the stream; wdgzip's pieces are the same as primed streams. At levels
 * 2-9 libdeflate codes about twice as fast as zlib, but only whole
 * buffers: it takes no history, and it ends with a final block. Coding a
 * chunk without its history costs up to 1.1% of size on text at 512 KiB
 * (the first 32 KiB of every chunk find no matches), more than the 0.5%
 * a stream may lose. So the engine:
 *
 *  1. has libdeflate code history and chunk together;
 *  2. walks that output with zlib's inflate (Z_BLOCK), which gives every
 *     block boundary with its bit position and the uncompressed bytes
 *     before it, to the first boundary at or past the history (P), the
 *     final block's header and its end;
 *  3. codes the chunk's bytes before P with zlib, primed with the history,
 *     ending in a sync flush (on average 6% of a 512 KiB chunk: libdeflate
 *     makes blocks of about 27 KiB);
 *  4. appends libdeflate's blocks from P on, shifted to that byte boundary:
 *     their matches reach back into the history and the chunk's first
 *     bytes, which the decoder has, however they were coded;
 *  5. for a sync or full flush, clears the final block's BFINAL bit and
 *     appends an empty stored block where it ends: what zlib's own sync
 *     flush writes.
 *
 * The result is what libdeflate makes of the whole stream, within a few
 * bytes a chunk. Whatever does not fit (more than zlib's bound for the
 * chunk, a walk that fails, a chunk that is one libdeflate block) is
 * answered -EAGAIN and coded by zlib alone. Each thread that codes (an
 * engine, or a caller of codec_deflate_stateless()) keeps one
 * compressor per level, the walker, a zlib coder and scratch buffers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "codec_zlib.h"
#include "codec_ld.h"

#ifdef HAVE_LIBDEFLATE
#include <libdeflate.h>

#define LD_MIN_CHUNK	(512u << 10)
#define LD_WALK_OUT	(64u << 10)	/* the walker's scratch output */

struct ld_buf {
	uint8_t *p;
	size_t cap;
};

struct ld_thread {
	struct libdeflate_compressor *c[10];	/* by zlib's level */
	z_stream walk;				/* inflate, raw */
	z_stream def;				/* deflate, raw, at def_level */
	int walk_live, def_level;
	struct ld_buf in, out;			/* history + chunk; libdeflate's */
	uint8_t scratch[LD_WALK_OUT];
};

/* Where the walk found what it looks for (bits, and bytes of plain data). */
struct ld_walk {
	uint64_t p_bit, p_at;	/* first boundary at or past the history */
	uint64_t last, end;	/* the final block's header and its end */
	int stored;		/* a stored block from p_bit on */
};

/* Whether the block whose header starts at bit b of o is a stored one. */
static int ld_block_stored(const uint8_t *o, uint64_t b)
{
	unsigned int t = ((o[(b + 1) >> 3] >> ((b + 1) & 7)) & 1) |
			 (((o[(b + 2) >> 3] >> ((b + 2) & 7)) & 1) << 1);

	return t == 0;
}

/*
 * libdeflate's level for zlib's: the same, but 6 -> 7. Whole-buffer sizes
 * against zlib at the same level (2026-12-07, tar of /usr/include, 122 MB;
 * bench corpus, 154 MB): libdeflate -5 +0.14% / -0.79%, -6 +0.41% / -0.60%,
 * -7 +0.21% / -0.78%; and libdeflate -7 against zlib -6 -0.29% / -1.17%,
 * still 1.5x zlib -6's speed. -6 would leave text too close to the 0.5%
 * a stream may lose.
 */
static const int ld_level[10] = { 0, 1, 2, 3, 4, 5, 7, 7, 8, 9 };

static pthread_key_t ld_key;
static pthread_once_t ld_once = PTHREAD_ONCE_INIT;

static void ld_thread_free(void *arg)
{
	struct ld_thread *t = arg;
	int i;

	for (i = 0; i < 10; i++)
		libdeflate_free_compressor(t->c[i]);
	if (t->walk_live)
		comp_zlib()->inflateEnd(&t->walk);
	if (t->def_level)
		comp_zlib()->deflateEnd(&t->def);
	free(t->in.p);
	free(t->out.p);
	free(t);
}

static void ld_key_make(void)
{
	pthread_key_create(&ld_key, ld_thread_free);
}

static struct ld_thread *ld_thread(void)
{
	struct ld_thread *t;

	pthread_once(&ld_once, ld_key_make);
	t = pthread_getspecific(ld_key);
	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (t && pthread_setspecific(ld_key, t)) {
		free(t);
		t = NULL;
	}
	return t;
}

static int ld_buf_room(struct ld_buf *b, size_t n)
{
	uint8_t *p;

	if (b->cap >= n)
		return 0;
	p = realloc(b->p, n);
	if (!p)
		return -1;
	b->p = p;
	b->cap = n;
	return 0;
}

int codec_ld_wanted(const struct wd_comp_param *p, uint32_t len)
{
	return p->format == WD_COMP_RAW && p->level >= 2 && p->level <= 9 &&
	       p->strategy == WD_COMP_STRATEGY_DEFAULT &&
	       (!p->window_bits || p->window_bits == 15) &&
	       (!p->mem_level || p->mem_level >= 8) &&
	       (p->flush == WD_COMP_SYNC_FLUSH || p->flush == WD_COMP_FULL_FLUSH ||
		p->flush == WD_COMP_FINISH) &&
	       len >= LD_MIN_CHUNK;
}

/* Walk the raw stream in[0..len) whose first hist plain bytes are history. */
static int ld_walk(struct ld_thread *t, const uint8_t *in, size_t len,
		   uint32_t hist, struct ld_walk *w)
{
	const struct comp_zlib *z = comp_zlib();
	z_stream *zs = &t->walk;
	int ret, found = !hist;

	if (!z || len > UINT32_MAX)
		return -1;
	if (!t->walk_live) {
		memset(zs, 0, sizeof(*zs));
		if (z->inflateInit2_(zs, -15, ZLIB_VERSION, (int)sizeof(*zs)) != Z_OK)
			return -1;
		t->walk_live = 1;
	} else if (z->inflateReset(zs) != Z_OK) {
		return -1;
	}
	memset(w, 0, sizeof(*w));
	zs->next_in = (Bytef *)in;
	zs->avail_in = (uInt)len;
	for (;;) {
		uint64_t at;

		zs->next_out = t->scratch;
		zs->avail_out = sizeof(t->scratch);
		ret = z->inflate(zs, Z_BLOCK);
		if (ret == Z_STREAM_END)
			return zs->avail_in || !w->end || !found ? -1 : 0;
		if (ret != Z_OK)
			return -1;
		if (!(zs->data_type & 128))
			continue;
		/*
		 * Between two blocks, or just past the final one (64 set, and
		 * the next call skips to the byte boundary): the bit here is
		 * the bytes taken less the bits of the last one not used.
		 */
		at = (uint64_t)(len - zs->avail_in) * 8 - (zs->data_type & 7);
		if (zs->data_type & 64) {
			w->end = at;
			continue;
		}
		w->last = at;
		if (!found && zs->total_out >= hist) {
			found = 1;
			w->p_bit = at;
			w->p_at = zs->total_out;
		}
		if (found && (uint64_t)len * 8 >= at + 3 && ld_block_stored(in, at))
			w->stored = 1;
	}
}

/* zlib codes in[0..len) after the history, ending in a sync flush. */
static long ld_zlib_head(struct ld_thread *t, int level, const uint8_t *hist,
			 uint32_t hist_len, const uint8_t *in, uint32_t len,
			 uint8_t *out, size_t cap)
{
	const struct comp_zlib *z = comp_zlib();
	z_stream *zs = &t->def;

	if (!z)
		return -1;
	if (t->def_level != level) {
		if (t->def_level)
			z->deflateEnd(zs);
		t->def_level = 0;
		memset(zs, 0, sizeof(*zs));
		if (z->deflateInit2_(zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
				     ZLIB_VERSION, (int)sizeof(*zs)) != Z_OK)
			return -1;
		t->def_level = level;
	} else if (z->deflateReset(zs) != Z_OK) {
		return -1;
	}
	if (hist_len && z->deflateSetDictionary(zs, hist, hist_len) != Z_OK)
		return -1;
	zs->next_in = (Bytef *)in;
	zs->avail_in = len;
	zs->next_out = out;
	zs->avail_out = cap > UINT32_MAX ? UINT32_MAX : (uInt)cap;
	if (z->deflate(zs, Z_SYNC_FLUSH) != Z_OK || zs->avail_in || !zs->avail_out)
		return -1;	/* all in, and room left: all out */
	return (long)(cap - zs->avail_out);
}

/* Copy bits [from, to) of src to dst from bit 0; bits past them are 0. */
static size_t ld_bits_copy(uint8_t *dst, const uint8_t *src, uint64_t from, uint64_t to)
{
	size_t n = (size_t)((to - from + 7) / 8), s = (size_t)(from >> 3);
	size_t used = (size_t)((to + 7) >> 3), i;
	unsigned int sh = from & 7;

	for (i = 0; i < n; i++) {
		unsigned int v = src[s + i] >> sh;

		if (sh && s + i + 1 < used)
			v |= (unsigned int)src[s + i + 1] << (8 - sh);
		dst[i] = (uint8_t)v;
	}
	if ((to - from) & 7)
		dst[n - 1] &= (uint8_t)((1u << ((to - from) & 7)) - 1);
	return n;
}

/*
 * Turn the final block ending at bit end of out into a non-final one and
 * append an empty stored block; returns the new length.
 */
static size_t ld_sync(uint8_t *out, uint64_t last, uint64_t end)
{
	size_t at = (size_t)(end >> 3);
	unsigned int bit = end & 7;

	out[last >> 3] &= (uint8_t)~(1u << (last & 7));	/* BFINAL = 0 */
	/* the stored block's 3 header bits (all 0) from bit end, then pad */
	out[at] = bit ? out[at] & (uint8_t)((1u << bit) - 1) : 0;
	if (bit > 5)
		out[++at] = 0;
	at++;
	out[at++] = 0x00;	/* LEN = 0, NLEN = 0xffff */
	out[at++] = 0x00;
	out[at++] = 0xff;
	out[at++] = 0xff;
	return at;
}

int codec_ld(const struct wd_comp_param *p, const uint8_t *hist, uint32_t hist_len,
	     const uint8_t *src, uint32_t len, uint8_t *dst, uint32_t cap,
	     uint32_t *produced)
{
	struct ld_thread *t = ld_thread();
	/* zlib's bound for a raw stream of len bytes (deflateBound()) */
	uint64_t bound = (uint64_t)len + (len >> 12) + (len >> 14) + (len >> 25) + 7;
	int sync = p->flush != WD_COMP_FINISH;
	size_t total = (size_t)hist_len + len, n, room;
	const uint8_t *in = hist_len ? hist : src;
	struct ld_walk w;
	long head = 0;

	if (!t)
		return -EAGAIN;
	if (bound > cap)
		bound = cap;
	if (bound < 16)
		return -EAGAIN;
	room = (size_t)bound - 6;	/* what ld_sync() may add */
	if (!t->c[p->level]) {
		t->c[p->level] = libdeflate_alloc_compressor(ld_level[p->level]);
		if (!t->c[p->level])
			return -EAGAIN;
	}
	if (hist_len && hist + hist_len != src) {	/* make them one buffer */
		if (ld_buf_room(&t->in, total))
			return -EAGAIN;
		memcpy(t->in.p, hist, hist_len);
		memcpy(t->in.p + hist_len, src, len);
		in = t->in.p;
	}
	n = libdeflate_deflate_compress_bound(t->c[p->level], total);
	if (ld_buf_room(&t->out, n))
		return -EAGAIN;
	n = libdeflate_deflate_compress(t->c[p->level], in, total, t->out.p, n);
	/*
	 * A stored block's bytes start at the byte boundary after its header,
	 * wherever that is: blocks moved by a part of a byte must hold none.
	 * (libdeflate stores what does not compress: such chunks are zlib's.)
	 */
	if (!n || ld_walk(t, t->out.p, n, hist_len, &w) || w.p_at >= total ||
	    w.last < w.p_bit || !(t->out.p[w.last >> 3] & (1u << (w.last & 7))) ||
	    (w.stored && (w.p_bit & 7)))
		return -EAGAIN;
	if (w.p_at > hist_len) {
		head = ld_zlib_head(t, p->level, hist, hist_len, src,
				    (uint32_t)(w.p_at - hist_len), dst, room);
		if (head < 0)
			return -EAGAIN;
	}
	if ((size_t)head + (w.end - w.p_bit + 7) / 8 > room)
		return -EAGAIN;
	n = (size_t)head + ld_bits_copy(dst + head, t->out.p, w.p_bit, w.end);
	if (sync)
		n = ld_sync(dst, w.last - w.p_bit + (uint64_t)head * 8,
			    w.end - w.p_bit + (uint64_t)head * 8);
	*produced = (uint32_t)n;
	return 0;
}

#else /* !HAVE_LIBDEFLATE */

int codec_ld_wanted(const struct wd_comp_param *p, uint32_t len)
{
	(void)p;
	(void)len;
	return 0;
}

int codec_ld(const struct wd_comp_param *p, const uint8_t *hist, uint32_t hist_len,
	     const uint8_t *src, uint32_t len, uint8_t *dst, uint32_t cap,
	     uint32_t *produced)
{
	(void)p;
	(void)hist;
	(void)hist_len;
	(void)src;
	(void)len;
	(void)dst;
	(void)cap;
	(void)produced;
	return -EAGAIN;
}
#endif
