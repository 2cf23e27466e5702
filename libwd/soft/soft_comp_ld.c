// SPDX-License-Identifier: MIT
/*
 * soft_comp_ld.c - large stateless deflate chunks, coded by libdeflate.
 *
 * A parallel stream's chunks (comp_par.c) are stateless raw requests:
 * 32 KiB of history, then the chunk, to be coded as a run of non-final
 * blocks ending on a byte boundary (a sync flush) or, for the last, ending
 * the stream. At levels 2-9 libdeflate codes the same input about twice as
 * fast as zlib and a little smaller (doc/compression.md has the figures),
 * but it only codes whole buffers: it cannot take the history, and it ends
 * what it writes with a final block. So:
 *
 *  - the history is left out. A chunk that starts without it loses some
 *    matches at its start; at 512 KiB and more that costs less than what
 *    libdeflate gains over zlib (the bench corpus cut in 512 KiB chunks:
 *    0.04% smaller than zlib -6 in one piece; at 256 KiB 0.5% larger,
 *    which is why smaller chunks stay with zlib);
 *  - for a sync or full flush, zlib's inflate walks the output block by
 *    block (Z_BLOCK) to find where the final block's header is, its
 *    BFINAL bit is cleared, and an empty stored block is written where the
 *    final block ends: byte for byte what zlib's own sync flush appends.
 *    The walk is an inflate of the chunk at zlib's speed, some 4x faster
 *    than the compression; it also proves the output decodes.
 *
 * Whatever does not fit (output larger than zlib's bound for the chunk, a
 * walk that fails) is answered -EAGAIN, and the caller codes the chunk with
 * zlib as before. Each engine thread keeps one compressor per level and
 * one walker.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "comp/comp_zlib.h"
#include "soft_comp_ld.h"

#ifdef HAVE_LIBDEFLATE
#include <libdeflate.h>

#define LD_MIN_CHUNK	(512u << 10)
#define LD_WALK_OUT	(64u << 10)	/* the walker's scratch output */

struct ld_thread {
	struct libdeflate_compressor *c[10];	/* by level */
	z_stream walk;
	int walk_live;
	uint8_t scratch[LD_WALK_OUT];
};

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

int soft_comp_ld_wanted(const struct wd_comp_param *p, uint32_t len)
{
	return p->format == WD_COMP_RAW && p->level >= 2 && p->level <= 9 &&
	       p->strategy == WD_COMP_STRATEGY_DEFAULT &&
	       (!p->window_bits || p->window_bits == 15) &&
	       (!p->mem_level || p->mem_level >= 8) &&
	       (p->flush == WD_COMP_SYNC_FLUSH || p->flush == WD_COMP_FULL_FLUSH ||
		p->flush == WD_COMP_FINISH) &&
	       len >= LD_MIN_CHUNK;
}

/*
 * Walk the raw stream in[0..len): *last is the bit where its final block's
 * header starts, *end the bit where the stream ends. 0, or -1.
 */
static int ld_walk(struct ld_thread *t, const uint8_t *in, uint32_t len,
		   uint64_t *last, uint64_t *end)
{
	const struct comp_zlib *z = comp_zlib();
	z_stream *w = &t->walk;
	int ret;

	if (!z)
		return -1;
	if (!t->walk_live) {
		memset(w, 0, sizeof(*w));
		if (z->inflateInit2_(w, -15, ZLIB_VERSION, (int)sizeof(*w)) != Z_OK)
			return -1;
		t->walk_live = 1;
	} else if (z->inflateReset(w) != Z_OK) {
		return -1;
	}
	w->next_in = (Bytef *)in;
	w->avail_in = len;
	*last = 0;
	*end = 0;
	for (;;) {
		uint64_t at;

		w->next_out = t->scratch;
		w->avail_out = sizeof(t->scratch);
		ret = z->inflate(w, Z_BLOCK);
		if (ret == Z_STREAM_END)
			return w->avail_in || !*end ? -1 : 0;
		if (ret != Z_OK)
			return -1;
		if (!(w->data_type & 128))
			continue;
		/*
		 * Between two blocks, or just past the final one (64 set, and
		 * the next call skips to the byte boundary): the bit here is
		 * the bytes taken less the bits of the last one not used.
		 */
		at = (uint64_t)(len - w->avail_in) * 8 - (w->data_type & 7);
		if (w->data_type & 64)
			*end = at;
		else
			*last = at;
	}
}

/*
 * Turn the final block ending at bit end of out into a non-final one and
 * append an empty stored block; returns the new length.
 */
static uint32_t ld_sync(uint8_t *out, uint64_t last, uint64_t end)
{
	uint32_t at = (uint32_t)(end >> 3);
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

int soft_comp_ld(const struct wd_comp_param *p, const uint8_t *src, uint32_t len,
		 uint8_t *dst, uint32_t cap, uint32_t *produced)
{
	struct ld_thread *t = ld_thread();
	/* zlib's bound for a raw stream of len bytes (deflateBound()) */
	uint64_t bound = (uint64_t)len + (len >> 12) + (len >> 14) + (len >> 25) + 7;
	int sync = p->flush != WD_COMP_FINISH;
	uint64_t last = 0, end = 0;
	size_t n;

	if (!t)
		return -EAGAIN;
	if (bound > cap)
		bound = cap;
	if (bound < 16)
		return -EAGAIN;
	if (!t->c[p->level]) {
		t->c[p->level] = libdeflate_alloc_compressor(p->level);
		if (!t->c[p->level])
			return -EAGAIN;
	}
	/* room for what ld_sync() adds: at most 6 bytes past the data */
	n = libdeflate_deflate_compress(t->c[p->level], src, len, dst,
					(size_t)bound - (sync ? 6 : 0));
	if (!n)
		return -EAGAIN;
	if (sync) {
		if (ld_walk(t, dst, (uint32_t)n, &last, &end) ||
		    !(dst[last >> 3] & (1u << (last & 7))))
			return -EAGAIN;
		n = ld_sync(dst, last, end);
	}
	*produced = (uint32_t)n;
	return 0;
}

#else /* !HAVE_LIBDEFLATE */

int soft_comp_ld_wanted(const struct wd_comp_param *p, uint32_t len)
{
	(void)p;
	(void)len;
	return 0;
}

int soft_comp_ld(const struct wd_comp_param *p, const uint8_t *src, uint32_t len,
		 uint8_t *dst, uint32_t cap, uint32_t *produced)
{
	(void)p;
	(void)src;
	(void)len;
	(void)dst;
	(void)cap;
	(void)produced;
	return -EAGAIN;
}
#endif
