// SPDX-License-Identifier: MIT
/*
 * wdp_aes_params.c - the top of the AES files: parameters, init and
 * duplication of the contexts, and the algorithm table (one dispatch table
 * per mode and key size, all carrying "provider=wd"). It includes the
 * modes (wdp_aes_modes.h: wdp_aes_block.c, wdp_aes_gcm.c), which include
 * only the core (wdp_aes.h: wdp_aes.c); nothing includes this file.
 */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/proverr.h>
#include "wdp_aes_modes.h"

static int aes_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
	struct aes_ctx *c = vctx;
	const OSSL_PARAM *p;
	unsigned int u;
	size_t sz;

	if (!params)
		return 1;
	/*
	 * libssl's TLS 1.x CBC record mode (padding and MAC checked inside the
	 * provider, in constant time): the default provider does those records.
	 */
	if (c->mode == WD_CIPHER_CBC &&
	    OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_TLS_VERSION) && !c->tls_sw) {
		wdp_aes_wd_stop(c);
		c->route = ROUTE_SW;
		if (!wdp_aes_sw_start(c, c->iv))
			return 0;
		EVP_CIPHER_CTX_set_padding(c->sw, 1);
		c->tls_sw = 1;
	}
	if (c->tls_sw)
		return EVP_CIPHER_CTX_set_params(c->sw, params);
	p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_PADDING);
	if (p) {
		if (!OSSL_PARAM_get_uint(p, &u))
			return 0;
		c->pad = u != 0;
	}
	p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_KEYLEN);
	if (p && (!OSSL_PARAM_get_size_t(p, &sz) || sz != c->keylen)) {
		ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_KEY_LENGTH);
		return 0;
	}
	if (c->mode == WD_CIPHER_GCM)
		return wdp_aes_gcm_set_params(c, params);
	return 1;
}

static int aes_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
	struct aes_ctx *c = vctx;
	OSSL_PARAM *p;

	if (c->tls_sw)
		return EVP_CIPHER_CTX_get_params(c->sw, params);
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_KEYLEN);
	if (p && !OSSL_PARAM_set_size_t(p, c->keylen))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IVLEN);
	if (p && !OSSL_PARAM_set_size_t(p, c->ivlen))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_PADDING);
	if (p && !OSSL_PARAM_set_uint(p, (unsigned int)c->pad))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_NUM);
	if (p && !OSSL_PARAM_set_uint(p, c->mode == WD_CIPHER_CTR ?
				      (unsigned int)(c->done % BLK) : 0))
		return 0;
	if (c->mode == WD_CIPHER_GCM)
		return wdp_aes_gcm_get_params(c, params);
	/* ECB answers with an empty IV, as the default provider does */
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IV);
	if (p && !OSSL_PARAM_set_octet_string(p, c->oiv, c->ivlen) &&
	    !OSSL_PARAM_set_octet_ptr(p, c->oiv, c->ivlen))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_UPDATED_IV);
	if (p && !OSSL_PARAM_set_octet_string(p, wdp_aes_updated_iv(c), c->ivlen) &&
	    !OSSL_PARAM_set_octet_ptr(p, wdp_aes_updated_iv(c), c->ivlen))
		return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* context life: init and copies                                       */

static void *aes_dupctx(void *vctx)
{
	struct aes_ctx *src = vctx, *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	*c = *src;
	/* a device session cannot be shared: the copy restarts in software */
	c->sess = NULL;
	c->wd_started = 0;
	c->sw = NULL;
	c->ctr = NULL;
	c->aad = NULL;
	c->stage = NULL;
	c->aad_cap = c->stage_cap = 0;
	if (src->aad_len) {
		c->aad = malloc(src->aad_len);
		if (!c->aad)
			goto err;
		memcpy(c->aad, src->aad, src->aad_len);
		c->aad_cap = src->aad_len;
	}
	c->sw_keyed = 0;
	c->sw_ivlen = 0;
	if (src->sw) {
		c->sw_keyed = src->sw_keyed;
		c->sw_ivlen = src->sw_ivlen;
		c->sw = EVP_CIPHER_CTX_new();
		if (!c->sw || !EVP_CIPHER_CTX_copy(c->sw, src->sw))
			goto err;
	}
	if (src->ctr) {
		c->ctr = EVP_CIPHER_CTX_new();
		if (!c->ctr || !EVP_CIPHER_CTX_copy(c->ctr, src->ctr))
			goto err;
	}
	if (src->route == ROUTE_WD && c->mode == WD_CIPHER_GCM && !src->wd_started) {
		/* a GCM session that has not sent anything can restart anywhere */
		c->route = ROUTE_NONE;
	} else if (src->route == ROUTE_WD &&
		   !(c->mode == WD_CIPHER_GCM ? wdp_aes_gcm_to_sw(c) : wdp_aes_to_sw(c))) {
		goto err;
	}
	return c;
err:
	wdp_aes_freectx(c);
	return NULL;
}

