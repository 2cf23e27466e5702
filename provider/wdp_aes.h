/* SPDX-License-Identifier: MIT */
/*
 * wdp_aes.h - the provider's AES context and its core (wdp_aes.c: the two
 * routes, software and a libwd stream session). The modes
 * (wdp_aes_modes.h) build on it; the parameters and dispatch tables
 * (wdp_aes_params.c) on both.
 */
#ifndef WDP_AES_H
#define WDP_AES_H

#include "wdp.h"
#include "wd_cipher.h"

#define BLK		16
#define GCM_TLS_AAD	13
#define GCM_TLS_EXPLICIT_IV 8
#define GCM_TLS_FIXED_IV 4

enum route { ROUTE_NONE, ROUTE_SW, ROUTE_WD };

struct aes_ctx {
	struct wdp_ctx *prov;
	int mode;			/* enum wd_cipher_mode */
	size_t keylen;			/* bytes; XTS: both keys */
	size_t ivlen;
	int enc;
	int pad;			/* ECB/CBC: PKCS#7 */
	unsigned char key[WD_CIPHER_KEY_MAX];
	unsigned char iv[WD_CIPHER_IV_MAX];	/* the message's IV */
	unsigned char oiv[BLK];		/* the IV init was given (not GCM) */
	unsigned char next_iv[BLK];	/* CTR: the updated IV, as reported */
	int key_set, iv_set;

	enum route route;
	EVP_CIPHER_CTX *sw;
	struct wd_cipher_sess *sess;	/* ROUTE_WD: the message's stream */
	int wd_started;			/* a request of it was answered */
	unsigned char chain[BLK];	/* CBC: the next IV */
	uint64_t done;			/* CTR: bytes processed */
	unsigned char buf[BLK];		/* ECB/CBC: held back input */
	size_t bufsz;

	/* GCM */
	unsigned char *aad;
	size_t aad_len, aad_cap;
	unsigned char *stage;		/* AAD || text for the first request */
	size_t stage_cap;
	size_t taglen;			/* 0: not set */
	unsigned char tag[WD_CIPHER_TAG_MAX];
	unsigned char tls_aad[GCM_TLS_AAD];
	size_t tls_aad_len;		/* 0: not in TLS record mode */
	int tls_iv_fixed;		/* tlsivfixed given */
	int gcm_final_done;
	int gcm_iv_spent;		/* GCM: the IV ended a message: no more */
	int tls_sw;			/* CBC in libssl's TLS record mode */
	int snap_valid;			/* GCM: snap is the device's latest */
	unsigned char snap[BLK];	/* GCM: the tag of the message so far */
	uint64_t gcm_text;		/* GCM: text bytes of the message so far */
	unsigned char gcm_tail[BLK];	/* its ciphertext after the last whole block */
	/* GCM continued in software after the device failed (wdp_aes_gcm.c) */
	int gcm_resumed;
	EVP_CIPHER_CTX *ctr;		/* the key stream, from the counter */
	unsigned char ghash_h[BLK];	/* GHASH's key, E(K, 0) */
	unsigned char j0[BLK];		/* the pre-counter block */
	uint64_t ghash_fed;		/* bytes sw hashed as AAD since then */
	int sw_keyed;			/* sw holds the current key schedule */
	size_t sw_ivlen;		/* GCM: IV length set on sw */
};

/* wdp_aes.c */
EVP_CIPHER *wdp_aes_sw_cipher(struct aes_ctx *c, int mode);
int wdp_aes_sw_start_dir(struct aes_ctx *c, const unsigned char *iv, int enc);
int wdp_aes_sw_start(struct aes_ctx *c, const unsigned char *iv);
void wdp_aes_wd_stop(struct aes_ctx *c);
const unsigned char *wdp_aes_updated_iv(struct aes_ctx *c);
int wdp_aes_route(struct aes_ctx *c, size_t len);
int wdp_aes_to_sw(struct aes_ctx *c);
int wdp_aes_recover(struct aes_ctx *c);
int wdp_aes_request(struct aes_ctx *c, const unsigned char *src, size_t src_len,
		    size_t aad_len, unsigned char *out, size_t out_len,
		    unsigned char *snap_tag);
int wdp_aes_process(struct aes_ctx *c, const unsigned char *in, size_t len,
		    unsigned char *out);
void wdp_aes_reset(struct aes_ctx *c);
void *wdp_aes_newctx(void *provctx, int mode, size_t keylen);
void wdp_aes_freectx(void *vctx);

#endif /* WDP_AES_H */
