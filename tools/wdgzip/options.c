/* SPDX-License-Identifier: MIT */
/*
 * options.c - the command line, parsed as GNU gzip 1.12 parses it:
 * the same short and long options, grouped short options, "--", and
 * options taken first from the GZIP environment variable, where only the
 * harmless ones are accepted (with gzip's deprecation warning).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wdgzip.h"

struct gz_opts opt = {
	.no_name = -1,
	.no_time = -1,
	.level = 6,
	.suffix = ".gz",
	.suffix_len = 3,
};

/* Codes of options that have no short form; ENV_OPTION marks GZIP's. */
enum {
	PRESUME_INPUT_TTY_OPTION = 128,
	RSYNCABLE_OPTION,
	SYNCHRONOUS_OPTION,
	ENV_OPTION
};

static const char shortopts[] = "ab:cdfhH?klLmMnNp:qrS:tvVZ123456789";

static const struct option longopts[] = {
	{ "ascii", no_argument, NULL, 'a' },
	{ "to-stdout", no_argument, NULL, 'c' },
	{ "stdout", no_argument, NULL, 'c' },
	{ "decompress", no_argument, NULL, 'd' },
	{ "uncompress", no_argument, NULL, 'd' },
	{ "force", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "keep", no_argument, NULL, 'k' },
	{ "list", no_argument, NULL, 'l' },
	{ "license", no_argument, NULL, 'L' },
	{ "no-name", no_argument, NULL, 'n' },
	{ "name", no_argument, NULL, 'N' },
	{ "-presume-input-tty", no_argument, NULL, PRESUME_INPUT_TTY_OPTION },
	{ "processes", required_argument, NULL, 'p' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "silent", no_argument, NULL, 'q' },
	{ "synchronous", no_argument, NULL, SYNCHRONOUS_OPTION },
	{ "recursive", no_argument, NULL, 'r' },
	{ "suffix", required_argument, NULL, 'S' },
	{ "test", no_argument, NULL, 't' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "fast", no_argument, NULL, '1' },
	{ "best", no_argument, NULL, '9' },
	{ "lzw", no_argument, NULL, 'Z' },
	{ "bits", required_argument, NULL, 'b' },
	{ "rsyncable", no_argument, NULL, RSYNCABLE_OPTION },
	{ NULL, 0, NULL, 0 }
};

static void finish_out(void)
{
	if (fclose(stdout) != 0)
		write_error("stdout", errno);
	do_exit(EXIT_OK);
}

static void help(void)
{
	printf("Usage: %s [OPTION]... [FILE]...\n", program_name);
	fputs(
"Compress or uncompress FILEs (by default, compress FILES in-place).\n"
"\n"
"Mandatory arguments to long options are mandatory for short options too.\n"
"\n"
"  -c, --stdout      write on standard output, keep original files unchanged\n"
"  -d, --decompress  decompress\n"
"  -f, --force       force overwrite of output file and compress links\n"
"  -h, --help        give this help\n"
"  -k, --keep        keep (don't delete) input files\n"
"  -l, --list        list compressed file contents\n"
"  -L, --license     display software license\n"
"  -n, --no-name     do not save or restore the original name and timestamp\n"
"  -N, --name        save or restore the original name and timestamp\n"
"  -p, --processes=N compress with N queues/engines (default: all CPUs)\n"
"  -q, --quiet       suppress all warnings\n"
"  -r, --recursive   operate recursively on directories\n"
"      --rsyncable   make rsync-friendly archive\n"
"  -S, --suffix=SUF  use suffix SUF on compressed files\n"
"      --synchronous synchronous output (safer if system crashes, but slower)\n"
"  -t, --test        test compressed file integrity\n"
"  -v, --verbose     verbose mode\n"
"  -V, --version     display version number\n"
"  -1, --fast        compress faster\n"
"  -9, --best        compress better\n"
"\n"
"With no FILE, or when FILE is -, read standard input.\n"
"\n"
"Compression and decompression run on WarpDrive queues (wd_comp).\n"
"Report bugs to the WarpDrive project.\n", stdout);
}

