// SPDX-License-Identifier: MIT
/*
 * wdz_deflate_dev.c - the device path of a deflate stream: its parallel
 * wd_comp session, the choice of path at the first deflate() call, and a
 * step of the session with zlib's return codes and avail/total
 * bookkeeping.
 *
 * Nothing but the lack of a session decides against the device: in
 * particular not the size of the first call, so the bytes out depend on
 * the parameters, the data and the flush points only, never on how the
 * input was split into calls (DESIGN.md, invariant 4; doc/compression.md,
 * "What the output depends on").
 */
#include <errno.h>
#include <string.h>
#include "wd.h"
#include "wdz.h"

/* zlib's order of flush values, to tell a repeated flush from a stronger one */
#define RANK(f)	(((f) * 2) - ((f) > 4 ? 9 : 0))

int wdz_deflate_sess_open(struct wdz_state *s)
{
	const struct wdz_config *c = wdz_config();
	struct wd_comp_setup st = {
		.op = WD_COMP_DEFLATE,
		.format = s->format,
		.level = s->level,
		.window_bits = s->wb,
		.mem_level = s->mem_level,
		.strategy = s->strategy,
		.parallel = c->parallel,
		.chunk_size = c->chunk,
	};
	int ret;

	if (s->sess)
		return 0;
	ret = wdz_no_device[0][s->format] ? -ENODEV : wd_comp_sess_alloc(&s->sess, &st);
	if (ret == 0 && s->dict_len)
		ret = wd_comp_sess_set_dict(s->sess, s->dict, s->dict_len);
	if (ret) {
		wdz_debug("no compression session: %s", wd_strerror(ret));
		if (ret == -ENODEV)
			wdz_no_device[0][s->format] = 1;
		if (s->sess)
			wd_comp_sess_free(s->sess);
		s->sess = NULL;
		return ret;
	}
	return 0;
}

/*
 * The first deflate() call: the session's path, or zlib's when there is
 * no session (no memory for one). 1 = device, 0 = zlib now. The size of
 * the call does not matter: a short stream's pieces are coded with zlib
 * in the library (WD_COMP_INLINE_MAX) and cost no queue; deciding here by
 * the first call's avail_in, as the shim once did, made compress() and a
 * stream fed in pieces give different bytes for the same input.
 */
int wdz_deflate_decide(struct wdz_state *s)
{
	if (wdz_deflate_sess_open(s))
		return 0;
	s->st.def = WDZ_DEF_DEVICE;
	return 1;
}

/*
 * A deflate step that failed. The shim's deflate sessions are parallel
 * (WD_ZLIB_PARALLEL >= 2): their input is held in the session until its
 * chunk is compressed, and a chunk the device fails, cannot take (a queue
 * that stays full) or loses (a device that vanishes) is compressed again
 * in software from there (comp_par.c), so device faults never get here.
 * What does is the library running out of memory: Z_MEM_ERROR, as zlib
 * says for it. Anything else is a broken session.
 */
static int wdz_deflate_failed(z_streamp strm, int ret)
{
	wdz_debug("deflate stream %p: %s", (void *)strm, wd_strerror(ret));
	if (ret == -ENOMEM) {
		strm->msg = (char *)"insufficient memory";
		return Z_MEM_ERROR;
	}
	strm->msg = (char *)"device error";
	return Z_STREAM_ERROR;
}

/* A step of a DEVICE or FINISHING stream: deflate() as zlib answers it. */
int wdz_deflate_device(z_streamp strm, struct wdz_state *s, int flush)
{
	struct wd_comp_req req = { 0 };
	uInt in0 = strm->avail_in, out0 = strm->avail_out;
	int ret;

	req.src = strm->next_in;
	req.src_len = strm->avail_in;
	req.dst = strm->next_out;
	req.dst_len = strm->avail_out;
	req.flush = flush;
	ret = wd_comp_stream(s->sess, &req);
	/* what a failed step took in or gave out is the session's: count it,
	 * so that a call after Z_MEM_ERROR goes on from the right place */
	if (req.consumed)	/* next_in may be NULL with no input (zlib allows it) */
		strm->next_in += req.consumed;
	strm->avail_in -= (uInt)req.consumed;
	strm->total_in += req.consumed;
	strm->next_out += req.produced;
	strm->avail_out -= (uInt)req.produced;
	strm->total_out += req.produced;
	if (ret)
		return wdz_deflate_failed(strm, ret);
	if (s->format != WD_COMP_RAW)	/* zlib leaves a raw stream's at 1 */
		strm->adler = req.checksum;
	if (req.end) {
		s->st.def = WDZ_DEF_ENDED;
		return Z_STREAM_END;
	}
	if (flush == Z_FINISH && !strm->avail_in)
		s->st.def = WDZ_DEF_FINISHING;	/* Z_FINISH only, no input */
	if (strm->avail_out == 0) {
		s->last_flush = -1;	/* zlib: more output may be due */
		return Z_OK;
	}
	/* zlib's rule: a call that repeats a flush with nothing new */
	if (!req.consumed && !req.produced && in0 == 0 && flush != Z_FINISH &&
	    RANK(flush) <= RANK(s->last_flush)) {
		s->last_flush = flush;
		strm->msg = (char *)"buffer error";	/* as zlib's ERR_RETURN */
		return Z_BUF_ERROR;
	}
	(void)out0;
	s->last_flush = flush;
	return Z_OK;
}
