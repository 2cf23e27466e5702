// SPDX-License-Identifier: MIT
/*
 * zlib_diff_deflate.c - the deflate scenario of zlib_diff.h: the same
 * random calls on a shim stream and a stock zlib stream. The bytes may
 * differ on a device stream; the rest must not: codes, input taken,
 * total_in, adler and msg after every call both sides had room for. (zlib
 * takes less input when its output fills, so a call where either side
 * filled its output leaves the lockstep until a flush both complete.)
 * The shim's stream must inflate to its input; its bytes must be the same
 * when the input comes in other pieces (the flushes and parameter changes
 * at the same offsets); deflateBound must bound a one-call stream. A
 * stream the shim gave to zlib must give zlib's bytes exactly.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include "zlib_diff.h"

/* What shaped the shim's stream since its last reset, to replay it. */
enum { ZD_EV_FLUSH, ZD_EV_PARAMS, ZD_EV_DICT };
struct zd_ev {
	int type;
	size_t at;		/* input offset */
	int a, b;
};
#define ZD_EVS	64

struct zd_def {
	const struct zd_lib *L;
	z_stream slot[2];	/* zlib's state points back: copies need a home */
	z_stream *z;
	uint8_t *out;
	size_t cap;
	int ret;		/* the last deflate()'s */
	int flushing;		/* a flush whose output did not fit, or -1 */
	int full;		/* the last call filled the output */
	int live;
};

struct zd_drun {
	struct zd_def s[2];
	const uint8_t *data;
	size_t len;
	uint8_t dict[300];
	int dlen;		/* dictionary set before data; -1 one set later */
	int wbits, mem;
	int level, strategy;	/* the shim stream's, now */
	int seg_level, seg_strategy;	/* at its last init/reset */
	int primed;		/* deflatePrime was taken: no round trip */
	int kept;		/* zlib's deflateResetKeep: no round trip */
	int diverged;		/* zlib took a call the shim refused */
	int stop;		/* the sides cannot be compared any more */
	uLong dict_in;		/* zlib counted a raw dictionary in total_in */
	int apart;		/* the sides took different input */
	int was_apart;		/* since the last init/reset */
	int has_head;
	gz_header head;
	struct zd_ev ev[ZD_EVS];
	int nev;		/* -1: too many, or not replayable */
	int called;		/* deflate() was called since init/reset */
	int flush_ev;		/* the flush being finished is recorded */
};

static void zd_ev_at(struct zd_drun *d, int type, int a, int b, size_t at)
{
	if (d->nev < 0)
		return;
	if (d->nev == ZD_EVS) {
		d->nev = -1;
		return;
	}
	d->ev[d->nev].type = type;
	d->ev[d->nev].at = at;
	d->ev[d->nev].a = a;
	d->ev[d->nev].b = b;
	d->nev++;
}

static void zd_ev_add(struct zd_drun *d, int type, int a, int b)
{
	zd_ev_at(d, type, a, b, (size_t)(d->s[0].z->next_in - d->data));
}

static size_t zd_dleft(const struct zd_drun *d, int i)
{
	return d->len - (size_t)(d->s[i].z->next_in - d->data);
}

/* Codes, input taken, adler and msg after a call both had room for. */
static void zd_def_same(struct zd_ctx *c, struct zd_drun *d, const char *op,
			int ra, int rb)
{
	z_stream *x = d->s[0].z, *y = d->s[1].z;

	if (d->apart)
		return;
	if (ZD_CHECK(c, ra == rb, "%s: shim %d, zlib %d", op, ra, rb) ||
	    ZD_CHECK(c, x->avail_in == y->avail_in &&
		     x->total_in + (zd_is_shim(x) ? d->dict_in : 0) == y->total_in,
		     "%s: in shim %u/%lu, zlib %u/%lu", op, x->avail_in, x->total_in,
		     y->avail_in, y->total_in) ||
	    ZD_CHECK(c, x->adler == y->adler, "%s: adler shim %lx, zlib %lx", op,
		     x->adler, y->adler))
		return;
	/* a message stays until a reset: compared while never apart since */
	if (!d->was_apart)
		ZD_CHECK(c, !x->msg == !y->msg, "%s: msg shim %s, zlib %s", op,
			 x->msg ? x->msg : "none", y->msg ? y->msg : "none");
	/* ZD_DOCUMENTED: a device stream's bytes are not zlib's */
	if (!zd_on_device(x) && !d->diverged)
		ZD_CHECK(c, x->total_out == y->total_out && x->data_type == y->data_type &&
			 !memcmp(d->s[0].out, d->s[1].out, x->total_out),
			 "%s: a stream the shim gave to zlib differs from zlib's", op);
}

