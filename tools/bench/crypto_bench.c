// SPDX-License-Identifier: MIT
/*
 * crypto_bench.c - the wd provider against OpenSSL's default provider, in
 * the same run: RSA-2048 signatures (synchronous, and 8 ASYNC jobs), and
 * AES-128-GCM / AES-256-CBC on 1 KiB and 16 KiB messages. Each figure
 * alternates the two providers over a few rounds and keeps each one's best
 * round, so that a noisy neighbour hurts both alike. Prints BENCH lines
 * (DESIGN.md); ratio = default time / wd time for the same work. The AES
 * lines use wd's default configuration; the "-queue" lines force every
 * AES update onto the queues (cipher_threshold = 1).
 *
 * The rsa2048-sign line measures each side on every CPU of the process in
 * turn and compares the means (bench_sign_sync() says why).
 *
 * Usage: crypto_bench [path of wd.so's directory] [seconds per round]
 */
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/select.h>
#include <unistd.h>
#include <openssl/async.h>
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#define ROUNDS		5
#define ASYNC_JOBS	8

static double round_s = 0.4;

struct side {
	const char *name;
	OSSL_LIB_CTX *lc;
	const char *pq;
	EVP_PKEY *key;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sign_once(struct side *s)
{
	unsigned char tbs[32] = { 1 }, sig[512];
	size_t siglen = sizeof(sig);
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(s->lc, s->key, s->pq);
	int ok = pc && EVP_PKEY_sign_init(pc) > 0 &&
		 EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) > 0 &&
		 EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) > 0 &&
		 EVP_PKEY_sign(pc, sig, &siglen, tbs, sizeof(tbs)) > 0;

	EVP_PKEY_CTX_free(pc);
	return ok;
}

/* operations per second of fn over one round */
static double rate(int (*fn)(struct side *, void *), struct side *s, void *arg)
{
	double t0 = now(), t;
	long n = 0;

	do {
		if (!fn(s, arg))
			return 0;
		n++;
		t = now();
	} while (t - t0 < round_s);
	return n / (t - t0);
}

static int do_sign(struct side *s, void *arg)
{
	(void)arg;
	return sign_once(s);
}

/* ---- ASYNC: jobs each sign once; the loop restarts finished ones ---- */

static int job_fn(void *arg)
{
	struct side *s = *(struct side **)arg;

	return sign_once(s);
}

/* Sleep until a paused job's wait fd is readable (or 2 ms pass). */
static void wait_jobs(ASYNC_JOB **jobs, ASYNC_WAIT_CTX **w)
{
	struct timeval tv = { 0, 2000 };
	int i, maxfd = -1;
	fd_set rf;

	FD_ZERO(&rf);
	for (i = 0; i < ASYNC_JOBS; i++) {
		OSSL_ASYNC_FD fds[4];
		size_t nfds = 0, k;

		if (!jobs[i] || !ASYNC_WAIT_CTX_get_all_fds(w[i], NULL, &nfds) ||
		    nfds > 4 || !ASYNC_WAIT_CTX_get_all_fds(w[i], fds, &nfds))
			continue;
		for (k = 0; k < nfds; k++) {
			FD_SET(fds[k], &rf);
			maxfd = fds[k] > maxfd ? fds[k] : maxfd;
		}
	}
	if (maxfd >= 0)
		select(maxfd + 1, &rf, NULL, NULL, &tv);
}

