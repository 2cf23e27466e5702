// SPDX-License-Identifier: MIT
/*
 * test_sessions.c - the wd_cipher and wd_rsa sessions on libwd's
 * scheduling layer, against OpenSSL's default implementation: whole
 * messages in every mode, streams, RSA with the key cache, share-domain
 * staging (and SVA queues under WD_SOFT_FAULT=noshare), completion by
 * eventfd (the device signalling it, and the reapers under noevent), fork
 * (a child uses queues of its own, the parent's still work), and the
 * software fallback (WD_SOFT_FAULT=missing, error=1).
 *
 * Runs with a fault setting re-execute this program with the variable set
 * (libwd reads its configuration once per process) and "child NAME": the
 * child prints its checks as diagnostics and exits with its failures.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include "wd.h"
#include "wd_async.h"
#include "wd_cipher.h"
#include "wd_rsa.h"
#include "wd_stats.h"
#include "tap.h"
#include "alg_counter.h"

static const char *const evp_mode[WD_CIPHER_MODE_MAX] = {
	"ECB", "CBC", "CTR", "XTS", "GCM"
};

/* In a child run, checks count failures instead of printing TAP. */
static int child_failures;
static int in_child;

static int check(int cond, const char *what)
{
	if (!in_child)
		return ok(cond, "%s", what);
	printf("# %s: %s\n", cond ? "ok" : "FAILED", what);
	child_failures += !cond;
	return cond;
}

/* ------------------------------------------------------------------ */
/* the default provider's answers                                      */

/* A whole message with the default provider: text, then a GCM tag of 16. */
static int evp_message(enum wd_cipher_mode mode, int enc, const uint8_t *key,
		       size_t klen, const uint8_t *iv, size_t ivlen,
		       const uint8_t *aad, size_t aad_len, const uint8_t *in,
		       size_t len, uint8_t *out, uint8_t *tag)
{
	size_t bits = (mode == WD_CIPHER_XTS ? klen / 2 : klen) * 8;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	EVP_CIPHER *c;
	char name[32];
	int l, ok = 0;

	snprintf(name, sizeof(name), "AES-%zu-%s", bits, evp_mode[mode]);
	c = EVP_CIPHER_fetch(NULL, name, "provider=default");
	if (c && ctx && EVP_CipherInit_ex2(ctx, c, NULL, NULL, enc, NULL)) {
		OSSL_PARAM p[] = {
			OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivlen),
			OSSL_PARAM_END
		};

		EVP_CIPHER_CTX_set_padding(ctx, 0);
		ok = (mode != WD_CIPHER_GCM || EVP_CIPHER_CTX_set_params(ctx, p)) &&
		     EVP_CipherInit_ex2(ctx, NULL, key, ivlen ? iv : NULL, enc, NULL) &&
		     (!aad_len || EVP_CipherUpdate(ctx, NULL, &l, aad, (int)aad_len)) &&
		     EVP_CipherUpdate(ctx, out, &l, in, (int)len);
		if (ok && mode == WD_CIPHER_GCM && !enc)
			ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag);
		ok = ok && EVP_CipherFinal_ex(ctx, out + l, &l);
		if (ok && mode == WD_CIPHER_GCM && enc)
			ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag);
	}
	EVP_CIPHER_free(c);
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/* ------------------------------------------------------------------ */
/* whole messages                                                      */

#define MSG_LEN	4096
#define AAD_LEN	20

/*
 * One whole message of mode both ways through a session: equal to the
 * default provider's. *fell_back: how many of the two fell back.
 */
