// SPDX-License-Identifier: MIT
/*
 * wdctl_config.c - wdctl config: every knob of libwd's table (wd_config.h)
 * with its effective value and where the value came from; with --list,
 * the table itself as the Markdown that doc/config.md holds (bats checks
 * that the two agree, so the page cannot drift from the code).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "wd_config.h"
#include "wdctl.h"

#define MODULE_DIR	"/sys/module/wd_soft"

/* A knob's value and source as wdctl shows them. */
struct shown {
	char value[256];
	const char *source;	/* for people */
	const char *key;	/* for --json */
	const char *given;	/* an invalid value as it was given, or NULL */
};

/* "64k", "8M", or the number itself: how the docs write sizes. */
static void fmt_size(char *buf, size_t len, long n)
{
	if (n && n % (1L << 20) == 0)
		snprintf(buf, len, "%ldM", n >> 20);
	else if (n && n % (1L << 10) == 0)
		snprintf(buf, len, "%ldk", n >> 10);
	else
		snprintf(buf, len, "%ld", n);
}

static void fmt_num(const struct wd_cfg_info *k, char *buf, size_t len, long n)
{
	if (k->type == WD_CFG_SIZE)
		fmt_size(buf, len, n);
	else
		snprintf(buf, len, "%ld", n);
}

/* The parameter's value in sysfs, or why there is none. */
static void module_value(const struct wd_cfg_info *k, struct shown *s)
{
	const char *param = strchr(k->name, '.') + 1;
	char path[256];
	struct stat st;
	FILE *f;

	snprintf(s->value, sizeof(s->value), "-");
	if (stat(MODULE_DIR, &st) != 0) {
		s->source = "module not loaded";
		s->key = "module-not-loaded";
		return;
	}
	snprintf(path, sizeof(path), MODULE_DIR "/parameters/%s", param);
	f = fopen(path, "r");
	if (!f || !fgets(s->value, sizeof(s->value), f)) {
		snprintf(s->value, sizeof(s->value), "-");
		s->source = "unreadable";
		s->key = "unreadable";
	} else {
		s->value[strcspn(s->value, "\n")] = 0;
		s->source = MODULE_DIR "/parameters/";
		s->key = "sysfs";
	}
	if (f)
		fclose(f);
}

static void env_value(int id, const struct wd_cfg_info *k, struct shown *s)
{
	enum wd_cfg_source src = wd_config_source(id);
	static const char *const keys[] = {
		[WD_CFG_SRC_DEFAULT] = "default", [WD_CFG_SRC_ENV] = "environment",
		[WD_CFG_SRC_INVALID] = "invalid", [WD_CFG_SRC_SECURE] = "at-secure",
		[WD_CFG_SRC_NONE] = "none",
	};

	if (k->type == WD_CFG_LONG || k->type == WD_CFG_SIZE)
		fmt_num(k, s->value, sizeof(s->value), wd_config_long(id));
	else
		snprintf(s->value, sizeof(s->value), "%s",
			 wd_config_str(id) ? wd_config_str(id) : "-");
	s->source = wd_config_source_name(src);
	s->key = keys[src];
	s->given = src == WD_CFG_SRC_INVALID ? wd_config_raw(id) : NULL;
}

static void knob_value(int id, const struct wd_cfg_info *k, struct shown *s)
{
	memset(s, 0, sizeof(*s));
	switch (k->kind) {
	case WD_CFG_KIND_ENV:
	case WD_CFG_KIND_SCRIPT:
		env_value(id, k, s);
		break;
	case WD_CFG_KIND_MODULE:
		module_value(k, s);
		break;
	case WD_CFG_KIND_OPENSSL:
		snprintf(s->value, sizeof(s->value), "-");
		s->source = "openssl.cnf [wd_sect] of each application";
		s->key = "openssl.cnf";
		break;
	}
}

static const char *kind_name(enum wd_cfg_kind kind)
{
	switch (kind) {
	case WD_CFG_KIND_ENV:
		return "environment";
	case WD_CFG_KIND_MODULE:
		return "module parameter";
	case WD_CFG_KIND_OPENSSL:
		return "openssl.cnf";
	case WD_CFG_KIND_SCRIPT:
		return "environment (make bench)";
	}
	return "?";
}

