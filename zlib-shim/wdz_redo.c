// SPDX-License-Identifier: MIT
/*
 * wdz_redo.c - inflate streams redone in zlib: the input an offloaded
 * inflate stream keeps, and what it is for.
 *
 * A device that fails mid-stream (an engine error, a queue that stays
 * full, a device that vanishes) takes the stream's decoder state with it.
 * The shim keeps every compressed byte the device consumed since the
 * stream began (up to WD_ZLIB_REPLAY_MAX, 8 MiB by default: a copy of the
 * input, which is the small side of an inflate) and the count of bytes it
 * handed to the caller; on a failure a real zlib stream inflates the kept
 * input again, the first `given` bytes of its output are dropped (the
 * caller has them: the device's output up to there is zlib's, byte for
 * byte, as both decode the same deflate data), the rest goes straight to
 * the caller, and then the stream becomes the real zlib's. A block
 * boundary the device could report would let the shim keep only the input
 * since the last one plus a 32 KiB window; wd_comp has no such report.
 * Past the bound (or when keeping the input failed for lack of memory) a
 * device failure cannot be repaired: inflate() answers Z_MEM_ERROR, as the
 * memory the recovery needed was not there, never Z_STREAM_ERROR (which
 * zlib's users take for their own misuse, zpipe.c asserts on it).
 *
 * Corrupt data takes the same road while the input is kept: the device's
 * decoder (ISA-L in the soft engine) and zlib fault bad data at different
 * places, and the caller must get zlib's answer, so zlib redoes the stream
 * and judges it. Past the bound the device's verdict stands.
 *
 * The same road makes inflateCopy of a device stream (a queue holds its
 * state, which cannot be copied): the copy is a zlib stream redoing the
 * kept input, and the original goes on on the device.
 *
 * And so does a caller that turns to Z_BLOCK/Z_TREES (zlib's stops at
 * block boundaries, which a device cannot report), or that presents less
 * of its unconsumed input than the device took (zlib makes its output of
 * the presented input only): the stream is zlib's from that call on.
 */
#include <string.h>
#include "wd.h"
#include "wdz.h"

#define WDZ_REPLAY_MIN	(64u << 10)	/* first room of the replay buffer */

/* The zlib stream of a recovery, if one runs: REDO -> REDO_START. */
void wdz_zr_end(struct wdz_state *s)
{
	if (s->st.inf != WDZ_INF_REDO)
		return;
	wdz_real()->inflateEnd(&s->zr);
	s->st.inf = WDZ_INF_REDO_START;
}

/* No more keeping: a later device failure cannot be repaired. */
static void wdz_replay_drop(z_streamp strm, struct wdz_state *s, enum wdz_lost why)
{
	wdz_free(strm, s->replay);
	s->replay = NULL;
	s->replay_len = s->replay_cap = 0;
	s->replay_lost = why;
	wdz_debug("inflate stream %p: input no longer kept (%s)", (void *)strm,
		  why == WDZ_LOST_BOUND ? "WD_ZLIB_REPLAY_MAX" : "no memory");
}

/* Keep n bytes the device consumed, for a redo. */
void wdz_replay_keep(z_streamp strm, struct wdz_state *s, const Bytef *in, size_t n)
{
	size_t need = s->replay_len + n, max = wdz_config()->replay_max, cap;
	unsigned char *p;

	if (s->replay_lost || !n)
		return;
	if (need > max) {
		wdz_replay_drop(strm, s, WDZ_LOST_BOUND);
		return;
	}
	if (need > s->replay_cap) {
		/*
		 * zlib's allocators have no realloc: growing copies what was
		 * kept. A stream that outgrows the first room is a big one, so
		 * the second room is the bound itself: one copy instead of a
		 * doubling's seven, and the pages of the room the stream never
		 * reaches are never touched (nor faulted in).
		 */
		cap = s->replay_cap ? max : WDZ_REPLAY_MIN;
		while (cap < need)
			cap *= 2;
		p = wdz_alloc(strm, cap > max ? max : cap);
		if (!p) {
			/* the stream goes on offloaded, only unprotected */
			wdz_replay_drop(strm, s, WDZ_LOST_MEMORY);
			return;
		}
		if (s->replay_len)
			memcpy(p, s->replay, s->replay_len);
		wdz_free(strm, s->replay);
		s->replay = p;
		s->replay_cap = cap > max ? max : cap;
	}
	memcpy(s->replay + s->replay_len, in, n);
	s->replay_len = need;
}

