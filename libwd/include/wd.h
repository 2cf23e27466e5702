/* SPDX-License-Identifier: MIT */
/*
 * wd.h - WarpDrive user API: devices, queues, requests, counters.
 *
 * A queue is a pair of rings in this process's memory that a device (a
 * kernel uacce device, or the built-in soft device whose engine threads run
 * inside this process) reads and writes. Once a queue exists, wd_send() and
 * wd_recv() are loads and stores on that memory: no system call, unless the
 * device went to sleep and must be kicked.
 *
 * Errors are negative errno values; wd_strerror() describes them.
 *
 * Threads: any number of queues may be used from any number of threads, but
 * one queue is used by one thread at a time (wd_send, wd_recv, wd_flush and
 * wd_release_queue on the same queue must not run concurrently). The library
 * takes no lock on the data path.
 *
 * Fork: queues belong to the process that requested them. Their memory is
 * not inherited by a child (as the kernel's VM_DONTCOPY), and every call on an
 * inherited queue in the child fails with -EPERM, except wd_release_queue(),
 * which only forgets it. The child may request queues of its own. Queue file
 * descriptors are opened with O_CLOEXEC.
 *
 * Configuration: the WD_* environment variables (WD_DEVICE,
 * WD_SOFT_ENGINES, WD_STATS_DIR, ...), read once per process at libwd's
 * first use (a fork child reads its own), are one table with their types,
 * defaults and ranges: wd_config.h, `wdctl config` and doc/config.md.
 */
#ifndef WD_H
#define WD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WD_NAME_MAX		64
#define WD_ALGS_MAX		256

/* struct wd_capa.flags and struct wd_dev_info.flags */
#define WD_CAPA_SVA		0x01	/* requests carry plain virtual addresses */
#define WD_CAPA_SHARE_DOMAIN	0x02	/* requests point into the share region */

/* What a caller asks of a queue's device. Zero means "anything". */
struct wd_capa {
	const char *alg;	/* an entry of the device's algorithms, or NULL */
	int numa_node;		/* wanted node; -1 (or 0 with no NUMA) = any */
	unsigned int flags;	/* WD_CAPA_SVA or WD_CAPA_SHARE_DOMAIN; 0 = SVA */
	unsigned int depth;	/* ring depth (power of two); 0 = default 256 */
	const char *dev_name;	/* a specific device, or NULL */
};

/*
 * A queue. The caller fills capa (memset the rest to zero) and calls
 * wd_request_queue(); the library fills the descriptive fields.
 */
struct wd_queue {
	struct wd_capa capa;			/* in */
	char dev_name[WD_NAME_MAX];		/* out: device serving it */
	char api_version[WD_NAME_MAX];		/* out: its ring format */
	unsigned int depth;			/* out: requests in flight, max */
	int fd;					/* out: queue fd, or -1 */
	void *priv;				/* library private */
};

/*
 * A request. The caller owns it until wd_recv() hands it back; the device
 * never sees this structure, only the descriptor built from it.
 */
struct wd_msg {
	/* in */
	uint16_t opcode;	/* enum wd_opcode in wd_ring.h */
	uint8_t flags;		/* WD_SQE_F_* */
	uint32_t ctx_id;	/* device-side session slot, 0 = stateless */
	const void *src;
	size_t src_len;
	void *dst;
	size_t dst_len;
	const void *param;	/* operation parameter block */
	size_t param_len;
	uint32_t op_arg;
	void *user_data;	/* untouched, for the caller */
	/* out, valid after wd_recv() returns this message */
	int status;		/* 0 or a negative errno value from the device */
	uint32_t produced;	/* bytes written to dst */
	uint32_t consumed;	/* bytes read from src */
	uint16_t out_flags;	/* WD_CQE_F_* */
};

/* A device as wd_list_devices() reports it. */
struct wd_dev_info {
	char name[WD_NAME_MAX];
	char api_version[WD_NAME_MAX];
	char algorithms[WD_ALGS_MAX];	/* space separated */
	unsigned int flags;		/* WD_CAPA_* modes it supports */
	int numa_node;
	int queues_total;
	int queues_free;
	int priority;
	int is_kernel;			/* 1: a /sys/class/uacce device */
};

/*
 * wd_request_queue - open a queue on a device that matches q->capa.
 * Returns 0, or -ENODEV (no device serves capa.alg / dev_name / mode),
 * -EBUSY (every matching device is out of queues), -EINVAL (bad capa),
 * -ENOMEM, or another negative errno from the device.
 */
int wd_request_queue(struct wd_queue *q);

/*
 * wd_release_queue - stop the queue and free it. Requests still in flight
 * are abandoned: the device finishes or drops them before this returns, and
 * their messages are never handed back.
 */
void wd_release_queue(struct wd_queue *q);

/*
 * wd_send - submit the request req (a struct wd_msg *).
 * Returns 0, -EBUSY when depth requests are already in flight (receive some
 * and retry), -EINVAL for a malformed message (unknown opcode, a length that
 * does not fit 32 bits), -EPERM in a child process that inherited q.
 */
int wd_send(struct wd_queue *q, void *req);

