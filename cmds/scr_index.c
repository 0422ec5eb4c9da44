/*
 * scr_index: list the datasets recorded in a prefix directory, choose the
 * one a restart uses, or drop one from the index. MPI-free; the index is
 * read and written only through core/meta.c, so this sees exactly what the
 * library wrote.
 *
 * Exit status: 0 success, 1 the operation failed, 2 usage error.
 */
#define _GNU_SOURCE
#include "meta.h"
#include "scr_err.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define EXIT_OK    0
#define EXIT_FAIL  1
#define EXIT_USAGE 2

enum index_op {
	OP_NONE,
	OP_LIST,
	OP_CURRENT,
	OP_DROP,
};

struct index_args {
	const char *prefix;
	enum index_op op;
	const char *name;   /* for --current and --drop */
};

static const char usage_text[] =
	"usage: scr_index [--prefix DIR] [--list]\n"
	"       scr_index [--prefix DIR] --current NAME\n"
	"       scr_index [--prefix DIR] --drop NAME\n"
	"       scr_index --help\n"
	"\n"
	"List the datasets recorded in DIR/.scr/index.scr, choose the one a\n"
	"restart uses, or drop one from the index.\n"
	"\n"
	"  -p, --prefix DIR    prefix directory (default: $SCR_PREFIX, else the\n"
	"                      current directory)\n"
	"  -l, --list          list the datasets, newest first (the default)\n"
	"  -c, --current NAME  restart from dataset NAME (it must be complete and\n"
	"                      not marked failed)\n"
	"  -d, --drop NAME     remove NAME from the index; its files are kept\n"
	"  -h, --help          show this help\n";

static int usage_error(const char *fmt, const char *arg)
{
	fputs("scr_index: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\ntry 'scr_index --help'\n", stderr);
	return EXIT_USAGE;
}

/* The text for an error from meta.c; errno says more about I/O errors. */
static const char *error_text(int rc, int saved_errno)
{
	if (rc == -SCR_EIO && saved_errno)
		return strerror(saved_errno);
	return scr_strerror(rc);
}

/* A name as printed: control bytes become '?' so a hostile name cannot
 * drive the terminal. */
static char *printable(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p) {
		fputs("scr_index: out of memory\n", stderr);
		exit(EXIT_FAIL);
	}
	for (char *q = p; *q; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q == 0x7f)
			*q = '?';
	return p;
}

/* The option getopt stopped at: the long one as written, else "-x". */
static const char *bad_option(char **argv, char shortopt[3])
{
	const char *arg = argv[optind - 1];
	if (!strncmp(arg, "--", 2))
		return arg;
	shortopt[1] = (char)optopt;
	return shortopt;
}

static int set_op(struct index_args *a, enum index_op op, const char *name,
		  const char *option)
{
	if (a->op != OP_NONE && (a->op != op || (name && strcmp(a->name, name))))
		return usage_error("%s: choose one of --list, --current NAME and --drop NAME",
				   option);
	a->op = op;
	a->name = name;
	return 0;
}

