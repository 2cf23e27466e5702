/* SPDX-License-Identifier: MIT */
/*
 * deflater.c - one raw deflate stream compressed by several engines at
 * once (codec.h): the input is cut in pieces, every piece is primed with
 * the 32 KiB of input before it, and idle engines take the next piece, so
 * a slow engine (a busy core, a loaded device) holds up only its own
 * pieces. The output is handed back in input order.
 *
 * Each engine is driven by a thread of its own (the caller's thread is one
 * of them): with a device the thread mostly waits for its queue; without
 * one, it runs zlib itself.
 *
 * Pieces must be contiguous with their history, so the history and the
 * input held back from the previous block are copied into the headroom
 * before the new block (DEFLATER_HEADROOM): the block itself is not copied.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "rsync.h"

struct piece {
	const uint8_t *in;
	size_t len, dict_len;	/* dict: the dict_len bytes before in */
	int last;
	int status;
	struct obuf out;
};

struct deflater {
	int rsyncable;
	struct rsync rs;
	unsigned int nr_engines;
	struct dengine **engine;
	_Atomic int failed;		/* a device error: all in software */
	pthread_t *thread;		/* engine i > 0 runs in thread[i] */
	unsigned int nr_threads;

	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct piece *piece;		/* the pieces of the current block */
	size_t nr_pieces, cap_pieces;	/* being cut: the caller's only */
	size_t posted;			/* pieces the engines may take */
	size_t next, finished;		/* next to take, how many finished */
	int quit;

	uint8_t *keep;			/* history then held-back input */
	size_t hist_len, carry_len;
};

_Static_assert(RSYNC_MAX <= DEFLATE_PIECE_MAX,
	       "held-back input must fit in the headroom");

static unsigned int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

/* Take pieces until none is left; returns with the lock held. */
static void run_pieces(struct deflater *d, struct dengine *e)
{
	while (d->next < d->posted) {
		struct piece *p = &d->piece[d->next++];

		pthread_mutex_unlock(&d->lock);
		p->out.len = 0;
		p->status = dengine_piece(e, p->in - p->dict_len, p->dict_len,
					  p->in, p->len, p->last, &p->out);
		pthread_mutex_lock(&d->lock);
		if (++d->finished == d->posted)
			pthread_cond_signal(&d->done);
	}
}

struct worker_arg {
	struct deflater *d;
	struct dengine *e;
};

