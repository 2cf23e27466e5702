// SPDX-License-Identifier: MIT
/*
 * test_provider_harden - the wd provider under injected device faults and
 * under memory limits, against OpenSSL's default provider.
 *
 * Faults (WD_SOFT_FAULT, one child each, the provider loaded from the
 * build tree inside the child so that the fault applies): RSA-2048 PKCS#1
 * signatures equal the default provider's, OAEP decryption of the default
 * provider's ciphertext gives the message back, AES-256-CBC and
 * AES-128-GCM over 1 MiB in updates give the default provider's bytes and
 * tag; the counters say software did the work (fallback or errors > 0),
 * except under "slow", where the device does it. DESIGN.md invariant 3.
 *
 * Memory (RLIMIT_AS): with every byte malloc can give taken, each
 * operation fails with an error (return <= 0 and an error on the stack, or
 * NULL) and nothing crashes; once memory is back they work and agree with
 * the default provider again.
 */
#include "config.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include "harden.h"

#define TEXT_LEN	(1u << 20)
#define WDQ		"provider=wd"

static EVP_PKEY *key_def;
static uint8_t *text, *c_def, *c_wd;
static OSSL_LIB_CTX *wdctx;
static char cnf[64];

static int write_config(void)
{
	static const char body[] =
		"openssl_conf = init\n[init]\nproviders = prov\n"
		"[prov]\nwd = wd_sect\ndefault = def_sect\n"
		"[wd_sect]\nactivate = 1\ncipher_threshold = 4096\n"
		"[def_sect]\nactivate = 1\n";
	int fd;

	snprintf(cnf, sizeof(cnf), "/tmp/wd-harden-XXXXXX");
	fd = mkstemp(cnf);
	if (fd < 0)
		return 0;
	if (write(fd, body, sizeof(body) - 1) != (ssize_t)sizeof(body) - 1) {
		close(fd);
		return 0;
	}
	close(fd);
	return 1;
}

/* The wd provider from the build tree in its own library context. */
static int load_wd(void)
{
	const char *top = getenv("top_builddir");
	char path[4096];

	snprintf(path, sizeof(path), "%s/provider/.libs", top ? top : "..");
	wdctx = OSSL_LIB_CTX_new();
	return wdctx && OSSL_PROVIDER_set_default_search_path(wdctx, path) &&
	       OSSL_LIB_CTX_load_config(wdctx, cnf) && OSSL_PROVIDER_available(wdctx, "wd");
}

static EVP_PKEY *to_wd(EVP_PKEY *pkey)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc;
	EVP_PKEY *out = NULL;

	if (EVP_PKEY_todata(pkey, EVP_PKEY_KEYPAIR, &params) <= 0)
		return NULL;
	pc = EVP_PKEY_CTX_new_from_name(wdctx, "RSA", WDQ);
	if (pc && EVP_PKEY_fromdata_init(pc) > 0)
		EVP_PKEY_fromdata(pc, &out, EVP_PKEY_KEYPAIR, params);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	return out;
}

/* ------------------------------------------------------------------ */
/* operations: 1 = right answer, 0 = an error reported, -1 = wrong     */

static int sign(OSSL_LIB_CTX *lc, const char *pq, EVP_PKEY *k, uint8_t *sig, size_t *len)
{
	static const uint8_t digest[32] = "thirty-two bytes of a sha256 dg";
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(lc, k, pq);
	int ok = pc && EVP_PKEY_sign_init(pc) > 0 &&
		 EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) > 0 &&
		 EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) > 0 &&
		 EVP_PKEY_sign(pc, sig, len, digest, sizeof(digest)) > 0;

	EVP_PKEY_CTX_free(pc);
	return ok;
}

static int op_sign(EVP_PKEY *kwd)
{
	uint8_t s1[512], s2[512];
	size_t l1 = sizeof(s1), l2 = sizeof(s2);

	if (!sign(NULL, "provider=default", key_def, s1, &l1))
		return -1;
	if (!sign(wdctx, WDQ, kwd, s2, &l2))
		return 0;
	return l1 == l2 && !memcmp(s1, s2, l1) ? 1 : -1;
}

