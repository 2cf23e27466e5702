// SPDX-License-Identifier: MIT
/*
 * zlib_diff_inflate.c - the inflate scenario of zlib_diff.h: stock zlib
 * makes a stream (any format, level, flushes, dictionary, gzip header,
 * more members, trailing bytes, corruption), then the shim and stock zlib
 * inflate it with the same random calls, and everything observable must
 * agree after each call.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "zlib_diff.h"

/* One stock-zlib member of fmt's wbits; appends to in->z. */
static void zd_make_member(struct zd_ctx *c, struct zd_zin *in, size_t cap,
			   const uint8_t *data, size_t len)
{
	static const int fl[] = { Z_NO_FLUSH, Z_PARTIAL_FLUSH, Z_SYNC_FLUSH, Z_FULL_FLUSH,
				  Z_BLOCK };
	const struct zd_lib *R = c->ref;
	z_stream zs;
	gz_header h;
	int level = (int)zd_pick(c, 11) - 1, ret = Z_OK;
	size_t pos = 0;

	memset(&zs, 0, sizeof(zs));
	memset(&h, 0, sizeof(h));
	if (R->deflateInit2_(&zs, level, Z_DEFLATED, in->wbits, 1 + (int)zd_pick(c, 9),
			     (int)zd_pick(c, 5), ZLIB_VERSION, (int)sizeof(zs)) != Z_OK)
		return;
	if (in->dlen && in->wbits <= 15)
		R->deflateSetDictionary(&zs, in->dict, (uInt)in->dlen);
	if (in->wbits > 15 && zd_pick(c, 2)) {
		h.text = (int)zd_pick(c, 2);
		h.time = zd_pick(c, 1u << 30);
		h.os = (int)zd_pick(c, 256);
		h.hcrc = (int)zd_pick(c, 2);
		if (zd_pick(c, 2)) {
			h.extra = (Bytef *)"\x41\x42\x03\x00xyz";
			h.extra_len = 7;
		}
		if (zd_pick(c, 2))
			h.name = (Bytef *)(zd_pick(c, 2) ? "a-name.txt" : "");
		if (zd_pick(c, 2))
			h.comment = (Bytef *)"a comment";
		R->deflateSetHeader(&zs, &h);
	}
	zs.next_out = in->z + in->zlen;
	zs.avail_out = (uInt)(cap - in->zlen);
	while (ret == Z_OK && zs.avail_out) {
		size_t n = zd_size(c, len - pos);
		int f = pos + n == len ? Z_FINISH : fl[zd_pick(c, 5)];

		zs.next_in = (Bytef *)data + pos;
		zs.avail_in = (uInt)n;
		ret = R->deflate(&zs, f);
		pos += n - zs.avail_in;
		if (ret == Z_BUF_ERROR)
			ret = Z_OK;
	}
	in->zlen += zs.total_out;
	R->deflateEnd(&zs);
}

static const char *zd_wbits_name(int wbits)
{
	return wbits < 0 ? "raw" : wbits > 15 ? "gzip" : "zlib";
}

