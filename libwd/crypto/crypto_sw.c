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
#include "wd_internal.h"
#include "wd_crypto_internal.h"
#include "wd_ring_check.h"

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
	if (msg->ctx_id || wd_check_cipher_param(p) || wd_check_cipher_key(p) ||
	    wd_check_cipher_len(p->mode, p->aad_len, (uint32_t)msg->src_len) ||
	    text > (1u << 30)) {
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

int wd_rsa_sw(struct wd_msg *msg)
{
	const struct wd_rsa_param *p = msg->param;
	const uint8_t *comp = p->comp;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey;
	long k;
	int ret;

	msg->produced = msg->consumed = 0;
	msg->status = -EINVAL;
	if (wd_rsa_param_check(p, msg->param_len) || p->op == WD_RSA_KEYGEN)
		return p->op == WD_RSA_KEYGEN ? -EOPNOTSUPP : 0;
	k = wd_rsa_ossl_check(p, comp, msg->src_len, msg->dst_len);
	if (k < 0) {
		msg->status = (int)k;
		return 0;
	}
	pkey = wd_rsa_ossl_pkey(p, comp);
	if (!pkey)
		return 0;
	ret = wd_rsa_ossl_raw(&ctx, pkey, p->op == WD_RSA_PRIVATE_CRT, msg->src,
			      msg->src_len, (size_t)k, msg->dst);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	msg->status = ret;
	if (!ret) {
		msg->produced = (uint32_t)k;
		msg->consumed = (uint32_t)msg->src_len;
	}
	return 0;
}
