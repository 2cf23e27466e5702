// SPDX-License-Identifier: MIT
/*
 * kmod_hostile - 10^4 random and hostile descriptors (bad opcodes, reserved
 * bits, kernel, unmapped, read-only and overflowing addresses, addresses
 * outside the share region) mixed with valid copies, on an SVA and a
 * share-domain queue. Every bad one must complete with the error the ring
 * format promises; every valid one must copy exactly; nothing else changes.
 */
#include "kq.h"

#define N_PER_QUEUE	5000
#define BATCH		128
#define SLOT		256

enum cat { C_OPCODE, C_RESERVED, C_CTX, C_PARAM, C_SRC, C_DST, C_NOSPC,
	   C_FAMILY, C_VALID, C_NR };
static const char *cat_name[C_NR] = {
	"unknown opcode -> EINVAL", "reserved field set -> EINVAL",
	"ctx_id out of range -> EINVAL", "param_len too big -> EINVAL",
	"bad src -> EFAULT", "bad dst -> EFAULT", "src_len > dst_len -> ENOSPC",
	"garbage for comp/cipher/rsa -> an error", "valid copy -> exact data",
};

struct bufs {
	char *src, *dst, *victim;
	uint64_t bad_src[16], bad_dst[16];
	int nbad_src, nbad_dst;
};

