// SPDX-License-Identifier: MIT
/*
 * wdp_aes_gcm.c - AES-GCM: AAD, text, tag, and the TLS 1.2 record mode.
 *
 * AAD is buffered until the first text (or final), because the route of a
 * message is chosen on its first text: on a queue, the first request
 * carries AAD || text; the tag comes from a last, empty request. A TLS 1.2
 * record (tlsaad set) is one whole message: one stateless request whose
 * output, text then tag, is exactly the record layout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/proverr.h>
#include <openssl/rand.h>
#include "wdp_aes.h"

static int grow(unsigned char **buf, size_t *cap, size_t need)
{
	unsigned char *n;

	if (need <= *cap)
		return 1;
	n = OPENSSL_zalloc(need);
	if (!n)
		return 0;
	if (*buf) {
		memcpy(n, *buf, *cap);
		OPENSSL_clear_free(*buf, *cap);
	}
	*buf = n;
	*cap = need;
	return 1;
}

static int gcm_ready(struct aes_ctx *c)
{
	if (!c->key_set || !c->iv_set) {
		ERR_raise(ERR_LIB_PROV, c->key_set ? PROV_R_INVALID_IV_LENGTH : PROV_R_NO_KEY_SET);
		return 0;
	}
	return 1;
}

static int gcm_tls_record(struct aes_ctx *c, unsigned char *out, size_t *outl,
			  size_t outsize, const unsigned char *in, size_t inl);

static int gcm_aad(struct aes_ctx *c, const unsigned char *in, size_t inl)
{
	int outl;

	if (c->route == ROUTE_SW)
		return EVP_CipherUpdate(c->sw, NULL, &outl, in, (int)inl);
	if (c->route == ROUTE_WD) {
		/* the device takes AAD only before the text, as GCM does */
		ERR_raise(ERR_LIB_PROV, PROV_R_CIPHER_OPERATION_FAILED);
		return 0;
	}
	if (!grow(&c->aad, &c->aad_cap, c->aad_len + inl))
		return 0;
	memcpy(c->aad + c->aad_len, in, inl);
	c->aad_len += inl;
	return 1;
}

/* The first text of a message on a queue: AAD || text in one request. */
static int gcm_wd_text(struct aes_ctx *c, unsigned char *out,
		       const unsigned char *in, size_t inl)
{
	const unsigned char *src = in;
	size_t aad = c->wd_started ? 0 : c->aad_len;
	int ret;

	if (aad) {
		if (!grow(&c->stage, &c->stage_cap, aad + inl))
			return -ENOMEM;
		memcpy(c->stage, c->aad, aad);
		memcpy(c->stage + aad, in, inl);
		src = c->stage;
	}
	c->snap_valid = 0;
	/* encrypting: ask for the tag so far, final may need no request */
	ret = wdp_aes_request(c, src, aad + inl, aad, out, inl, 0,
			      c->enc ? c->tag : NULL);
	c->snap_valid = !ret && c->enc;
	return ret;
}

int wdp_aes_gcm_update(void *vctx, unsigned char *out, size_t *outl,
		       size_t outsize, const unsigned char *in, size_t inl)
{
	struct aes_ctx *c = vctx;
	int l;

	if (!gcm_ready(c))
		return 0;
	if (c->tls_aad_len)	/* libssl's TLS 1.2 record */
		return gcm_tls_record(c, out, outl, outsize, in, inl);
	if (!out) {
		*outl = inl;
		return inl ? gcm_aad(c, in, inl) : 1;
	}
	if (outsize < inl) {
		ERR_raise(ERR_LIB_PROV, PROV_R_OUTPUT_BUFFER_TOO_SMALL);
		return 0;
	}
	*outl = inl;
	if (!inl)
		return 1;
	if (c->route == ROUTE_NONE && !wdp_aes_route(c, inl))
		return 0;
	if (c->route == ROUTE_WD) {
		if (gcm_wd_text(c, out, in, inl) == 0)
			return 1;
		/* nothing reached the device yet: the message can go to software */
		if (c->wd_started) {
			wdp_aes_wd_stop(c);
			ERR_raise(ERR_LIB_PROV, PROV_R_CIPHER_OPERATION_FAILED);
			return 0;
		}
		wdp_aes_wd_stop(c);
		wd_alg_stats_add("aes-gcm", WD_ALG_ERRORS, 1);
		c->route = ROUTE_NONE;
		if (!wdp_aes_sw_start(c, c->iv) ||
		    (c->aad_len && !EVP_CipherUpdate(c->sw, NULL, &l, c->aad, (int)c->aad_len)))
			return 0;
		c->route = ROUTE_SW;
	}
	wdp_count("aes-gcm", 0, 0, 0);
	return EVP_CipherUpdate(c->sw, out, &l, in, (int)inl);
}