/* Output room: mostly plenty, sometimes 0, 1, 2 or a few bytes (choice
 * 0, all the fuzzer's choices once its input is used up: plenty). */
static size_t zd_def_room(struct zd_ctx *c, size_t in)
{
	switch (zd_pick(c, 8)) {
	case 6:
		return zd_pick(c, 3);
	case 7:
		return zd_pick(c, 700);
	default:
		return in + in / 8 + 4096;
	}
}

static const int zd_def_flush[] = { Z_NO_FLUSH, Z_NO_FLUSH, Z_NO_FLUSH, Z_PARTIAL_FLUSH,
				    Z_SYNC_FLUSH, Z_FULL_FLUSH, Z_FINISH, Z_BLOCK,
				    Z_NO_FLUSH, Z_TREES, -1 };

/* One deflate() call on both sides (f < -1: a random one). */
static void zd_def_call(struct zd_ctx *c, struct zd_drun *d, int f)
{
	size_t ai = zd_size(c, d->len), room, req_end = 0, end;
	int i, full = 0, in0[2], new_req = d->s[0].flushing < 0;
	char op[64];

	if (f < -1)
		f = zd_def_flush[zd_pick(c, sizeof(zd_def_flush) / sizeof(*zd_def_flush))];
	room = zd_def_room(c, ai);
	if (d->s[0].flushing >= 0 || d->s[1].flushing >= 0)	/* zlib's rule */
		f = d->s[0].flushing >= 0 ? d->s[0].flushing : d->s[1].flushing;
	/* both sides get input up to the same offset (apart, from other places) */
	end = (size_t)(d->s[1].z->next_in - d->data) + ai;
	if (end > d->len)
		end = d->len;
	for (i = 0; i < 2; i++) {
		struct zd_def *s = &d->s[i];
		size_t pos = (size_t)(s->z->next_in - d->data), left = d->len - pos;

		if (s->flushing < 0)
			s->z->avail_in = (uInt)(end > pos ? end - pos : 0);
		else if (s->z->avail_in > left)
			s->z->avail_in = (uInt)left;
		in0[i] = s->z->avail_in != 0;
		if (!i)		/* a flush applies once the input given with it is in */
			req_end = (size_t)(s->z->next_in - d->data) + s->z->avail_in;
		s->z->avail_out = (uInt)(room < s->cap - s->z->total_out ? room :
					 s->cap - s->z->total_out);
		s->ret = s->L->deflate(s->z, f);
		s->full = s->z->avail_out == 0;
		/* zlib's rule: a flush that did not fit is called again */
		if (s->ret == Z_BUF_ERROR && s->flushing >= 0)
			;	/* no progress: the flush is still to be done */
		else
			s->flushing = s->ret == Z_OK && (f == Z_FINISH ||
				      (f > Z_NO_FLUSH && f <= Z_BLOCK && s->full)) ? f : -1;
		full |= s->full;
	}
	snprintf(op, sizeof(op), "deflate(%d) in %zu out %zu", f, ai, room);
	zd_trace(c, "%s: shim %d zlib %d (in %u/%u out %u/%u)%s%s", op, d->s[0].ret,
		 d->s[1].ret, d->s[0].z->avail_in, d->s[1].z->avail_in, d->s[0].z->avail_out,
		 d->s[1].z->avail_out, zd_on_device(d->s[0].z) ? " dev" : "",
		 d->apart ? " apart" : "");
	/* a flush the shim completed is an event of its stream; so is the
	 * first call (it starts the stream, with or without input) */
	/*
	 * A flush takes effect once the input given with it is all in (in
	 * this call or in the calls that finish it); a request whose input
	 * is withdrawn first never did.
	 */
	(void)new_req;
	(void)req_end;
	if ((d->s[0].ret == Z_OK || d->s[0].ret == Z_STREAM_END) &&
	    f > Z_NO_FLUSH && f <= Z_BLOCK && !d->s[0].z->avail_in && !d->flush_ev) {
		zd_ev_add(d, ZD_EV_FLUSH, f, 0);
		d->flush_ev = 1;
		d->called = 1;
	} else if ((d->s[0].ret == Z_OK || d->s[0].ret == Z_STREAM_END) && !d->called) {
		zd_ev_add(d, ZD_EV_FLUSH, Z_NO_FLUSH, 0);
		d->called = 1;
	}
	if (d->s[0].flushing < 0)
		d->flush_ev = 0;
	/* zlib's rule: Z_FINISH with room left ends the stream, or fails */
	ZD_CHECK(c, f != Z_FINISH || d->s[0].ret != Z_OK || d->s[0].full,
		 "%s: the shim says Z_OK with room left (zlib's gz_comp stops there)", op);
	/*
	 * ZD_DOCUMENTED: with no input and no flush, a call gives whatever
	 * output is due: a device stream's chunks finish on their own time,
	 * so either side may have some (Z_OK) where the other has none
	 * (Z_BUF_ERROR)
	 */
	if (!full && f == Z_NO_FLUSH && !in0[0] && !in0[1] && d->s[0].ret != d->s[1].ret &&
	    (d->s[0].ret == Z_OK || d->s[0].ret == Z_BUF_ERROR) &&
	    (d->s[1].ret == Z_OK || d->s[1].ret == Z_BUF_ERROR) && zd_on_device(d->s[0].z)) {
		zd_trace(c, "output due on its own time (documented)");
		d->was_apart = 1;	/* and the msg of a Z_BUF_ERROR with it */
		return;
	}
	if (!full)
		zd_def_same(c, d, op, d->s[0].ret, d->s[1].ret);
	/* zlib's rule: adler is the check of the input taken so far */
	if (zd_format(d->wbits) && d->s[0].ret != Z_STREAM_ERROR && d->s[0].z->total_out)
		ZD_CHECK(c, d->s[0].z->adler == zd_check_of(zd_format(d->wbits), d->data,
							     (size_t)(d->s[0].z->next_in - d->data)),
			 "%s: the shim's adler %lx is not the check of its input", op,
			 d->s[0].z->adler);
	if (full) {
		d->apart = d->was_apart = 1;
	} else if (d->apart && (f == Z_SYNC_FLUSH || f == Z_FULL_FLUSH) &&
		   d->s[0].ret == Z_OK && d->s[1].ret == Z_OK &&
		   d->s[0].z->total_in == d->s[1].z->total_in && in0[0] == in0[1]) {
		d->apart = 0;	/* both flushed all they had: lockstep again */
		zd_trace(c, "lockstep again");
	}
}

