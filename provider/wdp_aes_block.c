// SPDX-License-Identifier: MIT
/*
 * wdp_aes_block.c - update/final/cipher of AES-ECB, CBC, CTR and XTS.
 *
 * ECB and CBC hold back a partial block (and, when decrypting with padding,
 * the last whole block, which final unpads), so that the routes only ever
 * see whole blocks. CTR streams any length. XTS takes each update as one
 * whole data unit, as OpenSSL's default provider does.
 */
#include <errno.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/proverr.h>
#include "wdp_aes_modes.h"

/* One XTS data unit as a whole message on a queue (libwd counts it): 0 or -errno. */
static int xts_on_queue(struct aes_ctx *c, unsigned char *out,
			const unsigned char *in, size_t inl)
{
	struct wd_cipher_req req = {
		.iv = c->iv, .iv_len = BLK,
		.src = in, .src_len = inl, .dst = out, .dst_len = inl,
	};
	struct wd_cipher_sess *s;
	int ret;

	s = wd_cipher_sess_new(WD_CIPHER_XTS, c->enc, c->key, c->keylen,
			       WD_CIPHER_SESS_NO_FALLBACK);
	if (!s)
		return -EINVAL;
	ret = wdp_cipher_do(s, &req);
	wd_cipher_sess_free(s);
	return ret;
}

/* XTS: one stateless request per data unit, or software. */
static int xts_unit(struct aes_ctx *c, unsigned char *out, const unsigned char *in,
		    size_t inl)
{
	int outl;

	if (inl < BLK || inl > (1u << 24)) {
		ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_INPUT_LENGTH);
		return 0;
	}
	if (wdp_cipher_wanted(c->prov, inl) && xts_on_queue(c, out, in, inl) == 0)
		return 1;
	wdp_count("aes-xts", 0, 0, 0);
	return wdp_aes_sw_start(c, c->iv) &&
	       EVP_CipherUpdate(c->sw, out, &outl, in, (int)inl);
}

static int check_ready(struct aes_ctx *c)
{
	if (!c->key_set) {
		ERR_raise(ERR_LIB_PROV, PROV_R_NO_KEY_SET);
		return 0;
	}
	if (c->ivlen && !c->iv_set) {
		ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_IV_LENGTH);
		return 0;
	}
	return 1;
}

/* libssl's TLS 1.x CBC records: the default provider does all of it. */
static int tls_record(struct aes_ctx *c, unsigned char *out, size_t *outl,
		      const unsigned char *in, size_t inl)
{
	int l = 0;

	wdp_count("aes-cbc", 0, 0, 0);
	if (!EVP_CipherUpdate(c->sw, out, &l, in, (int)inl))
		return 0;
	*outl = (size_t)l;
	return 1;
}

int wdp_aes_block_update(void *vctx, unsigned char *out, size_t *outl,
			 size_t outsize, const unsigned char *in, size_t inl)
{
	struct aes_ctx *c = vctx;
	size_t total, nout, done = 0;

	if (!check_ready(c))
		return 0;
	if (c->tls_sw)
		return tls_record(c, out, outl, in, inl);
	if (c->mode == WD_CIPHER_CTR || c->mode == WD_CIPHER_XTS) {
		if (outsize < inl) {
			ERR_raise(ERR_LIB_PROV, PROV_R_OUTPUT_BUFFER_TOO_SMALL);
			return 0;
		}
		*outl = inl;
		if (c->mode == WD_CIPHER_XTS)
			return xts_unit(c, out, in, inl);
		return wdp_aes_process(c, in, inl, out);
	}
	total = c->bufsz + inl;
	nout = total - total % BLK;
	/* decrypting with padding: the last whole block waits for final */
	if (!c->enc && c->pad && nout && nout == total)
		nout -= BLK;
	if (outsize < nout) {
		ERR_raise(ERR_LIB_PROV, PROV_R_OUTPUT_BUFFER_TOO_SMALL);
		return 0;
	}
	/* the route is chosen on the size of this whole update */
	if (nout && c->route == ROUTE_NONE && !wdp_aes_route(c, nout))
		return 0;
	if (nout && c->bufsz) {
		size_t take = BLK - c->bufsz;

		memcpy(c->buf + c->bufsz, in, take);
		in += take;
		inl -= take;
		if (!wdp_aes_process(c, c->buf, BLK, out))
			return 0;
		c->bufsz = 0;
		done = BLK;
	}
	if (nout > done) {
		if (!wdp_aes_process(c, in, nout - done, out + done))
			return 0;
		in += nout - done;
		inl -= nout - done;
	}
	memcpy(c->buf + c->bufsz, in, inl);
	c->bufsz += inl;
	*outl = nout;
	return 1;
}