static int cipher_roundtrip(enum wd_cipher_mode mode, size_t klen, unsigned int flags,
			    int *fell_back, int *err)
{
	uint8_t key[64], iv[16], aad[AAD_LEN], pt[MSG_LEN], src[AAD_LEN + MSG_LEN];
	uint8_t ct[MSG_LEN + 16], ref[MSG_LEN + 16], tag[16], back[MSG_LEN];
	size_t ivlen = mode == WD_CIPHER_ECB ? 0 : mode == WD_CIPHER_GCM ? 12 : 16;
	size_t aad_len = mode == WD_CIPHER_GCM ? AAD_LEN : 0;
	struct wd_cipher_req req;
	struct wd_cipher_sess *s;
	int good = 1;

	*fell_back = 0;
	*err = 0;
	RAND_bytes(key, sizeof(key));
	RAND_bytes(iv, sizeof(iv));
	RAND_bytes(aad, sizeof(aad));
	RAND_bytes(pt, sizeof(pt));
	if (!evp_message(mode, 1, key, klen, iv, ivlen, aad, aad_len, pt, MSG_LEN, ref, tag))
		return 0;
	memcpy(src, aad, aad_len);
	memcpy(src + aad_len, pt, MSG_LEN);
	/* encrypt */
	s = wd_cipher_sess_new(mode, 1, key, klen, flags);
	if (!s)
		return 0;
	memset(&req, 0, sizeof(req));
	req.iv = iv;
	req.iv_len = ivlen;
	req.src = src;
	req.src_len = aad_len + MSG_LEN;
	req.aad_len = aad_len;
	req.dst = ct;
	req.dst_len = sizeof(ct);
	*err = wd_cipher_do(s, &req);
	*fell_back += req.fell_back;
	good = !*err && req.produced == MSG_LEN + (aad_len ? 16 : 0) &&
	       !memcmp(ct, ref, MSG_LEN) && (!aad_len || !memcmp(ct + MSG_LEN, tag, 16));
	wd_cipher_sess_free(s);
	if (!good)
		return 0;
	/* decrypt, the tag checked */
	s = wd_cipher_sess_new(mode, 0, key, klen, flags);
	if (!s)
		return 0;
	memcpy(src + aad_len, ct, MSG_LEN);
	req.dst = back;
	req.dst_len = MSG_LEN;
	memcpy(req.tag, tag, 16);
	req.tag_len = 16;
	*err = wd_cipher_do(s, &req);
	*fell_back += req.fell_back;
	good = !*err && req.produced == MSG_LEN && !memcmp(back, pt, MSG_LEN);
	if (good && mode == WD_CIPHER_GCM) {
		/* a wrong tag is an answer: -EBADMSG */
		req.tag[3] ^= 1;
		good = wd_cipher_do(s, &req) == -EBADMSG;
	}
	wd_cipher_sess_free(s);
	return good;
}

static void check_whole_messages(void)
{
	static const size_t klens[WD_CIPHER_MODE_MAX][2] = {
		{ 16, 32 }, { 16, 24 }, { 16, 32 }, { 32, 64 }, { 16, 32 }
	};
	uint64_t before = alg_counter("aes-gcm", WD_ALG_OFFLOADED);
	char what[128];
	int m, k, fb, err;

	for (m = 0; m < WD_CIPHER_MODE_MAX; m++)
		for (k = 0; k < 2; k++) {
			int good = cipher_roundtrip(m, klens[m][k], 0, &fb, &err);

			snprintf(what, sizeof(what), "AES-%zu-%s whole messages both ways "
				 "equal the default's, on a queue (err %d, fell back %d)",
				 (m == WD_CIPHER_XTS ? klens[m][k] / 2 : klens[m][k]) * 8,
				 evp_mode[m], err, fb);
			check(good && !fb, what);
		}
	/* 2 key sizes x (encrypt, decrypt, wrong tag) */
	check(alg_counter("aes-gcm", WD_ALG_OFFLOADED) - before == 6,
	      "the session counted its GCM requests as offloaded");
}

/* ------------------------------------------------------------------ */
/* streams                                                             */

/* A message in pieces of a stream session (sync, or async on a). */
static int stream_piece(struct wd_cipher_sess *s, struct wd_cipher_req *req,
			struct wd_async *a)
{
	struct pollfd p;
	int ret;

	if (!a)
		return wd_cipher_do(s, req);
	ret = wd_cipher_do_async(s, req, a);
	if (ret)
		return ret;
	p.fd = wd_async_fd(a);
	p.events = POLLIN;
	if (poll(&p, 1, 10000) != 1)
		return -ETIMEDOUT;
	return wd_async_result(a);
}

