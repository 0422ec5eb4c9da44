/*
 * scr_inspect_cache: what node caches hold, for scr_inspect and scr_postrun.
 *
 * On a node (default) it prints one line per rank and dataset the node's
 * cache holds:
 *   D id=<id> rank=<r> nranks=<n> flags=<f> complete=<0|1> closed=<0|1>
 *     files=<n> data=<ok|missing> bytes=<n> red=<none|ok|bad> scheme=<name>
 *     m=<m> members=<r,r,...> name=<%-encoded> prefix=<%-encoded>
 * (closed=1: the rank's part of a checkpoint the application closed in
 * transparent mode and the job died before completing, from its journal;
 * files=0 there is its record that it wrote none.) A node whose background
 * flush (SCR_FLUSH_ASYNC) is running or failed adds one line:
 *   F id=<id> phase=<running|failed> done=<n> bytes=<n> ms=<n> bw=<n>
 * With --merge it reads such lines from all nodes (as pdsh prints them,
 * "node: D ...") on stdin and says, per dataset, which node holds which
 * ranks and whether the dataset is whole, can be rebuilt from its
 * redundancy data, or is lost; --choose prints instead only the id of the
 * dataset scr_postrun should save: the newest checkpoint that is whole or
 * rebuildable and not yet in the prefix. A closed checkpoint counts as
 * complete when every rank left its record (it has no redundancy yet).
 *
 * Exit status: 0 ok (--choose: an id was printed), 1 failure, 2 usage;
 * with --choose 3 nothing needs saving, 4 what needs saving is lost.
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
#include "redfile.h"
#include "scr_err.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_NOTHING 3
#define EXIT_ALL_LOST 4

static const char usage_text[] =
	"Usage: scr_inspect_cache [--jobid ID] [--node NAME]\n"
	"       scr_inspect_cache --merge [--choose [--below ID]] [--prefix DIR]\n"
	"\n"
	"Without --merge: list, one line per rank and dataset, what this node's\n"
	"cache holds of the job (the datasets' files checked for presence and\n"
	"size, the redundancy files for a readable header).\n"
	"\n"
	"With --merge: read the lists of all nodes from standard input (lines as\n"
	"pdsh prints them, 'node: D ...') and report for every dataset which node\n"
	"holds which ranks and whether it is whole, can be rebuilt from its\n"
	"redundancy data, or has lost ranks; and whether the prefix has it.\n"
	"\n"
	"  -j, --jobid ID    the job whose cache to read (default SCR_JOB_ID, else\n"
	"                    SLURM_JOB_ID)\n"
	"  -n, --node NAME   this node's name in the cache layout (default\n"
	"                    SCR_NODE_NAME, else the host name)\n"
	"  -m, --merge       merge the lists of all nodes read from standard input\n"
	"  -c, --choose      with --merge: print only the id of the newest checkpoint\n"
	"                    that is whole or rebuildable and not yet in the prefix\n"
	"  -b, --below ID    with --choose: only datasets older than ID\n"
	"  -p, --prefix DIR  the prefix whose index says what is saved already\n"
	"                    (default: the prefix the datasets were written for)\n"
	"  -h, --help        this text\n"
	"\n"
	"Exit status: 0 ok (--choose: an id was printed), 1 failure, 2 usage error;\n"
	"with --choose: 3 nothing needs saving, 4 the checkpoints that need saving\n"
	"have lost ranks their redundancy cannot rebuild.\n";

/* ---- %-encoding of names and paths in the node lines ---- */

static void put_encoded(const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c == '%' || c >= 0x7f)
			printf("%%%02x", c);
		else
			putchar(c);
	}
}

static char *decode(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };
			*o++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* ---- node side ---- */

