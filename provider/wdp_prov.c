// SPDX-License-Identifier: MIT
/*
 * wdp_prov.c - entry point of the wd OpenSSL provider: configuration,
 * the algorithm tables, and the private library context it delegates to.
 *
 * openssl.cnf knobs, in the provider's section ([wd_sect], see
 * provider/examples/openssl.cnf and doc/provider.md):
 *   cipher_threshold  AES updates shorter than this many bytes stay in
 *                     software; "auto" (default): see WDP_CIPHER_AUTO
 *   rsa_min_bits      smaller RSA keys stay in software (default 1024)
 *   offload           0 turns every offload off (counters still count)
 *   load_default      0: do not load the default provider beside wd
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include "wdp.h"
#include "wd_config.h"

#define WDP_RSA_NAMES		"RSA:rsaEncryption:1.2.840.113549.1.1.1"
#define WDP_RSAPSS_NAMES	"RSA-PSS:RSASSA-PSS:1.2.840.113549.1.1.10"
#define WDP_PROPS		"provider=wd"

static const OSSL_ALGORITHM wdp_keymgmt[] = {
	{ WDP_RSA_NAMES, WDP_PROPS, wdp_rsa_keymgmt_functions, "wd RSA" },
	{ WDP_RSAPSS_NAMES, WDP_PROPS, wdp_rsapss_keymgmt_functions, "wd RSA-PSS" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM wdp_signature[] = {
	{ WDP_RSA_NAMES, WDP_PROPS, wdp_rsa_signature_functions, "wd RSA" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM wdp_asym_cipher[] = {
	{ WDP_RSA_NAMES, WDP_PROPS, wdp_rsa_asym_cipher_functions, "wd RSA" },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_PARAM wdp_param_types[] = {
	OSSL_PARAM_DEFN(OSSL_PROV_PARAM_NAME, OSSL_PARAM_UTF8_PTR, NULL, 0),
	OSSL_PARAM_DEFN(OSSL_PROV_PARAM_VERSION, OSSL_PARAM_UTF8_PTR, NULL, 0),
	OSSL_PARAM_DEFN(OSSL_PROV_PARAM_BUILDINFO, OSSL_PARAM_UTF8_PTR, NULL, 0),
	OSSL_PARAM_DEFN(OSSL_PROV_PARAM_STATUS, OSSL_PARAM_INTEGER, NULL, 0),
	OSSL_PARAM_END
};

/*
 * Software operations are counted in batches per thread: a small AES
 * record costs about a microsecond, and a counter update (a name lookup)
 * would be a visible part of it. Names are the string literals of this
 * provider, so the batch compares pointers.
 */
#define COUNT_BATCH	64
#define COUNT_SLOTS	8

static __thread struct {
	const char *alg;
	unsigned int n;
} sw_batch[COUNT_SLOTS];

void wdp_count_flush(void)
{
	int i;

	for (i = 0; i < COUNT_SLOTS; i++) {
		if (sw_batch[i].n)
			wd_alg_stats_add(sw_batch[i].alg, WD_ALG_FALLBACK, sw_batch[i].n);
		sw_batch[i].n = 0;
	}
}

void wdp_count(const char *alg, int offloaded, uint64_t in, uint64_t out)
{
	int i;

	if (offloaded) {
		wd_alg_stats_add(alg, WD_ALG_OFFLOADED, 1);
		wd_alg_stats_add(alg, WD_ALG_BYTES_IN, in);
		wd_alg_stats_add(alg, WD_ALG_BYTES_OUT, out);
		return;
	}
	for (i = 0; i < COUNT_SLOTS; i++) {
		if (sw_batch[i].alg != alg && sw_batch[i].n)
			continue;
		sw_batch[i].alg = alg;
		if (++sw_batch[i].n >= COUNT_BATCH) {
			wd_alg_stats_add(alg, WD_ALG_FALLBACK, sw_batch[i].n);
			sw_batch[i].n = 0;
		}
		return;
	}
	wd_alg_stats_add(alg, WD_ALG_FALLBACK, 1);
}

/* Does this process reach a kernel device that serves AES? Asked once. */
static int kernel_aes_device(void)
{
	static int answer = -1;
	struct wd_dev_info devs[8];
	int i, n, found = 0;

	if (__atomic_load_n(&answer, __ATOMIC_ACQUIRE) >= 0)
		return answer;
	n = wd_list_devices(devs, 8);
	for (i = 0; i < n && i < 8; i++)
		if (devs[i].is_kernel && strstr(devs[i].algorithms, "aes-"))
			found = 1;
	if (found && !strcmp(wd_config_str(WD_CFG_DEVICE), "soft"))
		found = 0;
	__atomic_store_n(&answer, found, __ATOMIC_RELEASE);
	return found;
}

