// SPDX-License-Identifier: MIT
/*
 * wdp_rsa_kmgmt.c - key management for RSA and RSA-PSS.
 *
 * Keys are the default provider's, held in the private library context:
 * import, export, checks and parameters go straight to it, so keys decoded
 * by the default provider's decoders import here and ours export to its
 * encoders unchanged. Key generation of plain two-prime RSA keys runs on a
 * queue (WD_RSA_KEYGEN); anything else is generated in software.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/param_build.h>
#include "wdp.h"

static const char *const comp_names[WD_RSA_NR_COMP] = {
	OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
	OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
	OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
	OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

struct wdp_rsa_gen {
	struct wdp_ctx *prov;
	int pss;
	int selection;
	EVP_PKEY_CTX *pctx;		/* default provider's generator */
	size_t bits;
	size_t primes;
	BIGNUM *e;
};

static const char *key_type(int pss)
{
	return pss ? "RSA-PSS" : "RSA";
}

static void *rsa_new(void *provctx)
{
	return wdp_rsa_key_new(provctx, 0);
}

static void *rsapss_new(void *provctx)
{
	return wdp_rsa_key_new(provctx, 1);
}

static void rsa_free(void *keydata)
{
	wdp_rsa_key_free(keydata);
}

static int has_bn(EVP_PKEY *pkey, const char *name)
{
	BIGNUM *bn = NULL;
	int ok = EVP_PKEY_get_bn_param(pkey, name, &bn);

	BN_clear_free(bn);
	return ok;
}

static int rsa_has(const void *keydata, int selection)
{
	const struct wdp_rsa_key *key = keydata;
	int ok = 1;

	if (!key)
		return 0;
	if (!(selection & OSSL_KEYMGMT_SELECT_KEYPAIR))
		return 1;	/* RSA has no domain parameters */
	if (!key->pkey)
		return 0;
	if (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY)
		ok = ok && has_bn(key->pkey, OSSL_PKEY_PARAM_RSA_N);
	if (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY)
		ok = ok && has_bn(key->pkey, OSSL_PKEY_PARAM_RSA_D);
	return ok;
}

static int rsa_match(const void *k1, const void *k2, int selection)
{
	const struct wdp_rsa_key *a = k1, *b = k2;

	if (!(selection & OSSL_KEYMGMT_SELECT_KEYPAIR))
		return 1;
	if (!a->pkey || !b->pkey)
		return 0;
	return EVP_PKEY_eq(a->pkey, b->pkey) == 1;
}

static int rsa_import(void *keydata, int selection, const OSSL_PARAM params[])
{
	struct wdp_rsa_key *key = keydata;
	EVP_PKEY_CTX *pc;
	EVP_PKEY *pkey = NULL;

	if (!key || key->pkey)
		return 0;
	if (!(selection & OSSL_KEYMGMT_SELECT_KEYPAIR))
		return 0;
	pc = EVP_PKEY_CTX_new_from_name(key->prov->libctx, key_type(key->pss),
					WDP_PROPQ_DEFAULT);
	if (pc && EVP_PKEY_fromdata_init(pc) > 0)
		EVP_PKEY_fromdata(pc, &pkey, selection, (OSSL_PARAM *)params);
	EVP_PKEY_CTX_free(pc);
	key->pkey = pkey;
	return pkey != NULL;
}

static int rsa_export(void *keydata, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
	struct wdp_rsa_key *key = keydata;

	if (!key || !key->pkey)
		return 0;
	return EVP_PKEY_export(key->pkey, selection, cb, cbarg);
}

#define RSA_KEY_TYPES							\
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),			\
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),			\
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_D, NULL, 0),			\
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_FACTOR1, NULL, 0),		\
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_FACTOR2, NULL, 0),		\
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_FACTOR3, NULL, 0),		\
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_EXPONENT1, NULL, 0),		\
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_EXPONENT2, NULL, 0),		\
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_EXPONENT3, NULL, 0),		\
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, NULL, 0),	\
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_COEFFICIENT2, NULL, 0)

#define RSA_PSS_TYPES							\
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_RSA_DIGEST, NULL, 0),	\
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_RSA_MASKGENFUNC, NULL, 0), \
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_RSA_MGF1_DIGEST, NULL, 0), \
	OSSL_PARAM_int(OSSL_PKEY_PARAM_RSA_PSS_SALTLEN, NULL)

static const OSSL_PARAM rsa_key_types[] = { RSA_KEY_TYPES, OSSL_PARAM_END };
static const OSSL_PARAM rsapss_key_types[] = {
	RSA_KEY_TYPES, RSA_PSS_TYPES, OSSL_PARAM_END
};

