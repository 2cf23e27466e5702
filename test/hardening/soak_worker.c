// SPDX-License-Identifier: MIT
/*
 * soak_worker - one process of scripts/soak: THREADS threads doing mixed
 * compression (through libwdz, linked in place of libz) and crypto
 * (through the wd provider loaded from the build tree) for SECONDS
 * seconds, every result checked (zlib round trips read back, signatures
 * verified and ciphertexts decrypted by OpenSSL's default provider).
 *
 * It samples its resident set after the first minute (or a third of the
 * run when shorter) and at the end, each time with every thread parked
 * between two operations (so that no operation's buffers are counted), and
 * prints one line:
 *   SOAK pid=P ops=N errors=E rss_first_kb=A rss_end_kb=B
 * Exit status 0 when there was no error. Not run by make check.
 *
 * usage: soak_worker SECONDS THREADS
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>

static OSSL_LIB_CTX *wdctx;
static EVP_PKEY *key_def, *key_wd;
static atomic_ulong ops, errors;
static volatile int stop;
/* parking the threads for a quiet sample of the resident set */
static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static int park_wanted, parked;
static uint8_t *corpus;
#define CORPUS	(4u << 20)

static long rss_kb(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void fail(const char *what)
{
	atomic_fetch_add(&errors, 1);
	fprintf(stderr, "soak_worker %d: %s\n", (int)getpid(), what);
}

/* A zlib/gzip/raw stream of a random slice, in random pieces, and back. */
static void comp_op(unsigned int *seed)
{
	static const int wbits[] = { 15, 31, -15 };
	size_t len = 1 + (size_t)rand_r(seed) % (1u << 20), cap = len + len / 8 + 1024;
	const uint8_t *src = corpus + (size_t)rand_r(seed) % (CORPUS - len);
	uint8_t *z = malloc(cap), *back = malloc(len);
	int wb = wbits[rand_r(seed) % 3], ret = Z_OK;
	z_stream d, i;

	memset(&d, 0, sizeof(d));
	memset(&i, 0, sizeof(i));
	if (!z || !back || deflateInit2(&d, 1 + rand_r(seed) % 9, Z_DEFLATED, wb, 8, 0) != Z_OK) {
		fail("deflateInit2");
		goto out;
	}
	d.next_in = (Bytef *)src;
	d.next_out = z;
	d.avail_out = (uInt)cap;
	while (ret == Z_OK) {
		size_t left = len - d.total_in, piece = 1 + (size_t)rand_r(seed) % 300000;

		d.avail_in = (uInt)(left < piece ? left : piece);
		ret = deflate(&d, left <= piece ? Z_FINISH : Z_NO_FLUSH);
	}
	if (ret != Z_STREAM_END) {
		fail("deflate");
		goto out;
	}
	inflateInit2(&i, wb);
	i.next_in = z;
	i.avail_in = (uInt)d.total_out;
	i.next_out = back;
	i.avail_out = (uInt)len;
	ret = inflate(&i, Z_FINISH);
	if (ret != Z_STREAM_END || i.total_out != len || memcmp(back, src, len))
		fail("inflate round trip");
out:
	deflateEnd(&d);
	inflateEnd(&i);
	free(z);
	free(back);
}

static int rsa_sign_check(void)
{
	static const uint8_t dg[32] = "soak digest, thirty-two bytes..";
	uint8_t sig[512];
	size_t sl = sizeof(sig);
	EVP_PKEY_CTX *s = EVP_PKEY_CTX_new_from_pkey(wdctx, key_wd, "provider=wd");
	EVP_PKEY_CTX *v = EVP_PKEY_CTX_new_from_pkey(NULL, key_def, "provider=default");
	int ok = s && v && EVP_PKEY_sign_init(s) > 0 &&
		 EVP_PKEY_CTX_set_signature_md(s, EVP_sha256()) > 0 &&
		 EVP_PKEY_sign(s, sig, &sl, dg, sizeof(dg)) > 0 &&
		 EVP_PKEY_verify_init(v) > 0 &&
		 EVP_PKEY_CTX_set_signature_md(v, EVP_sha256()) > 0 &&
		 EVP_PKEY_verify(v, sig, sl, dg, sizeof(dg)) == 1;

	EVP_PKEY_CTX_free(s);
	EVP_PKEY_CTX_free(v);
	return ok;
}

/* AES-128-GCM with wd, decrypted and authenticated by the default provider. */
static int gcm_check(unsigned int *seed)
{
	static const uint8_t key[16] = "sixteen byte key", iv[12] = "twelve bytes";
	int len = 1 + rand_r(seed) % (256 << 10), n, m, ok;
	const uint8_t *pt = corpus + rand_r(seed) % (CORPUS - (unsigned int)len);
	uint8_t *ct = malloc((size_t)len + 16), *back = malloc((size_t)len + 16), tag[16];
	EVP_CIPHER *cw = EVP_CIPHER_fetch(wdctx, "AES-128-GCM", "provider=wd");
	EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new(), *d = EVP_CIPHER_CTX_new();

	ok = ct && back && cw && e && d && EVP_EncryptInit_ex2(e, cw, key, iv, NULL) > 0 &&
	     EVP_EncryptUpdate(e, ct, &n, pt, len) > 0 && EVP_EncryptFinal_ex(e, ct + n, &m) > 0 &&
	     EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_AEAD_GET_TAG, 16, tag) > 0 &&
	     EVP_DecryptInit_ex2(d, EVP_aes_128_gcm(), key, iv, NULL) > 0 &&
	     EVP_DecryptUpdate(d, back, &n, ct, len) > 0 &&
	     EVP_CIPHER_CTX_ctrl(d, EVP_CTRL_AEAD_SET_TAG, 16, tag) > 0 &&
	     EVP_DecryptFinal_ex(d, back + n, &m) > 0 && !memcmp(back, pt, (size_t)len);
	EVP_CIPHER_CTX_free(e);
	EVP_CIPHER_CTX_free(d);
	EVP_CIPHER_free(cw);
	free(ct);
	free(back);
	return ok;
}

