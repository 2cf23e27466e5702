// SPDX-License-Identifier: MIT
/*
 * test_cipher.c - WD_OP_CIPHER on the device against OpenSSL's default
 * provider: every AES mode and key size, random lengths, whole messages and
 * messages cut into random requests (sessions), in place, GCM with AAD,
 * odd IV lengths and tag failures, and the errors bad requests must get.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "wd.h"
#include "wd_cipher.h"
#include "tap.h"

#define MAX_LEN	(64 * 1024)

static struct wd_queue q;
static uint8_t *in, *out_wd, *out_ref;

static const char *ossl_name(int mode, size_t key_len)
{
	static char name[32];
	static const char *const m[] = { "ECB", "CBC", "CTR", "XTS", "GCM" };
	size_t bits = mode == WD_CIPHER_XTS ? key_len * 4 : key_len * 8;

	snprintf(name, sizeof(name), "AES-%zu-%s", bits, m[mode]);
	return name;
}

/* The reference: default provider, whole message; returns bytes or -1. */
static int ref_crypt(int mode, int enc, const uint8_t *key, size_t key_len,
		     const uint8_t *iv, size_t iv_len, const uint8_t *aad,
		     size_t aad_len, const uint8_t *src, size_t len, uint8_t *dst,
		     uint8_t *tag, size_t tag_len)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, ossl_name(mode, key_len), "provider=default");
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, ok;

	ok = c && ctx && EVP_CipherInit_ex2(ctx, c, NULL, NULL, enc, NULL);
	if (ok && mode == WD_CIPHER_GCM)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, (int)iv_len, NULL);
	ok = ok && EVP_CipherInit_ex2(ctx, NULL, key, iv, enc, NULL);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	if (ok && aad_len)
		ok = EVP_CipherUpdate(ctx, NULL, &l1, aad, (int)aad_len);
	if (ok && mode == WD_CIPHER_GCM && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag_len, tag);
	ok = ok && EVP_CipherUpdate(ctx, dst, &l1, src, (int)len);
	ok = ok && EVP_CipherFinal_ex(ctx, dst + l1, &l2);
	if (ok && mode == WD_CIPHER_GCM && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)tag_len, tag);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return ok ? l1 + l2 : -1;
}

static size_t rnd(size_t n)
{
	uint32_t r;

	RAND_bytes((unsigned char *)&r, sizeof(r));
	return n ? r % n : 0;
}

/* A text length the mode accepts, below max. */
static size_t mode_len(int mode, size_t max)
{
	size_t len = rnd(max);

	if (mode == WD_CIPHER_ECB || mode == WD_CIPHER_CBC)
		len &= ~(size_t)15;
	if (mode == WD_CIPHER_XTS && len < 16)
		len = 16;
	return len;
}

/*
 * Send src through a session in random pieces. With aad_len, the AAD goes
 * in its own first request(s). Returns 0 or the failing status.
 */
static int wd_split(const struct wd_cipher_param *p0, const uint8_t *aad,
		    size_t aad_len, const uint8_t *src, size_t len, uint8_t *dst)
{
	struct wd_cipher_param p = *p0;
	int ctx = wd_ctx_alloc(&q);
	size_t off = 0, out = 0;
	int first = 1, ret = 0;
	struct wd_msg m;

	if (ctx <= 0)
		return -ENOSPC;
	if (aad_len) {
		p.aad_len = (uint32_t)aad_len;
		wd_cipher_msg_init(&m, &p, ctx, WD_SQE_F_FIRST, aad, aad_len,
				   dst, 0);
		ret = wd_cipher_run(&q, &m);
		first = 0;
		p.aad_len = 0;
	}
	while (!ret) {
		size_t piece = rnd(len - off + 1);
		uint8_t flags = first ? WD_SQE_F_FIRST : 0;

		if (p.mode == WD_CIPHER_CBC || p.mode == WD_CIPHER_ECB)
			piece &= ~(size_t)15;
		if (off + piece == len)
			flags |= WD_SQE_F_LAST;
		wd_cipher_msg_init(&m, &p, ctx, flags, src + off, piece,
				   dst + out, MAX_LEN + 16 - out);
		ret = wd_cipher_run(&q, &m);
		first = 0;
		off += piece;
		out += m.produced;
		if (flags & WD_SQE_F_LAST)
			break;
	}
	wd_ctx_free(&q, ctx);
	return ret;
}

