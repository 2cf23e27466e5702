// SPDX-License-Identifier: MIT
/*
 * kmod_cipher - WD_OP_CIPHER on wd_soft.ko (AES ECB, CBC, CTR, XTS with the
 * kernel crypto API) against OpenSSL's EVP in this process: whole messages,
 * sessions cut at odd lengths, and the requests the device must refuse.
 */
#include <openssl/evp.h>
#include "kq.h"
#include "wd_cipher.h"

#define LEN	(100u << 10)

static unsigned char *plain, *out, *ref;
static struct wd_cipher_param *param;

static const EVP_CIPHER *evp_of(int mode, int key_len)
{
	switch (mode) {
	case WD_CIPHER_ECB:
		return key_len == 16 ? EVP_aes_128_ecb() : key_len == 24 ?
		       EVP_aes_192_ecb() : EVP_aes_256_ecb();
	case WD_CIPHER_CBC:
		return key_len == 16 ? EVP_aes_128_cbc() : key_len == 24 ?
		       EVP_aes_192_cbc() : EVP_aes_256_cbc();
	case WD_CIPHER_CTR:
		return key_len == 16 ? EVP_aes_128_ctr() : key_len == 24 ?
		       EVP_aes_192_ctr() : EVP_aes_256_ctr();
	default:
		return key_len == 32 ? EVP_aes_128_xts() : EVP_aes_256_xts();
	}
}

static void evp_run(int mode, int enc, const unsigned char *key, int key_len,
		    const unsigned char *iv, const unsigned char *in, int len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;

	EVP_CipherInit_ex(c, evp_of(mode, key_len), NULL, key, iv, enc);
	EVP_CIPHER_CTX_set_padding(c, 0);
	EVP_CipherUpdate(c, ref, &n, in, len);
	EVP_CipherFinal_ex(c, ref + n, &m);
	EVP_CIPHER_CTX_free(c);
}

static void setp(int mode, int enc, int key_len)
{
	int i;

	memset(param, 0, sizeof(*param));
	param->mode = mode;
	param->dir = enc ? WD_CIPHER_ENCRYPT : WD_CIPHER_DECRYPT;
	param->key_len = key_len;
	param->iv_len = mode == WD_CIPHER_ECB ? 0 : 16;
	for (i = 0; i < key_len; i++)
		param->key[i] = (unsigned char)(i * 13 + mode + key_len);
	for (i = 0; i < 16; i++)
		param->iv[i] = (unsigned char)(0xf0 + i);
}

static int req(struct kq *q, uint32_t ctx, uint8_t flags, const void *src,
	       uint32_t len, void *dst, uint32_t dlen)
{
	struct wd_sqe e = {
		.tag = 2, .opcode = WD_OP_CIPHER, .flags = flags, .ctx_id = ctx,
		.src = (uintptr_t)src, .src_len = len,
		.dst = (uintptr_t)dst, .dst_len = dlen,
		.param = (uintptr_t)param, .param_len = sizeof(*param),
	};
	struct wd_cqe c;
	int r = kq_roundtrip(q, &e, &c);

	return r ? r : (c.produced == len ? 0 : -EIO);
}

static void whole(struct kq *q)
{
	static const int modes[] = { WD_CIPHER_ECB, WD_CIPHER_CBC, WD_CIPHER_CTR, WD_CIPHER_XTS };
	static const char *names[] = { "ecb", "cbc", "ctr", "xts" };
	int m, k, enc;

	for (m = 0; m < 4; m++) {
		for (k = 0; k < 2; k++) {
			int key_len = modes[m] == WD_CIPHER_XTS ? 32 * (k + 1) : 16 + 16 * k;
			/* an XTS data unit is at most 64 KiB on this device */
			uint32_t len = modes[m] == WD_CIPHER_XTS ? 65536 : LEN;
			int good = 1;

			for (enc = 1; enc >= 0; enc--) {
				setp(modes[m], enc, key_len);
				evp_run(modes[m], enc, param->key, key_len, param->iv, plain, len);
				good &= req(q, 0, 0, plain, len, out, len) == 0 &&
					!memcmp(out, ref, len);
			}
			ok(good, "aes-%s-%d: encrypt and decrypt equal OpenSSL",
			   names[m], key_len * 8);
		}
	}
}

