/* SPDX-License-Identifier: MIT */
/*
 * alg_counter.h - this process's per-algorithm and per-queue-mode counters
 * as wdctl reads them: through wd_stats_scan() and the stats file, not from memory, so a
 * test checks what a user would see.
 */
#ifndef WD_TEST_ALG_COUNTER_H
#define WD_TEST_ALG_COUNTER_H

#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "wd_stats.h"

struct alg_counter_req {
	const char *alg;
	uint64_t c[WD_ALG_NR_COUNTERS];
};

static inline int alg_counter_cb(const struct wd_stats_file *f, void *arg)
{
	struct alg_counter_req *r = arg;
	int i;

	if (f->pid != getpid())
		return 0;
	for (i = 0; i < WD_STATS_MAX_ALGS; i++)
		if (f->algs[i].state == 2 && !strcmp(f->algs[i].name, r->alg))
			memcpy(r->c, f->algs[i].c, sizeof(r->c));
	return 1;
}

/* Counter c of algorithm alg in this process (0 if it has none yet). */
static inline uint64_t alg_counter(const char *alg, enum wd_alg_counter c)
{
	struct alg_counter_req r;

	memset(&r, 0, sizeof(r));
	r.alg = alg;
	wd_stats_scan(alg_counter_cb, &r);
	return r.c[c];
}

struct mode_requests {
	const char *mode;
	uint64_t n;
};

static inline int mode_requests_cb(const struct wd_stats_file *f, void *arg)
{
	struct mode_requests *m = arg;
	int i;

	if (f->pid != getpid())
		return 0;
	for (i = 0; i < WD_STATS_MAX_QUEUES; i++)
		if (f->queues[i].in_use && !strcmp(f->queues[i].mode, m->mode))
			m->n += f->queues[i].requests;
	return 1;
}

/* Requests sent so far on this process's open queues of mode ("sva", "share"). */
static inline uint64_t mode_requests(const char *mode)
{
	struct mode_requests m = { mode, 0 };

	wd_stats_scan(mode_requests_cb, &m);
	return m.n;
}

#endif /* WD_TEST_ALG_COUNTER_H */
