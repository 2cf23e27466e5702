// SPDX-License-Identifier: MIT
/*
 * fuzz_zlib_diff - the whole zlib API, the shim against stock zlib: the
 * engine of test/comp/zlib_diff*.c with the fuzzer's bytes as its choices
 * (which scenario, which calls, their sizes and flushes, and some of the
 * data). A new deviation is a finding (the run's calls are printed, then
 * abort); the known classes being fixed (zlib_diff.h, enum zd_class) are
 * reported only when FUZZ_IGNORE_KNOWN is unset (make fuzz).
 *
 * This binary contains the shim (its zlib names are the ones the engine
 * calls) and stock zlib in a link map of its own (dlmopen, see
 * zlib_diff.c), as test/comp/test_zlib_diff. WD_ZLIB=force sends every
 * stream that can go to the soft device there.
 *
 * Input: [scenario][choices ...]
 */
#include "config.h"

#include "fuzz_util.h"
#include "zlib_diff.h"

static struct zd_ctx ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_env();
	setenv("WD_ZLIB", "force", 0);
	setenv("WD_ZLIB_CHUNK", "64k", 0);	/* several chunks per stream */
	if (zd_load_ref())
		exit(1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int scenario, k;

	if (!size)
		return 0;
	scenario = data[0] % ZD_NR_SCENARIOS;
	zd_start(&ctx, size);
	ctx.fuzz = 1;
	ctx.live = getenv("ZD_LIVE") != NULL;	/* each call as it is done (a hang) */
	ctx.fp = data + 1;
	ctx.fleft = size - 1;
	zd_run(&ctx, scenario);
	if (ctx.failed) {
		zd_report(&ctx, scenario, stderr, "");
		fz_fail("zlib_diff scenario %s: %s", zd_scenario_name[scenario], ctx.why);
	}
	for (k = 1; k < ZD_NR_CLASSES && !fz_ignore_known(); k++)
		if (ctx.known & 1u << k) {
			zd_report(&ctx, scenario, stderr, "");
			fz_fail("zlib_diff scenario %s: %s", zd_scenario_name[scenario],
				ctx.kwhy[k]);
		}
	return 0;
}
