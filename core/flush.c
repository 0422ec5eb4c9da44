/*
 * Flush: copy a cached dataset to its real paths under the prefix, verify
 * the copies, then record it (summary, index entry) on rank 0. The index is
 * written last, so a dataset is listed as flushed only once every byte of it
 * is in the prefix. Older datasets whose files the new one overwrites are
 * marked failed in the index before the first byte is copied.
 */
#define _GNU_SOURCE
#include "flush.h"

#include "dataset.h"
#include "eventlog.h"
#include "flush_bg.h"
#include "heartbeat.h"
#include "io.h"
#include "log.h"
#include "scr_err.h"
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Rank 0: the prefix index at path into x. A damaged one is set aside (as
 * <path>.corrupt) and rebuilt from the datasets' summaries, said once. */
static int read_or_rebuild(const char *prefix, const char *path, struct scr_index *x)
{
	int rc = scr_index_read(path, x);
	if (!scr_index_damaged(rc)) {
		if (rc)
			scr_log_error("cannot read index '%s': %s", path, scr_strerror(rc));
		return rc;
	}
	int rrc = scr_index_rebuild(prefix, x);
	if (rrc) {
		scr_log_error("index '%s' is damaged (%s) and cannot be rebuilt from the "
			      "summaries in the prefix: %s", path, scr_strerror(rc),
			      scr_strerror(rrc));
		return rc;
	}
	char *aside = scr_asprintf("%s.corrupt", path);
	if (aside)
		rename(path, aside);
	rrc = scr_index_write(path, x);
	scr_log_warn("index '%s' is damaged (%s): %s, rebuilt from the summaries of %zu "
		     "dataset(s) in the prefix%s (datasets marked failed are checked again "
		     "when tried; a current name set with scr_index --current is lost)",
		     path, scr_strerror(rc), aside ? "set aside as '.corrupt'" : "replaced",
		     x->n, rrc ? ", but cannot be written back" : "");
	free(aside);
	return 0;
}

void scr_index_repair(struct scr_state *s)
{
	char *path = scr_prefix_index_path(s->prefix);
	struct scr_index x;
	if (path && read_or_rebuild(s->prefix, path, &x) == 0)
		scr_index_release(&x);
	free(path);
}

