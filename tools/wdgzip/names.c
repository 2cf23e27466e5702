/* SPDX-License-Identifier: MIT */
/*
 * names.c - file names as gzip treats them: known suffixes, the input
 * search (-d tries NAME.gz, NAME.z ... when NAME does not exist) and the
 * output name.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wdgzip.h"

const char *base_name(const char *name)
{
	const char *slash = strrchr(name, '/');

	return slash ? slash + 1 : name;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/*
 * The gzip suffix that ends name (compared without case), or NULL. The -S
 * suffix is tried first, unless it is itself the end of a built-in one
 * (then it is tried last, so that ".tgz" still wins over "gz").
 */
char *get_suffix(char *name)
{
	const char *known[] = { NULL, ".gz", ".z", ".taz", ".tgz", "-gz",
				"-z", "_z", NULL, NULL };
	size_t nknown = sizeof(known) / sizeof(known[0]);
	char tail[MAX_SUFFIX + 3], *zl;
	size_t nlen = strlen(name), tlen;
	int of_builtin = 0;
	const char **suf;
	char *match = NULL;

	for (suf = known + 1; *suf; suf++) {
		size_t sl = strlen(*suf);

		if (opt.suffix_len < sl &&
		    strcmp(opt.suffix, *suf + sl - opt.suffix_len) == 0) {
			of_builtin = 1;
			break;
		}
	}
	zl = strdup(opt.suffix);
	if (!zl)
		return NULL;
	lower(zl);
	known[of_builtin ? nknown - 2 : 0] = zl;
	suf = known + of_builtin;

	strcpy(tail, nlen <= MAX_SUFFIX + 2 ? name : name + nlen - MAX_SUFFIX - 2);
	lower(tail);
	tlen = strlen(tail);
	for (; *suf; suf++) {
		size_t s = strlen(*suf);

		if (tlen > s && tail[tlen - s - 1] != '/' &&
		    strcmp(tail + tlen - s, *suf) == 0) {
			match = name + nlen - s;
			break;
		}
	}
	free(zl);
	return match;
}

/* Symbolic links are refused unless -c or -f, as gzip does. */
static int open_and_stat(const char *name, struct stat *st)
{
	int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	int fd, e;

	if (!opt.to_stdout && !opt.force)
		flags |= O_NOFOLLOW;
	fd = open(name, flags);
	if (fd >= 0 && fstat(fd, st) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int name_too_long(const char *iname)
{
	fprintf(stderr, "%s: %s: file name too long\n", program_name, iname);
	exit_code = EXIT_ERROR;
	return -1;
}

/*
 * Open the input named iname (or, decompressing, iname plus a gzip suffix)
 * and fill ifname with the name that was opened. Returns the fd, or -1
 * after an error message.
 */
int open_input_file(const char *iname, char *ifname, size_t ifsize,
		    struct stat *st)
{
	const char *sufs[] = { opt.suffix, ".gz", ".z", "-z", ".Z", NULL };
	const char **suf = sufs;
	size_t ilen = strlen(iname);
	int fd, z_errno = 0;

	if (ilen >= ifsize - 1)
		return name_too_long(iname);
	strcpy(ifname, iname);
	fd = open_and_stat(ifname, st);
	if (fd >= 0)
		return fd;
	if (!opt.decompress || errno != ENOENT || get_suffix(ifname)) {
		progerror(ifname);
		return -1;
	}
	if (strcmp(opt.suffix, ".gz") == 0)
		suf++;
	for (; *suf; suf++) {
		if (ilen + strlen(*suf) >= ifsize)
			return name_too_long(iname);
		strcpy(ifname, iname);
		strcat(ifname, *suf);
		fd = open_and_stat(ifname, st);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT) {
			progerror(ifname);
			return -1;
		}
		if (strcmp(*suf, opt.suffix) == 0)
			z_errno = errno;
	}
	strcpy(ifname, iname);
	strcat(ifname, opt.suffix);
	errno = z_errno;
	progerror(ifname);
	return -1;
}

/*
 * The output name for ifname. Returns EXIT_OK, or EXIT_WARNING when the
 * file is to be skipped (message already given), EXIT_ERROR if too long.
 */
int make_ofname(const char *ifname, char *ofname, size_t ofsize)
{
	char *suff;

	if (strlen(ifname) + opt.suffix_len >= ofsize) {
		fprintf(stderr, "%s: %s: file name too long\n", program_name,
			ifname);
		exit_code = EXIT_ERROR;
		return EXIT_ERROR;
	}
	strcpy(ofname, ifname);
	suff = get_suffix(ofname);

	if (opt.decompress) {
		if (!suff) {
			/* -t and -l try every file, except under -r */
			if (!opt.recursive && opt.test)
				return EXIT_OK;
			if (opt.verbose || (!opt.recursive && !opt.quiet))
				warn_msg("%s: %s: unknown suffix -- ignored\n",
					 program_name, ifname);
			return EXIT_WARNING;
		}
		lower(suff);
		if (strcmp(suff, ".tgz") == 0 || strcmp(suff, ".taz") == 0)
			strcpy(suff, ".tar");
		else
			*suff = '\0';
	} else if (suff && !opt.force) {
		/* not a WARN in gzip: the exit status stays as it is */
		if (opt.verbose || (!opt.recursive && !opt.quiet))
			fprintf(stderr, "%s: %s already has %s suffix -- unchanged\n",
				program_name, ifname, suff);
		return EXIT_WARNING;
	} else {
		save_orig_name = 0;
		strcat(ofname, opt.suffix);
	}
	return EXIT_OK;
}
