/*
 * Transparent mode: checkpoint files the application closed before their
 * dataset completed. To the application a closed file is durable, so each
 * rank keeps a journal of them in its control directory (pending_<rank>.scr,
 * in filemap format: one entry per dataset not yet complete, with the size
 * and CRC of every file at its close). The shim rewrites it at every change.
 *
 * Every rank's journal has an entry for both datasets that may be being
 * written (the current one and the next, which a rank may begin before the
 * current one completes), with or without files: a rank that wrote nothing
 * of it says so, and a journal of another run (a rank placed on another
 * node now) or none (a node that lost its storage) never passes for one.
 *
 * At the next start in the same allocation, a dataset the journals name and
 * no filemap holds complete is finished here: every rank checks its files
 * against their records, the ranks agree, and the dataset becomes complete
 * and protected, the newest to restart from. It is dropped, with a message
 * naming the files, when a rank has no record of it (its part cannot be
 * known, let alone rebuilt) or a file fails its check. Files still open
 * when the job died were never recorded: they are not part of it and are
 * never served. Entries of a run with another number of ranks (copied to
 * the prefix by scavenge.c when it can) stay in the journal.
 */
#define _GNU_SOURCE
#include "pending.h"

#include "dataset.h"
#include "io.h"
#include "log.h"
#include "protect.h"
#include "reddesc.h"
#include "restart.h"
#include "scr_err.h"
#include "state.h"
#include "transparent.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A journal entry for dataset id (this run's shape and prefix). */
static struct scr_filemap_entry *journal_entry(struct scr_state *s, struct scr_filemap *m,
					       int id, const char *name)
{
	struct scr_dataset ds = { .id = id, .name = (char *)(name ? name : ""),
				  .flags = SCR_FLAG_CKPT_BIT, .created = (int64_t)time(NULL),
				  .nranks = s->comm.nranks };
	struct scr_filemap_entry *e = scr_filemap_add(m, &ds);
	if (e && !e->prefix && !(e->prefix = strdup(s->prefix)))
		return NULL;
	return e;
}

/* Append copies of the kept entries of other runs. */
static int add_kept(struct scr_state *s, struct scr_filemap *m)
{
	for (size_t i = 0; s->tp.journal_kept && i < s->tp.journal_kept->n; i++) {
		const struct scr_filemap_entry *k = &s->tp.journal_kept->e[i];
		if (scr_filemap_find(m, k->ds.id))
			continue;   /* an id this run uses now: its own entry wins */
		struct scr_filemap_entry *e = scr_filemap_add(m, &k->ds);
		if (!e || (k->prefix && !(e->prefix = strdup(k->prefix))))
			return -SCR_ENOMEM;
		for (size_t f = 0; f < k->nfiles; f++)
			if (scr_filemap_add_file(e, &k->files[f]))
				return -SCR_ENOMEM;
	}
	return 0;
}

int scr_pending_write(struct scr_state *s, const struct scr_tp_pending *p, size_t n)
{
	struct scr_filemap m;
	scr_filemap_init(&m, s->comm.rank);
	/* the datasets being written (the current one, and the next one a
	 * rank may have begun), even with no file of this rank */
	int rc = journal_entry(s, &m, s->next_id, NULL) &&
		 journal_entry(s, &m, s->next_id + 1, NULL) ? 0 : -SCR_ENOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		struct scr_filemap_entry *e = journal_entry(s, &m, p[i].id, p[i].name);
		if (!e) {
			rc = -SCR_ENOMEM;
			break;
		}
		if (p[i].name && !*e->ds.name) {
			free(e->ds.name);
			if (!(e->ds.name = strdup(p[i].name))) {
				rc = -SCR_ENOMEM;
				break;
			}
		}
		for (size_t k = 0; !rc && k < p[i].n; k++) {
			const struct scr_tp_file *f = &p[i].files[k];
			if (!f->closed)
				continue;   /* still open: not part of anything yet */
			struct scr_file rec = { .rank = s->comm.rank, .path = (char *)f->rel,
						.size = f->size, .crc = f->crc, .complete = 1 };
			rc = scr_filemap_add_file(e, &rec);
			e->ds.bytes += f->size;
		}
		e->ds.files = e->nfiles;
	}
	if (!rc)
		rc = add_kept(s, &m);
	char *path = rc ? NULL : scr_layout_pending_path(&s->layout, s->comm.rank);
	if (!rc && !path)
		rc = -SCR_ENOMEM;
	if (!rc)
		rc = scr_filemap_write(path, &m, 0600);
	free(path);
	scr_filemap_release(&m);
	return rc;
}

