// SPDX-License-Identifier: MIT
/*
 * wd_config.c - the table of every knob, and the one parser of the WD_*
 * environment variables (wd_config.h has the rules).
 *
 * Before this table, four parsers disagreed: libwd's rejected values out of
 * range, the zlib shim's clamped them and took k/M suffixes, the provider
 * used atoi, and several reads ran getenv on every call while wd.h said
 * "read once". Now all environment knobs are read together, once per
 * process (under a lock, at the first use; a fork child reads again), through
 * secure_getenv (wd_env.c), and the same row feeds wdctl config and the
 * check of doc/config.md.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "wd_internal.h"
#include "wd_env.h"
#include "wd_config.h"
#include "wd_fork.h"

static const char *const auto_off[] = { "auto", "off", NULL };
static const char *const zlib_modes[] = { "auto", "off", "force", NULL };
static const char *const zlib_aliases[] = { "0", "off", "on", "force", NULL };
static const char *const comp_engines[] = { "auto", "zlib", NULL };

static long online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

#define ENV	WD_CFG_KIND_ENV
#define MOD	WD_CFG_KIND_MODULE
#define OSSL	WD_CFG_KIND_OPENSSL
#define SCRIPT	WD_CFG_KIND_SCRIPT

#define LONG(n, k, u, d, dd, lo, hi, comp, page, what) \
	{ .name = n, .kind = k, .type = WD_CFG_LONG, .unit = u, .def = d, \
	  .def_doc = dd, .min = lo, .max = hi, .component = comp, .doc = page, \
	  .meaning = what }
#define SIZE(n, d, dd, lo, hi, comp, page, what) \
	{ .name = n, .kind = ENV, .type = WD_CFG_SIZE, .unit = "bytes", .def = d, \
	  .def_doc = dd, .min = lo, .max = hi, .component = comp, .doc = page, \
	  .meaning = what }
#define ENUM(n, k, c, a, d, comp, page, what) \
	{ .name = n, .kind = k, .type = WD_CFG_ENUM, .choices = c, .aliases = a, \
	  .def = d, .def_doc = NULL, .component = comp, .doc = page, .meaning = what }
#define STR(n, k, t, d, dd, comp, page, what) \
	{ .name = n, .kind = k, .type = t, .def_str = d, .def_doc = dd, \
	  .component = comp, .doc = page, .meaning = what }

static const struct wd_cfg_info cfg_table[WD_CFG_NR] = {
	[WD_CFG_DEVICE] = STR("WD_DEVICE", ENV, WD_CFG_STRING, "auto", NULL, "libwd",
		"doc/kernel.md",
		"auto: kernel devices first, then the soft device; soft; kernel; or one device's name"),
	[WD_CFG_SYSFS_CLASS] = STR("WD_SYSFS_CLASS", ENV, WD_CFG_PATH, "/sys/class/uacce",
		NULL, "libwd", "doc/kernel.md", "where kernel devices are looked for"),
	[WD_CFG_STATS_DIR] = STR("WD_STATS_DIR", ENV, WD_CFG_PATH, "/dev/shm", NULL, "libwd",
		"doc/hardening.md", "where counter files live; off: no counter files"),
	[WD_CFG_RECV_SPIN_MAX_US] = LONG("WD_RECV_SPIN_MAX_US", ENV, "us", 2000, NULL, 0,
		1000000, "libwd", "libwd/include/wd.h",
		"a synchronous wait with one request in flight polls, yielding, through requests "
		"that lately took up to this long, instead of sleeping after 20 us; 0: always sleep"),

	[WD_CFG_SOFT_ENGINES] = LONG("WD_SOFT_ENGINES", ENV, "threads", 0, "online CPUs", 1,
		256, "soft device", "libwd/include/wd.h", "engine threads of the soft device"),
	[WD_CFG_SOFT_SPIN_US] = LONG("WD_SOFT_SPIN_US", ENV, "us", 200, NULL, 0, 1000000,
		"soft device", "libwd/include/wd.h",
		"how long an idle soft engine polls before it sleeps"),
	[WD_CFG_SOFT_AFFINITY] = ENUM("WD_SOFT_AFFINITY", ENV, auto_off, NULL, 0,
		"soft device", "libwd/soft/soft_engine.c",
		"auto: bind each engine to one of the process's CPUs when there are enough; "
		"off: the scheduler places them"),
	[WD_CFG_SOFT_MAX_QUEUES] = LONG("WD_SOFT_MAX_QUEUES", ENV, "queues", 1024, NULL, 1,
		65536, "soft device", "libwd/include/wd.h", "soft device queues per process"),
	[WD_CFG_SOFT_FAULT] = STR("WD_SOFT_FAULT", ENV, WD_CFG_STRING, NULL, "unset",
		"soft device", "libwd/soft/soft_fault.c",
		"fault injection for tests: missing, error=N, vanish=N, slow=US, busy=N, "
		"noevent, noshare; comma separated"),

	[WD_CFG_COMP_ENGINE] = ENUM("WD_COMP_ENGINE", ENV, comp_engines, NULL, 0,
		"soft device", "doc/compression.md",
		"zlib: the soft engine codes everything with zlib; auto: ISA-L and libdeflate "
		"where they serve"),
	[WD_CFG_COMP_ISAL_LEVEL] = LONG("WD_COMP_ISAL_LEVEL", ENV, NULL, 2, NULL, 1, 3,
		"soft device", "doc/compression.md", "the ISA-L level that serves zlib level 1"),
	[WD_CFG_COMP_INLINE_MAX] = SIZE("WD_COMP_INLINE_MAX", 16384, NULL, 0, 1L << 30,
		"wd_comp", "doc/compression.md",
		"pieces of a parallel deflate stream below this are compressed in the library"),

	[WD_CFG_ZLIB] = ENUM("WD_ZLIB", ENV, zlib_modes, zlib_aliases, 0, "zlib shim",
		"doc/compression.md",
		"auto: offload by the shim's rules; off (or 0): every stream to zlib (counted as "
		"fallback); force (or on): every stream that can be, small inflate streams too "
		"(deflate: the same as auto)"),
	[WD_CFG_ZLIB_MIN_INFLATE] = SIZE("WD_ZLIB_MIN_INFLATE", 4096, NULL, 0, 1L << 30,
		"zlib shim", "doc/compression.md",
		"zlib and raw inflate streams (not gzip) whose first piece is below this go to "
		"zlib"),
	[WD_CFG_ZLIB_PARALLEL] = LONG("WD_ZLIB_PARALLEL", ENV, "queues", 0,
		"online CPUs (2..8)", 2, 64, "zlib shim", "doc/compression.md",
		"queues (engines) one deflate stream is spread over"),
	[WD_CFG_ZLIB_CHUNK] = SIZE("WD_ZLIB_CHUNK", 0, "512k (256k at level 1)", 64L << 10,
		64L << 20, "zlib shim", "doc/compression.md",
		"chunk of a parallel deflate stream"),
	[WD_CFG_ZLIB_DEBUG] = LONG("WD_ZLIB_DEBUG", ENV, NULL, 0, NULL, 0, 9, "zlib shim",
		"doc/compression.md",
		"1: say on stderr when a stream falls back, or no session opens"),
	[WD_CFG_ZLIB_REPLAY_MAX] = SIZE("WD_ZLIB_REPLAY_MAX", 8L << 20, "8M", 0, 1L << 30,
		"zlib shim", "doc/compression.md",
		"compressed input an offloaded inflate stream keeps, to be redone in zlib if "
		"its device fails (0: none)"),

	[WD_CFG_BENCH_RUNS] = LONG("WD_BENCH_RUNS", SCRIPT, "runs", 3, NULL, 1, 100,
		"make bench", "doc/compression.md", "each benchmark figure is the best of this many runs"),
	[WD_CFG_BENCH_SECS] = LONG("WD_BENCH_SECS", SCRIPT, "s", 4, NULL, 1, 3600,
		"make bench", "doc/nginx.md", "seconds per handshake run of the nginx benchmark"),
	[WD_CFG_BENCH_CIPHER_THRESHOLD] = STR("WD_BENCH_CIPHER_THRESHOLD", SCRIPT,
		WD_CFG_STRING, "4096", NULL, "make bench", "doc/nginx.md",
		"cipher_threshold of the nginx benchmark's openssl.cnf (auto: the shipped setting)"),

	[WD_CFG_MOD_SVA_DEVS] = LONG("wd_soft.sva_devs", MOD, "devices", 1, NULL, 0, 16,
		"wd_soft.ko", "doc/kernel.md",
		"devices in SVA mode (requests carry the opener's virtual addresses); "
		"sva_devs + sd_devs <= 16"),
	[WD_CFG_MOD_SD_DEVS] = LONG("wd_soft.sd_devs", MOD, "devices", 1, NULL, 0, 16,
		"wd_soft.ko", "doc/kernel.md",
		"devices in share-domain mode (requests point into the queue's share region)"),
	[WD_CFG_MOD_NR_QUEUES] = LONG("wd_soft.nr_queues", MOD, "queues", 64, NULL, 1,
		0xffffffffL, "wd_soft.ko", "doc/kernel.md", "queues per device"),
	[WD_CFG_MOD_NR_ENGINES] = LONG("wd_soft.nr_engines", MOD, "threads", 2, NULL, 1,
		64, "wd_soft.ko", "doc/kernel.md", "engine threads, shared by all devices"),
	[WD_CFG_MOD_RING_DEPTH] = LONG("wd_soft.ring_depth", MOD, "entries", 256, NULL, 1,
		4096, "wd_soft.ko", "doc/kernel.md",
		"default ring depth, a power of two (a queue may ask for another)"),
	[WD_CFG_MOD_SHARE_MAX_MB] = LONG("wd_soft.share_max_mb", MOD, "MiB", 64, NULL, 0,
		1024, "wd_soft.ko", "doc/kernel.md", "largest share region of one queue"),
	[WD_CFG_MOD_SPIN_US] = LONG("wd_soft.spin_us", MOD, "us", 50, NULL, 0, 0xffffffffL,
		"wd_soft.ko", "doc/kernel.md",
		"how long an idle engine polls before it sleeps (writable at run time)"),

	[WD_CFG_OSSL_CIPHER_THRESHOLD] = STR("cipher_threshold", OSSL, WD_CFG_STRING, "auto",
		NULL, "wd.so", "doc/provider.md",
		"AES updates (and TLS records, XTS data units) shorter than this many bytes stay "
		"in software; auto: AES is not offered at all on the soft device, 16384 on a "
		"kernel device"),
	[WD_CFG_OSSL_RSA_MIN_BITS] = LONG("rsa_min_bits", OSSL, "bits", 1024, NULL, 1024, 8192,
		"wd.so", "doc/provider.md",
		"smaller RSA keys stay in software (the device takes 1024..8192)"),
	[WD_CFG_OSSL_OFFLOAD] = LONG("offload", OSSL, NULL, 1, NULL, 0, 1, "wd.so",
		"doc/provider.md", "0: nothing goes to a queue (for comparisons)"),
	[WD_CFG_OSSL_LOAD_DEFAULT] = LONG("load_default", OSSL, NULL, 1, NULL, 0, 1, "wd.so",
		"doc/provider.md", "0: do not load the default provider beside wd"),
};

/* The values of this process, filled by cfg_read(). */
struct cfg_value {
	long num;
	const char *str;
	const char *raw;
	enum wd_cfg_source src;
};

