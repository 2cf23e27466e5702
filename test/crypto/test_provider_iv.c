// SPDX-License-Identifier: MIT
/*
 * test_provider_iv.c - everything an application can observe of a wd AES
 * context, step by step, against OpenSSL's default provider on the same
 * key, IV and pieces: every update's return value, output length and
 * bytes; after every update and after final the updated IV
 * (EVP_CIPHER_CTX_get_updated_iv, OSSL_CIPHER_PARAM_UPDATED_IV as a string
 * and as a pointer), the original IV, NUM; GCM's tag.
 *
 * Each message runs in ECB, CBC (padding on and off), CTR, XTS and GCM,
 * every key size, both directions, in place (output lagging the input by
 * what the context holds back, as evp_test does) and not, in several
 * series of update sizes (empty, partial blocks, around the threshold),
 * and each is then (a) copied mid-message (EVP_CIPHER_CTX_copy) with both
 * copies finished, (b) run again after a re-init without an IV, (c) with
 * a new IV, and (d) interrupted by a re-init without an IV. All of it
 * under three configurations: cipher_threshold = 0 (every piece to a
 * queue), 4096 (the example configuration: small messages in software
 * inside wd) and 40 (the route depends on the first piece), and with
 * threshold 0 once more on a device that fails every 3rd request (the
 * message goes on in software from where the queue left it).
 *
 * OpenSSL's evp_test found the updated IVs wrong (GitHub issue 16): CBC's
 * chaining value was tracked only on the queue route and CTR reported the
 * message's first counter block.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/conf.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <sys/wait.h>
#include <unistd.h>
#include "wd.h"
#include "alg_counter.h"
#include "tap.h"

#define MAXMSG	(16 * 1024)
#define NPIECE	8

static OSSL_LIB_CTX *refctx;

/* update sizes of one message; -1 ends the list */
static const int series[][NPIECE] = {
	{ 16, -1 },
	{ 1, 15, 16, 17, 31, 33, -1 },
	{ 5000, -1 },
	{ 4100, 3, 4096, 13, -1 },
	{ 0, 32, 0, 7, -1 },
	{ 48, 4097, 5, -1 },
	{ 64, 64, -1 },
};
#define NSERIES (sizeof(series) / sizeof(series[0]))

struct alg {
	const char *name;
	int mode;		/* EVP_CIPH_*_MODE */
	int keylen;
};

static const struct alg algs[] = {
	{ "AES-128-ECB", EVP_CIPH_ECB_MODE, 16 },
	{ "AES-192-ECB", EVP_CIPH_ECB_MODE, 24 },
	{ "AES-256-ECB", EVP_CIPH_ECB_MODE, 32 },
	{ "AES-128-CBC", EVP_CIPH_CBC_MODE, 16 },
	{ "AES-192-CBC", EVP_CIPH_CBC_MODE, 24 },
	{ "AES-256-CBC", EVP_CIPH_CBC_MODE, 32 },
	{ "AES-128-CTR", EVP_CIPH_CTR_MODE, 16 },
	{ "AES-192-CTR", EVP_CIPH_CTR_MODE, 24 },
	{ "AES-256-CTR", EVP_CIPH_CTR_MODE, 32 },
	{ "AES-128-XTS", EVP_CIPH_XTS_MODE, 32 },
	{ "AES-256-XTS", EVP_CIPH_XTS_MODE, 64 },
	{ "AES-128-GCM", EVP_CIPH_GCM_MODE, 16 },
	{ "AES-192-GCM", EVP_CIPH_GCM_MODE, 24 },
	{ "AES-256-GCM", EVP_CIPH_GCM_MODE, 32 },
};
#define NALGS (sizeof(algs) / sizeof(algs[0]))

/*
 * One message on two contexts: [0] the default provider, [1] wd. Each
 * has its own buffer, so that in-place runs overwrite their own input.
 */
