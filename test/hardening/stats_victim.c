// SPDX-License-Identifier: MIT
/*
 * stats_victim SECONDS - the victim of bats/hardening-stats.bats: real
 * compression through the zlib shim (linked in place of libz, as
 * test_shim_harden is) for SECONDS seconds, 1 MiB a round, each round
 * compressed with compress2, inflated with uncompress and compared with
 * the input. Every offloaded request updates the counters in this
 * process's counter file, which an attacker of another uid tries to take
 * over (created first, truncated, replaced). The process must not notice.
 *
 * Prints "rounds=N publishing=P" and exits 0 when every round was right.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include "wd_stats.h"

#define LEN	(1u << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3, end = now() + secs;
	uLongf zlen, outlen, cap = compressBound(LEN);
	unsigned char *in = malloc(LEN), *z = malloc(cap), *out = malloc(LEN);
	unsigned long rounds = 0;
	size_t i;

	if (!in || !z || !out)
		return 2;
	do {
		/* text-like and different each round */
		for (i = 0; i < LEN; i++)
			in[i] = (unsigned char)("abcdefgh \n"[(i * 7 + rounds + i / 97) % 10]);
		zlen = cap;
		if (compress2(z, &zlen, in, LEN, 6) != Z_OK) {
			printf("round %lu: compress2 failed\n", rounds);
			return 1;
		}
		outlen = LEN;
		if (uncompress(out, &outlen, z, zlen) != Z_OK || outlen != LEN ||
		    memcmp(in, out, LEN)) {
			printf("round %lu: wrong data back\n", rounds);
			return 1;
		}
		rounds++;
	} while (now() < end);
	printf("rounds=%lu publishing=%d\n", rounds, wd_stats_publishing());
	return 0;
}
