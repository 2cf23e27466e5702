// SPDX-License-Identifier: MIT
/*
 * wd_cipher.c - the AES algorithm layer: formats and checks WD_OP_CIPHER
 * requests (wd_cipher.h).
 */
#include <errno.h>
#include <string.h>
#include "wd_internal.h"
#include "wd_crypto_internal.h"
#include "wd_ring_check.h"

static const char *const mode_alg[WD_CIPHER_MODE_MAX] = {
	[WD_CIPHER_ECB] = "aes-ecb",
	[WD_CIPHER_CBC] = "aes-cbc",
	[WD_CIPHER_CTR] = "aes-ctr",
	[WD_CIPHER_XTS] = "aes-xts",
	[WD_CIPHER_GCM] = "aes-gcm",
};

WD_EXPORT const char *wd_cipher_alg_name(enum wd_cipher_mode mode)
{
	return (unsigned int)mode < WD_CIPHER_MODE_MAX ? mode_alg[mode] : NULL;
}

/* The device format's check of a block's layout (wd_ring_check.h). */
int wd_cipher_param_check(const struct wd_cipher_param *p)
{
	return wd_check_cipher_param(p);
}

WD_EXPORT int wd_cipher_param_init(struct wd_cipher_param *p,
				   enum wd_cipher_mode mode, int encrypt,
				   const void *key, size_t key_len,
				   const void *iv, size_t iv_len, size_t tag_len)
{
	memset(p, 0, sizeof(*p));
	if (key_len > WD_CIPHER_KEY_MAX || iv_len > WD_CIPHER_IV_MAX ||
	    tag_len > WD_CIPHER_TAG_MAX || (iv_len && !iv) || !key)
		return -EINVAL;
	p->mode = (__u8)mode;
	p->dir = encrypt ? WD_CIPHER_ENCRYPT : WD_CIPHER_DECRYPT;
	p->key_len = (__u8)key_len;
	p->iv_len = (__u8)iv_len;
	p->tag_len = (__u8)tag_len;
	/* lengths first: never read more of key or iv than the mode takes */
	if ((unsigned int)mode >= WD_CIPHER_MODE_MAX || wd_cipher_param_check(p)) {
		memset(p, 0, sizeof(*p));
		return -EINVAL;
	}
	memcpy(p->key, key, key_len);
	if (iv_len)
		memcpy(p->iv, iv, iv_len);
	return 0;
}

WD_EXPORT void wd_cipher_msg_init(struct wd_msg *msg,
				  const struct wd_cipher_param *p,
				  uint32_t ctx_id, uint8_t flags,
				  const void *src, size_t src_len, void *dst,
				  size_t dst_len)
{
	memset(msg, 0, sizeof(*msg));
	msg->opcode = WD_OP_CIPHER;
	msg->flags = flags;
	msg->ctx_id = ctx_id;
	msg->src = src;
	msg->src_len = src_len;
	msg->dst = dst;
	msg->dst_len = dst_len;
	msg->param = p;
	msg->param_len = sizeof(*p);
}

int wd_cipher_count(const char *alg, const struct wd_msg *msg, int ret)
{
	/* a GCM tag mismatch is an answer, not a device error */
	if (ret && ret != -EBADMSG) {
		wd_alg_stats_add(alg, WD_ALG_ERRORS, 1);
		return ret;
	}
	wd_alg_stats_add(alg, WD_ALG_OFFLOADED, 1);
	wd_alg_stats_add(alg, WD_ALG_BYTES_IN, msg->consumed);
	wd_alg_stats_add(alg, WD_ALG_BYTES_OUT, msg->produced);
	return ret;
}

WD_EXPORT int wd_cipher_run(struct wd_queue *q, struct wd_msg *msg)
{
	const struct wd_cipher_param *p = msg->param;
	const char *alg = p ? wd_cipher_alg_name(p->mode) : NULL;
	void *done;
	int ret;

	ret = wd_send(q, msg);
	if (!ret) {
		ret = wd_recv_sync(q, &done);
		ret = ret == 1 ? (done == msg ? msg->status : -EIO) : ret;
	}
	if (!alg)
		return ret;
	return wd_cipher_count(alg, msg, ret);
}