/* Signatures per second with ASYNC_JOBS jobs in flight, as speed -async_jobs. */
static double async_rate(struct side *s)
{
	ASYNC_JOB *jobs[ASYNC_JOBS] = { 0 };
	ASYNC_WAIT_CTX *w[ASYNC_JOBS];
	double t0 = now(), t = t0;
	long done = 0;
	int i, ret, active;

	for (i = 0; i < ASYNC_JOBS; i++)
		w[i] = ASYNC_WAIT_CTX_new();
	for (;;) {
		int more = t - t0 < round_s;

		active = 0;
		for (i = 0; i < ASYNC_JOBS; i++) {
			if (!jobs[i] && !more)
				continue;
			switch (ASYNC_start_job(&jobs[i], w[i], &ret, job_fn, &s, sizeof(s))) {
			case ASYNC_FINISH:
				done += ret;
				break;
			case ASYNC_PAUSE:
				active++;
				break;
			default:
				return 0;
			}
		}
		t = now();
		if (!active && t - t0 >= round_s)
			break;
		if (active)
			wait_jobs(jobs, w);
	}
	for (i = 0; i < ASYNC_JOBS; i++)
		ASYNC_WAIT_CTX_free(w[i]);
	return done / (t - t0);
}

/* ---- AES ---- */

struct aes_arg {
	const char *alg;
	size_t len;
	unsigned char *in, *out;
	EVP_CIPHER *c;
	EVP_CIPHER_CTX *ctx;	/* kept across messages, as TLS and speed do */
};

/* One message: a new IV on the kept key, (AAD,) text, final (, tag). */
static int do_aes(struct side *s, void *varg)
{
	struct aes_arg *a = varg;
	static unsigned char key[32] = { 3 }, iv[16] = { 4 }, aad[13] = { 5 }, tag[16];
	int gcm = strstr(a->alg, "GCM") != NULL, l;

	(void)s;
	if (!a->ctx) {
		a->ctx = EVP_CIPHER_CTX_new();
		if (!a->ctx || !EVP_EncryptInit_ex2(a->ctx, a->c, key, NULL, NULL))
			return 0;
	}
	iv[0]++;
	return EVP_EncryptInit_ex2(a->ctx, NULL, NULL, iv, NULL) &&
	       (!gcm || EVP_EncryptUpdate(a->ctx, NULL, &l, aad, sizeof(aad))) &&
	       EVP_EncryptUpdate(a->ctx, a->out, &l, a->in, (int)a->len) &&
	       EVP_EncryptFinal_ex(a->ctx, a->out + l, &l) &&
	       (!gcm || EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag));
}

static void best_of(const char *bench, const char *unit, struct side *wd,
		    struct side *def, double (*measure)(struct side *, void *),
		    void *arg_wd, void *arg_def, double scale)
{
	double bw = 0, bd = 0, r;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		r = measure(wd, arg_wd);
		bw = r > bw ? r : bw;
		r = measure(def, arg_def);
		bd = r > bd ? r : bd;
	}
	printf("BENCH %s wd_%s=%.1f default_%s=%.1f ratio=%.2f\n", bench, unit,
	       bw * scale, unit, bd * scale, bd > 0 ? bw / bd : 0);
	fflush(stdout);
}

static double m_sign(struct side *s, void *arg)
{
	return rate(do_sign, s, arg);
}

/*
 * The soft engine threads of this process (comm "wd-soft-engN"): their
 * thread ids and the CPU masks they had when found.
 */
#define MAX_ENGINES	64

struct engines {
	int n;
	pid_t tid[MAX_ENGINES];
	cpu_set_t mask[MAX_ENGINES];
};

static void engines_find(struct engines *e)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *d;

	e->n = 0;
	while (dir && e->n < MAX_ENGINES && (d = readdir(dir))) {
		char path[64], comm[32] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%.20s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "wd-soft-eng", 11) &&
		    !sched_getaffinity(atoi(d->d_name), sizeof(cpu_set_t), &e->mask[e->n]))
			e->tid[e->n++] = atoi(d->d_name);
		fclose(f);
	}
	if (dir)
		closedir(dir);
}

/* Put every engine on cpu (-1: back where it was); 0 on success. */
static int engines_pin(const struct engines *e, int cpu)
{
	cpu_set_t one;
	int i, ret = 0;

	CPU_ZERO(&one);
	if (cpu >= 0)
		CPU_SET(cpu, &one);
	for (i = 0; i < e->n; i++)
		ret |= sched_setaffinity(e->tid[i], sizeof(one), cpu >= 0 ? &one : &e->mask[i]);
	return ret;
}

