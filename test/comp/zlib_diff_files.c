// SPDX-License-Identifier: MIT
/*
 * zlib_diff_files.c - the scenarios of zlib_diff.h beyond streams:
 * compress and uncompress, gz* writing and reading (files are memfds, one
 * per side), and inflateBack.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "zlib_diff.h"

/* compress, compress2, compressBound, uncompress, uncompress2. */
void zd_run_compress(struct zd_ctx *c)
{
	size_t len = zd_size(c, 300000);
	uint8_t *data = zd_alloc(len), *out[2], *z;
	uLong bound[2], dl[2], sl[2], zlen, room;
	int level = (int)zd_pick(c, 12) - 1, r[2], i, which = (int)zd_pick(c, 2);
	const char *why;

	zd_fill(c, data, len);
	for (i = 0; i < 2; i++) {
		const struct zd_lib *L = i ? c->ref : c->sh;

		bound[i] = L->compressBound(len);
		out[i] = zd_alloc(bound[i] + len + 64);
	}
	ZD_CHECK(c, bound[0] == bound[1], "compressBound(%zu): %lu/%lu", len, bound[0], bound[1]);
	room = zd_pick(c, 3) ? bound[1] : zd_pick(c, (uint32_t)bound[1] + 2);
	for (i = 0; i < 2; i++) {
		const struct zd_lib *L = i ? c->ref : c->sh;

		dl[i] = room;
		r[i] = which && level == -1 ? L->compress(out[i], &dl[i], data, len) :
		       L->compress2(out[i], &dl[i], data, len, level);
	}
	zd_trace(c, "compress%s(level %d) of %zu bytes into %lu: shim %d (%lu) zlib %d (%lu)",
		 which && level == -1 ? "" : "2", level, len, room, r[0], dl[0], r[1], dl[1]);
	/* ZD_DOCUMENTED: the device's bytes may fit where zlib's do not */
	if (ZD_CHECK(c, r[0] == r[1] || (r[0] == Z_OK && r[1] == Z_BUF_ERROR),
		     "compress: shim %d, zlib %d", r[0], r[1]))
		goto out;
	if (r[0] == Z_OK) {
		why = zd_ref_inflates_to(15, out[0], dl[0], data, len, NULL, 0);
		if (ZD_CHECK(c, !why, "zlib reads compress()'s stream: it %s", why))
			goto out;
	}
	if (r[0] == Z_OK && room >= bound[1] && level >= -1 && level <= 9) {
		/* one deflate(Z_FINISH) of the shim: the same bytes */
		z_stream zs;
		uint8_t *o = zd_alloc(bound[0] + 64);

		memset(&zs, 0, sizeof(zs));
		deflateInit(&zs, level);
		zs.next_in = (Bytef *)data;
		zs.avail_in = (uInt)len;
		zs.next_out = o;
		zs.avail_out = (uInt)bound[0] + 64;
		i = deflate(&zs, Z_FINISH);
		zd_trace(c, "deflate(level %d) of the same: %d, %lu bytes", level, i, zs.total_out);
		zd_bad(c, i == Z_STREAM_END && zs.total_out == dl[0] && !memcmp(o, out[0], dl[0]),
		       ZD_H2_COMPRESS, "compress2 gave %lu bytes, one deflate(Z_FINISH) %lu, or other ones",
		       dl[0], zs.total_out);
		deflateEnd(&zs);
		free(o);
		if (c->failed)
			goto out;
	}
	/* uncompress stock zlib's bytes, corrupted or cut or not */
	z = zd_alloc(bound[1] + 1);
	zlen = bound[1];
	c->ref->compress2(z, &zlen, data, len, level < -1 || level > 9 ? 6 : level);
	switch (zd_pick(c, 6)) {
	case 0:
		if (zlen)
			z[zd_pick(c, (uint32_t)zlen)] ^= (uint8_t)(1 + zd_pick(c, 255));
		break;
	case 1:
		zlen = zd_pick(c, (uint32_t)zlen + 1);
		break;
	case 2:
		z[zlen++] = 'x';
		break;
	}
	room = zd_pick(c, 2) ? len : zd_pick(c, 3) ? zd_pick(c, (uint32_t)len + 1) : len + 7;
	for (which = 0; which < 2; which++) {
		for (i = 0; i < 2; i++) {
			const struct zd_lib *L = i ? c->ref : c->sh;

			dl[i] = room;
			sl[i] = zlen;
			memset(out[i], 0, len + 8);
			r[i] = which ? L->uncompress2(out[i], &dl[i], z, &sl[i]) :
			       L->uncompress(out[i], &dl[i], z, zlen);
		}
		zd_trace(c, "uncompress%s of %lu bytes into %lu: shim %d (%lu, %lu) zlib %d (%lu, %lu)",
			 which ? "2" : "", zlen, room, r[0], dl[0], sl[0], r[1], dl[1], sl[1]);
		/* ZD_DOCUMENTED: a full output may have taken other input */
		if (r[0] == Z_BUF_ERROR && r[1] == Z_BUF_ERROR && dl[0] == room && dl[1] == room)
			sl[0] = sl[1];
		/* the input held back is not reported at Z_DATA_ERROR either */
		if (which && r[0] == Z_DATA_ERROR && r[1] == Z_DATA_ERROR && dl[0] == dl[1] &&
		    sl[0] < sl[1] && !memcmp(out[0], out[1], dl[0])) {
			zd_bad(c, 0, ZD_H1_HELD, "uncompress2 at Z_DATA_ERROR: sourceLen %lu, "
			       "zlib %lu", sl[0], sl[1]);
			sl[0] = sl[1];
		}
		if (ZD_CHECK(c, r[0] == r[1] && dl[0] == dl[1] && sl[0] == sl[1],
			     "uncompress%s: shim %d %lu %lu, zlib %d %lu %lu", which ? "2" : "",
			     r[0], dl[0], sl[0], r[1], dl[1], sl[1]) ||
		    ZD_CHECK(c, !memcmp(out[0], out[1], dl[0]), "uncompress: other bytes"))
			break;
	}
	free(z);
out:
	free(out[0]);
	free(out[1]);
	free(data);
}