/* One random message of mode/key size, whole and split, both directions. */
static void check_mode(int mode, size_t key_len)
{
	uint8_t key[64], iv[128], tag[16], aad[64];
	size_t iv_len = mode == WD_CIPHER_ECB ? 0 : 16, aad_len = 0, tag_len = 0;
	size_t len = mode_len(mode, MAX_LEN), split_ok = 1;
	struct wd_cipher_param p;
	struct wd_msg m;
	int enc, ret, refl;

	RAND_bytes(key, sizeof(key));
	RAND_bytes(iv, sizeof(iv));
	RAND_bytes(aad, sizeof(aad));
	RAND_bytes(in, (int)len);
	if (mode == WD_CIPHER_GCM) {
		iv_len = 1 + rnd(3) * 12 + rnd(2) * rnd(100);	/* 1..112, often 12-ish */
		if (iv_len > 128)
			iv_len = 128;
		aad_len = rnd(sizeof(aad));
		tag_len = 16 - rnd(2) * 4;
	}
	for (enc = 1; enc >= 0; enc--) {
		memset(tag, 0, sizeof(tag));
		refl = ref_crypt(mode, 1, key, key_len, iv, iv_len, aad, aad_len,
				 in, len, out_ref, tag, tag_len);
		if (!enc)	/* decrypt what the reference encrypted */
			memcpy(in, out_ref, len);
		if (!enc)
			refl = ref_crypt(mode, 0, key, key_len, iv, iv_len, aad,
					 aad_len, in, len, out_ref, tag, tag_len);
		wd_cipher_param_init(&p, mode, enc, key, key_len, iv, iv_len, tag_len);
		if (!enc && tag_len)
			memcpy(p.tag, tag, tag_len);

		/* whole message, ctx_id 0: src = AAD || text */
		{
			uint8_t *src = malloc(aad_len + len + 1);

			memcpy(src, aad, aad_len);
			memcpy(src + aad_len, in, len);
			p.aad_len = (uint32_t)aad_len;
			wd_cipher_msg_init(&m, &p, 0, 0, src, aad_len + len, out_wd,
					   MAX_LEN + 16);
			ret = wd_cipher_run(&q, &m);
			p.aad_len = 0;
			free(src);
		}
		ok(ret == 0 && refl == (int)len && m.produced == len + (enc ? tag_len : 0) &&
		   !memcmp(out_wd, out_ref, len) &&
		   (!enc || !tag_len || !memcmp(out_wd + len, tag, tag_len)),
		   "%s %s %zu bytes (iv %zu, aad %zu): whole message equals default",
		   ossl_name(mode, key_len), enc ? "enc" : "dec", len, iv_len, aad_len);

		if (mode == WD_CIPHER_XTS)
			continue;	/* a data unit is never split */
		memset(out_wd, 0, len + 16);
		ret = wd_split(&p, aad, aad_len, in, len, out_wd);
		split_ok = ret == 0 && !memcmp(out_wd, out_ref, len) &&
			   (!enc || !tag_len || !memcmp(out_wd + len, tag, tag_len));
		ok(split_ok, "%s %s %zu bytes: split into random requests (status %d)",
		   ossl_name(mode, key_len), enc ? "enc" : "dec", len, ret);
	}
}

static void check_in_place(void)
{
	uint8_t key[32] = { 1 }, iv[16] = { 2 }, buf[4096];
	struct wd_cipher_param p;
	struct wd_msg m;

	RAND_bytes(in, sizeof(buf));
	memcpy(buf, in, sizeof(buf));
	ref_crypt(WD_CIPHER_CBC, 1, key, 32, iv, 16, NULL, 0, in, sizeof(buf),
		  out_ref, NULL, 0);
	wd_cipher_param_init(&p, WD_CIPHER_CBC, 1, key, 32, iv, 16, 0);
	wd_cipher_msg_init(&m, &p, 0, 0, buf, sizeof(buf), buf, sizeof(buf));
	ok(wd_cipher_run(&q, &m) == 0 && !memcmp(buf, out_ref, sizeof(buf)),
	   "CBC in place (src == dst) equals default");
}

