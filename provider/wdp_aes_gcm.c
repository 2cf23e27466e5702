// SPDX-License-Identifier: MIT
/*
 * wdp_aes_gcm.c - AES-GCM: AAD, text, tag, and the TLS 1.2 record mode.
 *
 * AAD is buffered until the first text (or final), because the route of a
 * message is chosen on its first text: on a queue, the first request
 * carries AAD || text; the tag comes from a last, empty request. A TLS 1.2
 * record (tlsaad set) is one whole message: one stateless request whose
 * output, text then tag, is exactly the record layout.
 *
 * Every text request also asks the device for the tag the message would
 * have if it ended there (a snapshot). The last one is the message's tag,
 * so final needs no request; and when a request fails or is refused in the
 * middle of a message, the message continues in software from it, without
 * keeping the message so far (memory stays constant, whatever its size):
 *
 *   tag = E(K, J0) ^ (Y ^ L) * H	L: bit lengths of AAD and text so far
 *
 * H = E(K, 0) and E(K, J0) are two AES blocks, so the GHASH state Y of the
 * device follows (H is invertible, but for a 2^-128 chance that it is 0:
 * then every GHASH is 0 and the same formulas still hold). The default
 * provider's GCM cannot be given a GHASH state, but it can be led to one:
 * its first AAD block z = Y * H^-1 gives Y. Everything after that (the
 * ciphertext) goes to it as more AAD, the text itself through AES-CTR from
 * the counter block the device had reached, and its tag, computed over
 * other lengths, is corrected by (L ^ L') * H at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/proverr.h>
#include <openssl/rand.h>
#include "wdp_aes_modes.h"

static int grow(unsigned char **buf, size_t *cap, size_t need)
{
	unsigned char *n;

	if (need <= *cap)
		return 1;
	n = OPENSSL_zalloc(need);
	if (!n)
		return 0;
	if (*buf) {
		memcpy(n, *buf, *cap);
		OPENSSL_clear_free(*buf, *cap);
	}
	*buf = n;
	*cap = need;
	return 1;
}

static int gcm_ready(struct aes_ctx *c)
{
	if (!c->key_set) {
		ERR_raise(ERR_LIB_PROV, PROV_R_NO_KEY_SET);
		return 0;
	}
	/* as the default provider: an encryption given no IV makes one */
	if (!c->iv_set && c->enc && c->ivlen >= 12 &&
	    RAND_bytes_ex(c->prov->libctx, c->iv, c->ivlen, 0) > 0) {
		c->iv_set = 1;
		c->gcm_iv_spent = 0;
	}
	if (!c->iv_set) {
		ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_IV_LENGTH);
		return 0;
	}
	return 1;
}

/*
 * An IV serves one message, as in the default provider: after a final
 * (or a new IV length) only a new IV starts another, so that re-initing
 * without one cannot encrypt twice with the same key stream. libssl's
 * TLS records bring their own IVs.
 */
static int gcm_iv_fresh(struct aes_ctx *c)
{
	if (c->gcm_iv_spent) {
		ERR_raise_data(ERR_LIB_PROV, PROV_R_CIPHER_OPERATION_FAILED,
			       "the GCM IV was used: set a new one");
		return 0;
	}
	return 1;
}

static int gcm_tls_record(struct aes_ctx *c, unsigned char *out, size_t *outl,
			  size_t outsize, const unsigned char *in, size_t inl);

static int gcm_aad(struct aes_ctx *c, const unsigned char *in, size_t inl)
{
	int outl;

	if (c->route == ROUTE_SW && !c->gcm_resumed)
		return EVP_CipherUpdate(c->sw, NULL, &outl, in, (int)inl);
	if (c->route != ROUTE_NONE) {
		/* the device takes AAD only before the text, as GCM does */
		ERR_raise(ERR_LIB_PROV, PROV_R_CIPHER_OPERATION_FAILED);
		return 0;
	}
	if (!grow(&c->aad, &c->aad_cap, c->aad_len + inl))
		return 0;
	memcpy(c->aad + c->aad_len, in, inl);
	c->aad_len += inl;
	return 1;
}

/* ------------------------------------------------------------------ */
/* GF(2^128) as GCM writes it: bit 0 is the top bit of byte 0          */

