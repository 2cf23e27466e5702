/* SPDX-License-Identifier: MIT */
/*
 * unlzw.c - compress(1) data (.Z): LZW codes, as gzip -d reads them.
 *
 * The format: magic 1f 9d, a flags byte (low 5 bits: the largest code
 * width, at most 16; 0x80: "block mode", code 256 clears the table; 0x60
 * reserved), then codes packed LSB first. Codes start 9 bits wide and
 * grow by one bit when the next free table entry would not fit, up to the
 * largest width. compress writes codes in groups of 8 (a group is exactly
 * `width` bytes); when the width changes or a clear code is read, the rest
 * of the current group is padding, counted from where the current width
 * began. A code is decoded only if all its bits are there; the bits left
 * at the end are ignored.
 *
 * gzip's answers for bad input, which this file gives too: a width over
 * 16 is refused ("compressed with N bits, can only handle 16 bits",
 * status 1, the next file goes on); reserved flags get a warning (status
 * 2); a first code that is not a literal, or a code beyond the next free
 * entry, is "corrupt input." (from a file, gzip adds "Use zcat to recover
 * some data."): the output decoded so far is written, then the run ends.
 * After a .Z stream nothing else is read (it runs to the end of input).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "formats.h"

#define LZW_MAX_BITS	16
#define LZW_INIT_BITS	9
#define LZW_BLOCK_MODE	0x80
#define LZW_RESERVED	0x60
#define LZW_WIDTH_MASK	0x1f
#define LZW_CLEAR	256
#define LZW_FIRST	257		/* first free entry in block mode */
#define LZW_TABLE	(1u << LZW_MAX_BITS)
#define LZW_OUT		(256u << 10)

/* The string table: entry c is prefix[c]'s string plus suffix[c]. Codes
 * below 256 are the bytes themselves. Strings are spelled backwards into
 * stack, which holds the longest string (one byte per entry). */
static uint16_t prefix[LZW_TABLE];
static uint8_t suffix[LZW_TABLE];
static uint8_t stack[LZW_TABLE];
static uint8_t out[LZW_OUT];

struct lzw_reader {
	struct inbuf *in;
	uint32_t acc;		/* bits read, not used yet (LSB first) */
	int nacc;
	unsigned int width;
	unsigned long codes;	/* codes read since this width began */
};

/* The next code, or -1 when fewer than width bits are left. */
static long lzw_code(struct lzw_reader *r)
{
	long code;

	while (r->nacc < (int)r->width) {
		int c = inbuf_try_byte(r->in);

		if (c < 0)
			return -1;
		r->acc |= (uint32_t)c << r->nacc;
		r->nacc += 8;
	}
	code = (long)(r->acc & ((1u << r->width) - 1));
	r->acc >>= r->width;
	r->nacc -= (int)r->width;
	r->codes++;
	return code;
}

/* Skip the rest of the group of 8 codes, then read codes width bits wide. */
static void lzw_new_width(struct lzw_reader *r, unsigned int width)
{
	while (r->codes % 8 && lzw_code(r) >= 0)
		;
	r->width = width;
	r->codes = 0;
}

static void lzw_flush(struct gz_file *f, size_t *outpos)
{
	dec_output(f, out, *outpos);
	*outpos = 0;
}

static void lzw_corrupt(struct gz_file *f, size_t *outpos, int first)
{
	lzw_flush(f, outpos);
	dec_corrupt(f, first || opt.to_stdout ? "corrupt input." :
		    "corrupt input. Use zcat to recover some data.");
}

/* Read the flags; 0 with the largest width in *maxbits, or -1 (refused). */
static int lzw_flags(struct inbuf *in, struct gz_file *f, unsigned int *maxbits,
		     int *block_mode)
{
	uint8_t flags = inbuf_byte(in);

	if (flags & LZW_RESERVED)
		warn_msg("\n%s: %s: warning, unknown flags 0x%x\n", program_name,
			 f->ifname, (unsigned int)(flags & LZW_RESERVED));
	*block_mode = !!(flags & LZW_BLOCK_MODE);
	*maxbits = flags & LZW_WIDTH_MASK;
	if (*maxbits > LZW_MAX_BITS) {
		fprintf(stderr, "\n%s: %s: compressed with %u bits, can only handle %d bits\n",
			program_name, f->ifname, *maxbits, LZW_MAX_BITS);
		exit_code = EXIT_ERROR;
		return -1;
	}
	return 0;
}

int unlzw(struct inbuf *in, struct gz_file *f)
{
	struct lzw_reader r = { in, 0, 0, LZW_INIT_BITS, 0 };
	unsigned int maxbits;
	unsigned long maxmaxcode, maxcode, free_ent;
	long code, oldcode = -1, incode;
	int block_mode, finchar = 0;
	size_t outpos = 0;

	if (lzw_flags(in, f, &maxbits, &block_mode))
		return EXIT_ERROR;
	maxmaxcode = 1ul << maxbits;
	maxcode = (1ul << LZW_INIT_BITS) - 1;
	free_ent = block_mode ? LZW_FIRST : 256;
	for (code = 0; code < 256; code++) {
		prefix[code] = 0;
		suffix[code] = (uint8_t)code;
	}
	for (;;) {
		uint8_t *sp = stack + sizeof(stack);
		size_t n;

		if (free_ent > maxcode) {
			/* the next entry needs a wider code */
			lzw_new_width(&r, r.width + 1);
			maxcode = r.width == maxbits ? maxmaxcode :
				  (1ul << r.width) - 1;
		}
		code = lzw_code(&r);
		if (code < 0)
			break;
		if (oldcode < 0) {
			if (code >= 256)
				lzw_corrupt(f, &outpos, 1);
			finchar = (int)code;
			oldcode = code;
			out[outpos++] = (uint8_t)code;
			if (outpos == LZW_OUT)
				lzw_flush(f, &outpos);
			continue;
		}
		if (code == LZW_CLEAR && block_mode) {
			/* entry 256 is taken by the next code, never used */
			free_ent = LZW_FIRST - 1;
			lzw_new_width(&r, LZW_INIT_BITS);
			maxcode = (1ul << LZW_INIT_BITS) - 1;
			continue;
		}
		incode = code;
		if ((unsigned long)code >= free_ent) {
			/* the entry being defined: old string + its first byte */
			if ((unsigned long)code > free_ent)
				lzw_corrupt(f, &outpos, 0);
			*--sp = (uint8_t)finchar;
			code = oldcode;
		}
		while (code >= 256) {
			*--sp = suffix[code];
			code = prefix[code];
		}
		finchar = suffix[code];
		*--sp = (uint8_t)finchar;
		n = (size_t)(stack + sizeof(stack) - sp);
		while (n) {
			size_t k = LZW_OUT - outpos < n ? LZW_OUT - outpos : n;

			memcpy(out + outpos, sp, k);
			outpos += k;
			sp += k;
			n -= k;
			if (outpos == LZW_OUT)
				lzw_flush(f, &outpos);
		}
		if (free_ent < maxmaxcode) {
			prefix[free_ent] = (uint16_t)oldcode;
			suffix[free_ent] = (uint8_t)finchar;
			free_ent++;
		}
		oldcode = incode;
	}
	lzw_flush(f, &outpos);
	return EXIT_OK;
}
