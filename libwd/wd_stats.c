// SPDX-License-Identifier: MIT
/*
 * wd_stats.c - per-process counter files readable from outside.
 *
 * The file is created on first use, so a process that loads libwd but never
 * uses it leaves no trace. Writers are this process's threads only: queue
 * counters have a single writer each (the queue's thread); algorithm
 * counters are shared and use atomic adds.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "wd_internal.h"
#include "wd_stats_priv.h"

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wd_stats_file *stats_file;	/* NULL until first use */
static int stats_failed;			/* creation failed: stay off */
static pid_t stats_owner;
static char stats_path[4096];

WD_EXPORT const char *wd_stats_dir(void)
{
	const char *dir = wd_env_str("WD_STATS_DIR", "/dev/shm");

	return strcmp(dir, "off") ? dir : NULL;
}

static void stats_unlink_at_exit(void)
{
	/* Only the creator removes it: a forked child inherits this handler. */
	if (stats_file && stats_owner == getpid())
		unlink(stats_path);
}

static struct wd_stats_file *stats_create(void)
{
	const char *dir = wd_stats_dir();
	struct wd_stats_file *f;
	static int atexit_done;
	int fd;

	if (!dir)
		return NULL;
	/*
	 * The fork handler must be in place before the first counter: a
	 * child forked after this (nginx workers after the master counted its
	 * own start-up) must make a file of its own, not write into ours.
	 */
	wd_device_init();
	snprintf(stats_path, sizeof(stats_path), "%s/wd-stats.%d", dir, (int)getpid());
	fd = open(stats_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return NULL;
	/* Readable by wdctl run by anyone: counters are not secrets. */
	fchmod(fd, 0644);
	if (ftruncate(fd, sizeof(*f)) < 0) {
		close(fd);
		unlink(stats_path);
		return NULL;
	}
	f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (f == MAP_FAILED) {
		unlink(stats_path);
		return NULL;
	}
	f->version = WD_STATS_VERSION;
	f->pid = getpid();
	prctl(PR_GET_NAME, f->comm, 0, 0, 0);
	__atomic_store_n(&f->magic, WD_STATS_MAGIC, __ATOMIC_RELEASE);
	stats_owner = getpid();
	if (!atexit_done) {
		atexit(stats_unlink_at_exit);
		atexit_done = 1;
	}
	return f;
}

static struct wd_stats_file *stats_get(void)
{
	struct wd_stats_file *f = __atomic_load_n(&stats_file, __ATOMIC_ACQUIRE);

	if (f || stats_failed)
		return f;
	pthread_mutex_lock(&stats_lock);
	if (!stats_file && !stats_failed) {
		f = stats_create();
		if (f)
			__atomic_store_n(&stats_file, f, __ATOMIC_RELEASE);
		else
			stats_failed = 1;
	}
	f = stats_file;
	pthread_mutex_unlock(&stats_lock);
	return f;
}

struct wd_stats_queue *wd_stats_queue_get(const char *dev, const char *mode)
{
	struct wd_stats_file *f = stats_get();
	struct wd_stats_queue *s = NULL;
	int i;

	if (!f)
		return NULL;
	pthread_mutex_lock(&stats_lock);
	for (i = 0; i < WD_STATS_MAX_QUEUES; i++) {
		/* acquire: pairs with the release in wd_stats_queue_put(), which
		 * frees a slot without the lock */
		if (!__atomic_load_n(&f->queues[i].in_use, __ATOMIC_ACQUIRE)) {
			s = &f->queues[i];
			memset(s, 0, sizeof(*s));
			snprintf(s->dev, sizeof(s->dev), "%s", dev);
			snprintf(s->mode, sizeof(s->mode), "%s", mode);
			s->id = (uint32_t)++f->queues_opened;
			__atomic_store_n(&s->in_use, 1, __ATOMIC_RELEASE);
			break;
		}
	}
	pthread_mutex_unlock(&stats_lock);
	return s;
}

void wd_stats_queue_put(struct wd_stats_queue *s)
{
	struct wd_stats_queue *sum;

	if (!s || !stats_file)
		return;
	/* Keep the process totals whole when a queue goes away. */
	sum = &stats_file->closed;
	__atomic_fetch_add(&sum->requests, s->requests, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sum->completions, s->completions, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sum->bytes_in, s->bytes_in, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sum->bytes_out, s->bytes_out, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sum->errors, s->errors, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sum->busy, s->busy, __ATOMIC_RELAXED);
	__atomic_store_n(&s->in_use, 0, __ATOMIC_RELEASE);
}

/*
 * The slot of alg, claimed on first use. Slots fill in order and a name
 * never changes, so a thread that meets a slot being claimed (state 1) by
 * another must wait for its name before it looks further: skipping it,
 * two threads counting a new algorithm at once claimed a slot each, and
 * the file showed "deflate" twice (hardening.bats 2 read the wrong one).
 */
static struct wd_stats_alg *stats_alg_find(struct wd_stats_file *f, const char *alg)
{
	int i;

