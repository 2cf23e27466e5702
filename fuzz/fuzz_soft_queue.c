// SPDX-License-Identifier: MIT
/*
 * fuzz_soft_queue - random descriptors through real soft-device queues: an
 * SVA queue and a share-domain queue, requests of every opcode with random
 * flags, session ids, lengths, and addresses inside and outside mapped
 * memory and the share region, with random parameter blocks for compress,
 * decompress, cipher and RSA. Every request must come back once with a
 * status of 0 or -errno, produced <= dst_len and consumed <= src_len, and
 * the device must not write a byte of the watched memory that no request
 * offered it (its dst or its parameter block): DESIGN.md invariant 2.
 *
 * Address spaces the fuzzer picks from (struct region): a read-write buffer
 * between guard pages, a read-only page, the share region, a hole with no
 * access, low addresses, and the kernel half. All are mmap'ed, never
 * malloc'ed, so that ASan's redzones are not among the bytes the SVA device
 * may legitimately read.
 *
 * Input: [requests][request: 12+ bytes ...][fill data ...]
 */
#include "config.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz_util.h"
#include "wd.h"
#include "wd_ring.h"
#include "wd_rsa.h"

#define RW_SIZE		(64u << 10)
#define SHARE_SIZE	(256u << 10)
#define PARAM_SIZE	(8u << 10)
#define PARAM_MAX	1100u	/* RSA blocks up to ~2048-bit CRT keys */
#define MAX_REQ		8
#define PAGE		4096u

enum { R_RW, R_RO, R_SHARE, R_PARAM, R_HOLE, R_LOW, R_HIGH, R_NR };

static struct wd_queue q_sva, q_share;
static uint8_t *rw, *ro, *share, *param_sva, *hole;
static uint8_t *snap_rw, *snap_share, *snap_param, *ok_rw, *ok_share, *ok_param;
static uint8_t *param_share;	/* the param area inside the share region */

