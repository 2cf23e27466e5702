/* SPDX-License-Identifier: MIT */
/* wd_stats_priv.h - the writer side of the per-process counter file. */
#ifndef WD_STATS_PRIV_H
#define WD_STATS_PRIV_H

#include "wd_stats.h"

/* Single writer per queue: a relaxed load and store, no locked instruction. */
#define WD_STAT_ADD(field, n) \
	__atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (n), \
			 __ATOMIC_RELAXED)

/* A counter slot for a new queue, or NULL (counters off or all in use). */
struct wd_stats_queue *wd_stats_queue_get(const char *dev, const char *mode);
void wd_stats_queue_put(struct wd_stats_queue *s);

#endif /* WD_STATS_PRIV_H */