	for (i = 0; i < WD_STATS_MAX_ALGS; i++) {
		struct wd_stats_alg *a = &f->algs[i];
		uint32_t st = __atomic_load_n(&a->state, __ATOMIC_ACQUIRE);

		if (st == 0) {
			if (__atomic_compare_exchange_n(&a->state, &st, 1, 0,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				snprintf(a->name, sizeof(a->name), "%s", alg);
				__atomic_store_n(&a->state, 2, __ATOMIC_RELEASE);
				return a;
			}
			/* lost the race: st holds what the winner wrote */
		}
		while (st != 2)		/* the winner is writing the name */
			st = __atomic_load_n(&a->state, __ATOMIC_ACQUIRE);
		if (!strncmp(a->name, alg, sizeof(a->name) - 1))
			return a;
	}
	return NULL;
}

WD_EXPORT void wd_alg_stats_add(const char *alg, enum wd_alg_counter c, uint64_t n)
{
	struct wd_stats_file *f;
	struct wd_stats_alg *a;

	if (!alg || (unsigned int)c >= WD_ALG_NR_COUNTERS)
		return;
	f = stats_get();
	if (!f)
		return;
	a = stats_alg_find(f, alg);
	if (a)
		__atomic_fetch_add(&a->c[c], n, __ATOMIC_RELAXED);
}

void wd_stats_fork_child(void)
{
	/*
	 * The child keeps the parent's mapping (harmless, read by nobody
	 * through this pointer again) and makes its own file on first use.
	 */
	pthread_mutex_init(&stats_lock, NULL);
	stats_file = NULL;
	stats_failed = 0;
}

WD_EXPORT const char *wd_alg_counter_name(enum wd_alg_counter c)
{
	static const char *const names[WD_ALG_NR_COUNTERS] = {
		[WD_ALG_OFFLOADED] = "offloaded",
		[WD_ALG_FALLBACK] = "fallback",
		[WD_ALG_BYTES_IN] = "bytes_in",
		[WD_ALG_BYTES_OUT] = "bytes_out",
		[WD_ALG_ERRORS] = "errors",
	};

	return (unsigned int)c < WD_ALG_NR_COUNTERS ? names[c] : "?";
}

static int stats_pid_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

static int stats_scan_one(const char *dir, const char *name,
			  int (*cb)(const struct wd_stats_file *, void *), void *arg,
			  int *seen)
{
	char path[4096];
	struct wd_stats_file *f;
	struct stat st;
	int fd, stop = 0;
	long pid;
	char *end;

	pid = strtol(name + strlen("wd-stats."), &end, 10);
	if (*end || pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!stats_pid_alive((pid_t)pid)) {
		unlink(path);	/* a crashed process's leftovers; may fail, fine */
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(*f)) {
		close(fd);
		return 0;
	}
	f = mmap(NULL, sizeof(*f), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (f == MAP_FAILED)
		return 0;
	if (__atomic_load_n(&f->magic, __ATOMIC_ACQUIRE) == WD_STATS_MAGIC &&
	    f->version == WD_STATS_VERSION && f->pid == pid) {
		(*seen)++;
		stop = cb(f, arg);
	}
	munmap(f, sizeof(*f));
	return stop;
}

WD_EXPORT int wd_stats_scan(int (*cb)(const struct wd_stats_file *f, void *arg), void *arg)
{
	const char *dir = wd_stats_dir();
	struct dirent *de;
	int seen = 0;
	DIR *d;

	if (!dir)
		return -ENOENT;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "wd-stats.", 9))
			continue;
		if (stats_scan_one(dir, de->d_name, cb, arg, &seen))
			break;
	}
	closedir(d);
	return seen;
}
