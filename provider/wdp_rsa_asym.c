// SPDX-License-Identifier: MIT
/*
 * wdp_rsa_asym.c - RSA encryption and decryption: PKCS#1 v1.5, OAEP (label,
 * digests), no padding, and the TLS padding mode with its version params.
 *
 * As for signatures, a default-provider EVP_PKEY_CTX ("sw") keeps every
 * parameter. Decryption sends the private exponentiation to a queue and
 * removes the padding with libcrypto's (constant-time) checks, or, for the
 * TLS pre-master secret, with the constant-time check below; any case the
 * queue cannot serve goes to "sw" whole. Encryption is a public
 * operation: software.
 */
#define OPENSSL_API_COMPAT 0x10101000L	/* the RSA_padding_check_* functions */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/proverr.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include "wdp.h"

struct asym_ctx {
	struct wdp_ctx *prov;
	struct wdp_rsa_key *key;
	EVP_PKEY_CTX *sw;
};

static void *asym_newctx(void *provctx)
{
	struct asym_ctx *c = calloc(1, sizeof(*c));

	if (c)
		c->prov = provctx;
	return c;
}

static void asym_freectx(void *vctx)
{
	struct asym_ctx *c = vctx;

	if (!c)
		return;
	EVP_PKEY_CTX_free(c->sw);
	free(c);
}

static void *asym_dupctx(void *vctx)
{
	struct asym_ctx *src = vctx, *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	*c = *src;
	c->sw = src->sw ? EVP_PKEY_CTX_dup(src->sw) : NULL;
	if (src->sw && !c->sw) {
		free(c);
		return NULL;
	}
	return c;
}

static int asym_init(struct asym_ctx *c, struct wdp_rsa_key *key,
		     const OSSL_PARAM params[], int decrypt)
{
	if (!key || !key->pkey)
		return 0;
	c->key = key;
	EVP_PKEY_CTX_free(c->sw);
	c->sw = EVP_PKEY_CTX_new_from_pkey(c->prov->libctx, key->pkey,
					   WDP_PROPQ_DEFAULT);
	if (!c->sw)
		return 0;
	return (decrypt ? EVP_PKEY_decrypt_init_ex(c->sw, params) :
			  EVP_PKEY_encrypt_init_ex(c->sw, params)) > 0;
}

static int asym_encrypt_init(void *vctx, void *key, const OSSL_PARAM params[])
{
	return asym_init(vctx, key, params, 0);
}

static int asym_decrypt_init(void *vctx, void *key, const OSSL_PARAM params[])
{
	return asym_init(vctx, key, params, 1);
}

static int asym_encrypt(void *vctx, unsigned char *out, size_t *outlen,
			size_t outsize, const unsigned char *in, size_t inlen)
{
	struct asym_ctx *c = vctx;

	if (!c->sw)
		return 0;
	if (out)
		wdp_count("rsa-encrypt", 0, 0, 0);
	*outlen = outsize;
	return EVP_PKEY_encrypt(c->sw, out, outlen, in, inlen) > 0;
}

/* Constant-time helpers: all ones when the condition holds, else zero. */
static unsigned int ct_is_zero(unsigned int a)
{
	return 0u - ((~a & (a - 1)) >> (sizeof(a) * 8 - 1));
}

static unsigned int ct_eq(unsigned int a, unsigned int b)
{
	return ct_is_zero(a ^ b);
}

#define TLS_PMS_LEN	48	/* SSL_MAX_MASTER_KEY_LENGTH */

/*
 * The TLS RSA key exchange (RFC 5246 7.4.7.1): the padding and version of
 * the decrypted block em are checked without a branch or a memory access
 * that depends on them, and when anything is wrong a random pre-master
 * secret is returned instead, so that a client learns nothing (no
 * Bleichenbacher oracle). The result is always 48 bytes.
 */
