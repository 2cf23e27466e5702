// SPDX-License-Identifier: MIT
/*
 * wdz_real.c - the real zlib, the environment knobs, memory and counters.
 *
 * The real library is opened by its full path (SYSTEM_LIBZ, resolved at
 * configure time), RTLD_LOCAL so its names stay out of the global scope:
 * lookups in its handle give its own definitions, never ours, so the shim
 * cannot call itself. The real library's internal calls to its exported
 * functions (compress2 -> deflateInit_, gzread -> inflate, ...) do reach
 * us through its PLT; that is how compress* and gz* get offloaded, and why
 * every entry point forwards a stream that is not ours untouched.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "wd.h"
#include "wdz.h"
#include "wd_config.h"

__thread int wdz_in_real;
int wdz_no_device[2][WD_COMP_NR_FORMATS];

static struct wdz_real real;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

static void wdz_real_load(void)
{
	void *h = dlopen(SYSTEM_LIBZ, RTLD_NOW | RTLD_LOCAL);
	int missing = 0;

	if (!h) {
		fprintf(stderr, "libwdz: cannot load the real zlib %s: %s\n",
			SYSTEM_LIBZ, dlerror());
		abort();
	}
#define X(name) \
	*(void **)&real.name = dlsym(h, #name); \
	missing += real.name == NULL;
	WDZ_FUNCS
#undef X
	/* the same object as ours would make every fallback recurse */
	if (missing || (void *)real.deflate == (void *)deflate) {
		fprintf(stderr, "libwdz: %s is not a usable zlib 1.2.x\n", SYSTEM_LIBZ);
		abort();
	}
}

const struct wdz_real *wdz_real(void)
{
	pthread_once(&real_once, wdz_real_load);
	return &real;
}

/* ------------------------------------------------------------------ */

static struct wdz_config config;
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

/* The knobs come from libwd's table (wd_config.h): one parser, read once. */
static void wdz_config_load(void)
{
	const char *m = wd_config_str(WD_CFG_ZLIB);

	config.mode = !strcmp(m, "off") ? WDZ_OFF : !strcmp(m, "force") ? WDZ_FORCE : WDZ_AUTO;
	config.min_inflate = (size_t)wd_config_long(WD_CFG_ZLIB_MIN_INFLATE);
	config.parallel = (unsigned int)wd_config_long(WD_CFG_ZLIB_PARALLEL);
	/* 0: wd_comp's default for the level (wd_comp.h) */
	config.chunk = (unsigned int)wd_config_long(WD_CFG_ZLIB_CHUNK);
	config.verbose = (int)wd_config_long(WD_CFG_ZLIB_DEBUG);
	/* compressed input an inflate stream keeps to survive a device error */
	config.replay_max = (size_t)wd_config_long(WD_CFG_ZLIB_REPLAY_MAX);
}

const struct wdz_config *wdz_config(void)
{
	pthread_once(&config_once, wdz_config_load);
	return &config;
}

void wdz_debug(const char *fmt, ...)
{
	va_list ap;

	if (!wdz_config()->verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "libwdz[%d]: ", (int)getpid());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ------------------------------------------------------------------ */

static voidpf wdz_default_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return malloc((size_t)items * size);
}

static void wdz_default_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	free(p);
}

/* zlib's rule: NULL allocators mean the defaults (and a NULL opaque). */
void wdz_set_alloc(z_streamp strm)
{
	if (!strm->zalloc) {
		strm->zalloc = wdz_default_alloc;
		strm->opaque = NULL;
	}
	if (!strm->zfree)
		strm->zfree = wdz_default_free;
}

void *wdz_alloc(z_streamp strm, size_t size)
{
	if (size > 0xffffffffu)
		return NULL;
	return strm->zalloc(strm->opaque, 1, (uInt)size);
}

void wdz_free(z_streamp strm, void *p)
{
	if (p)
		strm->zfree(strm->opaque, p);
}

void wdz_count_fallback(int inflate)
{
	wd_alg_stats_add(inflate ? "inflate" : "deflate", WD_ALG_FALLBACK, 1);
}
