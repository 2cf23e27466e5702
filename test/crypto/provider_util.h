/* SPDX-License-Identifier: MIT */
/*
 * provider_util.h - what the test_provider* programs share: wd.so from
 * the build tree in its own library context (wdctx, fetched with WDQ),
 * keys moved into it, and sign / verify / cipher calls that take either
 * context, so each check runs the same call on wd and on the default
 * provider. Everything goes through OpenSSL's public API.
 */
#ifndef PROVIDER_UTIL_H
#define PROVIDER_UTIL_H

#include <stddef.h>
#include <openssl/evp.h>

extern OSSL_LIB_CTX *wdctx;
#define WDQ	"provider=wd"

/* Where wd.so is: $top_builddir/provider/.libs (.. without it). */
const char *wd_module_dir(void);

/*
 * Load wd.so from dir into wdctx, with a configuration as in
 * provider/examples/openssl.cnf but a cipher threshold low enough that AES
 * takes the queues too. 1 when wd is available.
 */
int load_wd(const char *path);
/* load_wd(path), or print OpenSSL's errors and bail out of the TAP run. */
void load_wd_or_bail(const char *path);

/*
 * Run this program again as "<program> mode" under WD_SOFT_FAULT=fault
 * (read once per process, hence a new one); 1 when it exits 0.
 */
int run_with_fault(const char *mode, const char *fault);

/* A random number below n (0 for 0), from OpenSSL's RAND. */
size_t rnd(size_t n);

/* ------------------------------------------------------------------ */
/* RSA                                                                 */

/* The same key, as a wd key (wdctx); NULL on failure. */
EVP_PKEY *to_wd(EVP_PKEY *pkey);


struct pad {
	const char *name;
	int pad;
	const char *md;
	int saltlen;
};

/* Sign / verify with k in library context lc, properties pq: 1 on success. */
int do_sign(OSSL_LIB_CTX *lc, const char *pq, EVP_PKEY *k, const struct pad *p,
	    const unsigned char *tbs, size_t tbslen, unsigned char *sig,
	    size_t *siglen);
int do_verify(OSSL_LIB_CTX *lc, const char *pq, EVP_PKEY *k, const struct pad *p,
	      const unsigned char *tbs, size_t tbslen,
	      const unsigned char *sig, size_t siglen);

/* ------------------------------------------------------------------ */
/* AES                                                                 */

/*
 * Run a whole message through ctx: split 0 in one update, 1 in random
 * updates, more in updates of split bytes. Bytes out or -1.
 */
int run_cipher(EVP_CIPHER_CTX *ctx, const unsigned char *in, size_t len,
	       unsigned char *out, int split);
/*
 * One message with cipher name from (lc, pq), with AAD and the tag for
 * GCM (written when encrypting, checked when decrypting). Bytes out or -1.
 */
int cipher_once(OSSL_LIB_CTX *lc, const char *pq, const char *name, int enc,
		const unsigned char *key, const unsigned char *iv, size_t ivlen,
		const unsigned char *aad, size_t aadlen, unsigned char *tag,
		const unsigned char *in, size_t len, unsigned char *out, int split);

#endif /* PROVIDER_UTIL_H */
