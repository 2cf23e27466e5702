/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * wd_rsa.h - raw RSA through a WarpDrive queue (opcode WD_OP_RSA).
 *
 * As accelerators do, the device computes only the modular exponentiation
 * (and generates keys); padding (PKCS#1 v1.5, OAEP, PSS) stays in software.
 *
 * Device format
 * -------------
 * A WD_OP_RSA request addresses one parameter block: a fixed header
 * (struct wd_rsa_param, 48 bytes) immediately followed by the key
 * components, each a big-endian unsigned integer of len[i] bytes, in the
 * order of enum wd_rsa_comp, concatenated without padding:
 *
 *   param_len == sizeof(struct wd_rsa_param) + len[0] + ... + len[7]
 *
 * The key always travels inside the block; the device never follows a
 * pointer in it. Integers little endian as the host.
 *
 *   op = WD_RSA_PUBLIC       needs n, e.          dst = src ^ e mod n
 *   op = WD_RSA_PRIVATE_CRT  needs n, e, d, p, q, dp, dq, qinv.
 *                            dst = src ^ d mod n, computed with CRT (and
 *                            blinding where the engine has it)
 *   op = WD_RSA_KEYGEN       bits = wanted modulus size; e optional (default
 *                            65537); no src. dst receives a complete
 *                            parameter block (header with op =
 *                            WD_RSA_PRIVATE_CRT, bits, len[]) for the new key.
 *
 * For PUBLIC and PRIVATE_CRT: src_len <= bytes(n) and the input, read as a
 * big-endian number, must be below n; dst_len >= bytes(n); the result is
 * written as exactly bytes(n) bytes (left padded with zeros), produced =
 * bytes(n). Modulus sizes 1024..8192 bits (any bit count in between).
 *
 * Key cache: ctx_id != 0 names a device session where the device may keep
 * the prepared form of the key (Montgomery contexts ...). The block still
 * carries the whole key on every request; the device reuses its prepared
 * form only when the key bytes equal the cached ones. Requests need no
 * WD_SQE_F_FIRST/LAST; wd_ctx_free() drops the cache.
 *
 * Errors: -EINVAL (malformed block, size out of range, input >= n),
 * -EFAULT (an address the queue may not touch), -ENOSPC (dst too small),
 * -EBADMSG (the key is inconsistent), -ENOMEM.
 */
#ifndef WD_RSA_H
#define WD_RSA_H

#include <linux/types.h>

enum wd_rsa_op {
	WD_RSA_PUBLIC = 1,
	WD_RSA_PRIVATE_CRT = 2,
	WD_RSA_KEYGEN = 3,
};

/* Index into wd_rsa_param.len[], and order of the components after it. */
enum wd_rsa_comp {
	WD_RSA_N = 0,
	WD_RSA_E,
	WD_RSA_D,
	WD_RSA_P,
	WD_RSA_Q,
	WD_RSA_DP,
	WD_RSA_DQ,
	WD_RSA_QINV,
	WD_RSA_NR_COMP
};

#define WD_RSA_MIN_BITS		1024u
#define WD_RSA_MAX_BITS		8192u

/* Header of the parameter block of a WD_OP_RSA request: 48 bytes. */
struct wd_rsa_param {
	__u8 op;			/* enum wd_rsa_op */
	__u8 reserved0[3];		/* must be zero */
	__u32 bits;			/* modulus bits (informative, except KEYGEN) */
	__u32 len[WD_RSA_NR_COMP];	/* bytes of each component; 0 = absent */
	__u32 reserved1[2];		/* must be zero */
	__u8 comp[];			/* the components, in enum order */
};

#ifndef __KERNEL__
/*
 * The libwd algorithm layer. A struct wd_rsa_key holds one formatted
 * parameter block, built once per key and reused for every request.
 */
#include <stddef.h>
#include <stdint.h>
#include "wd.h"
#include "wd_async.h"
#include "wd_ring.h"	/* WD_SQE_F_* */

#ifdef __cplusplus
extern "C" {
#endif

struct wd_rsa_key {
	struct wd_rsa_param *param;	/* the block (header + components) */
	size_t param_len;
	size_t key_bytes;		/* bytes(n): input and output size */
	unsigned int bits;
};

/*
 * wd_rsa_key_init - format a key from big-endian components comp[i] of
 * len[i] bytes (leading zero bytes are stripped). op WD_RSA_PUBLIC needs n
 * and e; WD_RSA_PRIVATE_CRT needs all eight. Returns 0, -EINVAL (missing
 * component, size out of range) or -ENOMEM. Free with wd_rsa_key_clear().
 */
int wd_rsa_key_init(struct wd_rsa_key *key, enum wd_rsa_op op,
		    const uint8_t *const comp[WD_RSA_NR_COMP],
		    const size_t len[WD_RSA_NR_COMP]);

/* wd_rsa_key_from_block - adopt a block produced by WD_RSA_KEYGEN (copied). */
int wd_rsa_key_from_block(struct wd_rsa_key *key, const void *block, size_t len);

/* Component i of a formatted key (pointer into the block) and its length. */
const uint8_t *wd_rsa_key_comp(const struct wd_rsa_key *key,
			       enum wd_rsa_comp i, size_t *len);

void wd_rsa_key_clear(struct wd_rsa_key *key);

/* ---- sessions ---------------------------------------------------- */

/*
 * A session runs the raw operation of one formatted key on queues that
 * libwd's scheduling layer lends from a per-process pool ("rsa"): a
 * share-domain queue when the device has them (the request is copied
 * through the queue's share region), else an SVA queue. Each queue keeps
 * a device session as the key cache (see "Key cache" above), so requests
 * of the same key on the same queue skip the key's preparation. Any number
 * of threads may use one session at once.
 */
struct wd_rsa_sess;

/* wd_rsa_sess_new flags */
#define WD_RSA_SESS_NO_FALLBACK	0x01	/* fail instead of computing in software */
#define WD_RSA_SESS_NO_STATS	0x02	/* the caller counts (under its own names) */

/*
 * wd_rsa_sess_new - a session of key, which must stay valid (and
 * unchanged) until wd_rsa_sess_free. NULL with errno EINVAL (no key) or
 * ENOMEM.
 */
struct wd_rsa_sess *wd_rsa_sess_new(const struct wd_rsa_key *key, unsigned int flags);
void wd_rsa_sess_free(struct wd_rsa_sess *s);

/*
 * wd_rsa_do - out = in ^ d mod n (a private key) or in ^ e mod n (a public
 * one), in_len <= key_bytes, out_len >= key_bytes; key_bytes are written.
 * When no queue can take it or the device fails, it is computed in the
 * calling thread with OpenSSL's default provider, unless
 * WD_RSA_SESS_NO_FALLBACK. Counted under "rsa". Returns 0, -EINVAL (input
 * >= n, sizes), -EBADMSG (an inconsistent key), or another negative errno
 * (without fallback: no queue, device error).
 */
int wd_rsa_do(struct wd_rsa_sess *s, const void *in, size_t in_len,
	      void *out, size_t out_len);

/*
 * wd_rsa_do_async - submit and return at once: wd_async_fd(a) becomes
 * readable when the answer is in, and wd_async_result(a) returns what
 * wd_rsa_do would have. in and out must stay valid until then. An error
 * here means nothing was submitted (no fallback is tried).
 */
int wd_rsa_do_async(struct wd_rsa_sess *s, const void *in, size_t in_len,
		    void *out, size_t out_len, struct wd_async *a);

/*
 * wd_rsa_keygen - generate a bits-bit key with public exponent e (0:
 * 65537) on a queue into key (wd_rsa_key_clear it). Counted under
 * "rsa-keygen". No fallback: -ENODEV when no queue can take it, -EINVAL
 * (bits, e), or the device's error. With a (not NULL) it only submits, as
 * wd_rsa_do_async, and key is filled when wd_async_result(a) returns 0.
 */
int wd_rsa_keygen(struct wd_rsa_key *key, unsigned int bits, uint64_t e,
		  struct wd_async *a);

/* ---- message builders -------------------------------------------- */

/*
 * wd_rsa_msg_init - format msg as the raw operation of key on in (in_len <=
 * key_bytes) into out (out_len >= key_bytes). ctx_id: 0 or a session used
 * as the device's key cache.
 */
void wd_rsa_msg_init(struct wd_msg *msg, const struct wd_rsa_key *key,
		     uint32_t ctx_id, const void *in, size_t in_len,
		     void *out, size_t out_len);

/*
 * wd_rsa_keygen_msg_init - format msg as key generation of bits bits with
 * public exponent e (0: 65537) into out, which must hold
 * wd_rsa_keygen_out_len(bits) bytes. req is caller storage for the request
 * block (WD_RSA_KEYGEN_REQ_LEN bytes, 8-byte aligned) and must live until
 * the request completes. Returns 0 or -EINVAL (bits out of range, e even
 * or below 3, out too small).
 */
#define WD_RSA_KEYGEN_REQ_LEN	(sizeof(struct wd_rsa_param) + 8)
size_t wd_rsa_keygen_out_len(unsigned int bits);
int wd_rsa_keygen_msg_init(struct wd_msg *msg, void *req, unsigned int bits,
			   uint64_t e, void *out, size_t out_len);

/*
 * wd_rsa_run - send msg on q, wait for it (q must have no other request in
 * flight) and count it. Returns msg->status or a queue error.
 */
int wd_rsa_run(struct wd_queue *q, struct wd_msg *msg);

#ifdef __cplusplus
}
#endif
#endif /* !__KERNEL__ */

#endif /* WD_RSA_H */
