/* SPDX-License-Identifier: MIT */
/* wdctl.h - the subcommands of wdctl. */
#ifndef WDCTL_H
#define WDCTL_H

struct wdctl_opts {
	int json;
	int pid;	/* 0: every process */
};

int wdctl_list(const struct wdctl_opts *o);
int wdctl_stats(const struct wdctl_opts *o);

/* Print s as a JSON string (quotes and escapes included). */
void wdctl_json_str(const char *s);

#endif /* WDCTL_H */
