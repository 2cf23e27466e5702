/* SPDX-License-Identifier: MIT */
/* replay.c - the compressed bytes a device error may need again, see replay.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay.h"

/* Most members from a pipe fit in memory; beyond, a temporary file. */
#define REPLAY_MEM	(16u << 20)
#define REPLAY_FIRST	(1u << 20)

void replay_init(struct replay *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

void replay_clear(struct replay *r)
{
	r->mem_len = 0;
	r->file_len = 0;
	r->pos = r->len = 0;
	r->lost = 0;
}

/* The spill file: unlinked at once, it never outlives the process. */
static int spill_open(void)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	if ((size_t)snprintf(path, sizeof(path), "%s/.wdgzip-replay.XXXXXX",
			     dir) >= sizeof(path))
		return -1;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static int spill(struct replay *r, const uint8_t *p, size_t n)
{
	if (r->fd < 0 && (r->fd = spill_open()) < 0)
		return -1;
	while (n) {
		ssize_t k = pwrite(r->fd, p, n, r->file_len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
		r->file_len += k;
	}
	return 0;
}

void replay_add(struct replay *r, const uint8_t *p, size_t n)
{
	size_t cap = r->mem ? REPLAY_MEM : 0, take;

	if (r->lost || !n)
		return;
	/* memory first, grown as needed up to REPLAY_MEM */
	if (!r->file_len && r->mem_len < REPLAY_MEM) {
		if (!r->mem) {
			r->mem = malloc(REPLAY_MEM);
			cap = r->mem ? REPLAY_MEM : 0;
		}
		take = cap - r->mem_len < n ? cap - r->mem_len : n;
		memcpy(r->mem + r->mem_len, p, take);
		r->mem_len += take;
		p += take;
		n -= take;
	}
	if (n && spill(r, p, n) != 0)
		r->lost = 1;
}

int replay_rewind(struct replay *r)
{
	if (r->lost)
		return -1;
	r->pos = 0;
	r->len = (int64_t)r->mem_len + r->file_len;
	return 0;
}

long replay_read(struct replay *r, uint8_t *buf, size_t n)
{
	int64_t left = r->len - r->pos;
	ssize_t k;

	if ((int64_t)n > left)
		n = (size_t)left;
	if (n > LONG_MAX)
		n = LONG_MAX;
	if (!n)
		return 0;
	if (r->pos < (int64_t)r->mem_len) {
		if (n > r->mem_len - (size_t)r->pos)
			n = r->mem_len - (size_t)r->pos;
		memcpy(buf, r->mem + r->pos, n);
		r->pos += (int64_t)n;
		return (long)n;
	}
	do
		k = pread(r->fd, buf, n, r->pos - (int64_t)r->mem_len);
	while (k < 0 && errno == EINTR);
	if (k <= 0) {
		if (k == 0)
			errno = EIO;	/* the file is shorter than written */
		return -1;
	}
	r->pos += k;
	return (long)k;
}

void replay_free(struct replay *r)
{
	free(r->mem);
	if (r->fd >= 0)
		close(r->fd);
	replay_init(r);
}
