// SPDX-License-Identifier: MIT
/*
 * fuzz_stats - the counter-file reader (libwd/wd_stats_read.c,
 * wd_stats_read_fd) and what wdctl prints from what it accepts
 * (tools/ctl/wdctl_stats.c, table and JSON). Counter files sit in a
 * world-writable directory: any bytes of any length may be there.
 *
 * Input: [flags][file bytes ...]. The file is written to a memfd and read
 * with wd_stats_read_fd as wdctl reads it. To reach past the first checks,
 * flags can make the file whole: with any of bits 0-3 set it is padded
 * with zeros or cut to the size of a counter file, and bits 1, 2, 3 put
 * the right magic, version and pid in it; bit 4 prints JSON, not a table.
 *
 * What must hold: no crash, no read outside the copy (ASan); an accepted
 * copy has the magic, version and pid asked for, and every string in it is
 * terminated inside its array; a file of the wrong size is never accepted.
 * wdctl's output goes to /dev/null.
 */
#include "config.h"

#include <sys/mman.h>
#include <unistd.h>
#include "fuzz_util.h"
#include "wd_stats.h"
#include "wdctl.h"

#define FZ_PID	4242

static int memfd = -1;
static struct wd_stats_file *copy;
static uint8_t *whole;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_env();
	memfd = memfd_create("fuzz_stats", MFD_CLOEXEC);
	copy = malloc(sizeof(*copy));
	whole = malloc(sizeof(*copy));
	if (memfd < 0 || !copy || !whole || !freopen("/dev/null", "w", stdout)) {
		perror("fuzz_stats: setup");
		exit(1);
	}
	return 0;
}

static void check_terminated(const char *s, size_t len, const char *what)
{
	if (!memchr(s, '\0', len))
		fz_fail("accepted file: %s not terminated", what);
}

static void check_copy(const struct wd_stats_file *f)
{
	int i;

	if (f->magic != WD_STATS_MAGIC || f->version != WD_STATS_VERSION || f->pid != FZ_PID)
		fz_fail("accepted a file with magic %08x version %u pid %d", f->magic, f->version,
			f->pid);
	check_terminated(f->comm, sizeof(f->comm), "comm");
	for (i = 0; i < WD_STATS_MAX_QUEUES; i++) {
		check_terminated(f->queues[i].dev, sizeof(f->queues[i].dev), "queue dev");
		check_terminated(f->queues[i].mode, sizeof(f->queues[i].mode), "queue mode");
	}
	for (i = 0; i < WD_STATS_MAX_ALGS; i++)
		check_terminated(f->algs[i].name, sizeof(f->algs[i].name), "alg name");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	uint8_t flags = fz_u8(&f);
	struct wdctl_opts o = { .json = !!(flags & 16) };
	const uint8_t *body = f.p;
	size_t len = f.left;
	const char *why = NULL;
	struct wd_stats_file *w = (struct wd_stats_file *)whole;
	int ret;

	if (flags & 0x0f) {
		len = sizeof(*copy);
		memset(whole, 0, len);
		memcpy(whole, body, f.left < len ? f.left : len);
		if (flags & 2)
			w->magic = WD_STATS_MAGIC;
		if (flags & 4)
			w->version = WD_STATS_VERSION;
		if (flags & 8)
			w->pid = FZ_PID;
		body = whole;
	}
	if (ftruncate(memfd, 0) || (len && pwrite(memfd, body, len, 0) != (ssize_t)len))
		abort();
	ret = wd_stats_read_fd(memfd, FZ_PID, copy, &why);
	if (ret && !why)
		fz_fail("rejected (%d) without a reason", ret);
	if (ret)
		return 0;
	if (len != sizeof(*copy))
		fz_fail("accepted a file of %zu bytes", len);
	check_copy(copy);
	wdctl_stats_print(copy, &o);
	fflush(stdout);
	return 0;
}
