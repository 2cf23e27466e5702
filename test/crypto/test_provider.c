// SPDX-License-Identifier: MIT
/*
 * test_provider.c - the wd provider against OpenSSL's default provider.
 *
 * wd.so is loaded from the build tree into its own library context (with
 * the default provider beside it for RAND and digests) and fetched with
 * "provider=wd"; every result is compared with the default provider in the
 * global context: RSA keys of several sizes (odd ones too), every padding,
 * sign with one and verify with the other both ways, encrypt/decrypt both
 * ways, bad padding; AES in every mode and key size with random lengths cut
 * into random updates, in place, GCM with AAD and tag failures; keys made
 * by wd's key generation; an ASYNC job; a forked child. Counters read from
 * this process's stats file prove which work went through a queue.
 */
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

static OSSL_LIB_CTX *wdctx;
#define WDQ	"provider=wd"

/* ------------------------------------------------------------------ */
/* counters of this process                                            */

static size_t rnd(size_t n)
{
	uint32_t r = 0;

	RAND_bytes((unsigned char *)&r, sizeof(r));
	return n ? r % n : 0;
}

/* ------------------------------------------------------------------ */
/* RSA                                                                 */

/* The same key, as a wd key (wdctx) */
static EVP_PKEY *to_wd(EVP_PKEY *pkey)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc;
	EVP_PKEY *out = NULL;

	if (EVP_PKEY_todata(pkey, EVP_PKEY_KEYPAIR, &params) <= 0)
		return NULL;
	pc = EVP_PKEY_CTX_new_from_name(wdctx, EVP_PKEY_get0_type_name(pkey), WDQ);
	if (pc && EVP_PKEY_fromdata_init(pc) > 0)
		EVP_PKEY_fromdata(pc, &out, EVP_PKEY_KEYPAIR, params);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	return out;
}

struct pad {
	const char *name;
	int pad;
	const char *md;
	int saltlen;
};

static int setup(EVP_PKEY_CTX *pc, const struct pad *p)
{
	if (EVP_PKEY_CTX_set_rsa_padding(pc, p->pad) <= 0)
		return 0;
	if (p->md && EVP_PKEY_CTX_set_signature_md(pc, EVP_get_digestbyname(p->md)) <= 0)
		return 0;
	if (p->pad == RSA_PKCS1_PSS_PADDING &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, p->saltlen) <= 0)
		return 0;
	return 1;
}

static int do_sign(OSSL_LIB_CTX *lc, const char *pq, EVP_PKEY *k, const struct pad *p,
		   const unsigned char *tbs, size_t tbslen, unsigned char *sig,
		   size_t *siglen)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(lc, k, pq);
	int ok = pc && EVP_PKEY_sign_init(pc) > 0 && setup(pc, p) &&
		 EVP_PKEY_sign(pc, sig, siglen, tbs, tbslen) > 0;

	EVP_PKEY_CTX_free(pc);
	return ok;
}

static int do_verify(OSSL_LIB_CTX *lc, const char *pq, EVP_PKEY *k, const struct pad *p,
		     const unsigned char *tbs, size_t tbslen,
		     const unsigned char *sig, size_t siglen)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(lc, k, pq);
	int ok = pc && EVP_PKEY_verify_init(pc) > 0 && setup(pc, p) &&
		 EVP_PKEY_verify(pc, sig, siglen, tbs, tbslen) == 1;

	EVP_PKEY_CTX_free(pc);
	return ok;
}

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

/* ------------------------------------------------------------------ */
/* AES                                                                 */

#define MAXLEN	(96 * 1024)

/*
 * Run a whole message through ctx: split 0 in one update, 1 in random
 * updates, more in updates of split bytes. Bytes out or -1.
 */
static int run_cipher(EVP_CIPHER_CTX *ctx, const unsigned char *in, size_t len,
		      unsigned char *out, int split)
{
	size_t off = 0;
	int total = 0, l;

	while (off < len) {
		size_t piece = split > 1 ? (size_t)split : split ? 1 + rnd(len - off) : len - off;

		if (piece > len - off)
			piece = len - off;

		if (!EVP_CipherUpdate(ctx, out + total, &l, in + off, (int)piece))
			return -1;
		total += l;
		off += piece;
	}
	if (!EVP_CipherFinal_ex(ctx, out + total, &l))
		return -1;
	return total + l;
}

