/* SPDX-License-Identifier: MIT */
/*
 * gzheader.h - gzip member header and trailer (RFC 1952), and the member
 * detection of gzip's get_method(): magic, flags, stored name and mtime,
 * header CRC, trailing zeros and garbage after the last member.
 */
#ifndef WDGZIP_GZHEADER_H
#define WDGZIP_GZHEADER_H

#include <stddef.h>
#include <stdint.h>

#include "inbuf.h"
#include "wdgzip.h"

#define GZ_DEFLATED	8

/* get_method() results besides GZ_DEFLATED (a gzip member). The numbers
 * of the other formats are gzip's, for -l: 1 compr, 2 pack. */
#define GZ_LZW		1	/* compress(1) .Z data (unlzw.c) */
#define GZ_PACKED	2	/* pack(1) .z data (unpack.c) */
#define GZ_ZIP_STORED	10	/* first entry of a zip file (unzip.c) */
#define GZ_ZIP_DEFLATED	11
#define GZ_COPY		100	/* -cf on non-gzip data: copy it through */
#define GZ_NOT_GZIP	(-1)	/* error reported */
#define GZ_GARBAGE	(-2)	/* trailing garbage: warning reported */
#define GZ_ZEROS	(-3)	/* trailing zero bytes */

/* Header bytes of the last header read (gzip's global header_bytes: -l
 * totals use it, whatever file it came from). */
extern int64_t gz_last_header_bytes;

/* Write a member header; returns its length (at most 10 + name + 1). */
size_t gz_header(uint8_t *buf, const char *name, uint32_t mtime, int level);
/* Little-endian trailer: CRC-32 and length mod 2^32. */
void gz_trailer(uint8_t *buf, uint32_t crc, uint64_t len);

/*
 * Read the next member's header from in (or, for the other formats, only
 * their magic bytes; a zip file's local header too). part is the member number
 * (1 = first). May replace the base name of f->ofname by the stored name
 * (-N) and f->mtime by the stored mtime.
 */
int gz_get_method(struct inbuf *in, struct gz_file *f, int part);

#endif
