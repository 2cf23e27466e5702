// SPDX-License-Identifier: MIT
/*
 * wdz_inflate_dev.c - the device path of an inflate stream: the choice of
 * path at the first inflate() call with data, and the steps of a wd_comp
 * session into the caller's buffer or a staging buffer.
 *
 * The first inflate() call with data picks the path: small inputs, zlib
 * streams with a preset dictionary (FDICT) and Z_BLOCK/Z_TREES callers go
 * to the real zlib (gzip members go to the device even when their first
 * piece is small); the rest to a wd_comp stream session. Small output
 * buffers are served from a staging buffer decoded ahead, so a caller
 * reading a few bytes at a time does not cost one device round trip per
 * call.
 *
 * Decoding ahead must not show: a device takes input well ahead of the
 * output it gives back (ISA-L reads all it is given), and a caller that
 * sees avail_in == 0 takes all its input as read into output: gzread
 * stops at the end of the file then, and lost the tail of every file
 * whose last output did not fit the caller's buffer. So input the device
 * took is reported consumed only once none of its output is pending (held
 * in wdz.h), and strm->adler is the check of the output handed out, as
 * zlib's. What a device cannot give is zlib's exact position mid-stream:
 * total_in lags zlib's, and data_type says no block boundary (doc/
 * compression.md); at the end of a stream both are zlib's.
 *
 * A step that fails (device error, corrupt data while the input is kept)
 * answers WDZ_RETRY_REAL: the caller (inflate(), wdz_inflate.c) hands the
 * stream to zlib redoing it (wdz_redo.c).
 */
#include <errno.h>
#include <string.h>
#include "wd.h"
#include "wdz.h"

#define WDZ_DIRECT_MIN	(64u << 10)	/* out buffers this big: no staging */

/* zlib header with FDICT: a preset dictionary only zlib can take. */
static int wdz_needs_dict(const struct wdz_state *s, const Bytef *in, uInt len)
{
	if (s->format == WD_COMP_RAW || s->format == WD_COMP_GZIP)
		return 0;
	if (len < 2)
		return 1;	/* cannot tell yet: zlib */
	if (s->format == WD_COMP_AUTO && in[0] == 0x1f && in[1] == 0x8b)
		return 0;
	return (in[1] & 0x20) != 0;
}

int wdz_inflate_decide(z_streamp strm, struct wdz_state *s, int flush)
{
	const struct wdz_config *c = wdz_config();
	struct wd_comp_setup st = { .op = WD_COMP_INFLATE };
	int ret;

	/*
	 * Z_BLOCK and Z_TREES mean: stop at each block boundary and say so in
	 * data_type (zran-style index builders, Z_TREES walkers). A device
	 * decodes whole spans and cannot tell where its blocks were, so those
	 * streams are zlib's (curl asks for Z_BLOCK too: its bodies are then
	 * inflated in software). A device stream that asks for them later is
	 * redone in zlib from its kept input (inflate()).
	 */
	if (flush == Z_BLOCK || flush == Z_TREES)
		return 0;
	/*
	 * A small first piece usually means a small stream (git objects, PNG
	 * chunks), not worth a queue; but a gzip member is a file or an HTTP
	 * body whose first piece is whatever followed the headers (curl).
	 */
	if (c->mode != WDZ_FORCE && strm->avail_in < c->min_inflate &&
	    s->format != WD_COMP_GZIP &&
	    !(s->format == WD_COMP_AUTO && strm->next_in[0] == 0x1f))
		return 0;
	if (wdz_needs_dict(s, strm->next_in, strm->avail_in))
		return 0;
	st.format = s->format;
	st.window_bits = s->wb;
	ret = wdz_no_device[1][s->format] ? -ENODEV : wd_comp_sess_alloc(&s->sess, &st);
	if (ret) {
		wdz_debug("no decompression session: %s", wd_strerror(ret));
		if (ret == -ENODEV)
			wdz_no_device[1][s->format] = 1;
		return 0;
	}
	s->st.inf = WDZ_INF_DEVICE;
	return 1;
}

