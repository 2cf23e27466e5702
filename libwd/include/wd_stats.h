/* SPDX-License-Identifier: MIT */
/*
 * wd_stats.h - the counters a libwd process publishes, and how to read them
 * from another process (this is what wdctl uses).
 *
 * Each process that uses libwd keeps one file, WD_STATS_DIR/wd-stats.<pid>
 * (default /dev/shm), mapped shared: the library updates counters with
 * plain atomic stores on the data path (no system call), and a reader
 * copies the file (pread) and checks the copy. The file is removed when
 * the process exits normally; files of dead processes are ignored (and
 * removed) by readers.
 *
 * The file is the process's own, created exclusively (never a file that
 * was there before), mode 0644; when no such file can be had (the name is
 * taken by someone else, the directory is missing or full), the process
 * counts in private memory and publishes nothing (libwd/wd_stats.c says
 * why; doc/hardening.md).
 */
#ifndef WD_STATS_H
#define WD_STATS_H

#include <stdint.h>
#include <sys/types.h>
#include "wd.h"

#define WD_STATS_MAGIC		0x54534457u	/* "WDST" */
#define WD_STATS_VERSION	1u
#define WD_STATS_MAX_QUEUES	256
#define WD_STATS_MAX_ALGS	32

/* One queue's counters; in_use is 0 once the queue is released. */
struct wd_stats_queue {
	uint32_t in_use;
	uint32_t id;			/* per process, increasing */
	char dev[WD_NAME_MAX];
	char mode[16];			/* "sva" or "share" */
	uint64_t requests;		/* accepted by wd_send */
	uint64_t completions;		/* handed back by wd_recv */
	uint64_t bytes_in;		/* src bytes of accepted requests */
	uint64_t bytes_out;		/* produced bytes of completions */
	uint64_t errors;		/* completions with a negative status */
	uint64_t busy;			/* wd_send answered -EBUSY */
};

/* One algorithm's counters, added by algorithm layers and adapters. */
struct wd_stats_alg {
	uint32_t state;			/* 0 free, 1 being claimed, 2 ready */
	char name[28];
	uint64_t c[WD_ALG_NR_COUNTERS];
};

struct wd_stats_file {
	uint32_t magic;
	uint32_t version;
	int32_t pid;
	uint32_t reserved;
	char comm[32];
	uint64_t queues_opened;		/* ever, in this process */
	struct wd_stats_queue closed;	/* sums of the queues released */
	struct wd_stats_alg algs[WD_STATS_MAX_ALGS];
	struct wd_stats_queue queues[WD_STATS_MAX_QUEUES];
};

/*
 * wd_stats_scan - call cb once for each live process's counters (a private
 * copy, valid during the call, every string in it terminated). cb returns
 * non-zero to stop. Files that are not a live process's own counters are
 * skipped. Returns the number of processes seen, or a negative errno
 * (-ENOENT: WD_STATS_DIR=off).
 */
int wd_stats_scan(int (*cb)(const struct wd_stats_file *f, void *arg),
		  void *arg);

/*
 * wd_stats_scan_ex - wd_stats_scan, and bad (if not NULL) is called for
 * each wd-stats.* entry that was rejected: its path, the pid of its name
 * (0 if the name has none) and why (a symbolic link, a FIFO, wrong size,
 * wrong magic, truncated while read, owned by another user than the
 * process's, ...). Files of dead processes are removed, not reported.
 */
int wd_stats_scan_ex(int (*cb)(const struct wd_stats_file *f, void *arg),
		     void (*bad)(const char *path, long pid, const char *why, void *arg),
		     void *arg);

/*
 * wd_stats_read_fd - copy the counter file open on fd into *out and check
 * it: a regular file of exactly sizeof(*out) bytes, read whole (a file
 * truncated meanwhile is an error, never a crash), the right magic and
 * version, written for pid. On success every string in *out is terminated
 * and 0 is returned; otherwise a negative errno and *why says what is
 * wrong (valid in this thread until its next call). Ownership is not
 * checked here (wd_stats_scan does, against the process's uids).
 */
int wd_stats_read_fd(int fd, long pid, struct wd_stats_file *out, const char **why);

/*
 * wd_stats_publishing - 1 if this process's counters are in its counter
 * file, 0 if not (not counted yet, WD_STATS_DIR=off, or no safe file could
 * be had: then they are counted in private memory).
 */
int wd_stats_publishing(void);

/* The directory the counter files live in (WD_STATS_DIR), or NULL if off. */
const char *wd_stats_dir(void);

/* Names of enum wd_alg_counter values, for printing. */
const char *wd_alg_counter_name(enum wd_alg_counter c);

#endif /* WD_STATS_H */
