// SPDX-License-Identifier: MIT
/*
 * soft_ops.c - the soft device's operation table.
 *
 * Each operation family lives in its own file and is linked in only when its
 * area is built; a missing family leaves weak NULL entries, which complete
 * with -EOPNOTSUPP and are not listed in the device's algorithms.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "soft_engine.h"

void soft_op_nop(struct soft_queue *q, const struct wd_sqe *sqe, struct wd_cqe *cqe);
void soft_op_memcpy(struct soft_queue *q, const struct wd_sqe *sqe, struct wd_cqe *cqe);
void soft_op_ctx_free(struct soft_queue *q, const struct wd_sqe *sqe, struct wd_cqe *cqe);
void soft_op_compress(struct soft_queue *q, const struct wd_sqe *sqe, struct wd_cqe *cqe)
	__attribute__((weak));
void soft_op_decompress(struct soft_queue *q, const struct wd_sqe *sqe, struct wd_cqe *cqe)
	__attribute__((weak));
void soft_op_cipher(struct soft_queue *q, const struct wd_sqe *sqe, struct wd_cqe *cqe)
	__attribute__((weak));
void soft_op_rsa(struct soft_queue *q, const struct wd_sqe *sqe, struct wd_cqe *cqe)
	__attribute__((weak));

/* Algorithm names each family adds to the device's list. */
extern const char soft_comp_algs[] __attribute__((weak));
extern const char soft_cipher_algs[] __attribute__((weak));
extern const char soft_rsa_algs[] __attribute__((weak));

soft_op_fn soft_op_table[WD_OP_MAX] = {
	[WD_OP_NOP] = soft_op_nop,
	[WD_OP_MEMCPY] = soft_op_memcpy,
	[WD_OP_COMPRESS] = soft_op_compress,
	[WD_OP_DECOMPRESS] = soft_op_decompress,
	[WD_OP_CIPHER] = soft_op_cipher,
	[WD_OP_RSA] = soft_op_rsa,
	[WD_OP_CTX_FREE] = soft_op_ctx_free,
};

static char soft_algs[256];

static void soft_algorithms_build(void)
{
	snprintf(soft_algs, sizeof(soft_algs), "nop memcpy%s%s%s%s%s%s",
		 soft_comp_algs ? " " : "", soft_comp_algs ? soft_comp_algs : "",
		 soft_cipher_algs ? " " : "", soft_cipher_algs ? soft_cipher_algs : "",
		 soft_rsa_algs ? " " : "", soft_rsa_algs ? soft_rsa_algs : "");
}

const char *soft_algorithms(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, soft_algorithms_build);
	return soft_algs;
}
