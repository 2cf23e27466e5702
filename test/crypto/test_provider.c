// SPDX-License-Identifier: MIT
/*
 * test_provider.c - the wd provider's RSA against OpenSSL's default
 * provider: keys of several sizes (odd ones too) imported into wd, every
 * padding, sign with one and verify with the other both ways,
 * encrypt/decrypt both ways, bad padding, the error queue, digest-sign,
 * key operations, PSS keys, TLS padding, keys made by wd's key
 * generation, share-domain staging (and SVA queues in a child run with
 * WD_SOFT_FAULT=noshare: this program with "rsa-sva"); and wd alone in a
 * library context.
 *
 * wd.so is loaded from the build tree into its own library context (with
 * the default provider beside it for RAND and digests) and fetched with
 * "provider=wd"; every result is compared with the default provider in the
 * global context (provider_util.c). Counters read from this process's
 * stats file prove which work went through a queue. The other
 * test_provider* programs test the rest of the provider.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <sys/wait.h>
#include <openssl/async.h>
#include <openssl/conf.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include "wd.h"
#include "alg_counter.h"
#include "tap.h"
#include "provider_util.h"

static void check_rsa_sign(EVP_PKEY *def, EVP_PKEY *wd, int bits)
{
	static const struct pad pads[] = {
		{ "pkcs1 sha256", RSA_PKCS1_PADDING, "SHA256", 0 },
		{ "pkcs1 sha1", RSA_PKCS1_PADDING, "SHA1", 0 },
		{ "pkcs1 sha512", RSA_PKCS1_PADDING, "SHA512", 0 },
		{ "pkcs1 no md", RSA_PKCS1_PADDING, NULL, 0 },
		{ "pss sha256 salt=digest", RSA_PKCS1_PSS_PADDING, "SHA256", RSA_PSS_SALTLEN_DIGEST },
		{ "pss sha384 salt=max", RSA_PKCS1_PSS_PADDING, "SHA384", RSA_PSS_SALTLEN_MAX },
		{ "pss sha256 salt=7", RSA_PKCS1_PSS_PADDING, "SHA256", 7 },
	};
	unsigned char tbs[64], s1[1024], s2[1024];
	size_t i, l1, l2, tlen;

	RAND_bytes(tbs, sizeof(tbs));
	for (i = 0; i < sizeof(pads) / sizeof(pads[0]); i++) {
		const struct pad *p = &pads[i];
		int ok1, ok2, same = 1;

		tlen = p->md ? (size_t)EVP_MD_get_size(EVP_get_digestbyname(p->md)) : 20;
		l1 = l2 = sizeof(s1);
		ok1 = do_sign(wdctx, WDQ, wd, p, tbs, tlen, s1, &l1);
		ok2 = do_sign(NULL, NULL, def, p, tbs, tlen, s2, &l2);
		if (p->pad == RSA_PKCS1_PADDING)	/* deterministic */
			same = l1 == l2 && !memcmp(s1, s2, l1);
		ok(ok1 && ok2 && same &&
		   do_verify(NULL, NULL, def, p, tbs, tlen, s1, l1) &&
		   do_verify(wdctx, WDQ, wd, p, tbs, tlen, s2, l2),
		   "rsa %d %s: wd signs, default verifies, and back%s", bits,
		   p->name, p->pad == RSA_PKCS1_PADDING ? " (same bytes)" : "");
	}
	/* a wrong signature fails to verify under wd, with an error */
	s1[5] ^= 1;
	ERR_clear_error();
	ok(!do_verify(wdctx, WDQ, wd, &pads[0], tbs, 32, s1, l1),
	   "rsa %d: a changed signature does not verify", bits);
}

