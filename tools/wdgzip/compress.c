/* SPDX-License-Identifier: MIT */
/*
 * compress.c - one gzip member from the input: header (name and mtime as
 * gzip stores them), the raw deflate data of a wd_comp session, then
 * CRC-32 and length.
 *
 * The session does the scheduling: it cuts the stream in chunks, primes
 * each with the 32 KiB before it, spreads them over -p lanes (queues, each
 * served by its own engine), joins their output in order, and codes in
 * software what no device codes (wd_comp.h, libwd/comp/comp_par.c). It is
 * set up with WD_COMP_F_CHUNKED, so the bytes depend on the input, the
 * level and the cuts only: -p N, the engines and the timing change the
 * speed, never a byte. With --rsyncable the cuts are content-defined
 * (rsync.h) and handed to the session with wd_comp_sess_cut().
 *
 * Two block buffers turn: a helper thread reads one and computes its
 * CRC while this thread feeds the other to the session and writes what
 * comes out. The session copies what it takes, so a block is free again
 * as soon as the session has taken all of it.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wd_comp.h"
#include "codec.h"
#include "gzheader.h"
#include "inbuf.h"
#include "rsync.h"
#include "wdgzip.h"

/*
 * Chunks: each costs an engine a round trip and a priming, so big ones
 * cost fewer, and at levels 2-9 they come out smaller; at level 1 the
 * engine's coder (ISA-L) codes small chunks smaller (measured on a 100 MB
 * tar of /usr/include, /usr/share and libraries: 256 KiB chunks 0.09%
 * smaller than 1 MiB ones, in the same time). Inputs known to be small get
 * small chunks, so that every lane has some. --rsyncable cuts at the
 * latest RSYNC_MAX after the last cut, so its chunks are never cut by the
 * size. Re-measure with `make -C tools bench-gzip`.
 */
#define CHUNK		(1u << 20)
#define CHUNK_SMALL	(256u << 10)
#define SMALL_INPUT	(16u << 20)	/* regular inputs below: CHUNK_SMALL */
#define LANES_MAX	64		/* wd_comp_setup.parallel's limit */
/* Input per read: a chunk per lane, at least 2 MiB. */
#define BLOCK_MIN	(2u << 20)
#define NR_BLOCKS	2		/* one read, one fed to the session */
/* Output is written out when less room than this is left. */
#define OUT_BUF		(1u << 20)
#define OUT_LOW		(64u << 10)

_Static_assert(RSYNC_MAX <= CHUNK, "rsync cuts come before the size cuts");