/* The input of an inflate run (wbits 0: any format). */
void zd_make_input(struct zd_ctx *c, struct zd_zin *in, int wbits)
{
	static const int wb[] = { 15, -15, 31, 9, -9, 25, 12, -12, 8, 24 };
	size_t cap, i, n;
	int members = 1 + (zd_pick(c, 4) == 0) * (int)zd_pick(c, 3);

	memset(in, 0, sizeof(*in));
	in->wbits = wbits ? wbits : wb[zd_pick(c, sizeof(wb) / sizeof(*wb))];
	in->rawlen = zd_size(c, 300000);
	in->raw = zd_alloc(in->rawlen * (size_t)members);
	zd_fill(c, in->raw, in->rawlen);
	for (i = 1; i < (size_t)members; i++)
		memcpy(in->raw + i * in->rawlen, in->raw, in->rawlen);
	if (in->wbits < 16 && zd_pick(c, 5) == 0) {
		in->dlen = 1 + zd_pick(c, sizeof(in->dict) - 1);
		zd_fill(c, in->dict, in->dlen);
	}
	cap = (in->rawlen + in->rawlen / 8 + 1024) * (size_t)members + 4096;
	in->z = zd_alloc(cap);
	if (c->fuzz && zd_pick(c, 4) == 0) {
		/* the fuzzer's own bytes as compressed data */
		n = c->fleft / 2;
		memcpy(in->z, c->fp, n < cap ? n : cap);
		in->zlen = n < cap ? n : cap;
		c->fp += n;
		c->fleft -= n;
		in->rawlen = 0;
		members = 0;
		in->damaged = 1;
	}
	for (i = 0; i < (size_t)members; i++)
		zd_make_member(c, in, cap - 64, in->raw + i * in->rawlen, in->rawlen);
	in->rawlen *= (size_t)members;
	zd_trace(c, "input: %s wbits %d, %zu bytes of %zu in %d member(s), dict %zu",
		 zd_wbits_name(in->wbits), in->wbits, in->zlen, in->rawlen, members, in->dlen);
	if (zd_pick(c, 6) == 0) {	/* trailing garbage */
		n = 1 + zd_pick(c, 40);
		for (i = 0; i < n; i++)
			in->z[in->zlen++] = (uint8_t)zd_pick(c, 256);
		zd_trace(c, "input: %zu trailing bytes", n);
	}
	switch (in->zlen ? zd_pick(c, 8) : 9) {
	case 0:
		n = 1 + zd_pick(c, 3);
		for (i = 0; i < n; i++) {
			size_t at = zd_pick(c, (uint32_t)in->zlen);

			in->z[at] ^= (uint8_t)(1 + zd_pick(c, 255));
			zd_trace(c, "input: byte %zu corrupted", at);
		}
		in->damaged = 1;
		break;
	case 1:
		in->zlen = zd_pick(c, (uint32_t)in->zlen);
		zd_trace(c, "input: cut to %zu bytes", in->zlen);
		in->damaged = 1;
		break;
	}
}

/* One side of an inflate run. */
struct zd_inf {
	const struct zd_lib *L;
	z_stream slot[2];	/* zlib's state points back: copies need a home */
	z_stream *z;		/* the one in use */
	uint8_t *out;
	size_t cap;
	int live;		/* inflateInit took it */
	gz_header head;
	uint8_t extra[40], name[24], comment[24];
	int has_head;
	int wbits;		/* inflateInit2's */
	int no_hist;		/* its window was not carried over (inflateSync) */
	int kept;		/* inflateResetKeep on a shim stream: zlib's kept
				 * its window, the shim's did not (documented) */
	int dev_seen;		/* on the device since the last reset */
	int dt_dev;		/* data_type is still the device's */
	int resync;		/* the call that brings the sides together again:
				 * they had other rooms, avail_out may differ */
};

/*
 * adler agrees, or shows the H1 class: an auto-detected gzip stream whose
 * header zlib has not read to its end yet (zlib: still 1; shim: 0).
 */
static int zd_inf_adler(struct zd_ctx *c, struct zd_inf *a, z_stream *x, z_stream *y,
			const char *op)
{
	if (x->adler == y->adler)
		return 1;
	if (!x->total_out && y->adler == 1 && !x->adler && (a->wbits & 32)) {
		zd_bad(c, 0, ZD_H1_HELD, "%s: adler shim 0, zlib 1 (auto, gzip header not "
		       "read to its end)", op);
		return 1;
	}
	return !ZD_CHECK(c, 0, "%s: adler shim %lx, zlib %lx", op, x->adler, y->adler);
}

