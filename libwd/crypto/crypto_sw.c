// SPDX-License-Identifier: MIT
/*
 * crypto_sw.c - the software fallback of the crypto sessions: a stateless
 * WD_OP_CIPHER or WD_OP_RSA request computed in the calling thread with
 * OpenSSL's default provider (wd_crypto_libctx), with the device's
 * results and errors (wd_cipher.h, wd_rsa.h). The scheduling layer calls
 * these when no queue can take a request or the device failed.
 */
#include <errno.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include "wd_internal.h"
#include "wd_crypto_internal.h"

static const char *const sw_mode[WD_CIPHER_MODE_MAX] = {
	"ECB", "CBC", "CTR", "XTS", "GCM"
};

static EVP_CIPHER *sw_cipher(const struct wd_cipher_param *p)
{
	unsigned int bits = (p->mode == WD_CIPHER_XTS ? p->key_len / 2 : p->key_len) * 8;
	char name[32];

	snprintf(name, sizeof(name), "AES-%u-%s", bits, sw_mode[p->mode]);
	return EVP_CIPHER_fetch(wd_crypto_libctx(), name, WD_CRYPTO_PROPQ);
}

/* GCM's AAD, and its tag to check (decryption) before the final. */
static int sw_gcm_start(EVP_CIPHER_CTX *ctx, const struct wd_cipher_param *p,
			const uint8_t *aad)
{
	int outl;

	if (p->aad_len && !EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)p->aad_len))
		return 0;
	return p->dir == WD_CIPHER_ENCRYPT ||
	       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, p->tag_len, (void *)p->tag);
}

int wd_cipher_sw(struct wd_msg *msg)
{
	const struct wd_cipher_param *p = msg->param;
	const uint8_t *src = msg->src;
	size_t text = msg->src_len - p->aad_len;
	int gcm = p->mode == WD_CIPHER_GCM, enc = p->dir == WD_CIPHER_ENCRYPT;
	size_t need = text + (gcm && enc ? p->tag_len : 0);
	EVP_CIPHER_CTX *ctx = NULL;
	EVP_CIPHER *ciph;
	int outl, fl, ok = 0;

	msg->status = 0;
	msg->produced = msg->consumed = 0;
	if (msg->ctx_id || wd_cipher_param_check(p) || p->aad_len > msg->src_len ||
	    text > (1u << 30) || ((p->mode == WD_CIPHER_ECB || p->mode == WD_CIPHER_CBC) &&
				    text % WD_CIPHER_BLOCK)) {
		msg->status = -EINVAL;
		return 0;
	}
	if (msg->dst_len < need) {
		msg->status = -ENOSPC;
		return 0;
	}
	ciph = sw_cipher(p);
	if (ciph && (ctx = EVP_CIPHER_CTX_new()) != NULL &&
	    EVP_CipherInit_ex2(ctx, ciph, NULL, NULL, enc, NULL)) {
		OSSL_PARAM ivp[] = {
			OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN,
						    &(size_t){ p->iv_len }),
			OSSL_PARAM_END
		};

		EVP_CIPHER_CTX_set_padding(ctx, 0);
		ok = (!gcm || EVP_CIPHER_CTX_set_params(ctx, ivp)) &&
		     EVP_CipherInit_ex2(ctx, NULL, p->key, p->iv_len ? p->iv : NULL,
					enc, NULL) &&
		     (!gcm || sw_gcm_start(ctx, p, src)) &&
		     EVP_CipherUpdate(ctx, msg->dst, &outl, src + p->aad_len, (int)text);
		if (ok) {
			ok = EVP_CipherFinal_ex(ctx, (uint8_t *)msg->dst + outl, &fl);
			if (!ok && gcm && !enc)
				msg->status = -EBADMSG;
		}
		if (ok && gcm && enc)
			ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, p->tag_len,
						 (uint8_t *)msg->dst + text);
	}
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(ciph);
	if (!ok && !msg->status)
		msg->status = -EINVAL;	/* what the default provider refused */
	if (!msg->status) {
		msg->produced = (uint32_t)need;
		msg->consumed = (uint32_t)msg->src_len;
	}
	return 0;
}

static const char *const rsa_names[WD_RSA_NR_COMP] = {
	OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
	OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
	OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
	OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

/* The key of a checked parameter block, as an EVP_PKEY of the default provider. */
static EVP_PKEY *sw_rsa_pkey(const struct wd_rsa_param *p)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn[WD_RSA_NR_COMP] = { 0 };
	const uint8_t *c = p->comp;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pkey = NULL;
	int i, ok = bld != NULL;

	for (i = 0; ok && i < WD_RSA_NR_COMP; c += p->len[i], i++) {
		if (!p->len[i])
			continue;
		bn[i] = BN_bin2bn(c, (int)p->len[i], NULL);
		ok = bn[i] && OSSL_PARAM_BLD_push_BN(bld, rsa_names[i], bn[i]);
	}
	if (ok)
		params = OSSL_PARAM_BLD_to_param(bld);
	if (params)
		pc = EVP_PKEY_CTX_new_from_name(wd_crypto_libctx(), "RSA", WD_CRYPTO_PROPQ);
	if (pc && EVP_PKEY_fromdata_init(pc) > 0)
		EVP_PKEY_fromdata(pc, &pkey, p->op == WD_RSA_PUBLIC ?
				  EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEYPAIR, params);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	for (i = 0; i < WD_RSA_NR_COMP; i++)
		BN_clear_free(bn[i]);
	return pkey;
}

int wd_rsa_sw(struct wd_msg *msg)
{
	const struct wd_rsa_param *p = msg->param;
	size_t k, outlen;
	uint8_t in[WD_RSA_MAX_BITS / 8];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey;
	int ok = 0;

	msg->produced = msg->consumed = 0;
	msg->status = -EINVAL;
	if (wd_rsa_param_check(p, msg->param_len) || p->op == WD_RSA_KEYGEN)
		return p->op == WD_RSA_KEYGEN ? -EOPNOTSUPP : 0;
	k = p->len[WD_RSA_N];
	if (msg->src_len > k || msg->dst_len < k)
		return 0;
	/* the device reads the input as a number: left pad it to bytes(n) */
	memset(in, 0, k - msg->src_len);
	memcpy(in + k - msg->src_len, msg->src, msg->src_len);
	pkey = sw_rsa_pkey(p);
	if (pkey)
		ctx = EVP_PKEY_CTX_new_from_pkey(wd_crypto_libctx(), pkey, WD_CRYPTO_PROPQ);
	outlen = k;
	if (ctx && p->op == WD_RSA_PUBLIC)
		ok = EVP_PKEY_encrypt_init(ctx) > 0 &&
		     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) > 0 &&
		     EVP_PKEY_encrypt(ctx, msg->dst, &outlen, in, k) > 0;
	else if (ctx)
		ok = EVP_PKEY_decrypt_init(ctx) > 0 &&
		     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) > 0 &&
		     EVP_PKEY_decrypt(ctx, msg->dst, &outlen, in, k) > 0;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	OPENSSL_cleanse(in, k);
	if (ok && outlen == k) {
		msg->status = 0;
		msg->produced = (uint32_t)k;
		msg->consumed = (uint32_t)msg->src_len;
	}
	return 0;
}
