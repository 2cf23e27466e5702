// SPDX-License-Identifier: MIT
/*
 * bench_queue - NOP round trips through a soft queue against two peers
 * measured in the same run:
 *   eventfd: two threads ping-ponging through a pair of eventfds (what a
 *            kernel-mediated queue with a wake-up per request costs);
 *   spin:    two threads ping-ponging one atomic word each way (the
 *            physical limit of a cross-core round trip).
 * and the throughput with 32 requests in flight. Each figure is the median
 * of five trials. Output: BENCH lines as in DESIGN.md.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "wd.h"
#include "wd_ring.h"

#define TRIALS 5

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* ---- wd queue ---- */

static double wd_rtt_ns(struct wd_queue *q, long n)
{
	struct wd_msg m = { .opcode = WD_OP_NOP };
	void *got;
	double t0;
	long i;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		wd_send(q, &m);
		while (wd_recv(q, &got) != 1)
			;
	}
	return (now_ns() - t0) / n;
}

static double wd_batch_ns(struct wd_queue *q, long n, unsigned int inflight)
{
	struct wd_msg m[64];
	long sent = 0, done = 0;
	void *got;
	double t0;

	memset(m, 0, sizeof(m));
	t0 = now_ns();
	while (done < n) {
		while (sent < n && wd_queue_inflight(q) < inflight) {
			if (wd_send(q, &m[sent % 64]))
				break;
			sent++;
		}
		while (wd_recv(q, &got) == 1)
			done++;
	}
	return (now_ns() - t0) / n;
}

/* ---- eventfd ping-pong ---- */

static int efd_ping, efd_pong;
static long efd_n;

static void *efd_server(void *arg)
{
	uint64_t v;
	long i;

	(void)arg;
	for (i = 0; i < efd_n; i++) {
		if (read(efd_ping, &v, sizeof(v)) != sizeof(v) ||
		    write(efd_pong, &v, sizeof(v)) != sizeof(v))
			break;
	}
	return NULL;
}

static double eventfd_rtt_ns(long n)
{
	uint64_t v = 1;
	pthread_t th;
	double t0, t;
	long i;

	efd_ping = eventfd(0, 0);
	efd_pong = eventfd(0, 0);
	efd_n = n;
	pthread_create(&th, NULL, efd_server, NULL);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (write(efd_ping, &v, sizeof(v)) != sizeof(v) ||
		    read(efd_pong, &v, sizeof(v)) != sizeof(v))
			break;
	}
	t = (now_ns() - t0) / n;
	pthread_join(th, NULL);
	close(efd_ping);
	close(efd_pong);
	return t;
}

/* ---- bare spin ping-pong: one cache line each way ---- */

static struct {
	_Alignas(64) volatile uint64_t ping;
	_Alignas(64) volatile uint64_t pong;
} spin;
static long spin_n;

static void *spin_server(void *arg)
{
	uint64_t i;

	(void)arg;
	for (i = 1; i <= (uint64_t)spin_n; i++) {
		while (__atomic_load_n(&spin.ping, __ATOMIC_ACQUIRE) != i)
			__builtin_ia32_pause();
		__atomic_store_n(&spin.pong, i, __ATOMIC_RELEASE);
	}
	return NULL;
}

static double spin_rtt_ns(long n)
{
	pthread_t th;
	double t0, t;
	uint64_t i;

	spin.ping = spin.pong = 0;
	spin_n = n;
	pthread_create(&th, NULL, spin_server, NULL);
	t0 = now_ns();
	for (i = 1; i <= (uint64_t)n; i++) {
		__atomic_store_n(&spin.ping, i, __ATOMIC_RELEASE);
		while (__atomic_load_n(&spin.pong, __ATOMIC_ACQUIRE) != i)
			__builtin_ia32_pause();
	}
	t = (now_ns() - t0) / n;
	pthread_join(th, NULL);
	return t;
}

int main(void)
{
	double wd[TRIALS], efd[TRIALS], sp[TRIALS], batch[TRIALS];
	struct wd_queue q;
	double w, e, s, b;
	int i, ret;

	/* One engine: the queue's engine and this thread then use both cores. */
	setenv("WD_SOFT_ENGINES", "1", 0);
	memset(&q, 0, sizeof(q));
	q.capa.alg = "nop";
	ret = wd_request_queue(&q);
	if (ret) {
		fprintf(stderr, "bench_queue: %s\n", wd_strerror(ret));
		return 1;
	}
	wd_rtt_ns(&q, 100000);	/* warm up */
	for (i = 0; i < TRIALS; i++) {
		wd[i] = wd_rtt_ns(&q, 200000);
		efd[i] = eventfd_rtt_ns(20000);
		sp[i] = spin_rtt_ns(1000000);
		batch[i] = wd_batch_ns(&q, 1000000, 32);
	}
	w = median(wd, TRIALS);
	e = median(efd, TRIALS);
	s = median(sp, TRIALS);
	b = median(batch, TRIALS);
	printf("BENCH queue-rtt wd_ns=%.0f eventfd_ns=%.0f ratio=%.1f\n", w, e, e / w);
	printf("BENCH queue-rtt-limit wd_ns=%.0f spin_ns=%.0f ratio=%.2f\n", w, s, s / w);
	printf("BENCH queue-batch32 wd_mreq_s=%.2f spin_rtt_mreq_s=%.2f ratio=%.2f\n",
	       1e3 / b, 1e3 / s, s / b);
	wd_release_queue(&q);
	return 0;
}