/*
 * rsa2048-sign. A synchronous signature through the soft device is
 * computed on the CPU of the engine that serves the queue while the caller
 * waits on another, and the default provider computes it on the caller's
 * CPU; on a virtual machine whose vCPUs run at different speeds (8-20%
 * apart for hours on the machine this was written on) the plain ratio
 * would say which vCPU the engine landed on. So each side is measured on
 * every CPU of the process in turn: wd with the engines moved to that CPU
 * (the caller left to the scheduler, as in any program), the default
 * provider with the caller pinned to it; the rates are the means over the
 * CPUs, and the per-CPU figures are printed too. Without engine threads to
 * move (a kernel device) or with one CPU, it is a plain best_of. A machine
 * with many CPUs is measured on its first SIGN_CPUS_MAX: each CPU adds
 * ROUNDS rounds of each side.
 */
#define SIGN_CPUS_MAX	8

static void bench_sign_sync(struct side *wd, struct side *def)
{
	double bw[SIGN_CPUS_MAX] = { 0 }, bd[SIGN_CPUS_MAX] = { 0 }, r;
	double sw = 0, sd = 0;
	int cpus[SIGN_CPUS_MAX], ncpu = 0, i, c;
	struct engines e;
	cpu_set_t mine, one;

	if (!sign_once(wd))
		return;
	engines_find(&e);
	sched_getaffinity(0, sizeof(mine), &mine);
	for (c = 0; c < CPU_SETSIZE && ncpu < SIGN_CPUS_MAX; c++)
		if (CPU_ISSET(c, &mine))
			cpus[ncpu++] = c;
	if (!e.n || ncpu < 2) {
		best_of("rsa2048-sign", "signs_per_s", wd, def, m_sign, NULL, NULL, 1);
		return;
	}
	for (i = 0; i < ROUNDS; i++) {
		for (c = 0; c < ncpu; c++) {
			if (engines_pin(&e, cpus[c]))
				continue;
			r = rate(do_sign, wd, NULL);
			bw[c] = r > bw[c] ? r : bw[c];
			CPU_ZERO(&one);
			CPU_SET(cpus[c], &one);
			if (sched_setaffinity(0, sizeof(one), &one))
				continue;
			r = rate(do_sign, def, NULL);
			bd[c] = r > bd[c] ? r : bd[c];
			sched_setaffinity(0, sizeof(mine), &mine);
		}
	}
	engines_pin(&e, -1);
	for (c = 0; c < ncpu; c++) {
		sw += bw[c] / ncpu;
		sd += bd[c] / ncpu;
	}
	printf("BENCH rsa2048-sign wd_signs_per_s=%.1f default_signs_per_s=%.1f", sw, sd);
	for (c = 0; c < ncpu; c++)
		printf(" wd_cpu%d=%.1f default_cpu%d=%.1f", cpus[c], bw[c], cpus[c], bd[c]);
	printf(" ratio=%.2f\n", sd > 0 ? sw / sd : 0);
	fflush(stdout);
}

static double m_async(struct side *s, void *arg)
{
	(void)arg;
	return async_rate(s);
}

static double m_aes(struct side *s, void *arg)
{
	return rate(do_aes, s, arg);
}

static void bench_aes(const char *bench, const char *alg, size_t len,
		      struct side *wd, struct side *def)
{
	struct aes_arg aw = { alg, len, NULL, NULL, NULL, NULL }, ad;

	aw.in = malloc(len);
	aw.out = malloc(len + 32);
	RAND_bytes(aw.in, (int)len);
	ad = aw;
	aw.c = EVP_CIPHER_fetch(wd->lc, alg, wd->pq);
	ad.c = EVP_CIPHER_fetch(def->lc, alg, def->pq);
	if (aw.c && ad.c)
		best_of(bench, "mbps", wd, def, m_aes, &aw, &ad, len / 1e6);
	EVP_CIPHER_CTX_free(aw.ctx);
	EVP_CIPHER_CTX_free(ad.ctx);
	EVP_CIPHER_free(aw.c);
	EVP_CIPHER_free(ad.c);
	free(aw.in);
	free(aw.out);
}

