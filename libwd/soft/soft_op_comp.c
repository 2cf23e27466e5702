// SPDX-License-Identifier: MIT
/*
 * soft_op_comp.c - COMPRESS and DECOMPRESS on the soft device.
 *
 * One request is one deflate()/inflate() call on the stream kept in the
 * queue's session slot (wd_comp.h has the contract). The coding itself is
 * done by proven libraries, chosen per operation by measurement
 * (doc/compression.md):
 *   compress, level 1, default strategy, 32 KiB window: ISA-L's level 2
 *       (3-4x zlib's speed; output within 0.2% of zlib -1 on the bench
 *       corpus even cut in 256 KiB chunks, where ISA-L's level 1 is 1.2%
 *       larger; WD_COMP_ISAL_LEVEL overrides);
 *   compress, levels 2-9, default strategy, 32 KiB window, a stateless
 *       chunk (or a primed stream's piece) of 512 KiB or more: mostly
 *       libdeflate (soft_comp_ld.c), faster than zlib and no larger;
 *   every other compression: zlib, so levels, windows, memLevel and
 *       strategies mean exactly what they mean in zlib;
 *   decompress: ISA-L's streaming inflate (2-4x zlib), zlib for windows
 *       below 32 KiB where zlib's "too far back" check must hold.
 * WD_COMP_ENGINE=zlib forces zlib everywhere (byte-exact zlib output).
 */
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "soft_engine.h"
#include "wd_comp.h"
#include "wd_internal.h"
#include "comp/comp_zlib.h"
#include "comp/comp_priv.h"
#include "soft_comp_ld.h"

#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

const char soft_comp_algs[] = "deflate zlib gzip";

enum comp_backend { BE_ZLIB, BE_ISAL };

