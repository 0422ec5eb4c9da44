/*
 * scr_glob_hosts: SLURM hostlists on the command line: compress a list of
 * hosts to the short form, expand one, count it, pick the Nth host, and
 * the hosts of one list without or also in another. MPI-free; all the work
 * is cmds/lib/hostlist.c, so scripts see what the commands and library see.
 *
 * Exit status: 0 success, 1 a bad hostlist or no such host, 2 usage error.
 */
#define _GNU_SOURCE
#include "cmd.h"
#include "hostlist.h"
#include "io.h"
#include "scr_err.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Largest hostlist read from standard input. */
#define MAX_TEXT ((size_t)64 << 20)

enum glob_op {
	OP_NONE,
	OP_COMPRESS,
	OP_EXPAND,
	OP_COUNT,
	OP_NTH,
	OP_MINUS,
	OP_INTERSECTION,
};

struct glob_args {
	enum glob_op op;
	const char *option;   /* the operation's option as given, for messages */
	long nth;             /* for --nth: 1-based, or negative from the end */
	int nargs;
	char **args;          /* the operands */
};

static const char usage_text[] =
	"usage: scr_glob_hosts --compress [LIST...]\n"
	"       scr_glob_hosts --expand [LIST...]\n"
	"       scr_glob_hosts --count [LIST...]\n"
	"       scr_glob_hosts --nth N [LIST...]\n"
	"       scr_glob_hosts --minus A B\n"
	"       scr_glob_hosts --intersection A B\n"
	"       scr_glob_hosts --help\n"
	"\n"
	"Work with SLURM hostlists such as 'n[1-4,7],gpu01,rack[1-2]-n[01-03]'.\n"
	"A LIST is one or more arguments of host names and bracket ranges,\n"
	"separated by commas, spaces or newlines; with no LIST, or '-', it is\n"
	"read from standard input. Each host counts once, in the order first\n"
	"given.\n"
	"\n"
	"  -C, --compress      print LIST in the short form: n1,n2,n3,n5 -> n[1-3,5]\n"
	"                      (sorted, numbers grouped by prefix and suffix)\n"
	"  -e, --expand        print every host of LIST, comma-separated\n"
	"  -c, --count         print the number of hosts in LIST\n"
	"  -n, --nth N         print the Nth host of LIST (1 is the first; -1 the\n"
	"                      last)\n"
	"  -m, --minus         print the hosts of A that are not in B (short form)\n"
	"  -i, --intersection  print the hosts of A that are also in B (short form)\n"
	"  -h, --help          show this help\n"
	"\n"
	"A and B may also be given as one argument 'A:B'; one of them may be '-'\n"
	"for standard input.\n"
	"\n"
	"Exit status: 0 success, 1 a bad hostlist (the message names the problem\n"
	"and its position) or no Nth host, 2 usage error.\n";

static int set_op(struct glob_args *a, enum glob_op op, const char *option)
{
	if (a->op != OP_NONE && a->op != op)
		return cmd_usage_error("%s: choose one of --compress, --expand, --count, "
				       "--nth, --minus and --intersection", option);
	a->op = op;
	a->option = option;
	return 0;
}

