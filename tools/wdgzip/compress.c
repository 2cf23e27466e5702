/* SPDX-License-Identifier: MIT */
/*
 * compress.c - one gzip member from the input: header (name and mtime as
 * gzip stores them), the deflate data from the codec in large blocks (the
 * codec cuts each block in pieces for several engines), then CRC-32 and
 * length.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "gzheader.h"
#include "inbuf.h"
#include "wdgzip.h"

/*
 * Input per codec call: big enough to keep every engine busy between the
 * sync flushes that end each block. The next block is read (and its CRC
 * computed) by a helper thread while the engines compress this one.
 */
#define BLOCK_SIZE	(8u << 20)

struct block {
	int fd;
	uint8_t *mem;		/* DEFLATER_HEADROOM, then buf */
	uint8_t *buf;
	size_t len;		/* bytes read */
	int err;		/* errno of a failed read, or 0 */
	uint32_t crc;		/* CRC-32 of buf[0..len) */
	pthread_t thread;
};

/* Fill the block as far as possible (0 bytes: the end of the input). */
static void *read_block(void *arg)
{
	struct block *b = arg;

	b->len = 0;
	b->err = 0;
	while (b->len < BLOCK_SIZE) {
		ssize_t n = read_input(b->fd, b->buf + b->len,
				       BLOCK_SIZE - b->len);

		if (n < 0) {
			b->err = errno;
			break;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	b->crc = gz_crc32(0, b->buf, b->len);
	return NULL;
}

static void read_start(struct block *b)
{
	/* without a thread, read in line: slower, never wrong */
	if (pthread_create(&b->thread, NULL, read_block, b) != 0) {
		read_block(b);
		b->thread = pthread_self();
	}
}

static void read_wait(struct block *b, const char *name)
{
	if (!pthread_equal(b->thread, pthread_self()))
		pthread_join(b->thread, NULL);
	if (b->err)
		read_error(name, b->err);
}

static uint32_t header_mtime(const struct gz_file *f)
{
	if (f->mtime.tv_nsec < 0)
		return 0;
	if (f->mtime.tv_sec > 0 && f->mtime.tv_sec <= 0xffffffffLL)
		return (uint32_t)f->mtime.tv_sec;
	warn_msg("%s: %s: warning: file timestamp out of range for gzip format\n",
		 program_name, f->ifname);
	return 0;
}

static void no_memory(void)
{
	fprintf(stderr, "%s: memory exhausted\n", program_name);
	abort_gzip();
}

int compress_file(struct gz_file *f)
{
	struct obuf out = { 0 };
	struct block blk[2], *cur = &blk[0], *next = &blk[1], *t;
	struct deflater *d;
	uint32_t crc = 0;
	int last;

	memset(blk, 0, sizeof(blk));
	blk[0].fd = blk[1].fd = f->ifd;
	/* the deflater's scratch room goes before each block */
	blk[0].mem = malloc(DEFLATER_HEADROOM + BLOCK_SIZE);
	blk[1].mem = malloc(DEFLATER_HEADROOM + BLOCK_SIZE);
	blk[0].buf = blk[0].mem + DEFLATER_HEADROOM;
	blk[1].buf = blk[1].mem + DEFLATER_HEADROOM;
	if (!blk[0].mem || !blk[1].mem ||
	    obuf_reserve(&out, 10 + strlen(f->ifname) + 1 + 8))
		no_memory();
	out.len = gz_header(out.data,
			    save_orig_name ? base_name(f->ifname) : NULL,
			    header_mtime(f), opt.level);
	f->header_bytes = (int64_t)out.len + 8;
	d = deflater_new(opt.level, opt.processes, opt.rsyncable);
	if (!d)
		no_memory();
	f->bytes_in = 0;
	f->bytes_out = 0;
	read_start(cur);
	read_wait(cur, f->ifname);
	do {
		last = cur->len < BLOCK_SIZE;
		if (!last)
			read_start(next);
		crc = gz_crc32_combine(crc, cur->crc, cur->len);
		f->bytes_in += (int64_t)cur->len;
		if (deflater_block(d, cur->buf, cur->len, last, &out) != CODEC_OK)
			no_memory();
		if (last) {
			if (obuf_reserve(&out, 8))
				no_memory();
			gz_trailer(out.data + out.len, crc, (uint64_t)f->bytes_in);
			out.len += 8;
		}
		write_all(f->ofd, out.data, out.len, f->ofname);
		f->bytes_out += (int64_t)out.len;
		out.len = 0;
		if (!last) {
			read_wait(next, f->ifname);
			t = cur;
			cur = next;
			next = t;
		}
	} while (!last);
	deflater_free(d);
	obuf_free(&out);
	free(blk[0].mem);
	free(blk[1].mem);
	return EXIT_OK;
}
