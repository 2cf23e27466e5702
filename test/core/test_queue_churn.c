// SPDX-License-Identifier: MIT
/*
 * test_queue_churn - queues opened and released from many threads at once,
 * all on one engine, each doing a round trip in between. Every release
 * waits for the engine to let go of the queue (soft_engine_detach); with
 * several threads changing the engine's queue list at once, the engine may
 * see only the latest change, and a release that waited for its own
 * change exactly (not "this one or later") slept for ever. A watchdog
 * turns such a hang into a failed check instead of a stuck test suite: it
 * is not a timing assertion, the bound is minutes for seconds of work.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include "test_util.h"

#define THREADS		6
#define ROUNDS		3000
#define WATCHDOG_S	240

static long failures;
static pthread_mutex_t failures_lock = PTHREAD_MUTEX_INITIALIZER;

static void *churn(void *arg)
{
	uint64_t in = (uint64_t)(uintptr_t)arg, out;
	struct wd_queue q;
	struct wd_msg m;
	long bad = 0;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		test_open(&q, "memcpy", 0, 4);
		out = 0;
		test_memcpy_msg(&m, &in, sizeof(in), &out, sizeof(out));
		if (test_roundtrip(&q, &m) || out != in)
			bad++;
		wd_release_queue(&q);
	}
	pthread_mutex_lock(&failures_lock);
	failures += bad;
	pthread_mutex_unlock(&failures_lock);
	return NULL;
}

static void watchdog(int sig)
{
	static const char msg[] = "not ok 1 - queues opened and released from "
				  "6 threads: hung (watchdog)\n1..1\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

int main(void)
{
	pthread_t t[THREADS];
	int i;

	/* one engine: every open and release changes the same queue list */
	setenv("WD_SOFT_ENGINES", "1", 1);
	signal(SIGALRM, watchdog);
	alarm(WATCHDOG_S);
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(i + 1))) {
			printf("Bail out! pthread_create\n");
			return 1;
		}
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	alarm(0);
	tap_plan(0);
	ok(1, "queues opened and released from %d threads, %d times each: no hang",
	   THREADS, ROUNDS);
	ok(failures == 0, "a round trip on each queue, every answer right (%ld wrong)",
	   failures);
	return tap_exit();
}