static void list_entry(const struct scr_layout *l, int rank, const struct scr_filemap_entry *e,
		       int closed)
{
	int data_ok = 1;
	uint64_t bytes = 0;
	for (size_t i = 0; i < e->nfiles; i++) {
		char *p = scr_layout_dataset_file(l, e->ds.id, e->files[i].path);
		struct stat st;
		if (!p || stat(p, &st) != 0 || (uint64_t)st.st_size != e->files[i].size ||
		    !e->files[i].complete)
			data_ok = 0;
		bytes += e->files[i].size;
		free(p);
	}
	char *dsdir = scr_layout_dataset_dir(l, e->ds.id);
	char *red = dsdir ? scr_red_file_path(dsdir, rank) : NULL;
	free(dsdir);
	struct scr_red_header h;
	uint64_t off;
	const char *red_state = "none", *scheme = e->ds.redundancy && *e->ds.redundancy ?
							e->ds.redundancy : "SINGLE";
	int have_header = 0;
	if (red && access(red, F_OK) == 0) {
		red_state = "bad";
		if (scr_red_header_read(red, &h, &off, 0) == 0) {
			if (h.dataset_id == e->ds.id && h.rank == rank) {
				red_state = "ok";
				scheme = scr_red_scheme_name(h.scheme);
				have_header = 1;
			} else {
				scr_red_header_release(&h);
			}
		}
	}
	free(red);
	printf("D id=%d rank=%d nranks=%d flags=%d complete=%d closed=%d files=%zu data=%s "
	       "bytes=%llu red=%s scheme=%s m=%d members=", e->ds.id, rank, e->ds.nranks,
	       e->ds.flags, e->ds.complete, closed, e->nfiles, data_ok ? "ok" : "missing",
	       (unsigned long long)bytes, red_state, scheme, have_header ? h.m : 0);
	if (have_header) {
		int n = h.scheme == SCR_RED_PARTNER ? 3 : h.set_size;
		for (int i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", h.members[i]);
		scr_red_header_release(&h);
	} else {
		putchar('-');
	}
	fputs(" name=", stdout);
	put_encoded(e->ds.name);
	fputs(" prefix=", stdout);
	put_encoded(e->prefix ? e->prefix : "");
	putchar('\n');
}

static int node_list(const char *jobid, const char *node)
{
	char *cwd = getcwd(NULL, 0);
	struct scr_config *cfg = NULL;
	char *msg = NULL;
	struct scr_layout l = { 0 };
	struct scr_node_cache nc = { 0 };
	int rc = cwd ? scr_job_command_config(cwd, &cfg, &msg) : -SCR_ENOMEM;
	if (!rc)
		rc = scr_job_layout(cfg, jobid, node, &l, &msg);
	if (!rc)
		rc = scr_node_cache_read(l.cntl_dir, &nc, cmd_warn);
	if (rc)
		fprintf(stderr, "scr_inspect_cache: %s\n", msg ? msg : scr_strerror(rc));
	for (size_t i = 0; i < nc.n; i++)
		for (size_t j = 0; j < nc.maps[i].n; j++)
			list_entry(&l, nc.maps[i].rank, &nc.maps[i].e[j], 0);
	for (size_t i = 0; i < nc.njournals; i++) {
		const struct scr_filemap *jm = &nc.journals[i];
		for (size_t j = 0; j < jm->n; j++) {
			const struct scr_filemap_entry *e =
				scr_node_cache_closed(&nc, jm, jm->e[j].ds.id);
			if (e)
				list_entry(&l, jm->rank, e, 1);
		}
	}
	/* the node's background flush, unless it is over */
	char *fp = rc ? NULL : scr_flushprog_path(l.cntl_dir);
	struct scr_flushprog p;
	if (fp && scr_flushprog_read(fp, &p) == 0) {
		if (p.phase != SCR_FLUSH_COPIED)
			printf("F id=%d phase=%s done=%llu bytes=%llu ms=%lld bw=%llu\n", p.id,
			       scr_flushprog_phase_name(p.phase), (unsigned long long)p.done,
			       (unsigned long long)p.bytes,
			       (long long)(p.updated_ms - p.started_ms), (unsigned long long)p.bw);
		scr_flushprog_release(&p);
	}
	free(fp);
	scr_node_cache_release(&nc);
	scr_layout_release(&l);
	scr_config_free(cfg);
	free(msg);
	free(cwd);
	return rc ? 1 : 0;
}

/* ---- merge ---- */

struct rank_view {
	int seen, data, red;
	char *node;          /* a node that holds its data (or its record) */
	int nmembers;
	int *members;        /* from its redundancy header */
};

struct ds_view {
	int id, nranks, flags, complete, m;
	int closed;           /* some rank's part is closed, not completed */
	long long nfiles;     /* files the lines name (closed parts' at least) */
	char *name, *prefix, *scheme;
	struct rank_view *r;  /* nranks of them */
};

struct merged {
	size_t n;
	struct ds_view *d;
	size_t nflush;
	char **flush;        /* what nodes say of their background flush */
};

static char *field(const char *line, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = line; (p = strstr(p, key)) != NULL; p++) {
		if ((p == line || p[-1] == ' ') && p[klen] == '=') {
			const char *v = p + klen + 1;
			return decode(v, strcspn(v, " \n"));
		}
	}
	return NULL;
}