/* deflateCopy on both; the run goes on with the copy or the original. */
static void zd_def_copy(struct zd_ctx *c, struct zd_drun *d)
{
	int r[2], i, dev = zd_on_device(d->s[0].z), use_copy = (int)zd_pick(c, 2);

	for (i = 0; i < 2; i++) {
		struct zd_def *s = &d->s[i];
		z_stream *cp = s->z == &s->slot[0] ? &s->slot[1] : &s->slot[0];

		memset(cp, 0, sizeof(*cp));
		r[i] = s->L->deflateCopy(cp, s->z);
		if (r[i] != Z_OK)
			continue;
		if (use_copy) {
			s->L->deflateEnd(s->z);
			s->z = cp;
		} else {
			s->L->deflateEnd(cp);
		}
	}
	zd_trace(c, "deflateCopy: shim %d zlib %d%s, go on with the %s", r[0], r[1],
		 dev ? " dev" : "", use_copy ? "copy" : "original");
	if (r[0] != r[1] && dev && r[0] == Z_STREAM_ERROR && r[1] == Z_OK)
		zd_bad(c, 0, ZD_H1_COPY, "deflateCopy of a device stream: %d", r[0]);
	else
		ZD_CHECK(c, r[0] == r[1], "deflateCopy: shim %d, zlib %d", r[0], r[1]);
}

