/*
 * Scavenging at SCR_Init. A previous run of this job with another number of
 * ranks may have left its newest checkpoint only in the node caches. The
 * ranks of this run cannot restart from it directly (each rank would hold
 * only its own files, and there are other ranks now), so the first rank of
 * every node copies all files of it that its node holds to the prefix, from
 * every filemap in the node's control directory, and the restart then reads
 * it there. This is what scr_postrun does after a job, done by the job.
 *
 * A checkpoint that run only closed (transparent mode: its files are in the
 * ranks' journals, pending_<rank>.scr, and the run died before completing
 * it) is taken the same way when every one of its ranks left a record,
 * each file checked against its CRC from the close on the way; once in the
 * prefix it is forgotten on the node (journals and cached files). Until
 * then its ids stay taken: this run's datasets are numbered above them.
 */
#define _GNU_SOURCE
#include "scavenge.h"

#include "flush.h"
#include "io.h"
#include "log.h"
#include "scr_err.h"
#include "state.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One dataset of another run as this node holds it. */
struct node_dataset {
	struct scr_dataset ds;
	int ranks;                 /* old ranks with a record of it on this node */
	int *rank;                 /* which (a part completed and journaled counts once) */
	int pending;               /* some files are only in journals */
	size_t n, cap;
	struct scr_file *files;
};

struct node_view {
	size_t n;
	struct node_dataset *d;
	size_t njournals;
	int *journals;             /* ranks with a journal on this node */
	int journal_max_id;        /* the newest dataset any journal names */
};

static void view_release(struct node_view *v)
{
	for (size_t i = 0; i < v->n; i++) {
		scr_dataset_release(&v->d[i].ds);
		scr_files_free(v->d[i].files, v->d[i].n);
		free(v->d[i].rank);
	}
	free(v->d);
	free(v->journals);
	memset(v, 0, sizeof(*v));
}

static struct node_dataset *view_find(struct node_view *v, int id)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->d[i].ds.id == id)
			return &v->d[i];
	return NULL;
}

static int view_add(struct node_view *v, const struct scr_filemap_entry *e, int rank,
		    int journal)
{
	struct node_dataset *d = view_find(v, e->ds.id);
	for (int i = 0; d && i < d->ranks; i++)
		if (d->rank[i] == rank)
			return 0;   /* completed, then the crash came before its journal changed */
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
	int *ranks = realloc(d->rank, (d->ranks + 1) * sizeof(*ranks));
	if (!ranks)
		return -SCR_ENOMEM;
	d->rank = ranks;
	d->rank[d->ranks++] = rank;
	d->pending |= journal;
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

/* Is e a checkpoint of this prefix from a run of another shape? A journal
 * entry is never complete: its files are, each closed by the application. */
static int foreign(const struct scr_state *s, const struct scr_filemap_entry *e, int journal)
{
	return (journal || e->ds.complete) && (e->ds.flags & SCR_FLAG_CKPT_BIT) &&
	       e->ds.nranks != s->comm.nranks && e->prefix && !strcmp(e->prefix, s->prefix);
}

static int note_journal(struct node_view *v, int rank)
{
	int *grown = realloc(v->journals, (v->njournals + 1) * sizeof(*grown));
	if (!grown)
		return -SCR_ENOMEM;
	v->journals = grown;
	v->journals[v->njournals++] = rank;
	return 0;
}

/* Node leader: the filemaps (journal 0) or the journals (1) of the node. */
static int read_kind(struct scr_state *s, struct node_view *v, int journal)
{
	DIR *dir = opendir(s->layout.cntl_dir);
	if (!dir)
		return 0;
	const char *form = journal ? "pending_%d.scr%c" : "filemap_%d.scr%c";
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(dir)) != NULL) {
		int r;
		char tail;
		if (sscanf(de->d_name, form, &r, &tail) != 1)
			continue;
		char *path = scr_asprintf("%s/%s", s->layout.cntl_dir, de->d_name);
		struct scr_filemap m;
		int rr = path ? scr_filemap_read(path, &m) : -SCR_ENOMEM;
		if (!rr && m.rank != r) {
			scr_filemap_release(&m);
			rr = -SCR_EFORMAT;
		}
		if (rr) {
			/* a rank of this run reports its own files (or, moved, the
			 * migration does): said once */
			if (r >= s->comm.nranks)
				scr_log_warn("ignoring %s '%s': %s", journal ? "journal" : "filemap",
					     path ? path : "?", scr_strerror(rr));
			free(path);
			continue;
		}
		free(path);
		if (journal)
			rc = note_journal(v, m.rank);
		for (size_t i = 0; i < m.n && !rc; i++) {
			if (journal && m.e[i].nfiles > 0 && m.e[i].ds.id > v->journal_max_id)
				v->journal_max_id = m.e[i].ds.id;
			if (foreign(s, &m.e[i], journal))
				rc = view_add(v, &m.e[i], m.rank, journal);
		}
		scr_filemap_release(&m);
	}
	closedir(dir);
	return rc;
}

