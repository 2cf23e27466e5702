// SPDX-License-Identifier: MIT
/*
 * test_ring_check - the same bad requests get the same status from every
 * soft engine: the checks of the device format (libwd/include/
 * wd_ring_check.h) and their order. On the host this runs on libwd's
 * built-in soft device; test/qemu runs the same program in the guest with
 * WD_DEVICE=kernel, on wd_soft.ko. Each case states the one status the
 * format gives; a case that needs an algorithm a device does not list
 * (RSA, GCM on wd_soft.ko) is skipped there, with the reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "test_util.h"
#include "wd_cipher.h"
#include "wd_comp.h"
#include "wd_rsa.h"

static uint8_t *bad;		/* a page no device may touch */
static uint8_t src[4096], dst[4096];

/* A queue for alg, or 0 with the cases of n skipped. */
static int open_alg(struct wd_queue *q, const char *alg, int n)
{
	char why[128];
	int ret;

	memset(q, 0, sizeof(*q));
	q->capa.alg = alg;
	q->capa.numa_node = -1;
	ret = wd_request_queue(q);
	if (!ret)
		return 1;
	snprintf(why, sizeof(why), "no device here serves %s (%s)", alg, wd_strerror(ret));
	tap_skip_n(n, why);
	return 0;
}

static void msg_init(struct wd_msg *m, uint16_t opcode, const void *param, size_t param_len,
		     const void *s, size_t s_len, void *d, size_t d_len)
{
	memset(m, 0, sizeof(*m));
	m->opcode = opcode;
	m->param = param;
	m->param_len = param_len;
	m->src = s;
	m->src_len = s_len;
	m->dst = d;
	m->dst_len = d_len;
}

#define expect(q, m, want, ...) do {					\
	int got_ = test_roundtrip(q, m);				\
	ok(got_ == (want), __VA_ARGS__);				\
	if (got_ != (want))						\
		printf("#   status %d (%s), want %d\n", got_,		\
		       strerror(-got_), (int)(want));			\
} while (0)

#define N_ENTRY 8
static void entry_cases(void)
{
	struct wd_queue q;
	struct wd_msg m;

	if (!open_alg(&q, "memcpy", N_ENTRY))
		return;
	msg_init(&m, WD_OP_MEMCPY, bad, 4097, src, 64, dst, 64);
	expect(&q, &m, -EINVAL, "param_len over 4096 on any operation: EINVAL");
	msg_init(&m, WD_OP_MEMCPY, bad, 4096, src, 64, dst, 64);
	expect(&q, &m, 0, "param_len of 4096 passes (MEMCPY reads no block)");
	msg_init(&m, WD_OP_MEMCPY, NULL, 0, src, 64, dst, 64);
	m.ctx_id = 4096;
	expect(&q, &m, -EINVAL, "ctx_id 4096, out of range: EINVAL");
	msg_init(&m, WD_OP_CTX_FREE, NULL, 0, NULL, 0, NULL, 0);
	expect(&q, &m, -EINVAL, "CTX_FREE of ctx_id 0: EINVAL");
	msg_init(&m, WD_OP_MEMCPY, NULL, 0, src, 65, dst, 64);
	expect(&q, &m, -ENOSPC, "MEMCPY src over dst: ENOSPC");
	msg_init(&m, WD_OP_MEMCPY, NULL, 0, bad, 65, dst, 64);
	expect(&q, &m, -ENOSPC, "MEMCPY src over dst comes before a bad src: ENOSPC");
	msg_init(&m, WD_OP_MEMCPY, NULL, 0, src, 64, bad, 64);
	expect(&q, &m, -EFAULT, "MEMCPY to a page with no access: EFAULT");
	msg_init(&m, WD_OP_NOP, NULL, 0, bad, 64, bad, 64);
	expect(&q, &m, 0, "NOP touches no address");
	wd_release_queue(&q);
}

static void comp_setup(struct wd_comp_param *p)
{
	memset(p, 0, sizeof(*p));
	p->format = WD_COMP_RAW;
	p->level = 6;
	p->flush = WD_COMP_FINISH;
}