static void zd_def_reset(struct zd_ctx *c, struct zd_drun *d)
{
	int keep = (int)zd_pick(c, 2), r[2], i;

	for (i = 0; i < 2; i++) {
		struct zd_def *s = &d->s[i];

		r[i] = keep ? s->L->deflateResetKeep(s->z) : s->L->deflateReset(s->z);
		s->z->next_in = (Bytef *)d->data;
		s->z->avail_in = 0;
		s->z->next_out = s->out;
		s->flushing = -1;
		s->full = 0;
	}
	zd_trace(c, "deflateReset%s: shim %d zlib %d", keep ? "Keep" : "", r[0], r[1]);
	d->apart = d->was_apart = 0;
	d->nev = 0;
	d->called = 0;
	d->flush_ev = 0;
	d->dlen = 0;
	d->dict_in = 0;
	d->primed = 0;
	/* zlib's deflateResetKeep keeps the window: its next stream may refer
	 * to the last one's data. ZD_DOCUMENTED: the shim's streams start
	 * afresh (a stream it gave to zlib does as zlib's) */
	d->kept = keep && !zd_is_shim(d->s[0].z);
	if (keep && zd_is_shim(d->s[0].z))
		d->stop = 1;	/* zlib's next stream is another one */
	d->seg_level = d->level;
	d->seg_strategy = d->strategy;
	zd_def_same(c, d, "deflateReset", r[0], r[1]);
	ZD_CHECK(c, d->s[0].z->total_out == 0 && d->s[1].z->total_out == 0 &&
		 d->s[0].z->adler == d->s[1].z->adler, "deflateReset: counters not reset");
}

/* deflateBound, then all the input in one deflate(Z_FINISH) that fits it. */
static void zd_def_oneshot(struct zd_ctx *c, struct zd_drun *d)
{
	uLong b[2];
	int i;

	for (i = 0; i < 2; i++) {
		struct zd_def *s = &d->s[i];

		b[i] = s->L->deflateBound(s->z, zd_dleft(d, i));
		s->z->avail_in = (uInt)zd_dleft(d, i);
		s->z->avail_out = (uInt)(b[i] < s->cap - s->z->total_out ? b[i] :
					 s->cap - s->z->total_out);
		s->ret = s->L->deflate(s->z, Z_FINISH);
		s->flushing = -1;
	}
	zd_trace(c, "deflateBound %lu/%lu, deflate(Z_FINISH): shim %d zlib %d, out %lu/%lu",
		 b[0], b[1], d->s[0].ret, d->s[1].ret, d->s[0].z->total_out,
		 d->s[1].z->total_out);
	/* the shim's bound holds; a stream it gave to zlib has zlib's */
	ZD_CHECK(c, d->s[0].ret == Z_STREAM_END || (!zd_on_device(d->s[0].z) &&
						    d->s[0].ret == d->s[1].ret),
		 "one deflate(Z_FINISH) into deflateBound's room: shim %d, zlib %d",
		 d->s[0].ret, d->s[1].ret);
	if (d->s[1].ret != Z_STREAM_END) {	/* zlib's bound after a refused call */
		d->apart = d->was_apart = 1;
		return;
	}
	if (d->s[0].ret == Z_STREAM_END)
		zd_ev_add(d, ZD_EV_FLUSH, Z_FINISH, 0);
	d->called = 1;
	zd_def_same(c, d, "deflate(Z_FINISH) into deflateBound", d->s[0].ret, d->s[1].ret);
}

/* deflateParams on both. */
static void zd_def_params(struct zd_ctx *c, struct zd_drun *d)
{
	int level = (int)zd_pick(c, 12) - 1, strategy = (int)zd_pick(c, 6), r[2], i;

	int no_room = zd_pick(c, 6) == 0;

	for (i = 0; i < 2; i++) {
		d->s[i].z->avail_out = (uInt)(d->s[i].cap - d->s[i].z->total_out < 70000 ?
					       d->s[i].cap - d->s[i].z->total_out : 70000);
		if (no_room)
			d->s[i].z->avail_out = 0;
		r[i] = d->s[i].L->deflateParams(d->s[i].z, level, strategy);
	}
	zd_trace(c, "deflateParams(%d, %d): shim %d zlib %d (in %u/%u)", level, strategy,
		 r[0], r[1], d->s[0].z->avail_in, d->s[1].z->avail_in);
	if (r[0] == Z_OK) {
		d->level = level;
		d->strategy = strategy;
		zd_ev_add(d, ZD_EV_PARAMS, level, strategy);
	} else if (r[0] != Z_STREAM_ERROR) {
		d->nev = -1;	/* a flush may have happened: not replayable */
	}
	/*
	 * ZD_DOCUMENTED: with no output room, zlib switches when nothing is
	 * pending; a device stream cannot tell, and answers Z_BUF_ERROR.
	 */
	if (no_room && r[0] == Z_BUF_ERROR && r[1] == Z_OK && zd_on_device(d->s[0].z)) {
		zd_trace(c, "no room on a device stream (documented)");
		d->stop = 1;	/* the sides have other parameters from here on */
		return;
	}
	zd_def_same(c, d, "deflateParams", r[0], r[1]);
}