/* Everything a caller sees of a stream after a call. */
static int zd_inf_same(struct zd_ctx *c, struct zd_inf *a, struct zd_inf *b,
		       const char *op, int ra, int rb)
{
	z_stream *x = a->z, *y = b->z;
	int dev = zd_on_device(x);

	if (ZD_CHECK(c, ra == rb, "%s: shim %d, zlib %d", op, ra, rb) ||
	    ZD_CHECK(c, x->avail_in == y->avail_in && x->total_in == y->total_in,
		     "%s: in shim %u/%lu, zlib %u/%lu", op, x->avail_in, x->total_in,
		     y->avail_in, y->total_in) ||
	    ZD_CHECK(c, (x->avail_out == y->avail_out || a->resync) &&
		     x->total_out == y->total_out,
		     "%s: out shim %u/%lu, zlib %u/%lu", op, x->avail_out, x->total_out,
		     y->avail_out, y->total_out) ||
	    ZD_CHECK(c, !x->total_out || x->total_out > a->cap ||
		     !memcmp(a->out, b->out, x->total_out), "%s: output differs", op) ||
	    !zd_inf_adler(c, a, x, y, op) ||
	    ZD_CHECK(c, !x->msg == !y->msg, "%s: msg shim %s, zlib %s", op,
		     x->msg ? x->msg : "none", y->msg ? y->msg : "none"))
		return 0;
	/* ZD_DOCUMENTED: a device stream reports no block position (and
	 * its data_type stays until zlib sets one: a reset keeps it) */
	if (dev)
		a->dev_seen = a->dt_dev = 1;
	if (!a->dt_dev && ZD_CHECK(c, x->data_type == y->data_type,
				   "%s: data_type shim %d, zlib %d", op, x->data_type,
				   y->data_type))
		return 0;
	if (a->has_head && (ZD_CHECK(c, a->head.done == b->head.done && a->head.text ==
				     b->head.text && a->head.time == b->head.time &&
				     a->head.os == b->head.os && a->head.xflags == b->head.xflags &&
				     a->head.hcrc == b->head.hcrc &&
				     a->head.extra_len == b->head.extra_len,
				     "%s: gz_header fields differ (done %d/%d)", op,
				     a->head.done, b->head.done) ||
			    ZD_CHECK(c, !memcmp(a->extra, b->extra, sizeof(a->extra)) &&
				     !memcmp(a->name, b->name, sizeof(a->name)) &&
				     !memcmp(a->comment, b->comment, sizeof(a->comment)),
				     "%s: gz_header extra/name/comment differ", op)))
		return 0;
	return 1;
}

static int zd_inf_prefix(struct zd_ctx *c, struct zd_inf *s, const char *op);

/* Feed both sides the rest of their input, output room to the end. */
static void zd_inf_drain(struct zd_ctx *c, struct zd_inf *s, struct zd_zin *in,
			 int *ret)
{
	int i, k;

	for (i = 0; i < 2; i++) {
		z_stream *z = s[i].z;

		for (k = 0; k < 64 && (ret[i] == Z_OK || ret[i] == Z_BUF_ERROR); k++) {
			uLong ti = z->total_in, to = z->total_out;

			z->avail_in = (uInt)(in->zlen - (size_t)(z->next_in - in->z));
			z->avail_out = (uInt)(s[i].cap - z->total_out);
			ret[i] = s[i].L->inflate(z, Z_NO_FLUSH);
			if (ti == z->total_in && to == z->total_out)
				break;
		}
	}
	zd_trace(c, "drain: shim %d out %lu in %lu, zlib %d out %lu in %lu", ret[0],
		 s[0].z->total_out, s[0].z->total_in, ret[1], s[1].z->total_out,
		 s[1].z->total_in);
	/*
	 * ZD_DOCUMENTED: input that ends for good inside a stream: the device
	 * keeps the last bytes of the cut back (ISA-L holds a literal until
	 * it sees the next code), then the same Z_BUF_ERROR as zlib
	 */
	if (in->damaged && ret[0] == Z_BUF_ERROR && ret[1] == Z_BUF_ERROR &&
	    s[0].z->total_out < s[1].z->total_out &&
	    s[1].z->total_out - s[0].z->total_out <= ZD_CUT_SHORT &&
	    zd_inf_prefix(c, s, "drain")) {
		zd_trace(c, "a cut stream, %lu bytes short (documented)",
			 s[1].z->total_out - s[0].z->total_out);
		return;
	}
	/* ZD_DOCUMENTED: too far back for zlib's window and buffer (above) */
	if (ret[1] == Z_DATA_ERROR && s[1].z->msg &&
	    !strcmp(s[1].z->msg, "invalid distance too far back") &&
	    s[0].dev_seen && zd_inf_prefix(c, s, "drain"))
		return;
	if (!ZD_CHECK(c, ret[0] == ret[1], "drain: shim %d, zlib %d", ret[0], ret[1]))
		ZD_CHECK(c, s[0].z->total_out == s[1].z->total_out && s[0].z->total_in ==
			 s[1].z->total_in && zd_inf_adler(c, &s[0], s[0].z, s[1].z, "drain") &&
			 !memcmp(s[0].out, s[1].out, s[0].z->total_out),
			 "drain: out %lu/%lu in %lu/%lu adler %lx/%lx or bytes differ",
			 s[0].z->total_out, s[1].z->total_out, s[0].z->total_in,
			 s[1].z->total_in, s[0].z->adler, s[1].z->adler);
}