#define N_COMP 16
static void comp_cases(void)
{
	struct wd_comp_param p;
	struct wd_queue q;
	struct wd_msg m;

	if (!open_alg(&q, "deflate", N_COMP))
		return;
	comp_setup(&p);
	msg_init(&m, WD_OP_COMPRESS, &p, sizeof(p) - 1, src, 100, dst, 1000);
	expect(&q, &m, -EINVAL, "compress: param_len below the block: EINVAL");
	msg_init(&m, WD_OP_COMPRESS, &p, 4097, src, 100, dst, 1000);
	expect(&q, &m, -EINVAL, "compress: param_len over 4096: EINVAL");
	msg_init(&m, WD_OP_COMPRESS, NULL, sizeof(p), src, 100, dst, 1000);
	expect(&q, &m, -EFAULT, "compress: no parameter block: EFAULT");
	msg_init(&m, WD_OP_COMPRESS, bad, sizeof(p), src, 100, dst, 1000);
	expect(&q, &m, -EFAULT, "compress: block on a page with no access: EFAULT");
	p.level = 10;
	msg_init(&m, WD_OP_COMPRESS, &p, sizeof(p), src, 100, dst, 1000);
	expect(&q, &m, -EINVAL, "compress: level 10: EINVAL");
	msg_init(&m, WD_OP_COMPRESS, &p, sizeof(p), bad, 100, dst, 1000);
	expect(&q, &m, -EINVAL, "compress: a bad block comes before a bad src: EINVAL");
	comp_setup(&p);
	p.format = WD_COMP_AUTO;
	expect(&q, &m, -EINVAL, "compress: AUTO format: EINVAL");
	comp_setup(&p);
	p.reserved0 = 1;
	msg_init(&m, WD_OP_COMPRESS, &p, sizeof(p), src, 100, dst, 1000);
	expect(&q, &m, -EINVAL, "compress: reserved0 set: EINVAL");
	comp_setup(&p);
	p.format = WD_COMP_ZLIB;
	p.dict_len = 10;
	expect(&q, &m, -EINVAL, "compress: a dictionary on a zlib stream: EINVAL");
	comp_setup(&p);
	p.window_bits = 7;
	expect(&q, &m, -EINVAL, "compress: window_bits 7: EINVAL");
	comp_setup(&p);
	msg_init(&m, WD_OP_COMPRESS, &p, sizeof(p), src, 100, bad, 1000);
	expect(&q, &m, -EFAULT, "compress: dst on a page with no access: EFAULT");

	/* sessions: FIRST sets a stream up, later requests read only flush */
	comp_setup(&p);
	p.flush = WD_COMP_NO_FLUSH;
	msg_init(&m, WD_OP_COMPRESS, &p, sizeof(p), src, 100, dst, 1000);
	m.ctx_id = 77;
	expect(&q, &m, -EINVAL, "compress: a session without FIRST: EINVAL");
	m.flags = WD_SQE_F_FIRST;
	expect(&q, &m, 0, "compress: FIRST starts the session");
	p.level = 42;
	p.reserved0 = 3;
	m.flags = 0;
	expect(&q, &m, 0, "compress: a later request ignores its setup fields");
	p.flush = WD_COMP_BLOCK + 1;
	expect(&q, &m, -EINVAL, "compress: a later request with a bad flush: EINVAL");

	/* corrupt data kills a stream until the next FIRST */
	comp_setup(&p);
	memset(src, 0xff, 16);		/* block type 3: invalid */
	msg_init(&m, WD_OP_DECOMPRESS, &p, sizeof(p), src, 16, dst, 1000);
	m.ctx_id = 78;
	m.flags = WD_SQE_F_FIRST;
	if (test_roundtrip(&q, &m) == -EBADMSG) {
		msg_init(&m, WD_OP_DECOMPRESS, &p, sizeof(p), src, 0, dst, 1000);
		m.ctx_id = 78;
		expect(&q, &m, -EBADMSG, "decompress: a dead stream answers EBADMSG");
	} else {
		ok(0, "decompress: corrupt data answers EBADMSG");
	}
	wd_release_queue(&q);
}

