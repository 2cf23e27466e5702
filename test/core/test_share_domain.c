// SPDX-License-Identifier: MIT
/*
 * test_share_domain - a share-domain queue's device touches only the share
 * region: requests inside it are served, any other address (ordinary heap,
 * stack, just past the region, straddling its end, NULL, overflowing) is
 * answered with -EFAULT and its memory is left untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include "test_util.h"

static int copy(struct wd_queue *q, const void *src, void *dst, size_t len)
{
	struct wd_msg m;

	test_memcpy_msg(&m, src, len, dst, len);
	return test_roundtrip(q, &m);
}

int main(void)
{
	char heap_src[256], heap_dst[256];
	struct wd_queue q;
	char *a, *b, *c;
	size_t region;

	tap_plan(0);
	test_open(&q, "memcpy", WD_CAPA_SHARE_DOMAIN, 0);
	a = wd_preserve_share_memory(&q, 4096);
	b = wd_preserve_share_memory(&q, 4096);
	ok(a && b && b >= a + 4096, "two share pieces, not overlapping");
	ok(a && ((uintptr_t)a & 4095) == 0, "share memory is page aligned");
	ok(a && a[0] == 0 && a[4095] == 0, "share memory starts zeroed");
	memset(a, 0x5a, 4096);
	ok(copy(&q, a, b, 4096) == 0 && b[0] == 0x5a && b[4095] == 0x5a,
	   "copy inside the share region is served");

	memset(heap_src, 1, sizeof(heap_src));
	memset(heap_dst, 2, sizeof(heap_dst));
	ok(copy(&q, heap_src, b, sizeof(heap_src)) == -EFAULT,
	   "source outside the region: -EFAULT");
	ok(copy(&q, a, heap_dst, sizeof(heap_dst)) == -EFAULT && heap_dst[0] == 2,
	   "destination outside the region: -EFAULT and untouched");
	ok(copy(&q, NULL, b, 16) == -EFAULT, "NULL source: -EFAULT");

	/* The region is WD_SHARE_MIN_SIZE (4 MiB); find its end. */
	region = 4u << 20;
	c = wd_preserve_share_memory(&q, region);
	ok(c == NULL && errno == ENOMEM, "more than the region holds: ENOMEM");
	ok(copy(&q, a, a + region - 8, 16) == -EFAULT, "range straddling the end: -EFAULT");
	ok(copy(&q, a + region, b, 16) == -EFAULT, "range just past the end: -EFAULT");
	ok(copy(&q, a, a + region - 16, 16) == 0, "last 16 bytes of the region: served");
	{
		struct wd_msg m;

		test_memcpy_msg(&m, (void *)(uintptr_t)(UINT64_MAX - 15), 64, b, 64);
		ok(test_roundtrip(&q, &m) == -EFAULT, "wrapping address: -EFAULT");
	}
	wd_release_queue(&q);
	return tap_exit();
}
