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

#include "replay.h"

struct inbuf {
	int fd;
	const char *name;	/* for messages */
	uint8_t *buf;
	size_t cap;
	size_t pos, len;	/* unread bytes are buf[pos..len) */
	int64_t total;		/* bytes handed out so far (from fd or replay) */
	int eof;		/* nothing more: fd at its end, replay done */
	int fd_eof;		/* fd returned end of file */
	struct replay *rp;	/* bytes to hand out before fd's, or to keep */
	int recording;		/* bytes read from fd go to rp too */
	int64_t record_start;	/* offset of rp's first byte */
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
/* The byte k places after the next one (0: the next), not consumed, or
 * -1 when the input ends first (k < cap). */
int inbuf_peek(struct inbuf *in, size_t k);
/* Next byte; the end of input is fatal ("unexpected end of file"). */
uint8_t inbuf_byte(struct inbuf *in);
/* Bytes consumed so far (read minus still buffered). */
int64_t inbuf_offset(const struct inbuf *in);
/* Keep a copy of everything from the current offset on, in rp (for an
 * input that cannot seek back); nothing is kept while rp is replayed. */
void inbuf_record(struct inbuf *in, struct replay *rp);
void inbuf_record_stop(struct inbuf *in);
/* Go back to where inbuf_record() began: the next bytes come from the
 * copy, then from fd again. 0, or -1 when there is no complete copy. */
int inbuf_replay(struct inbuf *in);

#endif
