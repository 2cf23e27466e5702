/* SPDX-License-Identifier: MIT */
/*
 * wdz.h - what the files of libwdz.so.1 (the zlib drop-in) share.
 *
 * A z_stream is served either by WarpDrive (wd_comp sessions) or by the
 * real zlib, loaded by path with dlopen. Which one is decided per stream at
 * its first deflate()/inflate() call with data, and a stream that falls back
 * becomes a plain real-zlib stream: strm->state is then the real library's
 * own state and every later call is forwarded untouched.
 *
 * Telling them apart: zlib's internal states start with a back pointer to
 * the z_stream followed by a small status/mode number; ours starts with the
 * same back pointer followed by WDZ_MAGIC, a value zlib never stores there.
 */
#ifndef WDZ_H
#define WDZ_H

#include <stdint.h>
#include <zlib.h>
#undef gzgetc	/* a macro in zlib.h; we define the function */
#include "wd_comp.h"
#include "wdz_funcs.h"

#define WDZ_EXPORT __attribute__((visibility("default")))
#define WDZ_MAGIC	0x57445a21u	/* "WDZ!" */

/* The real library's entry points (wdz_real.c). */
struct wdz_real {
#define X(name) __typeof__(&name) name;
	WDZ_FUNCS
#undef X
};

const struct wdz_real *wdz_real(void);

/* Configuration from the environment (wdz_env.c). */
enum wdz_mode { WDZ_OFF, WDZ_AUTO, WDZ_FORCE };
struct wdz_config {
	enum wdz_mode mode;		/* WD_ZLIB */
	size_t min_inflate;		/* WD_ZLIB_MIN_INFLATE */
	unsigned int parallel;		/* WD_ZLIB_PARALLEL */
	unsigned int chunk;		/* WD_ZLIB_CHUNK */
	int verbose;			/* WD_ZLIB_DEBUG */
	size_t replay_max;		/* WD_ZLIB_REPLAY_MAX */
};
const struct wdz_config *wdz_config(void);
void wdz_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Set while the shim calls a real function that may call back into us. */
extern __thread int wdz_in_real;

/*
 * No device serves this kind of stream (-ENODEV once): later ones go
 * straight to zlib instead of looking for devices again on every stream.
 */
extern int wdz_no_device[2][WD_COMP_NR_FORMATS];	/* [inflate][format] */

/*
 * WDZ_REPLAY: an inflate stream whose device failed mid-stream, being
 * redone by a real zlib stream (zr) from the input kept in replay, until
 * the output the caller has not yet seen is handed over; then the stream
 * becomes a plain real-zlib stream (wdz_inflate.c).
 */
enum wdz_path { WDZ_UNDECIDED, WDZ_DEVICE, WDZ_REPLAY };

#define WDZ_STAGE	(256u << 10)	/* inflate output staging */
#define WDZ_REPLAY_MAX	(8u << 20)	/* default WD_ZLIB_REPLAY_MAX */

/* Why an inflate stream no longer keeps its input (replay_lost). */
enum wdz_lost { WDZ_KEPT, WDZ_LOST_BOUND, WDZ_LOST_MEMORY };

/* Our state of a stream served (or not yet decided) by WarpDrive. */
struct wdz_state {
	z_streamp strm;			/* first: as zlib's states */
	uint32_t magic;			/* WDZ_MAGIC */
	int inflate;
	enum wdz_path path;
	/* setup, as given to deflateInit2_/inflateInit2_ */
	int level, method, window_bits, mem_level, strategy;
	const char *version;
	int stream_size;
	int format;			/* WD_COMP_* from window_bits */
	int wb;				/* 8..15 */
	/* deflate: a raw dictionary to prime with (pigz does that) */
	unsigned char *dict;
	unsigned int dict_len;
	int last_flush;
	int finished;			/* deflate: 1 Z_STREAM_END returned,
					 * 2 Z_FINISH called (zlib's FINISH_STATE) */
	/* inflate: output decoded ahead into the staging buffer */
	unsigned char *stage;
	unsigned int stage_pos, stage_len;
	int stage_end;			/* the stream ended within stage */
	uLong stage_check;		/* the check of the output up to stage_len */
	int crc;			/* that check is crc32 (gzip), not adler32 */
	/*
	 * inflate: input the device took whose output is not all handed out
	 * yet (in the stage or in the device). It is still in avail_in, the
	 * caller presents it again, and it is reported consumed once the
	 * output is out: as with zlib, avail_in == 0 then means that nothing
	 * is pending (gzread ends a file on that).
	 */
	uInt held;
	int dead;			/* inflate: corrupt data seen */
	int error;			/* its WD_COMP_E_* (for strm->msg) */
	int dev_more;			/* inflate: the device holds output */
	struct wd_comp_sess *sess;
	/*
	 * inflate: every byte the device consumed since the stream began (up
	 * to replay_max), and the output handed to the caller: enough to redo
	 * the stream in zlib when the device fails (its decoder state is lost).
	 */
	unsigned char *replay;
	size_t replay_len, replay_cap, replay_pos;
	enum wdz_lost replay_lost;
	uint64_t given;
	z_stream zr;			/* WDZ_REPLAY: zlib redoing the stream */
	int zr_live;			/* zr is initialised */
};

/* Is strm's state ours? (NULL when it is the real library's.) */
static inline struct wdz_state *wdz_state(z_streamp strm)
{
	struct wdz_state *s;

	if (!strm || !strm->state)
		return NULL;
	s = (struct wdz_state *)strm->state;
	return s->magic == WDZ_MAGIC && s->strm == strm ? s : NULL;
}

/* Valid for a call at all (zlib's own checks, before the state's). */
static inline int wdz_bad_stream(z_streamp strm)
{
	return !strm || !strm->state || !strm->zalloc || !strm->zfree;
}

/* wdz_mem.c: zlib's allocation rules */
void wdz_set_alloc(z_streamp strm);
void *wdz_alloc(z_streamp strm, size_t size);
void wdz_free(z_streamp strm, void *p);

/* wdz_stats.c: counters of streams served and fallen back */
void wdz_count_fallback(int inflate);

/* wdz_deflate.c / wdz_inflate.c */
int wdz_deflate_to_real(z_streamp strm, struct wdz_state *s);
int wdz_inflate_to_real(z_streamp strm, struct wdz_state *s);
void wdz_inflate_release(z_streamp strm, struct wdz_state *s);
void wdz_report_input(z_streamp strm, struct wdz_state *s, uInt n);

/* wdz_redo.c: inflate streams redone in zlib from the input they keep */
void wdz_replay_keep(z_streamp strm, struct wdz_state *s, const Bytef *in, size_t n);
void wdz_zr_end(struct wdz_state *s);
void wdz_inflate_to_replay(z_streamp strm, struct wdz_state *s);
int wdz_inflate_replay(z_streamp strm, struct wdz_state *s, int flush, uInt in0,
		       uInt out0);

#endif /* WDZ_H */