static const OSSL_PARAM *rsa_types(int selection)
{
	return selection & OSSL_KEYMGMT_SELECT_KEYPAIR ? rsa_key_types : NULL;
}

static const OSSL_PARAM *rsapss_types(int selection)
{
	return selection & (OSSL_KEYMGMT_SELECT_KEYPAIR |
			    OSSL_KEYMGMT_SELECT_OTHER_PARAMETERS) ?
	       rsapss_key_types : NULL;
}

static int rsa_get_params(void *keydata, OSSL_PARAM params[])
{
	struct wdp_rsa_key *key = keydata;

	return key && key->pkey && EVP_PKEY_get_params(key->pkey, params);
}

static const OSSL_PARAM rsa_gettable[] = {
	OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
	OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
	OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_MANDATORY_DIGEST, NULL, 0),
	RSA_KEY_TYPES,
	OSSL_PARAM_END
};

static const OSSL_PARAM *rsa_gettable_params(void *provctx)
{
	(void)provctx;
	return rsa_gettable;
}

static int rsa_validate(const void *keydata, int selection, int checktype)
{
	const struct wdp_rsa_key *key = keydata;
	EVP_PKEY_CTX *pc;
	int ok = 1;

	(void)checktype;
	if (!key || !key->pkey)
		return 0;
	if (!(selection & OSSL_KEYMGMT_SELECT_KEYPAIR))
		return 1;
	pc = EVP_PKEY_CTX_new_from_pkey(key->prov->libctx, key->pkey,
					WDP_PROPQ_DEFAULT);
	if (!pc)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == OSSL_KEYMGMT_SELECT_KEYPAIR)
		ok = EVP_PKEY_pairwise_check(pc) > 0;
	else if (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY)
		ok = EVP_PKEY_private_check(pc) > 0;
	else
		ok = EVP_PKEY_public_check(pc) > 0;
	EVP_PKEY_CTX_free(pc);
	return ok;
}

static void *rsa_dup(const void *keydata, int selection)
{
	const struct wdp_rsa_key *src = keydata;
	struct wdp_rsa_key *key = wdp_rsa_key_new(src->prov, src->pss);

	(void)selection;
	if (key && src->pkey) {
		key->pkey = EVP_PKEY_dup(src->pkey);
		if (!key->pkey) {
			wdp_rsa_key_free(key);
			return NULL;
		}
	}
	return key;
}

static const char *rsa_query_operation_name(int operation_id)
{
	(void)operation_id;
	return "RSA";	/* RSA-PSS keys sign with the RSA signature */
}

/* ------------------------------------------------------------------ */
/* Key generation                                                      */

static int rsa_gen_set_params(void *genctx, const OSSL_PARAM params[])
{
	struct wdp_rsa_gen *g = genctx;
	const OSSL_PARAM *p;

	if (!params)
		return 1;
	p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_BITS);
	if (p && !OSSL_PARAM_get_size_t(p, &g->bits))
		return 0;
	p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_PRIMES);
	if (p && !OSSL_PARAM_get_size_t(p, &g->primes))
		return 0;
	p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_E);
	if (p && !OSSL_PARAM_get_BN(p, &g->e))
		return 0;
	/* the default provider checks them and keeps them for software */
	return EVP_PKEY_CTX_set_params(g->pctx, params) > 0;
}

static void rsa_gen_cleanup(void *genctx)
{
	struct wdp_rsa_gen *g = genctx;

	if (!g)
		return;
	EVP_PKEY_CTX_free(g->pctx);
	BN_free(g->e);
	free(g);
}

static void *gen_init(void *provctx, int selection, const OSSL_PARAM params[],
		      int pss)
{
	struct wdp_ctx *prov = provctx;
	struct wdp_rsa_gen *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->prov = prov;
	g->pss = pss;
	g->selection = selection;
	g->bits = 2048;
	g->primes = 2;
	g->pctx = EVP_PKEY_CTX_new_from_name(prov->libctx, key_type(pss),
					     WDP_PROPQ_DEFAULT);
	if (!g->pctx || EVP_PKEY_keygen_init(g->pctx) <= 0 ||
	    !rsa_gen_set_params(g, params)) {
		rsa_gen_cleanup(g);
		return NULL;
	}
	return g;
}

static void *rsa_gen_init(void *provctx, int selection, const OSSL_PARAM params[])
{
	return gen_init(provctx, selection, params, 0);
}

static void *rsapss_gen_init(void *provctx, int selection, const OSSL_PARAM params[])
{
	return gen_init(provctx, selection, params, 1);
}

static const OSSL_PARAM rsa_gen_settable[] = {
	OSSL_PARAM_size_t(OSSL_PKEY_PARAM_RSA_BITS, NULL),
	OSSL_PARAM_size_t(OSSL_PKEY_PARAM_RSA_PRIMES, NULL),
	OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
	OSSL_PARAM_END
};

