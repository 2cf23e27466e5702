// SPDX-License-Identifier: MIT
/*
 * wdz_deflate.c - the deflate half of the zlib ABI.
 *
 * A stream starts undecided, with its parallel wd_comp session already
 * made (the input is cut in chunks compressed on several engines; short
 * pieces are coded in the library). Its first deflate() call takes that
 * path (wdz_deflate_dev.c); what the device does not do (zlib/gzip-format
 * dictionaries, deflatePrime, deflateTune, custom gzip headers ...), asked
 * for before that, hands the stream to the real zlib instead. Here: the
 * entry points, and where each sends a stream by its state (wdz.h, enum
 * wdz_deflate_state).
 */
#include <errno.h>
#include <string.h>
#include "wd.h"
#include "wdz.h"

static int wdz_format_of(int window_bits, int *wb)
{
	if (window_bits < 0) {
		*wb = -window_bits;
		return WD_COMP_RAW;
	}
	if (window_bits > 15) {
		*wb = window_bits - 16;
		return WD_COMP_GZIP;
	}
	*wb = window_bits;
	return WD_COMP_ZLIB;
}

/* The parameters zlib accepts (others go to zlib for its error). */
static int wdz_deflate_params_ok(int level, int method, int window_bits,
				 int mem_level, int strategy)
{
	int wb, fmt = wdz_format_of(window_bits, &wb);

	if (level == Z_DEFAULT_COMPRESSION)
		level = 6;
	return method == Z_DEFLATED && mem_level >= 1 && mem_level <= 9 &&
	       wb >= 8 && wb <= 15 && level >= 0 && level <= 9 &&
	       strategy >= 0 && strategy <= Z_FIXED &&
	       window_bits >= -15 && window_bits <= 31 &&
	       !(wb == 8 && fmt != WD_COMP_ZLIB);
}

static void wdz_deflate_reset_fields(z_streamp strm, struct wdz_state *s)
{
	strm->total_in = strm->total_out = 0;
	strm->msg = NULL;
	strm->data_type = Z_UNKNOWN;
	strm->adler = s->format == WD_COMP_GZIP ? 0 : 1;
	s->last_flush = -2;
	s->dict_len = 0;
}

WDZ_EXPORT int deflateInit2_(z_streamp strm, int level, int method, int windowBits,
			     int memLevel, int strategy, const char *version,
			     int stream_size)
{
	const struct wdz_real *r = wdz_real();
	struct wdz_state *s;

	if (wdz_in_real || wdz_config()->mode == WDZ_OFF || !strm || !version ||
	    version[0] != ZLIB_VERSION[0] || stream_size != (int)sizeof(z_stream) ||
	    !wdz_deflate_params_ok(level, method, windowBits, memLevel, strategy)) {
		if (!wdz_in_real && strm && wdz_config()->mode == WDZ_OFF)
			wdz_count_fallback(0);
		return r->deflateInit2_(strm, level, method, windowBits, memLevel,
					strategy, version, stream_size);
	}
	strm->msg = NULL;
	wdz_set_alloc(strm);
	s = wdz_alloc(strm, sizeof(*s));
	if (!s)
		return Z_MEM_ERROR;
	memset(s, 0, sizeof(*s));
	s->strm = strm;
	s->magic = WDZ_MAGIC;
	s->level = level == Z_DEFAULT_COMPRESSION ? 6 : level;
	s->method = method;
	s->window_bits = windowBits;
	s->mem_level = memLevel;
	s->strategy = strategy;
	s->version = version;
	s->stream_size = stream_size;
	s->format = wdz_format_of(windowBits, &s->wb);
	if (s->wb == 8)
		s->wb = 9;	/* as zlib: a 256-byte window is not supported */
	strm->state = (struct internal_state *)s;
	wdz_deflate_reset_fields(strm, s);
	/*
	 * The session now, with the parameters of the init: its chunk size
	 * follows the level, and must not depend on whether a deflateParams()
	 * came before or after an (empty) first deflate() call. Without
	 * memory for it now, the first deflate() call tries again.
	 */
	wdz_deflate_sess_open(s);
	return Z_OK;
}

WDZ_EXPORT int deflateInit_(z_streamp strm, int level, const char *version,
			    int stream_size)
{
	return deflateInit2_(strm, level, Z_DEFLATED, MAX_WBITS, 8,
			     Z_DEFAULT_STRATEGY, version, stream_size);
}

