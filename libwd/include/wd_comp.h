/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * wd_comp.h - WarpDrive compression: deflate, zlib and gzip streams.
 *
 * Two halves live here:
 *
 *  1. The device format (struct wd_comp_param): what a WD_OP_COMPRESS or
 *     WD_OP_DECOMPRESS submission entry points to. It is shared with the
 *     kernel module, so it only uses fixed-width types (<linux/types.h>
 *     when __KERNEL__ is defined) and holds no pointer.
 *
 *  2. The user API (wd_comp_*): sessions that open queues, fill entries and
 *     turn completions into zlib-like progress (consumed, produced, end of
 *     stream). Guarded by #ifndef __KERNEL__.
 *
 * ---------------------------------------------------------------------------
 * Device semantics (one request == one deflate()/inflate() call)
 *
 * A request's sqe carries src/src_len (input), dst/dst_len (output room) and
 * param/param_len (a struct wd_comp_param, param_len >= its size). The device
 * reads the whole parameter block once, and writes back only the out fields.
 * The block may be at any address: the device needs no alignment (it copies
 * the block in and the out fields back byte-wise).
 *
 * Stream requests (sqe.ctx_id != 0): the device keeps the stream's state
 * (history window, pending output, checksums, inflate position) in the
 * session slot ctx_id of the queue. WD_SQE_F_FIRST starts a new stream with
 * the format, level, window_bits, mem_level and strategy of this request's
 * parameter block (those fields are ignored on later requests); WD_SQE_F_LAST
 * ends it (the device frees the state after this request). A request does
 * what one zlib call with avail_in = src_len, avail_out = dst_len and the
 * given flush would do: it may leave input unconsumed or output pending
 * when dst fills; the next request of the stream continues exactly there.
 * Requests of one ctx_id are processed in submission order, so several may
 * be in flight.
 *
 * Stateless requests (sqe.ctx_id == 0): a whole, independent job.
 *   compress:   init, one call with param.flush (usually FINISH; SYNC or FULL
 *               produce a byte-aligned, non-final piece of raw deflate used
 *               to build one stream out of chunks), end. All input must be
 *               consumed and all output must fit: else -ENOSPC.
 *   decompress: init, decode src into dst, end. Output that does not fit
 *               gives -ENOSPC. Input ending before the end of the stream
 *               completes with status 0 and no WD_CQE_F_END.
 *
 * Dictionaries / priming (raw format only): with dict_len != 0 on a
 * WD_SQE_F_FIRST or a stateless request, the first dict_len bytes of src are
 * history, not input: the device primes its window with them (the last
 * 32 KiB count), as deflateSetDictionary()/inflateSetDictionary() on a raw
 * stream would. They count in consumed; they do not count in the checksum.
 *
 * Completion (struct wd_cqe):
 *   status    0, or:
 *             -EINVAL   bad parameter block (field out of range, dict_len >
 *                       src_len, dict on a non-raw format, AUTO on compress)
 *             -EFAULT   an address the device may not touch
 *             -ENOMEM   the device is out of memory for stream state
 *             -ENOSPC   stateless: the output does not fit dst
 *             -EBADMSG  corrupt compressed data (bad header, bad block,
 *                       distance too far back, checksum or length mismatch);
 *                       the stream is dead, its next request must be FIRST
 *             -ENOKEY   decompress, zlib stream with a preset dictionary
 *                       (FDICT): param.checksum holds the wanted DICTID;
 *                       everything up to and including the DICTID is consumed
 *   consumed  bytes of src used (including dict_len)
 *   produced  bytes written to dst
 *   flags     WD_CQE_F_END  the stream ended: compress, the FINISH request
 *                           has written its last byte (trailer included);
 *                           decompress, the final block and the trailer were
 *                           read and checked. Bytes after the end are not
 *                           consumed.
 *             WD_CQE_F_MORE dst is full and the device may hold more output:
 *                           send another request (possibly with no input).
 *
 * ---------------------------------------------------------------------------
 */
#ifndef WD_COMP_H
#define WD_COMP_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>
#endif

/* Formats (struct wd_comp_param.format). */
#define WD_COMP_RAW		0	/* raw deflate, RFC 1951 */
#define WD_COMP_ZLIB		1	/* zlib wrapper, RFC 1950 (adler32) */
#define WD_COMP_GZIP		2	/* gzip wrapper, RFC 1952 (crc32) */
#define WD_COMP_AUTO		3	/* decompress only: zlib or gzip by header */
#define WD_COMP_NR_FORMATS	4

