// SPDX-License-Identifier: MIT
/*
 * cipher_sess.c - AES sessions (wd_cipher.h) on the scheduling layer.
 *
 * One pool per mode, so that each queue sits on a device that serves the
 * mode (a kernel device may serve some modes only). A whole-message
 * request borrows a queue of its mode's pool for its length; a stream
 * keeps one, with a device session, for the session's life.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "wd_internal.h"
#include "wd_crypto_internal.h"
#include "sched/wd_sched.h"

static struct wd_sched_pool cipher_pools[WD_CIPHER_MODE_MAX] = {
	[WD_CIPHER_ECB] = { .alg = "aes-ecb", .fallback = wd_cipher_sw },
	[WD_CIPHER_CBC] = { .alg = "aes-cbc", .fallback = wd_cipher_sw },
	[WD_CIPHER_CTR] = { .alg = "aes-ctr", .fallback = wd_cipher_sw },
	[WD_CIPHER_XTS] = { .alg = "aes-xts", .fallback = wd_cipher_sw },
	[WD_CIPHER_GCM] = { .alg = "aes-gcm", .fallback = wd_cipher_sw },
};

struct wd_cipher_sess {
	enum wd_cipher_mode mode;
	int encrypt;
	unsigned int flags;
	size_t key_len;
	uint8_t key[WD_CIPHER_KEY_MAX];
	/* a stream */
	struct wd_sched_q *sq;
	uint32_t ctx_id;
	int started;			/* a FIRST request was answered */
};

WD_EXPORT struct wd_cipher_sess *wd_cipher_sess_new(enum wd_cipher_mode mode,
						    int encrypt, const void *key,
						    size_t key_len, unsigned int flags)
{
	struct wd_cipher_param p;
	struct wd_cipher_sess *s;
	int id;

	/* the key length rules of the mode, with any valid IV length */
	if ((unsigned int)mode >= WD_CIPHER_MODE_MAX ||
	    wd_cipher_param_init(&p, mode, encrypt, key, key_len, key,
				 mode == WD_CIPHER_ECB ? 0 : mode == WD_CIPHER_GCM ? 12 : 16,
				 mode == WD_CIPHER_GCM ? 16 : 0)) {
		errno = EINVAL;
		return NULL;
	}
	OPENSSL_cleanse(&p, sizeof(p));
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->mode = mode;
	s->encrypt = encrypt;
	s->flags = flags;
	s->key_len = key_len;
	memcpy(s->key, key, key_len);
	if (!(flags & WD_CIPHER_SESS_STREAM))
		return s;
	s->sq = wd_sched_get(&cipher_pools[mode]);
	id = s->sq ? wd_ctx_alloc(wd_sched_queue(s->sq)) : -ENODEV;
	if (id <= 0) {
		wd_sched_put(s->sq);
		OPENSSL_clear_free(s, sizeof(*s));
		errno = id == -ENOSPC ? ENOSPC : ENODEV;
		return NULL;
	}
	s->ctx_id = (uint32_t)id;
	return s;
}

WD_EXPORT void wd_cipher_sess_free(struct wd_cipher_sess *s)
{
	if (!s)
		return;
	if (s->sq) {
		if (!wd_sched_stale(s->sq))
			wd_ctx_free(wd_sched_queue(s->sq), s->ctx_id);
		wd_sched_put(s->sq);
	}
	OPENSSL_clear_free(s, sizeof(*s));
}

/* Format req into msg on the parameter block p. */
static int cipher_format(struct wd_cipher_sess *s, struct wd_cipher_req *req,
			 struct wd_cipher_param *p, struct wd_msg *msg)
{
	size_t tag_len = s->mode == WD_CIPHER_GCM ? (req->tag_len ? req->tag_len : 16) : 0;
	uint8_t flags = 0;

