/* SPDX-License-Identifier: MIT */
/*
 * main.c - wdgzip: what to do with each operand (gzip's treatfile,
 * treatstdin and treatdir), and the program's start and end.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wdgzip.h"

int save_orig_name;
static int stdin_was_read;

static void treatfile(const char *iname);

static void verbose_result(const struct gz_file *f, int is_stdin)
{
	if (opt.test) {
		fprintf(stderr, " OK");
	} else if (opt.decompress) {
		if (is_stdin)
			return;
		display_ratio(f->bytes_out - (f->bytes_in - f->header_bytes),
			      f->bytes_out, stderr);
	} else {
		display_ratio(f->bytes_in - (f->bytes_out - f->header_bytes),
			      f->bytes_in, stderr);
	}
	if (!opt.test && !is_stdin)
		fprintf(stderr, " -- %s %s", opt.keep ? "created" : "replaced with",
			f->ofname);
	fprintf(stderr, "\n");
}

static void treatstdin(void)
{
	static char ofname[] = "stdout";
	struct gz_file f;
	struct stat st;
	int ret;

	if (!opt.force && !opt.list &&
	    (opt.presume_input_tty || isatty(opt.decompress ? 0 : 1))) {
		if (!opt.quiet)
			fprintf(stderr, "%s: compressed data not %s a terminal."
				" Use -f to force %scompression.\n"
				"For help, type: %s -h\n", program_name,
				opt.decompress ? "read from" : "written to",
				opt.decompress ? "de" : "", program_name);
		do_exit(EXIT_ERROR);
	}
	memset(&f, 0, sizeof(f));
	f.ifname = "stdin";
	f.ofname = ofname;
	f.ofsize = sizeof(ofname);
	f.ifd = 0;
	f.ofd = 1;
	if (fstat(0, &st) != 0) {
		progerror("standard input");
		do_exit(EXIT_ERROR);
	}
	f.ifile_size = S_ISREG(st.st_mode) ? st.st_size : -1;
	f.mtime.tv_sec = 0;
	f.mtime.tv_nsec = -1;
	if ((!opt.no_time || opt.list) && S_ISREG(st.st_mode))
		f.mtime = st.st_mtim;
	opt.to_stdout = 1;
	stdin_was_read = 1;

	if (opt.decompress && decompress_prepare(&f) < 0)
		do_exit(exit_code);
	if (opt.list) {
		list_file(&f);
		return;
	}
	ret = opt.decompress ? decompress_file(&f) : compress_file(&f);
	if (ret != EXIT_OK)
		return;
	if (opt.verbose)
		verbose_result(&f, 1);
}

static void treatdir(int fd, const char *dir)
{
	struct dirent **names;
	char path[PATH_MAX];
	int n, i, dfd = dup(fd);

	close(fd);
	if (dfd < 0) {
		progerror(dir);
		return;
	}
	n = scandirat(dfd, ".", &names, NULL, alphasort);
	close(dfd);
	if (n < 0) {
		progerror(dir);
		return;
	}
	for (i = 0; i < n; i++) {
		const char *e = names[i]->d_name;
		size_t len = strlen(dir);

		if (strcmp(e, ".") && strcmp(e, "..")) {
			if (len + strlen(e) < sizeof(path) - 2) {
				strcpy(path, dir);
				if (len && dir[len - 1] != '/')
					path[len++] = '/';
				strcpy(path + len, e);
				treatfile(path);
			} else {
				fprintf(stderr, "%s: %s/%s: pathname too long\n",
					program_name, dir, e);
				exit_code = EXIT_ERROR;
			}
		}
		free(names[i]);
	}
	free(names);
}

/* gzip refuses these unless writing to stdout (some unless -f). */
static int unsuitable(const char *ifname, const struct stat *st)
{
	if (opt.to_stdout)
		return 0;
	if (!S_ISREG(st->st_mode)) {
		warn_msg("%s: %s is not a directory or a regular file - ignored\n",
			 program_name, ifname);
		return 1;
	}
	if (st->st_mode & S_ISUID) {
		warn_msg("%s: %s is set-user-ID on execution - ignored\n",
			 program_name, ifname);
		return 1;
	}
	if (st->st_mode & S_ISGID) {
		warn_msg("%s: %s is set-group-ID on execution - ignored\n",
			 program_name, ifname);
		return 1;
	}
	if (opt.force)
		return 0;
	if (st->st_mode & S_ISVTX) {
		warn_msg("%s: %s has the sticky bit set - file ignored\n",
			 program_name, ifname);
		return 1;
	}
	if (st->st_nlink >= 2) {
		warn_msg("%s: %s has %lu other link%s -- file ignored\n",
			 program_name, ifname,
			 (unsigned long)st->st_nlink - 1,
			 st->st_nlink == 2 ? "" : "s");
		return 1;
	}
	return 0;
}