/* ------------------------------------------------------------------ */
/* gz*                                                                 */

static int zd_memfd(const uint8_t *p, size_t n)
{
	int fd = memfd_create("zlib_diff", MFD_CLOEXEC);

	if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n)) {
		perror("zlib_diff: memfd");
		abort();
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* A new descriptor of the same file, with its own offset. */
static int zd_reopen(int fd, int flags)
{
	char path[64];
	int nfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, flags | O_CLOEXEC);
	if (nfd < 0) {
		perror("zlib_diff: reopen");
		abort();
	}
	return nfd;
}

/* All of the file fd holds, as stock zlib's gz reads it. */
static uint8_t *zd_gz_slurp(int fd, size_t *len, int *err)
{
	gzFile f = zd_ref_lib.gzdopen(zd_reopen(fd, O_RDONLY), "rb");
	size_t cap = 1u << 16, n = 0;
	uint8_t *p = zd_alloc(cap);
	int r;

	*err = 0;
	while (f) {
		if (n == cap) {
			p = realloc(p, cap *= 2);
			if (!p)
				abort();
		}
		r = zd_ref_lib.gzread(f, p + n, (unsigned)(cap - n));
		if (r <= 0) {
			zd_ref_lib.gzerror(f, err);
			break;
		}
		n += (size_t)r;
	}
	if (f)
		zd_ref_lib.gzclose(f);
	*len = n;
	return p;
}

static const char *zd_gz_wmode(struct zd_ctx *c)
{
	static const char *const m[] = { "wb", "wb9", "wb1", "ab", "wb0", "wbf", "wbh",
					 "wbR", "wbF", "wbT", "w", "wb6h", "wbx", "rwb" };

	return m[zd_pick(c, zd_pick(c, 3) ? 5 : sizeof(m) / sizeof(*m))];
}