static void check_gcm_tag_failure(void)
{
	uint8_t key[16] = { 3 }, iv[12] = { 4 }, tag[16], text[100];
	struct wd_cipher_param p;
	struct wd_msg m;
	int ret;

	RAND_bytes(text, sizeof(text));
	ref_crypt(WD_CIPHER_GCM, 1, key, 16, iv, 12, NULL, 0, text, sizeof(text),
		  out_ref, tag, 16);
	tag[5] ^= 1;
	wd_cipher_param_init(&p, WD_CIPHER_GCM, 0, key, 16, iv, 12, 16);
	memcpy(p.tag, tag, 16);
	wd_cipher_msg_init(&m, &p, 0, 0, out_ref, sizeof(text), out_wd, MAX_LEN);
	ret = wd_cipher_run(&q, &m);
	ok(ret == -EBADMSG, "GCM with a wrong tag: -EBADMSG (got %d)", ret);
	tag[5] ^= 1;
	memcpy(p.tag, tag, 16);
	out_ref[0] ^= 0x80;
	wd_cipher_msg_init(&m, &p, 0, 0, out_ref, sizeof(text), out_wd, MAX_LEN);
	ret = wd_cipher_run(&q, &m);
	ok(ret == -EBADMSG, "GCM with a changed ciphertext: -EBADMSG (got %d)", ret);
	out_ref[0] ^= 0x80;
	/* OpenSSL accepts any tag length from 1: so does the device */
	wd_cipher_param_init(&p, WD_CIPHER_GCM, 0, key, 16, iv, 12, 1);
	p.tag[0] = tag[0];
	wd_cipher_msg_init(&m, &p, 0, 0, out_ref, sizeof(text), out_wd, MAX_LEN);
	ret = wd_cipher_run(&q, &m);
	p.tag[0] ^= 1;
	ok(ret == 0 && wd_cipher_run(&q, &m) == -EBADMSG,
	   "GCM with a 1-byte tag: checked (got %d), and a wrong one refused", ret);
}

/*
 * The same on a decryption of the ciphertext in out_ref (tags ref_a of its
 * first 1000 bytes, ref_ab of all 3000): the tag that ciphertext should
 * carry, and the session still checks the real tag at its end. The provider
 * continues a message in software from this tag when the device fails.
 */
static void check_gcm_snapshot_dec(const uint8_t *key, const uint8_t *iv,
				   const uint8_t *text, const uint8_t *ref_a,
				   const uint8_t *ref_ab)
{
	struct wd_cipher_param p;
	struct wd_msg m;
	int ctx = wd_ctx_alloc(&q), r1, r2;

	wd_cipher_param_init(&p, WD_CIPHER_GCM, 0, key, 16, iv, 12, 16);
	p.flags = WD_CIPHER_F_TAG_SNAPSHOT;
	wd_cipher_msg_init(&m, &p, ctx, WD_SQE_F_FIRST, out_ref, 1000, out_wd, 1000);
	r1 = wd_cipher_run(&q, &m);
	ok(r1 == 0 && !memcmp(p.tag, ref_a, 16) && !memcmp(out_wd, text, 1000),
	   "GCM snapshot on a decryption: the tag of the first 1000 bytes (got %d)", r1);
	p.flags = 0;
	memcpy(p.tag, ref_ab, 16);
	wd_cipher_msg_init(&m, &p, ctx, WD_SQE_F_LAST, out_ref + 1000, 2000, out_wd + 1000,
			   2000);
	r2 = wd_cipher_run(&q, &m);
	ok(r2 == 0 && !memcmp(out_wd, text, 3000),
	   "GCM snapshot on a decryption: the session went on and checked the whole tag");
	wd_ctx_free(&q, ctx);
}

/* WD_CIPHER_F_TAG_SNAPSHOT: the tag of the message so far, session goes on. */
static void check_gcm_snapshot(void)
{
	uint8_t key[16] = { 5 }, iv[12] = { 6 }, ctr_iv[16], text[3000], ref_a[16], ref_ab[16];
	struct wd_cipher_param p;
	struct wd_msg m;
	int ctx = wd_ctx_alloc(&q), r1, r2;

	RAND_bytes(text, sizeof(text));
	ref_crypt(WD_CIPHER_GCM, 1, key, 16, iv, 12, NULL, 0, text, 1000, out_ref, ref_a, 16);
	ref_crypt(WD_CIPHER_GCM, 1, key, 16, iv, 12, NULL, 0, text, 3000, out_ref, ref_ab, 16);
	wd_cipher_param_init(&p, WD_CIPHER_GCM, 1, key, 16, iv, 12, 16);
	p.flags = WD_CIPHER_F_TAG_SNAPSHOT;
	wd_cipher_msg_init(&m, &p, ctx, WD_SQE_F_FIRST, text, 1000, out_wd, 1000);
	r1 = wd_cipher_run(&q, &m);
	ok(r1 == 0 && !memcmp(p.tag, ref_a, 16) && !memcmp(out_wd, out_ref, 1000),
	   "GCM snapshot: the block's tag is the tag of the first 1000 bytes");
	p.flags = 0;
	wd_cipher_msg_init(&m, &p, ctx, WD_SQE_F_LAST, text + 1000, 2000, out_wd + 1000, 2016);
	r2 = wd_cipher_run(&q, &m);
	ok(r2 == 0 && !memcmp(out_wd, out_ref, 3000) && !memcmp(out_wd + 3000, ref_ab, 16),
	   "GCM snapshot: the session went on to the whole message's tag");
	wd_ctx_free(&q, ctx);
	check_gcm_snapshot_dec(key, iv, text, ref_a, ref_ab);
	memset(ctr_iv, 6, sizeof(ctr_iv));
	wd_cipher_param_init(&p, WD_CIPHER_CTR, 1, key, 16, ctr_iv, 16, 0);
	p.flags = WD_CIPHER_F_TAG_SNAPSHOT;
	wd_cipher_msg_init(&m, &p, 0, 0, text, 100, out_wd, 100);
	ok(wd_cipher_run(&q, &m) == -EINVAL, "a snapshot asked of CTR: -EINVAL");
}

