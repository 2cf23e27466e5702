// SPDX-License-Identifier: MIT
/*
 * codec_stream.c - codec streams (codec.h): setting one up on the backend
 * the operation calls for, a step and what it does to the stream's
 * checksum and counts, large chunks through libdeflate, and the coder a
 * thread keeps between stateless jobs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "wd_config.h"
#include "wd_ring_check.h"
#include "codec_priv.h"
#include "codec_ld.h"

/*
 * The coders' knobs, read once: several threads (engines) ask at the same
 * time, so the first reading is made under pthread_once.
 */
static int comp_zlib_forced;	/* WD_COMP_ENGINE=zlib */
static int comp_isal_lvl;	/* WD_COMP_ISAL_LEVEL, 1..3 (default 2) */

static void comp_knobs_read(void)
{
	comp_zlib_forced = !strcmp(wd_config_str(WD_CFG_COMP_ENGINE), "zlib");
	comp_isal_lvl = (int)wd_config_long(WD_CFG_COMP_ISAL_LEVEL);
}

static void comp_knobs(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, comp_knobs_read);
}

int codec_force_zlib(void)
{
	comp_knobs();
	return comp_zlib_forced;
}

#ifdef HAVE_ISAL
/* The ISA-L level that serves zlib's level 1 (codec.h says why). */
int codec_isal_level(void)
{
	comp_knobs();
	return comp_isal_lvl;
}
#endif

void codec_destroy(void *state)
{
	struct codec_stream *s = state;
	const struct comp_zlib *z = comp_zlib();

	if (!s)
		return;
	if ((s->started && s->be == BE_ZLIB) || s->shadow || s->gz_hdr)
		(s->inflate ? z->inflateEnd : z->deflateEnd)(&s->zs);
#ifdef HAVE_ISAL
	free(s->isd);
	free(s->isi);
	free(s->level_buf);
#endif
	free(s->hist);
	free(s);
}

static int comp_stream_init(struct codec_stream *s, uint8_t *dict, uint32_t dict_len)
{
	const struct wd_comp_param *p = &s->setup;

	s->be = BE_ZLIB;
	s->fresh = !s->inflate;
	if (p->check == WD_COMP_CHECK_ADLER32)
		s->check = p->check_init ? p->check_init : 1;
	else
		s->check = p->check_init;
#ifdef HAVE_ISAL
	if (codec_isal_wanted(p, s->inflate)) {
		s->be = BE_ISAL;
		return codec_isal_init(s, dict, dict_len);
	}
#endif
	return codec_zlib_init(s, dict, dict_len);
}

/*
 * Stateless compress jobs (the chunks of parallel streams) come by the
 * hundred per stream: an engine thread keeps the coder of its last one and
 * resets it for the next one with the same setup, instead of allocating
 * and clearing some 300 KB of coder state per chunk (and the page faults
 * and trims that go with it).
 */
static pthread_key_t comp_cache_key;
static pthread_once_t comp_cache_once = PTHREAD_ONCE_INIT;

static void comp_cache_init(void)
{
	pthread_key_create(&comp_cache_key, codec_destroy);
}

static struct codec_stream *comp_cache_take(const struct wd_comp_param *p)
{
	struct codec_stream *s;

	pthread_once(&comp_cache_once, comp_cache_init);
	s = pthread_getspecific(comp_cache_key);
	if (!s)
		return NULL;
	pthread_setspecific(comp_cache_key, NULL);
	if (s->setup.format == p->format && s->setup.level == p->level &&
	    s->setup.window_bits == p->window_bits &&
	    s->setup.mem_level == p->mem_level && s->setup.strategy == p->strategy)
		return s;
	codec_destroy(s);
	return NULL;
}

void codec_put(struct codec_stream *s)
{
	pthread_once(&comp_cache_once, comp_cache_init);
	if (s->inflate || !s->started || pthread_getspecific(comp_cache_key) ||
	    pthread_setspecific(comp_cache_key, s))
		codec_destroy(s);
}