	if (wd_cipher_param_init(p, s->mode, s->encrypt, s->key, s->key_len,
				 req->iv, req->iv_len, tag_len))
		return -EINVAL;
	p->aad_len = (uint32_t)req->aad_len;
	if (s->mode == WD_CIPHER_GCM)
		memcpy(p->tag, req->tag, sizeof(p->tag));
	if (req->flags & WD_CIPHER_REQ_SNAPSHOT)
		p->flags = WD_CIPHER_F_TAG_SNAPSHOT;
	if (s->sq) {
		if (!s->started)
			flags |= WD_SQE_F_FIRST;
		if (req->flags & WD_CIPHER_REQ_LAST)
			flags |= WD_SQE_F_LAST;
	}
	wd_cipher_msg_init(msg, p, s->ctx_id, flags, req->src, req->src_len,
			   req->dst, req->dst_len);
	req->produced = 0;
	req->fell_back = 0;
	return 0;
}

/* An answered or failed request: its output, the stream's state, the counters. */
static int cipher_finish(struct wd_cipher_sess *s, struct wd_cipher_req *req,
			 struct wd_cipher_param *p, struct wd_msg *msg, int ret)
{
	const char *alg = wd_cipher_alg_name(s->mode);

	if (!ret)
		ret = msg->status;
	if (!ret || ret == -EBADMSG) {
		req->produced = msg->produced;
		if (p->flags & WD_CIPHER_F_TAG_SNAPSHOT)
			memcpy(req->tag, p->tag, sizeof(req->tag));
		s->started = !(req->flags & WD_CIPHER_REQ_LAST);
	}
	OPENSSL_cleanse(p->key, sizeof(p->key));
	if (req->fell_back) {
		if (req->fell_back == WD_SCHED_FELL_BACK_FAILED)
			wd_alg_stats_add(alg, WD_ALG_ERRORS, 1);
		wd_alg_stats_add(alg, WD_ALG_FALLBACK, 1);
		req->fell_back = 1;
		return ret;
	}
	return wd_cipher_count(alg, msg, ret);
}

WD_EXPORT int wd_cipher_do(struct wd_cipher_sess *s, struct wd_cipher_req *req)
{
	struct wd_cipher_param p;
	struct wd_msg msg;
	int ret;

	if (cipher_format(s, req, &p, &msg))
		return -EINVAL;
	if (s->sq)
		ret = wd_sched_run(s->sq, &msg);
	else
		ret = wd_sched_do(&cipher_pools[s->mode], &msg, 0,
				  !(s->flags & WD_CIPHER_SESS_NO_FALLBACK),
				  &req->fell_back);
	return cipher_finish(s, req, &p, &msg, ret);
}

struct cipher_async {
	struct wd_cipher_sess *s;
	struct wd_cipher_req *req;
	struct wd_cipher_param p;
};

static int cipher_async_finish(struct wd_async *a, int result, void *arg)
{
	struct cipher_async *ca = arg;

	return cipher_finish(ca->s, ca->req, &ca->p, wd_sched_async_msg(a), result);
}

WD_EXPORT int wd_cipher_do_async(struct wd_cipher_sess *s, struct wd_cipher_req *req,
				 struct wd_async *a)
{
	struct cipher_async *ca = wd_sched_async_scratch(a);
	struct wd_msg *msg = wd_sched_async_msg(a);
	int ret;

	_Static_assert(sizeof(*ca) <= WD_SCHED_SCRATCH, "scratch too small");
	if (cipher_format(s, req, &ca->p, msg))
		return -EINVAL;
	ca->s = s;
	ca->req = req;
	wd_sched_async_finish(a, cipher_async_finish, ca);
	if (s->sq)
		ret = wd_sched_submit_held(s->sq, msg, a);
	else
		ret = wd_sched_submit_lent(&cipher_pools[s->mode], msg, a);
	if (ret) {
		wd_sched_async_finish(a, NULL, NULL);
		OPENSSL_cleanse(ca->p.key, sizeof(ca->p.key));
		wd_alg_stats_add(wd_cipher_alg_name(s->mode), WD_ALG_ERRORS, 1);
	}
	return ret;
}