/* Z_FINISH has taken the last input (FINISHING or ENDED): only Z_FINISH now. */
static int wdz_deflate_finished(const struct wdz_state *s)
{
	return s->st.def == WDZ_DEF_FINISHING || s->st.def == WDZ_DEF_ENDED;
}

static void wdz_state_free(z_streamp strm, struct wdz_state *s)
{
	if (s->sess)
		wd_comp_sess_free(s->sess);
	wdz_free(strm, s->dict);
	wdz_free(strm, s->stage);
	s->magic = 0;
	wdz_free(strm, s);
	strm->state = NULL;
}

/*
 * Hand an undecided stream to the real zlib: same setup, and what was set
 * before any data (dictionary, params). From now on it is zlib's stream.
 */
int wdz_deflate_to_real(z_streamp strm, struct wdz_state *s)
{
	const struct wdz_real *r = wdz_real();
	struct wdz_state keep = *s;
	unsigned char dict[WD_COMP_WINDOW];
	int ret;

	memcpy(dict, s->dict ? s->dict : dict, s->dict ? keep.dict_len : 0);
	s->dict = NULL;
	wdz_state_free(strm, s);
	wdz_in_real++;
	ret = r->deflateInit2_(strm, keep.level, keep.method, keep.window_bits,
			       keep.mem_level, keep.strategy, keep.version,
			       keep.stream_size);
	if (ret == Z_OK && keep.dict_len)
		ret = r->deflateSetDictionary(strm, dict, keep.dict_len);
	wdz_in_real--;
	if (keep.dict)
		wdz_free(strm, keep.dict);
	wdz_count_fallback(0);
	wdz_debug("deflate stream %p falls back to zlib", (void *)strm);
	return ret;
}

WDZ_EXPORT int deflate(z_streamp strm, int flush)
{
	struct wdz_state *s = wdz_state(strm);

	if (!s)
		return wdz_real()->deflate(strm, flush);
	if (flush > Z_BLOCK || flush < 0)
		return Z_STREAM_ERROR;
	if (!strm->next_out || (strm->avail_in && !strm->next_in) ||
	    (wdz_deflate_finished(s) && flush != Z_FINISH)) {
		strm->msg = (char *)"stream error";
		return Z_STREAM_ERROR;
	}
	if (strm->avail_out == 0) {
		strm->msg = (char *)"buffer error";
		return Z_BUF_ERROR;
	}
	if (s->st.def == WDZ_DEF_FINISHING && strm->avail_in) {
		/* zlib: input after Z_FINISH is refused, once the output due
		 * (as far as it fits) is out */
		uInt in = strm->avail_in;
		int ret;

		strm->avail_in = 0;
		ret = wdz_deflate_device(strm, s, Z_FINISH);
		strm->avail_in = in;
		if (ret == Z_STREAM_ERROR || ret == Z_MEM_ERROR ||
		    (ret == Z_OK && !strm->avail_out))
			return ret;
	}
	if (wdz_deflate_finished(s) && strm->avail_in) {
		strm->msg = (char *)"buffer error";	/* input after Z_FINISH */
		return Z_BUF_ERROR;
	}
	if (s->st.def == WDZ_DEF_ENDED)
		return Z_STREAM_END;
	if (s->st.def == WDZ_DEF_UNDECIDED && !wdz_deflate_decide(s)) {
		if (wdz_deflate_to_real(strm, s) != Z_OK)
			return Z_MEM_ERROR;
		return wdz_real()->deflate(strm, flush);
	}
	return wdz_deflate_device(strm, s, flush);
}

WDZ_EXPORT int deflateEnd(z_streamp strm)
{
	struct wdz_state *s = wdz_state(strm);
	int busy;

	if (!s)
		return wdz_real()->deflateEnd(strm);
	/*
	 * zlib: Z_DATA_ERROR when a stream is dropped after a deflate() call
	 * went through (with input or not) and before Z_FINISH was called
	 */
	busy = (strm->total_in || strm->total_out || s->last_flush != -2) &&
	       !wdz_deflate_finished(s);
	wdz_state_free(strm, s);
	return busy ? Z_DATA_ERROR : Z_OK;
}

WDZ_EXPORT int deflateReset(z_streamp strm)
{
	struct wdz_state *s = wdz_state(strm);

	if (!s)
		return wdz_real()->deflateReset(strm);
	if (s->sess)
		wd_comp_sess_reset(s->sess);
	if (wdz_deflate_finished(s))
		s->st.def = WDZ_DEF_DEVICE;
	wdz_deflate_reset_fields(strm, s);
	return Z_OK;
}

