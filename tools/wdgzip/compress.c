/* SPDX-License-Identifier: MIT */
/*
 * compress.c - one gzip member from the input: header (name and mtime as
 * gzip stores them), the deflate data from the codec in large blocks (the
 * codec cuts each block in pieces for several engines), then CRC-32 and
 * length.
 *
 * Three block buffers turn: the engines have two blocks (they take the
 * next block's pieces while the last pieces of the older one are still
 * being compressed), a helper thread reads the third and computes its
 * CRC, and this thread writes each block's output once it is complete.
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
 * Input per codec call: one piece per engine, at least 2 MiB. With two
 * blocks at the engines, every engine has a piece queued behind the one
 * it compresses, and the memory stays small: the pieces' output buffers
 * are reused while they are warm (a device checks every page it is given,
 * and a page touched for the first time is a fault).
 */
#define BLOCK_MIN	(2u << 20)
#define NR_BLOCKS	3	/* two with the engines, one being read */
/* Regular inputs smaller than this get small pieces (codec.h). */
#define SMALL_INPUT	(16u << 20)

struct block {
	int fd;
	size_t size;		/* room in buf */
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
	while (b->len < b->size) {
		ssize_t n = read_input(b->fd, b->buf + b->len,
				       b->size - b->len);

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

/* The input of one member and where it stands. */
struct reader {
	struct block blk[NR_BLOCKS];
	unsigned int posted;	/* blocks handed to the deflater */
	int eof;		/* the last block was posted */
	uint32_t crc;
};

/* Hand the block just read to the engines, start reading the next. */
static void post_next(struct reader *r, struct deflater *d,
		      struct gz_file *f)
{
	struct block *b = &r->blk[r->posted % NR_BLOCKS];

	read_wait(b, f->ifname);
	r->eof = b->len < b->size;
	r->crc = gz_crc32_combine(r->crc, b->crc, b->len);
	f->bytes_in += (int64_t)b->len;
	if (deflater_post(d, b->buf, b->len, r->eof) != CODEC_OK)
		no_memory();
	r->posted++;
	/* that buffer's block was collected before this one was posted */
	if (!r->eof)
		read_start(&r->blk[r->posted % NR_BLOCKS]);
}

int compress_file(struct gz_file *f)
{
	struct obuf out = { 0 };
	struct reader r;
	struct deflater *d;
	unsigned int i, written = 0;
	size_t piece, block;
	int last;

	memset(&r, 0, sizeof(r));
	if (obuf_reserve(&out, 10 + strlen(f->ifname) + 1 + 8))
		no_memory();
	out.len = gz_header(out.data,
			    save_orig_name ? base_name(f->ifname) : NULL,
			    header_mtime(f), opt.level);
	f->header_bytes = (int64_t)out.len + 8;
	piece = f->ifile_size >= 0 && f->ifile_size < SMALL_INPUT ?
		DEFLATE_PIECE_SMALL : DEFLATE_PIECE;
	d = deflater_new(opt.level, opt.processes, opt.rsyncable, piece);
	if (!d)
		no_memory();
	block = (size_t)deflater_engines(d) * piece;
	if (block < BLOCK_MIN)
		block = BLOCK_MIN;
	for (i = 0; i < NR_BLOCKS; i++) {
		r.blk[i].fd = f->ifd;
		r.blk[i].size = block;
		/* the deflater's scratch room goes before each block */
		r.blk[i].mem = malloc(DEFLATER_HEADROOM + block);
		if (!r.blk[i].mem)
			no_memory();
		r.blk[i].buf = r.blk[i].mem + DEFLATER_HEADROOM;
	}
	f->bytes_in = 0;
	f->bytes_out = 0;
	read_start(&r.blk[0]);
	post_next(&r, d, f);
	if (!r.eof)
		post_next(&r, d, f);
	do {
		if (deflater_collect(d, &out) != CODEC_OK)
			no_memory();
		last = ++written == r.posted && r.eof;
		if (last) {
			if (obuf_reserve(&out, 8))
				no_memory();
			gz_trailer(out.data + out.len, r.crc,
				   (uint64_t)f->bytes_in);
			out.len += 8;
		}
		write_all(f->ofd, out.data, out.len, f->ofname);
		f->bytes_out += (int64_t)out.len;
		out.len = 0;
		if (!r.eof)
			post_next(&r, d, f);
	} while (!last);
	deflater_free(d);
	obuf_free(&out);
	for (i = 0; i < NR_BLOCKS; i++)
		free(r.blk[i].mem);
	return EXIT_OK;
}