static uInt zd_room(struct zd_ctx *c, size_t left)
{
	size_t n;

	switch (zd_pick(c, 6)) {
	case 5: n = zd_pick(c, 3); break;		/* 0, 1 or 2 bytes */
	case 1: n = zd_pick(c, 100); break;
	case 2: case 3: n = zd_pick(c, 20000); break;
	case 4: n = zd_pick(c, 300000); break;
	default: n = left; break;		/* 0: what fuzzing ends with */
	}
	return (uInt)(n < left ? n : left);
}

static const int zd_inf_flush[] = { Z_NO_FLUSH, Z_NO_FLUSH, Z_NO_FLUSH, Z_SYNC_FLUSH,
				    Z_FINISH, Z_BLOCK, Z_TREES, Z_PARTIAL_FLUSH, 9 };

static int zd_soft_ret(int r)
{
	return r == Z_OK || r == Z_BUF_ERROR || r == Z_STREAM_END || r == Z_DATA_ERROR;
}

/* The sides' outputs agree as far as both went. */
static int zd_inf_prefix(struct zd_ctx *c, struct zd_inf *s, const char *op)
{
	uLong n = s[0].z->total_out < s[1].z->total_out ? s[0].z->total_out : s[1].z->total_out;

	return !ZD_CHECK(c, !memcmp(s[0].out, s[1].out, n), "%s: output differs", op);
}

/*
 * One inflate() call on both. Both get input up to the same offset and
 * the same output room. In step (*apart == 0), everything must agree,
 * except what doc/compression.md says a device stream does otherwise
 * (ZD_DOCUMENTED): it does not stop at block boundaries (Z_BLOCK,
 * Z_TREES); in a call that fills the output it may take another amount
 * of input than zlib; in a call that uses up its input in the middle of
 * a block it may give fewer bytes than zlib (ISA-L keeps the last few
 * back until more input comes). After such a
 * call the sides are apart until their counters meet again: then only
 * their output so far must agree, and the drain at the end compares the
 * whole.
 */
static void zd_inf_call(struct zd_ctx *c, struct zd_inf *s, struct zd_zin *in,
			int *ret, int *apart)
{
	int f = zd_inf_flush[zd_pick(c, sizeof(zd_inf_flush) / sizeof(*zd_inf_flush))];
	size_t rpos = (size_t)(s[1].z->next_in - in->z), spos = (size_t)(s[0].z->next_in - in->z);
	uInt ai = zd_room(c, in->zlen - rpos), ao = zd_room(c, s[1].cap - s[1].z->total_out);
	int i, dev = zd_on_device(s[0].z);
	z_stream *x = s[0].z, *y = s[1].z;
	char op[64];

	for (i = 0; i < 2; i++) {
		size_t pos = i ? rpos : spos, room = s[i].cap - s[i].z->total_out;

		s[i].z->avail_in = rpos + ai > pos ? (uInt)(rpos + ai - pos) : 0;
		s[i].z->avail_out = ao < room ? ao : (uInt)room;
		ret[i] = s[i].L->inflate(s[i].z, f);
	}
	dev |= zd_on_device(x);
	if (dev)
		s[0].dev_seen = s[0].dt_dev = 1;
	else if (ret[0] != Z_STREAM_ERROR)
		s[0].dt_dev = 0;	/* zlib's inflate() has set it */
	snprintf(op, sizeof(op), "inflate(%d) in %u out %u", f, ai, ao);
	zd_trace(c, "%s: shim %d zlib %d (in %u/%u out %u/%u)%s%s", op, ret[0], ret[1],
		 x->avail_in, y->avail_in, x->avail_out, y->avail_out, dev ? " dev" : "",
		 *apart ? " apart" : "");
	if (!zd_inf_prefix(c, s, op))
		return;
	/*
	 * ZD_DOCUMENTED: a reference further back than the window the caller
	 * gave (the data's own window is larger) fails in zlib only when it
	 * leaves zlib's output buffer of the call; a device stream decodes
	 * into buffers of its own and may go on.
	 */
	if (ret[1] == Z_DATA_ERROR && y->msg &&
	    !strcmp(y->msg, "invalid distance too far back") && s[0].dev_seen &&
	    (ret[0] != Z_DATA_ERROR || x->total_out != y->total_out)) {
		zd_trace(c, "too far back for zlib's window and buffer (documented)");
		*apart = 2;	/* no more comparing */
		return;
	}
	if (*apart) {
		if (x->total_in == y->total_in && x->total_out == y->total_out &&
		    ret[0] == ret[1]) {
			*apart = 0;	/* together again: all must agree */
			zd_trace(c, "in step again");
			s[0].resync = 1;	/* until the next call in step */
			zd_inf_same(c, &s[0], &s[1], op, ret[0], ret[1]);
			return;
		}
		ZD_CHECK(c, zd_soft_ret(ret[0]) && zd_soft_ret(ret[1]),
			 "%s (apart): shim %d, zlib %d", op, ret[0], ret[1]);
		return;
	}
	if (!dev || (x->total_in == y->total_in && x->total_out == y->total_out &&
		     f != Z_BLOCK && f != Z_TREES)) {
		zd_inf_same(c, &s[0], &s[1], op, ret[0], ret[1]);
		s[0].resync = 0;
		return;
	}
	/* ZD_DOCUMENTED: the three ways a device stream may part from zlib */
	if (f == Z_BLOCK || f == Z_TREES ||
	    (!ZD_CHECK(c, (!x->avail_out && !y->avail_out && x->total_out == y->total_out) ||
		       (!x->avail_in && x->total_out < y->total_out),
		       "%s: shim took %lu gave %lu, zlib took %lu gave %lu", op, x->total_in,
		       x->total_out, y->total_in, y->total_out) &&
	     !ZD_CHECK(c, zd_soft_ret(ret[0]) && zd_soft_ret(ret[1]),
		       "%s: shim %d, zlib %d", op, ret[0], ret[1]))) {
		*apart = 1;
		zd_trace(c, "apart (documented)");
	}
}

