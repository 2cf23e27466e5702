/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * wd_cipher.h - AES through a WarpDrive queue (opcode WD_OP_CIPHER).
 *
 * The first half of this header is the device format: the parameter block a
 * WD_OP_CIPHER submission entry addresses (wd_sqe.param / param_len). It uses
 * only <linux/types.h> types so that the kernel module includes it unchanged
 * (it implements the same format with the kernel crypto API). The second
 * half (not for the kernel) is the libwd algorithm layer that fills it.
 *
 * Device format
 * -------------
 * Every WD_OP_CIPHER request addresses one struct wd_cipher_param (param_len
 * == sizeof(struct wd_cipher_param), 256 bytes, all integers little endian
 * as the host). The key travels inside the block; the device copies the
 * block once and never follows a pointer in it.
 *
 *   src, src_len   input: aad_len bytes of AAD (GCM only), then the text
 *   dst, dst_len   output: the processed text; for a GCM encryption that
 *                  ends its message, followed by tag_len bytes of tag
 *   op_arg         0
 *   produced       bytes written to dst (text + tag)
 *   consumed       src_len on success
 *
 * Streams. With ctx_id == 0 a request is a whole message: it starts from key
 * and iv and, for GCM, ends with the tag. With ctx_id != 0 the device keeps
 * the chaining state of the session between requests, so a long message can
 * be cut into requests:
 *   WD_SQE_F_FIRST  (re)start: take mode, dir, key and iv from this block.
 *                   Without it, those fields are ignored and the request
 *                   continues where the previous one of ctx_id stopped
 *                   (CBC: last ciphertext block; CTR: counter and position
 *                   inside the key stream block, so lengths need not be
 *                   block multiples; GCM: counter and GHASH state).
 *   WD_SQE_F_LAST   end the message (GCM: emit or check the tag) and free
 *                   the session state.
 *
 * Mode rules (a request that breaks one completes with -EINVAL):
 *   ECB, CBC   src text length a multiple of 16 (padding stays in software)
 *   CTR        any length; iv is the 16-byte initial counter block,
 *              incremented as a 128-bit big-endian number
 *   XTS        key_len 32 or 64 (two keys; a device may refuse equal
 *              halves for encryption, as OpenSSL does), iv is
 *              the 16-byte tweak; every request is one complete data unit
 *              of at least 16 bytes (ctx_id only keeps the key schedule:
 *              iv is taken from each request)
 *   GCM        iv_len 1..128 (12 is the fast path); aad_len <= src_len;
 *              AAD is only allowed before the first text byte of the
 *              message; tag_len 1..16 (as OpenSSL allows). A decryption
 *              that ends its message compares tag[0..tag_len) and
 *              completes with -EBADMSG on a
 *              mismatch (the text written to dst must then be discarded).
 *              In a session, tag and tag_len are read from the block of
 *              the request that carries WD_SQE_F_LAST (so a decryption
 *              may learn its tag after the text).
 *              WD_CIPHER_F_TAG_SNAPSHOT (flags), GCM in a session, a
 *              request without WD_SQE_F_LAST: the device also writes into
 *              this block's tag[0..16) the tag the message would have if it
 *              ended with this request (for a decryption: the tag its
 *              ciphertext so far should carry), and the session goes on.
 *              The block must then be writable. It saves the ending request
 *              when the caller learns only later that no more text comes,
 *              and it lets the caller continue the message without the
 *              device (the GHASH state can be derived from it).
 *
 * Errors: -EINVAL (bad parameters), -EFAULT (an address the queue may not
 * touch), -ENOSPC (dst_len too small), -EBADMSG (GCM tag mismatch), -ENOMEM.
 */
#ifndef WD_CIPHER_H
#define WD_CIPHER_H

#include <linux/types.h>

enum wd_cipher_mode {
	WD_CIPHER_ECB = 0,
	WD_CIPHER_CBC = 1,
	WD_CIPHER_CTR = 2,
	WD_CIPHER_XTS = 3,
	WD_CIPHER_GCM = 4,
	WD_CIPHER_MODE_MAX
};