static int cipher_once(OSSL_LIB_CTX *lc, const char *pq, const char *name, int enc,
		       const unsigned char *key, const unsigned char *iv, size_t ivlen,
		       const unsigned char *aad, size_t aadlen, unsigned char *tag,
		       const unsigned char *in, size_t len, unsigned char *out, int split)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(lc, name, pq);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int gcm = strstr(name, "GCM") != NULL, n = -1, l;

	if (!c || !ctx || !EVP_CipherInit_ex2(ctx, c, NULL, NULL, enc, NULL))
		goto out;
	if (gcm && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, (int)ivlen, NULL))
		goto out;
	if (!EVP_CipherInit_ex2(ctx, NULL, key, iv, enc, NULL))
		goto out;
	if (gcm && aadlen && !EVP_CipherUpdate(ctx, NULL, &l, aad, (int)aadlen))
		goto out;
	if (gcm && !enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag))
		goto out;
	n = run_cipher(ctx, in, len, out, split);
	if (n >= 0 && gcm && enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag))
		n = -1;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return n;
}

static void check_aes(const char *name, size_t keylen, size_t ivlen,
		      unsigned char *in, unsigned char *o1, unsigned char *o2)
{
	unsigned char key[64], iv[64], aad[40], t1[16], t2[16];
	int gcm = strstr(name, "GCM") != NULL, xts = strstr(name, "XTS") != NULL;
	size_t len = rnd(2) ? 1 + rnd(4096) : 4096 + rnd(MAXLEN - 4096);
	int n1, n2, n3, split = !xts;

	(void)keylen;	/* the name says it */

	if (xts && len < 16)
		len = 16;
	RAND_bytes(key, sizeof(key));
	RAND_bytes(iv, sizeof(iv));
	RAND_bytes(aad, sizeof(aad));
	RAND_bytes(in, (int)len);
	n1 = cipher_once(wdctx, WDQ, name, 1, key, iv, ivlen, aad, gcm ? 13 : 0, t1, in,
			 len, o1, split);
	n2 = cipher_once(NULL, "provider=default", name, 1, key, iv, ivlen, aad,
			 gcm ? 13 : 0, t2, in, len, o2, 0);
	ok(n1 >= 0 && n1 == n2 && !memcmp(o1, o2, (size_t)n1) &&
	   (!gcm || !memcmp(t1, t2, 16)),
	   "%s encrypt %zu bytes in %s updates: equals default", name, len,
	   split ? "random" : "one");
	n3 = cipher_once(wdctx, WDQ, name, 0, key, iv, ivlen, aad, gcm ? 13 : 0, t2, o2,
			 (size_t)(n2 < 0 ? 0 : n2), o1, split);
	ok(n3 == (int)len && !memcmp(o1, in, len),
	   "%s decrypt of the default's output under wd gives the text back", name);
	if (gcm) {
		t2[3] ^= 1;
		ERR_clear_error();
		n3 = cipher_once(wdctx, WDQ, name, 0, key, iv, ivlen, aad, 13, t2, o2,
				 (size_t)n2, o1, split);
		ok(n3 < 0, "%s: a wrong tag fails the decryption", name);
	}
}

/* GCM with AAD in three updates of 16 KiB + 5 (each to the queue). */
static int gcm_start(EVP_CIPHER_CTX *x, EVP_CIPHER *c, int enc, const unsigned char *key,
		     const unsigned char *aad)
{
	static const unsigned char iv[12] = "twelve bytes";
	int l;

	return EVP_CipherInit_ex2(x, c, key, iv, enc, NULL) &&
	       EVP_CipherUpdate(x, NULL, &l, aad, 30);
}

static int gcm_piece(EVP_CIPHER_CTX *x, const unsigned char *in, unsigned char *out, int i)
{
	int l, n = 16384 + 5;

	return EVP_CipherUpdate(x, out + i * n, &l, in + i * n, n) && l == n;
}

static int gcm_end(EVP_CIPHER_CTX *x, int enc, unsigned char *tag)
{
	unsigned char scratch[16];
	int l;

	if (!enc && !EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, tag))
		return 0;
	if (!EVP_CipherFinal_ex(x, scratch, &l))
		return 0;
	return !enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag);
}

/*
 * A GCM context copied in the middle of a message on a queue: the copy
 * goes on in software from the device's tag snapshot, the original on the
 * device; both end as the default provider does.
 */