static void check_errors(void)
{
	uint8_t key[32] = { 0 }, iv[16] = { 0 }, buf[64];
	struct wd_cipher_param p;
	struct wd_msg m;
	int ret, ctx;

	ok(wd_cipher_param_init(&p, WD_CIPHER_CBC, 1, key, 20, iv, 16, 0) == -EINVAL,
	   "key of 20 bytes refused by wd_cipher_param_init");
	ok(wd_cipher_param_init(&p, WD_CIPHER_GCM, 1, key, 16, iv, 12, 0) == -EINVAL,
	   "GCM tag of 0 bytes refused");

	wd_cipher_param_init(&p, WD_CIPHER_CBC, 1, key, 16, iv, 16, 0);
	wd_cipher_msg_init(&m, &p, 0, 0, buf, 15, buf, sizeof(buf));
	ret = wd_cipher_run(&q, &m);
	ok(ret == -EINVAL, "CBC of 15 bytes: -EINVAL (got %d)", ret);

	wd_cipher_msg_init(&m, &p, 0, 0, buf, 32, buf, 16);
	ret = wd_cipher_run(&q, &m);
	ok(ret == -ENOSPC, "dst too small: -ENOSPC (got %d)", ret);

	p.key_len = 17;	/* forged block: the device checks it too */
	wd_cipher_msg_init(&m, &p, 0, 0, buf, 32, buf, sizeof(buf));
	ret = wd_cipher_run(&q, &m);
	ok(ret == -EINVAL, "forged block with key_len 17: -EINVAL (got %d)", ret);

	wd_cipher_param_init(&p, WD_CIPHER_CTR, 1, key, 16, iv, 16, 0);
	wd_cipher_msg_init(&m, &p, 0, 0, (void *)16, 32, buf, sizeof(buf));
	ret = wd_cipher_run(&q, &m);
	ok(ret == -EFAULT, "src at an unmapped address: -EFAULT (got %d)", ret);

	ctx = wd_ctx_alloc(&q);
	wd_cipher_msg_init(&m, &p, ctx, 0, buf, 32, buf, sizeof(buf));
	ret = wd_cipher_run(&q, &m);
	ok(ret == -EINVAL, "session continued without WD_SQE_F_FIRST: -EINVAL (got %d)", ret);
	wd_ctx_free(&q, ctx);
}

int main(void)
{
	static const size_t keys[] = { 16, 24, 32 };
	int mode, k, round, ret;

	tap_plan(0);
	q.capa.alg = "aes-gcm";
	ret = wd_request_queue(&q);
	if (ret)
		tap_bail("no queue serves aes-gcm");
	in = malloc(MAX_LEN + 16);
	out_wd = malloc(MAX_LEN + 16);
	out_ref = malloc(MAX_LEN + 16);
	for (round = 0; round < 2; round++)
		for (mode = 0; mode < WD_CIPHER_MODE_MAX; mode++)
			for (k = 0; k < 3; k++) {
				if (mode == WD_CIPHER_XTS && k == 1)
					continue;
				check_mode(mode, mode == WD_CIPHER_XTS ? keys[k] * 2 : keys[k]);
			}
	check_in_place();
	check_gcm_tag_failure();
	check_gcm_snapshot();
	check_errors();
	wd_release_queue(&q);
	free(in);
	free(out_wd);
	free(out_ref);
	return tap_exit();
}
