// SPDX-License-Identifier: MIT
/*
 * test_fork - a queue inherited by a child is refused there with -EPERM,
 * its memory is not mapped in the child (MADV_DONTFORK, as VM_DONTCOPY for
 * kernel queues), the child can open and use its own queue, and the parent's
 * queue keeps working after the fork.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test_util.h"

/* Results the child reports through its exit status, one bit per check. */
enum { C_SEND_EPERM = 1, C_RECV_EPERM = 2, C_SHARE_EPERM = 4, C_UNMAPPED = 8,
       C_OWN_QUEUE = 16, C_CTX_EPERM = 32 };

static int child(struct wd_queue *inherited, void *ring)
{
	unsigned char vec;
	struct wd_queue own;
	struct wd_msg m;
	void *got;
	int bits = 0;

	memset(&m, 0, sizeof(m));
	m.opcode = WD_OP_NOP;
	if (wd_send(inherited, &m) == -EPERM)
		bits |= C_SEND_EPERM;
	if (wd_recv(inherited, &got) == -EPERM)
		bits |= C_RECV_EPERM;
	if (!wd_preserve_share_memory(inherited, 4096) && errno == EPERM)
		bits |= C_SHARE_EPERM;
	if (wd_ctx_alloc(inherited) == -EPERM)
		bits |= C_CTX_EPERM;
	/* mincore fails with ENOMEM on an address that is not mapped. */
	if (mincore(ring, 4096, &vec) < 0 && errno == ENOMEM)
		bits |= C_UNMAPPED;
	wd_release_queue(inherited);
	memset(&own, 0, sizeof(own));
	own.capa.alg = "nop";
	if (!wd_request_queue(&own)) {
		if (test_roundtrip(&own, &m) == 0)
			bits |= C_OWN_QUEUE;
		wd_release_queue(&own);
	}
	return bits;
}

int main(void)
{
	struct wd_queue q, sq;
	struct wd_msg m;
	void *ring;
	int status = 0;
	pid_t pid;

	tap_plan(8);
	test_open(&q, "nop", 0, 0);
	memset(&m, 0, sizeof(m));
	m.opcode = WD_OP_NOP;
	ok(test_roundtrip(&q, &m) == 0, "parent queue works before fork");
	/*
	 * The rings are not reachable through the API, but the share region
	 * of a share-domain queue is mapped the same way (MADV_DONTFORK): the
	 * child must not see it either.
	 */
	test_open(&sq, "memcpy", WD_CAPA_SHARE_DOMAIN, 0);
	ring = wd_preserve_share_memory(&sq, 4096);
	if (!ring)
		tap_bail("no share memory");
	memset(ring, 1, 4096);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(child(&q, ring));
	waitpid(pid, &status, 0);
	status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	ok(status >= 0 && (status & C_SEND_EPERM), "child: wd_send on inherited queue gives -EPERM");
	ok(status >= 0 && (status & C_RECV_EPERM), "child: wd_recv on inherited queue gives -EPERM");
	ok(status >= 0 && (status & C_SHARE_EPERM),
	   "child: wd_preserve_share_memory on inherited queue fails with EPERM");
	ok(status >= 0 && (status & C_CTX_EPERM), "child: wd_ctx_alloc on inherited queue gives -EPERM");
	ok(status >= 0 && (status & C_UNMAPPED), "child: the queue's memory is not mapped");
	ok(status >= 0 && (status & C_OWN_QUEUE), "child: its own queue works");
	ok(test_roundtrip(&q, &m) == 0, "parent queue still works after the fork");
	wd_release_queue(&q);
	wd_release_queue(&sq);
	return tap_exit();
}
