// SPDX-License-Identifier: MIT
/*
 * fuzz_provider - the wd provider's AES and RSA entry points with random
 * parameters through EVP, each result compared with OpenSSL's default
 * provider on the same key and input (DESIGN.md invariant 4):
 *   AES: every cipher wd offers, random key, IV (GCM: IV length, AAD, tag
 *        and tag length), direction, padding, text cut into random
 *        updates: the same success or failure at each step, the same bytes.
 *   RSA: 1024- and 2048-bit keys imported into wd; sign, verify, encrypt
 *        and decrypt with random padding, digest, salt length and input:
 *        deterministic operations must agree byte for byte, randomized ones
 *        must be read back by the default provider.
 * The provider is this tree's provider/ sources compiled into the target
 * (instrumented, registered with OSSL_PROVIDER_add_builtin) and configured
 * as test/crypto/test_provider does (cipher_threshold low enough that AES
 * goes through queues).
 *
 * Input: [operation][parameters ...][data ...]
 */
#include "config.h"

#include <unistd.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include "fuzz_util.h"

OSSL_provider_init_fn OSSL_provider_init;

static OSSL_LIB_CTX *wdctx;
static EVP_PKEY *key_def[2], *key_wd[2];

static const char *const ciphers[] = {
	"AES-128-ECB", "AES-192-ECB", "AES-256-ECB", "AES-128-CBC", "AES-192-CBC",
	"AES-256-CBC", "AES-128-CTR", "AES-192-CTR", "AES-256-CTR", "AES-128-XTS",
	"AES-256-XTS", "AES-128-GCM", "AES-192-GCM", "AES-256-GCM",
};
#define NCIPHERS	(sizeof(ciphers) / sizeof(ciphers[0]))
static EVP_CIPHER *c_def[NCIPHERS], *c_wd[NCIPHERS];

static EVP_PKEY *to_wd(EVP_PKEY *pkey)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc;
	EVP_PKEY *out = NULL;

	if (EVP_PKEY_todata(pkey, EVP_PKEY_KEYPAIR, &params) <= 0)
		return NULL;
	pc = EVP_PKEY_CTX_new_from_name(wdctx, "RSA", "provider=wd");
	if (pc && EVP_PKEY_fromdata_init(pc) > 0)
		EVP_PKEY_fromdata(pc, &out, EVP_PKEY_KEYPAIR, params);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	return out;
}

static void setup_provider(void)
{
	static const char cnf_text[] =
		"openssl_conf = init\n[init]\nproviders = prov\n"
		"[prov]\nwd = wd_sect\ndefault = def_sect\n"
		"[wd_sect]\nactivate = 1\ncipher_threshold = 1\n"
		"[def_sect]\nactivate = 1\n";
	char cnf[] = "/tmp/fuzz-provider-XXXXXX";
	int fd = mkstemp(cnf);
	size_t i;

	if (fd < 0 || write(fd, cnf_text, sizeof(cnf_text) - 1) != (ssize_t)sizeof(cnf_text) - 1)
		abort();
	close(fd);
	wdctx = OSSL_LIB_CTX_new();
	if (!OSSL_PROVIDER_add_builtin(wdctx, "wd", OSSL_provider_init) ||
	    !OSSL_LIB_CTX_load_config(wdctx, cnf) || !OSSL_PROVIDER_available(wdctx, "wd")) {
		unlink(cnf);
		ERR_print_errors_fp(stderr);
		fprintf(stderr, "fuzz_provider: the wd provider does not load\n");
		exit(1);
	}
	unlink(cnf);
	for (i = 0; i < NCIPHERS; i++) {
		c_def[i] = EVP_CIPHER_fetch(NULL, ciphers[i], "provider=default");
		c_wd[i] = EVP_CIPHER_fetch(wdctx, ciphers[i], "provider=wd");
		if (!c_def[i] || !c_wd[i]) {
			fprintf(stderr, "fuzz_provider: cannot fetch %s\n", ciphers[i]);
			exit(1);
		}
	}
	for (i = 0; i < 2; i++) {
		key_def[i] = EVP_RSA_gen(i ? 2048 : 1024);
		key_wd[i] = key_def[i] ? to_wd(key_def[i]) : NULL;
		if (!key_wd[i]) {
			fprintf(stderr, "fuzz_provider: no RSA key in wd\n");
			exit(1);
		}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_env();
	setup_provider();
	return 0;
}

/* ------------------------------------------------------------------ */
/* AES                                                                 */

struct aes_case {
	size_t ci;
	int enc, pad, ivlen, taglen;
	uint8_t key[64], iv[128], tag[16];
	const uint8_t *aad, *text;
	size_t aad_len, text_len;
	size_t cuts[4];
};

/* One run; out receives the text, tag the GCM tag; ok[] each step's result. */
static void aes_run(EVP_CIPHER *c, const struct aes_case *t, uint8_t *out, size_t *outlen,
		    uint8_t *tag, int ok[8])
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int gcm = t->ci >= 11, n = 0, step = 0;
	size_t pos = 0, i;

	memset(ok, 0, 8 * sizeof(int));
	*outlen = 0;
	ok[step++] = EVP_CipherInit_ex2(x, c, NULL, NULL, t->enc, NULL) > 0;
	if (gcm && ok[0])
		ok[0] = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, t->ivlen, NULL) > 0;
	if (ok[0])
		ok[0] = EVP_CipherInit_ex2(x, NULL, t->key, t->iv, t->enc, NULL) > 0;
	if (!ok[0])
		goto out;
	EVP_CIPHER_CTX_set_padding(x, t->pad);
	if (gcm && t->aad_len)
		ok[step] = EVP_CipherUpdate(x, NULL, &n, t->aad, (int)t->aad_len) > 0;
	step++;
	for (i = 0; i <= 4; i++) {
		size_t len = i < 4 ? t->cuts[i] : t->text_len - pos;

		if (len > t->text_len - pos)
			len = t->text_len - pos;
		n = 0;
		ok[step] = EVP_CipherUpdate(x, out + *outlen, &n, t->text + pos, (int)len) > 0;
		if (!ok[step])
			goto out;
		pos += len;
		*outlen += (size_t)n;
		step = step < 6 ? step + 1 : step;
	}
	if (gcm && !t->enc)
		EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, t->taglen, (void *)t->tag);
	n = 0;
	ok[7] = EVP_CipherFinal_ex(x, out + *outlen, &n) > 0;
	*outlen += ok[7] ? (size_t)n : 0;
	if (ok[7] && gcm && t->enc)
		ok[7] = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, t->taglen, tag) > 0;
