// SPDX-License-Identifier: MIT
/*
 * codec_be_zlib.c - the zlib backend of a codec stream: the real zlib
 * (codec_zlib.c), so that every level, window, memLevel and strategy means
 * what it means in zlib, and zlib's messages become WD_COMP_E_* codes.
 */
#include <errno.h>
#include <string.h>
#include "codec_priv.h"

/*
 * windowBits for zlib's deflateInit2/inflateInit2. zlib's deflate refuses
 * 8 for raw and gzip streams, and 9 makes the same ones. Its inflate takes
 * 8 in every format and holds the data to it (a zlib header asking for
 * 512 bytes, a distance past 256): there 8 stays 8.
 */
int codec_zlib_window(const struct wd_comp_param *p, int inflate)
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

int codec_zlib_init(struct codec_stream *s, const uint8_t *dict,
			  uint32_t dict_len)
{
	const struct comp_zlib *z = comp_zlib();
	const struct wd_comp_param *p = &s->setup;
	int ret;

	if (!z)
		return -ENOSYS;
	memset(&s->zs, 0, sizeof(s->zs));
	if (s->inflate)
		ret = z->inflateInit2_(&s->zs, codec_zlib_window(p, 1), ZLIB_VERSION,
				       (int)sizeof(z_stream));
	else
		ret = z->deflateInit2_(&s->zs, p->level, Z_DEFLATED, codec_zlib_window(p, 0),
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
int codec_zlib_error(const char *msg)
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

void codec_zlib_step(struct codec_stream *s, struct codec_step *st)
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
		st->error = codec_zlib_error(s->zs.msg);
		break;
	default:
		st->status = -EIO;
	}
}

uint32_t codec_zlib_checksum(const struct codec_stream *s)
{
	return (uint32_t)s->zs.adler;
}
