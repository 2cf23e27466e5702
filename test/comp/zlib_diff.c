// SPDX-License-Identifier: MIT
/*
 * zlib_diff.c - the core of the zlib_diff engine (zlib_diff.h): the two
 * libraries, choices, the trace, verdicts, data, and the run of one
 * scenario.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "zlib_diff.h"
#include "wdz.h"	/* only to ask whether a shim stream is on the device */

/* The shim: the names as linked into this program. */
const struct zd_lib zd_shim_lib = {
#define X(name) .name = name,
	ZD_FUNCS
#undef X
};

struct zd_lib zd_ref_lib;

const char *const zd_class_name[ZD_NR_CLASSES] = {
	"new deviation",
	"H1: inflateCopy/deflateCopy of a device stream refused",
	"H1: gzread loses the end of a file",
	"H2: deflate output depends on the call split",
	"H2: compress() output differs from the deflate stream's",
	("H1: inflate input held back: total_in at Z_DATA_ERROR, adler of an auto-detected "
	 "gzip stream before its header is read"),
};


/* Stock zlib in a link map of its own; 0, or -1 with a message. */
int zd_load_ref(void)
{
	void *h = dlmopen(LM_ID_NEWLM, SYSTEM_LIBZ, RTLD_NOW | RTLD_LOCAL);
	int missing = 0;

	if (!h) {
		fprintf(stderr, "zlib_diff: cannot load %s: %s\n", SYSTEM_LIBZ, dlerror());
		return -1;
	}
#define X(name) \
	*(void **)&zd_ref_lib.name = dlsym(h, #name); \
	missing += zd_ref_lib.name == NULL;
	ZD_FUNCS
#undef X
	if (missing || (void *)zd_ref_lib.deflate == (void *)deflate) {
		fprintf(stderr, "zlib_diff: %s lacks functions\n", SYSTEM_LIBZ);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* choices, trace, verdicts                                            */

void zd_start(struct zd_ctx *c, uint64_t seed)
{
	c->seed = seed;
	c->s = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
	if (!c->s)
		c->s = 1;
	c->tlen = 0;
	c->tcut = 0;
	c->trace[0] = 0;
	c->failed = 0;
	c->known = 0;
	c->why[0] = 0;
	c->sh = &zd_shim_lib;
	c->ref = &zd_ref_lib;
}

/* A choice in [0, n): n > 0. Fuzz mode: 0 once the input is used up. */
uint32_t zd_pick(struct zd_ctx *c, uint32_t n)
{
	uint32_t v;

	if (n <= 1)
		return 0;
	if (c->fuzz) {
		v = 0;
		if (c->fleft) {
			v = *c->fp++;
			c->fleft--;
		}
		if (n > 256 && c->fleft >= 2) {
			v = v | (uint32_t)c->fp[0] << 8 | (uint32_t)c->fp[1] << 16;
			c->fp += 2;
			c->fleft -= 2;
		}
		return v % n;
	}
	c->s ^= c->s << 13;
	c->s ^= c->s >> 7;
	c->s ^= c->s << 17;
	return (uint32_t)((c->s >> 11) % n);
}

/* Fuzz mode: has the input run out (every loop ends then)? */
int zd_dry(const struct zd_ctx *c)
{
	return c->fuzz && !c->fleft;
}

__attribute__((format(printf, 2, 3)))
void zd_trace(struct zd_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	c->ops++;
	if (c->tlen > ZD_TRACE - 512) {	/* keep the last half */
		memmove(c->trace, c->trace + ZD_TRACE / 2, c->tlen - ZD_TRACE / 2);
		c->tlen -= ZD_TRACE / 2;
		c->tcut = 1;
	}
	va_start(ap, fmt);
	n = vsnprintf(c->trace + c->tlen, ZD_TRACE - c->tlen - 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->tlen += (size_t)n < ZD_TRACE - c->tlen - 2 ? (size_t)n : ZD_TRACE - c->tlen - 2;
	c->trace[c->tlen++] = '\n';
	c->trace[c->tlen] = 0;
	if (c->live)	/* ZD_LIVE=1: each call as it is done (a crash) */
		fprintf(stderr, "%.*s", (int)(c->tlen - (size_t)(n > 0 ? n : 0) - 1 < c->tlen ?
			n + 1 : 0), c->trace + c->tlen - (n > 0 ? n : 0) - 1);
}

/*
 * A deviation when cond is false (returns 1 then). A new one ends the run
 * (c->failed, the first one's class + 1); a known one is counted once per
 * run and the run goes on (the engine steps around it).
 */
__attribute__((format(printf, 4, 5)))
int zd_bad(struct zd_ctx *c, int cond, enum zd_class k, const char *fmt, ...)
{
	char why[sizeof(c->why)];
	va_list ap;

	if (cond)
		return 0;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	zd_trace(c, "!! %s: %s", zd_class_name[k], why);
	if (k != ZD_NEW) {
		if (!(c->known & 1u << k)) {
			c->hits[k]++;
			if (!c->kwhy[k][0])
				snprintf(c->kwhy[k], sizeof(c->kwhy[k]), "seed %llu: %s",
					 (unsigned long long)c->seed, why);
		}
		c->known |= 1u << k;
		return 1;
	}
	if (!c->failed) {
		c->failed = 1;
		c->hits[k]++;
		memcpy(c->why, why, sizeof(why));
	}
	return 1;
}

/*
 * ZD_SKIP=i,j,... (to reduce a failure by hand): the i-th, j-th ... op of
 * a run's loop is replaced by a harmless query; the choices stay the same.
 */
int zd_skip(int n)
{
	const char *e = getenv("ZD_SKIP");
	char *end;

	while (e && *e) {
		if (strtol(e, &end, 10) == n)
			return 1;
		e = *end ? end + 1 : end;
	}
	return 0;
}

/* Is the shim's stream served by the device (or redone after it)? */
int zd_on_device(z_streamp strm)
{
	struct wdz_state *s = wdz_state(strm);

	return s && wdz_decided(s);
}

int zd_is_shim(z_streamp strm)
{
	return wdz_state(strm) != NULL;
}

/* ------------------------------------------------------------------ */
/* data                                                                */

static const char *const zd_words[] = {
	"the ", "zlib ", "stream ", "deflate ", "inflate ", "queue ", "device ",
	"\n", "0123456789", "{ int x = 0; }\n", "aaaaaaaaaaaaaaaa", ", ", ". ",
};

/*
 * A random size: 0, 1, 2, small, medium, large (up to max). Fuzz input
 * used up: a few KiB, so that every loop that feeds the rest ends.
 */
size_t zd_size(struct zd_ctx *c, size_t max)
{
	size_t n;

	if (zd_dry(c))
		return max < 4096 ? max : 4096;
	/* fuzzing: mostly small (a run costs what its data costs, and the
	 * sanitizers multiply it), sometimes past one chunk */
	if (c->fuzz && max > 20000 && zd_pick(c, 16))
		max = 20000;

	switch (zd_pick(c, 8)) {
	case 0: n = zd_pick(c, 3); break;
	case 1: case 2: n = zd_pick(c, 64); break;
	case 3: case 4: n = zd_pick(c, 4096); break;
	case 5: case 6: n = zd_pick(c, 70000); break;
	default: n = zd_pick(c, 300000); break;
	}
	return n > max ? max : n;
}

/* len bytes of text, noise, zeros or a mix (fuzz mode: the fuzzer's). */
void zd_fill(struct zd_ctx *c, uint8_t *p, size_t len)
{
	int kind = (int)zd_pick(c, 5);
	size_t i = 0;

	while (i < len) {
		int k = kind == 4 ? (int)zd_pick(c, 4) : kind;
		size_t run = kind == 4 ? 1 + zd_pick(c, 5000) : len;

		for (; run && i < len; run--) {
			if (k == 0 || k == 3) {	/* text */
				const char *w = zd_words[zd_pick(c, sizeof(zd_words) / sizeof(*zd_words))];
				size_t n = strlen(w);

				if (n > len - i)
					n = len - i;
				memcpy(p + i, w, n);
				i += n;
				run = run > n ? run - n + 1 : 1;
			} else if (k == 1) {
				uint8_t v = (uint8_t)zd_pick(c, 256);

				p[i] = c->fuzz ? v : (uint8_t)(c->s >> (8 * (i & 7))) ^ v;
				i++;
			} else {
				p[i++] = 0;
			}
		}
	}
}

uint8_t *zd_alloc(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "zlib_diff: out of memory\n");
		abort();
	}
	return p;
}

/* The check of data as the format keeps it (0: raw, none). */
uLong zd_check_of(int format, const uint8_t *p, size_t n)
{
	if (format == 2)
		return zd_ref_lib.crc32(0, p, (uInt)n);
	if (format == 1)
		return zd_ref_lib.adler32(1, p, (uInt)n);
	return 1;
}

/* format of deflate's windowBits: 0 raw, 1 zlib, 2 gzip */
int zd_format(int wbits)
{
	return wbits < 0 ? 0 : wbits > 15 ? 2 : 1;
}

/*
 * Stock zlib inflates z[0..zlen) (windowBits wbits, dict for Z_NEED_DICT
 * or raw priming) into exactly want[0..wlen); 0 if so, else what differs.
 */
const char *zd_ref_inflates_to(int wbits, const uint8_t *z, size_t zlen,
			       const uint8_t *want, size_t wlen,
			       const uint8_t *dict, size_t dlen)
{
	z_stream zs;
	uint8_t *back = zd_alloc(wlen + 64);
	const char *why = NULL;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (zd_ref_lib.inflateInit2_(&zs, wbits == 8 ? 9 : wbits, ZLIB_VERSION,
				     (int)sizeof(zs)) != Z_OK) {
		free(back);
		return "inflateInit2 refused";
	}
	if (wbits < 0 && dlen)
		zd_ref_lib.inflateSetDictionary(&zs, dict, (uInt)dlen);
	zs.next_in = (Bytef *)z;
	zs.avail_in = (uInt)zlen;
	zs.next_out = back;
	zs.avail_out = (uInt)wlen + 64;
	ret = zd_ref_lib.inflate(&zs, Z_FINISH);
	if (ret == Z_NEED_DICT && dlen) {
		zd_ref_lib.inflateSetDictionary(&zs, dict, (uInt)dlen);
		ret = zd_ref_lib.inflate(&zs, Z_FINISH);
	}
	if (ret != Z_STREAM_END)
		why = "does not end";
	else if (zs.total_in != zlen)
		why = "ends before its last byte";
	else if (zs.total_out != wlen || (wlen && memcmp(back, want, wlen)))
		why = "gives other bytes";
	zd_ref_lib.inflateEnd(&zs);
	free(back);
	return why;
}

const char *const zd_scenario_name[ZD_NR_SCENARIOS] = {
	"inflate", "deflate", "compress", "gz write", "gz read", "inflateBack",
};

/* One run of a scenario; 0 when shim and zlib agreed. */
int zd_run(struct zd_ctx *c, int scenario)
{
	switch (scenario) {
	case ZD_S_INFLATE: zd_run_inflate(c); break;
	case ZD_S_DEFLATE: zd_run_deflate(c); break;
	case ZD_S_COMPRESS: zd_run_compress(c); break;
	case ZD_S_GZWRITE: zd_run_gzwrite(c); break;
	case ZD_S_GZREAD: zd_run_gzread(c); break;
	default: zd_run_back(c); break;
	}
	return c->failed;
}

/* The report of a failed run: how to replay it, why, and its calls. */
void zd_report(const struct zd_ctx *c, int scenario, FILE *to, const char *pfx)
{
	const char *p = c->trace, *e;

	fprintf(to, "%sscenario %d (%s), seed %llu: %s: %s\n", pfx, scenario,
		zd_scenario_name[scenario], (unsigned long long)c->seed,
		c->failed ? "new deviation" : "known deviations only", c->why);
	if (c->fuzz)
		fprintf(to, "%sreplay: fuzz_zlib_diff with the input saved\n", pfx);
	else
		fprintf(to, "%sreplay: ZD_SCENARIO=%d ZD_SEED=%llu comp/test_zlib_diff\n", pfx,
			scenario, (unsigned long long)c->seed);
	fprintf(to, "%scalls%s:\n", pfx, c->tcut ? " (the last ones)" : "");
	while (*p) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		fprintf(to, "%s  %.*s\n", pfx, (int)(e - p), p);
		p = *e ? e + 1 : e;
	}
}