/* The version of GNU gzip whose interface wdgzip implements. */
#define GZIP_COMPAT_VERSION "1.12"

/*
 * The first line of -V and -L. Under its own names wdgzip gives its own
 * version. Run as gzip (gunzip, zcat ...: put where gzip was), the last
 * word is the gzip version it behaves as, because that is what scripts
 * read to learn which options the installed gzip has (-k came in 1.6,
 * --synchronous in 1.7 ...), gzip's own test suite among them; the words
 * before it say that this is wdgzip, not GNU gzip.
 */
static void version_line(void)
{
	if (strncmp(program_name, "wd", 2) == 0)
		printf("%s (%s) %s\n", program_name, PACKAGE_NAME,
		       PACKAGE_VERSION);
	else
		printf("%s (%s wdgzip %s) %s\n", program_name, PACKAGE_NAME,
		       PACKAGE_VERSION, GZIP_COMPAT_VERSION);
}

static void license(void)
{
	version_line();
	fputs(
"Copyright (C) 2026 the WarpDrive authors.\n"
"This is free software, distributed under the MIT license.\n"
"There is NO WARRANTY, to the extent permitted by law.\n", stdout);
}

static void version(void)
{
	license();
	fputs("\nA gzip-compatible command line on WarpDrive's wd_comp,\n"
	      "with the interface of GNU gzip " GZIP_COMPAT_VERSION ".\n", stdout);
}

/*
 * The words of GZIP and their vector, freed once all options are parsed:
 * getopt keeps a pointer into the last word it read until it is called
 * on the command line.
 */
static char *env_copy;
static char **env_vec;

/*
 * Split GZIP into words (spaces and tabs), behind a copy of argv[0].
 * Returns the new vector and its count in *argcp, or NULL when the variable
 * is unset or holds no word.
 */
static char **env_options(const char *argv0, int *argcp)
{
	const char *val = getenv("GZIP");
	char *copy, *p, **v;
	int n = 0;

	if (!val)
		return NULL;
	copy = strdup(val);
	v = calloc(strlen(val) / 2 + 3, sizeof(*v));
	if (!copy || !v) {
		fprintf(stderr, "%s: memory exhausted\n", program_name);
		do_exit(EXIT_ERROR);
	}
	v[n++] = (char *)argv0;
	for (p = strtok(copy, " \t"); p; p = strtok(NULL, " \t"))
		v[n++] = p;
	if (n == 1) {
		free(copy);
		free(v);
		return NULL;
	}
	v[n] = NULL;
	*argcp = n;
	env_copy = copy;
	env_vec = v;
	return v;
}

static void bad_env_option(int optc, int longind)
{
	fprintf(stderr, "%s: ", program_name);
	if (longind < 0)
		fprintf(stderr, "-%c: ", optc - ENV_OPTION);
	else
		fprintf(stderr, "--%s: ", longopts[longind].name);
	fprintf(stderr, "option not valid in GZIP environment variable\n");
	try_help();
}

static void set_processes(const char *arg)
{
	char *end;
	long n = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || n < 1 || n > 1024) {
		fprintf(stderr, "%s: invalid number of processes: %s\n",
			program_name, arg);
		try_help();
	}
	opt.processes = (unsigned int)n;
}

