/*
 * scr_flush_file: what this node's cache holds and whether it still has to
 * reach the prefix. Reads the filemaps of every rank in this node's control
 * directory (cmds/lib/nodecache.h) and the prefix index (core/base/meta.h), so it
 * sees exactly what the library wrote. Runs on one node; the job scripts
 * (scr_postrun) ask it which dataset to save before the allocation ends.
 *
 * Exit status: 0 success (--needflush: the dataset needs a flush),
 * 1 failure or no answer (--latest: nothing cached; --needflush: no flush
 * needed), 2 usage error.
 */
#define _GNU_SOURCE
#include "cmd.h"
#include "config.h"
#include "flushprog.h"
#include "io.h"
#include "job.h"
#include "layout.h"
#include "meta.h"
#include "nodecache.h"
#include "path.h"
#include "scr_err.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum op { OP_LIST, OP_LATEST, OP_NEEDFLUSH, OP_PROGRESS };

static const char usage_text[] =
	"usage: scr_flush_file [--prefix DIR] [--jobid ID] [--list]\n"
	"       scr_flush_file [--prefix DIR] [--jobid ID] --latest\n"
	"       scr_flush_file [--prefix DIR] [--jobid ID] --needflush ID\n"
	"       scr_flush_file [--jobid ID] --progress\n"
	"       scr_flush_file --help\n"
	"\n"
	"Tell what this node's cache holds, from the filemaps in the job's control\n"
	"directory on this node, and whether it has reached the prefix directory,\n"
	"from the prefix index.\n"
	"\n"
	"  -l, --list          every dataset cached here: id, kind, complete,\n"
	"                      flushed, ranks, name (the default); complete is\n"
	"                      'closed' for a checkpoint the application closed in\n"
	"                      transparent mode and the job died before completing:\n"
	"                      it counts as complete\n"
	"  -L, --latest        print the id of the newest complete dataset cached\n"
	"                      here; exit 1 if there is none\n"
	"  -n, --needflush ID  exit 0 if dataset ID is cached here, complete, and\n"
	"                      not yet complete in the prefix index (nor a\n"
	"                      checkpoint older than one there); else exit 1\n"
	"  -P, --progress      the background flush on this node (SCR_FLUSH_ASYNC=1):\n"
	"                      dataset, bytes copied of its total, rate, time\n"
	"                      left; exit 1 if none ran here\n"
	"  -p, --prefix DIR    prefix directory (default: SCR_PREFIX, else the\n"
	"                      current directory)\n"
	"  -j, --jobid ID      job whose cache to read (default: SCR_JOB_ID, else\n"
	"                      SLURM's)\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 success (--needflush: a flush is needed), 1 failure,\n"
	"nothing cached (--latest) or no flush needed (--needflush), 2 usage error.\n";

/* One dataset as this node holds it, over all its ranks' filemaps. */
struct cached {
	struct scr_filemap_entry *e;   /* the first rank's entry (not owned) */
	int complete;                  /* every rank here holds it complete */
	int closed;                    /* or closed (a transparent run's journal) */
	int other_prefix;              /* recorded for another prefix */
	uint64_t files, bytes;         /* this node's share */
	size_t nranks;
	int *ranks;
};

struct view {
	char *prefix;
	char *cntl_dir;
	char *node;
	struct scr_node_cache nc;
	size_t n;
	struct cached *d;              /* by id, increasing */
	struct scr_index index;
	int index_ok;                  /* the index was readable */
	char *index_problem;
};

static void warn_filemap(const char *msg)
{
	char *m = cmd_printable(msg);
	fprintf(stderr, "scr_flush_file: %s\n", m);
	free(m);
}

static int parse_id(const char *s, int *id)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end || errno || v <= 0 || v > INT_MAX)
		return -1;
	*id = (int)v;
	return 0;
}

static struct cached *find_cached(struct view *v, int id)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->d[i].e->ds.id == id)
			return &v->d[i];
	return NULL;
}

static int by_id(const void *a, const void *b)
{
	const struct cached *x = a, *y = b;
	return (x->e->ds.id > y->e->ds.id) - (x->e->ds.id < y->e->ds.id);
}

/* Merge the ranks' filemaps into one entry per dataset, and the parts of
 * checkpoints a transparent run closed but never completed from the ranks'
 * journals: such a part is as good as a complete one (the application
 * closed every file of it). */
