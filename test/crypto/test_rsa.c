// SPDX-License-Identifier: MIT
/*
 * test_rsa.c - WD_OP_RSA on the device against OpenSSL's default provider:
 * raw public and CRT private operations on keys of 1024..4096 bits and odd
 * sizes, the key cache of a session, key generation, and the errors bad
 * requests must get.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include "wd.h"
#include "wd_rsa.h"
#include "tap.h"

static struct wd_queue q;

static const char *const names[WD_RSA_NR_COMP] = {
	OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
	OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
	OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
	OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

/* Format pkey as a wd key (public or private CRT). */
static int key_from_pkey(struct wd_rsa_key *key, EVP_PKEY *pkey, enum wd_rsa_op op)
{
	uint8_t *comp[WD_RSA_NR_COMP] = { 0 };
	size_t len[WD_RSA_NR_COMP] = { 0 };
	int i, ret;

	for (i = 0; i < WD_RSA_NR_COMP; i++) {
		BIGNUM *bn = NULL;

		if (!EVP_PKEY_get_bn_param(pkey, names[i], &bn))
			continue;
		len[i] = (size_t)BN_num_bytes(bn);
		comp[i] = malloc(len[i] + 1);
		BN_bn2bin(bn, comp[i]);
		BN_free(bn);
	}
	ret = wd_rsa_key_init(key, op, (const uint8_t *const *)comp, len);
	for (i = 0; i < WD_RSA_NR_COMP; i++)
		free(comp[i]);
	return ret;
}

/* The reference raw operation. */
static int ref_raw(EVP_PKEY *pkey, int private, const uint8_t *in, size_t k,
		   uint8_t *out)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, "provider=default");
	size_t outlen = k;
	int ok;

	ok = pc && (private ? EVP_PKEY_decrypt_init(pc) : EVP_PKEY_encrypt_init(pc)) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(pc, RSA_NO_PADDING) > 0 &&
	     (private ? EVP_PKEY_decrypt(pc, out, &outlen, in, k) :
			EVP_PKEY_encrypt(pc, out, &outlen, in, k)) > 0;
	EVP_PKEY_CTX_free(pc);
	return ok ? (int)outlen : -1;
}

static EVP_PKEY *ref_keygen(unsigned int bits)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", "provider=default");
	EVP_PKEY *pkey = NULL;

	if (pc && EVP_PKEY_keygen_init(pc) > 0 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(pc, (int)bits) > 0)
		EVP_PKEY_keygen(pc, &pkey);
	EVP_PKEY_CTX_free(pc);
	return pkey;
}

/* A random input below n: same length, top byte smaller than n's. */
static void random_below(const struct wd_rsa_key *key, uint8_t *in)
{
	size_t nlen;
	const uint8_t *n = wd_rsa_key_comp(key, WD_RSA_N, &nlen);

	RAND_bytes(in, (int)nlen);
	in[0] = n[0] ? (uint8_t)(in[0] % n[0]) : 0;
}

static void check_key(EVP_PKEY *pkey, unsigned int bits, uint32_t ctx)
{
	struct wd_rsa_key pub, priv;
	uint8_t in[1024], out[1024], ref[1024];
	struct wd_msg m;
	int ret, r1, r2, i;
	size_t k;

	ok(key_from_pkey(&pub, pkey, WD_RSA_PUBLIC) == 0 &&
	   key_from_pkey(&priv, pkey, WD_RSA_PRIVATE_CRT) == 0 && pub.bits == bits,
	   "%u-bit key formatted (public and CRT)", bits);
	k = pub.key_bytes;
	for (i = 0; i < 2; i++) {
		random_below(&pub, in);
		wd_rsa_msg_init(&m, &priv, ctx, in, k, out, sizeof(out));
		ret = wd_rsa_run(&q, &m);
		r1 = ref_raw(pkey, 1, in, k, ref);
		ok(ret == 0 && m.produced == k && r1 == (int)k && !memcmp(out, ref, k),
		   "%u bits: private CRT op equals default (status %d, ctx %u)", bits, ret, ctx);
		wd_rsa_msg_init(&m, &pub, ctx, out, k, in, sizeof(in));
		ret = wd_rsa_run(&q, &m);
		r2 = ref_raw(pkey, 0, out, k, ref);
		ok(ret == 0 && r2 == (int)k && !memcmp(in, ref, k),
		   "%u bits: public op equals default and inverts the private op", bits);
	}
	/* short input: the device left-pads it */
	in[0] = 0x42;
	wd_rsa_msg_init(&m, &pub, 0, in, 1, out, sizeof(out));
	ret = wd_rsa_run(&q, &m);
	memset(ref, 0, k);
	ref[k - 1] = 0x42;
	r1 = ref_raw(pkey, 0, ref, k, ref);
	ok(ret == 0 && !memcmp(out, ref, k), "%u bits: 1-byte input read as a number", bits);

	/* input >= n */
	memcpy(in, wd_rsa_key_comp(&pub, WD_RSA_N, &k), k);
	wd_rsa_msg_init(&m, &priv, ctx, in, k, out, sizeof(out));
	ret = wd_rsa_run(&q, &m);
	ok(ret == -EINVAL, "%u bits: input equal to n: -EINVAL (got %d)", bits, ret);
	wd_rsa_msg_init(&m, &priv, ctx, in, k, out, k - 1);
	ret = wd_rsa_run(&q, &m);
	ok(ret == -ENOSPC, "%u bits: dst of bytes(n) - 1: -ENOSPC (got %d)", bits, ret);
	wd_rsa_key_clear(&pub);
	wd_rsa_key_clear(&priv);
}