/* The device-side state of one stream (or of one stateless job). */
struct comp_stream {
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

/* Result of one step. */
struct comp_step {
	const uint8_t *src;
	uint32_t src_len;
	uint8_t *dst;
	uint32_t dst_len;
	int flush;
	uint32_t consumed, produced;
	int end, more;
	int status;
	int error;			/* WD_COMP_E_* with -EBADMSG */
};

/*
 * The engine's knobs, read once: several engine threads ask at the same
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

static int comp_force_zlib(void)
{
	comp_knobs();
	return comp_zlib_forced;
}

static int comp_param_check(const struct wd_comp_param *p, int inflate,
			    uint32_t src_len)
{
	return wd_check_comp_setup(p, inflate, src_len);
}

static void comp_stream_destroy(void *state)
{
	struct comp_stream *s = state;
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

/*
 * windowBits for zlib's deflateInit2/inflateInit2. zlib's deflate refuses
 * 8 for raw and gzip streams, and 9 makes the same ones. Its inflate takes
 * 8 in every format and holds the data to it (a zlib header asking for
 * 512 bytes, a distance past 256): there 8 stays 8.
 */
static int zlib_window(const struct wd_comp_param *p, int inflate)
{
	int wb = p->window_bits ? p->window_bits : 15;

	if (wb == 8 && !inflate && p->format != WD_COMP_ZLIB)
		wb = 9;
	switch (p->format) {
	case WD_COMP_RAW:
		return -wb;
	case WD_COMP_GZIP:
		return wb + 16;
	case WD_COMP_AUTO:
		return wb + 32;
	default:
		return wb;
	}
}

static int comp_zlib_init(struct comp_stream *s, const uint8_t *dict,
			  uint32_t dict_len)
{
	const struct comp_zlib *z = comp_zlib();
	const struct wd_comp_param *p = &s->setup;
	int ret;

	if (!z)
		return -ENOSYS;
	memset(&s->zs, 0, sizeof(s->zs));
	if (s->inflate)
		ret = z->inflateInit2_(&s->zs, zlib_window(p, 1), ZLIB_VERSION,
				       (int)sizeof(z_stream));
	else
		ret = z->deflateInit2_(&s->zs, p->level, Z_DEFLATED, zlib_window(p, 0),
				       p->mem_level ? p->mem_level : 8, p->strategy,
				       ZLIB_VERSION, (int)sizeof(z_stream));
	if (ret == Z_MEM_ERROR)
		return -ENOMEM;
	if (ret != Z_OK)
		return -EINVAL;
	s->started = 1;
	if (dict_len) {
		ret = s->inflate ? z->inflateSetDictionary(&s->zs, dict, dict_len)
				 : z->deflateSetDictionary(&s->zs, dict, dict_len);
		if (ret != Z_OK)
			return -EINVAL;
	}
	return 0;
}

/* zlib's message for corrupt data -> WD_COMP_E_* */
static int comp_zlib_error(const char *msg)
{
	static const struct { const char *msg; int code; } map[] = {
		{ "incorrect header check", WD_COMP_E_HEADER },
		{ "unknown compression method", WD_COMP_E_METHOD },
		{ "invalid window size", WD_COMP_E_WINDOW },
		{ "unknown header flags set", WD_COMP_E_FLAGS },
		{ "header crc mismatch", WD_COMP_E_HCRC },
		{ "invalid block type", WD_COMP_E_BLOCK },
		{ "invalid stored block lengths", WD_COMP_E_STORED },
		{ "invalid literal/length code", WD_COMP_E_LITLEN },
		{ "invalid distance code", WD_COMP_E_DIST },
		{ "invalid distance too far back", WD_COMP_E_TOOFAR },
		{ "incorrect data check", WD_COMP_E_CHECK },
		{ "incorrect length check", WD_COMP_E_LENGTH },
	};
	size_t i;

	for (i = 0; msg && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(msg, map[i].msg))
			return map[i].code;
	/* the other messages are about the Huffman tables */
	return msg ? WD_COMP_E_CODES : WD_COMP_E_UNKNOWN;
}

static void comp_zlib_step(struct comp_stream *s, struct comp_step *st)
{
	const struct comp_zlib *z = comp_zlib();
	int ret;

	s->zs.next_in = (Bytef *)st->src;
	s->zs.avail_in = st->src_len;
	s->zs.next_out = st->dst;
	s->zs.avail_out = st->dst_len;
	if (s->inflate)
		ret = z->inflate(&s->zs, Z_NO_FLUSH);
	else
		ret = z->deflate(&s->zs, st->flush);
	st->consumed = st->src_len - s->zs.avail_in;
	st->produced = st->dst_len - s->zs.avail_out;
	st->end = ret == Z_STREAM_END;
	st->more = !st->end && s->zs.avail_out == 0;
	switch (ret) {
	case Z_OK:
	case Z_STREAM_END:
	case Z_BUF_ERROR:	/* no progress possible: not an error here */
		st->status = 0;
		break;
	case Z_NEED_DICT:
		st->status = -ENOKEY;
		break;
	case Z_MEM_ERROR:
		st->status = -ENOMEM;
		break;
	case Z_DATA_ERROR:
		st->status = -EBADMSG;
		st->error = comp_zlib_error(s->zs.msg);
		break;
	default:
		st->status = -EIO;
	}
}

static uint32_t comp_zlib_checksum(const struct comp_stream *s)
{
	return (uint32_t)s->zs.adler;
}

#ifdef HAVE_ISAL
/* The ISA-L level that serves zlib's level 1 (see the file comment). */
static int comp_isal_level(void)
{
	comp_knobs();
	return comp_isal_lvl;
}

static int comp_isal_wanted(const struct wd_comp_param *p, int inflate)
{
	if (comp_force_zlib())
		return 0;
	if (inflate)
		return !p->window_bits || p->window_bits == 15;
	return p->level == 1 && p->strategy == WD_COMP_STRATEGY_DEFAULT &&
	       (!p->window_bits || p->window_bits == 15) &&
	       (!p->mem_level || p->mem_level >= 8);
}

/*
 * A gzip header is read by zlib (zs), not by ISA-L. ISA-L 2.30's
 * isal_inflate() keeps a header's flags, FEXTRA length and running header
 * CRC in a local structure that it makes anew on every call: a header that
 * arrives in pieces is read on with garbage for its flags (valgrind shows
 * the uninitialised read), so that, say, deflate data after a file name
 * was taken for a comment (fuzz_inflate's gzip-lookback-in-pieces). zlib
 * reads a header in any pieces and judges it as stock zlib does (magic,
 * method, reserved flags, header CRC); ISA-L then starts at the first
 * block, as ISAL_GZIP_NO_HDR_VER, which still checks the trailer.
 */
static int comp_gz_hdr_begin(struct comp_stream *s)
{
	const struct comp_zlib *z = comp_zlib();

	memset(&s->zs, 0, sizeof(s->zs));
	if (!z || z->inflateInit2_(&s->zs, zlib_window(&s->setup, 1), ZLIB_VERSION,
				   (int)sizeof(z_stream)) != Z_OK)
		return -ENOMEM;
	s->gz_hdr = 1;
	return 0;
}

static int comp_isal_init(struct comp_stream *s, uint8_t *dict, uint32_t dict_len)
{
	static const uint16_t gz_flag[] = {
		[WD_COMP_RAW] = IGZIP_DEFLATE, [WD_COMP_ZLIB] = IGZIP_ZLIB,
		[WD_COMP_GZIP] = IGZIP_GZIP,
	};
	/* gzip: the header is zlib's to read (comp_gz_hdr_begin()) */
	static const uint8_t crc_flag[] = {
		[WD_COMP_RAW] = ISAL_DEFLATE, [WD_COMP_ZLIB] = ISAL_ZLIB,
		[WD_COMP_GZIP] = ISAL_GZIP_NO_HDR_VER, [WD_COMP_AUTO] = ISAL_DEFLATE,
	};

	if (s->inflate) {
		s->isi = malloc(sizeof(*s->isi));
		if (!s->isi)
			return -ENOMEM;
		isal_inflate_init(s->isi);
		s->isi->crc_flag = crc_flag[s->setup.format];
		if (dict_len && isal_inflate_set_dict(s->isi, dict, dict_len))
			return -EINVAL;
		if (s->setup.format == WD_COMP_GZIP && comp_gz_hdr_begin(s))
			return -ENOMEM;
	} else {
		int lvl = comp_isal_level();
		uint32_t lbs = lvl == 1 ? ISAL_DEF_LVL1_DEFAULT :
			       lvl == 2 ? ISAL_DEF_LVL2_DEFAULT : ISAL_DEF_LVL3_DEFAULT;

		if (!s->isd)	/* a reused coder keeps its memory */
			s->isd = malloc(sizeof(*s->isd));
		if (!s->level_buf)
			s->level_buf = malloc(lbs);
		if (!s->isd || !s->level_buf)
			return -ENOMEM;
		isal_deflate_init(s->isd);
		s->isd->level = lvl;
		s->isd->level_buf = s->level_buf;
		s->isd->level_buf_size = lbs;
		s->isd->gzip_flag = gz_flag[s->setup.format];
		if (dict_len && isal_deflate_set_dict(s->isd, dict, dict_len))
			return -EINVAL;
	}
	s->started = 1;
	return 0;
}

/*
 * Feed this step's input to the header: 1 when the header is complete
 * (*used: its bytes in this step), else 0 with st answered (more needed,
 * or zlib's error).
 */
static int comp_gz_hdr_feed(struct comp_stream *s, struct comp_step *st, uint32_t *used)
{
	const struct comp_zlib *z = comp_zlib();
	uint8_t sink;
	int ret;

	s->zs.next_in = (Bytef *)st->src;
	s->zs.avail_in = st->src_len;
	s->zs.next_out = &sink;
	s->zs.avail_out = sizeof(sink);
	/* Z_BLOCK: zlib returns right after the header, having taken no bit
	 * of the first block (it reads header fields byte by byte) */
	ret = z->inflate(&s->zs, Z_BLOCK);
	*used = st->src_len - s->zs.avail_in;
	st->consumed = *used;
	st->status = 0;
	if (ret == Z_DATA_ERROR) {
		st->status = -EBADMSG;
		st->error = comp_zlib_error(s->zs.msg);
		return 0;
	}
	if (ret == Z_MEM_ERROR) {
		st->status = -ENOMEM;
		return 0;
	}
	if (!(s->zs.data_type & 128))
		return 0;	/* the header goes on in the next request */
	z->inflateEnd(&s->zs);
	s->gz_hdr = 0;
	s->isi->wrapper_flag = 1;	/* comp_hdr_here(): blocks from here */
	return 1;
}

/* AUTO on ISA-L: pick the wrapper by the first byte (gzip starts 0x1f). */
static int comp_isal_auto(struct comp_stream *s, const uint8_t *src, uint32_t len)
{
	if (s->setup.format != WD_COMP_AUTO || s->auto_done || !len)
		return 0;
	s->auto_done = 1;
	if (src[0] != 0x1f) {
		s->isi->crc_flag = ISAL_ZLIB;
		return 0;
	}
	/* zlib, in its own AUTO mode, reads on: 0x1f 0x8b is gzip, and
	 * anything else fails its zlib header checks as in stock zlib */
	s->isi->crc_flag = ISAL_GZIP_NO_HDR_VER;
	return comp_gz_hdr_begin(s);
}

/* zlib's checks of a zlib header's first two bytes, in zlib's order. */
static int comp_zlib_hdr_error(const uint8_t *h, int wb)
{
	if ((h[0] * 256 + h[1]) % 31)
		return WD_COMP_E_HEADER;
	if ((h[0] & 0x0f) != 8)
		return WD_COMP_E_METHOD;
	return (h[0] >> 4) + 8 > wb ? WD_COMP_E_WINDOW : 0;
}

/*
 * The checks of a zlib header zlib makes and ISA-L does not (the FCHECK
 * and window size): corrupt headers must fail the same way, and as early
 * as in zlib, which checks the two bytes as soon as they are in.
 */
static int comp_isal_hdr_error(struct comp_stream *s, const uint8_t *src, uint32_t len)
{
	int wb = s->setup.window_bits ? s->setup.window_bits : 15;

	if (s->isi->crc_flag != ISAL_ZLIB || s->hdr_len >= 2)
		return 0;
	while (s->hdr_len < 2 && len--)
		s->hdr[s->hdr_len++] = *src++;
	return s->hdr_len == 2 ? comp_zlib_hdr_error(s->hdr, wb) : 0;
}

static int comp_isal_error(int ret)
{
	switch (ret) {
	case ISAL_INVALID_BLOCK:
		return WD_COMP_E_BLOCK;
	case ISAL_INVALID_SYMBOL:
		return WD_COMP_E_LITLEN;
	case ISAL_INVALID_LOOKBACK:
		return WD_COMP_E_TOOFAR;
	case ISAL_INVALID_WRAPPER:
		return WD_COMP_E_HEADER;
	case ISAL_UNSUPPORTED_METHOD:
		return WD_COMP_E_METHOD;
	case ISAL_INCORRECT_CHECKSUM:
		return WD_COMP_E_CHECK;
	default:
		return WD_COMP_E_UNKNOWN;
	}
}

/*
 * ISA-L rejects a bad dynamic block header as a whole, where zlib reads it
 * piece by piece and reports most faults only once it has read the bits
 * that show them: a corrupt header cut short is "need more input"
 * (Z_BUF_ERROR, all input consumed) for zlib, and the shim must say the
 * same (fuzz_inflate's raw- and zlib-truncated-dynamic-block). So when
 * ISA-L fails on a header, a raw zlib inflate (zs, unused by ISA-L
 * streams) reads the same header, from the same bit, and judges it:
 */
struct comp_hdr_start {
	uint64_t bits;			/* ISA-L's bit buffer ... */
	int32_t nbits;
	uint8_t tmp[ISAL_DEF_MAX_HDR_SIZE];	/* ... its held header bytes ... */
	uint32_t tmp_len;
	const uint8_t *in;		/* ... then this request's input */
	uint32_t in_len;
};

enum { SHADOW_MORE, SHADOW_ERROR, SHADOW_PARSED };

/* Feed header bytes to zs: stop after the header (Z_TREES), or at its fault. */
static int comp_shadow_feed(struct comp_stream *s, const uint8_t *in, uint32_t len,
			    int *error)
{
	const struct comp_zlib *z = comp_zlib();
	uint8_t sink;
	int ret;

	s->zs.next_in = (Bytef *)in;
	s->zs.avail_in = len;
	s->zs.next_out = &sink;
	s->zs.avail_out = sizeof(sink);
	ret = z->inflate(&s->zs, Z_TREES);
	if (ret == Z_DATA_ERROR) {
		*error = comp_zlib_error(s->zs.msg);
		return SHADOW_ERROR;
	}
	if (s->zs.data_type & 256 || ret == Z_STREAM_END || (ret != Z_OK && ret != Z_BUF_ERROR))
		return SHADOW_PARSED;
	return s->zs.avail_in ? SHADOW_PARSED : SHADOW_MORE;
}

/* zlib's verdict on the block header that starts at h. */
static int comp_shadow_start(struct comp_stream *s, const struct comp_hdr_start *h,
			     int *error)
{
	const struct comp_zlib *z = comp_zlib();
	uint8_t held[8];
	uint32_t i, nbytes = (uint32_t)h->nbits / 8;
	int r;

	memset(&s->zs, 0, sizeof(s->zs));
	if (z->inflateInit2_(&s->zs, -15, ZLIB_VERSION, (int)sizeof(z_stream)) != Z_OK)
		return SHADOW_PARSED;
	s->shadow = 1;
	/* the odd bits of ISA-L's bit buffer, then its whole bytes */
	if (h->nbits % 8 && z->inflatePrime(&s->zs, h->nbits % 8,
					    (int)(h->bits & ((1u << h->nbits % 8) - 1))) != Z_OK)
		return SHADOW_PARSED;
	for (i = 0; i < nbytes; i++)
		held[i] = (uint8_t)(h->bits >> (h->nbits % 8 + 8 * i));
	r = comp_shadow_feed(s, held, nbytes, error);
	if (r == SHADOW_MORE && h->tmp_len)
		r = comp_shadow_feed(s, h->tmp, h->tmp_len, error);
	if (r == SHADOW_MORE)
		r = comp_shadow_feed(s, h->in, h->in_len, error);
	return r;
}

/*
 * A zlib header (two bytes, six with a dictionary id) is fed to ISA-L a
 * byte at a time, so that the first block header starts where a request's
 * input is, known to comp_shadow_start() and comp_isal_hdr_judge(). (A
 * gzip header is zlib's: comp_gz_hdr_feed().)
 */
static int comp_isal_wrapper(struct comp_stream *s)
{
	struct inflate_state *is = s->isi;
	uint32_t left = is->avail_in;
	int ret = 0;

	if (is->crc_flag != ISAL_ZLIB)
		return 0;
	while (!is->wrapper_flag && left && !ret) {
		is->avail_in = 1;
		ret = isal_inflate(is);
		if (is->avail_in)	/* not taken: let the caller's call see it */
			break;
		left--;
	}
	is->avail_in = left;
	return ret;
}

/* Before a step: where a block header starts, if one does (else 0). */
static int comp_hdr_here(const struct comp_stream *s, struct comp_hdr_start *h)
{
	const struct inflate_state *is = s->isi;

	if (is->block_state != ISAL_BLOCK_NEW_HDR && is->block_state != ISAL_BLOCK_HDR)
		return 0;
	if (is->crc_flag != ISAL_DEFLATE && !is->wrapper_flag)
		return 0;
	h->bits = is->read_in;
	h->nbits = is->read_in_length;
	h->tmp_len = is->tmp_in_size > 0 ? (uint32_t)is->tmp_in_size : 0;
	memcpy(h->tmp, is->tmp_in_buffer, h->tmp_len);
	h->in = is->next_in;
	h->in_len = is->avail_in;
	return h->nbits >= 0 && h->nbits <= 64;
}

/* A rejected header that zlib still reads: ask for more, or fail as zlib. */
static void comp_shadow_step(struct comp_step *st, int r, int error)
{
	if (r == SHADOW_MORE) {
		st->status = 0;
		st->consumed = st->src_len;
		st->more = st->end = 0;
		return;
	}
	st->status = -EBADMSG;
	st->error = r == SHADOW_ERROR ? error : st->error;
}

/*
 * The converse: a request that ends inside a block header leaves ISA-L
 * waiting for the rest (it holds the header's bytes), where zlib may
 * already have read enough of them to see the fault: ask zlib.
 */
static void comp_isal_hdr_cut(struct comp_stream *s, struct comp_step *st)
{
	struct comp_hdr_start h;
	int r, error = 0;

	if (s->isi->block_state != ISAL_BLOCK_HDR || !comp_hdr_here(s, &h))
		return;
	r = comp_shadow_start(s, &h, &error);
	if (r == SHADOW_ERROR) {
		st->status = -EBADMSG;
		st->error = error;
		return;
	}
	comp_zlib()->inflateEnd(&s->zs);	/* ISA-L reads on */
	s->shadow = 0;
}

/*
 * A gzip trailer: zlib checks the CRC as soon as its 4 bytes are in, ISA-L
 * only once all 8 are (with the length): a bad CRC with the trailer cut
 * short is an error for zlib, and here.
 */
static void comp_isal_trailer_cut(struct comp_stream *s, struct comp_step *st)
{
	const struct inflate_state *is = s->isi;
	uint8_t t[4];
	uint32_t n = 0, i, crc;

	if (is->block_state != ISAL_CHECKSUM_CHECK || is->crc_flag != ISAL_GZIP_NO_HDR_VER ||
	    is->read_in_length < 0 || is->read_in_length > 64)
		return;
	/* whole bytes left in the bit buffer come first, then held bytes */
	for (i = 0; i < (uint32_t)is->read_in_length / 8 && n < 4; i++)
		t[n++] = (uint8_t)(is->read_in >> (is->read_in_length % 8 + 8 * i));
	for (i = 0; i < (uint32_t)is->tmp_in_size && n < 4; i++)
		t[n++] = is->tmp_in_buffer[i];
	if (n < 4)
		return;
	crc = t[0] | t[1] << 8 | t[2] << 16 | (uint32_t)t[3] << 24;
	if (crc != is->crc) {
		st->status = -EBADMSG;
		st->error = WD_COMP_E_CHECK;
	}
}

/*
 * The converse of comp_shadow_step(): ISA-L accepts some dynamic block
 * headers zlib rejects. It checks a code for over-subscription only, where
 * zlib also refuses an incomplete code-length, literal/length or distance
 * code (one single code of length 1 excepted): "invalid distances set"
 * and the like, a corrupt stream for zlib, decoded by ISA-L as long as the
 * data uses only the codes that exist (fuzz_inflate's
 * raw-incomplete-distance-code). So zlib judges a header that starts
 * where a step starts, before ISA-L reads it. 1: zlib rejects it (st says
 * how). A header ISA-L meets further on, inside one step, is not seen
 * here: its position is known only to ISA-L.
 */
static int comp_isal_hdr_judge(struct comp_stream *s, const struct comp_hdr_start *h,
			       struct comp_step *st)
{
	int r, error = 0;

