// SPDX-License-Identifier: GPL-2.0
/*
 * uacce.c - the uacce framework: one character device per accelerator,
 * one queue per open file, regions mapped into the opener, sysfs and poll.
 *
 * The framework never knows what a device computes: drivers plug in through
 * struct uacce_ops (uacce.h). It enforces the rules every driver relies on:
 * only the opener's mm may drive a queue, each region is mapped once and never
 * inherited by fork(), and a queue's device side is released exactly once
 * (PUT_Q, close, or driver removal, whichever comes first).
 */
#include <linux/compat.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "uacce.h"

#define UACCE_MAX_DEVICES	64

static struct class *uacce_class;
static dev_t uacce_devt;
static DEFINE_IDA(uacce_ida);

/* The opener only: a forked child or another process gets -EPERM. */
static bool uacce_is_owner(struct uacce_queue *q)
{
	return current->mm && current->mm == q->mm;
}

/* Release the device side of q once. Called with uacce->mutex held. */
static void uacce_put_queue(struct uacce_queue *q)
{
	struct uacce_device *uacce = q->uacce;

	mutex_lock(&q->mutex);
	if (q->state != UACCE_Q_ZOMBIE) {
		if (q->state == UACCE_Q_STARTED && uacce->ops->stop_queue)
			uacce->ops->stop_queue(q);
		if (uacce->ops->put_queue)
			uacce->ops->put_queue(q);
		q->state = UACCE_Q_ZOMBIE;
		uacce->nr_free++;
	}
	mutex_unlock(&q->mutex);
	/* pollers see EPOLLHUP instead of sleeping forever */
	wake_up_interruptible_all(&q->wait);
}

static int uacce_fops_open(struct inode *inode, struct file *filep)
{
	struct uacce_device *uacce;
	struct uacce_queue *q;
	int ret;

	uacce = container_of(inode->i_cdev, struct uacce_device, cdev);
	if (!current->mm)
		return -EINVAL;
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	q->uacce = uacce;
	q->mm = current->mm;
	q->mapping = filep->f_mapping;
	init_waitqueue_head(&q->wait);
	mutex_init(&q->mutex);
	spin_lock_init(&q->event_lock);

	mutex_lock(&uacce->mutex);
	if (uacce->removed) {
		ret = -ENODEV;
		goto err_unlock;
	}
	if (!uacce->nr_free) {
		ret = -EBUSY;
		goto err_unlock;
	}
	ret = uacce->ops->get_queue(uacce, q);
	if (ret)
		goto err_unlock;
	mmgrab(q->mm);
	get_device(&uacce->dev);
	uacce->nr_free--;
	q->state = UACCE_Q_INIT;
	list_add(&q->list, &uacce->queues);
	mutex_unlock(&uacce->mutex);

	filep->private_data = q;
	return 0;

err_unlock:
	mutex_unlock(&uacce->mutex);
	mutex_destroy(&q->mutex);
	kfree(q);
	return ret;
}

static int uacce_fops_release(struct inode *inode, struct file *filep)
{
	struct uacce_queue *q = filep->private_data;
	struct uacce_device *uacce = q->uacce;

	mutex_lock(&uacce->mutex);
	uacce_put_queue(q);
	list_del(&q->list);
	mutex_unlock(&uacce->mutex);

	/* put: the device no longer signals it */
	if (q->event)
		eventfd_ctx_put(q->event);
	/* no mapping is left (each holds the file), so nobody sees ss_kva */
	vfree(q->ss_kva);
	mmdrop(q->mm);
	mutex_destroy(&q->mutex);
	kfree(q);
	put_device(&uacce->dev);
	return 0;
}

static long uacce_put_q_ioctl(struct uacce_queue *q)
{
	struct uacce_device *uacce = q->uacce;

	if (mutex_lock_killable(&uacce->mutex))
		return -EINTR;
	uacce_put_queue(q);
	mutex_unlock(&uacce->mutex);
	return 0;
}

