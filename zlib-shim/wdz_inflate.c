// SPDX-License-Identifier: MIT
/*
 * wdz_inflate.c - the inflate half of the zlib ABI.
 *
 * As for deflate, the first inflate() call with data picks the path: small
 * inputs, zlib streams with a preset dictionary (FDICT), Z_BLOCK/Z_TREES
 * callers and callers of inflateGetHeader/inflatePrime/... go to the real
 * zlib (gzip members go to the device even when their first piece is
 * small); the rest to a wd_comp stream session. Small output buffers are
 * served from a staging buffer decoded ahead, so a caller reading a few
 * bytes at a time does not cost one device round trip per call.
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
 * A device that fails mid-stream, corrupt data the device rejects, a
 * caller turning to Z_BLOCK or presenting less input than the device took,
 * and inflateCopy of a device stream are served by zlib redoing the stream
 * from the input the shim keeps (wdz_redo.c).
 */
#include <errno.h>
#include <string.h>
#include "wd.h"
#include "wdz.h"

#define WDZ_DIRECT_MIN	(64u << 10)	/* out buffers this big: no staging */
#define WDZ_RETRY_REAL	100		/* internal: redo the stream in zlib */

/* windowBits as inflateInit2 takes them -> format; -1 when invalid. */
static int wdz_inflate_format(int window_bits, int *wb)
{
	if (window_bits < 0) {
		*wb = -window_bits;
		return window_bits < -15 || window_bits > -8 ? -1 : WD_COMP_RAW;
	}
	if (window_bits == 0) {		/* from the zlib header */
		*wb = 15;
		return WD_COMP_ZLIB;
	}
	*wb = window_bits & 15;
	if (*wb < 8)
		return -1;
	switch (window_bits >> 4) {
	case 0:
		return WD_COMP_ZLIB;
	case 1:
		return WD_COMP_GZIP;
	case 2:
		return WD_COMP_AUTO;
	default:
		return -1;
	}
}

static void wdz_inflate_reset_fields(z_streamp strm, struct wdz_state *s)
{
	strm->total_in = strm->total_out = 0;
	strm->msg = NULL;
	/* zlib: adler = wrap & 1 (zlib and auto 1, gzip 0); raw untouched */
	if (s->format != WD_COMP_RAW)
		strm->adler = s->format == WD_COMP_GZIP ? 0 : 1;
	s->stage_pos = s->stage_len = 0;
	s->stage_end = 0;
	s->held = 0;
	s->crc = s->format == WD_COMP_GZIP;
	s->finished = 0;
	s->dead = 0;
	s->dev_more = 0;
	s->last_flush = -2;
	s->replay_len = s->replay_pos = 0;
	s->replay_lost = WDZ_KEPT;
	s->given = 0;
}

WDZ_EXPORT int inflateInit2_(z_streamp strm, int windowBits, const char *version,
			     int stream_size)
{
	const struct wdz_real *r = wdz_real();
	struct wdz_state *s;
	int wb, fmt = wdz_inflate_format(windowBits, &wb);

	if (wdz_in_real || wdz_config()->mode == WDZ_OFF || !strm || !version ||
	    version[0] != ZLIB_VERSION[0] || stream_size != (int)sizeof(z_stream) ||
	    fmt < 0) {
		if (!wdz_in_real && strm && wdz_config()->mode == WDZ_OFF)
			wdz_count_fallback(1);
		return r->inflateInit2_(strm, windowBits, version, stream_size);
	}
	strm->msg = NULL;
	wdz_set_alloc(strm);
	s = wdz_alloc(strm, sizeof(*s));
	if (!s)
		return Z_MEM_ERROR;
	memset(s, 0, sizeof(*s));
	s->strm = strm;
	s->magic = WDZ_MAGIC;
	s->inflate = 1;
	s->window_bits = windowBits;
	s->version = version;
	s->stream_size = stream_size;
	s->format = fmt;
	s->wb = wb;
	strm->state = (struct internal_state *)s;
	wdz_inflate_reset_fields(strm, s);
	return Z_OK;
}

WDZ_EXPORT int inflateInit_(z_streamp strm, const char *version, int stream_size)
{
	return inflateInit2_(strm, MAX_WBITS, version, stream_size);
}

/* Free what s holds, and s; strm->state is left alone. */
void wdz_inflate_release(z_streamp strm, struct wdz_state *s)
{
	if (s->sess)
		wd_comp_sess_free(s->sess);
	wdz_zr_end(s);
	wdz_free(strm, s->stage);
	wdz_free(strm, s->replay);
	s->magic = 0;
	wdz_free(strm, s);
}

