/* SPDX-License-Identifier: MIT */
/*
 * fault_inject.c - a test-only LD_PRELOAD module that makes wd_comp fail
 * like a broken device, to prove that decompression's fallback (codec_wd.c)
 * loses nothing. (Compression has no fallback of its own: a device error
 * never reaches it through wd_comp_stream(), the session redoes the chunk;
 * WD_SOFT_FAULT tests that.)
 *
 * WDGZIP_FAULT_AFTER=N: the first N calls of wd_comp_stream() go to the
 * device; every later one fails with -EIO, as a device error would.
 * Never installed (check_LTLIBRARIES).
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>

#include "wd_comp.h"

typedef int (*stream_fn)(struct wd_comp_sess *, struct wd_comp_req *);

int wd_comp_stream(struct wd_comp_sess *sess, struct wd_comp_req *req)
{
	static stream_fn real;
	static long calls, after = -1;

	if (!real)
		real = (stream_fn)(void (*)(void))dlsym(RTLD_NEXT, "wd_comp_stream");
	if (after < 0) {
		const char *v = getenv("WDGZIP_FAULT_AFTER");

		after = v ? atol(v) : 0;
	}
	if (calls++ >= after || !real) {
		req->consumed = req->produced = 0;
		req->end = req->more = 0;
		return req->status = -EIO;
	}
	return real(sess, req);
}