static void zd_inf_head(struct zd_inf *s)
{
	memset(&s->head, 0, sizeof(s->head));
	memset(s->extra, 0, sizeof(s->extra));
	memset(s->name, 0, sizeof(s->name));
	memset(s->comment, 0, sizeof(s->comment));
	s->head.extra = s->extra;
	s->head.extra_max = sizeof(s->extra);
	s->head.name = s->name;
	s->head.name_max = sizeof(s->name);
	s->head.comment = s->comment;
	s->head.comm_max = sizeof(s->comment);
	s->has_head = 1;
}

/* inflateCopy on both; the run goes on with the copy or the original. */
static void zd_inf_copy(struct zd_ctx *c, struct zd_inf *s)
{
	int r[2], i, dev = zd_on_device(s[0].z), use_copy = (int)zd_pick(c, 2);

	for (i = 0; i < 2; i++) {
		z_stream *cp = s[i].z == &s[i].slot[0] ? &s[i].slot[1] : &s[i].slot[0];

		memset(cp, 0, sizeof(*cp));
		r[i] = s[i].L->inflateCopy(cp, s[i].z);
		if (r[i] != Z_OK)
			continue;
		if (use_copy) {
			s[i].L->inflateEnd(s[i].z);
			s[i].z = cp;
		} else {
			s[i].L->inflateEnd(cp);
		}
	}
	zd_trace(c, "inflateCopy: shim %d zlib %d%s, go on with the %s", r[0], r[1],
		 dev ? " dev" : "", use_copy ? "copy" : "original");
	if (r[0] != r[1] && dev && r[0] == Z_STREAM_ERROR && r[1] == Z_OK)
		zd_bad(c, 0, ZD_H1_COPY, "inflateCopy of a device stream: %d", r[0]);
	else
		ZD_CHECK(c, r[0] == r[1], "inflateCopy: shim %d, zlib %d", r[0], r[1]);
}