static int int_field(const char *line, const char *key, int *out)
{
	char *v = field(line, key), *end;
	if (!v)
		return -1;
	errno = 0;
	long x = strtol(v, &end, 10);
	int bad = errno || *end || end == v || x < INT_MIN || x > INT_MAX;
	free(v);
	if (bad)
		return -1;
	*out = (int)x;
	return 0;
}

static struct ds_view *ds_get(struct merged *mg, int id, int nranks)
{
	for (size_t i = 0; i < mg->n; i++)
		if (mg->d[i].id == id)
			return mg->d[i].nranks == nranks ? &mg->d[i] : NULL;
	struct ds_view *grown = realloc(mg->d, (mg->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	mg->d = grown;
	struct ds_view *d = &mg->d[mg->n];
	memset(d, 0, sizeof(*d));
	d->id = id;
	d->nranks = nranks;
	if (!(d->r = calloc((size_t)nranks, sizeof(*d->r))))
		return NULL;
	mg->n++;
	return d;
}

static int parse_members(const char *s, int **out)
{
	int n = 0;
	*out = NULL;
	if (!s || !strcmp(s, "-"))
		return 0;
	for (const char *p = s; *p; p++)
		n += *p == ',';
	n++;
	int *m = calloc((size_t)n, sizeof(*m));
	if (!m)
		return -1;
	const char *p = s;
	for (int i = 0; i < n; i++) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 0 || v > INT_MAX) {
			free(m);
			return -1;
		}
		m[i] = (int)v;
		p = *end ? end + 1 : end;
	}
	*out = m;
	return n;
}

/* One input line; lines that are not node records are passed to stderr
 * (they are the nodes' own messages). */
/* "node: F id=.. phase=.. done=.. bytes=.. ms=.. bw=..", as one sentence. */
static int merge_flush_line(struct merged *mg, const char *line, const char *rec)
{
	char *node = rec == line ? strdup("?") : strndup(line, (size_t)(rec - 2 - line));
	char *phase = field(rec, "phase"), *done = field(rec, "done"), *bytes = field(rec, "bytes");
	char *ms = field(rec, "ms");
	int id = 0;
	char *text = NULL;
	if (node && phase && done && bytes && ms && !int_field(rec, "id", &id) && id > 0) {
		double d = strtod(done, NULL), b = strtod(bytes, NULL), s = strtod(ms, NULL) / 1e3;
		char *n = cmd_printable(node), *ph = cmd_printable(phase);
		text = scr_asprintf("background flush on %s: dataset %d %s, %.0f of %.0f bytes "
				    "(%.1f%%), %.1f MB/s", n, id, ph, d, b,
				    b > 0 ? 100 * d / b : 100.0, s > 0 ? d / s / 1e6 : 0.0);
		free(n);
		free(ph);
	}
	char **grown = text ? realloc(mg->flush, (mg->nflush + 1) * sizeof(*grown)) : NULL;
	if (grown) {
		mg->flush = grown;
		mg->flush[mg->nflush++] = text;
	} else {
		free(text);
		fprintf(stderr, "scr_inspect_cache: ignoring a malformed flush line: %s", line);
	}
	free(node);
	free(phase);
	free(done);
	free(bytes);
	free(ms);
	return 0;
}

