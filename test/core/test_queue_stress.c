// SPDX-License-Identifier: MIT
/*
 * test_queue_stress - every request answered exactly once: THREADS threads,
 * each driving QUEUES queues with up to INFLIGHT requests in flight, 10^5
 * MEMCPY requests per queue. Each request copies its own sequence number,
 * so a lost, duplicated or misrouted completion is caught.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "test_util.h"

#define THREADS		4
#define QUEUES		2
#define PER_QUEUE	100000
#define INFLIGHT	32

struct req {
	struct wd_msg msg;
	uint64_t in, out;
};

struct worker {
	int id;
	long done, dup, lost, wrong, busy_seen, errors;
};

static int run_queue_batch(struct wd_queue *q, struct req *pool, uint8_t *seen,
			   struct worker *w, long *next, long *done)
{
	void *got;
	int progressed = 0;

	while (*next < PER_QUEUE && wd_queue_inflight(q) < INFLIGHT) {
		struct req *r = &pool[*next % (2 * INFLIGHT)];

		r->in = (uint64_t)w->id << 40 | (uint64_t)*next;
		r->out = 0;
		memset(&r->msg, 0, sizeof(r->msg));
		r->msg.opcode = WD_OP_MEMCPY;
		r->msg.src = &r->in;
		r->msg.src_len = sizeof(r->in);
		r->msg.dst = &r->out;
		r->msg.dst_len = sizeof(r->out);
		r->msg.user_data = (void *)(uintptr_t)*next;
		if (wd_send(q, &r->msg)) {
			w->busy_seen++;
			break;
		}
		(*next)++;
		progressed = 1;
	}
	while (wd_recv(q, &got) == 1) {
		struct req *r = got;
		long n = (long)(uintptr_t)r->msg.user_data;

		progressed = 1;
		if (r->msg.status)
			w->errors++;
		if (r->out != r->in || (long)(r->in & 0xffffffffff) != n)
			w->wrong++;
		if (seen[n])
			w->dup++;
		seen[n] = 1;
		(*done)++;
	}
	return progressed;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct wd_queue q[QUEUES];
	struct req *pool[QUEUES];
	uint8_t *seen[QUEUES];
	long next[QUEUES] = { 0 }, done[QUEUES] = { 0 };
	int i, active = QUEUES;

	for (i = 0; i < QUEUES; i++) {
		test_open(&q[i], "memcpy", 0, 64);
		pool[i] = calloc(2 * INFLIGHT, sizeof(struct req));
		seen[i] = calloc(PER_QUEUE, 1);
	}
	while (active) {
		active = 0;
		for (i = 0; i < QUEUES; i++) {
			if (done[i] == PER_QUEUE)
				continue;
			active = 1;
			run_queue_batch(&q[i], pool[i], seen[i], w, &next[i], &done[i]);
		}
	}
	for (i = 0; i < QUEUES; i++) {
		long n;

		for (n = 0; n < PER_QUEUE; n++)
			if (!seen[i][n])
				w->lost++;
		w->done += done[i];
		wd_release_queue(&q[i]);
		free(pool[i]);
		free(seen[i]);
	}
	return NULL;
}

int main(void)
{
	struct worker w[THREADS];
	pthread_t th[THREADS];
	long done = 0, dup = 0, lost = 0, wrong = 0, errors = 0;
	int i;

	tap_plan(5);
	for (i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i + 1;
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		done += w[i].done;
		dup += w[i].dup;
		lost += w[i].lost;
		wrong += w[i].wrong;
		errors += w[i].errors;
	}
	ok(done == (long)THREADS * QUEUES * PER_QUEUE, "%ld of %ld requests answered", done,
	   (long)THREADS * QUEUES * PER_QUEUE);
	ok(dup == 0, "no duplicate completion (%ld)", dup);
	ok(lost == 0, "no lost request (%ld)", lost);
	ok(wrong == 0, "every completion carries its own request's data (%ld wrong)", wrong);
	ok(errors == 0, "no error status (%ld)", errors);
	return tap_exit();
}
