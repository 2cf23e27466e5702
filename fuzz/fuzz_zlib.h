/* SPDX-License-Identifier: MIT */
/*
 * fuzz_zlib.h - the stock zlib the shim targets compare against. The shim
 * defines zlib's names in the target itself, so the real library is
 * loaded by path (SYSTEM_LIBZ) and reached through these pointers only.
 */
#ifndef FUZZ_ZLIB_H
#define FUZZ_ZLIB_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

struct fz_zlib {
	int (*inflateInit2_)(z_streamp, int, const char *, int);
	int (*inflate)(z_streamp, int);
	int (*inflateEnd)(z_streamp);
};

/* Load stock zlib's inflate into z, or exit naming the target. */
static inline void fz_zlib_load(struct fz_zlib *z, const char *target)
{
	void *h = dlopen(SYSTEM_LIBZ, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		fprintf(stderr, "%s: cannot load %s\n", target, SYSTEM_LIBZ);
		exit(1);
	}
	*(void **)&z->inflateInit2_ = dlsym(h, "inflateInit2_");
	*(void **)&z->inflate = dlsym(h, "inflate");
	*(void **)&z->inflateEnd = dlsym(h, "inflateEnd");
	if (!z->inflateInit2_ || !z->inflate || !z->inflateEnd) {
		fprintf(stderr, "%s: %s lacks inflate\n", target, SYSTEM_LIBZ);
		exit(1);
	}
}

#endif /* FUZZ_ZLIB_H */
