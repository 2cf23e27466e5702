// SPDX-License-Identifier: MIT
/*
 * test_config - the configuration table's parser (wd_config.h): values
 * set, unset, empty, unparsable, out of range, with k/M suffixes, enum
 * aliases; read once per process (a later setenv changes nothing), all
 * threads see the same reading, and a fork child reads its own
 * environment at its first use.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tap.h"
#include "wd_config.h"

#define THREADS 8

static void *thread_read(void *arg)
{
	*(long *)arg = wd_config_long(WD_CFG_SOFT_ENGINES);
	return NULL;
}

/* In a child: exit 0 if it reads the WD_SOFT_ENGINES it set after fork. */
static int child_rereads(void)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setenv("WD_SOFT_ENGINES", "5", 1);
		_exit(wd_config_long(WD_CFG_SOFT_ENGINES) == 5 &&
		      wd_config_source(WD_CFG_SOFT_ENGINES) == WD_CFG_SRC_ENV ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void check_table(void)
{
	int id, named = 1, found = 1, documented = 1;

	for (id = 0; id < WD_CFG_NR; id++) {
		const struct wd_cfg_info *k = wd_config_info(id);

		named &= k && k->name && k->component && k->meaning;
		found &= wd_config_find(k->name) == id;
		documented &= k->doc && k->doc[0];
	}
	ok(named && found && documented,
	   "every row has a name, component, meaning and page, and is found by its name");
	ok(!wd_config_info(WD_CFG_NR) && !wd_config_info(-1) && wd_config_find("WD_NOPE") == -1,
	   "no row outside the table");
	ok(wd_config_source(WD_CFG_MOD_SPIN_US) == WD_CFG_SRC_NONE &&
	   wd_config_long(WD_CFG_MOD_SPIN_US) == 50 &&
	   wd_config_info(WD_CFG_MOD_SPIN_US)->kind == WD_CFG_KIND_MODULE,
	   "a module parameter is listed with its default, not read from the environment");
}

/* The application's own string, given with putenv(3) and changed later. */
static char sysfs_env[] = "WD_SYSFS_CLASS=/tmp/wd-class-a";

int main(void)
{
	pthread_t t[THREADS];
	long seen[THREADS];
	int i, same = 1;

	tap_plan(0);
	/* set before the first call: read once, all together */
	setenv("WD_SOFT_ENGINES", "3", 1);
	setenv("WD_SOFT_SPIN_US", "12abc", 1);		/* unparsable */
	setenv("WD_SOFT_MAX_QUEUES", "70000", 1);	/* above 65536 */
	setenv("WD_ZLIB_CHUNK", "128k", 1);
	setenv("WD_ZLIB_REPLAY_MAX", "2M", 1);
	setenv("WD_ZLIB_MIN_INFLATE", "0x100", 1);
	setenv("WD_ZLIB_PARALLEL", "4k", 1);		/* not a size: no suffix */
	setenv("WD_ZLIB", "on", 1);			/* an alias of force */
	setenv("WD_COMP_ENGINE", "isal", 1);		/* not a choice */
	setenv("WD_RECV_SPIN_MAX_US", "", 1);		/* empty: unset */
	unsetenv("WD_DEVICE");
	unsetenv("WD_SOFT_FAULT");
	putenv(sysfs_env);

	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, thread_read, &seen[i]))
			tap_bail("pthread_create");
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		same &= seen[i] == 3;
	}
	ok(same, "%d threads reading at once all see WD_SOFT_ENGINES=3", THREADS);
	ok(wd_config_source(WD_CFG_SOFT_ENGINES) == WD_CFG_SRC_ENV &&
	   !strcmp(wd_config_raw(WD_CFG_SOFT_ENGINES), "3"), "its source is the environment");

	ok(wd_config_long(WD_CFG_SOFT_SPIN_US) == 200 &&
	   wd_config_source(WD_CFG_SOFT_SPIN_US) == WD_CFG_SRC_INVALID &&
	   !strcmp(wd_config_raw(WD_CFG_SOFT_SPIN_US), "12abc"),
	   "unparsable WD_SOFT_SPIN_US=12abc: the default 200, 'invalid, default used'");
	ok(wd_config_long(WD_CFG_SOFT_MAX_QUEUES) == 1024 &&
	   wd_config_source(WD_CFG_SOFT_MAX_QUEUES) == WD_CFG_SRC_INVALID,
	   "out of range WD_SOFT_MAX_QUEUES=70000: the default 1024, invalid (%ld)",
	   wd_config_long(WD_CFG_SOFT_MAX_QUEUES));
	ok(wd_config_long(WD_CFG_ZLIB_CHUNK) == 128 << 10 &&
	   wd_config_long(WD_CFG_ZLIB_REPLAY_MAX) == 2 << 20 &&
	   wd_config_long(WD_CFG_ZLIB_MIN_INFLATE) == 256,
	   "sizes: 128k, 2M and 0x100 (%ld %ld %ld)", wd_config_long(WD_CFG_ZLIB_CHUNK),
	   wd_config_long(WD_CFG_ZLIB_REPLAY_MAX), wd_config_long(WD_CFG_ZLIB_MIN_INFLATE));
	ok(wd_config_source(WD_CFG_ZLIB_PARALLEL) == WD_CFG_SRC_INVALID &&
	   wd_config_long(WD_CFG_ZLIB_PARALLEL) >= 2 && wd_config_long(WD_CFG_ZLIB_PARALLEL) <= 8,
	   "a count takes no suffix: WD_ZLIB_PARALLEL=4k is invalid, online CPUs 2..8 (%ld)",
	   wd_config_long(WD_CFG_ZLIB_PARALLEL));
	ok(!strcmp(wd_config_str(WD_CFG_ZLIB), "force") && wd_config_long(WD_CFG_ZLIB) == 2 &&
	   wd_config_source(WD_CFG_ZLIB) == WD_CFG_SRC_ENV, "WD_ZLIB=on is force");
	ok(!strcmp(wd_config_str(WD_CFG_COMP_ENGINE), "auto") &&
	   wd_config_source(WD_CFG_COMP_ENGINE) == WD_CFG_SRC_INVALID,
	   "WD_COMP_ENGINE=isal is no choice: auto, invalid");
	ok(wd_config_long(WD_CFG_RECV_SPIN_MAX_US) == 2000 &&
	   wd_config_source(WD_CFG_RECV_SPIN_MAX_US) == WD_CFG_SRC_DEFAULT,
	   "an empty WD_RECV_SPIN_MAX_US is unset: 2000, default");
	ok(!strcmp(wd_config_str(WD_CFG_DEVICE), "auto") &&
	   wd_config_source(WD_CFG_DEVICE) == WD_CFG_SRC_DEFAULT && !wd_config_raw(WD_CFG_DEVICE),
	   "unset WD_DEVICE: auto, default");
	ok(!wd_config_str(WD_CFG_SOFT_FAULT) && !strcmp(wd_config_str(WD_CFG_STATS_DIR) ?
	   wd_config_str(WD_CFG_STATS_DIR) : "", getenv("WD_STATS_DIR") ? getenv("WD_STATS_DIR") :
	   "/dev/shm"), "WD_SOFT_FAULT unset is NULL; WD_STATS_DIR as the environment says");
	ok(wd_config_long(WD_CFG_DEVICE) == 0 && !wd_config_str(WD_CFG_SOFT_ENGINES),
	   "a string knob has no number, a number knob no string");

	/* the value is libwd's copy, not the application's string */
	sysfs_env[sizeof(sysfs_env) - 2] = 'b';
	ok(!strcmp(wd_config_str(WD_CFG_SYSFS_CLASS), "/tmp/wd-class-a") &&
	   !strcmp(wd_config_raw(WD_CFG_SYSFS_CLASS), "/tmp/wd-class-a"),
	   "a putenv string changed after the reading does not change the value (%s)",
	   wd_config_str(WD_CFG_SYSFS_CLASS));

	/* read once: a later change is not seen by this process... */
	setenv("WD_SOFT_ENGINES", "5", 1);
	setenv("WD_DEVICE", "kernel", 1);
	ok(wd_config_long(WD_CFG_SOFT_ENGINES) == 3 && !strcmp(wd_config_str(WD_CFG_DEVICE), "auto"),
	   "read once: setenv after the first call changes nothing");
	/* ...but a child is a process of its own */
	setenv("WD_SOFT_ENGINES", "3", 1);
	ok(child_rereads(), "a fork child reads its own environment at its first use");
	ok(wd_config_long(WD_CFG_SOFT_ENGINES) == 3, "and the parent keeps its reading");

	ok(!strcmp(wd_config_source_name(WD_CFG_SRC_INVALID), "invalid, default used") &&
	   !strcmp(wd_config_source_name(WD_CFG_SRC_SECURE), "ignored (AT_SECURE)") &&
	   !strcmp(wd_config_type_name(WD_CFG_SIZE), "size"), "source and type names");
	check_table();
	return tap_exit();
}
