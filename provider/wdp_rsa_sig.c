// SPDX-License-Identifier: MIT
/*
 * wdp_rsa_sig.c - RSA signatures: PKCS#1 v1.5, PSS and no padding, with
 * sign, verify, verify_recover and the digest_sign/digest_verify family.
 *
 * Each operation context wraps an EVP_PKEY_CTX of the default provider
 * ("sw"): every parameter goes to it, so it checks and keeps them exactly
 * as the default provider would. Signing reads the settled parameters back,
 * encodes the message (DigestInfo and PKCS#1 type 1 or PSS, with
 * libcrypto's padding functions) and sends only the private exponentiation
 * to a queue; if the queue cannot take it, "sw" signs instead. Verifying
 * costs a small public exponentiation, cheaper than a queue round trip: it
 * stays in software.
 */
#define OPENSSL_API_COMPAT 0x10101000L	/* the RSA_padding_* functions */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include "wdp.h"

struct sig_ctx {
	struct wdp_ctx *prov;
	struct wdp_rsa_key *key;
	EVP_PKEY_CTX *sw;
	EVP_MD_CTX *md;			/* digest_sign / digest_verify */
};

static void *sig_newctx(void *provctx, const char *propq)
{
	struct sig_ctx *c = calloc(1, sizeof(*c));

	(void)propq;
	if (c)
		c->prov = provctx;
	return c;
}

static void sig_freectx(void *vctx)
{
	struct sig_ctx *c = vctx;

	if (!c)
		return;
	EVP_PKEY_CTX_free(c->sw);
	EVP_MD_CTX_free(c->md);
	free(c);
}

static void *sig_dupctx(void *vctx)
{
	struct sig_ctx *src = vctx, *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	*c = *src;
	c->sw = NULL;
	c->md = NULL;
	if (src->sw && !(c->sw = EVP_PKEY_CTX_dup(src->sw)))
		goto err;
	if (src->md && (!(c->md = EVP_MD_CTX_new()) ||
			!EVP_MD_CTX_copy_ex(c->md, src->md)))
		goto err;
	return c;
err:
	sig_freectx(c);
	return NULL;
}

enum sig_op { OP_SIGN, OP_VERIFY, OP_VERIFY_RECOVER };

static int sig_init(struct sig_ctx *c, void *keydata, const OSSL_PARAM params[],
		    enum sig_op op)
{
	struct wdp_rsa_key *key = keydata;
	int ok;

	if (key) {
		if (!key->pkey)
			return 0;
		c->key = key;
	}
	if (!c->key)
		return 0;
	EVP_PKEY_CTX_free(c->sw);
	c->sw = EVP_PKEY_CTX_new_from_pkey(c->prov->libctx, c->key->pkey,
					   WDP_PROPQ_DEFAULT);
	if (!c->sw)
		return 0;
	switch (op) {
	case OP_SIGN:
		ok = EVP_PKEY_sign_init_ex(c->sw, params);
		break;
	case OP_VERIFY:
		ok = EVP_PKEY_verify_init_ex(c->sw, params);
		break;
	default:
		ok = EVP_PKEY_verify_recover_init_ex(c->sw, params);
		break;
	}
	return ok > 0;
}

static int sig_sign_init(void *vctx, void *key, const OSSL_PARAM params[])
{
	return sig_init(vctx, key, params, OP_SIGN);
}

static int sig_verify_init(void *vctx, void *key, const OSSL_PARAM params[])
{
	return sig_init(vctx, key, params, OP_VERIFY);
}

static int sig_verify_recover_init(void *vctx, void *key, const OSSL_PARAM params[])
{
	return sig_init(vctx, key, params, OP_VERIFY_RECOVER);
}

/* The settled parameters of sw. */
struct sig_params {
	int pad;
	int saltlen;
	char md[64];
	char mgf1[64];
};