/* The other calls on a live inflate stream, on both sides. */
static void zd_inf_misc(struct zd_ctx *c, struct zd_inf *s, struct zd_zin *in,
			int op, int last, int *stop)
{
	int r[2], i, arg = 0, arg2 = 0, was_dev;
	long m[2];
	uInt dl[2] = { 0, 0 };
	uint8_t dict[2][32768];
	const char *name = "?";

	/* the choices first: the same for both sides */
	arg2 = (int)zd_pick(c, 4);
	was_dev = zd_on_device(s[0].z);
	/*
	 * Stock zlib 1.2.13: inflateSync on a stream made with windowBits 0
	 * (the window from the header) before its header was read goes on as
	 * raw with a window of 1 << 0 bytes, and its next inflate() writes
	 * past it (valgrind): no sync on such streams.
	 */
	if (op == 0 && s[1].wbits == 0)
		op = 1;
	switch (op) {
	case 0:
		name = "inflateSync";
		arg = (int)zd_room(c, in->zlen - (size_t)(s[1].z->next_in - in->z));
		for (i = 0; i < 2; i++) {
			s[i].z->avail_in = (uInt)arg;
			s[i].z->avail_out = (uInt)(s[i].cap - s[i].z->total_out);
			r[i] = s[i].L->inflateSync(s[i].z);
		}
		break;
	case 1:
		name = "inflateSyncPoint";
		for (i = 0; i < 2; i++)
			r[i] = s[i].L->inflateSyncPoint(s[i].z);
		break;
	case 2:
		name = "inflateMark";
		for (i = 0; i < 2; i++)
			m[i] = s[i].L->inflateMark(s[i].z);
		zd_trace(c, "inflateMark: shim %ld zlib %ld", m[0], m[1]);
		/* ZD_DOCUMENTED: device streams stop on byte boundaries only
		 * (and one handed to zlib by inflateSync starts at a block) */
		ZD_CHECK(c, m[0] == m[1] || (zd_on_device(s[0].z) && m[0] == 0) ||
			 (s[0].dev_seen && (m[0] == 0 || m[0] == -65536)),
			 "inflateMark: shim %ld, zlib %ld", m[0], m[1]);
		return;
	case 3:
		name = "inflateGetHeader";
		for (i = 0; i < 2; i++) {
			zd_inf_head(&s[i]);
			r[i] = s[i].L->inflateGetHeader(s[i].z, &s[i].head);
		}
		break;
	case 4:
		/* the right dictionary when asked for, else a random one */
		arg = last == Z_NEED_DICT || zd_pick(c, 2) ? (int)in->dlen : (int)zd_pick(c, 40);
		name = "inflateSetDictionary";
		for (i = 0; i < 2; i++)
			r[i] = s[i].L->inflateSetDictionary(s[i].z, in->dlen ? in->dict :
							   (const Bytef *)"0123456789abcdefghijklmnopqrstuvwxyz0123",
							   (uInt)arg);
		break;
	case 5:
		name = "inflateGetDictionary";
		for (i = 0; i < 2; i++)
			r[i] = s[i].L->inflateGetDictionary(s[i].z, arg2 ? dict[i] : NULL, &dl[i]);
		/* ZD_DOCUMENTED: the history of a stream the device served */
		if (r[0] == Z_OK && r[1] == Z_OK && !s[0].no_hist && !s[0].dev_seen)
			ZD_CHECK(c, dl[0] == dl[1] && (!arg2 || !memcmp(dict[0], dict[1], dl[0])),
				 "inflateGetDictionary: %u bytes / %u or bytes differ", dl[0], dl[1]);
		break;
	case 6:
		arg = (int)zd_pick(c, 20) - 1;
		arg2 = (int)zd_pick(c, 1u << 16);
		name = "inflatePrime";
		for (i = 0; i < 2; i++)
			r[i] = s[i].L->inflatePrime(s[i].z, arg, arg2);
		break;
	case 7:
		arg = (int)zd_pick(c, 2);
		name = "inflateValidate";
		for (i = 0; i < 2; i++)
			r[i] = s[i].L->inflateValidate(s[i].z, arg);
		break;
	case 8:
		for (i = 0; i < 2; i++)
			m[i] = (long)s[i].L->inflateCodesUsed(s[i].z);
		zd_trace(c, "inflateCodesUsed: shim %ld zlib %ld", m[0], m[1]);
		/* ZD_DOCUMENTED: zlib's internal table count: none on a device
		 * (nor after the device, in the zlib stream that goes on) */
		if (!zd_on_device(s[0].z) && !s[0].dev_seen)
			ZD_CHECK(c, m[0] == m[1], "inflateCodesUsed: shim %ld, zlib %ld", m[0], m[1]);
		return;
	default:
		arg = (int)zd_pick(c, 2);
		name = "inflateUndermine";
		for (i = 0; i < 2; i++)
			r[i] = s[i].L->inflateUndermine(s[i].z, arg);
		break;
	}
	zd_trace(c, "%s(%d, %d): shim %d zlib %d%s", name, arg, arg2, r[0], r[1],
		 zd_on_device(s[0].z) ? " dev" : "");
	/* ZD_DOCUMENTED: a device stream is at no stored block zlib could see */
	if (op == 1 && r[0] == 0 && r[1] == 1 && zd_on_device(s[0].z)) {
		zd_trace(c, "no sync point seen on a device stream (documented)");
		return;
	}
	/*
	 * ZD_DOCUMENTED: what needs zlib's decoder state (its window, its bit
	 * buffer, its header parser) of a stream the device already serves
	 * is refused: Z_STREAM_ERROR where zlib says Z_OK.
	 */
	if (r[0] == Z_STREAM_ERROR && r[1] == Z_OK && zd_on_device(s[0].z) &&
	    (op == 3 || op == 4 || op == 5 || op == 6 || (op == 7 && !arg))) {
		zd_trace(c, "refused on a device stream (documented)");
		if (op == 3)
			s[0].has_head = s[1].has_head = 0;
		if (op == 4 || op == 6 || op == 7)
			*stop = 1;	/* zlib's stream is another one now */
		return;
	}
	/* bits pushed into a stream whose history is the device's (above):
	 * what follows refers to history the two may not have alike */
	if (op == 6 && r[0] == Z_OK && s[0].dev_seen && arg > 0)
		*stop = 1;
	/*
	 * ZD_DOCUMENTED: the data_type a device stream had (no block
	 * position) stays when inflateSync hands it to zlib and finds
	 * nothing; and its history (inflateGetDictionary) does not go over
	 * (zlib keeps its window until a flush point is found)
	 */
	if (op == 0 && was_dev) {
		s[0].z->data_type = s[1].z->data_type;
		s[0].no_hist = 1;
		/* zlib searches the bytes still in its bit buffer first (with
		 * no input, or a flush point that starts in them); a device
		 * stream has none to search */
		if ((!arg && r[0] == Z_BUF_ERROR && r[1] == Z_DATA_ERROR) ||
		    (r[0] == Z_DATA_ERROR && r[1] == Z_OK)) {
			zd_trace(c, "no input: nothing to search (documented)");
			*stop = 1;
			return;
		}
	}
	zd_inf_same(c, &s[0], &s[1], name, r[0], r[1]);
}