static void print_json(void)
{
	struct shown s;
	int id;

	printf("{\"knobs\":[");
	for (id = 0; wd_config_info(id); id++) {
		const struct wd_cfg_info *k = wd_config_info(id);

		knob_value(id, k, &s);
		printf("%s{\"name\":", id ? "," : "");
		wdctl_json_str(k->name);
		printf(",\"kind\":");
		wdctl_json_str(kind_name(k->kind));
		printf(",\"component\":");
		wdctl_json_str(k->component);
		printf(",\"type\":\"%s\",\"value\":", wd_config_type_name(k->type));
		wdctl_json_str(s.value);
		printf(",\"source\":\"%s\"", s.key);
		if (s.given) {
			printf(",\"given\":");
			wdctl_json_str(s.given);
		}
		printf("}");
	}
	printf("]}\n");
}

static void print_table(void)
{
	struct shown s;
	int id;

	printf("%-28s %-20s %s\n", "KNOB", "VALUE", "SOURCE");
	for (id = 0; wd_config_info(id); id++) {
		const struct wd_cfg_info *k = wd_config_info(id);

		knob_value(id, k, &s);
		printf("%-28s %-20s %s", k->name, s.value, s.source);
		if (s.given)
			printf(" (given \"%s\")", s.given);
		putchar('\n');
	}
}

/* --list: one Markdown row per knob (the table of doc/config.md). */
static void list_default(const struct wd_cfg_info *k, char *buf, size_t len)
{
	if (k->def_doc)
		snprintf(buf, len, "%s", k->def_doc);
	else if (k->type == WD_CFG_ENUM)
		snprintf(buf, len, "`%s`", k->choices[k->def]);
	else if (k->def_str)
		snprintf(buf, len, "`%s`", k->def_str);
	else if (k->type == WD_CFG_STRING || k->type == WD_CFG_PATH)
		snprintf(buf, len, "unset");
	else
		fmt_num(k, buf, len, k->def);
}

static void list_range(const struct wd_cfg_info *k, char *buf, size_t len)
{
	char lo[32], hi[32];
	size_t n = 0;
	int i, j;

	buf[0] = 0;
	switch (k->type) {
	case WD_CFG_LONG:
	case WD_CFG_SIZE:
		fmt_num(k, lo, sizeof(lo), k->min);
		fmt_num(k, hi, sizeof(hi), k->max);
		/* a module parameter that only the type bounds (unsigned int) */
		snprintf(buf, len, "%s..%s", lo, k->max == 0xffffffffL ? "" : hi);
		break;
	case WD_CFG_ENUM:
		for (i = 0; k->choices[i] && n < len; i++) {
			n += snprintf(buf + n, len - n, "%s`%s`", i ? ", " : "", k->choices[i]);
			for (j = 0; k->aliases && k->aliases[j] && n < len; j += 2)
				if (!strcmp(k->aliases[j + 1], k->choices[i]))
					n += snprintf(buf + n, len - n, " (`%s`)", k->aliases[j]);
		}
		break;
	case WD_CFG_STRING:
	case WD_CFG_PATH:
		snprintf(buf, len, "-");
		break;
	}
}

static const char *doc_link(const char *doc, char *buf, size_t len)
{
	if (!strncmp(doc, "doc/", 4))
		snprintf(buf, len, "%s", doc + 4);
	else
		snprintf(buf, len, "../%s", doc);
	return buf;
}

static void print_list(void)
{
	char def[128], range[128], type[64], link[128];
	int id;

	printf("| knob | kind | component | type | default | range | meaning | more in |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (id = 0; wd_config_info(id); id++) {
		const struct wd_cfg_info *k = wd_config_info(id);

		list_default(k, def, sizeof(def));
		list_range(k, range, sizeof(range));
		snprintf(type, sizeof(type), k->unit ? "%s (%s)" : "%s",
			 wd_config_type_name(k->type), k->unit);
		/* the link is relative to doc/, where the page lives */
		printf("| `%s` | %s | %s | %s | %s | %s | %s | [%s](%s) |\n", k->name,
		       kind_name(k->kind), k->component, type, def, range, k->meaning, k->doc,
		       doc_link(k->doc, link, sizeof(link)));
	}
}

int wdctl_config(const struct wdctl_opts *o)
{
	if (o->list)
		print_list();
	else if (o->json)
		print_json();
	else
		print_table();
	return 0;
}
