/*
 * scr_index: list the datasets recorded in a prefix directory, choose the
 * one a restart uses, drop one from the index, or rebuild a dataset that was
 * only cached from what the surviving nodes held (gathered into the prefix,
 * see scr_prefix_red_dir in core/base/meta.h) and add it to the index. MPI-free;
 * the index is read and written only through core/base/meta.c, and the rebuild
 * uses the library's own kernels (redundancy/offline.h), so this sees
 * exactly what the library wrote.
 *
 * Exit status: 0 success, 1 the operation failed, 2 usage error.
 */
#define _GNU_SOURCE
#include "cmd.h"
#include "layout.h"
#include "meta.h"
#include "io.h"
#include "offline.h"
#include "scr_err.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum index_op {
	OP_NONE,
	OP_LIST,
	OP_CURRENT,
	OP_DROP,
	OP_BUILD,
	OP_REBUILD,
};

struct index_args {
	const char *prefix;
	enum index_op op;
	const char *name;   /* for --current and --drop; --build's id as given */
	int id;             /* for --build */
};

static const char usage_text[] =
	"usage: scr_index [--prefix DIR] [--list]\n"
	"       scr_index [--prefix DIR] --current NAME\n"
	"       scr_index [--prefix DIR] --drop NAME\n"
	"       scr_index [--prefix DIR] --build ID\n"
	"       scr_index [--prefix DIR] --rebuild-index\n"
	"       scr_index --help\n"
	"\n"
	"List the datasets recorded in DIR/.scr/index.scr, choose the one a\n"
	"restart uses, drop one from the index, or rebuild a dataset that was\n"
	"only cached from what the surviving nodes held.\n"
	"\n"
	"  -p, --prefix DIR    prefix directory (default: $SCR_PREFIX, else the\n"
	"                      current directory)\n"
	"  -l, --list          list the datasets, newest first (the default)\n"
	"  -c, --current NAME  restart from dataset NAME (it must be complete and\n"
	"                      not marked failed)\n"
	"  -d, --drop NAME     remove NAME from the index; its files are kept\n"
	"  -b, --build ID      rebuild dataset ID from the files gathered into DIR\n"
	"                      (data files at their paths, redundancy files in\n"
	"                      DIR/.scr/scr.dataset.ID/red/red.RANK): the files of\n"
	"                      lost ranks are rebuilt, then its summary is written\n"
	"                      and it is added to the index\n"
	"  -r, --rebuild-index make the index anew from the summaries of the\n"
	"                      datasets in DIR/.scr (after damage: a library run\n"
	"                      does this by itself); the old file is kept as\n"
	"                      index.scr.corrupt. Marks of failed datasets and the\n"
	"                      current name are not in summaries and are lost\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 success, 1 the operation failed (for --build: files are\n"
	"lost or the redundancy files are missing; the index is left unchanged),\n"
	"2 usage error.\n";

/* The text for an error from meta.c; errno says more about I/O errors. */
static const char *error_text(int rc, int saved_errno)
{
	if (rc == -SCR_EIO && saved_errno)
		return strerror(saved_errno);
	return scr_strerror(rc);
}

static int set_op(struct index_args *a, enum index_op op, const char *name,
		  const char *option)
{
	if (a->op != OP_NONE && (a->op != op || (name && strcmp(a->name, name))))
		return cmd_usage_error("%s: choose one of --list, --current NAME, --drop NAME, "
				       "--build ID and --rebuild-index", option);
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
		{ "build",   required_argument, NULL, 'b' },
		{ "rebuild-index", no_argument, NULL, 'r' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:lc:d:b:rh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!*optarg)
				return cmd_usage_error("%s: empty prefix", "--prefix");
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
		case 'b': {
			char *end;
			errno = 0;
			long id = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || id <= 0 || id > INT_MAX)
				return cmd_usage_error("--build: '%s' is not a dataset id (a number "
						       "from 1 up)", optarg);
			if ((rc = set_op(a, OP_BUILD, optarg, "--build")))
				return rc;
			if (a->id && a->id != (int)id)
				return cmd_usage_error("%s: give one dataset id", "--build");
			a->id = (int)id;
			break;
		}
		case 'r':
			if ((rc = set_op(a, OP_REBUILD, NULL, "--rebuild-index")))
				return rc;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		case ':':
			return cmd_usage_error("option '%s' needs an argument",
					       cmd_bad_option(argv));
		default:
			return cmd_usage_error("unknown option '%s'",
					       cmd_bad_option(argv));
		}
	}
	if (optind < argc)
		return cmd_usage_error("unexpected argument '%s'", argv[optind]);
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
	/* the reader refuses this before decoding: say so */
	if (rc == -SCR_EFORMAT && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size > SCR_META_MAX_SIZE)
		why = "larger than the 256 MiB a state file may be";
	fprintf(stderr, "scr_index: cannot read '%s': %s%s\n", path, why,
		scr_index_damaged(rc) ? " (scr_index --rebuild-index makes it anew from the "
		"dataset summaries)" : "");
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

