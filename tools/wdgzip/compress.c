/* SPDX-License-Identifier: MIT */
/*
 * compress.c - one gzip member from the input: header (name and mtime as
 * gzip stores them), the deflate data from the codec in large blocks (the
 * codec spreads each block over several queues), then CRC-32 and length.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "gzheader.h"
#include "wdgzip.h"

/* Input per codec call: big enough to keep every engine busy. */
#define BLOCK_SIZE	(8u << 20)

/* Fill buf as far as possible; returns the bytes read (0 at the end). */
static size_t read_block(int fd, uint8_t *buf, size_t size, const char *name)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			read_error(name, errno);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return got;
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
	struct deflater *d;
	uint8_t *in;
	uint32_t crc = 0;
	size_t n;
	int last;

	in = malloc(BLOCK_SIZE);
	if (!in || obuf_reserve(&out, 10 + strlen(f->ifname) + 1 + 8))
		no_memory();
	out.len = gz_header(out.data,
			    save_orig_name ? base_name(f->ifname) : NULL,
			    header_mtime(f), opt.level);
	f->header_bytes = (int64_t)out.len + 8;
	d = deflater_new(opt.level, opt.processes);
	if (!d)
		no_memory();
	f->bytes_in = 0;
	f->bytes_out = 0;
	do {
		n = read_block(f->ifd, in, BLOCK_SIZE, f->ifname);
		last = n < BLOCK_SIZE;
		crc = gz_crc32(crc, in, n);
		f->bytes_in += (int64_t)n;
		if (deflater_block(d, in, n, last, &out) != CODEC_OK)
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
	} while (!last);
	deflater_free(d);
	obuf_free(&out);
	free(in);
	return EXIT_OK;
}
