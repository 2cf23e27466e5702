/* SPDX-License-Identifier: MIT */
/*
 * deflater.c - one raw deflate stream compressed by several engines at
 * once (codec.h): the input is cut in pieces, every piece is primed with
 * the 32 KiB of input before it, and idle engines take the next piece, so
 * a slow engine (a busy core, a loaded device) holds up only its own
 * pieces. The output is handed back in input order, a block at a time.
 *
 * The caller posts a block and collects the oldest one; up to
 * DEFLATER_BLOCKS blocks may be in flight, so that the engines take the
 * next block's pieces while the last pieces of a block are still being
 * compressed: no engine waits for the others at the end of a block.
 *
 * Each engine is driven by a thread of its own: with a device the thread
 * mostly waits for its queue; without one, it runs zlib itself. The
 * caller's thread only cuts, collects and writes (it runs pieces itself
 * only when no engine thread could be started).
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
	struct piece *next;	/* input order; then the free list */
	const uint8_t *in;
	size_t len, dict_len;	/* dict: the dict_len bytes before in */
	int last;
	int status;
	unsigned int block;	/* slot of its block in d->block[] */
	struct obuf out;	/* kept when the piece is reused */
};

/* A block in flight: its pieces are the next nr of the posted list. */
struct dblock {
	size_t nr, done;
};

struct deflater {
	int rsyncable;
	size_t piece;			/* without rsyncable */
	struct rsync rs;
	unsigned int nr_engines;
	struct dengine **engine;
	_Atomic int failed;		/* a device error: all in software */
	pthread_t *thread;		/* engine i runs in thread[i] */
	unsigned int nr_threads;

	pthread_mutex_t lock;
	pthread_cond_t work, done;
	/* pieces posted and not collected, in input order; the engines take
	 * them in that order from todo on */
	struct piece *head, *tail, *todo;
	struct dblock block[DEFLATER_BLOCKS];	/* a ring */
	unsigned int first_block, nr_blocks;
	int quit;

