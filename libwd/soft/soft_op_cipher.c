// SPDX-License-Identifier: MIT
/*
 * soft_op_cipher.c - the soft device's WD_OP_CIPHER: AES in ECB, CBC, CTR,
 * XTS and GCM, format in wd_cipher.h.
 *
 * The work is done by OpenSSL's default provider fetched in the private
 * library context (wd_crypto_libctx), constant-time where libcrypto is. A
 * session (ctx_id) keeps one EVP_CIPHER_CTX between requests, which carries
 * the chaining state: CBC's last block, CTR's counter and key stream
 * position, GCM's counter and GHASH.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include "soft_engine.h"
#include "crypto/wd_crypto_internal.h"

const char soft_cipher_algs[] = "aes-ecb aes-cbc aes-ctr aes-xts aes-gcm";

struct cipher_state {
	EVP_CIPHER_CTX *ctx;
	uint8_t mode;
	uint8_t dir;
	uint8_t tag_len;
	uint8_t text_started;	/* GCM: AAD no longer allowed */
};

static const char *const cipher_names[WD_CIPHER_MODE_MAX][3] = {
	[WD_CIPHER_ECB] = { "AES-128-ECB", "AES-192-ECB", "AES-256-ECB" },
	[WD_CIPHER_CBC] = { "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" },
	[WD_CIPHER_CTR] = { "AES-128-CTR", "AES-192-CTR", "AES-256-CTR" },
	[WD_CIPHER_XTS] = { "AES-128-XTS", NULL, "AES-256-XTS" },
	[WD_CIPHER_GCM] = { "AES-128-GCM", "AES-192-GCM", "AES-256-GCM" },
};

/* Fetched once per process: fetching per request would cost a lookup. */
static EVP_CIPHER *cipher_cache[WD_CIPHER_MODE_MAX][3];

static const EVP_CIPHER *cipher_get(unsigned int mode, unsigned int key_len)
{
	/* index by AES key size: 128, 192, 256 (XTS carries two keys) */
	unsigned int k = (mode == WD_CIPHER_XTS ? key_len / 2 : key_len) / 8 - 2;
	EVP_CIPHER *c, *expected = NULL;

	if (k > 2 || !cipher_names[mode][k])
		return NULL;
	c = __atomic_load_n(&cipher_cache[mode][k], __ATOMIC_ACQUIRE);
	if (c)
		return c;
	c = EVP_CIPHER_fetch(wd_crypto_libctx(), cipher_names[mode][k],
			     WD_CRYPTO_PROPQ);
	if (!c)
		return NULL;
	/* Two engines may race here: the loser frees its copy. */
	if (!__atomic_compare_exchange_n(&cipher_cache[mode][k], &expected, c, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		EVP_CIPHER_free(c);
		c = expected;
	}
	return c;
}

static void cipher_state_free(void *arg)
{
	struct cipher_state *st = arg;

	if (!st)
		return;
	EVP_CIPHER_CTX_free(st->ctx);
	free(st);
}

/* A context keyed and ready for the first byte of a message of p. */
static int cipher_state_init(struct cipher_state *st,
			     const struct wd_cipher_param *p)
{
	const EVP_CIPHER *c = cipher_get(p->mode, p->key_len);
	OSSL_PARAM prm[2] = { OSSL_PARAM_END, OSSL_PARAM_END };
	size_t iv_len = p->iv_len;

	if (!c)
		return -EINVAL;
	st->ctx = EVP_CIPHER_CTX_new();
	if (!st->ctx)
		return -ENOMEM;
	st->mode = p->mode;
	st->dir = p->dir;
	st->tag_len = p->tag_len;
	st->text_started = 0;
	if (!EVP_CipherInit_ex2(st->ctx, c, NULL, NULL, p->dir, NULL))
		return -EINVAL;
	if (p->mode == WD_CIPHER_GCM) {
		prm[0] = OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN,
						     &iv_len);
		if (!EVP_CIPHER_CTX_set_params(st->ctx, prm))
			return -EINVAL;
	}
	if (!EVP_CipherInit_ex2(st->ctx, NULL, p->key,
				p->iv_len ? p->iv : NULL, p->dir, NULL))
		return -EINVAL;
	/* Padding is the caller's business: the device sees whole blocks. */
	EVP_CIPHER_CTX_set_padding(st->ctx, 0);
	return 0;
}

/*
 * The tag length of a GCM message: the ending request's block rules (1..16;
 * another value keeps the one FIRST set), for sessions that learn their tag
 * only at the end.
 */
static uint8_t cipher_tag_len(uint8_t tag_len, const struct wd_cipher_param *p)
{
	return p->tag_len >= 1 && p->tag_len <= WD_CIPHER_TAG_MAX ? p->tag_len : tag_len;
}

