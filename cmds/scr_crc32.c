/*
 * scr_crc32: the CRC32 of files as scr records them (zlib's crc32(), the
 * value in summaries, filemaps and redundancy files), to check a file in a
 * cache or a prefix by hand. MPI-free; computed with the library's
 * scr_crc32 (core/base/crc.h), so it is the value the library compares.
 *
 * Exit status: 0 success, 1 a file could not be read (the others are still
 * printed), 2 usage error.
 */
#define _GNU_SOURCE
#include "cmd.h"
#include "crc.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK ((size_t)1 << 20)

static const char usage_text[] =
	"usage: scr_crc32 [--decimal] [FILE...]\n"
	"       scr_crc32 --help\n"
	"\n"
	"Print the CRC32 of each FILE (zlib's crc32, the value scr records for\n"
	"the files of a dataset) as 8 lower-case hex digits, two spaces and the\n"
	"name. With no FILE, or when FILE is -, read standard input.\n"
	"\n"
	"  -d, --decimal  print the CRC32 in decimal, as LLNL SCR's scr_crc32\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit status: 0 success, 1 a file could not be read (the others are\n"
	"still printed), 2 usage error.\n";

/* CRC32 of everything readable from fd; 0 or -1 with errno set. */
static int crc_fd(int fd, unsigned char *buf, uint32_t *crc)
{
	uint32_t c = 0;
	for (;;) {
		size_t got = 0;
		int rc = scr_read_full(fd, buf, BLOCK, &got);
		c = scr_crc32(c, buf, got);
		if (rc)
			return -1;
		if (got < BLOCK)
			break;
	}
	*crc = c;
	return 0;
}

/*
 * A name as printed: like sha256sum and friends, a name with a newline,
 * carriage return or backslash is written with those escaped (\n, \r, \\)
 * and the line starts with a backslash, so every line stays one file.
 */
static void print_line(uint32_t crc, int decimal, const char *name)
{
	int escape = strpbrk(name, "\n\r\\") != NULL;
	if (escape)
		putchar('\\');
	if (decimal)
		printf("%" PRIu32 "  ", crc);
	else
		printf("%08" PRIx32 "  ", crc);
	for (const char *p = name; escape && *p; p++) {
		if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\r')
			fputs("\\r", stdout);
		else if (*p == '\\')
			fputs("\\\\", stdout);
		else
			putchar(*p);
	}
	if (!escape)
		fputs(name, stdout);
	putchar('\n');
}

static int crc_one(const char *name, int decimal, unsigned char *buf)
{
	int is_stdin = !strcmp(name, "-");
	int fd = is_stdin ? STDIN_FILENO : open(name, O_RDONLY | O_CLOEXEC);
	uint32_t crc;
	if (fd < 0) {
		fprintf(stderr, "scr_crc32: cannot open '%s': %s\n", name, strerror(errno));
		return EXIT_FAIL;
	}
	if (!is_stdin)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	int rc = crc_fd(fd, buf, &crc);
	int saved = errno;
	if (!is_stdin)
		close(fd);
	if (rc) {
		fprintf(stderr, "scr_crc32: cannot read '%s': %s\n",
			is_stdin ? "standard input" : name, strerror(saved));
		return EXIT_FAIL;
	}
	print_line(crc, decimal, name);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	cmd_init("scr_crc32");
	static const struct option longopts[] = {
		{ "decimal", no_argument, NULL, 'd' },
		{ "help",    no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, decimal = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":dh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			decimal = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		default:
			return cmd_usage_error("unknown option '%s'", cmd_bad_option(argv));
		}
	}

	unsigned char *buf = malloc(BLOCK);
	if (!buf) {
		fputs("scr_crc32: out of memory\n", stderr);
		return EXIT_FAIL;
	}
	int rc = EXIT_OK;
	if (optind == argc)
		rc = crc_one("-", decimal, buf);
	for (int i = optind; i < argc; i++) {
		if (crc_one(argv[i], decimal, buf) != EXIT_OK)
			rc = EXIT_FAIL;
		/* keep the lines in order with the messages on a terminal */
		fflush(stdout);
	}
	free(buf);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "scr_crc32: cannot write the output: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	return rc;
}
