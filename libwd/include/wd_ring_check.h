/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * wd_ring_check.h - the checks of the device format, once.
 *
 * Both soft engines, wd_soft.ko (kmod/wd_soft_*.c) and libwd's built-in soft
 * device (libwd/soft/), include this header and call these validators on
 * their private copy of a submission entry and of its parameter block, so
 * that the same bad request gets the same status from either. What each
 * engine keeps for itself is its compute and its access to memory (the
 * kernel's copy_{from,to}_user or share-region bounds, the user engine's
 * page probes); what it may lack is an operation or a mode (-EOPNOTSUPP,
 * and then it does not list the algorithm).
 *
 * Like wd_ring.h this is included unchanged by the kernel: <linux/types.h>
 * types, <linux/errno.h> numbers, no libc.
 *
 * The order of the checks is part of the format, since a request that
 * breaks several rules must get the same answer everywhere:
 *
 *   1. the entry:  opcode, reserved, param_len bound       -EINVAL
 *                  an operation the engine lacks           -EOPNOTSUPP
 *                  ctx_id out of range                     -EINVAL
 *   2. param_len for the operation                          -EINVAL
 *   3. the parameter block readable                         -EFAULT
 *   4. the block's fields (on FIRST and stateless requests) -EINVAL
 *      a mode the engine lacks                              -EOPNOTSUPP
 *   5. the session (no FIRST before, a dead stream)         -EINVAL, -EBADMSG
 *   6. lengths (a whole number of blocks, ...)              -EINVAL
 *      dst too small, where it is known before the work     -ENOSPC
 *   7. src and dst addresses                                -EFAULT
 *
 * An engine may find a bad address of step 7 only when it gets there
 * (wd_soft.ko copies in pieces and touches only what it uses); the user
 * engine probes all ranges of a request at once and, when that fails, runs
 * steps 3-6 before it answers -EFAULT.
 */
#ifndef WD_RING_CHECK_H
#define WD_RING_CHECK_H

#include <linux/types.h>
#include <linux/errno.h>
#include "wd_ring.h"
#include "wd_comp.h"
#include "wd_cipher.h"
#include "wd_rsa.h"

#define WD_RING_MAX_CTX		4096u	/* session slots: ctx ids 1..4095 */
#define WD_RING_NOP_MAX_US	1000000u	/* longest NOP delay */
/* Largest parameter block: every operation but RSA. */
#define WD_RING_PARAM_MAX	4096u
/* RSA: the header and eight components of an 8192-bit key at most. */
#define WD_RING_RSA_PARAM_MAX	\
	(sizeof(struct wd_rsa_param) + WD_RSA_NR_COMP * (WD_RSA_MAX_BITS / 8))

/* 1. The entry itself: 0 or -EINVAL. */
static inline int wd_check_sqe(const struct wd_sqe *sqe)
{
	__u32 max = sqe->opcode == WD_OP_RSA ? WD_RING_RSA_PARAM_MAX :
					       WD_RING_PARAM_MAX;

	if (sqe->opcode >= WD_OP_MAX || sqe->reserved || sqe->param_len > max)
		return -EINVAL;
	return 0;
}

/* A session slot: 1..WD_RING_MAX_CTX-1 (0 is "stateless"). */
static inline int wd_check_ctx_id(__u32 ctx_id)
{
	return ctx_id && ctx_id < WD_RING_MAX_CTX;
}

/* NOP: the delay asked for, capped. */
static inline __u32 wd_check_nop_us(const struct wd_sqe *sqe)
{
	return sqe->op_arg < WD_RING_NOP_MAX_US ? sqe->op_arg :
						 WD_RING_NOP_MAX_US;
}

/* MEMCPY: 0, or -ENOSPC when src does not fit dst. */
static inline int wd_check_memcpy(const struct wd_sqe *sqe)
{
	return sqe->src_len > sqe->dst_len ? -ENOSPC : 0;
}

