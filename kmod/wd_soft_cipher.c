// SPDX-License-Identifier: GPL-2.0
/*
 * wd_soft_cipher.c - WD_OP_CIPHER of wd_soft.ko: AES ECB, CBC, CTR and XTS
 * with the kernel crypto API, in the device format of wd_cipher.h.
 *
 * The text moves through the engine's bounce buffer (kmalloc memory, so it
 * can sit in a scatterlist) in pieces of whole blocks; req->iv carries the
 * chaining value from piece to piece and, in a session, from request to
 * request. CTR keeps the unused key stream of a partial block so that the
 * next request continues inside it. GCM is not served (-EOPNOTSUPP, and not
 * listed in algorithms): its sessions need AAD and tag handling the
 * kernel's AEAD interface does not split across requests. An XTS data unit
 * is limited to one piece (64 KiB); longer ones get -EOPNOTSUPP.
 */
#include <crypto/skcipher.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <wd_cipher.h>
#include "wd_soft.h"

#define CIPHER_PIECE	(WD_SOFT_BOUNCE_SIZE & ~(WD_CIPHER_BLOCK - 1))

static const char *const cipher_names[WD_CIPHER_MODE_MAX] = {
	[WD_CIPHER_ECB] = "ecb(aes)",
	[WD_CIPHER_CBC] = "cbc(aes)",
	[WD_CIPHER_CTR] = "ctr(aes)",
	[WD_CIPHER_XTS] = "xts(aes)",
};

static const char *const cipher_algs[WD_CIPHER_MODE_MAX] = {
	[WD_CIPHER_ECB] = "aes-ecb",
	[WD_CIPHER_CBC] = "aes-cbc",
	[WD_CIPHER_CTR] = "aes-ctr",
	[WD_CIPHER_XTS] = "aes-xts",
};

static bool cipher_mode_ok[WD_CIPHER_MODE_MAX];

struct cipher_state {
	struct crypto_skcipher *tfm;
	u8 mode;
	u8 dir;
	u8 iv[WD_CIPHER_BLOCK];
	u8 ks[WD_CIPHER_BLOCK];		/* CTR: key stream of a partial block */
	u8 ks_used;			/* bytes of ks already used (16: none) */
};

static void cipher_state_free(void *data)
{
	struct cipher_state *st = data;

	crypto_free_skcipher(st->tfm);
	kfree_sensitive(st);
}

/* The block of a FIRST or stateless request: the format, then this kernel. */
static int cipher_param_check(const struct wd_cipher_param *p)
{
	int ret = wd_check_cipher_param(p);

	if (!ret)
		ret = wd_check_cipher_key(p);
	if (!ret && (p->mode == WD_CIPHER_GCM || !cipher_mode_ok[p->mode]))
		ret = -EOPNOTSUPP;
	return ret;
}

static struct cipher_state *cipher_state_new(const struct wd_cipher_param *p,
					     int *err)
{
	struct cipher_state *st;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st) {
		*err = -ENOMEM;
		return NULL;
	}
	/* a synchronous implementation: the engine thread waits anyway */
	st->tfm = crypto_alloc_skcipher(cipher_names[p->mode], 0,
					CRYPTO_ALG_ASYNC);
	if (IS_ERR(st->tfm)) {
		*err = -EOPNOTSUPP;
		kfree(st);
		return NULL;
	}
	*err = crypto_skcipher_setkey(st->tfm, p->key, p->key_len);
	if (*err) {
		cipher_state_free(st);
		*err = -EINVAL;
		return NULL;
	}
	st->mode = p->mode;
	st->dir = p->dir;
	memcpy(st->iv, p->iv, p->iv_len);
	st->ks_used = WD_CIPHER_BLOCK;
	return st;
}