struct gf128 {
	uint64_t hi, lo;
};

static struct gf128 gf_load(const unsigned char *b)
{
	struct gf128 x = { 0, 0 };
	int i;

	for (i = 0; i < 8; i++) {
		x.hi = x.hi << 8 | b[i];
		x.lo = x.lo << 8 | b[i + 8];
	}
	return x;
}

static void gf_store(struct gf128 x, unsigned char *b)
{
	int i;

	for (i = 7; i >= 0; i--) {
		b[i] = (unsigned char)x.hi;
		b[i + 8] = (unsigned char)x.lo;
		x.hi >>= 8;
		x.lo >>= 8;
	}
}

/* x * y, bit by bit without branches on the (secret) values */
static struct gf128 gf_mul(struct gf128 x, struct gf128 y)
{
	struct gf128 z = { 0, 0 };
	uint64_t bit, carry;
	int i;

	for (i = 0; i < 128; i++) {
		bit = 0 - ((i < 64 ? x.hi >> (63 - i) : x.lo >> (127 - i)) & 1);
		z.hi ^= y.hi & bit;
		z.lo ^= y.lo & bit;
		carry = 0 - (y.lo & 1);
		y.lo = y.lo >> 1 | y.hi << 63;
		y.hi = y.hi >> 1 ^ (0xe100000000000000ULL & carry);
	}
	return z;
}

/* x^-1 = x^(2^128 - 2); 0 gives 0 */
static struct gf128 gf_inv(struct gf128 x)
{
	struct gf128 r = { 1ULL << 63, 0 };	/* the field's 1 */
	int i;

	for (i = 0; i < 127; i++)
		r = gf_mul(gf_mul(r, r), x);
	return gf_mul(r, r);
}

/* ------------------------------------------------------------------ */
/* continuing a message in software                                    */

/* CTR's counter block at text byte pos: J0 + 1 + pos / 16, in 32 bits */
static void gcm_counter(const struct aes_ctx *c, uint64_t pos, unsigned char *ctr)
{
	uint32_t n = (uint32_t)c->j0[12] << 24 | (uint32_t)c->j0[13] << 16 |
		     (uint32_t)c->j0[14] << 8 | c->j0[15];

	n += 1 + (uint32_t)(pos / BLK);
	memcpy(ctr, c->j0, 12);
	ctr[12] = (unsigned char)(n >> 24);
	ctr[13] = (unsigned char)(n >> 16);
	ctr[14] = (unsigned char)(n >> 8);
	ctr[15] = (unsigned char)n;
}

/* Point the key stream at text byte pos. */
static int gcm_ctr_seek(struct aes_ctx *c, uint64_t pos)
{
	unsigned char ctr[BLK], skip[BLK] = { 0 };
	int outl;

	gcm_counter(c, pos, ctr);
	return EVP_CipherInit_ex2(c->ctr, NULL, NULL, ctr, 1, NULL) &&
	       EVP_CipherUpdate(c->ctr, skip, &outl, skip, (int)(pos % BLK));
}

/*
 * The key stream of text byte c->gcm_text on. AES-CTR carries into all 128
 * bits, GCM only into the last 32: where they wrap, start again.
 */
static int gcm_ctr(struct aes_ctx *c, unsigned char *out, const unsigned char *in,
		   size_t len)
{
	unsigned char ctr[BLK];
	uint64_t room;
	size_t n;
	int outl;

	while (len) {
		gcm_counter(c, c->gcm_text, ctr);
		room = ((1ULL << 32) - ((uint64_t)ctr[12] << 24 | ctr[13] << 16 |
					ctr[14] << 8 | ctr[15])) * BLK - c->gcm_text % BLK;
		n = len < room ? len : (size_t)room;
		if (n > (1u << 30))
			n = 1u << 30;
		if (!EVP_CipherUpdate(c->ctr, out, &outl, in, (int)n))
			return 0;
		c->gcm_text += n;
		in += n;
		out += n;
		len -= n;
		if (n == room && !gcm_ctr_seek(c, c->gcm_text))
			return 0;
	}
	return 1;
}