/* Compress or decompress the open input into a new output file. */
static void process_to_file(struct gz_file *f, const struct stat *st)
{
	int ret;

	f->ofd = outfile_create(f->ofname, st, f->ifname);
	if (f->ofd < 0)
		return;
	if (!save_orig_name)
		save_orig_name = !opt.no_name;
	if (opt.verbose)
		fprintf(stderr, "%s:\t", f->ifname);
	ret = opt.decompress ? decompress_file(f) : compress_file(f);
	if (ret != EXIT_OK) {
		outfile_remove();
		return;
	}
	outfile_finish(st, opt.decompress ? &f->mtime : NULL);
	if (!opt.keep && unlink(f->ifname) != 0) {
		int e = errno;

		warn_msg("%s: ", program_name);
		if (!opt.quiet)
			fprintf(stderr, "%s: %s\n", f->ifname, strerror(e));
	}
	if (opt.verbose)
		verbose_result(f, 0);
}

static void process_to_stdout(struct gz_file *f)
{
	int ret;

	f->ofd = 1;
	if (!save_orig_name)
		save_orig_name = !opt.no_name;
	if (opt.verbose)
		fprintf(stderr, "%s:\t", f->ifname);
	ret = opt.decompress ? decompress_file(f) : compress_file(f);
	if (ret == EXIT_OK && opt.verbose)
		verbose_result(f, 0);
}

static void treatfile(const char *iname)
{
	char ifname[PATH_MAX + 64], ofname[PATH_MAX + 64];
	struct gz_file f;
	struct stat st;
	int fd;

	if (strcmp(iname, "-") == 0) {
		int cflag = opt.to_stdout;

		treatstdin();
		opt.to_stdout = cflag;
		return;
	}
	fd = open_input_file(iname, ifname, sizeof(ifname), &st);
	if (fd < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		if (opt.recursive) {
			treatdir(fd, ifname);
			return;
		}
		close(fd);
		warn_msg("%s: %s is a directory -- ignored\n", program_name,
			 ifname);
		return;
	}
	if (unsuitable(ifname, &st)) {
		close(fd);
		return;
	}
	memset(&f, 0, sizeof(f));
	f.ifname = ifname;
	f.ofname = ofname;
	f.ofsize = sizeof(ofname);
	f.ifd = fd;
	f.ofd = 1;
	f.ifile_size = S_ISREG(st.st_mode) ? st.st_size : -1;
	f.mtime.tv_nsec = -1;
	if (!opt.no_time || opt.list)
		f.mtime = st.st_mtim;

	if (opt.to_stdout && !opt.list && !opt.test)
		strcpy(ofname, "stdout");
	else if (make_ofname(ifname, ofname, sizeof(ofname)) != EXIT_OK)
		goto out;
	if (opt.decompress && decompress_prepare(&f) < 0)
		goto out;
	if (opt.list)
		list_file(&f);
	else if (opt.to_stdout)
		process_to_stdout(&f);
	else
		process_to_file(&f, &st);
out:
	if (close(fd) != 0)
		read_error(ifname, errno);
}

/* wdgunzip, wdzcat (or gunzip, zcat) decompress, as gzip's names do. */
static void mode_from_name(const char *name)
{
	if (strncmp(name, "wd", 2) == 0 && name[2])
		name += 2;
	if (strncmp(name, "un", 2) == 0 || strncmp(name, "gun", 3) == 0) {
		opt.decompress = 1;
	} else if ((name[0] && strcmp(name + 1, "cat") == 0) ||
		   strcmp(name, "gzcat") == 0) {
		opt.decompress = 1;
		opt.to_stdout = 1;
	}
}

/*
 * The soft device's engines run in this process and set up a deflate state
 * for every chunk: keep freed memory for reuse instead of giving it back to
 * the kernel each time (glibc would madvise it away and fault it in again,
 * about a tenth of the run's time).
 */
static void malloc_tune(void)
{
#if defined(M_TRIM_THRESHOLD) && defined(M_MMAP_THRESHOLD)
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
}

int main(int argc, char **argv)
{
	int first, file_count;

	malloc_tune();
	program_name = base_name(argv[0]);
	/* getopt names the program by argv[0]: make it the short name, not
	 * the path (libtool's wrapper runs us by a long one) */
	argv[0] = (char *)program_name;
	mode_from_name(program_name);
	signals_init();
	first = parse_options(argc, argv);
	file_count = argc - first;

	if (file_count) {
		while (first < argc)
			treatfile(argv[first++]);
	} else {
		treatstdin();
	}
	if (stdin_was_read && close(0) != 0)
		read_error("stdin", errno);
	if (opt.list) {
		if (!opt.quiet && file_count > 1)
			list_totals();
		if (fflush(stdout) != 0)
			write_error("stdout", errno);
	}
	if (opt.to_stdout &&
	    ((opt.synchronous && fdatasync(1) != 0 && errno != EINVAL) ||
	     close(1) != 0) && errno != EBADF)
		write_error("stdout", errno);
	do_exit(exit_code);
}
