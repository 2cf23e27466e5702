// SPDX-License-Identifier: MIT
/*
 * test_provider_harden - the wd provider under injected device faults and
 * under memory limits, against OpenSSL's default provider.
 *
 * Faults (WD_SOFT_FAULT, one child each, the provider loaded from the
 * build tree inside the child so that the fault applies): RSA-2048 PKCS#1
 * signatures equal the default provider's, OAEP decryption of the default
 * provider's ciphertext gives the message back, AES in CBC, CTR, ECB, XTS
 * and GCM (IV lengths, AAD) over 1 MiB in updates gives the default
 * provider's bytes and tag, GCM decryption in place gives the text back and
 * refuses a wrong tag; each algorithm's counters say software did some of
 * the work (fallback or errors > 0), except under "slow", where the device
 * does it. A fault in the middle of a message (error=N, busy=N, vanish=N)
 * must not fail it. DESIGN.md invariant 3.
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

/*
 * An AES case: GCM may have an IV length other than 12 and AAD (given in
 * two pieces, so that the provider buffers it).
 */
struct aes_case {
	const char *name;
	size_t ivlen;		/* GCM; 0: the default 12 */
	size_t aad_len;
};

static const uint8_t aes_aad[40] = "additional data, authenticated not sent";

/* Key and IV for every case: XTS's two halves differ. */
static void aes_key_iv(uint8_t key[64], uint8_t iv[16])
{
	int i;

	for (i = 0; i < 64; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < 16; i++)
		iv[i] = (uint8_t)(0xa0 + i);
}

static int aes_start(OSSL_LIB_CTX *lc, const char *pq, const struct aes_case *t, int enc,
		     EVP_CIPHER **c, EVP_CIPHER_CTX *x)
{
	uint8_t key[64], iv[16];
	int n, half = (int)t->aad_len / 2;

	aes_key_iv(key, iv);
	*c = EVP_CIPHER_fetch(lc, t->name, pq);
	return *c && EVP_CipherInit_ex2(x, *c, NULL, NULL, enc, NULL) > 0 &&
	       (!t->ivlen || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, (int)t->ivlen,
						  NULL) > 0) &&
	       EVP_CipherInit_ex2(x, NULL, key, iv, enc, NULL) > 0 &&
	       (!t->aad_len || (EVP_CipherUpdate(x, NULL, &n, aes_aad, half) > 0 &&
				EVP_CipherUpdate(x, NULL, &n, aes_aad + half,
						 (int)t->aad_len - half) > 0));
}

/*
 * Run in through t in 64 KiB + odd updates (out may be in: in place);
 * *len gets the bytes. GCM: tag is the tag out (encryption) or in.
 */
static int aes_run(OSSL_LIB_CTX *lc, const char *pq, const struct aes_case *t, int enc,
		   const uint8_t *in, uint8_t *out, size_t *len, uint8_t tag[16])
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	EVP_CIPHER *c = NULL;
	size_t pos = 0, piece = 65536 + 17;
	int n, ok = x && aes_start(lc, pq, t, enc, &c, x);

	*len = 0;
	while (ok && pos < TEXT_LEN) {
		size_t l = TEXT_LEN - pos < piece ? TEXT_LEN - pos : piece;

		ok = EVP_CipherUpdate(x, out + *len, &n, in + pos, (int)l) > 0;
		*len += (size_t)n;
		pos += l;
	}
	if (ok && tag && !enc)
		ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, tag) > 0;
	ok = ok && EVP_CipherFinal_ex(x, out + *len, &n) > 0;
	if (ok)
		*len += (size_t)n;
	if (ok && tag && enc)
		ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag) > 0;
	EVP_CIPHER_CTX_free(x);
	EVP_CIPHER_free(c);
	return ok;
}

static int is_gcm(const struct aes_case *t)
{
	return strstr(t->name, "GCM") != NULL;
}

