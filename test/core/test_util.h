/* SPDX-License-Identifier: MIT */
/* test_util.h - small helpers shared by the core queue tests. */
#ifndef WD_TEST_UTIL_H
#define WD_TEST_UTIL_H

#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
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

/*
 * Run fn(arg, res) in a child process (libwd reads its knobs once per
 * process, so a test of a knob needs a process per setting) and bring back
 * the size bytes of res it fills. fn returns 0, or -1 to fail the run.
 * Returns 0 when the child filled res and exited 0, else -1.
 */
static inline int test_in_child(int (*fn)(const void *arg, void *res), const void *arg,
				void *res, size_t size)
{
	int status, p[2];
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		memset(res, 0, size);
		if (fn(arg, res))
			_exit(1);
		_exit(write(p[1], res, size) == (ssize_t)size ? 0 : 1);
	}
	close(p[1]);
	memset(res, 0, size);
	n = pid < 0 ? -1 : read(p[0], res, size);
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return n == (ssize_t)size && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

#endif /* WD_TEST_UTIL_H */
