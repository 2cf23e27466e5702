// SPDX-License-Identifier: MIT
/*
 * codec_be_isal.c - the ISA-L backend of a codec stream: level 1 deflate
 * and streaming inflate (codec.h says when), with the checks of zlib that
 * ISA-L does not make, so that corrupt data fails as it fails in zlib.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "codec_priv.h"

#ifdef HAVE_ISAL
/* Whether ISA-L codes a stream of p (codec.h says when, and why). */
int codec_isal_wanted(const struct wd_comp_param *p, int inflate)
{
	if (codec_force_zlib())
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
static int comp_gz_hdr_begin(struct codec_stream *s)
{
	const struct comp_zlib *z = comp_zlib();

	memset(&s->zs, 0, sizeof(s->zs));
	if (!z || z->inflateInit2_(&s->zs, codec_zlib_window(&s->setup, 1), ZLIB_VERSION,
				   (int)sizeof(z_stream)) != Z_OK)
		return -ENOMEM;
	s->gz_hdr = 1;
	return 0;
}

int codec_isal_init(struct codec_stream *s, uint8_t *dict, uint32_t dict_len)
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
		int lvl = codec_isal_level();
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
static int comp_gz_hdr_feed(struct codec_stream *s, struct codec_step *st, uint32_t *used)
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
		st->error = codec_zlib_error(s->zs.msg);
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
static int comp_isal_auto(struct codec_stream *s, const uint8_t *src, uint32_t len)
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
static int comp_isal_hdr_error(struct codec_stream *s, const uint8_t *src, uint32_t len)
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
static int comp_shadow_feed(struct codec_stream *s, const uint8_t *in, uint32_t len,
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
		*error = codec_zlib_error(s->zs.msg);
		return SHADOW_ERROR;
	}
	if (s->zs.data_type & 256 || ret == Z_STREAM_END || (ret != Z_OK && ret != Z_BUF_ERROR))
		return SHADOW_PARSED;
	return s->zs.avail_in ? SHADOW_PARSED : SHADOW_MORE;
}

/* zlib's verdict on the block header that starts at h. */
static int comp_shadow_start(struct codec_stream *s, const struct comp_hdr_start *h,
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
static int comp_isal_wrapper(struct codec_stream *s)
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
static int comp_hdr_here(const struct codec_stream *s, struct comp_hdr_start *h)
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
static void comp_shadow_step(struct codec_step *st, int r, int error)
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
static void comp_isal_hdr_cut(struct codec_stream *s, struct codec_step *st)
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
static void comp_isal_trailer_cut(struct codec_stream *s, struct codec_step *st)
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
static int comp_isal_hdr_judge(struct codec_stream *s, const struct comp_hdr_start *h,
			       struct codec_step *st)
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

static void comp_isal_inflate_blocks(struct codec_stream *s, struct codec_step *st)
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

void codec_isal_inflate_step(struct codec_stream *s, struct codec_step *st)
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

void codec_isal_deflate_step(struct codec_stream *s, struct codec_step *st)
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

uint32_t codec_isal_checksum(const struct codec_stream *s)
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