/* A signature through wd leaves the caller's error queue as it was. */
static void check_error_queue(EVP_PKEY *wd)
{
	static const struct pad p = { "pkcs1 sha256", RSA_PKCS1_PADDING, "SHA256", 0 };
	unsigned char tbs[32] = { 1 }, sig[1024];
	size_t len = sizeof(sig);
	unsigned long e;
	int signed_ok;

	ERR_clear_error();
	ERR_raise_data(ERR_LIB_USER, 42, "the caller's own error");
	signed_ok = do_sign(wdctx, WDQ, wd, &p, tbs, sizeof(tbs), sig, &len);
	e = ERR_peek_last_error();
	ok(signed_ok && ERR_GET_LIB(e) == ERR_LIB_USER && ERR_GET_REASON(e) == 42,
	   "a wd signature keeps the error the caller had queued (lib %d reason %d)",
	   ERR_GET_LIB(e), ERR_GET_REASON(e));
	ERR_clear_error();
}

static int do_crypt(OSSL_LIB_CTX *lc, const char *pq, EVP_PKEY *k, int enc, int pad,
		    const char *oaep_md, const unsigned char *in, size_t inl,
		    unsigned char *out, size_t *outl)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(lc, k, pq);
	int ok = pc && (enc ? EVP_PKEY_encrypt_init(pc) : EVP_PKEY_decrypt_init(pc)) > 0 &&
		 EVP_PKEY_CTX_set_rsa_padding(pc, pad) > 0;

	if (ok && oaep_md) {
		unsigned char *label = OPENSSL_malloc(5);

		memcpy(label, "label", 5);
		ok = EVP_PKEY_CTX_set_rsa_oaep_md(pc, EVP_get_digestbyname(oaep_md)) > 0 &&
		     EVP_PKEY_CTX_set0_rsa_oaep_label(pc, label, 5) > 0;
	}
	ok = ok && (enc ? EVP_PKEY_encrypt(pc, out, outl, in, inl) :
			  EVP_PKEY_decrypt(pc, out, outl, in, inl)) > 0;
	EVP_PKEY_CTX_free(pc);
	return ok;
}

static void check_rsa_crypt(EVP_PKEY *def, EVP_PKEY *wd, int bits)
{
	static const struct { const char *name; int pad; const char *md; } modes[] = {
		{ "pkcs1", RSA_PKCS1_PADDING, NULL },
		{ "oaep sha1", RSA_PKCS1_OAEP_PADDING, NULL },
		{ "oaep sha256 + label", RSA_PKCS1_OAEP_PADDING, "SHA256" },
		{ "none", RSA_NO_PADDING, NULL },
	};
	unsigned char msg[1024], c[1024], m[1024];
	size_t i, k = (size_t)EVP_PKEY_get_size(def), cl, ml, len;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int ok1, ok2;

		len = modes[i].pad == RSA_NO_PADDING ? k : 1 + rnd(k - 66);
		RAND_bytes(msg, (int)len);
		if (modes[i].pad == RSA_NO_PADDING)
			msg[0] = 0;
		cl = ml = sizeof(c);
		ok1 = do_crypt(NULL, NULL, def, 1, modes[i].pad, modes[i].md, msg, len, c, &cl) &&
		      do_crypt(wdctx, WDQ, wd, 0, modes[i].pad, modes[i].md, c, cl, m, &ml) &&
		      ml == len && !memcmp(m, msg, len);
		cl = ml = sizeof(c);
		ok2 = do_crypt(wdctx, WDQ, wd, 1, modes[i].pad, modes[i].md, msg, len, c, &cl) &&
		      do_crypt(NULL, NULL, def, 0, modes[i].pad, modes[i].md, c, cl, m, &ml) &&
		      ml == len && !memcmp(m, msg, len);
		ok(ok1 && ok2, "rsa %d %s: default encrypts, wd decrypts, and back", bits,
		   modes[i].name);
	}
	/* bad padding: random ciphertext below n */
	RAND_bytes(c, (int)k);
	c[0] = 0;
	ERR_clear_error();
	ml = sizeof(m);
	ok(!do_crypt(wdctx, WDQ, wd, 0, RSA_PKCS1_OAEP_PADDING, NULL, c, k, m, &ml) &&
	   ERR_peek_error() != 0, "rsa %d: OAEP of garbage fails with an error on the stack",
	   bits);
	ERR_clear_error();
}