static void check_gcm_dup(unsigned char *in, unsigned char *o1, unsigned char *o2)
{
	EVP_CIPHER *cd = EVP_CIPHER_fetch(NULL, "AES-256-GCM", "provider=default");
	EVP_CIPHER *cw = EVP_CIPHER_fetch(wdctx, "AES-256-GCM", WDQ);
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new(), *y = EVP_CIPHER_CTX_new();
	EVP_CIPHER_CTX *z = EVP_CIPHER_CTX_new();
	unsigned char key[32], aad[30], tag[16], t1[16], t2[16], *o3 = malloc(MAXLEN);
	size_t len = 3 * (16384 + 5);
	int enc, good;

	RAND_bytes(key, sizeof(key));
	RAND_bytes(aad, sizeof(aad));
	RAND_bytes(in, (int)len);
	for (enc = 1; enc >= 0; enc--) {
		/* the reference: encrypt in with the default provider */
		good = o3 && gcm_start(x, cd, 1, key, aad) && gcm_piece(x, in, o3, 0) &&
		       gcm_piece(x, in, o3, 1) && gcm_piece(x, in, o3, 2) && gcm_end(x, 1, tag);
		memcpy(t1, tag, 16);
		memcpy(t2, tag, 16);
		good = good && gcm_start(y, cw, enc, key, aad) &&
		       gcm_piece(y, enc ? in : o3, o1, 0) && gcm_piece(y, enc ? in : o3, o1, 1) &&
		       EVP_CIPHER_CTX_copy(z, y) &&
		       gcm_piece(y, enc ? in : o3, o1, 2) && gcm_end(y, enc, t1) &&
		       gcm_piece(z, enc ? in : o3, o2, 2) && gcm_end(z, enc, t2);
		memcpy(o2, o1, 2 * (16384 + 5));
		ok(good && !memcmp(o1, enc ? o3 : in, len) && !memcmp(o2, o1, len) &&
		   !memcmp(t1, tag, 16) && !memcmp(t2, tag, 16),
		   "GCM %s copied mid-message on a queue: original and copy end as default",
		   enc ? "encryption" : "decryption");
	}
	EVP_CIPHER_CTX_free(x);
	EVP_CIPHER_CTX_free(y);
	EVP_CIPHER_CTX_free(z);
	EVP_CIPHER_free(cd);
	EVP_CIPHER_free(cw);
	free(o3);
}

static void check_aes_all(void)
{
	static const struct { const char *name; size_t key, iv; } algs[] = {
		{ "AES-128-ECB", 16, 0 }, { "AES-192-ECB", 24, 0 }, { "AES-256-ECB", 32, 0 },
		{ "AES-128-CBC", 16, 16 }, { "AES-192-CBC", 24, 16 }, { "AES-256-CBC", 32, 16 },
		{ "AES-128-CTR", 16, 16 }, { "AES-192-CTR", 24, 16 }, { "AES-256-CTR", 32, 16 },
		{ "AES-128-XTS", 32, 16 }, { "AES-256-XTS", 64, 16 },
		{ "AES-128-GCM", 16, 12 }, { "AES-192-GCM", 24, 12 }, { "AES-256-GCM", 32, 12 },
	};
	unsigned char *in = malloc(MAXLEN + 32), *o1 = malloc(MAXLEN + 32);
	unsigned char *o2 = malloc(MAXLEN + 32);
	uint64_t before = alg_counter("aes-gcm", WD_ALG_OFFLOADED);
	unsigned char key[16] = { 1 }, iv[16] = { 2 };
	size_t i, r;
	int n;

	for (r = 0; r < 2; r++)
		for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
			check_aes(algs[i].name, algs[i].key, algs[i].iv, in, o1, o2);
	/* an odd GCM IV length */
	check_aes("AES-128-GCM", 16, 1 + rnd(60), in, o1, o2);

	/* large enough to go to the queue: it did */
	RAND_bytes(in, 65536);
	n = cipher_once(wdctx, WDQ, "AES-128-GCM", 1, key, iv, 12, NULL, 0, o2, in,
			65536, o1, 0);
	ok(n == 65536 && alg_counter("aes-gcm", WD_ALG_OFFLOADED) > before,
	   "aes-gcm of 64 KiB counted as offloaded");

	/* CBC with a broken last block: bad decrypt on the error stack */
	n = cipher_once(NULL, NULL, "AES-128-CBC", 1, key, iv, 16, NULL, 0, NULL, in,
			8000, o1, 0);
	o1[n - 1] ^= 0x55;
	ERR_clear_error();
	ok(cipher_once(wdctx, WDQ, "AES-128-CBC", 0, key, iv, 16, NULL, 0, NULL, o1,
		       (size_t)n, o2, 1) < 0 && ERR_peek_error() != 0,
	   "CBC with bad padding fails with an error on the stack");
	ERR_clear_error();

	/* in place */
	memcpy(o1, in, 20000);
	n = cipher_once(wdctx, WDQ, "AES-256-CTR", 1, o2, iv, 16, NULL, 0, NULL, o1,
			20000, o1, 0);
	cipher_once(NULL, NULL, "AES-256-CTR", 1, o2, iv, 16, NULL, 0, NULL, in,
		    20000, in, 0);
	ok(n == 20000 && !memcmp(o1, in, 20000), "CTR in place equals default");
	check_gcm_dup(in, o1, o2);
	free(in);
	free(o1);
	free(o2);
}

