// SPDX-License-Identifier: MIT
/*
 * wd_rsa.c - the RSA algorithm layer: formats and checks WD_OP_RSA
 * requests (wd_rsa.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "wd_internal.h"
#include "wd_crypto_internal.h"
#include "sched/wd_sched.h"
#include "wd_ring_check.h"

/* Largest component: n or d of an 8192-bit key. */
#define RSA_COMP_MAX	(WD_RSA_MAX_BITS / 8)

size_t wd_rsa_param_comp_len(const struct wd_rsa_param *p)
{
	return (size_t)wd_check_rsa_comp_len(p);
}

/* The device format's check of a block (wd_ring_check.h). */
int wd_rsa_param_check(const struct wd_rsa_param *p, size_t param_len)
{
	return wd_check_rsa_param(p, param_len);
}

static unsigned int be_bits(const uint8_t *b, size_t len)
{
	unsigned int bits = (unsigned int)len * 8;
	uint8_t top = b[0];

	while (bits && !(top & 0x80)) {
		top <<= 1;
		bits--;
	}
	return bits;
}

WD_EXPORT int wd_rsa_key_init(struct wd_rsa_key *key, enum wd_rsa_op op,
			      const uint8_t *const comp[WD_RSA_NR_COMP],
			      const size_t len[WD_RSA_NR_COMP])
{
	const uint8_t *c[WD_RSA_NR_COMP];
	size_t l[WD_RSA_NR_COMP], total = 0;
	struct wd_rsa_param *p;
	uint8_t *out;
	int i, nr = op == WD_RSA_PUBLIC ? 2 : WD_RSA_NR_COMP;

	memset(key, 0, sizeof(*key));
	if (op != WD_RSA_PUBLIC && op != WD_RSA_PRIVATE_CRT)
		return -EINVAL;
	for (i = 0; i < WD_RSA_NR_COMP; i++) {
		c[i] = i < nr ? comp[i] : NULL;
		l[i] = i < nr && c[i] ? len[i] : 0;
		/* strip leading zeros: the device reads bytes(n) from len[N] */
		while (l[i] && !c[i][0]) {
			c[i]++;
			l[i]--;
		}
		if ((i < nr && !l[i]) || l[i] > RSA_COMP_MAX)
			return -EINVAL;
		total += l[i];
	}
	p = calloc(1, sizeof(*p) + total);
	if (!p)
		return -ENOMEM;
	p->op = (__u8)op;
	p->bits = be_bits(c[WD_RSA_N], l[WD_RSA_N]);
	out = p->comp;
	for (i = 0; i < WD_RSA_NR_COMP; i++) {
		p->len[i] = (__u32)l[i];
		if (l[i])
			memcpy(out, c[i], l[i]);
		out += l[i];
	}
	if (p->bits < WD_RSA_MIN_BITS || p->bits > WD_RSA_MAX_BITS) {
		free(p);
		return -EINVAL;
	}
	key->param = p;
	key->param_len = sizeof(*p) + total;
	key->key_bytes = l[WD_RSA_N];
	key->bits = p->bits;
	return 0;
}

WD_EXPORT int wd_rsa_key_from_block(struct wd_rsa_key *key, const void *block,
				    size_t len)
{
	const uint8_t *comp[WD_RSA_NR_COMP];
	size_t l[WD_RSA_NR_COMP];
	struct wd_rsa_param hdr;
	const uint8_t *c;
	int i;

	memset(key, 0, sizeof(*key));
	if (len < sizeof(hdr))
		return -EINVAL;
	memcpy(&hdr, block, sizeof(hdr));
	if (wd_rsa_param_check(&hdr, len) || hdr.op == WD_RSA_KEYGEN)
		return -EINVAL;
	c = (const uint8_t *)block + sizeof(hdr);
	for (i = 0; i < WD_RSA_NR_COMP; i++) {
		comp[i] = c;
		l[i] = hdr.len[i];
		c += l[i];
	}
	return wd_rsa_key_init(key, (enum wd_rsa_op)hdr.op, comp, l);
}

