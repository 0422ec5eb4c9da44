/*
 * Scavenging at SCR_Init. A previous run of this job with another number of
 * ranks may have left its newest checkpoint only in the node caches. The
 * ranks of this run cannot restart from it directly (each rank would hold
 * only its own files, and there are other ranks now), so the first rank of
 * every node copies all files of it that its node holds to the prefix, from
 * every filemap in the node's control directory, and the restart then reads
 * it there. This is what scr_postrun does after a job, done by the job.
 */
#define _GNU_SOURCE
#include "state.h"

#include "io.h"
#include "log.h"
#include "scr_err.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One dataset of another run as this node holds it. */
struct node_dataset {
	struct scr_dataset ds;
	int ranks;                 /* old ranks whose filemap on this node has it */
	size_t n, cap;
	struct scr_file *files;
};

struct node_view {
	size_t n;
	struct node_dataset *d;
};

static void view_release(struct node_view *v)
{
	for (size_t i = 0; i < v->n; i++) {
		scr_dataset_release(&v->d[i].ds);
		scr_files_free(v->d[i].files, v->d[i].n);
	}
	free(v->d);
	memset(v, 0, sizeof(*v));
}

static struct node_dataset *view_find(struct node_view *v, int id)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->d[i].ds.id == id)
			return &v->d[i];
	return NULL;
}

static int view_add(struct node_view *v, const struct scr_filemap_entry *e)
{
	struct node_dataset *d = view_find(v, e->ds.id);
	if (!d) {
		struct node_dataset *grown = realloc(v->d, (v->n + 1) * sizeof(*grown));
		if (!grown)
			return -SCR_ENOMEM;
		v->d = grown;
		d = &v->d[v->n];
		memset(d, 0, sizeof(*d));
		if (scr_dataset_copy(&d->ds, &e->ds))
			return -SCR_ENOMEM;
		v->n++;
	}
	d->ranks++;
	for (size_t i = 0; i < e->nfiles; i++) {
		if (d->n == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 8;
			struct scr_file *grown = realloc(d->files, cap * sizeof(*grown));
			if (!grown)
				return -SCR_ENOMEM;
			d->files = grown;
			d->cap = cap;
		}
		struct scr_file *f = &d->files[d->n];
		*f = e->files[i];
		if (!(f->path = strdup(e->files[i].path)))
			return -SCR_ENOMEM;
		d->n++;
	}
	return 0;
}

/* Node leader: complete checkpoints of this prefix written by a run with
 * another number of ranks, from every filemap of the node. */
static int read_node(struct scr_state *s, struct node_view *v)
{
	DIR *dir = opendir(s->layout.cntl_dir);
	if (!dir)
		return 0;
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(dir)) != NULL) {
		int r;
		char tail;
		if (sscanf(de->d_name, "filemap_%d.scr%c", &r, &tail) != 1)
			continue;
		char *path = scr_asprintf("%s/%s", s->layout.cntl_dir, de->d_name);
		struct scr_filemap m;
		int rr = path ? scr_filemap_read(path, &m) : -SCR_ENOMEM;
		if (rr) {
			scr_log_warn("ignoring filemap '%s': %s", path ? path : "?", scr_strerror(rr));
			free(path);
			continue;
		}
		free(path);
		for (size_t i = 0; i < m.n && !rc; i++) {
			const struct scr_filemap_entry *e = &m.e[i];
			if (e->ds.complete && (e->ds.flags & SCR_FLAG_CKPT_BIT) &&
			    e->ds.nranks != s->nranks && e->prefix && !strcmp(e->prefix, s->prefix))
				rc = view_add(v, e);
		}
		scr_filemap_release(&m);
	}
	closedir(dir);
	return rc;
}

/* Newest restartable checkpoint of this run's shape in this rank's cache. */
static int newest_own(const struct scr_state *s)
{
	int id = 0;
	for (size_t i = 0; i < s->filemap.n; i++) {
		const struct scr_filemap_entry *e = &s->filemap.e[i];
		if (e->ds.complete && (e->ds.flags & SCR_FLAG_CKPT_BIT) &&
		    e->ds.nranks == s->nranks && e->prefix && !strcmp(e->prefix, s->prefix))
			id = e->ds.id;
	}
	return id;
}

