/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * wd_ring.h - the WarpDrive soft ring format.
 *
 * This header is the one definition of the memory a queue shares with its
 * device. It is included unchanged by libwd (user space) and by the kernel
 * module wd_soft.ko, so it uses only <linux/types.h> types and no libc.
 *
 * A queue's device region is one mapping laid out as:
 *
 *   offset 0                  struct wd_ring_ctrl (one page)
 *   ctrl->sq_offset           sq_depth x struct wd_sqe  (submission ring)
 *   ctrl->cq_offset           cq_depth x struct wd_cqe  (completion ring)
 *
 * Both rings use a phase bit instead of a shared tail index, so that a
 * consumer polls the entry itself and a request or a completion costs one
 * cache line transfer: entry i of lap L (L = index / depth) is valid when its
 * phase equals WD_RING_PHASE(index, depth). Memory starts zeroed, and 0 is
 * never a valid phase. The producer writes the whole entry, then stores the
 * phase with release semantics; the consumer loads the phase with acquire
 * semantics, then reads the entry.
 *
 * A queue never has more requests in flight than sq_depth, and
 * cq_depth == sq_depth, so the completion ring cannot overflow and the device
 * needs no completion head index.
 *
 * Sleeping: a device that stops polling sets ctrl->dev_idle (after a full
 * barrier re-checks the ring), and the producer that sees it set after
 * publishing an entry must kick the device (driver specific: a futex wake for
 * the in-process soft device, the UACCE_CMD_KICK ioctl for a kernel device).
 * A consumer that sleeps for completions sets ctrl->user_waiting, and the
 * device that sees it after posting a completion increments ctrl->cq_seq and
 * wakes the waiter (futex wake, or uacce_wake_up for poll()).
 *
 * The device must treat every field written by user space as untrusted: it
 * copies an entry once, validates it, and never reads it again.
 */
#ifndef WD_RING_H
#define WD_RING_H

#include <linux/types.h>

#define WD_RING_MAGIC		0x57445231u	/* "WDR1" */
#define WD_RING_VERSION		1u

/* api_version strings: a user driver is chosen by this prefix */
#define WD_RING_API_SOFT	"wd_soft_ring_v1"

#define WD_RING_CTRL_SIZE	4096u
#define WD_RING_MAX_DEPTH	4096u
#define WD_RING_DEFAULT_DEPTH	256u

/* The phase an entry at free-running index idx must carry to be valid. */
#define WD_RING_PHASE(idx, depth)	((__u8)((((idx) / (depth)) & 1u) + 1u))

/* Opcodes (struct wd_sqe.opcode). A device lists what it serves in sysfs. */
enum wd_opcode {
	WD_OP_NOP = 0,		/* no work; op_arg = delay in microseconds (max 1 s) */
	WD_OP_MEMCPY = 1,	/* copy src_len bytes of src to dst (dst_len >= src_len) */
	WD_OP_COMPRESS = 2,	/* deflate family: see wd_comp.h for param */
	WD_OP_DECOMPRESS = 3,	/* inflate family: see wd_comp.h for param */
	WD_OP_CIPHER = 4,	/* AES modes: see wd_cipher.h for param */
	WD_OP_RSA = 5,		/* RSA raw, CRT and keygen: see wd_rsa.h for param */
	WD_OP_CTX_FREE = 6,	/* release the device-side state of ctx_id */
	WD_OP_MAX
};

/* struct wd_sqe.flags */
#define WD_SQE_F_FIRST		0x01	/* first request of a stream on ctx_id */
#define WD_SQE_F_LAST		0x02	/* last request of a stream on ctx_id */
#define WD_SQE_F_FLUSH		0x04	/* op specific flush request */

/* Submission entry: 64 bytes, one cache line. */
struct wd_sqe {
	__u64 tag;		/* returned unchanged in the completion */
	__u16 opcode;		/* enum wd_opcode */
	__u8 phase;		/* written last, see WD_RING_PHASE */
	__u8 flags;		/* WD_SQE_F_* */
	__u32 ctx_id;		/* device-side session slot; 0 = stateless */
	__u64 src;		/* input address (virtual, SVA or share region) */
	__u32 src_len;
	__u32 dst_len;		/* capacity of dst */
	__u64 dst;		/* output address */
	__u64 param;		/* address of the op's parameter block, or 0 */
	__u32 param_len;
	__u32 op_arg;		/* small op specific argument */
	__u64 reserved;		/* must be zero */
};

/* struct wd_cqe.flags */
#define WD_CQE_F_END		0x01	/* op reached the end of its stream */
#define WD_CQE_F_MORE		0x02	/* op has more output pending (dst full) */

/* Completion entry: 32 bytes. */
struct wd_cqe {
	__u64 tag;		/* the submission's tag */
	__s32 status;		/* 0, or a negative errno value */
	__u32 produced;		/* bytes written to dst */
	__u32 consumed;		/* bytes read from src */
	__u16 flags;		/* WD_CQE_F_* */
	__u8 phase;		/* written last, see WD_RING_PHASE */
	__u8 reserved0;
	__u64 reserved1;
};

/* Control page, offset 0 of the device region. */
struct wd_ring_ctrl {
	__u32 magic;		/* WD_RING_MAGIC, written by the device */
	__u32 version;		/* WD_RING_VERSION */
	__u32 sq_depth;		/* power of two */
	__u32 cq_depth;		/* == sq_depth */
	__u32 sq_offset;	/* from the start of the region */
	__u32 cq_offset;
	__u32 region_size;	/* bytes of the whole device region */
	__u32 flags;		/* WD_RING_F_* */
	__u8 pad0[32];
	/* written by the device, read by the user: own cache line */
	__u32 dev_idle;		/* device sleeps: producers must kick */
	__u32 cq_seq;		/* incremented on each wake of a waiter */
	__u8 pad1[56];
	/* written by the user, read by the device: own cache line */
	__u32 user_waiting;	/* a consumer sleeps for completions */
	__u32 sq_kick;		/* incremented by a producer's kick */
	__u8 pad2[56];
};

/* struct wd_ring_ctrl.flags */
#define WD_RING_F_SHARE_DOMAIN	0x01	/* addresses must be in the share region */

#endif /* WD_RING_H */