static int parse_args(int argc, char **argv, struct index_args *a)
{
	static const struct option longopts[] = {
		{ "prefix",  required_argument, NULL, 'p' },
		{ "list",    no_argument,       NULL, 'l' },
		{ "current", required_argument, NULL, 'c' },
		{ "drop",    required_argument, NULL, 'd' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char shortopt[3] = "-?";
	int c, rc;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:lc:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!*optarg)
				return usage_error("%s: empty prefix", "--prefix");
			a->prefix = optarg;
			break;
		case 'l':
			if ((rc = set_op(a, OP_LIST, NULL, "--list")))
				return rc;
			break;
		case 'c':
			if ((rc = set_op(a, OP_CURRENT, optarg, "--current")))
				return rc;
			break;
		case 'd':
			if ((rc = set_op(a, OP_DROP, optarg, "--drop")))
				return rc;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		case ':':
			return usage_error("option '%s' needs an argument",
					   bad_option(argv, shortopt));
		default:
			return usage_error("unknown option '%s'",
					   bad_option(argv, shortopt));
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (a->op == OP_NONE)
		a->op = OP_LIST;
	if (!a->prefix) {
		const char *env = getenv("SCR_PREFIX");
		a->prefix = env && *env ? env : ".";
	}
	return 0;
}

static int entry_valid(const struct scr_index_entry *e)
{
	return e->ds.complete && !e->failed;
}

/*
 * The dataset a restart would use: the current one if set and valid, else
 * the newest valid checkpoint (older than the current one when that is no
 * longer valid).
 */
static const struct scr_index_entry *restart_entry(struct scr_index *x)
{
	struct scr_index_entry *cur = scr_index_find_name(x, x->current);
	if (cur && entry_valid(cur))
		return cur;
	for (size_t i = cur ? (size_t)(cur - x->e) : x->n; i > 0; i--) {
		const struct scr_index_entry *e = &x->e[i - 1];
		if (entry_valid(e) && (e->ds.flags & SCR_FLAG_CKPT_BIT))
			return e;
	}
	return NULL;
}

static void format_time(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t <= 0) {
		snprintf(buf, size, "-");
		return;
	}
	if (!localtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(buf, size, "?");
}

static int read_index(const char *path, struct scr_index *x)
{
	errno = 0;
	int rc = scr_index_read(path, x);
	if (!rc)
		return EXIT_OK;
	const char *why = error_text(rc, errno);
	struct stat st;
	/* the reader refuses these before decoding: say which it was */
	if (rc == -SCR_EFORMAT && stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			why = "not a regular file";
		else if ((uint64_t)st.st_size > SCR_META_MAX_SIZE)
			why = "larger than the 256 MiB a state file may be";
	}
	fprintf(stderr, "scr_index: cannot read '%s': %s\n", path, why);
	return EXIT_FAIL;
}

static int write_index(const char *path, const struct scr_index *x)
{
	errno = 0;
	int rc = scr_index_write(path, x);
	if (rc) {
		fprintf(stderr, "scr_index: cannot write '%s': %s\n", path,
			error_text(rc, errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int cmd_list(const char *prefix, struct scr_index *x)
{
	if (x->n == 0) {
		printf("scr_index: no datasets in '%s'\n", prefix);
		return EXIT_OK;
	}
	const struct scr_index_entry *restart = restart_entry(x);
	printf("%4s %-5s %-19s %-3s %s\n", "DSET", "VALID", "FLUSHED", "CUR", "NAME");
	for (size_t i = x->n; i > 0; i--) {
		const struct scr_index_entry *e = &x->e[i - 1];
		char when[64];
		char *name = printable(e->ds.name);
		format_time(e->flushed, when, sizeof(when));
		printf("%4d %-5s %-19s %-3s %s\n", e->ds.id,
		       entry_valid(e) ? "YES" : "NO", when,
		       e == restart ? " *" : "", name);
		free(name);
	}
	return EXIT_OK;
}

static struct scr_index_entry *find_or_complain(struct scr_index *x,
						const char *name, const char *prefix)
{
	struct scr_index_entry *e = scr_index_find_name(x, name);
	if (!e) {
		char *n = printable(name);
		fprintf(stderr, "scr_index: no dataset named '%s' in '%s' "
			"(see scr_index --list)\n", n, prefix);
		free(n);
	}
	return e;
}

static int cmd_current(const char *prefix, const char *path,
		       struct scr_index *x, const char *name)
{
	struct scr_index_entry *e = find_or_complain(x, name, prefix);
	if (!e)
		return EXIT_FAIL;
	char *n = printable(name);
	int rc = EXIT_FAIL;
	if (!e->ds.complete)
		fprintf(stderr, "scr_index: dataset '%s' is not complete: cannot restart from it\n", n);
	else if (e->failed)
		fprintf(stderr, "scr_index: dataset '%s' is marked failed: cannot restart from it\n", n);
	else if (scr_index_set_current(x, name))
		fputs("scr_index: out of memory\n", stderr);
	else
		rc = write_index(path, x);
	if (rc == EXIT_OK)
		printf("scr_index: a restart will use '%s' (dataset %d)\n", n, e->ds.id);
	free(n);
	return rc;
}

static int cmd_drop(const char *prefix, const char *path,
		    struct scr_index *x, const char *name)
{
	struct scr_index_entry *e = find_or_complain(x, name, prefix);
	if (!e)
		return EXIT_FAIL;
	int id = e->ds.id;
	int was_current = x->current != NULL;
	scr_index_remove(x, id);
	was_current = was_current && !x->current;
	int rc = write_index(path, x);
	if (rc == EXIT_OK) {
		char *n = printable(name);
		char *dir = scr_prefix_dataset_dir(prefix, id);
		printf("scr_index: dropped '%s' (dataset %d) from the index; "
		       "its files in '%s' and '%s' are kept\n", n, id, prefix,
		       dir ? dir : "?");
		if (was_current)
			printf("scr_index: no current dataset now: a restart will use "
			       "the newest valid checkpoint\n");
		free(dir);
		free(n);
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct index_args a;
	struct scr_index x;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;

	char *path = scr_prefix_index_path(a.prefix);
	if (!path) {
		fputs("scr_index: out of memory\n", stderr);
		return EXIT_FAIL;
	}
	rc = read_index(path, &x);
	if (rc == EXIT_OK) {
		switch (a.op) {
		case OP_CURRENT:
			rc = cmd_current(a.prefix, path, &x, a.name);
			break;
		case OP_DROP:
			rc = cmd_drop(a.prefix, path, &x, a.name);
			break;
		default:
			rc = cmd_list(a.prefix, &x);
			break;
		}
	}
	scr_index_release(&x);
	free(path);
	return rc;
}