static int sig_read_params(EVP_PKEY_CTX *sw, struct sig_params *sp)
{
	OSSL_PARAM p[] = {
		OSSL_PARAM_int(OSSL_SIGNATURE_PARAM_PAD_MODE, &sp->pad),
		OSSL_PARAM_int(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, &sp->saltlen),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, sp->md, sizeof(sp->md)),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, sp->mgf1,
				       sizeof(sp->mgf1)),
		OSSL_PARAM_END
	};

	memset(sp, 0, sizeof(*sp));
	return EVP_PKEY_CTX_get_params(sw, p) > 0;
}

/* DigestInfo(md, h) as PKCS#1 v1.5 wants it; length, or -1. */
static int digest_info(const EVP_MD *md, const unsigned char *h, size_t hlen,
		       unsigned char **out)
{
	X509_SIG *sig;
	X509_ALGOR *alg;
	ASN1_OCTET_STRING *dig;
	int nid = EVP_MD_get_type(md), len = -1;

	if (nid == NID_undef || nid == NID_mdc2)
		return -1;	/* mdc2 has its own encoding: software */
	sig = X509_SIG_new();
	if (!sig)
		return -1;
	X509_SIG_getm(sig, &alg, &dig);
	if (X509_ALGOR_set0(alg, OBJ_nid2obj(nid), V_ASN1_NULL, NULL) &&
	    ASN1_OCTET_STRING_set(dig, h, (int)hlen))
		len = i2d_X509_SIG(sig, out);
	X509_SIG_free(sig);
	return len;
}

/* Encode tbs into em (k bytes) as sw's parameters say; 0 or -1 (software). */
static int sig_encode(struct sig_ctx *c, const struct sig_params *sp,
		      unsigned char *em, size_t k, const unsigned char *tbs,
		      size_t tbslen)
{
	OSSL_LIB_CTX *lc = c->prov->libctx;
	EVP_MD *md = NULL, *mgf1 = NULL;
	unsigned char *di = NULL;
	int ret = -1, len;

	ERR_set_mark();
	if (sp->md[0])
		md = EVP_MD_fetch(lc, sp->md, WDP_PROPQ_DEFAULT);
	if (sp->md[0] && (!md || (size_t)EVP_MD_get_size(md) != tbslen))
		goto out;	/* let the default provider report it */
	switch (sp->pad) {
	case RSA_PKCS1_PADDING:
		if (md && EVP_MD_get_type(md) != NID_md5_sha1) {
			len = digest_info(md, tbs, tbslen, &di);
			if (len < 0)
				goto out;
			ret = RSA_padding_add_PKCS1_type_1(em, (int)k, di, len);
		} else {
			ret = RSA_padding_add_PKCS1_type_1(em, (int)k, tbs, (int)tbslen);
		}
		ret = ret == 1 ? 0 : -1;
		break;
	case RSA_PKCS1_PSS_PADDING:
		if (!md)
			goto out;
		mgf1 = sp->mgf1[0] ? EVP_MD_fetch(lc, sp->mgf1, WDP_PROPQ_DEFAULT) : NULL;
		if (sp->mgf1[0] && !mgf1)
			goto out;
		ret = RSA_padding_add_PKCS1_PSS_mgf1(
			(RSA *)EVP_PKEY_get0_RSA(c->key->pkey), em, tbs, md,
			mgf1 ? mgf1 : md, sp->saltlen) == 1 ? 0 : -1;
		break;
	case RSA_NO_PADDING:
		if (tbslen == k) {
			memcpy(em, tbs, k);
			ret = 0;
		}
		break;
	}
out:
	OPENSSL_free(di);
	EVP_MD_free(md);
	EVP_MD_free(mgf1);
	/*
	 * A failure here is retried in software, which reports its own; the
	 * errors the caller had before stay where they were.
	 */
	ERR_pop_to_mark();
	return ret;
}

