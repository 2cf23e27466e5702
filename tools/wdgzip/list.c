/* SPDX-License-Identifier: MIT */
/*
 * list.c - gzip -l: like gzip 1.12, the whole input is decoded (so sizes
 * are right for pipes and errors are found); the table shows the total
 * compressed size, the size of the last member, and with -v the method,
 * CRC and date.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "gzheader.h"
#include "wdgzip.h"

#define WIDTH	19	/* digits of the largest off_t */

static int64_t total_in, total_out;
static int first_time = 1;

int decompress_last_method(void);

static void list_header(void)
{
	if (!first_time)
		return;
	first_time = 0;
	if (opt.verbose)
		printf("method  crc     date  time  ");
	if (!opt.quiet)
		printf("%*s %*s  ratio uncompressed_name\n", WIDTH, "compressed",
		       WIDTH, "uncompressed");
}

void list_totals(void)
{
	if (total_in <= 0 || total_out <= 0)
		return;
	if (opt.verbose)
		printf("                            ");
	if (opt.verbose || !opt.quiet)
		printf("%*lld %*lld ", WIDTH, (long long)total_in, WIDTH,
		       (long long)total_out);
	display_ratio(total_out - (total_in - gz_last_header_bytes), total_out,
		      stdout);
	printf(" (totals)\n");
}

/* gzip's names of the methods, for -lv. */
static const char *method_name(int m)
{
	switch (m) {
	case GZ_LZW:
		return "compr";
	case GZ_PACKED:
		return "pack ";
	case GZ_ZIP_STORED:
		return "store";
	default:
		return "defla";
	}
}

void list_file(struct gz_file *f)
{
	static const char month[][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int m;

	if (decompress_file(f) != EXIT_OK)
		return;
	m = decompress_last_method();
	if (m == GZ_GARBAGE || m == GZ_ZEROS) {
		/* gzip 1.12 prints the running totals for such a file */
		list_totals();
		return;
	}
	list_header();
	if (opt.verbose) {
		time_t t = f->mtime.tv_sec;
		struct tm *tm = localtime(&t);

		/* gzip shows the CRC of a gzip member only; for the others
		 * its "unknown", ~0 in an unsigned long */
		if (m == GZ_DEFLATED)
			printf("%5s %08lx ", "defla", (unsigned long)f->list_crc);
		else
			printf("%5s %08lx ", method_name(m), ~0ul);
		if (tm)
			printf("%s%3d %02d:%02d ", month[tm->tm_mon],
			       tm->tm_mday, tm->tm_hour, tm->tm_min);
		else
			printf("??? ?? ??:?? ");
	}
	printf("%*lld %*lld ", WIDTH, (long long)f->bytes_in, WIDTH,
	       (long long)f->bytes_out);
	total_in += f->bytes_in;
	total_out += f->bytes_out;
	display_ratio(f->bytes_out - (f->bytes_in - f->header_bytes),
		      f->bytes_out, stdout);
	printf(" %s\n", f->ofname);
}