/* A device step failed: the stream's state is lost with the device. */
void wdz_inflate_to_replay(z_streamp strm, struct wdz_state *s)
{
	wd_comp_sess_free(s->sess);
	s->sess = NULL;
	s->st.inf = WDZ_INF_REDO_START;
	s->stage_pos = s->stage_len = 0;
	s->dev_more = 0;
	wdz_count_fallback(1);
	wdz_debug("inflate stream %p: zlib redoes %zu bytes of input, %llu of output "
		  "delivered", (void *)strm, s->replay_len, (unsigned long long)s->given);
}

/* zlib cannot give what the device gave: corrupt data as far as zlib goes. */
static int wdz_replay_differs(struct wdz_state *s)
{
	wdz_zr_end(s);
	s->st.inf = WDZ_INF_DEAD;
	s->error = WD_COMP_E_UNKNOWN;
	return Z_DATA_ERROR;
}

/*
 * Start zr: inflate the kept input again and drop the output the caller
 * already has. Z_OK, or Z_MEM_ERROR (nothing started: the next call tries
 * again), or Z_DATA_ERROR (zlib does not read what the device read).
 */
static int wdz_zr_start(z_streamp strm, struct wdz_state *s)
{
	const struct wdz_real *r = wdz_real();
	z_stream *zr = &s->zr;
	uint64_t skip = s->given;
	int ret;

	if (s->replay_lost) {
		strm->msg = (char *)(s->replay_lost == WDZ_LOST_BOUND ?
			    "device failed: stream longer than WD_ZLIB_REPLAY_MAX" :
			    "insufficient memory");
		return Z_MEM_ERROR;
	}
	if (!s->stage)
		s->stage = wdz_alloc(strm, WDZ_STAGE);
	if (!s->stage)
		return Z_MEM_ERROR;
	memset(zr, 0, sizeof(*zr));
	zr->zalloc = strm->zalloc;
	zr->zfree = strm->zfree;
	zr->opaque = strm->opaque;
	wdz_in_real++;
	ret = r->inflateInit2_(zr, s->window_bits, s->version, s->stream_size);
	wdz_in_real--;
	if (ret != Z_OK)	/* the same setup worked at init: memory */
		return Z_MEM_ERROR;
	s->st.inf = WDZ_INF_REDO;
	zr->next_in = s->replay;
	zr->avail_in = (uInt)s->replay_len;	/* replay_max <= 1 GiB */
	ret = Z_OK;
	while (skip) {
		uLong out0 = zr->total_out;

		zr->next_out = s->stage;
		zr->avail_out = skip < WDZ_STAGE ? (uInt)skip : WDZ_STAGE;
		ret = r->inflate(zr, Z_NO_FLUSH);
		skip -= zr->total_out - out0;
		if (ret == Z_MEM_ERROR) {
			wdz_zr_end(s);
			return Z_MEM_ERROR;
		}
		if (skip && (ret != Z_OK || zr->total_out == out0))
			return wdz_replay_differs(s);
	}
	s->replay_pos = s->replay_len - zr->avail_in;
	return Z_OK;
}

/*
 * zr has read the kept input up to replay_pos: the part of it the caller
 * still holds (the last `held` bytes kept) is consumed now.
 */
static void wdz_zr_consumed(z_streamp strm, struct wdz_state *s)
{
	size_t told = s->replay_len - s->held;	/* reported consumed */

	if (s->replay_pos > told)
		wdz_report_input(strm, s, (uInt)(s->replay_pos - told));
}