#define WD_CIPHER_DECRYPT	0
#define WD_CIPHER_ENCRYPT	1

/* struct wd_cipher_param.flags */
#define WD_CIPHER_F_TAG_SNAPSHOT	0x01

#define WD_CIPHER_BLOCK		16u
#define WD_CIPHER_KEY_MAX	64u	/* XTS-256: two 32-byte keys */
#define WD_CIPHER_IV_MAX	128u	/* GCM accepts any IV length up to this */
#define WD_CIPHER_TAG_MAX	16u

/* The parameter block of a WD_OP_CIPHER request: 256 bytes. */
struct wd_cipher_param {
	__u8 mode;		/* enum wd_cipher_mode */
	__u8 dir;		/* WD_CIPHER_ENCRYPT or WD_CIPHER_DECRYPT */
	__u8 key_len;		/* 16, 24, 32; XTS: 32 or 64 */
	__u8 iv_len;		/* ECB 0; CBC, CTR, XTS 16; GCM 1..128 */
	__u8 tag_len;		/* GCM: 1..16; otherwise 0 */
	__u8 flags;		/* WD_CIPHER_F_* */
	__u8 reserved0[2];	/* must be zero */
	__u32 aad_len;		/* GCM: leading bytes of src that are AAD */
	__u32 reserved1;	/* must be zero */
	__u8 key[WD_CIPHER_KEY_MAX];
	__u8 iv[WD_CIPHER_IV_MAX];
	__u8 tag[WD_CIPHER_TAG_MAX];	/* GCM decryption: expected tag */
	__u8 reserved2[32];	/* must be zero */
};

#ifndef __KERNEL__
/*
 * The libwd algorithm layer. Two levels:
 *  - sessions (wd_cipher_sess_*, wd_cipher_do*): a key and a mode; libwd
 *    finds a queue (its scheduling layer lends one from a per-process pool
 *    per mode), formats, sends, waits, and counts the operation under the
 *    mode's name ("aes-gcm"...). Use these.
 *  - the message builders below them (wd_cipher_param_init,
 *    wd_cipher_msg_init, wd_cipher_run), for a caller that drives its own
 *    queue.
 */
#include <stddef.h>
#include <stdint.h>
#include "wd.h"
#include "wd_async.h"
#include "wd_ring.h"	/* WD_SQE_F_* */

