/* SPDX-License-Identifier: MIT */
/*
 * replay.h - a copy of the compressed bytes of the member being decoded,
 * kept while the input cannot seek back (a pipe, a terminal, a socket).
 *
 * The device keeps its inflate state to itself: when it fails mid-member,
 * the member must be decoded again in software from its first deflate byte
 * (decompress.c). A regular file is read again with lseek; anything else
 * is read again from this copy. The first REPLAY_MEM bytes stay in memory,
 * the rest goes to an unlinked temporary file, so that a member of any
 * size from a pipe costs bounded memory.
 */
#ifndef WDGZIP_REPLAY_H
#define WDGZIP_REPLAY_H

#include <stddef.h>
#include <stdint.h>

struct replay {
	uint8_t *mem;
	size_t mem_len;
	int fd;			/* spill file, or -1 */
	int64_t file_len;	/* bytes in fd, after the memory ones */
	int64_t pos;		/* replaying: next byte to hand out */
	int64_t len;		/* replaying: bytes to hand out */
	int lost;		/* a byte could not be kept: no replay */
};

void replay_init(struct replay *r);
/* Forget what was kept (the member ended, or a new one begins). */
void replay_clear(struct replay *r);
/* Keep n more bytes; on failure the copy is marked lost, never fatal. */
void replay_add(struct replay *r, const uint8_t *p, size_t n);
/* Start handing out what was kept, from its first byte: 0, or -1 when
 * the copy is incomplete. */
int replay_rewind(struct replay *r);
/* Up to n bytes of the copy (0 when all was handed out); -1 on an I/O
 * error of the spill file, with errno. */
long replay_read(struct replay *r, uint8_t *buf, size_t n);
void replay_free(struct replay *r);

#endif