/* ------------------------------------------------------------------ */
/* ASYNC and fork                                                      */

struct job_arg {
	EVP_PKEY *wd;
	unsigned char sig[512];
	size_t siglen;
	int ok;
};

static int job_sign(void *varg)
{
	struct job_arg *a = *(struct job_arg **)varg;
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	unsigned char tbs[32] = { 7 };

	a->siglen = sizeof(a->sig);
	a->ok = do_sign(wdctx, WDQ, a->wd, &p, tbs, 32, a->sig, &a->siglen);
	return 1;
}

static void check_async(EVP_PKEY *def, EVP_PKEY *wd)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	unsigned char tbs[32] = { 7 }, ref[512];
	struct job_arg args[4], *ap;
	ASYNC_JOB *jobs[4] = { 0 };
	ASYNC_WAIT_CTX *w[4];
	size_t reflen = sizeof(ref);
	int i, ret, jret, running = 4, pauses = 0, good = 0;

	do_sign(NULL, NULL, def, &p, tbs, 32, ref, &reflen);
	for (i = 0; i < 4; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].wd = wd;
		w[i] = ASYNC_WAIT_CTX_new();
		ap = &args[i];
		ret = ASYNC_start_job(&jobs[i], w[i], &jret, job_sign, &ap, sizeof(ap));
		if (ret == ASYNC_PAUSE)
			pauses++;
		else
			running--;
	}
	while (running > 0) {
		for (i = 0; i < 4; i++) {
			if (!jobs[i])
				continue;
			ret = ASYNC_start_job(&jobs[i], w[i], &jret, job_sign, NULL, 0);
			if (ret != ASYNC_PAUSE) {
				jobs[i] = NULL;
				running--;
			}
		}
		usleep(100);
	}
	for (i = 0; i < 4; i++) {
		good += args[i].ok && args[i].siglen == reflen &&
			!memcmp(args[i].sig, ref, reflen);
		ASYNC_WAIT_CTX_free(w[i]);
	}
	ok(good == 4 && pauses > 0,
	   "4 ASYNC jobs sign on queues (paused %d times): same bytes as default", pauses);
}

/*
 * AES in ASYNC jobs: each job encrypts its own 64 KiB with AES-128-GCM and
 * AES-256-CBC, whole and as a stream of 16 KiB + 5 updates (each update
 * above the test's threshold, so each is a request on the stream's leased
 * queue), and with AES-128-XTS (a stateless request on a borrowed queue).
 * The jobs pause on every request and are resumed when their wait fd
 * becomes readable, as openssl speed -async_jobs does.
 */
#define AJ_JOBS		4
#define AJ_LEN		65536
#define AJ_PIECE	(16384 + 5)

enum { AJ_GCM, AJ_GCM_SPLIT, AJ_CBC, AJ_CBC_SPLIT, AJ_XTS, AJ_NR };

static const struct {
	const char *name;
	size_t ivlen;
	int split;
} aj_ops[AJ_NR] = {
	{ "AES-128-GCM", 12, 0 }, { "AES-128-GCM", 12, AJ_PIECE },
	{ "AES-256-CBC", 16, 0 }, { "AES-256-CBC", 16, AJ_PIECE },
	{ "AES-128-XTS", 16, 0 },
};

struct aes_job {
	const unsigned char *key, *iv, *aad, *in;
	unsigned char out[AJ_NR][AJ_LEN + 16], tag[AJ_NR][16];
	int n[AJ_NR];
};

static int job_aes(void *varg)
{
	struct aes_job *a = *(struct aes_job **)varg;
	int i;

	for (i = 0; i < AJ_NR; i++)
		a->n[i] = cipher_once(wdctx, WDQ, aj_ops[i].name, 1, a->key, a->iv,
				      aj_ops[i].ivlen, a->aad, 13, a->tag[i], a->in, AJ_LEN,
				      a->out[i], aj_ops[i].split);
	return 1;
}

/*
 * Run njobs jobs of fn (args[i] its argument) to the end, resuming each when
 * its wait fd is readable, or (busy) every few microseconds whatever its fd
 * says, as an application with a loop of its own; count each one's pauses.
 * Then every wait fd must be quiet (*quiet counts those that are): a
 * finished job left readable would have a level-triggered event loop spin.
 */
#define MAX_JOBS	8