static void check_digest_sign(EVP_PKEY *def, EVP_PKEY *wd)
{
	unsigned char data[3000], s1[512], s2[512];
	size_t l1 = sizeof(s1), l2 = sizeof(s2);
	EVP_MD_CTX *m1 = EVP_MD_CTX_new(), *m2 = EVP_MD_CTX_new();
	int ok1, ok2, v;

	RAND_bytes(data, sizeof(data));
	ok1 = EVP_DigestSignInit_ex(m1, NULL, "SHA384", wdctx, WDQ, wd, NULL) &&
	      EVP_DigestSignUpdate(m1, data, 1000) &&
	      EVP_DigestSignUpdate(m1, data + 1000, 2000) &&
	      EVP_DigestSignFinal(m1, s1, &l1);
	ok2 = EVP_DigestSignInit_ex(m2, NULL, "SHA384", NULL, NULL, def, NULL) &&
	      EVP_DigestSign(m2, s2, &l2, data, sizeof(data));
	ok(ok1 && ok2 && l1 == l2 && !memcmp(s1, s2, l1),
	   "digest sign SHA384 in two updates: same bytes as default");
	EVP_MD_CTX_reset(m1);
	v = EVP_DigestVerifyInit_ex(m1, NULL, "SHA384", wdctx, WDQ, wd, NULL) &&
	    EVP_DigestVerify(m1, s2, l2, data, sizeof(data)) == 1;
	ok(v, "digest verify under wd accepts the default's signature");
	EVP_MD_CTX_free(m1);
	EVP_MD_CTX_free(m2);
}

/* dup, get_params, verify_recover and a copied digest-sign context. */
static void check_key_ops(EVP_PKEY *def, EVP_PKEY *wd)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	unsigned char tbs[32] = { 3 }, s1[512], s2[512], s3[512], rec[512];
	size_t l1 = sizeof(s1), l2 = sizeof(s2), l3 = sizeof(s3), rl = sizeof(rec);
	EVP_PKEY *dup = EVP_PKEY_dup(wd);
	EVP_MD_CTX *m = EVP_MD_CTX_new(), *m2 = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc;
	int ok1;

	ok(dup && EVP_PKEY_eq(dup, def) == 1 && do_sign(wdctx, WDQ, dup, &p, tbs, 32, s1, &l1) &&
	   do_sign(NULL, NULL, def, &p, tbs, 32, s2, &l2) && l1 == l2 && !memcmp(s1, s2, l1),
	   "a duplicated wd key signs as the original");
	ok(EVP_PKEY_get_security_bits(wd) == EVP_PKEY_get_security_bits(def) &&
	   EVP_PKEY_get_size(wd) == EVP_PKEY_get_size(def) &&
	   EVP_PKEY_get_bits(wd) == EVP_PKEY_get_bits(def),
	   "bits, security bits and max size equal the default's");
	/* verify_recover (PKCS#1 v1.5 with the digest: gives the hash back) */
	pc = EVP_PKEY_CTX_new_from_pkey(wdctx, wd, WDQ);
	ok1 = pc && EVP_PKEY_verify_recover_init(pc) > 0 &&
	      EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) > 0 &&
	      EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) > 0 &&
	      EVP_PKEY_verify_recover(pc, rec, &rl, s2, l2) > 0;
	ok(ok1 && rl == 32 && !memcmp(rec, tbs, 32), "verify_recover gives the hash back");
	EVP_PKEY_CTX_free(pc);
	/* a digest-sign context copied halfway (dupctx) finishes alike */
	ok1 = EVP_DigestSignInit_ex(m, NULL, "SHA256", wdctx, WDQ, wd, NULL) &&
	      EVP_DigestSignUpdate(m, tbs, 10) && EVP_MD_CTX_copy_ex(m2, m) &&
	      EVP_DigestSignUpdate(m, tbs + 10, 22) && EVP_DigestSignUpdate(m2, tbs + 10, 22);
	l1 = sizeof(s1);
	ok1 = ok1 && EVP_DigestSignFinal(m, s1, &l1) && EVP_DigestSignFinal(m2, s3, &l3);
	ok(ok1 && l1 == l3 && !memcmp(s1, s3, l1), "a copied digest-sign context signs alike");
	EVP_MD_CTX_free(m);
	EVP_MD_CTX_free(m2);
	EVP_PKEY_free(dup);
}