/* A session cut at odd places gives the same bytes as one message. */
static void sessions(struct kq *q)
{
	static const uint32_t cuts[] = { 4096, 17, 1000, 33, 65536 + 15, 1 };
	int mode, good;

	for (mode = WD_CIPHER_CBC; mode <= WD_CIPHER_CTR; mode++) {
		uint32_t done = 0, i = 0;

		setp(mode, 1, 32);
		evp_run(mode, 1, param->key, 32, param->iv, plain, LEN);
		good = 1;
		while (done < LEN) {
			uint32_t n = cuts[i++ % 6];

			if (mode == WD_CIPHER_CBC)
				n = (n + 15) & ~15u;
			if (n > LEN - done)
				n = LEN - done;
			good &= req(q, 3, done ? 0 : WD_SQE_F_FIRST, plain + done, n,
				    out + done, n) == 0;
			done += n;
		}
		ok(good && !memcmp(out, ref, LEN), "aes-%s session in %u odd pieces",
		   mode == WD_CIPHER_CBC ? "cbc" : "ctr", i);
	}
}

static void refused(struct kq *q)
{
	setp(WD_CIPHER_CBC, 1, 16);
	ok(req(q, 0, 0, plain, 100, out, 100) == -EINVAL, "cbc of 100 bytes: EINVAL");
	ok(req(q, 0, 0, plain, 96, out, 80) == -ENOSPC, "small dst: ENOSPC");
	setp(WD_CIPHER_CBC, 1, 20);
	ok(req(q, 0, 0, plain, 96, out, 96) == -EINVAL, "20-byte key: EINVAL");
	setp(WD_CIPHER_XTS, 1, 32);
	memcpy(param->key + 16, param->key, 16);
	ok(req(q, 0, 0, plain, 96, out, 96) == -EINVAL, "xts with equal halves: EINVAL");
	setp(WD_CIPHER_XTS, 1, 32);
	ok(req(q, 0, 0, plain, 65536 + 16, out, 65536 + 16) == -EOPNOTSUPP,
	   "xts data unit over 64 KiB: EOPNOTSUPP");
	setp(WD_CIPHER_GCM, 1, 16);
	param->iv_len = 12;
	param->tag_len = 16;
	ok(req(q, 0, 0, plain, 96, out, 112) == -EOPNOTSUPP, "gcm: EOPNOTSUPP");
	setp(WD_CIPHER_CTR, 1, 16);
	param->reserved2[5] = 1;
	ok(req(q, 0, 0, plain, 96, out, 96) == -EINVAL, "reserved bytes set: EINVAL");
	setp(WD_CIPHER_CTR, 1, 16);
	ok(req(q, 4, 0, plain, 96, out, 96) == -EINVAL, "a session must start with FIRST");
}

static void share_domain(const char *dev)
{
	struct kq q;

	if (kq_open(&q, dev, 0) || kq_map_ss(&q, 1 << 20))
		tap_bail("open share-domain queue");
	param = (struct wd_cipher_param *)q.ss;
	setp(WD_CIPHER_CBC, 1, 16);
	memcpy(q.ss + 4096, plain, 8192);
	evp_run(WD_CIPHER_CBC, 1, param->key, 16, param->iv, plain, 8192);
	ok(req(&q, 0, 0, q.ss + 4096, 8192, q.ss + 65536, 8192) == 0 &&
	   !memcmp(q.ss + 65536, ref, 8192), "share domain: aes-cbc inside the region");
	ok(req(&q, 0, 0, plain, 8192, q.ss + 65536, 8192) == -EFAULT,
	   "share domain: src outside the region: EFAULT");
	kq_close(&q);
}

int main(void)
{
	char sva[64], sd[64], algs[256];
	struct kq q;
	uint32_t i;

	tap_plan(0);
	kq_dev_or_bail(UACCE_DEV_SVA, sva, sizeof(sva));
	kq_dev_or_bail(UACCE_DEV_SHARE_DOMAIN, sd, sizeof(sd));
	if (kq_attr(sva, "algorithms", algs, sizeof(algs)) || !strstr(algs, "aes-xts") ||
	    !strstr(algs, "aes-ctr") || !strstr(algs, "aes-ecb")) {
		printf("# algorithms: %s\n", algs);
		tap_skip("the guest kernel lacks ecb/ctr/xts (crypto modules not loaded)");
	}
	ok(strstr(algs, "aes-cbc") && !strstr(algs, "aes-gcm") && !strstr(algs, "rsa"),
	   "algorithms: the AES modes served, not gcm or rsa (%s)", algs);
	plain = malloc(LEN);
	out = malloc(LEN);
	ref = malloc(LEN + 64);
	param = malloc(sizeof(*param));
	if (!plain || !out || !ref || !param || kq_open(&q, sva, 0))
		tap_bail("setup");
	for (i = 0; i < LEN; i++)
		plain[i] = (unsigned char)(i * 31 + (i >> 8));
	whole(&q);
	sessions(&q);
	refused(&q);
	kq_close(&q);
	share_domain(sd);
	return tap_exit();
}