/* inflateReset/Reset2/ResetKeep; the input goes on or starts again. */
static void zd_inf_reset(struct zd_ctx *c, struct zd_inf *s, struct zd_zin *in,
			 int *wbits)
{
	static const int wb[] = { 15, -15, 31, 47, 0, 9, -9, 7, 48, -16 };
	int kind = (int)zd_pick(c, 3), rewind = (int)zd_pick(c, 2), r[2], i;
	int w = zd_pick(c, 2) ? *wbits : wb[zd_pick(c, sizeof(wb) / sizeof(*wb))];

	for (i = 0; i < 2; i++) {
		uInt ai = s[i].z->avail_in;
		Bytef *ni = s[i].z->next_in;

		r[i] = kind == 0 ? s[i].L->inflateReset(s[i].z) :
		       kind == 1 ? s[i].L->inflateResetKeep(s[i].z) :
		       s[i].L->inflateReset2(s[i].z, w);
		if (r[i] != Z_OK)	/* nothing was reset: go on as before */
			continue;
		/* ZD_DOCUMENTED: zlib's inflateResetKeep keeps the window, the
		 * shim's streams start afresh */
		s[i].no_hist = kind == 1 && (zd_is_shim(s[0].z) || s[0].dev_seen);
		/* zlib's next stream may refer to the last one's window */
		s[i].kept = kind == 1 && zd_is_shim(s[0].z);
		if (kind != 1)
			s[i].dev_seen = 0;
		/* the output starts again; the input goes on (members) or not */
		s[i].z->next_out = s[i].out;
		s[i].z->avail_out = 0;
		s[i].z->next_in = rewind ? in->z : ni;
		s[i].z->avail_in = rewind ? 0 : ai;
		s[i].has_head = 0;
	}
	if (kind == 2 && r[1] == Z_OK)
		*wbits = s[0].wbits = s[1].wbits = w;
	zd_trace(c, "inflateReset%s(%d)%s: shim %d zlib %d", kind == 0 ? "" : kind == 1 ?
		 "Keep" : "2", kind == 2 ? w : 0, rewind ? ", input from the start" : "",
		 r[0], r[1]);
	zd_inf_same(c, &s[0], &s[1], "inflateReset", r[0], r[1]);
}

