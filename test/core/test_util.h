/* SPDX-License-Identifier: MIT */
/* test_util.h - small helpers shared by the core queue tests. */
#ifndef WD_TEST_UTIL_H
#define WD_TEST_UTIL_H

#include <errno.h>
#include <string.h>
#include "tap.h"
#include "wd.h"
#include "wd_ring.h"

/* Open a queue for alg with the given mode flags and depth, or bail out. */
static inline void test_open(struct wd_queue *q, const char *alg, unsigned int flags,
			     unsigned int depth)
{
	int ret;

	memset(q, 0, sizeof(*q));
	q->capa.alg = alg;
	q->capa.flags = flags;
	q->capa.depth = depth;
	q->capa.numa_node = -1;
	ret = wd_request_queue(q);
	if (ret) {
		printf("# wd_request_queue(%s): %s\n", alg, wd_strerror(ret));
		tap_bail("cannot open a queue");
	}
}

/* Fill m as a MEMCPY of len bytes from src to a dst of dst_len bytes. */
static inline void test_memcpy_msg(struct wd_msg *m, const void *src, size_t len,
				   void *dst, size_t dst_len)
{
	memset(m, 0, sizeof(*m));
	m->opcode = WD_OP_MEMCPY;
	m->src = src;
	m->src_len = len;
	m->dst = dst;
	m->dst_len = dst_len;
}

/* Send m and wait for it; returns its status, or a negative wd_ error. */
static inline int test_roundtrip(struct wd_queue *q, struct wd_msg *m)
{
	void *got = NULL;
	int ret = wd_send(q, m);

	if (ret)
		return ret;
	ret = wd_recv_sync(q, &got);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	if (got != m)
		return -EIO;
	return m->status;
}

#endif /* WD_TEST_UTIL_H */
