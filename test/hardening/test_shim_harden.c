// SPDX-License-Identifier: MIT
/*
 * test_shim_harden - libwdz.so.1 under injected device faults and under
 * memory limits. Linked with libwdz in place of libz (as
 * test/comp/test_zlib_shim), so zlib calls here go to the shim; the real
 * zlib (dlopen(SYSTEM_LIBZ)) checks every result.
 *
 * Faults (WD_SOFT_FAULT, one child each): one-call compress2/uncompress,
 * a gzip deflate stream and a zlib inflate stream fed in pieces (read in
 * big and in small output pieces) must give zlib-correct results, and the
 * counters must say that software did the work (fallback or errors > 0),
 * except under "slow", where the device does it. DESIGN.md invariant 3.
 * The device failing in the middle of an inflate stream is checked on its
 * own (the stream is redone in zlib from the input the shim kept), and so
 * is what happens past the bound of that input (WD_ZLIB_REPLAY_MAX).
 *
 * Memory (RLIMIT_AS): with every byte malloc can give taken, init and
 * one-call functions answer Z_MEM_ERROR and nothing crashes; with the
 * limit a little above the current use, each operation is either correct
 * or Z_MEM_ERROR (devices that cannot start fall back); after the limit is
 * lifted everything works again.
 */
#include "config.h"

#include <dlfcn.h>
#include <zlib.h>
#include "harden.h"

#define DATA_LEN	(3u << 20)
#define PIECE		(64u << 10)

/*
 * The real zlib's stream functions only: its compress2/uncompress call
 * deflateInit_ & co. through the PLT, which would land in the shim.
 */
static struct {
	int (*deflateInit2_)(z_streamp, int, int, int, int, int, const char *, int);
	int (*deflate)(z_streamp, int);
	int (*deflateEnd)(z_streamp);
	int (*inflateInit2_)(z_streamp, int, const char *, int);
	int (*inflate)(z_streamp, int);
	int (*inflateEnd)(z_streamp);
} real;

static uint8_t *data, *zbuf, *back;
static size_t zcap;
static uint8_t *zstream;	/* zlib's zlib-format stream of data */
static size_t zstream_len;

