// SPDX-License-Identifier: MIT
/*
 * comp_par.c - one deflate stream compressed on several queues at once.
 *
 * The input is cut in chunks; each chunk becomes a stateless raw request
 * whose source is the 32 KiB of input before the chunk (priming history,
 * so matches reach back as in one stream) followed by the chunk. Every
 * chunk but the last ends with a sync flush, i.e. on a byte boundary with a
 * non-final block, so the pieces join by plain concatenation; the last one
 * ends with the final block. The wrapper's checksum is computed here, as
 * the input is copied into the chunks: the engines, which are the
 * bottleneck, do only deflate, and the running value is exact at every
 * call (zlib's strm->adler promise). The header and trailer are written
 * here.
 *
 * Each chunk goes to the lane (a queue, served by its own engine) with the
 * fewest chunks in flight, up to three per lane, and their output is
 * handed to the caller strictly in order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "wd_internal.h"
#include "comp_priv.h"
#include "codec/codec.h"
#include "codec/codec_zlib.h"

#define PAR_PER_LANE	3
#define PAR_FIRST_ALLOC	(16u << 10)	/* first input room of a job */

enum job_state { JOB_FREE, JOB_FILLING, JOB_SENT, JOB_DONE };

struct par_job {
	enum job_state state;
	struct comp_lane *lane;
	struct comp_slot *slot;		/* while sent */
	uint8_t *in, *out;		/* device-visible */
	uint32_t in_cap, out_cap;
	uint32_t dict, len;		/* history bytes, chunk bytes */
	uint32_t out_len, out_pos;
	int status;
	int flush;			/* SYNC, or FINISH for the last chunk */
	int boundary;			/* cut by the chunk size, not a flush */
	int fitted;			/* par_job_fit() has seen it */
	int own_bufs;			/* in/out malloc'd here */
};

struct comp_par {
	struct par_job *job;
	unsigned int nr_jobs;
	unsigned long head, tail;	/* oldest undrained job, job being filled */
	uint8_t wrap[16];		/* header or trailer bytes pending */
	uint32_t wrap_len, wrap_pos;
	int header_done, finishing, trailer_done, ended;
	int flush_sent;			/* a flush job went out, not drained yet */
	int soft;			/* the device failed: chunks done here */
	int offloaded;			/* counted as an offloaded stream */
	int no_dict;			/* after a full flush: no history */
	uint32_t check;
	uint64_t total_in;
	int err;
};

static struct par_job *par_at(struct comp_par *p, unsigned long i)
{
	return &p->job[i % p->nr_jobs];
}

int comp_par_init(struct wd_comp_sess *s)
{
	struct comp_par *p = calloc(1, sizeof(*p));
	unsigned int i;

	if (!p)
		return -ENOMEM;
	s->par = p;
	p->nr_jobs = s->nr_lanes * PAR_PER_LANE;
	p->job = calloc(p->nr_jobs, sizeof(*p->job));
	if (!p->job)
		return -ENOMEM;
	for (i = 0; i < p->nr_jobs; i++) {
		struct par_job *j = &p->job[i];

		j->lane = &s->lane[i % s->nr_lanes];
		if (j->lane->pq && j->lane->pq->share) {
			/* the slot's bounce buffers are the only memory allowed */
			struct comp_slot *sl = &j->lane->pq->slot[i / s->nr_lanes];

			j->in = sl->bin;
			j->out = sl->bout;
			j->in_cap = COMP_BOUNCE;
			j->out_cap = COMP_BOUNCE + COMP_BOUNCE / 4;
		} else {
			j->own_bufs = 1;	/* grown as data comes */
		}
	}
	comp_par_reset(s);
	return 0;
}

void comp_par_free(struct wd_comp_sess *s)
{
	struct comp_par *p = s->par;
	unsigned int i;
	int err;

	if (!p)
		return;
	for (i = 0; i < s->nr_lanes; i++)
		while (s->lane[i].inflight && comp_lane_wait(&s->lane[i], 1, &err))
			;
	for (i = 0; p->job && i < p->nr_jobs; i++) {
		if (p->job[i].own_bufs) {
			free(p->job[i].in);
			free(p->job[i].out);
		}
	}
	free(p->job);
	free(p);
	s->par = NULL;
}

