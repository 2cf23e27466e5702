// SPDX-License-Identifier: MIT
/*
 * soft_op_rsa.c - the soft device's WD_OP_RSA: raw public operation,
 * private operation with CRT, and key generation (format in wd_rsa.h).
 *
 * OpenSSL's default provider in the private library context does the
 * arithmetic (constant time, with blinding, and checking a CRT result
 * against the public key). Turning a key into an EVP_PKEY costs more than a
 * small exponentiation, so a session (ctx_id) caches the last key it saw.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include "soft_engine.h"
#include "crypto/wd_crypto_internal.h"

const char soft_rsa_algs[] = "rsa";

/* A session's cached key: the block it came from, and its prepared form. */
struct rsa_state {
	struct wd_rsa_param hdr;
	uint8_t *comp;
	size_t comp_len;
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *op_ctx;	/* ready for the block's operation */
};

static void rsa_state_free(void *arg)
{
	struct rsa_state *st = arg;

	if (!st)
		return;
	EVP_PKEY_CTX_free(st->op_ctx);
	EVP_PKEY_free(st->pkey);
	free(st->comp);
	free(st);
}

/* The prepared key of this request: cached in the session when there is one. */
static int rsa_key_get(struct soft_queue *q, const struct wd_sqe *sqe,
		       const struct wd_rsa_param *p, const uint8_t *comp,
		       struct rsa_state **key, struct rsa_state **tmp)
{
	size_t comp_len = (size_t)wd_check_rsa_comp_len(p);
	struct soft_ctx *c = NULL;
	struct rsa_state *st;

