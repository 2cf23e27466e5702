// SPDX-License-Identifier: MIT
/*
 * fuzz_gzheader - wdgzip's reading of gzip files: member headers (magic,
 * method, flags, mtime, extra field, stored name, comment, header CRC),
 * deflate data through its wd_comp codec (with its zlib fallback), the
 * trailer (CRC and length), further members, trailing zeros and garbage.
 *
 * The target links wdgzip's own gzheader.c, inbuf.c, decompress.c,
 * codec_wd.c and codec_zlib.c unchanged. What this file supplies instead
 * of the rest of the program: the options (chosen by the first input byte)
 * and the message/exit functions, where gzip's fatal paths (abort_gzip,
 * do_exit) return here with longjmp instead of ending the process. Output
 * is counted and dropped. Whatever the bytes, the run must end in one of
 * gzip's answers, never a crash, and never write past the output name.
 *
 * Input: [option bits][the .gz file ...]
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz_util.h"
#include "wdgzip.h"
#include "gzheader.h"

/* The parts of wdgzip this target replaces (wdgzip.h declares them). */
struct gz_opts opt;
const char *program_name = "wdgzip";
int exit_code;
int foreground;
int save_orig_name;

static jmp_buf fatal;
static int64_t written;

void set_exit(int code)
{
	if (code == EXIT_ERROR || exit_code == EXIT_OK)
		exit_code = code;
}

void warn_msg(const char *fmt, ...)
{
	(void)fmt;
	if (exit_code == EXIT_OK)
		exit_code = EXIT_WARNING;
}

void progerror(const char *name)
{
	(void)name;
	exit_code = EXIT_ERROR;
}

void do_exit(int code)
{
	exit_code = code;
	longjmp(fatal, 1);
}

void abort_gzip(void)
{
	do_exit(EXIT_ERROR);
}

void read_error(const char *name, int err)
{
	(void)name;
	(void)err;
	abort_gzip();
}

void write_error(const char *name, int err)
{
	(void)name;
	(void)err;
	abort_gzip();
}

void write_all(int fd, const void *buf, size_t len, const char *name)
{
	(void)fd;
	(void)name;
	/* touch every byte, so that ASan sees a read of anything bogus */
	if (len && (((const volatile uint8_t *)buf)[0] | ((const volatile uint8_t *)buf)[len - 1]) == 0x1ff)
		abort();
	written += (int64_t)len;
}

void outfile_remove(void)
{
}

const char *base_name(const char *name)
{
	const char *slash = strrchr(name, '/');

	return slash ? slash + 1 : name;
}

static int memfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_env();
	memfd = memfd_create("fuzz_gzheader", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("memfd_create");
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	uint8_t bits = fz_u8(&f);
	/* the output name has a fixed room: a stored name must fit or fail */
	static char ofname[64];
	static struct gz_file gf;
	volatile int done = 0;

	if (ftruncate(memfd, 0) || (f.left && pwrite(memfd, f.p, f.left, 0) != (ssize_t)f.left) ||
	    lseek(memfd, 0, SEEK_SET) != 0)
		abort();
	memset(&opt, 0, sizeof(opt));
	opt.force = bits & 3;
	opt.to_stdout = !!(bits & 4);
	opt.list = !!(bits & 8);
	opt.no_name = !!(bits & 16);
	opt.no_time = !!(bits & 16);
	opt.test = !!(bits & 32);
	opt.quiet = 1;
	exit_code = EXIT_OK;
	memset(&gf, 0, sizeof(gf));
	snprintf(ofname, sizeof(ofname), "dir/out");
	gf.ifname = "fuzz.gz";
	gf.ofname = ofname;
	gf.ofsize = sizeof(ofname);
	gf.ifd = memfd;
	gf.ofd = -1;
	gf.ifile_size = (int64_t)f.left;
	if (setjmp(fatal) == 0) {
		if (decompress_prepare(&gf) == 0)
			decompress_file(&gf);
		done = 1;
	}
	if (strnlen(ofname, sizeof(ofname)) == sizeof(ofname))
		fz_fail("output name not terminated");
	if (!done && exit_code != EXIT_ERROR)
		fz_fail("a fatal path ended with status %d", exit_code);
	(void)done;
	return 0;
}
