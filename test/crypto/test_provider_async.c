// SPDX-License-Identifier: MIT
/*
 * test_provider_async.c - the wd provider in ASYNC jobs, threads and a
 * forked child, against OpenSSL's default provider: RSA and AES jobs that
 * pause on every request and resume when their wait fd is readable (also
 * under injected device faults, in a child run of this program with
 * "async-aes" or "async-rsa"), threads sharing one key, and a child that
 * signs on a queue of its own after fork().
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

/* ------------------------------------------------------------------ */
/* ASYNC and fork                                                      */

struct job_arg {
	EVP_PKEY *wd;
	unsigned char sig[512];
	size_t siglen;
	int ok;
};

static int job_sign(void *varg)
{
	struct job_arg *a = *(struct job_arg **)varg;
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	unsigned char tbs[32] = { 7 };

	a->siglen = sizeof(a->sig);
	a->ok = do_sign(wdctx, WDQ, a->wd, &p, tbs, 32, a->sig, &a->siglen);
	return 1;
}

static void check_async(EVP_PKEY *def, EVP_PKEY *wd)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	unsigned char tbs[32] = { 7 }, ref[512];
	struct job_arg args[4], *ap;
	ASYNC_JOB *jobs[4] = { 0 };
	ASYNC_WAIT_CTX *w[4];
	size_t reflen = sizeof(ref);
	int i, ret, jret, running = 4, pauses = 0, good = 0;

	do_sign(NULL, NULL, def, &p, tbs, 32, ref, &reflen);
	for (i = 0; i < 4; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].wd = wd;
		w[i] = ASYNC_WAIT_CTX_new();
		ap = &args[i];
		ret = ASYNC_start_job(&jobs[i], w[i], &jret, job_sign, &ap, sizeof(ap));
		if (ret == ASYNC_PAUSE)
			pauses++;
		else
			running--;
	}
	while (running > 0) {
		for (i = 0; i < 4; i++) {
			if (!jobs[i])
				continue;
			ret = ASYNC_start_job(&jobs[i], w[i], &jret, job_sign, NULL, 0);
			if (ret != ASYNC_PAUSE) {
				jobs[i] = NULL;
				running--;
			}
		}
		usleep(100);
	}
	for (i = 0; i < 4; i++) {
		good += args[i].ok && args[i].siglen == reflen &&
			!memcmp(args[i].sig, ref, reflen);
		ASYNC_WAIT_CTX_free(w[i]);
	}
	ok(good == 4 && pauses > 0,
	   "4 ASYNC jobs sign on queues (paused %d times): same bytes as default", pauses);
}

/*
 * AES in ASYNC jobs: each job encrypts its own 64 KiB with AES-128-GCM and
 * AES-256-CBC, whole and as a stream of 16 KiB + 5 updates (each update
 * above the test's threshold, so each is a request on the stream's leased
 * queue), and with AES-128-XTS (a stateless request on a borrowed queue).
 * The jobs pause on every request and are resumed when their wait fd
 * becomes readable, as openssl speed -async_jobs does.
 */
#define AJ_JOBS		4
#define AJ_LEN		65536
#define AJ_PIECE	(16384 + 5)

enum { AJ_GCM, AJ_GCM_SPLIT, AJ_CBC, AJ_CBC_SPLIT, AJ_XTS, AJ_NR };

static const struct {
	const char *name;
	size_t ivlen;
	int split;
} aj_ops[AJ_NR] = {
	{ "AES-128-GCM", 12, 0 }, { "AES-128-GCM", 12, AJ_PIECE },
	{ "AES-256-CBC", 16, 0 }, { "AES-256-CBC", 16, AJ_PIECE },
	{ "AES-128-XTS", 16, 0 },
};

struct aes_job {
	const unsigned char *key, *iv, *aad, *in;
	unsigned char out[AJ_NR][AJ_LEN + 16], tag[AJ_NR][16];
	int n[AJ_NR];
};

static int job_aes(void *varg)
{
	struct aes_job *a = *(struct aes_job **)varg;
	int i;

	for (i = 0; i < AJ_NR; i++)
		a->n[i] = cipher_once(wdctx, WDQ, aj_ops[i].name, 1, a->key, a->iv,
				      aj_ops[i].ivlen, a->aad, 13, a->tag[i], a->in, AJ_LEN,
				      a->out[i], aj_ops[i].split);
	return 1;
}