static int op_decrypt(EVP_PKEY *kwd)
{
	static const uint8_t msg[] = "a secret that the default provider encrypted";
	uint8_t ct[512], pt[512];
	size_t cl = sizeof(ct), pl = sizeof(pt);
	EVP_PKEY_CTX *e = EVP_PKEY_CTX_new_from_pkey(NULL, key_def, "provider=default");
	EVP_PKEY_CTX *d = EVP_PKEY_CTX_new_from_pkey(wdctx, kwd, WDQ);
	int ret = -1;

	if (e && EVP_PKEY_encrypt_init(e) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(e, RSA_PKCS1_OAEP_PADDING) > 0 &&
	    EVP_PKEY_encrypt(e, ct, &cl, msg, sizeof(msg)) > 0) {
		ret = d && EVP_PKEY_decrypt_init(d) > 0 &&
		      EVP_PKEY_CTX_set_rsa_padding(d, RSA_PKCS1_OAEP_PADDING) > 0 &&
		      EVP_PKEY_decrypt(d, pt, &pl, ct, cl) > 0;
		if (ret == 1 && (pl != sizeof(msg) || memcmp(pt, msg, pl)))
			ret = -1;
	}
	EVP_PKEY_CTX_free(e);
	EVP_PKEY_CTX_free(d);
	return ret;
}

/* Encrypt text in 64 KiB + odd updates; *len gets the bytes, tag the tag. */
static int aes_encrypt(OSSL_LIB_CTX *lc, const char *name, const char *pq, uint8_t *out,
		       size_t *len, uint8_t tag[16])
{
	static const uint8_t key[32] = "0123456789abcdef0123456789abcdef";
	static const uint8_t iv[16] = "initial vector!";
	EVP_CIPHER *c = EVP_CIPHER_fetch(lc, name, pq);
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	size_t pos = 0, piece = 65536 + 17;
	int n, ok = c && x && EVP_EncryptInit_ex2(x, c, key, iv, NULL) > 0;

	*len = 0;
	while (ok && pos < TEXT_LEN) {
		size_t l = TEXT_LEN - pos < piece ? TEXT_LEN - pos : piece;

		ok = EVP_EncryptUpdate(x, out + *len, &n, text + pos, (int)l) > 0;
		*len += (size_t)n;
		pos += l;
	}
	ok = ok && EVP_EncryptFinal_ex(x, out + *len, &n) > 0;
	if (ok)
		*len += (size_t)n;
	if (ok && tag)
		ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag) > 0;
	EVP_CIPHER_CTX_free(x);
	EVP_CIPHER_free(c);
	return ok;
}

static int op_aes(const char *name)
{
	uint8_t t1[16] = { 0 }, t2[16] = { 0 };
	int gcm = strstr(name, "GCM") != NULL;
	size_t l1, l2;

	if (!aes_encrypt(NULL, name, "provider=default", c_def, &l1, gcm ? t1 : NULL))
		return -1;
	if (!aes_encrypt(wdctx, name, WDQ, c_wd, &l2, gcm ? t2 : NULL))
		return 0;
	return l1 == l2 && !memcmp(c_def, c_wd, l1) && !memcmp(t1, t2, 16) ? 1 : -1;
}

/* ------------------------------------------------------------------ */
/* faults                                                              */

static const char *const algs[] = { "rsa-sign", "rsa-decrypt", "aes-cbc", "aes-gcm" };