out:
	EVP_CIPHER_CTX_free(x);
}

static void fuzz_aes(struct fz *f)
{
	static uint8_t out_def[1 << 16], out_wd[1 << 16];
	uint8_t tag_def[16] = { 0 }, tag_wd[16] = { 0 };
	struct aes_case t;
	int ok_def[8], ok_wd[8], i;
	size_t len_def, len_wd, n;
	const uint8_t *p;

	memset(&t, 0, sizeof(t));
	t.ci = fz_below(f, NCIPHERS);
	t.enc = fz_u8(f) & 1;
	t.pad = fz_u8(f) & 1;
	t.ivlen = 1 + (int)fz_below(f, 128);
	if (fz_u8(f) < 200)
		t.ivlen = 12;
	t.taglen = 1 + (int)fz_below(f, 16);
	p = fz_bytes(f, sizeof(t.key), &n);
	memcpy(t.key, p, n);
	p = fz_bytes(f, sizeof(t.iv), &n);
	memcpy(t.iv, p, n);
	p = fz_bytes(f, sizeof(t.tag), &n);
	memcpy(t.tag, p, n);
	for (i = 0; i < 4; i++)
		t.cuts[i] = fz_u16(f) % 600;
	t.aad = fz_bytes(f, fz_below(f, 64), &t.aad_len);
	t.text = fz_bytes(f, sizeof(out_def) - 64, &t.text_len);
	aes_run(c_def[t.ci], &t, out_def, &len_def, tag_def, ok_def);
	aes_run(c_wd[t.ci], &t, out_wd, &len_wd, tag_wd, ok_wd);
	for (i = 0; i < 8; i++)
		if (ok_def[i] != ok_wd[i])
			fz_fail("%s %s pad %d ivlen %d taglen %d len %zu: step %d default %d wd %d",
				ciphers[t.ci], t.enc ? "enc" : "dec", t.pad, t.ivlen, t.taglen,
				t.text_len, i, ok_def[i], ok_wd[i]);
	if (len_def != len_wd || memcmp(out_def, out_wd, len_def))
		fz_fail("%s: output differs (%zu/%zu bytes)", ciphers[t.ci], len_wd, len_def);
	if (memcmp(tag_def, tag_wd, sizeof(tag_def)))
		fz_fail("%s: tag differs", ciphers[t.ci]);
}

/* ------------------------------------------------------------------ */
/* RSA                                                                 */

static const int paddings[] = { RSA_PKCS1_PADDING, RSA_PKCS1_PSS_PADDING, RSA_NO_PADDING,
				RSA_PKCS1_OAEP_PADDING, RSA_X931_PADDING };
static const char *const mds[] = { "SHA256", "SHA1", "SHA512", "SHA384", NULL };

struct rsa_case {
	int key, op, pad, saltlen;
	const char *md;
	const uint8_t *in;
	size_t in_len;
	/* signed or verified when no digest is set (else a fixed digest) */
	const uint8_t *tbs;
	size_t tbs_len;
};