static int sig_sign(void *vctx, unsigned char *sig, size_t *siglen,
		    size_t sigsize, const unsigned char *tbs, size_t tbslen)
{
	struct sig_ctx *c = vctx;
	size_t k = c->key ? wdp_rsa_key_bytes(c->key) : 0;
	struct sig_params sp;
	unsigned char em[WD_RSA_MAX_BITS / 8];

	if (!c->sw)
		return 0;
	if (!sig) {
		*siglen = k;
		return 1;
	}
	if (sigsize >= k && k <= sizeof(em) && sig_read_params(c->sw, &sp) &&
	    sig_encode(c, &sp, em, k, tbs, tbslen) == 0) {
		int ret = wdp_rsa_private_raw(c->key, "rsa-sign", em, sig);

		OPENSSL_cleanse(em, k);
		if (!ret) {
			*siglen = k;
			return 1;
		}
	}
	wdp_count("rsa-sign", 0, 0, 0);
	*siglen = sigsize;
	return EVP_PKEY_sign(c->sw, sig, siglen, tbs, tbslen) > 0;
}

static int sig_verify(void *vctx, const unsigned char *sig, size_t siglen,
		      const unsigned char *tbs, size_t tbslen)
{
	struct sig_ctx *c = vctx;

	if (!c->sw)
		return 0;
	wdp_count("rsa-verify", 0, 0, 0);
	return EVP_PKEY_verify(c->sw, sig, siglen, tbs, tbslen) > 0;
}

static int sig_verify_recover(void *vctx, unsigned char *rout, size_t *routlen,
			      size_t routsize, const unsigned char *sig,
			      size_t siglen)
{
	struct sig_ctx *c = vctx;

	if (!c->sw)
		return 0;
	*routlen = routsize;
	return EVP_PKEY_verify_recover(c->sw, rout, routlen, sig, siglen) > 0;
}

/* ------------------------------------------------------------------ */
/* digest_sign / digest_verify                                         */

static int digest_init(struct sig_ctx *c, const char *mdname, void *key,
		       const OSSL_PARAM params[], enum sig_op op)
{
	struct sig_params sp;
	EVP_MD *md;
	int ok;

	if (!sig_init(c, key, NULL, op))
		return 0;
	if (mdname && *mdname) {
		OSSL_PARAM p[] = {
			OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST,
					       (char *)mdname, strlen(mdname)),
			OSSL_PARAM_END
		};

		if (EVP_PKEY_CTX_set_params(c->sw, p) <= 0)
			return 0;
	}
	if (params && EVP_PKEY_CTX_set_params(c->sw, params) <= 0)
		return 0;
	if (!sig_read_params(c->sw, &sp))
		return 0;
	if (!sp.md[0])
		strcpy(sp.md, "SHA256");
	md = EVP_MD_fetch(c->prov->libctx, sp.md, WDP_PROPQ_DEFAULT);
	if (!c->md)
		c->md = EVP_MD_CTX_new();
	ok = md && c->md && EVP_DigestInit_ex2(c->md, md, NULL);
	EVP_MD_free(md);
	return ok;
}

static int sig_digest_sign_init(void *vctx, const char *mdname, void *key,
				const OSSL_PARAM params[])
{
	return digest_init(vctx, mdname, key, params, OP_SIGN);
}

static int sig_digest_verify_init(void *vctx, const char *mdname, void *key,
				  const OSSL_PARAM params[])
{
	return digest_init(vctx, mdname, key, params, OP_VERIFY);
}

static int sig_digest_update(void *vctx, const unsigned char *data, size_t len)
{
	struct sig_ctx *c = vctx;

	return c->md && EVP_DigestUpdate(c->md, data, len);
}

static int sig_digest_sign_final(void *vctx, unsigned char *sig, size_t *siglen,
				 size_t sigsize)
{
	struct sig_ctx *c = vctx;
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0;

	if (!c->md)
		return 0;
	if (!sig) {
		*siglen = c->key ? wdp_rsa_key_bytes(c->key) : 0;
		return 1;
	}
	if (!EVP_DigestFinal_ex(c->md, h, &hlen))
		return 0;
	return sig_sign(c, sig, siglen, sigsize, h, hlen);
}

static int sig_digest_verify_final(void *vctx, const unsigned char *sig,
				   size_t siglen)
{
	struct sig_ctx *c = vctx;
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0;

	if (!c->md || !EVP_DigestFinal_ex(c->md, h, &hlen))
		return 0;
	return sig_verify(c, sig, siglen, h, hlen);
}