static uint64_t rnd(void)
{
	static uint64_t x = 88172645463325252ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static char *map(size_t len, int prot)
{
	char *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		tap_bail("mmap");
	return p;
}

/* Addresses no request may use, for either direction. */
static void bad_common(struct bufs *b, uint64_t *v, int *n)
{
	size_t pg = 4096;
	char *gone = map(pg, PROT_READ | PROT_WRITE);
	char *tail = map(2 * pg, PROT_READ | PROT_WRITE);

	munmap(gone, pg);
	munmap(tail + pg, pg);
	v[(*n)++] = 0xffff888000000000ull;	/* direct map */
	v[(*n)++] = 0xffffffff81000000ull;	/* kernel text */
	v[(*n)++] = 0xfffffffffffff000ull;	/* wraps */
	v[(*n)++] = 0;
	v[(*n)++] = (uintptr_t)gone;
	v[(*n)++] = (uintptr_t)tail + pg - 100;	/* runs into a hole */
	v[(*n)++] = (uintptr_t)map(pg, PROT_NONE);
	v[(*n)++] = 0x00007ffffffff000ull;	/* top of user space */
	(void)b;
}

static void setup(struct bufs *b, struct kq *q)
{
	int sd = q->ctrl->flags & WD_RING_F_SHARE_DOMAIN;
	char *base;

	if (sd) {
		base = q->ss;
	} else {
		base = map(1 << 20, PROT_READ | PROT_WRITE);
	}
	b->src = base;
	b->dst = base + (256 << 10);
	b->victim = base + (768 << 10);
	for (int i = 0; i < (256 << 10); i++)
		b->src[i] = (char)rnd();
	memset(b->victim, 0x5a, 64 << 10);
	b->nbad_src = b->nbad_dst = 0;
	bad_common(b, b->bad_src, &b->nbad_src);
	bad_common(b, b->bad_dst, &b->nbad_dst);
	/* read-only memory is a fine source but not a destination */
	b->bad_dst[b->nbad_dst++] = (uintptr_t)map(4096, PROT_READ);
	if (sd) {
		char *heap = map(4096, PROT_READ | PROT_WRITE);

		/* this process's own memory, but outside the share region */
		b->bad_src[b->nbad_src++] = (uintptr_t)heap;
		b->bad_dst[b->nbad_dst++] = (uintptr_t)heap;
		b->bad_src[b->nbad_src++] = (uintptr_t)q->ss + q->ss_size - 10;
		b->bad_dst[b->nbad_dst++] = (uintptr_t)q->ss - 4096;
	}
}

/* Build request i of category c; valid copies go to dst slot i. */
static void make(struct bufs *b, enum cat c, int i, struct wd_sqe *e)
{
	uint32_t len = 1 + rnd() % SLOT;

	memset(e, 0, sizeof(*e));
	*e = kq_memcpy_sqe(b->dst + i * SLOT, b->src + rnd() % (200 << 10), len, i);
	e->flags = rnd() & 0xff;
	e->op_arg = rnd();
	switch (c) {
	case C_OPCODE:
		e->opcode = WD_OP_MAX + rnd() % (65536 - WD_OP_MAX);
		break;
	case C_RESERVED:
		e->reserved = rnd() | 1;
		break;
	case C_CTX:
		e->ctx_id = 4096 + rnd() % 0xfffff000u;
		break;
	case C_PARAM:
		e->param_len = 4097 + rnd() % 0xffff0000u;
		e->param = rnd();
		break;
	case C_SRC:
		e->src = b->bad_src[rnd() % b->nbad_src];
		e->src_len = e->dst_len = 1 + rnd() % 100000;
		break;
	case C_DST:
		e->dst = b->bad_dst[rnd() % b->nbad_dst];
		e->src_len = e->dst_len = 1 + rnd() % 100000;
		break;
	case C_NOSPC:
		e->dst_len = e->src_len - 1;
		break;
	case C_FAMILY:
		e->opcode = WD_OP_COMPRESS + rnd() % 4;
		e->src = rnd();
		e->dst = rnd();
		e->param = rnd() % 2 ? rnd() : (uintptr_t)b->victim;
		e->param_len = rnd() % 4097;
		e->src_len = rnd();
		e->dst_len = rnd();
		e->ctx_id = rnd() % 4096;
		break;
	default:
		e->flags = 0;
		break;
	}
}

static int expect(enum cat c, int status)
{
	switch (c) {
	case C_SRC:
	case C_DST:
		return status == -EFAULT;
	case C_NOSPC:
		return status == -ENOSPC;
	case C_FAMILY:
		return status < 0 && status > -4096;
	case C_VALID:
		return status == 0;
	default:
		return status == -EINVAL;
	}
}

static void run(struct kq *q, const char *what)
{
	int total[C_NR] = { 0 }, good[C_NR] = { 0 };
	enum cat cats[BATCH];
	struct wd_sqe e[BATCH];
	struct bufs b;
	int done = 0, lost = 0, c;

	setup(&b, q);
	while (done < N_PER_QUEUE) {
		int i;

		for (i = 0; i < BATCH; i++) {
			cats[i] = rnd() % C_NR;
			make(&b, cats[i], i, &e[i]);
			if (kq_submit(q, &e[i]))
				tap_bail("submit");
		}
		for (i = 0; i < BATCH; i++) {
			struct wd_cqe cqe;
			int k;

			if (kq_wait(q, &cqe, 10000)) {
				lost++;
				continue;
			}
			k = (int)cqe.tag;
			if (k < 0 || k >= BATCH) {
				lost++;
				continue;
			}
			total[cats[k]]++;
			if (!expect(cats[k], cqe.status))
				continue;
			if (cats[k] == C_VALID &&
			    (cqe.produced != e[k].src_len ||
			     memcmp(b.dst + k * SLOT, (char *)(uintptr_t)e[k].src, e[k].src_len)))
				continue;
			good[cats[k]]++;
		}
		done += BATCH;
	}
	ok(!lost, "%s: every descriptor completed (%d lost)", what, lost);
	for (c = 0; c < C_NR; c++)
		ok(total[c] > 0 && good[c] == total[c], "%s: %s (%d/%d)",
		   what, cat_name[c], good[c], total[c]);
	for (c = 0; c < (64 << 10); c++)
		if (b.victim[c] != 0x5a)
			break;
	ok(c == (64 << 10), "%s: memory no request named is untouched", what);
}

/* Garbage in the control page must not change what the device does. */
static void scribble_ctrl(struct kq *q)
{
	struct wd_sqe e = { .tag = 5, .opcode = WD_OP_NOP };
	struct wd_cqe c;

	q->ctrl->sq_depth = 0;
	q->ctrl->cq_depth = 0xffffffff;
	q->ctrl->sq_offset = 0x7fffffff;
	q->ctrl->cq_offset = 0xdeadbeef;
	q->ctrl->region_size = 1;
	q->ctrl->magic = 0;
	ok(kq_roundtrip(q, &e, &c) == 0 && c.tag == 5,
	   "control page garbage is ignored by the device");
}

int main(void)
{
	char sva[64], sd[64];
	struct kq qa, qs;

	tap_plan(0);
	kq_dev_or_bail(UACCE_DEV_SVA, sva, sizeof(sva));
	kq_dev_or_bail(UACCE_DEV_SHARE_DOMAIN, sd, sizeof(sd));
	if (kq_open(&qa, sva, 256) || kq_open(&qs, sd, 256) || kq_map_ss(&qs, 1 << 20))
		tap_bail("cannot open the queues");
	run(&qa, "sva");
	run(&qs, "share");
	scribble_ctrl(&qa);
	kq_close(&qa);
	kq_close(&qs);
	return tap_exit();
}
