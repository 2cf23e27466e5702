/* SPDX-License-Identifier: MIT */
/*
 * tablecheck.h - a deflate stream that ends early, as gzip sees it: does
 * it hold a block gzip calls corrupt before the end, and what output does
 * gzip hand out before failing (see tablecheck.c)?
 */
#ifndef WDGZIP_TABLECHECK_H
#define WDGZIP_TABLECHECK_H

#include <stdint.h>

/* Where the stream's bytes are: [start, end) by absolute offset, read
 * with pread(fd) or, when mem is set, from mem (whose first byte is at
 * mem_start). */
struct table_source {
	int fd;
	const uint8_t *mem;
	int64_t mem_start;
	int64_t start, end;
};

/* 1: gzip would report "invalid compressed data--format violated". */
int deflate_bad_table(const struct table_source *s);

/* Decode the stream with zlib up to the source's end, handing the output
 * after its first skip bytes to emit(). 0, or -1 (no memory). */
int deflate_cut_tail(const struct table_source *s, uint64_t skip,
		     void (*emit)(void *arg, const uint8_t *p, size_t n),
		     void *arg);

#endif
