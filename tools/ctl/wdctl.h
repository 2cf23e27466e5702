/* SPDX-License-Identifier: MIT */
/* wdctl.h - the subcommands of wdctl. */
#ifndef WDCTL_H
#define WDCTL_H

struct wdctl_opts {
	int json;
	int pid;	/* 0: every process */
	int list;	/* config --list: the table as doc/config.md has it */
};

int wdctl_list(const struct wdctl_opts *o);
int wdctl_stats(const struct wdctl_opts *o);
int wdctl_config(const struct wdctl_opts *o);

/* Print one process's counters as wdctl stats does (fuzz/fuzz_stats.c). */
struct wd_stats_file;
void wdctl_stats_print(const struct wd_stats_file *f, const struct wdctl_opts *o);

/* Print s as a JSON string (quotes and escapes included). */
void wdctl_json_str(const char *s);

#endif /* WDCTL_H */