/* More ciphertext for the hash: sw takes it as AAD. */
static int gcm_ghash(struct aes_ctx *c, const unsigned char *ct, size_t len)
{
	size_t n;
	int outl;

	for (; len; len -= n, ct += n) {
		n = len < (1u << 30) ? len : 1u << 30;
		if (!EVP_CipherUpdate(c->sw, NULL, &outl, ct, (int)n))
			return 0;
		c->ghash_fed += n;
	}
	return 1;
}

/* H = E(K, 0), J0 and E(K, J0); the key stream context keyed. */
static int gcm_sw_keys(struct aes_ctx *c, unsigned char *ej0)
{
	EVP_CIPHER *ctr = wdp_aes_sw_cipher(c, WD_CIPHER_CTR);
	unsigned char zero[BLK] = { 0 }, blk[BLK];
	struct gf128 h, y = { 0, 0 }, b;
	size_t i;
	int outl;

	if (!ctr || (!c->ctr && !(c->ctr = EVP_CIPHER_CTX_new())) ||
	    !EVP_CipherInit_ex2(c->ctr, ctr, c->key, zero, 1, NULL) ||
	    !EVP_CipherUpdate(c->ctr, c->ghash_h, &outl, zero, BLK))
		return 0;
	if (c->ivlen == 12) {
		memcpy(c->j0, c->iv, 12);
		memcpy(c->j0 + 12, "\0\0\0\1", 4);
	} else {
		/* J0 = GHASH(IV, zero padded, then its bit length) */
		h = gf_load(c->ghash_h);
		for (i = 0; i < c->ivlen; i += BLK) {
			memset(blk, 0, BLK);
			memcpy(blk, c->iv + i, c->ivlen - i < BLK ? c->ivlen - i : BLK);
			b = gf_load(blk);
			y.hi ^= b.hi;
			y.lo ^= b.lo;
			y = gf_mul(y, h);
		}
		y.lo ^= (uint64_t)c->ivlen * 8;
		gf_store(gf_mul(y, h), c->j0);
	}
	return EVP_CipherInit_ex2(c->ctr, NULL, NULL, c->j0, 1, NULL) &&
	       EVP_CipherUpdate(c->ctr, ej0, &outl, zero, BLK);
}

/*
 * The device failed in the middle of the message: go on in software from
 * its last snapshot (top of file). 1, or 0 when that cannot be done.
 */
int wdp_aes_gcm_to_sw(struct aes_ctx *c)
{
	unsigned char ej0[BLK], blk[BLK];
	size_t rem = c->gcm_text % BLK;
	struct gf128 h, hinv, y, t;
	int ok;

	wdp_aes_wd_stop(c);
	if (!c->snap_valid || !gcm_sw_keys(c, ej0))
		return 0;
	h = gf_load(c->ghash_h);
	hinv = gf_inv(h);
	/* snap = E(K, J0) ^ (Y ^ L) * H */
	t = gf_load(c->snap);
	y = gf_load(ej0);
	t.hi ^= y.hi;
	t.lo ^= y.lo;
	y = gf_mul(t, hinv);
	y.hi ^= (uint64_t)c->aad_len * 8;
	y.lo ^= c->gcm_text * 8;
	if (rem) {
		/* the device hashed the partial block zero padded: undo it */
		memset(blk, 0, BLK);
		memcpy(blk, c->gcm_tail, rem);
		y = gf_mul(y, hinv);
		t = gf_load(blk);
		y.hi ^= t.hi;
		y.lo ^= t.lo;
	}
	gf_store(gf_mul(y, hinv), blk);	/* z, with z * H = Y */
	c->ghash_fed = 0;
	ok = wdp_aes_sw_start_dir(c, c->iv, 1) && gcm_ghash(c, blk, BLK) &&
	     gcm_ghash(c, c->gcm_tail, rem) && gcm_ctr_seek(c, c->gcm_text);
	OPENSSL_cleanse(blk, sizeof(blk));
	OPENSSL_cleanse(ej0, sizeof(ej0));
	OPENSSL_cleanse(&y, sizeof(y));
	if (!ok)
		return 0;
	c->gcm_resumed = 1;
	c->route = ROUTE_SW;
	return 1;
}

