// SPDX-License-Identifier: MIT
/*
 * test_stats_fork - a process that has counted (without ever opening a
 * queue, as the nginx master whose only work before it forks its workers
 * is software AES in the provider) forks; the child counts. Read from
 * outside (wd_stats_scan, what wdctl stats uses) there are two counter
 * files, each with its own process's counts: the child's did not land in
 * the parent's file. The counter file registers its fork handler in the
 * fork registry (wd_fork.h) when it is created.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tap.h"
#include "wd_stats.h"

struct seen {
	pid_t pid;
	int files;
	uint64_t parent_alg, child_alg;	/* offloaded of "fork-parent", "fork-child" */
};

static uint64_t alg_count(const struct wd_stats_file *f, const char *alg)
{
	int i;

	for (i = 0; i < WD_STATS_MAX_ALGS; i++)
		if (f->algs[i].state == 2 && !strcmp(f->algs[i].name, alg))
			return f->algs[i].c[WD_ALG_OFFLOADED];
	return 0;
}

static int look(const struct wd_stats_file *f, void *arg)
{
	struct seen *s = arg;

	if ((pid_t)f->pid != s->pid)
		return 0;
	s->files++;
	s->parent_alg = alg_count(f, "fork-parent");
	s->child_alg = alg_count(f, "fork-child");
	return 0;
}

static struct seen scan(pid_t pid)
{
	struct seen s = { .pid = pid };

	wd_stats_scan(look, &s);
	return s;
}

int main(void)
{
	int ready[2], done[2], status = -1;
	struct seen p, c;
	pid_t pid;
	char b;

	tap_plan(0);
	if (!wd_stats_dir())
		tap_skip("WD_STATS_DIR=off: no counter files to read");
	wd_alg_stats_add("fork-parent", WD_ALG_OFFLOADED, 7);
	ok(wd_stats_publishing(), "the parent publishes its counters (in %s)", wd_stats_dir());
	if (pipe(ready) || pipe(done))
		tap_bail("pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork");
	if (pid == 0) {
		wd_alg_stats_add("fork-child", WD_ALG_OFFLOADED, 5);
		wd_alg_stats_add("fork-parent", WD_ALG_OFFLOADED, 1);
		b = wd_stats_publishing() ? 'y' : 'n';
		/* stay alive (the file goes at exit) until the parent has read */
		if (write(ready[1], &b, 1) != 1 || read(done[0], &b, 1) != 1)
			_exit(2);
		_exit(0);
	}
	if (read(ready[0], &b, 1) != 1)
		tap_bail("the child did not get ready");
	ok(b == 'y', "the child publishes counters of its own");
	p = scan(getpid());
	c = scan(pid);
	ok(p.files == 1 && c.files == 1, "two files: the parent's (%d) and the child's (%d)",
	   p.files, c.files);
	ok(c.child_alg == 5 && c.parent_alg == 1,
	   "the child's file has the child's counts only (fork-child %llu, fork-parent %llu)",
	   (unsigned long long)c.child_alg, (unsigned long long)c.parent_alg);
	ok(p.parent_alg == 7 && p.child_alg == 0,
	   "the parent's file has the parent's counts only (fork-parent %llu, fork-child %llu)",
	   (unsigned long long)p.parent_alg, (unsigned long long)p.child_alg);
	if (write(done[1], "x", 1) != 1)
		tap_bail("write");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child exits 0");
	c = scan(pid);
	ok(c.files == 0, "the child's file went with it");
	return tap_exit();
}
