/* SPDX-License-Identifier: MIT */
/*
 * comp_priv.h - what the files of the wd_comp layer share.
 *
 * A session owns one "lane" (a queue and a device session id) per queue it
 * uses: one for stream requests, or `parallel` of them for a stream cut in
 * chunks (comp_par.c). Every request in flight holds a slot: its wd_msg, its
 * parameter block and, on share-domain queues, bounce buffers in the share
 * region (the device may touch nothing else).
 */
#ifndef COMP_PRIV_H
#define COMP_PRIV_H

#include <stdint.h>
#include "wd.h"
#include "wd_comp.h"

#define COMP_SLOTS		8		/* requests in flight per lane */
#define COMP_BOUNCE		(256u << 10)	/* share-domain bounce buffer */
/*
 * Default chunk of a parallel stream: 512 KiB, where a chunk coded without
 * its history (libdeflate, soft_comp_ld.c) is as small as zlib's one
 * stream; 256 KiB at level 1, whose coder (ISA-L) is primed and measured
 * smaller there.
 */
#define COMP_DEF_CHUNK		(512u << 10)
#define COMP_DEF_CHUNK_L1	(256u << 10)
#define COMP_MAX_LEN		0xffffffffu	/* ring lengths are 32 bits */
#define COMP_STEP_MAX		(4u << 20)	/* buffer a stream step is given */

struct comp_slot {
	struct wd_msg msg;
	struct wd_comp_param *param;	/* device-visible */
	uint8_t *bin, *bout;		/* share domain: bounce buffers */
	struct wd_comp_req *req;	/* async request, or NULL */
	void *owner;			/* parallel: the job using the slot */
	int busy;
};

/* What a pooled queue was requested for (the device's algorithms). */
enum comp_alg { COMP_ALG_DEFLATE, COMP_ALG_ZLIB, COMP_ALG_GZIP, COMP_NR_ALGS };

/* A queue of the pool with what was carved from its share region. */
struct comp_pq {
	struct wd_queue q;
	int share;
	int alg;			/* enum comp_alg */
	struct comp_slot slot[COMP_SLOTS];
	void *shm;			/* share region piece of the slots */
	int pid;			/* opener: stale after fork */
	struct comp_pq *next;
};

struct comp_lane {
	struct comp_pq *pq;
	uint32_t ctx_id;		/* stream session on the device */
	unsigned int inflight;
};

struct comp_par;

struct wd_comp_sess {
	struct wd_comp_setup setup;
	int inflate;
	unsigned int nr_lanes;
	struct comp_lane *lane;
	/* stream state (one lane) */
	int started;			/* FIRST sent */
	int ended;
	int dead;
	uint32_t checksum;
	uint8_t *dict;			/* priming history, sent with FIRST */
	uint32_t dict_len;
	struct comp_par *par;		/* parallel deflate state, or NULL */
};

/* comp_queue.c: the pool of queues and the request slots */
struct comp_pq *comp_pq_get(int share, int alg, int *err);
void comp_pq_put(struct comp_pq *pq);
struct comp_slot *comp_slot_get(struct comp_lane *l);
void comp_slot_put(struct comp_lane *l, struct comp_slot *s);
void comp_param_fill(const struct wd_comp_sess *s, struct wd_comp_param *p,
		     int flush);
/* send the slot's msg (retrying -EBUSY by draining); 0 or -errno */
int comp_slot_send(struct comp_lane *l, struct comp_slot *s);
/* wait for any completion on lane l; returns its slot or NULL with *err */
struct comp_slot *comp_lane_wait(struct comp_lane *l, int wait, int *err);
const char *comp_alg_name(const struct wd_comp_sess *s);

/* wd_comp.c: open lane l's queue now (parallel sessions open them late) */
int comp_lane_open(struct wd_comp_sess *s, struct comp_lane *l);
/* pieces below this many bytes are compressed in the library */
uint32_t comp_inline_max(void);

/* comp_par.c: one deflate stream over several lanes */
int comp_par_init(struct wd_comp_sess *s);
void comp_par_free(struct wd_comp_sess *s);
void comp_par_reset(struct wd_comp_sess *s);
int comp_par_stream(struct wd_comp_sess *s, struct wd_comp_req *req);
int comp_par_begun(const struct wd_comp_sess *s);
int comp_par_cut(struct wd_comp_sess *s);
int comp_par_dup(struct wd_comp_sess *d, struct wd_comp_sess *s);

#endif /* COMP_PRIV_H */