/* Text of a message continued in software. */
static int gcm_sw_text(struct aes_ctx *c, unsigned char *out,
		       const unsigned char *in, size_t inl)
{
	/* the hash is over ciphertext: a decryption's input, read before it is overwritten */
	if (!c->enc && !gcm_ghash(c, in, inl))
		return 0;
	if (!gcm_ctr(c, out, in, inl))
		return 0;
	return !c->enc || gcm_ghash(c, out, inl);
}

/* The tag of a message continued in software. */
static int gcm_sw_tag(struct aes_ctx *c, unsigned char *tag)
{
	unsigned char scratch[BLK];
	struct gf128 d, t;
	int outl;

	if (!EVP_CipherFinal_ex(c->sw, scratch, &outl) ||
	    !EVP_CIPHER_CTX_ctrl(c->sw, EVP_CTRL_AEAD_GET_TAG, BLK, tag))
		return 0;
	/* sw hashed the lengths (fed, 0), the message is (AAD, text) */
	d.hi = ((uint64_t)c->aad_len ^ c->ghash_fed) * 8;
	d.lo = c->gcm_text * 8;
	d = gf_mul(d, gf_load(c->ghash_h));
	t = gf_load(tag);
	t.hi ^= d.hi;
	t.lo ^= d.lo;
	gf_store(t, tag);
	return 1;
}

/* ------------------------------------------------------------------ */
/* on a queue                                                          */

/*
 * The ciphertext after the last whole block, once len more bytes ct are
 * done: what the device hashed zero padded at the snapshot.
 */
static void gcm_tail_after(const struct aes_ctx *c, unsigned char *tail,
			   const unsigned char *ct, size_t len)
{
	size_t old = c->gcm_text % BLK, now = (c->gcm_text + len) % BLK;

	if (len >= now) {
		memcpy(tail, ct + len - now, now);
	} else {		/* still in the same block: old + len == now */
		memcpy(tail, c->gcm_tail, old);
		memcpy(tail + old, ct, len);
	}
}

/* Text on the queue; the first request carries AAD || text. */
static int gcm_wd_text(struct aes_ctx *c, unsigned char *out,
		       const unsigned char *in, size_t inl)
{
	const unsigned char *src = in;
	size_t aad = c->wd_started ? 0 : c->aad_len;
	unsigned char tail[BLK];
	int ret;

	if (aad) {
		if (!grow(&c->stage, &c->stage_cap, aad + inl))
			return -ENOMEM;
		memcpy(c->stage, c->aad, aad);
		memcpy(c->stage + aad, in, inl);
		src = c->stage;
	}
	/* a decryption may be in place: its ciphertext is gone after */
	if (!c->enc)
		gcm_tail_after(c, tail, in, inl);
	ret = wdp_aes_request(c, src, aad + inl, aad, out, inl, c->snap);
	if (ret)
		return ret;	/* snap is still the one of the text before */
	if (c->enc)
		gcm_tail_after(c, tail, out, inl);
	memcpy(c->gcm_tail, tail, BLK);
	c->gcm_text += inl;
	c->snap_valid = 1;
	return 0;
}

/*
 * The queue failed (libwd counted the error): the message goes on (or
 * starts again) in software.
 */
static int gcm_wd_failed(struct aes_ctx *c)
{
	int l;

	if (c->wd_started)
		return wdp_aes_gcm_to_sw(c);
	/* nothing reached the device yet: the message starts in software */
	wdp_aes_wd_stop(c);
	c->route = ROUTE_SW;
	return wdp_aes_sw_start(c, c->iv) &&
	       (!c->aad_len || EVP_CipherUpdate(c->sw, NULL, &l, c->aad, (int)c->aad_len));
}