int scr_index_update(struct scr_state *s, int (*edit)(struct scr_index *x, void *arg), void *arg)
{
	int rc = 0;
	if (s->comm.rank == 0) {
		char *path = scr_prefix_index_path(s->prefix);
		char *dir = scr_prefix_scrdir(s->prefix);
		struct scr_index x;
		rc = path && dir ? scr_mkdir_p(dir, 0755) : -SCR_ENOMEM;
		if (!rc)
			rc = read_or_rebuild(s->prefix, path, &x);
		if (!rc) {
			rc = edit(&x, arg);
			if (!rc) {
				rc = scr_index_write(path, &x);
				if (rc)
					scr_log_error("cannot write index '%s': %s (%s)", path,
						      scr_strerror(rc), strerror(errno));
			}
			scr_index_release(&x);
		}
		free(path);
		free(dir);
	}
	scr_bcast_int(&s->comm, &rc);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void scr_paths_free(struct scr_paths *p)
{
	free(p->path);   /* the strings belong to the files they came from */
	p->path = NULL;
	p->n = 0;
}

int scr_paths_from_files(struct scr_paths *p, const struct scr_file *files, size_t n)
{
	p->n = 0;
	p->path = malloc((n ? n : 1) * sizeof(char *));
	if (!p->path)
		return -SCR_ENOMEM;
	for (size_t i = 0; i < n; i++)
		p->path[p->n++] = files[i].path;
	qsort(p->path, p->n, sizeof(char *), cmp_str);
	return 0;
}

int scr_paths_has(const struct scr_paths *p, const char *path)
{
	return bsearch(&path, p->path, p->n, sizeof(char *), cmp_str) != NULL;
}

/* Does the flushed dataset id share a file path with these? */
static int summary_overlaps(struct scr_state *s, int id, const struct scr_paths *paths)
{
	char *sp = scr_prefix_summary_path(s->prefix, id);
	struct scr_summary sum;
	int hit = 0;
	if (sp && scr_summary_read(sp, &sum) == 0) {
		for (size_t i = 0; i < sum.nfiles && !hit; i++)
			hit = scr_paths_has(paths, sum.files[i].path);
		scr_summary_release(&sum);
	}
	free(sp);
	return hit;
}

struct supersede_arg {
	struct scr_state *s;
	int id;
	const struct scr_paths *paths;
};

/*
 * Failed datasets (superseded or found damaged) kept in the index: enough
 * to see what happened lately. Older ones leave it, with their directory
 * in the prefix, so that an application rewriting the same files at every
 * checkpoint does not make each flush read and write a longer index.
 */
#define FAILED_KEPT 64

static void prune_failed(struct scr_state *s, struct scr_index *x)
{
	size_t failed = 0;
	for (size_t i = 0; i < x->n; i++)
		failed += x->e[i].failed != 0;
	/* entries are ordered by id: the oldest failed ones go first */
	for (size_t i = 0; failed > FAILED_KEPT && i < x->n;) {
		if (!x->e[i].failed) {
			i++;
			continue;
		}
		int id = x->e[i].ds.id;
		char *dir = scr_prefix_dataset_dir(s->prefix, id);
		if (dir)
			scr_remove_tree(dir);
		free(dir);
		scr_index_remove(x, id);
		failed--;
	}
}

static int edit_supersede(struct scr_index *x, void *arg)
{
	struct supersede_arg *a = arg;
	for (size_t i = 0; i < x->n; i++) {
		struct scr_index_entry *e = &x->e[i];
		if (e->ds.id == a->id || e->failed || !e->flushed)
			continue;
		if (summary_overlaps(a->s, e->ds.id, a->paths)) {
			scr_log_debug(1, "dataset %d '%s' shares files with dataset %d: "
				      "marked failed before they are overwritten",
				      e->ds.id, e->ds.name, a->id);
			e->failed = 1;
		}
	}
	prune_failed(a->s, x);
	return 0;
}

char *scr_flush_tmp_path(const char *dst, int rank)
{
	return scr_asprintf("%s.scr-flush.%d", dst, rank);
}

int scr_flush_copy_file(const char *src, const char *dst, const struct scr_file *f,
			int verify, void (*progress)(uint64_t bytes, void *arg), void *arg)
{
	char *tmp = scr_flush_tmp_path(dst, f->rank);
	if (!tmp)
		return -SCR_ENOMEM;
	uint64_t size = 0;
	uint32_t crc = 0;
	int rc = scr_copy_file_progress(src, tmp, &size, &crc, progress, arg);
	if (rc) {
		scr_log_error("cannot copy '%s' to '%s': %s", src, dst,
			      rc == -SCR_ENOENT ? "file missing from cache" : strerror(errno));
	} else if (verify && (size != f->size || crc != f->crc)) {
		scr_log_error("'%s' changed since its dataset completed (size %llu, "
			      "expected %llu; crc %08x, expected %08x): not flushed",
			      src, (unsigned long long)size, (unsigned long long)f->size,
			      crc, f->crc);
		rc = -SCR_ECORRUPT;
	} else if (rename(tmp, dst) != 0) {
		scr_log_error("cannot rename '%s' to '%s': %s", tmp, dst, strerror(errno));
		rc = -SCR_EIO;
	}
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Copy files of a dataset from src_dir (a cache directory) to the prefix. */
static int copy_files(struct scr_state *s, const char *src_dir,
		      const struct scr_file *files, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const struct scr_file *f = &files[i];
		char *src = scr_asprintf("%s/%s", src_dir, f->path);
		char *dst = scr_asprintf("%s/%s", s->prefix, f->path);
		rc = src && dst ? scr_flush_copy_file(src, dst, f, s->crc_on_flush, NULL, NULL)
				: -SCR_ENOMEM;
		free(src);
		free(dst);
	}
	return rc;
}

struct flush_arg {
	const struct scr_dataset *ds;
	int64_t flushed;
};

static int edit_add(struct scr_index *x, void *arg)
{
	struct flush_arg *a = arg;
	/* a dataset of the same name is superseded: its files were overwritten */
	struct scr_index_entry *old;
	while ((old = scr_index_find_name(x, a->ds->name)) && old->ds.id != a->ds->id)
		scr_index_remove(x, old->ds.id);
	/* a newer checkpoint ends the choice of an older current one */
	struct scr_index_entry *cur = x->current ? scr_index_find_name(x, x->current) : NULL;
	if (cur && cur->ds.id < a->ds->id && (a->ds->flags & SCR_FLAG_CKPT_BIT))
		scr_index_set_current(x, NULL);
	struct scr_index_entry e = { .ds = *a->ds, .flushed = a->flushed, .failed = 0 };
	return scr_index_put(x, &e);
}

static int write_summary(struct scr_state *s, const struct scr_summary *sum)
{
	char *dir = scr_prefix_dataset_dir(s->prefix, sum->ds.id);
	char *path = scr_prefix_summary_path(s->prefix, sum->ds.id);
	int rc = dir && path ? scr_mkdir_p(dir, 0755) : -SCR_ENOMEM;
	if (!rc) {
		rc = scr_summary_write(path, sum);
		if (rc)
			scr_log_error("cannot write summary '%s': %s (%s)", path,
				      scr_strerror(rc), strerror(errno));
	}
	free(dir);
	free(path);
	return rc;
}

/* Rank 0 gets the summary of every rank's files (all ranks call). */
static int gather_summary(struct scr_state *s, const struct scr_dataset *ds,
			  const struct scr_file *files, size_t n, struct scr_summary *sum)
{
	struct scr_file *all = NULL;
	size_t nall = 0;
	int rc = scr_gather_files(&s->comm, files, n, &all, &nall);
	if (!rc && s->comm.rank == 0) {
		rc = scr_dataset_copy(&sum->ds, ds);
		for (size_t i = 0; i < nall && !rc; i++)
			rc = scr_summary_add_file(sum, &all[i]);
	}
	scr_files_free(all, nall);
	scr_bcast_int(&s->comm, &rc);
	return rc;
}

int scr_flush_begin(struct scr_state *s, const struct scr_dataset *ds,
		    const struct scr_file *files, size_t n, struct scr_summary *sum)
{
	scr_summary_init(sum);
	int rc = gather_summary(s, ds, files, n, sum);
	if (!rc) {
		struct scr_paths paths = { 0 };
		struct supersede_arg a = { s, ds->id, &paths };
		if (s->comm.rank == 0)
			rc = scr_paths_from_files(&paths, sum->files, sum->nfiles);
		scr_bcast_int(&s->comm, &rc);
		if (!rc)
			rc = scr_index_update(s, edit_supersede, &a);
		scr_paths_free(&paths);
	}
	if (rc)
		scr_summary_release(sum);
	return rc;
}

int scr_flush_end(struct scr_state *s, const struct scr_dataset *ds, struct scr_summary *sum,
		  int copy_rc, int64_t *flushed)
{
	int rc = 0;
	if (!scr_allreduce_and(&s->comm, copy_rc == 0)) {
		if (s->comm.rank == 0)
			scr_log_error("flush of dataset %d failed on some rank: it stays in cache "
				      "only", ds->id);
		rc = copy_rc ? copy_rc : -SCR_EREMOTE;
	}
	if (!rc && s->comm.rank == 0)
		rc = write_summary(s, sum);
	scr_bcast_int(&s->comm, &rc);
	scr_summary_release(sum);
	if (rc)
		return rc;
	struct flush_arg a = { ds, (int64_t)time(NULL) };
	rc = scr_index_update(s, edit_add, &a);
	if (rc)
		return rc;
	*flushed = a.flushed;
	if (ds->id > s->newest_in_prefix)
		s->newest_in_prefix = ds->id;
	return 0;
}

int scr_flush_files(struct scr_state *s, const struct scr_dataset *ds, const char *src_dir,
		    const struct scr_file *files, size_t n, int64_t *flushed)
{
	double start = scr_now();
	struct scr_summary sum;
	int rc = scr_flush_begin(s, ds, files, n, &sum);
	if (rc)
		return rc;
	/* with SCR_CACHE_BYPASS the files were overwritten already; every rank
	 * joins the agreement, copying or not */
	scr_heartbeat(s, 1);
	if (src_dir)
		rc = copy_files(s, src_dir, files, n);
	rc = scr_flush_end(s, ds, &sum, rc, flushed);
	scr_heartbeat(s, 0);
	double secs = scr_now() - start;
	if (!rc && s->comm.rank == 0)
		scr_log_debug(1, "flushed dataset %d '%s' to '%s': %llu bytes in %.3f s (%.3f GB/s)",
			      ds->id, ds->name, s->prefix, (unsigned long long)ds->bytes, secs,
			      secs > 0 ? (double)ds->bytes / secs / 1e9 : 0.0);
	struct scr_ev ev = scr_ev(ds->id, ds->name);
	ev.mode = "sync";
	ev.bytes = (long long)ds->bytes;
	ev.seconds = secs;
	ev.reason = rc ? scr_strerror(rc) : NULL;
	scr_event(s, rc ? SCR_EV_FAILURE : SCR_EV_FLUSH, &ev);
	return rc;
}

int scr_flush(struct scr_state *s, int id)
{
	/* the one in flight first: it may be this one */
	scr_flush_bg_wait(s);
	struct scr_filemap_entry *e = scr_filemap_find(&s->filemap, id);
	if (!scr_allreduce_and(&s->comm, e != NULL))
		return -SCR_ENOENT;
	if (scr_allreduce_and(&s->comm, e->flushed != 0))
		return 0;
	int bypassed = scr_dataset_bypassed(s, id);
	char *dsdir = bypassed ? NULL : scr_layout_dataset_dir(&s->layout, id);
	int rc = bypassed || dsdir ? 0 : -SCR_ENOMEM;
	if (!scr_allreduce_and(&s->comm, rc == 0)) {
		free(dsdir);
		return rc ? rc : -SCR_EREMOTE;
	}
	int64_t when = 0;
	rc = scr_flush_files(s, &e->ds, dsdir, e->files, e->nfiles, &when);
	free(dsdir);
	if (rc)
		return rc;
	e->flushed = when;
	scr_filemap_save(s);
	return 0;
}