/* Choose inflate's windowBits for a producer's. */
static int zd_inf_wbits(struct zd_ctx *c, int wbits)
{
	switch (zd_pick(c, 8)) {
	case 0:
		return wbits > 0 && wbits < 16 ? 0 : wbits;	/* from the header */
	case 1:
		return wbits > 0 ? (wbits & 15) + 32 : wbits;	/* auto-detect */
	case 2:
		return wbits < 0 ? -15 : wbits > 15 ? 31 : 15;	/* largest window */
	case 3:
		return wbits < 0 ? -9 : wbits > 15 ? 25 : 9;	/* maybe too small */
	case 4:
		return (int)zd_pick(c, 60) - 20;		/* anything */
	default:
		return wbits == 8 ? 9 : wbits == 24 ? 25 : wbits;
	}
}

/* The inflate scenario. */
void zd_run_inflate(struct zd_ctx *c)
{
	struct zd_inf s[2];
	struct zd_zin in;
	int wbits, r[2] = { Z_OK, Z_OK }, i, n, apart = 0, nops, plain, stop = 0;

	zd_make_input(c, &in, 0);
	wbits = zd_inf_wbits(c, in.wbits);
	plain = wbits == 15 && zd_pick(c, 2);	/* inflateInit_ */
	memset(s, 0, sizeof(s));
	for (i = 0; i < 2; i++) {
		s[i].L = i ? c->ref : c->sh;
		s[i].cap = in.rawlen * 2 + 65536 < ZD_OUT_MAX ? in.rawlen * 2 + 65536 : ZD_OUT_MAX;
		s[i].out = zd_alloc(s[i].cap);
		/* not what the other side has there: bytes reported but not
		 * written show (and the same in every run of a seed) */
		memset(s[i].out, i ? 0x5a : 0xa5, s[i].cap);
		s[i].z = &s[i].slot[0];
		r[i] = plain ? s[i].L->inflateInit_(s[i].z, ZLIB_VERSION, (int)sizeof(z_stream)) :
		       s[i].L->inflateInit2_(s[i].z, wbits, ZLIB_VERSION, (int)sizeof(z_stream));
		s[i].live = r[i] == Z_OK;
		s[i].wbits = wbits;
		s[i].z->next_in = in.z;
		s[i].z->next_out = s[i].out;
	}
	zd_trace(c, "inflateInit2(%d): shim %d zlib %d", wbits, r[0], r[1]);
	if (ZD_CHECK(c, r[0] == r[1], "inflateInit2(%d): shim %d, zlib %d", wbits, r[0], r[1]) ||
	    r[1] != Z_OK)
		goto out;
	nops = 1 + (int)zd_pick(c, 60);
	for (n = 0; n < nops && !c->failed && !stop && !zd_dry(c); n++) {
		int last = r[1], k = (int)zd_pick(c, 40);

		if (last == Z_NEED_DICT && k < 30)
			k = 30;		/* mostly answer the question */
		if (last == Z_STREAM_END && s[1].z->avail_in && k < 20)
			k = 37;		/* mostly go on with the next member */
		if (apart == 2) {
			stop = 1;
		} else if (k < 24 || apart) {	/* apart: calls until the sides meet */
			zd_inf_call(c, s, &in, r, &apart);
		} else if (k < 26) {
			zd_inf_copy(c, s);
		} else if (k < 36) {
			zd_inf_misc(c, s, &in, k - 26, last, &stop);
		} else {
			zd_inf_reset(c, s, &in, &wbits);
			r[0] = r[1] = Z_OK;
			stop |= s[0].kept;
		}
	}
	if (!c->failed && !stop)
		zd_inf_drain(c, s, &in, r);
	for (i = 0; i < 2; i++) {
		r[i] = s[i].L->inflateEnd(s[i].z);
		s[i].live = 0;
	}
	ZD_CHECK(c, r[0] == r[1], "inflateEnd: shim %d, zlib %d", r[0], r[1]);
out:
	for (i = 0; i < 2; i++) {
		if (s[i].live)
			s[i].L->inflateEnd(s[i].z);
		free(s[i].out);
	}
	free(in.z);
	free(in.raw);
}