int wdp_aes_gcm_update(void *vctx, unsigned char *out, size_t *outl,
		       size_t outsize, const unsigned char *in, size_t inl)
{
	struct aes_ctx *c = vctx;
	int l;

	/* nothing to do succeeds whatever the state, as in the default provider */
	*outl = 0;
	if (!inl)
		return 1;
	if (!gcm_ready(c))
		return 0;
	if (c->tls_aad_len)	/* libssl's TLS 1.2 record */
		return gcm_tls_record(c, out, outl, outsize, in, inl);
	if (!gcm_iv_fresh(c))
		return 0;
	if (!out) {
		*outl = inl;
		return gcm_aad(c, in, inl);
	}
	if (outsize < inl) {
		ERR_raise(ERR_LIB_PROV, PROV_R_OUTPUT_BUFFER_TOO_SMALL);
		return 0;
	}
	*outl = inl;
	if (c->route == ROUTE_NONE && !wdp_aes_route(c, inl))
		return 0;
	if (c->route == ROUTE_WD) {
		if (gcm_wd_text(c, out, in, inl) == 0)
			return 1;
		if (!gcm_wd_failed(c)) {
			ERR_raise(ERR_LIB_PROV, PROV_R_CIPHER_OPERATION_FAILED);
			return 0;
		}
	}
	wdp_count("aes-gcm", 0, 0, 0);
	if (c->gcm_resumed)
		return gcm_sw_text(c, out, in, inl);
	return EVP_CipherUpdate(c->sw, out, &l, in, (int)inl);
}

/* The message's tag from the device's last snapshot, or continued in software. */
static int gcm_tag(struct aes_ctx *c, unsigned char *tag)
{
	if (c->route == ROUTE_WD) {
		wdp_aes_wd_stop(c);
		if (!c->snap_valid)
			return 0;
		memcpy(tag, c->snap, BLK);
		return 1;
	}
	return gcm_sw_tag(c, tag);
}

int wdp_aes_gcm_final(void *vctx, unsigned char *out, size_t *outl,
		      size_t outsize)
{
	struct aes_ctx *c = vctx;
	unsigned char tag[WD_CIPHER_TAG_MAX];
	int l;

	(void)out;
	(void)outsize;
	*outl = 0;
	if (!gcm_ready(c))
		return 0;
	if (!gcm_iv_fresh(c))
		return 0;
	if (!c->enc && !c->taglen) {
		ERR_raise(ERR_LIB_PROV, PROV_R_TAG_NOT_SET);
		return 0;
	}
	if (c->route == ROUTE_NONE && !wdp_aes_route(c, 0))
		return 0;
	if (c->route == ROUTE_WD || c->gcm_resumed) {
		if (!gcm_tag(c, tag)) {
			ERR_raise(ERR_LIB_PROV, PROV_R_CIPHER_OPERATION_FAILED);
			return 0;
		}
		/* as the default provider: a wrong tag fails with no error */
		if (!c->enc && CRYPTO_memcmp(tag, c->tag, c->taglen))
			return 0;
	} else {
		if (!c->enc && !EVP_CIPHER_CTX_ctrl(c->sw, EVP_CTRL_AEAD_SET_TAG,
						    (int)c->taglen, c->tag))
			return 0;
		if (!EVP_CipherFinal_ex(c->sw, tag, &l))
			return 0;
		if (c->enc && !EVP_CIPHER_CTX_ctrl(c->sw, EVP_CTRL_AEAD_GET_TAG, BLK, tag))
			return 0;
	}
	if (c->enc) {
		memcpy(c->tag, tag, BLK);
		c->taglen = BLK;
	}
	c->gcm_final_done = 1;
	c->gcm_iv_spent = 1;
	return 1;
}

/*
 * A TLS record as one whole message on a queue (libwd counts it): stage is
 * AAD || text, out gets text || tag. 0, -EBADMSG, or -errno.
 */
static int gcm_tls_on_queue(struct aes_ctx *c, const unsigned char *stage,
			    const unsigned char *in, unsigned char *out, size_t len)
{
	struct wd_cipher_req req = {
		.iv = c->iv, .iv_len = c->ivlen,
		.src = stage, .src_len = GCM_TLS_AAD + len, .aad_len = GCM_TLS_AAD,
		.dst = out, .dst_len = c->enc ? len + BLK : len,
		.tag_len = BLK,
	};
	struct wd_cipher_sess *s;
	int ret;

	s = wd_cipher_sess_new(WD_CIPHER_GCM, c->enc, c->key, c->keylen,
			       WD_CIPHER_SESS_NO_FALLBACK);
	if (!s)
		return -errno;
	if (!c->enc)
		memcpy(req.tag, in + len, BLK);
	ret = wdp_cipher_do(s, &req);
	wd_cipher_sess_free(s);
	return ret;
}

