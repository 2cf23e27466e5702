// SPDX-License-Identifier: GPL-2.0
/*
 * wd_soft_main.c - wd_soft.ko: a software accelerator registered with uacce.
 *
 * Each device serves the ring format of wd_ring.h, like libwd's built-in soft
 * device, so the same user code drives both. SVA devices work in the
 * opener's address space; share-domain devices accept only addresses inside
 * the queue's static share region. The engine threads live in
 * wd_soft_engine.c; this file owns devices, queues and their ring memory.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "wd_soft.h"

static unsigned int sva_devs = 1;
module_param(sva_devs, uint, 0444);
MODULE_PARM_DESC(sva_devs, "number of SVA devices (default 1)");

static unsigned int sd_devs = 1;
module_param(sd_devs, uint, 0444);
MODULE_PARM_DESC(sd_devs, "number of share-domain devices (default 1)");

static unsigned int nr_queues = 64;
module_param(nr_queues, uint, 0444);
MODULE_PARM_DESC(nr_queues, "queues per device (default 64)");

static unsigned int nr_engines = 2;
module_param(nr_engines, uint, 0444);
MODULE_PARM_DESC(nr_engines, "engine threads shared by all devices (default 2)");

static unsigned int ring_depth = WD_RING_DEFAULT_DEPTH;
module_param(ring_depth, uint, 0444);
MODULE_PARM_DESC(ring_depth, "default ring depth, a power of two (default 256)");

static unsigned int share_max_mb = 64;
module_param(share_max_mb, uint, 0444);
MODULE_PARM_DESC(share_max_mb, "largest share region of a queue in MiB (default 64)");

unsigned int wd_soft_spin_us = 50;
module_param_named(spin_us, wd_soft_spin_us, uint, 0644);
MODULE_PARM_DESC(spin_us, "how long an idle engine polls before it sleeps (default 50)");

#define WD_SOFT_MAX_DEVS	16

static struct wd_soft_dev *wd_soft_devs[WD_SOFT_MAX_DEVS];
static unsigned int wd_soft_nr_devs;

void wd_soft_count(struct wd_soft_dev *sdev, enum wd_soft_counter c, u64 n)
{
	atomic64_add(n, &sdev->counters[c]);
}

size_t wd_soft_ring_size(u32 depth)
{
	return PAGE_ALIGN(WD_RING_CTRL_SIZE + (size_t)depth *
			  (sizeof(struct wd_sqe) + sizeof(struct wd_cqe)));
}

static bool wd_soft_depth_ok(unsigned long depth)
{
	return depth && depth <= WD_RING_MAX_DEPTH && is_power_of_2(depth);
}

static int wd_soft_get_queue(struct uacce_device *uacce, struct uacce_queue *uq)
{
	struct wd_soft_dev *sdev = uacce->priv;
	struct wd_soft_queue *q;

	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	q->uq = uq;
	q->sdev = sdev;
	q->depth = ring_depth;
	q->share_domain = sdev->flags & UACCE_DEV_SHARE_DOMAIN;
	INIT_LIST_HEAD(&q->node);
	uq->priv = q;
	return 0;
}

static void wd_soft_put_queue(struct uacce_queue *uq)
{
	struct wd_soft_queue *q = uq->priv;

	wd_soft_ctx_free_all(q);
	/* pages still mapped by the user stay alive until munmap */
	vfree(q->ring);
	kfree(q);
	uq->priv = NULL;
}

static int wd_soft_start_queue(struct uacce_queue *uq)
{
	struct wd_soft_queue *q = uq->priv;

	if (!q->ring)
		return -EINVAL;	/* map the ring region first */
	wd_soft_engine_attach(q);
	return 0;
}

static void wd_soft_stop_queue(struct uacce_queue *uq)
{
	wd_soft_engine_detach(uq->priv);
}

static void wd_soft_ring_init(struct wd_soft_queue *q)
{
	struct wd_ring_ctrl *ctrl = q->ring;

	ctrl->magic = WD_RING_MAGIC;
	ctrl->version = WD_RING_VERSION;
	ctrl->sq_depth = q->depth;
	ctrl->cq_depth = q->depth;
	ctrl->sq_offset = WD_RING_CTRL_SIZE;
	ctrl->cq_offset = WD_RING_CTRL_SIZE + q->depth * sizeof(struct wd_sqe);
	ctrl->region_size = q->ring_size;
	ctrl->flags = q->share_domain ? WD_RING_F_SHARE_DOMAIN : 0;
	/* not attached to an engine yet: the first request kicks */
	ctrl->dev_idle = 1;
	q->ctrl = ctrl;
	q->sq = q->ring + ctrl->sq_offset;
	q->cq = q->ring + ctrl->cq_offset;
}

static int wd_soft_mmap(struct uacce_queue *uq, struct vm_area_struct *vma,
			enum uacce_qfrt type)
{
	struct wd_soft_queue *q = uq->priv;
	size_t size = wd_soft_ring_size(q->depth);
	int ret;

	if (type != UACCE_QFRT_DUS)
		return -EINVAL;
	if (vma->vm_end - vma->vm_start != size)
		return -EINVAL;
	q->ring = vmalloc_user(size);
	if (!q->ring)
		return -ENOMEM;
	q->ring_size = size;
	wd_soft_ring_init(q);
	ret = remap_vmalloc_range(vma, q->ring, 0);
	if (ret) {
		vfree(q->ring);
		q->ring = NULL;
	}
	return ret;
}

