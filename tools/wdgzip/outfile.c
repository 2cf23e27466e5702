/* SPDX-License-Identifier: MIT */
/*
 * outfile.c - the output file. Data goes to a temporary file in the
 * output's directory, renamed over the final name only when complete, so
 * an error or a signal (SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXCPU, SIGXFSZ)
 * never leaves a partial output: the temporary file is unlinked instead.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wdgzip.h"

int foreground = 1;

static char tmp_name[PATH_MAX + 32];
static char final_name[PATH_MAX + 32];
static volatile sig_atomic_t have_tmp;
static int out_fd = -1;
static sigset_t caught;

static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXCPU,
			    SIGXFSZ };

static void on_signal(int sig)
{
	if (have_tmp) {
		have_tmp = 0;
		unlink(tmp_name);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Catch only what was not ignored when we started, as gzip does. */
void signals_init(void)
{
	struct sigaction sa, old;
	size_t i;

	sigemptyset(&caught);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaction(sigs[i], NULL, &old);
		if (old.sa_handler == SIG_IGN) {
			if (sigs[i] == SIGINT)
				foreground = 0;
			continue;
		}
		sigaddset(&caught, sigs[i]);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_mask = caught;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigismember(&caught, sigs[i]))
			sigaction(sigs[i], &sa, NULL);
}

int outfile_fd(void)
{
	return out_fd;
}

static int yesno(void)
{
	int c = getchar(), first = c;

	while (c != EOF && c != '\n')
		c = getchar();
	return first == 'y' || first == 'Y';
}

/* gzip's check_ofname(): may the existing ofname be replaced? */
static int may_replace(const char *ofname, const struct stat *ist,
		       const char *ifname)
{
	struct stat ost;

	if (lstat(ofname, &ost) != 0)
		return 1;
	if (ist && ost.st_dev == ist->st_dev && ost.st_ino == ist->st_ino) {
		if (strcmp(ifname, ofname) == 0)
			fprintf(stderr, "%s: %s: cannot %scompress onto itself\n",
				program_name, ifname, opt.decompress ? "de" : "");
		else
			fprintf(stderr, "%s: %s and %s are the same file\n",
				program_name, ifname, ofname);
		exit_code = EXIT_ERROR;
		return 0;
	}
	if (!opt.force) {
		int ok = 0;

		fprintf(stderr, "%s: %s already exists;", program_name, ofname);
		if (foreground && (opt.presume_input_tty || isatty(0))) {
			fprintf(stderr, " do you wish to overwrite (y or n)? ");
			fflush(stderr);
			ok = yesno();
		}
		if (!ok) {
			fprintf(stderr, "\tnot overwritten\n");
			if (exit_code == EXIT_OK)
				exit_code = EXIT_WARNING;
			return 0;
		}
	}
	if (unlink(ofname) != 0) {
		progerror(ofname);
		return 0;
	}
	return 1;
}

/* Open a temporary file next to ofname. Returns its fd, or -1. */
int outfile_create(const char *ofname, const struct stat *ist,
		   const char *ifname)
{
	const char *base = base_name(ofname);
	size_t dirlen = (size_t)(base - ofname);
	sigset_t old;
	int fd;

	if (!may_replace(ofname, ist, ifname))
		return -1;
	if (strlen(ofname) >= sizeof(final_name) ||
	    dirlen + 16 >= sizeof(tmp_name)) {
		fprintf(stderr, "%s: %s: file name too long\n", program_name,
			ofname);
		exit_code = EXIT_ERROR;
		return -1;
	}
	strcpy(final_name, ofname);
	sigprocmask(SIG_BLOCK, &caught, &old);
	memcpy(tmp_name, ofname, dirlen);
	strcpy(tmp_name + dirlen, ".wdgzip.XXXXXX");
	fd = mkostemp(tmp_name, O_CLOEXEC);
	if (fd >= 0)
		have_tmp = 1;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd < 0) {
		progerror(ofname);
		return -1;
	}
	out_fd = fd;
	return fd;
}

/* Drop the unfinished output (errors and aborts). */
void outfile_remove(void)
{
	sigset_t old;

	sigprocmask(SIG_BLOCK, &caught, &old);
	if (have_tmp) {
		close(out_fd);
		unlink(tmp_name);
		have_tmp = 0;
		out_fd = -1;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void copy_meta_warn(void)
{
	int e = errno;

	warn_msg("%s: ", program_name);
	if (!opt.quiet)
		fprintf(stderr, "%s: %s\n", final_name, strerror(e));
}

/*
 * Give the output the input's times, group, mode and owner (restore:
 * the mtime from the gzip header, -N), then move it to its final name.
 */
void outfile_finish(const struct stat *ist, const struct timespec *restore)
{
	struct timespec ts[2] = { ist->st_atim, ist->st_mtim };
	int restoring = restore && restore->tv_nsec >= 0 &&
		!(restore->tv_sec == ts[1].tv_sec &&
		  restore->tv_nsec == ts[1].tv_nsec);
	sigset_t old;

	if (restoring)
		ts[1] = *restore;
	if (futimens(out_fd, ts) == 0) {
		if (restoring && opt.verbose > 1)
			fprintf(stderr, "%s: timestamp restored\n", final_name);
	} else {
		copy_meta_warn();
	}
	if (fchown(out_fd, (uid_t)-1, ist->st_gid) != 0 && errno != EPERM)
		copy_meta_warn();
	if (fchmod(out_fd, ist->st_mode & 0777) != 0)
		copy_meta_warn();
	if (fchown(out_fd, ist->st_uid, (gid_t)-1) != 0 && errno != EPERM)
		copy_meta_warn();
	if (opt.synchronous && fsync(out_fd) != 0 && errno != EINVAL)
		write_error(final_name, errno);
	if (close(out_fd) != 0)
		write_error(final_name, errno);
	sigprocmask(SIG_BLOCK, &caught, &old);
	out_fd = -1;
	if (rename(tmp_name, final_name) != 0) {
		int e = errno;

		unlink(tmp_name);
		have_tmp = 0;
		sigprocmask(SIG_SETMASK, &old, NULL);
		errno = e;
		write_error(final_name, e);
	}
	have_tmp = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
}