/* Encryption: wd's bytes (and tag) equal the default provider's. */
static int op_aes(const struct aes_case *t)
{
	uint8_t t1[16] = { 0 }, t2[16] = { 0 };
	size_t l1, l2;

	if (!aes_run(NULL, "provider=default", t, 1, text, c_def, &l1, is_gcm(t) ? t1 : NULL))
		return -1;
	if (!aes_run(wdctx, WDQ, t, 1, text, c_wd, &l2, is_gcm(t) ? t2 : NULL))
		return 0;
	return l1 == l2 && !memcmp(c_def, c_wd, l1) && !memcmp(t1, t2, 16) ? 1 : -1;
}

/*
 * GCM decryption, in place, of the default provider's ciphertext: the
 * text with its tag, a failure with a wrong one.
 */
static int op_gcm_dec(const struct aes_case *t)
{
	uint8_t tag[16];
	size_t l1, l2;
	int good, bad;

	if (!aes_run(NULL, "provider=default", t, 1, text, c_def, &l1, tag))
		return -1;
	memcpy(c_wd, c_def, l1);
	good = aes_run(wdctx, WDQ, t, 0, c_wd, c_wd, &l2, tag);
	if (good && (l2 != TEXT_LEN || memcmp(c_wd, text, TEXT_LEN)))
		return -1;
	memcpy(c_wd, c_def, l1);
	tag[5] ^= 0x10;
	bad = aes_run(wdctx, WDQ, t, 0, c_wd, c_wd, &l2, tag);
	ERR_clear_error();
	return bad ? -1 : good;
}

/* ------------------------------------------------------------------ */
/* faults                                                              */

static const struct aes_case aes_block[] = {
	{ "AES-256-CBC", 0, 0 }, { "AES-128-CTR", 0, 0 }, { "AES-192-ECB", 0, 0 },
	{ "AES-256-XTS", 0, 0 },
};
static const struct aes_case aes_gcm[] = {
	{ "AES-128-GCM", 0, 0 }, { "AES-256-GCM", 16, 21 }, { "AES-192-GCM", 7, 40 },
};
#define NBLOCK	(sizeof(aes_block) / sizeof(aes_block[0]))
#define NGCM	(sizeof(aes_gcm) / sizeof(aes_gcm[0]))

static const char *const algs[] = {
	"rsa-sign", "rsa-decrypt", "aes-cbc", "aes-ctr", "aes-ecb", "aes-xts", "aes-gcm"
};
#define NALGS	(sizeof(algs) / sizeof(algs[0]))

/*
 * How much of the device a fault leaves. GCM_VANISH: only the GCM cases
 * run, and the device vanishes in the middle of the first message.
 */
enum fault_kind { SOME_FAIL, ALL_FAIL, SLOW, GCM_VANISH };

/*
 * Each algorithm's counters. When every request fails, software did all
 * the work (fallback, or errors it recovered from); when some fail, at
 * least some of each AES message's (16 requests: every kind of fault
 * here hits some; RSA's two requests may well all succeed); when slow, the
 * device did and nothing failed.
 */
static int counters_agree(enum fault_kind kind)
{
	uint64_t soft, dev, errors;
	int good = 1, ok;
	size_t i;

	for (i = 0; i < NALGS; i++) {
		soft = alg_counter(algs[i], WD_ALG_FALLBACK);
		errors = alg_counter(algs[i], WD_ALG_ERRORS);
		dev = alg_counter(algs[i], WD_ALG_OFFLOADED);
		if (kind == GCM_VANISH && strcmp(algs[i], "aes-gcm"))
			continue;
		if (kind == SLOW)
			ok = dev && !errors;
		else if (kind == ALL_FAIL)
			ok = soft + errors && !dev;
		else
			ok = soft + errors || !strncmp(algs[i], "rsa", 3);
		if (ok)
			continue;
		printf("# %s counters: software %llu, errors %llu, device %llu\n", algs[i],
		       (unsigned long long)soft, (unsigned long long)errors,
		       (unsigned long long)dev);
		good = 0;
	}
	return good;
}

/*
 * The child's result: 0x01 RSA sign and decrypt, 0x02 AES-CBC/CTR/ECB/XTS,
 * 0x04 GCM encryption, 0x08 GCM decryption (and a wrong tag refused), each
 * equal to the default provider; 0x10 counters agree; 0x40 no setup.
 */