static int tls_premaster(struct asym_ctx *c, unsigned char *out, size_t outsize,
			 const unsigned char *em, size_t k, unsigned int client_ver,
			 unsigned int alt_ver)
{
	unsigned char rnd[TLS_PMS_LEN];
	const unsigned char *pms = em + k - TLS_PMS_LEN;
	unsigned int good, good_ver;
	size_t i;

	if (outsize < TLS_PMS_LEN || k < TLS_PMS_LEN + 11 ||
	    RAND_priv_bytes_ex(c->prov->libctx, rnd, sizeof(rnd), 0) <= 0)
		return -1;
	good = ct_is_zero(em[0]) & ct_eq(em[1], 2);
	for (i = 2; i < k - TLS_PMS_LEN - 1; i++)
		good &= ~ct_is_zero(em[i]);
	good &= ct_is_zero(em[k - TLS_PMS_LEN - 1]);
	good_ver = ct_eq(pms[0], (client_ver >> 8) & 0xff) &
		   ct_eq(pms[1], client_ver & 0xff);
	if (alt_ver)	/* a public setting: old clients sent this version */
		good_ver |= ct_eq(pms[0], (alt_ver >> 8) & 0xff) &
			    ct_eq(pms[1], alt_ver & 0xff);
	good &= good_ver;
	for (i = 0; i < TLS_PMS_LEN; i++)
		out[i] = (unsigned char)((good & pms[i]) | (~good & rnd[i]));
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return TLS_PMS_LEN;
}

/*
 * Decrypt on a queue: 1 done (*outlen set), 0 a padding error (on the
 * error stack, as the default provider reports it), -1 not possible here.
 */
static int asym_decrypt_wd(struct asym_ctx *c, unsigned char *out,
			   size_t *outlen, size_t outsize,
			   const unsigned char *in, size_t inlen)
{
	char mdname[64] = "", mgf1name[64] = "";
	void *label = NULL;
	size_t k = wdp_rsa_key_bytes(c->key), label_len = 0;
	int pad = 0, len = -1, ret = -1;
	unsigned int client_ver = 0, alt_ver = 0;
	unsigned char em[WD_RSA_MAX_BITS / 8];
	OSSL_PARAM p[] = {
		OSSL_PARAM_int(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, &pad),
		OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, mdname,
				       sizeof(mdname)),
		OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, mgf1name,
				       sizeof(mgf1name)),
		OSSL_PARAM_octet_ptr(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL, &label, 0),
		OSSL_PARAM_uint(OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION, &client_ver),
		OSSL_PARAM_uint(OSSL_ASYM_CIPHER_PARAM_TLS_NEGOTIATED_VERSION, &alt_ver),
		OSSL_PARAM_END
	};
	EVP_MD *md = NULL, *mgf1 = NULL;

	if (inlen != k || k > sizeof(em) || EVP_PKEY_CTX_get_params(c->sw, p) <= 0)
		return -1;
	if (pad != RSA_PKCS1_PADDING && pad != RSA_PKCS1_OAEP_PADDING &&
	    pad != RSA_NO_PADDING && pad != RSA_PKCS1_WITH_TLS_PADDING)
		return -1;	/* X9.31: the default provider */
	/* without a client version the default provider reports the error */
	if (pad == RSA_PKCS1_WITH_TLS_PADDING && (int)client_ver <= 0)
		return -1;
	label_len = p[3].return_size;
	if (pad == RSA_PKCS1_OAEP_PADDING) {
		md = EVP_MD_fetch(c->prov->libctx, mdname[0] ? mdname : "SHA1",
				  WDP_PROPQ_DEFAULT);
		mgf1 = EVP_MD_fetch(c->prov->libctx, mgf1name[0] ? mgf1name :
				    mdname[0] ? mdname : "SHA1", WDP_PROPQ_DEFAULT);
		if (!md || !mgf1)
			goto out;
	}
	if (wdp_rsa_private_raw(c->key, "rsa-decrypt", in, em))
		goto out;
	ret = 0;
	switch (pad) {
	case RSA_NO_PADDING:
		if (outsize >= k) {
			memcpy(out, em, k);
			len = (int)k;
		} else {
			ERR_raise(ERR_LIB_PROV, PROV_R_OUTPUT_BUFFER_TOO_SMALL);
		}
		break;
	case RSA_PKCS1_PADDING:
		len = RSA_padding_check_PKCS1_type_2(out, (int)outsize, em, (int)k,
						     (int)k);
		break;
	case RSA_PKCS1_WITH_TLS_PADDING:
		len = tls_premaster(c, out, outsize, em, k, client_ver, alt_ver);
		if (len < 0)
			ret = -1;	/* not an answer: software does it */
		break;
	default:
		len = RSA_padding_check_PKCS1_OAEP_mgf1(out, (int)outsize, em, (int)k,
							(int)k, label, (int)label_len,
							md, mgf1);
		break;
	}
	if (len >= 0) {
		*outlen = (size_t)len;
		ret = 1;
	}
