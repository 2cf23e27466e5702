/* SPDX-License-Identifier: MIT */
/*
 * msg.c - diagnostics in GNU gzip's exact forms, and the exit status.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wdgzip.h"

const char *program_name = "wdgzip";
int exit_code = EXIT_OK;

/* A warning never hides an earlier error: ERROR (1) outranks WARNING (2). */
void set_exit(int code)
{
	if (code == EXIT_ERROR || exit_code == EXIT_OK)
		exit_code = code;
}

/* gzip's WARN(): print unless -q, and turn a clean exit into status 2. */
void warn_msg(const char *fmt, ...)
{
	va_list ap;

	if (!opt.quiet) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	if (exit_code == EXIT_OK)
		exit_code = EXIT_WARNING;
}

void progerror(const char *name)
{
	int e = errno;

	fprintf(stderr, "%s: %s: %s\n", program_name, name, strerror(e));
	exit_code = EXIT_ERROR;
}

void display_ratio(int64_t num, int64_t den, FILE *f)
{
	fprintf(f, "%5.1f%%", den == 0 ? 0.0 : 100.0 * (double)num / (double)den);
}

void try_help(void)
{
	fprintf(stderr, "Try `%s --help' for more information.\n",
		program_name);
	do_exit(EXIT_ERROR);
}

void do_exit(int code)
{
	exit(code);
}

/* Leave no partial output behind, then fail. */
void abort_gzip(void)
{
	outfile_remove();
	do_exit(EXIT_ERROR);
}

void read_error(const char *name, int err)
{
	fprintf(stderr, "\n%s: ", program_name);
	if (err)
		fprintf(stderr, "%s: %s\n", name, strerror(err));
	else
		fprintf(stderr, "%s: unexpected end of file\n", name);
	abort_gzip();
}

void write_error(const char *name, int err)
{
	fprintf(stderr, "\n%s: %s: %s\n", program_name, name, strerror(err));
	abort_gzip();
}

void write_all(int fd, const void *buf, size_t len, const char *name)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			write_error(name, errno);
		}
		p += n;
		len -= (size_t)n;
	}
}
