// SPDX-License-Identifier: MIT
/*
 * rsa_sess.c - RSA sessions (wd_rsa.h) on the scheduling layer.
 *
 * The pool stages through the share region: a request's key block, input
 * and output are a few KiB, cheaper to copy than to have the soft device
 * probe the caller's pages (doc/provider.md). The pieces fit the largest
 * request: an 8192-bit key block (7.2 KiB), one operand (1 KiB), and a
 * generated 8192-bit key (7.2 KiB).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "wd_internal.h"
#include "wd_crypto_internal.h"
#include "sched/wd_sched.h"

static struct wd_sched_pool rsa_pool = {
	.alg = "rsa",
	.stage_param = 12u << 10,
	.stage_src = 4u << 10,
	.stage_dst = 12u << 10,
	.fallback = wd_rsa_sw,
};

struct wd_rsa_sess {
	const struct wd_rsa_key *key;
	unsigned int flags;
};

WD_EXPORT struct wd_rsa_sess *wd_rsa_sess_new(const struct wd_rsa_key *key,
					      unsigned int flags)
{
	struct wd_rsa_sess *s;

	if (!key || !key->param) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->key = key;
	s->flags = flags;
	return s;
}

WD_EXPORT void wd_rsa_sess_free(struct wd_rsa_sess *s)
{
	free(s);
}

static int rsa_finish(struct wd_rsa_sess *s, struct wd_msg *msg, int ret, int fell_back)
{
	if (!ret)
		ret = msg->status;
	if (!(s->flags & WD_RSA_SESS_NO_STATS))
		wd_rsa_count("rsa", ret, fell_back, msg);
	return ret;
}

WD_EXPORT int wd_rsa_do(struct wd_rsa_sess *s, const void *in, size_t in_len,
			void *out, size_t out_len)
{
	struct wd_msg msg;
	int ret, fell_back;

	wd_rsa_msg_init(&msg, s->key, 0, in, in_len, out, out_len);
	ret = wd_sched_do(&rsa_pool, &msg, 1, !(s->flags & WD_RSA_SESS_NO_FALLBACK),
			  &fell_back);
	return rsa_finish(s, &msg, ret, fell_back);
}

static int rsa_async_finish(struct wd_async *a, int result, void *arg)
{
	return rsa_finish(arg, wd_sched_async_msg(a), result, 0);
}

WD_EXPORT int wd_rsa_do_async(struct wd_rsa_sess *s, const void *in, size_t in_len,
			      void *out, size_t out_len, struct wd_async *a)
{
	struct wd_msg *msg = wd_sched_async_msg(a);
	int ret;

	wd_rsa_msg_init(msg, s->key, 0, in, in_len, out, out_len);
	wd_sched_async_finish(a, rsa_async_finish, s);
	ret = wd_sched_submit(&rsa_pool, msg, 1, a);
	if (ret) {
		wd_sched_async_finish(a, NULL, NULL);
		rsa_finish(s, msg, ret, 0);
	}
	return ret;
}

/* ---- key generation ---------------------------------------------- */

struct keygen_state {
	struct wd_rsa_key *key;
	uint8_t *out;
	size_t out_len;
	uint64_t req[WD_RSA_KEYGEN_REQ_LEN / 8 + 1];
};

/* The generated block into ks->key; the output buffer wiped and freed. */
static int keygen_done(struct keygen_state *ks, struct wd_msg *msg, int ret)
{
	if (!ret)
		ret = msg->status;
	if (!ret)
		ret = wd_rsa_key_from_block(ks->key, ks->out, msg->produced);
	wd_rsa_count("rsa-keygen", ret, 0, msg);
	OPENSSL_clear_free(ks->out, ks->out_len);
	ks->out = NULL;
	return ret;
}

static int keygen_async_finish(struct wd_async *a, int ret, void *arg)
{
	return keygen_done(arg, wd_sched_async_msg(a), ret);
}

WD_EXPORT int wd_rsa_keygen(struct wd_rsa_key *key, unsigned int bits, uint64_t e,
			    struct wd_async *a)
{
	struct keygen_state local, *ks = a ? wd_sched_async_scratch(a) : &local;
	struct wd_msg m, *msg = a ? wd_sched_async_msg(a) : &m;
	int ret;

	_Static_assert(sizeof(*ks) <= WD_SCHED_SCRATCH, "scratch too small");
	memset(key, 0, sizeof(*key));
	ks->key = key;
	ks->out_len = wd_rsa_keygen_out_len(bits);
	ks->out = malloc(ks->out_len);
	if (!ks->out)
		return -ENOMEM;
	ret = wd_rsa_keygen_msg_init(msg, ks->req, bits, e, ks->out, ks->out_len);
	if (ret) {
		free(ks->out);
		return ret;
	}
	if (!a)
		return keygen_done(ks, msg, wd_sched_do(&rsa_pool, msg, 0, 0, NULL));
	wd_sched_async_finish(a, keygen_async_finish, ks);
	ret = wd_sched_submit(&rsa_pool, msg, 0, a);
	if (ret) {
		wd_sched_async_finish(a, NULL, NULL);
		keygen_done(ks, msg, ret);
	}
	return ret;
}