static int run_jobs_loop(int (*fn)(void *), void **args, int *pauses, int njobs,
			 int *quiet, int busy)
{
	ASYNC_JOB *jobs[MAX_JOBS] = { 0 };
	ASYNC_WAIT_CTX *w[MAX_JOBS];
	struct pollfd pfd[MAX_JOBS];
	int i, n, ret, jret, running = 0, good = 1;

	*quiet = 0;
	for (i = 0; i < njobs; i++) {
		w[i] = ASYNC_WAIT_CTX_new();
		ret = ASYNC_start_job(&jobs[i], w[i], &jret, fn, &args[i], sizeof(args[i]));
		if (ret == ASYNC_PAUSE) {
			pauses[i]++;
			running++;
		} else {
			jobs[i] = NULL;
			good &= ret == ASYNC_FINISH;
		}
	}
	while (running > 0 && good) {
		for (i = n = 0; i < njobs; i++) {
			OSSL_ASYNC_FD fd;
			size_t nfds = 1;

			if (!jobs[i])
				continue;
			if (!ASYNC_WAIT_CTX_get_all_fds(w[i], &fd, &nfds) || nfds != 1) {
				good = 0;	/* paused without a wait fd */
				break;
			}
			pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
		}
		/* a wait fd that never becomes readable fails the test */
		if (!good || (!busy && poll(pfd, (nfds_t)n, 5000) <= 0)) {
			good = 0;
			break;
		}
		if (busy)
			usleep(20);
		for (i = n = 0; i < njobs; i++) {
			if (!jobs[i] || !(busy || (pfd[n++].revents & POLLIN)))
				continue;
			ret = ASYNC_start_job(&jobs[i], w[i], &jret, fn, NULL, 0);
			if (ret == ASYNC_PAUSE) {
				pauses[i]++;
				continue;
			}
			good &= ret == ASYNC_FINISH;
			jobs[i] = NULL;
			running--;
		}
	}
	for (i = 0; i < njobs; i++) {
		OSSL_ASYNC_FD fd;
		size_t nfds = 1;
		struct pollfd p;

		if (!ASYNC_WAIT_CTX_get_all_fds(w[i], &fd, &nfds) || nfds != 1) {
			*quiet += nfds == 0;	/* never paused */
		} else {
			p = (struct pollfd){ .fd = fd, .events = POLLIN };
			*quiet += poll(&p, 1, 0) == 0;
		}
		ASYNC_WAIT_CTX_free(w[i]);
	}
	return good;
}

static int run_jobs(int (*fn)(void *), void **args, int *pauses, int njobs, int *quiet)
{
	return run_jobs_loop(fn, args, pauses, njobs, quiet, 0);
}

/* What a run of the AES jobs gave. */
struct aj_result {
	int ran;		/* every job finished, every wait fd woke */
	int same;		/* messages equal to the default provider's */
	int paused;		/* jobs that paused at least once a message */
	int pauses[AJ_JOBS];
	uint64_t offloaded[3];	/* aes-gcm, aes-cbc, aes-xts */
};

static int async_aes(struct aj_result *r)
{
	static const char *const algs[] = { "aes-gcm", "aes-cbc", "aes-xts" };
	unsigned char key[64], iv[16], aad[13], ref[AJ_LEN + 16], tag[16];
	unsigned char *in = malloc((size_t)AJ_JOBS * AJ_LEN);
	struct aes_job *a = calloc(AJ_JOBS, sizeof(*a));
	int i, j, n;

	memset(r, 0, sizeof(*r));
	if (!in || !a)
		goto out;
	RAND_bytes(key, sizeof(key));
	RAND_bytes(iv, sizeof(iv));
	RAND_bytes(aad, sizeof(aad));
	RAND_bytes(in, AJ_JOBS * AJ_LEN);
	for (j = 0; j < 3; j++)
		r->offloaded[j] = alg_counter(algs[j], WD_ALG_OFFLOADED);
	for (i = 0; i < AJ_JOBS; i++) {
		a[i].key = key;
		a[i].iv = iv;
		a[i].aad = aad;
		a[i].in = in + (size_t)i * AJ_LEN;
	}
	{
		void *args[AJ_JOBS];
		int quiet;

		for (i = 0; i < AJ_JOBS; i++)
			args[i] = &a[i];
		r->ran = run_jobs(job_aes, args, r->pauses, AJ_JOBS, &quiet);
		r->ran &= quiet == AJ_JOBS;
	}
	for (i = 0; i < AJ_JOBS; i++) {
		r->paused += r->pauses[i] >= AJ_NR;
		for (j = 0; j < AJ_NR; j++) {
			n = cipher_once(NULL, "provider=default", aj_ops[j].name, 1, key, iv,
					aj_ops[j].ivlen, aad, 13, tag, a[i].in, AJ_LEN, ref, 0);
			r->same += n > 0 && a[i].n[j] == n &&
				   !memcmp(a[i].out[j], ref, (size_t)n) &&
				   (j > AJ_GCM_SPLIT || !memcmp(a[i].tag[j], tag, 16));
		}
	}
	for (j = 0; j < 3; j++)
		r->offloaded[j] = alg_counter(algs[j], WD_ALG_OFFLOADED) - r->offloaded[j];
out:
	free(in);
	free(a);
	return r->ran && r->same == AJ_JOBS * AJ_NR;
}

