/* SPDX-License-Identifier: MIT */
/*
 * wd_env.h - the one place libwd reads the environment. Every WD_* knob is
 * a row of the configuration table (wd_config.h), which reads them all
 * through wd_env_get(), once per process: use wd_config_long() and
 * wd_config_str(), not this, for a knob. wd_env_get() stays exported for
 * code that has not moved to the table yet.
 *
 * The shim and the provider run inside other people's programs, and when
 * the shim is installed as libz.so.1 or the provider is activated by a
 * system-wide openssl.cnf, some of those programs are setuid, setgid or
 * carry file capabilities: their environment is chosen by a less
 * privileged caller. In such a process (the kernel sets AT_SECURE in its
 * auxiliary vector, getauxval(3)) no knob is honoured and every default is
 * the safe one: counter files in /dev/shm, devices under /sys/class/uacce,
 * WD_DEVICE=auto, WD_ZLIB=auto (doc/hardening.md).
 */
#ifndef WD_ENV_H
#define WD_ENV_H

/*
 * wd_env_get - the value of the environment variable name, or NULL when it
 * is unset or the process runs with AT_SECURE set (secure_getenv(3)).
 * The string belongs to the environment: do not modify or free it.
 */
const char *wd_env_get(const char *name);

#endif /* WD_ENV_H */
