// SPDX-License-Identifier: MIT
/*
 * wd_demo - send real work through a queue and show, from outside the
 * process, that it went there: copies 64 MiB with MEMCPY requests (8 in
 * flight, every byte checked), makes 100000 NOP round trips, then runs
 * `wdctl stats --pid <self>` while the queue is still open.
 *
 * Usage: wd_demo [PATH-TO-WDCTL]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "wd.h"
#include "wd_ring.h"

#define CHUNK		(1u << 20)
#define CHUNKS		64
#define INFLIGHT	8
#define NOPS		100000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int copy_through_queue(struct wd_queue *q, const char *src, char *dst)
{
	struct wd_msg msg[INFLIGHT];
	int sent = 0, done = 0;
	void *got;

	while (done < CHUNKS) {
		while (sent < CHUNKS && wd_queue_inflight(q) < INFLIGHT) {
			struct wd_msg *m = &msg[sent % INFLIGHT];

			memset(m, 0, sizeof(*m));
			m->opcode = WD_OP_MEMCPY;
			m->src = src + (size_t)sent * CHUNK;
			m->src_len = CHUNK;
			m->dst = dst + (size_t)sent * CHUNK;
			m->dst_len = CHUNK;
			if (wd_send(q, m))
				break;
			sent++;
		}
		if (wd_recv_sync(q, &got) != 1 || ((struct wd_msg *)got)->status)
			return -1;
		done++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *wdctl = argc > 1 ? argv[1] : "wdctl";
	size_t size = (size_t)CHUNK * CHUNKS, i;
	struct wd_queue q;
	struct wd_msg m;
	char *src, *dst, pid[16];
	double t0, t;
	void *got;
	int ret, status;
	pid_t child;

	memset(&q, 0, sizeof(q));
	q.capa.alg = "memcpy";
	ret = wd_request_queue(&q);
	if (ret) {
		fprintf(stderr, "wd_demo: no queue: %s\n", wd_strerror(ret));
		return 1;
	}
	printf("queue on device '%s' (%s), depth %u\n", q.dev_name, q.api_version, q.depth);
	src = malloc(size);
	dst = malloc(size);
	if (!src || !dst)
		return 1;
	for (i = 0; i < size; i++)
		src[i] = (char)(i * 2654435761u >> 13);
	memset(dst, 0, size);
	t0 = now_s();
	if (copy_through_queue(&q, src, dst) || memcmp(src, dst, size)) {
		fprintf(stderr, "wd_demo: copy through the queue failed\n");
		return 1;
	}
	t = now_s() - t0;
	printf("copied %zu MiB through the queue in %.3f s (%.0f MiB/s), every byte checked\n",
	       size >> 20, t, (size >> 20) / t);

	memset(&m, 0, sizeof(m));
	m.opcode = WD_OP_NOP;
	t0 = now_s();
	for (i = 0; i < NOPS; i++) {
		if (wd_send(&q, &m))
			return 1;
		while (wd_recv(&q, &got) != 1)
			;
	}
	t = now_s() - t0;
	printf("%d NOP round trips in %.3f s (%.0f ns each, polling)\n", NOPS, t, t / NOPS * 1e9);
	fflush(stdout);

	printf("\ncounters of this process, read by %s from outside it:\n", wdctl);
	fflush(stdout);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	child = fork();
	if (child == 0) {
		execlp(wdctl, wdctl, "stats", "--pid", pid, (char *)NULL);
		perror("wd_demo: exec wdctl");
		_exit(127);
	}
	waitpid(child, &status, 0);
	wd_release_queue(&q);
	free(src);
	free(dst);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
