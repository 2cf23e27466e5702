// SPDX-License-Identifier: MIT
/*
 * test_comp_chunked.c - WD_COMP_F_CHUNKED and wd_comp_sess_cut() (wd_comp.h),
 * what wdgzip's compression is built on: a chunked session's bytes depend
 * on the input, the setup and the cuts only, not on parallel or on how the
 * input is fed; a cut restarts the coding so that the output after it
 * depends only on the input from 32 KiB before it on; the calls refuse
 * what they cannot do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "wd_comp.h"
#include "tap.h"

#define IN_LEN	(1500u << 10)
#define CUT	(300u << 10)	/* where the cut goes: inside the first chunk */
#define CHUNK	(1u << 20)

static uint8_t *input;

/* Text-like data with repeats far and near, from a fixed seed. */
static void make_input(uint8_t *p, size_t n)
{
	static const char *const words[] = { "queue ", "engine ", "deflate ",
		"chunk ", "lane ", "window ", "history ", "session\n" };
	uint32_t x = 12345;
	size_t i = 0;

	while (i < n) {
		const char *w;
		size_t k;

		x = x * 1103515245u + 12345u;
		w = words[(x >> 16) % 8];
		for (k = 0; w[k] && i < n; k++)
			p[i++] = (uint8_t)w[k];
		if ((x >> 8) % 7 == 0 && i < n)
			p[i++] = (uint8_t)(x >> 24);
	}
}

/*
 * Deflate in[0..n) raw at level 6 on a chunked session of `lanes` lanes,
 * fed `piece` bytes per call, cut at `cut` (0: none). Returns the length
 * of the output in out, or 0 on an error.
 */
static size_t deflate_chunked(const uint8_t *in, size_t n, unsigned int lanes,
			      size_t piece, size_t cut, uint8_t *out, size_t cap)
{
	struct wd_comp_setup st = { .op = WD_COMP_DEFLATE, .format = WD_COMP_RAW,
				    .level = 6, .parallel = lanes,
				    .chunk_size = CHUNK,
				    .flags = WD_COMP_F_CHUNKED };
	struct wd_comp_sess *s;
	struct wd_comp_req r;
	size_t pos = 0, len = 0;

	if (wd_comp_sess_alloc(&s, &st))
		return 0;
	while (pos < n) {
		size_t k = n - pos < piece ? n - pos : piece;

		if (cut && pos < cut && pos + k > cut)
			k = cut - pos;
		memset(&r, 0, sizeof(r));
		r.src = in + pos;
		r.src_len = k;
		r.dst = out + len;
		r.dst_len = cap - len;
		r.flush = WD_COMP_NO_FLUSH;
		if (wd_comp_stream(s, &r) || r.consumed != k)
			goto fail;
		pos += k;
		len += r.produced;
		if (cut && pos == cut && wd_comp_sess_cut(s))
			goto fail;
	}
	do {
		memset(&r, 0, sizeof(r));
		r.dst = out + len;
		r.dst_len = cap - len;
		r.flush = WD_COMP_FINISH;
		if (wd_comp_stream(s, &r))
			goto fail;
		len += r.produced;
	} while (!r.end && r.produced);
	if (!r.end)
		goto fail;
	wd_comp_sess_free(s);
	return len;
fail:
	wd_comp_sess_free(s);
	return 0;
}

/* Does raw inflate of c[0..clen) give in[0..n)? */
static int inflates_to(const uint8_t *c, size_t clen, const uint8_t *in,
		       size_t n)
{
	uint8_t *out = malloc(n + 1);
	z_stream zs;
	int ret, good;

	memset(&zs, 0, sizeof(zs));
	if (!out || inflateInit2(&zs, -15) != Z_OK) {
		free(out);
		return 0;
	}
	zs.next_in = (Bytef *)c;
	zs.avail_in = (uInt)clen;
	zs.next_out = out;
	zs.avail_out = (uInt)n + 1;
	ret = inflate(&zs, Z_FINISH);
	good = ret == Z_STREAM_END && zs.total_out == n && !memcmp(out, in, n);
	inflateEnd(&zs);
	free(out);
	return good;
}

static size_t common_suffix(const uint8_t *a, size_t la, const uint8_t *b,
			    size_t lb)
{
	size_t n = 0;

	while (n < la && n < lb && a[la - 1 - n] == b[lb - 1 - n])
		n++;
	return n;
}

