// SPDX-License-Identifier: MIT
/*
 * suid_zlib - a program linked with libz.so.1 that bats/hardening-stats.bats
 * makes setuid root and runs as another user, with the shim as libz.so.1
 * in a private directory named by this program's RPATH (set at link time,
 * test/hardening.am), as on a machine where the shim is installed
 * system-wide. The caller sets WD_STATS_DIR, WD_SYSFS_CLASS, WD_DEVICE and
 * WD_ZLIB; in a process with AT_SECURE none of them may take effect.
 *
 * It compresses and inflates 1 MiB, then reports what libwd did, reaching
 * libwd through the shim (dlsym: this program is linked with zlib only):
 *   secure=0|1          getauxval(AT_SECURE)
 *   shim=0|1            zlib calls went to the shim (libwd is loaded)
 *   stats_dir=DIR       where the counter file is (wd_stats_dir())
 *   publishing=0|1      its counter file exists in stats_dir
 *   caller_file=yes|no  a counter file in the caller's $WD_STATS_DIR
 *   devices=A,B         wd_list_devices()
 *   offloaded=N         requests the device did, every algorithm (own counters)
 *   data=ok|bad
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include <zlib.h>
#include "wd.h"
#include "wd_stats.h"

#define LEN	(1u << 20)

static unsigned long long offloaded;

static int own_counters(const struct wd_stats_file *f, void *arg)
{
	int i;

	(void)arg;
	if (f->pid != getpid())
		return 0;
	for (i = 0; i < WD_STATS_MAX_ALGS; i++)
		if (f->algs[i].state == 2)
			offloaded += f->algs[i].c[WD_ALG_OFFLOADED];
	return 1;
}

int main(void)
{
	const char *(*stats_dir)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "wd_stats_dir");
	int (*list)(struct wd_dev_info *, int) =
		(int (*)(struct wd_dev_info *, int))dlsym(RTLD_DEFAULT, "wd_list_devices");
	int (*scan)(int (*)(const struct wd_stats_file *, void *), void *) =
		(int (*)(int (*)(const struct wd_stats_file *, void *), void *))
		dlsym(RTLD_DEFAULT, "wd_stats_scan");
	/* the raw value, only to look where the caller wanted the file */
	const char *want = getenv("WD_STATS_DIR");
	uLongf zlen, outlen, cap = compressBound(LEN);
	unsigned char *in = malloc(LEN), *z = malloc(cap), *out = malloc(LEN);
	struct wd_dev_info devs[8];
	char path[4096];
	int i, n, good;

	if (!in || !z || !out)
		return 2;
	for (i = 0; i < (int)LEN; i++)
		in[i] = (unsigned char)("suid test \n"[(i * 3 + i / 101) % 11]);
	zlen = cap;
	outlen = LEN;
	good = compress2(z, &zlen, in, LEN, 6) == Z_OK &&
	       uncompress(out, &outlen, z, zlen) == Z_OK && outlen == LEN && !memcmp(in, out, LEN);
	printf("secure=%lu\n", getauxval(AT_SECURE));
	printf("shim=%d\n", stats_dir && list && scan);
	if (!stats_dir || !list || !scan)
		return 1;
	printf("stats_dir=%s\n", stats_dir() ? stats_dir() : "off");
	snprintf(path, sizeof(path), "%s/wd-stats.%d", stats_dir() ? stats_dir() : "/nonexistent",
		 (int)getpid());
	printf("publishing=%d\n", access(path, F_OK) == 0);
	snprintf(path, sizeof(path), "%s/wd-stats.%d", want ? want : "/nonexistent", (int)getpid());
	printf("caller_file=%s\n", access(path, F_OK) == 0 ? "yes" : "no");
	n = list(devs, 8);
	printf("devices=");
	for (i = 0; i < n && i < 8; i++)
		printf("%s%s", i ? "," : "", devs[i].name);
	printf("\n");
	scan(own_counters, NULL);
	printf("offloaded=%llu\n", offloaded);
	printf("data=%s\n", good ? "ok" : "bad");
	return 0;
}
