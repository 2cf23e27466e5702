// SPDX-License-Identifier: MIT
/*
 * wdp_aes.c - AES-128/192/256 in ECB, CBC, CTR, XTS and GCM.
 *
 * A message (init .. final) takes one route, chosen at its first piece of
 * work: pieces of at least cipher_threshold bytes go to a queue, in a
 * libwd stream session (wd_cipher_sess) whose device session keeps the
 * chaining state; a smaller first piece, or no queue, keeps the whole
 * message in a default-provider EVP_CIPHER_CTX ("sw"). If a queue fails mid-message, the message
 * continues in software from the state tracked here: CBC's last ciphertext
 * block, CTR's byte count, GCM's latest tag snapshot (wdp_aes_gcm.c derives
 * the GHASH state from it).
 *
 * This file is the core of the AES files: the two routes and the context.
 * Above it, the modes (wdp_aes_block.c: PKCS#7 padding and partial blocks
 * for ECB/CBC; wdp_aes_gcm.c: GCM's AAD, tag and TLS 1.2 record mode), and
 * above those the parameters and dispatch tables (wdp_aes_params.c).
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

static const char *alg_name(int mode)
{
	return wd_cipher_alg_name(mode);
}

/* ------------------------------------------------------------------ */
/* the two routes                                                      */

static const char *const sw_names[WD_CIPHER_MODE_MAX] = {
	"ECB", "CBC", "CTR", "XTS", "GCM"
};

/*
 * The default provider's cipher of mode for this context's key size,
 * fetched once (GCM also takes CTR, when it continues in software).
 */
EVP_CIPHER *wdp_aes_sw_cipher(struct aes_ctx *c, int mode)
{
	size_t k = (c->mode == WD_CIPHER_XTS ? c->keylen / 2 : c->keylen) / 8 - 2;
	EVP_CIPHER **slot = &c->prov->sw_aes[mode][k], *ciph, *expected = NULL;
	char name[32];

	ciph = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (ciph)
		return ciph;
	snprintf(name, sizeof(name), "AES-%zu-%s", (k + 2) * 64, sw_names[mode]);
	ciph = EVP_CIPHER_fetch(c->prov->libctx, name, WDP_PROPQ_DEFAULT);
	if (ciph && !__atomic_compare_exchange_n(slot, &expected, ciph, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		EVP_CIPHER_free(ciph);	/* another thread won */
		ciph = expected;
	}
	return ciph;
}

/*
 * Key and IV the software context should start a message from, in
 * direction enc (GCM hashes with an encrypting context even when the
 * message is a decryption: its key schedule is the same).
 */
int wdp_aes_sw_start_dir(struct aes_ctx *c, const unsigned char *iv, int enc)
{
	EVP_CIPHER *ciph = wdp_aes_sw_cipher(c, c->mode);

	if (!ciph)
		return 0;
	if (!c->sw) {
		c->sw = EVP_CIPHER_CTX_new();
		if (!c->sw || !EVP_CipherInit_ex2(c->sw, ciph, NULL, NULL, enc, NULL))
			return 0;
		EVP_CIPHER_CTX_set_padding(c->sw, 0);
	}
	if (c->mode == WD_CIPHER_GCM && c->sw_ivlen != c->ivlen) {
		size_t ivlen = c->ivlen;
		OSSL_PARAM p[] = {
			OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivlen),
			OSSL_PARAM_END
		};

		if (!EVP_CIPHER_CTX_set_params(c->sw, p))
			return 0;
		c->sw_ivlen = c->ivlen;
	}
	/* a new IV on the same key (a TLS record...) keeps the key schedule */
	if (!EVP_CipherInit_ex2(c->sw, NULL, c->sw_keyed ? NULL : c->key,
				c->ivlen ? iv : NULL, enc, NULL))
		return 0;
	c->sw_keyed = 1;
	return 1;
}

int wdp_aes_sw_start(struct aes_ctx *c, const unsigned char *iv)
{
	return wdp_aes_sw_start_dir(c, iv, c->enc);
}

void wdp_aes_wd_stop(struct aes_ctx *c)
{
	wd_cipher_sess_free(c->sess);
	c->sess = NULL;
	c->wd_started = 0;
}

/* Choose the message's route for a first piece of len bytes. */
int wdp_aes_route(struct aes_ctx *c, size_t len)
{
	/* a stream session: its queue keeps the chaining state (libwd falls back: not this provider) */
	if (wdp_cipher_wanted(c->prov, len) &&
	    (c->sess = wd_cipher_sess_new(c->mode, c->enc, c->key, c->keylen,
					  WD_CIPHER_SESS_STREAM |
					  WD_CIPHER_SESS_NO_FALLBACK)) != NULL) {
		c->route = ROUTE_WD;
		return 1;
	}
	c->route = ROUTE_SW;
	if (!wdp_aes_sw_start(c, c->iv))
		return 0;
	/* GCM: the AAD buffered so far goes first */
	if (c->mode == WD_CIPHER_GCM && c->aad_len) {
		int outl;

		if (!EVP_CipherUpdate(c->sw, NULL, &outl, c->aad, (int)c->aad_len))
			return 0;
	}
	return 1;
}

/* 128-bit big-endian counter += n */
static void ctr_add(unsigned char *ctr, uint64_t n)
{
	int i;

	for (i = BLK - 1; i >= 0 && n; i--) {
		n += ctr[i];
		ctr[i] = (unsigned char)n;
		n >>= 8;
	}
}