static int aes_init(void *vctx, const unsigned char *key, size_t keylen,
		    const unsigned char *iv, size_t ivlen,
		    const OSSL_PARAM params[], int enc)
{
	struct aes_ctx *c = vctx;

	/*
	 * GCM mid-message and no new IV: the default provider goes on with the
	 * message (its IV is in use); starting it again would reuse the IV.
	 * With a new key or direction it cannot go on: the IV is spent.
	 */
	if (c->mode == WD_CIPHER_GCM && !iv && !c->gcm_final_done &&
	    (c->route != ROUTE_NONE || c->aad_len)) {
		if (!key && enc == c->enc)
			return aes_set_ctx_params(c, params);
		c->gcm_iv_spent = 1;
	}
	if (c->enc != enc)
		c->sw_keyed = 0;	/* decryption keys differ (ECB, CBC) */
	c->enc = enc;
	if (!aes_set_ctx_params(c, params))
		return 0;
	if (iv) {
		if (ivlen != c->ivlen) {
			ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_IV_LENGTH);
			return 0;
		}
		memcpy(c->iv, iv, ivlen);
		memcpy(c->oiv, iv, ivlen < BLK ? ivlen : BLK);
		c->iv_set = 1;
		c->gcm_iv_spent = 0;
	} else if (c->mode == WD_CIPHER_CTR && c->iv_set) {
		/*
		 * As the default provider: a re-init without an IV goes on from
		 * the next counter block (CBC starts again from its IV).
		 */
		memcpy(c->iv, wdp_aes_updated_iv(c), BLK);
	}
	if (key) {
		if (keylen != c->keylen) {
			ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_KEY_LENGTH);
			return 0;
		}
		if (c->mode == WD_CIPHER_XTS &&
		    !CRYPTO_memcmp(key, key + keylen / 2, keylen / 2) && enc) {
			ERR_raise(ERR_LIB_PROV, PROV_R_XTS_DUPLICATED_KEYS);
			return 0;
		}
		memcpy(c->key, key, keylen);
		c->key_set = 1;
		c->sw_keyed = 0;
		c->tls_iv_fixed = 0;
		c->tls_sw = 0;
	}
	wdp_aes_reset(c);
	return 1;
}

static int aes_einit(void *vctx, const unsigned char *key, size_t keylen,
		     const unsigned char *iv, size_t ivlen, const OSSL_PARAM params[])
{
	return aes_init(vctx, key, keylen, iv, ivlen, params, 1);
}

static int aes_dinit(void *vctx, const unsigned char *key, size_t keylen,
		     const unsigned char *iv, size_t ivlen, const OSSL_PARAM params[])
{
	return aes_init(vctx, key, keylen, iv, ivlen, params, 0);
}

/* ------------------------------------------------------------------ */
/* parameter tables and dispatch tables                                */

static const OSSL_PARAM aes_ctx_gettable[] = {
	OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
	OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
	OSSL_PARAM_uint(OSSL_CIPHER_PARAM_PADDING, NULL),
	OSSL_PARAM_uint(OSSL_CIPHER_PARAM_NUM, NULL),
	OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_IV, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_UPDATED_IV, NULL, 0),
	OSSL_PARAM_octet_ptr(OSSL_CIPHER_PARAM_TLS_MAC, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM aes_ctx_settable[] = {
	OSSL_PARAM_uint(OSSL_CIPHER_PARAM_PADDING, NULL),
	OSSL_PARAM_uint(OSSL_CIPHER_PARAM_NUM, NULL),
	OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
	OSSL_PARAM_uint(OSSL_CIPHER_PARAM_TLS_VERSION, NULL),
	OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_TLS_MAC_SIZE, NULL),
	OSSL_PARAM_END
};

static const OSSL_PARAM gcm_ctx_gettable[] = {
	OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
	OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
	OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_AEAD_TAGLEN, NULL),
	OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_IV, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_UPDATED_IV, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, NULL, 0),
	OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD_PAD, NULL),
	OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_GET_IV_GEN, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM gcm_ctx_settable[] = {
	OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, NULL),
	OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED, NULL, 0),
	OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_SET_IV_INV, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *aes_gettable_ctx(void *cctx, void *provctx)
{
	(void)cctx;
	(void)provctx;
	return aes_ctx_gettable;
}