/* Strategies: the values of zlib's Z_DEFAULT_STRATEGY .. Z_FIXED. */
#define WD_COMP_STRATEGY_DEFAULT	0
#define WD_COMP_STRATEGY_FILTERED	1
#define WD_COMP_STRATEGY_HUFFMAN_ONLY	2
#define WD_COMP_STRATEGY_RLE		3
#define WD_COMP_STRATEGY_FIXED		4

/* Flush modes: the values of zlib's Z_NO_FLUSH .. Z_BLOCK, same meaning. */
#define WD_COMP_NO_FLUSH	0
#define WD_COMP_PARTIAL_FLUSH	1
#define WD_COMP_SYNC_FLUSH	2
#define WD_COMP_FULL_FLUSH	3
#define WD_COMP_FINISH		4
#define WD_COMP_BLOCK		5

/* Checksums for raw requests (struct wd_comp_param.check). */
#define WD_COMP_CHECK_NONE	0
#define WD_COMP_CHECK_ADLER32	1
#define WD_COMP_CHECK_CRC32	2

#define WD_COMP_WINDOW		32768u	/* history a stream carries */

/*
 * What was wrong with corrupt data (struct wd_comp_param.error, written with
 * -EBADMSG; 0 when the device does not say). Each is one of zlib's
 * messages, so an adapter can report exactly what zlib would.
 */
#define WD_COMP_E_UNKNOWN	0	/* "invalid compressed data" */
#define WD_COMP_E_HEADER	1	/* "incorrect header check" */
#define WD_COMP_E_METHOD	2	/* "unknown compression method" */
#define WD_COMP_E_WINDOW	3	/* "invalid window size" */
#define WD_COMP_E_FLAGS		4	/* "unknown header flags set" */
#define WD_COMP_E_HCRC		5	/* "header crc mismatch" */
#define WD_COMP_E_BLOCK		6	/* "invalid block type" */
#define WD_COMP_E_STORED	7	/* "invalid stored block lengths" */
#define WD_COMP_E_CODES		8	/* "invalid code lengths set" (and the
					 * other Huffman table errors) */
#define WD_COMP_E_LITLEN	9	/* "invalid literal/length code" */
#define WD_COMP_E_DIST		10	/* "invalid distance code" */
#define WD_COMP_E_TOOFAR	11	/* "invalid distance too far back" */
#define WD_COMP_E_CHECK		12	/* "incorrect data check" */
#define WD_COMP_E_LENGTH	13	/* "incorrect length check" */
#define WD_COMP_E_NR		14

/*
 * The parameter block of WD_OP_COMPRESS / WD_OP_DECOMPRESS: 32 bytes,
 * little endian as the host. Every reserved field must be zero.
 */
struct wd_comp_param {
	/* in: stream setup, read on WD_SQE_F_FIRST and stateless requests */
	__u8 format;		/* WD_COMP_RAW/ZLIB/GZIP/AUTO */
	__u8 level;		/* compress: 0..9 (zlib's levels) */
	__u8 window_bits;	/* 8..15: log2 of the window; 0 means 15 */
	__u8 mem_level;		/* compress: 1..9 as zlib; 0 means 8 */
	__u8 strategy;		/* compress: WD_COMP_STRATEGY_* */
	/* in: every request */
	__u8 flush;		/* WD_COMP_* flush mode (compress; decompress
				 * ignores it) */
	__u8 check;		/* raw format: WD_COMP_CHECK_* to compute into
				 * checksum; ignored for zlib/gzip */
	__u8 reserved0;
	__u32 dict_len;		/* raw format: history bytes at the head of src */
	__u32 check_init;	/* raw + check: starting value of checksum on
				 * FIRST/stateless (0 means the algorithm's
				 * initial value: 1 for adler32, 0 for crc32) */
	/* out: written by the device when the request completes */
	__u32 checksum;		/* running checksum of the uncompressed data of
				 * the stream so far: adler32 (zlib), crc32
				 * (gzip), per check (raw); DICTID on -ENOKEY */
	union {
		__u32 reserved1;	/* in: must be zero */
		__u32 error;		/* out: WD_COMP_E_* with -EBADMSG, or 0 */
	};
	__u64 total_out;	/* out: bytes the stream produced so far */
};

#ifndef __KERNEL__