/* at least one request a message went through a queue */
static int aj_offloaded(const struct aj_result *r)
{
	return r->offloaded[0] >= 2 * AJ_JOBS && r->offloaded[1] >= 2 * AJ_JOBS &&
	       r->offloaded[2] >= AJ_JOBS;
}

static void check_async_aes(void)
{
	struct aj_result r;
	int status = -1, good = async_aes(&r);
	pid_t pid;

	ok(good && r.paused == AJ_JOBS,
	   "%d ASYNC jobs of AES-GCM, CBC (whole and in updates) and XTS: %d/%d equal "
	   "the default's, %d jobs paused each message (%d, %d, %d, %d times)",
	   AJ_JOBS, r.same, AJ_JOBS * AJ_NR, r.paused, r.pauses[0], r.pauses[1],
	   r.pauses[2], r.pauses[3]);
	ok(aj_offloaded(&r),
	   "AES in ASYNC jobs counted as offloaded (gcm %llu, cbc %llu, xts %llu)",
	   (unsigned long long)r.offloaded[0], (unsigned long long)r.offloaded[1],
	   (unsigned long long)r.offloaded[2]);
	/* the child has no waiter thread and no queues of the parent's */
	pid = fork();
	if (pid == 0)
		_exit(async_aes(&r) && r.paused == AJ_JOBS && aj_offloaded(&r) ? 0 : 1);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a forked child runs AES in ASYNC jobs on queues of its own");
}

/*
 * The jobs on a failing soft device: WD_SOFT_FAULT is read once per
 * process, so this program runs them again in a new process ("async-aes").
 * Every request the queue fails is done in software: same bytes.
 */
/*
 * Run this program again as "test_provider mode" under WD_SOFT_FAULT=fault
 * (read once per process, hence a new one); 1 when it exits 0.
 */
static int run_with_fault(const char *mode, const char *fault)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		setenv("WD_SOFT_FAULT", fault, 1);
		execl("/proc/self/exe", "test_provider", mode, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void check_async_aes_faults(void)
{
	static const char *const faults[] = { "error=3", "busy=2", "vanish=7", "missing" };
	size_t i;

	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		ok(run_with_fault("async-aes", faults[i]),
		   "AES in ASYNC jobs with WD_SOFT_FAULT=%s: same bytes as default", faults[i]);
}

/*
 * RSA in ASYNC jobs resumed only when their wait fd is readable, as openssl
 * speed -async_jobs and libssl's SSL_MODE_ASYNC users do: 8 jobs sign 6
 * messages each with a fresh key. On the soft device each job's queue
 * signals the job's wait fd itself; with WD_SOFT_FAULT=noevent (a device
 * without eventfds, as a kernel one) the completion threads do.
 */
#define RJ_JOBS		8
#define RJ_SIGNS	6

struct rsa_job {
	EVP_PKEY *wd;
	unsigned char tbs[RJ_SIGNS][32], sig[RJ_SIGNS][512];
	size_t siglen[RJ_SIGNS];
	int good;
};

static int job_rsa(void *varg)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	struct rsa_job *a = *(struct rsa_job **)varg;
	int i;

	a->good = 0;
	for (i = 0; i < RJ_SIGNS; i++) {
		a->siglen[i] = sizeof(a->sig[i]);
		a->good += do_sign(wdctx, WDQ, a->wd, &p, a->tbs[i], 32, a->sig[i],
				   &a->siglen[i]);
	}
	return 1;
}

struct rj_result {
	int ran;		/* every job finished, every wait fd woke */
	int quiet;		/* wait fds not readable once their job finished */
	int same;		/* signatures equal to the default provider's */
	int paused;		/* jobs that paused */
	int pauses;
	uint64_t offloaded;
};

