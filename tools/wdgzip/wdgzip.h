/* SPDX-License-Identifier: MIT */
/*
 * wdgzip.h - state shared by the parts of wdgzip, the gzip-compatible
 * command line on WarpDrive's wd_comp.
 *
 * The program mirrors GNU gzip 1.12 behaviour (options, messages, exit
 * statuses, file handling); see doc/wdgzip.md. The parts:
 *   options.c     command line and GZIP environment variable
 *   main.c        per-file and stdin processing (what gzip calls treatfile)
 *   names.c       suffixes, input opening, output names
 *   outfile.c     output through a temporary file, signals, file metadata
 *   msg.c         diagnostics and the exit status
 *   inbuf.c       buffered input
 *   gzheader.c    gzip member header and trailer
 *   compress.c    compression: a wd_comp session with -p lanes
 *   rsync.c       content-defined cut points (--rsyncable)
 *   replay.c      a copy of the input a device error may need again
 *   decompress.c  decompression driver (members, trailer, trailing data)
 *   tablecheck.c  gzip's verdict on a bad table in a stream cut short
 *   unlzw.c       compress(1) .Z input (formats.h)
 *   unpack.c      pack(1) .z input
 *   unzip.c       the first entry of a .zip file
 *   list.c        the -l table
 *   codec_*.c     the inflater (device, zlib fallback), CRC-32, buffers
 */
#ifndef WDGZIP_H
#define WDGZIP_H

#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* Exit statuses, as gzip documents them. */
#define EXIT_OK		0
#define EXIT_ERROR	1
#define EXIT_WARNING	2

#define MAX_SUFFIX	30

/* Options and per-run state (gzip's globals, gathered in one place). */
struct gz_opts {
	int to_stdout;		/* -c */
	int decompress;		/* -d */
	int force;		/* -f (counted: -ff) */
	int keep;		/* -k */
	int list;		/* -l */
	int no_name;		/* -n: -1 = default (decompress) */
	int no_time;		/* -n/-m: -1 = default (decompress) */
	int quiet;		/* -q */
	int recursive;		/* -r */
	int test;		/* -t */
	int verbose;		/* -v (counted) */
	int level;		/* -1..-9 */
	int synchronous;	/* --synchronous */
	int rsyncable;		/* --rsyncable: cut where the content says */
	int ascii;		/* -a */
	int presume_input_tty;	/* ---presume-input-tty (tests) */
	unsigned int processes;	/* -p N: 0 = all online CPUs */
	const char *suffix;	/* -S */
	size_t suffix_len;
};

extern struct gz_opts opt;
extern const char *program_name;
extern int exit_code;
extern int foreground;		/* SIGINT was not ignored at start */
extern int save_orig_name;	/* store the name in the next header */

/* msg.c */
void set_exit(int code);			/* keeps the worst status */
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progerror(const char *name);		/* "prog: name: strerror" */
void display_ratio(int64_t num, int64_t den, FILE *f);
void try_help(void) __attribute__((noreturn));
void do_exit(int code) __attribute__((noreturn));
void abort_gzip(void) __attribute__((noreturn));
void read_error(const char *name, int err) __attribute__((noreturn));
void write_error(const char *name, int err) __attribute__((noreturn));
void write_all(int fd, const void *buf, size_t len, const char *name);

/* options.c */
int parse_options(int argc, char **argv);	/* returns optind */

/* names.c */
char *get_suffix(char *name);
int open_input_file(const char *iname, char *ifname, size_t ifsize,
		    struct stat *st);
int make_ofname(const char *ifname, char *ofname, size_t ofsize);
const char *base_name(const char *name);

/* outfile.c */
void signals_init(void);
int outfile_create(const char *ofname, const struct stat *ist,
		   const char *ifname);
void outfile_finish(const struct stat *ist, const struct timespec *restore);
void outfile_remove(void);
int outfile_fd(void);

/* Per-file state the drivers fill. */
struct gz_file {
	const char *ifname;	/* "stdin" or the input name */
	char *ofname;		/* "stdout" or the output name (may change) */
	size_t ofsize;
	int ifd, ofd;
	int64_t ifile_size;	/* -1 when not a regular file */
	struct timespec mtime;	/* tv_nsec < 0: unknown */
	int64_t bytes_in, bytes_out, header_bytes;
	uint32_t list_crc;	/* -l: crc of the last member */
	int members;		/* members decoded */
};

/* compress.c / decompress.c / list.c */
int compress_file(struct gz_file *f);
int decompress_prepare(struct gz_file *f);	/* header of member 1 */
int decompress_file(struct gz_file *f);
int member_verdict(int err);			/* EXIT_OK, or fail the member */
void list_file(struct gz_file *f);
void list_totals(void);

#endif /* WDGZIP_H */