/*
 * GCM of AAD_LEN + 3 pieces as one stream, the tag from the snapshot of
 * the last piece; and CBC in 3 pieces. Equal to the default's one-shot.
 */
static int stream_gcm_cbc(struct wd_async *a)
{
	/* GCM takes any lengths; CBC whole blocks */
	static const size_t cut[3] = { 1000, 3000, MSG_LEN }, bcut[3] = { 1008, 3008, MSG_LEN };
	uint8_t key[16], iv[16], aad[AAD_LEN], pt[MSG_LEN], ref[MSG_LEN], tag[16];
	uint8_t out[MSG_LEN], src[AAD_LEN + MSG_LEN];
	struct wd_cipher_req req;
	struct wd_cipher_sess *s;
	size_t at = 0;
	int i, ret, good = 1;

	RAND_bytes(key, sizeof(key));
	RAND_bytes(iv, sizeof(iv));
	RAND_bytes(aad, sizeof(aad));
	RAND_bytes(pt, sizeof(pt));
	if (!evp_message(WD_CIPHER_GCM, 1, key, 16, iv, 12, aad, AAD_LEN, pt, MSG_LEN,
			 ref, tag))
		return 0;
	s = wd_cipher_sess_new(WD_CIPHER_GCM, 1, key, 16, WD_CIPHER_SESS_STREAM);
	if (!s)
		return 0;
	for (i = 0; good && i < 3; i++) {
		size_t aad_len = i ? 0 : AAD_LEN;

		memcpy(src, aad, aad_len);
		memcpy(src + aad_len, pt + at, cut[i] - at);
		memset(&req, 0, sizeof(req));
		req.iv = iv;
		req.iv_len = 12;
		req.src = src;
		req.src_len = aad_len + cut[i] - at;
		req.aad_len = aad_len;
		req.dst = out + at;
		req.dst_len = cut[i] - at;
		req.flags = WD_CIPHER_REQ_SNAPSHOT;
		ret = stream_piece(s, &req, a);
		good = ret == 0 && req.produced == cut[i] - at;
		if (!good)
			printf("# GCM piece %d: %d, produced %zu\n", i, ret, req.produced);
		at = cut[i];
	}
	if (good && memcmp(out, ref, MSG_LEN))
		printf("# GCM stream: text differs\n");
	if (good && memcmp(req.tag, tag, 16))
		printf("# GCM stream: tag differs\n");
	good = good && !memcmp(out, ref, MSG_LEN) && !memcmp(req.tag, tag, 16);
	wd_cipher_sess_free(s);
	if (!good)
		return 0;

	if (!evp_message(WD_CIPHER_CBC, 1, key, 16, iv, 16, NULL, 0, pt, MSG_LEN, ref, tag))
		return 0;
	s = wd_cipher_sess_new(WD_CIPHER_CBC, 1, key, 16, WD_CIPHER_SESS_STREAM);
	for (at = 0, i = 0; s && good && i < 3; i++) {
		memset(&req, 0, sizeof(req));
		req.iv = iv;
		req.iv_len = 16;
		req.src = pt + at;
		req.src_len = bcut[i] - at;
		req.dst = out + at;
		req.dst_len = bcut[i] - at;
		req.flags = i == 2 ? WD_CIPHER_REQ_LAST : 0;
		ret = stream_piece(s, &req, a);
		good = ret == 0;
		if (!good)
			printf("# CBC piece %d: %d\n", i, ret);
		at = bcut[i];
	}
	if (good && memcmp(out, ref, MSG_LEN))
		printf("# CBC stream: text differs\n");
	good = s && good && !memcmp(out, ref, MSG_LEN);
	wd_cipher_sess_free(s);
	return good;
}

/* ------------------------------------------------------------------ */
/* RSA                                                                 */