static int merge_line(struct merged *mg, const char *line)
{
	const char *frec = strstr(line, "F id=");
	if (frec && (frec == line || !strncmp(frec - 2, ": ", 2)))
		return merge_flush_line(mg, line, frec);
	const char *rec = strstr(line, "D id=");
	if (!rec || (rec != line && strncmp(rec - 2, ": ", 2))) {
		fputs(line, stderr);
		return 0;
	}
	char *node = rec == line ? strdup("?") : strndup(line, (size_t)(rec - 2 - line));
	int id, rank, nranks, flags, complete, m, closed = 0, files = 0;
	char *data = field(rec, "data"), *red = field(rec, "red");
	/* optional: lines of nodes with an older scr_inspect_cache lack them */
	int_field(rec, "closed", &closed);
	int_field(rec, "files", &files);
	char *members = field(rec, "members");
	int bad = !node || !data || !red || int_field(rec, "id", &id) ||
		  int_field(rec, "rank", &rank) || int_field(rec, "nranks", &nranks) ||
		  int_field(rec, "flags", &flags) || int_field(rec, "complete", &complete) ||
		  int_field(rec, "m", &m) || id <= 0 || nranks <= 0 || nranks > (1 << 24) ||
		  rank < 0 || rank >= nranks;
	struct ds_view *d = bad ? NULL : ds_get(mg, id, nranks);
	if (!d) {
		fprintf(stderr, "scr_inspect_cache: ignoring a malformed or inconsistent line: %s",
			line);
	} else {
		struct rank_view *r = &d->r[rank];
		r->seen = 1;
		if (!strcmp(data, "ok") && !r->data) {
			r->data = 1;
			free(r->node);
			r->node = node;
			node = NULL;
		} else if (!r->node) {
			r->node = node;
			node = NULL;
		}
		if (!strcmp(red, "ok") && !r->red) {
			r->red = 1;
			free(r->members);
			r->nmembers = parse_members(members, &r->members);
			if (r->nmembers < 0)
				r->nmembers = 0;
		}
		d->flags |= flags;
		d->complete |= complete;
		d->closed |= closed;
		d->nfiles += files > 0 ? files : 0;
		if (m > d->m)
			d->m = m;
		if (!d->name)
			d->name = field(rec, "name");
		if (!d->prefix)
			d->prefix = field(rec, "prefix");
		char *scheme = field(rec, "scheme");
		if (scheme && (!d->scheme || !strcmp(d->scheme, "SINGLE"))) {
			free(d->scheme);
			d->scheme = scheme;
		} else {
			free(scheme);
		}
	}
	free(node);
	free(data);
	free(red);
	free(members);
	return 0;
}

enum ds_state { DS_WHOLE, DS_REBUILDABLE, DS_LOST };

static int lost(const struct ds_view *d, int r)
{
	return !d->r[r].data;
}

/* Can the redundancy data rebuild every rank without its data? */
static enum ds_state assess(const struct ds_view *d)
{
	int nlost = 0;
	for (int r = 0; r < d->nranks; r++)
		nlost += lost(d, r);
	if (nlost == 0)
		return DS_WHOLE;
	if (!d->scheme)
		return DS_LOST;
	if (!strcmp(d->scheme, "PARTNER")) {
		/* the right neighbour's redundancy file holds a lost rank's copy:
		 * its header names the lost rank as its left neighbour */
		for (int r = 0; r < d->nranks; r++) {
			if (!lost(d, r))
				continue;
			int found = 0;
			for (int q = 0; q < d->nranks && !found; q++)
				found = d->r[q].red && d->r[q].nmembers == 3 &&
					d->r[q].members[0] == r && q != r;
			if (!found)
				return DS_LOST;
		}
		return DS_REBUILDABLE;
	}
	if (strcmp(d->scheme, "XOR") && strcmp(d->scheme, "RS"))
		return DS_LOST;
	/* every lost rank must be in a set some surviving header describes,
	 * and no set may miss more blocks (data or redundancy) than m */
	for (int r = 0; r < d->nranks; r++) {
		if (!lost(d, r) && d->r[r].red)
			continue;
		const struct rank_view *set = NULL;
		for (int q = 0; q < d->nranks && !set; q++) {
			if (!d->r[q].red)
				continue;
			for (int i = 0; i < d->r[q].nmembers; i++)
				if (d->r[q].members[i] == r)
					set = &d->r[q];
		}
		if (!set) {
			if (lost(d, r))
				return DS_LOST;
			continue;   /* its data is there; only its parity is gone */
		}
		int missing = 0;
		for (int i = 0; i < set->nmembers; i++) {
			int mbr = set->members[i];
			if (mbr < 0 || mbr >= d->nranks || lost(d, mbr) || !d->r[mbr].red)
				missing++;
		}
		if (missing > d->m)
			return DS_LOST;
	}
	return DS_REBUILDABLE;
}

