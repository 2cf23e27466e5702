/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uacce.h - kernel API of the uacce framework (uacce.ko).
 *
 * An accelerator driver fills a struct uacce_interface and calls
 * uacce_register(); the framework then owns the character device, the
 * queues' life cycle, mmap of regions, sysfs and poll. The driver only
 * implements struct uacce_ops and never sees a file.
 *
 * Locking: every ops callback for a queue runs under that queue's mutex, and
 * never after uacce_unregister() returned, so a driver module may be removed
 * while processes still hold queues open (those queues become zombies: their
 * mappings are torn down and every later call fails with -ENODEV).
 */
#ifndef _UACCE_KERNEL_H
#define _UACCE_KERNEL_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <uacce.h>	/* the UAPI header, in libwd/include */

#define UACCE_NAME_MAX	32

struct uacce_queue;
struct uacce_device;

/**
 * struct uacce_ops - what an accelerator driver implements
 * @get_queue: a queue was opened; allocate its private state in q->priv
 * @put_queue: free what get_queue and mmap allocated (queue is stopped)
 * @start_queue: START_Q ioctl: the device may now read the rings
 * @stop_queue: the device must stop touching the queue before returning
 * @mmap: map region @type (not UACCE_QFRT_SS, which the framework owns)
 * @ioctl: any command the framework does not know
 */
struct uacce_ops {
	int (*get_queue)(struct uacce_device *uacce, struct uacce_queue *q);
	void (*put_queue)(struct uacce_queue *q);
	int (*start_queue)(struct uacce_queue *q);
	void (*stop_queue)(struct uacce_queue *q);
	int (*mmap)(struct uacce_queue *q, struct vm_area_struct *vma,
		    enum uacce_qfrt type);
	long (*ioctl)(struct uacce_queue *q, unsigned int cmd,
		      unsigned long arg);
};

/**
 * struct uacce_interface - what a driver registers
 * @name: device name; the chrdev is /dev/<name>-<id>
 * @flags: UACCE_DEV_SVA and/or UACCE_DEV_SHARE_DOMAIN
 * @ops: the driver's callbacks
 * @api_ver: the ring format, shown as params/api_version and api
 * @algs: space separated operations the device serves
 * @nr_queues: how many queues may be open at once
 * @mmio_size: size of the MMIO region (0: none)
 * @dus_size: size of the device user share region at the default depth
 * @ss_max: largest static share region a queue may map
 * @groups: extra sysfs attribute groups of the driver, or NULL
 * @priv: driver data, returned by uacce->priv
 */
struct uacce_interface {
	const char *name;
	unsigned int flags;
	const struct uacce_ops *ops;
	const char *api_ver;
	const char *algs;
	unsigned int nr_queues;
	unsigned long mmio_size;
	unsigned long dus_size;
	unsigned long ss_max;
	const struct attribute_group **groups;
	void *priv;
};

enum uacce_q_state {
	UACCE_Q_ZOMBIE = 0,	/* put: device side released */
	UACCE_Q_INIT,		/* opened */
	UACCE_Q_STARTED,	/* START_Q done */
};

/**
 * struct uacce_queue - one open queue file
 * @uacce: its device
 * @priv: the driver's state
 * @mm: the opener's mm (mmgrab'ed); only it may ioctl and mmap
 * @wait: poll() sleeps here; uacce_wake_up() wakes it
 * @wake_pending: set by uacce_wake_up(), reported (and cleared) by poll()
 * @mutex: serializes state changes and ops callbacks of this queue
 * @state: enum uacce_q_state
 * @mapped: region already mapped (each region is mapped once)
 * @ss_kva: kernel address of the static share region, or NULL
 * @ss_uaddr: where the opener mapped it
 * @ss_size: its size; published last (smp_store_release)
 * @mapping: the file's address space, zapped when the device goes away
 * @list: in uacce->queues
 * @event_lock: guards @event against UACCE_CMD_SET_EVENTFD while signalled
 * @event: the eventfd uacce_signal_event() signals, or NULL
 */
struct uacce_queue {
	struct uacce_device *uacce;
	void *priv;
	struct mm_struct *mm;
	wait_queue_head_t wait;
	atomic_t wake_pending;
	struct mutex mutex;		/* state, mapped, ops callbacks */
	enum uacce_q_state state;
	bool mapped[UACCE_QFRT_MAX];
	void *ss_kva;
	unsigned long ss_uaddr;
	unsigned long ss_size;
	struct address_space *mapping;
	struct list_head list;
	spinlock_t event_lock;
	struct eventfd_ctx *event;
};

/**
 * struct uacce_device - a registered accelerator
 * Fields after @dev are protected by @mutex.
 */
struct uacce_device {
	char name[UACCE_NAME_MAX];
	const char *api_ver;
	const char *algs;
	const struct uacce_ops *ops;
	unsigned int flags;
	unsigned long mmio_size;
	unsigned long dus_size;
	unsigned long ss_max;
	int id;
	void *priv;
	struct cdev cdev;
	struct device dev;
	struct mutex mutex;		/* queues, nr_free, removed */
	struct list_head queues;
	unsigned int nr_queues;
	unsigned int nr_free;
	int priority;
	bool removed;
};

struct uacce_device *uacce_register(struct device *parent,
				    const struct uacce_interface *interface);
void uacce_unregister(struct uacce_device *uacce);
void uacce_wake_up(struct uacce_queue *q);
void uacce_signal_event(struct uacce_queue *q);

#endif /* _UACCE_KERNEL_H */