static void merge(struct view *v)
{
	size_t cap = 0;
	for (size_t m = 0; m < v->nc.n + v->nc.njournals; m++) {
		int journal = m >= v->nc.n;
		struct scr_filemap *map = journal ? &v->nc.journals[m - v->nc.n] : &v->nc.maps[m];
		for (size_t i = 0; i < map->n; i++) {
			struct scr_filemap_entry *e = &map->e[i];
			if (journal && !scr_node_cache_closed(&v->nc, map, e->ds.id))
				continue;   /* completed since */
			struct cached *c = find_cached(v, e->ds.id);
			if (journal && !c && e->nfiles == 0)
				continue;   /* a record that its rank wrote nothing */
			if (!c) {
				if (v->n == cap) {
					cap = cap ? 2 * cap : 8;
					struct cached *g = realloc(v->d, cap * sizeof(*g));
					if (!g)
						cmd_out_of_memory();
					v->d = g;
				}
				c = &v->d[v->n++];
				memset(c, 0, sizeof(*c));
				c->e = e;
				c->complete = 1;
			}
			if (journal)
				c->closed = 1;
			else if (!e->ds.complete)
				c->complete = 0;
			/* an entry without a prefix predates the field: take it as ours */
			if (e->prefix && strcmp(e->prefix, v->prefix))
				c->other_prefix = 1;
			for (size_t f = 0; f < e->nfiles; f++) {
				c->files++;
				c->bytes += e->files[f].size;
			}
			int *g = realloc(c->ranks, (c->nranks + 1) * sizeof(*g));
			if (!g)
				cmd_out_of_memory();
			c->ranks = g;
			c->ranks[c->nranks++] = map->rank;
		}
	}
	if (v->n)
		qsort(v->d, v->n, sizeof(*v->d), by_id);
}

static int load(struct view *v, const char *prefix_opt, const char *jobid)
{
	memset(v, 0, sizeof(*v));
	char *cwd = getcwd(NULL, 0);
	struct scr_config *cfg = NULL;
	char *msg = NULL;
	int rc = cwd ? scr_job_command_config(cwd, &cfg, &msg) : -SCR_ENOMEM;
	struct scr_layout l;
	if (!rc)
		rc = scr_job_layout(cfg, jobid, NULL, &l, &msg);
	if (rc) {
		fprintf(stderr, "scr_flush_file: %s\n", msg ? msg : scr_strerror(rc));
		free(msg);
		scr_config_free(cfg);
		free(cwd);
		return EXIT_FAIL;
	}
	v->prefix = prefix_opt ? scr_path_absolute(cwd, prefix_opt) : scr_job_prefix(cfg, cwd);
	v->cntl_dir = strdup(l.cntl_dir);
	v->node = strdup(l.node);
	scr_layout_release(&l);
	scr_config_free(cfg);
	free(cwd);
	if (!v->prefix || !v->cntl_dir || !v->node)
		cmd_out_of_memory();

	struct stat st;
	if (stat(v->cntl_dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "scr_flush_file: control directory '%s' is not a directory\n",
			v->cntl_dir);
		return EXIT_FAIL;
	}
	if (scr_node_cache_read(v->cntl_dir, &v->nc, warn_filemap) != 0)
		cmd_out_of_memory();
	merge(v);

	char *ipath = scr_prefix_index_path(v->prefix);
	if (!ipath)
		cmd_out_of_memory();
	errno = 0;
	rc = scr_index_read(ipath, &v->index);
	if (rc == 0) {
		v->index_ok = 1;
	} else {
		if (rc == -SCR_ENOMEM)
			cmd_out_of_memory();
		const char *why = rc == -SCR_EIO && errno ? strerror(errno) : scr_strerror(rc);
		v->index_problem = scr_asprintf("cannot read the prefix index '%s': %s",
						ipath, why);
		if (!v->index_problem)
			cmd_out_of_memory();
		scr_index_init(&v->index);
	}
	free(ipath);
	return EXIT_OK;
}

static void release(struct view *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->d[i].ranks);
	free(v->d);
	scr_node_cache_release(&v->nc);
	scr_index_release(&v->index);
	free(v->index_problem);
	free(v->prefix);
	free(v->cntl_dir);
	free(v->node);
}

enum flush_state { FL_NO, FL_YES, FL_FAILED, FL_UNKNOWN, FL_OTHER };

/* Is the cached dataset complete in the prefix index? The entry must be
 * the same dataset: same id and name. */
static enum flush_state flush_state(struct view *v, const struct cached *c)
{
	if (c->other_prefix)
		return FL_OTHER;
	if (!v->index_ok)
		return FL_UNKNOWN;
	struct scr_index_entry *x = scr_index_find_id(&v->index, c->e->ds.id);
	if (!x || strcmp(x->ds.name ? x->ds.name : "", c->e->ds.name ? c->e->ds.name : ""))
		return FL_NO;
	if (x->failed)
		return FL_FAILED;
	return x->ds.complete && x->flushed > 0 ? FL_YES : FL_NO;
}