static int fault_case(void *arg)
{
	enum fault_kind kind = *(enum fault_kind *)arg;
	int r = 0x0f, res;
	EVP_PKEY *kwd;
	size_t i;

	if (!load_wd() || !(kwd = to_wd(key_def)))
		return 0x40;
	if (kind != GCM_VANISH && ((res = op_sign(kwd)) != 1 || op_decrypt(kwd) != 1)) {
		printf("# RSA sign %d, decrypt %d\n", res, op_decrypt(kwd));
		r &= ~0x01;
	}
	for (i = 0; i < NBLOCK && kind != GCM_VANISH; i++)
		if ((res = op_aes(&aes_block[i])) != 1) {
			printf("# %s: %d\n", aes_block[i].name, res);
			r &= ~0x02;
		}
	for (i = 0; i < NGCM; i++) {
		if ((res = op_aes(&aes_gcm[i])) != 1) {
			printf("# %s ivlen %zu aad %zu encryption: %d\n", aes_gcm[i].name,
			       aes_gcm[i].ivlen, aes_gcm[i].aad_len, res);
			r &= ~0x04;
		}
		if ((res = op_gcm_dec(&aes_gcm[i])) != 1) {
			printf("# %s ivlen %zu aad %zu decryption: %d\n", aes_gcm[i].name,
			       aes_gcm[i].ivlen, aes_gcm[i].aad_len, res);
			r &= ~0x08;
		}
	}
	EVP_PKEY_free(kwd);
	OSSL_LIB_CTX_free(wdctx);	/* flushes the provider's batched counts */
	if (counters_agree(kind))
		r |= 0x10;
	return r;
}

static void check_fault(const char *fault, enum fault_kind kind)
{
	int r = run_child(fault, fault_case, &kind);

	if (kind == GCM_VANISH)
		ok(r >= 0 && (r & 0x10), "WD_SOFT_FAULT=%s: the device vanishes in the middle of "
		   "a GCM message, the aes-gcm counters agree (result %#x)", fault, r);
	else
		ok(r >= 0 && (r & 0x13) == 0x13, "WD_SOFT_FAULT=%s: RSA sign/decrypt and "
		   "AES-CBC/CTR/ECB/XTS over 1 MiB equal the default provider, every "
		   "algorithm's counters agree (result %#x)", fault, r);
	ok(r >= 0 && (r & 0x04), "WD_SOFT_FAULT=%s: AES-GCM encryption over 1 MiB (IV of 12, "
	   "16 and 7 bytes, AAD) equals the default provider", fault);
	ok(r >= 0 && (r & 0x08), "WD_SOFT_FAULT=%s: AES-GCM decryption in place gives the text "
	   "back with the right tag and fails with a wrong one", fault);
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
	r[2] = op_aes(&aes_block[0]) == 1;
	r[3] = op_aes(&aes_gcm[0]) == 1;
	hog_free(hog);
	raise_limit();
	ERR_clear_error();
	for (i = 0; i < 4; i++)
		if (r[i])
			bad |= 1;	/* with no memory, success would be a surprise */
	if (op_sign(kwd) != 1 || op_decrypt(kwd) != 1 || op_aes(&aes_block[0]) != 1 ||
	    op_aes(&aes_gcm[0]) != 1)
		bad |= 2;
	EVP_PKEY_free(kwd);
	OSSL_LIB_CTX_free(wdctx);
	return bad;
}

int main(void)
{
	static const struct {
		const char *fault;
		enum fault_kind kind;
	} faults[] = {
		{ "missing", ALL_FAIL }, { "slow=3000", SLOW }, { "error=1", ALL_FAIL },
		{ "error=3", SOME_FAIL }, { "vanish=0", ALL_FAIL }, { "vanish=2", SOME_FAIL },
		{ "busy=2", SOME_FAIL },
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
		check_fault(faults[i].fault, faults[i].kind);
	/* 16 requests a GCM message: the 5th and all after fail */
	check_fault("vanish=4", GCM_VANISH);
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
