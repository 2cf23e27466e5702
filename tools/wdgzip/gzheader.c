/* SPDX-License-Identifier: MIT */
/* gzheader.c - gzip member headers, see gzheader.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "formats.h"
#include "gzheader.h"

#define FL_HCRC		0x02
#define FL_EXTRA	0x04
#define FL_NAME		0x08
#define FL_COMMENT	0x10
#define FL_ENCRYPTED	0x20
#define FL_RESERVED	0xC0
#define OS_UNIX		3

int64_t gz_last_header_bytes;

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

size_t gz_header(uint8_t *buf, const char *name, uint32_t mtime, int level)
{
	size_t n = 10;

	buf[0] = 0x1f;
	buf[1] = 0x8b;
	buf[2] = GZ_DEFLATED;
	buf[3] = name ? FL_NAME : 0;
	put_le32(buf + 4, mtime);
	/* extra flags as gzip: 2 = best compression, 4 = fastest */
	buf[8] = level == 9 ? 2 : level == 1 ? 4 : 0;
	buf[9] = OS_UNIX;
	if (name) {
		size_t l = strlen(name) + 1;

		memcpy(buf + n, name, l);
		n += l;
	}
	return n;
}

void gz_trailer(uint8_t *buf, uint32_t crc, uint64_t len)
{
	put_le32(buf, crc);
	put_le32(buf + 4, (uint32_t)len);
}

/* A header byte, folded into the header CRC when the header has one. */
static uint8_t hbyte(struct inbuf *in, uint32_t *hcrc)
{
	uint8_t c = inbuf_byte(in);

	*hcrc = gz_crc32(*hcrc, &c, 1);
	return c;
}

/* The stored name replaces the base name of ofname (directory kept). */
static void take_name(struct inbuf *in, struct gz_file *f, uint32_t *hcrc,
		      int keep)
{
	char *base = (char *)base_name(f->ofname), *p = base;
	char *limit = f->ofname + f->ofsize - 1;
	uint8_t c;

	do {
		c = hbyte(in, hcrc);
		if (!keep)
			continue;
		if (p >= limit) {
			fprintf(stderr, "\n%s: %s: corrupted input -- file name too large\n",
				program_name, f->ifname);
			abort_gzip();
		}
		*p++ = (char)c;
	} while (c);
	if (keep) {
		const char *b = base_name(base);

		memmove(base, b, strlen(b) + 1);
	}
}

static int gz_header_fields(struct inbuf *in, struct gz_file *f, int part,
			    uint8_t flags, uint32_t hcrc)
{
	uint32_t stamp = 0;
	int i;

	for (i = 0; i < 4; i++)
		stamp |= (uint32_t)hbyte(in, &hcrc) << (8 * i);
	if (stamp != 0 && !opt.no_time) {
		f->mtime.tv_sec = stamp;
		f->mtime.tv_nsec = 0;
	}
	hbyte(in, &hcrc);	/* extra flags */
	hbyte(in, &hcrc);	/* OS */
	if (flags & FL_EXTRA) {
		unsigned int len = hbyte(in, &hcrc);

		len |= (unsigned int)hbyte(in, &hcrc) << 8;
		if (opt.verbose)
			fprintf(stderr, "%s: %s: extra field of %u bytes ignored\n",
				program_name, f->ifname, len);
		while (len--)
			hbyte(in, &hcrc);
	}
	if (flags & FL_NAME)
		take_name(in, f, &hcrc, !(opt.no_name ||
					  (opt.to_stdout && !opt.list) ||
					  part > 1));
	if (flags & FL_COMMENT)
		while (hbyte(in, &hcrc))
			;
	if (flags & FL_HCRC) {
		unsigned int want = hcrc & 0xffff, got = inbuf_byte(in);

		got |= (unsigned int)inbuf_byte(in) << 8;
		if (got != want) {
			fprintf(stderr, "%s: %s: header checksum 0x%04x != computed checksum 0x%04x\n",
				program_name, f->ifname, got, want);
			exit_code = EXIT_ERROR;
			if (opt.force <= 1)
				return GZ_NOT_GZIP;
		}
	}
	if (part == 1)
		f->header_bytes = gz_last_header_bytes = inbuf_offset(in) + 8;
	return GZ_DEFLATED;
}

