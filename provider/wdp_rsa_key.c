// SPDX-License-Identifier: MIT
/*
 * wdp_rsa_key.c - the provider's RSA key object and its one offloaded
 * operation, the raw private exponentiation with CRT.
 *
 * The key itself is an EVP_PKEY of the default provider in the private
 * library context; the device form (wd_rsa_key) is built from it once, on
 * the first private operation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include "wdp.h"

static const char *const comp_names[WD_RSA_NR_COMP] = {
	OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
	OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
	OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
	OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

struct wdp_rsa_key *wdp_rsa_key_new(struct wdp_ctx *prov, int pss)
{
	struct wdp_rsa_key *key = calloc(1, sizeof(*key));

	if (!key)
		return NULL;
	key->prov = prov;
	key->pss = pss;
	pthread_mutex_init(&key->lock, NULL);
	return key;
}

void wdp_rsa_key_free(struct wdp_rsa_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	wd_rsa_sess_free(key->sess);
	wd_rsa_key_clear(&key->wd_key);
	pthread_mutex_destroy(&key->lock);
	free(key);
}

size_t wdp_rsa_key_bytes(const struct wdp_rsa_key *key)
{
	return key->pkey ? (size_t)EVP_PKEY_get_size(key->pkey) : 0;
}

/* Build the device form; 1 on success, -1 when the key cannot have one. */
static int key_format(struct wdp_rsa_key *key)
{
	uint8_t *comp[WD_RSA_NR_COMP] = { 0 };
	size_t len[WD_RSA_NR_COMP] = { 0 };
	BIGNUM *f3 = NULL;
	int i, ok = 1;

	if (EVP_PKEY_get_bits(key->pkey) < (int)key->prov->rsa_min_bits)
		return -1;
	/* multi-prime keys: the device only knows two primes */
	if (EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_FACTOR3, &f3)) {
		BN_free(f3);
		return -1;
	}
	for (i = 0; ok && i < WD_RSA_NR_COMP; i++) {
		BIGNUM *bn = NULL;

		ok = EVP_PKEY_get_bn_param(key->pkey, comp_names[i], &bn);
		if (!ok)
			break;
		len[i] = (size_t)BN_num_bytes(bn);
		comp[i] = malloc(len[i] ? len[i] : 1);
		ok = comp[i] != NULL;
		if (ok)
			BN_bn2bin(bn, comp[i]);
		BN_clear_free(bn);
	}
	if (ok)
		ok = wd_rsa_key_init(&key->wd_key, WD_RSA_PRIVATE_CRT,
				     (const uint8_t *const *)comp, len) == 0;
	/* the provider falls back and counts itself, per operation */
	if (ok)
		key->sess = wd_rsa_sess_new(&key->wd_key, WD_RSA_SESS_NO_FALLBACK |
							  WD_RSA_SESS_NO_STATS);
	ok = ok && key->sess;
	for (i = 0; i < WD_RSA_NR_COMP; i++) {
		if (comp[i])
			OPENSSL_cleanse(comp[i], len[i]);
		free(comp[i]);
	}
	return ok ? 1 : -1;
}

int wdp_rsa_private_raw(struct wdp_rsa_key *key, const char *alg,
			const unsigned char *in, unsigned char *out)
{
	size_t k;
	int state, ret;

	if (!key->pkey || !key->prov->offload)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&key->lock);
	if (!key->wd_state)
		key->wd_state = key_format(key);
	state = key->wd_state;
	pthread_mutex_unlock(&key->lock);
	if (state < 0)
		return -EOPNOTSUPP;
	k = key->wd_key.key_bytes;
	ret = wdp_rsa_do(key->sess, in, out, k);
	if (ret) {
		wd_alg_stats_add(alg, WD_ALG_ERRORS, 1);
		return ret;
	}
	wdp_count(alg, 1, k, k);
	return 0;
}
