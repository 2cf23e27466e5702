/* SPDX-License-Identifier: MIT */
/*
 * unzip.c - the first entry of a .zip file, as gzip -d reads it.
 *
 * gzip reads a zip file only when it starts with a local file header
 * ("PK\3\4"), and only its first entry: stored (method 0) or deflated
 * (method 8), not encrypted. The header's fields (little-endian, offsets
 * from the signature): flags at 6 (bit 0 encrypted, bit 3 "sizes in a
 * data descriptor after the data"), method at 8, CRC-32 at 14, compressed
 * size at 18, size at 22, name and extra field lengths at 26 and 28, the
 * data at 30 + both. With bit 3 the CRC and size come from the 16 bytes
 * after the data (signature PK\7\8, CRC, compressed size, size), which
 * gzip reads without checking the signature; otherwise from the header.
 * The stored name and time are not used (the output name comes from the
 * suffix, as for any input). Nothing after the entry is read, except that
 * a second local header right after it is reported: "has more than one
 * entry--rest ignored" (a warning, status 2) when writing to stdout or
 * testing, "has more than one entry -- unchanged" (an error: no output
 * file) otherwise.
 *
 * gzip's messages: "not a valid zip file" (the header is cut short),
 * "first entry not deflated or stored -- use unzip", "encrypted file --
 * use unzip" (status 1, the next file goes on); for a stored entry whose
 * two sizes differ, "len N, siz M" and "invalid compressed data--length
 * mismatch" (the run ends); bad deflate data, "invalid compressed
 * data--format violated"; a CRC or length that does not match, as for a
 * gzip member.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "codec.h"
#include "formats.h"
#include "gzheader.h"

#define ZIP_HEADER	30
#define ZIP_DESCRIPTOR	16
#define ZIP_ENCRYPTED	0x01
#define ZIP_DESCRIBED	0x08
#define ZIP_STORED	0
#define ZIP_DEFLATED	8
#define ZIP_COPY	(64u << 10)

/* The first entry's local header, kept by zip_check() for unzip(). */
static uint8_t hdr[ZIP_HEADER];

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int zip_refuse(struct gz_file *f, const char *why)
{
	fprintf(stderr, "\n%s: %s: %s\n", program_name, f->ifname, why);
	exit_code = EXIT_ERROR;
	return GZ_NOT_GZIP;
}

int zip_check(struct inbuf *in, struct gz_file *f)
{
	unsigned int i, skip;

	hdr[0] = 'P';
	hdr[1] = 'K';
	for (i = 2; i < ZIP_HEADER; i++) {
		int c = inbuf_try_byte(in);

		if (c < 0)
			return zip_refuse(f, "not a valid zip file");
		hdr[i] = (uint8_t)c;
	}
	skip = (unsigned int)(hdr[26] | hdr[27] << 8) +
	       (unsigned int)(hdr[28] | hdr[29] << 8);
	while (skip--)
		if (inbuf_try_byte(in) < 0)
			return zip_refuse(f, "not a valid zip file");
	if (hdr[8] != ZIP_STORED && hdr[8] != ZIP_DEFLATED)
		return zip_refuse(f, "first entry not deflated or stored -- use unzip");
	if (hdr[6] & ZIP_ENCRYPTED)
		return zip_refuse(f, "encrypted file -- use unzip");
	return hdr[8] == ZIP_STORED ? GZ_ZIP_STORED : GZ_ZIP_DEFLATED;
}

/* A stored entry: its size, copied. */
static uint32_t zip_copy(struct inbuf *in, struct gz_file *f, uint64_t *len)
{
	static uint8_t buf[ZIP_COPY];
	uint32_t n = le32(hdr + 22), crc = 0;
	size_t k = 0;

	if (n != le32(hdr + 18)) {
		fprintf(stderr, "len %lu, siz %lu\n", (unsigned long)n,
			(unsigned long)le32(hdr + 18));
		dec_corrupt(f, "invalid compressed data--length mismatch");
	}
	*len = n;
	while (n--) {
		int c = inbuf_try_byte(in);

		if (c < 0) {
			dec_output(f, buf, k);
			read_error(f->ifname, 0);
		}
		buf[k++] = (uint8_t)c;
		if (k == sizeof(buf) || !n) {
			crc = gz_crc32(crc, buf, k);
			dec_output(f, buf, k);
			k = 0;
		}
	}
	return crc;
}

/* Is the next thing in the input another local header? */
static int zip_more_entries(struct inbuf *in)
{
	static const uint8_t sig[4] = { 'P', 'K', 3, 4 };
	int i;

	for (i = 0; i < 4; i++)
		if (inbuf_peek(in, (size_t)i) != sig[i])
			return 0;
	return 1;
}

int unzip(struct inbuf *in, struct gz_file *f, int method)
{
	uint32_t crc, want_crc = le32(hdr + 14), want_len = le32(hdr + 22);
	uint64_t len;
	int err = 0;

	if (method == GZ_ZIP_DEFLATED)
		crc = dec_inflate(f, &len);
	else
		crc = zip_copy(in, f, &len);
	if (hdr[6] & ZIP_DESCRIBED) {
		uint8_t d[ZIP_DESCRIPTOR];
		int i;

		for (i = 0; i < ZIP_DESCRIPTOR; i++)
			d[i] = inbuf_byte(in);
		want_crc = le32(d + 4);
		want_len = le32(d + 12);
	}
	f->list_crc = want_crc;
	if (want_crc != crc) {
		fprintf(stderr, "\n%s: %s: invalid compressed data--crc error\n",
			program_name, f->ifname);
		err = 1;
	}
	if (want_len != (uint32_t)len) {
		fprintf(stderr, "\n%s: %s: invalid compressed data--length error\n",
			program_name, f->ifname);
		err = 1;
	}
	if (zip_more_entries(in)) {
		if (opt.to_stdout) {
			warn_msg("%s: %s has more than one entry--rest ignored\n",
				 program_name, f->ifname);
		} else {
			fprintf(stderr, "%s: %s has more than one entry -- unchanged\n",
				program_name, f->ifname);
			err = 1;
		}
	}
	return member_verdict(err);
}