/*
 * Run njobs jobs of fn (args[i] its argument) to the end, resuming each when
 * its wait fd is readable, or (busy) every few microseconds whatever its fd
 * says, as an application with a loop of its own; count each one's pauses.
 * Then every wait fd must be quiet (*quiet counts those that are): a
 * finished job left readable would have a level-triggered event loop spin.
 */
#define MAX_JOBS	8

static int run_jobs_loop(int (*fn)(void *), void **args, int *pauses, int njobs,
			 int *quiet, int busy)
{
	ASYNC_JOB *jobs[MAX_JOBS] = { 0 };
	ASYNC_WAIT_CTX *w[MAX_JOBS];
	struct pollfd pfd[MAX_JOBS];
	int i, n, ret, jret, running = 0, good = 1;

	*quiet = 0;
	for (i = 0; i < njobs; i++) {
		w[i] = ASYNC_WAIT_CTX_new();
		ret = ASYNC_start_job(&jobs[i], w[i], &jret, fn, &args[i], sizeof(args[i]));
		if (ret == ASYNC_PAUSE) {
			pauses[i]++;
			running++;
		} else {
			jobs[i] = NULL;
			good &= ret == ASYNC_FINISH;
		}
	}
	while (running > 0 && good) {
		for (i = n = 0; i < njobs; i++) {
			OSSL_ASYNC_FD fd;
			size_t nfds = 1;

			if (!jobs[i])
				continue;
			if (!ASYNC_WAIT_CTX_get_all_fds(w[i], &fd, &nfds) || nfds != 1) {
				good = 0;	/* paused without a wait fd */
				break;
			}
			pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
		}
		/* a wait fd that never becomes readable fails the test */
		if (!good || (!busy && poll(pfd, (nfds_t)n, 5000) <= 0)) {
			good = 0;
			break;
		}
		if (busy)
			usleep(20);
		for (i = n = 0; i < njobs; i++) {
			if (!jobs[i] || !(busy || (pfd[n++].revents & POLLIN)))
				continue;
			ret = ASYNC_start_job(&jobs[i], w[i], &jret, fn, NULL, 0);
			if (ret == ASYNC_PAUSE) {
				pauses[i]++;
				continue;
			}
			good &= ret == ASYNC_FINISH;
			jobs[i] = NULL;
			running--;
		}
	}
	for (i = 0; i < njobs; i++) {
		OSSL_ASYNC_FD fd;
		size_t nfds = 1;
		struct pollfd p;

		if (!ASYNC_WAIT_CTX_get_all_fds(w[i], &fd, &nfds) || nfds != 1) {
			*quiet += nfds == 0;	/* never paused */
		} else {
			p = (struct pollfd){ .fd = fd, .events = POLLIN };
			*quiet += poll(&p, 1, 0) == 0;
		}
		ASYNC_WAIT_CTX_free(w[i]);
	}
	return good;
}

static int run_jobs(int (*fn)(void *), void **args, int *pauses, int njobs, int *quiet)
{
	return run_jobs_loop(fn, args, pauses, njobs, quiet, 0);
}

/* What a run of the AES jobs gave. */
struct aj_result {
	int ran;		/* every job finished, every wait fd woke */
	int same;		/* messages equal to the default provider's */
	int paused;		/* jobs that paused at least once a message */
	int pauses[AJ_JOBS];
	uint64_t offloaded[3];	/* aes-gcm, aes-cbc, aes-xts */
};