static long uacce_start_q_ioctl(struct uacce_queue *q)
{
	struct uacce_device *uacce = q->uacce;
	int ret = 0;

	if (q->state != UACCE_Q_INIT)
		return -EINVAL;
	if (uacce->ops->start_queue)
		ret = uacce->ops->start_queue(q);
	if (!ret)
		q->state = UACCE_Q_STARTED;
	return ret;
}

/*
 * UACCE_CMD_SET_EVENTFD: the queue keeps its own reference to the eventfd,
 * so the caller may close its descriptor; once this returns, the old one
 * is signalled no more.
 */
static long uacce_set_eventfd_ioctl(struct uacce_queue *q, int fd)
{
	struct eventfd_ctx *ev = NULL, *old;

	if (fd >= 0) {
		ev = eventfd_ctx_fdget(fd);
		if (IS_ERR(ev))
			return PTR_ERR(ev);
	}
	spin_lock_irq(&q->event_lock);
	old = q->event;
	WRITE_ONCE(q->event, ev);
	spin_unlock_irq(&q->event_lock);
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

static long uacce_fops_unl_ioctl(struct file *filep, unsigned int cmd,
				 unsigned long arg)
{
	struct uacce_queue *q = filep->private_data;
	struct uacce_device *uacce = q->uacce;
	long ret;

	if (!uacce_is_owner(q))
		return -EPERM;
	if (cmd == UACCE_CMD_PUT_Q)
		return uacce_put_q_ioctl(q);
	if (cmd == UACCE_CMD_SET_EVENTFD)
		return uacce_set_eventfd_ioctl(q, (int)arg);

	if (mutex_lock_killable(&q->mutex))
		return -EINTR;
	if (q->state == UACCE_Q_ZOMBIE)
		ret = -ENODEV;
	else if (cmd == UACCE_CMD_START_Q)
		ret = uacce_start_q_ioctl(q);
	else if (uacce->ops->ioctl)
		ret = uacce->ops->ioctl(q, cmd, arg);
	else
		ret = -EINVAL;
	mutex_unlock(&q->mutex);
	return ret;
}

#ifdef CONFIG_COMPAT
static long uacce_fops_compat_ioctl(struct file *filep, unsigned int cmd,
				    unsigned long arg)
{
	return uacce_fops_unl_ioctl(filep, cmd, (unsigned long)compat_ptr(arg));
}
#endif

/* A zapped or never populated page of a queue region: no silent zero page. */
static vm_fault_t uacce_vma_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

/* Regions stay where they were mapped, whole: the device knows the address. */
static int uacce_vma_mremap(struct vm_area_struct *vma)
{
	return -EPERM;
}

static int uacce_vma_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static const struct vm_operations_struct uacce_vm_ops = {
	.fault = uacce_vma_fault,
	.mremap = uacce_vma_mremap,
	.may_split = uacce_vma_may_split,
};

/* The static share region: zeroed kernel pages that the device may touch. */
static int uacce_mmap_ss(struct uacce_queue *q, struct vm_area_struct *vma)
{
	unsigned long size = vma->vm_end - vma->vm_start;
	void *kva;
	int ret;

	if (!(q->uacce->flags & UACCE_DEV_SHARE_DOMAIN))
		return -EINVAL;
	if (size > q->uacce->ss_max)
		return -ENOMEM;
	kva = vmalloc_user(size);
	if (!kva)
		return -ENOMEM;
	ret = remap_vmalloc_range(vma, kva, 0);
	if (ret) {
		vfree(kva);
		return ret;
	}
	q->ss_kva = kva;
	q->ss_uaddr = vma->vm_start;
	/* the engine reads ss_size first, then the rest */
	smp_store_release(&q->ss_size, size);
	return 0;
}

static int uacce_fops_mmap(struct file *filep, struct vm_area_struct *vma)
{
	struct uacce_queue *q = filep->private_data;
	struct uacce_device *uacce = q->uacce;
	unsigned long type = vma->vm_pgoff;
	int ret;

	if (type >= UACCE_QFRT_MAX || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (!uacce_is_owner(q))
		return -EPERM;
	if (mutex_lock_killable(&q->mutex))
		return -EINTR;
	if (q->state == UACCE_Q_ZOMBIE) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (q->mapped[type]) {
		ret = -EEXIST;
		goto out_unlock;
	}
	vma->vm_flags |= VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &uacce_vm_ops;
	vma->vm_private_data = q;
	if (type == UACCE_QFRT_SS)
		ret = uacce_mmap_ss(q, vma);
	else if (uacce->ops->mmap)
		ret = uacce->ops->mmap(q, vma, type);
	else
		ret = -EINVAL;
	if (!ret)
		q->mapped[type] = true;
out_unlock:
	mutex_unlock(&q->mutex);
	return ret;
}

static __poll_t uacce_fops_poll(struct file *filep, poll_table *wait)
{
	struct uacce_queue *q = filep->private_data;

	poll_wait(filep, &q->wait, wait);
	if (READ_ONCE(q->state) == UACCE_Q_ZOMBIE)
		return EPOLLERR | EPOLLHUP;
	/* one wake-up is reported once; callers re-check the rings anyway */
	if (atomic_xchg(&q->wake_pending, 0))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

/**
 * uacce_wake_up - the device posted work a sleeping user waits for
 * @q: the queue; poll()/epoll() on its file return EPOLLIN
 */
void uacce_wake_up(struct uacce_queue *q)
{
	atomic_set(&q->wake_pending, 1);
	wake_up_interruptible(&q->wait);
}
EXPORT_SYMBOL_GPL(uacce_wake_up);

/**
 * uacce_signal_event - the device posted completions: signal the queue's
 * eventfd (UACCE_CMD_SET_EVENTFD), if it has one
 * @q: the queue
 */
void uacce_signal_event(struct uacce_queue *q)
{
	unsigned long flags;

	if (!READ_ONCE(q->event))
		return;
	spin_lock_irqsave(&q->event_lock, flags);
	if (q->event)
		eventfd_signal(q->event, 1);
	spin_unlock_irqrestore(&q->event_lock, flags);
}
EXPORT_SYMBOL_GPL(uacce_signal_event);

static const struct file_operations uacce_fops = {
	.owner = THIS_MODULE,
	.open = uacce_fops_open,
	.release = uacce_fops_release,
	.unlocked_ioctl = uacce_fops_unl_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = uacce_fops_compat_ioctl,
#endif
	.mmap = uacce_fops_mmap,
	.poll = uacce_fops_poll,
	.llseek = no_llseek,
};

#define to_uacce_device(d) container_of(d, struct uacce_device, dev)

static ssize_t api_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%s\n", to_uacce_device(dev)->api_ver);
}

static ssize_t flags_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%u\n", to_uacce_device(dev)->flags);
}

static ssize_t available_instances_show(struct device *dev,
					struct device_attribute *attr,
					char *buf)
{
	struct uacce_device *uacce = to_uacce_device(dev);
	unsigned int nr;

	mutex_lock(&uacce->mutex);
	nr = uacce->nr_free;
	mutex_unlock(&uacce->mutex);
	return sysfs_emit(buf, "%u\n", nr);
}

static ssize_t algorithms_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_uacce_device(dev)->algs);
}