static int parse_args(int argc, char **argv, struct glob_args *a)
{
	static const struct option longopts[] = {
		{ "compress",     no_argument,       NULL, 'C' },
		{ "expand",       no_argument,       NULL, 'e' },
		{ "count",        no_argument,       NULL, 'c' },
		{ "nth",          required_argument, NULL, 'n' },
		{ "minus",        no_argument,       NULL, 'm' },
		{ "intersection", no_argument,       NULL, 'i' },
		{ "help",         no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = 0;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":Cecn:mih", longopts, NULL)) != -1) {
		switch (c) {
		case 'C':
			rc = set_op(a, OP_COMPRESS, "--compress");
			break;
		case 'e':
			rc = set_op(a, OP_EXPAND, "--expand");
			break;
		case 'c':
			rc = set_op(a, OP_COUNT, "--count");
			break;
		case 'n': {
			char *end;
			errno = 0;
			long n = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || n == 0 || n == LONG_MIN)
				return cmd_usage_error("--nth: '%s' is not a host number (1 is the "
						       "first host, -1 the last)", optarg);
			if (a->nth && a->nth != n)
				return cmd_usage_error("%s: give one host number", "--nth");
			a->nth = n;
			rc = set_op(a, OP_NTH, "--nth");
			break;
		}
		case 'm':
			rc = set_op(a, OP_MINUS, "--minus");
			break;
		case 'i':
			rc = set_op(a, OP_INTERSECTION, "--intersection");
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		case ':':
			return cmd_usage_error("option '%s' needs an argument",
					       cmd_bad_option(argv));
		default:
			return cmd_usage_error("unknown option '%s'", cmd_bad_option(argv));
		}
		if (rc)
			return rc;
	}
	if (a->op == OP_NONE)
		return cmd_usage_error("%s", "choose one of --compress, --expand, --count, --nth, "
				       "--minus and --intersection");
	a->args = argv + optind;
	a->nargs = argc - optind;
	return 0;
}

/* All of standard input as a NUL-terminated string (malloc'd), or NULL
 * after a message. */
static char *read_stdin(void)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		cmd_out_of_memory();
	for (;;) {
		if (cap - len < 2) {
			if (cap >= MAX_TEXT) {
				fprintf(stderr, "scr_glob_hosts: standard input is larger than the "
					"%zu MiB a hostlist may be\n", MAX_TEXT >> 20);
				free(buf);
				return NULL;
			}
			cap *= 2;
			char *p = realloc(buf, cap);
			if (!p)
				cmd_out_of_memory();
			buf = p;
		}
		size_t got = 0, want = cap - len - 1;
		int rc = scr_read_full(STDIN_FILENO, buf + len, want, &got);
		len += got;
		if (rc) {
			fprintf(stderr, "scr_glob_hosts: cannot read standard input: %s\n",
				strerror(errno));
			free(buf);
			return NULL;
		}
		if (got < want)   /* end of input */
			break;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		fputs("scr_glob_hosts: standard input holds a NUL byte: not a hostlist\n", stderr);
		free(buf);
		return NULL;
	}
	return buf;
}

/* The operands joined with spaces (malloc'd); standard input for none or
 * a lone "-". */
static char *list_text(char **args, int n)
{
	if (n == 0 || (n == 1 && !strcmp(args[0], "-")))
		return read_stdin();
	size_t len = 1;
	for (int i = 0; i < n; i++)
		len += strlen(args[i]) + 1;
	char *text = malloc(len);
	if (!text)
		cmd_out_of_memory();
	text[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (i > 0)
			strcat(text, " ");
		strcat(text, args[i]);
	}
	return text;
}

/*
 * Report a parse error: the list (or the part around the position, for a
 * long one) with whitespace shown as spaces and other control bytes as '?',
 * so a hostile list cannot drive the terminal.
 */