int wdp_aes_gcm_final(void *vctx, unsigned char *out, size_t *outl,
		      size_t outsize)
{
	struct aes_ctx *c = vctx;
	unsigned char tag[WD_CIPHER_TAG_MAX];
	int l, ret;

	(void)out;
	(void)outsize;
	*outl = 0;
	if (!gcm_ready(c))
		return 0;
	if (!c->enc && !c->taglen) {
		ERR_raise(ERR_LIB_PROV, PROV_R_TAG_NOT_SET);
		return 0;
	}
	if (c->route == ROUTE_NONE && !wdp_aes_route(c, 0))
		return 0;
	if (c->route == ROUTE_WD && c->snap_valid) {
		/* the last text request already gave the message's tag */
		memcpy(tag, c->tag, BLK);
		wdp_aes_wd_stop(c);
	} else if (c->route == ROUTE_WD) {
		ret = wdp_aes_request(c, NULL, 0, 0, tag, c->enc ? BLK : 0,
				      WD_SQE_F_LAST, NULL);
		wdp_aes_wd_stop(c);
		if (ret == -EBADMSG)
			return 0;	/* authentication failed */
		if (ret) {
			ERR_raise(ERR_LIB_PROV, PROV_R_CIPHER_OPERATION_FAILED);
			return 0;
		}
	} else {
		if (!c->enc && !EVP_CIPHER_CTX_ctrl(c->sw, EVP_CTRL_AEAD_SET_TAG,
						    (int)c->taglen, c->tag))
			return 0;
		if (!EVP_CipherFinal_ex(c->sw, tag, &l))
			return 0;
		if (c->enc && !EVP_CIPHER_CTX_ctrl(c->sw, EVP_CTRL_AEAD_GET_TAG, BLK, tag))
			return 0;
	}
	if (c->enc) {
		memcpy(c->tag, tag, BLK);
		c->taglen = BLK;
	}
	c->gcm_final_done = 1;
	return 1;
}

/* TLS 1.2 record: explicit IV || text || tag, in place. */
static int gcm_tls_record(struct aes_ctx *c, unsigned char *out, size_t *outl,
			  size_t outsize, const unsigned char *in, size_t inl)
{
	size_t len = inl - GCM_TLS_EXPLICIT_IV - BLK;
	unsigned char *stage;
	struct wd_cipher_param p;
	struct wd_msg msg;
	int ok = 0, l, ret = -1;

	c->tls_aad_len = 0;	/* one record per tlsaad */
	if (inl < GCM_TLS_EXPLICIT_IV + BLK || outsize < inl || out != in) {
		ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_INPUT_LENGTH);
		return 0;
	}
	if (c->enc) {
		/* explicit part of the nonce: the invocation counter, then next */
		memcpy(out, c->iv + GCM_TLS_FIXED_IV, GCM_TLS_EXPLICIT_IV);
	} else {
		memcpy(c->iv + GCM_TLS_FIXED_IV, in, GCM_TLS_EXPLICIT_IV);
	}
	in += GCM_TLS_EXPLICIT_IV;
	out += GCM_TLS_EXPLICIT_IV;
	if (wdp_cipher_wanted(c->prov, len) &&
	    (stage = OPENSSL_malloc(GCM_TLS_AAD + len)) != NULL) {
		memcpy(stage, c->tls_aad, GCM_TLS_AAD);
		memcpy(stage + GCM_TLS_AAD, in, len);
		wd_cipher_param_init(&p, WD_CIPHER_GCM, c->enc, c->key, c->keylen,
				     c->iv, c->ivlen, BLK);
		p.aad_len = GCM_TLS_AAD;
		if (!c->enc)
			memcpy(p.tag, in + len, BLK);
		wd_cipher_msg_init(&msg, &p, 0, 0, stage, GCM_TLS_AAD + len, out,
				   c->enc ? len + BLK : len);
		ret = wdp_run(&msg, 0);
		ret = ret ? ret : msg.status;
		OPENSSL_cleanse(p.key, sizeof(p.key));
		OPENSSL_clear_free(stage, GCM_TLS_AAD + len);
		if (!ret || ret == -EBADMSG)
			wdp_count("aes-gcm", 1, GCM_TLS_AAD + len, msg.produced);
		else
			wd_alg_stats_add("aes-gcm", WD_ALG_ERRORS, 1);
		ok = !ret;
	}
	if (ret && ret != -EBADMSG) {
		wdp_count("aes-gcm", 0, 0, 0);
		ok = wdp_aes_sw_start(c, c->iv) &&
		     EVP_CipherUpdate(c->sw, NULL, &l, c->tls_aad, GCM_TLS_AAD) &&
		     EVP_CipherUpdate(c->sw, out, &l, in, (int)len) &&
		     (c->enc || EVP_CIPHER_CTX_ctrl(c->sw, EVP_CTRL_AEAD_SET_TAG,
						    BLK, (void *)(in + len))) &&
		     EVP_CipherFinal_ex(c->sw, out + len, &l) &&
		     (!c->enc || EVP_CIPHER_CTX_ctrl(c->sw, EVP_CTRL_AEAD_GET_TAG,
						     BLK, out + len));
	}
	if (c->enc) {
		/* next record's invocation field: big-endian increment */
		int i;

		for (i = (int)c->ivlen - 1; i >= GCM_TLS_FIXED_IV; i--)
			if (++c->iv[i])
				break;
	}
	if (!ok) {
		OPENSSL_cleanse(out, len);
		return 0;
	}
	*outl = c->enc ? inl : len;
	return 1;
}