int wdp_cipher_offered(struct wdp_ctx *prov)
{
	if (!prov->offload)
		return 0;
	return prov->cipher_threshold != WDP_CIPHER_AUTO || kernel_aes_device();
}

int wdp_cipher_wanted(struct wdp_ctx *prov, size_t len)
{
	if (!prov->offload || !len)
		return 0;
	if (prov->cipher_threshold != WDP_CIPHER_AUTO)
		return len >= prov->cipher_threshold;
	return len >= WDP_AUTO_KERNEL_THRESHOLD && kernel_aes_device();
}

static const OSSL_PARAM *wdp_gettable_params(void *provctx)
{
	(void)provctx;
	return wdp_param_types;
}

static int wdp_get_params(void *provctx, OSSL_PARAM params[])
{
	OSSL_PARAM *p;

	(void)provctx;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
	if (p && !OSSL_PARAM_set_utf8_ptr(p, "WarpDrive accelerator provider"))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
	if (p && !OSSL_PARAM_set_utf8_ptr(p, PACKAGE_VERSION))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO);
	if (p && !OSSL_PARAM_set_utf8_ptr(p, PACKAGE_STRING))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
	if (p && !OSSL_PARAM_set_int(p, 1))
		return 0;
	return 1;
}

static const OSSL_ALGORITHM *wdp_query(void *provctx, int operation_id,
				       int *no_cache)
{
	*no_cache = 0;
	switch (operation_id) {
	case OSSL_OP_KEYMGMT:
		return wdp_keymgmt;
	case OSSL_OP_SIGNATURE:
		return wdp_signature;
	case OSSL_OP_ASYM_CIPHER:
		return wdp_asym_cipher;
	case OSSL_OP_CIPHER:
		/*
		 * AES is offered only where a queue can take some of it: with
		 * "auto" on the soft device every AES would stay in software,
		 * and the layer in between would only cost time (about a
		 * microsecond per message), so the default provider's AES is
		 * used directly.
		 */
		return wdp_cipher_offered(provctx) ? wdp_ciphers : NULL;
	}
	return NULL;
}

static void wdp_teardown(void *provctx)
{
	struct wdp_ctx *ctx = provctx;
	int i, j;

	wdp_count_flush();
	for (i = 0; i < 5; i++)
		for (j = 0; j < 3; j++)
			EVP_CIPHER_free(ctx->sw_aes[i][j]);
	if (ctx->loaded_default && !OSSL_PROVIDER_unload(ctx->loaded_default) &&
	    ctx->core_provider_free) {
		/*
		 * OpenSSL 3.0 runs this teardown only when wd's last reference
		 * goes, which (wd being in the application's provider store) is
		 * when that store is emptied at exit: the store deactivates and
		 * releases its providers in name order, "default" before "wd".
		 * Our unload of "default" then finds it deactivated already and
		 * returns 0 without dropping our reference, and "default" (its
		 * OSSL_PROVIDER, locks and provider context, ~520 bytes) leaked
		 * (LeakSanitizer, valgrind: openssl ... -provider wd). The core's
		 * provider_free upcall drops just the reference; an OSSL_PROVIDER
		 * is its own core handle in libcrypto, as the library context is
		 * in wdp_load_default.
		 */
		ctx->core_provider_free((const OSSL_CORE_HANDLE *)ctx->loaded_default, 0);
	}
	EVP_SIGNATURE_free(ctx->sw_sig);
	EVP_ASYM_CIPHER_free(ctx->sw_asym);
	EVP_KEYMGMT_free(ctx->sw_kmgmt);
	/* our reference first: freeing the context does not drop it */
	if (ctx->sw_prov)
		OSSL_PROVIDER_unload(ctx->sw_prov);
	OSSL_LIB_CTX_free(ctx->libctx);
	free(ctx);
}

static const OSSL_DISPATCH wdp_dispatch[] = {
	{ OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))wdp_teardown },
	{ OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, (void (*)(void))wdp_gettable_params },
	{ OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))wdp_get_params },
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))wdp_query },
	{ 0, NULL }
};