static struct cfg_value cfg_val[WD_CFG_NR];
/*
 * Read once, like pthread_once, but a fork child must be able to start
 * over, and a pthread_once_t may not be reset: a flag published with
 * release, and a lock for the first reading.
 */
static int cfg_ready;
static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;

/* A number with an optional k/M suffix (sizes only); -1 if it is none. */
static int cfg_parse_num(const char *s, int suffix, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 0);
	if (errno || end == s)
		return -1;
	if (suffix && (*end == 'k' || *end == 'K' || *end == 'm' || *end == 'M')) {
		int shift = *end == 'k' || *end == 'K' ? 10 : 20;

		if (n > (LONG_MAX >> shift) || n < -(LONG_MAX >> shift))
			return -1;
		n <<= shift;
		end++;
	}
	if (*end)
		return -1;
	*out = n;
	return 0;
}

/* The index of word among an ENUM row's choices or aliases, or -1. */
static long cfg_parse_choice(const struct wd_cfg_info *k, const char *word)
{
	long i;

	for (i = 0; k->choices[i]; i++)
		if (!strcmp(k->choices[i], word))
			return i;
	for (i = 0; k->aliases && k->aliases[i]; i += 2)
		if (!strcmp(k->aliases[i], word))
			return cfg_parse_choice(k, k->aliases[i + 1]);
	return -1;
}