/* TLS 1.2 record: explicit IV || text || tag, in place. */
static int gcm_tls_record(struct aes_ctx *c, unsigned char *out, size_t *outl,
			  size_t outsize, const unsigned char *in, size_t inl)
{
	size_t len = inl - GCM_TLS_EXPLICIT_IV - BLK;
	unsigned char *stage;
	int ok = 0, l, ret = -1;

	c->tls_aad_len = 0;	/* one record per tlsaad */
	if (inl < GCM_TLS_EXPLICIT_IV + BLK || outsize < inl || out != in) {
		ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_INPUT_LENGTH);
		return 0;
	}
	if (c->enc) {
		/* explicit part of the nonce: the invocation counter, then next */
		memcpy(out, c->iv + GCM_TLS_FIXED_IV, GCM_TLS_EXPLICIT_IV);
	} else {
		memcpy(c->iv + GCM_TLS_FIXED_IV, in, GCM_TLS_EXPLICIT_IV);
	}
	in += GCM_TLS_EXPLICIT_IV;
	out += GCM_TLS_EXPLICIT_IV;
	if (wdp_cipher_wanted(c->prov, len) &&
	    (stage = OPENSSL_malloc(GCM_TLS_AAD + len)) != NULL) {
		memcpy(stage, c->tls_aad, GCM_TLS_AAD);
		memcpy(stage + GCM_TLS_AAD, in, len);
		ret = gcm_tls_on_queue(c, stage, in, out, len);
		OPENSSL_clear_free(stage, GCM_TLS_AAD + len);
		ok = !ret;
	}
	if (ret && ret != -EBADMSG) {
		wdp_count("aes-gcm", 0, 0, 0);
		ok = wdp_aes_sw_start(c, c->iv) &&
		     EVP_CipherUpdate(c->sw, NULL, &l, c->tls_aad, GCM_TLS_AAD) &&
		     EVP_CipherUpdate(c->sw, out, &l, in, (int)len) &&
		     (c->enc || EVP_CIPHER_CTX_ctrl(c->sw, EVP_CTRL_AEAD_SET_TAG,
						    BLK, (void *)(in + len))) &&
		     EVP_CipherFinal_ex(c->sw, out + len, &l) &&
		     (!c->enc || EVP_CIPHER_CTX_ctrl(c->sw, EVP_CTRL_AEAD_GET_TAG,
						     BLK, out + len));
	}
	if (c->enc) {
		/* next record's invocation field: big-endian increment */
		int i;

		for (i = (int)c->ivlen - 1; i >= GCM_TLS_FIXED_IV; i--)
			if (++c->iv[i])
				break;
	}
	if (!ok) {
		OPENSSL_cleanse(out, len);
		return 0;
	}
	*outl = c->enc ? inl : len;
	return 1;
}

/* EVP_Cipher(): update, AAD (out NULL) or final (in NULL). */
int wdp_aes_gcm_cipher(void *vctx, unsigned char *out, size_t *outl,
		       size_t outsize, const unsigned char *in, size_t inl)
{
	struct aes_ctx *c = vctx;

	if (!gcm_ready(c))
		return 0;
	if (c->tls_aad_len)
		return gcm_tls_record(c, out, outl, outsize, in, inl);
	if (!in)
		return wdp_aes_gcm_final(c, out, outl, outsize);
	return wdp_aes_gcm_update(c, out, outl, outsize, in, inl);
}

