/* SPDX-License-Identifier: MIT */
/*
 * codec_priv.h - what the files of codec/ share: the state of a stream and
 * the entry points of each backend (codec.h has the module's contract).
 */
#ifndef CODEC_PRIV_H
#define CODEC_PRIV_H

#include <stdint.h>
#include "codec.h"
#include "codec_zlib.h"

#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

enum comp_backend { BE_ZLIB, BE_ISAL };

/* The state of one stream (or of one stateless job). */
struct codec_stream {
	int inflate;
	enum comp_backend be;
	struct wd_comp_param setup;	/* the FIRST request's parameters */
	uint32_t check;			/* raw: running checksum */
	uint64_t total_out;
	int started;			/* the backend is initialised */
	int ended;
	int dead;			/* corrupt data seen: only FIRST revives */
	int error;			/* WD_COMP_E_* of the corruption seen */
	int auto_done;			/* AUTO format: wrapper chosen */
	int fresh;			/* deflate: no data coded since the
					 * start or comp_ld_stream() (zlib's
					 * total_in counts a dictionary) */
	uint8_t *hist;			/* fresh: the history zs holds */
	uint32_t hist_len;
	uint8_t hdr[2];			/* a zlib header's bytes (ISA-L) */
	uint32_t hdr_len;
	int gz_hdr;			/* ISA-L inflate: zs reads the gzip
					 * header (comp_gz_hdr_feed()) */
	int shadow;			/* ISA-L inflate: zs judges a block
					 * header ISA-L rejected (see
					 * comp_shadow_feed()) */
	int shadow_error;		/* ISA-L's verdict on it */
	z_stream zs;
#ifdef HAVE_ISAL
	struct isal_zstream *isd;
	struct inflate_state *isi;
	uint8_t *level_buf;
#endif
};

/* codec_stream.c: the knobs, read once per process */
int codec_force_zlib(void);	/* WD_COMP_ENGINE=zlib */
int codec_isal_level(void);	/* WD_COMP_ISAL_LEVEL */

/* codec_be_zlib.c */
int codec_zlib_window(const struct wd_comp_param *p, int inflate);
int codec_zlib_error(const char *msg);
int codec_zlib_init(struct codec_stream *s, const uint8_t *dict,
		    uint32_t dict_len);
void codec_zlib_step(struct codec_stream *s, struct codec_step *st);
uint32_t codec_zlib_checksum(const struct codec_stream *s);

#ifdef HAVE_ISAL
/* codec_be_isal.c */
int codec_isal_wanted(const struct wd_comp_param *p, int inflate);
int codec_isal_init(struct codec_stream *s, uint8_t *dict, uint32_t dict_len);
void codec_isal_inflate_step(struct codec_stream *s, struct codec_step *st);
void codec_isal_deflate_step(struct codec_stream *s, struct codec_step *st);
uint32_t codec_isal_checksum(const struct codec_stream *s);
#endif

#endif /* CODEC_PRIV_H */