/* The other calls, on both sides. */
static void zd_def_misc(struct zd_ctx *c, struct zd_drun *d, int op)
{
	int r[2], i, a = 0, b = 0;
	unsigned p[2] = { 0, 0 };
	int bits[2] = { 0, 0 };
	uInt dl[2] = { 0, 0 };
	uint8_t dict[2][32768];
	const char *name = "?";
	int pick = (int)zd_pick(c, 16);	/* the same for both sides */

	/*
	 * Stock zlib 1.2.13's deflatePrime after data, with output pending in
	 * a small pending buffer (memLevel 1-3, stored blocks), writes past
	 * it and deflate then reads past it (ASan): only before the data.
	 */
	if (op == 2 && d->called)
		op = 3;

	switch (op) {
	case 0:
		a = zd_pick(c, 8) ? (int)zd_pick(c, sizeof(d->dict) + 1) : 0;
		name = "deflateSetDictionary";
		for (i = 0; i < 2; i++)
			r[i] = d->s[i].L->deflateSetDictionary(d->s[i].z, d->dict, (uInt)a);
		if (r[0] == Z_OK) {
			if (d->s[0].z->total_in || d->dlen)
				d->dlen = -1;
			else
				d->dlen = a;
			zd_ev_add(d, ZD_EV_DICT, a, 0);
		}
		/*
		 * ZD_DOCUMENTED: zlib adds the dictionary it loads (at most a
		 * window of it) to total_in; a raw stream primed on the device
		 * does not.
		 */
		if (r[0] == Z_OK && r[1] == Z_OK && zd_is_shim(d->s[0].z) &&
		    d->s[1].z->total_in > d->s[0].z->total_in + d->dict_in)
			d->dict_in = d->s[1].z->total_in - d->s[0].z->total_in;
		break;
	case 1:
		name = "deflateGetDictionary";
		for (i = 0; i < 2; i++)
			r[i] = d->s[i].L->deflateGetDictionary(d->s[i].z,
							       pick & 3 ? dict[i] : NULL, &dl[i]);
		if (r[0] == Z_OK && r[1] == Z_OK && !d->apart && !d->diverged)
			ZD_CHECK(c, dl[0] == dl[1] && (!(pick & 3) || !memcmp(dict[0], dict[1], dl[0])),
				 "deflateGetDictionary: %u/%u bytes or they differ", dl[0], dl[1]);
		break;
	case 2:
		a = (int)zd_pick(c, 19) - 1;
		b = (int)zd_pick(c, 1u << 16);
		name = "deflatePrime";
		for (i = 0; i < 2; i++)
			r[i] = d->s[i].L->deflatePrime(d->s[i].z, a, b);
		if (r[0] == Z_OK && a > 0)
			d->primed = 1;
		/* stock zlib primed after data: its bytes vary from run to run
		 * (seen under valgrind: they come from memory it never wrote) */
		if (r[0] == Z_OK && a > 0 && d->called)
			d->diverged = 1;
		break;
	case 3:
		name = "deflatePending";
		for (i = 0; i < 2; i++)
			r[i] = d->s[i].L->deflatePending(d->s[i].z, pick & 3 ? &p[i] : NULL,
							 pick & 12 ? &bits[i] : NULL);
		zd_trace(c, "deflatePending: %u+%d bits / %u+%d bits", p[0], bits[0], p[1], bits[1]);
		/* ZD_DOCUMENTED: what is pending depends on the bytes */
		if (!zd_on_device(d->s[0].z) && !d->apart)
			ZD_CHECK(c, p[0] == p[1] && bits[0] == bits[1], "deflatePending differs");
		break;
	case 4: {
		/*
		 * a row of zlib's own configuration table: other values make
		 * stock zlib's longest_match read window bytes it never wrote
		 * (valgrind), so that its own bytes differ from run to run
		 */
		static const int tune[][4] = { { 4, 4, 8, 4 }, { 4, 5, 16, 8 },
			{ 4, 6, 32, 32 }, { 4, 4, 16, 16 }, { 8, 16, 32, 32 },
			{ 8, 16, 128, 128 }, { 8, 32, 128, 256 }, { 32, 128, 258, 1024 },
			{ 32, 258, 258, 4096 } };

		a = (int)zd_pick(c, sizeof(tune) / sizeof(*tune));
		name = "deflateTune";
		for (i = 0; i < 2; i++)
			r[i] = d->s[i].L->deflateTune(d->s[i].z, tune[a][0], tune[a][1], tune[a][2],
						      tune[a][3]);
		break;
	}
	case 5:
		name = "deflateSetHeader";
		for (i = 0; i < 2; i++)
			r[i] = d->s[i].L->deflateSetHeader(d->s[i].z, &d->head);
		if (r[0] == Z_OK)
			d->has_head = 1;
		break;
	default:
		name = "deflateBound";
		a = (int)zd_size(c, 1u << 20);
		for (i = 0; i < 2; i++)
			r[i] = (int)(d->s[i].L->deflateBound(d->s[i].z, (uLong)a) >= (uLong)a);
		break;
	}
	zd_trace(c, "%s(%d, %d): shim %d zlib %d%s", name, a, b, r[0], r[1],
		 zd_on_device(d->s[0].z) ? " dev" : "");
	/*
	 * ZD_DOCUMENTED: what needs zlib's coder state (its window, its bit
	 * buffer, its header) of a stream already on the device is refused
	 * (Z_BUF_ERROR for deflatePrime, as zlib says when it has no room).
	 */
	if (r[1] == Z_OK && zd_on_device(d->s[0].z) && d->called &&
	    ((r[0] == Z_STREAM_ERROR && (op == 0 || op == 1 || op == 5)) ||
	     (r[0] == Z_BUF_ERROR && op == 2))) {
		zd_trace(c, "refused on a device stream (documented)");
		d->diverged = 1;	/* zlib's stream took it: its bytes are others */
		d->apart = d->was_apart = 1;
		if (op == 0 && d->s[1].z->total_in > d->s[0].z->total_in + d->dict_in)
			d->dict_in = d->s[1].z->total_in - d->s[0].z->total_in;
		return;
	}
	zd_def_same(c, d, name, r[0], r[1]);
}

