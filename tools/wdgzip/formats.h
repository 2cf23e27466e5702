/* SPDX-License-Identifier: MIT */
/*
 * formats.h - the other inputs that gzip -d reads besides gzip members:
 * compress(1) .Z data (LZW, unlzw.c), pack(1) .z data (Huffman,
 * unpack.c) and the first entry of a .zip file (stored or deflated,
 * unzip.c). Each decoder starts after the magic bytes that gz_get_method()
 * recognised, takes its input from in, and hands its output to
 * dec_output(). Corrupt data ends the run with gzip's message (status 1,
 * no partial output file), as gzip does.
 */
#ifndef WDGZIP_FORMATS_H
#define WDGZIP_FORMATS_H

#include <stddef.h>
#include <stdint.h>

#include "inbuf.h"
#include "wdgzip.h"

/* decompress.c: write n bytes of output (not under -t), count them in
 * f->bytes_out. */
void dec_output(struct gz_file *f, const uint8_t *p, size_t n);
/* decompress.c: one raw deflate stream from in, its output delivered;
 * returns its CRC-32 and length (corrupt data ends the run). */
uint32_t dec_inflate(struct gz_file *f, uint64_t *len);
/* decompress.c: end the run with "\nprog: name: MSG", as gzip_error(). */
void dec_corrupt(struct gz_file *f, const char *msg)
	__attribute__((noreturn));

/* unlzw.c: the data after 1f 9d. EXIT_OK, or EXIT_ERROR (reported, the
 * output is to be removed) for a bit count it cannot handle. */
int unlzw(struct inbuf *in, struct gz_file *f);
/* unpack.c: the data after 1f 1e. Returns EXIT_OK (errors end the run). */
int unpack(struct inbuf *in, struct gz_file *f);
/*
 * unzip.c: zip_check() reads the local header of the first entry (in
 * starts at its "PK\3\4"); returns GZ_ZIP_STORED, GZ_ZIP_DEFLATED, or
 * GZ_NOT_GZIP (reported). unzip() then decodes the entry and checks its
 * CRC and length: EXIT_OK or EXIT_ERROR (reported; under -t the run goes
 * on).
 */
int zip_check(struct inbuf *in, struct gz_file *f);
int unzip(struct inbuf *in, struct gz_file *f, int method);

#endif