/* The same writes through both sides' gz*. */
void zd_run_gzwrite(struct zd_ctx *c)
{
	size_t len = zd_size(c, 300000), pos = 0, got[2];
	uint8_t *data = zd_alloc(len), *back[2];
	const char *mode = zd_gz_wmode(c);
	int fd[2], r[2], i, n, k, nops = 1 + (int)zd_pick(c, 40), err[2], wrote = 0;
	gzFile f[2];

	zd_fill(c, data, len);
	for (i = 0; i < 2; i++) {
		fd[i] = zd_memfd(NULL, 0);
		f[i] = (i ? c->ref : c->sh)->gzdopen(zd_reopen(fd[i], O_WRONLY), mode);
	}
	zd_trace(c, "gzdopen(\"%s\"): shim %p zlib %p", mode, (void *)f[0], (void *)f[1]);
	if (ZD_CHECK(c, !f[0] == !f[1], "gzdopen(%s) differs", mode) || !f[0]) {
		for (i = 0; i < 2; i++)
			if (f[i])
				(i ? c->ref : c->sh)->gzclose(f[i]);
		goto out;
	}
	for (n = 0; n < nops && !c->failed && !zd_dry(c); n++) {
		int k = (int)zd_pick(c, 16), a = 0, b = 0;
		size_t sz = zd_size(c, len - pos);
		char text[64];

		/*
		 * Stock zlib 1.2.13 writes its uninitialised input buffer when a
		 * seek is the first thing done and gzflush, gzsetparams or
		 * gzclose come next (gz_zero zeroes the buffer only when it was
		 * there before): seek once something was written.
		 */
		if (k == 10 && !wrote)
			k = 0;
		/*
		 * Stock zlib 1.2.13's gzsetparams on a transparent file ("T")
		 * calls deflateParams on a stream never initialised (it reads a
		 * garbage state): none there.
		 */
		if (k == 9 && strchr(mode, 'T'))
			k = 13;
		switch (k) {	/* the arguments, the same for both sides */
		case 4: a = 1 + (int)zd_pick(c, 5); break;
		case 5: a = (int)zd_pick(c, 256); break;
		case 7: a = (int)zd_pick(c, 100000); break;
		case 8: a = (int)zd_pick(c, 8) - 1; break;
		case 9: a = (int)zd_pick(c, 12) - 1; b = (int)zd_pick(c, 6); break;
		case 10: a = (int)zd_pick(c, 3000) - 100; b = (int)zd_pick(c, 2); break;
		/* stock zlib loops for ever on a sync flush into a buffer
		 * of a few bytes (its flush markers never fit): 64 and up */
		case 12: a = 64 + (int)zd_pick(c, 1u << 17); break;
		case 14: b = (int)zd_pick(c, 2); break;
		}
		snprintf(text, sizeof(text), "line %u\n", a);
		for (i = 0; i < 2; i++) {
			const struct zd_lib *L = i ? c->ref : c->sh;

			switch (zd_skip(n) ? 13 : k) {
			case 0: case 1: case 2: case 3:
				r[i] = L->gzwrite(f[i], data + pos, (unsigned)sz);
				break;
			case 4:
				r[i] = (int)L->gzfwrite(data + pos, (z_size_t)a, sz / (size_t)a, f[i]);
				break;
			case 5:
				r[i] = L->gzputc(f[i], a);
				break;
			case 6:
				r[i] = L->gzputs(f[i], text);
				break;
			case 7:
				r[i] = L->gzprintf(f[i], "%d:%s|%c%5.2f\n", a, "str", 'q', a / 7.0);
				break;
			case 8:
				r[i] = L->gzflush(f[i], a);
				break;
			case 9:
				r[i] = L->gzsetparams(f[i], a, b);
				break;
			case 10:	/* forward writes zeros; back fails */
				r[i] = (int)(b ? L->gzseek(f[i], a, SEEK_CUR) :
					     L->gzseek(f[i], L->gztell(f[i]) + a, SEEK_SET));
				break;
			case 11:	/* gzoffset: compressed bytes, not compared */
				r[i] = (int)L->gztell(f[i]);
				break;
			case 12:
				r[i] = L->gzbuffer(f[i], (unsigned)a);
				break;
			case 13:
				r[i] = L->gzdirect(f[i]) * 4 + L->gzeof(f[i]) * 2;
				break;
			case 14:
				L->gzerror(f[i], &r[i]);
				if (b)
					L->gzclearerr(f[i]);
				break;
			default:
				r[i] = L->gzread(f[i], text, sizeof(text));
				break;
			}
		}
		zd_trace(c, "gz op %d (%zu, %d, %d): shim %d zlib %d", k, sz, a, b, r[0], r[1]);
		ZD_CHECK(c, r[0] == r[1], "gz write op %d: shim %d, zlib %d", k, r[0], r[1]);
		if (k < 5 && r[1] > 0)
			pos += k == 4 ? (size_t)r[1] * (size_t)a : (size_t)r[1];
		wrote |= k < 8 && r[1] > 0;
	}
	k = (int)zd_pick(c, 2);
	for (i = 0; i < 2; i++) {
		const struct zd_lib *L = i ? c->ref : c->sh;

		r[i] = k ? L->gzclose(f[i]) : L->gzclose_w(f[i]);
	}
	zd_trace(c, "gzclose: shim %d zlib %d", r[0], r[1]);
	if (ZD_CHECK(c, r[0] == r[1], "gzclose: shim %d, zlib %d", r[0], r[1]))
		goto out;
	for (i = 0; i < 2; i++)
		back[i] = zd_gz_slurp(fd[i], &got[i], &err[i]);
	zd_trace(c, "read back by zlib: %zu bytes (err %d) / %zu (err %d)", got[0], err[0],
		 got[1], err[1]);
	for (pos = 0; pos < got[0] && pos < got[1] && back[0][pos] == back[1][pos]; pos++)
		;

	ZD_CHECK(c, got[0] == got[1] && err[0] == err[1] && pos == got[0],
		 "the shim's gz file reads back as %zu bytes (err %d), zlib's %zu (err %d), "
		 "the same up to %zu", got[0], err[0], got[1], err[1], pos);
	free(back[0]);
	free(back[1]);
out:
	close(fd[0]);
	close(fd[1]);
	free(data);
}