	r = comp_shadow_start(s, h, &error);
	if (s->shadow) {
		comp_zlib()->inflateEnd(&s->zs);	/* ISA-L reads on */
		s->shadow = 0;
	}
	if (r != SHADOW_ERROR)
		return 0;
	st->status = -EBADMSG;
	st->error = error;
	return 1;
}

static void comp_isal_inflate_blocks(struct comp_stream *s, struct comp_step *st)
{
	struct inflate_state *is = s->isi;
	struct comp_hdr_start h;
	int ret, at_hdr, r, error = 0;

	if (s->shadow) {	/* a rejected header: zlib reads on */
		st->error = s->shadow_error;
		r = comp_shadow_feed(s, st->src, st->src_len, &error);
		comp_shadow_step(st, r, error);
		return;
	}
	is->next_in = (uint8_t *)st->src;
	is->avail_in = st->src_len;
	is->next_out = st->dst;
	is->avail_out = st->dst_len;
	ret = comp_isal_wrapper(s);
	at_hdr = !ret && comp_hdr_here(s, &h);
	if (at_hdr && comp_isal_hdr_judge(s, &h, st))
		return;
	if (!ret)
		ret = isal_inflate(is);
	/* on an error ISA-L hands back the bytes of its bit buffer, which may
	 * be more than this request gave it (zlib-corrupt-in-pieces-...) */
	st->consumed = is->avail_in < st->src_len ? st->src_len - is->avail_in : 0;
	st->produced = st->dst_len - is->avail_out;
	st->end = is->block_state == ISAL_BLOCK_FINISH;
	st->more = !st->end && is->avail_out == 0;
	if (st->end) {
		/* whole bytes still in the bit buffer belong to what follows */
		uint32_t unused = (uint32_t)is->read_in_length / 8;

		if (unused > st->consumed)
			unused = st->consumed;
		st->consumed -= unused;
		is->read_in_length = 0;
	}
	if (ret == ISAL_NEED_DICT) {
		st->status = -ENOKEY;
	} else if (ret < 0) {
		st->status = -EBADMSG;
		st->error = comp_isal_error(ret);
		if (at_hdr && (ret == ISAL_INVALID_BLOCK || ret == ISAL_INVALID_SYMBOL ||
			       ret == ISAL_INVALID_LOOKBACK)) {
			s->shadow_error = st->error;
			r = comp_shadow_start(s, &h, &error);
			comp_shadow_step(st, r, error);
		}
	} else {
		st->status = 0;
		comp_isal_hdr_cut(s, st);
		comp_isal_trailer_cut(s, st);
	}
}

static void comp_isal_inflate_step(struct comp_stream *s, struct comp_step *st)
{
	uint32_t used = 0;

	st->status = comp_isal_auto(s, st->src, st->src_len);
	if (st->status)
		return;
	st->error = comp_isal_hdr_error(s, st->src, st->src_len);
	if (st->error) {
		st->status = -EBADMSG;
		return;
	}
	if (s->gz_hdr && !comp_gz_hdr_feed(s, st, &used))
		return;
	st->src += used;
	st->src_len -= used;
	comp_isal_inflate_blocks(s, st);
	st->src -= used;
	st->src_len += used;
	st->consumed += used;
}

static void comp_isal_deflate_step(struct comp_stream *s, struct comp_step *st)
{
	struct isal_zstream *zs = s->isd;
	int ret;

	zs->next_in = (uint8_t *)st->src;
	zs->avail_in = st->src_len;
	zs->next_out = st->dst;
	zs->avail_out = st->dst_len;
	zs->end_of_stream = st->flush == WD_COMP_FINISH;
	/* ISA-L has no partial/block flush; a sync flush is a valid superset */
	switch (st->flush) {
	case WD_COMP_NO_FLUSH:
	case WD_COMP_FINISH:
		zs->flush = NO_FLUSH;
		break;
	case WD_COMP_FULL_FLUSH:
		zs->flush = FULL_FLUSH;
		break;
	default:
		zs->flush = SYNC_FLUSH;
	}
	ret = isal_deflate(zs);
	st->consumed = st->src_len - zs->avail_in;
	st->produced = st->dst_len - zs->avail_out;
	st->end = zs->internal_state.state == ZSTATE_END;
	st->more = !st->end && zs->avail_out == 0;
	st->status = ret == COMP_OK ? 0 : -EIO;
}

static uint32_t comp_isal_checksum(const struct comp_stream *s)
{
	const struct inflate_state *is = s->isi;

	if (!s->inflate)
		return s->isd->internal_state.crc;
	/*
	 * ISA-L's inflate keeps adler32 as (b, a - 1) until the data ends
	 * (isal_adler32_bam1; finalized from ISAL_BLOCK_FINISH on, and in
	 * ISAL_CHECKSUM_CHECK): the param block promises the running adler32,
	 * which zlib's callers see mid-stream in strm->adler.
	 */
	if (is->crc_flag == ISAL_ZLIB && is->block_state <= ISAL_BLOCK_INPUT_DONE)
		return (is->crc & 0xffff0000u) | (((is->crc & 0xffffu) + 1) % 65521u);
	return is->crc;
}
#endif /* HAVE_ISAL */

static int comp_stream_init(struct comp_stream *s, uint8_t *dict, uint32_t dict_len)
{
	const struct wd_comp_param *p = &s->setup;

	s->be = BE_ZLIB;
	s->fresh = !s->inflate;
	if (p->check == WD_COMP_CHECK_ADLER32)
		s->check = p->check_init ? p->check_init : 1;
	else
		s->check = p->check_init;
#ifdef HAVE_ISAL
	if (comp_isal_wanted(p, s->inflate)) {
		s->be = BE_ISAL;
		return comp_isal_init(s, dict, dict_len);
	}
#endif
	return comp_zlib_init(s, dict, dict_len);
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
	pthread_key_create(&comp_cache_key, comp_stream_destroy);
}

static struct comp_stream *comp_cache_take(const struct wd_comp_param *p)
{
	struct comp_stream *s;