/* Feed z the input up to offset at with Z_NO_FLUSH in random pieces. */
static int zd_replay_feed(struct zd_ctx *c, z_stream *z, const uint8_t *data,
			  size_t at, size_t cap, uint8_t *out)
{
	size_t pos = z->next_in ? (size_t)(z->next_in - data) : 0;
	int guard = 0;

	while (pos < at && guard++ < 100000) {
		size_t n = zd_size(c, at - pos), room = zd_def_room(c, n);

		z->next_in = (Bytef *)data + pos;
		z->avail_in = (uInt)n;
		z->next_out = out + z->total_out;
		z->avail_out = (uInt)(room < cap - z->total_out ? room : cap - z->total_out);
		if (deflate(z, Z_NO_FLUSH) == Z_STREAM_ERROR)
			return -1;
		pos = (size_t)(z->next_in - data);
	}
	return pos == at ? 0 : -1;
}

/* One event of the original stream, with no input and room enough. */
static int zd_replay_event(z_stream *z, const struct zd_drun *d,
			   const struct zd_ev *e, size_t cap, uint8_t *out)
{
	int ret = Z_OK, guard = 0;

	z->avail_in = 0;
	switch (e->type) {
	case ZD_EV_PARAMS:
		z->next_out = out + z->total_out;
		z->avail_out = (uInt)(cap - z->total_out);
		return deflateParams(z, e->a, e->b) == Z_OK ? 0 : -1;
	case ZD_EV_DICT:
		return deflateSetDictionary(z, d->dict, (uInt)e->a) == Z_OK ? 0 : -1;
	}
	do {
		uInt room = (uInt)(z->total_out % 3 + 1);	/* some of it in bits */

		z->next_out = out + z->total_out;
		z->avail_out = room < cap - z->total_out ? room : (uInt)(cap - z->total_out);
		if (guard > 8)
			z->avail_out = (uInt)(cap - z->total_out);
		ret = deflate(z, e->a);
	} while (ret == Z_OK && !z->avail_out && guard++ < 1000000);
	return ret == Z_OK || ret == Z_STREAM_END || ret == Z_BUF_ERROR ? 0 : -1;
}

/*
 * The shim's stream again, from its last init/reset, with the same
 * events at the same input offsets and the input in other pieces: the
 * same bytes (DESIGN.md, invariant 4).
 */