static void report(const char *what, const char *text, const struct scr_hostlist_error *err)
{
	size_t len = strlen(text), from = 0, to = len;
	const size_t room = 60;
	if (len > room) {
		size_t pos = err->pos ? err->pos - 1 : 0;
		from = pos > room / 2 ? pos - room / 2 : 0;
		to = from + room < len ? from + room : len;
	}
	char *shown = malloc(to - from + 7);
	if (!shown)
		cmd_out_of_memory();
	size_t n = 0;
	if (from > 0)
		n += (size_t)sprintf(shown, "...");
	for (size_t i = from; i < to; i++) {
		unsigned char c = (unsigned char)text[i];
		shown[n++] = c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ? ' ' :
			     c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (to < len)
		n += (size_t)sprintf(shown + n, "...");
	shown[n] = '\0';
	char where[48] = "";
	if (from > 0)
		snprintf(where, sizeof(where), " (shown from position %zu)", from + 1);
	fprintf(stderr, "scr_glob_hosts: bad hostlist%s%s '%s'%s: %s\n", what ? " " : "",
		what ? what : "", shown, where, err->msg);
	free(shown);
}

/* Parse text into h; EXIT_OK, or EXIT_FAIL after a message. */
static int parse_list(const char *what, const char *text, struct scr_hostlist *h)
{
	struct scr_hostlist_error err;
	scr_hostlist_init(h);
	int rc = scr_hostlist_parse(h, text, &err);
	if (rc == -SCR_ENOMEM)
		cmd_out_of_memory();
	if (rc) {
		report(what, text, &err);
		scr_hostlist_release(h);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static void print_compressed(const struct scr_hostlist *h)
{
	char *s;
	if (scr_hostlist_compress(h, &s))
		cmd_out_of_memory();
	puts(s);
	free(s);
}

static int cmd_one_list(const struct glob_args *a)
{
	struct scr_hostlist h;
	char *text = list_text(a->args, a->nargs);
	if (!text)
		return EXIT_FAIL;
	int rc = parse_list(NULL, text, &h);
	free(text);
	if (rc)
		return rc;
	size_t n = scr_hostlist_count(&h);
	char *s;
	switch (a->op) {
	case OP_COMPRESS:
		print_compressed(&h);
		break;
	case OP_EXPAND:
		if (scr_hostlist_join(&h, ",", &s))
			cmd_out_of_memory();
		puts(s);
		free(s);
		break;
	case OP_COUNT:
		printf("%zu\n", n);
		break;
	default: {   /* OP_NTH */
		unsigned long want = a->nth > 0 ? (unsigned long)a->nth : -(unsigned long)a->nth;
		if (want > n) {
			fprintf(stderr, "scr_glob_hosts: no host %ld: the list has %zu host%s\n",
				a->nth, n, n == 1 ? "" : "s");
			rc = EXIT_FAIL;
			break;
		}
		puts(scr_hostlist_nth(&h, a->nth > 0 ? want - 1 : n - want));
		break;
	}
	}
	scr_hostlist_release(&h);
	return rc;
}

static int cmd_two_lists(const struct glob_args *a)
{
	const char *option = a->option;
	char *first = NULL, *second = NULL;
	struct scr_hostlist ha, hb, out;
	int rc = EXIT_FAIL;

	if (a->nargs == 1 && strchr(a->args[0], ':')) {
		/* the form A:B of LLNL's scr_glob_hosts */
		const char *colon = strchr(a->args[0], ':');
		if (strchr(colon + 1, ':'))
			return cmd_usage_error("%s: give two lists, A B or A:B", option);
		first = strndup(a->args[0], (size_t)(colon - a->args[0]));
		second = strdup(colon + 1);
		if (!first || !second)
			cmd_out_of_memory();
	} else if (a->nargs == 2) {
		if (!strcmp(a->args[0], "-") && !strcmp(a->args[1], "-"))
			return cmd_usage_error("%s: only one list can come from standard input",
					       option);
		first = list_text(a->args, 1);
		if (!first)
			return EXIT_FAIL;
		second = list_text(a->args + 1, 1);
		if (!second) {
			free(first);
			return EXIT_FAIL;
		}
	} else {
		return cmd_usage_error("%s: give two lists, A B", option);
	}

	if (parse_list("A", first, &ha) == EXIT_OK) {
		if (parse_list("B", second, &hb) == EXIT_OK) {
			int r = a->op == OP_MINUS ? scr_hostlist_minus(&out, &ha, &hb)
						  : scr_hostlist_intersection(&out, &ha, &hb);
			if (r)
				cmd_out_of_memory();
			print_compressed(&out);
			scr_hostlist_release(&out);
			rc = EXIT_OK;
			scr_hostlist_release(&hb);
		}
		scr_hostlist_release(&ha);
	}
	free(first);
	free(second);
	return rc;
}

int main(int argc, char **argv)
{
	cmd_init("scr_glob_hosts");
	struct glob_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	if (a.op == OP_MINUS || a.op == OP_INTERSECTION)
		rc = cmd_two_lists(&a);
	else
		rc = cmd_one_list(&a);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "scr_glob_hosts: cannot write the output: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	return rc;
}