struct pair {
	const struct alg *a;
	EVP_CIPHER_CTX *x[2];
	unsigned char *buf[2];
	size_t in_pos, out_pos;	/* in buf: next input, next output */
	int inplace;
	const unsigned char *src;	/* the message's input */
	const char *what;		/* the step, for the diagnostic */
	int bad;
};

static char failure[512];

static int differ(struct pair *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int differ(struct pair *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!p->bad)
		snprintf(failure, sizeof(failure), "%s %s%s: %s: %s", p->a->name,
			 EVP_CIPHER_CTX_is_encrypting(p->x[0]) ? "encrypt" : "decrypt",
			 p->inplace ? " in place" : "", p->what, msg);
	p->bad = 1;
	return 0;
}

static void hex(char *s, size_t n, const unsigned char *b, size_t len)
{
	size_t i;

	if (len > 128) {
		snprintf(s, n, "(not answered)");
		return;
	}
	for (i = 0; i < len && 2 * i + 2 < n; i++)
		sprintf(s + 2 * i, "%02x", b[i]);
	s[2 * i] = 0;
}

/* the IV parameters, as a copy and as a pointer */
static int get_iv(EVP_CIPHER_CTX *x, const char *key, unsigned char *iv, size_t *len,
		  const unsigned char **ptr, size_t *ptrlen)
{
	OSSL_PARAM s[] = { OSSL_PARAM_octet_string(key, iv, 128), OSSL_PARAM_END };
	OSSL_PARAM p[] = { OSSL_PARAM_octet_ptr(key, (void **)ptr, 0), OSSL_PARAM_END };
	int rs, rp;

	*ptr = NULL;
	rs = EVP_CIPHER_CTX_get_params(x, s);
	/* 129: not answered (the provider left the parameter alone) */
	*len = rs && OSSL_PARAM_modified(s) ? s[0].return_size : 129;
	rp = EVP_CIPHER_CTX_get_params(x, p);
	*ptrlen = rp && *ptr && OSSL_PARAM_modified(p) ? p[0].return_size : 129;
	return rs | rp << 1;
}

/* Compare what an application can read from both contexts. */
static int observe(struct pair *p)
{
	static const char *const keys[] = {
		OSSL_CIPHER_PARAM_UPDATED_IV, OSSL_CIPHER_PARAM_IV
	};
	unsigned char iv[2][128], e[2][128];
	const unsigned char *ptr[2];
	size_t len[2], plen[2];
	char h0[80], h1[80];
	int rc[2], er[2], k, i;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < 2; i++)
			rc[i] = get_iv(p->x[i], keys[k], iv[i], &len[i], &ptr[i], &plen[i]);
		if (rc[0] != rc[1])
			return differ(p, "%s: get_params gives %d, default %d", keys[k],
				      rc[1], rc[0]);
		if (len[0] != len[1] || (len[0] <= 128 && memcmp(iv[0], iv[1], len[0]))) {
			hex(h0, sizeof(h0), iv[0], len[0]);
			hex(h1, sizeof(h1), iv[1], len[1]);
			return differ(p, "%s is %s, default %s", keys[k], h1, h0);
		}
		if (plen[0] != plen[1] || (plen[0] <= 128 && memcmp(ptr[0], ptr[1], plen[0])))
			return differ(p, "%s as a pointer differs", keys[k]);
	}
	for (i = 0; i < 2; i++) {
		memset(e[i], 0, sizeof(e[i]));
		er[i] = EVP_CIPHER_CTX_get_updated_iv(p->x[i], e[i], sizeof(e[i]));
	}
	if (er[0] != er[1] || memcmp(e[0], e[1], sizeof(e[0])))
		return differ(p, "EVP_CIPHER_CTX_get_updated_iv differs");
	if (p->a->mode != EVP_CIPH_GCM_MODE &&
	    EVP_CIPHER_CTX_get_num(p->x[0]) != EVP_CIPHER_CTX_get_num(p->x[1]))
		return differ(p, "num is %d, default %d", EVP_CIPHER_CTX_get_num(p->x[1]),
			      EVP_CIPHER_CTX_get_num(p->x[0]));
	return 1;
}