static void cipher_setup(struct wd_cipher_param *p, int mode, int enc, int key_len)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->mode = (uint8_t)mode;
	p->dir = enc ? WD_CIPHER_ENCRYPT : WD_CIPHER_DECRYPT;
	p->key_len = (uint8_t)key_len;
	p->iv_len = mode == WD_CIPHER_ECB ? 0 : 16;
	for (i = 0; i < key_len; i++)
		p->key[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < 16; i++)
		p->iv[i] = (uint8_t)(0xa0 + i);
}

#define N_CIPHER 16
static void cipher_cases(void)
{
	struct wd_cipher_param p;
	struct wd_queue q;
	struct wd_msg m;

	if (!open_alg(&q, "aes-cbc", N_CIPHER))
		return;
	cipher_setup(&p, WD_CIPHER_CBC, 1, 16);
	msg_init(&m, WD_OP_CIPHER, &p, sizeof(p) - 1, src, 96, dst, 96);
	expect(&q, &m, -EINVAL, "cipher: param_len below the block: EINVAL");
	msg_init(&m, WD_OP_CIPHER, &p, sizeof(p) + 1, bad, 96, dst, 96);
	expect(&q, &m, -EINVAL, "cipher: param_len over the block, before a bad src: EINVAL");
	msg_init(&m, WD_OP_CIPHER, bad, sizeof(p), src, 96, dst, 96);
	expect(&q, &m, -EFAULT, "cipher: block on a page with no access: EFAULT");
	msg_init(&m, WD_OP_CIPHER, &p, sizeof(p), src, 96, dst, 96);
	expect(&q, &m, 0, "cipher: a good aes-cbc request");
	p.flags = WD_CIPHER_F_TAG_SNAPSHOT;
	expect(&q, &m, -EINVAL, "cipher: a GCM flag on CBC: EINVAL");
	cipher_setup(&p, WD_CIPHER_CBC, 1, 20);
	expect(&q, &m, -EINVAL, "cipher: a 20-byte key: EINVAL");
	cipher_setup(&p, WD_CIPHER_CBC, 1, 16);
	p.reserved2[7] = 1;
	expect(&q, &m, -EINVAL, "cipher: reserved bytes set: EINVAL");
	cipher_setup(&p, WD_CIPHER_GCM, 1, 16);
	p.iv_len = 12;
	expect(&q, &m, -EINVAL, "cipher: GCM without a tag length: EINVAL, served or not");
	cipher_setup(&p, WD_CIPHER_CBC, 1, 16);
	msg_init(&m, WD_OP_CIPHER, &p, sizeof(p), src, 100, bad, 100);
	expect(&q, &m, -EINVAL, "cipher: CBC of 100 bytes, before a bad dst: EINVAL");
	msg_init(&m, WD_OP_CIPHER, &p, sizeof(p), bad, 96, dst, 80);
	expect(&q, &m, -ENOSPC, "cipher: a small dst, before a bad src: ENOSPC");
	msg_init(&m, WD_OP_CIPHER, &p, sizeof(p), src, 96, bad, 96);
	expect(&q, &m, -EFAULT, "cipher: dst on a page with no access: EFAULT");

	/* sessions: mode, dir, key and iv are FIRST's */
	msg_init(&m, WD_OP_CIPHER, &p, sizeof(p), src, 32, dst, 32);
	m.ctx_id = 90;
	expect(&q, &m, -EINVAL, "cipher: a session without FIRST: EINVAL");
	m.flags = WD_SQE_F_FIRST;
	expect(&q, &m, 0, "cipher: FIRST starts the session");
	p.mode = 9;
	p.key_len = 3;
	m.flags = 0;
	expect(&q, &m, 0, "cipher: a later request ignores mode and key");
	m.src_len = m.dst_len = 33;
	expect(&q, &m, -EINVAL, "cipher: a later request is held to the session's mode");
	m.flags = WD_SQE_F_LAST;
	m.src_len = m.dst_len = 16;
	expect(&q, &m, 0, "cipher: LAST ends the session");
	wd_release_queue(&q);
}

