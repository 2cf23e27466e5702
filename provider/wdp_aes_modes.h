/* SPDX-License-Identifier: MIT */
/*
 * wdp_aes_modes.h - the modes' entry points, for the dispatch tables
 * (wdp_aes_params.c): ECB, CBC, CTR and XTS in wdp_aes_block.c, GCM in
 * wdp_aes_gcm.c. Both build on the core (wdp_aes.h) only.
 */
#ifndef WDP_AES_MODES_H
#define WDP_AES_MODES_H

#include "wdp_aes.h"

/* wdp_aes_block.c: ECB, CBC, CTR, XTS */
int wdp_aes_block_update(void *vctx, unsigned char *out, size_t *outl,
			 size_t outsize, const unsigned char *in, size_t inl);
int wdp_aes_block_final(void *vctx, unsigned char *out, size_t *outl,
			size_t outsize);
int wdp_aes_block_cipher(void *vctx, unsigned char *out, size_t *outl,
			 size_t outsize, const unsigned char *in, size_t inl);

/* wdp_aes_gcm.c */
int wdp_aes_gcm_update(void *vctx, unsigned char *out, size_t *outl,
		       size_t outsize, const unsigned char *in, size_t inl);
int wdp_aes_gcm_final(void *vctx, unsigned char *out, size_t *outl,
		      size_t outsize);
int wdp_aes_gcm_cipher(void *vctx, unsigned char *out, size_t *outl,
		       size_t outsize, const unsigned char *in, size_t inl);
int wdp_aes_gcm_to_sw(struct aes_ctx *c);
int wdp_aes_gcm_set_params(struct aes_ctx *c, const OSSL_PARAM params[]);
int wdp_aes_gcm_get_params(struct aes_ctx *c, OSSL_PARAM params[]);

#endif /* WDP_AES_MODES_H */
