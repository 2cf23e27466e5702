// SPDX-License-Identifier: MIT
/*
 * test_recv_sync - wd_recv_sync sleeps instead of spinning and wakes when
 * the device answers; wd_recv_timeout gives up with -ETIMEDOUT; wd_wait_ready
 * waits for the next answer without taking it; and an idle
 * soft engine sleeps too. "Sleeps" is measured as CPU time used while the
 * wall clock runs: a spinning waiter would use all of it.
 */
#include <dirent.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "test_util.h"

static double thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time (ms) of this process's soft engine threads, from /proc. */
static double engines_cpu_ms(void)
{
	char path[300], line[512], comm[64];
	unsigned long ut, st;
	double total = 0;
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
		if (strncmp(comm, "wd-soft-eng", 11))
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* fields 14 and 15: utime, stime in clock ticks; comm has no ')' */
		if (fgets(line, sizeof(line), f) &&
		    sscanf(strrchr(line, ')') + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			   &ut, &st) == 2)
			total += (ut + st) * 1000.0 / sysconf(_SC_CLK_TCK);
		fclose(f);
	}
	closedir(d);
	return total;
}

int main(void)
{
	struct wd_queue q;
	struct wd_msg m;
	double c0, w0, cpu, wall, e0, e1;
	void *got;
	int ret;

	tap_plan(10);
	test_open(&q, "nop", 0, 0);
	memset(&m, 0, sizeof(m));
	m.opcode = WD_OP_NOP;
	m.op_arg = 300000;	/* the engine takes 300 ms */
	wd_send(&q, &m);
	c0 = thread_cpu_ms();
	w0 = wall_ms();
	ret = wd_recv_sync(&q, &got);
	cpu = thread_cpu_ms() - c0;
	wall = wall_ms() - w0;
	ok(ret == 1 && got == &m && m.status == 0, "wd_recv_sync returns the slow request");
	ok(wall >= 250, "it waited for it (%.0f ms)", wall);
	ok(cpu < wall / 4, "while waiting it used %.1f ms of CPU in %.0f ms: it slept", cpu, wall);

	m.op_arg = 400000;
	wd_send(&q, &m);
	ret = wd_recv_timeout(&q, &got, 50);
	ok(ret == -ETIMEDOUT, "wd_recv_timeout(50 ms) on a 400 ms request: -ETIMEDOUT (%d)", ret);
	ret = wd_recv_timeout(&q, &got, 5000);
	ok(ret == 1 && got == &m, "the request still arrives afterwards");

	/* wd_wait_ready: waits for the next completion, takes nothing */
	m.op_arg = 200000;
	wd_send(&q, &m);
	ret = wd_wait_ready(&q, 20);
	ok(ret == -ETIMEDOUT, "wd_wait_ready(20 ms) on a 200 ms request: -ETIMEDOUT (%d)", ret);
	ret = wd_wait_ready(&q, 5000);
	ok(ret == 0 && wd_queue_inflight(&q) == 1,
	   "then it returns 0 once the answer is posted, leaving it in the queue (%d)", ret);
	ret = wd_recv(&q, &got);
	ok(ret == 1 && got == &m, "wd_recv takes it at once");

	/* Idle: the engine spins 200 us after its last request, then sleeps. */
	usleep(100000);
	e0 = engines_cpu_ms();
	usleep(500000);
	e1 = engines_cpu_ms();
	ok(e0 >= 0, "engine threads found in /proc");
	ok(e1 - e0 < 50, "idle engines used %.0f ms of CPU in 500 ms", e1 - e0);
	wd_release_queue(&q);
	return tap_exit();
}