/* What follows the last member: zeros (fine) or garbage (warning). */
static int gz_after_end(struct inbuf *in, struct gz_file *f, int c0, int c1)
{
	if (c0 == 0) {
		int c = c1;

		while (c == 0)
			c = inbuf_try_byte(in);
		if (c < 0) {
			if (opt.verbose)
				warn_msg("\n%s: %s: decompression OK, trailing zero bytes ignored\n",
					 program_name, f->ifname);
			return GZ_ZEROS;
		}
	}
	warn_msg("\n%s: %s: decompression OK, trailing garbage ignored\n",
		 program_name, f->ifname);
	return GZ_GARBAGE;
}

int gz_get_method(struct inbuf *in, struct gz_file *f, int part)
{
	int c0, c1;
	uint8_t m[4];
	uint32_t hcrc = 0;

	if (opt.force && opt.to_stdout) {
		c0 = inbuf_try_byte(in);
		c1 = inbuf_try_byte(in);
	} else {
		c0 = inbuf_byte(in);
		c1 = c0 ? inbuf_byte(in) : inbuf_try_byte(in);
	}
	f->header_bytes = gz_last_header_bytes = 0;
	if (c0 == 0x1f && (c1 == 0x8b || c1 == 0x9e)) {
		m[0] = (uint8_t)c0;
		m[1] = (uint8_t)c1;
		hcrc = gz_crc32(0, m, 2);
		m[2] = hbyte(in, &hcrc);
		if (m[2] != GZ_DEFLATED) {
			fprintf(stderr, "%s: %s: unknown method %d -- not supported\n",
				program_name, f->ifname, m[2]);
			exit_code = EXIT_ERROR;
			return GZ_NOT_GZIP;
		}
		m[3] = hbyte(in, &hcrc);
		if (m[3] & FL_ENCRYPTED) {
			fprintf(stderr, "%s: %s is encrypted -- not supported\n",
				program_name, f->ifname);
			exit_code = EXIT_ERROR;
			return GZ_NOT_GZIP;
		}
		if (m[3] & FL_RESERVED) {
			fprintf(stderr, "%s: %s has flags 0x%x -- not supported\n",
				program_name, f->ifname, m[3]);
			exit_code = EXIT_ERROR;
			if (opt.force <= 1)
				return GZ_NOT_GZIP;
		}
		return gz_header_fields(in, f, part, m[3], hcrc);
	}
	if (c0 == 'P' && c1 == 'K' && part == 1 && inbuf_offset(in) == 2 &&
	    inbuf_peek(in, 0) == 3 && inbuf_peek(in, 1) == 4)
		return zip_check(in, f);
	if (c0 == 0x1f && c1 == 0x1e)
		return GZ_PACKED;
	if (c0 == 0x1f && c1 == 0x9d)
		return GZ_LZW;
	if (opt.force && opt.to_stdout && !opt.list) {
		/* zcat -f: not compressed, pass it through unchanged; after a
		 * member too, trailing zeros included (gzip -cdf does). The
		 * second byte goes back to the buffer, where it still is, to
		 * be copied with the rest (so bytes_out counts as gzip's). */
		if (c0 >= 0) {
			uint8_t b = (uint8_t)c0;

			write_all(f->ofd, &b, 1, f->ofname);
			f->bytes_out++;
		}
		if (c1 >= 0)
			in->pos--;
		return GZ_COPY;
	}
	if (part == 1) {
		fprintf(stderr, "\n%s: %s: not in gzip format\n", program_name,
			f->ifname);
		exit_code = EXIT_ERROR;
		return GZ_NOT_GZIP;
	}
	return gz_after_end(in, f, c0, c1);
}