WDZ_EXPORT int deflateResetKeep(z_streamp strm)
{
	if (!wdz_state(strm))
		return wdz_real()->deflateResetKeep(strm);
	return deflateReset(strm);
}

/* Has this stream (since init or reset) seen data? */
static int wdz_begun(z_streamp strm, struct wdz_state *s)
{
	return strm->total_in || strm->total_out || s->last_flush != -2;
}

/*
 * A stream with no data yet (new, or reset: a device stream after
 * deflateReset is no further on than a new one) that needs something only
 * zlib does: hand it over.
 */
#define WDZ_TO_REAL_OR(strm, s, call, otherwise)				\
	do {									\
		if (!(s))							\
			return wdz_real()->call;				\
		if (!wdz_begun(strm, s)) {					\
			if (wdz_deflate_to_real(strm, s) != Z_OK)		\
				return Z_MEM_ERROR;				\
			return wdz_real()->call;				\
		}								\
		return otherwise;						\
	} while (0)

WDZ_EXPORT int deflateSetDictionary(z_streamp strm, const Bytef *dictionary,
				    uInt dictLength)
{
	struct wdz_state *s = wdz_state(strm);

	if (s && !dictionary)
		return Z_STREAM_ERROR;
	if (s && s->format == WD_COMP_RAW && !wdz_begun(strm, s)) {
		/*
		 * raw priming is done by the device (pigz relies on it); zlib
		 * appends each dictionary to its window, so a second one (or an
		 * empty one) adds to the first: the last 32 KiB of them all
		 */
		unsigned int n = dictLength > WD_COMP_WINDOW ? WD_COMP_WINDOW : dictLength;
		unsigned int keep = s->dict_len < WD_COMP_WINDOW - n ? s->dict_len :
				    WD_COMP_WINDOW - n;

		if (!s->dict)
			s->dict = wdz_alloc(strm, WD_COMP_WINDOW);
		if (!s->dict)
			return Z_MEM_ERROR;
		memmove(s->dict, s->dict + s->dict_len - keep, keep);
		memcpy(s->dict + keep, dictionary + dictLength - n, n);
		s->dict_len = keep + n;
		if (s->sess && wd_comp_sess_set_dict(s->sess, s->dict, s->dict_len))
			return Z_STREAM_ERROR;
		return Z_OK;
	}
	if (s && s->sess && !wdz_begun(strm, s)) {
		/* a decided stream that has not begun can still change path */
		wd_comp_sess_free(s->sess);
		s->sess = NULL;
		s->st.def = WDZ_DEF_UNDECIDED;
	}
	WDZ_TO_REAL_OR(strm, s, deflateSetDictionary(strm, dictionary, dictLength),
		       Z_STREAM_ERROR);
}

WDZ_EXPORT int deflateGetDictionary(z_streamp strm, Bytef *dictionary,
				    uInt *dictLength)
{
	struct wdz_state *s = wdz_state(strm);

	WDZ_TO_REAL_OR(strm, s, deflateGetDictionary(strm, dictionary, dictLength),
		       Z_STREAM_ERROR);
}

/*
 * zlib's coder of a level: stored (0), fast (1-3), slow (4-9). deflateParams
 * ends the block so far only when the coder or the strategy changes; from
 * one level to another of the same coder it switches at once, and so does
 * the shim (the session takes the level for the chunks it sends next).
 */
static int wdz_coder(int level)
{
	return !level ? 0 : level <= 3 ? 1 : 2;
}

