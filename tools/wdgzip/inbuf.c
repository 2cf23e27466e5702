/* SPDX-License-Identifier: MIT */
/* inbuf.c - buffered input, see inbuf.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inbuf.h"
#include "wdgzip.h"

int inbuf_init(struct inbuf *in, size_t cap)
{
	memset(in, 0, sizeof(*in));
	in->buf = malloc(cap);
	in->cap = cap;
	in->fd = -1;
	return in->buf ? 0 : -1;
}

void inbuf_reset(struct inbuf *in, int fd, const char *name)
{
	in->fd = fd;
	in->name = name;
	in->pos = in->len = 0;
	in->total = 0;
	in->eof = 0;
	in->fd_eof = 0;
	in->rp = NULL;
	in->recording = 0;
}

void inbuf_free(struct inbuf *in)
{
	free(in->buf);
	in->buf = NULL;
}

ssize_t read_input(int fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);
		int fl;

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		/* inputs are opened O_NONBLOCK (as gzip does, so that opening
		 * a FIFO cannot hang): now wait for the data after all */
		fl = fcntl(fd, F_GETFL);
		if (fl < 0 || !(fl & O_NONBLOCK) ||
		    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
			errno = EAGAIN;
			return -1;
		}
	}
}

size_t inbuf_fill(struct inbuf *in)
{
	ssize_t n = 0;

	if (in->eof)
		return 0;
	/* the bytes already read stay in the buffer while it has room: a
	 * stream cut short is looked at again (tablecheck.c) */
	if (in->pos && in->len > in->cap / 2) {
		memmove(in->buf, in->buf + in->pos, in->len - in->pos);
		in->len -= in->pos;
		in->pos = 0;
	}
	if (in->len == in->cap)
		return 0;
	if (in->rp && in->rp->pos < in->rp->len) {
		n = replay_read(in->rp, in->buf + in->len, in->cap - in->len);
		if (n < 0)
			read_error(in->name, errno);
	} else if (!in->fd_eof) {
		n = read_input(in->fd, in->buf + in->len, in->cap - in->len);
		if (n < 0)
			read_error(in->name, errno);
		if (n == 0)
			in->fd_eof = 1;
		else if (in->recording)
			replay_add(in->rp, in->buf + in->len, (size_t)n);
	}
	if (n == 0) {
		in->eof = 1;
		return 0;
	}
	in->len += (size_t)n;
	in->total += n;
	return (size_t)n;
}

int inbuf_try_byte(struct inbuf *in)
{
	if (in->pos == in->len && inbuf_fill(in) == 0)
		return -1;
	return in->buf[in->pos++];
}

int inbuf_peek(struct inbuf *in, size_t k)
{
	while (in->len - in->pos <= k)
		if (inbuf_fill(in) == 0)
			return -1;
	return in->buf[in->pos + k];
}

uint8_t inbuf_byte(struct inbuf *in)
{
	int c = inbuf_try_byte(in);

	if (c < 0)
		read_error(in->name, 0);
	return (uint8_t)c;
}

int64_t inbuf_offset(const struct inbuf *in)
{
	return in->total - (int64_t)(in->len - in->pos);
}

void inbuf_record(struct inbuf *in, struct replay *rp)
{
	/* bytes still to replay came from a copy made for the device: the
	 * decoder is in software now and cannot need another one */
	if (in->rp && in->rp->pos < in->rp->len)
		return;
	replay_clear(rp);
	replay_add(rp, in->buf + in->pos, in->len - in->pos);
	in->rp = rp;
	in->recording = 1;
	in->record_start = inbuf_offset(in);
}

void inbuf_record_stop(struct inbuf *in)
{
	in->recording = 0;
}

int inbuf_replay(struct inbuf *in)
{
	if (!in->recording || replay_rewind(in->rp) != 0)
		return -1;
	in->recording = 0;
	in->pos = in->len = 0;
	in->total = in->record_start;
	in->eof = 0;
	return 0;
}