/* GCM end of message: append the tag, or check the expected one. */
static int cipher_gcm_final(struct cipher_state *st,
			    const struct wd_cipher_param *p, uint8_t *tag_out)
{
	uint8_t scratch[WD_CIPHER_BLOCK];
	int outl = 0;

	st->tag_len = cipher_tag_len(st->tag_len, p);
	if (st->dir == WD_CIPHER_DECRYPT &&
	    !EVP_CIPHER_CTX_ctrl(st->ctx, EVP_CTRL_AEAD_SET_TAG, st->tag_len,
				 (void *)p->tag))
		return -EINVAL;
	if (!EVP_CipherFinal_ex(st->ctx, scratch, &outl))
		return st->dir == WD_CIPHER_DECRYPT ? -EBADMSG : -EINVAL;
	if (st->dir == WD_CIPHER_ENCRYPT &&
	    !EVP_CIPHER_CTX_ctrl(st->ctx, EVP_CTRL_AEAD_GET_TAG, st->tag_len,
				 tag_out))
		return -EINVAL;
	return 0;
}

/*
 * Bytes a request writes: its text, and the tag of a GCM encryption that
 * ends its message (mode, dir, tag_len: the message's, from FIRST).
 */
static size_t cipher_need(uint8_t mode, uint8_t dir, uint8_t tag_len,
			  const struct wd_cipher_param *p, uint32_t src_len, int last)
{
	size_t text_len = src_len - (mode == WD_CIPHER_GCM ? p->aad_len : 0);

	if (mode == WD_CIPHER_GCM && last && dir == WD_CIPHER_ENCRYPT)
		return text_len + cipher_tag_len(tag_len, p);
	return text_len;
}

/*
 * Steps 4-6 of the format's checks (wd_ring_check.h) on the block's copy
 * p: its fields (on FIRST and stateless requests), the session, the
 * lengths and the room in dst. 0 or the status to complete with.
 */
static int cipher_check(struct soft_queue *q, const struct wd_sqe *sqe,
			const struct wd_cipher_param *p)
{
	uint8_t mode = p->mode, dir = p->dir, tag_len = p->tag_len;
	int last = !sqe->ctx_id || (sqe->flags & WD_SQE_F_LAST);
	int ret;

	if (!sqe->ctx_id || (sqe->flags & WD_SQE_F_FIRST)) {
		ret = wd_check_cipher_param(p);
		if (!ret)
			ret = wd_check_cipher_key(p);
	} else {
		struct soft_ctx *c = soft_ctx(q, sqe->ctx_id);
		const struct cipher_state *st = c ? c->state : NULL;

		if (!st || c->opcode != WD_OP_CIPHER)
			return -EINVAL;
		mode = st->mode;
		dir = st->dir;
		tag_len = st->tag_len;
		ret = 0;
	}
	if (!ret)
		ret = wd_check_cipher_len(mode, p->aad_len, sqe->src_len);
	if (!ret && cipher_need(mode, dir, tag_len, p, sqe->src_len, last) > sqe->dst_len)
		ret = -ENOSPC;
	return ret;
}

/* A request the batched probe refused: the checks before the addresses. */
static int cipher_refused(struct soft_queue *q, const struct wd_sqe *sqe)
{
	const struct wd_cipher_param *pb = soft_buf(q, sqe->param, sizeof(*pb), 0);
	struct wd_cipher_param p;
	int ret;

	if (!pb)
		return -EFAULT;
	memcpy(&p, pb, sizeof(p));
	ret = cipher_check(q, sqe, &p);
	return ret ? ret : -EFAULT;
}

/*
 * Run one checked request on a ready state. Returns bytes produced or
 * -errno. src: aad_len bytes of AAD, then text.
 */
static long cipher_run(struct cipher_state *st, const struct wd_cipher_param *p,
		       const uint8_t *src, size_t src_len, uint8_t *dst, int last)
{
	size_t aad_len = st->mode == WD_CIPHER_GCM ? p->aad_len : 0;
	size_t text_len = src_len - aad_len;
	size_t need = cipher_need(st->mode, st->dir, st->tag_len, p,
				  (uint32_t)src_len, last);
	int outl = 0;

	if (st->mode == WD_CIPHER_XTS) {
		/* every request is a new data unit with its own tweak */
		if (!EVP_CipherInit_ex2(st->ctx, NULL, NULL, p->iv, st->dir, NULL))
			return -EINVAL;
	}
	if (aad_len) {
		if (st->text_started)
			return -EINVAL;
		if (!EVP_CipherUpdate(st->ctx, NULL, &outl, src, (int)aad_len))
			return -EINVAL;
	}
	if (text_len) {
		st->text_started = 1;
		if (!EVP_CipherUpdate(st->ctx, dst, &outl, src + aad_len,
				      (int)text_len) || (size_t)outl != text_len)
			return -EINVAL;
	}
	if (st->mode == WD_CIPHER_GCM && last) {
		int ret = cipher_gcm_final(st, p, dst + text_len);

		if (ret)
			return ret;
	}
	return (long)need;
}