static void *worker(void *arg)
{
	struct worker_arg *w = arg;
	struct deflater *d = w->d;
	struct dengine *e = w->e;

	free(w);
	pthread_mutex_lock(&d->lock);
	while (!d->quit) {
		run_pieces(d, e);
		if (!d->quit)
			pthread_cond_wait(&d->work, &d->lock);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

struct deflater *deflater_new(int level, unsigned int parallel, int rsyncable)
{
	struct deflater *d = calloc(1, sizeof(*d));
	unsigned int i;
	int device;

	if (!d)
		return NULL;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->work, NULL);
	pthread_cond_init(&d->done, NULL);
	d->rsyncable = rsyncable;
	rsync_init(&d->rs);
	d->nr_engines = parallel ? parallel : online_cpus();
	d->engine = calloc(d->nr_engines, sizeof(*d->engine));
	d->thread = calloc(d->nr_engines, sizeof(*d->thread));
	d->keep = malloc(DEFLATER_HEADROOM);
	if (!d->engine || !d->thread || !d->keep)
		goto fail;
	/* the first engine finds out whether there is a device at all */
	d->engine[0] = dengine_new(level, 1, &d->failed);
	if (!d->engine[0])
		goto fail;
	device = dengine_on_device(d->engine[0]);
	for (i = 1; i < d->nr_engines; i++) {
		struct worker_arg *w = malloc(sizeof(*w));

		d->engine[i] = dengine_new(level, device, &d->failed);
		if (!w || !d->engine[i]) {
			free(w);
			break;
		}
		w->d = d;
		w->e = d->engine[i];
		/* without a thread, fewer engines: slower, never wrong */
		if (pthread_create(&d->thread[i], NULL, worker, w) != 0) {
			free(w);
			break;
		}
		d->nr_threads = i;
	}
	return d;
fail:
	deflater_free(d);
	return NULL;
}

static struct piece *add_piece(struct deflater *d, const uint8_t *in,
			       size_t len, const uint8_t *base, int last)
{
	struct piece *p;
	size_t before = (size_t)(in - base);

	if (d->nr_pieces == d->cap_pieces) {
		size_t cap = d->cap_pieces ? 2 * d->cap_pieces : 64;

		p = realloc(d->piece, cap * sizeof(*p));
		if (!p)
			return NULL;
		memset(p + d->cap_pieces, 0, (cap - d->cap_pieces) * sizeof(*p));
		d->piece = p;
		d->cap_pieces = cap;
	}
	p = &d->piece[d->nr_pieces++];
	p->in = in;
	p->len = len;
	p->dict_len = before < DEFLATE_WINDOW ? before : DEFLATE_WINDOW;
	p->last = last;
	return p;
}

/*
 * Cut data[0..len) (of which the first carry bytes were already scanned)
 * into pieces; returns how many bytes they cover: the rest is held back.
 */
static int cut(struct deflater *d, const uint8_t *base, const uint8_t *data,
	       size_t len, size_t carry, int last, size_t *covered)
{
	size_t start = 0, pos = carry;

	if (!d->rsyncable) {
		/* fixed pieces, the last one shorter */
		do {
			size_t n = len - start < DEFLATE_PIECE ? len - start :
				   DEFLATE_PIECE;

			if (!add_piece(d, data + start, n, base,
				       last && start + n == len))
				return -1;
			start += n;
		} while (start < len);
		*covered = len;
		return 0;
	}
	while (pos < len) {
		int at_cut;

		pos += rsync_scan(&d->rs, data + pos, len - pos, &at_cut);
		if (!at_cut)
			break;
		if (!add_piece(d, data + start, pos - start, base,
			       last && pos == len))
			return -1;
		start = pos;
	}
	/* the last block ends the last piece, even an empty one */
	if (last && (start < len || d->nr_pieces == 0)) {
		if (!add_piece(d, data + start, len - start, base, 1))
			return -1;
		start = len;
	}
	*covered = start;
	return 0;
}

int deflater_block(struct deflater *d, uint8_t *in, size_t len, int last,
		   struct obuf *out)
{
	size_t held = d->hist_len + d->carry_len, covered, i, total = 0;
	uint8_t *base = in - held, *data = in - d->carry_len, *end;
	int ret = CODEC_OK;

	/* history and held-back input go just before the block */
	memcpy(base, d->keep, held);
	/* the engines wait for d->posted: the array may move while cut */
	d->nr_pieces = 0;
	if (cut(d, base, data, d->carry_len + len, d->carry_len, last,
		&covered) != 0)
		return CODEC_NO_MEMORY;

	/* hand the pieces out, and take some here too */
	pthread_mutex_lock(&d->lock);
	d->next = 0;
	d->finished = 0;
	d->posted = d->nr_pieces;
	pthread_cond_broadcast(&d->work);
	run_pieces(d, d->engine[0]);
	while (d->finished < d->posted)
		pthread_cond_wait(&d->done, &d->lock);
	d->posted = d->next = d->finished = 0;
	pthread_mutex_unlock(&d->lock);

	for (i = 0; i < d->nr_pieces; i++) {
		if (d->piece[i].status != CODEC_OK && ret == CODEC_OK)
			ret = d->piece[i].status;
		total += d->piece[i].out.len;
	}
	if (ret != CODEC_OK)
		return ret;
	if (obuf_reserve(out, total))
		return CODEC_NO_MEMORY;
	for (i = 0; i < d->nr_pieces; i++) {
		memcpy(out->data + out->len, d->piece[i].out.data,
		       d->piece[i].out.len);
		out->len += d->piece[i].out.len;
	}

	/* keep the history before the held-back input, and that input */
	end = data + covered;
	d->carry_len = d->carry_len + len - covered;
	d->hist_len = (size_t)(end - base) < DEFLATE_WINDOW ?
		      (size_t)(end - base) : DEFLATE_WINDOW;
	memcpy(d->keep, end - d->hist_len, d->hist_len + d->carry_len);
	return CODEC_OK;
}

void deflater_free(struct deflater *d)
{
	unsigned int i;

	if (!d)
		return;
	{
		pthread_mutex_lock(&d->lock);
		d->quit = 1;
		pthread_cond_broadcast(&d->work);
		pthread_mutex_unlock(&d->lock);
		for (i = 1; i <= d->nr_threads; i++)
			pthread_join(d->thread[i], NULL);
		for (i = 0; d->engine && i < d->nr_engines; i++)
			dengine_free(d->engine[i]);
		pthread_mutex_destroy(&d->lock);
		pthread_cond_destroy(&d->work);
		pthread_cond_destroy(&d->done);
	}
	for (i = 0; i < d->cap_pieces; i++)
		obuf_free(&d->piece[i].out);
	free(d->piece);
	free(d->engine);
	free(d->thread);
	free(d->keep);
	free(d);
}
