// SPDX-License-Identifier: MIT
/* wdctl_list.c - wdctl list: the devices libwd can open queues on. */
#include <stdio.h>
#include <stdlib.h>
#include "wd.h"
#include "wdctl.h"

static const char *modes(unsigned int flags)
{
	if ((flags & WD_CAPA_SVA) && (flags & WD_CAPA_SHARE_DOMAIN))
		return "sva,share";
	if (flags & WD_CAPA_SHARE_DOMAIN)
		return "share";
	return "sva";
}

int wdctl_list(const struct wdctl_opts *o)
{
	struct wd_dev_info *devs;
	int n, i;

	n = wd_list_devices(NULL, 0);
	if (n < 0) {
		fprintf(stderr, "wdctl: cannot list devices: %s\n", wd_strerror(n));
		return 1;
	}
	devs = calloc(n ? n : 1, sizeof(*devs));
	if (!devs)
		return 1;
	n = wd_list_devices(devs, n);
	if (o->json) {
		printf("{\"devices\":[");
		for (i = 0; i < n; i++) {
			printf("%s{\"name\":", i ? "," : "");
			wdctl_json_str(devs[i].name);
			printf(",\"api_version\":");
			wdctl_json_str(devs[i].api_version);
			printf(",\"algorithms\":");
			wdctl_json_str(devs[i].algorithms);
			printf(",\"modes\":\"%s\",\"kernel\":%s,\"numa_node\":%d,"
			       "\"queues_free\":%d,\"queues_total\":%d}",
			       modes(devs[i].flags), devs[i].is_kernel ? "true" : "false",
			       devs[i].numa_node, devs[i].queues_free, devs[i].queues_total);
		}
		printf("]}\n");
	} else {
		printf("%-16s %-18s %-6s %-9s %-11s %4s  %s\n", "DEVICE", "API", "KIND", "MODES",
		       "QUEUES", "NUMA", "ALGORITHMS");
		for (i = 0; i < n; i++)
			printf("%-16s %-18s %-6s %-9s %5d/%-5d %4d  %s\n", devs[i].name,
			       devs[i].api_version, devs[i].is_kernel ? "kernel" : "soft",
			       modes(devs[i].flags), devs[i].queues_free, devs[i].queues_total,
			       devs[i].numa_node, devs[i].algorithms);
	}
	free(devs);
	return 0;
}
