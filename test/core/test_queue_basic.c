// SPDX-License-Identifier: MIT
/*
 * test_queue_basic - the queue API on the soft device: discovery, NOP and
 * MEMCPY round trips, bad arguments, and the documented error codes.
 */
#include <stdlib.h>
#include <stdint.h>
#include "test_util.h"

static void test_discovery(void)
{
	struct wd_dev_info devs[16];
	int n = wd_list_devices(devs, 16), i, soft = -1;

	ok(n >= 1, "at least one device is listed (%d)", n);
	for (i = 0; i < n && i < 16; i++)
		if (!strcmp(devs[i].name, "soft"))
			soft = i;
	ok(soft >= 0, "the built-in soft device is listed");
	if (soft < 0)
		return;
	ok(!strcmp(devs[soft].api_version, WD_RING_API_SOFT), "soft api_version is %s",
	   devs[soft].api_version);
	ok(strstr(devs[soft].algorithms, "nop") && strstr(devs[soft].algorithms, "memcpy"),
	   "soft device serves nop and memcpy (%s)", devs[soft].algorithms);
	ok((devs[soft].flags & (WD_CAPA_SVA | WD_CAPA_SHARE_DOMAIN)) ==
	   (WD_CAPA_SVA | WD_CAPA_SHARE_DOMAIN), "soft device offers both addressing modes");
	ok(devs[soft].queues_free > 0 && devs[soft].queues_free <= devs[soft].queues_total,
	   "queues free %d of %d", devs[soft].queues_free, devs[soft].queues_total);
}

static void test_request_errors(void)
{
	struct wd_queue q;

	memset(&q, 0, sizeof(q));
	q.capa.alg = "no-such-algorithm";
	ok(wd_request_queue(&q) == -ENODEV, "unknown algorithm gives -ENODEV");
	memset(&q, 0, sizeof(q));
	q.capa.depth = 3;
	ok(wd_request_queue(&q) == -EINVAL, "depth not a power of two gives -EINVAL");
	memset(&q, 0, sizeof(q));
	q.capa.flags = WD_CAPA_SVA | WD_CAPA_SHARE_DOMAIN;
	ok(wd_request_queue(&q) == -EINVAL, "both modes at once gives -EINVAL");
	memset(&q, 0, sizeof(q));
	q.capa.dev_name = "no-such-device";
	ok(wd_request_queue(&q) == -ENODEV, "unknown device name gives -ENODEV");
	ok(wd_request_queue(NULL) == -EINVAL, "NULL queue gives -EINVAL");
}

static void test_nop_memcpy(void)
{
	struct wd_queue q;
	struct wd_msg m;
	char src[4096], dst[4096];
	void *got;
	int i;

	test_open(&q, "memcpy", 0, 0);
	ok(!strcmp(q.dev_name, "soft") || q.dev_name[0], "queue is on device '%s'", q.dev_name);
	ok(q.depth == WD_RING_DEFAULT_DEPTH, "default depth is %u", q.depth);
	ok(wd_recv(&q, &got) == -EAGAIN, "wd_recv on an empty queue gives -EAGAIN");
	ok(wd_recv_sync(&q, &got) == -ENOENT, "wd_recv_sync with nothing in flight gives -ENOENT");

	memset(&m, 0, sizeof(m));
	m.opcode = WD_OP_NOP;
	ok(test_roundtrip(&q, &m) == 0, "NOP round trip succeeds");

	for (i = 0; i < (int)sizeof(src); i++)
		src[i] = (char)(rand() & 0xff);
	memset(dst, 0, sizeof(dst));
	test_memcpy_msg(&m, src, sizeof(src), dst, sizeof(dst));
	ok(test_roundtrip(&q, &m) == 0 && !memcmp(src, dst, sizeof(src)) &&
	   m.produced == sizeof(src), "MEMCPY of 4 KiB copies every byte");

	m.dst_len = 100;
	ok(test_roundtrip(&q, &m) == -ENOSPC, "MEMCPY into a short buffer completes with -ENOSPC");

	memset(&m, 0, sizeof(m));
	m.opcode = WD_OP_MAX;
	ok(wd_send(&q, &m) == -EINVAL, "unknown opcode is refused by wd_send");
	ok(wd_queue_inflight(&q) == 0, "nothing left in flight");
	ok(wd_preserve_share_memory(&q, 4096) == NULL && errno == EINVAL,
	   "SVA queue has no share region (EINVAL)");
	wd_release_queue(&q);
	ok(q.priv == NULL, "release clears the queue");
	wd_release_queue(&q);	/* twice is harmless */
}

static void test_sva_rejects(void)
{
	struct wd_queue q;
	struct wd_msg m;
	char buf[64];

	test_open(&q, "memcpy", WD_CAPA_SVA, 0);
	test_memcpy_msg(&m, (void *)(uintptr_t)0xffff888000000000ull,	/* kernel */
			64, buf, sizeof(buf));
	ok(test_roundtrip(&q, &m) == -EFAULT, "SVA: kernel address completes with -EFAULT");
	m.src = (void *)(uintptr_t)16;
	ok(test_roundtrip(&q, &m) == -EFAULT, "SVA: page-zero address completes with -EFAULT");
	m.src = buf;
	m.dst = (void *)(uintptr_t)0x7ffffff00000ull;	/* unmapped here */
	ok(test_roundtrip(&q, &m) == -EFAULT, "SVA: unmapped destination completes with -EFAULT");
	m.dst = (void *)"read-only string";
	m.src_len = 8;
	ok(test_roundtrip(&q, &m) == -EFAULT, "SVA: read-only destination completes with -EFAULT");
	m.src = (void *)(uintptr_t)(UINT64_MAX - 8);
	m.dst = buf;
	ok(test_roundtrip(&q, &m) == -EFAULT, "SVA: wrapping range completes with -EFAULT");
	wd_release_queue(&q);
}

static void test_ctx_ids(void)
{
	struct wd_queue q;
	int a, b, c;

	test_open(&q, "nop", 0, 0);
	a = wd_ctx_alloc(&q);
	b = wd_ctx_alloc(&q);
	ok(a > 0 && b > 0 && a != b, "ctx ids are positive and distinct (%d, %d)", a, b);
	wd_ctx_free(&q, (uint32_t)a);
	c = wd_ctx_alloc(&q);
	ok(c == a, "a freed ctx id is reused");
	wd_release_queue(&q);
}

static void test_strerror(void)
{
	ok(strstr(wd_strerror(-EBUSY), "full") != NULL, "wd_strerror(-EBUSY) explains");
	ok(strstr(wd_strerror(-EPERM), "fork") != NULL, "wd_strerror(-EPERM) explains");
	ok(wd_strerror(-EACCES)[0] != '\0', "wd_strerror of a plain errno is not empty");
}

int main(void)
{
	tap_plan(0);
	test_discovery();
	test_request_errors();
	test_nop_memcpy();
	test_sva_rejects();
	test_ctx_ids();
	test_strerror();
	return tap_exit();
}