/* The contents of a file to read: gzip members, or not gzip at all. */
static void zd_gz_file(struct zd_ctx *c, struct zd_zin *in)
{
	switch (zd_pick(c, 8)) {
	case 0:		/* plain bytes: gzdirect */
		memset(in, 0, sizeof(*in));
		in->zlen = in->rawlen = zd_size(c, 100000);
		in->z = zd_alloc(in->zlen);
		in->raw = zd_alloc(in->zlen);
		zd_fill(c, in->z, in->zlen);
		memcpy(in->raw, in->z, in->zlen);
		zd_trace(c, "input: %zu plain bytes", in->zlen);
		break;
	default:
		zd_make_input(c, in, zd_pick(c, 2) ? 31 : 25);
		break;
	}
}

/* The same reads through both sides' gz* of the same file. */
void zd_run_gzread(struct zd_ctx *c)
{
	struct zd_zin in;
	uint8_t *buf[2];
	int fd[2], r[2], i, n, nops = 1 + (int)zd_pick(c, 60), closed = 0, looked = 0;
	gzFile f[2];
	const size_t cap = 400000;

	zd_gz_file(c, &in);
	n = (int)zd_pick(c, 4);
	for (i = 0; i < 2; i++) {
		fd[i] = zd_memfd(in.z, in.zlen);
		buf[i] = zd_alloc(cap);
		f[i] = (i ? c->ref : c->sh)->gzdopen(fd[i], n ? "rb" : "r");
	}
	if (ZD_CHECK(c, f[0] && f[1], "gzdopen for reading failed"))
		goto out;
	for (n = 0; n < nops && !c->failed && !zd_dry(c); n++) {
		int k = (int)zd_pick(c, 18), a = 0, b = 0, e[2] = { 0, 0 };
		char *g[2] = { NULL, NULL };
		const char *m[2];

		/*
		 * Stock zlib 1.2.13's gzungetc writes before its buffer when
		 * nothing was read yet (no buffer: it stores at out + 2 * 0 - 1):
		 * push back once something was looked at.
		 */
		if (k == 8 && !looked)
			k = 15;
		looked |= k == 15;	/* gzdirect looks (so does a read that reads) */
		switch (k) {
		case 0: case 1: case 2: case 3: case 4:
			a = (int)zd_size(c, cap);
			break;
		case 5: a = 1 + (int)zd_pick(c, 7); b = (int)zd_size(c, cap / 8); break;
		case 8: a = zd_pick(c, 5) ? (int)zd_pick(c, 256) : -1; break;
		case 9: a = (int)zd_pick(c, 300); break;
		case 10: a = (int)zd_size(c, in.rawlen + 100); b = (int)zd_pick(c, 3); break;
		case 11: a = 16 + (int)zd_pick(c, 1u << 17); break;
		}
		for (i = 0; i < 2; i++) {
			const struct zd_lib *L = i ? c->ref : c->sh;

			memset(buf[i], 0xa5, 512);
			switch (k) {
			case 0: case 1: case 2: case 3: case 4:
				r[i] = L->gzread(f[i], buf[i], (unsigned)a);
				break;
			case 5:
				r[i] = (int)L->gzfread(buf[i], (z_size_t)a, (z_size_t)b, f[i]);
				break;
			case 6:
				r[i] = L->gzgetc(f[i]);
				break;
			case 7:
				r[i] = L->gzgetc_(f[i]);
				break;
			case 8:
				r[i] = L->gzungetc(a, f[i]);
				break;
			case 9:
				g[i] = L->gzgets(f[i], (char *)buf[i], a);
				r[i] = g[i] ? (int)strlen(g[i]) : -1;
				break;
			case 10:
				r[i] = (int)(b == 0 ? L->gzseek(f[i], a, SEEK_SET) :
					     b == 1 ? L->gzseek(f[i], a - (int)in.rawlen / 2, SEEK_CUR) :
					     L->gzseek(f[i], 0, SEEK_END));
				break;
			case 11:
				r[i] = L->gzbuffer(f[i], (unsigned)a);
				break;
			case 12:
				r[i] = L->gzrewind(f[i]);
				break;
			case 13:
				r[i] = (int)L->gztell(f[i]);
				break;
			case 14:
				r[i] = (int)L->gzoffset(f[i]);
				break;
			case 15:
				r[i] = L->gzeof(f[i]) + 2 * L->gzdirect(f[i]);
				break;
			default:
				m[i] = L->gzerror(f[i], &e[i]);
				r[i] = e[i] * 2 + (m[i] && *m[i]);
				if (k == 17)
					L->gzclearerr(f[i]);
				break;
			}
		}
		zd_trace(c, "gz read op %d (%d, %d): shim %d zlib %d", k, a, b, r[0], r[1]);
		/* ZD_DOCUMENTED: gzoffset, the input inflate took, may differ */
		if (k == 14) {
			ZD_CHECK(c, r[0] == r[1] || (r[0] >= 0 && (size_t)r[0] <= in.zlen),
				 "gzoffset %d (zlib %d) outside the file", r[0], r[1]);
			continue;
		}
		/*
		 * Fewer bytes than zlib, zlib's so far: on a cut file the device
		 * keeps the last of the cut back (ZD_DOCUMENTED, as in the
		 * inflate drain); on an intact file it is the defect of a gzread
		 * that loses a file's end.
		 */
		if (k <= 5 && r[0] >= 0 && r[0] < r[1] &&
		    !memcmp(buf[0], buf[1], (size_t)(k == 5 ? r[0] * a : r[0]))) {
			if (in.damaged && (size_t)(k == 5 ? (r[1] - r[0]) * a : r[1] - r[0]) <=
			    ZD_CUT_SHORT)
				zd_trace(c, "a cut file, short at its end (documented)");
			else
				zd_bad(c, 0, ZD_H1_GZREAD, "gz read op %d (%d, %d): shim %d, zlib %d "
				       "bytes", k, a, b, r[0], r[1]);
			break;
		}
		/* the same: where a cut file's data ends (a seek, gztell) */
		if ((k == 10 || k == 13) && in.damaged && r[0] >= 0 && r[0] < r[1] &&
		    r[1] - r[0] <= ZD_CUT_SHORT) {
			zd_trace(c, "a cut file, short at its end (documented)");
			break;
		}
		if (ZD_CHECK(c, r[0] == r[1], "gz read op %d (%d, %d): shim %d, zlib %d", k, a, b,
			     r[0], r[1]))
			break;
		looked |= (k <= 7 || k == 9) && r[1] > 0;
		if ((k <= 5 || k == 9) && r[1] > 0)
			ZD_CHECK(c, !memcmp(buf[0], buf[1], (size_t)(k == 5 ? r[1] * a : r[1])),
				 "gz read op %d: other bytes", k);
	}
	n = (int)zd_pick(c, 2);
	for (i = 0; i < 2; i++) {
		const struct zd_lib *L = i ? c->ref : c->sh;

		r[i] = n ? L->gzclose(f[i]) : L->gzclose_r(f[i]);
	}
	f[0] = f[1] = NULL;
	closed = 1;
	zd_trace(c, "gzclose: shim %d zlib %d", r[0], r[1]);
	ZD_CHECK(c, r[0] == r[1], "gzclose: shim %d, zlib %d", r[0], r[1]);
out:
	for (i = 0; i < 2; i++) {
		if (f[i])
			(i ? c->ref : c->sh)->gzclose(f[i]);
		else if (!closed)
			close(fd[i]);
		free(buf[i]);
	}
	free(in.z);
	free(in.raw);
}

