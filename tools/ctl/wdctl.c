// SPDX-License-Identifier: MIT
/*
 * wdctl - show WarpDrive devices, queues and counters.
 *
 *   wdctl list  [--json]              devices and what they serve
 *   wdctl stats [--json] [--pid PID]  counters of live processes using libwd
 *   wdctl config [--json | --list]    every knob: effective value and source
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wdctl.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: wdctl [OPTION]... COMMAND\n"
		"Show WarpDrive accelerator devices, queues and counters.\n"
		"\n"
		"Commands:\n"
		"  list          devices: api version, algorithms, modes, queues, NUMA node\n"
		"  stats         per-process queue and algorithm counters (read from\n"
		"                $WD_STATS_DIR, default /dev/shm)\n"
		"  config        every knob (WD_* variables, wd_soft.ko parameters,\n"
		"                openssl.cnf keys): its value here and where it came from\n"
		"\n"
		"Options:\n"
		"  -j, --json    print JSON instead of a table\n"
		"  -p, --pid PID stats of one process only\n"
		"  -l, --list    config: the table of knobs, as doc/config.md has it\n"
		"  -h, --help    print this help and exit\n"
		"  -V, --version print the version and exit\n"
		"\n"
		"Exit status: 0 on success, 1 when there is nothing to show\n"
		"(stats --pid of a process that has no counters), 2 on usage errors.\n");
}

void wdctl_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const struct option longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pid", required_argument, NULL, 'p' },
	{ "list", no_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/*
 * Parse options from optind on; optstring "+..." stops at the command,
 * so options may stand before it and after it. Returns -1 to go on, or
 * the exit status when wdctl must stop (help, version, usage error).
 */
static int parse_opts(int argc, char **argv, const char *optstring, struct wdctl_opts *o)
{
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = 1;
			break;
		case 'p':
			o->pid = (int)strtol(optarg, &end, 10);
			if (*end || o->pid <= 0) {
				fprintf(stderr, "wdctl: invalid pid '%s'\n", optarg);
				return 2;
			}
			break;
		case 'l':
			o->list = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("wdctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct wdctl_opts o = { 0 };
	const char *cmd;
	int ret;

	ret = parse_opts(argc, argv, "+jp:lhV", &o);
	if (ret >= 0)
		return ret;
	cmd = optind < argc ? argv[optind++] : "list";
	/* Options may also follow the command: wdctl stats --json */
	ret = parse_opts(argc, argv, "jp:lhV", &o);
	if (ret >= 0)
		return ret;
	if (optind < argc) {
		fprintf(stderr, "wdctl: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!strcmp(cmd, "list"))
		return wdctl_list(&o);
	if (!strcmp(cmd, "stats"))
		return wdctl_stats(&o);
	if (!strcmp(cmd, "config"))
		return wdctl_config(&o);
	fprintf(stderr, "wdctl: unknown command '%s' (try 'wdctl --help')\n", cmd);
	return 2;
}