	if (sqe->ctx_id) {
		c = soft_ctx(q, sqe->ctx_id);
		if (!c)
			return -EINVAL;
		st = c->opcode == WD_OP_RSA ? c->state : NULL;
		if (st && st->comp_len == comp_len &&
		    !memcmp(&st->hdr, p, sizeof(*p)) &&
		    !memcmp(st->comp, comp, comp_len)) {
			*key = st;
			return 0;
		}
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->pkey = wd_rsa_ossl_pkey(p, comp);
	st->comp = malloc(comp_len);
	if (!st->pkey || !st->comp) {
		int ret = st->pkey ? -ENOMEM : -EINVAL;

		rsa_state_free(st);
		return ret;
	}
	memcpy(st->comp, comp, comp_len);
	st->comp_len = comp_len;
	st->hdr = *p;
	*key = st;
	if (c) {
		soft_ctx_reset(c);
		c->state = st;
		c->destroy = rsa_state_free;
		c->opcode = WD_OP_RSA;
	} else {
		*tmp = st;
	}
	return 0;
}

static long rsa_exp(struct soft_queue *q, const struct wd_sqe *sqe,
		    const struct wd_rsa_param *p, const uint8_t *comp,
		    const uint8_t *src, uint8_t *dst)
{
	struct rsa_state *tmp = NULL, *key;
	long k = wd_rsa_ossl_check(p, comp, sqe->src_len, sqe->dst_len);
	long ret;

	if (k < 0)
		return k;
	ret = rsa_key_get(q, sqe, p, comp, &key, &tmp);
	if (ret)
		return ret;
	ret = wd_rsa_ossl_raw(&key->op_ctx, key->pkey, key->hdr.op == WD_RSA_PRIVATE_CRT,
			      src, sqe->src_len, (size_t)k, dst);
	rsa_state_free(tmp);
	return ret ? ret : k;
}

/* Write the new key as a WD_RSA_PRIVATE_CRT block; returns its size. */
static long rsa_key_export(EVP_PKEY *pkey, unsigned int bits, uint8_t *dst,
			   size_t dst_len)
{
	struct wd_rsa_param hdr = { .op = WD_RSA_PRIVATE_CRT, .bits = bits };
	size_t off = sizeof(hdr);
	long ret = (long)off;
	int i;

	for (i = 0; i < WD_RSA_NR_COMP && ret > 0; i++) {
		BIGNUM *bn = NULL;
		size_t n;

		if (!EVP_PKEY_get_bn_param(pkey, wd_rsa_ossl_names[i], &bn)) {
			ret = -EINVAL;
			break;
		}
		n = (size_t)BN_num_bytes(bn);
		if (off + n > dst_len)
			ret = -ENOSPC;
		else
			BN_bn2bin(bn, dst + off);
		BN_clear_free(bn);
		hdr.len[i] = (uint32_t)n;
		off += n;
		ret = ret > 0 ? (long)off : ret;
	}
	if (ret > 0)
		memcpy(dst, &hdr, sizeof(hdr));
	return ret;
}

static long rsa_keygen(const struct wd_rsa_param *p, const uint8_t *comp,
		       uint8_t *dst, size_t dst_len)
{
	EVP_PKEY_CTX *pc;
	EVP_PKEY *pkey = NULL;
	BIGNUM *e = NULL;
	long ret = -EINVAL;

	pc = EVP_PKEY_CTX_new_from_name(wd_crypto_libctx(), "RSA", WD_CRYPTO_PROPQ);
	if (p->len[WD_RSA_E])
		e = BN_bin2bn(comp + p->len[WD_RSA_N], (int)p->len[WD_RSA_E], NULL);
	if (pc && EVP_PKEY_keygen_init(pc) > 0 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(pc, (int)p->bits) > 0 &&
	    (!e || EVP_PKEY_CTX_set1_rsa_keygen_pubexp(pc, e) > 0) &&
	    EVP_PKEY_keygen(pc, &pkey) > 0)
		ret = rsa_key_export(pkey, p->bits, dst, dst_len);
	BN_free(e);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(pc);
	return ret;
}

/* A request the batched probe refused: the header's checks come first. */
static int rsa_refused(struct soft_queue *q, const struct wd_sqe *sqe)
{
	const struct wd_rsa_param *pb = soft_buf(q, sqe->param, sqe->param_len, 0);
	struct wd_rsa_param p;
	int ret;

	if (!pb)
		return -EFAULT;
	memcpy(&p, pb, sizeof(p));
	ret = wd_check_rsa_param(&p, sqe->param_len);
	return ret ? ret : -EFAULT;
}

void soft_op_rsa(struct soft_queue *q, const struct wd_sqe *sqe,
		 struct wd_cqe *cqe)
{
	struct soft_range r[3] = {
		{ sqe->param, sqe->param_len, 0, NULL },
		{ sqe->src, sqe->src_len, 0, NULL },
		{ sqe->dst, sqe->dst_len, 1, NULL },
	};
	const uint8_t *pb, *src;
	struct wd_rsa_param p;
	uint8_t *dst;
	long ret;

	cqe->status = wd_check_rsa_param_len(sqe);
	if (cqe->status)
		return;
	if (soft_bufs(q, r, 3)) {
		cqe->status = rsa_refused(q, sqe);
		return;
	}
	pb = r[0].ptr;
	src = r[1].ptr;
	dst = r[2].ptr;
	/*
	 * The header is copied once and checked; the components are read
	 * once into BIGNUMs (or compared with the cache), so a block that
	 * user space rewrites meanwhile yields a wrong key, never a bad access.
	 */
	memcpy(&p, pb, sizeof(p));
	ret = wd_check_rsa_param(&p, sqe->param_len);
	if (!ret && p.op == WD_RSA_KEYGEN)
		ret = rsa_keygen(&p, pb + sizeof(p), dst, sqe->dst_len);
	else if (!ret)
		ret = rsa_exp(q, sqe, &p, pb + sizeof(p), src, dst);
	ERR_clear_error();	/* the engine thread reports through status only */
	if (ret < 0) {
		cqe->status = (int)ret;
		return;
	}
	cqe->status = 0;
	cqe->produced = (uint32_t)ret;
	cqe->consumed = sqe->src_len;
	cqe->flags = WD_CQE_F_END;
}