/* Node leader: checkpoints of this prefix written by a run with another
 * number of ranks, complete or closed, from every filemap and journal of
 * the node (a rank's completed part before its journaled one). */
static int read_node(struct scr_state *s, struct node_view *v)
{
	int rc = read_kind(s, v, 0);
	return rc ? rc : read_kind(s, v, 1);
}

/* Node leader: drop dataset id from every journal of the node and its
 * files from the node's cache. */
static void forget_closed(struct scr_state *s, const struct node_view *v, int id)
{
	for (size_t i = 0; i < v->njournals; i++) {
		char *path = scr_layout_pending_path(&s->layout, v->journals[i]);
		struct scr_filemap m;
		if (path && scr_filemap_read(path, &m) == 0) {
			if (scr_filemap_find(&m, id)) {
				scr_filemap_remove(&m, id);
				int rc = scr_filemap_write(path, &m, 0600);
				if (rc)
					scr_log_warn("cannot rewrite journal '%s': %s", path,
						     scr_strerror(rc));
			}
			scr_filemap_release(&m);
		}
		free(path);
	}
	char *dir = scr_layout_dataset_dir(&s->layout, id);
	if (dir)
		scr_remove_tree(dir);
	free(dir);
}

/* Newest restartable checkpoint of this run's shape in this rank's cache. */
static int newest_own(const struct scr_state *s)
{
	int id = 0;
	for (size_t i = 0; i < s->filemap.n; i++) {
		const struct scr_filemap_entry *e = &s->filemap.e[i];
		if (e->ds.complete && (e->ds.flags & SCR_FLAG_CKPT_BIT) &&
		    e->ds.nranks == s->comm.nranks && e->prefix && !strcmp(e->prefix, s->prefix))
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
	if (!scr_allreduce_and(&s->comm, rc == 0)) {
		free(buf);
		return rc ? rc : -SCR_EREMOTE;
	}
	rc = scr_gather_bufs(&s->comm, buf ? buf : "", (int)len, &all, &lens);
	free(buf);
	if (!rc && s->comm.rank == 0) {
		rc = -SCR_ENOENT;
		size_t off = 0;
		for (int r = 0; r < s->comm.nranks && rc == -SCR_ENOENT; r++) {
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
	scr_bcast_int(&s->comm, &rc);
	return rc;
}

int scr_scavenge(struct scr_state *s)
{
	struct node_view v = { 0 };
	int rc = s->comm.node_rank == 0 ? read_node(s, &v) : 0;
	if (!scr_allreduce_and(&s->comm, rc == 0)) {
		view_release(&v);
		return rc ? rc : -SCR_EREMOTE;
	}
	/* a closed checkpoint keeps its id, in use or not */
	int journal_max_id = scr_allreduce_max(&s->comm, v.journal_max_id);
	if (journal_max_id >= s->next_id)
		s->next_id = journal_max_id + 1;
	/* nothing older than what this run can use anyway */
	int floor = scr_allreduce_max(&s->comm, newest_own(s));
	int in_prefix = s->comm.rank == 0 ? newest_in_prefix(s) : 0;
	scr_bcast_int(&s->comm, &in_prefix);
	if (in_prefix > floor)
		floor = in_prefix;

	int bound = INT_MAX;
	for (;;) {
		int mine = 0;
		/* a journal's record of a dataset its rank wrote nothing of is no
		 * checkpoint by itself */
		for (size_t i = 0; i < v.n; i++)
			if (v.d[i].ds.id < bound && v.d[i].ds.id > mine &&
			    (v.d[i].n > 0 || !v.d[i].pending))
				mine = v.d[i].ds.id;
		int id = scr_allreduce_max(&s->comm, mine);
		if (id <= floor)
			break;
		struct node_dataset *d = view_find(&v, id);
		/* its shape, and whether a part of it is only closed */
		int local[2] = { d ? d->ds.nranks : 0, d ? d->pending : 0 }, shape[2];
		MPI_Allreduce(local, shape, 2, MPI_INT, MPI_MAX, s->comm.world);
		int old_ranks = shape[0], pending = shape[1];
		/* every old rank must be accounted for, by its filemap entry or
		 * its journal entry (a rank that wrote nothing of it has one) */
		int have = d ? d->ranks : 0, ranks = 0;
		MPI_Allreduce(&have, &ranks, 1, MPI_INT, MPI_SUM, s->comm.world);
		if (ranks != old_ranks) {
			if (s->comm.rank == 0 && pending)
				scr_log_warn("checkpoint %d of a %d-rank run was closed but not "
					     "completed, and the nodes of this run hold the records "
					     "of %d of its ranks: not used", id, old_ranks, ranks);
			else if (s->comm.rank == 0)
				scr_log_debug(1, "dataset %d of a %d-rank run: the nodes hold files "
					      "of %d of its ranks, cannot scavenge it", id, old_ranks,
					      ranks);
			/* kept: a run on the nodes that hold the rest can use it */
			bound = id;
			continue;
		}
		struct scr_dataset ds = { 0 };
		rc = dataset_to_rank0(s, d, &ds);
		if (!rc && pending) {
			/* a journal entry counts only its own rank's files */
			uint64_t part[2] = { d ? d->n : 0, 0 }, all[2];
			for (size_t i = 0; d && i < d->n; i++)
				part[1] += d->files[i].size;
			MPI_Allreduce(part, all, 2, MPI_UINT64_T, MPI_SUM, s->comm.world);
			ds.files = all[0];
			ds.bytes = all[1];
			ds.complete = 1;
		}
		char *dsdir = d ? scr_layout_dataset_dir(&s->layout, id) : NULL;
		int64_t when = 0;
		/* closed files were never checked since their close: always here */
		int crc_on_flush = s->crc_on_flush;
		s->crc_on_flush |= pending;
		if (!rc)
			rc = scr_flush_files(s, &ds, dsdir, d ? d->files : NULL, d ? d->n : 0, &when);
		s->crc_on_flush = crc_on_flush;
		if (s->comm.rank == 0 && !rc)
			scr_log_info("%s %d '%s' of a %d-rank run was only in the node caches: "
				     "copied to the prefix for this %d-rank run",
				     pending ? "checkpoint (closed, not completed)" : "dataset", id,
				     ds.name, old_ranks, s->comm.nranks);
		else if (s->comm.rank == 0)
			scr_log_warn("cannot copy dataset %d of a %d-rank run to the prefix: %s",
				     id, old_ranks, scr_strerror(rc));
		if (pending && !rc && s->comm.node_rank == 0)
			forget_closed(s, &v, id);
		free(dsdir);
		scr_dataset_release(&ds);
		if (rc && pending) {
			/* not whole: an older checkpoint may be */
			rc = 0;
			bound = id;
			continue;
		}
		break;
	}
	view_release(&v);
	return rc;
}