static const char *const rsa_names[WD_RSA_NR_COMP] = {
	OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
	OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
	OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
	OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

static EVP_PKEY *rsa_pkey;
static struct wd_rsa_key rsa_priv, rsa_pub;

static int key_from_pkey(struct wd_rsa_key *key, EVP_PKEY *pkey, enum wd_rsa_op op)
{
	uint8_t *comp[WD_RSA_NR_COMP] = { 0 };
	size_t len[WD_RSA_NR_COMP] = { 0 };
	int i, ret = -ENOMEM;

	for (i = 0; i < WD_RSA_NR_COMP; i++) {
		BIGNUM *bn = NULL;

		if (!EVP_PKEY_get_bn_param(pkey, rsa_names[i], &bn))
			goto out;
		len[i] = (size_t)BN_num_bytes(bn);
		comp[i] = malloc(len[i] + 1);
		if (comp[i])
			BN_bn2bin(bn, comp[i]);
		BN_free(bn);
		if (!comp[i])
			goto out;
	}
	ret = wd_rsa_key_init(key, op, (const uint8_t *const *)comp, len);
out:
	for (i = 0; i < WD_RSA_NR_COMP; i++)
		free(comp[i]);
	return ret;
}

static int rsa_setup(void)
{
	rsa_pkey = EVP_PKEY_Q_keygen(NULL, "provider=default", "RSA", (size_t)2048);
	return rsa_pkey && !key_from_pkey(&rsa_priv, rsa_pkey, WD_RSA_PRIVATE_CRT) &&
	       !key_from_pkey(&rsa_pub, rsa_pkey, WD_RSA_PUBLIC);
}

/* The default provider's raw operation (no padding). */
static int evp_rsa_raw(int priv, const uint8_t *in, uint8_t *out)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, rsa_pkey, "provider=default");
	size_t olen = 256;
	int ok;

	ok = c && (priv ? EVP_PKEY_decrypt_init(c) : EVP_PKEY_encrypt_init(c)) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) > 0 &&
	     (priv ? EVP_PKEY_decrypt(c, out, &olen, in, 256) :
		     EVP_PKEY_encrypt(c, out, &olen, in, 256)) > 0 && olen == 256;
	EVP_PKEY_CTX_free(c);
	return ok;
}

/* A random input below n (its top byte cleared). */
static void rsa_input(uint8_t *in)
{
	RAND_bytes(in, 256);
	in[0] = 0;
}

/* n private and public operations through sessions (async on a): all equal the default's. */
static int rsa_ops(int n, unsigned int flags, struct wd_async *a, int *fell_back)
{
	struct wd_rsa_sess *priv = wd_rsa_sess_new(&rsa_priv, flags);
	struct wd_rsa_sess *pub = wd_rsa_sess_new(&rsa_pub, flags);
	uint8_t in[256], out[256], ref[256];
	uint64_t fb0 = alg_counter("rsa", WD_ALG_FALLBACK);
	int i, good = priv && pub;

	for (i = 0; good && i < n; i++) {
		int pv = i & 1, ret;

		rsa_input(in);
		if (a) {
			struct pollfd p = { .fd = wd_async_fd(a), .events = POLLIN };

			ret = wd_rsa_do_async(pv ? priv : pub, in, 256, out, 256, a);
			/* not answered yet, or answered: the fd says when */
			if (!ret && poll(&p, 1, 10000) != 1)
				ret = -ETIMEDOUT;
			if (!ret)
				ret = wd_async_result(a);
			/* the wake-up was consumed: the fd is quiet again */
			if (!ret && poll(&p, 1, 0) != 0)
				ret = -EALREADY;
		} else {
			ret = wd_rsa_do(pv ? priv : pub, in, 256, out, 256);
		}
		good = !ret && evp_rsa_raw(pv, in, ref) && !memcmp(out, ref, 256);
		if (!good)
			printf("# rsa op %d: %d\n", i, ret);
	}
	if (fell_back)
		*fell_back = (int)(alg_counter("rsa", WD_ALG_FALLBACK) - fb0);
	wd_rsa_sess_free(priv);
	wd_rsa_sess_free(pub);
	return good;
}

