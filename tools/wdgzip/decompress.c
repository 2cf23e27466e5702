/* SPDX-License-Identifier: MIT */
/*
 * decompress.c - gzip members one after the other: header, deflate data
 * (through the codec), trailer check; then either another member, the
 * end of input, or trailing zeros/garbage. Errors take gzip's paths: a
 * truncated or corrupt stream aborts the run (no partial output is kept),
 * a CRC or length mismatch aborts too except under -t, which goes on with
 * the next file. The other formats gzip reads (formats.h) are members
 * too: a pack stream may be followed by more members; after compress
 * (.Z) data or a zip entry, as after data that -cdf copies through,
 * nothing more is read.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "formats.h"
#include "gzheader.h"
#include "inbuf.h"
#include "tablecheck.h"
#include "wdgzip.h"

#define IN_SIZE		(2u << 20)
#define OUT_SIZE	(8u << 20)
#define GZIP_INBUF	(256 << 10)	/* gzip 1.12's input buffer */

static struct inbuf in;
static int in_seekable;		/* a device error is redone with lseek */
static struct replay rp;	/* otherwise from this copy */
static struct inflater *inf;
static uint8_t *outbufs[2], *outbuf;	/* outbuf: the one being filled */
static int method, part;

static void no_memory(void)
{
	fprintf(stderr, "%s: memory exhausted\n", program_name);
	abort_gzip();
}