/* An RSA-PSS key (with restrictions): sign under wd, verify under default. */
static void check_rsa_pss_key(void)
{
	EVP_PKEY *def = NULL, *wd;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	unsigned char data[100] = { 1 }, sig[512];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	int ok1 = 0, ok2 = 0;

	if (pc && EVP_PKEY_keygen_init(pc) > 0 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(pc, 2048) > 0 &&
	    EVP_PKEY_CTX_set_rsa_pss_keygen_md_name(pc, "SHA256", NULL) > 0 &&
	    EVP_PKEY_CTX_set_rsa_pss_keygen_saltlen(pc, 32) > 0)
		EVP_PKEY_generate(pc, &def);
	wd = def ? to_wd(def) : NULL;
	ok1 = wd && EVP_PKEY_is_a(wd, "RSA-PSS") &&
	      EVP_DigestSignInit_ex(m, NULL, "SHA256", wdctx, WDQ, wd, NULL) &&
	      EVP_DigestSign(m, sig, &siglen, data, sizeof(data));
	EVP_MD_CTX_reset(m);
	ok2 = ok1 && EVP_DigestVerifyInit_ex(m, NULL, "SHA256", NULL, NULL, def, NULL) &&
	      EVP_DigestVerify(m, sig, siglen, data, sizeof(data)) == 1;
	ok(ok1 && ok2, "an RSA-PSS key with restrictions: wd signs, default verifies");
	EVP_MD_CTX_free(m);
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(def);
	EVP_PKEY_free(wd);
}

/* TLS pre-master secret decryption (RSA_PKCS1_WITH_TLS_PADDING). */
static void check_tls_padding(EVP_PKEY *def, EVP_PKEY *wd)
{
	unsigned char pms[48], c[512], m1[48], m2[48];
	size_t cl = sizeof(c), l1 = sizeof(m1), l2 = sizeof(m2);
	unsigned int ver = 0x0303;
	OSSL_PARAM p[] = {
		OSSL_PARAM_uint(OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION, &ver),
		OSSL_PARAM_END
	};
	EVP_PKEY_CTX *pw = EVP_PKEY_CTX_new_from_pkey(wdctx, wd, WDQ);
	EVP_PKEY_CTX *pd = EVP_PKEY_CTX_new_from_pkey(NULL, def, NULL);
	uint64_t before = alg_counter("rsa-decrypt", WD_ALG_OFFLOADED);
	int ok1;

	RAND_bytes(pms, sizeof(pms));
	pms[0] = 3;
	pms[1] = 3;
	ok1 = do_crypt(NULL, NULL, def, 1, RSA_PKCS1_PADDING, NULL, pms, 48, c, &cl) &&
	      EVP_PKEY_decrypt_init_ex(pw, p) > 0 &&
	      EVP_PKEY_CTX_set_rsa_padding(pw, RSA_PKCS1_WITH_TLS_PADDING) > 0 &&
	      EVP_PKEY_decrypt(pw, m1, &l1, c, cl) > 0 &&
	      EVP_PKEY_decrypt_init_ex(pd, p) > 0 &&
	      EVP_PKEY_CTX_set_rsa_padding(pd, RSA_PKCS1_WITH_TLS_PADDING) > 0 &&
	      EVP_PKEY_decrypt(pd, m2, &l2, c, cl) > 0;
	ok(ok1 && l1 == 48 && !memcmp(m1, pms, 48) && !memcmp(m1, m2, 48),
	   "TLS pre-master padding with version params: same secret as default");
	/* a wrong version inside: no error, 48 random bytes (no oracle) */
	pms[1] = 1;
	cl = sizeof(c);
	l1 = sizeof(m1);
	ok1 = do_crypt(NULL, NULL, def, 1, RSA_PKCS1_PADDING, NULL, pms, 48, c, &cl) &&
	      EVP_PKEY_decrypt_init_ex(pw, p) > 0 &&
	      EVP_PKEY_CTX_set_rsa_padding(pw, RSA_PKCS1_WITH_TLS_PADDING) > 0 &&
	      EVP_PKEY_decrypt(pw, m1, &l1, c, cl) > 0;
	ok(ok1 && l1 == 48 && memcmp(m1, pms, 48),
	   "TLS pre-master with a wrong version: 48 random bytes, no error");
	ok(alg_counter("rsa-decrypt", WD_ALG_OFFLOADED) == before + 2,
	   "both TLS pre-master decryptions went through a queue");
	EVP_PKEY_CTX_free(pw);
	EVP_PKEY_CTX_free(pd);
}