static void load_real(void)
{
	void *h = dlopen(SYSTEM_LIBZ, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		tap_bail("cannot load the real zlib");
#define SYM(n) (*(void **)&real.n = dlsym(h, #n))
	if (!SYM(deflateInit2_) || !SYM(deflate) ||
	    !SYM(deflateEnd) || !SYM(inflateInit2_) || !SYM(inflate) || !SYM(inflateEnd))
		tap_bail("real zlib symbols");
#undef SYM
}

/* Real zlib, whole buffers: wbits as inflateInit2/deflateInit2. */
static int real_deflate(int wbits, const uint8_t *in, size_t len, uint8_t *out,
			size_t cap, size_t *out_len)
{
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (real.deflateInit2_(&zs, 6, Z_DEFLATED, wbits, 8, 0, ZLIB_VERSION, (int)sizeof(zs)))
		return Z_MEM_ERROR;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	ret = real.deflate(&zs, Z_FINISH);
	*out_len = zs.total_out;
	real.deflateEnd(&zs);
	return ret == Z_STREAM_END ? Z_OK : ret;
}

/* Real zlib reads in back to exactly data[0..DATA_LEN). */
static int real_check(int wbits, const uint8_t *in, size_t len)
{
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (real.inflateInit2_(&zs, wbits, ZLIB_VERSION, (int)sizeof(zs)))
		return Z_MEM_ERROR;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = back;
	zs.avail_out = DATA_LEN;
	ret = real.inflate(&zs, Z_FINISH);
	real.inflateEnd(&zs);
	return ret == Z_STREAM_END && zs.total_in == len && zs.total_out == DATA_LEN &&
	       !memcmp(back, data, DATA_LEN) ? Z_OK : 100;
}

/* Text-like data that compresses about 3:1, the same every run. */
static void make_data(void)
{
	static const char *words[] = { "queue ", "device ", "ring ", "engine ", "share ",
				       "deflate ", "stream ", "fallback\n", "counter ", "42 " };
	uint32_t x = 12345;
	size_t i = 0;

	data = malloc(DATA_LEN);
	zcap = DATA_LEN + DATA_LEN / 8 + 4096;
	zbuf = malloc(zcap);
	back = malloc(DATA_LEN);
	zstream = malloc(zcap);
	if (!data || !zbuf || !back || !zstream)
		tap_bail("memory");
	while (i < DATA_LEN) {
		const char *w;
		size_t n;

		x = x * 1103515245u + 12345u;
		w = words[(x >> 16) % 10];
		n = strlen(w);
		if (n > DATA_LEN - i)
			n = DATA_LEN - i;
		memcpy(data + i, w, n);
		i += n;
		if ((x >> 8) % 7 == 0 && i < DATA_LEN)
			data[i++] = (uint8_t)(x >> 24);
	}
	if (real_deflate(15, data, DATA_LEN, zstream, zcap, &zstream_len) != Z_OK)
		tap_bail("real deflate");
}

/* One-call compress2 (shim) read back by the real uncompress: Z_OK or ret. */
static int oneshot(void)
{
	uLongf zl = zcap, bl = DATA_LEN;
	int ret = compress2(zbuf, &zl, data, DATA_LEN, 6);

	if (ret != Z_OK)
		return ret;
	if (real_check(15, zbuf, zl) != Z_OK)
		return 100;
	ret = uncompress(back, &bl, zstream, zstream_len);	/* the shim's */
	if (ret != Z_OK)
		return ret;
	return bl == DATA_LEN && !memcmp(back, data, DATA_LEN) ? Z_OK : 101;
}

/* A gzip stream deflated in pieces by the shim, checked by the real zlib. */
static int stream_deflate(void)
{
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	ret = deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	if (ret != Z_OK)
		return ret;
	zs.next_in = data;
	zs.next_out = zbuf;
	zs.avail_out = (uInt)zcap;
	while (ret == Z_OK) {
		size_t left = DATA_LEN - zs.total_in;

		zs.avail_in = (uInt)(left < PIECE ? left : PIECE);
		ret = deflate(&zs, left <= PIECE ? Z_FINISH : Z_NO_FLUSH);
	}
	deflateEnd(&zs);
	if (ret != Z_STREAM_END)
		return ret;
	return real_check(31, zbuf, zs.total_out) == Z_OK ? Z_OK : 102;
}

/*
 * zlib's stream inflated in pieces by the shim, out_piece bytes of room per
 * call: 4 * PIECE is written by the device straight into the caller's
 * buffer, small pieces come through the shim's staging buffer.
 */
static int stream_inflate_by(size_t out_piece)
{
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	ret = inflateInit2(&zs, 15);
	if (ret != Z_OK)
		return ret;
	zs.next_in = zstream;
	zs.next_out = back;
	do {
		size_t in_left = zstream_len - zs.total_in, out_left = DATA_LEN - zs.total_out;

		zs.avail_in = (uInt)(in_left < PIECE ? in_left : PIECE);
		zs.avail_out = (uInt)(out_left < out_piece ? out_left : out_piece);
		ret = inflate(&zs, Z_NO_FLUSH);
	} while (ret == Z_OK);
	inflateEnd(&zs);
	if (ret != Z_STREAM_END)
		return ret;
	return zs.total_out == DATA_LEN && zs.total_in == zstream_len &&
	       !memcmp(back, data, DATA_LEN) ? Z_OK : 103;
}

static int stream_inflate(void)
{
	return stream_inflate_by(4 * PIECE);
}

static int stream_inflate_small(void)
{
	return stream_inflate_by(5000);
}

/* ------------------------------------------------------------------ */
/* faults                                                              */

/* Child result bits */
#define R_ONESHOT	0x01
#define R_DEFLATE	0x02
#define R_INFLATE	0x04
#define R_COUNTERS	0x08
#define R_INFLATE_SMALL	0x10
#define R_ALL		0x1f

static int fault_case(void *arg)
{
	int r1 = oneshot(), r2 = stream_deflate(), r3 = stream_inflate();
	int r4 = stream_inflate_small();
	int slow = arg != NULL, r = 0;
	uint64_t soft, dev;

	if (r1 == Z_OK)
		r |= R_ONESHOT;
	if (r2 == Z_OK)
		r |= R_DEFLATE;
	if (r3 == Z_OK)
		r |= R_INFLATE;
	if (r4 == Z_OK)
		r |= R_INFLATE_SMALL;
	if (r != (R_ONESHOT | R_DEFLATE | R_INFLATE | R_INFLATE_SMALL))
		printf("# compress2/uncompress %d, deflate stream %d, inflate stream %d, "
		       "in small pieces %d\n", r1, r2, r3, r4);
	soft = alg_counter("deflate", WD_ALG_FALLBACK) + alg_counter("deflate", WD_ALG_ERRORS) +
	       alg_counter("inflate", WD_ALG_FALLBACK) + alg_counter("inflate", WD_ALG_ERRORS);
	dev = alg_counter("deflate", WD_ALG_OFFLOADED) + alg_counter("inflate", WD_ALG_OFFLOADED);
	/* slow: the device served streams (some may still fall back on a busy pool) */
	if (slow ? dev > 0 : soft > 0)
		r |= R_COUNTERS;
	else
		printf("# counters: software %llu, device %llu\n", (unsigned long long)soft,
		       (unsigned long long)dev);
	return r;
}

static void check_fault(const char *fault)
{
	int r = run_child(fault, fault_case, strncmp(fault, "slow", 4) ? NULL : (void *)1);

	ok(r >= 0 && (r & R_ALL) == R_ALL, "WD_SOFT_FAULT=%s: compress2/uncompress, deflate "
	   "and inflate streams correct, counters agree (result %#x)", fault, r);
	if (r < 0)
		ok(0, "WD_SOFT_FAULT=%s: the process crashed (signal %d)", fault, -r);
}

/*
 * Only inflate streams, under error=4: each stream's first three requests
 * work (its output is partly delivered), the fourth fails, so both fail
 * in the middle. Bits: 1 and 2 the streams are right, 4 both started on
 * the device and both fell back to zlib.
 */
static int midstream_case(void *arg)
{
	int r = 0;

	(void)arg;
	if (stream_inflate() == Z_OK)
		r |= 1;
	if (stream_inflate_small() == Z_OK)
		r |= 2;
	if (alg_counter("inflate", WD_ALG_OFFLOADED) >= 2 &&
	    alg_counter("inflate", WD_ALG_FALLBACK) >= 2)
		r |= 4;
	else
		printf("# inflate counters: offloaded %llu, fallback %llu\n",
		       (unsigned long long)alg_counter("inflate", WD_ALG_OFFLOADED),
		       (unsigned long long)alg_counter("inflate", WD_ALG_FALLBACK));
	return r;
}

/*
 * The shim keeps at most WD_ZLIB_REPLAY_MAX bytes of a stream's input to
 * redo it: with 64 KiB, the eighth request (error=8) fails after more than
 * that went in, and the stream cannot be repaired. The answer must be
 * Z_MEM_ERROR (never Z_STREAM_ERROR, never wrong data); 1 when it is.
 */
static int bound_case(void *arg)
{
	int ret;

	(void)arg;
	setenv("WD_ZLIB_REPLAY_MAX", "65536", 1);
	ret = stream_inflate();
	if (ret != Z_MEM_ERROR)
		printf("# inflate past the replay bound: %d\n", ret);
	return ret == Z_MEM_ERROR;
}

static void check_midstream(void)
{
	int r = run_child("error=4", midstream_case, NULL);

	ok(r == 7, "WD_SOFT_FAULT=error=4: inflate streams whose device fails mid-stream "
	   "are finished by zlib, correct, and counted as offloaded and fallen back "
	   "(result %#x)", r);
	r = run_child("error=8", bound_case, NULL);
	ok(r == 1, "a device failure past WD_ZLIB_REPLAY_MAX of input is Z_MEM_ERROR "
	   "(result %d)", r);
}

/* ------------------------------------------------------------------ */
/* memory limits                                                       */

/* Every byte taken: init and one-call functions must say Z_MEM_ERROR. */
static int exhausted_case(void *arg)
{
	z_stream d, i;
	uLongf zl = zcap, bl = DATA_LEN;
	void *hog;
	int bad = 0, rd, ri, rc, ru;

	(void)arg;
	if (limit_memory(1u << 20))
		return 200;
	hog = hog_memory();
	memset(&d, 0, sizeof(d));
	memset(&i, 0, sizeof(i));
	rd = deflateInit2(&d, 6, Z_DEFLATED, 31, 8, 0);
	ri = inflateInit2(&i, 15);
	rc = compress2(zbuf, &zl, data, DATA_LEN, 6);
	ru = uncompress(back, &bl, zstream, zstream_len);
	hog_free(hog);
	raise_limit();
	if (rd != Z_MEM_ERROR || ri != Z_MEM_ERROR || rc != Z_MEM_ERROR || ru != Z_MEM_ERROR)
		bad |= 1;
	if (rd == Z_OK)
		deflateEnd(&d);
	if (ri == Z_OK)
		inflateEnd(&i);
	/* and back to normal once memory is there again */
	if (oneshot() != Z_OK || stream_deflate() != Z_OK || stream_inflate() != Z_OK)
		bad |= 2;
	return bad;
}

/*
 * A limit a little above what is mapped now: the soft device may fail to
 * start engine threads or map its rings, the shim may fail to allocate.
 * Each operation must be correct or Z_MEM_ERROR. Returns bits: 1 some step
 * failed for lack of memory, 2 some step said Z_STREAM_ERROR instead of
 * Z_MEM_ERROR, 0x80 a wrong answer or another code.
 */
static int tight_case(void *arg)
{
	size_t extra = (size_t)(uintptr_t)arg;
	int r[3], i, bits = 0;

	if (limit_memory(extra))
		return 200;
	r[0] = oneshot();
	r[1] = stream_deflate();
	r[2] = stream_inflate();
	raise_limit();
	for (i = 0; i < 3; i++) {
		if (r[i] == Z_MEM_ERROR)
			bits |= 1;
		else if (r[i] == Z_STREAM_ERROR)
			bits |= 3;
		else if (r[i] != Z_OK)
			bits |= 0x80;
	}
	if (bits & 0x82)
		printf("# limit +%zu MiB: compress2/uncompress %d, deflate %d, inflate %d\n",
		       extra >> 20, r[0], r[1], r[2]);
	return bits;
}

static void check_limits(void)
{
	static const size_t extra_mib[] = { 0, 1, 2, 4, 8, 16, 32, 64 };
	int i, wrong = 0, failed = 0, stream_error = 0, crashed = 0, r;

	if (HARDEN_ASAN) {
		tap_skip_n(4, "AddressSanitizer build: RLIMIT_AS cannot be used");
		return;
	}
	r = run_child(NULL, exhausted_case, NULL);
	ok(r == 0, "all memory taken: deflateInit2, inflateInit2, compress2 and uncompress "
	   "answer Z_MEM_ERROR, and work again once memory is back (result %d)", r);
	for (i = 0; i < (int)(sizeof(extra_mib) / sizeof(extra_mib[0])); i++) {
		r = run_child(NULL, tight_case, (void *)(uintptr_t)(extra_mib[i] << 20));
		if (r < 0)
			crashed++;
		else if (r & 0x80 || r == 200)
			wrong++;
		failed += r > 0 && (r & 1);
		stream_error += r > 0 && r < 0x80 && (r & 2);
	}
	ok(!crashed && !wrong, "address space limited to the current use + 0..64 MiB: no "
	   "crash, no wrong data, no code but Z_OK/Z_MEM_ERROR/Z_STREAM_ERROR (%d crashed, "
	   "%d wrong)", crashed, wrong);
	ok(!stream_error, "out of memory is Z_MEM_ERROR, never Z_STREAM_ERROR (%d limits "
	   "gave Z_STREAM_ERROR)", stream_error);
	ok(failed > 0, "the tightest limits did make allocations fail (%d of 8 limits)", failed);
}

int main(void)
{
	/*
	 * The request counter is the process's: error=N and vanish=N land in
	 * compress2/uncompress, in the deflate stream or in the middle of an
	 * inflate stream depending on N; busy=1 refuses every send.
	 */
	static const char *const faults[] = {
		"missing", "slow=3000", "error=1", "error=2", "error=3", "error=5",
		"error=7", "vanish=0", "vanish=2", "vanish=8", "vanish=20", "vanish=30",
		"busy=1", "busy=2",
	};
	size_t i;

	tap_plan(0);
	load_real();
	make_data();
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		check_fault(faults[i]);
	check_midstream();
	check_limits();
	return tap_exit();
}
