// SPDX-License-Identifier: MIT
/*
 * wd_crypto_ossl.c - the private OpenSSL library context of the soft
 * engine's crypto operations.
 */
#include <pthread.h>
#include <openssl/crypto.h>
#include <openssl/provider.h>
#include "wd_crypto_internal.h"

static pthread_once_t libctx_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *libctx;

static void libctx_create(void)
{
	OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();

	if (!ctx)
		return;
	/*
	 * A new library context reads no configuration file: only the
	 * provider loaded here exists in it, whatever openssl.cnf activates
	 * in the application's default context (possibly the wd provider).
	 */
	if (!OSSL_PROVIDER_load(ctx, "default")) {
		OSSL_LIB_CTX_free(ctx);
		return;
	}
	libctx = ctx;
}

OSSL_LIB_CTX *wd_crypto_libctx(void)
{
	pthread_once(&libctx_once, libctx_create);
	return libctx;
}