#ifdef __cplusplus
extern "C" {
#endif

/* Algorithm name for wd_capa.alg and the soft device's list, per mode. */
const char *wd_cipher_alg_name(enum wd_cipher_mode mode);

/* ---- sessions ---------------------------------------------------- */

struct wd_cipher_sess;

/* wd_cipher_sess_new flags */
#define WD_CIPHER_SESS_STREAM	 0x01	/* a message cut into requests (below) */
#define WD_CIPHER_SESS_NO_FALLBACK 0x02	/* fail instead of computing in software */

/*
 * wd_cipher_sess_new - a session of mode with key (key_len as in the mode
 * rules above), encrypting or decrypting.
 *
 * Without WD_CIPHER_SESS_STREAM each wd_cipher_do is one whole message
 * (its own IV; GCM: AAD, text and tag). When no queue can take it, or the
 * device fails, the request is computed in the calling thread with
 * OpenSSL's default provider (req->fell_back says so) unless
 * WD_CIPHER_SESS_NO_FALLBACK: then the error is returned. Any number of
 * threads may use one such session at once.
 *
 * With WD_CIPHER_SESS_STREAM the session holds a queue and a device
 * session for its life: the requests of one message follow each other
 * (the device keeps CBC's chain, CTR's counter, GCM's GHASH), the first
 * takes the IV, the one with WD_CIPHER_REQ_LAST ends the message, and the
 * next request starts another. One thread at a time. A stream has no
 * fallback (the device holds its state): a failed request ends it, and
 * the caller continues the message itself (as the provider does). Returns
 * NULL with errno ENODEV when no queue can be had.
 *
 * NULL with errno EINVAL (key length, mode) or ENOMEM otherwise.
 */
struct wd_cipher_sess *wd_cipher_sess_new(enum wd_cipher_mode mode, int encrypt,
					  const void *key, size_t key_len,
					  unsigned int flags);

/* wd_cipher_sess_free - end the session (an unfinished stream is dropped); the key is wiped. */
void wd_cipher_sess_free(struct wd_cipher_sess *s);

/* wd_cipher_req.flags */
#define WD_CIPHER_REQ_LAST	0x01	/* stream: ends the message */
#define WD_CIPHER_REQ_SNAPSHOT	0x02	/* GCM stream: tag[] gets the tag so far */

struct wd_cipher_req {
	const void *iv;		/* the message's IV (a stream: first request) */
	size_t iv_len;		/* ECB 0; CBC, CTR, XTS 16; GCM 1..128 */
	const void *src;	/* aad_len bytes of AAD (GCM), then the text */
	size_t src_len;
	size_t aad_len;
	void *dst;		/* the text; a whole GCM encryption: then the tag */
	size_t dst_len;
	/*
	 * GCM: tag_len (1..16) is the tag's length; a decryption that ends
	 * its message checks tag[0..tag_len) (-EBADMSG on a mismatch);
	 * WD_CIPHER_REQ_SNAPSHOT writes the 16-byte tag so far into tag.
	 * 0: 16.
	 */
	uint8_t tag[WD_CIPHER_TAG_MAX];
	size_t tag_len;
	unsigned int flags;	/* WD_CIPHER_REQ_* */
	/* out */
	size_t produced;	/* bytes written to dst */
	int fell_back;		/* computed in software by libwd */
};

/*
 * wd_cipher_do - run req and wait. Returns 0, -EBADMSG (GCM tag mismatch:
 * discard dst), -EINVAL (the mode's rules), or another negative errno
 * (no queue / device error, without fallback; -EPERM: a stream opened
 * before fork()).
 */
int wd_cipher_do(struct wd_cipher_sess *s, struct wd_cipher_req *req);

/*
 * wd_cipher_do_async - submit req and return at once: wd_async_fd(a)
 * becomes readable when it is answered, and wd_async_result(a) then
 * returns what wd_cipher_do would have (req->produced and tag filled).
 * req, its buffers and s must live until then. An error returned here
 * means nothing was submitted (no fallback is tried: the caller decides).
 */
int wd_cipher_do_async(struct wd_cipher_sess *s, struct wd_cipher_req *req,
		       struct wd_async *a);

/* ---- message builders -------------------------------------------- */

/*
 * wd_cipher_param_init - fill p for a new message.
 * iv may be NULL when iv_len is 0; tag_len is the GCM tag length (0 for the
 * other modes). Returns 0 or -EINVAL when a length does not fit the mode's
 * rules above (the block is then left zeroed).
 */
int wd_cipher_param_init(struct wd_cipher_param *p, enum wd_cipher_mode mode,
			 int encrypt, const void *key, size_t key_len,
			 const void *iv, size_t iv_len, size_t tag_len);

/*
 * wd_cipher_msg_init - format msg as a WD_OP_CIPHER request on p.
 * flags: WD_SQE_F_FIRST / WD_SQE_F_LAST for a session (ctx_id != 0).
 * src holds aad_len bytes of AAD then the text (set p->aad_len before).
 */
void wd_cipher_msg_init(struct wd_msg *msg, const struct wd_cipher_param *p,
			uint32_t ctx_id, uint8_t flags, const void *src,
			size_t src_len, void *dst, size_t dst_len);

/*
 * wd_cipher_run - send msg on q and wait for it (the queue must have no
 * other request in flight). Counts the operation in the per-algorithm
 * counters. Returns msg->status (0 or a negative errno), or the error of
 * wd_send/wd_recv_sync.
 */
int wd_cipher_run(struct wd_queue *q, struct wd_msg *msg);

#ifdef __cplusplus
}
#endif
#endif /* !__KERNEL__ */

#endif /* WD_CIPHER_H */