static const OSSL_PARAM *aes_settable_ctx(void *cctx, void *provctx)
{
	(void)cctx;
	(void)provctx;
	return aes_ctx_settable;
}

static const OSSL_PARAM *gcm_gettable_ctx(void *cctx, void *provctx)
{
	(void)cctx;
	(void)provctx;
	return gcm_ctx_gettable;
}

static const OSSL_PARAM *gcm_settable_ctx(void *cctx, void *provctx)
{
	(void)cctx;
	(void)provctx;
	return gcm_ctx_settable;
}

static const OSSL_PARAM aes_alg_gettable[] = {
	OSSL_PARAM_uint(OSSL_CIPHER_PARAM_MODE, NULL),
	OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
	OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
	OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_BLOCK_SIZE, NULL),
	OSSL_PARAM_int(OSSL_CIPHER_PARAM_AEAD, NULL),
	OSSL_PARAM_int(OSSL_CIPHER_PARAM_CUSTOM_IV, NULL),
	OSSL_PARAM_int(OSSL_CIPHER_PARAM_CTS, NULL),
	OSSL_PARAM_int(OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK, NULL),
	OSSL_PARAM_int(OSSL_CIPHER_PARAM_HAS_RAND_KEY, NULL),
	OSSL_PARAM_END
};

static const OSSL_PARAM *aes_gettable_params(void *provctx)
{
	(void)provctx;
	return aes_alg_gettable;
}

/* What EVP asks of an algorithm before any context exists. */
static int aes_get_params(OSSL_PARAM params[], int mode, size_t keylen)
{
	static const unsigned int evp_mode[WD_CIPHER_MODE_MAX] = {
		EVP_CIPH_ECB_MODE, EVP_CIPH_CBC_MODE, EVP_CIPH_CTR_MODE,
		EVP_CIPH_XTS_MODE, EVP_CIPH_GCM_MODE
	};
	int aead = mode == WD_CIPHER_GCM;
	int custom_iv = aead || mode == WD_CIPHER_XTS;
	size_t block = mode == WD_CIPHER_ECB || mode == WD_CIPHER_CBC ? BLK : 1;
	size_t ivlen = mode == WD_CIPHER_ECB ? 0 : aead ? 12 : BLK;
	OSSL_PARAM *p;

	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_MODE);
	if (p && !OSSL_PARAM_set_uint(p, evp_mode[mode]))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_KEYLEN);
	if (p && !OSSL_PARAM_set_size_t(p, keylen))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IVLEN);
	if (p && !OSSL_PARAM_set_size_t(p, ivlen))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_BLOCK_SIZE);
	if (p && !OSSL_PARAM_set_size_t(p, block))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD);
	if (p && !OSSL_PARAM_set_int(p, aead))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_CUSTOM_IV);
	if (p && !OSSL_PARAM_set_int(p, custom_iv))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_CTS);
	if (p && !OSSL_PARAM_set_int(p, 0))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK);
	if (p && !OSSL_PARAM_set_int(p, 0))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_HAS_RAND_KEY);
	if (p && !OSSL_PARAM_set_int(p, 0))
		return 0;
	return 1;
}

