/* SPDX-License-Identifier: MIT */
/*
 * wd_config.h - every WarpDrive knob in one table, read by one parser.
 *
 * The table (libwd/wd_config.c) holds each knob's name, type, default,
 * range, the component that uses it, the page that explains it and a
 * one-line meaning; doc/config.md is checked against it (`wdctl config
 * --list`), and `wdctl config` prints each knob's effective value and where
 * it came from. Four kinds of knob live in it:
 *
 *   WD_CFG_KIND_ENV      a WD_* environment variable, read by libwd here;
 *   WD_CFG_KIND_MODULE   a parameter of wd_soft.ko (set at modprobe; its
 *                        value is under /sys/module/wd_soft/parameters/);
 *   WD_CFG_KIND_OPENSSL  a key of the provider's [wd_sect] in openssl.cnf
 *                        (read by OpenSSL for each application).
 *   WD_CFG_KIND_SCRIPT   a WD_* variable read by the benchmark scripts (make
 *                        bench); libwd reads it too, so wdctl config shows it.
 *
 * Environment knobs: read once per process, all together, at the first
 * call of any getter below (thread-safe), and again at the first call in a
 * child of fork() (a child is a process of its own: nginx workers get
 * their environment after the fork). Setting a variable after that has
 * no effect on this process.
 *
 * One rule for bad values: a value that does not parse, a number outside
 * [min, max] or a word that is not one of the choices is ignored; the
 * default holds and the source says WD_CFG_SRC_INVALID. An empty value is
 * the same as unset. Numbers are strtol(3) base 0 (decimal, 0x hex,
 * 0 octal); sizes (WD_CFG_SIZE) may end in k or K (KiB) or m or M (MiB).
 *
 * In a setuid, setgid or file-capability program (AT_SECURE,
 * getauxval(3)) no WD_* variable is honoured: every knob has its default
 * and, if the variable was set, the source WD_CFG_SRC_SECURE
 * (doc/hardening.md).
 */
#ifndef WD_CONFIG_H
#define WD_CONFIG_H

#ifdef __cplusplus
extern "C" {
#endif

/* Every knob, in the order of the table (and of doc/config.md). */
enum wd_cfg_id {
	/* libwd core */
	WD_CFG_DEVICE,
	WD_CFG_SYSFS_CLASS,
	WD_CFG_STATS_DIR,
	WD_CFG_RECV_SPIN_MAX_US,
	/* the built-in soft device */
	WD_CFG_SOFT_ENGINES,
	WD_CFG_SOFT_SPIN_US,
	WD_CFG_SOFT_AFFINITY,
	WD_CFG_SOFT_MAX_QUEUES,
	WD_CFG_SOFT_FAULT,
	/* compression */
	WD_CFG_COMP_ENGINE,
	WD_CFG_COMP_ISAL_LEVEL,
	WD_CFG_COMP_INLINE_MAX,
	/* the zlib shim */
	WD_CFG_ZLIB,
	WD_CFG_ZLIB_MIN_INFLATE,
	WD_CFG_ZLIB_PARALLEL,
	WD_CFG_ZLIB_CHUNK,
	WD_CFG_ZLIB_DEBUG,
	WD_CFG_ZLIB_REPLAY_MAX,
	/* make bench (shell scripts read these) */
	WD_CFG_BENCH_RUNS,
	WD_CFG_BENCH_SECS,
	WD_CFG_BENCH_CIPHER_THRESHOLD,
	/* wd_soft.ko module parameters */
	WD_CFG_MOD_SVA_DEVS,
	WD_CFG_MOD_SD_DEVS,
	WD_CFG_MOD_NR_QUEUES,
	WD_CFG_MOD_NR_ENGINES,
	WD_CFG_MOD_RING_DEPTH,
	WD_CFG_MOD_SHARE_MAX_MB,
	WD_CFG_MOD_SPIN_US,
	/* the provider's [wd_sect] in openssl.cnf */
	WD_CFG_OSSL_CIPHER_THRESHOLD,
	WD_CFG_OSSL_RSA_MIN_BITS,
	WD_CFG_OSSL_OFFLOAD,
	WD_CFG_OSSL_LOAD_DEFAULT,
	WD_CFG_NR
};

enum wd_cfg_kind {
	WD_CFG_KIND_ENV,
	WD_CFG_KIND_MODULE,
	WD_CFG_KIND_OPENSSL,
	WD_CFG_KIND_SCRIPT,
};

enum wd_cfg_type {
	WD_CFG_LONG,	/* a number in [min, max], in unit */
	WD_CFG_SIZE,	/* bytes in [min, max]; k/K and m/M suffixes */
	WD_CFG_ENUM,	/* one of choices (or an alias of one) */
	WD_CFG_STRING,	/* free text, parsed by its user */
	WD_CFG_PATH,	/* a directory */
};

enum wd_cfg_source {
	WD_CFG_SRC_DEFAULT,	/* not set (or empty) */
	WD_CFG_SRC_ENV,		/* the environment's value */
	WD_CFG_SRC_INVALID,	/* set, but not a valid value: default used */
	WD_CFG_SRC_SECURE,	/* set, ignored: AT_SECURE process */
	WD_CFG_SRC_NONE,	/* not an environment knob (module, openssl.cnf) */
};

struct wd_cfg_info {
	const char *name;	/* WD_SOFT_ENGINES; wd_soft.spin_us; cipher_threshold */
	enum wd_cfg_kind kind;
	enum wd_cfg_type type;
	const char *unit;	/* LONG and SIZE: "us", "bytes", "threads", ... */
	long def;		/* LONG, SIZE: the default; ENUM: its index */
	const char *def_str;	/* STRING, PATH: the default (NULL: none) */
	const char *def_doc;	/* the default as the docs say it ("online CPUs") */
	long min, max;		/* LONG, SIZE */
	const char *const *choices;	/* ENUM: NULL-terminated; value = index */
	const char *const *aliases;	/* ENUM: pairs {alias, choice}, NULL-ended */
	const char *component;	/* libwd, soft device, wd_comp, zlib shim, ... */
	const char *doc;	/* the page that explains it in depth */
	const char *meaning;	/* one line */
};

/*
 * wd_config_info - the table row of id, or NULL when id is out of range.
 * wd_config_find - the id of the knob called name (exact), or -1.
 */
const struct wd_cfg_info *wd_config_info(int id);
int wd_config_find(const char *name);

/*
 * wd_config_long - the effective value of a LONG or SIZE knob, or the index
 * of an ENUM knob's choice; 0 for any other id.
 * wd_config_str - the effective value of a STRING or PATH knob (NULL when
 * unset and without default), or the choice of an ENUM knob; NULL otherwise.
 * The strings live as long as the process: do not modify or free them.
 */
long wd_config_long(int id);
const char *wd_config_str(int id);

/*
 * wd_config_source - where an environment knob's value came from;
 * WD_CFG_SRC_NONE for the other kinds.
 * wd_config_raw - the text the environment gave (also when invalid); NULL
 * when unset, and in an AT_SECURE process.
 * wd_config_source_name - "default", "environment", "invalid, default
 * used", "ignored (AT_SECURE)", "-".
 */
enum wd_cfg_source wd_config_source(int id);
const char *wd_config_raw(int id);
const char *wd_config_source_name(enum wd_cfg_source src);

/* wd_config_type_name - "long", "size", "enum", "string", "path". */
const char *wd_config_type_name(enum wd_cfg_type type);

#ifdef __cplusplus
}
#endif

#endif /* WD_CONFIG_H */