WD_EXPORT const uint8_t *wd_rsa_key_comp(const struct wd_rsa_key *key,
					 enum wd_rsa_comp i, size_t *len)
{
	const uint8_t *c;
	int j;

	*len = 0;
	if (!key->param || (unsigned int)i >= WD_RSA_NR_COMP)
		return NULL;
	c = key->param->comp;
	for (j = 0; j < (int)i; j++)
		c += key->param->len[j];
	*len = key->param->len[i];
	return *len ? c : NULL;
}

WD_EXPORT void wd_rsa_key_clear(struct wd_rsa_key *key)
{
	if (key->param) {
		/* private components: do not leave them in freed memory */
		volatile uint8_t *v = (volatile uint8_t *)key->param;
		size_t i;

		for (i = 0; i < key->param_len; i++)
			v[i] = 0;
		free(key->param);
	}
	memset(key, 0, sizeof(*key));
}

WD_EXPORT void wd_rsa_msg_init(struct wd_msg *msg, const struct wd_rsa_key *key,
			       uint32_t ctx_id, const void *in, size_t in_len,
			       void *out, size_t out_len)
{
	memset(msg, 0, sizeof(*msg));
	msg->opcode = WD_OP_RSA;
	msg->ctx_id = ctx_id;
	msg->src = in;
	msg->src_len = in_len;
	msg->dst = out;
	msg->dst_len = out_len;
	msg->param = key->param;
	msg->param_len = key->param_len;
}

WD_EXPORT size_t wd_rsa_keygen_out_len(unsigned int bits)
{
	/* header, e (at most 8 bytes), and seven components of <= bytes(n) */
	return sizeof(struct wd_rsa_param) + 8 + 7 * ((bits + 7) / 8);
}

WD_EXPORT int wd_rsa_keygen_msg_init(struct wd_msg *msg, void *req,
				     unsigned int bits, uint64_t e, void *out,
				     size_t out_len)
{
	struct wd_rsa_param *p = req;
	uint8_t *eb = p->comp;
	int i;

	if (!e)
		e = 65537;
	if (bits < WD_RSA_MIN_BITS || bits > WD_RSA_MAX_BITS || e < 3 ||
	    !(e & 1) || out_len < wd_rsa_keygen_out_len(bits))
		return -EINVAL;
	memset(req, 0, WD_RSA_KEYGEN_REQ_LEN);
	p->op = WD_RSA_KEYGEN;
	p->bits = bits;
	p->len[WD_RSA_E] = 8;
	for (i = 0; i < 8; i++)
		eb[i] = (uint8_t)(e >> (56 - 8 * i));
	memset(msg, 0, sizeof(*msg));
	msg->opcode = WD_OP_RSA;
	msg->dst = out;
	msg->dst_len = out_len;
	msg->param = req;
	msg->param_len = WD_RSA_KEYGEN_REQ_LEN;
	return 0;
}

void wd_rsa_count(const char *alg, int ret, int fell_back, const struct wd_msg *msg)
{
	if (fell_back) {
		if (fell_back == WD_SCHED_FELL_BACK_FAILED)
			wd_alg_stats_add(alg, WD_ALG_ERRORS, 1);
		wd_alg_stats_add(alg, WD_ALG_FALLBACK, 1);
	} else if (ret) {
		wd_alg_stats_add(alg, WD_ALG_ERRORS, 1);
	} else {
		wd_alg_stats_add(alg, WD_ALG_OFFLOADED, 1);
		wd_alg_stats_add(alg, WD_ALG_BYTES_IN, msg->consumed);
		wd_alg_stats_add(alg, WD_ALG_BYTES_OUT, msg->produced);
	}
}

WD_EXPORT int wd_rsa_run(struct wd_queue *q, struct wd_msg *msg)
{
	void *done;
	int ret;

	ret = wd_send(q, msg);
	if (!ret) {
		ret = wd_recv_sync(q, &done);
		ret = ret == 1 ? (done == msg ? msg->status : -EIO) : ret;
	}
	wd_rsa_count("rsa", ret, 0, msg);
	return ret;
}