/* PKCS#7: the pad length of a decrypted last block, or 0 if malformed. */
static size_t unpad_len(const unsigned char *b)
{
	size_t n = b[BLK - 1], i;

	if (n == 0 || n > BLK)
		return 0;
	for (i = BLK - n; i < BLK; i++)
		if (b[i] != n)
			return 0;
	return n;
}

int wdp_aes_block_final(void *vctx, unsigned char *out, size_t *outl,
			size_t outsize)
{
	struct aes_ctx *c = vctx;
	size_t n;

	if (!check_ready(c))
		return 0;
	*outl = 0;
	if (c->mode == WD_CIPHER_CTR || c->mode == WD_CIPHER_XTS || !c->pad) {
		if (c->bufsz) {
			ERR_raise(ERR_LIB_PROV, PROV_R_WRONG_FINAL_BLOCK_LENGTH);
			return 0;
		}
		wdp_aes_wd_stop(c);
		return 1;
	}
	/*
	 * One last block: cheaper in software (from the chained IV) than a
	 * queue round trip.
	 */
	if (c->route == ROUTE_WD && !wdp_aes_to_sw(c))
		return 0;
	if (c->enc) {
		n = BLK - c->bufsz;
		memset(c->buf + c->bufsz, (int)n, n);
		if (outsize < BLK) {
			ERR_raise(ERR_LIB_PROV, PROV_R_OUTPUT_BUFFER_TOO_SMALL);
			return 0;
		}
		if (!wdp_aes_process(c, c->buf, BLK, out))
			return 0;
		*outl = BLK;
	} else {
		if (c->bufsz != BLK) {
			ERR_raise(ERR_LIB_PROV, PROV_R_WRONG_FINAL_BLOCK_LENGTH);
			return 0;
		}
		if (!wdp_aes_process(c, c->buf, BLK, c->buf))
			return 0;
		n = unpad_len(c->buf);
		if (!n) {
			ERR_raise(ERR_LIB_PROV, PROV_R_BAD_DECRYPT);
			return 0;
		}
		if (outsize < BLK - n) {
			ERR_raise(ERR_LIB_PROV, PROV_R_OUTPUT_BUFFER_TOO_SMALL);
			return 0;
		}
		memcpy(out, c->buf, BLK - n);
		*outl = BLK - n;
	}
	c->bufsz = 0;
	wdp_aes_wd_stop(c);
	return 1;
}

/* EVP_Cipher(): whole blocks, no padding, no buffering. */
int wdp_aes_block_cipher(void *vctx, unsigned char *out, size_t *outl,
			 size_t outsize, const unsigned char *in, size_t inl)
{
	struct aes_ctx *c = vctx;

	if (!check_ready(c))
		return 0;
	if (c->tls_sw)
		return tls_record(c, out, outl, in, inl);
	if (outsize < inl) {
		ERR_raise(ERR_LIB_PROV, PROV_R_OUTPUT_BUFFER_TOO_SMALL);
		return 0;
	}
	if ((c->mode == WD_CIPHER_ECB || c->mode == WD_CIPHER_CBC) && inl % BLK) {
		ERR_raise(ERR_LIB_PROV, PROV_R_INVALID_INPUT_LENGTH);
		return 0;
	}
	*outl = inl;
	if (c->mode == WD_CIPHER_XTS)
		return xts_unit(c, out, in, inl);
	return wdp_aes_process(c, in, inl, out);
}
