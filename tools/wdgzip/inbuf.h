/* SPDX-License-Identifier: MIT */
/*
 * inbuf.h - buffered input with byte access (headers, trailers) and bulk
 * access (compressed data handed to the codec).
 */
#ifndef WDGZIP_INBUF_H
#define WDGZIP_INBUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct inbuf {
	int fd;
	const char *name;	/* for messages */
	uint8_t *buf;
	size_t cap;
	size_t pos, len;	/* unread bytes are buf[pos..len) */
	int64_t total;		/* bytes read from fd so far */
	int eof;
};

/* read(2) that retries on EINTR and waits on an O_NONBLOCK input. */
ssize_t read_input(int fd, void *buf, size_t len);

int inbuf_init(struct inbuf *in, size_t cap);
void inbuf_reset(struct inbuf *in, int fd, const char *name);
void inbuf_free(struct inbuf *in);
/* Read more (after moving the unread bytes to the front). Returns the
 * number of bytes added, 0 at end of input; a read error is fatal. */
size_t inbuf_fill(struct inbuf *in);
/* Next byte, or -1 at end of input. */
int inbuf_try_byte(struct inbuf *in);
/* Next byte; the end of input is fatal ("unexpected end of file"). */
uint8_t inbuf_byte(struct inbuf *in);
/* Bytes consumed so far (read minus still buffered). */
int64_t inbuf_offset(const struct inbuf *in);

#endif