struct block {
	int fd;
	size_t size;		/* room in buf */
	uint8_t *mem;		/* RSYNC_WIN of history, then buf */
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

/* The session failed where no device error can reach (wd_comp.h). */
static void deflate_error(int err)
{
	if (err == -ENOMEM)
		no_memory();
	fprintf(stderr, "%s: compression failed: %s\n", program_name,
		strerror(-err));
	abort_gzip();
}

static unsigned int lanes_wanted(void)
{
	long n = opt.processes ? (long)opt.processes :
		 sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > LANES_MAX ? LANES_MAX : (unsigned int)n;
}

/* One member's deflate data on its way out. */
struct member {
	struct gz_file *f;
	struct wd_comp_sess *sess;
	struct rsync rs;
	struct obuf out;
};

static void out_flush(struct member *m)
{
	write_all(m->f->ofd, m->out.data, m->out.len, m->f->ofname);
	m->f->bytes_out += (int64_t)m->out.len;
	m->out.len = 0;
}

/* Hand in[0..len) to the session (flush: NO_FLUSH or FINISH). */
static void feed(struct member *m, const uint8_t *in, size_t len, int flush)
{
	struct wd_comp_req req;
	int ret;

	if (!len && flush == WD_COMP_NO_FLUSH)
		return;
	for (;;) {
		if (m->out.cap - m->out.len < OUT_LOW)
			out_flush(m);
		memset(&req, 0, sizeof(req));
		req.src = in;
		req.src_len = len;
		req.dst = m->out.data + m->out.len;
		req.dst_len = m->out.cap - m->out.len;
		req.flush = flush;
		ret = wd_comp_stream(m->sess, &req);
		if (ret)
			deflate_error(ret);
		in += req.consumed;
		len -= req.consumed;
		m->out.len += req.produced;
		if (flush == WD_COMP_FINISH ? req.end : len == 0)
			return;
		if (!req.consumed && !req.produced && !req.more &&
		    req.dst_len >= OUT_LOW)
			deflate_error(-EIO);	/* no progress: cannot be */
	}
}

/* A block of input: cut where the content says with --rsyncable. */
static void feed_block(struct member *m, const uint8_t *in, size_t len)
{
	int cut, ret;

	if (!opt.rsyncable) {
		feed(m, in, len, WD_COMP_NO_FLUSH);
		return;
	}
	while (len) {
		/* rsync_scan() reads the RSYNC_WIN bytes before in */
		size_t n = rsync_scan(&m->rs, in, len, &cut);

		feed(m, in, n, WD_COMP_NO_FLUSH);
		if (cut && (ret = wd_comp_sess_cut(m->sess)) != 0)
			deflate_error(ret);
		in += n;
		len -= n;
	}
}

static struct wd_comp_sess *open_session(const struct gz_file *f,
					 unsigned int lanes)
{
	struct wd_comp_setup setup;
	struct wd_comp_sess *sess;
	int ret;

	memset(&setup, 0, sizeof(setup));
	setup.op = WD_COMP_DEFLATE;
	setup.format = WD_COMP_RAW;
	setup.level = opt.level;
	setup.parallel = lanes;
	setup.chunk_size = CHUNK;
	if (!opt.rsyncable && (opt.level == 1 || (f->ifile_size >= 0 &&
						  f->ifile_size < SMALL_INPUT)))
		setup.chunk_size = CHUNK_SMALL;
	setup.flags = WD_COMP_F_CHUNKED;
	ret = wd_comp_sess_alloc(&sess, &setup);
	if (ret)
		deflate_error(ret);
	return sess;
}

int compress_file(struct gz_file *f)
{
	struct block blk[NR_BLOCKS];
	struct member m;
	unsigned int lanes = lanes_wanted(), i, n;
	size_t block = (size_t)lanes * CHUNK;
	uint32_t crc = 0;
	int eof;

	memset(&m, 0, sizeof(m));
	memset(blk, 0, sizeof(blk));
	m.f = f;
	rsync_init(&m.rs);
	if (obuf_reserve(&m.out, OUT_BUF))
		no_memory();
	m.out.len = gz_header(m.out.data,
			      save_orig_name ? base_name(f->ifname) : NULL,
			      header_mtime(f), opt.level);
	f->header_bytes = (int64_t)m.out.len + 8;
	m.sess = open_session(f, lanes);
	if (block < BLOCK_MIN)
		block = BLOCK_MIN;
	for (i = 0; i < NR_BLOCKS; i++) {
		blk[i].fd = f->ifd;
		blk[i].size = block;
		blk[i].mem = calloc(1, RSYNC_WIN + block);
		if (!blk[i].mem)
			no_memory();
		blk[i].buf = blk[i].mem + RSYNC_WIN;
	}
	f->bytes_in = 0;
	f->bytes_out = 0;
	read_start(&blk[0]);
	for (n = 0, eof = 0; !eof; n++) {
		struct block *b = &blk[n % NR_BLOCKS], *next;

		read_wait(b, f->ifname);
		eof = b->len < b->size;
		f->bytes_in += (int64_t)b->len;
		next = &blk[(n + 1) % NR_BLOCKS];
		if (!eof) {
			/* the history rsync_scan() looks back into */
			memcpy(next->mem, b->buf + b->len - RSYNC_WIN, RSYNC_WIN);
			read_start(next);
		}
		feed_block(&m, b->buf, b->len);
		crc = gz_crc32_combine(crc, b->crc, b->len);
	}
	feed(&m, NULL, 0, WD_COMP_FINISH);
	if (m.out.cap - m.out.len < 8)
		out_flush(&m);
	gz_trailer(m.out.data + m.out.len, crc, (uint64_t)f->bytes_in);
	m.out.len += 8;
	out_flush(&m);
	wd_comp_sess_free(m.sess);
	obuf_free(&m.out);
	for (i = 0; i < NR_BLOCKS; i++)
		free(blk[i].mem);
	return EXIT_OK;
}