	pthread_once(&comp_cache_once, comp_cache_init);
	s = pthread_getspecific(comp_cache_key);
	if (!s)
		return NULL;
	pthread_setspecific(comp_cache_key, NULL);
	if (s->setup.format == p->format && s->setup.level == p->level &&
	    s->setup.window_bits == p->window_bits &&
	    s->setup.mem_level == p->mem_level && s->setup.strategy == p->strategy)
		return s;
	comp_stream_destroy(s);
	return NULL;
}

static void comp_cache_put(struct comp_stream *s)
{
	pthread_once(&comp_cache_once, comp_cache_init);
	if (s->inflate || !s->started || pthread_getspecific(comp_cache_key) ||
	    pthread_setspecific(comp_cache_key, s))
		comp_stream_destroy(s);
}

/* A cached coder made new for the job p (same setup, other details). */
static int comp_stream_reuse(struct comp_stream *s, const struct wd_comp_param *p,
			     uint8_t *dict, uint32_t dict_len)
{
	s->setup = *p;
	s->check = p->check == WD_COMP_CHECK_ADLER32 ?
		   (p->check_init ? p->check_init : 1) : p->check_init;
	s->total_out = 0;
	s->ended = s->dead = s->error = 0;
#ifdef HAVE_ISAL
	if (s->be == BE_ISAL)	/* a full init: a reset keeps a stale check */
		return comp_isal_init(s, dict, dict_len);
#endif
	if (comp_zlib()->deflateReset(&s->zs) != Z_OK)
		return -EINVAL;
	if (dict_len && comp_zlib()->deflateSetDictionary(&s->zs, dict, dict_len) != Z_OK)
		return -EINVAL;
	return 0;
}

/* What a step did to the stream's checksum, counts and state. */
static void comp_stream_account(struct comp_stream *s, const struct comp_step *st)
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

static void comp_stream_step(struct comp_stream *s, struct comp_step *st)
{
#ifdef HAVE_ISAL
	if (s->be == BE_ISAL) {
		if (s->inflate)
			comp_isal_inflate_step(s, st);
		else
			comp_isal_deflate_step(s, st);
	} else
#endif
		comp_zlib_step(s, st);
	if (st->consumed)
		s->fresh = 0;
	comp_stream_account(s, st);
}

/*
 * A fresh deflate stream keeps a copy of the history its zlib coder holds,
 * for comp_ld_stream(), which gives libdeflate history and data together.
 */
static void comp_hist_keep(struct comp_stream *s, const uint8_t *h, uint32_t len)
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
 * stateless chunk, libdeflate codes it (soft_comp_ld.c; wdgzip's pieces
 * come this way, each a stream primed with its history). zlib's stream
 * then goes on as if it had coded the data: reset, with the data's last
 * 32 KiB as history (none after a full flush). 1 when done.
 */
static int comp_ld_stream(struct comp_stream *s, struct comp_step *st)
{
	const struct comp_zlib *z = comp_zlib();
	struct wd_comp_param q = s->setup;
	uint32_t produced, keep;

	q.flush = st->flush;
	if (!s->fresh || s->be != BE_ZLIB || s->ended || s->dead || comp_force_zlib() ||
	    !soft_comp_ld_wanted(&q, st->src_len) ||
	    soft_comp_ld(&q, s->hist, s->hist_len, st->src, st->src_len, st->dst,
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

static uint32_t comp_stream_checksum(const struct comp_stream *s)
{
	if (s->setup.format == WD_COMP_RAW)
		return s->check;
#ifdef HAVE_ISAL
	if (s->be == BE_ISAL)
		return comp_isal_checksum(s);
#endif
	return comp_zlib_checksum(s);
}

static uint32_t comp_stream_dictid(const struct comp_stream *s)
{
#ifdef HAVE_ISAL
	if (s->be == BE_ISAL)
		return s->isi->dict_id;
#endif
	return (uint32_t)s->zs.adler;
}

/* A stateless job: the whole stream, or -ENOSPC when it does not fit. */
static void comp_stateless(struct comp_stream *s, struct comp_step *st)
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

/* Set up the stream of a FIRST or stateless request (slot c, or none). */
static struct comp_stream *comp_begin(struct soft_ctx *c, const struct wd_comp_param *p,
				      int inflate, uint8_t *src, uint32_t src_len,
				      int *status)
{
	struct comp_stream *s;

	*status = comp_param_check(p, inflate, src_len);
	if (*status)
		return NULL;
	if (!c && !inflate) {
		s = comp_cache_take(p);
		if (s) {
			*status = comp_stream_reuse(s, p, src, p->dict_len);
			if (!*status)
				return s;
			comp_stream_destroy(s);
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
		comp_stream_destroy(s);
		return NULL;
	}
	if (c) {
		c->state = s;
		c->destroy = comp_stream_destroy;
		comp_hist_keep(s, src, p->dict_len);
	}
	return s;
}

/* The stream a later request of slot c continues, or NULL with *status. */
static struct comp_stream *comp_continue(struct soft_ctx *c,
					 const struct wd_comp_param *p, int *status)
{
	struct comp_stream *s = c->state;

	*status = 0;
	if (!s)			/* no FIRST on this slot */
		*status = -EINVAL;
	else if (wd_check_comp_more(p))
		*status = -EINVAL;
	else if (s->dead)
		*status = -EBADMSG;
	return *status ? NULL : s;
}

/*
 * Write one out field of the caller's parameter block. The block's address
 * is the caller's, untrusted and possibly misaligned: no struct access
 * through it (undefined behaviour, a bus error on strict-alignment CPUs).
 */
#define COMP_PUT(up, field, val) do {					\
	__typeof__(((struct wd_comp_param *)0)->field) v_ = (val);	\
	memcpy((uint8_t *)(up) + offsetof(struct wd_comp_param, field),	\
	       &v_, sizeof(v_));					\
} while (0)

/*
 * A large stateless deflate chunk through libdeflate (soft_comp_ld.c): 1
 * when done and answered, 0 when it is zlib's to code.
 */
static int comp_ld_run(const struct wd_comp_param *p, void *up, uint8_t *src,
		       uint32_t src_len, uint8_t *dst, uint32_t dst_len,
		       struct wd_cqe *cqe)
{
	uint32_t len = src_len - p->dict_len, produced, check;

	if (comp_force_zlib() || comp_param_check(p, 0, src_len) ||
	    !soft_comp_ld_wanted(p, len) ||
	    soft_comp_ld(p, src, p->dict_len, src + p->dict_len, len, dst, dst_len,
			 &produced))
		return 0;
	check = p->check == WD_COMP_CHECK_ADLER32 ?
		(p->check_init ? p->check_init : 1) : p->check_init;
	if (p->check == WD_COMP_CHECK_CRC32)
		check = comp_crc32(check, src + p->dict_len, len);
	else if (p->check == WD_COMP_CHECK_ADLER32)
		check = comp_adler32(check, src + p->dict_len, len);
	cqe->status = 0;
	cqe->consumed = src_len;
	cqe->produced = produced;
	cqe->flags = p->flush == WD_COMP_FINISH ? WD_CQE_F_END : 0;
	COMP_PUT(up, checksum, check);
	COMP_PUT(up, total_out, (__u64)produced);
	COMP_PUT(up, error, 0);
	return 1;
}

/*
 * A request the batched probe refused: the checks that come before the
 * addresses in the format's order (wd_ring_check.h) answer first, as
 * wd_soft.ko's do, and the stream is left as it was.
 */
static int comp_refused(struct soft_queue *q, const struct wd_sqe *sqe, int inflate)
{
	const void *up = soft_buf(q, sqe->param, sizeof(struct wd_comp_param), 0);
	struct wd_comp_param p;
	struct soft_ctx *c;
	int status;

	if (!up)
		return -EFAULT;
	memcpy(&p, up, sizeof(p));
	if (!sqe->ctx_id || (sqe->flags & WD_SQE_F_FIRST))
		status = wd_check_comp_setup(&p, inflate, sqe->src_len);
	else if ((c = soft_ctx(q, sqe->ctx_id)))
		comp_continue(c, &p, &status);
	else
		status = -EINVAL;
	return status ? status : -EFAULT;
}

static void comp_run(struct soft_queue *q, const struct wd_sqe *sqe,
		     struct wd_cqe *cqe, int inflate)
{
	struct wd_comp_param p;
	void *up;
	struct comp_step st = { 0 };
	struct comp_stream *s;
	struct soft_ctx *c = NULL;
	uint8_t *src, *dst;
	uint32_t skip = 0;
	struct soft_range r[3] = {
		{ sqe->param, sizeof(p), 1, NULL },
		{ sqe->src, sqe->src_len, 0, NULL },
		{ sqe->dst, sqe->dst_len, 1, NULL },
	};

	cqe->status = wd_check_comp_param_len(sqe);
	if (cqe->status)
		return;
	if (soft_bufs(q, r, 3)) {
		cqe->status = comp_refused(q, sqe, inflate);
		return;
	}
	up = r[0].ptr;
	src = r[1].ptr;
	dst = r[2].ptr;
	memcpy(&p, up, sizeof(p));	/* read the untrusted block once */
	if (sqe->ctx_id) {
		c = soft_ctx(q, sqe->ctx_id);
		if (!c) {
			cqe->status = -EINVAL;
			return;
		}
	}
	if (!c && !inflate &&
	    comp_ld_run(&p, up, src, sqe->src_len, dst, sqe->dst_len, cqe))
		return;
	if (!c || (sqe->flags & WD_SQE_F_FIRST)) {
		s = comp_begin(c, &p, inflate, src, sqe->src_len, &cqe->status);
		skip = p.dict_len;
	} else {
		s = comp_continue(c, &p, &cqe->status);
		if (!s && cqe->status == -EBADMSG && c->state)
			COMP_PUT(up, error,
				 (__u32)((struct comp_stream *)c->state)->error);
	}
	if (!s)
		return;
	st.src = src + skip;
	st.src_len = sqe->src_len - skip;
	st.dst = dst;
	st.dst_len = sqe->dst_len;
	st.flush = p.flush;
	if (c) {
		if (!comp_ld_stream(s, &st))
			comp_stream_step(s, &st);
	} else {
		comp_stateless(s, &st);
	}
	cqe->status = st.status;
	cqe->consumed = st.consumed + skip;
	cqe->produced = st.produced;
	cqe->flags = (st.end ? WD_CQE_F_END : 0) | (st.more ? WD_CQE_F_MORE : 0);
	/* out fields: written back one by one, never the in fields */
	COMP_PUT(up, checksum, st.status == -ENOKEY ? comp_stream_dictid(s) :
			       comp_stream_checksum(s));
	COMP_PUT(up, total_out, s->total_out);
	COMP_PUT(up, error, st.status == -EBADMSG ? (__u32)st.error : 0);
	if (!c)
		comp_cache_put(s);
}

/*
 * A stateless compress job coded in the calling thread exactly as an
 * engine thread codes it (comp_run() without a queue): comp_par.c redoes
 * with it the chunks a device failed, refused or never got, so that a
 * stream's bytes do not depend on whether the device served each chunk.
 */
int soft_comp_stateless(const struct wd_comp_param *p, uint8_t *src, uint32_t src_len,
			uint8_t *dst, uint32_t dst_len, uint32_t *produced)
{
	struct wd_comp_param q = *p;	/* comp_ld_run() writes its out fields */
	struct wd_cqe cqe = { 0 };
	struct comp_step st = { 0 };
	struct comp_stream *s;
	int status;

	*produced = 0;
	if (comp_ld_run(&q, &q, src, src_len, dst, dst_len, &cqe)) {
		*produced = cqe.produced;
		return cqe.status;
	}
	s = comp_begin(NULL, &q, 0, src, src_len, &status);
	if (!s)
		return status;
	st.src = src + q.dict_len;
	st.src_len = src_len - q.dict_len;
	st.dst = dst;
	st.dst_len = dst_len;
	st.flush = q.flush;
	comp_stateless(s, &st);
	comp_cache_put(s);
	*produced = st.produced;
	return st.status;
}

void soft_op_compress(struct soft_queue *q, const struct wd_sqe *sqe,
		      struct wd_cqe *cqe)
{
	comp_run(q, sqe, cqe, 0);
}

void soft_op_decompress(struct soft_queue *q, const struct wd_sqe *sqe,
			struct wd_cqe *cqe)
{
	comp_run(q, sqe, cqe, 1);
}