/* ------------------------------------------------------------------ */
/* inflateBack                                                         */

struct zd_back_io {
	const uint8_t *p;
	size_t left;
	uint32_t piece;		/* input pieces of this many bytes (0: all) */
	uint8_t *out;
	size_t len, cap;
	size_t stop;		/* the output callback fails past this */
};

static unsigned zd_back_in(void *desc, z_const unsigned char **buf)
{
	struct zd_back_io *io = desc;
	size_t n = io->piece && io->piece < io->left ? io->piece : io->left;

	*buf = (z_const unsigned char *)io->p;
	io->p += n;
	io->left -= n;
	return (unsigned)n;
}

static int zd_back_out(void *desc, unsigned char *buf, unsigned len)
{
	struct zd_back_io *io = desc;

	if (io->len + len > io->cap || io->len + len > io->stop)
		return 1;
	memcpy(io->out + io->len, buf, len);
	io->len += len;
	return 0;
}

void zd_run_back(struct zd_ctx *c)
{
	struct zd_zin in;
	struct zd_back_io io[2];
	z_stream zs[2];
	unsigned char *win[2];
	int wb = 8 + (int)zd_pick(c, 9), r[2], i;	/* 16: invalid */
	uint32_t piece = zd_pick(c, 3) ? zd_pick(c, 5000) : 0;
	size_t stop = zd_pick(c, 5) ? (size_t)-1 : zd_size(c, 100000);

	zd_make_input(c, &in, zd_pick(c, 2) ? -15 : -(int)(9 + zd_pick(c, 7)));
	for (i = 0; i < 2; i++) {
		const struct zd_lib *L = i ? c->ref : c->sh;

		memset(&zs[i], 0, sizeof(zs[i]));
		memset(&io[i], 0, sizeof(io[i]));
		io[i].p = in.z;
		io[i].left = in.zlen;
		io[i].piece = piece;
		io[i].cap = in.rawlen + 65536;
		io[i].out = zd_alloc(io[i].cap);
		io[i].stop = stop;
		win[i] = zd_alloc(1u << 16);
		memset(win[i], 0, 1u << 16);	/* the same on both sides */
		r[i] = L->inflateBackInit_(&zs[i], wb, win[i], ZLIB_VERSION, (int)sizeof(z_stream));
	}
	zd_trace(c, "inflateBackInit(%d): shim %d zlib %d", wb, r[0], r[1]);
	if (!ZD_CHECK(c, r[0] == r[1], "inflateBackInit: shim %d, zlib %d", r[0], r[1]) &&
	    r[0] == Z_OK) {
		for (i = 0; i < 2; i++)
			r[i] = (i ? c->ref : c->sh)->inflateBack(&zs[i], zd_back_in, &io[i],
								  zd_back_out, &io[i]);
		zd_trace(c, "inflateBack (pieces %u, stop %zu): shim %d out %zu, zlib %d out %zu",
			 piece, stop, r[0], io[0].len, r[1], io[1].len);
		ZD_CHECK(c, r[0] == r[1] && io[0].len == io[1].len &&
			 !memcmp(io[0].out, io[1].out, io[0].len) &&
			 zs[0].avail_in == zs[1].avail_in && io[0].left == io[1].left &&
			 !zs[0].msg == !zs[1].msg,
			 "inflateBack: shim %d out %zu, zlib %d out %zu", r[0], io[0].len, r[1],
			 io[1].len);
	}
	for (i = 0; i < 2; i++) {
		if (r[i] != Z_STREAM_ERROR || i)
			(i ? c->ref : c->sh)->inflateBackEnd(&zs[i]);
		free(io[i].out);
		free(win[i]);
	}
	free(in.z);
	free(in.raw);
}
