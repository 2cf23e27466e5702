// SPDX-License-Identifier: MIT
/*
 * rsa_ossl.c - the RSA arithmetic of the device format (wd_rsa.h) with
 * OpenSSL's default provider in libwd's private library context: the soft
 * device's compute and the sessions' software fallback are this one code,
 * so that a request gets the same answer, and the same error, from both.
 */
#include <errno.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include "wd_crypto_internal.h"

const char *const wd_rsa_ossl_names[WD_RSA_NR_COMP] = {
	OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
	OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
	OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
	OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

long wd_rsa_ossl_check(const struct wd_rsa_param *p, const uint8_t *comp,
		       size_t src_len, size_t dst_len)
{
	size_t k = p->len[WD_RSA_N];

	/* n without a leading zero byte, so that k = bytes(n) */
	if (!k || !comp[0] || src_len > k)
		return -EINVAL;
	if (dst_len < k)
		return -ENOSPC;
	return (long)k;
}

EVP_PKEY *wd_rsa_ossl_pkey(const struct wd_rsa_param *p, const uint8_t *comp)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn[WD_RSA_NR_COMP] = { 0 };
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pkey = NULL;
	int i, ok = bld != NULL;

	for (i = 0; ok && i < WD_RSA_NR_COMP; comp += p->len[i], i++) {
		if (!p->len[i])
			continue;
		bn[i] = BN_bin2bn(comp, (int)p->len[i], NULL);
		ok = bn[i] && OSSL_PARAM_BLD_push_BN(bld, wd_rsa_ossl_names[i], bn[i]);
	}
	/* the modulus size the device accepts, whatever the block claims */
	ok = ok && BN_num_bits(bn[WD_RSA_N]) >= (int)WD_RSA_MIN_BITS &&
	     BN_num_bits(bn[WD_RSA_N]) <= (int)WD_RSA_MAX_BITS;
	if (ok)
		params = OSSL_PARAM_BLD_to_param(bld);
	if (params)
		pc = EVP_PKEY_CTX_new_from_name(wd_crypto_libctx(), "RSA",
						WD_CRYPTO_PROPQ);
	if (pc && EVP_PKEY_fromdata_init(pc) > 0)
		EVP_PKEY_fromdata(pc, &pkey, p->op == WD_RSA_PUBLIC ?
				  EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEYPAIR, params);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	for (i = 0; i < WD_RSA_NR_COMP; i++)
		BN_clear_free(bn[i]);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

int wd_rsa_ossl_raw(EVP_PKEY_CTX **op_ctx, EVP_PKEY *pkey, int private,
		    const uint8_t *src, size_t src_len, size_t k, uint8_t *dst)
{
	uint8_t in[WD_RSA_MAX_BITS / 8];
	size_t outlen = k;
	int ok;

	if (!*op_ctx) {
		*op_ctx = EVP_PKEY_CTX_new_from_pkey(wd_crypto_libctx(), pkey,
						     WD_CRYPTO_PROPQ);
		if (!*op_ctx ||
		    (private ? EVP_PKEY_decrypt_init(*op_ctx) :
			       EVP_PKEY_encrypt_init(*op_ctx)) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_padding(*op_ctx, RSA_NO_PADDING) <= 0) {
			EVP_PKEY_CTX_free(*op_ctx);
			*op_ctx = NULL;
			return -ENOMEM;
		}
	}
	/* the device reads the input as a number: left pad it to bytes(n) */
	memset(in, 0, k - src_len);
	memcpy(in + k - src_len, src, src_len);
	ok = (private ? EVP_PKEY_decrypt(*op_ctx, dst, &outlen, in, k) :
			EVP_PKEY_encrypt(*op_ctx, dst, &outlen, in, k)) > 0 &&
	     outlen == k;
	OPENSSL_cleanse(in, k);
	return ok ? 0 : -EINVAL;
}