static int both(struct pair *p, int r0, int r1, const char *op)
{
	if (!r0 != !r1)
		return differ(p, "%s returns %d, default %d", op, r1, r0);
	ERR_clear_error();
	return 1;
}

static int pair_init(struct pair *p, const unsigned char *key, const unsigned char *iv,
		     int enc)
{
	int r[2], i;

	for (i = 0; i < 2; i++)
		r[i] = EVP_CipherInit_ex(p->x[i], NULL, NULL, key, iv, enc);
	p->in_pos = p->out_pos = 0;
	return both(p, r[0], r[1], "init") && observe(p);
}

/* The next len bytes of the message through both contexts. */
static int pair_update(struct pair *p, size_t len)
{
	int r[2], l[2] = { 0, 0 }, i;
	const unsigned char *in[2];

	for (i = 0; i < 2; i++) {
		if (p->inplace) {
			memcpy(p->buf[i] + p->in_pos, p->src + p->in_pos, len);
			in[i] = p->buf[i] + p->in_pos;
		} else {
			in[i] = p->src + p->in_pos;
		}
		r[i] = EVP_CipherUpdate(p->x[i], p->buf[i] + p->out_pos, &l[i], in[i], (int)len);
	}
	p->in_pos += len;
	if (!both(p, r[0], r[1], "update"))
		return 0;
	if (l[0] != l[1])
		return differ(p, "update gives %d bytes, default %d", l[1], l[0]);
	if (memcmp(p->buf[0] + p->out_pos, p->buf[1] + p->out_pos, (size_t)l[0]))
		return differ(p, "update's output differs");
	p->out_pos += (size_t)l[0];
	return observe(p);
}

static int pair_final(struct pair *p)
{
	unsigned char tag[2][16];
	int r[2], l[2] = { 0, 0 }, i;

	for (i = 0; i < 2; i++)
		r[i] = EVP_CipherFinal_ex(p->x[i], p->buf[i] + p->out_pos, &l[i]);
	if (!both(p, r[0], r[1], "final"))
		return 0;
	if (l[0] != l[1] || memcmp(p->buf[0] + p->out_pos, p->buf[1] + p->out_pos, (size_t)l[0]))
		return differ(p, "final's output differs (%d bytes, default %d)", l[1], l[0]);
	if (r[0] && p->a->mode == EVP_CIPH_GCM_MODE && EVP_CIPHER_CTX_is_encrypting(p->x[0])) {
		for (i = 0; i < 2; i++)
			r[i] = EVP_CIPHER_CTX_ctrl(p->x[i], EVP_CTRL_AEAD_GET_TAG, 16, tag[i]);
		if (r[0] <= 0 || r[1] <= 0 || memcmp(tag[0], tag[1], 16))
			return differ(p, "the tag differs");
	}
	return observe(p);
}

/* GCM: AAD first, and the tag a decryption checks against */
static int pair_gcm_prep(struct pair *p, const unsigned char *tag)
{
	static const unsigned char aad[5] = "aad!!";
	int r[2], l, i;

	if (p->a->mode != EVP_CIPH_GCM_MODE)
		return 1;
	for (i = 0; i < 2; i++)
		r[i] = EVP_CipherUpdate(p->x[i], NULL, &l, aad, sizeof(aad));
	if (!both(p, r[0], r[1], "AAD"))
		return 0;
	if (EVP_CIPHER_CTX_is_encrypting(p->x[0]))
		return 1;
	for (i = 0; i < 2; i++)
		r[i] = EVP_CIPHER_CTX_ctrl(p->x[i], EVP_CTRL_AEAD_SET_TAG, 16, (void *)tag) > 0;
	return both(p, r[0], r[1], "set tag");
}

/* pieces [from, to) of series s (the last piece also takes what is left) */
static int pair_pieces(struct pair *p, const int *s, int from, int to, size_t total)
{
	int k;

	for (k = from; k < to && s[k] >= 0; k++) {
		size_t n = (size_t)s[k];

		if (s[k + 1] < 0 || n > total - p->in_pos)
			n = total - p->in_pos;
		if (!pair_update(p, n))
			return 0;
	}
	return 1;
}