/*
 * The tag of the message so far, from a copy of the running context. A
 * decryption's context has hashed the same ciphertext an encryption would
 * have, but only an encrypting context hands its tag out: the copy is
 * turned into one (no key, no IV: the GHASH and counter state stay).
 */
static int cipher_gcm_snapshot(struct cipher_state *st, uint8_t *tag)
{
	EVP_CIPHER_CTX *copy = EVP_CIPHER_CTX_new();
	uint8_t scratch[WD_CIPHER_BLOCK];
	int outl, ok;

	ok = copy && EVP_CIPHER_CTX_copy(copy, st->ctx) &&
	     (st->dir == WD_CIPHER_ENCRYPT ||
	      EVP_CipherInit_ex2(copy, NULL, NULL, NULL, 1, NULL)) &&
	     EVP_CipherFinal_ex(copy, scratch, &outl) &&
	     EVP_CIPHER_CTX_ctrl(copy, EVP_CTRL_AEAD_GET_TAG, WD_CIPHER_TAG_MAX, tag);
	EVP_CIPHER_CTX_free(copy);
	return ok ? 0 : -EINVAL;
}

/*
 * The session's state for a checked request (cipher_check()), created on
 * WD_SQE_F_FIRST.
 */
static int cipher_session(struct soft_queue *q, const struct wd_sqe *sqe,
			  const struct wd_cipher_param *p,
			  struct cipher_state **out)
{
	struct soft_ctx *c = soft_ctx(q, sqe->ctx_id);
	struct cipher_state *st;
	int ret;

	if (!c)
		return -EINVAL;
	if (!(sqe->flags & WD_SQE_F_FIRST)) {
		*out = c->state;
		return 0;
	}
	soft_ctx_reset(c);
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	ret = cipher_state_init(st, p);
	if (ret) {
		cipher_state_free(st);
		return ret;
	}
	c->state = st;
	c->destroy = cipher_state_free;
	c->opcode = WD_OP_CIPHER;
	*out = st;
	return 0;
}

void soft_op_cipher(struct soft_queue *q, const struct wd_sqe *sqe,
		    struct wd_cqe *cqe)
{
	struct wd_cipher_param p;
	struct cipher_state one = { 0 }, *st = &one;
	struct soft_range r[3] = {
		{ sqe->param, sqe->param_len, 0, NULL },
		{ sqe->src, sqe->src_len, 0, NULL },
		{ sqe->dst, sqe->dst_len, 1, NULL },
	};
	const void *pb, *src;
	void *dst;
	long ret;

	cqe->status = wd_check_cipher_param_len(sqe);
	if (cqe->status)
		return;
	if (soft_bufs(q, r, 3)) {
		cqe->status = cipher_refused(q, sqe);
		return;
	}
	pb = r[0].ptr;
	src = r[1].ptr;
	dst = r[2].ptr;
	/* one copy: user space may change the block while we work */
	memcpy(&p, pb, sizeof(p));
	ret = cipher_check(q, sqe, &p);
	if (!ret && sqe->ctx_id)
		ret = cipher_session(q, sqe, &p, &st);
	else if (!ret)
		ret = cipher_state_init(st, &p);
	if (!ret)
		ret = cipher_run(st, &p, src, sqe->src_len, dst,
				 !sqe->ctx_id || (sqe->flags & WD_SQE_F_LAST));
	if (ret >= 0 && (p.flags & WD_CIPHER_F_TAG_SNAPSHOT) && sqe->ctx_id &&
	    !(sqe->flags & WD_SQE_F_LAST) && st->mode == WD_CIPHER_GCM) {
		/* the only write to the block: its tag field */
		struct wd_cipher_param *out = soft_buf(q, sqe->param, sizeof(p), 1);
		uint8_t tag[WD_CIPHER_TAG_MAX];
		int r = out ? cipher_gcm_snapshot(st, tag) : -EFAULT;

		if (r)
			ret = r;
		else
			memcpy(out->tag, tag, sizeof(tag));
	}
	EVP_CIPHER_CTX_free(one.ctx);
	ERR_clear_error();	/* the engine thread reports through status only */
	if (ret < 0) {
		cqe->status = (int)ret;
		return;
	}
	cqe->status = 0;
	cqe->produced = (uint32_t)ret;
	cqe->consumed = sqe->src_len;
	cqe->flags = (!sqe->ctx_id || (sqe->flags & WD_SQE_F_LAST)) ?
		     WD_CQE_F_END : 0;
}