static ssize_t region_mmio_size_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", to_uacce_device(dev)->mmio_size);
}

static ssize_t region_dus_size_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", to_uacce_device(dev)->dus_size);
}

static ssize_t region_ss_size_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", to_uacce_device(dev)->ss_max);
}

static DEVICE_ATTR_RO(api);
static DEVICE_ATTR_RO(flags);
static DEVICE_ATTR_RO(available_instances);
static DEVICE_ATTR_RO(algorithms);
static DEVICE_ATTR_RO(region_mmio_size);
static DEVICE_ATTR_RO(region_dus_size);
static DEVICE_ATTR_RO(region_ss_size);

static struct attribute *uacce_dev_attrs[] = {
	&dev_attr_api.attr,
	&dev_attr_flags.attr,
	&dev_attr_available_instances.attr,
	&dev_attr_algorithms.attr,
	&dev_attr_region_mmio_size.attr,
	&dev_attr_region_dus_size.attr,
	&dev_attr_region_ss_size.attr,
	NULL,
};

static const struct attribute_group uacce_dev_group = {
	.attrs = uacce_dev_attrs,
};

/* params/: the attributes libwd reads (the seed's layout) */
static ssize_t nr_queue_remained_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return available_instances_show(dev, attr, buf);
}

static ssize_t nr_queues_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_uacce_device(dev)->nr_queues);
}