static int async_aes(struct aj_result *r)
{
	static const char *const algs[] = { "aes-gcm", "aes-cbc", "aes-xts" };
	unsigned char key[64], iv[16], aad[13], ref[AJ_LEN + 16], tag[16];
	unsigned char *in = malloc((size_t)AJ_JOBS * AJ_LEN);
	struct aes_job *a = calloc(AJ_JOBS, sizeof(*a));
	int i, j, n;

	memset(r, 0, sizeof(*r));
	if (!in || !a)
		goto out;
	RAND_bytes(key, sizeof(key));
	RAND_bytes(iv, sizeof(iv));
	RAND_bytes(aad, sizeof(aad));
	RAND_bytes(in, AJ_JOBS * AJ_LEN);
	for (j = 0; j < 3; j++)
		r->offloaded[j] = alg_counter(algs[j], WD_ALG_OFFLOADED);
	for (i = 0; i < AJ_JOBS; i++) {
		a[i].key = key;
		a[i].iv = iv;
		a[i].aad = aad;
		a[i].in = in + (size_t)i * AJ_LEN;
	}
	{
		void *args[AJ_JOBS];
		int quiet;

		for (i = 0; i < AJ_JOBS; i++)
			args[i] = &a[i];
		r->ran = run_jobs(job_aes, args, r->pauses, AJ_JOBS, &quiet);
		r->ran &= quiet == AJ_JOBS;
	}
	for (i = 0; i < AJ_JOBS; i++) {
		r->paused += r->pauses[i] >= AJ_NR;
		for (j = 0; j < AJ_NR; j++) {
			n = cipher_once(NULL, "provider=default", aj_ops[j].name, 1, key, iv,
					aj_ops[j].ivlen, aad, 13, tag, a[i].in, AJ_LEN, ref, 0);
			r->same += n > 0 && a[i].n[j] == n &&
				   !memcmp(a[i].out[j], ref, (size_t)n) &&
				   (j > AJ_GCM_SPLIT || !memcmp(a[i].tag[j], tag, 16));
		}
	}
	for (j = 0; j < 3; j++)
		r->offloaded[j] = alg_counter(algs[j], WD_ALG_OFFLOADED) - r->offloaded[j];
out:
	free(in);
	free(a);
	return r->ran && r->same == AJ_JOBS * AJ_NR;
}

/* at least one request a message went through a queue */
static int aj_offloaded(const struct aj_result *r)
{
	return r->offloaded[0] >= 2 * AJ_JOBS && r->offloaded[1] >= 2 * AJ_JOBS &&
	       r->offloaded[2] >= AJ_JOBS;
}

static void check_async_aes(void)
{
	struct aj_result r;
	int status = -1, good = async_aes(&r);
	pid_t pid;

	ok(good && r.paused == AJ_JOBS,
	   "%d ASYNC jobs of AES-GCM, CBC (whole and in updates) and XTS: %d/%d equal "
	   "the default's, %d jobs paused each message (%d, %d, %d, %d times)",
	   AJ_JOBS, r.same, AJ_JOBS * AJ_NR, r.paused, r.pauses[0], r.pauses[1],
	   r.pauses[2], r.pauses[3]);
	ok(aj_offloaded(&r),
	   "AES in ASYNC jobs counted as offloaded (gcm %llu, cbc %llu, xts %llu)",
	   (unsigned long long)r.offloaded[0], (unsigned long long)r.offloaded[1],
	   (unsigned long long)r.offloaded[2]);
	/* the child has no waiter thread and no queues of the parent's */
	pid = fork();
	if (pid == 0)
		_exit(async_aes(&r) && r.paused == AJ_JOBS && aj_offloaded(&r) ? 0 : 1);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a forked child runs AES in ASYNC jobs on queues of its own");
}

/*
 * The jobs on a failing soft device: WD_SOFT_FAULT is read once per
 * process, so this program runs them again in a new process ("async-aes").
 * Every request the queue fails is done in software: same bytes.
 */
static void check_async_aes_faults(void)
{
	static const char *const faults[] = { "error=3", "busy=2", "vanish=7", "missing" };
	size_t i;

	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		ok(run_with_fault("async-aes", faults[i]),
		   "AES in ASYNC jobs with WD_SOFT_FAULT=%s: same bytes as default", faults[i]);
}

/*
 * RSA in ASYNC jobs resumed only when their wait fd is readable, as openssl
 * speed -async_jobs and libssl's SSL_MODE_ASYNC users do: 8 jobs sign 6
 * messages each with a fresh key. On the soft device each job's queue
 * signals the job's wait fd itself; with WD_SOFT_FAULT=noevent (a device
 * without eventfds, as a kernel one) the completion threads do.
 */
#define RJ_JOBS		8
#define RJ_SIGNS	6

struct rsa_job {
	EVP_PKEY *wd;
	unsigned char tbs[RJ_SIGNS][32], sig[RJ_SIGNS][512];
	size_t siglen[RJ_SIGNS];
	int good;
};

