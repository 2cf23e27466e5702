// SPDX-License-Identifier: MIT
/*
 * wdctl_stats.c - wdctl stats: the counters every live libwd process
 * publishes (wd_stats.h), read from outside the process, and the counters
 * kernel devices keep in sysfs (<class>/<dev>/stats/).
 *
 * A counter file that is not a live process's own (hostile, half-written,
 * another user's file under a process's name) is reported on stderr, one
 * line each, and the others are still shown (wd_stats_read.c).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wd_config.h"
#include "wd_stats.h"
#include "wdctl.h"

struct totals {
	uint64_t requests, completions, bytes_in, bytes_out, errors, busy;
};

struct walk {
	const struct wdctl_opts *o;
	int shown;
	int rejected;		/* files of o->pid that were not its own */
	struct totals all;
};

static void totals_add(struct totals *t, const struct wd_stats_queue *s)
{
	t->requests += s->requests;
	t->completions += s->completions;
	t->bytes_in += s->bytes_in;
	t->bytes_out += s->bytes_out;
	t->errors += s->errors;
	t->busy += s->busy;
}

static void json_counters(const struct totals *t)
{
	printf("\"requests\":%" PRIu64 ",\"completions\":%" PRIu64 ",\"bytes_in\":%" PRIu64
	       ",\"bytes_out\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"busy\":%" PRIu64,
	       t->requests, t->completions, t->bytes_in, t->bytes_out, t->errors, t->busy);
}

static void json_process(const struct wd_stats_file *f, const struct totals *t)
{
	int i, first = 1;

	printf("{\"pid\":%d,\"comm\":", f->pid);
	wdctl_json_str(f->comm);
	printf(",\"queues_opened\":%" PRIu64 ",\"queues\":[", f->queues_opened);
	for (i = 0; i < WD_STATS_MAX_QUEUES; i++) {
		const struct wd_stats_queue *s = &f->queues[i];
		struct totals q = { 0 };

		if (!s->in_use)
			continue;
		totals_add(&q, s);
		printf("%s{\"id\":%u,\"device\":", first ? "" : ",", s->id);
		wdctl_json_str(s->dev);
		printf(",\"mode\":");
		wdctl_json_str(s->mode);
		putchar(',');
		json_counters(&q);
		putchar('}');
		first = 0;
	}
	printf("],\"algorithms\":{");
	for (i = 0, first = 1; i < WD_STATS_MAX_ALGS; i++) {
		const struct wd_stats_alg *a = &f->algs[i];
		int c;

		if (a->state != 2)
			continue;
		printf("%s", first ? "" : ",");
		wdctl_json_str(a->name);
		putchar(':');
		for (c = 0; c < WD_ALG_NR_COUNTERS; c++)
			printf("%s\"%s\":%" PRIu64, c ? "," : "{", wd_alg_counter_name(c), a->c[c]);
		putchar('}');
		first = 0;
	}
	printf("},\"totals\":{");
	json_counters(t);
	printf("}}");
}

static void table_process(const struct wd_stats_file *f, const struct totals *t)
{
	int i, hdr = 0;

	printf("PROCESS %d (%s): %" PRIu64 " queues opened\n", f->pid, f->comm, f->queues_opened);
	for (i = 0; i < WD_STATS_MAX_QUEUES; i++) {
		const struct wd_stats_queue *s = &f->queues[i];

		if (!s->in_use)
			continue;
		if (!hdr++)
			printf("  %-5s %-14s %-5s %12s %12s %14s %14s %8s %8s\n", "QUEUE", "DEVICE",
			       "MODE", "REQUESTS", "COMPLETIONS", "BYTES_IN", "BYTES_OUT", "ERRORS",
			       "BUSY");
		printf("  %-5u %-14s %-5s %12" PRIu64 " %12" PRIu64 " %14" PRIu64 " %14" PRIu64
		       " %8" PRIu64 " %8" PRIu64 "\n", s->id, s->dev, s->mode, s->requests,
		       s->completions, s->bytes_in, s->bytes_out, s->errors, s->busy);
	}
	for (i = 0, hdr = 0; i < WD_STATS_MAX_ALGS; i++) {
		const struct wd_stats_alg *a = &f->algs[i];

		if (a->state != 2)
			continue;
		if (!hdr++)
			printf("  %-20s %12s %12s %14s %14s %8s\n", "ALGORITHM", "OFFLOADED",
			       "FALLBACK", "BYTES_IN", "BYTES_OUT", "ERRORS");
		printf("  %-20s %12" PRIu64 " %12" PRIu64 " %14" PRIu64 " %14" PRIu64 " %8" PRIu64
		       "\n", a->name, a->c[WD_ALG_OFFLOADED], a->c[WD_ALG_FALLBACK],
		       a->c[WD_ALG_BYTES_IN], a->c[WD_ALG_BYTES_OUT], a->c[WD_ALG_ERRORS]);
	}
	printf("  total: requests=%" PRIu64 " completions=%" PRIu64 " bytes_in=%" PRIu64
	       " bytes_out=%" PRIu64 " errors=%" PRIu64 " busy=%" PRIu64 "\n",
	       t->requests, t->completions, t->bytes_in, t->bytes_out, t->errors, t->busy);
}

