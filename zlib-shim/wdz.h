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
 * Where a deflate stream is (wdz_deflate.c, wdz_deflate_dev.c). Its
 * session is made at init when there is memory for it; the path is taken
 * at the first deflate() call.
 *
 *   UNDECIDED  --first deflate()--> DEVICE; or, with no session (or when
 *              something only zlib does is asked for before any data), the
 *              stream becomes zlib's (strm->state is the real library's:
 *              no value of ours describes it)
 *   DEVICE     --Z_FINISH takes the last input, the end is not out yet-->
 *              FINISHING (zlib's FINISH_STATE: only Z_FINISH from now on)
 *              --the end is out--> ENDED
 *              --deflateSetDictionary before any data--> UNDECIDED
 *   FINISHING  --the end is out--> ENDED
 *   FINISHING, ENDED --deflateReset--> DEVICE
 */
enum wdz_deflate_state {
	WDZ_DEF_UNDECIDED,
	WDZ_DEF_DEVICE,
	WDZ_DEF_FINISHING,
	WDZ_DEF_ENDED,
};

/*
 * Where an inflate stream is (wdz_inflate.c, wdz_inflate_dev.c,
 * wdz_redo.c).
 *
 *   UNDECIDED  --first inflate() with data--> DEVICE; or the stream
 *              becomes zlib's (small input, FDICT, Z_BLOCK, no session)
 *   DEVICE     --the device ends the stream into the staging buffer--> DRAIN
 *              --the device ends it into the caller's buffer--> ENDED
 *              --corrupt data, the input no longer kept--> DEAD
 *              --device failure, corrupt data, Z_BLOCK/Z_TREES, less input
 *              presented than the device took--> REDO_START
 *   DRAIN      --the stage is all handed out--> ENDED
 *              --less input presented than the device took--> REDO_START
 *   REDO_START --zr inflated the kept input up to the output the caller
 *              has--> REDO (out of memory: stays, the next call tries
 *              again) --zlib does not read what the device read--> DEAD
 *   REDO       --zr has read all the kept input--> the stream becomes
 *              zlib's (zr's state)
 *   ENDED, DEAD stay until inflateReset: --> DEVICE while the stream has a
 *              session, else UNDECIDED
 *   any but UNDECIDED --inflateSync--> zlib's
 *   inflateReset2 to another format, inflateGetHeader before any data
 *              --> UNDECIDED
 * inflateCopy of a DEVICE stream makes a REDO copy (or REDO_START, or DEAD).
 */
enum wdz_inflate_state {
	WDZ_INF_UNDECIDED,
	WDZ_INF_DEVICE,		/* a session decodes */
	WDZ_INF_DRAIN,		/* the stream ended within the stage */
	WDZ_INF_ENDED,		/* Z_STREAM_END: all output handed out */
	WDZ_INF_REDO_START,	/* zlib redoes the kept input: zr not started */
	WDZ_INF_REDO,		/* zr runs */
	WDZ_INF_DEAD,		/* corrupt data seen: Z_DATA_ERROR (error says why) */
};

#define WDZ_STAGE	(256u << 10)	/* inflate output staging */
#define WDZ_REPLAY_MAX	(8u << 20)	/* default WD_ZLIB_REPLAY_MAX */

/* Why an inflate stream no longer keeps its input (replay_lost). */
enum wdz_lost { WDZ_KEPT, WDZ_LOST_BOUND, WDZ_LOST_MEMORY };

/* Our state of a stream served (or not yet decided) by WarpDrive. */
struct wdz_state {
	z_streamp strm;			/* first: as zlib's states */
	uint32_t magic;			/* WDZ_MAGIC */
	int inflate;
	union {				/* by inflate */
		enum wdz_deflate_state def;
		enum wdz_inflate_state inf;
	} st;
	/* setup, as given to deflateInit2_/inflateInit2_ */
	int level, method, window_bits, mem_level, strategy;
	const char *version;
	int stream_size;
	int format;			/* WD_COMP_* from window_bits */
	int wb;				/* 8..15 */
	/* deflate: a raw dictionary to prime with (pigz does that) */
	unsigned char *dict;
	unsigned int dict_len;
	int last_flush;			/* zlib's: -2 none since init/reset,
					 * -1 more output due, else the flush */
	/* inflate: output decoded ahead into the staging buffer */
	unsigned char *stage;
	unsigned int stage_pos, stage_len;
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
	int error;			/* WDZ_INF_DEAD: its WD_COMP_E_* (for strm->msg) */
	int dev_more;			/* WDZ_INF_DEVICE: the device holds output */
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
	z_stream zr;			/* WDZ_INF_REDO: zlib redoing the stream */
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

/* Has the stream taken a path (the device's, or a redo in zlib)? */
static inline int wdz_decided(const struct wdz_state *s)
{
	return s->inflate ? s->st.inf != WDZ_INF_UNDECIDED :
			    s->st.def != WDZ_DEF_UNDECIDED;
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

/* wdz_deflate.c: a stream with no data yet becomes zlib's */
int wdz_deflate_to_real(z_streamp strm, struct wdz_state *s);

/* wdz_deflate_dev.c: the device path of deflate streams */
int wdz_deflate_sess_open(struct wdz_state *s);
int wdz_deflate_decide(struct wdz_state *s);
int wdz_deflate_device(z_streamp strm, struct wdz_state *s, int flush);

/* wdz_inflate.c: the inflate entry points */
int wdz_inflate_to_real(z_streamp strm, struct wdz_state *s);
void wdz_inflate_release(z_streamp strm, struct wdz_state *s);

/* wdz_inflate_dev.c: the device path of inflate streams */
#define WDZ_RETRY_REAL	100	/* not zlib's: redo the stream in zlib */
int wdz_inflate_decide(z_streamp strm, struct wdz_state *s, int flush);
int wdz_inflate_device(z_streamp strm, struct wdz_state *s, int flush);
void wdz_report_input(z_streamp strm, struct wdz_state *s, uInt n);
void wdz_release_input(z_streamp strm, struct wdz_state *s);

/* wdz_redo.c: inflate streams redone in zlib from the input they keep */
void wdz_replay_keep(z_streamp strm, struct wdz_state *s, const Bytef *in, size_t n);
void wdz_zr_end(struct wdz_state *s);
void wdz_inflate_to_replay(z_streamp strm, struct wdz_state *s);
int wdz_inflate_replay(z_streamp strm, struct wdz_state *s, int flush, uInt in0,
		       uInt out0);

#endif /* WDZ_H */