out:
	OPENSSL_cleanse(em, sizeof(em));
	EVP_MD_free(md);
	EVP_MD_free(mgf1);
	return ret;
}

static int asym_decrypt(void *vctx, unsigned char *out, size_t *outlen,
			size_t outsize, const unsigned char *in, size_t inlen)
{
	struct asym_ctx *c = vctx;
	int ret;

	if (!c->sw)
		return 0;
	if (!out) {
		*outlen = outsize;
		return EVP_PKEY_decrypt(c->sw, NULL, outlen, in, inlen) > 0;
	}
	ret = asym_decrypt_wd(c, out, outlen, outsize, in, inlen);
	if (ret >= 0)
		return ret;
	wdp_count("rsa-decrypt", 0, 0, 0);
	*outlen = outsize;
	return EVP_PKEY_decrypt(c->sw, out, outlen, in, inlen) > 0;
}

static int asym_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
	struct asym_ctx *c = vctx;

	return c->sw && EVP_PKEY_CTX_get_params(c->sw, params) > 0;
}

static int asym_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
	struct asym_ctx *c = vctx;

	if (!params || !params[0].key)
		return 1;
	return c->sw && EVP_PKEY_CTX_set_params(c->sw, params) > 0;
}

static const OSSL_PARAM *asym_gettable_ctx_params(void *vctx, void *provctx)
{
	struct asym_ctx *c = vctx;
	struct wdp_ctx *prov = provctx;

	if (c && c->sw)
		return EVP_PKEY_CTX_gettable_params(c->sw);
	return EVP_ASYM_CIPHER_gettable_ctx_params(prov->sw_asym);
}

static const OSSL_PARAM *asym_settable_ctx_params(void *vctx, void *provctx)
{
	struct asym_ctx *c = vctx;
	struct wdp_ctx *prov = provctx;

	if (c && c->sw)
		return EVP_PKEY_CTX_settable_params(c->sw);
	return EVP_ASYM_CIPHER_settable_ctx_params(prov->sw_asym);
}

#define FN(id, f)	{ OSSL_FUNC_ASYM_CIPHER_##id, (void (*)(void))f }
const OSSL_DISPATCH wdp_rsa_asym_cipher_functions[] = {
	FN(NEWCTX, asym_newctx),
	FN(FREECTX, asym_freectx),
	FN(DUPCTX, asym_dupctx),
	FN(ENCRYPT_INIT, asym_encrypt_init),
	FN(ENCRYPT, asym_encrypt),
	FN(DECRYPT_INIT, asym_decrypt_init),
	FN(DECRYPT, asym_decrypt),
	FN(GET_CTX_PARAMS, asym_get_ctx_params),
	FN(GETTABLE_CTX_PARAMS, asym_gettable_ctx_params),
	FN(SET_CTX_PARAMS, asym_set_ctx_params),
	FN(SETTABLE_CTX_PARAMS, asym_settable_ctx_params),
	{ 0, NULL }
};