/* Is the dataset complete in the prefix's index? */
static int in_prefix(const char *prefix, int id)
{
	char *path = prefix && *prefix ? scr_prefix_index_path(prefix) : NULL;
	struct scr_index x;
	int found = 0;
	if (path && scr_index_read(path, &x) == 0) {
		struct scr_index_entry *e = scr_index_find_id(&x, id);
		found = e && e->ds.complete && e->flushed && !e->failed;
		scr_index_release(&x);
	}
	free(path);
	return found;
}

static void print_ranks(const struct ds_view *d, int want_lost)
{
	int first = 1;
	for (int r = 0; r < d->nranks; r++) {
		if (lost(d, r) != want_lost)
			continue;
		int last = r;
		while (last + 1 < d->nranks && lost(d, last + 1) == want_lost)
			last++;
		if (last > r)
			printf("%s%d-%d", first ? "" : ",", r, last);
		else
			printf("%s%d", first ? "" : ",", r);
		first = 0;
		r = last;
	}
}

/* Per node, the ranks whose data it holds, e.g. "n1: 0-1". */
static void print_nodes(const struct ds_view *d)
{
	char **done = calloc((size_t)d->nranks, sizeof(*done));
	size_t ndone = 0;
	for (int r = 0; r < d->nranks && done; r++) {
		const char *n = d->r[r].data ? d->r[r].node : NULL;
		int seen = 0;
		for (size_t i = 0; n && i < ndone && !seen; i++)
			seen = !strcmp(done[i], n);
		if (!n || seen)
			continue;
		done[ndone++] = (char *)n;
		printf("    %s: ranks", n);
		const char *sep = " ";
		for (int q = r; q < d->nranks; q++) {
			if (!d->r[q].data || strcmp(d->r[q].node, n))
				continue;
			int last = q;
			while (last + 1 < d->nranks && d->r[last + 1].data &&
			       !strcmp(d->r[last + 1].node, n))
				last++;
			if (last > q)
				printf("%s%d-%d", sep, q, last);
			else
				printf("%s%d", sep, q);
			sep = ",";
			q = last;
		}
		putchar('\n');
	}
	free(done);
}

static int by_id_desc(const void *a, const void *b)
{
	const struct ds_view *x = a, *y = b;
	return (y->id > x->id) - (y->id < x->id);
}