static const OSSL_PARAM *rsa_gen_settable_params(void *genctx, void *provctx)
{
	struct wdp_rsa_gen *g = genctx;

	(void)provctx;
	if (g && g->pctx)
		return EVP_PKEY_CTX_settable_params(g->pctx);
	return rsa_gen_settable;
}

/* Generate on a queue; NULL when the device cannot (then: software). */
static EVP_PKEY *gen_on_device(struct wdp_rsa_gen *g)
{
	BIGNUM *bn[WD_RSA_NR_COMP] = { 0 };
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	struct wd_rsa_key key = { 0 };
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pkey = NULL;
	uint64_t e = 65537;
	int i;

	if (g->pss || g->primes != 2 || !g->prov->offload ||
	    g->bits < g->prov->rsa_min_bits || g->bits < WD_RSA_MIN_BITS ||
	    g->bits > WD_RSA_MAX_BITS)
		return NULL;
	if (g->e && (BN_num_bytes(g->e) > 8 || !BN_get_word(g->e)))
		return NULL;
	if (g->e)
		e = BN_get_word(g->e);
	/* libwd counts it under rsa-keygen, offloaded or an error */
	if (wdp_rsa_keygen(&key, (unsigned int)g->bits, e))
		goto out;
	bld = OSSL_PARAM_BLD_new();
	for (i = 0; bld && i < WD_RSA_NR_COMP; i++) {
		size_t len;
		const uint8_t *c = wd_rsa_key_comp(&key, i, &len);

		/* the builder keeps the pointer until to_param */
		bn[i] = BN_bin2bn(c, (int)len, NULL);
		if (!bn[i] || !OSSL_PARAM_BLD_push_BN(bld, comp_names[i], bn[i]))
			goto out;
	}
	params = bld ? OSSL_PARAM_BLD_to_param(bld) : NULL;
	pc = EVP_PKEY_CTX_new_from_name(g->prov->libctx, "RSA", WDP_PROPQ_DEFAULT);
	if (params && pc && EVP_PKEY_fromdata_init(pc) > 0)
		EVP_PKEY_fromdata(pc, &pkey, EVP_PKEY_KEYPAIR, params);
out:
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	for (i = 0; i < WD_RSA_NR_COMP; i++)
		BN_clear_free(bn[i]);
	wd_rsa_key_clear(&key);
	return pkey;
}

static void *rsa_gen(void *genctx, OSSL_CALLBACK *cb, void *cbarg)
{
	struct wdp_rsa_gen *g = genctx;
	struct wdp_rsa_key *key;
	EVP_PKEY *pkey;

	(void)cb;
	(void)cbarg;
	if (!g || !(g->selection & OSSL_KEYMGMT_SELECT_KEYPAIR))
		return NULL;
	pkey = gen_on_device(g);
	if (!pkey) {
		if (EVP_PKEY_generate(g->pctx, &pkey) <= 0)
			return NULL;
		wdp_count("rsa-keygen", 0, 0, 0);
	}
	key = wdp_rsa_key_new(g->prov, g->pss);
	if (!key) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	key->pkey = pkey;
	return key;
}

#define KMGMT_COMMON(pfx)						\
	{ OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))rsa_free },		\
	{ OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))rsa_has },		\
	{ OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))rsa_match },		\
	{ OSSL_FUNC_KEYMGMT_VALIDATE, (void (*)(void))rsa_validate },	\
	{ OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))rsa_import },	\
	{ OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))pfx##_types },	\
	{ OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))rsa_export },	\
	{ OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))pfx##_types },	\
	{ OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))rsa_get_params }, \
	{ OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))rsa_gettable_params }, \
	{ OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))rsa_dup },		\
	{ OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS, (void (*)(void))rsa_gen_set_params }, \
	{ OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS, (void (*)(void))rsa_gen_settable_params }, \
	{ OSSL_FUNC_KEYMGMT_GEN, (void (*)(void))rsa_gen },		\
	{ OSSL_FUNC_KEYMGMT_GEN_CLEANUP, (void (*)(void))rsa_gen_cleanup }

const OSSL_DISPATCH wdp_rsa_keymgmt_functions[] = {
	{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))rsa_new },
	{ OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))rsa_gen_init },
	KMGMT_COMMON(rsa),
	{ 0, NULL }
};

const OSSL_DISPATCH wdp_rsapss_keymgmt_functions[] = {
	{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))rsapss_new },
	{ OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))rsapss_gen_init },
	{ OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, (void (*)(void))rsa_query_operation_name },
	KMGMT_COMMON(rsapss),
	{ 0, NULL }
};
