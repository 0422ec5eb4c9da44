/*
 * Flush: copy a cached dataset to its real paths under the prefix, verify
 * the copies, then record it (summary, index entry) on rank 0. The index is
 * written last, so a dataset is listed as flushed only once every byte of it
 * is in the prefix.
 */
#define _GNU_SOURCE
#include "state.h"

#include "io.h"
#include "log.h"
#include "scr_err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int scr_index_update(struct scr_state *s, int (*edit)(struct scr_index *x, void *arg), void *arg)
{
	int rc = 0;
	if (s->rank == 0) {
		char *path = scr_prefix_index_path(s->prefix);
		char *dir = scr_prefix_scrdir(s->prefix);
		struct scr_index x;
		rc = path && dir ? scr_mkdir_p(dir, 0755) : -SCR_ENOMEM;
		if (!rc) {
			rc = scr_index_read(path, &x);
			if (rc && rc != -SCR_ENOMEM) {
				/* keep the damaged file for inspection, start a new one */
				char *aside = scr_asprintf("%s.corrupt", path);
				scr_log_error("index '%s' is unreadable (%s): moved to '%s', "
					      "starting a new index", path, scr_strerror(rc),
					      aside ? aside : "?");
				if (aside)
					rename(path, aside);
				free(aside);
				scr_index_init(&x);
				rc = 0;
			}
		}
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
	scr_bcast_int(s, &rc);
	return rc;
}

/* Copy this rank's files of a cached dataset to the prefix. */
static int copy_files(struct scr_state *s, const struct scr_filemap_entry *e)
{
	char *dsdir = scr_layout_dataset_dir(&s->layout, e->ds.id);
	if (!dsdir)
		return -SCR_ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < e->nfiles && !rc; i++) {
		const struct scr_file *f = &e->files[i];
		char *src = scr_asprintf("%s/%s", dsdir, f->path);
		char *dst = scr_asprintf("%s/%s", s->prefix, f->path);
		uint64_t size = 0;
		uint32_t crc = 0;
		rc = src && dst ? scr_copy_file(src, dst, &size, &crc) : -SCR_ENOMEM;
		if (rc)
			scr_log_error("cannot copy '%s' to '%s': %s", src, dst,
				      rc == -SCR_ENOENT ? "file missing from cache" : strerror(errno));
		else if (s->crc_on_flush && (size != f->size || crc != f->crc)) {
			scr_log_error("'%s' changed since its dataset completed (size %llu, "
				      "expected %llu; crc %08x, expected %08x): not flushed",
				      src, (unsigned long long)size, (unsigned long long)f->size,
				      crc, f->crc);
			rc = -SCR_ECORRUPT;
		}
		free(src);
		free(dst);
	}
	free(dsdir);
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
	struct scr_index_entry e = { .ds = *a->ds, .flushed = a->flushed, .failed = 0 };
	return scr_index_put(x, &e);
}

/* Rank 0: every rank's file list into the summary of the dataset. */
static int write_summary(struct scr_state *s, const struct scr_dataset *ds,
			 const char *all, const int *lens)
{
	struct scr_summary sum;
	scr_summary_init(&sum);
	int rc = scr_dataset_copy(&sum.ds, ds);
	size_t off = 0;
	for (int r = 0; r < s->nranks && !rc; r++) {
		struct scr_file *files;
		size_t n;
		rc = scr_files_decode(all + off, (size_t)lens[r], &files, &n);
		off += (size_t)lens[r];
		for (size_t i = 0; i < n && !rc; i++)
			rc = scr_summary_add_file(&sum, &files[i]);
		scr_files_free(files, n);
	}
	char *dir = scr_prefix_dataset_dir(s->prefix, ds->id);
	char *path = scr_prefix_summary_path(s->prefix, ds->id);
	if (!rc)
		rc = dir && path ? scr_mkdir_p(dir, 0755) : -SCR_ENOMEM;
	if (!rc) {
		rc = scr_summary_write(path, &sum);
		if (rc)
			scr_log_error("cannot write summary '%s': %s (%s)", path,
				      scr_strerror(rc), strerror(errno));
	}
	free(dir);
	free(path);
	scr_summary_release(&sum);
	return rc;
}

int scr_flush(struct scr_state *s, int id)
{
	struct scr_filemap_entry *e = scr_filemap_find(&s->filemap, id);
	double start = scr_now();
	int rc = e ? 0 : -SCR_ENOENT;
	if (e && !s->bypass)
		rc = copy_files(s, e);
	if (!scr_allreduce_and(s, rc == 0)) {
		if (s->rank == 0)
			scr_log_error("flush of dataset %d failed on some rank: it stays "
				      "in cache only", id);
		return rc ? rc : -SCR_EREMOTE;
	}

	char *buf = NULL, *all = NULL;
	size_t len = 0;
	int *lens = NULL;
	rc = scr_files_encode(e->files, e->nfiles, &buf, &len);
	if (!scr_allreduce_and(s, rc == 0)) {
		free(buf);
		return rc ? rc : -SCR_EREMOTE;
	}
	rc = scr_gather_bufs(s, buf, (int)len, &all, &lens);
	free(buf);
	if (rc)
		return rc;
	if (s->rank == 0)
		rc = write_summary(s, &e->ds, all, lens);
	free(all);
	free(lens);
	scr_bcast_int(s, &rc);
	if (rc)
		return rc;

	struct flush_arg a = { &e->ds, (int64_t)time(NULL) };
	rc = scr_index_update(s, edit_add, &a);
	if (rc)
		return rc;
	e->flushed = a.flushed;
	scr_filemap_save(s);
	if (s->rank == 0) {
		double secs = scr_now() - start;
		scr_log_debug(1, "flushed dataset %d '%s' to '%s': %llu bytes in %.3f s",
			      id, e->ds.name, s->prefix, (unsigned long long)e->ds.bytes, secs);
	}
	return 0;
}
