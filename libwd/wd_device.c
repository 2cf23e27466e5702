// SPDX-License-Identifier: MIT
/*
 * wd_device.c - which devices exist, which one serves a queue, and what
 * happens to all of it across fork().
 *
 * Drivers are asked in order of preference: kernel uacce devices first
 * (real hardware, or wd_soft.ko), then the built-in soft device, which is
 * always there. WD_DEVICE narrows that: "soft", "kernel" or a device name.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wd_internal.h"

/* The kernel driver is linked in only when its area is built. */
extern const struct wd_drv wd_uacce_drv __attribute__((weak));

#define WD_MAX_DEVICES 64

/* Each driver's own setup (its fork handlers, its knobs), once. */
static void wd_drivers_setup(void)
{
	if (&wd_uacce_drv && wd_uacce_drv.init)
		wd_uacce_drv.init();
	if (wd_soft_drv.init)
		wd_soft_drv.init();
}

void wd_device_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, wd_drivers_setup);
}

static int wd_drivers(const struct wd_drv **drvs)
{
	const char *want = wd_config_str(WD_CFG_DEVICE);
	int n = 0;

	if (&wd_uacce_drv && strcmp(want, "soft"))
		drvs[n++] = &wd_uacce_drv;
	if (strcmp(want, "kernel"))
		drvs[n++] = &wd_soft_drv;
	return n;
}

/* A specific device name in WD_DEVICE (not a driver class) restricts to it. */
static const char *wd_forced_name(void)
{
	const char *want = wd_config_str(WD_CFG_DEVICE);

	if (!strcmp(want, "auto") || !strcmp(want, "soft") || !strcmp(want, "kernel"))
		return NULL;
	return want;
}

static int wd_dev_matches(const struct wd_dev_info *d, const struct wd_capa *capa)
{
	const char *forced = wd_forced_name();
	unsigned int mode = capa->flags & (WD_CAPA_SVA | WD_CAPA_SHARE_DOMAIN);

	if (!mode)
		mode = WD_CAPA_SVA;
	if (forced && strcmp(d->name, forced))
		return 0;
	if (capa->dev_name && strcmp(d->name, capa->dev_name))
		return 0;
	if (capa->alg && !wd_alg_list_has(d->algorithms, capa->alg))
		return 0;
	return (d->flags & mode) == mode;
}

WD_EXPORT int wd_list_devices(struct wd_dev_info *devs, int max)
{
	const struct wd_drv *drvs[2];
	int i, n, total = 0;

	wd_device_init();
	n = wd_drivers(drvs);
	for (i = 0; i < n; i++) {
		int got = drvs[i]->list(devs ? devs + total : NULL,
					devs && max > total ? max - total : 0);

		if (got > 0)
			total += got;
	}
	return total;
}

/*
 * Open a queue on the best device for capa: devices on the wanted NUMA node
 * first, then any; a device out of queues passes the turn to the next.
 */
int wd_device_open_queue(struct wd_qp *qp, const struct wd_capa *capa)
{
	/* on the heap: 26 KiB, and callers may run on small stacks (an
	 * OpenSSL ASYNC job has 32 KiB) */
	struct wd_dev_info *devs = calloc(WD_MAX_DEVICES, sizeof(*devs));
	const struct wd_drv *drvs[2];
	int nd, i, d, pass, ret = -ENODEV;

	if (!devs)
		return -ENOMEM;
	wd_device_init();
	nd = wd_drivers(drvs);
	for (pass = 0; pass < 2; pass++) {
		for (d = 0; d < nd; d++) {
			int n = drvs[d]->list(devs, WD_MAX_DEVICES);

			if (n > WD_MAX_DEVICES)
				n = WD_MAX_DEVICES;
			for (i = 0; i < n; i++) {
				int r;

				if (!wd_dev_matches(&devs[i], capa))
					continue;
				if (pass == 0 && capa->numa_node > 0 &&
				    devs[i].numa_node != capa->numa_node)
					continue;
				if (pass == 1 && !(capa->numa_node > 0 &&
						   devs[i].numa_node != capa->numa_node))
					continue;
				qp->drv = drvs[d];
				qp->dev = devs[i];
				r = drvs[d]->open(qp, &devs[i], capa);
				if (!r) {
					free(devs);
					return 0;
				}
				/* Remember the most telling failure: busy beats absent. */
				if (ret == -ENODEV || r == -EBUSY)
					ret = r;
			}
		}
	}
	qp->drv = NULL;
	free(devs);
	return ret;
}