static long wd_soft_ioctl(struct uacce_queue *uq, unsigned int cmd,
			  unsigned long arg)
{
	struct wd_soft_queue *q = uq->priv;

	switch (cmd) {
	case UACCE_CMD_KICK:
		if (uq->state != UACCE_Q_STARTED)
			return -EINVAL;
		wd_soft_count(q->sdev, WD_SOFT_KICKS, 1);
		wd_soft_engine_kick(q);
		return 0;
	case UACCE_CMD_SET_DEPTH:
		if (q->ring)
			return -EBUSY;
		if (!wd_soft_depth_ok(arg))
			return -EINVAL;
		q->depth = arg;
		return 0;
	default:
		return -EINVAL;
	}
}

static const struct uacce_ops wd_soft_uacce_ops = {
	.get_queue = wd_soft_get_queue,
	.put_queue = wd_soft_put_queue,
	.start_queue = wd_soft_start_queue,
	.stop_queue = wd_soft_stop_queue,
	.mmap = wd_soft_mmap,
	.ioctl = wd_soft_ioctl,
};

/* stats/: counters a test or an admin reads from outside */
static ssize_t wd_soft_counter_show(struct device *dev, char *buf,
				    enum wd_soft_counter c)
{
	struct uacce_device *uacce = container_of(dev, struct uacce_device, dev);
	struct wd_soft_dev *sdev = uacce->priv;

	return sysfs_emit(buf, "%lld\n", atomic64_read(&sdev->counters[c]));
}

#define WD_SOFT_COUNTER_ATTR(_name, _c)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return wd_soft_counter_show(dev, buf, _c);			\
}									\
static DEVICE_ATTR_RO(_name)

WD_SOFT_COUNTER_ATTR(requests, WD_SOFT_REQUESTS);
WD_SOFT_COUNTER_ATTR(errors, WD_SOFT_ERRORS);
WD_SOFT_COUNTER_ATTR(bytes_in, WD_SOFT_BYTES_IN);
WD_SOFT_COUNTER_ATTR(bytes_out, WD_SOFT_BYTES_OUT);
WD_SOFT_COUNTER_ATTR(kicks, WD_SOFT_KICKS);
WD_SOFT_COUNTER_ATTR(wakeups, WD_SOFT_WAKEUPS);

static struct attribute *wd_soft_stats_attrs[] = {
	&dev_attr_requests.attr,
	&dev_attr_errors.attr,
	&dev_attr_bytes_in.attr,
	&dev_attr_bytes_out.attr,
	&dev_attr_kicks.attr,
	&dev_attr_wakeups.attr,
	NULL,
};

static const struct attribute_group wd_soft_stats_group = {
	.name = "stats",
	.attrs = wd_soft_stats_attrs,
};

static const struct attribute_group *wd_soft_groups[] = {
	&wd_soft_stats_group,
	NULL,
};

static int wd_soft_add_dev(unsigned int flags)
{
	struct uacce_interface intf = {
		.name = WD_SOFT_NAME,
		.flags = flags,
		.ops = &wd_soft_uacce_ops,
		.api_ver = WD_RING_API_SOFT,
		.algs = wd_soft_algorithms(),
		.nr_queues = nr_queues,
		.dus_size = wd_soft_ring_size(ring_depth),
		.ss_max = flags & UACCE_DEV_SHARE_DOMAIN ?
			  (unsigned long)share_max_mb << 20 : 0,
		.groups = wd_soft_groups,
	};
	struct wd_soft_dev *sdev;
	struct uacce_device *uacce;

	sdev = kzalloc(sizeof(*sdev), GFP_KERNEL);
	if (!sdev)
		return -ENOMEM;
	sdev->flags = flags;
	intf.priv = sdev;
	uacce = uacce_register(NULL, &intf);
	if (IS_ERR(uacce)) {
		kfree(sdev);
		return PTR_ERR(uacce);
	}
	sdev->uacce = uacce;
	wd_soft_devs[wd_soft_nr_devs++] = sdev;
	return 0;
}

static void wd_soft_remove_devs(void)
{
	while (wd_soft_nr_devs) {
		struct wd_soft_dev *sdev = wd_soft_devs[--wd_soft_nr_devs];

		uacce_unregister(sdev->uacce);
		kfree(sdev);
	}
}

static int wd_soft_check_params(void)
{
	if (!wd_soft_depth_ok(ring_depth) || !nr_queues || !nr_engines ||
	    nr_engines > 64 || sva_devs + sd_devs > WD_SOFT_MAX_DEVS ||
	    share_max_mb > 1024)
		return -EINVAL;
	return 0;
}

static int __init wd_soft_init(void)
{
	unsigned int i;
	int ret;

	ret = wd_soft_check_params();
	if (ret)
		return ret;
	wd_soft_ops_init();
	ret = wd_soft_engines_start(nr_engines);
	if (ret)
		return ret;
	for (i = 0; i < sva_devs + sd_devs && !ret; i++)
		ret = wd_soft_add_dev(i < sva_devs ? UACCE_DEV_SVA :
				      UACCE_DEV_SHARE_DOMAIN);
	if (ret)
		goto err_remove;
	return 0;

err_remove:
	wd_soft_remove_devs();
	wd_soft_engines_stop();
	return ret;
}

static void __exit wd_soft_exit(void)
{
	/* stops and puts every open queue: the engines are idle after it */
	wd_soft_remove_devs();
	wd_soft_engines_stop();
}

module_init(wd_soft_init);
module_exit(wd_soft_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wd_soft: a software accelerator for the WarpDrive ring format");