/* The wrapper header of the setup (RFC 1950 / RFC 1952). */
static void par_header(struct wd_comp_sess *s, struct comp_par *p)
{
	int level = s->setup.level < 0 ? 6 : s->setup.level;
	int wb = s->setup.window_bits ? s->setup.window_bits : 15;

	p->wrap_pos = 0;
	p->wrap_len = 0;
	if (s->setup.format == WD_COMP_ZLIB) {
		unsigned int cmf = 0x08 | (unsigned int)(wb - 8) << 4;
		unsigned int lvl = level < 2 || s->setup.strategy >= 2 ? 0 :
				   level < 6 ? 1 : level == 6 ? 2 : 3;
		unsigned int flg = lvl << 6;

		flg += 31 - (cmf * 256 + flg) % 31;
		p->wrap[0] = (uint8_t)cmf;
		p->wrap[1] = (uint8_t)flg;
		p->wrap_len = 2;
	} else if (s->setup.format == WD_COMP_GZIP) {
		static const uint8_t gz[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };

		memcpy(p->wrap, gz, sizeof(gz));
		/* XFL as zlib writes it */
		p->wrap[8] = level == 9 ? 2 :
			     level < 2 || s->setup.strategy >= 2 ? 4 : 0;
		p->wrap_len = 10;
	}
}

