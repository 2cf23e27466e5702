// SPDX-License-Identifier: MIT
/*
 * test_engine_affinity - the soft device binds each engine to one CPU the
 * process may use, engine i + 1 to the one after engine i's
 * (WD_SOFT_AFFINITY=auto, the default); with
 * WD_SOFT_AFFINITY=off, or in a process allowed fewer CPUs than it has
 * engines, each engine keeps the mask it was started with. Each case runs
 * in a child process of its own, since libwd reads its knobs once per
 * process; the engines' masks are read with sched_getaffinity() on their
 * thread ids (/proc/self/task/<tid>/comm names them wd-soft-engN).
 */
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "test_util.h"

#define ENGINES	2

struct aff_result {
	int served;			/* a request came back */
	int found;			/* engine threads seen */
	int cpus[ENGINES];		/* CPUs in engine i's mask */
	int first[ENGINES];		/* lowest CPU in it */
	int same[ENGINES];		/* equal to the process's mask */
};

/* The engine number of thread tid, or -1. */
static int engine_of(const char *tid)
{
	char path[300], comm[32];
	FILE *f;
	int id = -1;

	snprintf(path, sizeof(path), "/proc/self/task/%s/comm", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(comm, sizeof(comm), f) && sscanf(comm, "wd-soft-eng%d", &id) != 1)
		id = -1;
	fclose(f);
	return id;
}

struct aff_case {
	const char *affinity;		/* WD_SOFT_AFFINITY */
	int one_cpu;			/* the process allowed one CPU */
};

/* In a child: a request served, then the engines' masks, into vres. */
static int child(const void *arg, void *vres)
{
	const struct aff_case *c = arg;
	struct aff_result *res = vres;
	cpu_set_t mine, set;
	struct wd_queue q;
	struct wd_msg m;
	struct dirent *d;
	void *got;
	DIR *dir;
	int cpu, tries;

	setenv("WD_SOFT_ENGINES", "2", 1);
	setenv("WD_SOFT_AFFINITY", c->affinity, 1);
	sched_getaffinity(0, sizeof(mine), &mine);
	if (c->one_cpu) {		/* the first CPU we may use, alone */
		for (cpu = 0; !CPU_ISSET(cpu, &mine); cpu++)
			;
		CPU_ZERO(&mine);
		CPU_SET(cpu, &mine);
		if (sched_setaffinity(0, sizeof(mine), &mine))
			return -1;
	}
	memset(&q, 0, sizeof(q));
	q.capa.alg = "nop";
	q.capa.dev_name = "soft";	/* engines are the built-in device's */
	if (wd_request_queue(&q))
		return -1;
	memset(&m, 0, sizeof(m));
	m.opcode = WD_OP_NOP;
	res->served = !wd_send(&q, &m) && wd_recv_sync(&q, &got) == 1 && got == &m;
	/* an engine names itself once bound, maybe after serving began */
	for (tries = 0; tries < 200 && res->found < ENGINES; tries++) {
		if (tries)
			usleep(10000);
		res->found = 0;
		dir = opendir("/proc/self/task");
		while (dir && (d = readdir(dir))) {
			int id = engine_of(d->d_name);

			if (id < 0 || id >= ENGINES ||
			    sched_getaffinity(atoi(d->d_name), sizeof(set), &set))
				continue;
			res->found++;
			res->cpus[id] = CPU_COUNT(&set);
			for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
				;
			res->first[id] = cpu;
			res->same[id] = CPU_EQUAL(&set, &mine);
		}
		if (dir)
			closedir(dir);
	}
	wd_release_queue(&q);
	return 0;
}

static int run(const char *affinity, int one_cpu, struct aff_result *res)
{
	const struct aff_case c = { affinity, one_cpu };

	return test_in_child(child, &c, res, sizeof(*res));
}

/* Where cpu is among the CPUs of set (from 0), or -1. */
static int cpu_index(const cpu_set_t *set, int cpu)
{
	int c, k = 0;

	if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, set))
		return -1;
	for (c = 0; c < cpu; c++)
		k += CPU_ISSET(c, set);
	return k;
}

int main(void)
{
	struct aff_result r;
	cpu_set_t set;
	int i, n, at[ENGINES];

	sched_getaffinity(0, sizeof(set), &set);
	if (CPU_COUNT(&set) < ENGINES) {
		tap_skip("this process may use one CPU: there is nothing to bind to");
		return tap_exit();
	}
	tap_plan(6 + 2 * ENGINES);

	ok(run("auto", 0, &r) == 0 && r.served, "a request is served with bound engines");
	ok(r.found == ENGINES, "both engine threads are found (%d)", r.found);
	for (i = 0; i < ENGINES; i++) {
		at[i] = cpu_index(&set, r.first[i]);
		ok(r.cpus[i] == 1 && at[i] >= 0,
		   "engine %d is bound to one CPU the process may use (%d CPUs, CPU %d)",
		   i, r.cpus[i], r.first[i]);
	}
	n = CPU_COUNT(&set);
	ok(at[0] >= 0 && at[1] == (at[0] + 1) % n,
	   "engine 1 is on the CPU after engine 0's (%d, %d)", r.first[0], r.first[1]);

	ok(run("off", 0, &r) == 0 && r.served, "a request is served with WD_SOFT_AFFINITY=off");
	for (i = 0; i < ENGINES; i++)
		ok(r.same[i], "off: engine %d keeps the process's mask (%d CPUs)", i, r.cpus[i]);

	ok(run("auto", 1, &r) == 0 && r.served,
	   "a process allowed one CPU has its request served");
	ok(r.found == ENGINES && r.same[0] && r.same[1] && r.cpus[0] == 1,
	   "one CPU for two engines: both keep that CPU (%d, %d)", r.first[0], r.first[1]);
	return tap_exit();
}