/* EVP_Cipher(): update, AAD (out NULL) or final (in NULL). */
int wdp_aes_gcm_cipher(void *vctx, unsigned char *out, size_t *outl,
		       size_t outsize, const unsigned char *in, size_t inl)
{
	struct aes_ctx *c = vctx;

	if (!gcm_ready(c))
		return 0;
	if (c->tls_aad_len)
		return gcm_tls_record(c, out, outl, outsize, in, inl);
	if (!in)
		return wdp_aes_gcm_final(c, out, outl, outsize);
	return wdp_aes_gcm_update(c, out, outl, outsize, in, inl);
}

int wdp_aes_gcm_set_params(struct aes_ctx *c, const OSSL_PARAM params[])
{
	const OSSL_PARAM *p;
	size_t sz;
	void *vp;

	p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TAG);
	if (p) {
		vp = c->tag;
		if (!OSSL_PARAM_get_octet_string(p, &vp, BLK, &sz) || !sz || c->enc) {
			ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_TAG);
			return 0;
		}
		c->taglen = sz;
	}
	p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_IVLEN);
	if (p) {
		if (!OSSL_PARAM_get_size_t(p, &sz) || !sz || sz > WD_CIPHER_IV_MAX) {
			ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_IV_LENGTH);
			return 0;
		}
		c->ivlen = sz;
	}
	p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TLS1_AAD);
	if (p) {
		unsigned int len;

		if (p->data_type != OSSL_PARAM_OCTET_STRING ||
		    p->data_size != GCM_TLS_AAD) {
			ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_AAD);
			return 0;
		}
		memcpy(c->tls_aad, p->data, GCM_TLS_AAD);
		len = (unsigned int)c->tls_aad[GCM_TLS_AAD - 2] << 8 |
		      c->tls_aad[GCM_TLS_AAD - 1];
		/* the record length the MAC covers: without explicit IV and tag */
		if (len < GCM_TLS_EXPLICIT_IV)
			return 0;
		len -= GCM_TLS_EXPLICIT_IV;
		if (!c->enc) {
			if (len < BLK)
				return 0;
			len -= BLK;
		}
		c->tls_aad[GCM_TLS_AAD - 2] = (unsigned char)(len >> 8);
		c->tls_aad[GCM_TLS_AAD - 1] = (unsigned char)len;
		c->tls_aad_len = GCM_TLS_AAD;
	}
	p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED);
	if (p) {
		if (p->data_type != OSSL_PARAM_OCTET_STRING ||
		    (p->data_size != c->ivlen && (p->data_size != GCM_TLS_FIXED_IV ||
						  c->ivlen != 12))) {
			ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_IV_LENGTH);
			return 0;
		}
		memcpy(c->iv, p->data, p->data_size);
		if (p->data_size == GCM_TLS_FIXED_IV && c->enc &&
		    RAND_bytes_ex(c->prov->libctx, c->iv + GCM_TLS_FIXED_IV,
				  c->ivlen - GCM_TLS_FIXED_IV, 0) <= 0)
			return 0;
		c->iv_set = 1;
		c->tls_iv_fixed = 1;
	}
	p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TLS1_SET_IV_INV);
	if (p) {
		if (p->data_type != OSSL_PARAM_OCTET_STRING || c->enc ||
		    p->data_size != c->ivlen - GCM_TLS_FIXED_IV)
			return 0;
		memcpy(c->iv + GCM_TLS_FIXED_IV, p->data, p->data_size);
		c->iv_set = 1;
	}
	return 1;
}

int wdp_aes_gcm_get_params(struct aes_ctx *c, OSSL_PARAM params[])
{
	OSSL_PARAM *p;

	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TAG);
	if (p) {
		if (!c->enc || !c->gcm_final_done || !p->data_size ||
		    p->data_size > BLK ||
		    !OSSL_PARAM_set_octet_string(p, c->tag, p->data_size)) {
			ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_TAG);
			return 0;
		}
	}
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TAGLEN);
	if (p && !OSSL_PARAM_set_size_t(p, c->taglen ? c->taglen : BLK))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TLS1_AAD_PAD);
	if (p && !OSSL_PARAM_set_size_t(p, BLK))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TLS1_GET_IV_GEN);
	if (p && (!c->tls_iv_fixed || p->data_size > c->ivlen ||
		  !OSSL_PARAM_set_octet_string(p, c->iv + c->ivlen - p->data_size,
					       p->data_size)))
		return 0;
	return 1;
}