WDZ_EXPORT int deflateParams(z_streamp strm, int level, int strategy)
{
	struct wdz_state *s = wdz_state(strm);
	int ret;

	if (!s)
		return wdz_real()->deflateParams(strm, level, strategy);
	if (level == Z_DEFAULT_COMPRESSION)
		level = 6;
	if (level < 0 || level > 9 || strategy < 0 || strategy > Z_FIXED)
		return Z_STREAM_ERROR;
	if (level == s->level && strategy == s->strategy)
		return Z_OK;
	if (s->st.def != WDZ_DEF_UNDECIDED && wdz_begun(strm, s) &&
	    (strategy != s->strategy || wdz_coder(level) != wdz_coder(s->level))) {
		/* as zlib: end the block so far, then switch for what follows */
		if (wdz_deflate_finished(s)) {	/* zlib's deflate(Z_BLOCK) after the end */
			strm->msg = (char *)"stream error";
			return Z_STREAM_ERROR;
		}
		if (!strm->avail_out)	/* zlib's deflate(Z_BLOCK) says why */
			strm->msg = (char *)"buffer error";
		/* nothing since a flush that ended: zlib switches even with no room */
		ret = !strm->avail_out && !strm->avail_in && s->last_flush > Z_NO_FLUSH ? Z_OK :
		      strm->avail_out ? wdz_deflate_device(strm, s, Z_BLOCK) : Z_BUF_ERROR;
		if (ret == Z_STREAM_ERROR || ret == Z_MEM_ERROR)
			return ret;
		if (strm->avail_in || (strm->avail_out == 0 && ret != Z_OK))
			return Z_BUF_ERROR;
		if (wd_comp_sess_params(s->sess, level, strategy))
			return Z_STREAM_ERROR;
	} else if (s->sess && wd_comp_sess_params(s->sess, level, strategy)) {
		return Z_STREAM_ERROR;
	}
	s->level = level;
	s->strategy = strategy;
	return Z_OK;
}

WDZ_EXPORT int deflateTune(z_streamp strm, int good_length, int max_lazy,
			   int nice_length, int max_chain)
{
	struct wdz_state *s = wdz_state(strm);

	WDZ_TO_REAL_OR(strm, s, deflateTune(strm, good_length, max_lazy, nice_length,
					    max_chain), Z_OK);
}

WDZ_EXPORT int deflatePrime(z_streamp strm, int bits, int value)
{
	struct wdz_state *s = wdz_state(strm);

	WDZ_TO_REAL_OR(strm, s, deflatePrime(strm, bits, value), Z_BUF_ERROR);
}

WDZ_EXPORT int deflatePending(z_streamp strm, unsigned *pending, int *bits)
{
	struct wdz_state *s = wdz_state(strm);

	if (!s)
		return wdz_real()->deflatePending(strm, pending, bits);
	/* device streams end every flush on a byte boundary */
	if (pending)
		*pending = 0;
	if (bits)
		*bits = 0;
	return Z_OK;
}

WDZ_EXPORT int deflateSetHeader(z_streamp strm, gz_headerp head)
{
	struct wdz_state *s = wdz_state(strm);

	if (s && s->format != WD_COMP_GZIP)
		return Z_STREAM_ERROR;
	WDZ_TO_REAL_OR(strm, s, deflateSetHeader(strm, head), Z_STREAM_ERROR);
}

WDZ_EXPORT uLong deflateBound(z_streamp strm, uLong sourceLen)
{
	struct wdz_state *s = wdz_state(strm);
	struct wd_comp_setup st = { .op = WD_COMP_DEFLATE };
	uLong zb, ours;

	if (!s)
		return wdz_real()->deflateBound(strm, sourceLen);
	/* zlib's conservative bound, which holds for any parameters */
	zb = sourceLen + ((sourceLen + 7) >> 3) + ((sourceLen + 63) >> 6) + 5 + 18;
	st.parallel = wdz_config()->parallel;
	st.chunk_size = wdz_config()->chunk;
	ours = (uLong)wd_comp_bound(&st, sourceLen);
	return ours > zb ? ours : zb;
}

WDZ_EXPORT int deflateCopy(z_streamp dest, z_streamp source)
{
	struct wdz_state *s = wdz_state(source), *d;

	if (!s)
		return wdz_real()->deflateCopy(dest, source);
	if (!dest)
		return Z_STREAM_ERROR;
	memcpy(dest, source, sizeof(*dest));
	d = wdz_alloc(dest, sizeof(*d));
	if (!d)
		return Z_MEM_ERROR;
	*d = *s;
	d->strm = dest;
	d->dict = NULL;
	d->stage = NULL;
	d->replay = NULL;	/* inflate only */
	d->sess = NULL;
	/* a parallel session's state is all in the library: it copies */
	if (s->sess && wd_comp_sess_dup(&d->sess, s->sess)) {
		wdz_free(dest, d);
		dest->state = NULL;
		return Z_STREAM_ERROR;
	}
	if (s->dict) {
		d->dict = wdz_alloc(dest, WD_COMP_WINDOW);
		if (!d->dict) {
			if (d->sess)
				wd_comp_sess_free(d->sess);
			wdz_free(dest, d);
			dest->state = NULL;
			return Z_MEM_ERROR;
		}
		memcpy(d->dict, s->dict, s->dict_len);
	}
	dest->state = (struct internal_state *)d;
	return Z_OK;
}
