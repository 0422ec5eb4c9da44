#include "cmd.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the process is one command: its name is process-wide */
static const char *name = "scr";

void cmd_init(const char *n)
{
	name = n;
}

const char *cmd_name(void)
{
	return name;
}

int cmd_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", name);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry '%s --help'\n", name);
	return EXIT_USAGE;
}

const char *cmd_bad_option(char **argv)
{
	static char shortopt[3] = "-?";
	const char *arg = argv[optind - 1];
	if (!strncmp(arg, "--", 2))
		return arg;
	shortopt[1] = (char)optopt;
	return shortopt;
}

void cmd_out_of_memory(void)
{
	fflush(stdout);
	fprintf(stderr, "%s: out of memory\n", name);
	exit(EXIT_FAIL);
}

void cmd_warn(const char *msg)
{
	fprintf(stderr, "%s: ", name);
	for (const char *c = msg; *c; c++)
		fputc((unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c, stderr);
	fputc('\n', stderr);
}

char *cmd_printable(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		cmd_out_of_memory();
	for (char *q = p; *q; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q == 0x7f)
			*q = '?';
	return p;
}