static int merge(int choose, int below, const char *prefix_opt)
{
	struct merged mg = { 0 };
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, stdin) > 0)
		merge_line(&mg, line);
	free(line);
	qsort(mg.d, mg.n, sizeof(*mg.d), by_id_desc);

	int chosen = 0, rc = choose ? EXIT_NOTHING : 0;
	for (size_t i = 0; i < mg.n; i++) {
		const struct ds_view *d = &mg.d[i];
		/* ranks' records of a dataset no rank wrote a file of (the one a
		 * transparent run had begun when it ended) */
		if (!d->complete && d->closed && d->nfiles == 0)
			continue;
		const char *prefix = prefix_opt ? prefix_opt : d->prefix;
		enum ds_state st = assess(d);
		int saved = in_prefix(prefix, d->id);
		int ckpt = d->flags & SCR_FLAG_CKPT_BIT;
		if (choose) {
			if (chosen || !ckpt || !(d->complete || d->closed) ||
			    (below && d->id >= below))
				continue;
			if (saved) {
				fprintf(stderr, "scr_inspect_cache: the newest checkpoint, dataset %d "
					"'%s', is in the prefix already\n", d->id, d->name);
				break;
			}
			if (st == DS_LOST) {
				rc = EXIT_ALL_LOST;
				fprintf(stderr, "scr_inspect_cache: dataset %d '%s' has lost ranks "
					"its redundancy cannot rebuild: trying an older one\n", d->id,
					d->name);
				continue;
			}
			printf("%d\n", d->id);
			chosen = d->id;
			rc = 0;
			continue;
		}
		printf("dataset %d '%s': %s, %d ranks, %s%s, %s\n", d->id, d->name ? d->name : "",
		       ckpt ? "checkpoint" : "output", d->nranks, d->scheme ? d->scheme : "?",
		       d->complete ? "" : d->closed ? ", closed by the application, not "
						       "completed" : ", NOT complete",
		       saved ? "in the prefix" : "only in cache");
		print_nodes(d);
		if (st == DS_WHOLE) {
			printf("    whole: every rank's files are cached\n");
		} else {
			printf("    ranks without cached files: ");
			print_ranks(d, 1);
			const char *sch = d->scheme ? d->scheme : "?";
			if (st == DS_REBUILDABLE)
				printf("\n    rebuildable from the %s redundancy data\n", sch);
			else if (!strcmp(sch, "SINGLE"))
				printf("\n    NOT rebuildable: SINGLE keeps no redundancy data\n");
			else
				printf("\n    NOT rebuildable: more ranks are lost than %s "
				       "restores\n", sch);
		}
	}
	if (!choose && mg.n == 0)
		printf("no datasets cached\n");
	for (size_t i = 0; i < mg.nflush; i++) {
		if (!choose)
			printf("%s\n", mg.flush[i]);
		free(mg.flush[i]);
	}
	free(mg.flush);
	for (size_t i = 0; i < mg.n; i++) {
		for (int r = 0; r < mg.d[i].nranks; r++) {
			free(mg.d[i].r[r].node);
			free(mg.d[i].r[r].members);
		}
		free(mg.d[i].r);
		free(mg.d[i].name);
		free(mg.d[i].prefix);
		free(mg.d[i].scheme);
	}
	free(mg.d);
	return rc;
}

int main(int argc, char **argv)
{
	cmd_init("scr_inspect_cache");
	static const struct option longopts[] = {
		{ "jobid",  required_argument, NULL, 'j' },
		{ "node",   required_argument, NULL, 'n' },
		{ "merge",  no_argument,       NULL, 'm' },
		{ "choose", no_argument,       NULL, 'c' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "below",  required_argument, NULL, 'b' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *jobid = NULL, *node = NULL, *prefix = NULL;
	int do_merge = 0, choose = 0, below = 0, c;
	while ((c = getopt_long(argc, argv, "j:n:mcp:b:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': jobid = optarg; break;
		case 'n': node = optarg; break;
		case 'm': do_merge = 1; break;
		case 'c': choose = 1; break;
		case 'p': prefix = optarg; break;
		case 'b':
			below = atoi(optarg);
			if (below <= 0) {
				fprintf(stderr, "scr_inspect_cache: --below: '%s' is not a dataset id\n",
					optarg);
				return 2;
			}
			break;
		case 'h': fputs(usage_text, stdout); return 0;
		default:
			fputs("Try 'scr_inspect_cache --help'.\n", stderr);
			return 2;
		}
	}
	if (optind < argc || (choose && !do_merge) || (prefix && !do_merge) || (below && !choose)) {
		fprintf(stderr, "scr_inspect_cache: %s\nTry 'scr_inspect_cache --help'.\n",
			optind < argc ? "unexpected argument"
				      : "--choose and --prefix go with --merge, --below with --choose");
		return 2;
	}
	if (!do_merge)
		return node_list(jobid, node);
	char *abs = NULL;
	if (prefix) {
		char *cwd = getcwd(NULL, 0);
		abs = cwd ? scr_path_absolute(cwd, prefix) : NULL;
		free(cwd);
		if (!abs) {
			fputs("scr_inspect_cache: out of memory\n", stderr);
			return 1;
		}
	}
	int rc = merge(choose, below, abs);
	free(abs);
	return rc;
}