static void check_keygen(void)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(wdctx, "RSA", WDQ);
	uint64_t before = alg_counter("rsa-keygen", WD_ALG_OFFLOADED);
	EVP_PKEY *k = NULL, *def = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *dc;
	int ok1;

	ok1 = pc && EVP_PKEY_keygen_init(pc) > 0 &&
	      EVP_PKEY_CTX_set_rsa_keygen_bits(pc, 2048) > 0 &&
	      EVP_PKEY_generate(pc, &k) > 0 && EVP_PKEY_get_bits(k) == 2048;
	ok(ok1 && alg_counter("rsa-keygen", WD_ALG_OFFLOADED) == before + 1,
	   "wd generates a 2048-bit key on a queue");
	/* the key moves to the default provider and passes its checks */
	ok1 = k && EVP_PKEY_todata(k, EVP_PKEY_KEYPAIR, &params) > 0;
	dc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", "provider=default");
	ok1 = ok1 && EVP_PKEY_fromdata_init(dc) > 0 &&
	      EVP_PKEY_fromdata(dc, &def, EVP_PKEY_KEYPAIR, params) > 0;
	EVP_PKEY_CTX_free(dc);
	dc = def ? EVP_PKEY_CTX_new_from_pkey(NULL, def, NULL) : NULL;
	ok(ok1 && dc && EVP_PKEY_check(dc) == 1 && EVP_PKEY_eq(k, def) == 1,
	   "the generated key exports to the default provider and checks there");
	if (def)
		check_rsa_sign(def, k, 2048);
	EVP_PKEY_CTX_free(dc);
	OSSL_PARAM_free(params);
	EVP_PKEY_free(k);
	EVP_PKEY_free(def);
	EVP_PKEY_CTX_free(pc);
}

/*
 * RSA requests go on share-domain queues when the device has them: the key
 * block, input and output are staged through the queue's share region, so
 * the soft engine need not probe the caller's pages. Counted from the
 * queues' own counters in the stats file, by mode.
 */
#define STAGED_SIGNS	20

/* Sign STAGED_SIGNS times with wd and default: how many are equal. */
static int staged_signs(EVP_PKEY *def, EVP_PKEY *wd)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	unsigned char tbs[32], s1[512], s2[512];
	size_t l1, l2;
	int i, same = 0;

	for (i = 0; i < STAGED_SIGNS; i++) {
		RAND_bytes(tbs, sizeof(tbs));
		l1 = sizeof(s1);
		l2 = sizeof(s2);
		same += do_sign(wdctx, WDQ, wd, &p, tbs, 32, s1, &l1) &&
			do_sign(NULL, NULL, def, &p, tbs, 32, s2, &l2) &&
			l1 == l2 && !memcmp(s1, s2, l1);
	}
	return same;
}

/* "rsa-sva" under WD_SOFT_FAULT=noshare: the same work on SVA queues. */
static int rsa_sva(void)
{
	EVP_PKEY *def = EVP_RSA_gen(1024), *wd = def ? to_wd(def) : NULL;
	uint64_t off = alg_counter("rsa-sign", WD_ALG_OFFLOADED);
	uint64_t sva = mode_requests("sva"), share = mode_requests("share");
	int good = wd && staged_signs(def, wd) == STAGED_SIGNS &&
		   alg_counter("rsa-sign", WD_ALG_OFFLOADED) - off == STAGED_SIGNS &&
		   mode_requests("sva") - sva >= STAGED_SIGNS &&
		   mode_requests("share") == share;

	EVP_PKEY_free(def);
	EVP_PKEY_free(wd);
	return good;
}

