// SPDX-License-Identifier: MIT
/*
 * wd_stats_read.c - reading other processes' counter files (wdctl stats,
 * and the tests that check counters from outside).
 *
 * Anything in the directory may be hostile or half-written: another user
 * can put a FIFO, a symlink, a directory, a huge file or a file of the
 * wrong size under any wd-stats.<pid> name, and a file can be truncated
 * or replaced while we read it. So a file is opened with O_NOFOLLOW and
 * O_NONBLOCK (a FIFO does not block the open), checked with fstat (a
 * regular file of exactly the expected size), and copied with pread into
 * private memory, never mapped: a file that shrinks under us gives a short
 * read, not a SIGBUS. The copy is then validated (magic, version, the pid
 * of its name) and every string in it is terminated, so the caller can
 * print it as it is. A file not owned by the process's user (or root) is
 * someone else's squatting on the name: the process is not publishing.
 *
 * A rejected file is reported to the caller (path and reason) and the scan
 * goes on with the next one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "wd_internal.h"
#include "wd_stats.h"

#define TERMINATE(a)	((a)[sizeof(a) - 1] = '\0')

/* Make every string in f safe to print: a hostile file has no NULs. */
static void stats_terminate_strings(struct wd_stats_file *f)
{
	int i;

	TERMINATE(f->comm);
	TERMINATE(f->closed.dev);
	TERMINATE(f->closed.mode);
	for (i = 0; i < WD_STATS_MAX_QUEUES; i++) {
		TERMINATE(f->queues[i].dev);
		TERMINATE(f->queues[i].mode);
	}
	for (i = 0; i < WD_STATS_MAX_ALGS; i++)
		TERMINATE(f->algs[i].name);
}

WD_EXPORT int wd_stats_read_fd(int fd, long pid, struct wd_stats_file *out, const char **why)
{
	static __thread char msg[96];
	size_t got = 0;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0) {
		*why = "cannot stat";
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = S_ISDIR(st.st_mode) ? "a directory, not a counter file" :
		       S_ISFIFO(st.st_mode) ? "a FIFO, not a counter file" :
		       "not a regular file";
		return -EINVAL;
	}
	if (st.st_size != (off_t)sizeof(*out)) {
		snprintf(msg, sizeof(msg), "size %lld, a counter file has %zu bytes",
			 (long long)st.st_size, sizeof(*out));
		*why = msg;
		return -EINVAL;
	}
	while (got < sizeof(*out)) {
		n = pread(fd, (char *)out + got, sizeof(*out) - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*why = "read error";
			return -errno;
		}
		if (n == 0) {
			*why = "truncated while read";
			return -EINVAL;
		}
		got += (size_t)n;
	}
	if (out->magic != WD_STATS_MAGIC) {
		*why = out->magic ? "wrong magic, not a counter file" :
		       "not initialised (being created, or not a counter file)";
		return -EINVAL;
	}
	if (out->version != WD_STATS_VERSION) {
		snprintf(msg, sizeof(msg), "version %u, this reader knows %u",
			 out->version, WD_STATS_VERSION);
		*why = msg;
		return -EINVAL;
	}
	if (out->pid != pid) {
		snprintf(msg, sizeof(msg), "written for pid %d, not %ld", out->pid, pid);
		*why = msg;
		return -EINVAL;
	}
	stats_terminate_strings(out);
	return 0;
}

static int stats_pid_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

/*
 * Is uid one of pid's (real, effective, saved, filesystem)? 1 yes, 0 no,
 * -1 when /proc does not say (hidepid, no /proc).
 */
static int stats_uid_of_process(long pid, uid_t uid)
{
	char path[64], line[256];
	unsigned long u[4];
	int found = -1, i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Uid: %lu %lu %lu %lu", &u[0], &u[1], &u[2], &u[3]) != 4)
			continue;
		found = 0;
		for (i = 0; i < 4; i++)
			if (u[i] == (unsigned long)uid)
				found = 1;
		break;
	}
	fclose(f);
	return found;
}

/*
 * The file belongs to the process if its owner is root or one of the
 * process's uids (a setuid program's file is owned by its euid). Without
 * /proc, only root's and our own files are believed.
 */
static int stats_owner_ok(long pid, uid_t owner)
{
	int r;

	if (owner == 0)
		return 1;
	r = stats_uid_of_process(pid, owner);
	return r < 0 ? owner == geteuid() : r;
}

struct stats_scan {
	int (*cb)(const struct wd_stats_file *f, void *arg);
	void (*bad)(const char *path, long pid, const char *why, void *arg);
	void *arg;
	struct wd_stats_file *buf;
	const char *dir;
	int dfd;
	int seen;
};

static void stats_reject(struct stats_scan *s, const char *name, long pid, const char *why)
{
	char path[4096];

	if (!s->bad)
		return;
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	s->bad(path, pid, why, s->arg);
}

/* One directory entry; returns non-zero when the callback says stop. */
static int stats_scan_one(struct stats_scan *s, const char *name)
{
	static __thread char msg[160];
	const char *why = NULL;
	struct stat st;
	long pid;
	char *end;
	int fd, ret;

	errno = 0;
	pid = strtol(name + strlen("wd-stats."), &end, 10);
	if (*end || pid <= 0 || errno || pid != (pid_t)pid) {
		stats_reject(s, name, 0, "name is not wd-stats.<pid>");
		return 0;
	}
	if (!stats_pid_alive((pid_t)pid)) {
		/* a crashed process's leftovers; may fail, fine */
		unlinkat(s->dfd, name, 0);
		return 0;
	}
	fd = openat(s->dfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		stats_reject(s, name, pid, errno == ELOOP ? "a symbolic link, not a counter file" :
			     strerror(errno));
		return 0;
	}
	ret = wd_stats_read_fd(fd, pid, s->buf, &why);
	if (!ret && (fstat(fd, &st) < 0 || !stats_owner_ok(pid, st.st_uid))) {
		snprintf(msg, sizeof(msg),
			 "owned by uid %u, not by process %ld's user: someone else's file, "
			 "the process is not publishing counters", (unsigned int)st.st_uid, pid);
		why = msg;
		ret = -EPERM;
	}
	close(fd);
	if (ret) {
		stats_reject(s, name, pid, why);
		return 0;
	}
	s->seen++;
	return s->cb(s->buf, s->arg);
}

WD_EXPORT int wd_stats_scan_ex(int (*cb)(const struct wd_stats_file *f, void *arg),
			       void (*bad)(const char *path, long pid, const char *why, void *arg),
			       void *arg)
{
	struct stats_scan s = { .cb = cb, .bad = bad, .arg = arg };
	struct dirent *de;
	DIR *d;

	s.dir = wd_stats_dir();
	if (!s.dir)
		return -ENOENT;
	d = opendir(s.dir);
	if (!d)
		return -errno;
	s.buf = malloc(sizeof(*s.buf));
	if (!s.buf) {
		closedir(d);
		return -ENOMEM;
	}
	s.dfd = dirfd(d);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "wd-stats.", 9))
			continue;
		if (stats_scan_one(&s, de->d_name))
			break;
	}
	free(s.buf);
	closedir(d);
	return s.seen;
}

WD_EXPORT int wd_stats_scan(int (*cb)(const struct wd_stats_file *f, void *arg), void *arg)
{
	return wd_stats_scan_ex(cb, NULL, arg);
}