/* Whether n bytes at p are all zero. */
static inline int wd_check_zero(const __u8 *p, __u32 n)
{
	__u8 acc = 0;

	while (n--)
		acc |= *p++;
	return !acc;
}

/* ---- COMPRESS, DECOMPRESS (wd_comp.h) ---- */

/* 2. param_len: the block, or more (the device reads its size only). */
static inline int wd_check_comp_param_len(const struct wd_sqe *sqe)
{
	return sqe->param_len < sizeof(struct wd_comp_param) ? -EINVAL : 0;
}

/*
 * 4. The block of a request that sets a stream up (WD_SQE_F_FIRST) or of a
 * stateless one: every field. 0 or -EINVAL.
 */
static inline int wd_check_comp_setup(const struct wd_comp_param *p,
				      int inflate, __u32 src_len)
{
	if (p->reserved0 || p->reserved1 || p->format >= WD_COMP_NR_FORMATS ||
	    (!inflate && p->format == WD_COMP_AUTO))
		return -EINVAL;
	if (p->level > 9 || p->mem_level > 9 ||
	    p->strategy > WD_COMP_STRATEGY_FIXED)
		return -EINVAL;
	if (p->window_bits && (p->window_bits < 8 || p->window_bits > 15))
		return -EINVAL;
	if (p->flush > WD_COMP_BLOCK || p->check > WD_COMP_CHECK_CRC32)
		return -EINVAL;
	if (p->dict_len && (p->format != WD_COMP_RAW || p->dict_len > src_len))
		return -EINVAL;
	return 0;
}

/*
 * 4. The block of a later request of a stream: only flush is read (the
 * setup fields are the FIRST request's, wd_comp.h). 0 or -EINVAL.
 */
static inline int wd_check_comp_more(const struct wd_comp_param *p)
{
	return p->flush > WD_COMP_BLOCK ? -EINVAL : 0;
}

/* ---- CIPHER (wd_cipher.h) ---- */

/* 2. param_len: exactly the block. */
static inline int wd_check_cipher_param_len(const struct wd_sqe *sqe)
{
	return sqe->param_len != sizeof(struct wd_cipher_param) ? -EINVAL : 0;
}

/*
 * 4. The layout of a block: mode, direction, flags, reserved bytes and the
 * lengths of key, iv and tag for the mode. Reads no key byte, so that a
 * block can be checked before its key is filled in. 0 or -EINVAL.
 */
static inline int wd_check_cipher_param(const struct wd_cipher_param *p)
{
	unsigned int k = p->key_len;

	if (p->mode >= WD_CIPHER_MODE_MAX || p->dir > WD_CIPHER_ENCRYPT ||
	    (p->flags & ~WD_CIPHER_F_TAG_SNAPSHOT) ||
	    (p->flags && p->mode != WD_CIPHER_GCM) ||
	    !wd_check_zero(p->reserved0, sizeof(p->reserved0)) ||
	    p->reserved1 ||
	    !wd_check_zero(p->reserved2, sizeof(p->reserved2)))
		return -EINVAL;
	if (p->mode == WD_CIPHER_XTS ? k != 32 && k != 64 :
				       k != 16 && k != 24 && k != 32)
		return -EINVAL;
	switch (p->mode) {
	case WD_CIPHER_ECB:
		return p->iv_len || p->tag_len || p->aad_len ? -EINVAL : 0;
	case WD_CIPHER_GCM:
		return p->iv_len < 1 || p->iv_len > WD_CIPHER_IV_MAX ||
		       p->tag_len < 1 || p->tag_len > WD_CIPHER_TAG_MAX ?
		       -EINVAL : 0;
	default:
		return p->iv_len != WD_CIPHER_BLOCK || p->tag_len ||
		       p->aad_len ? -EINVAL : 0;
	}
}

/*
 * 4. The key of a checked block: an XTS encryption refuses equal halves
 * (a key and a tweak key that are the same weaken XTS), as OpenSSL's
 * default provider does; a decryption takes them, so data written that way
 * elsewhere can still be read. 0 or -EINVAL.
 */
