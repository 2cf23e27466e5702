/* SPDX-License-Identifier: MIT */
/*
 * unpack.c - pack(1) data (.z): one static Huffman code, as gzip -d
 * reads it.
 *
 * The format, after the magic 1f 1e: the original length (4 bytes, most
 * significant first); the longest code length L (1..24; gzip takes up to
 * 25); for each length 1..L the number of leaves of that length, the
 * count for L stored minus 2; then the leaves' byte values, shortest codes
 * first, the end-of-data code not among them; then the codes, MSB first.
 * At each length the internal nodes take the lowest code values and the
 * leaves the ones above them, in the order listed; the end-of-data code
 * is the highest code of length L. The tree must be full.
 *
 * gzip's checks and messages: the longest length out of range, more
 * leaves than a level can hold, more than 256 literals ("too many leaves
 * in Huffman tree"), a tree that is not full ("too few leaves in Huffman
 * tree"); the input ending before the end code ("unexpected end of file",
 * after the output decoded so far), and a length that differs from the
 * one stored ("invalid compressed data--length error"). Each ends the
 * run. Unlike .Z and zip, a pack stream may be followed by more members.
 *
 * As gzip does, the next code is taken only when min(L, 12) bits (gzip's
 * lookup width) are there, so the two stop at the same code on a
 * truncated input.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "formats.h"

#define PACK_MAX_LEN	25		/* gzip's limit (pack writes <= 24) */
#define PACK_LITERALS	256
#define PACK_PEEK	12		/* gzip's lookup width */
#define PACK_OUT	(256u << 10)

struct pack_tree {
	int max_len;
	int leaves[PACK_MAX_LEN + 1];	/* end code included at max_len */
	int parents[PACK_MAX_LEN + 1];	/* internal nodes at each length */
	int first[PACK_MAX_LEN + 1];	/* index in literal[] of the first
					 * leaf of each length */
	uint8_t literal[PACK_LITERALS];
};

struct pack_bits {
	struct inbuf *in;
	struct gz_file *f;
	uint64_t acc;			/* MSB first: the low nacc bits */
	int nacc;
};

static uint8_t out[PACK_OUT];
static size_t outpos;

static void pack_flush(struct gz_file *f)
{
	dec_output(f, out, outpos);
	outpos = 0;
}

/* Make sure n bits (n <= 25) are in the accumulator. */
static void pack_need(struct pack_bits *b, int n)
{
	while (b->nacc < n) {
		int c = inbuf_try_byte(b->in);

		if (c < 0) {
			/* gzip hands out what it decoded, then fails */
			pack_flush(b->f);
			read_error(b->f->ifname, 0);
		}
		b->acc = (b->acc << 8) | (uint8_t)c;
		b->nacc += 8;
	}
}

/* The next n bits, not consumed. */
static unsigned int pack_peek(struct pack_bits *b, int n)
{
	pack_need(b, n);
	return (unsigned int)(b->acc >> (b->nacc - n)) & ((1u << n) - 1);
}

static void pack_read_tree(struct inbuf *in, struct gz_file *f,
			   struct pack_tree *t, uint32_t *orig_len)
{
	int len, n = 0, room = 1, i, k;

	*orig_len = 0;
	for (i = 0; i < 4; i++)
		*orig_len = (*orig_len << 8) | inbuf_byte(in);
	t->max_len = inbuf_byte(in);
	if (t->max_len < 1 || t->max_len > PACK_MAX_LEN)
		dec_corrupt(f, "invalid compressed data -- Huffman code bit length out of range");
	/* room: the leaves a level can hold while the tree still goes on
	 * below it (one node at least stays internal); at the last level the
	 * count is stored minus 2, so it may fill the level */
	for (len = 1; len <= t->max_len; len++) {
		t->leaves[len] = inbuf_byte(in);
		if (t->leaves[len] > room - (len == t->max_len))
			dec_corrupt(f, "too many leaves in Huffman tree");
		room = (room - t->leaves[len] + 1) * 2 - 1;
		n += t->leaves[len];
	}
	if (n >= PACK_LITERALS)
		dec_corrupt(f, "too many leaves in Huffman tree");
	t->leaves[t->max_len]++;	/* literals listed: all but the end */
	k = 0;
	for (len = 1; len <= t->max_len; len++) {
		t->first[len] = k;
		for (i = 0; i < t->leaves[len]; i++)
			t->literal[k++] = inbuf_byte(in);
	}
	t->leaves[t->max_len]++;	/* and the end code */
}

/* Count the internal nodes from the longest codes up; a full tree has
 * exactly two nodes at length 1. */
static void pack_build(struct gz_file *f, struct pack_tree *t)
{
	int len, nodes = 0;

	for (len = t->max_len; len >= 1; len--) {
		nodes >>= 1;
		t->parents[len] = nodes;
		nodes += t->leaves[len];
	}
	if (nodes >> 1 != 1)
		dec_corrupt(f, "too few leaves in Huffman tree");
}

int unpack(struct inbuf *in, struct gz_file *f)
{
	struct pack_tree t;
	struct pack_bits b = { in, f, 0, 0 };
	uint32_t orig_len;
	int peek_len;

	pack_read_tree(in, f, &t, &orig_len);
	pack_build(f, &t);
	peek_len = t.max_len < PACK_PEEK ? t.max_len : PACK_PEEK;
	outpos = 0;
	for (;;) {
		unsigned int code;
		int len = 1;

		pack_need(&b, peek_len);
		/* walk down while the code so far names an internal node */
		for (;;) {
			code = pack_peek(&b, len);
			if ((int)code >= t.parents[len])
				break;
			len++;
		}
		if (len == t.max_len && (int)code == t.parents[len] +
						     t.leaves[len] - 1)
			break;		/* the end code */
		b.nacc -= len;
		out[outpos++] = t.literal[t.first[len] + (int)code -
					  t.parents[len]];
		if (outpos == PACK_OUT)
			pack_flush(f);
	}
	pack_flush(f);
	if (orig_len != (uint32_t)f->bytes_out)
		dec_corrupt(f, "invalid compressed data--length error");
	return EXIT_OK;
}
