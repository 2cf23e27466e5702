/* SPDX-License-Identifier: MIT */
/*
 * fuzz_util.h - what the libFuzzer targets share: a reader that turns the
 * fuzzer's bytes into decisions (never reading past the end: an exhausted
 * input reads as zeros), and the environment every target runs in.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fz {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t fz_u8(struct fz *f)
{
	if (!f->left)
		return 0;
	f->left--;
	return *f->p++;
}

static inline uint16_t fz_u16(struct fz *f)
{
	return (uint16_t)(fz_u8(f) | fz_u8(f) << 8);
}

static inline uint32_t fz_u32(struct fz *f)
{
	return (uint32_t)fz_u16(f) | (uint32_t)fz_u16(f) << 16;
}

/* A value in [0, n): n must be > 0. */
static inline uint32_t fz_below(struct fz *f, uint32_t n)
{
	return n <= 256 ? fz_u8(f) % n : fz_u32(f) % n;
}

/* Up to max bytes of the input (fewer when it runs out); sets *len. */
static inline const uint8_t *fz_bytes(struct fz *f, size_t max, size_t *len)
{
	const uint8_t *p = f->p;

	*len = max < f->left ? max : f->left;
	f->p += *len;
	f->left -= *len;
	return p;
}

/*
 * The fuzzers' environment: one soft engine (the machine is shared), no
 * counter files, and whatever the caller set wins (setenv without
 * overwrite), so a crash can be replayed under other settings.
 */
static inline void fz_env(void)
{
	setenv("WD_DEVICE", "soft", 0);
	setenv("WD_SOFT_ENGINES", "1", 0);
	setenv("WD_STATS_DIR", "off", 0);
}

/*
 * FUZZ_IGNORE_KNOWN=1 (set by make check's bounded runs): do not report
 * the open findings listed in fuzz/known/README again, so that a bug
 * already reported cannot make everybody's make check fail at random.
 * make fuzz leaves it unset and reports everything.
 */
static inline int fz_ignore_known(void)
{
	static int v = -1;

	if (v < 0) {
		const char *e = getenv("FUZZ_IGNORE_KNOWN");

		v = e && *e == '1';
	}
	return v;
}

/* A differential mismatch is a finding: say what, then crash. */
#define fz_fail(...)							\
	do {								\
		fprintf(stderr, "FUZZ MISMATCH: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

#endif /* FUZZ_UTIL_H */