static void check_keygen(unsigned int bits)
{
	uint8_t req[WD_RSA_KEYGEN_REQ_LEN] __attribute__((aligned(8)));
	size_t olen = wd_rsa_keygen_out_len(bits);
	uint8_t *blk = malloc(olen), in[1024], out[1024], back[1024];
	struct wd_rsa_key key, pub;
	const uint8_t *comp[WD_RSA_NR_COMP];
	size_t len[WD_RSA_NR_COMP];
	struct wd_msg m;
	int ret, i;

	ret = wd_rsa_keygen_msg_init(&m, req, bits, 0, blk, olen);
	if (!ret)
		ret = wd_rsa_run(&q, &m);
	ok(ret == 0 && wd_rsa_key_from_block(&key, blk, m.produced) == 0 &&
	   key.bits == bits, "keygen %u bits: a CRT key block (status %d)", bits, ret);
	for (i = 0; i < WD_RSA_NR_COMP; i++)
		comp[i] = wd_rsa_key_comp(&key, i, &len[i]);
	wd_rsa_key_init(&pub, WD_RSA_PUBLIC, comp, len);
	random_below(&key, in);
	wd_rsa_msg_init(&m, &key, 0, in, key.key_bytes, out, sizeof(out));
	ret = wd_rsa_run(&q, &m);
	wd_rsa_msg_init(&m, &pub, 0, out, key.key_bytes, back, sizeof(back));
	ret = ret ? ret : wd_rsa_run(&q, &m);
	ok(ret == 0 && !memcmp(in, back, key.key_bytes),
	   "keygen %u bits: public op inverts private op", bits);
	wd_rsa_key_clear(&key);
	wd_rsa_key_clear(&pub);
	free(blk);
}

static void check_errors(EVP_PKEY *pkey)
{
	struct wd_rsa_key key;
	uint8_t in[256] = { 1 }, out[256];
	struct wd_msg m;
	int ret;

	key_from_pkey(&key, pkey, WD_RSA_PRIVATE_CRT);
	key.param->len[WD_RSA_D]++;	/* lengths no longer add up */
	wd_rsa_msg_init(&m, &key, 0, in, sizeof(in), out, sizeof(out));
	ret = wd_rsa_run(&q, &m);
	ok(ret == -EINVAL, "block whose lengths do not add up: -EINVAL (got %d)", ret);
	key.param->len[WD_RSA_D]--;
	key.param->op = 9;
	ret = wd_rsa_run(&q, &m);
	ok(ret == -EINVAL, "unknown op: -EINVAL (got %d)", ret);
	key.param->op = WD_RSA_PRIVATE_CRT;
	m.param = (void *)64;
	ret = wd_rsa_run(&q, &m);
	ok(ret == -EFAULT, "param block at an unmapped address: -EFAULT (got %d)", ret);
	wd_rsa_key_clear(&key);
	ok(wd_rsa_keygen_msg_init(&m, in, 512, 0, out, sizeof(out)) == -EINVAL,
	   "keygen of 512 bits refused");
}

int main(void)
{
	static const unsigned int sizes[] = { 1024, 2048, 3072, 4096, 1031, 2056, 1536 };
	EVP_PKEY *keys[sizeof(sizes) / sizeof(sizes[0])];
	unsigned int i;
	int ctx;

	tap_plan(0);
	q.capa.alg = "rsa";
	if (wd_request_queue(&q))
		tap_bail("no queue serves rsa");
	ctx = wd_ctx_alloc(&q);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		keys[i] = ref_keygen(sizes[i]);
		check_key(keys[i], sizes[i], 0);
	}
	/* one session used as the cache of several keys in turn */
	for (i = 0; i < 3; i++)
		check_key(keys[i], sizes[i], (uint32_t)ctx);
	check_key(keys[0], sizes[0], (uint32_t)ctx);
	check_keygen(1024);
	check_keygen(2048);
	check_keygen(1100);
	check_errors(keys[1]);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		EVP_PKEY_free(keys[i]);
	wd_ctx_free(&q, ctx);
	wd_release_queue(&q);
	return tap_exit();
}