/* A cached coder made new for the job p (same setup, other details). */
static int comp_stream_reuse(struct codec_stream *s, const struct wd_comp_param *p,
			     uint8_t *dict, uint32_t dict_len)
{
	s->setup = *p;
	s->check = p->check == WD_COMP_CHECK_ADLER32 ?
		   (p->check_init ? p->check_init : 1) : p->check_init;
	s->total_out = 0;
	s->ended = s->dead = s->error = 0;
#ifdef HAVE_ISAL
	if (s->be == BE_ISAL)	/* a full init: a reset keeps a stale check */
		return codec_isal_init(s, dict, dict_len);
#endif
	if (comp_zlib()->deflateReset(&s->zs) != Z_OK)
		return -EINVAL;
	if (dict_len && comp_zlib()->deflateSetDictionary(&s->zs, dict, dict_len) != Z_OK)
		return -EINVAL;
	return 0;
}

/* What a step did to the stream's checksum, counts and state. */
static void comp_stream_account(struct codec_stream *s, const struct codec_step *st)
{
	const uint8_t *in = s->inflate ? st->dst : st->src;
	uint32_t n;

	/* raw streams: the checksum the caller asked for, over plain data */
	n = s->inflate ? st->produced : st->consumed;
	if (s->setup.format == WD_COMP_RAW && n) {
		if (s->setup.check == WD_COMP_CHECK_CRC32)
			s->check = comp_crc32(s->check, in, n);
		else if (s->setup.check == WD_COMP_CHECK_ADLER32)
			s->check = comp_adler32(s->check, in, n);
	}
	s->total_out += st->produced;
	if (st->end)
		s->ended = 1;
	if (st->status == -EBADMSG) {
		s->dead = 1;
		s->error = st->error;
	}
}

static void comp_stream_step(struct codec_stream *s, struct codec_step *st)
{
#ifdef HAVE_ISAL
	if (s->be == BE_ISAL) {
		if (s->inflate)
			codec_isal_inflate_step(s, st);
		else
			codec_isal_deflate_step(s, st);
	} else
#endif
		codec_zlib_step(s, st);
	if (st->consumed)
		s->fresh = 0;
	comp_stream_account(s, st);
}

/*
 * A fresh deflate stream keeps a copy of the history its zlib coder holds,
 * for comp_ld_stream(), which gives libdeflate history and data together.
 */
static void comp_hist_keep(struct codec_stream *s, const uint8_t *h, uint32_t len)
{
	if (s->inflate || len > WD_COMP_WINDOW)
		return;
	if (!s->hist && len)
		s->hist = malloc(WD_COMP_WINDOW);
	if (!s->hist)
		len = 0;	/* without it: zlib's to code */
	if (len)
		memcpy(s->hist, h, len);
	s->hist_len = len;
}

/*
 * A raw deflate stream that has coded no data since its start or its last
 * flush point taken here, given 512 KiB or more ending in a flush: as a
 * stateless chunk, libdeflate codes it (codec_ld.c; wdgzip's pieces
 * come this way, each a stream primed with its history). zlib's stream
 * then goes on as if it had coded the data: reset, with the data's last
 * 32 KiB as history (none after a full flush). 1 when done.
 */
static int comp_ld_stream(struct codec_stream *s, struct codec_step *st)
{
	const struct comp_zlib *z = comp_zlib();
	struct wd_comp_param q = s->setup;
	uint32_t produced, keep;

	q.flush = st->flush;
	if (!s->fresh || s->be != BE_ZLIB || s->ended || s->dead || codec_force_zlib() ||
	    !codec_ld_wanted(&q, st->src_len) ||
	    codec_ld(&q, s->hist, s->hist_len, st->src, st->src_len, st->dst,
			 st->dst_len, &produced))
		return 0;
	keep = st->flush == WD_COMP_FULL_FLUSH ? 0 :
	       st->src_len < WD_COMP_WINDOW ? st->src_len : WD_COMP_WINDOW;
	st->status = 0;
	if (st->flush != WD_COMP_FINISH &&
	    (z->deflateReset(&s->zs) != Z_OK ||
	     (keep && z->deflateSetDictionary(&s->zs, st->src + st->src_len - keep,
					      keep) != Z_OK)))
		st->status = -EIO;	/* the output is there, the stream is not */
	if (!st->status)
		comp_hist_keep(s, st->src + st->src_len - keep, keep);
	st->consumed = st->src_len;
	st->produced = produced;
	st->end = st->flush == WD_COMP_FINISH;
	st->more = 0;
	comp_stream_account(s, st);
	return 1;
}

uint32_t codec_checksum(const struct codec_stream *s)
{
	if (s->setup.format == WD_COMP_RAW)
		return s->check;
#ifdef HAVE_ISAL
	if (s->be == BE_ISAL)
		return codec_isal_checksum(s);
#endif
	return codec_zlib_checksum(s);
}