static const char *kind_of(int flags)
{
	if ((flags & SCR_FLAG_CKPT_BIT) && (flags & SCR_FLAG_OUTPUT_BIT))
		return "ckpt+output";
	if (flags & SCR_FLAG_OUTPUT_BIT)
		return "output";
	return "checkpoint";
}

/* "0,1,4-7" */
static void rank_text(const struct cached *c, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < c->nranks && len + 1 < size; i++) {
		size_t j = i;
		while (j + 1 < c->nranks && c->ranks[j + 1] == c->ranks[j] + 1)
			j++;
		int w = j > i ? snprintf(buf + len, size - len, "%s%d-%d", len ? "," : "",
					 c->ranks[i], c->ranks[j])
			      : snprintf(buf + len, size - len, "%s%d", len ? "," : "", c->ranks[i]);
		if (w < 0 || (size_t)w >= size - len) {
			/* too many to show: end with an ellipsis */
			if (size > 4)
				strcpy(buf + size - 4, "...");
			return;
		}
		len += (size_t)w;
		i = j;
	}
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmd_list(struct view *v)
{
	if (v->index_problem)
		fprintf(stderr, "scr_flush_file: %s: flush state unknown\n", v->index_problem);
	if (v->n == 0) {
		printf("scr_flush_file: no datasets cached on node '%s' (control directory '%s')\n",
		       v->node, v->cntl_dir);
		return EXIT_OK;
	}
	static const char *flushed_text[] = {
		[FL_NO] = "no", [FL_YES] = "yes", [FL_FAILED] = "failed",
		[FL_UNKNOWN] = "?", [FL_OTHER] = "other-prefix",
	};
	printf("%4s %-11s %-8s %-12s %-12s %s\n", "DSET", "KIND", "COMPLETE", "FLUSHED",
	       "RANKS", "NAME");
	int other = 0;
	for (size_t i = v->n; i > 0; i--) {
		struct cached *c = &v->d[i - 1];
		qsort(c->ranks, c->nranks, sizeof(int), int_cmp);
		char ranks[64];
		rank_text(c, ranks, sizeof(ranks));
		char *name = cmd_printable(c->e->ds.name);
		enum flush_state fs = flush_state(v, c);
		other |= fs == FL_OTHER;
		printf("%4d %-11s %-8s %-12s %-12s %s\n", c->e->ds.id, kind_of(c->e->ds.flags),
		       !c->complete ? "no" : c->closed ? "closed" : "yes", flushed_text[fs],
		       ranks, name);
		free(name);
	}
	if (other)
		printf("scr_flush_file: 'other-prefix': written by a run with another prefix "
		       "than '%s' (see --prefix)\n", v->prefix);
	return EXIT_OK;
}

static int cmd_latest(struct view *v)
{
	for (size_t i = v->n; i > 0; i--) {
		struct cached *c = &v->d[i - 1];
		if (c->complete && !c->other_prefix) {
			printf("%d\n", c->e->ds.id);
			return EXIT_OK;
		}
	}
	fprintf(stderr, "scr_flush_file: no complete dataset of prefix '%s' cached on "
		"node '%s'\n", v->prefix, v->node);
	return EXIT_FAIL;
}

/* A checkpoint (not output) newer than c complete in the index, or 0.
 * Flushing c then would only put older files over newer ones. */
static int newer_checkpoint_flushed(struct view *v, const struct cached *c)
{
	if (!v->index_ok || (c->e->ds.flags & SCR_FLAG_OUTPUT_BIT))
		return 0;
	for (size_t i = v->index.n; i-- > 0;) {
		const struct scr_index_entry *x = &v->index.e[i];
		if (x->ds.id > c->e->ds.id && x->ds.complete && x->flushed > 0 && !x->failed &&
		    (x->ds.flags & SCR_FLAG_CKPT_BIT))
			return x->ds.id;
	}
	return 0;
}