	struct piece *pool;		/* the caller's: free pieces */
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

/* Compress the next piece posted; called and returns with the lock held. */
static void run_piece(struct deflater *d, struct dengine *e)
{
	struct piece *p = d->todo;
	struct dblock *b;

	d->todo = p->next;
	pthread_mutex_unlock(&d->lock);
	p->out.len = 0;
	p->status = dengine_piece(e, p->in - p->dict_len, p->dict_len,
				  p->in, p->len, p->last, &p->out);
	pthread_mutex_lock(&d->lock);
	b = &d->block[p->block];
	/* only the caller waits, and only for the oldest block */
	if (++b->done == b->nr && p->block == d->first_block)
		pthread_cond_signal(&d->done);
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
		if (d->todo)
			run_piece(d, e);
		else
			pthread_cond_wait(&d->work, &d->lock);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

struct deflater *deflater_new(int level, unsigned int parallel, int rsyncable,
			      size_t piece)
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
	d->piece = piece && piece <= DEFLATE_PIECE_MAX ? piece : DEFLATE_PIECE;
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
	for (i = 0; i < d->nr_engines; i++) {
		struct worker_arg *w = malloc(sizeof(*w));

		if (i > 0)
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
		d->nr_threads = i + 1;
	}
	return d;
fail:
	deflater_free(d);
	return NULL;
}

unsigned int deflater_engines(const struct deflater *d)
{
	return d->nr_threads ? d->nr_threads : 1;
}

/* A piece from the pool (its output buffer kept), or a new one. */
static struct piece *add_piece(struct deflater *d, struct piece ***link,
			       const uint8_t *in, size_t len,
			       const uint8_t *base, int last, unsigned int block)
{
	struct piece *p = d->pool;
	size_t before = (size_t)(in - base);

	if (p)
		d->pool = p->next;
	else if (!(p = calloc(1, sizeof(*p))))
		return NULL;
	p->next = NULL;
	p->in = in;
	p->len = len;
	p->dict_len = before < DEFLATE_WINDOW ? before : DEFLATE_WINDOW;
	p->last = last;
	p->status = CODEC_OK;
	p->block = block;
	**link = p;
	*link = &p->next;
	return p;
}

/*
 * Cut data[0..len) (of which the first carry bytes were already scanned)
 * into pieces, linked from *first; returns how many pieces, and in
 * *covered how many bytes they cover: the rest is held back.
 */
static size_t cut(struct deflater *d, struct piece **first,
		  const uint8_t *base, const uint8_t *data, size_t len,
		  size_t carry, int last, unsigned int block, size_t *covered)
{
	struct piece **link = first;
	size_t start = 0, pos = carry, n = 0;

	*first = NULL;
	if (!d->rsyncable) {
		/* fixed pieces, the last one shorter; small ones at the end
		 * of the input, so that the engines finish together */
		size_t size = last && d->piece > DEFLATE_PIECE_SMALL ?
			      DEFLATE_PIECE_SMALL : d->piece;

		do {
			size_t l = len - start < size ? len - start : size;

			if (!add_piece(d, &link, data + start, l, base,
				       last && start + l == len, block))
				goto fail;
			n++;
			start += l;
		} while (start < len);
		*covered = len;
		return n;
	}
	while (pos < len) {
		int at_cut;

		pos += rsync_scan(&d->rs, data + pos, len - pos, &at_cut);
		if (!at_cut)
			break;
		if (!add_piece(d, &link, data + start, pos - start, base,
			       last && pos == len, block))
			goto fail;
		n++;
		start = pos;
	}
	/* the last block ends the last piece, even an empty one */
	if (last && (start < len || n == 0)) {
		if (!add_piece(d, &link, data + start, len - start, base, 1,
			       block))
			goto fail;
		n++;
		start = len;
	}
	*covered = start;
	return n;
fail:
	/* back to the pool, unposted */
	*link = d->pool;
	d->pool = *first;
	*first = NULL;
	return (size_t)-1;
}

int deflater_post(struct deflater *d, uint8_t *in, size_t len, int last)
{
	size_t held = d->hist_len + d->carry_len, covered, n;
	uint8_t *base = in - held, *data = in - d->carry_len, *end;
	struct piece *first, *p;
	unsigned int slot;

	if (d->nr_blocks == DEFLATER_BLOCKS)
		return CODEC_NO_MEMORY;		/* the caller's mistake */
	slot = (d->first_block + d->nr_blocks) % DEFLATER_BLOCKS;
	/* history and held-back input go just before the block */
	memcpy(base, d->keep, held);
	n = cut(d, &first, base, data, d->carry_len + len, d->carry_len, last,
		slot, &covered);
	if (n == (size_t)-1)
		return CODEC_NO_MEMORY;

	/* keep the history before the held-back input, and that input */
	end = data + covered;
	d->carry_len = d->carry_len + len - covered;
	d->hist_len = (size_t)(end - base) < DEFLATE_WINDOW ?
		      (size_t)(end - base) : DEFLATE_WINDOW;
	memcpy(d->keep, end - d->hist_len, d->hist_len + d->carry_len);

	/* hand the pieces out */
	pthread_mutex_lock(&d->lock);
	d->block[slot].nr = n;
	d->block[slot].done = 0;
	d->nr_blocks++;
	if (first) {
		if (d->tail)
			d->tail->next = first;
		else
			d->head = first;
		if (!d->todo)
			d->todo = first;
		for (p = first; p->next; p = p->next)
			;
		d->tail = p;
		pthread_cond_broadcast(&d->work);
	}
	pthread_mutex_unlock(&d->lock);
	return CODEC_OK;
}

int deflater_collect(struct deflater *d, struct obuf *out)
{
	struct dblock *b = &d->block[d->first_block];
	struct piece *p, *first;
	size_t i, total = 0;
	int ret = CODEC_OK;

	pthread_mutex_lock(&d->lock);
	if (!d->nr_blocks) {
		pthread_mutex_unlock(&d->lock);
		return CODEC_OK;
	}
	while (b->done < b->nr) {
		if (d->nr_threads == 0 && d->todo)
			run_piece(d, d->engine[0]);	/* no thread: here */
		else
			pthread_cond_wait(&d->done, &d->lock);
	}
	/* the block's pieces leave the posted list */
	first = d->head;
	p = NULL;
	for (i = 0; i < b->nr; i++) {
		p = d->head;
		d->head = p->next;
	}
	if (!d->head)
		d->tail = NULL;
	d->first_block = (d->first_block + 1) % DEFLATER_BLOCKS;
	d->nr_blocks--;
	pthread_mutex_unlock(&d->lock);
	if (!p)
		return CODEC_OK;
	p->next = NULL;

	for (p = first; p; p = p->next) {
		if (p->status != CODEC_OK && ret == CODEC_OK)
			ret = p->status;
		total += p->out.len;
	}
	if (ret == CODEC_OK && obuf_reserve(out, total))
		ret = CODEC_NO_MEMORY;
	for (p = first; ret == CODEC_OK && p; p = p->next) {
		memcpy(out->data + out->len, p->out.data, p->out.len);
		out->len += p->out.len;
	}
	/* back to the pool, buffers kept for the next pieces */
	for (p = first; p->next; p = p->next)
		;
	p->next = d->pool;
	d->pool = first;
	return ret;
}

static void free_list(struct piece *p)
{
	while (p) {
		struct piece *next = p->next;

		obuf_free(&p->out);
		free(p);
		p = next;
	}
}

void deflater_free(struct deflater *d)
{
	unsigned int i;

	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->quit = 1;
	pthread_cond_broadcast(&d->work);
	pthread_mutex_unlock(&d->lock);
	for (i = 0; i < d->nr_threads; i++)
		pthread_join(d->thread[i], NULL);
	for (i = 0; d->engine && i < d->nr_engines; i++)
		dengine_free(d->engine[i]);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->work);
	pthread_cond_destroy(&d->done);
	free_list(d->head);
	free_list(d->pool);
	free(d->engine);
	free(d->thread);
	free(d->keep);
	free(d);
}