static void zd_def_replay(struct zd_ctx *c, struct zd_drun *d)
{
	struct zd_def *o = &d->s[0];
	uint8_t *out = zd_alloc(o->cap);
	z_stream z;
	int i, bad = 0;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, d->seg_level, Z_DEFLATED, d->wbits, d->mem, d->seg_strategy) != Z_OK) {
		ZD_CHECK(c, 0, "replay: deflateInit2 refused");
		free(out);
		return;
	}
	for (i = 0; i < d->nev && !bad; i++) {
		bad = zd_replay_feed(c, &z, d->data, d->ev[i].at, o->cap, out) ||
		      zd_replay_event(&z, d, &d->ev[i], o->cap, out);
		zd_trace(c, "replay event %d (type %d at %zu, %d %d): in %lu out %lu%s", i,
			 d->ev[i].type, d->ev[i].at, d->ev[i].a, d->ev[i].b, z.total_in,
			 z.total_out, bad ? " failed" : "");
	}
	zd_trace(c, "replay of %d events in other pieces: %lu bytes%s", d->nev, z.total_out,
		 bad ? ", failed" : "");
	if (!ZD_CHECK(c, !bad, "replay: a call failed"))
		zd_bad(c, z.total_out == o->z->total_out && !memcmp(out, o->out, z.total_out),
		       ZD_H2_SPLIT, "the same stream in other pieces: %lu bytes, not the same %lu",
		       z.total_out, o->z->total_out);
	deflateEnd(&z);
	free(out);
}

/* Both sides to Z_STREAM_END, then the checks of the whole stream. */
static void zd_def_finish(struct zd_ctx *c, struct zd_drun *d)
{
	const char *why;
	int i, k;

	for (i = 0; i < 2; i++) {
		struct zd_def *s = &d->s[i];

		for (k = 0; k < 64; k++) {
			/* zlib's rule: after Z_FINISH, no more input than was given */
			if (s->flushing != Z_FINISH)
				s->z->avail_in = (uInt)zd_dleft(d, i);
			s->z->avail_out = (uInt)(s->cap - s->z->total_out);
			s->ret = s->L->deflate(s->z, Z_FINISH);
			if (s->ret != Z_OK)
				break;
			s->flushing = Z_FINISH;
		}
	}
	zd_trace(c, "finish: shim %d in %lu out %lu, zlib %d in %lu out %lu", d->s[0].ret,
		 d->s[0].z->total_in, d->s[0].z->total_out, d->s[1].ret, d->s[1].z->total_in,
		 d->s[1].z->total_out);
	if (d->s[0].ret == Z_STREAM_END && d->nev >= 0 && (!d->nev ||
	    !(d->ev[d->nev - 1].type == ZD_EV_FLUSH && d->ev[d->nev - 1].a == Z_FINISH)))
		zd_ev_add(d, ZD_EV_FLUSH, Z_FINISH, 0);
	/* apart, the sides took their input in other calls: each finished its
	 * own way (zlib's rules, checked call by call while in step) */
	if (ZD_CHECK(c, d->apart || d->s[0].ret == d->s[1].ret, "finish: shim %d, zlib %d",
		     d->s[0].ret, d->s[1].ret) ||
	    ZD_CHECK(c, d->apart ||
		     (d->s[0].z->total_in + (zd_is_shim(d->s[0].z) ? d->dict_in : 0) ==
		      d->s[1].z->total_in &&
		     d->s[0].z->adler == d->s[1].z->adler), "finish: in %lu/%lu adler %lx/%lx",
		     d->s[0].z->total_in, d->s[1].z->total_in, d->s[0].z->adler,
		     d->s[1].z->adler) ||
	    d->s[0].ret != Z_STREAM_END || d->primed || d->kept || d->dlen < 0)
		return;
	why = zd_ref_inflates_to(d->wbits, d->s[0].out, d->s[0].z->total_out, d->data,
				 (size_t)(d->s[0].z->next_in - d->data), d->dict, (size_t)d->dlen);
	if (ZD_CHECK(c, !why, "zlib reads the shim's stream: it %s", why))
		return;
	if (!zd_on_device(d->s[0].z))
		ZD_CHECK(c, d->diverged || (d->s[0].z->total_out == d->s[1].z->total_out &&
			 !memcmp(d->s[0].out, d->s[1].out, d->s[0].z->total_out)),
			 "a stream the shim gave to zlib is not zlib's");
	else if (d->nev >= 0)
		zd_def_replay(c, d);
}

