// SPDX-License-Identifier: MIT
/*
 * provider_util.c - the library contexts, keys and calls the
 * test_provider* programs share (provider_util.h).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/err.h>
#include "tap.h"
#include "provider_util.h"

OSSL_LIB_CTX *wdctx;

const char *wd_module_dir(void)
{
	static char path[4096];
	const char *top = getenv("top_builddir");

	snprintf(path, sizeof(path), "%s/provider/.libs", top ? top : "..");
	return path;
}


size_t rnd(size_t n)
{
	uint32_t r = 0;

	RAND_bytes((unsigned char *)&r, sizeof(r));
	return n ? r % n : 0;
}

/* The same key, as a wd key (wdctx) */
EVP_PKEY *to_wd(EVP_PKEY *pkey)
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

int do_sign(OSSL_LIB_CTX *lc, const char *pq, EVP_PKEY *k, const struct pad *p,
	    const unsigned char *tbs, size_t tbslen, unsigned char *sig,
	    size_t *siglen)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(lc, k, pq);
	int ok = pc && EVP_PKEY_sign_init(pc) > 0 && setup(pc, p) &&
		 EVP_PKEY_sign(pc, sig, siglen, tbs, tbslen) > 0;

	EVP_PKEY_CTX_free(pc);
	return ok;
}

int do_verify(OSSL_LIB_CTX *lc, const char *pq, EVP_PKEY *k, const struct pad *p,
	      const unsigned char *tbs, size_t tbslen,
	      const unsigned char *sig, size_t siglen)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(lc, k, pq);
	int ok = pc && EVP_PKEY_verify_init(pc) > 0 && setup(pc, p) &&
		 EVP_PKEY_verify(pc, sig, siglen, tbs, tbslen) == 1;

	EVP_PKEY_CTX_free(pc);
	return ok;
}

/*
 * Run a whole message through ctx: split 0 in one update, 1 in random
 * updates, more in updates of split bytes. Bytes out or -1.
 */
int run_cipher(EVP_CIPHER_CTX *ctx, const unsigned char *in, size_t len,
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

int cipher_once(OSSL_LIB_CTX *lc, const char *pq, const char *name, int enc,
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

/*
 * Run this program again as "<program> mode" under WD_SOFT_FAULT=fault
 * (read once per process, hence a new one); 1 when it exits 0.
 */
int run_with_fault(const char *mode, const char *fault)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		setenv("WD_SOFT_FAULT", fault, 1);
		execl("/proc/self/exe", program_invocation_name, mode, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
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
int load_wd(const char *path)
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

void load_wd_or_bail(const char *path)
{
	if (load_wd(path))
		return;
	ERR_print_errors_fp(stdout);
	tap_bail("cannot load wd.so from the build tree");
}
