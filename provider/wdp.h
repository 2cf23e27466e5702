/* SPDX-License-Identifier: MIT */
/*
 * wdp.h - internals of the wd OpenSSL provider (wd.so).
 *
 * The provider routes the expensive core of RSA (the private exponentiation)
 * and AES (the block work) through WarpDrive queues, and leaves everything
 * else - padding, digests, parameter handling, key encoding - to OpenSSL's
 * default provider, reached in a private library context (prov->libctx) that
 * never contains wd itself. Whenever a queue cannot serve a request (no
 * device, a queue error, a request below the threshold), the same default
 * provider does the work, so results never differ from it.
 */
#ifndef WDP_H
#define WDP_H

#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/evp.h>
#include "wd.h"
#include "wd_cipher.h"
#include "wd_rsa.h"

#define WDP_PROPQ_DEFAULT	"provider=default"

/*
 * Defaults of the [wd_sect] knobs (doc/provider.md). cipher_threshold
 * "auto": AES stays in software on the soft device, whose engine thread
 * (AES-NI on the other core, the data crossing caches) was slower than
 * AES-NI in the caller's thread at every size measured, 1 KiB to 1 MiB;
 * a kernel device gets WDP_AUTO_KERNEL_THRESHOLD.
 */
#define WDP_CIPHER_AUTO			((size_t)-1)
#define WDP_AUTO_KERNEL_THRESHOLD	16384
#define WDP_DEF_RSA_MIN_BITS		1024

/* The provider context: one per load of the provider. */
struct wdp_ctx {
	const OSSL_CORE_HANDLE *core;
	OSSL_LIB_CTX *libctx;		/* private: holds only "default" */
	OSSL_PROVIDER *sw_prov;		/* that default provider */
	size_t cipher_threshold;	/* updates below this stay in software */
	unsigned int rsa_min_bits;	/* smaller keys stay in software */
	int offload;			/* 0: everything in software */
	int load_default;		/* load "default" beside wd (default 1) */
	OSSL_FUNC_core_get_libctx_fn *get_libctx;
	OSSL_FUNC_provider_free_fn *core_provider_free;	/* wdp_teardown */
	OSSL_PROVIDER *loaded_default;	/* the default provider wd loaded */
	EVP_SIGNATURE *sw_sig;		/* the default provider's RSA, for */
	EVP_ASYM_CIPHER *sw_asym;	/* its parameter tables */
	EVP_KEYMGMT *sw_kmgmt;
	EVP_CIPHER *sw_aes[5][3];	/* fetched on first use: mode, key size */
};

/* ------------------------------------------------------------------ */
/* libwd sessions, paused in ASYNC jobs (wdp_async.c)                  */

/*
 * Run a request of a libwd session and wait for it. Inside an OpenSSL
 * ASYNC job the job pauses until the answer is in (its wait fd becomes
 * readable then); outside one the thread waits. The sessions are made
 * without libwd's fallback: a negative errno (no queue, device error)
 * tells the caller to do the operation in software.
 */
int wdp_cipher_do(struct wd_cipher_sess *s, struct wd_cipher_req *req);
/* out = in ^ d mod n, in and out len (= bytes(n)) long: 0 or -errno */
int wdp_rsa_do(struct wd_rsa_sess *s, const unsigned char *in, unsigned char *out,
	       size_t len);
/* a bits-bit key generated on a queue: 0 or -errno */
int wdp_rsa_keygen(struct wd_rsa_key *key, unsigned int bits, uint64_t e);

/* ------------------------------------------------------------------ */
/* RSA keys (wdp_rsa_key.c)                                            */

struct wdp_rsa_key {
	struct wdp_ctx *prov;
	int pss;			/* an RSA-PSS key */
	EVP_PKEY *pkey;			/* in prov->libctx, or NULL (empty) */
	pthread_mutex_t lock;		/* guards the lazily formatted form */
	int wd_state;			/* 0 not yet, 1 wd_key valid, -1 not possible */
	struct wd_rsa_key wd_key;	/* private CRT form for the device */
	struct wd_rsa_sess *sess;	/* its libwd session */
};

struct wdp_rsa_key *wdp_rsa_key_new(struct wdp_ctx *prov, int pss);
void wdp_rsa_key_free(struct wdp_rsa_key *key);

/*
 * wdp_rsa_private_raw - out = in ^ d mod n on a queue, in and out exactly
 * key_bytes long. Returns 0, or -errno when the device could not do it
 * (key too small, not two primes, no queue, device error): the caller then
 * does the whole operation in software. Counts under alg.
 */
int wdp_rsa_private_raw(struct wdp_rsa_key *key, const char *alg,
			const unsigned char *in, unsigned char *out);
size_t wdp_rsa_key_bytes(const struct wdp_rsa_key *key);

/* Dispatch tables. */
extern const OSSL_DISPATCH wdp_rsa_keymgmt_functions[];
extern const OSSL_DISPATCH wdp_rsapss_keymgmt_functions[];
extern const OSSL_DISPATCH wdp_rsa_signature_functions[];
extern const OSSL_DISPATCH wdp_rsa_asym_cipher_functions[];
extern const OSSL_ALGORITHM wdp_ciphers[];

/* Are AES algorithms offered, should a piece of len bytes go to a queue? */
int wdp_cipher_offered(struct wdp_ctx *prov);
int wdp_cipher_wanted(struct wdp_ctx *prov, size_t len);

/* Counting helpers: one operation offloaded or done in software. */
void wdp_count(const char *alg, int offloaded, uint64_t in, uint64_t out);
void wdp_count_flush(void);	/* this thread's batched software counts */

#endif /* WDP_H */
