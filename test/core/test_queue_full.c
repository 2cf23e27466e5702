// SPDX-License-Identifier: MIT
/*
 * test_queue_full - a queue accepts exactly depth requests in flight, then
 * answers -EBUSY without losing anything, and recovers once completions are
 * received. Also: wd_flush waits for all of them, and the device's queue
 * count runs out with -EBUSY.
 */
#include <stdlib.h>
#include "test_util.h"

#define DEPTH 16

int main(void)
{
	struct wd_msg m[DEPTH + 1];
	struct wd_queue q;
	void *got;
	int i, accepted = 0, received = 0, ret;

	tap_plan(0);
	/* libwd reads its knobs once, at the first call: set before it */
	setenv("WD_SOFT_MAX_QUEUES", "4", 1);
	test_open(&q, "nop", 0, DEPTH);
	ok(q.depth == DEPTH, "depth %u as asked", q.depth);
	memset(m, 0, sizeof(m));
	/* A slow NOP keeps the engine from draining while we fill the ring. */
	for (i = 0; i < DEPTH; i++) {
		m[i].opcode = WD_OP_NOP;
		m[i].op_arg = i == 0 ? 100000 : 0;
		if (wd_send(&q, &m[i]) == 0)
			accepted++;
	}
	ok(accepted == DEPTH, "%d requests accepted", accepted);
	m[DEPTH].opcode = WD_OP_NOP;
	ret = wd_send(&q, &m[DEPTH]);
	ok(ret == -EBUSY, "request %d is refused with -EBUSY (%d)", DEPTH + 1, ret);
	ok(wd_queue_inflight(&q) == DEPTH, "in flight: %u", wd_queue_inflight(&q));

	wd_flush(&q);
	ok(1, "wd_flush returned");
	ret = wd_recv(&q, &got);
	ok(ret == 1 && got == &m[0], "after flush the first completion is ready without waiting");
	received = ret == 1;
	ok(wd_send(&q, &m[DEPTH]) == 0, "a freed slot takes a new request");
	while (received < DEPTH + 1) {
		ret = wd_recv_sync(&q, &got);
		if (ret != 1)
			break;
		received++;
	}
	ok(received == DEPTH + 1, "all %d requests came back", received);
	for (i = 0, ret = 0; i <= DEPTH; i++)
		ret |= m[i].status;
	ok(ret == 0, "all completed successfully");
	wd_release_queue(&q);

	/* The device runs out of queues: WD_SOFT_MAX_QUEUES=4 in this test. */
	{
		struct wd_queue qs[5];
		int n = 0;

		for (i = 0; i < 5; i++) {
			memset(&qs[i], 0, sizeof(qs[i]));
			qs[i].capa.dev_name = "soft";
			ret = wd_request_queue(&qs[i]);
			if (!ret)
				n++;
		}
		ok(n == 4 && ret == -EBUSY, "queue 5 of 4 is refused with -EBUSY (%d)", ret);
		wd_release_queue(&qs[0]);
		memset(&qs[4], 0, sizeof(qs[4]));
		qs[4].capa.dev_name = "soft";
		ok(wd_request_queue(&qs[4]) == 0, "a released queue can be requested again");
		for (i = 1; i < 5; i++)
			wd_release_queue(&qs[i]);
	}
	return tap_exit();
}