/*
 * The IV after the work so far, as the default provider reports it
 * (OSSL_CIPHER_PARAM_UPDATED_IV): CBC's last ciphertext block; CTR's next
 * counter block, a partly used block counting as used (OpenSSL's
 * CRYPTO_ctr128_encrypt steps the counter when it starts a block); ECB,
 * XTS and GCM keep theirs. The same whichever route the message took.
 */
const unsigned char *wdp_aes_updated_iv(struct aes_ctx *c)
{
	switch (c->mode) {
	case WD_CIPHER_CBC:
		return c->chain;
	case WD_CIPHER_CTR:
		memcpy(c->next_iv, c->iv, BLK);
		ctr_add(c->next_iv, (c->done + BLK - 1) / BLK);
		return c->next_iv;
	}
	return c->iv;
}

/* Continue the message in software from where the device left it. */
int wdp_aes_to_sw(struct aes_ctx *c)
{
	unsigned char iv[BLK], skip[BLK];
	int outl;

	wdp_aes_wd_stop(c);
	c->route = ROUTE_SW;
	switch (c->mode) {
	case WD_CIPHER_ECB:
		return wdp_aes_sw_start(c, NULL);
	case WD_CIPHER_CBC:
		return wdp_aes_sw_start(c, c->chain);
	case WD_CIPHER_CTR:
		memcpy(iv, c->iv, BLK);
		ctr_add(iv, c->done / BLK);
		if (!wdp_aes_sw_start(c, iv))
			return 0;
		/* position inside the key stream block */
		return EVP_CipherUpdate(c->sw, skip, &outl, skip, (int)(c->done % BLK));
	}
	return 0;	/* XTS has no message state; GCM: wdp_aes_gcm_to_sw */
}

/* The device failed mid-message (libwd counted the error). */
int wdp_aes_recover(struct aes_ctx *c)
{
	return wdp_aes_to_sw(c);
}

/*
 * One request of the message's session; 0 or -errno. snap_tag: GCM, the
 * device writes the tag of the message so far there. libwd counts it.
 */
int wdp_aes_request(struct aes_ctx *c, const unsigned char *src, size_t src_len,
		    size_t aad_len, unsigned char *out, size_t out_len,
		    unsigned char *snap_tag)
{
	struct wd_cipher_req req = {
		.iv = c->iv, .iv_len = c->ivlen,
		.src = src, .src_len = src_len, .aad_len = aad_len,
		.dst = out, .dst_len = out_len,
		.flags = snap_tag ? WD_CIPHER_REQ_SNAPSHOT : 0,
	};
	int ret;

	ret = wdp_cipher_do(c->sess, &req);
	if (ret && ret != -EBADMSG)
		return ret;
	if (snap_tag)
		memcpy(snap_tag, req.tag, BLK);
	OPENSSL_cleanse(req.tag, sizeof(req.tag));
	c->wd_started = 1;
	return ret;
}

/*
 * Process len bytes (a block multiple for ECB/CBC) on the message's route.
 * Returns 1 or 0 (error on the stack).
 */
int wdp_aes_process(struct aes_ctx *c, const unsigned char *in, size_t len,
		       unsigned char *out)
{
	unsigned char last_in[BLK];
	int outl;

	if (!len)
		return 1;
	if (c->route == ROUTE_NONE && !wdp_aes_route(c, len))
		return 0;
	/*
	 * CBC chains from the last ciphertext block on both routes (the next
	 * request, a fallback, the updated IV): decrypting in place
	 * overwrites it.
	 */
	if (c->mode == WD_CIPHER_CBC && !c->enc)
		memcpy(last_in, in + len - BLK, BLK);
	if (c->route == ROUTE_WD && wdp_aes_request(c, in, len, 0, out, len, NULL) &&
	    !wdp_aes_recover(c)) {
		ERR_raise(ERR_LIB_PROV, PROV_R_CIPHER_OPERATION_FAILED);
		return 0;
	}
	if (c->route == ROUTE_SW) {
		wdp_count(alg_name(c->mode), 0, 0, 0);
		if (!EVP_CipherUpdate(c->sw, out, &outl, in, (int)len))
			return 0;
	}
	if (c->mode == WD_CIPHER_CBC)
		memcpy(c->chain, c->enc ? out + len - BLK : last_in, BLK);
	c->done += len;
	return 1;
}

/* ------------------------------------------------------------------ */
/* context life                                                        */

void wdp_aes_reset(struct aes_ctx *c)
{
	wdp_aes_wd_stop(c);
	c->route = ROUTE_NONE;
	c->bufsz = 0;
	c->done = 0;
	c->aad_len = 0;
	c->gcm_final_done = 0;
	c->snap_valid = 0;
	c->gcm_text = 0;
	c->gcm_resumed = 0;
	if (c->mode == WD_CIPHER_CBC)
		memcpy(c->chain, c->iv, BLK);
}

void *wdp_aes_newctx(void *provctx, int mode, size_t keylen)
{
	struct aes_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->prov = provctx;
	c->mode = mode;
	c->keylen = keylen;
	c->ivlen = mode == WD_CIPHER_ECB ? 0 : mode == WD_CIPHER_GCM ? 12 : BLK;
	c->pad = 1;
	return c;
}

void wdp_aes_freectx(void *vctx)
{
	struct aes_ctx *c = vctx;

	if (!c)
		return;
	wdp_aes_wd_stop(c);
	EVP_CIPHER_CTX_free(c->sw);
	EVP_CIPHER_CTX_free(c->ctr);
	OPENSSL_clear_free(c->aad, c->aad_cap);
	OPENSSL_clear_free(c->stage, c->stage_cap);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}