/* Read the [wd_sect] knobs through the core. */
static void wdp_configure(struct wdp_ctx *ctx, const OSSL_DISPATCH *in)
{
	OSSL_FUNC_core_get_params_fn *get_params = NULL;
	char *thr = NULL, *bits = NULL, *off = NULL, *def = NULL;
	OSSL_PARAM p[] = {
		OSSL_PARAM_utf8_ptr("cipher_threshold", &thr, 0),
		OSSL_PARAM_utf8_ptr("rsa_min_bits", &bits, 0),
		OSSL_PARAM_utf8_ptr("offload", &off, 0),
		OSSL_PARAM_utf8_ptr("load_default", &def, 0),
		OSSL_PARAM_END
	};

	ctx->cipher_threshold = WDP_CIPHER_AUTO;
	ctx->rsa_min_bits = WDP_DEF_RSA_MIN_BITS;
	ctx->offload = 1;
	ctx->load_default = 1;
	for (; in->function_id; in++) {
		if (in->function_id == OSSL_FUNC_CORE_GET_PARAMS)
			get_params = OSSL_FUNC_core_get_params(in);
		if (in->function_id == OSSL_FUNC_CORE_GET_LIBCTX)
			ctx->get_libctx = OSSL_FUNC_core_get_libctx(in);
		if (in->function_id == OSSL_FUNC_PROVIDER_FREE)
			ctx->core_provider_free = OSSL_FUNC_provider_free(in);
	}
	if (!get_params || !get_params(ctx->core, p))
		return;
	if (thr && strcmp(thr, "auto"))
		ctx->cipher_threshold = strtoul(thr, NULL, 0);
	if (bits)
		ctx->rsa_min_bits = (unsigned int)strtoul(bits, NULL, 0);
	if (off)
		ctx->offload = atoi(off) != 0;
	if (def)
		ctx->load_default = atoi(def) != 0;
}

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
		       const OSSL_DISPATCH **out, void **provctx);

/*
 * Load the default provider beside wd, unless the application already did.
 * Loaded now, it would come before wd in the library context and win every
 * fetch that names no provider (openssl speed, EVP_PKEY_CTX_new...), though
 * the application asked for wd first: so wd is also made the preference
 * ("?provider=wd", what provider/examples/openssl.cnf sets).
 */
static void wdp_load_default(struct wdp_ctx *ctx, OSSL_LIB_CTX *lc)
{
	if (OSSL_PROVIDER_available(lc, "default"))
		return;
	/* our reference is given back in wdp_teardown */
	ctx->loaded_default = OSSL_PROVIDER_try_load(lc, "default", 1);
	if (ctx->loaded_default)
		EVP_set_default_properties(lc, "?provider=wd");
}

__attribute__((visibility("default")))
int OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
		       const OSSL_DISPATCH **out, void **provctx)
{
	struct wdp_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return 0;
	ctx->core = handle;
	wdp_configure(ctx, in);
	/*
	 * A new library context reads no openssl.cnf, so it holds only the
	 * default provider: delegating there can never come back to us.
	 */
	ctx->libctx = OSSL_LIB_CTX_new();
	ctx->sw_prov = ctx->libctx ? OSSL_PROVIDER_load(ctx->libctx, "default") : NULL;
	if (!ctx->sw_prov)
		goto err;
	ctx->sw_sig = EVP_SIGNATURE_fetch(ctx->libctx, "RSA", WDP_PROPQ_DEFAULT);
	ctx->sw_asym = EVP_ASYM_CIPHER_fetch(ctx->libctx, "RSA", WDP_PROPQ_DEFAULT);
	ctx->sw_kmgmt = EVP_KEYMGMT_fetch(ctx->libctx, "RSA", WDP_PROPQ_DEFAULT);
	if (!ctx->sw_sig || !ctx->sw_asym || !ctx->sw_kmgmt)
		goto err;
	/*
	 * wd implements RSA and AES only: make "-provider wd" on its own work
	 * by having the default provider (RAND, digests, decoders, encoders...)
	 * beside it in the library context that loads wd. With
	 * "-provider wd -provider default" this is the same provider, loaded
	 * once. The core hands providers their library context as an opaque
	 * pointer; wd links the same libcrypto, so it is that OSSL_LIB_CTX.
	 */
	if (ctx->get_libctx && ctx->load_default)
		wdp_load_default(ctx, (OSSL_LIB_CTX *)ctx->get_libctx(handle));
	*out = wdp_dispatch;
	*provctx = ctx;
	return 1;
err:
	wdp_teardown(ctx);
	return 0;
}