static long cfg_default_num(int id)
{
	long n;

	switch (id) {
	case WD_CFG_SOFT_ENGINES:
		n = online_cpus();
		return n > 256 ? 256 : n;
	case WD_CFG_ZLIB_PARALLEL:
		n = online_cpus();
		return n < 2 ? 2 : n > 8 ? 8 : n;
	default:
		return cfg_table[id].def;
	}
}

static void cfg_set_default(int id, struct cfg_value *v)
{
	const struct wd_cfg_info *k = &cfg_table[id];

	v->num = cfg_default_num(id);
	v->str = k->type == WD_CFG_ENUM ? k->choices[k->def] : k->def_str;
}

/* Is text a valid value of k? Then store it in v. */
static int cfg_parse(const struct wd_cfg_info *k, const char *text, struct cfg_value *v)
{
	long n;

	switch (k->type) {
	case WD_CFG_LONG:
	case WD_CFG_SIZE:
		if (cfg_parse_num(text, k->type == WD_CFG_SIZE, &n) || n < k->min || n > k->max)
			return -1;
		v->num = n;
		return 0;
	case WD_CFG_ENUM:
		n = cfg_parse_choice(k, text);
		if (n < 0)
			return -1;
		v->num = n;
		v->str = k->choices[n];
		return 0;
	case WD_CFG_STRING:
	case WD_CFG_PATH:
		v->str = text;
		return 0;
	}
	return -1;
}

