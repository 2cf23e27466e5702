// SPDX-License-Identifier: MIT
/*
 * wdz_inflate.c - the inflate half of the zlib ABI: the entry points, and
 * where each sends a stream by its state (wdz.h, enum wdz_inflate_state).
 *
 * A stream starts undecided; its first inflate() call with data chooses
 * the device or zlib (wdz_inflate_dev.c). Callers of inflateGetHeader,
 * inflatePrime, inflateSetDictionary ... before any data hand it to the
 * real zlib. A device that fails mid-stream, corrupt data the device
 * rejects, a caller turning to Z_BLOCK or presenting less input than the
 * device took, and inflateCopy of a device stream are served by zlib
 * redoing the stream from the input the shim keeps (wdz_redo.c).
 */
#include <errno.h>
#include <string.h>
#include "wd.h"
#include "wdz.h"

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
	s->held = 0;
	s->crc = s->format == WD_COMP_GZIP;
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

WDZ_EXPORT int inflate(z_streamp strm, int flush)
{
	struct wdz_state *s = wdz_state(strm);
	uInt in0, out0;
	int ret;

	if (!s)
		return wdz_real()->inflate(strm, flush);
	if (!strm->next_out || (!strm->next_in && strm->avail_in))
		return Z_STREAM_ERROR;
	if (s->st.inf == WDZ_INF_DEAD) {
		strm->msg = (char *)wd_comp_strerror(s->error);
		return Z_DATA_ERROR;
	}
	in0 = strm->avail_in;
	out0 = strm->avail_out;
	if (s->st.inf == WDZ_INF_REDO_START || s->st.inf == WDZ_INF_REDO)
		return wdz_inflate_replay(strm, s, flush, in0, out0);
	if (s->st.inf == WDZ_INF_UNDECIDED) {
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
	/* DEVICE, DRAIN or ENDED from here on */
	if (s->st.inf == WDZ_INF_ENDED && s->stage_pos == s->stage_len) {
		wdz_release_input(strm, s);	/* if it was not all presented */
		return Z_STREAM_END;
	}
	/*
	 * Block boundaries from here on (see decide), or a caller that
	 * presents less of its unconsumed input than the device has taken
	 * (zlib allows it): the output due is what zlib makes of what is
	 * presented, so zlib's from here on.
	 */
	if ((((flush == Z_BLOCK || flush == Z_TREES) && s->st.inf == WDZ_INF_DEVICE) ||
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
	s->st.inf = s->sess ? WDZ_INF_DEVICE : WDZ_INF_UNDECIDED;
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
		wdz_zr_end(s);		/* while the state still says REDO */
		s->st.inf = WDZ_INF_UNDECIDED;
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
		if ((s)->st.inf == WDZ_INF_UNDECIDED && !wdz_inflate_begun(strm)) { \
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
		s->st.inf = WDZ_INF_UNDECIDED;
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

	if (s && s->st.inf != WDZ_INF_UNDECIDED) {
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
	if (!wdz_inflate_begun(strm) || s->st.inf == WDZ_INF_ENDED)
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