static int cmd_needflush(struct view *v, int id)
{
	struct cached *c = find_cached(v, id);
	if (!c) {
		printf("scr_flush_file: dataset %d is not cached on node '%s': no flush from here\n",
		       id, v->node);
		return EXIT_FAIL;
	}
	if (c->other_prefix) {
		printf("scr_flush_file: dataset %d belongs to another prefix than '%s': "
		       "no flush there\n", id, v->prefix);
		return EXIT_FAIL;
	}
	if (!c->complete) {
		printf("scr_flush_file: dataset %d is not complete in cache: nothing usable "
		       "to flush\n", id);
		return EXIT_FAIL;
	}
	int newer = newer_checkpoint_flushed(v, c);
	if (newer) {
		printf("scr_flush_file: checkpoint %d is older than checkpoint %d, complete in the "
		       "prefix index: no flush needed (a restart takes the newer one)\n", id, newer);
		return EXIT_FAIL;
	}
	switch (flush_state(v, c)) {
	case FL_YES:
		printf("scr_flush_file: dataset %d is complete in the prefix index: no flush "
		       "needed\n", id);
		return EXIT_FAIL;
	case FL_UNKNOWN:
		/* do not lose a dataset because the index is damaged */
		fprintf(stderr, "scr_flush_file: %s: taking dataset %d as not flushed\n",
			v->index_problem, id);
		break;
	case FL_FAILED:
		printf("scr_flush_file: dataset %d is marked failed in the prefix index: "
		       "it needs a flush\n", id);
		return EXIT_OK;
	default:
		break;
	}
	printf("scr_flush_file: dataset %d needs a flush\n", id);
	return EXIT_OK;
}

/* The node's background flush, from its progress file. */
static int cmd_progress(struct view *v)
{
	char *path = scr_flushprog_path(v->cntl_dir);
	if (!path)
		cmd_out_of_memory();
	struct scr_flushprog p;
	int rc = scr_flushprog_read(path, &p);
	if (rc == -SCR_ENOMEM)
		cmd_out_of_memory();
	if (rc == -SCR_ENOENT) {
		printf("scr_flush_file: no background flush has run on node '%s'\n", v->node);
		free(path);
		return EXIT_FAIL;
	}
	if (rc) {
		fprintf(stderr, "scr_flush_file: '%s': %s\n", path, scr_strerror(rc));
		free(path);
		return EXIT_FAIL;
	}
	double secs = (double)(p.updated_ms - p.started_ms) / 1e3;
	double rate = secs > 0 ? (double)p.done / secs : 0;
	char *name = cmd_printable(p.name);
	printf("dataset %d '%s': %s, %llu of %llu bytes (%.1f%%) in %llu files, %.1f s, "
	       "%.1f MB/s", p.id, name, scr_flushprog_phase_name(p.phase),
	       (unsigned long long)p.done, (unsigned long long)p.bytes,
	       p.bytes ? 100.0 * (double)p.done / (double)p.bytes : 100.0,
	       (unsigned long long)p.files, secs, rate / 1e6);
	if (p.phase == SCR_FLUSH_RUNNING && rate > 0)
		printf(", %.1f s left", (double)(p.bytes - p.done) / rate);
	if (p.bw)
		printf(" (cap %.1f MB/s)", (double)p.bw / 1e6);
	putchar('\n');
	free(name);
	scr_flushprog_release(&p);
	free(path);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	cmd_init("scr_flush_file");
	static const struct option longopts[] = {
		{ "list",      no_argument,       NULL, 'l' },
		{ "latest",    no_argument,       NULL, 'L' },
		{ "needflush", required_argument, NULL, 'n' },
		{ "progress",  no_argument,       NULL, 'P' },
		{ "prefix",    required_argument, NULL, 'p' },
		{ "jobid",     required_argument, NULL, 'j' },
		{ "help",      no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prefix = NULL, *jobid = NULL;
	enum op op = OP_LIST;
	int nops = 0, id = 0, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":lLn:Pp:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			op = OP_LIST;
			nops++;
			break;
		case 'L':
			op = OP_LATEST;
			nops++;
			break;
		case 'n':
			if (parse_id(optarg, &id))
				return cmd_usage_error("--needflush: '%s' is not a dataset id (a "
						       "number from 1 up)", optarg);
			op = OP_NEEDFLUSH;
			nops++;
			break;
		case 'P':
			op = OP_PROGRESS;
			nops++;
			break;
		case 'p':
			if (!*optarg)
				return cmd_usage_error("%s: empty prefix", "--prefix");
			prefix = optarg;
			break;
		case 'j':
			if (!scr_layout_safe_component(optarg))
				return cmd_usage_error("--jobid: '%s' is not a job id (one path "
						       "component, no '/')", optarg);
			jobid = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case ':':
			return cmd_usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			return cmd_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cmd_usage_error("unexpected argument '%s'", argv[optind]);
	if (nops > 1)
		return cmd_usage_error("%s", "choose one of --list, --latest, --needflush ID and "
				       "--progress");

	struct view v;
	int rc = load(&v, prefix, jobid);
	if (rc == EXIT_OK) {
		switch (op) {
		case OP_LIST:      rc = cmd_list(&v); break;
		case OP_LATEST:    rc = cmd_latest(&v); break;
		case OP_NEEDFLUSH: rc = cmd_needflush(&v, id); break;
		case OP_PROGRESS:  rc = cmd_progress(&v); break;
		}
	}
	release(&v);
	return rc;
}