/* This rank's journal, if it has a usable one (1), else 0 (j empty). */
static int read_journal(struct scr_state *s, struct scr_filemap *j)
{
	char *path = scr_layout_pending_path(&s->layout, s->comm.rank);
	int rc = path ? scr_filemap_read(path, j) : -SCR_ENOMEM;
	if (rc == 0 && j->rank != s->comm.rank)
		rc = -SCR_EFORMAT;
	if (rc && rc != -SCR_ENOENT)
		scr_log_warn("ignoring the journal of closed checkpoint files '%s': %s",
			     path ? path : "?", scr_strerror(rc));
	free(path);
	if (rc)
		scr_filemap_init(j, s->comm.rank);
	return rc == 0;
}

/* Move out of the journal what a run like this one cannot finish: a
 * dataset of another prefix or of another number of ranks (each rank holds
 * only its own files). Those with files are kept for the journal this run
 * writes, so that a run of their shape can still finish them. */
static void keep_finishable(struct scr_state *s, struct scr_filemap *j)
{
	for (size_t i = j->n; i-- > 0;) {
		struct scr_filemap_entry *e = &j->e[i];
		if (e->ds.nranks == s->comm.nranks && e->prefix && !strcmp(e->prefix, s->prefix))
			continue;
		if (e->nfiles > 0) {
			if (!s->tp.journal_kept && (s->tp.journal_kept = malloc(sizeof(*s->tp.journal_kept))))
				scr_filemap_init(s->tp.journal_kept, s->comm.rank);
			struct scr_filemap_entry *k = s->tp.journal_kept &&
				!scr_filemap_find(s->tp.journal_kept, e->ds.id) ?
				scr_filemap_add(s->tp.journal_kept, &e->ds) : NULL;
			if (k && e->prefix)
				k->prefix = strdup(e->prefix);
			for (size_t f = 0; k && f < e->nfiles; f++)
				scr_filemap_add_file(k, &e->files[f]);
		}
		scr_filemap_remove(j, e->ds.id);
	}
}

/* The oldest dataset of the journal above `after` that is not already
 * complete in cache (completed before the journal was rewritten). */
static struct scr_filemap_entry *next_pending(struct scr_state *s, struct scr_filemap *j,
					      int after)
{
	for (size_t i = 0; i < j->n; i++) {
		struct scr_filemap_entry *e = &j->e[i];
		struct scr_filemap_entry *done = scr_filemap_find(&s->filemap, e->ds.id);
		if (e->ds.id > after && !(done && done->ds.complete))
			return e;
	}
	return NULL;
}

/* This rank's part of dataset id when it completed it before the job died
 * while other ranks had not (a crash inside the completion): a copy of its
 * filemap entry joins the journal, or NULL. */
static struct scr_filemap_entry *completed_part(struct scr_state *s, struct scr_filemap *j,
						int id)
{
	const struct scr_filemap_entry *done = scr_filemap_find(&s->filemap, id);
	if (!done || !done->ds.complete)
		return NULL;
	struct scr_filemap_entry *e = scr_filemap_add(j, &done->ds);
	for (size_t i = 0; e && i < done->nfiles; i++)
		if (scr_filemap_add_file(e, &done->files[i]))
			return NULL;
	return e;
}

/* Remove a file of this rank's part from the cache. */
static void remove_file(struct scr_state *s, int id, const char *rel)
{
	char *p = scr_layout_dataset_file(&s->layout, id, rel);
	if (p && unlink(p) != 0 && errno != ENOENT)
		scr_log_warn("cannot remove '%s': %s", p, strerror(errno));
	free(p);
}

/* Keep in this rank's part only the files that are as they were at their
 * close (each other one is named); returns how many were left out. */
static int keep_intact(struct scr_state *s, struct scr_filemap_entry *e)
{
	int left_out = 0;
	size_t kept = 0;
	e->ds.bytes = 0;
	for (size_t i = 0; i < e->nfiles; i++) {
		char *p = scr_layout_dataset_file(&s->layout, e->ds.id, e->files[i].path);
		if (p && scr_file_intact(p, &e->files[i], 1)) {
			e->ds.bytes += e->files[i].size;
			e->files[kept++] = e->files[i];
		} else {
			remove_file(s, e->ds.id, e->files[i].path);
			scr_file_release(&e->files[i]);
			left_out++;
		}
		free(p);
	}
	e->nfiles = kept;
	return left_out;
}

/* The name the lowest rank with a part gave the dataset (rank 0's, as at
 * completion, whenever rank 0 wrote a file of it). */
static char *agree_name(struct scr_state *s, const struct scr_filemap_entry *e, int id)
{
	char *name = scr_agree_str(&s->comm, e && e->ds.name && *e->ds.name ? e->ds.name : NULL);
	return name ? name : scr_asprintf("scr.dataset.%d", id);
}

