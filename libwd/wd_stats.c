// SPDX-License-Identifier: MIT
/*
 * wd_stats.c - per-process counter files readable from outside (the
 * writer; wd_stats_read.c is the reader wdctl uses).
 *
 * The file is created on first use, so a process that loads libwd but never
 * uses it leaves no trace. Writers are this process's threads only: queue
 * counters have a single writer each (the queue's thread); algorithm
 * counters are shared and use atomic adds.
 *
 * Other users are hostile (issue 20). The directory is world-writable
 * (/dev/shm, sticky, and fs.protected_regular may be 0) and the name is
 * predictable (wd-stats.<pid>), so anyone can create that name before we
 * do, and anyone who can write to a file we map can shrink it under us,
 * which kills us with SIGBUS on the next counter update. The design:
 *
 * - The file is created by this process, exclusively: openat(O_CREAT |
 *   O_EXCL | O_NOFOLLOW), mode 0600 until it is ready, then 0644 (wdctl of
 *   any user reads it; counters are not secrets). A name that exists is
 *   never opened: only a leftover that is provably ours (regular, owned by
 *   our euid, one link; its pid is ours, so its writer is dead) is removed
 *   and the name tried once more. fstat after the open checks what we got
 *   (regular, ours, one link, empty).
 * - Only the owner and root can truncate or write a 0644 file; another
 *   user can at most unlink or rename it (in a non-sticky directory), which
 *   leaves our mapping and its inode alone. So the memory we map cannot
 *   shrink under us by another user's hand. (The same user or root can
 *   also ptrace or kill us: not a boundary a file can defend.)
 * - The file gets its final size with posix_fallocate, not a sparse
 *   ftruncate: on a full tmpfs (anyone can fill /dev/shm), the first store
 *   to a page that was never allocated is a SIGBUS too.
 * - If any step fails (name taken, directory missing, no space), the
 *   counters live in private anonymous memory instead: the process counts
 *   exactly as before and publishes nothing; wdctl reports a squatted
 *   name as "not publishing" (wd_stats_read.c). Counting never stops
 *   the process.
 * - At exit the file is removed only if the name still holds our inode.
 *
 * Publishing with pwrite from private memory was the other candidate: it
 * needs a system call per update (DESIGN.md invariant 1) or a thread that
 * copies periodically. memfd + link does not work: linkat cannot cross
 * from the memfd's internal mount into /dev/shm (EXDEV).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "wd_internal.h"
#include "wd_config.h"
#include "wd_fork.h"
#include "wd_stats_priv.h"

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wd_stats_file *stats_file;	/* NULL until first use */
static int stats_failed;			/* counters off: stay off */
static int stats_published;			/* stats_file is the file's mapping */
static pid_t stats_owner;
static char stats_path[4096];
static dev_t stats_dev;				/* the inode we created */
static ino_t stats_ino;

WD_EXPORT const char *wd_stats_dir(void)
{
	const char *dir = wd_config_str(WD_CFG_STATS_DIR);

	return strcmp(dir, "off") ? dir : NULL;
}

WD_EXPORT int wd_stats_publishing(void)
{
	return __atomic_load_n(&stats_published, __ATOMIC_ACQUIRE);
}

static void stats_unlink_at_exit(void)
{
	struct stat st;

	/* Only the creator removes it: a forked child inherits this handler. */
	if (!stats_published || stats_owner != getpid())
		return;
	/* and only our inode: in a non-sticky directory the name may have
	 * been replaced by someone else's file since */
	if (lstat(stats_path, &st) == 0 && st.st_dev == stats_dev && st.st_ino == stats_ino)
		unlink(stats_path);
}

/*
 * name exists in dfd: remove it if it is provably a leftover of ours (an
 * earlier process with our pid that died before its atexit). Another
 * user's file, a symlink, a directory, a hard link: left alone. 0 if removed.
 */
static int stats_remove_stale(int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1)
		return -1;
	return unlinkat(dfd, name, 0);
}

/* A new file of our own in dfd, checked; -1 if none can be had safely. */
static int stats_open_exclusive(int dfd, const char *name)
{
	const int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	struct stat st;
	int fd;

	fd = openat(dfd, name, flags, 0600);
	if (fd < 0 && errno == EEXIST && stats_remove_stale(dfd, name) == 0)
		fd = openat(dfd, name, flags, 0600);
	if (fd < 0)
		return -1;
	/* O_EXCL made it; still, check what we hold (NFS, odd filesystems) */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_nlink != 1 || st.st_size != 0) {
		close(fd);
		return -1;
	}
	stats_dev = st.st_dev;
	stats_ino = st.st_ino;
	return fd;
}

/* The shared mapping of a new counter file in dir, or NULL. */
static struct wd_stats_file *stats_map_file(const char *dir)
{
	struct wd_stats_file *f = NULL;
	char name[64];
	int dfd, fd, err;

	snprintf(name, sizeof(name), "wd-stats.%d", (int)getpid());
	snprintf(stats_path, sizeof(stats_path), "%s/%s", dir, name);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return NULL;
	fd = stats_open_exclusive(dfd, name);
	if (fd < 0)
		goto err_dir;
	/* every page allocated now: no SIGBUS later on a full tmpfs */
	err = posix_fallocate(fd, 0, sizeof(*f));
	if (err)
		goto err_unlink;
	f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f == MAP_FAILED) {
		f = NULL;
		goto err_unlink;
	}
	/* Readable by wdctl run by anyone: counters are not secrets. */
	fchmod(fd, 0644);
	close(fd);
	close(dfd);
	return f;

err_unlink:
	unlinkat(dfd, name, 0);
	close(fd);
err_dir:
	close(dfd);
	return NULL;
}

static void stats_fork_child(void);

static struct wd_stats_file *stats_create(void)
{
	const char *dir = wd_stats_dir();
	struct wd_stats_file *f;
	static int atexit_done;

	if (!dir)
		return NULL;
	/*
	 * The fork handler must be in place before the first counter: a
	 * child forked after this (nginx workers after the master counted its
	 * own start-up) must make a file of its own, not write into ours.
	 */
	wd_atfork_register(stats_fork_child);
	f = stats_map_file(dir);
	stats_published = f != NULL;
	if (!f) {
		/* count privately: nothing else changes (fresh zero pages, also
		 * in a forked child) */
		f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (f == MAP_FAILED)
			return NULL;
	}
	f->version = WD_STATS_VERSION;
	f->pid = getpid();
	prctl(PR_GET_NAME, f->comm, 0, 0, 0);
	__atomic_store_n(&f->magic, WD_STATS_MAGIC, __ATOMIC_RELEASE);
	stats_owner = getpid();
	if (stats_published && !atexit_done) {
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

static void stats_fork_child(void)
{
	/*
	 * The child keeps the parent's mapping (harmless, read by nobody
	 * through this pointer again) and makes its own file on first use.
	 */
	pthread_mutex_init(&stats_lock, NULL);
	stats_file = NULL;
	stats_failed = 0;
	stats_published = 0;
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