static void wdz_out(z_streamp strm, struct wdz_state *s, const unsigned char *p,
		    unsigned int n)
{
	memcpy(strm->next_out, p, n);
	strm->next_out += n;
	strm->avail_out -= n;
	strm->total_out += n;
	s->given += n;
}

/*
 * Hand the caller what it has room for of the staging buffer. zlib's adler
 * is the check of the output handed out so far: the check that came with
 * the stage (stage_check) covers all of it, so until the stage is empty the
 * bytes handed out are summed here, from the check before them.
 */
static void wdz_stage_out(z_streamp strm, struct wdz_state *s)
{
	unsigned int n = s->stage_len - s->stage_pos;
	/* no arithmetic on a stage not yet allocated (NULL + 0 is undefined) */
	const unsigned char *p = n ? s->stage + s->stage_pos : NULL;
	const struct wdz_real *r;

	if (n > strm->avail_out)
		n = strm->avail_out;
	if (n)
		wdz_out(strm, s, p, n);
	s->stage_pos += n;
	if (!n || s->format == WD_COMP_RAW)
		return;		/* zlib leaves adler alone on raw streams */
	if (s->stage_pos == s->stage_len) {
		strm->adler = s->stage_check;
	} else {
		r = wdz_real();
		strm->adler = s->crc ? r->crc32(strm->adler, p, n) :
			      r->adler32(strm->adler, p, n);
	}
}

/*
 * Report n bytes of the held input consumed. The caller presents its
 * unconsumed input from next_in on, but may present less of it than
 * before (zlib allows any length): what it does not present now stays
 * held, to be skipped when it comes.
 */
void wdz_report_input(z_streamp strm, struct wdz_state *s, uInt n)
{
	if (n > strm->avail_in)
		n = strm->avail_in;
	strm->next_in += n;
	strm->avail_in -= n;
	strm->total_in += n;
	s->held -= n;
}

/* Bytes of the caller's input the device has not taken yet. */
static uInt wdz_new_input(z_streamp strm, const struct wdz_state *s)
{
	return strm->avail_in > s->held ? strm->avail_in - s->held : 0;
}

/*
 * The input the device took is reported consumed once none of its output
 * is pending, in the stage or in the device (see held in wdz.h).
 */
void wdz_release_input(z_streamp strm, struct wdz_state *s)
{
	if (!s->held || s->stage_pos < s->stage_len || s->dev_more)
		return;
	wdz_report_input(strm, s, s->held);
}

/* One device step into dst (the caller's buffer or the staging buffer). */
static int wdz_inflate_step(z_streamp strm, struct wdz_state *s,
			    unsigned char *dst, unsigned int room,
			    struct wd_comp_req *req)
{
	const Bytef *src = strm->next_in + s->held;	/* the device has those */
	int ret;

	memset(req, 0, sizeof(*req));
	req->src = src;
	req->src_len = wdz_new_input(strm, s);
	/* auto: a gzip header (0x1f is no zlib header) means a crc32 check */
	if (s->format == WD_COMP_AUTO && !strm->total_in && !s->held && req->src_len)
		s->crc = src[0] == 0x1f;
	req->dst = dst;
	req->dst_len = room;
	ret = wd_comp_stream(s->sess, req);
	if (ret == -EBADMSG && !s->replay_lost) {
		/*
		 * Corrupt data, as the device reads it. ISA-L and zlib do not
		 * fault corrupt data at the same bit (a dynamic block header
		 * cut short is an error to ISA-L and "more input" to zlib),
		 * so while the input is kept zlib redoes the stream as for a
		 * device failure and gives its own answer, at its own place.
		 */
		wdz_debug("inflate stream %p: corrupt data (%s): zlib judges",
			  (void *)strm, wd_comp_strerror(req->error));
		return WDZ_RETRY_REAL;
	}
	if (ret == -EBADMSG) {
		s->st.inf = WDZ_INF_DEAD;
		s->error = req->error;
		strm->msg = (char *)wd_comp_strerror(req->error);
		return Z_DATA_ERROR;
	}
	if (ret) {
		/*
		 * The device failed (this step's partial results are dropped:
		 * the caller's pointers still say where it was): zlib redoes
		 * the stream from what was kept.
		 */
		wdz_debug("inflate stream %p: device error %s", (void *)strm,
			  wd_strerror(ret));
		return WDZ_RETRY_REAL;
	}
	wdz_replay_keep(strm, s, src, req->consumed);
	s->held += (uInt)req->consumed;
	s->stage_check = req->checksum;
	return Z_OK;
}