/* Make this rank's part of dataset id a complete filemap entry. */
static int adopt_part(struct scr_state *s, const struct scr_filemap_entry *part, int id,
		      const char *name, uint64_t files, uint64_t bytes)
{
	struct scr_dataset ds = { .id = id, .name = (char *)name, .flags = SCR_FLAG_CKPT_BIT,
				  .created = part ? part->ds.created : (int64_t)time(NULL),
				  .nranks = s->comm.nranks, .files = files, .bytes = bytes,
				  .complete = 1,
				  .redundancy = (char *)scr_red_desc_for(s, id)->red->name };
	scr_filemap_remove(&s->filemap, id);
	struct scr_filemap_entry *e = scr_filemap_add(&s->filemap, &ds);
	if (!e || !(e->prefix = strdup(s->prefix)))
		return -SCR_ENOMEM;
	for (size_t i = 0; part && i < part->nfiles; i++)
		if (scr_filemap_add_file(e, &part->files[i]))
			return -SCR_ENOMEM;
	return 0;
}

int scr_pending_finish(struct scr_state *s)
{
	struct scr_filemap j;
	read_journal(s, &j);
	keep_finishable(s, &j);
	/* the ids of closed files stay taken, used or not: no later dataset
	 * may mix its files with theirs */
	int taken = 0;
	for (size_t i = 0; i < j.n; i++)
		if (j.e[i].nfiles > 0)
			taken = j.e[i].ds.id;
	int finished = 0, after = 0;
	for (;;) {
		struct scr_filemap_entry *e = next_pending(s, &j, after);
		int id = e ? e->ds.id : INT_MAX, next = id;
		MPI_Allreduce(&id, &next, 1, MPI_INT, MPI_MIN, s->comm.world);
		if (next == INT_MAX)
			break;
		if (e && e->ds.id != next)
			e = NULL;
		if (!e)   /* completed here before the job died, others not */
			e = completed_part(s, &j, next);
		/* every rank must hold a record of it, with its files or none: a
		 * rank without one lost its node-local storage, or runs on another
		 * node now; its part is unknown */
		int have = e != NULL, ranks = 0;
		MPI_Allreduce(&have, &ranks, 1, MPI_INT, MPI_SUM, s->comm.world);
		int missing = s->comm.nranks - ranks;
		char *name = agree_name(s, e, next);
		/* a file that changed after its close (or went in a crash between
		 * a rename and its record) is left out like one still open */
		int left_out = !missing && e ? keep_intact(s, e) : 0;
		uint64_t mine[3] = { e ? e->nfiles : 0, e ? e->ds.bytes : 0, (uint64_t)left_out };
		uint64_t all[3] = { 0, 0, 0 };
		MPI_Allreduce(mine, all, 3, MPI_UINT64_T, MPI_SUM, s->comm.world);
		if (all[2] > 0 && s->comm.rank == 0)
			scr_log_warn("checkpoint '%s': %llu closed file(s) changed or missing since "
				     "their close (named above) are left out", name,
				     (unsigned long long)all[2]);
		int ok = !missing && all[0] > 0;
		if (ok)
			ok = scr_allreduce_and(&s->comm, adopt_part(s, e, next, name, all[0], all[1]) == 0);
		if (ok) {
			scr_red_protect(s, next);
			ok = scr_allreduce_and(&s->comm, scr_filemap_save(s) == 0);
		}
		if (ok) {
			finished = next;
			if (s->comm.rank == 0)
				scr_log_warn("checkpoint '%s' (dataset %d: %llu files, %llu bytes) was "
					     "closed by the application but not completed when the "
					     "previous run ended: completed now", name, next,
					     (unsigned long long)all[0], (unsigned long long)all[1]);
		} else {
			if (scr_filemap_find(&s->filemap, next))
				scr_filemap_remove(&s->filemap, next);
			for (size_t i = 0; e && i < e->nfiles; i++)
				remove_file(s, next, e->files[i].path);
			if (s->comm.rank == 0 && all[0] > 0 && missing)
				scr_log_warn("checkpoint '%s' (dataset %d) was closed by the application "
					     "but not protected when the previous run ended, and %d "
					     "rank(s) hold no record of it (their node-local storage "
					     "was lost, or they run on other nodes now): their files "
					     "are unknown, the rest is not used (named below); the "
					     "restart takes the newest complete checkpoint", name, next,
					     missing);
			else if (s->comm.rank == 0 && all[0] > 0)
				scr_log_warn("checkpoint '%s' (dataset %d) was closed by the application "
					     "but could not be completed now: not used", name, next);
			if (missing && e)
				for (size_t i = 0; i < e->nfiles; i++)
					scr_log_warn("'%s' of unfinished checkpoint '%s' is not "
						     "restored", e->files[i].path, name);
		}
		free(name);
		after = next;
	}
	scr_filemap_release(&j);
	taken = scr_allreduce_max(&s->comm, taken > finished ? taken : finished);
	if (taken >= s->next_id)
		s->next_id = taken + 1;
	return finished;
}