static void check_rsa(void)
{
	uint64_t share = mode_requests("share"), off = alg_counter("rsa", WD_ALG_OFFLOADED);
	struct wd_rsa_key gen;
	int ret;

	check(rsa_ops(10, 0, NULL, NULL), "RSA-2048 private and public operations of "
	      "sessions equal the default provider's");
	check(mode_requests("share") - share >= 10,
	      "they were staged through share-domain queues");
	check(alg_counter("rsa", WD_ALG_OFFLOADED) - off == 10, "and counted as offloaded");
	ret = wd_rsa_keygen(&gen, 2048, 0, NULL);
	check(!ret && gen.bits == 2048, "wd_rsa_keygen makes a 2048-bit key on a queue");
	wd_rsa_key_clear(&gen);
}

/* ------------------------------------------------------------------ */
/* eventfd completion                                                  */

static void check_async(void)
{
	struct wd_async *a = wd_async_new();

	if (!a) {
		check(0, "wd_async_new");
		return;
	}
	check(wd_async_result(a) == -EINVAL, "nothing submitted: wd_async_result says -EINVAL");
	check(rsa_ops(8, 0, a, NULL), "8 RSA operations submitted with wd_rsa_do_async: "
	      "the fd becomes readable, the results equal the default's, the fd is quiet after");
	check(stream_gcm_cbc(a), "GCM and CBC streams, each piece with wd_cipher_do_async "
	      "and the fd: equal to the default's one-shot");
	wd_async_free(a);
}

/* ------------------------------------------------------------------ */
/* fork                                                                */

static void check_fork(void)
{
	uint8_t key[16] = { 1 }, iv[16] = { 2 }, in[64] = { 3 }, out[64];
	struct wd_cipher_req req = {
		.iv = iv, .iv_len = 16, .src = in, .src_len = 64, .dst = out, .dst_len = 64,
	};
	struct wd_cipher_sess *stream;
	int status = -1;
	pid_t pid;

	/* the parent's pool has queues, and a stream holds one */
	check(rsa_ops(2, 0, NULL, NULL), "the parent signs before fork");
	stream = wd_cipher_sess_new(WD_CIPHER_CBC, 1, key, 16, WD_CIPHER_SESS_STREAM);
	check(stream && wd_cipher_do(stream, &req) == 0, "the parent's CBC stream runs");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int bad = 0;

		in_child = 1;
		/* the parent's queues are dead here: the pool opens new ones */
		bad += !rsa_ops(4, WD_RSA_SESS_NO_FALLBACK, NULL, NULL);
		bad += wd_cipher_do(stream, &req) != -EPERM;
		wd_cipher_sess_free(stream);
		bad += !stream_gcm_cbc(NULL);
		_exit(bad);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "a forked child works on queues of its own (RSA, a new stream), and the "
	      "stream it inherited fails with -EPERM");
	check(rsa_ops(4, WD_RSA_SESS_NO_FALLBACK, NULL, NULL),
	      "after the child, the parent's queues still work");
	req.flags = WD_CIPHER_REQ_LAST;
	check(stream && wd_cipher_do(stream, &req) == 0, "and so does its stream");
	wd_cipher_sess_free(stream);
}

/* ------------------------------------------------------------------ */
/* runs under WD_SOFT_FAULT                                            */

static int child_noshare(void)
{
	uint64_t share = mode_requests("share"), sva = mode_requests("sva");
	int fb = -1;

	check(rsa_ops(6, WD_RSA_SESS_NO_FALLBACK, NULL, &fb), "noshare: RSA equals the default's");
	check(mode_requests("share") == share && mode_requests("sva") - sva >= 6,
	      "noshare: the requests went on SVA queues");
	check(fb == 0, "noshare: nothing fell back");
	return child_failures;
}

static int child_noevent(void)
{
	struct wd_async *a = wd_async_new();

	check(a && rsa_ops(8, WD_RSA_SESS_NO_FALLBACK, a, NULL),
	      "noevent: asynchronous RSA through the reapers: fd readable, results equal");
	wd_async_free(a);
	return child_failures;
}

/*
 * Requests of the wrong size get the device's answer (wd_rsa.h) whoever
 * computes them: -ENOSPC for out shorter than n, -EINVAL for in longer.
 * The software fallback once answered -EINVAL to both.
 */