/*
 * A copy of a value's text: the environment's string may be changed or
 * freed by the application (putenv of its own buffer). Copies live as long
 * as the process, because a string handed out before a fork may still be
 * held in the child that reads its environment again: the child reuses an
 * equal copy, and keeps a replaced one on the retired list (reachable, so
 * not a leak), never frees it.
 */
static char *cfg_copies[WD_CFG_NR];
static struct cfg_retired {
	struct cfg_retired *next;
	char *text;
} *cfg_retired;

static const char *cfg_copy(int id, const char *text)
{
	struct cfg_retired *r;
	char *c;

	if (cfg_copies[id] && !strcmp(cfg_copies[id], text))
		return cfg_copies[id];
	c = strdup(text);
	if (!c)
		return text;
	if (cfg_copies[id]) {
		r = malloc(sizeof(*r));
		if (!r) {
			free(c);
			return text;
		}
		r->text = cfg_copies[id];
		r->next = cfg_retired;
		cfg_retired = r;
	}
	cfg_copies[id] = c;
	return c;
}

static void cfg_read_one(int id, int secure)
{
	const struct wd_cfg_info *k = &cfg_table[id];
	struct cfg_value *v = &cfg_val[id];
	const char *text;

	memset(v, 0, sizeof(*v));
	if (k->kind != WD_CFG_KIND_ENV && k->kind != WD_CFG_KIND_SCRIPT) {
		v->num = k->def;
		v->str = k->def_str;
		v->src = WD_CFG_SRC_NONE;
		return;
	}
	cfg_set_default(id, v);
	v->src = WD_CFG_SRC_DEFAULT;
	if (secure) {
		/* only whether it is set, never its value */
		const char *set = getenv(k->name);

		if (set && *set)
			v->src = WD_CFG_SRC_SECURE;
		return;
	}
	text = wd_env_get(k->name);
	if (!text || !*text)
		return;
	v->raw = cfg_copy(id, text);
	text = v->raw;
	if (cfg_parse(k, text, v)) {
		cfg_set_default(id, v);
		v->src = WD_CFG_SRC_INVALID;
		return;
	}
	v->src = WD_CFG_SRC_ENV;
}