static int nr_pieces(const int *s)
{
	int n = 0;

	while (s[n] >= 0)
		n++;
	return n;
}

struct msg {
	const unsigned char *key, *iv, *iv2, *src, *tag;
	size_t len;
	int enc, pad;
};

/* The whole message; at piece dup_at a copy of both contexts finishes it too. */
static int run_message(struct pair *p, const struct msg *m, const int *s, int dup_at)
{
	struct pair d;
	int i, n = nr_pieces(s), good;

	p->what = "message";
	if (!pair_init(p, m->key, m->iv, m->enc) || !pair_gcm_prep(p, m->tag))
		return 0;
	if (!pair_pieces(p, s, 0, dup_at, m->len))
		return 0;
	d = *p;
	for (i = 0; i < 2; i++) {
		d.x[i] = EVP_CIPHER_CTX_new();
		d.buf[i] = malloc(MAXMSG + 64);
		if (!d.x[i] || !d.buf[i] || !EVP_CIPHER_CTX_copy(d.x[i], p->x[i]))
			tap_bail("cannot copy a cipher context");
		memcpy(d.buf[i], p->buf[i], MAXMSG + 64);
	}
	good = pair_pieces(p, s, dup_at, n, m->len) && pair_final(p);
	d.what = "the copy";
	good = good && observe(&d) && pair_pieces(&d, s, dup_at, n, m->len) &&
	       pair_final(&d);
	p->bad |= d.bad;
	for (i = 0; i < 2; i++) {
		EVP_CIPHER_CTX_free(d.x[i]);
		free(d.buf[i]);
	}
	return good;
}

static int run_again(struct pair *p, const struct msg *m, const int *s,
		     const unsigned char *iv, const char *what)
{
	p->what = what;
	return pair_init(p, NULL, iv, -1) && pair_gcm_prep(p, m->tag) &&
	       pair_pieces(p, s, 0, NPIECE, m->len) && pair_final(p);
}

/* re-init without an IV in the middle of a message, then a whole one */
static int run_interrupted(struct pair *p, const struct msg *m, const int *s)
{
	int n = nr_pieces(s);

	p->what = "interrupted";
	if (!pair_init(p, m->key, m->iv, m->enc) || !pair_gcm_prep(p, m->tag) ||
	    !pair_pieces(p, s, 0, (n + 1) / 2, m->len))
		return 0;
	p->what = "after an interrupted message";
	return pair_init(p, NULL, NULL, -1) && pair_gcm_prep(p, m->tag) &&
	       pair_pieces(p, s, 0, NPIECE, m->len) && pair_final(p);
}

/* the default provider's result for a one-shot message (decryption input) */
static size_t ref_encrypt(const struct alg *a, const struct msg *m, const unsigned char *in,
			  size_t len, unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(refctx, a->name, NULL);
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, l;
	static const unsigned char aad[5] = "aad!!";

	if (!c || !x || !EVP_EncryptInit_ex2(x, c, m->key, m->iv, NULL))
		tap_bail("default provider cannot encrypt");
	EVP_CIPHER_CTX_set_padding(x, m->pad);
	if (a->mode == EVP_CIPH_GCM_MODE)
		EVP_EncryptUpdate(x, NULL, &l, aad, sizeof(aad));
	/* a failure (a partial block without padding): use the text as it is */
	if (!EVP_EncryptUpdate(x, out, &l1, in, (int)len) ||
	    !EVP_EncryptFinal_ex(x, out + l1, &l2)) {
		memcpy(out, in, len);
		l1 = (int)len;
		l2 = 0;
	}
	if (a->mode == EVP_CIPH_GCM_MODE)
		EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag);
	ERR_clear_error();
	EVP_CIPHER_CTX_free(x);
	EVP_CIPHER_free(c);
	return (size_t)(l1 + l2);
}

