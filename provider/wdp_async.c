// SPDX-License-Identifier: MIT
/*
 * wdp_async.c - OpenSSL ASYNC glue: run a libwd session's request, and
 * inside an ASYNC job (openssl speed -async_jobs, SSL_MODE_ASYNC) pause
 * the job instead of blocking.
 *
 * Everything about queues (pools, share-domain staging, completion
 * threads, devices that signal eventfds, fork) is libwd's scheduling
 * layer (libwd/sched/, wd_async.h). What is left here is OpenSSL's side:
 * each job's wait context keeps one struct wd_async, whose eventfd is the
 * job's wait fd (ASYNC_WAIT_CTX_set_wait_fd), so the application resumes
 * the job when the answer is in; a job submits, then pauses until
 * wd_async_result() has it.
 */
#include <errno.h>
#include <poll.h>
#include <openssl/async.h>
#include "wdp.h"

static int async_key;		/* its address names our wait fd */

static void wait_fd_cleanup(ASYNC_WAIT_CTX *ctx, const void *key, OSSL_ASYNC_FD fd,
			    void *custom)
{
	(void)ctx;
	(void)key;
	(void)fd;		/* the wd_async's own: it closes it */
	wd_async_free(custom);
}

/* The job's wd_async, registered as its wait fd on first use. */
static struct wd_async *job_async(ASYNC_JOB *job)
{
	ASYNC_WAIT_CTX *wctx = ASYNC_get_wait_ctx(job);
	struct wd_async *a;
	OSSL_ASYNC_FD fd;
	void *custom;

	if (!wctx)
		return NULL;
	if (ASYNC_WAIT_CTX_get_fd(wctx, &async_key, &fd, &custom))
		return custom;
	a = wd_async_new();
	if (a && !ASYNC_WAIT_CTX_set_wait_fd(wctx, &async_key, wd_async_fd(a), a,
					     wait_fd_cleanup)) {
		wd_async_free(a);
		return NULL;
	}
	return a;
}

/* Pause the job until a's request is answered; its result. */
static int job_wait(struct wd_async *a)
{
	struct pollfd p = { .fd = wd_async_fd(a), .events = POLLIN };
	int ret;

	while ((ret = wd_async_result(a)) == -EAGAIN) {
		if (!ASYNC_pause_job())
			poll(&p, 1, 10);	/* cannot pause: wait for the fd here */
	}
	return ret;
}

int wdp_cipher_do(struct wd_cipher_sess *s, struct wd_cipher_req *req)
{
	ASYNC_JOB *job = ASYNC_get_current_job();
	struct wd_async *a;
	int ret;

	if (!job)
		return wd_cipher_do(s, req);
	a = job_async(job);
	if (!a)
		return -ENOMEM;
	ret = wd_cipher_do_async(s, req, a);
	return ret ? ret : job_wait(a);
}

int wdp_rsa_do(struct wd_rsa_sess *s, const unsigned char *in, unsigned char *out,
	       size_t len)
{
	ASYNC_JOB *job = ASYNC_get_current_job();
	struct wd_async *a;
	int ret;

	if (!job)
		return wd_rsa_do(s, in, len, out, len);
	a = job_async(job);
	if (!a)
		return -ENOMEM;
	ret = wd_rsa_do_async(s, in, len, out, len, a);
	return ret ? ret : job_wait(a);
}

int wdp_rsa_keygen(struct wd_rsa_key *key, unsigned int bits, uint64_t e)
{
	ASYNC_JOB *job = ASYNC_get_current_job();
	struct wd_async *a;
	int ret;

	if (!job)
		return wd_rsa_keygen(key, bits, e, NULL);
	a = job_async(job);
	if (!a)
		return -ENOMEM;
	ret = wd_rsa_keygen(key, bits, e, a);
	return ret ? ret : job_wait(a);
}