/*
 * zr has read all it will of the kept input: strm becomes a plain real
 * zlib stream in zr's state (inflateCopy gives it its own copy, pointing
 * back at strm) with the caller's pointers and counters.
 */
static int wdz_inflate_unwrap(z_streamp strm, struct wdz_state *s)
{
	z_stream *zr = &s->zr;

	zr->next_in = strm->next_in;
	zr->avail_in = strm->avail_in;
	zr->next_out = strm->next_out;
	zr->avail_out = strm->avail_out;
	zr->total_in = strm->total_in;
	zr->total_out = strm->total_out;
	if (s->format == WD_COMP_RAW)
		zr->adler = strm->adler;	/* zlib leaves it alone on raw */
	if (wdz_real()->inflateCopy(strm, zr) != Z_OK)
		return Z_MEM_ERROR;		/* strm is untouched */
	wdz_inflate_release(strm, s);
	wdz_debug("inflate stream %p: now zlib's", (void *)strm);
	return Z_OK;
}

/*
 * An inflate() call of a stream being redone in zlib: zr goes on from the
 * kept input straight into the caller's buffer, with the caller's flush
 * (so Z_BLOCK stops where zlib stops); once it has read all of it, the
 * stream becomes zlib's and the same call goes on with the caller's input,
 * as one zlib call would.
 */
int wdz_inflate_replay(z_streamp strm, struct wdz_state *s, int flush, uInt in0,
		       uInt out0)
{
	z_stream *zr = &s->zr;
	size_t told, end;
	uLong out;
	int ret;

	if (s->st.inf == WDZ_INF_REDO_START && (ret = wdz_zr_start(strm, s)) != Z_OK)
		return ret;
	wdz_zr_consumed(strm, s);	/* what the caller did not present before */
	/* zr reads what zlib would: kept input up to what the caller reported
	 * consumed, and of the rest only what it presents in this call */
	told = s->replay_len - s->held;
	end = told + (strm->avail_in < s->held ? strm->avail_in : s->held);
	if (end < s->replay_pos)
		end = s->replay_pos;
	/* nothing kept yet: no arithmetic on NULL (NULL + 0 is undefined) */
	zr->next_in = s->replay ? s->replay + s->replay_pos : NULL;
	zr->avail_in = (uInt)(end - s->replay_pos);
	zr->next_out = strm->next_out;
	zr->avail_out = strm->avail_out;
	out = zr->total_out;
	ret = wdz_real()->inflate(zr, flush);
	out = zr->total_out - out;
	strm->next_out += out;
	strm->avail_out -= (uInt)out;
	strm->total_out += out;
	s->given += out;
	s->replay_pos = end - zr->avail_in;
	wdz_zr_consumed(strm, s);
	if (s->format != WD_COMP_RAW)
		strm->adler = zr->adler;
	strm->data_type = zr->data_type;
	if (ret == Z_MEM_ERROR)
		return ret;
	if (ret != Z_OK && ret != Z_BUF_ERROR && ret != Z_STREAM_END)
		strm->msg = zr->msg;	/* zlib's verdict on the data */
	/* kept input the caller has not presented again yet: not before it
	 * is (an ended or failed zr says so again at each call until then) */
	if (s->held)
		return ret;
	/* a full buffer, or a block boundary Z_BLOCK/Z_TREES stop at */
	if ((ret == Z_OK || ret == Z_BUF_ERROR) &&
	    (s->replay_pos < s->replay_len ||
	     ((flush == Z_BLOCK || flush == Z_TREES) && (zr->data_type & (128 | 256)))))
		return ret;
	/* the kept input is all read (or zr ended, or judged the data) */
	if (wdz_inflate_unwrap(strm, s) != Z_OK)
		return Z_MEM_ERROR;
	if (ret != Z_OK && ret != Z_BUF_ERROR)
		return ret;
	ret = wdz_real()->inflate(strm, flush);
	/* zlib's rule is about this whole call, zr's part included */
	if (ret == Z_BUF_ERROR && flush != Z_FINISH &&
	    (strm->avail_in != in0 || strm->avail_out != out0))
		ret = Z_OK;
	return ret;
}

