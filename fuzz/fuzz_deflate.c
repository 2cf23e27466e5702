// SPDX-License-Identifier: MIT
/*
 * fuzz_deflate - the zlib shim's deflate round trip: random data, level,
 * window, memLevel, strategy, input and output piece sizes, flush pattern
 * and deflateParams changes; stock zlib (dlopen(SYSTEM_LIBZ)) must read the
 * stream back to the same bytes with the same adler32/crc32, and deflate
 * must only answer Z_OK, Z_BUF_ERROR (no progress) or Z_STREAM_END.
 *
 * Input: [level][wbits][memLevel][strategy][n ops][ops: in, out, flush]...
 *        [data ...]
 */
#include "config.h"

#include <zlib.h>
#include "fuzz_util.h"
#include "fuzz_zlib.h"

#define MAX_CALLS	200000
#define OPS_MAX		16

static struct fz_zlib real;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_env();
	setenv("WD_ZLIB", "force", 0);
	setenv("WD_ZLIB_PARALLEL", "2", 0);
	setenv("WD_ZLIB_CHUNK", "64k", 0);	/* the smallest chunk: several per input */
	fz_zlib_load(&real, "fuzz_deflate");
	return 0;
}

struct op {
	uInt in, out;
	int flush;	/* a Z_* flush, or -1: deflateParams first */
};

static const int wbits_choice[] = { 15, -15, 31, 9, -9, 12, 25, -12, 8 };
static const int flush_choice[] = { Z_NO_FLUSH, Z_NO_FLUSH, Z_NO_FLUSH, Z_PARTIAL_FLUSH,
				    Z_SYNC_FLUSH, Z_FULL_FLUSH, Z_BLOCK, -1 };

/* Stock zlib reads the stream back: 0 when it gives exactly data. */
static int check_back(int wbits, const uint8_t *z, size_t zlen, const uint8_t *data,
		      size_t len, uLong adler)
{
	uint8_t *back = malloc(len + 1);
	z_stream zs;
	int ret, bad;

	memset(&zs, 0, sizeof(zs));
	/* deflate turns window 8 into 9 for zlib streams; inflate must match */
	real.inflateInit2_(&zs, wbits == 8 ? 9 : wbits == -8 ? -9 : wbits,
			   ZLIB_VERSION, (int)sizeof(zs));
	zs.next_in = (Bytef *)z;
	zs.avail_in = (uInt)zlen;
	zs.next_out = back;
	zs.avail_out = (uInt)len + 1;
	ret = real.inflate(&zs, Z_FINISH);
	bad = ret != Z_STREAM_END || zs.total_out != len || zs.total_in != zlen ||
	      (len && memcmp(back, data, len)) || (wbits > 0 && zs.adler != adler);
	if (bad)
		fprintf(stderr, "zlib read back: ret %d out %lu/%zu in %lu/%zu adler %lx/%lx\n",
			ret, zs.total_out, len, zs.total_in, zlen, zs.adler, adler);
	real.inflateEnd(&zs);
	free(back);
	return bad;
}

static void parse_ops(struct fz *f, struct op *ops, int *nops)
{
	int i;

	*nops = 1 + (int)fz_below(f, OPS_MAX);
	for (i = 0; i < *nops; i++) {
		uInt b = fz_u8(f);

		ops[i].in = 1 + fz_u8(f) * 97u;
		ops[i].out = 1 + b * b;
		ops[i].flush = flush_choice[fz_below(f, sizeof(flush_choice) / sizeof(int))];
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	int level = (int)fz_below(&f, 11) - 1;
	int wbits = wbits_choice[fz_below(&f, sizeof(wbits_choice) / sizeof(int))];
	int mem = 1 + (int)fz_below(&f, 9), strategy = (int)fz_below(&f, 5);
	struct op ops[OPS_MAX];
	int nops, calls = 0, ret = Z_OK, i = 0;
	const uint8_t *in;
	size_t len, cap;
	uint8_t *out;
	z_stream zs;

	parse_ops(&f, ops, &nops);
	in = fz_bytes(&f, 1u << 20, &len);
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, level, Z_DEFLATED, wbits, mem, strategy) != Z_OK)
		fz_fail("deflateInit2(%d, %d, %d, %d) refused", level, wbits, mem, strategy);
	/* a flush after every byte may cost ~10 bytes per byte (empty blocks) */
	cap = deflateBound(&zs, len) + 16u * len + 1024;
	out = malloc(cap);
	zs.next_in = (Bytef *)in;
	zs.next_out = out;
	while (ret != Z_STREAM_END) {
		const struct op *o = &ops[i++ % nops];
		size_t in_left = len - zs.total_in, out_left = cap - zs.total_out;
		int flush = o->flush;

		if (flush < 0 && in_left == 0)
			flush = Z_FINISH;	/* zlib allows no params change once finishing */
		if (flush < 0) {
			if (deflateParams(&zs, (int)(o->in % 10), (int)(o->out % 5)) == Z_STREAM_ERROR)
				fz_fail("deflateParams: Z_STREAM_ERROR");
			flush = Z_NO_FLUSH;
		}
		zs.avail_in = (uInt)(o->in < in_left ? o->in : in_left);
		zs.avail_out = (uInt)(o->out < out_left ? o->out : out_left);
		if (zs.total_in + zs.avail_in == len)
			flush = Z_FINISH;
		ret = deflate(&zs, flush);
		if (ret != Z_OK && ret != Z_BUF_ERROR && ret != Z_STREAM_END)
			fz_fail("deflate(flush %d) answered %d", flush, ret);
		if (!out_left)
			fz_fail("deflate output exceeds %zu bytes for %zu in", cap, len);
		if (++calls > MAX_CALLS)
			fz_fail("deflate made no progress in %d calls", MAX_CALLS);
	}
	if (check_back(wbits, out, zs.total_out, in, len, zs.adler))
		fz_fail("level %d wbits %d mem %d strategy %d: stream does not read back",
			level, wbits, mem, strategy);
	deflateEnd(&zs);
	free(out);
	return 0;
}