static size_t series_len(const int *s)
{
	size_t n = 0;
	int k;

	for (k = 0; s[k] >= 0; k++)
		n += (size_t)s[k];
	return n;
}

/* Every series, both directions, in place and not: one cipher under wdctx. */
static int check_alg(OSSL_LIB_CTX *wdctx, const struct alg *a, int pad)
{
	unsigned char key[64], iv[16], iv2[16], text[MAXMSG], ctext[MAXMSG + 32], tag[16];
	EVP_CIPHER *c[2];
	struct pair p;
	size_t s;
	int enc, inplace, i, good = 1;

	c[0] = EVP_CIPHER_fetch(refctx, a->name, NULL);
	c[1] = EVP_CIPHER_fetch(wdctx, a->name, "provider=wd");
	if (!c[0] || !c[1] || strcmp(OSSL_PROVIDER_get0_name(EVP_CIPHER_get0_provider(c[1])), "wd")) {
		snprintf(failure, sizeof(failure), "%s: wd does not serve it", a->name);
		EVP_CIPHER_free(c[0]);
		EVP_CIPHER_free(c[1]);
		return 0;
	}
	memset(&p, 0, sizeof(p));
	p.a = a;
	for (i = 0; i < 2; i++) {
		p.x[i] = EVP_CIPHER_CTX_new();
		p.buf[i] = malloc(MAXMSG + 64);
		if (!p.x[i] || !p.buf[i])
			tap_bail("out of memory");
	}
	for (s = 0; s < NSERIES && good; s++) {
		struct msg m = { key, iv, iv2, NULL, tag, 0, 0, pad };

		RAND_bytes(key, sizeof(key));
		RAND_bytes(iv, sizeof(iv));
		RAND_bytes(iv2, sizeof(iv2));
		/* counters about to carry out of 32 and 64 bits */
		if (a->mode == EVP_CIPH_CTR_MODE && s % 2)
			memset(iv + (s % 4 == 1 ? 12 : 8), 0xff, s % 4 == 1 ? 4 : 8);
		m.len = series_len(series[s]);
		RAND_bytes(text, (int)m.len);
		for (enc = 1; enc >= 0 && good; enc--) {
			m.enc = enc;
			m.src = text;
			if (!enc) {
				m.len = ref_encrypt(a, &m, text, m.len, ctext, tag);
				m.src = ctext;
			}
			for (inplace = 0; inplace < 2 && good; inplace++) {
				p.inplace = inplace;
				p.src = m.src;
				p.bad = 0;
				for (i = 0; i < 2; i++)
					if (!EVP_CipherInit_ex2(p.x[i], c[i], NULL, NULL, enc, NULL) ||
					    !EVP_CIPHER_CTX_set_padding(p.x[i], pad))
						tap_bail("cannot start a cipher context");
				good = run_message(&p, &m, series[s],
						   (int)(s % (size_t)(nr_pieces(series[s]) + 1))) &&
				       run_again(&p, &m, series[s], NULL, "again without an IV") &&
				       run_again(&p, &m, series[s], iv2, "with a new IV") &&
				       run_interrupted(&p, &m, series[s]);
			}
		}
	}
	for (i = 0; i < 2; i++) {
		EVP_CIPHER_CTX_free(p.x[i]);
		free(p.buf[i]);
		EVP_CIPHER_free(c[i]);
	}
	return good;
}

/* wd.so from the build tree in a library context of its own */
static OSSL_LIB_CTX *load_wd(const char *path, const char *threshold)
{
	OSSL_LIB_CTX *lc = OSSL_LIB_CTX_new();
	CONF *cnf = lc ? NCONF_new_ex(lc, NULL) : NULL;
	char text[512];
	BIO *b;
	long line;
	int good;

	if (!cnf)
		return NULL;
	snprintf(text, sizeof(text),
		 "openssl_conf = init\n[init]\nproviders = prov\n"
		 "[prov]\ndefault = def_sect\nwd = wd_sect\n"
		 "[wd_sect]\nactivate = 1\ncipher_threshold = %s\n"
		 "[def_sect]\nactivate = 1\n", threshold);
	OSSL_PROVIDER_set_default_search_path(lc, path);
	b = BIO_new_mem_buf(text, -1);
	good = b && NCONF_load_bio(cnf, b, &line) > 0 &&
	       CONF_modules_load(cnf, NULL, 0) > 0 && OSSL_PROVIDER_available(lc, "wd");
	BIO_free(b);
	NCONF_free(cnf);
	if (!good) {
		ERR_print_errors_fp(stdout);
		OSSL_LIB_CTX_free(lc);
		return NULL;
	}
	return lc;
}

