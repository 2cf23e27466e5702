// SPDX-License-Identifier: MIT
/*
 * evp-probe.c - linked into OpenSSL's test/evp_test by run-openssl.sh with
 * -Wl,--wrap=cleanup_tests, so that the suite can read this process's wd
 * counters after the tests ran and before evp_test unloads its providers
 * (libwd removes its counter file at exit). It runs the shell command in
 * $EVP_PROBE_AT_END, in which $PPID is evp_test, then goes on.
 */
#include <stdio.h>
#include <stdlib.h>

void __real_cleanup_tests(void);
void __wrap_cleanup_tests(void);

void __wrap_cleanup_tests(void)
{
	const char *cmd = getenv("EVP_PROBE_AT_END");

	if (cmd && *cmd && system(cmd) != 0)
		fprintf(stderr, "evp-probe: '%s' failed\n", cmd);
	__real_cleanup_tests();
}
