// SPDX-License-Identifier: MIT
/*
 * config_dump - print each environment knob of libwd's table as
 * "NAME VALUE SOURCE", and "secure=0|1" (AT_SECURE), for
 * bats/wdctl-config.bats.
 *
 * The suite makes a setgid copy of this program to see that an AT_SECURE
 * process ignores every WD_* variable. wdctl cannot serve there: it is a
 * libtool program, and in a setgid process the loader ignores
 * LD_LIBRARY_PATH, so it would not find the uninstalled libwd. This
 * program links no libtool library and opens libwd by its absolute path
 * (LIBWD_SO, the build tree's), which the loader allows.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <sys/auxv.h>
#include "wd_config.h"

int main(void)
{
	const struct wd_cfg_info *(*info)(int);
	enum wd_cfg_source (*source)(int);
	const char *(*source_name)(enum wd_cfg_source);
	const char *(*str)(int);
	long (*num)(int);
	void *h = dlopen(LIBWD_SO, RTLD_NOW);
	int id;

	if (!h) {
		fprintf(stderr, "config_dump: %s\n", dlerror());
		return 2;
	}
	*(void **)&info = dlsym(h, "wd_config_info");
	*(void **)&source = dlsym(h, "wd_config_source");
	*(void **)&source_name = dlsym(h, "wd_config_source_name");
	*(void **)&str = dlsym(h, "wd_config_str");
	*(void **)&num = dlsym(h, "wd_config_long");
	if (!info || !source || !source_name || !str || !num)
		return 2;
	printf("secure=%lu\n", getauxval(AT_SECURE));
	for (id = 0; info(id); id++) {
		const struct wd_cfg_info *k = info(id);

		if (k->kind != WD_CFG_KIND_ENV)
			continue;
		if (k->type == WD_CFG_LONG || k->type == WD_CFG_SIZE)
			printf("%s %ld %s\n", k->name, num(id), source_name(source(id)));
		else
			printf("%s %s %s\n", k->name, str(id) ? str(id) : "-",
			       source_name(source(id)));
	}
	return 0;
}