int decompress_prepare(struct gz_file *f)
{
	struct stat st;

	if (!in.buf) {
		if (inbuf_init(&in, IN_SIZE))
			no_memory();
		replay_init(&rp);
	}
	inbuf_reset(&in, f->ifd, f->ifname);
	in_seekable = fstat(f->ifd, &st) == 0 &&
		      (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
	f->members = 0;
	f->bytes_in = f->bytes_out = 0;
	part = 1;
	method = gz_get_method(&in, f, part);
	return method < 0 ? method : 0;
}

/* Nothing left after the member just read? */
static int input_eof(void)
{
	if (in.pos < in.len)
		return 0;
	return inbuf_fill(&in) == 0;
}

/* The running state of one member's output. */
struct member {
	uint32_t crc;
	uint64_t len;		/* bytes of output so far */
	uint64_t skip;		/* output already delivered before a restart */
};

/*
 * Output is checked (CRC) and written by a helper thread while the device
 * decodes into the other of two buffers: one job at most in flight.
 */
struct writer {
	pthread_t thread;
	int active;		/* a job runs in thread */
	struct gz_file *f;
	struct member *m;
	const uint8_t *p;
	size_t n;
	int err;		/* errno of a failed write */
};

static struct writer wr;

static void *write_job(void *arg)
{
	struct writer *w = arg;
	const uint8_t *p = w->p;
	size_t n = w->n;

	w->m->crc = gz_crc32(w->m->crc, p, n);
	while (!opt.test && n) {
		ssize_t k = write(w->f->ofd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			w->err = errno;
			break;
		}
		p += k;
		n -= (size_t)k;
	}
	return NULL;
}

/* Wait for the job in flight; a write error is fatal, as in gzip. */
static void writer_wait(void)
{
	if (wr.active) {
		pthread_join(wr.thread, NULL);
		wr.active = 0;
	}
	if (wr.err)
		write_error(wr.f->ofname, wr.err);
}

/* Hand out n bytes of output at p, then decode into the other buffer. */
static void deliver(struct gz_file *f, struct member *m, const uint8_t *p,
		    size_t n)
{
	writer_wait();
	outbuf = outbufs[outbuf == outbufs[0]];
	if (m->skip) {
		size_t drop = m->skip < n ? (size_t)m->skip : n;

		p += drop;
		n -= drop;
		m->skip -= drop;
	}
	if (!n)
		return;
	m->len += n;
	f->bytes_out += (int64_t)n;
	wr.f = f;
	wr.m = m;
	wr.p = p;
	wr.n = n;
	wr.err = 0;
	if (pthread_create(&wr.thread, NULL, write_job, &wr) == 0)
		wr.active = 1;
	else
		write_job(&wr);
}

/*
 * The device failed mid-member: decode it again in software from its
 * first deflate byte, read again from the file or from the copy kept
 * while the device worked (an input that cannot seek back).
 */
static void restart_member(struct gz_file *f, struct member *m, int64_t start)
{
	int again;

	if (in_seekable) {
		again = lseek(in.fd, start, SEEK_SET) == start;
		in.pos = in.len = 0;
		in.total = start;
		in.eof = in.fd_eof = 0;
	} else {
		again = inbuf_replay(&in) == 0;
	}
	if (!again) {
		fprintf(stderr, "\n%s: %s: device error, and the input cannot be read again\n",
			program_name, f->ifname);
		abort_gzip();
	}
	/* crc and len already cover what was delivered: skip it */
	m->skip = m->len;
	if (inflater_reset(inf) != CODEC_OK)
		no_memory();
}

void dec_corrupt(struct gz_file *f, const char *msg)
{
	writer_wait();
	fprintf(stderr, "\n%s: %s: %s\n", program_name, f->ifname, msg);
	abort_gzip();
}

/* Where the member's deflate data, which began at start, can be read
 * again: from the file, or from the buffer while it still holds all of
 * it. 0, or -1 when it cannot. */
static int cut_source(struct table_source *s, int64_t start)
{
	s->fd = in.fd;
	s->mem = NULL;
	s->start = start;
	s->end = in.total;
	if (in_seekable)
		return 0;
	s->mem_start = in.total - (int64_t)in.len;
	if (start < s->mem_start)
		return -1;
	s->mem = in.buf;
	return 0;
}

static void emit_output(void *arg, const uint8_t *p, size_t n)
{
	dec_output(arg, p, n);
}

/* The input ended inside the deflate data: as gzip, hand out what was
 * decoded, then fail (unless gzip would have failed earlier on a bad
 * table: then with its message, as for any corrupt data). The device may
 * have kept back the last bytes it decoded: zlib decodes them again. */
static void truncated(struct gz_file *f, struct member *m, size_t olen,
		      int64_t start)
{
	struct table_source s;
	int have = cut_source(&s, start) == 0;

	if (have && deflate_bad_table(&s))
		dec_corrupt(f, "invalid compressed data--format violated");
	deliver(f, m, outbuf, olen);
	writer_wait();
	if (have && inflater_on_device(inf))
		deflate_cut_tail(&s, m->len, emit_output, f);
	read_error(f->ifname, 0);
}

static void inflate_data(struct gz_file *f, struct member *m)
{
	int64_t start = inbuf_offset(&in);
	size_t olen = 0, used, made;
	int end = 0, ret, full = 0;

	if (inflater_reset(inf) != CODEC_OK)
		no_memory();
	if (!in_seekable && inflater_on_device(inf))
		inbuf_record(&in, &rp);
	while (!end) {
		/* after a full buffer the decoder may hold more output: let it
		 * flush it before deciding that the input is too short */
		if (in.pos == in.len && !full && inbuf_fill(&in) == 0)
			truncated(f, m, olen, start);
		ret = inflater_step(inf, in.buf + in.pos, in.len - in.pos,
				    outbuf + olen, OUT_SIZE - olen, &used, &made,
				    &end);
		if (ret == CODEC_DATA_ERROR)
			dec_corrupt(f, "invalid compressed data--format violated");
		if (ret == CODEC_DEVICE_ERROR) {
			deliver(f, m, outbuf, olen);
			writer_wait();
			olen = 0;
			full = 0;
			restart_member(f, m, start);
			continue;
		}
		if (ret != CODEC_OK)
			no_memory();
		in.pos += used;
		olen += made;
		full = olen == OUT_SIZE;
		if (full || end) {
			deliver(f, m, outbuf, olen);
			olen = 0;
		}
		/* no progress with input left: it must be incomplete */
		if (!used && !made && !end && in.pos < in.len &&
		    inbuf_fill(&in) == 0)
			truncated(f, m, olen, start);
	}
	inbuf_record_stop(&in);
}

static void inflate_setup(void)
{
	if (!inf && !(inf = inflater_new()))
		no_memory();
	if (!outbufs[0]) {
		outbufs[0] = malloc(OUT_SIZE);
		outbufs[1] = malloc(OUT_SIZE);
		if (!outbufs[0] || !outbufs[1])
			no_memory();
		outbuf = outbufs[0];
	}
}

uint32_t dec_inflate(struct gz_file *f, uint64_t *len)
{
	struct member m = { 0, 0, 0 };

	inflate_setup();
	inflate_data(f, &m);
	writer_wait();
	*len = m.len;
	return m.crc;
}

void dec_output(struct gz_file *f, const uint8_t *p, size_t n)
{
	writer_wait();
	f->bytes_out += (int64_t)n;
	if (!opt.test)
		write_all(f->ofd, p, n, f->ofname);
}

/*
 * A member's trailer check said err (already reported): as gzip, a bad
 * member fails the run; with -t the next file is still tested, otherwise
 * the partial output is removed and the run stops.
 */
int member_verdict(int err)
{
	if (!err)
		return EXIT_OK;
	exit_code = EXIT_ERROR;
	if (!opt.test)
		abort_gzip();
	return EXIT_ERROR;
}

static int inflate_member(struct gz_file *f)
{
	struct member m = { 0, 0, 0 };
	uint32_t want_crc = 0, want_len = 0;
	int i, err = 0;

	inflate_data(f, &m);
	writer_wait();		/* m.crc is complete */
	for (i = 0; i < 4; i++)
		want_crc |= (uint32_t)inbuf_byte(&in) << (8 * i);
	for (i = 0; i < 4; i++)
		want_len |= (uint32_t)inbuf_byte(&in) << (8 * i);
	f->list_crc = want_crc;
	f->members++;
	if (want_crc != m.crc) {
		fprintf(stderr, "\n%s: %s: invalid compressed data--crc error\n",
			program_name, f->ifname);
		err = 1;
	}
	if (want_len != (uint32_t)m.len) {
		fprintf(stderr, "\n%s: %s: invalid compressed data--length error\n",
			program_name, f->ifname);
		err = 1;
	}
	return member_verdict(err);
}

static int copy_through(struct gz_file *f)
{
	do {
		write_all(f->ofd, in.buf + in.pos, in.len - in.pos, f->ofname);
		f->bytes_out += (int64_t)(in.len - in.pos);
		in.pos = in.len;
	} while (inbuf_fill(&in));
	f->bytes_in = in.total;
	return EXIT_OK;
}

/* The member gz_get_method() found; *last: nothing is read after it. */
static int decode_member(struct gz_file *f, int *last)
{
	*last = 1;
	switch (method) {
	case GZ_DEFLATED:
		*last = 0;
		inflate_setup();
		return inflate_member(f);
	case GZ_PACKED:
		*last = 0;
		return unpack(&in, f);
	case GZ_LZW:
		return unlzw(&in, f);
	case GZ_ZIP_STORED:
	case GZ_ZIP_DEFLATED:
		return unzip(&in, f, method);
	default:
		return copy_through(f);
	}
}

int decompress_file(struct gz_file *f)
{
	int ret, last;

	for (;;) {
		ret = decode_member(f, &last);
		if (ret != EXIT_OK || last || input_eof())
			break;
		method = gz_get_method(&in, f, ++part);
		if (method == GZ_NOT_GZIP)
			ret = EXIT_ERROR;
		if (method < 0)
			break;
		f->bytes_out = 0;	/* gzip reports the last member */
	}
	f->bytes_in = in.total;
	if (method == GZ_ZIP_STORED || method == GZ_ZIP_DEFLATED) {
		/* gzip stops reading after the entry: it has read whole
		 * buffers of GZIP_INBUF up to there, which -l shows */
		int64_t seen = (inbuf_offset(&in) + GZIP_INBUF - 1) /
			       GZIP_INBUF * GZIP_INBUF;

		if (seen < f->bytes_in)
			f->bytes_in = seen;
	}
	return ret;
}

/* The outcome of the last decompress_file(): a GZ_* code. */
int decompress_last_method(void)
{
	return method;
}