static void rsa_bad_sizes(const char *how)
{
	struct wd_rsa_sess *priv = wd_rsa_sess_new(&rsa_priv, 0);
	uint8_t in[257], out[257];
	char what[160];
	int small, big;

	rsa_input(in);
	small = priv ? wd_rsa_do(priv, in, 256, out, 255) : -ENOMEM;
	memset(in, 0, sizeof(in));
	big = priv ? wd_rsa_do(priv, in, 257, out, 257) : -ENOMEM;
	snprintf(what, sizeof(what), "%s: RSA into 255 bytes answers -ENOSPC (%d), "
		 "257 bytes of input -EINVAL (%d)", how, small, big);
	check(small == -ENOSPC && big == -EINVAL, what);
	wd_rsa_sess_free(priv);
}

static int child_fallback(const char *how)
{
	int m, fb, err, good, rfb = 0;
	char what[128];

	for (m = 0; m < WD_CIPHER_MODE_MAX; m++) {
		size_t klen = m == WD_CIPHER_XTS ? 32 : 16;

		good = cipher_roundtrip(m, klen, 0, &fb, &err);
		snprintf(what, sizeof(what), "%s: AES-%s falls back to software, equal "
			 "to the default's (err %d, fell back %d)", how, evp_mode[m], err, fb);
		check(good && fb == 2, what);
		good = cipher_roundtrip(m, klen, WD_CIPHER_SESS_NO_FALLBACK, &fb, &err);
		snprintf(what, sizeof(what), "%s: AES-%s without fallback fails (err %d)",
			 how, evp_mode[m], err);
		check(!good && err && !fb, what);
	}
	err = (int)alg_counter("rsa", WD_ALG_ERRORS);
	check(rsa_ops(4, 0, NULL, &rfb) && rfb == 4, "RSA falls back to software, "
	      "equal to the default's, counted as fallback");
	err = (int)alg_counter("rsa", WD_ALG_ERRORS) - err;
	/* a device that failed is an error too; no device is not */
	snprintf(what, sizeof(what), "%s: %d RSA device errors counted", how, err);
	check(err == (strcmp(how, "missing") ? 4 : 0), what);
	check(!rsa_ops(1, WD_RSA_SESS_NO_FALLBACK, NULL, NULL), "RSA without fallback fails");
	rsa_bad_sizes(how);
	return child_failures;
}

/* Run this program again as "child name" with WD_SOFT_FAULT=fault: 0 when it passed. */
static int run_child(const char *self, const char *name, const char *fault)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setenv("WD_SOFT_FAULT", fault, 1);
		execl(self, self, "child", name, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "child")) {
		in_child = 1;
		if (!rsa_setup())
			return 99;
		if (!strcmp(argv[2], "noshare"))
			return child_noshare();
		if (!strcmp(argv[2], "noevent"))
			return child_noevent();
		return child_fallback(argv[2]);
	}
	unsetenv("WD_SOFT_FAULT");
	unsetenv("WD_DEVICE");
	tap_plan(0);
	if (!rsa_setup())
		tap_bail("no RSA key from the default provider");
	check_whole_messages();
	check(stream_gcm_cbc(NULL), "GCM (AAD, 3 pieces, tag snapshot) and CBC (3 pieces) "
	      "streams equal the default's one-shot");
	check_rsa();
	rsa_bad_sizes("device");
	check_async();
	check_fork();
	ok(run_child(argv[0], "noshare", "noshare"),
	   "WD_SOFT_FAULT=noshare: RSA sessions on SVA queues (child run)");
	ok(run_child(argv[0], "noevent", "noevent"),
	   "WD_SOFT_FAULT=noevent: eventfd completion through the reapers (child run)");
	ok(run_child(argv[0], "missing", "missing"),
	   "WD_SOFT_FAULT=missing: the sessions compute in software (child run)");
	ok(run_child(argv[0], "error=1", "error=1"),
	   "WD_SOFT_FAULT=error=1: every request fails on the device, the sessions "
	   "compute in software (child run)");
	EVP_PKEY_free(rsa_pkey);
	wd_rsa_key_clear(&rsa_priv);
	wd_rsa_key_clear(&rsa_pub);
	return tap_exit();
}
