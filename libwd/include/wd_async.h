/* SPDX-License-Identifier: MIT */
/*
 * wd_async.h - waiting for a request without blocking: an eventfd that
 * becomes readable when the request is answered.
 *
 * A caller that must not block (an event loop, an OpenSSL ASYNC job)
 * submits with an _async function of an algorithm layer (wd_cipher_do_async,
 * wd_rsa_do_async) and a struct wd_async, then watches wd_async_fd() with
 * poll/epoll (or hands it to its own scheduler, as the provider gives it to
 * ASYNC_WAIT_CTX) and calls wd_async_result() when the fd is readable, or
 * whenever it likes: -EAGAIN means "not yet".
 *
 * How the answer reaches the fd is the scheduling layer's business: on a
 * device that signals eventfds itself (wd_queue_set_event_fd) the wd_async
 * keeps a queue of its own whose device writes the fd; otherwise a
 * completion thread of libwd (started on first use, one per soft engine,
 * WD_SOFT_ENGINES) waits for the device and writes it.
 *
 * One request at a time per struct wd_async; any number of them may be in
 * flight in a process. Threads: a wd_async is used by one thread at a time
 * (an ASYNC job may resume on another thread: that is fine).
 *
 * Fork: a wd_async made before fork() is dead in the child (its queue and
 * the completion threads belong to the parent): the child frees it, and
 * makes its own.
 */
#ifndef WD_ASYNC_H
#define WD_ASYNC_H

#ifdef __cplusplus
extern "C" {
#endif

struct wd_async;

/* wd_async_new - a waiter with its own eventfd (non-blocking, close-on-exec). NULL on ENOMEM/EMFILE. */
struct wd_async *wd_async_new(void);

/* wd_async_fd - the eventfd to poll for POLLIN. It stays owned by a. */
int wd_async_fd(const struct wd_async *a);

/*
 * wd_async_result - -EAGAIN while the request submitted on a has not been
 * answered; then, once, its result (as the synchronous call would have
 * returned it), after reading the fd's wake-up so that the fd is quiet until
 * the next request. -EINVAL when nothing was submitted.
 */
int wd_async_result(struct wd_async *a);

/*
 * wd_async_free - free a and close its fd. A request still in flight is
 * abandoned: its answer reaches nobody (its buffers must stay valid until
 * then only if the device may still write them: free a only after
 * wd_async_result returned, unless the process is going away).
 */
void wd_async_free(struct wd_async *a);

#ifdef __cplusplus
}
#endif

#endif /* WD_ASYNC_H */