static int fault_case(void *arg)
{
	int slow = arg != NULL, r = 0, i, res[4];
	EVP_PKEY *kwd;
	uint64_t soft = 0, dev = 0, errors = 0;

	if (!load_wd() || !(kwd = to_wd(key_def)))
		return 0x40;
	res[0] = op_sign(kwd);
	res[1] = op_decrypt(kwd);
	res[2] = op_aes("AES-256-CBC");
	res[3] = op_aes("AES-128-GCM");
	for (i = 0; i < 4; i++)
		if (res[i] == 1)
			r |= 1 << i;
	if (r != 0x0f)
		printf("# sign %d, decrypt %d, aes-cbc %d, aes-gcm %d\n", res[0], res[1],
		       res[2], res[3]);
	EVP_PKEY_free(kwd);
	OSSL_LIB_CTX_free(wdctx);	/* flushes the provider's batched counts */
	for (i = 0; i < 4; i++) {
		soft += alg_counter(algs[i], WD_ALG_FALLBACK);
		errors += alg_counter(algs[i], WD_ALG_ERRORS);
		dev += alg_counter(algs[i], WD_ALG_OFFLOADED);
	}
	/* slow: the device did it all (a short CBC final block stays in software) */
	if (slow ? dev >= 4 && errors == 0 : soft + errors >= 4)
		r |= 0x10;
	else
		printf("# counters: software %llu, errors %llu, device %llu\n",
		       (unsigned long long)soft, (unsigned long long)errors,
		       (unsigned long long)dev);
	return r;
}

static void check_fault(const char *fault)
{
	int r = run_child(fault, fault_case, strncmp(fault, "slow", 4) ? NULL : (void *)1);

	ok(r >= 0 && (r & 0x17) == 0x17, "WD_SOFT_FAULT=%s: RSA sign/decrypt and AES-CBC equal "
	   "the default provider, counters agree (result %#x)", fault, r);
	known_bug(r >= 0 && (r & 0x08), "crypto area (provider/wdp_aes_gcm.c): a device error "
		  "or a full queue in the middle of a GCM message fails the update instead of "
		  "falling back to the default provider",
		  "WD_SOFT_FAULT=%s: AES-128-GCM over 1 MiB equals the default provider", fault);
}

/* ------------------------------------------------------------------ */
/* memory limits                                                       */

static int exhausted_case(void *arg)
{
	EVP_PKEY *kwd;
	void *hog;
	int r[4], bad = 0, i;

	(void)arg;
	if (!load_wd() || !(kwd = to_wd(key_def)))
		return 0x40;
	if (limit_memory(1u << 20))
		return 0x41;
	hog = hog_memory();
	r[0] = op_sign(kwd) == 1;
	r[1] = op_decrypt(kwd) == 1;
	r[2] = op_aes("AES-256-CBC") == 1;
	r[3] = op_aes("AES-128-GCM") == 1;
	hog_free(hog);
	raise_limit();
	ERR_clear_error();
	for (i = 0; i < 4; i++)
		if (r[i])
			bad |= 1;	/* with no memory, success would be a surprise */
	if (op_sign(kwd) != 1 || op_decrypt(kwd) != 1 || op_aes("AES-256-CBC") != 1 ||
	    op_aes("AES-128-GCM") != 1)
		bad |= 2;
	EVP_PKEY_free(kwd);
	OSSL_LIB_CTX_free(wdctx);
	return bad;
}

int main(void)
{
	static const char *const faults[] = {
		"missing", "slow=3000", "error=1", "error=3", "vanish=0", "vanish=2", "busy=2",
	};
	size_t i;
	int r;

	tap_plan(0);
	text = malloc(TEXT_LEN);
	c_def = malloc(TEXT_LEN + 64);
	c_wd = malloc(TEXT_LEN + 64);
	for (i = 0; i < TEXT_LEN; i++)
		text[i] = (uint8_t)(i * 131 + (i >> 9));
	key_def = EVP_RSA_gen(2048);
	if (!text || !c_def || !c_wd || !key_def || !write_config())
		tap_bail("setup");
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		check_fault(faults[i]);
	if (HARDEN_ASAN) {
		tap_skip_n(1, "AddressSanitizer build: RLIMIT_AS cannot be used");
	} else {
		r = run_child(NULL, exhausted_case, NULL);
		ok(r == 0, "all memory taken: RSA sign/decrypt and AES-CBC/GCM report errors, no "
		   "crash; correct again once memory is back (result %d)", r);
	}
	unlink(cnf);
	EVP_PKEY_free(key_def);
	return tap_exit();
}