static int async_rsa(struct rj_result *r, int busy)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	struct rsa_job *a = calloc(RJ_JOBS, sizeof(*a));
	EVP_PKEY *def = EVP_RSA_gen(1024), *wd = def ? to_wd(def) : NULL;
	int pauses[RJ_JOBS] = { 0 }, i, j;
	unsigned char ref[512];
	void *args[RJ_JOBS];
	size_t reflen;

	memset(r, 0, sizeof(*r));
	if (!a || !wd)
		goto out;
	r->offloaded = alg_counter("rsa-sign", WD_ALG_OFFLOADED);
	for (i = 0; i < RJ_JOBS; i++) {
		a[i].wd = wd;
		RAND_bytes(&a[i].tbs[0][0], sizeof(a[i].tbs));
		args[i] = &a[i];
	}
	r->ran = run_jobs_loop(job_rsa, args, pauses, RJ_JOBS, &r->quiet, busy);
	r->offloaded = alg_counter("rsa-sign", WD_ALG_OFFLOADED) - r->offloaded;
	for (i = 0; i < RJ_JOBS; i++) {
		/* an answer already in when the job looks needs no pause */
		r->paused += pauses[i] > 0;
		r->pauses += pauses[i];
		for (j = 0; j < RJ_SIGNS && a[i].good == RJ_SIGNS; j++) {
			reflen = sizeof(ref);
			r->same += do_sign(NULL, NULL, def, &p, a[i].tbs[j], 32, ref, &reflen) &&
				   reflen == a[i].siglen[j] && !memcmp(ref, a[i].sig[j], reflen);
		}
	}
out:
	EVP_PKEY_free(def);
	EVP_PKEY_free(wd);
	free(a);
	return r->ran && r->quiet == RJ_JOBS && r->same == RJ_JOBS * RJ_SIGNS;
}

static void check_async_rsa(void)
{
	static const char *const faults[] = {
		"noevent", "error=3", "busy=2", "vanish=7", "missing"
	};
	struct rj_result r;
	int good = async_rsa(&r, 0);
	size_t i;

	/* a job that finds its answer in when it looks goes on without a pause */
	ok(good && r.pauses > 0,
	   "%d ASYNC jobs x %d RSA signatures resumed by their wait fds: %d/%d equal "
	   "the default's, %d jobs paused (%d times)", RJ_JOBS, RJ_SIGNS, r.same,
	   RJ_JOBS * RJ_SIGNS, r.paused, r.pauses);
	ok(r.ran && r.quiet == RJ_JOBS, "every finished job's wait fd is quiet (%d of %d)",
	   r.quiet, RJ_JOBS);
	ok(r.offloaded >= RJ_JOBS * RJ_SIGNS, "the signatures were counted as offloaded (%llu)",
	   (unsigned long long)r.offloaded);
	/* resumed before the fd says so, a job may see its answer before the signal */
	good = async_rsa(&r, 1);
	ok(good, "the same jobs resumed every 20 us whatever their fds say: %d/%d equal, "
	   "%d of %d fds quiet at the end", r.same, RJ_JOBS * RJ_SIGNS, r.quiet, RJ_JOBS);
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		ok(run_with_fault("async-rsa", faults[i]),
		   "RSA in ASYNC jobs with WD_SOFT_FAULT=%s: same signatures, quiet fds",
		   faults[i]);
}

struct thread_arg {
	EVP_PKEY *wd;
	const unsigned char *ref;
	size_t reflen;
	int good;
};

static void *thread_sign(void *varg)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	struct thread_arg *a = varg;
	unsigned char tbs[32] = { 11 }, sig[512];
	int i;

	for (i = 0; i < 20; i++) {
		size_t l = sizeof(sig);

		a->good += do_sign(wdctx, WDQ, a->wd, &p, tbs, 32, sig, &l) &&
			   l == a->reflen && !memcmp(sig, a->ref, l);
	}
	return NULL;
}

/* Threads sign with one key at once: each borrows a queue of its own. */
static void check_threads(EVP_PKEY *def, EVP_PKEY *wd)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	unsigned char tbs[32] = { 11 }, ref[512];
	size_t reflen = sizeof(ref);
	struct thread_arg args[4];
	pthread_t th[4];
	int i, good = 0;

	do_sign(NULL, NULL, def, &p, tbs, 32, ref, &reflen);
	for (i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){ wd, ref, reflen, 0 };
		pthread_create(&th[i], NULL, thread_sign, &args[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		good += args[i].good;
	}
	ok(good == 80, "4 threads x 20 signatures with one wd key: %d/80 equal the default's",
	   good);
}

