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
/* Queues (wdp_queue.c)                                                */

/*
 * wdp_run - run msg on a queue of this process and wait for it. Inside an
 * OpenSSL ASYNC job the job pauses until a completion thread has seen the
 * answer (its wait fd becomes readable then): RSA is handed to a reaper,
 * AES is sent on a borrowed queue whose answer the waiter watches.
 * Outside a job, the calling thread borrows a queue and waits itself.
 * rsa_key: a formatted RSA key, to use the queue's key cache session.
 * Returns 0 with msg->status filled, or a negative errno when no queue
 * could take it (the caller falls back to software).
 */
int wdp_run(struct wd_msg *msg, int rsa_cache);

/*
 * A queue lent to one stream (AES sessions keep their state in the
 * device) of algorithm alg ("aes-gcm"...). wdp_lease_get returns -ENODEV
 * when none can be opened.
 */
struct wdp_lease {
	struct wd_queue *q;
	uint32_t ctx_id;
	unsigned int gen;		/* fork generation when taken */
	void *slot;			/* pool internal */
};
int wdp_lease_get(struct wdp_lease *l, const char *alg);
/*
 * Send msg on the leased queue and wait: 0 with msg->status, or -errno.
 * Inside an ASYNC job the job pauses while the waiter watches the queue.
 */
int wdp_lease_run(struct wdp_lease *l, struct wd_msg *msg);
void wdp_lease_put(struct wdp_lease *l);

/* ------------------------------------------------------------------ */
/* RSA keys (wdp_rsa_key.c)                                            */

struct wdp_rsa_key {
	struct wdp_ctx *prov;
	int pss;			/* an RSA-PSS key */
	EVP_PKEY *pkey;			/* in prov->libctx, or NULL (empty) */
	pthread_mutex_t lock;		/* guards the lazily formatted form */
	int wd_state;			/* 0 not yet, 1 wd_key valid, -1 not possible */
	struct wd_rsa_key wd_key;	/* private CRT form for the device */
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