static void check_rsa_staging(EVP_PKEY *def, EVP_PKEY *wd)
{
	uint64_t off = alg_counter("rsa-sign", WD_ALG_OFFLOADED);
	uint64_t share = mode_requests("share");
	int same = staged_signs(def, wd);

	off = alg_counter("rsa-sign", WD_ALG_OFFLOADED) - off;
	share = mode_requests("share") - share;
	ok(same == STAGED_SIGNS && off == STAGED_SIGNS && share >= STAGED_SIGNS,
	   "%d RSA-2048 signatures staged through share-domain queues: %d equal the "
	   "default's, %llu offloaded, %llu share-domain requests", STAGED_SIGNS, same,
	   (unsigned long long)off, (unsigned long long)share);
	ok(run_with_fault("rsa-sva", "noshare"),
	   "with WD_SOFT_FAULT=noshare the same signatures go on SVA queues");
}

/*
 * wd alone in a library context, as "openssl dgst -provider wd" with no
 * configuration: wd loads the default provider beside it (digests, RAND),
 * and freeing the context frees both. In the sanitizer build LeakSanitizer
 * finds the default provider left behind at exit if wd does not release
 * it (OpenSSL 3.0 deactivates "default" before wd's teardown runs).
 */
static void check_alone(const char *path)
{
	OSSL_LIB_CTX *lc = OSSL_LIB_CTX_new();
	OSSL_PROVIDER *p = NULL;
	EVP_MD *md = NULL;
	int good;

	if (lc) {
		OSSL_PROVIDER_set_default_search_path(lc, path);
		p = OSSL_PROVIDER_load(lc, "wd");
		md = EVP_MD_fetch(lc, "SHA256", NULL);
	}
	good = p && md && OSSL_PROVIDER_available(lc, "default");
	EVP_MD_free(md);
	OSSL_PROVIDER_unload(p);
	OSSL_LIB_CTX_free(lc);
	ok(good, "wd alone in a library context loads the default provider beside it");
}

int main(int argc, char **argv)
{
	static const int sizes[] = { 1024, 2048, 3072, 4096, 1031, 2056 };
	const char *path = wd_module_dir();
	EVP_PKEY *def[6], *wd[6];
	uint64_t sign0, dec0;
	size_t i;

	if (argc == 2 && !strcmp(argv[1], "rsa-sva"))
		return load_wd(path) && rsa_sva() ? 0 : 1;
	tap_plan(0);
	load_wd_or_bail(path);
	check_alone(path);
	sign0 = alg_counter("rsa-sign", WD_ALG_OFFLOADED);
	dec0 = alg_counter("rsa-decrypt", WD_ALG_OFFLOADED);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		def[i] = EVP_RSA_gen((unsigned int)sizes[i]);
		wd[i] = def[i] ? to_wd(def[i]) : NULL;
		ok(wd[i] && EVP_PKEY_get_bits(wd[i]) == sizes[i] &&
		   EVP_PKEY_eq(def[i], wd[i]) == 1,
		   "a %d-bit default key imports into wd", sizes[i]);
		if (!wd[i])
			continue;
		check_rsa_sign(def[i], wd[i], sizes[i]);
		check_rsa_crypt(def[i], wd[i], sizes[i]);
	}
	ok(alg_counter("rsa-sign", WD_ALG_OFFLOADED) > sign0 &&
	   alg_counter("rsa-decrypt", WD_ALG_OFFLOADED) > dec0,
	   "signatures and decryptions were counted as offloaded (%llu, %llu)",
	   (unsigned long long)(alg_counter("rsa-sign", WD_ALG_OFFLOADED) - sign0),
	   (unsigned long long)(alg_counter("rsa-decrypt", WD_ALG_OFFLOADED) - dec0));
	check_rsa_staging(def[1], wd[1]);
	check_error_queue(wd[1]);
	check_digest_sign(def[1], wd[1]);
	check_key_ops(def[1], wd[1]);
	check_rsa_pss_key();
	check_tls_padding(def[1], wd[1]);
	check_keygen();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		EVP_PKEY_free(def[i]);
		EVP_PKEY_free(wd[i]);
	}
	OSSL_LIB_CTX_free(wdctx);
	return tap_exit();
}