/* Decode into the caller's buffer, or ahead into the staging buffer. */
static int wdz_inflate_fill(z_streamp strm, struct wdz_state *s, int *more,
			    int *progress)
{
	struct wd_comp_req req;
	int ret;

	if (strm->avail_out >= WDZ_DIRECT_MIN) {
		ret = wdz_inflate_step(strm, s, strm->next_out, strm->avail_out, &req);
		if (ret != Z_OK)
			return ret;
		strm->next_out += req.produced;
		strm->avail_out -= (uInt)req.produced;
		strm->total_out += req.produced;
		s->given += req.produced;
		if (req.end)
			s->st.inf = WDZ_INF_ENDED;
		if (s->format != WD_COMP_RAW)
			strm->adler = req.checksum;	/* all of it handed out */
	} else {
		if (!s->stage)
			s->stage = wdz_alloc(strm, WDZ_STAGE);
		if (!s->stage)
			return Z_MEM_ERROR;
		ret = wdz_inflate_step(strm, s, s->stage, WDZ_STAGE, &req);
		if (ret != Z_OK)
			return ret;
		s->stage_pos = 0;
		s->stage_len = (unsigned int)req.produced;
		if (req.end)
			s->st.inf = WDZ_INF_DRAIN;
		/* the header is read: the check starts (from 1 on auto streams
		 * until a gzip header says crc32) */
		if (!req.produced && s->format != WD_COMP_RAW)
			strm->adler = req.checksum;
		else if (!s->given && s->format != WD_COMP_RAW)
			strm->adler = s->crc ? 0 : 1;
	}
	/* output left in the device must be asked for even with no input */
	s->dev_more = req.more;
	*more = req.more;
	*progress = req.consumed || req.produced || req.end;
	return Z_OK;
}

/*
 * inflate() of a DEVICE or DRAIN stream. As zlib: go on until the input
 * is used up, the output is full or the stream ends.
 */
int wdz_inflate_device(z_streamp strm, struct wdz_state *s, int flush)
{
	uInt in0 = strm->avail_in, out0 = strm->avail_out;
	int more = s->dev_more, progress = 1, ret;

	for (;;) {
		wdz_stage_out(strm, s);
		if (s->st.inf == WDZ_INF_DRAIN && s->stage_pos == s->stage_len)
			s->st.inf = WDZ_INF_ENDED;
		wdz_release_input(strm, s);
		if (s->st.inf == WDZ_INF_ENDED || s->stage_pos < s->stage_len)
			break;
		/* a call with no room at all may still read to the end (zlib
		 * returns Z_STREAM_END on an empty stream); else a full buffer */
		if (!strm->avail_out && out0)
			break;
		if ((!wdz_new_input(strm, s) && !more) || !progress)
			break;
		ret = wdz_inflate_fill(strm, s, &more, &progress);
		if (ret != Z_OK)
			return ret;
	}
	/*
	 * zlib: the bits left in its bit buffer, +64 in the last block, +128
	 * at a block boundary. At the end that is 64; mid-stream a device
	 * cannot tell (it says 0: no boundary).
	 */
	strm->data_type = s->st.inf == WDZ_INF_ENDED ? 64 : 0;
	if (s->st.inf == WDZ_INF_ENDED)
		return Z_STREAM_END;
	/* zlib: no progress, or Z_FINISH without reaching the end */
	if ((in0 == strm->avail_in && out0 == strm->avail_out) || flush == Z_FINISH)
		return Z_BUF_ERROR;
	return Z_OK;
}
