/* SPDX-License-Identifier: MIT */
/*
 * wd_crypto_internal.h - what the crypto layers share with the soft
 * device's cipher and RSA operations (inside libwd only).
 */
#ifndef WD_CRYPTO_INTERNAL_H
#define WD_CRYPTO_INTERNAL_H

#include <openssl/types.h>
#include "wd_cipher.h"
#include "wd_rsa.h"

/* The property every fetch of the soft engine uses. */
#define WD_CRYPTO_PROPQ	"provider=default"

/*
 * wd_crypto_libctx - a private OpenSSL library context holding only the
 * default provider. The soft engine computes with it, so that it never sees
 * the process's configuration and can never recurse into the wd provider.
 * Created on first use, lives as long as the process. NULL if OpenSSL
 * could not set it up.
 */
OSSL_LIB_CTX *wd_crypto_libctx(void);

/* Block checks shared by the layer and the soft device: 0 or -EINVAL. */
int wd_cipher_param_check(const struct wd_cipher_param *p);
int wd_rsa_param_check(const struct wd_rsa_param *p, size_t param_len);

/*
 * Count one answered cipher request under alg: errors, or offloaded with
 * its bytes (a GCM tag mismatch is an answer). Returns ret.
 */
int wd_cipher_count(const char *alg, const struct wd_msg *msg, int ret);

/*
 * Count one RSA request under alg: fell_back (WD_SCHED_FELL_BACK_*, or 0
 * when the device answered), errors, or offloaded with its bytes.
 */
void wd_rsa_count(const char *alg, int ret, int fell_back, const struct wd_msg *msg);

/* Bytes of the components that follow a checked header. */
size_t wd_rsa_param_comp_len(const struct wd_rsa_param *p);

/*
 * RSA arithmetic of the device format (rsa_ossl.c), for the soft device and
 * the sessions' fallback alike:
 *  - wd_rsa_ossl_check: k = bytes(n) for a request of src_len into dst_len
 *    bytes, or -EINVAL / -ENOSPC as the device answers;
 *  - wd_rsa_ossl_pkey: the key of a checked block (comp: its components),
 *    NULL if OpenSSL refuses it or n is outside the device's sizes;
 *  - wd_rsa_ossl_raw: dst = src ^ (d or e) mod n, k bytes; *op_ctx is set
 *    up on first use (a caller may keep it with the key). 0 or -errno.
 */
extern const char *const wd_rsa_ossl_names[WD_RSA_NR_COMP];
long wd_rsa_ossl_check(const struct wd_rsa_param *p, const uint8_t *comp,
		       size_t src_len, size_t dst_len);
EVP_PKEY *wd_rsa_ossl_pkey(const struct wd_rsa_param *p, const uint8_t *comp);
int wd_rsa_ossl_raw(EVP_PKEY_CTX **op_ctx, EVP_PKEY *pkey, int private,
		    const uint8_t *src, size_t src_len, size_t k, uint8_t *dst);

/*
 * Software fallbacks of the sessions (crypto_sw.c): compute a stateless
 * request in the caller, setting msg->status, produced and consumed as
 * the device would. Return 0, or -EOPNOTSUPP (RSA key generation).
 */
int wd_cipher_sw(struct wd_msg *msg);
int wd_rsa_sw(struct wd_msg *msg);

#endif /* WD_CRYPTO_INTERNAL_H */