static EVP_PKEY *move_key(EVP_PKEY *k, OSSL_LIB_CTX *lc, const char *pq)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(lc, "RSA", pq);
	EVP_PKEY *out = NULL;

	if (EVP_PKEY_todata(k, EVP_PKEY_KEYPAIR, &params) > 0 && pc &&
	    EVP_PKEY_fromdata_init(pc) > 0)
		EVP_PKEY_fromdata(pc, &out, EVP_PKEY_KEYPAIR, params);
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(pc);
	return out;
}

/* A library context with wd configured to send every AES update to a queue. */
static OSSL_LIB_CTX *queue_ctx(const char *path)
{
	static const char text[] =
		"openssl_conf = init\n[init]\nproviders = prov\n"
		"[prov]\nwd = wd_sect\ndefault = def_sect\n"
		"[wd_sect]\nactivate = 1\ncipher_threshold = 1\n"
		"[def_sect]\nactivate = 1\n";
	char name[] = "/tmp/wd-bench-XXXXXX";
	OSSL_LIB_CTX *lc = OSSL_LIB_CTX_new();
	int fd = mkstemp(name), ok;

	if (!lc || fd < 0)
		return lc;
	ok = write(fd, text, sizeof(text) - 1) == (ssize_t)sizeof(text) - 1;
	close(fd);
	if (path)
		OSSL_PROVIDER_set_default_search_path(lc, path);
	if (ok)
		OSSL_LIB_CTX_load_config(lc, name);
	unlink(name);
	return lc;
}

int main(int argc, char **argv)
{
	/*
	 * wd as a user gets it by default ("?provider=wd": where wd does not
	 * offer an algorithm, the default provider serves it), and wdq with
	 * AES forced onto the queues.
	 */
	struct side wd = { "wd", NULL, "?provider=wd", NULL };
	struct side wdq = { "wd", NULL, "provider=wd", NULL };
	struct side def = { "default", NULL, "provider=default", NULL };
	EVP_PKEY *k;

	if (argc > 2)
		round_s = atof(argv[2]);
	wd.lc = OSSL_LIB_CTX_new();
	def.lc = OSSL_LIB_CTX_new();
	if (argc > 1)
		OSSL_PROVIDER_set_default_search_path(wd.lc, argv[1]);
	if (!OSSL_PROVIDER_load(wd.lc, "wd") || !OSSL_PROVIDER_load(wd.lc, "default") ||
	    !OSSL_PROVIDER_load(def.lc, "default")) {
		ERR_print_errors_fp(stderr);
		fprintf(stderr, "crypto_bench: cannot load the wd provider\n");
		return 1;
	}
	k = EVP_RSA_gen(2048);
	wd.key = move_key(k, wd.lc, wd.pq);
	def.key = move_key(k, def.lc, def.pq);
	if (!wd.key || !def.key)
		return 1;
	wdq.lc = queue_ctx(argc > 1 ? argv[1] : NULL);
	bench_sign_sync(&wd, &def);
	best_of("rsa2048-sign-async", "signs_per_s", &wd, &def, m_async, NULL, NULL, 1);
	bench_aes("aes128gcm-16k", "AES-128-GCM", 16384, &wd, &def);
	bench_aes("aes128gcm-1k", "AES-128-GCM", 1024, &wd, &def);
	bench_aes("aes256cbc-16k", "AES-256-CBC", 16384, &wd, &def);
	bench_aes("aes128gcm-16k-queue", "AES-128-GCM", 16384, &wdq, &def);
	bench_aes("aes128gcm-1k-queue", "AES-128-GCM", 1024, &wdq, &def);
	bench_aes("aes256cbc-16k-queue", "AES-256-CBC", 16384, &wdq, &def);
	EVP_PKEY_free(k);
	EVP_PKEY_free(wd.key);
	EVP_PKEY_free(def.key);
	return 0;
}