static void park_point(void)
{
	pthread_mutex_lock(&park_lock);
	if (park_wanted) {
		parked++;
		pthread_cond_broadcast(&park_cond);
		while (park_wanted)
			pthread_cond_wait(&park_cond, &park_lock);
		parked--;
	}
	pthread_mutex_unlock(&park_lock);
}

/* The resident set with all nthr threads parked between operations. */
static long quiet_rss_kb(int nthr)
{
	long kb;

	pthread_mutex_lock(&park_lock);
	park_wanted = 1;
	while (parked < nthr)
		pthread_cond_wait(&park_cond, &park_lock);
	kb = rss_kb();
	park_wanted = 0;
	pthread_cond_broadcast(&park_cond);
	pthread_mutex_unlock(&park_lock);
	return kb;
}

static void *worker(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg * 7919u + (unsigned int)getpid();

	while (!stop) {
		park_point();
		switch (rand_r(&seed) % 4) {
		case 0:
		case 1:
			comp_op(&seed);
			break;
		case 2:
			if (!rsa_sign_check())
				fail("RSA sign/verify");
			break;
		default:
			if (!gcm_check(&seed))
				fail("AES-GCM");
			break;
		}
		ERR_clear_error();
		atomic_fetch_add(&ops, 1);
	}
	return NULL;
}

static int setup(void)
{
	static const char body[] =
		"openssl_conf = init\n[init]\nproviders = prov\n"
		"[prov]\nwd = wd_sect\ndefault = def_sect\n"
		"[wd_sect]\nactivate = 1\ncipher_threshold = 4096\n"
		"[def_sect]\nactivate = 1\n";
	const char *top = getenv("top_builddir");
	char path[4096], cnf[] = "/tmp/wd-soak-XXXXXX";
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc;
	int fd = mkstemp(cnf), good;
	size_t i;

	if (fd < 0 || write(fd, body, sizeof(body) - 1) != (ssize_t)sizeof(body) - 1)
		return 0;
	close(fd);
	snprintf(path, sizeof(path), "%s/provider/.libs", top ? top : "..");
	wdctx = OSSL_LIB_CTX_new();
	good = OSSL_PROVIDER_set_default_search_path(wdctx, path) &&
	       OSSL_LIB_CTX_load_config(wdctx, cnf) && OSSL_PROVIDER_available(wdctx, "wd");
	unlink(cnf);
	key_def = EVP_RSA_gen(2048);
	if (!good || !key_def || EVP_PKEY_todata(key_def, EVP_PKEY_KEYPAIR, &params) <= 0)
		return 0;
	pc = EVP_PKEY_CTX_new_from_name(wdctx, "RSA", "provider=wd");
	if (pc && EVP_PKEY_fromdata_init(pc) > 0)
		EVP_PKEY_fromdata(pc, &key_wd, EVP_PKEY_KEYPAIR, params);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	corpus = malloc(CORPUS);
	if (!corpus || !key_wd)
		return 0;
	for (i = 0; i < CORPUS; i++)	/* compressible, not trivial */
		corpus[i] = (uint8_t)("warpdrive soak "[i % 15] ^ ((i >> 11) * 2654435761u >> 28));
	return 1;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 600, nthr = argc > 2 ? atoi(argv[2]) : 4;
	int first = secs >= 180 ? 60 : secs / 3, i;
	pthread_t th[64];
	long rss_first, rss_end;

	if (secs < 3 || nthr < 1 || nthr > 64 || !setup()) {
		fprintf(stderr, "usage: soak_worker SECONDS(>=3) THREADS(1..64); needs "
			"top_builddir for the provider\n");
		return 2;
	}
	for (i = 0; i < nthr; i++)
		pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
	sleep((unsigned int)first);
	rss_first = quiet_rss_kb(nthr);
	sleep((unsigned int)(secs - first));
	rss_end = quiet_rss_kb(nthr);
	stop = 1;
	for (i = 0; i < nthr; i++)
		pthread_join(th[i], NULL);
	printf("SOAK pid=%d ops=%lu errors=%lu rss_first_kb=%ld rss_end_kb=%ld\n", (int)getpid(),
	       atomic_load(&ops), atomic_load(&errors), rss_first, rss_end);
	return atomic_load(&errors) ? 1 : 0;
}
