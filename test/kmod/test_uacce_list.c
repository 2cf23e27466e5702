// SPDX-License-Identifier: MIT
/*
 * test_uacce_list - libwd's kernel user driver reads devices from sysfs
 * (here a fake $WD_SYSFS_CLASS tree, so it runs without the module): only
 * devices with our ring format are listed, with their attributes; a device
 * whose node is missing gives -ENODEV; WD_DEVICE=kernel hides the soft
 * device. The real devices are tested under qemu (test/qemu/).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "wd.h"
#include "wd_ring.h"

static char root[256];

static void put(const char *dev, const char *attr, const char *val)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/params", root, dev);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", root, dev, attr);
	f = fopen(path, "w");
	if (!f)
		tap_bail("cannot write the fake sysfs");
	fprintf(f, "%s\n", val);
	fclose(f);
}

static void fake_device(const char *dev, const char *api, const char *flags)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, dev);
	mkdir(path, 0755);
	put(dev, "api", api);
	put(dev, "params/api_version", api);
	put(dev, "flags", flags);
	put(dev, "algorithms", "nop memcpy deflate zlib");
	put(dev, "params/nr_queue_remained", "5");
	put(dev, "params/nr_queues", "8");
	put(dev, "params/numa_node", "0");
	put(dev, "params/priority", "3");
}

int main(void)
{
	struct wd_dev_info devs[8];
	struct wd_queue q;
	int n, ret;

	tap_plan(0);
	snprintf(root, sizeof(root), "/tmp/wd-uacce-%d", (int)getpid());
	mkdir(root, 0755);
	fake_device("wdtest_nonode-3", WD_RING_API_SOFT, "2");
	fake_device("hisi_zip-0", "hisi_qm_v2", "1");
	setenv("WD_SYSFS_CLASS", root, 1);
	setenv("WD_DEVICE", "kernel", 1);

	memset(devs, 0, sizeof(devs));
	n = wd_list_devices(devs, 8);
	ok(n == 1, "one device speaks %s (%d listed)", WD_RING_API_SOFT, n);
	ok(!strcmp(devs[0].name, "wdtest_nonode-3") && devs[0].is_kernel,
	   "it is the kernel device wdtest_nonode-3 (%s)", devs[0].name);
	ok(!strcmp(devs[0].api_version, WD_RING_API_SOFT) &&
	   !strcmp(devs[0].algorithms, "nop memcpy deflate zlib"),
	   "api_version and algorithms read");
	ok(devs[0].flags == WD_CAPA_SHARE_DOMAIN && devs[0].queues_free == 5 &&
	   devs[0].queues_total == 8 && devs[0].priority == 3 && devs[0].numa_node == 0,
	   "mode, queue counts, priority and node read");

	memset(&q, 0, sizeof(q));
	q.capa.flags = WD_CAPA_SHARE_DOMAIN;
	ret = wd_request_queue(&q);
	ok(ret == -ENODEV, "its /dev node is missing: -ENODEV (%d)", ret);
	memset(&q, 0, sizeof(q));
	ret = wd_request_queue(&q);
	ok(ret == -ENODEV, "no SVA kernel device and no soft device: -ENODEV (%d)", ret);

	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("could not remove %s", root);
	}
	return tap_exit();
}
