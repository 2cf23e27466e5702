/* SPDX-License-Identifier: MIT */
/*
 * rsync.c - cut points for --rsyncable, see rsync.h.
 *
 * gzip and pigz add the bytes themselves; here each byte value stands for
 * a fixed pseudo-random 32-bit weight. A plain byte sum moves by small
 * steps around a value set by the kind of data (text sums stay in a narrow
 * band), so a wide mask could be missed for megabytes; the weights make
 * every mask bit equally likely, and the mask sets the mean distance
 * between cuts (128 KiB past RSYNC_MIN): pieces big enough that priming
 * each with 32 KiB of history costs little, small enough that a change
 * costs rsync one piece. The weights come from a fixed seed: the same
 * input is cut the same way by every run and every build.
 */
#include "config.h"

#include <pthread.h>

#include "rsync.h"

#define RSYNC_MASK	((1u << 17) - 1)

static uint32_t weight[256];
static pthread_once_t weight_once = PTHREAD_ONCE_INIT;

/* splitmix64 from a fixed seed: deterministic, well mixed */
static void weight_init(void)
{
	uint64_t x = 0x5744475a49505253ull;	/* "WDGZIPRS" */
	int i;

	for (i = 0; i < 256; i++) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		weight[i] = (uint32_t)(z ^ (z >> 31));
	}
}

void rsync_init(struct rsync *r)
{
	pthread_once(&weight_once, weight_init);
	r->sum = 0;
	r->seen = 0;
	r->since = 0;
}

size_t rsync_scan(struct rsync *r, const uint8_t *p, size_t n, int *cut)
{
	uint32_t sum = r->sum;
	size_t i;

	*cut = 0;
	for (i = 0; i < n; i++) {
		sum += weight[p[i]];
		if (r->seen + i >= RSYNC_WIN)
			sum -= weight[p[(ptrdiff_t)i - (ptrdiff_t)RSYNC_WIN]];
		if (++r->since >= RSYNC_MAX ||
		    (r->since >= RSYNC_MIN && (sum & RSYNC_MASK) == RSYNC_MASK)) {
			*cut = 1;
			r->since = 0;
			i++;
			break;
		}
	}
	r->sum = sum;
	r->seen += i;
	return i;
}