static void check_fork(EVP_PKEY *def, EVP_PKEY *wd)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	unsigned char tbs[32] = { 9 }, s1[512], s2[512];
	size_t l1 = sizeof(s1), l2 = sizeof(s2);
	int status = -1;
	pid_t pid;

	do_sign(NULL, NULL, def, &p, tbs, 32, s2, &l2);
	pid = fork();
	if (pid == 0) {
		uint64_t before = alg_counter("rsa-sign", WD_ALG_OFFLOADED);
		int good = do_sign(wdctx, WDQ, wd, &p, tbs, 32, s1, &l1) &&
			   l1 == l2 && !memcmp(s1, s2, l1) &&
			   alg_counter("rsa-sign", WD_ALG_OFFLOADED) == before + 1;

		_exit(good ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a forked child signs on a queue of its own: same bytes as default");
	l1 = sizeof(s1);
	ok(do_sign(wdctx, WDQ, wd, &p, tbs, 32, s1, &l1) && !memcmp(s1, s2, l2),
	   "the parent still signs after the fork");
}

/*
 * RSA requests go on share-domain queues when the device has them: the key
 * block, input and output are staged through the queue's share region, so
 * the soft engine need not probe the caller's pages. Counted from the
 * queues' own counters in the stats file, by mode.
 */
struct mode_requests {
	const char *mode;
	uint64_t n;
};

static int mode_requests_cb(const struct wd_stats_file *f, void *arg)
{
	struct mode_requests *m = arg;
	int i;

	if (f->pid != getpid())
		return 0;
	for (i = 0; i < WD_STATS_MAX_QUEUES; i++)
		if (f->queues[i].in_use && !strcmp(f->queues[i].mode, m->mode))
			m->n += f->queues[i].requests;
	return 1;
}

/* Requests sent so far on this process's open queues of mode ("sva", "share"). */
static uint64_t mode_requests(const char *mode)
{
	struct mode_requests m = { mode, 0 };

	wd_stats_scan(mode_requests_cb, &m);
	return m.n;
}

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

static int write_config(char *name, size_t size)
{
	static const char text[] =
		"openssl_conf = init\n[init]\nproviders = prov\n"
		"[prov]\ndefault = def_sect\nwd = wd_sect\n"
		"[wd_sect]\nactivate = 1\ncipher_threshold = 4096\n"
		"[def_sect]\nactivate = 1\n";
	int fd;

	snprintf(name, size, "/tmp/wdp-test-XXXXXX");
	fd = mkstemp(name);
	if (fd < 0)
		return 0;
	if (write(fd, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1) {
		close(fd);
		return 0;
	}
	close(fd);
	return 1;
}

/*
 * wd.so from the build tree in wdctx, with a configuration as in
 * provider/examples/openssl.cnf but a cipher threshold low enough that AES
 * takes the queues too (the "auto" default keeps AES in software on the
 * soft device).
 */
static int load_wd(const char *path)
{
	char cnf[64];
	int good;

	wdctx = OSSL_LIB_CTX_new();
	if (!wdctx)
		return 0;
	OSSL_PROVIDER_set_default_search_path(wdctx, path);
	if (!write_config(cnf, sizeof(cnf)))
		return 0;
	good = OSSL_LIB_CTX_load_config(wdctx, cnf) && OSSL_PROVIDER_available(wdctx, "wd");
	unlink(cnf);
	return good;
}

int main(int argc, char **argv)
{
	static const int sizes[] = { 1024, 2048, 3072, 4096, 1031, 2056 };
	const char *top = getenv("top_builddir");
	EVP_PKEY *def[6], *wd[6];
	uint64_t sign0, dec0;
	char path[4096];
	size_t i;

	snprintf(path, sizeof(path), "%s/provider/.libs", top ? top : "..");
	if (argc == 2 && !strcmp(argv[1], "async-aes")) {
		/* check_async_aes_faults: no TAP output, the exit status */
		struct aj_result r;

		return load_wd(path) && async_aes(&r) ? 0 : 1;
	}
	if (argc == 2 && !strcmp(argv[1], "rsa-sva"))
		return load_wd(path) && rsa_sva() ? 0 : 1;
	if (argc == 2 && !strcmp(argv[1], "async-rsa")) {
		struct rj_result r;

		return load_wd(path) && async_rsa(&r, 0) && async_rsa(&r, 1) ? 0 : 1;
	}
	tap_plan(0);
	if (!load_wd(path)) {
		ERR_print_errors_fp(stdout);
		tap_bail("cannot load wd.so from the build tree");
	}
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
	check_aes_all();
#ifdef __SANITIZE_ADDRESS__
	/* ASan loses track of the stacks OpenSSL's ASYNC jobs switch between */
	(void)check_async;
	(void)check_async_aes;
	(void)check_async_aes_faults;
	(void)check_async_rsa;
	tap_skip_n(17, "ASYNC jobs (swapcontext) under AddressSanitizer");
#else
	check_async(def[1], wd[1]);
	check_async_aes();
	check_async_aes_faults();
	check_async_rsa();
#endif
	check_threads(def[0], wd[0]);
	check_fork(def[1], wd[1]);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		EVP_PKEY_free(def[i]);
		EVP_PKEY_free(wd[i]);
	}
	OSSL_LIB_CTX_free(wdctx);
	return tap_exit();
}