/* Stream setup: mostly valid, sometimes not (init must agree then). */
static void zd_def_setup(struct zd_ctx *c, struct zd_drun *d)
{
	static const int wb[] = { 15, -15, 31, 9, -9, 25, 12, -12, 8, -8, 24, 7, 32, -16 };

	d->wbits = wb[zd_pick(c, zd_pick(c, 4) ? 11 : sizeof(wb) / sizeof(*wb))];
	d->level = (int)zd_pick(c, zd_pick(c, 8) ? 11 : 13) - 1;
	d->mem = zd_pick(c, 8) ? 1 + (int)zd_pick(c, 9) : (int)zd_pick(c, 11);
	d->strategy = zd_pick(c, 8) ? (int)zd_pick(c, 5) : (int)zd_pick(c, 7) - 1;
	d->seg_level = d->level;
	d->seg_strategy = d->strategy;
	d->head.text = 1;
	d->head.time = 1234567;
	d->head.os = 3;
	d->head.name = (Bytef *)"name";
	d->head.comment = (Bytef *)"comment";
	d->head.hcrc = 1;
}

/* The deflate scenario. */
void zd_run_deflate(struct zd_ctx *c)
{
	struct zd_drun *d = calloc(1, sizeof(*d));
	uint8_t *data;
	int r[2], i, n, nops;

	if (!d)
		abort();
	zd_def_setup(c, d);
	d->len = zd_size(c, 300000);
	data = zd_alloc(d->len);
	zd_fill(c, data, d->len);
	d->data = data;
	zd_fill(c, d->dict, sizeof(d->dict));
	for (i = 0; i < 2; i++) {
		struct zd_def *s = &d->s[i];

		s->L = i ? c->ref : c->sh;
		s->cap = d->len * 2 + (256u << 10);
		s->out = zd_alloc(s->cap);
		memset(s->out, i ? 0x5a : 0xa5, s->cap);	/* bytes not written show */
		s->z = &s->slot[0];
		s->flushing = -1;
		r[i] = d->level == 6 && d->wbits == 15 && d->mem == 8 && !d->strategy ?
		       s->L->deflateInit_(s->z, -1, ZLIB_VERSION, (int)sizeof(z_stream)) :
		       s->L->deflateInit2_(s->z, d->level, Z_DEFLATED, d->wbits, d->mem,
					   d->strategy, ZLIB_VERSION, (int)sizeof(z_stream));
		s->live = r[i] == Z_OK;
		s->z->next_in = (Bytef *)data;
		s->z->next_out = s->out;
	}
	zd_trace(c, "deflateInit2(%d, %d, %d, %d) of %zu bytes: shim %d zlib %d", d->level,
		 d->wbits, d->mem, d->strategy, d->len, r[0], r[1]);
	if (ZD_CHECK(c, r[0] == r[1], "deflateInit2: shim %d, zlib %d", r[0], r[1]) ||
	    r[0] != Z_OK)
		goto out;
	if (d->level == -1)
		d->seg_level = d->level = 6;
	nops = 1 + (int)zd_pick(c, 50);
	for (n = 0; n < nops && !c->failed && !d->stop && !zd_dry(c); n++) {
		int k = (int)zd_pick(c, 40);

		if (k < 24)
			zd_def_call(c, d, -2);
		else if (k < 26)
			zd_def_params(c, d);
		else if (k < 28)
			zd_def_copy(c, d);
		else if (k < 29)
			zd_def_reset(c, d);
		else if (k < 31 && !d->called)
			zd_def_oneshot(c, d);
		else if (k < 38)
			zd_def_misc(c, d, k - 31);
		else
			zd_def_misc(c, d, (int)zd_pick(c, 7));
	}
	if (!c->failed && !d->stop)
		zd_def_finish(c, d);
	for (i = 0; i < 2; i++)
		r[i] = d->s[i].L->deflateEnd(d->s[i].z);
	zd_trace(c, "deflateEnd: shim %d zlib %d", r[0], r[1]);
	ZD_CHECK(c, r[0] == r[1] || d->stop, "deflateEnd: shim %d, zlib %d", r[0], r[1]);
	d->s[0].live = d->s[1].live = 0;
out:
	for (i = 0; i < 2; i++) {
		if (d->s[i].live)
			d->s[i].L->deflateEnd(d->s[i].z);
		free(d->s[i].out);
	}
	free(data);
	free(d);
}