/* A child reads its environment again at its first use (wd_config.h). */
static void cfg_fork_child(void)
{
	pthread_mutex_init(&cfg_lock, NULL);
	cfg_ready = 0;
}

static void cfg_read(void)
{
	int secure = getauxval(AT_SECURE) != 0;
	int id;

	pthread_mutex_lock(&cfg_lock);
	if (!cfg_ready) {
		for (id = 0; id < WD_CFG_NR; id++)
			cfg_read_one(id, secure);
		wd_atfork_register(cfg_fork_child);
		__atomic_store_n(&cfg_ready, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&cfg_lock);
}

static const struct cfg_value *cfg_get(int id)
{
	if ((unsigned int)id >= WD_CFG_NR)
		return NULL;
	if (!__atomic_load_n(&cfg_ready, __ATOMIC_ACQUIRE))
		cfg_read();
	return &cfg_val[id];
}

WD_EXPORT const struct wd_cfg_info *wd_config_info(int id)
{
	return (unsigned int)id < WD_CFG_NR ? &cfg_table[id] : NULL;
}

WD_EXPORT int wd_config_find(const char *name)
{
	int id;

	for (id = 0; name && id < WD_CFG_NR; id++)
		if (!strcmp(cfg_table[id].name, name))
			return id;
	return -1;
}

WD_EXPORT long wd_config_long(int id)
{
	const struct cfg_value *v = cfg_get(id);

	if (!v || cfg_table[id].type == WD_CFG_STRING || cfg_table[id].type == WD_CFG_PATH)
		return 0;
	return v->num;
}

WD_EXPORT const char *wd_config_str(int id)
{
	const struct cfg_value *v = cfg_get(id);

	if (!v || cfg_table[id].type == WD_CFG_LONG || cfg_table[id].type == WD_CFG_SIZE)
		return NULL;
	return v->str;
}

WD_EXPORT enum wd_cfg_source wd_config_source(int id)
{
	const struct cfg_value *v = cfg_get(id);

	return v ? v->src : WD_CFG_SRC_NONE;
}

WD_EXPORT const char *wd_config_raw(int id)
{
	const struct cfg_value *v = cfg_get(id);

	return v ? v->raw : NULL;
}

WD_EXPORT const char *wd_config_source_name(enum wd_cfg_source src)
{
	switch (src) {
	case WD_CFG_SRC_DEFAULT:
		return "default";
	case WD_CFG_SRC_ENV:
		return "environment";
	case WD_CFG_SRC_INVALID:
		return "invalid, default used";
	case WD_CFG_SRC_SECURE:
		return "ignored (AT_SECURE)";
	case WD_CFG_SRC_NONE:
		break;
	}
	return "-";
}

WD_EXPORT const char *wd_config_type_name(enum wd_cfg_type type)
{
	static const char *const names[] = {
		[WD_CFG_LONG] = "long", [WD_CFG_SIZE] = "size", [WD_CFG_ENUM] = "enum",
		[WD_CFG_STRING] = "string", [WD_CFG_PATH] = "path",
	};

	return (unsigned int)type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}