/* ------------------------------------------------------------------ */
/* Parameters: all kept by the default provider's context              */

static int sig_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
	struct sig_ctx *c = vctx;

	return c->sw && EVP_PKEY_CTX_get_params(c->sw, params) > 0;
}

static int sig_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
	struct sig_ctx *c = vctx;

	if (!params || !params[0].key)
		return 1;
	return c->sw && EVP_PKEY_CTX_set_params(c->sw, params) > 0;
}

static const OSSL_PARAM *sig_gettable_ctx_params(void *vctx, void *provctx)
{
	struct sig_ctx *c = vctx;
	struct wdp_ctx *prov = provctx;

	if (c && c->sw)
		return EVP_PKEY_CTX_gettable_params(c->sw);
	return EVP_SIGNATURE_gettable_ctx_params(prov->sw_sig);
}

static const OSSL_PARAM *sig_settable_ctx_params(void *vctx, void *provctx)
{
	struct sig_ctx *c = vctx;
	struct wdp_ctx *prov = provctx;

	if (c && c->sw)
		return EVP_PKEY_CTX_settable_params(c->sw);
	return EVP_SIGNATURE_settable_ctx_params(prov->sw_sig);
}

static int sig_get_ctx_md_params(void *vctx, OSSL_PARAM params[])
{
	struct sig_ctx *c = vctx;

	return c->md && EVP_MD_CTX_get_params(c->md, params);
}

static int sig_set_ctx_md_params(void *vctx, const OSSL_PARAM params[])
{
	struct sig_ctx *c = vctx;

	return c->md && EVP_MD_CTX_set_params(c->md, params);
}

static const OSSL_PARAM *sig_gettable_ctx_md_params(void *vctx)
{
	struct sig_ctx *c = vctx;

	return c->md ? EVP_MD_gettable_ctx_params(EVP_MD_CTX_get0_md(c->md)) : NULL;
}

static const OSSL_PARAM *sig_settable_ctx_md_params(void *vctx)
{
	struct sig_ctx *c = vctx;

	return c->md ? EVP_MD_settable_ctx_params(EVP_MD_CTX_get0_md(c->md)) : NULL;
}

#define FN(id, f)	{ OSSL_FUNC_SIGNATURE_##id, (void (*)(void))f }
const OSSL_DISPATCH wdp_rsa_signature_functions[] = {
	FN(NEWCTX, sig_newctx),
	FN(FREECTX, sig_freectx),
	FN(DUPCTX, sig_dupctx),
	FN(SIGN_INIT, sig_sign_init),
	FN(SIGN, sig_sign),
	FN(VERIFY_INIT, sig_verify_init),
	FN(VERIFY, sig_verify),
	FN(VERIFY_RECOVER_INIT, sig_verify_recover_init),
	FN(VERIFY_RECOVER, sig_verify_recover),
	FN(DIGEST_SIGN_INIT, sig_digest_sign_init),
	FN(DIGEST_SIGN_UPDATE, sig_digest_update),
	FN(DIGEST_SIGN_FINAL, sig_digest_sign_final),
	FN(DIGEST_VERIFY_INIT, sig_digest_verify_init),
	FN(DIGEST_VERIFY_UPDATE, sig_digest_update),
	FN(DIGEST_VERIFY_FINAL, sig_digest_verify_final),
	FN(GET_CTX_PARAMS, sig_get_ctx_params),
	FN(GETTABLE_CTX_PARAMS, sig_gettable_ctx_params),
	FN(SET_CTX_PARAMS, sig_set_ctx_params),
	FN(SETTABLE_CTX_PARAMS, sig_settable_ctx_params),
	FN(GET_CTX_MD_PARAMS, sig_get_ctx_md_params),
	FN(GETTABLE_CTX_MD_PARAMS, sig_gettable_ctx_md_params),
	FN(SET_CTX_MD_PARAMS, sig_set_ctx_md_params),
	FN(SETTABLE_CTX_MD_PARAMS, sig_settable_ctx_md_params),
	{ 0, NULL }
};