int wdp_aes_gcm_set_params(struct aes_ctx *c, const OSSL_PARAM params[])
{
	const OSSL_PARAM *p;
	size_t sz;
	void *vp;

	p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TAG);
	if (p) {
		vp = c->tag;
		if (!OSSL_PARAM_get_octet_string(p, &vp, BLK, &sz) || !sz || c->enc) {
			ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_TAG);
			return 0;
		}
		c->taglen = sz;
	}
	p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_IVLEN);
	if (p) {
		if (!OSSL_PARAM_get_size_t(p, &sz) || !sz || sz > WD_CIPHER_IV_MAX) {
			ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_IV_LENGTH);
			return 0;
		}
		if (sz != c->ivlen && c->iv_set)
			c->gcm_iv_spent = 1;	/* the IV set is no longer one */
		c->ivlen = sz;
	}
	p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TLS1_AAD);
	if (p) {
		unsigned int len;

		if (p->data_type != OSSL_PARAM_OCTET_STRING ||
		    p->data_size != GCM_TLS_AAD) {
			ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_AAD);
			return 0;
		}
		memcpy(c->tls_aad, p->data, GCM_TLS_AAD);
		len = (unsigned int)c->tls_aad[GCM_TLS_AAD - 2] << 8 |
		      c->tls_aad[GCM_TLS_AAD - 1];
		/* the record length the MAC covers: without explicit IV and tag */
		if (len < GCM_TLS_EXPLICIT_IV)
			return 0;
		len -= GCM_TLS_EXPLICIT_IV;
		if (!c->enc) {
			if (len < BLK)
				return 0;
			len -= BLK;
		}
		c->tls_aad[GCM_TLS_AAD - 2] = (unsigned char)(len >> 8);
		c->tls_aad[GCM_TLS_AAD - 1] = (unsigned char)len;
		c->tls_aad_len = GCM_TLS_AAD;
	}
	p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED);
	if (p) {
		if (p->data_type != OSSL_PARAM_OCTET_STRING ||
		    (p->data_size != c->ivlen && (p->data_size != GCM_TLS_FIXED_IV ||
						  c->ivlen != 12))) {
			ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_IV_LENGTH);
			return 0;
		}
		memcpy(c->iv, p->data, p->data_size);
		if (p->data_size == GCM_TLS_FIXED_IV && c->enc &&
		    RAND_bytes_ex(c->prov->libctx, c->iv + GCM_TLS_FIXED_IV,
				  c->ivlen - GCM_TLS_FIXED_IV, 0) <= 0)
			return 0;
		c->iv_set = 1;
		c->gcm_iv_spent = 0;
		c->tls_iv_fixed = 1;
	}
	p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TLS1_SET_IV_INV);
	if (p) {
		if (p->data_type != OSSL_PARAM_OCTET_STRING || c->enc ||
		    p->data_size != c->ivlen - GCM_TLS_FIXED_IV)
			return 0;
		memcpy(c->iv + GCM_TLS_FIXED_IV, p->data, p->data_size);
		c->iv_set = 1;
		c->gcm_iv_spent = 0;
	}
	return 1;
}

/*
 * GCM's IV, the same as its updated IV, the way the default provider
 * answers: none before an IV is set, and only into room for all of it.
 */
static int gcm_get_iv(struct aes_ctx *c, OSSL_PARAM *p)
{
	if (!c->iv_set)
		return 0;
	if (c->ivlen > p->data_size) {
		ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_IV_LENGTH);
		return 0;
	}
	return OSSL_PARAM_set_octet_string(p, c->iv, c->ivlen) ||
	       OSSL_PARAM_set_octet_ptr(p, c->iv, c->ivlen);
}

int wdp_aes_gcm_get_params(struct aes_ctx *c, OSSL_PARAM params[])
{
	OSSL_PARAM *p;

	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IV);
	if (p && !gcm_get_iv(c, p))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_UPDATED_IV);
	if (p && !gcm_get_iv(c, p))
		return 0;

	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TAG);
	if (p) {
		if (!c->enc || !c->gcm_final_done || !p->data_size ||
		    p->data_size > BLK ||
		    !OSSL_PARAM_set_octet_string(p, c->tag, p->data_size)) {
			ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_TAG);
			return 0;
		}
	}
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TAGLEN);
	if (p && !OSSL_PARAM_set_size_t(p, c->taglen ? c->taglen : BLK))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TLS1_AAD_PAD);
	if (p && !OSSL_PARAM_set_size_t(p, BLK))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TLS1_GET_IV_GEN);
	if (p && (!c->tls_iv_fixed || p->data_size > c->ivlen ||
		  !OSSL_PARAM_set_octet_string(p, c->iv + c->ivlen - p->data_size,
					       p->data_size)))
		return 0;
	return 1;
}
