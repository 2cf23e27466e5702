/* SPDX-License-Identifier: MIT */
/*
 * tap.h - a minimal TAP producer for the C tests.
 *
 * Each test program calls tap_plan(n) (or tap_plan(0) and tap_done() at the
 * end for a trailing plan), then ok(cond, "what is checked") per check, and
 * returns tap_exit(). automake's tap-driver.sh counts each line.
 *
 *   ok(x == 3, "x is %d", x);
 *   tap_skip("why it cannot run here");    -- whole program skipped
 *   tap_skip_n(2, "why");                  -- n checks skipped
 *   tap_bail("reason");                    -- abort the program
 */
#ifndef WD_TEST_TAP_H
#define WD_TEST_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_count;
static int tap_failed;
static int tap_planned;

static inline void tap_plan(int n)
{
	tap_planned = n;
	if (n > 0)
		printf("1..%d\n", n);
	fflush(stdout);
}

static inline __attribute__((format(printf, 2, 3)))
int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline __attribute__((format(printf, 1, 2)))
void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline void tap_skip_n(int n, const char *why)
{
	while (n-- > 0)
		printf("ok %d # SKIP %s\n", ++tap_count, why);
	fflush(stdout);
}

static inline void tap_skip(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	fflush(stdout);
	exit(0);
}

static inline void tap_bail(const char *why)
{
	printf("Bail out! %s\n", why);
	fflush(stdout);
	exit(1);
}

static inline int tap_exit(void)
{
	if (tap_planned == 0) {
		printf("1..%d\n", tap_count);
		fflush(stdout);
	}
	return tap_failed ? 1 : 0;
}

static inline void tap_done(void)
{
	exit(tap_exit());
}

#endif /* WD_TEST_TAP_H */