/* One option; optc has ENV_OPTION added when it came from GZIP. */
static void apply_option(int optc, int longind)
{
	switch (optc) {
	case 'a': opt.ascii = 1; break;
	case 'b':
		for (const char *p = optarg; *p; p++)
			if (*p < '0' || *p > '9') {
				fprintf(stderr, "%s: -b operand is not an integer\n",
					program_name);
				try_help();
			}
		break;
	case 'c': opt.to_stdout = 1; break;
	case 'd': opt.decompress = 1; break;
	case 'f': opt.force++; break;
	case 'h': case 'H': help(); finish_out(); break;
	case 'k': opt.keep = 1; break;
	case 'l': opt.list = opt.decompress = opt.test = opt.to_stdout = 1; break;
	case 'L': license(); finish_out(); break;
	case 'm': opt.no_time = 1; break;
	case 'M': opt.no_time = 0; break;
	case 'n': case 'n' + ENV_OPTION: opt.no_name = opt.no_time = 1; break;
	case 'N': case 'N' + ENV_OPTION: opt.no_name = opt.no_time = 0; break;
	case 'p': set_processes(optarg); break;
	case PRESUME_INPUT_TTY_OPTION: opt.presume_input_tty = 1; break;
	case 'q': case 'q' + ENV_OPTION: opt.quiet = 1; opt.verbose = 0; break;
	case 'r': opt.recursive = 1; break;
	case RSYNCABLE_OPTION: case RSYNCABLE_OPTION + ENV_OPTION:
		opt.rsyncable = 1; break;
	case 'S': opt.suffix = optarg; opt.suffix_len = strlen(optarg); break;
	case SYNCHRONOUS_OPTION: opt.synchronous = 1; break;
	case 't': opt.test = opt.decompress = opt.to_stdout = 1; break;
	case 'v': case 'v' + ENV_OPTION: opt.verbose++; opt.quiet = 0; break;
	case 'V': version(); finish_out(); break;
	case 'Z':
		fprintf(stderr, "%s: -Z not supported in this version\n",
			program_name);
		try_help();
		break;
	case '1' + ENV_OPTION: case '2' + ENV_OPTION: case '3' + ENV_OPTION:
	case '4' + ENV_OPTION: case '5' + ENV_OPTION: case '6' + ENV_OPTION:
	case '7' + ENV_OPTION: case '8' + ENV_OPTION: case '9' + ENV_OPTION:
		optc -= ENV_OPTION;
		/* fall through */
	case '1': case '2': case '3': case '4': case '5': case '6': case '7':
	case '8': case '9':
		opt.level = optc - '0';
		break;
	default:
		/* getopt has already explained a plain bad option */
		if (optc >= ENV_OPTION && optc != ENV_OPTION + '?')
			bad_env_option(optc, longind);
		try_help();
	}
}

/* The next option, from GZIP first, then from the command line. */
static int next_option(int argc, char **argv, char ***envv, int envc,
		       int *longind)
{
	int optc;

	*longind = -1;
	if (*envv) {
		char **ev = *envv;

		if (ev[optind] && strcmp(ev[optind], "--") == 0)
			return ENV_OPTION + '-';
		optc = getopt_long(envc, ev, shortopts, longopts, longind);
		if (optc >= 0)
			return optc + ENV_OPTION;
		if (optind != envc) {
			fprintf(stderr,
				"%s: %s: non-option in GZIP environment variable\n",
				program_name, ev[optind]);
			try_help();
		}
		if (!opt.quiet)
			fprintf(stderr, "%s: warning: GZIP environment variable "
				"is deprecated; use an alias or script\n",
				program_name);
		*envv = NULL;
		optind = 1;
		*longind = -1;
	}
	return getopt_long(argc, argv, shortopts, longopts, longind);
}

int parse_options(int argc, char **argv)
{
	int envc = 0, longind, optc;
	char **envv = env_options(argv[0], &envc);

	while ((optc = next_option(argc, argv, &envv, envc, &longind)) >= 0)
		apply_option(optc, longind);
	/* the options allowed in GZIP take no argument: nothing points
	 * into its words now */
	free(env_vec);
	free(env_copy);

	if (opt.no_time < 0)
		opt.no_time = opt.decompress;
	if (opt.no_name < 0)
		opt.no_name = opt.decompress;
	if (opt.ascii && !opt.quiet)
		fprintf(stderr, "%s: option --ascii ignored on this system\n",
			program_name);
	if (opt.suffix_len == 0 || opt.suffix_len > MAX_SUFFIX) {
		fprintf(stderr, "%s: invalid suffix '%s'\n", program_name,
			opt.suffix);
		do_exit(EXIT_ERROR);
	}
	return optind;
}