uint32_t codec_dictid(const struct codec_stream *s)
{
#ifdef HAVE_ISAL
	if (s->be == BE_ISAL)
		return s->isi->dict_id;
#endif
	return (uint32_t)s->zs.adler;
}

/* A stateless job: the whole stream, or -ENOSPC when it does not fit. */
void codec_run_whole(struct codec_stream *s, struct codec_step *st)
{
	comp_stream_step(s, st);
	if (st->status)
		return;
	if (!s->inflate) {
		if (st->consumed < st->src_len || st->more ||
		    (st->flush == WD_COMP_FINISH && !st->end))
			st->status = -ENOSPC;
	} else if (st->more && st->consumed < st->src_len) {
		/* input left and no room: a full dst, not a truncated src */
		st->status = -ENOSPC;
	}
}

struct codec_stream *codec_begin(const struct wd_comp_param *p, int inflate,
				 int session, uint8_t *src, uint32_t src_len,
				 int *status)
{
	struct codec_stream *s;

	*status = wd_check_comp_setup(p, inflate, src_len);
	if (*status)
		return NULL;
	if (!session && !inflate) {
		s = comp_cache_take(p);
		if (s) {
			*status = comp_stream_reuse(s, p, src, p->dict_len);
			if (!*status)
				return s;
			codec_destroy(s);
		}
	}
	/* on the heap even when stateless: zlib's state points back at zs */
	s = calloc(1, sizeof(*s));
	if (!s) {
		*status = -ENOMEM;
		return NULL;
	}
	s->inflate = inflate;
	s->setup = *p;
	*status = comp_stream_init(s, src, p->dict_len);
	if (*status) {
		codec_destroy(s);
		return NULL;
	}
	if (session)
		comp_hist_keep(s, src, p->dict_len);
	return s;
}

/* A step of a session's stream: libdeflate's when it fits, else the coder's. */
void codec_run(struct codec_stream *s, struct codec_step *st)
{
	if (!comp_ld_stream(s, st))
		comp_stream_step(s, st);
}

uint64_t codec_total_out(const struct codec_stream *s)
{
	return s->total_out;
}

int codec_dead(const struct codec_stream *s, uint32_t *error)
{
	*error = (uint32_t)s->error;
	return s->dead;
}

/*
 * A large stateless deflate chunk through libdeflate (codec_ld.c), with
 * the raw checksum of its data.
 */
int codec_ld_job(const struct wd_comp_param *p, uint8_t *src, uint32_t src_len,
		 uint8_t *dst, uint32_t dst_len, uint32_t *produced,
		 uint32_t *check)
{
	uint32_t len = src_len - p->dict_len;

	if (codec_force_zlib() || wd_check_comp_setup(p, 0, src_len) ||
	    !codec_ld_wanted(p, len) ||
	    codec_ld(p, src, p->dict_len, src + p->dict_len, len, dst, dst_len,
		     produced))
		return 0;
	*check = p->check == WD_COMP_CHECK_ADLER32 ?
		 (p->check_init ? p->check_init : 1) : p->check_init;
	if (p->check == WD_COMP_CHECK_CRC32)
		*check = comp_crc32(*check, src + p->dict_len, len);
	else if (p->check == WD_COMP_CHECK_ADLER32)
		*check = comp_adler32(*check, src + p->dict_len, len);
	return 1;
}

/*
 * As an engine thread codes a stateless compress request: comp_par.c
 * redoes with it the chunks a device failed, refused or never got, so that
 * a stream's bytes do not depend on whether the device served each chunk.
 */
int codec_deflate_stateless(const struct wd_comp_param *p, uint8_t *src,
			    uint32_t src_len, uint8_t *dst, uint32_t dst_len,
			    uint32_t *produced)
{
	struct codec_step st = { 0 };
	struct codec_stream *s;
	uint32_t check;
	int status;

	*produced = 0;
	if (codec_ld_job(p, src, src_len, dst, dst_len, produced, &check))
		return 0;
	s = codec_begin(p, 0, 0, src, src_len, &status);
	if (!s)
		return status;
	st.src = src + p->dict_len;
	st.src_len = src_len - p->dict_len;
	st.dst = dst;
	st.dst_len = dst_len;
	st.flush = p->flush;
	codec_run_whole(s, &st);
	codec_put(s);
	*produced = st.produced;
	return st.status;
}