/* Run the cipher in place over buf (len bytes, whole blocks except CTR). */
static int cipher_crypt(struct cipher_state *st, void *buf, unsigned int len)
{
	struct skcipher_request *req;
	DECLARE_CRYPTO_WAIT(wait);
	struct scatterlist sg;
	int ret;

	req = skcipher_request_alloc(st->tfm, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	sg_init_one(&sg, buf, len);
	skcipher_request_set_callback(req, 0, crypto_req_done, &wait);
	skcipher_request_set_crypt(req, &sg, &sg, len, st->iv);
	if (st->dir == WD_CIPHER_ENCRYPT || st->mode == WD_CIPHER_CTR)
		ret = crypto_skcipher_encrypt(req);
	else
		ret = crypto_skcipher_decrypt(req);
	ret = crypto_wait_req(ret, &wait);
	skcipher_request_free(req);
	return ret ? -EINVAL : 0;
}

/* CTR: XOR buf with what is left of the key stream, refilling it at need. */
static int cipher_ctr_stream(struct cipher_state *st, u8 *buf, unsigned int len)
{
	unsigned int i;
	int ret;

	for (i = 0; i < len; i++) {
		if (st->ks_used == WD_CIPHER_BLOCK) {
			memset(st->ks, 0, sizeof(st->ks));
			ret = cipher_crypt(st, st->ks, sizeof(st->ks));
			if (ret)
				return ret;
			st->ks_used = 0;
		}
		buf[i] ^= st->ks[st->ks_used++];
	}
	return 0;
}

/* One piece: the head and tail of CTR go through the kept key stream. */
static int cipher_piece(struct cipher_state *st, u8 *buf, unsigned int len)
{
	unsigned int head = 0, body;
	int ret;

	if (st->mode != WD_CIPHER_CTR)
		return cipher_crypt(st, buf, len);
	if (st->ks_used < WD_CIPHER_BLOCK)
		head = min_t(unsigned int, len, WD_CIPHER_BLOCK - st->ks_used);
	ret = cipher_ctr_stream(st, buf, head);
	body = (len - head) & ~(WD_CIPHER_BLOCK - 1);
	if (!ret && body)
		ret = cipher_crypt(st, buf + head, body);
	if (!ret)
		ret = cipher_ctr_stream(st, buf + head + body, len - head - body);
	return ret;
}

static int cipher_run(struct wd_soft_req *req, struct cipher_state *st,
		      const struct wd_sqe *sqe)
{
	u32 done = 0;
	int ret;

	while (done < sqe->src_len) {
		u32 n = min_t(u32, sqe->src_len - done, CIPHER_PIECE);

		if (READ_ONCE(req->q->stopping))
			return -ECANCELED;
		if (wd_soft_read(req->q, req->bounce, sqe->src + done, n))
			return -EFAULT;
		ret = cipher_piece(st, req->bounce, n);
		if (ret)
			return ret;
		if (wd_soft_write(req->q, sqe->dst + done, req->bounce, n))
			return -EFAULT;
		done += n;
		cond_resched();
	}
	return 0;
}

/* The lengths of a request of mode (the session's, after FIRST). */
static int cipher_len_check(u8 mode, const struct wd_cipher_param *p,
			    const struct wd_sqe *sqe)
{
	int ret = wd_check_cipher_len(mode, p->aad_len, sqe->src_len);

	if (ret)
		return ret;
	/* a data unit is one call: the tweak does not carry across pieces */
	if (mode == WD_CIPHER_XTS && sqe->src_len > CIPHER_PIECE)
		return -EOPNOTSUPP;
	return sqe->dst_len < sqe->src_len ? -ENOSPC : 0;
}

/*
 * The session's state: FIRST starts it from this request's block (the
 * engine emptied the slot), a later request finds the one FIRST started.
 */
static struct cipher_state *cipher_session(struct wd_soft_req *req,
					   const struct wd_sqe *sqe,
					   const struct wd_cipher_param *p,
					   int *err)
{
	struct wd_soft_ctx *c = wd_soft_ctx(req->q, sqe->ctx_id);
	struct cipher_state *st;

	if (!c) {
		*err = -EINVAL;
		return NULL;
	}
	if (sqe->flags & WD_SQE_F_FIRST) {
		*err = cipher_len_check(p->mode, p, sqe);
		if (*err)
			return NULL;
		c->state = cipher_state_new(p, err);
		c->destroy = cipher_state_free;
		return c->state;
	}
	st = c->state;
	*err = st ? cipher_len_check(st->mode, p, sqe) : -EINVAL;
	if (*err)
		return NULL;
	/* XTS: every request is a data unit with its own tweak */
	if (st->mode == WD_CIPHER_XTS)
		memcpy(st->iv, p->iv, WD_CIPHER_BLOCK);
	return st;
}

void wd_soft_op_cipher(struct wd_soft_req *req, const struct wd_sqe *sqe,
		       struct wd_cqe *cqe)
{
	struct cipher_state *st;
	struct wd_cipher_param *p;
	int ret;

	ret = wd_check_cipher_param_len(sqe);
	if (ret) {
		cqe->status = ret;
		return;
	}
	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p) {
		cqe->status = -ENOMEM;
		return;
	}
	ret = wd_soft_read(req->q, p, sqe->param, sizeof(*p));
	/* mode, dir, key and iv are read on FIRST and stateless requests */
	if (!ret && (!sqe->ctx_id || (sqe->flags & WD_SQE_F_FIRST)))
		ret = cipher_param_check(p);
	if (ret)
		goto out;
	if (sqe->ctx_id) {
		st = cipher_session(req, sqe, p, &ret);
	} else {
		ret = cipher_len_check(p->mode, p, sqe);
		st = ret ? NULL : cipher_state_new(p, &ret);
	}
	if (!st)
		goto out;
	ret = cipher_run(req, st, sqe);
	if (!sqe->ctx_id)
		cipher_state_free(st);
	if (!ret) {
		cqe->consumed = sqe->src_len;
		cqe->produced = sqe->src_len;
	}
out:
	kfree_sensitive(p);
	cqe->status = ret;
}

/* Which modes this kernel can do, for the device's algorithms list. */
void wd_soft_cipher_probe(char *algs, size_t len)
{
	int m;

	for (m = 0; m < WD_CIPHER_MODE_MAX; m++) {
		struct crypto_skcipher *tfm;

		if (!cipher_names[m])
			continue;
		tfm = crypto_alloc_skcipher(cipher_names[m], 0, CRYPTO_ALG_ASYNC);
		if (IS_ERR(tfm))
			continue;
		crypto_free_skcipher(tfm);
		cipher_mode_ok[m] = true;
		strlcat(algs, " ", len);
		strlcat(algs, cipher_algs[m], len);
	}
}