static void wdz_inflate_free(z_streamp strm, struct wdz_state *s)
{
	wdz_inflate_release(strm, s);
	strm->state = NULL;
}

int wdz_inflate_to_real(z_streamp strm, struct wdz_state *s)
{
	const struct wdz_real *r = wdz_real();
	struct wdz_state keep = *s;
	uLong tin = strm->total_in, tout = strm->total_out;
	int ret;

	wdz_inflate_free(strm, s);
	wdz_in_real++;
	ret = r->inflateInit2_(strm, keep.window_bits, keep.version, keep.stream_size);
	wdz_in_real--;
	strm->total_in = tin;
	strm->total_out = tout;
	wdz_count_fallback(1);
	wdz_debug("inflate stream %p falls back to zlib", (void *)strm);
	return ret;
}

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

static int wdz_inflate_decide(z_streamp strm, struct wdz_state *s, int flush)
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
	s->path = WDZ_DEVICE;
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
static void wdz_release_input(z_streamp strm, struct wdz_state *s)
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
		s->dead = 1;
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
		s->finished = req.end;
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
		s->stage_end = req.end;
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

/* As zlib: go on until the input is used up, the output is full or the
 * stream ends. */
static int wdz_inflate_device(z_streamp strm, struct wdz_state *s, int flush)
{
	uInt in0 = strm->avail_in, out0 = strm->avail_out;
	int more = s->dev_more, progress = 1, ret;

	for (;;) {
		wdz_stage_out(strm, s);
		if (s->stage_end && s->stage_pos == s->stage_len) {
			s->stage_end = 0;
			s->finished = 1;
		}
		wdz_release_input(strm, s);
		if (s->finished || s->stage_pos < s->stage_len)
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
	strm->data_type = s->finished ? 64 : 0;
	if (s->finished)
		return Z_STREAM_END;
	/* zlib: no progress, or Z_FINISH without reaching the end */
	if ((in0 == strm->avail_in && out0 == strm->avail_out) || flush == Z_FINISH)
		return Z_BUF_ERROR;
	return Z_OK;
}

WDZ_EXPORT int inflate(z_streamp strm, int flush)
{
	struct wdz_state *s = wdz_state(strm);
	uInt in0, out0;
	int ret;

	if (!s)
		return wdz_real()->inflate(strm, flush);
	if (!strm->next_out || (!strm->next_in && strm->avail_in))
		return Z_STREAM_ERROR;
	if (s->dead) {
		strm->msg = (char *)wd_comp_strerror(s->error);
		return Z_DATA_ERROR;
	}
	in0 = strm->avail_in;
	out0 = strm->avail_out;
	if (s->path == WDZ_REPLAY)
		return wdz_inflate_replay(strm, s, flush, in0, out0);
	if (s->path == WDZ_UNDECIDED) {
		if (!strm->avail_in) {
			strm->data_type = 0;	/* zlib's, before any bit */
			return Z_BUF_ERROR;	/* nothing to look at yet */
		}
		if (!wdz_inflate_decide(strm, s, flush)) {
			if (wdz_inflate_to_real(strm, s) != Z_OK)
				return Z_MEM_ERROR;
			return wdz_real()->inflate(strm, flush);
		}
	}
	if (s->finished && s->stage_pos == s->stage_len) {
		wdz_release_input(strm, s);	/* if it was not all presented */
		return Z_STREAM_END;
	}
	/*
	 * Block boundaries from here on (see decide), or a caller that
	 * presents less of its unconsumed input than the device has taken
	 * (zlib allows it): the output due is what zlib makes of what is
	 * presented, so zlib's from here on.
	 */
	if ((((flush == Z_BLOCK || flush == Z_TREES) && !s->stage_end && !s->finished) ||
	     strm->avail_in < s->held) && !s->replay_lost) {
		wdz_inflate_to_replay(strm, s);
		return wdz_inflate_replay(strm, s, flush, in0, out0);
	}
	ret = wdz_inflate_device(strm, s, flush);
	if (ret == WDZ_RETRY_REAL) {
		wdz_inflate_to_replay(strm, s);
		return wdz_inflate_replay(strm, s, flush, in0, out0);
	}
	return ret;
}

WDZ_EXPORT int inflateEnd(z_streamp strm)
{
	struct wdz_state *s = wdz_state(strm);

	if (!s)
		return wdz_real()->inflateEnd(strm);
	wdz_inflate_free(strm, s);
	return Z_OK;
}

WDZ_EXPORT int inflateReset(z_streamp strm)
{
	struct wdz_state *s = wdz_state(strm);

	if (!s)
		return wdz_real()->inflateReset(strm);
	if (s->sess)
		wd_comp_sess_reset(s->sess);
	wdz_zr_end(s);
	/* the device failed, or a copy without a session: decide again */
	if (s->path == WDZ_REPLAY || !s->sess)
		s->path = WDZ_UNDECIDED;
	wdz_inflate_reset_fields(strm, s);
	return Z_OK;
}

WDZ_EXPORT int inflateResetKeep(z_streamp strm)
{
	if (!wdz_state(strm))
		return wdz_real()->inflateResetKeep(strm);
	return inflateReset(strm);
}

WDZ_EXPORT int inflateReset2(z_streamp strm, int windowBits)
{
	struct wdz_state *s = wdz_state(strm);
	int wb, fmt;

	if (!s)
		return wdz_real()->inflateReset2(strm, windowBits);
	fmt = wdz_inflate_format(windowBits, &wb);
	if (fmt < 0)
		return Z_STREAM_ERROR;
	if (fmt != s->format || wb != s->wb) {
		/* the session's format is fixed: decide again */
		if (s->sess)
			wd_comp_sess_free(s->sess);
		s->sess = NULL;
		s->path = WDZ_UNDECIDED;
		s->format = fmt;
		s->wb = wb;
		s->window_bits = windowBits;
	}
	return inflateReset(strm);
}

static int wdz_inflate_begun(z_streamp strm)
{
	const struct wdz_state *s = wdz_state(strm);

	return strm->total_in || strm->total_out || (s && s->held);
}

/* Undecided and untouched: zlib takes the stream over and answers. */
#define WDZ_INF_TO_REAL_OR(strm, s, call, otherwise)				\
	do {									\
		if (!(s))							\
			return wdz_real()->call;				\
		if ((s)->path == WDZ_UNDECIDED && !wdz_inflate_begun(strm)) {	\
			if (wdz_inflate_to_real(strm, s) != Z_OK)		\
				return Z_MEM_ERROR;				\
			return wdz_real()->call;				\
		}								\
		return otherwise;						\
	} while (0)

WDZ_EXPORT int inflateSetDictionary(z_streamp strm, const Bytef *dictionary,
				    uInt dictLength)
{
	struct wdz_state *s = wdz_state(strm);

	WDZ_INF_TO_REAL_OR(strm, s, inflateSetDictionary(strm, dictionary, dictLength),
			   Z_STREAM_ERROR);
}

WDZ_EXPORT int inflateGetDictionary(z_streamp strm, Bytef *dictionary,
				    uInt *dictLength)
{
	struct wdz_state *s = wdz_state(strm);

	WDZ_INF_TO_REAL_OR(strm, s, inflateGetDictionary(strm, dictionary, dictLength),
			   Z_STREAM_ERROR);
}

WDZ_EXPORT int inflateGetHeader(z_streamp strm, gz_headerp head)
{
	struct wdz_state *s = wdz_state(strm);

	if (s && (s->format == WD_COMP_RAW || s->format == WD_COMP_ZLIB))
		return Z_STREAM_ERROR;
	if (s && s->sess && !wdz_inflate_begun(strm)) {
		wd_comp_sess_free(s->sess);
		s->sess = NULL;
		s->path = WDZ_UNDECIDED;
	}
	WDZ_INF_TO_REAL_OR(strm, s, inflateGetHeader(strm, head), Z_STREAM_ERROR);
}

WDZ_EXPORT int inflatePrime(z_streamp strm, int bits, int value)
{
	struct wdz_state *s = wdz_state(strm);

	WDZ_INF_TO_REAL_OR(strm, s, inflatePrime(strm, bits, value), Z_STREAM_ERROR);
}

/*
 * A device stream that inflateSync() hands to a new zlib stream. zlib's
 * own stream keeps adler and data_type when no flush point is found, and
 * one that has read its zlib or gzip header reads the trailer at the end
 * after a sync (a stream that has not is taken for raw): so the new
 * stream reads a header of the same kind first (a minimal one), and the
 * caller's pointers and counters are put back.
 */
static int wdz_sync_to_real(z_streamp strm, struct wdz_state *s)
{
	static const Bytef gz[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	z_stream keep = *strm;
	int gzip = s->crc;
	/* zlib knows the header's flags once it has read 2 bytes of a zlib
	 * header, 4 of a gzip one (magic, method, flags); before, raw */
	int head = s->format != WD_COMP_RAW && strm->total_in + s->held >= (gzip ? 4u : 2u);
	Bytef zh[2], none[1];

	zh[0] = (Bytef)((s->wb - 8) << 4 | 8);
	zh[1] = (Bytef)(31 - zh[0] * 256 % 31);	/* FCHECK: no FDICT, level 0 */
	if (wdz_inflate_to_real(strm, s) != Z_OK)
		return Z_MEM_ERROR;
	if (head) {
		strm->next_in = gzip ? (Bytef *)gz : zh;
		strm->avail_in = gzip ? sizeof(gz) : sizeof(zh);
		strm->next_out = none;
		strm->avail_out = 0;
		wdz_real()->inflate(strm, Z_BLOCK);	/* to the first block */
	}
	strm->next_in = keep.next_in;
	strm->avail_in = keep.avail_in;
	strm->next_out = keep.next_out;
	strm->avail_out = keep.avail_out;
	strm->total_in = keep.total_in;
	strm->total_out = keep.total_out;
	strm->adler = keep.adler;
	strm->data_type = keep.data_type;
	strm->msg = keep.msg;
	return Z_OK;
}

WDZ_EXPORT int inflateSync(z_streamp strm)
{
	struct wdz_state *s = wdz_state(strm);

	if (s && (s->path == WDZ_DEVICE || s->path == WDZ_REPLAY)) {
		/* zlib: nothing to search, nothing changed (an ended stream
		 * stays ended) */
		if (!strm->avail_in)
			return Z_BUF_ERROR;
		/* recovery after corrupt data: zlib searches the next flush
		 * point and goes on from there (history is lost either way) */
		if (wdz_sync_to_real(strm, s) != Z_OK)
			return Z_MEM_ERROR;
		return wdz_real()->inflateSync(strm);
	}
	WDZ_INF_TO_REAL_OR(strm, s, inflateSync(strm), Z_STREAM_ERROR);
}

WDZ_EXPORT int inflateSyncPoint(z_streamp strm)
{
	struct wdz_state *s = wdz_state(strm);

	WDZ_INF_TO_REAL_OR(strm, s, inflateSyncPoint(strm), 0);
}

WDZ_EXPORT int inflateUndermine(z_streamp strm, int subvert)
{
	(void)subvert;
	if (!wdz_state(strm))
		return wdz_real()->inflateUndermine(strm, subvert);
	return Z_DATA_ERROR;	/* what zlib 1.2.13 built as Debian's answers */
}

WDZ_EXPORT int inflateValidate(z_streamp strm, int check)
{
	struct wdz_state *s = wdz_state(strm);

	if (s && check)
		return Z_OK;	/* checking is what we do anyway */
	WDZ_INF_TO_REAL_OR(strm, s, inflateValidate(strm, check), Z_STREAM_ERROR);
}

WDZ_EXPORT long inflateMark(z_streamp strm)
{
	struct wdz_state *s = wdz_state(strm);

	if (!s)
		return wdz_real()->inflateMark(strm);
	/* zlib: -65536 (outside a block) before the first byte and after the
	 * last block; in between, a device stream stops on byte boundaries */
	if (!wdz_inflate_begun(strm) || s->finished)
		return -65536L;
	return 0;
}

WDZ_EXPORT unsigned long inflateCodesUsed(z_streamp strm)
{
	struct wdz_state *s = wdz_state(strm);

	if (!s)
		return wdz_real()->inflateCodesUsed(strm);
	return 0;
}

/* inflateBack keeps its own (real) state from inflateBackInit_ on. */
WDZ_EXPORT int inflateBackInit_(z_streamp strm, int windowBits,
				unsigned char *window, const char *version,
				int stream_size)
{
	return wdz_real()->inflateBackInit_(strm, windowBits, window, version,
					    stream_size);
}

WDZ_EXPORT int inflateBack(z_streamp strm, in_func in, void *in_desc,
			   out_func out, void *out_desc)
{
	return wdz_real()->inflateBack(strm, in, in_desc, out, out_desc);
}

WDZ_EXPORT int inflateBackEnd(z_streamp strm)
{
	return wdz_real()->inflateBackEnd(strm);
}
