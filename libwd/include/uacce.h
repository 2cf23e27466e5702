/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * uacce.h - user API of the uacce kernel framework (uacce.ko).
 *
 * Shared unchanged by the kernel modules (kmod/) and libwd's kernel user
 * driver (libwd/drv/uacce_drv.c). The ioctl numbers and region ids that
 * mainline Linux defines in include/uapi/misc/uacce/uacce.h keep their
 * values here, so a program written for mainline also works with these
 * modules.
 *
 * A device appears as /dev/<name>-<id> and under /sys/class/uacce/<name>-<id>.
 * open() of the device creates a queue (-EBUSY when the device has none
 * left); the queue belongs to the opening process, and a request from any
 * other process (ioctl or mmap) fails with -EPERM. Each region of the queue
 * is mapped at most once, by mmap() with offset region * page size:
 *
 *   UACCE_QFRT_MMIO  device registers; size region_mmio_size (0: none)
 *   UACCE_QFRT_DUS   device user share memory: for wd_soft this is the whole
 *                    ring region of wd_ring.h (control page, SQ, CQ); its
 *                    length must be exactly the ring size for the depth
 *   UACCE_QFRT_SS    static share region (SHARE_DOMAIN devices only): any
 *                    page multiple up to the device's limit, zeroed by the
 *                    kernel; requests may point only into it
 *
 * Mappings are not inherited by fork() (VM_DONTCOPY).
 */
#ifndef UACCE_UAPI_H
#define UACCE_UAPI_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Start the queue: the device begins to read the rings. */
#define UACCE_CMD_START_Q	_IO('W', 0)
/* Stop the queue and release its device side now (before close). */
#define UACCE_CMD_PUT_Q		_IO('W', 1)
/* The device said it sleeps (dev_idle): make it look at the rings. */
#define UACCE_CMD_KICK		_IO('W', 2)
/*
 * Set the ring depth (arg: a power of two, 1..WD_RING_MAX_DEPTH) before the
 * device region is mapped; -EBUSY afterwards, -EINVAL for a bad depth.
 */
#define UACCE_CMD_SET_DEPTH	_IO('W', 3)
/*
 * Have the device signal an eventfd (arg: its descriptor; -1: none) after
 * it posts completions, as io_uring's registered eventfd. The queue keeps
 * its own reference; -EBADF or -EINVAL for a descriptor that is not an
 * eventfd.
 */
#define UACCE_CMD_SET_EVENTFD	_IO('W', 4)

/* /sys/class/uacce/<dev>/flags */
#define UACCE_DEV_SVA		0x1	/* the device works in the opener's mm */
#define UACCE_DEV_SHARE_DOMAIN	0x2	/* requests point into the SS region */

/* Regions of a queue file (mmap offset = region << page shift) */
enum uacce_qfrt {
	UACCE_QFRT_MMIO = 0,
	UACCE_QFRT_DUS = 1,
	UACCE_QFRT_SS = 2,
	UACCE_QFRT_MAX
};

#endif /* UACCE_UAPI_H */