static int job_rsa(void *varg)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	struct rsa_job *a = *(struct rsa_job **)varg;
	int i;

	a->good = 0;
	for (i = 0; i < RJ_SIGNS; i++) {
		a->siglen[i] = sizeof(a->sig[i]);
		a->good += do_sign(wdctx, WDQ, a->wd, &p, a->tbs[i], 32, a->sig[i],
				   &a->siglen[i]);
	}
	return 1;
}

struct rj_result {
	int ran;		/* every job finished, every wait fd woke */
	int quiet;		/* wait fds not readable once their job finished */
	int same;		/* signatures equal to the default provider's */
	int paused;		/* jobs that paused */
	int pauses;
	uint64_t offloaded;
};

static int async_rsa(struct rj_result *r, int busy)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	struct rsa_job *a = calloc(RJ_JOBS, sizeof(*a));
	EVP_PKEY *def = EVP_RSA_gen(1024), *wd = def ? to_wd(def) : NULL;
	int pauses[RJ_JOBS] = { 0 }, i, j;
	unsigned char ref[512];
	void *args[RJ_JOBS];
	size_t reflen;

	memset(r, 0, sizeof(*r));
	if (!a || !wd)
		goto out;
	r->offloaded = alg_counter("rsa-sign", WD_ALG_OFFLOADED);
	for (i = 0; i < RJ_JOBS; i++) {
		a[i].wd = wd;
		RAND_bytes(&a[i].tbs[0][0], sizeof(a[i].tbs));
		args[i] = &a[i];
	}
	r->ran = run_jobs_loop(job_rsa, args, pauses, RJ_JOBS, &r->quiet, busy);
	r->offloaded = alg_counter("rsa-sign", WD_ALG_OFFLOADED) - r->offloaded;
	for (i = 0; i < RJ_JOBS; i++) {
		/* an answer already in when the job looks needs no pause */
		r->paused += pauses[i] > 0;
		r->pauses += pauses[i];
		for (j = 0; j < RJ_SIGNS && a[i].good == RJ_SIGNS; j++) {
			reflen = sizeof(ref);
			r->same += do_sign(NULL, NULL, def, &p, a[i].tbs[j], 32, ref, &reflen) &&
				   reflen == a[i].siglen[j] && !memcmp(ref, a[i].sig[j], reflen);
		}
	}
out:
	EVP_PKEY_free(def);
	EVP_PKEY_free(wd);
	free(a);
	return r->ran && r->quiet == RJ_JOBS && r->same == RJ_JOBS * RJ_SIGNS;
}

static void check_async_rsa(void)
{
	static const char *const faults[] = {
		"noevent", "error=3", "busy=2", "vanish=7", "missing"
	};
	struct rj_result r;
	int good = async_rsa(&r, 0);
	size_t i;

	/* a job that finds its answer in when it looks goes on without a pause */
	ok(good && r.pauses > 0,
	   "%d ASYNC jobs x %d RSA signatures resumed by their wait fds: %d/%d equal "
	   "the default's, %d jobs paused (%d times)", RJ_JOBS, RJ_SIGNS, r.same,
	   RJ_JOBS * RJ_SIGNS, r.paused, r.pauses);
	ok(r.ran && r.quiet == RJ_JOBS, "every finished job's wait fd is quiet (%d of %d)",
	   r.quiet, RJ_JOBS);
	ok(r.offloaded >= RJ_JOBS * RJ_SIGNS, "the signatures were counted as offloaded (%llu)",
	   (unsigned long long)r.offloaded);
	/* resumed before the fd says so, a job may see its answer before the signal */
	good = async_rsa(&r, 1);
	ok(good, "the same jobs resumed every 20 us whatever their fds say: %d/%d equal, "
	   "%d of %d fds quiet at the end", r.same, RJ_JOBS * RJ_SIGNS, r.quiet, RJ_JOBS);
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		ok(run_with_fault("async-rsa", faults[i]),
		   "RSA in ASYNC jobs with WD_SOFT_FAULT=%s: same signatures, quiet fds",
		   faults[i]);
}

struct thread_arg {
	EVP_PKEY *wd;
	const unsigned char *ref;
	size_t reflen;
	int good;
};