/*
 * wd_recv - take one completed request without waiting.
 * Returns 1 and sets *req to the completed struct wd_msg *, or -EAGAIN when
 * none has completed, or -EPERM in a child process that inherited q.
 * Completions come back in the order the device finished them.
 */
int wd_recv(struct wd_queue *q, void **req);

/*
 * wd_recv_sync - as wd_recv, but sleep (no busy loop) until a request
 * completes. Returns 1, -ENOENT when nothing is in flight (it would sleep
 * forever), -ENODEV when the device went away (a kernel module unloaded
 * under the queue), -EPERM as above.
 */
int wd_recv_sync(struct wd_queue *q, void **req);

/*
 * wd_recv_timeout - as wd_recv_sync, but give up after timeout_ms
 * milliseconds (-1: never) with -ETIMEDOUT.
 */
int wd_recv_timeout(struct wd_queue *q, void **req, int timeout_ms);

/*
 * wd_wait_ready - wait until the completion wd_recv() would return next has
 * been posted, or timeout_ms passes (-1: never); take nothing. Returns 0,
 * -ETIMEDOUT, -ENODEV, -EPERM as above. The one exception to "one thread
 * at a time": called by the thread that receives on q, it may run while
 * another thread sends on q (the two sharing a lock for wd_send and
 * wd_recv), so a completion thread can wait without holding back senders.
 * With nothing in flight it waits for the timeout.
 */
int wd_wait_ready(struct wd_queue *q, int timeout_ms);

/*
 * wd_queue_set_event_fd - have q's device signal the eventfd(2) efd (add
 * to its counter) each time it has posted completions on q, as io_uring's
 * registered eventfd: an event loop (poll, epoll, an OpenSSL ASYNC wait fd)
 * then learns of answers without a thread that waits for them. Read efd to
 * clear it before looking at the ring with wd_recv(): an answer posted
 * after the look signals again. The device keeps its own reference to efd,
 * so the caller may close its own; efd = -1 detaches (no signal is written after
 * this returns). The soft device coalesces signals while it has more work
 * queued; a kernel device (UACCE_CMD_SET_EVENTFD) signals every answer.
 * Returns 0, -EOPNOTSUPP when q's device cannot, -EBADF, -EINVAL (not an
 * eventfd), -EPERM (a child that inherited q).
 */
int wd_queue_set_event_fd(struct wd_queue *q, int efd);

/*
 * wd_flush - make sure the device sees every request sent so far (kick it
 * if it sleeps) and wait until all of them have completed. Their messages
 * stay queued for wd_recv().
 */
void wd_flush(struct wd_queue *q);

/*
 * wd_preserve_share_memory - reserve size bytes of the queue's static share
 * region (share-domain queues: the only memory their requests may point
 * into). May be called several times; each call returns a new, zeroed,
 * page-aligned piece, or NULL with errno set (ENOMEM when the region is
 * exhausted, EINVAL on an SVA queue that has no share region, EPERM in a
 * child that inherited q).
 */
void *wd_preserve_share_memory(struct wd_queue *q, size_t size);

/*
 * Device-side sessions. A stream (a deflate stream, a cipher with chained IV)
 * keeps state in the device between requests, named by ctx_id in each
 * message. wd_ctx_alloc() returns a free id (> 0) of this queue or -ENOSPC;
 * the first request of a stream carries WD_SQE_F_FIRST (the device resets the
 * slot's state), the last one WD_SQE_F_LAST (the device frees it).
 * wd_ctx_free() gives the id back; state of a stream abandoned without
 * WD_SQE_F_LAST is freed when the id is reused or the queue released.
 */
int wd_ctx_alloc(struct wd_queue *q);
void wd_ctx_free(struct wd_queue *q, uint32_t ctx_id);

/* Number of requests in flight on q (sent, not yet received). */
unsigned int wd_queue_inflight(const struct wd_queue *q);

/*
 * wd_list_devices - describe up to max devices into devs.
 * Returns how many devices exist (may exceed max), or a negative errno.
 */
int wd_list_devices(struct wd_dev_info *devs, int max);

/* wd_strerror - a message for a negative errno value returned here. */
const char *wd_strerror(int err);

/*
 * Counters. Every process that uses libwd publishes its counters in a file
 * (WD_STATS_DIR/wd-stats.<pid>) that wdctl reads from outside. Queue
 * counters are kept by the library; algorithm layers and adapters add their
 * own per algorithm: requests that went through a queue, requests that fell
 * back to software, bytes in and out, errors.
 */
enum wd_alg_counter {
	WD_ALG_OFFLOADED = 0,	/* operations served by a queue */
	WD_ALG_FALLBACK,	/* operations done in software instead */
	WD_ALG_BYTES_IN,	/* bytes consumed by offloaded operations */
	WD_ALG_BYTES_OUT,	/* bytes produced by offloaded operations */
	WD_ALG_ERRORS,		/* device errors (then fell back) */
	WD_ALG_NR_COUNTERS
};

/*
 * wd_alg_stats_add - add n to counter c of algorithm alg (a short name such
 * as "deflate" or "rsa-sign"). Lock free and safe from any thread.
 */
void wd_alg_stats_add(const char *alg, enum wd_alg_counter c, uint64_t n);

#ifdef __cplusplus
}
#endif

#endif /* WD_H */
