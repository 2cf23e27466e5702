// SPDX-License-Identifier: MIT
/*
 * wd_hold - a helper for command-line tests: opens a queue, sends N MEMCPY
 * requests of 1000 bytes (default 1000), prints "ready <pid>", then keeps
 * the queue open until its standard input reaches end of file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "test_util.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000, i;
	char src[1000], dst[1000], buf[64];
	struct wd_queue q;
	struct wd_msg m;

	test_open(&q, "memcpy", 0, 0);
	memset(src, 3, sizeof(src));
	for (i = 0; i < n; i++) {
		test_memcpy_msg(&m, src, sizeof(src), dst, sizeof(dst));
		if (test_roundtrip(&q, &m))
			return 1;
	}
	wd_alg_stats_add("demo-copy", WD_ALG_OFFLOADED, (uint64_t)n);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	wd_release_queue(&q);
	return 0;
}