static void *thread_sign(void *varg)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	struct thread_arg *a = varg;
	unsigned char tbs[32] = { 11 }, sig[512];
	int i;

	for (i = 0; i < 20; i++) {
		size_t l = sizeof(sig);

		a->good += do_sign(wdctx, WDQ, a->wd, &p, tbs, 32, sig, &l) &&
			   l == a->reflen && !memcmp(sig, a->ref, l);
	}
	return NULL;
}

/* Threads sign with one key at once: each borrows a queue of its own. */
static void check_threads(EVP_PKEY *def, EVP_PKEY *wd)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	unsigned char tbs[32] = { 11 }, ref[512];
	size_t reflen = sizeof(ref);
	struct thread_arg args[4];
	pthread_t th[4];
	int i, good = 0;

	do_sign(NULL, NULL, def, &p, tbs, 32, ref, &reflen);
	for (i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){ wd, ref, reflen, 0 };
		pthread_create(&th[i], NULL, thread_sign, &args[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		good += args[i].good;
	}
	ok(good == 80, "4 threads x 20 signatures with one wd key: %d/80 equal the default's",
	   good);
}

static void check_fork(EVP_PKEY *def, EVP_PKEY *wd)
{
	static const struct pad p = { "pkcs1", RSA_PKCS1_PADDING, "SHA256", 0 };
	unsigned char tbs[32] = { 9 }, s1[512], s2[512];
	size_t l1 = sizeof(s1), l2 = sizeof(s2);
	int status = -1;
	pid_t pid;

	do_sign(NULL, NULL, def, &p, tbs, 32, s2, &l2);
	pid = fork();
	if (pid == 0) {
		uint64_t before = alg_counter("rsa-sign", WD_ALG_OFFLOADED);
		int good = do_sign(wdctx, WDQ, wd, &p, tbs, 32, s1, &l1) &&
			   l1 == l2 && !memcmp(s1, s2, l1) &&
			   alg_counter("rsa-sign", WD_ALG_OFFLOADED) == before + 1;

		_exit(good ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a forked child signs on a queue of its own: same bytes as default");
	l1 = sizeof(s1);
	ok(do_sign(wdctx, WDQ, wd, &p, tbs, 32, s1, &l1) && !memcmp(s1, s2, l2),
	   "the parent still signs after the fork");
}

int main(int argc, char **argv)
{
	const char *path = wd_module_dir();
	EVP_PKEY *def1k = NULL, *wd1k = NULL, *def2k = NULL, *wd2k = NULL;

	if (argc == 2 && !strcmp(argv[1], "async-aes")) {
		/* check_async_aes_faults: no TAP output, the exit status */
		struct aj_result r;

		return load_wd(path) && async_aes(&r) ? 0 : 1;
	}
	if (argc == 2 && !strcmp(argv[1], "async-rsa")) {
		struct rj_result r;

		return load_wd(path) && async_rsa(&r, 0) && async_rsa(&r, 1) ? 0 : 1;
	}
	tap_plan(0);
	load_wd_or_bail(path);
	/* the keys test_provider checks the import of (its 1024 and 2048) */
	def1k = EVP_RSA_gen(1024);
	def2k = EVP_RSA_gen(2048);
	wd1k = def1k ? to_wd(def1k) : NULL;
	wd2k = def2k ? to_wd(def2k) : NULL;
	if (!wd1k || !wd2k)
		tap_bail("cannot make RSA keys for wd");
#ifdef __SANITIZE_ADDRESS__
	/* ASan loses track of the stacks OpenSSL's ASYNC jobs switch between */
	(void)check_async;
	(void)check_async_aes;
	(void)check_async_aes_faults;
	(void)check_async_rsa;
	tap_skip_n(17, "ASYNC jobs (swapcontext) under AddressSanitizer");
#else
	check_async(def2k, wd2k);
	check_async_aes();
	check_async_aes_faults();
	check_async_rsa();
#endif
	check_threads(def1k, wd1k);
	check_fork(def2k, wd2k);
	EVP_PKEY_free(def1k);
	EVP_PKEY_free(wd1k);
	EVP_PKEY_free(def2k);
	EVP_PKEY_free(wd2k);
	OSSL_LIB_CTX_free(wdctx);
	return tap_exit();
}