#define AES_TABLE(kbits, mode, MODE, keylen, UPD, FIN, CIPH, GETTABLE, SETTABLE) \
static void *aes_##kbits##_##mode##_newctx(void *provctx)		\
{									\
	return wdp_aes_newctx(provctx, WD_CIPHER_##MODE, keylen);	\
}									\
static int aes_##kbits##_##mode##_get_params(OSSL_PARAM params[])	\
{									\
	return aes_get_params(params, WD_CIPHER_##MODE, keylen);	\
}									\
static const OSSL_DISPATCH aes_##kbits##_##mode##_functions[] = {	\
	{ OSSL_FUNC_CIPHER_NEWCTX, (void (*)(void))aes_##kbits##_##mode##_newctx }, \
	{ OSSL_FUNC_CIPHER_FREECTX, (void (*)(void))wdp_aes_freectx },	\
	{ OSSL_FUNC_CIPHER_DUPCTX, (void (*)(void))aes_dupctx },	\
	{ OSSL_FUNC_CIPHER_ENCRYPT_INIT, (void (*)(void))aes_einit }, \
	{ OSSL_FUNC_CIPHER_DECRYPT_INIT, (void (*)(void))aes_dinit }, \
	{ OSSL_FUNC_CIPHER_UPDATE, (void (*)(void))UPD },		\
	{ OSSL_FUNC_CIPHER_FINAL, (void (*)(void))FIN },		\
	{ OSSL_FUNC_CIPHER_CIPHER, (void (*)(void))CIPH },		\
	{ OSSL_FUNC_CIPHER_GET_PARAMS, (void (*)(void))aes_##kbits##_##mode##_get_params }, \
	{ OSSL_FUNC_CIPHER_GETTABLE_PARAMS, (void (*)(void))aes_gettable_params }, \
	{ OSSL_FUNC_CIPHER_GET_CTX_PARAMS, (void (*)(void))aes_get_ctx_params }, \
	{ OSSL_FUNC_CIPHER_SET_CTX_PARAMS, (void (*)(void))aes_set_ctx_params }, \
	{ OSSL_FUNC_CIPHER_GETTABLE_CTX_PARAMS, (void (*)(void))GETTABLE }, \
	{ OSSL_FUNC_CIPHER_SETTABLE_CTX_PARAMS, (void (*)(void))SETTABLE }, \
	{ 0, NULL }							\
}

#define AES_BLOCK_TABLE(kbits, mode, MODE, keylen)			\
	AES_TABLE(kbits, mode, MODE, keylen, wdp_aes_block_update,	\
		  wdp_aes_block_final, wdp_aes_block_cipher,		\
		  aes_gettable_ctx, aes_settable_ctx)
#define AES_GCM_TABLE(kbits)						\
	AES_TABLE(kbits, gcm, GCM, kbits / 8, wdp_aes_gcm_update,	\
		  wdp_aes_gcm_final, wdp_aes_gcm_cipher,		\
		  gcm_gettable_ctx, gcm_settable_ctx)

AES_BLOCK_TABLE(128, ecb, ECB, 16);
AES_BLOCK_TABLE(192, ecb, ECB, 24);
AES_BLOCK_TABLE(256, ecb, ECB, 32);
AES_BLOCK_TABLE(128, cbc, CBC, 16);
AES_BLOCK_TABLE(192, cbc, CBC, 24);
AES_BLOCK_TABLE(256, cbc, CBC, 32);
AES_BLOCK_TABLE(128, ctr, CTR, 16);
AES_BLOCK_TABLE(192, ctr, CTR, 24);
AES_BLOCK_TABLE(256, ctr, CTR, 32);
AES_BLOCK_TABLE(128, xts, XTS, 32);
AES_BLOCK_TABLE(256, xts, XTS, 64);
AES_GCM_TABLE(128);
AES_GCM_TABLE(192);
AES_GCM_TABLE(256);

#define PROPS "provider=wd"
const OSSL_ALGORITHM wdp_ciphers[] = {
	{ "AES-128-ECB:2.16.840.1.101.3.4.1.1", PROPS, aes_128_ecb_functions, NULL },
	{ "AES-192-ECB:2.16.840.1.101.3.4.1.21", PROPS, aes_192_ecb_functions, NULL },
	{ "AES-256-ECB:2.16.840.1.101.3.4.1.41", PROPS, aes_256_ecb_functions, NULL },
	{ "AES-128-CBC:AES128:2.16.840.1.101.3.4.1.2", PROPS, aes_128_cbc_functions, NULL },
	{ "AES-192-CBC:AES192:2.16.840.1.101.3.4.1.22", PROPS, aes_192_cbc_functions, NULL },
	{ "AES-256-CBC:AES256:2.16.840.1.101.3.4.1.42", PROPS, aes_256_cbc_functions, NULL },
	{ "AES-128-CTR", PROPS, aes_128_ctr_functions, NULL },
	{ "AES-192-CTR", PROPS, aes_192_ctr_functions, NULL },
	{ "AES-256-CTR", PROPS, aes_256_ctr_functions, NULL },
	{ "AES-128-XTS:1.3.111.2.1619.0.1.1", PROPS, aes_128_xts_functions, NULL },
	{ "AES-256-XTS:1.3.111.2.1619.0.1.2", PROPS, aes_256_xts_functions, NULL },
	{ "AES-128-GCM:id-aes128-GCM:2.16.840.1.101.3.4.1.6", PROPS, aes_128_gcm_functions, NULL },
	{ "AES-192-GCM:id-aes192-GCM:2.16.840.1.101.3.4.1.26", PROPS, aes_192_gcm_functions, NULL },
	{ "AES-256-GCM:id-aes256-GCM:2.16.840.1.101.3.4.1.46", PROPS, aes_256_gcm_functions, NULL },
	{ NULL, NULL, NULL, NULL }
};