static ssize_t api_version_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return api_show(dev, attr, buf);
}

static ssize_t device_attr_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	unsigned int flags = to_uacce_device(dev)->flags;

	return sysfs_emit(buf, "%s%s%s\n",
			  flags & UACCE_DEV_SVA ? "sva" : "",
			  (flags & UACCE_DEV_SVA) &&
			  (flags & UACCE_DEV_SHARE_DOMAIN) ? " " : "",
			  flags & UACCE_DEV_SHARE_DOMAIN ? "share_domain" : "");
}

static ssize_t numa_node_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	int node = dev->parent ? dev_to_node(dev->parent) : NUMA_NO_NODE;

	/* a device without a home node serves every node */
	return sysfs_emit(buf, "%d\n", node == NUMA_NO_NODE ? 0 : node);
}

static ssize_t priority_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_uacce_device(dev)->priority));
}

static ssize_t priority_store(struct device *dev,
			      struct device_attribute *attr,
			      const char *buf, size_t len)
{
	int val;
	int ret;

	ret = kstrtoint(buf, 10, &val);
	if (ret)
		return ret;
	if (val < 0 || val > 100)
		return -EINVAL;
	WRITE_ONCE(to_uacce_device(dev)->priority, val);
	return len;
}

static DEVICE_ATTR_RO(nr_queue_remained);
static DEVICE_ATTR_RO(nr_queues);
static DEVICE_ATTR_RO(api_version);
static DEVICE_ATTR_RO(device_attr);
static DEVICE_ATTR_RO(numa_node);
static DEVICE_ATTR_RW(priority);

static struct attribute *uacce_params_attrs[] = {
	&dev_attr_nr_queue_remained.attr,
	&dev_attr_nr_queues.attr,
	&dev_attr_api_version.attr,
	&dev_attr_device_attr.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_priority.attr,
	NULL,
};

static const struct attribute_group uacce_params_group = {
	.name = "params",
	.attrs = uacce_params_attrs,
};

static void uacce_release(struct device *dev)
{
	struct uacce_device *uacce = to_uacce_device(dev);

	ida_free(&uacce_ida, uacce->id);
	kfree(dev->groups);
	mutex_destroy(&uacce->mutex);
	kfree(uacce);
}

/* Framework groups first, then the driver's. */
static const struct attribute_group **
uacce_groups(const struct attribute_group **extra)
{
	const struct attribute_group **groups;
	int n = 0, i;

	while (extra && extra[n])
		n++;
	groups = kcalloc(n + 3, sizeof(*groups), GFP_KERNEL);
	if (!groups)
		return NULL;
	groups[0] = &uacce_dev_group;
	groups[1] = &uacce_params_group;
	for (i = 0; i < n; i++)
		groups[i + 2] = extra[i];
	return groups;
}

static int uacce_check_interface(const struct uacce_interface *intf)
{
	if (!intf->name || !intf->ops || !intf->ops->get_queue ||
	    !intf->api_ver || !intf->algs || !intf->nr_queues)
		return -EINVAL;
	if (strlen(intf->name) >= UACCE_NAME_MAX - 4)
		return -ENAMETOOLONG;
	return 0;
}

/**
 * uacce_register - create the chrdev and sysfs entries of an accelerator
 * @parent: the device it belongs to, or NULL for a software device
 * @interface: what it is and how to drive it (copied)
 *
 * Return: the device, or an ERR_PTR.
 */