static inline int wd_check_cipher_key(const struct wd_cipher_param *p)
{
	unsigned int i, half = p->key_len / 2;
	__u8 diff = 0;

	if (p->mode != WD_CIPHER_XTS || p->dir != WD_CIPHER_ENCRYPT)
		return 0;
	for (i = 0; i < half; i++)
		diff |= p->key[i] ^ p->key[half + i];
	return diff ? 0 : -EINVAL;
}

/*
 * 6. The lengths of a request of mode (the session's mode on a later
 * request): aad_len (GCM) within src, ECB and CBC text a whole number of
 * blocks, an XTS data unit of a block at least. 0 or -EINVAL; whether dst
 * is large enough comes after (it depends on the tag of the session).
 */
static inline int wd_check_cipher_len(__u8 mode, __u32 aad_len, __u32 src_len)
{
	__u32 text;

	if (mode != WD_CIPHER_GCM)
		aad_len = 0;
	if (aad_len > src_len)
		return -EINVAL;
	text = src_len - aad_len;
	if ((mode == WD_CIPHER_ECB || mode == WD_CIPHER_CBC) &&
	    text % WD_CIPHER_BLOCK)
		return -EINVAL;
	if (mode == WD_CIPHER_XTS && text < WD_CIPHER_BLOCK)
		return -EINVAL;
	return 0;
}

/* ---- RSA (wd_rsa.h) ---- */

/* 2. param_len: the header at least. */
static inline int wd_check_rsa_param_len(const struct wd_sqe *sqe)
{
	return sqe->param_len < sizeof(struct wd_rsa_param) ? -EINVAL : 0;
}

/* Bytes of the components that follow a header. */
static inline __u64 wd_check_rsa_comp_len(const struct wd_rsa_param *p)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < WD_RSA_NR_COMP; i++)
		n += p->len[i];
	return n;
}

/*
 * 4. A header of param_len bytes of block: reserved fields, component sizes
 * that add up to the block, the components the operation needs and no
 * other. 0 or -EINVAL.
 */
static inline int wd_check_rsa_param(const struct wd_rsa_param *p,
				     __u64 param_len)
{
	int i, need;

	if (param_len < sizeof(*p) || p->reserved0[0] || p->reserved0[1] ||
	    p->reserved0[2] || p->reserved1[0] || p->reserved1[1])
		return -EINVAL;
	for (i = 0; i < WD_RSA_NR_COMP; i++)
		if (p->len[i] > WD_RSA_MAX_BITS / 8)
			return -EINVAL;
	if (wd_check_rsa_comp_len(p) != param_len - sizeof(*p))
		return -EINVAL;
	switch (p->op) {
	case WD_RSA_PUBLIC:
		need = (1 << WD_RSA_N) | (1 << WD_RSA_E);
		break;
	case WD_RSA_PRIVATE_CRT:
		need = (1 << WD_RSA_NR_COMP) - 1;
		break;
	case WD_RSA_KEYGEN:
		/* only e may come with the request, as at most 64 bits */
		if (p->bits < WD_RSA_MIN_BITS || p->bits > WD_RSA_MAX_BITS ||
		    p->len[WD_RSA_E] > 8 ||
		    wd_check_rsa_comp_len(p) != p->len[WD_RSA_E])
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
	for (i = 0; i < WD_RSA_NR_COMP; i++)
		if (!(need & (1 << i)) != !p->len[i])
			return -EINVAL;
	return 0;
}

/* ---- completion ---- */

/*
 * Fill completion entry c from res, every field but the phase, which the
 * engine stores last with release semantics. The reserved fields are
 * written too: the ring is user memory, and a stale value must not pass
 * for an answer's.
 */
static inline void wd_ring_cqe_fill(struct wd_cqe *c, const struct wd_cqe *res)
{
	c->tag = res->tag;
	c->status = res->status;
	c->produced = res->produced;
	c->consumed = res->consumed;
	c->flags = res->flags;
	c->reserved0 = 0;
	c->reserved1 = 0;
}

#endif /* WD_RING_CHECK_H */