/* --rebuild-index: from the summaries; the old file set aside. */
static int cmd_rebuild(const char *prefix, const char *path)
{
	struct scr_index x;
	errno = 0;
	int rc = scr_index_rebuild(prefix, &x);
	if (rc) {
		fprintf(stderr, "scr_index: cannot read the dataset summaries in '%s/.scr': %s\n",
			prefix, error_text(rc, errno));
		return EXIT_FAIL;
	}
	char *aside = NULL;
	if (access(path, F_OK) == 0) {
		aside = scr_asprintf("%s.corrupt", path);
		if (!aside || rename(path, aside) != 0) {
			fprintf(stderr, "scr_index: cannot set '%s' aside: %s\n", path,
				aside ? strerror(errno) : "out of memory");
			free(aside);
			scr_index_release(&x);
			return EXIT_FAIL;
		}
	}
	rc = write_index(path, &x);
	if (rc == EXIT_OK)
		printf("scr_index: rebuilt '%s' from the summaries of %zu dataset(s)%s%s%s\n",
		       path, x.n, aside ? "; the old one is '" : "", aside ? aside : "",
		       aside ? "'" : "");
	free(aside);
	scr_index_release(&x);
	return rc;
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
		char *name = cmd_printable(e->ds.name);
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
		char *n = cmd_printable(name);
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
	char *n = cmd_printable(name);
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
		char *n = cmd_printable(name);
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

/* ---- --build ---- */

/* The ranks of out in state st, as "0,1,4-7" (malloc'd; "" for none). */
static char *rank_list(const struct scr_red_offline *out, int st, int *count)
{
	size_t cap = 16, len = 0;
	char *buf = malloc(cap);
	int n = 0;
	if (!buf)
		return NULL;
	buf[0] = '\0';
	for (int r = 0; r < out->nranks; r++) {
		if (out->state[r] != st)
			continue;
		int last = r;
		while (last + 1 < out->nranks && out->state[last + 1] == st)
			last++;
		char item[40];
		if (last - r >= 2)
			snprintf(item, sizeof(item), "%s%d-%d", len ? "," : "", r, last);
		else if (last > r)
			snprintf(item, sizeof(item), "%s%d,%d", len ? "," : "", r, last);
		else
			snprintf(item, sizeof(item), "%s%d", len ? "," : "", r);
		n += last - r + 1;
		size_t il = strlen(item);
		if (len + il + 1 > cap) {
			while (len + il + 1 > cap)
				cap *= 2;
			char *v = realloc(buf, cap);
			if (!v) {
				free(buf);
				return NULL;
			}
			buf = v;
		}
		memcpy(buf + len, item, il + 1);
		len += il;
		r = last;
	}
	if (count)
		*count = n;
	return buf;
}

/* Parity blocks per stripe (XOR, RS) of the dataset's sets, from the first
 * readable redundancy file of it in red_dir; 0 when none is readable. */
static int parity_per_set(const char *red_dir, int id, int nranks)
{
	for (int r = 0; r < nranks; r++) {
		char *path = scr_red_gathered_path(red_dir, r);
		struct scr_red_header h;
		uint64_t off;
		int m = 0;
		if (path && scr_red_header_read(path, &h, &off, 0) == 0) {
			if (h.dataset_id == id)
				m = h.m;
			scr_red_header_release(&h);
		}
		free(path);
		if (m > 0)
			return m;
	}
	return 0;
}

/* Why the ranks are beyond the scheme's reach, for the error message. */
static void explain_loss(const char *red_dir, const struct scr_red_offline *out)
{
	const char *s = scr_red_scheme_name(out->scheme);
	int m;
	switch (out->scheme) {
	case SCR_RED_XOR:
		fprintf(stderr, "scr_index: more ranks of a set were lost than XOR tolerates "
			"(one per set)");
		break;
	case SCR_RED_RS:
		m = parity_per_set(red_dir, out->dataset_id, out->nranks);
		if (m > 0)
			fprintf(stderr, "scr_index: more ranks of a set were lost than RS tolerates "
				"(%d per set)", m);
		else
			fprintf(stderr, "scr_index: more ranks of a set were lost than RS tolerates");
		break;
	case SCR_RED_PARTNER:
		fprintf(stderr, "scr_index: these ranks and their PARTNER ranks (which held "
			"their copies) were both lost");
		break;
	default:
		fprintf(stderr, "scr_index: %s cannot rebuild that much", s);
		break;
	}
	fputs("; a damaged or missing redundancy file counts as lost\n", stderr);
}

/* Rebuilt summary of the dataset, from the ranks' records. */
static int build_summary(const struct scr_red_offline *out, int id, struct scr_summary *sum)
{
	scr_summary_init(sum);
	int have_ds = 0, rc = 0;
	for (int r = 0; r < out->nranks && !have_ds; r++) {
		const struct scr_red_record *rec = &out->records[r];
		struct scr_filemap m;
		if (rec->rank != r || !rec->meta ||
		    scr_filemap_decode((const char *)rec->meta, rec->meta_len, &m) != 0)
			continue;
		if (m.n == 1 && m.e[0].ds.id == id) {
			rc = scr_dataset_copy(&sum->ds, &m.e[0].ds);
			have_ds = !rc;
		}
		scr_filemap_release(&m);
		if (rc)
			break;
	}
	if (rc || !have_ds) {
		if (!rc)
			fprintf(stderr, "scr_index: dataset %d: no rank's record of the dataset "
				"(name, flags) is readable: cannot add it to the index\n", id);
		else
			fputs("scr_index: out of memory\n", stderr);
		scr_summary_release(sum);
		return EXIT_FAIL;
	}
	if (!sum->ds.name || !*sum->ds.name) {
		free(sum->ds.name);
		sum->ds.name = scr_asprintf("dataset.%d", id);
		if (!sum->ds.name) {
			fputs("scr_index: out of memory\n", stderr);
			scr_summary_release(sum);
			return EXIT_FAIL;
		}
	}
	sum->ds.id = id;
	sum->ds.nranks = out->nranks;
	sum->ds.files = 0;
	sum->ds.bytes = 0;
	sum->ds.complete = 1;
	for (int r = 0; r < out->nranks && !rc; r++) {
		const struct scr_red_record *rec = &out->records[r];
		if (rec->rank != r) {
			fprintf(stderr, "scr_index: dataset %d: no record of rank %d's files\n", id, r);
			scr_summary_release(sum);
			return EXIT_FAIL;
		}
		for (size_t i = 0; i < rec->nfiles && !rc; i++) {
			struct scr_file f = { .rank = r, .path = rec->files[i].path,
					      .size = rec->files[i].size, .crc = rec->files[i].crc,
					      .complete = 1 };
			rc = scr_summary_add_file(sum, &f);
			sum->ds.files++;
			sum->ds.bytes += f.size;
		}
	}
	if (rc) {
		fprintf(stderr, "scr_index: dataset %d: cannot build its summary: %s\n", id,
			scr_strerror(rc));
		scr_summary_release(sum);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Does the summary of dataset id in the prefix name any of sum's paths? */
static int shares_files(const char *prefix, int id, const struct scr_summary *sum)
{
	char *path = scr_prefix_summary_path(prefix, id);
	struct scr_summary other;
	int hit = 0;
	if (path && scr_summary_read(path, &other) == 0) {
		for (size_t i = 0; i < other.nfiles && !hit; i++)
			for (size_t j = 0; j < sum->nfiles && !hit; j++)
				hit = !strcmp(other.files[i].path, sum->files[j].path);
		scr_summary_release(&other);
	}
	free(path);
	return hit;
}

/* The index entry, as the library's flush adds one. */
static int index_add(const char *prefix, struct scr_index *x, const struct scr_summary *sum)
{
	const struct scr_dataset *ds = &sum->ds;
	/* the gathered files are at their paths now: older flushed datasets
	 * that had files there are overwritten */
	for (size_t i = 0; i < x->n; i++) {
		struct scr_index_entry *e = &x->e[i];
		if (e->ds.id != ds->id && !e->failed && e->flushed &&
		    shares_files(prefix, e->ds.id, sum)) {
			char *n = cmd_printable(e->ds.name);
			printf("scr_index: dataset %d '%s' shares files with dataset %d: "
			       "marked failed\n", e->ds.id, n, ds->id);
			free(n);
			e->failed = 1;
		}
	}
	/* a dataset of the same name is superseded */
	struct scr_index_entry *old;
	while ((old = scr_index_find_name(x, ds->name)) && old->ds.id != ds->id)
		scr_index_remove(x, old->ds.id);
	/* a newer checkpoint ends the choice of an older current one */
	struct scr_index_entry *cur = x->current ? scr_index_find_name(x, x->current) : NULL;
	if (cur && cur->ds.id < ds->id && (ds->flags & SCR_FLAG_CKPT_BIT))
		scr_index_set_current(x, NULL);
	struct scr_index_entry e = { .ds = *ds, .flushed = (int64_t)time(NULL), .failed = 0 };
	return scr_index_put(x, &e);
}

/* The job size recorded by any rank record in ranks_dir, 0 when none. */
static int ranks_of_gathered(const char *ranks_dir, int id)
{
	DIR *d = opendir(ranks_dir);
	struct dirent *de;
	int nranks = 0;
	while (d && !nranks && (de = readdir(d)) != NULL) {
		int r;
		char tail;
		if (sscanf(de->d_name, "filemap.%d%c", &r, &tail) != 1)
			continue;
		char *path = scr_asprintf("%s/%s", ranks_dir, de->d_name);
		struct scr_filemap m;
		if (path && scr_filemap_read(path, &m) == 0) {
			if (m.n == 1 && m.e[0].ds.id == id && m.e[0].ds.nranks > 0)
				nranks = m.e[0].ds.nranks;
			scr_filemap_release(&m);
		}
		free(path);
	}
	if (d)
		closedir(d);
	return nranks;
}

/*
 * The summary of a dataset whose every rank's files scr_copy gathered
 * intact: from the rank records in the ranks directory, each file still at
 * its size. 0 with sum filled, 1 when some rank has no record (the caller
 * rebuilds from redundancy data; *missing lists them), -1 on an error
 * already reported.
 */
static int gathered_summary(const char *prefix, int id, struct scr_summary *sum,
			    char **missing)
{
	char *dir = scr_prefix_ranks_dir(prefix, id);
	int nranks = -1, rc = 0, nmissing = 0;
	size_t mlen = 0;
	*missing = NULL;
	scr_summary_init(sum);
	if (!dir || (nranks = ranks_of_gathered(dir, id)) <= 0) {
		free(dir);
		return dir ? 1 : -1;
	}
	for (int r = 0; !rc && r < nranks; r++) {
		char *path = scr_asprintf("%s/filemap.%d", dir, r);
		struct scr_filemap m;
		int rr = path ? scr_filemap_read(path, &m) : -SCR_ENOMEM;
		if (rr == 0 && (m.n != 1 || m.e[0].ds.id != id || m.e[0].ds.nranks <= 0 ||
				(nranks >= 0 && m.e[0].ds.nranks != nranks))) {
			fprintf(stderr, "scr_index: '%s' is not a record of a rank of dataset %d: "
				"ignored\n", path, id);
			scr_filemap_release(&m);
			rr = -SCR_EFORMAT;
		}
		if (rr == 0) {
			const struct scr_filemap_entry *e = &m.e[0];
			if (nranks < 0)
				nranks = e->ds.nranks;
			/* the first rank that named it (a rank of a transparent run that
			 * wrote nothing of it does not) */
			if ((!sum->ds.name || (!*sum->ds.name && e->ds.name && *e->ds.name))) {
				scr_dataset_release(&sum->ds);
				if ((rc = scr_dataset_copy(&sum->ds, &e->ds)) != 0)
					rr = rc;
			}
			for (size_t i = 0; !rc && rr == 0 && i < e->nfiles; i++) {
				char *fp = scr_asprintf("%s/%s", prefix, e->files[i].path);
				struct stat st;
				if (!fp) {
					rc = -SCR_ENOMEM;
				} else if (stat(fp, &st) != 0 || (uint64_t)st.st_size != e->files[i].size) {
					fprintf(stderr, "scr_index: '%s' is missing or changed since it "
						"was gathered\n", fp);
					rr = -SCR_EIO;
				} else {
					rc = scr_summary_add_file(sum, &e->files[i]);
				}
				free(fp);
			}
			scr_filemap_release(&m);
		}
		if (rr && !rc) {
			if (rr == -SCR_ENOMEM) {
				rc = rr;
			} else {
				char item[24];
				int n = snprintf(item, sizeof(item), "%s%d", nmissing ? "," : "", r);
				char *grown = realloc(*missing, mlen + (size_t)n + 1);
				if (!grown) {
					rc = -SCR_ENOMEM;
				} else {
					memcpy(grown + mlen, item, (size_t)n + 1);
					*missing = grown;
					mlen += (size_t)n;
					nmissing++;
				}
			}
		}
		free(path);
	}
	free(dir);
	if (rc || !sum->ds.name || nmissing) {
		scr_summary_release(sum);
		if (rc) {
			fputs("scr_index: out of memory\n", stderr);
			return -1;
		}
		return 1;
	}
	if (!*sum->ds.name) {
		free(sum->ds.name);
		if (!(sum->ds.name = scr_asprintf("dataset.%d", id))) {
			scr_summary_release(sum);
			fputs("scr_index: out of memory\n", stderr);
			return -1;
		}
	}
	sum->ds.id = id;
	sum->ds.nranks = nranks;
	sum->ds.complete = 1;
	sum->ds.files = sum->nfiles;
	sum->ds.bytes = 0;
	for (size_t i = 0; i < sum->nfiles; i++)
		sum->ds.bytes += sum->files[i].size;
	return 0;
}

/* Write the summary and index entry of a dataset made whole in the prefix. */
static int index_whole(const char *prefix, const char *path, struct scr_index *x,
		       const struct scr_summary *sum)
{
	char *sum_path = scr_prefix_summary_path(prefix, sum->ds.id);
	char *dir = scr_prefix_dataset_dir(prefix, sum->ds.id);
	int w = dir && sum_path ? scr_mkdir_p(dir, 0755) : -SCR_ENOMEM;
	free(dir);
	errno = 0;
	if (!w)
		w = scr_summary_write(sum_path, sum);
	if (w) {
		fprintf(stderr, "scr_index: cannot write summary '%s': %s; the index is "
			"unchanged\n", sum_path ? sum_path : "?", error_text(w, errno));
		free(sum_path);
		return EXIT_FAIL;
	}
	free(sum_path);
	if (index_add(prefix, x, sum)) {
		fputs("scr_index: out of memory\n", stderr);
		return EXIT_FAIL;
	}
	return write_index(path, x);
}

/* Where a restart goes now, after adding dataset id. */
static void say_restart(struct scr_index *x, const struct scr_summary *sum, const char *name)
{
	const struct scr_index_entry *use = restart_entry(x);
	if (use && use->ds.id == sum->ds.id)
		printf("scr_index: a restart will use '%s' (dataset %d)\n", name, sum->ds.id);
	else if (!(sum->ds.flags & SCR_FLAG_CKPT_BIT))
		printf("scr_index: added to the index (an output dataset: not restarted from)\n");
	else
		printf("scr_index: added to the index; a restart will use another dataset "
		       "(see scr_index --list)\n");
}

static int cmd_build(const char *prefix, const char *path, struct scr_index *x, int id)
{
	/* every rank gathered intact: nothing to rebuild */
	char *not_intact = NULL;
	struct scr_summary whole;
	int g = gathered_summary(prefix, id, &whole, &not_intact);
	if (g < 0)
		return EXIT_FAIL;
	if (not_intact)
		printf("scr_index: dataset %d: ranks without intact gathered files: %s; "
		       "rebuilding them from redundancy data\n", id, not_intact);
	fflush(stdout);
	free(not_intact);
	if (g == 0) {
		int wrc = index_whole(prefix, path, x, &whole);
		if (wrc == EXIT_OK) {
			char *n = cmd_printable(whole.ds.name);
			printf("scr_index: dataset %d '%s' gathered in '%s': all %d ranks intact, "
			       "%llu files, %llu bytes\n", id, n, prefix, whole.ds.nranks,
			       (unsigned long long)whole.ds.files,
			       (unsigned long long)whole.ds.bytes);
			say_restart(x, &whole, n);
			free(n);
		}
		scr_summary_release(&whole);
		return wrc;
	}

	char *red_dir = scr_prefix_red_dir(prefix, id);
	char *sum_path = scr_prefix_summary_path(prefix, id);
	struct scr_red_offline out;
	struct scr_summary sum;
	struct stat st;
	int rc = EXIT_FAIL;
	memset(&out, 0, sizeof(out));
	scr_summary_init(&sum);
	if (!red_dir || !sum_path) {
		fputs("scr_index: out of memory\n", stderr);
		goto done;
	}
	errno = 0;
	int missing = stat(red_dir, &st) != 0;
	if (missing || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "scr_index: dataset %d: no redundancy directory '%s' (%s): "
			"gather the red.<rank> files of the surviving nodes there, and their "
			"data files into '%s', first\n", id, red_dir,
			missing ? strerror(errno) : "not a directory", prefix);
		goto done;
	}

	int r = scr_red_offline_rebuild(prefix, red_dir, id, cmd_warn, &out);
	if (r == -SCR_ENOMEM) {
		fputs("scr_index: out of memory\n", stderr);
		goto done;
	}
	if (r == -SCR_ENOENT) {
		fprintf(stderr, "scr_index: dataset %d: no usable redundancy file of it in '%s': "
			"nothing to rebuild from; the index is unchanged\n", id, red_dir);
		goto done;
	}
	if (r != 0) {
		int nlost = 0;
		char *lost = rank_list(&out, SCR_RED_LOST, &nlost);
		fprintf(stderr, "scr_index: dataset %d: the files of %s %s are lost and "
			"cannot be rebuilt (%s, %d ranks)\n", id,
			nlost == 1 ? "rank" : "ranks", lost ? lost : "?",
			scr_red_scheme_name(out.scheme), out.nranks);
		explain_loss(red_dir, &out);
		fprintf(stderr, "scr_index: to fix it, copy the files of %s %s (data files into "
			"'%s', or redundancy files into '%s') from any node that still holds "
			"them and run --build again; the index is unchanged, so a restart uses "
			"an older dataset, if there is one\n", nlost == 1 ? "rank" : "ranks",
			lost ? lost : "?", prefix, red_dir);
		free(lost);
		goto done;
	}

	rc = build_summary(&out, id, &sum);
	if (rc)
		goto done;
	rc = EXIT_FAIL;
	char *dir = scr_prefix_dataset_dir(prefix, id);
	int w = dir ? scr_mkdir_p(dir, 0755) : -SCR_ENOMEM;
	free(dir);
	errno = 0;
	if (!w)
		w = scr_summary_write(sum_path, &sum);
	if (w) {
		fprintf(stderr, "scr_index: cannot write summary '%s': %s; the index is "
			"unchanged\n", sum_path, error_text(w, errno));
		goto done;
	}
	if (index_add(prefix, x, &sum)) {
		fputs("scr_index: out of memory\n", stderr);
		goto done;
	}
	rc = write_index(path, x);
	if (rc)
		goto done;

	int nintact = 0, nrebuilt = 0;
	char *intact = rank_list(&out, SCR_RED_INTACT, &nintact);
	char *rebuilt = rank_list(&out, SCR_RED_REBUILT, &nrebuilt);
	char *name = cmd_printable(sum.ds.name);
	printf("scr_index: dataset %d '%s' rebuilt in '%s' (%s, %d ranks)\n", id, name,
	       prefix, scr_red_scheme_name(out.scheme), out.nranks);
	printf("  ranks intact:  %d%s%s%s\n", nintact, nintact ? " (" : "",
	       nintact ? (intact ? intact : "?") : "", nintact ? ")" : "");
	printf("  ranks rebuilt: %d%s%s%s\n", nrebuilt, nrebuilt ? " (" : "",
	       nrebuilt ? (rebuilt ? rebuilt : "?") : "", nrebuilt ? ")" : "");
	printf("  files:         %llu\n", (unsigned long long)sum.ds.files);
	printf("  bytes:         %llu\n", (unsigned long long)sum.ds.bytes);
	const struct scr_index_entry *use = restart_entry(x);
	if (use && use->ds.id == id)
		printf("scr_index: a restart will use '%s' (dataset %d)\n", name, id);
	else if (!(sum.ds.flags & SCR_FLAG_CKPT_BIT))
		printf("scr_index: added to the index (an output dataset: not restarted from)\n");
	else
		printf("scr_index: added to the index; a restart will use another dataset "
		       "(see scr_index --list)\n");
	free(name);
	free(intact);
	free(rebuilt);
done:
	scr_summary_release(&sum);
	scr_red_offline_release(&out);
	free(red_dir);
	free(sum_path);
	return rc;
}

int main(int argc, char **argv)
{
	cmd_init("scr_index");
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
	if (a.op == OP_REBUILD) {
		rc = cmd_rebuild(a.prefix, path);
		free(path);
		return rc;
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
		case OP_BUILD:
			rc = cmd_build(a.prefix, path, &x, a.id);
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