struct uacce_device *uacce_register(struct device *parent,
				    const struct uacce_interface *interface)
{
	struct uacce_device *uacce;
	int ret;

	ret = uacce_check_interface(interface);
	if (ret)
		return ERR_PTR(ret);
	uacce = kzalloc(sizeof(*uacce), GFP_KERNEL);
	if (!uacce)
		return ERR_PTR(-ENOMEM);
	ret = ida_alloc_max(&uacce_ida, UACCE_MAX_DEVICES - 1, GFP_KERNEL);
	if (ret < 0) {
		kfree(uacce);
		return ERR_PTR(ret);
	}
	uacce->id = ret;
	strscpy(uacce->name, interface->name, sizeof(uacce->name));
	uacce->api_ver = interface->api_ver;
	uacce->algs = interface->algs;
	uacce->ops = interface->ops;
	uacce->flags = interface->flags;
	uacce->mmio_size = interface->mmio_size;
	uacce->dus_size = interface->dus_size;
	uacce->ss_max = interface->ss_max;
	uacce->priv = interface->priv;
	uacce->nr_queues = interface->nr_queues;
	uacce->nr_free = interface->nr_queues;
	mutex_init(&uacce->mutex);
	INIT_LIST_HEAD(&uacce->queues);

	/* from here on, put_device() frees everything */
	device_initialize(&uacce->dev);
	uacce->dev.class = uacce_class;
	uacce->dev.parent = parent;
	uacce->dev.release = uacce_release;
	uacce->dev.devt = MKDEV(MAJOR(uacce_devt), uacce->id);
	uacce->dev.groups = uacce_groups(interface->groups);
	if (!uacce->dev.groups) {
		ret = -ENOMEM;
		goto err_put;
	}
	ret = dev_set_name(&uacce->dev, "%s-%d", uacce->name, uacce->id);
	if (ret)
		goto err_put;

	cdev_init(&uacce->cdev, &uacce_fops);
	uacce->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&uacce->cdev, &uacce->dev);
	if (ret)
		goto err_put;
	return uacce;

err_put:
	put_device(&uacce->dev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(uacce_register);

/**
 * uacce_unregister - remove an accelerator, even with queues still open
 * @uacce: what uacce_register() returned
 *
 * Every open queue is stopped and put (the driver's last callback for it),
 * its mappings are zapped, and it stays a zombie until its file is closed.
 */
void uacce_unregister(struct uacce_device *uacce)
{
	struct uacce_queue *q;

	if (IS_ERR_OR_NULL(uacce))
		return;
	mutex_lock(&uacce->mutex);
	uacce->removed = true;
	list_for_each_entry(q, &uacce->queues, list) {
		uacce_put_queue(q);
		/* later accesses fault with SIGBUS (uacce_vma_fault) */
		unmap_mapping_range(q->mapping, 0, 0, 1);
	}
	mutex_unlock(&uacce->mutex);

	cdev_device_del(&uacce->cdev, &uacce->dev);
	put_device(&uacce->dev);
}
EXPORT_SYMBOL_GPL(uacce_unregister);

static char *uacce_devnode(struct device *dev, umode_t *mode)
{
	/* root and the accelerator group; udev rules may widen it */
	if (mode)
		*mode = 0660;
	return NULL;
}

static int __init uacce_init(void)
{
	int ret;

	uacce_class = class_create(THIS_MODULE, "uacce");
	if (IS_ERR(uacce_class))
		return PTR_ERR(uacce_class);
	uacce_class->devnode = uacce_devnode;
	ret = alloc_chrdev_region(&uacce_devt, 0, UACCE_MAX_DEVICES, "uacce");
	if (ret) {
		class_destroy(uacce_class);
		return ret;
	}
	return 0;
}

static void __exit uacce_exit(void)
{
	unregister_chrdev_region(uacce_devt, UACCE_MAX_DEVICES);
	class_destroy(uacce_class);
	ida_destroy(&uacce_ida);
}

module_init(uacce_init);
module_exit(uacce_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("uacce: user space accelerator queues (WarpDrive)");