static void *map(size_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void open_queue(struct wd_queue *q, unsigned int flags)
{
	int ret;

	memset(q, 0, sizeof(*q));
	q->capa.flags = flags;
	q->capa.depth = 16;
	q->capa.numa_node = -1;
	q->capa.dev_name = "soft";
	ret = wd_request_queue(q);
	if (ret) {
		fprintf(stderr, "fuzz_soft_queue: no queue: %s\n", wd_strerror(ret));
		exit(1);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t *guarded;

	(void)argc;
	(void)argv;
	fz_env();
	open_queue(&q_sva, 0);
	open_queue(&q_share, WD_CAPA_SHARE_DOMAIN);
	share = wd_preserve_share_memory(&q_share, SHARE_SIZE + PARAM_SIZE);
	if (!share) {
		perror("wd_preserve_share_memory");
		exit(1);
	}
	param_share = share + SHARE_SIZE;
	/* guard page on each side of the read-write buffer */
	guarded = map(RW_SIZE + 2 * PAGE, PROT_NONE);
	rw = guarded + PAGE;
	if (mprotect(rw, RW_SIZE, PROT_READ | PROT_WRITE))
		abort();
	ro = map(PAGE, PROT_READ);
	param_sva = map(PARAM_SIZE, PROT_READ | PROT_WRITE);
	/*
	 * PROT_NONE, not munmap'ed: a hole left unmapped is where the next
	 * mmap lands (the snapshots below, an engine's stack), and a request
	 * writing "into the hole" then corrupted the harness's own memory.
	 */
	hole = map(RW_SIZE, PROT_NONE);
	snap_rw = map(RW_SIZE, PROT_READ | PROT_WRITE);
	ok_rw = map(RW_SIZE, PROT_READ | PROT_WRITE);
	snap_share = map(SHARE_SIZE + PARAM_SIZE, PROT_READ | PROT_WRITE);
	ok_share = map(SHARE_SIZE + PARAM_SIZE, PROT_READ | PROT_WRITE);
	snap_param = map(PARAM_SIZE, PROT_READ | PROT_WRITE);
	ok_param = map(PARAM_SIZE, PROT_READ | PROT_WRITE);
	return 0;
}

/* An address of region sel at off. */
static uint64_t region_addr(unsigned int sel, uint32_t off)
{
	static const uint64_t low[] = { 0, 1, 8, 4095, 4096 };
	static const uint64_t high[] = { 0x0000800000000000ull, 0xffff800000000000ull,
					 ~0ull - 15, ~0ull, 0x00007ffffffff000ull };

	switch (sel % R_NR) {
	case R_RW:	return (uintptr_t)rw + off;
	case R_RO:	return (uintptr_t)ro + off % (2 * PAGE);
	case R_SHARE:	return (uintptr_t)share + off;
	case R_PARAM:	return (uintptr_t)param_sva + off % (2 * PARAM_SIZE);
	case R_HOLE:	return (uintptr_t)hole + off;
	case R_LOW:	return low[off % 5];
	default:	return high[off % 5];
	}
}

/* Mark [addr, addr + len) as writable by the device where it is watched. */
static void allow(uint64_t addr, uint64_t len)
{
	struct { uint8_t *base, *ok; size_t size; } w[] = {
		{ rw, ok_rw, RW_SIZE },
		{ share, ok_share, SHARE_SIZE + PARAM_SIZE },
		{ param_sva, ok_param, PARAM_SIZE },
	};
	size_t i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		uint64_t b = (uintptr_t)w[i].base, e = b + w[i].size;
		uint64_t lo = addr > b ? addr : b, hi = addr + len < addr ? e : addr + len;

		if (hi > e)
			hi = e;
		if (lo < hi)
			memset(w[i].ok + (lo - b), 1, hi - lo);
	}
}

/* A typed parameter block made of input bytes, in the queue's param area. */
static void typed_param(struct fz *f, struct wd_msg *m, int on_share)
{
	uint8_t *area = on_share ? param_share : param_sva;
	size_t len;
	const uint8_t *p = fz_bytes(f, fz_below(f, PARAM_MAX + 1), &len);
	size_t off = fz_below(f, 64);

	/* known/README: the device writes out fields without caring for alignment */
	if (fz_ignore_known())
		off &= ~(size_t)7;

	memcpy(area + off, p, len);
	/* key generation is slow in proportion to bits^4: keep it small */
	if (m->opcode == WD_OP_RSA && len >= 8 && area[off] == WD_RSA_KEYGEN) {
		uint32_t bits;

		memcpy(&bits, area + off + 4, 4);
		if (bits > 1024 && bits <= WD_RSA_MAX_BITS) {
			bits = 1024;
			memcpy(area + off + 4, &bits, 4);
		}
	}
	m->param = area + off;
	m->param_len = fz_u8(f) < 200 ? len : fz_u16(f);
}

static void parse_request(struct fz *f, struct wd_msg *m, struct wd_queue **q)
{
	static const uint32_t ctx_ids[] = { 4095, 4096, 65536, 0xffffffffu };
	uint8_t c, pm;

	memset(m, 0, sizeof(*m));
	m->opcode = fz_u8(f) % (WD_OP_MAX + 1);
	m->flags = fz_u8(f);
	*q = fz_u8(f) & 1 ? &q_share : &q_sva;
	c = fz_u8(f);
	m->ctx_id = c < 8 ? c : c < 250 ? c % 4 : ctx_ids[c % 4];
	c = fz_u8(f);
	m->src = (const void *)(uintptr_t)region_addr(c, fz_u16(f));
	m->src_len = c & 0x80 ? fz_u32(f) : fz_u16(f);
	c = fz_u8(f);
	m->dst = (void *)(uintptr_t)region_addr(c, fz_u16(f));
	m->dst_len = c & 0x80 ? fz_u32(f) : fz_u16(f);
	pm = fz_u8(f);
	if (pm % 4 == 1 || pm % 4 == 2) {
		typed_param(f, m, *q == &q_share);
	} else if (pm % 4 == 3) {
		m->param = (const void *)(uintptr_t)region_addr(pm >> 2, fz_u16(f));
		m->param_len = fz_u16(f);
	}
	m->op_arg = m->opcode == WD_OP_NOP ? fz_u8(f) : fz_u32(f);
}

static void check_done(const struct wd_msg *m, const struct wd_msg *reqs, int n)
{
	if (m < reqs || m >= reqs + n)
		fz_fail("a completion returned a message that was not sent");
	if (m->status > 0 || m->status < -4095)
		fz_fail("opcode %u: status %d is not 0 or -errno", m->opcode, m->status);
	if (m->produced > m->dst_len || m->consumed > m->src_len)
		fz_fail("opcode %u: produced %u of %zu, consumed %u of %zu", m->opcode,
			m->produced, m->dst_len, m->consumed, m->src_len);
}

/* Receive everything in flight on q, checking each completion. */
static int drain(struct wd_queue *q, const struct wd_msg *reqs, int n)
{
	void *got;
	int ret, count = 0;

	while ((ret = wd_recv_timeout(q, &got, 30000)) == 1) {
		check_done(got, reqs, n);
		count++;
	}
	if (ret != -ENOENT)
		fz_fail("wd_recv_timeout: %d with %u in flight", ret, wd_queue_inflight(q));
	return count;
}

static void free_sessions(struct wd_queue *q)
{
	struct wd_msg m;
	uint32_t id;

	for (id = 1; id < 8; id++) {
		memset(&m, 0, sizeof(m));
		m.opcode = WD_OP_CTX_FREE;
		m.ctx_id = id;
		if (wd_send(q, &m) == 0)
			drain(q, &m, 1);
	}
}

static void fill(struct fz *f)
{
	size_t len, i;
	const uint8_t *p = fz_bytes(f, RW_SIZE, &len);

	memset(ok_rw, 0, RW_SIZE);
	memset(ok_share, 0, SHARE_SIZE + PARAM_SIZE);
	memset(ok_param, 0, PARAM_SIZE);
	for (i = 0; len && i < RW_SIZE; i += len) {
		memcpy(rw + i, p, RW_SIZE - i < len ? RW_SIZE - i : len);
		memcpy(share + i, p, RW_SIZE - i < len ? RW_SIZE - i : len);
	}
	memcpy(snap_rw, rw, RW_SIZE);
	memcpy(snap_share, share, SHARE_SIZE + PARAM_SIZE);
	memcpy(snap_param, param_sva, PARAM_SIZE);
}

/* Where addr lies, for the failure report: "rw+0x1234", "share+0x10", ... */
static const char *where(const void *p, char *buf, size_t size)
{
	struct { const char *name; const uint8_t *base; size_t size; } r[] = {
		{ "rw", rw, RW_SIZE }, { "ro", ro, PAGE },
		{ "share", share, SHARE_SIZE + PARAM_SIZE },
		{ "param", param_sva, PARAM_SIZE }, { "hole", hole, RW_SIZE },
	};
	uintptr_t a = (uintptr_t)p;
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (a >= (uintptr_t)r[i].base && a - (uintptr_t)r[i].base < r[i].size) {
			snprintf(buf, size, "%s+%#zx", r[i].name, (size_t)(a - (uintptr_t)r[i].base));
			return buf;
		}
	snprintf(buf, size, "%#zx", (size_t)a);
	return buf;
}

/* The requests of the failing input, so a finding can be read without a debugger. */
static void report(const struct wd_msg *reqs, struct wd_queue *const *qs, int n)
{
	char s[48], d[48], p[48];
	int i;

	for (i = 0; i < n; i++)
		fprintf(stderr, "  req %d: %s op %u flags %#x ctx %u src %s/%zu dst %s/%zu "
			"param %s/%zu arg %#x -> status %d consumed %u produced %u\n", i,
			qs[i] == &q_share ? "share" : "sva", reqs[i].opcode, reqs[i].flags,
			reqs[i].ctx_id, where(reqs[i].src, s, sizeof(s)), reqs[i].src_len,
			where(reqs[i].dst, d, sizeof(d)), reqs[i].dst_len,
			where(reqs[i].param, p, sizeof(p)), reqs[i].param_len, reqs[i].op_arg,
			reqs[i].status, reqs[i].consumed, reqs[i].produced);
}

static void check_untouched(const char *what, const uint8_t *now, const uint8_t *was,
			    const uint8_t *ok, size_t size, const struct wd_msg *reqs,
			    struct wd_queue *const *qs, int n)
{
	size_t i;

	for (i = 0; i < size; i++)
		if (now[i] != was[i] && !ok[i]) {
			report(reqs, qs, n);
			fz_fail("%s byte %zu written though no request offered it", what, i);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wd_msg reqs[MAX_REQ];
	struct wd_queue *qs[MAX_REQ];
	struct fz f = { data, size };
	int n = 1 + (int)fz_below(&f, MAX_REQ), i, sent = 0, done = 0;

	/* parse first: the parameter blocks land in the param areas */
	for (i = 0; i < n; i++)
		parse_request(&f, &reqs[i], &qs[i]);
	fill(&f);
	for (i = 0; i < n; i++) {
		int ret = wd_send(qs[i], &reqs[i]);

		if (ret == -EBUSY) {
			done += drain(&q_sva, reqs, n) + drain(&q_share, reqs, n);
			ret = wd_send(qs[i], &reqs[i]);
		}
		if (ret == -EINVAL && reqs[i].opcode < WD_OP_MAX && reqs[i].src_len <= UINT32_MAX &&
		    reqs[i].dst_len <= UINT32_MAX)
			fz_fail("wd_send refused a well-formed message");
		if (ret && ret != -EINVAL)
			fz_fail("wd_send: %d", ret);
		if (ret)
			continue;
		sent++;
		allow((uintptr_t)reqs[i].dst, reqs[i].dst_len);
		allow((uintptr_t)reqs[i].param, reqs[i].param_len);
	}
	done += drain(&q_sva, reqs, n) + drain(&q_share, reqs, n);
	if (done != sent)
		fz_fail("%d requests sent, %d completed", sent, done);
	check_untouched("read-write buffer", rw, snap_rw, ok_rw, RW_SIZE, reqs, qs, n);
	check_untouched("share region", share, snap_share, ok_share, SHARE_SIZE + PARAM_SIZE,
			reqs, qs, n);
	check_untouched("param area", param_sva, snap_param, ok_param, PARAM_SIZE, reqs, qs, n);
	free_sessions(&q_sva);
	free_sessions(&q_share);
	return 0;
}