#ifdef __cplusplus
extern "C" {
#endif

struct wd_queue;

/* struct wd_comp_setup.op */
#define WD_COMP_DEFLATE		0
#define WD_COMP_INFLATE		1

/* struct wd_comp_setup.flags */
#define WD_COMP_F_SHARE_DOMAIN	0x01	/* use share-domain queues: data is
					 * copied through their share region */
/*
 * Deflate only: cut the stream in chunks as a parallel session does even
 * with parallel <= 1 (one lane). Without it a one-lane session is a device
 * stream, whose bytes differ from a parallel session's; with it the output
 * depends on the input, the setup (chunk_size included), the flush points
 * and the cuts (wd_comp_sess_cut) only: not on parallel, on how many
 * engines serve the queues, on timing, or on whether a device or the
 * library's software coder did the work. wdgzip sets it so that -p N
 * changes the speed, never a byte.
 */
#define WD_COMP_F_CHUNKED	0x02

/* How a session is set up. Zero fields take the defaults. */
struct wd_comp_setup {
	int op;			/* WD_COMP_DEFLATE or WD_COMP_INFLATE */
	int format;		/* WD_COMP_RAW/ZLIB/GZIP (AUTO: inflate only) */
	int level;		/* 0..9, or -1 for the default (6) */
	int window_bits;	/* 8..15; 0 means 15 */
	int mem_level;		/* 1..9; 0 means 8 */
	int strategy;		/* WD_COMP_STRATEGY_* */
	/*
	 * Deflate only: spread one stream over this many queues (each served
	 * by its own engine): the input is cut in chunk_size pieces, each
	 * primed with the 32 KiB before it and ended on a byte boundary, and
	 * the pieces are joined into one valid stream. 0 or 1: one queue,
	 * stream requests (chunks on one lane with WD_COMP_F_CHUNKED). The
	 * output is a valid stream of the same format but not
	 * byte-identical to zlib's. At most 64. A chunk the device fails (or that
	 * a child cannot collect after fork()) is redone in software from the
	 * input the session holds, and so is the rest of the stream.
	 */
	unsigned int parallel;
	unsigned int chunk_size;	/* parallel piece; 0: 512 KiB (256 at level 1);
					 * at least 64 KiB, at most 64 MiB */
	unsigned int flags;		/* WD_COMP_F_* */
};

struct wd_comp_sess;

/*
 * A request for wd_comp_stream(), wd_comp_oneshot() or wd_comp_send().
 * A device request carries at most 4 GiB - 1 of src and of dst (the ring
 * format): stream steps take what fits and report it in consumed/produced;
 * oneshot and async requests larger than that get -E2BIG.
 */
struct wd_comp_req {
	/* in */
	const void *src;
	size_t src_len;
	void *dst;
	size_t dst_len;
	int flush;		/* WD_COMP_* flush mode (deflate streams) */
	void (*cb)(struct wd_comp_req *req);	/* async completion, or NULL */
	void *user_data;	/* untouched */
	/* out */
	int status;		/* 0 or -errno (as the call's return value) */
	size_t consumed;	/* bytes of src used */
	size_t produced;	/* bytes written to dst */
	int end;		/* 1: the stream ended (see WD_CQE_F_END) */
	int more;		/* 1: dst filled up, more output may be pending */
	uint32_t checksum;	/* running adler32/crc32 of the uncompressed
				 * data (zlib/gzip), or DICTID on -ENOKEY */
	int error;		/* with -EBADMSG: WD_COMP_E_*, what was wrong */
};

/* wd_comp_strerror - zlib's message for a WD_COMP_E_* code. */
const char *wd_comp_strerror(int error);

/*
 * wd_comp_sess_alloc - open a session (a stream context on its own
 * queue(s), requested from the best device serving "deflate"/"zlib"/"gzip").
 * Returns 0 and *sess, or -EINVAL (bad setup), -ENODEV (no device serves
 * compression), -EBUSY (no queue left), -ENOMEM.
 */
int wd_comp_sess_alloc(struct wd_comp_sess **sess,
		       const struct wd_comp_setup *setup);

/* wd_comp_sess_free - end the session; requests in flight are dropped. */
void wd_comp_sess_free(struct wd_comp_sess *sess);

/*
 * wd_comp_sess_dup - a new session in the same state as sess (zlib's
 * deflateCopy): parallel deflate sessions only, whose state is all in the
 * library once the chunks in flight are collected (which this waits for).
 * Returns 0 and *dup, -EOPNOTSUPP (a one-queue stream, whose state is in
 * its device; share-domain sessions), -ENOMEM.
 */
int wd_comp_sess_dup(struct wd_comp_sess **dup, struct wd_comp_sess *sess);

/*
 * wd_comp_sess_reset - forget the current stream: the next
 * wd_comp_stream() starts a new one with the same setup.
 */
int wd_comp_sess_reset(struct wd_comp_sess *sess);

/*
 * wd_comp_sess_set_dict - raw deflate/inflate: prime the stream with up to
 * 32 KiB of history (the last 32 KiB of dict count), as zlib's
 * deflateSetDictionary()/inflateSetDictionary() on a raw stream. Only
 * before the first step of a stream (after alloc or reset). Returns 0,
 * -EINVAL (not raw, or the stream has begun), -ENOMEM.
 */
int wd_comp_sess_set_dict(struct wd_comp_sess *sess, const void *dict,
			  size_t len);

/*
 * wd_comp_sess_params - deflate: change level and strategy. Before the
 * first step of a stream, or at any time in a parallel session (the chunks
 * that start after the call use them; flush first, as zlib's
 * deflateParams() does, to apply them from a given byte). Returns 0,
 * -EINVAL (bad values), -EOPNOTSUPP (a one-queue stream has begun).
 */
int wd_comp_sess_params(struct wd_comp_sess *sess, int level, int strategy);

/*
 * wd_comp_sess_cut - a chunked deflate session (parallel > 1 or
 * WD_COMP_F_CHUNKED): end the chunk being filled here, as reaching
 * chunk_size would. The chunk goes to an engine at once and ends on a byte
 * boundary; the next one is primed with the 32 KiB of input before the
 * cut. Unlike a SYNC flush it waits for nothing and adds no empty block:
 * the output after a cut depends on the input from 32 KiB before the cut
 * on, which is what gzip's --rsyncable needs when the caller cuts where
 * the content says. A cut with nothing since the last chunk ended does
 * nothing. Returns 0, -EINVAL (not a chunked deflate session, or after
 * FINISH), or what wd_comp_stream() returns (-ENOMEM).
 */
int wd_comp_sess_cut(struct wd_comp_sess *sess);

/*
 * wd_comp_stream - one synchronous step of the session's stream, with the
 * meaning of one deflate()/inflate() call: take what fits of src, write up
 * to dst_len bytes, flush per req->flush (deflate). Returns 0 (progress and
 * end/more reported in req), -EBADMSG (corrupt data: the stream is dead
 * until wd_comp_sess_reset), -ENOKEY (zlib preset dictionary needed),
 * -EINVAL, or a device error (-EFAULT, -ENOMEM, -EIO ...). Progress 0/0
 * means no progress was possible (zlib's Z_BUF_ERROR case).
 * Parallel sessions may consume input before producing the matching output
 * (it is held in the session and comes out on later calls, at the latest
 * with FINISH or a SYNC/FULL flush).
 */
int wd_comp_stream(struct wd_comp_sess *sess, struct wd_comp_req *req);

/*
 * wd_comp_oneshot - compress or decompress a whole buffer synchronously,
 * independent of the session's stream. Deflate: src is the whole input,
 * the result a complete stream (flush is ignored). Inflate: src holds one
 * whole stream. Returns 0, -ENOSPC (dst too small), -EBADMSG (corrupt),
 * -ENODATA (inflate: src ends before the stream does), -E2BIG (share-domain
 * sessions: more than 256 KiB of src, use the stream), or a device error.
 */
int wd_comp_oneshot(struct wd_comp_sess *sess, struct wd_comp_req *req);

/*
 * Asynchronous requests. wd_comp_send() submits req (stream != 0: a step of
 * the session's stream, in order with the others; 0: a oneshot job) and
 * returns 0, or -EBUSY when the queue is full (poll, then retry). Several
 * may be in flight; their src/dst must stay valid until completion. Stream
 * steps in flight should each have room for their output (as
 * wd_comp_bound()), otherwise output moves to the following steps.
 * Share-domain sessions take at most 256 KiB of src and 320 KiB of dst per
 * asynchronous request (-E2BIG). Parallel sessions are synchronous only.
 * wd_comp_poll() completes up to max requests (0: all in flight), filling
 * their out fields and calling req->cb when set; with wait it sleeps until
 * at least one completes. Returns how many completed, or -errno.
 * wd_comp_inflight() tells how many are still in flight.
 */
int wd_comp_send(struct wd_comp_sess *sess, struct wd_comp_req *req,
		 int stream);
int wd_comp_poll(struct wd_comp_sess *sess, unsigned int max, int wait);
unsigned int wd_comp_inflight(const struct wd_comp_sess *sess);

/*
 * wd_comp_bound - the most bytes a deflate of len bytes can produce with
 * this setup, as a oneshot or as a stream (parallel or not) fed len bytes
 * and flushed only by its FINISH; header and trailer included.
 */
size_t wd_comp_bound(const struct wd_comp_setup *setup, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* !__KERNEL__ */

#endif /* WD_COMP_H */