/* Rank 0: the newest usable checkpoint the prefix index lists. */
static int newest_in_prefix(const struct scr_state *s)
{
	char *path = scr_prefix_index_path(s->prefix);
	struct scr_index x;
	int id = 0;
	if (path && scr_index_read(path, &x) == 0) {
		for (size_t i = 0; i < x.n; i++) {
			const struct scr_index_entry *e = &x.e[i];
			if (e->ds.complete && !e->failed && e->flushed &&
			    (e->ds.flags & SCR_FLAG_CKPT_BIT) && e->ds.id > id)
				id = e->ds.id;
		}
		scr_index_release(&x);
	}
	free(path);
	return id;
}

/* Rank 0 learns the dataset record from a node leader that has it. */
static int dataset_to_rank0(struct scr_state *s, const struct node_dataset *d,
			    struct scr_dataset *out)
{
	struct scr_summary sum;
	scr_summary_init(&sum);
	char *buf = NULL, *all = NULL;
	size_t len = 0;
	int *lens = NULL;
	int rc = 0;
	if (d) {
		rc = scr_dataset_copy(&sum.ds, &d->ds);
		if (!rc)
			rc = scr_summary_encode(&sum, &buf, &len);
	}
	scr_summary_release(&sum);
	if (!scr_allreduce_and(s, rc == 0)) {
		free(buf);
		return rc ? rc : -SCR_EREMOTE;
	}
	rc = scr_gather_bufs(s, buf ? buf : "", (int)len, &all, &lens);
	free(buf);
	if (!rc && s->rank == 0) {
		rc = -SCR_ENOENT;
		size_t off = 0;
		for (int r = 0; r < s->nranks && rc == -SCR_ENOENT; r++) {
			if (lens[r] > 0 && scr_summary_decode(all + off, (size_t)lens[r], &sum) == 0) {
				*out = sum.ds;   /* take ownership */
				memset(&sum.ds, 0, sizeof(sum.ds));
				scr_summary_release(&sum);
				rc = 0;
			}
			off += (size_t)lens[r];
		}
	}
	free(all);
	free(lens);
	scr_bcast_int(s, &rc);
	return rc;
}

int scr_scavenge(struct scr_state *s)
{
	struct node_view v = { 0 };
	int rc = s->node_rank == 0 ? read_node(s, &v) : 0;
	if (!scr_allreduce_and(s, rc == 0)) {
		view_release(&v);
		return rc ? rc : -SCR_EREMOTE;
	}
	/* nothing older than what this run can use anyway */
	int floor = scr_allreduce_max(s, newest_own(s));
	int in_prefix = s->rank == 0 ? newest_in_prefix(s) : 0;
	scr_bcast_int(s, &in_prefix);
	if (in_prefix > floor)
		floor = in_prefix;

	int bound = INT_MAX;
	for (;;) {
		int mine = 0;
		for (size_t i = 0; i < v.n; i++)
			if (v.d[i].ds.id < bound && v.d[i].ds.id > mine)
				mine = v.d[i].ds.id;
		int id = scr_allreduce_max(s, mine);
		if (id <= floor)
			break;
		struct node_dataset *d = view_find(&v, id);
		int counts[2] = { d ? d->ranks : 0, d ? d->ds.nranks : 0 }, sums[2] = { 0, 0 };
		MPI_Allreduce(&counts[0], &sums[0], 1, MPI_INT, MPI_SUM, s->world);
		MPI_Allreduce(&counts[1], &sums[1], 1, MPI_INT, MPI_MAX, s->world);
		if (sums[0] != sums[1]) {
			if (s->rank == 0)
				scr_log_debug(1, "dataset %d of a %d-rank run: the nodes hold files "
					      "of %d of its ranks, cannot scavenge it", id, sums[1],
					      sums[0]);
			bound = id;
			continue;
		}
		struct scr_dataset ds = { 0 };
		rc = dataset_to_rank0(s, d, &ds);
		char *dsdir = d ? scr_layout_dataset_dir(&s->layout, id) : NULL;
		int64_t when = 0;
		if (!rc)
			rc = scr_flush_files(s, &ds, dsdir, d ? d->files : NULL, d ? d->n : 0, &when);
		if (s->rank == 0 && !rc)
			scr_log_info("dataset %d '%s' of a %d-rank run was only in the node caches: "
				     "copied to the prefix for this %d-rank run", id, ds.name,
				     sums[1], s->nranks);
		else if (s->rank == 0)
			scr_log_warn("cannot copy dataset %d of a %d-rank run to the prefix: %s",
				     id, sums[1], scr_strerror(rc));
		free(dsdir);
		scr_dataset_release(&ds);
		break;
	}
	view_release(&v);
	return rc;
}
