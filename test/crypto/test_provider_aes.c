// SPDX-License-Identifier: MIT
/*
 * test_provider_aes.c - the wd provider's AES against OpenSSL's default
 * provider: every mode and key size with random lengths cut into random
 * updates, in place, GCM with AAD and tag failures, and GCM contexts
 * duplicated mid-message.
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

#define MAXLEN	(96 * 1024)

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

int main(void)
{
	tap_plan(0);
	load_wd_or_bail(wd_module_dir());
	check_aes_all();
	OSSL_LIB_CTX_free(wdctx);
	return tap_exit();
}