static int show(const struct wd_stats_file *f, void *arg)
{
	struct walk *w = arg;
	struct totals t = { 0 };
	int i;

	if (w->o->pid && f->pid != w->o->pid)
		return 0;
	totals_add(&t, &f->closed);
	for (i = 0; i < WD_STATS_MAX_QUEUES; i++)
		if (f->queues[i].in_use)
			totals_add(&t, &f->queues[i]);
	if (w->o->json) {
		if (w->shown)
			putchar(',');
		json_process(f, &t);
	} else {
		table_process(f, &t);
	}
	w->all.requests += t.requests;
	w->all.completions += t.completions;
	w->all.bytes_in += t.bytes_in;
	w->all.bytes_out += t.bytes_out;
	w->all.errors += t.errors;
	w->all.busy += t.busy;
	w->shown++;
	return 0;
}

void wdctl_stats_print(const struct wd_stats_file *f, const struct wdctl_opts *o)
{
	struct walk w = { .o = o };

	show(f, &w);
}

/* A counter file that was not read: say which and why, and go on. */
static void reject(const char *path, long pid, const char *why, void *arg)
{
	struct walk *w = arg;

	if (w->o->pid && pid != w->o->pid)
		return;
	if (w->o->pid)
		w->rejected++;
	fprintf(stderr, "wdctl: %s: %s\n", path, why);
}

/* Kernel device counters: every file in <class>/<dev>/stats/. */
static const char *const dev_counters[] = {
	"requests", "errors", "bytes_in", "bytes_out", "kicks", "wakeups",
};
#define NR_DEV_COUNTERS (sizeof(dev_counters) / sizeof(dev_counters[0]))

static int read_dev_counter(const char *cls, const char *dev, const char *name,
			    uint64_t *v)
{
	char path[1024];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s/stats/%s", cls, dev, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	ok = fscanf(f, "%" SCNu64, v) == 1;
	fclose(f);
	return ok;
}

static void show_devices(const struct wdctl_opts *o)
{
	const char *cls = wd_config_str(WD_CFG_SYSFS_CLASS);
	struct dirent *de;
	int shown = 0;
	size_t i;
	DIR *d;

	d = opendir(cls);
	if (o->json)
		printf(",\"devices\":[");
	while (d && (de = readdir(d))) {
		uint64_t v[NR_DEV_COUNTERS] = { 0 };
		int found = 0;

		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < NR_DEV_COUNTERS; i++)
			found += read_dev_counter(cls, de->d_name, dev_counters[i], &v[i]);
		if (!found)
			continue;
		if (o->json) {
			printf("%s{\"name\":", shown ? "," : "");
			wdctl_json_str(de->d_name);
			for (i = 0; i < NR_DEV_COUNTERS; i++)
				printf(",\"%s\":%" PRIu64, dev_counters[i], v[i]);
			putchar('}');
		} else {
			printf("DEVICE %s (kernel):", de->d_name);
			for (i = 0; i < NR_DEV_COUNTERS; i++)
				printf(" %s=%" PRIu64, dev_counters[i], v[i]);
			putchar('\n');
		}
		shown++;
	}
	if (o->json)
		putchar(']');
	if (d)
		closedir(d);
}

int wdctl_stats(const struct wdctl_opts *o)
{
	struct walk w = { .o = o };
	int ret;

	if (o->json)
		printf("{\"processes\":[");
	ret = wd_stats_scan_ex(show, reject, &w);
	if (o->json) {
		printf("],\"totals\":{");
		json_counters(&w.all);
		printf("}");
	} else if (!w.shown) {
		printf("no process is using libwd%s\n", ret < 0 ? " (counters are off)" : "");
	}
	if (o->pid && !w.shown && (kill(o->pid, 0) == 0 || errno == EPERM))
		fprintf(stderr, "wdctl: process %d publishes no counters%s\n", o->pid,
			w.rejected ? "" : " (not using libwd, WD_STATS_DIR differs, or no safe "
			"counter file could be created)");
	if (!o->pid)
		show_devices(o);
	if (o->json)
		printf("}\n");
	return o->pid && !w.shown ? 1 : 0;
}
