/* SPDX-License-Identifier: MIT */
/*
 * harden.h - what the hardening tests share: running a case in a child
 * process (WD_SOFT_FAULT and rlimits are per process, and a crash must be
 * seen, not suffered), memory limits, counters, and checks of known open
 * bugs of other areas.
 */
#ifndef HARDEN_H
#define HARDEN_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "tap.h"
#include "wd.h"
#include "wd_stats.h"
#include "alg_counter.h"

/* ASan reserves terabytes of shadow memory: RLIMIT_AS cannot work there. */
#if defined(__SANITIZE_ADDRESS__)
#define HARDEN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HARDEN_ASAN 1
#endif
#endif
#ifndef HARDEN_ASAN
#define HARDEN_ASAN 0
#endif

/*
 * known_bug - a check of a documented contract that fails today because of
 * an open bug in another area's code (named in note). It prints "ok" when
 * the contract holds, otherwise "not ok ... # TODO note" (an expected
 * failure, XFAIL, in the summary), so that the bug stays visible without
 * blocking everybody's make check. WD_HARDEN_STRICT=1 makes it a failure.
 */
static inline __attribute__((format(printf, 3, 4)))
void known_bug(int cond, const char *note, const char *fmt, ...)
{
	const char *strict = getenv("WD_HARDEN_STRICT");
	va_list ap;

	if (cond || (strict && *strict == '1')) {
		char buf[512];

		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		ok(cond, "%s", buf);
		if (!cond)
			diag("open bug: %s", note);
		return;
	}
	printf("not ok %d - ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # TODO %s\n", note);
	fflush(stdout);
}

/*
 * Run fn(arg) in a child with the given WD_SOFT_FAULT (NULL: none) on the
 * soft device. Returns the child's exit status (fn's return value, 0..255),
 * or -signal when it was killed.
 */
static inline int run_child(const char *fault, int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork");
	if (pid == 0) {
		if (fault)
			setenv("WD_SOFT_FAULT", fault, 1);
		setenv("WD_DEVICE", "soft", 1);
		int r = fn(arg);

		fflush(stdout);
		_exit(r & 0xff);
	}
	if (waitpid(pid, &status, 0) != pid)
		tap_bail("waitpid");
	if (WIFSIGNALED(status)) {
		diag("child (%s) killed by signal %d", fault ? fault : "no fault",
		     WTERMSIG(status));
		return -WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

/* Bytes of address space this process uses now (/proc/self/statm). */
static inline size_t vm_size(void)
{
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%lu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return pages * (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * Limit the address space to what is mapped now plus extra bytes (soft
 * limit only: raise_limit() lifts it again). Returns 0 or -errno.
 */
static inline int limit_memory(size_t extra)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_AS, &r))
		return -errno;
	r.rlim_cur = vm_size() + extra;
	return setrlimit(RLIMIT_AS, &r) ? -errno : 0;
}

static inline void raise_limit(void)
{
	struct rlimit r;

	if (!getrlimit(RLIMIT_AS, &r)) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_AS, &r);
	}
}

/*
 * Take every byte malloc can still give (under a limit), in blocks chained
 * through their first word; hog_free() gives them back.
 */
static inline void *hog_memory(void)
{
	void *list = NULL, *p;
	size_t sz;

	for (sz = 64u << 20; sz >= 16; sz /= 2)
		while ((p = malloc(sz)) != NULL) {
			*(void **)p = list;
			list = p;
		}
	return list;
}

static inline void hog_free(void *list)
{
	while (list) {
		void *next = *(void **)list;

		free(list);
		list = next;
	}
}

#endif /* HARDEN_H */