/* A copy of the input s kept, for d. */
static int wdz_copy_replay(z_streamp strm, struct wdz_state *d, const struct wdz_state *s)
{
	if (!s->replay_len)
		return Z_OK;
	d->replay = wdz_alloc(strm, s->replay_len);
	if (!d->replay)
		return Z_MEM_ERROR;
	memcpy(d->replay, s->replay, s->replay_len);
	d->replay_cap = s->replay_len;
	return Z_OK;
}

/*
 * inflateCopy's buffers for d, a copy of s: the stage's pending bytes,
 * zr, and the kept input (a copy of an ended stream may still have to be
 * redone: its caller may present less of the input the device took).
 */
static int wdz_copy_buffers(z_streamp strm, struct wdz_state *d,
			    const struct wdz_state *s)
{
	if (s->stage && s->stage_pos < s->stage_len) {
		d->stage = wdz_alloc(strm, WDZ_STAGE);
		if (!d->stage)
			return Z_MEM_ERROR;
		memcpy(d->stage + s->stage_pos, s->stage + s->stage_pos,
		       s->stage_len - s->stage_pos);
	}
	if (wdz_copy_replay(strm, d, s) != Z_OK)
		return Z_MEM_ERROR;
	if (s->st.inf == WDZ_INF_REDO) {
		if (wdz_real()->inflateCopy(&d->zr, (z_streamp)&s->zr) != Z_OK)
			return Z_MEM_ERROR;
		d->st.inf = WDZ_INF_REDO;
	}
	return Z_OK;
}

/*
 * d, a copy of the device stream s, goes on in zlib: a zlib stream
 * inflates the input s kept again and drops what the caller has, as after
 * a device failure (the device's state cannot be copied: a queue holds
 * it). The stage's pending output is made again, so it is not copied.
 */
static int wdz_copy_device(z_streamp strm, struct wdz_state *d,
			   const struct wdz_state *s)
{
	int ret;

	if (s->replay_lost) {
		/* the input that would make the copy was not kept */
		wdz_debug("inflateCopy %p: input not kept (WD_ZLIB_REPLAY_MAX)",
			  (void *)s->strm);
		return Z_MEM_ERROR;
	}
	if (wdz_copy_replay(strm, d, s) != Z_OK)
		return Z_MEM_ERROR;
	d->st.inf = WDZ_INF_REDO_START;
	d->stage_pos = d->stage_len = 0;
	d->dev_more = 0;
	ret = wdz_zr_start(strm, d);
	/* Z_DATA_ERROR: zlib does not read what the device read; the copy
	 * is dead and says so at its next inflate() */
	return ret == Z_MEM_ERROR ? ret : Z_OK;
}

WDZ_EXPORT int inflateCopy(z_streamp dest, z_streamp source)
{
	struct wdz_state *s = wdz_state(source), *d;
	int ret;

	if (!s)
		return wdz_real()->inflateCopy(dest, source);
	if (!dest || wdz_bad_stream(source))
		return Z_STREAM_ERROR;
	d = wdz_alloc(source, sizeof(*d));
	if (!d)
		return Z_MEM_ERROR;
	*d = *s;
	d->sess = NULL;
	d->stage = NULL;
	d->replay = NULL;
	d->replay_cap = 0;
	if (d->st.inf == WDZ_INF_REDO)	/* not d's zr until it is copied */
		d->st.inf = WDZ_INF_REDO_START;
	if (s->st.inf == WDZ_INF_DEVICE)
		ret = wdz_copy_device(source, d, s);
	else	/* undecided, redone in zlib, ended or dead: no device needed */
		ret = wdz_copy_buffers(source, d, s);
	if (ret != Z_OK) {
		d->strm = source;	/* for the release only */
		wdz_inflate_release(source, d);
		return ret;
	}
	memcpy(dest, source, sizeof(*dest));
	d->strm = dest;
	dest->state = (struct internal_state *)d;
	return Z_OK;
}