static uint64_t aes_counter(enum wd_alg_counter which)
{
	static const char *const names[] = { "aes-ecb", "aes-cbc", "aes-ctr", "aes-xts", "aes-gcm" };
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		n += alg_counter(names[i], which);
	return n;
}

/* Every cipher under one threshold: one TAP line each, or (quiet) 1 if all equal. */
static int check_all(const char *path, const char *threshold, int quiet)
{
	OSSL_LIB_CTX *wdctx = load_wd(path, threshold);
	uint64_t before = aes_counter(WD_ALG_OFFLOADED);
	int pad, good = 1, one;
	size_t a;

	if (!wdctx)
		tap_bail("cannot load wd.so from the build tree");
	for (a = 0; a < NALGS; a++) {
		int pads = algs[a].mode == EVP_CIPH_ECB_MODE ||
			   algs[a].mode == EVP_CIPH_CBC_MODE ? 2 : 1;

		for (pad = pads - 1; pad >= 0; pad--) {
			failure[0] = 0;
			one = check_alg(wdctx, &algs[a], pad);
			if (!quiet)
				ok(one, "cipher_threshold %s: %s%s: every step equals default",
				   threshold, algs[a].name,
				   pads == 1 ? "" : pad ? " padded" : " unpadded");
			if (!one)
				diag("%s", failure);
			good &= one;
		}
	}
	if (!quiet)
		ok(aes_counter(WD_ALG_OFFLOADED) > before,
		   "cipher_threshold %s: AES went through queues (%llu)", threshold,
		   (unsigned long long)(aes_counter(WD_ALG_OFFLOADED) - before));
	OSSL_LIB_CTX_free(wdctx);
	return good;
}

/*
 * This program again as "test_provider_iv fault" with the device failing
 * every 3rd request (WD_SOFT_FAULT is read once per process, hence a new
 * one): messages go on in software from where the queue left them.
 */
static int run_with_fault(void)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		setenv("WD_SOFT_FAULT", "error=3", 1);
		execl("/proc/self/exe", "test_provider_iv", "fault", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
	static const char *const thresholds[] = { "0", "4096", "40" };
	const char *top = getenv("top_builddir");
	char path[4096];
	size_t t;
	OSSL_PROVIDER *refdef;
	int good;

	snprintf(path, sizeof(path), "%s/provider/.libs", top ? top : "..");
	refctx = OSSL_LIB_CTX_new();
	if (!refctx || !(refdef = OSSL_PROVIDER_load(refctx, "default")))
		tap_bail("cannot load the default provider");
	if (argc == 2 && !strcmp(argv[1], "fault")) {
		/* no TAP of its own: the exit status, failures as comments */
		good = check_all(path, "0", 1);
		if (!aes_counter(WD_ALG_ERRORS)) {
			diag("no AES request failed: WD_SOFT_FAULT did not act");
			good = 0;
		}
		OSSL_PROVIDER_unload(refdef);
		OSSL_LIB_CTX_free(refctx);
		return good ? 0 : 1;
	}
	tap_plan(0);
	for (t = 0; t < sizeof(thresholds) / sizeof(thresholds[0]); t++)
		check_all(path, thresholds[t], 0);
	ok(run_with_fault(), "cipher_threshold 0, every 3rd request failing: "
	   "every step of every cipher equals default");
	OSSL_PROVIDER_unload(refdef);
	OSSL_LIB_CTX_free(refctx);
	return tap_exit();
}