static int rsa_setup(EVP_PKEY_CTX *pc, const struct rsa_case *t)
{
	if (EVP_PKEY_CTX_set_rsa_padding(pc, t->pad) <= 0)
		return 0;
	if (t->md && t->op < 2 && EVP_PKEY_CTX_set_signature_md(pc, EVP_get_digestbyname(t->md)) <= 0)
		return 0;
	if (t->md && t->op >= 2 && t->pad == RSA_PKCS1_OAEP_PADDING &&
	    EVP_PKEY_CTX_set_rsa_oaep_md(pc, EVP_get_digestbyname(t->md)) <= 0)
		return 0;
	if (t->pad == RSA_PKCS1_PSS_PADDING && t->op < 2 &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, t->saltlen) <= 0)
		return 0;
	return 1;
}

/*
 * op: 0 sign, 1 verify (in = the signature), 2 encrypt, 3 decrypt. Sign and
 * verify take a fixed digest when t->md is set, else t->tbs as it is.
 */
static int rsa_run(OSSL_LIB_CTX *lc, const char *pq, EVP_PKEY *k, const struct rsa_case *t,
		   const uint8_t *in, size_t in_len, uint8_t *out, size_t *outlen)
{
	static const uint8_t digest[64] = "a digest that is signed and verified here";
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(lc, k, pq);
	size_t dlen = t->md ? (size_t)EVP_MD_get_size(EVP_get_digestbyname(t->md)) : t->tbs_len;
	int ret = 0;

	*outlen = 512;
	if (!pc)
		return -1;
	switch (t->op) {
	case 0:
		ret = EVP_PKEY_sign_init(pc) > 0 && rsa_setup(pc, t) &&
		      EVP_PKEY_sign(pc, out, outlen, t->md ? digest : t->tbs, dlen) > 0;
		break;
	case 1:
		ret = EVP_PKEY_verify_init(pc) > 0 && rsa_setup(pc, t) &&
		      EVP_PKEY_verify(pc, in, in_len, t->md ? digest : t->tbs, dlen) > 0;
		break;
	case 2:
		ret = EVP_PKEY_encrypt_init(pc) > 0 && rsa_setup(pc, t) &&
		      EVP_PKEY_encrypt(pc, out, outlen, in, in_len) > 0;
		break;
	default:
		ret = EVP_PKEY_decrypt_init(pc) > 0 && rsa_setup(pc, t) &&
		      EVP_PKEY_decrypt(pc, out, outlen, in, in_len) > 0;
		break;
	}
	EVP_PKEY_CTX_free(pc);
	ERR_clear_error();
	return ret;
}

static void fuzz_rsa(struct fz *f)
{
	uint8_t o_def[512], o_wd[512], back[512];
	size_t l_def, l_wd, l_back;
	struct rsa_case t;
	int r_def, r_wd, random_pad;

	t.key = fz_u8(f) & 1;
	t.op = (int)fz_below(f, 4);
	t.pad = paddings[fz_below(f, sizeof(paddings) / sizeof(int))];
	t.md = mds[fz_below(f, sizeof(mds) / sizeof(mds[0]))];
	t.saltlen = (int)fz_below(f, 80) - 4;
	t.in = fz_bytes(f, 300, &t.in_len);
	t.tbs = t.in;
	t.tbs_len = t.in_len;
	r_def = rsa_run(NULL, "provider=default", key_def[t.key], &t, t.in, t.in_len, o_def, &l_def);
	r_wd = rsa_run(wdctx, "provider=wd", key_wd[t.key], &t, t.in, t.in_len, o_wd, &l_wd);
	random_pad = t.pad == RSA_PKCS1_PSS_PADDING || t.pad == RSA_PKCS1_OAEP_PADDING ||
		     (t.op == 2 && t.pad == RSA_PKCS1_PADDING);
	if (r_def != r_wd)
		fz_fail("RSA key %d op %d pad %d md %s salt %d in %zu: default %d wd %d",
			t.key, t.op, t.pad, t.md ? t.md : "none", t.saltlen, t.in_len, r_def, r_wd);
	if (r_wd <= 0 || t.op == 1)
		return;
	if (!random_pad && (l_def != l_wd || memcmp(o_def, o_wd, l_def)))
		fz_fail("RSA key %d op %d pad %d: outputs differ", t.key, t.op, t.pad);
	if (random_pad && t.op == 0) {
		/* the default provider must accept wd's randomized signature of t.in */
		struct rsa_case v = t;

		v.op = 1;
		if (rsa_run(NULL, "provider=default", key_def[t.key], &v, o_wd, l_wd, back, &l_back) != 1)
			fz_fail("RSA pad %d md %s: wd's signature is not verified by default",
				t.pad, t.md ? t.md : "none");
	}
	if (random_pad && t.op == 2) {
		struct rsa_case d = t;

		d.op = 3;
		if (rsa_run(NULL, "provider=default", key_def[t.key], &d, o_wd, l_wd, back, &l_back) != 1 ||
		    l_back != t.in_len || memcmp(back, t.in, l_back))
			fz_fail("RSA pad %d: wd's ciphertext does not decrypt to the input", t.pad);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };

	if (fz_u8(&f) & 1)
		fuzz_rsa(&f);
	else
		fuzz_aes(&f);
	ERR_clear_error();
	return 0;
}