static void test_lanes_and_feeding(uint8_t *ref, uint8_t *out, size_t cap)
{
	size_t lref = deflate_chunked(input, IN_LEN, 1, IN_LEN, 0, ref, cap);
	size_t l;

	ok(lref && inflates_to(ref, lref, input, IN_LEN),
	   "one chunked lane: a valid raw stream (%zu bytes)", lref);
	l = deflate_chunked(input, IN_LEN, 4, IN_LEN, 0, out, cap);
	ok(l == lref && !memcmp(out, ref, l), "4 lanes: the same bytes");
	l = deflate_chunked(input, IN_LEN, 2, 7777, 0, out, cap);
	ok(l == lref && !memcmp(out, ref, l),
	   "2 lanes fed 7777 bytes a call: the same bytes");
}

static void test_cut(uint8_t *ref, uint8_t *out, size_t cap)
{
	uint8_t *changed = malloc(IN_LEN);
	size_t la, lb, l, tail;

	if (!changed)
		tap_bail("no memory");
	la = deflate_chunked(input, IN_LEN, 2, 65536, CUT, ref, cap);
	ok(la && inflates_to(ref, la, input, IN_LEN),
	   "a cut: still one valid stream (%zu bytes)", la);
	l = deflate_chunked(input, IN_LEN, 3, 100000, CUT, out, cap);
	ok(l == la && !memcmp(out, ref, l),
	   "a cut: the same bytes on 3 lanes fed otherwise");
	/* a change more than 32 KiB before the cut leaves what follows it */
	memcpy(changed, input, IN_LEN);
	memset(changed + 1000, 'x', 500);
	lb = deflate_chunked(changed, IN_LEN, 2, 65536, CUT, out, cap);
	ok(lb && inflates_to(out, lb, changed, IN_LEN), "the changed input's stream is valid");
	tail = common_suffix(ref, la, out, lb);
	ok(tail * 10 >= la * 7,
	   "after the cut the output is the same: %zu of %zu bytes at the end", tail, la);
	free(changed);
}

static void test_refusals(void)
{
	struct wd_comp_setup st = { .op = WD_COMP_INFLATE, .format = WD_COMP_RAW,
				    .flags = WD_COMP_F_CHUNKED };
	struct wd_comp_sess *s = NULL;
	struct wd_comp_req r;
	uint8_t out[64];
	int ret;

	ok(wd_comp_sess_alloc(&s, &st) == -EINVAL, "inflate cannot be chunked");
	st.op = WD_COMP_DEFLATE;
	st.flags = 0;
	if (wd_comp_sess_alloc(&s, &st) == 0) {
		ok(wd_comp_sess_cut(s) == -EINVAL, "a one-queue stream cannot be cut");
		wd_comp_sess_free(s);
	} else {
		tap_skip_n(1, "no device for a one-queue stream");
	}
	st.flags = WD_COMP_F_CHUNKED;
	ok(wd_comp_sess_alloc(&s, &st) == 0, "a chunked session");
	ok(wd_comp_sess_cut(s) == 0, "a cut with nothing to cut does nothing");
	memset(&r, 0, sizeof(r));
	r.dst = out;
	r.dst_len = sizeof(out);
	r.flush = WD_COMP_FINISH;
	ret = wd_comp_stream(s, &r);
	ok(ret == 0 && r.end && r.produced && inflates_to(out, r.produced, out, 0),
	   "an empty chunked stream ends (%zu bytes)", r.produced);
	ok(wd_comp_sess_cut(s) == -EINVAL, "no cut after FINISH");
	wd_comp_sess_free(s);
	ok(wd_comp_sess_cut(NULL) == -EINVAL, "no session, no cut");
}

int main(void)
{
	size_t cap = IN_LEN + IN_LEN / 4 + 65536;
	uint8_t *ref = malloc(cap), *out = malloc(cap);

	tap_plan(14);
	input = malloc(IN_LEN);
	if (!input || !ref || !out)
		tap_bail("no memory");
	make_input(input, IN_LEN);
	test_lanes_and_feeding(ref, out, cap);
	test_cut(ref, out, cap);
	test_refusals();
	free(input);
	free(ref);
	free(out);
	return tap_exit();
}