#define N_XTS 3
static void xts_cases(void)
{
	struct wd_cipher_param p;
	struct wd_queue q;
	struct wd_msg m;

	if (!open_alg(&q, "aes-xts", N_XTS))
		return;
	cipher_setup(&p, WD_CIPHER_XTS, 1, 32);
	memcpy(p.key + 16, p.key, 16);
	msg_init(&m, WD_OP_CIPHER, &p, sizeof(p), src, 96, dst, 96);
	expect(&q, &m, -EINVAL, "xts: encryption with equal key halves: EINVAL");
	p.dir = WD_CIPHER_DECRYPT;
	expect(&q, &m, 0, "xts: decryption with equal key halves reads the data");
	cipher_setup(&p, WD_CIPHER_XTS, 1, 64);
	msg_init(&m, WD_OP_CIPHER, &p, sizeof(p), src, 15, dst, 15);
	expect(&q, &m, -EINVAL, "xts: a data unit under a block: EINVAL");
	wd_release_queue(&q);
}

/*
 * A GCM session whose LAST request asks for a longer tag than FIRST did:
 * the room in dst is counted with the tag that will be written.
 */
#define N_GCM 3
static void gcm_cases(void)
{
	struct wd_cipher_param p;
	struct wd_queue q;
	struct wd_msg m;
	int i, kept = 1;

	if (!open_alg(&q, "aes-gcm", N_GCM))
		return;
	cipher_setup(&p, WD_CIPHER_GCM, 1, 16);
	p.iv_len = 12;
	p.tag_len = 4;
	msg_init(&m, WD_OP_CIPHER, &p, sizeof(p), src, 16, dst, 16);
	m.ctx_id = 91;
	m.flags = WD_SQE_F_FIRST;
	expect(&q, &m, 0, "gcm: FIRST with a 4-byte tag");
	memset(dst, 0xa5, 64);
	p.tag_len = 16;
	m.flags = WD_SQE_F_LAST;
	m.dst_len = 16 + 4;
	expect(&q, &m, -ENOSPC, "gcm: LAST asks a 16-byte tag with room for 4: ENOSPC");
	for (i = 20; i < 64; i++)
		kept &= dst[i] == 0xa5;
	ok(kept, "gcm: nothing written past dst_len");
	wd_release_queue(&q);
}

#define N_RSA 4
static void rsa_cases(void)
{
	static uint8_t block[48 + 8 * 1024 + 64];
	struct wd_rsa_param *p = (struct wd_rsa_param *)block;
	struct wd_queue q;
	struct wd_msg m;

	if (!open_alg(&q, "rsa", N_RSA))
		return;
	memset(block, 0, sizeof(block));
	p->op = WD_RSA_PUBLIC;
	p->len[WD_RSA_N] = 128;
	p->len[WD_RSA_E] = 3;
	msg_init(&m, WD_OP_RSA, p, sizeof(*p) - 1, src, 128, dst, 128);
	expect(&q, &m, -EINVAL, "rsa: param_len below the header: EINVAL");
	msg_init(&m, WD_OP_RSA, p, sizeof(*p) + 8 * 1024 + 1, src, 128, dst, 128);
	expect(&q, &m, -EINVAL, "rsa: param_len over the largest key's block: EINVAL");
	msg_init(&m, WD_OP_RSA, p, sizeof(*p) + 130, bad, 128, dst, 128);
	expect(&q, &m, -EINVAL, "rsa: lengths that do not add up, before a bad src: EINVAL");
	msg_init(&m, WD_OP_RSA, bad, sizeof(*p) + 131, src, 128, dst, 128);
	expect(&q, &m, -EFAULT, "rsa: block on a page with no access: EFAULT");
	wd_release_queue(&q);
}

int main(void)
{
	tap_plan(N_ENTRY + N_COMP + N_CIPHER + N_XTS + N_GCM + N_RSA);
	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bad == MAP_FAILED)
		tap_bail("mmap");
	memset(src, 0x3c, sizeof(src));
	entry_cases();
	comp_cases();
	cipher_cases();
	xts_cases();
	gcm_cases();
	rsa_cases();
	return tap_exit();
}