static void par_put32(uint8_t *b, uint32_t v, int big)
{
	int i;

	for (i = 0; i < 4; i++)
		b[big ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

static void par_trailer(struct wd_comp_sess *s, struct comp_par *p)
{
	p->wrap_pos = 0;
	p->wrap_len = 0;
	if (s->setup.format == WD_COMP_ZLIB) {
		par_put32(p->wrap, p->check, 1);
		p->wrap_len = 4;
	} else if (s->setup.format == WD_COMP_GZIP) {
		par_put32(p->wrap, p->check, 0);
		par_put32(p->wrap + 4, (uint32_t)p->total_in, 0);
		p->wrap_len = 8;
	}
}

static uint32_t par_check_init(const struct wd_comp_sess *s)
{
	return s->setup.format == WD_COMP_ZLIB ? 1 : 0;
}

void comp_par_reset(struct wd_comp_sess *s)
{
	struct comp_par *p = s->par;
	unsigned int i;
	int err;

	for (i = 0; i < s->nr_lanes; i++)
		while (s->lane[i].inflight && comp_lane_wait(&s->lane[i], 1, &err))
			;
	for (i = 0; i < s->nr_lanes; i++) {
		unsigned int k;

		for (k = 0; s->lane[i].pq && k < COMP_SLOTS; k++)
			s->lane[i].pq->slot[k].busy = 0;
	}
	for (i = 0; i < p->nr_jobs; i++) {
		p->job[i].state = JOB_FREE;
		p->job[i].slot = NULL;
	}
	p->head = p->tail = 0;
	p->header_done = p->finishing = p->trailer_done = p->ended = 0;
	p->flush_sent = p->no_dict = 0;
	p->total_in = 0;
	p->check = par_check_init(s);
	p->err = 0;
	p->soft = 0;
	p->offloaded = 0;
	p->wrap_len = p->wrap_pos = 0;	/* the header: at the first step */
}

/*
 * Job buffers of the library's own (SVA) grow with the data: a small
 * stream, and a program may hold many, costs little.
 */
static int par_grow_in(struct wd_comp_sess *s, struct par_job *j, uint32_t need)
{
	uint32_t max = WD_COMP_WINDOW + s->setup.chunk_size, cap = j->in_cap;
	uint8_t *n;

	if (need <= cap)
		return 0;
	if (!j->own_bufs)
		return -ENOSPC;		/* cannot happen: bounce >= window + chunk */
	while (cap < need)
		cap = cap ? 2 * cap : need;
	cap = cap > max ? max : cap;
	n = realloc(j->in, cap);
	if (!n)
		return -ENOMEM;
	j->in = n;
	j->in_cap = cap;
	return 0;
}

static int par_grow_out(struct par_job *j)
{
	uint32_t need = (uint32_t)wd_comp_bound(NULL, j->len);
	uint8_t *n;

	if (need <= j->out_cap || !j->own_bufs)
		return 0;
	n = realloc(j->out, need);
	if (!n)
		return -ENOMEM;
	j->out = n;
	j->out_cap = need;
	return 0;
}

/* Begin filling job j: prime it with the history before it. */
static int par_job_start(struct wd_comp_sess *s, struct comp_par *p,
			 struct par_job *j)
{
	struct par_job *prev = p->tail ? par_at(p, p->tail - 1) : NULL;
	uint32_t have = prev ? prev->dict + prev->len : 0;

	j->dict = 0;
	j->len = 0;
	j->boundary = j->fitted = 0;
	if (prev && !p->no_dict)
		j->dict = have < WD_COMP_WINDOW ? have : WD_COMP_WINDOW;
	if (!prev && s->dict_len)	/* wd_comp_sess_set_dict() */
		j->dict = s->dict_len;
	/* a short stream's only job has no history: no room for one */
	if (par_grow_in(s, j, j->dict + PAR_FIRST_ALLOC))
		return -ENOMEM;
	if (prev && !p->no_dict)	/* prev's buffer is intact until reused */
		memcpy(j->in, prev->in + have - j->dict, j->dict);
	if (!prev && s->dict_len)
		memcpy(j->in, s->dict, j->dict);
	p->no_dict = 0;
	j->state = JOB_FILLING;
	return 0;
}

/*
 * The zlib coder of the pieces compressed here, one per thread, kept from
 * one piece to the next and reset (as the engine threads keep theirs): a
 * program that compresses thousands of short streams would otherwise
 * allocate and free zlib's state (some 270 KB at memLevel 8) for each,
 * and the heap grows and trims around it every time (perf: page faults,
 * brk and memset; re-measure with a loop of zlib.compress() of 100 bytes
 * under the shim). A reset coder codes as a new one does: its stale window
 * bytes past the input are never part of a match zlib chooses.
 */
struct par_coder {
	z_stream zs;
	int level, wb, mem, strategy;
};

static pthread_key_t par_coder_key;
static pthread_once_t par_coder_once = PTHREAD_ONCE_INIT;

static void par_coder_free(void *arg)
{
	struct par_coder *c = arg;

	if (c) {
		comp_zlib()->deflateEnd(&c->zs);
		free(c);
	}
}

static void par_coder_key_make(void)
{
	pthread_key_create(&par_coder_key, par_coder_free);
}

/* This thread's coder for the setting, ready for a new raw stream. */
static z_stream *par_coder(const struct comp_zlib *z, int level, int wb, int mem,
			   int strategy)
{
	struct par_coder *c;

	pthread_once(&par_coder_once, par_coder_key_make);
	c = pthread_getspecific(par_coder_key);
	if (c && c->level == level && c->wb == wb && c->mem == mem &&
	    c->strategy == strategy && z->deflateReset(&c->zs) == Z_OK)
		return &c->zs;
	if (c)
		z->deflateEnd(&c->zs);
	else
		c = malloc(sizeof(*c));
	pthread_setspecific(par_coder_key, NULL);
	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	if (z->deflateInit2_(&c->zs, level, Z_DEFLATED, -wb, mem, strategy,
			     ZLIB_VERSION, (int)sizeof(c->zs)) != Z_OK) {
		free(c);
		return NULL;
	}
	c->level = level;
	c->wb = wb;
	c->mem = mem;
	c->strategy = strategy;
	pthread_setspecific(par_coder_key, c);
	return &c->zs;
}

/*
 * A chunk the device was meant to code, coded here by the soft device's
 * own coder (codec_deflate_stateless(): ISA-L, libdeflate or zlib, as an
 * engine thread would choose), so that the bytes are the same whether the
 * device coded the chunk or failed it, refused it (a queue still full),
 * vanished, was never there, or belongs to the parent of a fork() child.
 */
static void par_job_engine(struct wd_comp_sess *s, struct par_job *j)
{
	struct wd_comp_param prm;
	uint32_t produced;

	comp_param_fill(s, &prm, j->flush);
	prm.format = WD_COMP_RAW;
	prm.dict_len = j->dict;
	prm.check = WD_COMP_CHECK_NONE;
	j->status = codec_deflate_stateless(&prm, j->in, j->dict + j->len, j->out,
					    j->out_cap, &produced);
	j->out_len = produced;
	j->out_pos = 0;
}

/*
 * A chunk compressed here: a piece too small to be worth a round trip,
 * with zlib; or what the device does not code (a failed device, a queue
 * inherited across fork(), whose engine is in the parent ...), with the
 * device's coder (par_job_engine()). The chunk's input is still in j->in,
 * so nothing is lost. Counted as a fallback.
 */
static void par_job_soft(struct wd_comp_sess *s, struct par_job *j)
{
	const struct comp_zlib *z = comp_zlib();
	int level = s->setup.level < 0 ? 6 : s->setup.level;
	int wb = s->setup.window_bits ? s->setup.window_bits : 15;
	z_stream *zs;
	int ret;

	j->state = JOB_DONE;
	j->slot = NULL;
	j->status = -ENOMEM;
	if (par_grow_out(j) || !z)
		return;
	wd_alg_stats_add("deflate", WD_ALG_FALLBACK, 1);
	if (j->len >= comp_inline_max()) {
		par_job_engine(s, j);
		return;
	}
	zs = par_coder(z, level, wb < 9 ? 9 : wb, s->setup.mem_level ? s->setup.mem_level : 8,
		       s->setup.strategy);
	if (!zs)
		return;
	if (j->dict)
		z->deflateSetDictionary(zs, j->in, j->dict);
	zs->next_in = j->in + j->dict;
	zs->avail_in = j->len;
	zs->next_out = j->out;
	zs->avail_out = j->out_cap;
	ret = z->deflate(zs, j->flush);
	j->out_len = j->out_cap - zs->avail_out;
	j->out_pos = 0;
	j->status = zs->avail_in || (j->flush == WD_COMP_FINISH && ret != Z_STREAM_END) ?
		    -ENOSPC : 0;
}

/*
 * Take back every chunk still on the device. Until the device answers a
 * chunk it may write the chunk's output buffer, and its answer names the
 * chunk: redoing the chunk here before that would let a late answer
 * overwrite the redone output and its length (or those of the next chunk
 * to use the job). A chunk the device did finish stands; the others stay
 * JOB_SENT, for par_go_soft(). A lane whose device answers no more (it is
 * gone) writes no more either.
 */
static void par_take_back(struct wd_comp_sess *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_lanes; i++) {
		struct comp_lane *l = &s->lane[i];

		while (l->inflight) {
			int err = 0;
			struct comp_slot *sl = comp_lane_wait(l, 1, &err);
			struct par_job *j;

			if (!sl)
				break;
			j = sl->owner;
			if (!sl->msg.status && sl->msg.produced <= j->out_cap &&
			    sl->msg.consumed == j->dict + j->len) {
				j->status = 0;
				j->out_len = sl->msg.produced;
				j->out_pos = 0;
				j->state = JOB_DONE;
			}
			comp_slot_put(l, sl);
			j->slot = NULL;
		}
	}
}

/* The device failed: every chunk not yet back is redone here. */
static void par_go_soft(struct wd_comp_sess *s, struct comp_par *p)
{
	unsigned long i;

	if (!p->soft)
		wd_alg_stats_add("deflate", WD_ALG_ERRORS, 1);
	p->soft = 1;
	par_take_back(s);
	for (i = p->head; i < p->tail; i++) {
		struct par_job *j = par_at(p, i);

		if (j->state == JOB_SENT)
			par_job_soft(s, j);
	}
}

static int par_reap(struct wd_comp_sess *s, struct comp_par *p,
		    struct comp_lane *l, int wait);

/*
 * The lane a chunk goes to: the one with the fewest chunks not yet done
 * (answers already posted are taken first, without waiting). The engines
 * do not run at the same speed (they share the cores with the caller and
 * with everybody else's work, and get preempted), and a fixed round robin
 * would leave the faster one idle while the slower one holds the oldest
 * chunk. Jobs of a share-domain session keep their lane: their buffers
 * are in its region.
 */
static struct comp_lane *par_pick_lane(struct wd_comp_sess *s, struct par_job *j)
{
	struct comp_lane *best = j->lane;
	unsigned int i;

	if (!j->own_bufs)
		return best;
	for (i = 0; i < s->nr_lanes; i++)
		while (s->lane[i].inflight && !s->par->soft &&
		       !par_reap(s, s->par, &s->lane[i], 0))
			;
	best = &s->lane[0];
	for (i = 1; i < s->nr_lanes; i++)
		if (s->lane[i].inflight < best->inflight)
			best = &s->lane[i];
	return best;
}

static int par_job_send(struct wd_comp_sess *s, struct par_job *j, int flush)
{
	struct comp_lane *l;
	struct comp_slot *sl;
	struct wd_msg *m;
	int ret;

	j->flush = flush;
	/*
	 * Small pieces (a short stream, a message between two sync flushes)
	 * cost less here than a round trip to an engine.
	 */
	if (s->par->soft || j->len < comp_inline_max()) {
		par_job_soft(s, j);
		return 0;
	}
	/*
	 * The job is already counted in tail: it must end DONE, or the
	 * stream would wait for it forever. Without memory for its output
	 * par_job_soft() fails it with -ENOMEM, which par_drain() reports.
	 */
	if (par_grow_out(j)) {
		par_job_soft(s, j);
		return 0;
	}
	l = j->lane = par_pick_lane(s, j);
	if (s->par->soft) {	/* a chunk just taken failed */
		par_job_soft(s, j);
		return 0;
	}
	if (!l->pq && comp_lane_open(s, l)) {
		par_go_soft(s, s->par);	/* no queue: the stream is done here */
		par_job_soft(s, j);
		return 0;
	}
	if (!s->par->offloaded) {
		wd_alg_stats_add("deflate", WD_ALG_OFFLOADED, 1);
		s->par->offloaded = 1;
	}
	sl = comp_slot_get(l);
	if (!sl) {		/* cannot happen: more slots than jobs per lane */
		par_job_soft(s, j);
		return 0;
	}
	comp_param_fill(s, sl->param, flush);
	sl->param->format = WD_COMP_RAW;
	sl->param->dict_len = j->dict;
	sl->param->check = WD_COMP_CHECK_NONE;	/* par_take() does it */
	sl->owner = j;
	m = &sl->msg;
	m->opcode = WD_OP_COMPRESS;
	m->src = j->in;
	m->src_len = j->dict + j->len;
	m->dst = j->out;
	m->dst_len = j->out_cap;
	ret = comp_slot_send(l, sl);
	if (ret == -EBUSY) {
		/* a queue still full after comp_slot_send()'s retries: this
		 * chunk in software, the next ones try the device again */
		comp_slot_put(l, sl);
		par_job_soft(s, j);
		return 0;
	}
	if (ret) {
		comp_slot_put(l, sl);
		par_go_soft(s, s->par);
		par_job_soft(s, j);
		return 0;
	}
	j->slot = sl;
	j->state = JOB_SENT;
	wd_alg_stats_add("deflate", WD_ALG_BYTES_IN, j->len);
	return 0;
}

/*
 * Take one completion of lane l (waiting for it when wait is set) and
 * record it in its job. 0, or -errno when none came; a failed chunk sends
 * the stream to software (par_go_soft()).
 */
static int par_reap(struct wd_comp_sess *s, struct comp_par *p,
		    struct comp_lane *l, int wait)
{
	int err = 0;
	struct comp_slot *sl = comp_lane_wait(l, wait, &err);
	struct par_job *j;

	if (!sl)
		return err ? err : -EAGAIN;
	j = sl->owner;
	j->status = sl->msg.status;
	j->out_len = sl->msg.produced;
	j->out_pos = 0;
	if (!j->status && (j->out_len > j->out_cap ||
			   sl->msg.consumed != j->dict + j->len))
		j->status = -EIO;
	comp_slot_put(j->lane, sl);
	j->slot = NULL;
	j->state = JOB_DONE;
	if (j->status) {
		/* a device error: this chunk, and the rest, done here */
		j->state = JOB_SENT;
		par_go_soft(s, p);
	}
	return 0;
}

/* Wait until the oldest job completes (later ones may complete first). */
static int par_wait_head(struct wd_comp_sess *s, struct comp_par *p)
{
	struct par_job *h = par_at(p, p->head);

	while (h->state == JOB_SENT) {
		if (par_reap(s, p, h->lane, 1)) {
			par_go_soft(s, p);
			return 0;
		}
	}
	return 0;
}

static size_t par_copy(uint8_t *dst, size_t room, const uint8_t *src,
		       uint32_t *pos, uint32_t len)
{
	size_t n = len - *pos < room ? len - *pos : room;

	memcpy(dst, src + *pos, n);
	*pos += (uint32_t)n;
	return n;
}

#define PAR_STORED_MAX	65535u	/* a stored block's most bytes */

/*
 * A chunk whose coded output is longer than the chunk in stored blocks of
 * up to 64 KiB is stored instead, as zlib stores a block that does not
 * shrink. Coders that store in smaller blocks (zlib: one per 16 K
 * symbols at memLevel 8), plus the sync point each chunk ends with, would
 * otherwise pass compressBound() on data that does not compress (5 bytes
 * a chunk), and compress() would be redone in zlib: zlib's bytes, not
 * the stream's. Stored blocks end on a byte: a chunk cut by the chunk
 * size needs no sync marker after them; one that ends at the caller's
 * flush keeps it (00 00 ff ff, as zlib's sync flush ends); the last
 * chunk's last block is final. The choice depends on the chunk's bytes
 * only, so it is the same however the stream came.
 */
static void par_job_fit(struct par_job *j)
{
	const uint8_t *src = j->in + j->dict;
	uint32_t n = j->len, nb = n ? (n + PAR_STORED_MAX - 1) / PAR_STORED_MAX : 1;
	int marker = !j->boundary && j->flush != WD_COMP_FINISH;
	uint64_t size = (uint64_t)n + 5u * nb + (marker ? 5 : 0);
	uint8_t *o = j->out;
	uint32_t i;

	j->fitted = 1;
	if (j->status || j->out_len <= size || size > j->out_cap)
		return;
	for (i = 0; i < nb; i++) {
		uint32_t k = n - i * PAR_STORED_MAX;

		k = k < PAR_STORED_MAX ? k : PAR_STORED_MAX;
		o[0] = i + 1 == nb && j->flush == WD_COMP_FINISH;	/* BFINAL, stored */
		o[1] = (uint8_t)k;
		o[2] = (uint8_t)(k >> 8);
		o[3] = (uint8_t)~k;
		o[4] = (uint8_t)(~k >> 8);
		memcpy(o + 5, src + (size_t)i * PAR_STORED_MAX, k);
		o += 5 + k;
	}
	if (marker) {
		static const uint8_t sync[5] = { 0, 0, 0, 0xff, 0xff };

		memcpy(o, sync, sizeof(sync));
		o += sizeof(sync);
	}
	j->out_len = (uint32_t)(o - j->out);
}

/* Hand finished output to the caller, in order. */
static void par_drain(struct wd_comp_sess *s, struct comp_par *p,
		      struct wd_comp_req *req)
{
	uint8_t *dst = req->dst;

	for (;;) {
		size_t room = req->dst_len - req->produced;

		if (p->wrap_pos < p->wrap_len) {
			req->produced += par_copy(dst + req->produced, room, p->wrap,
						  &p->wrap_pos, p->wrap_len);
			if (p->wrap_pos < p->wrap_len)
				return;
			if (p->finishing && p->head == p->tail)
				p->ended = 1;
			continue;
		}
		if (p->head == p->tail || par_at(p, p->head)->state != JOB_DONE)
			return;
		{
			struct par_job *j = par_at(p, p->head);

			if (j->status) {
				p->err = j->status;
				return;
			}
			if (!j->fitted)
				par_job_fit(j);
			req->produced += par_copy(dst + req->produced, room, j->out,
						  &j->out_pos, j->out_len);
			if (j->out_pos < j->out_len)
				return;
			wd_alg_stats_add("deflate", WD_ALG_BYTES_OUT, j->out_len);
			j->state = JOB_FREE;
			p->head++;
			if (p->finishing && p->head == p->tail) {
				par_trailer(s, p);
				if (!p->wrap_len)
					p->ended = 1;
			} else if (p->head == p->tail) {
				/*
				 * The flush's output is all out, whatever call took
				 * the last of it (zlib: a flush whose output did not
				 * fit ends in a later call, of any flush value): the
				 * next flush is a new one. Left set, it made the next
				 * Z_FINISH return with nothing done, and zlib's gz_comp
				 * (and Python's flush) stop on a call that gives nothing.
				 */
				p->flush_sent = 0;
			}
		}
	}
}

/* Take input into the job being filled; send it when full. */
static int par_take(struct wd_comp_sess *s, struct comp_par *p,
		    struct wd_comp_req *req)
{
	struct par_job *j = par_at(p, p->tail);
	uint32_t chunk = s->setup.chunk_size;
	size_t n;

	if (j->state == JOB_FREE && par_job_start(s, p, j))
		return -ENOMEM;
	if (j->state != JOB_FILLING)	/* every job is busy: wait */
		return par_wait_head(s, p);
	n = req->src_len - req->consumed;
	if (n > chunk - j->len)
		n = chunk - j->len;
	if (par_grow_in(s, j, j->dict + j->len + (uint32_t)n))
		return -ENOMEM;
	memcpy(j->in + j->dict + j->len, (const uint8_t *)req->src + req->consumed, n);
	if (s->setup.format == WD_COMP_GZIP)
		p->check = comp_crc32(p->check, j->in + j->dict + j->len, n);
	else if (s->setup.format == WD_COMP_ZLIB)
		p->check = comp_adler32(p->check, j->in + j->dict + j->len, n);
	j->len += (uint32_t)n;
	req->consumed += n;
	p->total_in += n;
	if (j->len < chunk)
		return 0;
	p->tail++;
	j->boundary = 1;
	return par_job_send(s, j, WD_COMP_SYNC_FLUSH);
}

/* All input is in: send the job that carries the flush, if one is due. */
static int par_flush(struct wd_comp_sess *s, struct comp_par *p, int flush)
{
	struct par_job *j = par_at(p, p->tail);

	/* the final block, even if empty */
	if (j->state == JOB_FREE && flush == WD_COMP_FINISH && par_job_start(s, p, j))
		return -ENOMEM;
	if (j->state == JOB_SENT || j->state == JOB_DONE)
		return par_wait_head(s, p);
	p->flush_sent = 1;
	if (flush == WD_COMP_FINISH)
		p->finishing = 1;
	if (j->state != JOB_FILLING) {	/* nothing since the last flush */
		if (flush == WD_COMP_FULL_FLUSH)
			p->no_dict = 1;
		return 0;
	}
	p->tail++;
	if (flush == WD_COMP_FULL_FLUSH)
		p->no_dict = 1;
	return par_job_send(s, j, flush == WD_COMP_FINISH ? WD_COMP_FINISH :
				  WD_COMP_SYNC_FLUSH);
}

/*
 * wd_comp_sess_cut(): the job being filled goes now, as a full one would.
 * Where it ends is the caller's choice, so the chunks, and the bytes, are
 * the same however the input came in and however fast the engines were.
 */
int comp_par_cut(struct wd_comp_sess *s)
{
	struct comp_par *p = s->par;
	struct par_job *j = par_at(p, p->tail);

	if (p->finishing)
		return -EINVAL;
	if (p->err)
		return p->err;
	if (j->state != JOB_FILLING || !j->len)
		return 0;	/* nothing since the last chunk ended */
	p->tail++;
	j->boundary = 1;
	return par_job_send(s, j, WD_COMP_SYNC_FLUSH);
}

int comp_par_begun(const struct wd_comp_sess *s)
{
	return s->par->tail != 0 || par_at(s->par, 0)->state != JOB_FREE;
}

int comp_par_stream(struct wd_comp_sess *s, struct wd_comp_req *req)
{
	struct comp_par *p = s->par;
	int ret = 0;

	req->consumed = req->produced = 0;
	req->end = req->more = 0;
	if (!p->header_done) {
		/* as zlib: with the level of the first call (deflateParams) */
		par_header(s, p);
		p->header_done = 1;
	}
	if (p->finishing && req->src_len)
		return req->status = -EINVAL;	/* no input after FINISH */
	for (;;) {
		par_drain(s, p, req);
		if (p->err)
			return req->status = p->err;
		if (p->ended || req->produced == req->dst_len)
			break;
		if (req->consumed < req->src_len) {
			ret = par_take(s, p, req);
		} else if (req->flush == WD_COMP_NO_FLUSH) {
			break;
		} else if (!p->flush_sent) {
			ret = par_flush(s, p, req->flush);
		} else if (p->head == p->tail && !p->finishing) {
			p->flush_sent = 0;	/* flush complete */
			break;
		} else {
			ret = par_wait_head(s, p);
		}
		if (ret)
			return req->status = ret;
	}
	req->end = p->ended;
	req->more = !p->ended && req->produced == req->dst_len &&
		    (p->head != p->tail || p->wrap_pos < p->wrap_len);
	req->checksum = p->check;
	return req->status = 0;
}

/* Collect every chunk in flight (they all end DONE, or redone here). */
static void par_collect(struct wd_comp_sess *s, struct comp_par *p)
{
	unsigned long i;

	for (i = p->head; i < p->tail; i++) {
		struct par_job *j = par_at(p, i);
		unsigned long keep = p->head;

		if (j->state != JOB_SENT)
			continue;
		/* par_wait_head() waits for the head: make j the head a moment */
		p->head = i;
		par_wait_head(s, p);
		p->head = keep;
	}
}

int comp_par_dup(struct wd_comp_sess *d, struct wd_comp_sess *s)
{
	struct comp_par *p = s->par, *q = d->par;
	unsigned int i;

	par_collect(s, p);
	for (i = 0; i < p->nr_jobs; i++) {
		struct par_job *a = &p->job[i], *b = &q->job[i];

		if (a->in) {
			b->in = malloc(a->in_cap);
			if (!b->in)
				return -ENOMEM;
			memcpy(b->in, a->in, a->in_cap);
			b->in_cap = a->in_cap;
		}
		if (a->out) {
			b->out = malloc(a->out_cap);
			if (!b->out)
				return -ENOMEM;
			memcpy(b->out, a->out, a->out_cap);
			b->out_cap = a->out_cap;
		}
		b->state = a->state;
		b->dict = a->dict;
		b->len = a->len;
		b->out_len = a->out_len;
		b->out_pos = a->out_pos;
		b->status = a->status;
		b->flush = a->flush;
		b->boundary = a->boundary;
		b->fitted = a->fitted;
	}
	q->head = p->head;
	q->tail = p->tail;
	memcpy(q->wrap, p->wrap, sizeof(q->wrap));
	q->wrap_len = p->wrap_len;
	q->wrap_pos = p->wrap_pos;
	q->header_done = p->header_done;
	q->finishing = p->finishing;
	q->trailer_done = p->trailer_done;
	q->ended = p->ended;
	q->flush_sent = p->flush_sent;
	q->no_dict = p->no_dict;
	q->soft = p->soft;
	q->offloaded = p->offloaded;
	q->check = p->check;
	q->total_in = p->total_in;
	q->err = p->err;
	return 0;
}
