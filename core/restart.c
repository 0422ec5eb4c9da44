/*
 * Finding the dataset to restart from. Newest first: a checkpoint in cache
 * that every rank holds intact (the redundancy scheme may rebuild missing
 * parts), unless the prefix index has a newer one, which is then fetched.
 * Anything missing or failing its CRC is never used: scr says so and tries the
 * next older dataset.
 */
#define _GNU_SOURCE
#include "restart.h"

#include "dataset.h"
#include "eventlog.h"
#include "flush.h"
#include "heartbeat.h"
#include "io.h"
#include "log.h"
#include "protect.h"
#include "reddesc.h"
#include "scr_err.h"
#include "state.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void scr_restart_clear(struct scr_state *s)
{
	free(s->restart_name);
	scr_files_free(s->restart_files, s->restart_nfiles);
	s->restart_name = NULL;
	s->restart_files = NULL;
	s->restart_nfiles = 0;
	s->restart_id = 0;
	s->restart_src = SCR_RESTART_NONE;
}

int scr_file_intact(const char *path, const struct scr_file *f, int with_crc)
{
	if (!with_crc) {
		struct stat st;
		if (stat(path, &st) != 0) {
			scr_log_warn("'%s' is missing", path);
			return 0;
		}
		if ((uint64_t)st.st_size != f->size) {
			scr_log_warn("'%s' has %llu bytes, expected %llu", path,
				     (unsigned long long)st.st_size, (unsigned long long)f->size);
			return 0;
		}
		return 1;
	}
	uint64_t size;
	uint32_t crc;
	int rc = scr_crc_file(path, &size, &crc);
	if (rc) {
		scr_log_warn("'%s' is %s", path, rc == -SCR_ENOENT ? "missing" : "unreadable");
		return 0;
	}
	if (size != f->size || crc != f->crc) {
		scr_log_warn("'%s' is corrupt (size %llu, expected %llu; crc %08x, expected %08x)",
			     path, (unsigned long long)size, (unsigned long long)f->size,
			     crc, f->crc);
		return 0;
	}
	return 1;
}

static int cache_entry_intact(struct scr_state *s, const struct scr_filemap_entry *e)
{
	if (!e || !e->ds.complete)
		return 0;
	char *dsdir = scr_layout_dataset_dir(&s->layout, e->ds.id);
	int ok = dsdir != NULL;
	for (size_t i = 0; ok && i < e->nfiles; i++) {
		char *p = scr_asprintf("%s/%s", dsdir, e->files[i].path);
		ok = p && scr_file_intact(p, &e->files[i], s->crc_on_restart);
		free(p);
	}
	free(dsdir);
	return ok;
}

/* Whether a cached dataset was written by a run like this one: same
 * prefix (several jobs may share a job id without SLURM) and same number of
 * ranks (each rank holds only its own files). */
static int restartable(const struct scr_state *s, const struct scr_filemap_entry *e)
{
	return e->ds.complete && (e->ds.flags & SCR_FLAG_CKPT_BIT) &&
	       e->ds.nranks == s->comm.nranks && e->prefix && !strcmp(e->prefix, s->prefix);
}

/* Newest restartable checkpoint id in this rank's cache below bound, or 0. */
static int newest_cached(struct scr_state *s, int bound)
{
	for (size_t i = s->filemap.n; i-- > 0;) {
		const struct scr_filemap_entry *e = &s->filemap.e[i];
		if (e->ds.id < bound && restartable(s, e))
			return e->ds.id;
	}
	return 0;
}

/*
 * The scheme that protects a cached dataset, agreed by all ranks: ranks
 * that lost their copy of the filemap entry learn it from the lowest rank
 * that has one, so that every rank enters the same scheme's collectives.
 */
static const struct scr_redundancy *agree_scheme(struct scr_state *s,
						 const struct scr_filemap_entry *e, int id)
{
	const struct scr_redundancy *fallback = scr_red_desc_for(s, id)->red;
	char *name = scr_agree_str(&s->comm, e && e->ds.redundancy ? e->ds.redundancy : NULL);
	const struct scr_redundancy *red = name ? scr_redundancy_lookup(name) : NULL;
	free(name);
	return red ? red : fallback;
}

/* A rebuilt rank's filemap entry, from the record the scheme kept for it. */
static struct scr_filemap_entry *adopt_rebuilt(struct scr_state *s, int id,
					       const struct scr_red_outcome *out)
{
	struct scr_filemap m;
	if (scr_filemap_decode(out->meta, out->meta_len, &m) != 0)
		return NULL;
	struct scr_filemap_entry *src = m.rank == s->comm.rank && m.n == 1 && m.e[0].ds.id == id
		? &m.e[0] : NULL;
	struct scr_filemap_entry *e = NULL;
	if (src) {
		scr_filemap_remove(&s->filemap, id);
		e = scr_filemap_add(&s->filemap, &src->ds);
	}
	int ok = e != NULL;
	if (ok) {
		e->flushed = src->flushed;
		ok = !src->prefix || (e->prefix = strdup(src->prefix)) != NULL;
	}
	for (size_t i = 0; ok && src && i < src->nfiles; i++)
		ok = scr_filemap_add_file(e, &src->files[i]) == 0;
	scr_filemap_release(&m);
	if (!ok && e) {
		scr_filemap_remove(&s->filemap, id);
		e = NULL;
	}
	return e;
}

/* The newest intact cached checkpoint below bound, or 0. Files that ranks
 * lost are rebuilt where the scheme allows; broken datasets are dropped. */
static int find_in_cache(struct scr_state *s, int bound)
{
	for (;;) {
		int id = scr_allreduce_max(&s->comm, newest_cached(s, bound));
		if (id <= 0)
			return 0;
		struct scr_filemap_entry *e = scr_filemap_find(&s->filemap, id);
		if (e && !restartable(s, e))
			e = NULL;
		double t_check = scr_now();
		int have = cache_entry_intact(s, e);
		const struct scr_redundancy *red = agree_scheme(s, e, id);
		struct scr_red_view v;
		int rc = scr_red_view(s, id, have ? e : NULL, have, &v);
		struct scr_red_outcome out = { 0 };
		/* every rank calls recover, whatever its own state, or none does */
		rc = scr_agree_error(&s->comm, rc);
		if (!rc)
			rc = scr_agree_error(&s->comm, red->recover(&v.d, &out));
		if (rc) {
			out.ok = 0;
			if (s->comm.rank == 0)
				scr_log_warn("dataset %d: cannot check its %s redundancy (%s)", id,
					     red->name, scr_strerror(rc));
		}
		scr_red_view_release(&v);   /* a failed view is released already */
		int rebuilt = 0;
		if (out.meta) {
			e = adopt_rebuilt(s, id, &out);
			rebuilt = 1;
			if (!e || !restartable(s, e)) {
				scr_log_warn("dataset %d: the record of rank %d's rebuilt files is "
					     "unusable", id, s->comm.rank);
				out.ok = 0;
			}
			free(out.meta);
		}
		/* the ranks' files must add up to the dataset: none may be missing
		 * from the filemaps either */
		unsigned long long counts[2] = { e ? e->nfiles : 0, e ? e->ds.files : 0 };
		unsigned long long sums[2] = { 0, 0 };
		MPI_Allreduce(&counts[0], &sums[0], 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, s->comm.world);
		MPI_Allreduce(&counts[1], &sums[1], 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, s->comm.world);
		int whole = sums[0] == sums[1];
		int ok = scr_allreduce_and(&s->comm, out.ok && e != NULL) && whole;
		int counts_in[2] = { !have, rebuilt }, totals[2] = { 0, 0 };
		MPI_Allreduce(counts_in, totals, 2, MPI_INT, MPI_SUM, s->comm.world);
		if (ok) {
			if (totals[1] > 0 && s->comm.rank == 0)
				scr_log_warn("dataset %d: rebuilt the files of %d lost rank(s) from %s "
					     "redundancy data", id, totals[1], red->name);
			if (totals[1] > 0) {
				struct scr_ev ev = scr_ev(id, e->ds.name);
				ev.scheme = red->name;
				ev.ranks = totals[1];
				ev.seconds = scr_now() - t_check;
				scr_event(s, SCR_EV_REBUILD, &ev);
			}
			/* a rebuilt record may predate the flush of the dataset */
			int64_t flushed = e->flushed;
			MPI_Allreduce(&e->flushed, &flushed, 1, MPI_INT64_T, MPI_MAX, s->comm.world);
			e->flushed = flushed;
			if (out.reprotect)
				scr_red_protect(s, id);
			scr_allreduce_and(&s->comm, scr_filemap_save(s) == 0);
			if (s->comm.rank == 0)
				scr_log_debug(1, "dataset %d is intact in cache", id);
			return id;
		}
		if (s->comm.rank == 0)
			scr_log_warn("dataset %d in cache is missing or corrupt on %d of %d ranks "
				     "and %s cannot rebuild it: not used for restart; trying an "
				     "older one", id, totals[0], s->comm.nranks, red->name);
		struct scr_filemap_entry *cur = scr_filemap_find(&s->filemap, id);
		if (cur && restartable(s, cur))
			scr_cache_drop(s, id);
		bound = id;
	}
}

struct pick {
	int id;
	char *name;
	int64_t flushed;
};

/* Rank 0: the dataset the index says to try next (the current one, if set
 * and usable, else the newest usable checkpoint below bound). */
static int index_pick(struct scr_state *s, int bound, struct pick *p)
{
	memset(p, 0, sizeof(*p));
	char *path = scr_prefix_index_path(s->prefix);
	struct scr_index x;
	int rc = path ? scr_index_read(path, &x) : -SCR_ENOMEM;
	if (rc) {
		scr_log_error("cannot read index '%s': %s; no restart from the prefix",
			      path ? path : "?", scr_strerror(rc));
		free(path);
		return rc;
	}
	free(path);
	struct scr_index_entry *best = NULL;
	struct scr_index_entry *cur = x.current ? scr_index_find_name(&x, x.current) : NULL;
	if (cur && cur->ds.id < bound && cur->ds.complete && !cur->failed && cur->flushed)
		best = cur;
	for (size_t i = x.n; !best && i-- > 0;) {
		struct scr_index_entry *e = &x.e[i];
		if (e->ds.id < bound && e->ds.complete && !e->failed && e->flushed &&
		    (e->ds.flags & SCR_FLAG_CKPT_BIT))
			best = e;
	}
	if (best) {
		p->id = best->ds.id;
		p->name = strdup(best->ds.name);
		p->flushed = best->flushed;
	}
	scr_index_release(&x);
	return 0;
}

/* Rank 0: the current dataset if one is set, so restart picks none newer. */
static int index_current_id(struct scr_state *s)
{
	char *path = scr_prefix_index_path(s->prefix);
	struct scr_index x;
	int id = 0;
	if (path && scr_index_read(path, &x) == 0) {
		struct scr_index_entry *e = x.current ? scr_index_find_name(&x, x.current) : NULL;
		if (e && e->ds.complete && !e->failed)
			id = e->ds.id;
		scr_index_release(&x);
	}
	free(path);
	return id;
}

static int edit_failed(struct scr_index *x, void *arg)
{
	struct scr_index_entry *e = scr_index_find_id(x, *(int *)arg);
	if (e)
		e->failed = 1;
	return 0;
}

/*
 * Collective: each rank copies its own files of prefix dataset p into cache
 * (to_cache), verifying each CRC on the way, or verifies its share of them
 * in place. -SCR_ECORRUPT when a file is missing or damaged in the prefix,
 * -SCR_ENOSPC when the prefix copy is fine but some cache has no room.
 */
static int fetch_files(struct scr_state *s, const struct pick *p, const struct scr_file *files,
		       size_t n, int nranks, int to_cache)
{
	/* the worst on any rank wins */
	enum { FETCHED, NO_ROOM, NO_MEMORY, DAMAGED } state = FETCHED;
	struct scr_dataset ds = { .id = p->id, .name = p->name, .flags = SCR_FLAG_CKPT_BIT,
				  .nranks = nranks, .files = n, .complete = 1,
				  .redundancy = "SINGLE" };
	struct scr_filemap_entry *e = NULL;
	if (to_cache) {
		scr_cache_drop(s, p->id);
		e = scr_filemap_add(&s->filemap, &ds);
		if (!e || !(e->prefix = strdup(s->prefix)))
			state = NO_MEMORY;
		if (e)
			e->flushed = p->flushed;
	}
	char *dsdir = scr_layout_dataset_dir_in(&s->layout, scr_dataset_store_here(s, p->id),
						p->id);
	for (size_t i = 0; state == FETCHED && i < n; i++) {
		const struct scr_file *f = &files[i];
		int mine = to_cache ? f->rank == s->comm.rank : (int)(i % (size_t)s->comm.nranks) == s->comm.rank;
		if (!mine)
			continue;
		char *src = scr_asprintf("%s/%s", s->prefix, f->path);
		if (!src || !dsdir) {
			state = NO_MEMORY;
		} else if (to_cache) {
			char *dst = scr_asprintf("%s/%s", dsdir, f->path);
			uint64_t size = 0;
			uint32_t crc = 0;
			int r = dst ? scr_copy_file(src, dst, &size, &crc) : -SCR_ENOMEM;
			if (r == -SCR_ENOSPC) {
				scr_log_warn("no room to fetch '%s' into the cache", src);
				state = NO_ROOM;
			} else if (r) {
				scr_log_warn("cannot fetch '%s': %s", src, r == -SCR_ENOENT ?
					     "missing" : strerror(errno));
				state = DAMAGED;
			} else if (size != f->size || crc != f->crc) {
				scr_log_warn("'%s' is corrupt (size %llu, expected %llu; crc "
					     "%08x, expected %08x)", src, (unsigned long long)size,
					     (unsigned long long)f->size, crc, f->crc);
				state = DAMAGED;
			} else if (scr_filemap_add_file(e, f) != 0) {
				state = NO_MEMORY;
			} else {
				e->ds.bytes += f->size;
			}
			free(dst);
		} else if (!scr_file_intact(src, f, 1)) {
			/* prefix files may have been overwritten since: always CRC */
			state = DAMAGED;
		}
		free(src);
	}
	free(dsdir);
	state = scr_allreduce_max(&s->comm, state);
	if (to_cache && state == FETCHED && !scr_allreduce_and(&s->comm, scr_filemap_save(s) == 0))
		state = NO_ROOM;   /* the control directory's storage said no */
	if (to_cache && state != FETCHED)
		scr_cache_drop(s, p->id);
	switch (state) {
	case FETCHED: return 0;
	case NO_ROOM: return -SCR_ENOSPC;
	case NO_MEMORY: return -SCR_ENOMEM;
	default: return -SCR_ECORRUPT;
	}
}

/*
 * Bring a prefix dataset back. With as many ranks as wrote it, each rank
 * copies its own files into cache (verifying each CRC on the way); otherwise
 * the files are verified in place, shared out over the ranks, and read from
 * the prefix.
 */
static int fetch(struct scr_state *s, const struct pick *p, int *in_cache)
{
	struct scr_summary sum;
	char *buf = NULL;
	size_t len = 0;
	int rc = 0;
	int nranks = 0;
	if (s->comm.rank == 0) {
		char *path = scr_prefix_summary_path(s->prefix, p->id);
		rc = path ? scr_summary_read(path, &sum) : -SCR_ENOMEM;
		if (rc)
			scr_log_warn("cannot read summary '%s' of dataset %d: %s",
				     path ? path : "?", p->id, scr_strerror(rc));
		free(path);
		if (!rc) {
			nranks = sum.ds.nranks;
			rc = scr_files_encode(sum.files, sum.nfiles, &buf, &len);
			scr_summary_release(&sum);
		}
	}
	scr_bcast_int(&s->comm, &rc);
	if (rc)
		return rc;
	scr_bcast_int(&s->comm, &nranks);
	rc = scr_bcast_buf(&s->comm, &buf, &len);
	struct scr_file *files = NULL;
	size_t n = 0;
	if (!rc)
		rc = scr_files_decode(buf, len, &files, &n);
	free(buf);
	if (!scr_allreduce_and(&s->comm, rc == 0)) {
		scr_files_free(files, n);
		return rc ? rc : -SCR_EREMOTE;
	}

	int to_cache = nranks == s->comm.nranks && !s->bypass;
	rc = fetch_files(s, p, files, n, nranks, to_cache);
	if (rc == -SCR_ENOSPC) {
		if (s->comm.rank == 0)
			scr_log_warn("no room in the cache for dataset %d '%s': it is verified and "
				     "read in place in the prefix instead", p->id, p->name);
		to_cache = 0;
		rc = fetch_files(s, p, files, n, nranks, 0);
	}
	if (rc || to_cache) {
		scr_files_free(files, n);
	} else {
		s->restart_files = files;
		s->restart_nfiles = n;
	}
	*in_cache = to_cache;
	return rc;
}

int scr_restart_find(struct scr_state *s, int below_id)
{
	scr_restart_clear(s);
	/* the cache comes first, as newest; the index's current dataset (set
	 * with scr_index --current) steers only what is fetched from the prefix */
	int cached = find_in_cache(s, below_id);
	int bound = below_id;
	int current = s->comm.rank == 0 ? index_current_id(s) : 0;
	scr_bcast_int(&s->comm, &current);
	if (current > 0 && current < bound)
		bound = current + 1;
	while (s->fetch || s->bypass) {
		struct pick p = { 0 };
		int rc = 0;
		if (s->comm.rank == 0)
			rc = index_pick(s, bound, &p);
		scr_bcast_int(&s->comm, &rc);
		scr_bcast_int(&s->comm, &p.id);
		if (rc || p.id <= cached) {
			free(p.name);
			break;
		}
		/* every rank needs the name */
		size_t len = p.name ? strlen(p.name) : 0;
		char *name = p.name;
		if (scr_bcast_buf(&s->comm, &name, &len)) {
			free(p.name);
			break;
		}
		p.name = name;
		MPI_Bcast(&p.flushed, 1, MPI_INT64_T, 0, s->comm.world);
		if (s->comm.rank == 0)
			scr_log_debug(1, "fetching dataset %d '%s' from '%s'", p.id, p.name,
				      s->prefix);
		int in_cache = 0;
		double t0 = scr_now();
		scr_heartbeat(s, 1);
		rc = fetch(s, &p, &in_cache);
		scr_heartbeat(s, 0);
		if (!rc) {
			s->restart_id = p.id;
			s->restart_name = p.name;
			s->restart_src = in_cache ? SCR_RESTART_CACHE : SCR_RESTART_PREFIX;
			if (p.id > s->newest_in_prefix)
				s->newest_in_prefix = p.id;
			if (s->comm.rank == 0)
				scr_log_debug(1, "restart from dataset %d '%s' (%s)", p.id, p.name,
					      in_cache ? "fetched into cache" : "read in place");
			struct scr_ev ev = scr_ev(p.id, p.name);
			ev.seconds = scr_now() - t0;
			ev.mode = in_cache ? "into cache" : "verified in place";
			scr_event(s, SCR_EV_FETCH, &ev);
			ev = scr_ev(p.id, p.name);
			ev.source = "prefix";
			scr_event(s, SCR_EV_RESTART, &ev);
			return 0;
		}
		/* only what is wrong in the prefix marks it failed for good */
		int damaged = rc != -SCR_ENOMEM && rc != -SCR_ENOSPC;
		if (s->comm.rank == 0 && damaged)
			scr_log_warn("dataset %d '%s' in the prefix is missing files or "
				     "fails its CRC: marked failed and not used; trying an "
				     "older one", p.id, p.name);
		else if (s->comm.rank == 0)
			scr_log_warn("cannot fetch dataset %d '%s' (%s): trying an older one",
				     p.id, p.name, scr_strerror(rc));
		if (damaged)
			scr_index_update(s, edit_failed, &p.id);
		struct scr_ev ev = scr_ev(p.id, p.name);
		ev.source = "prefix";
		ev.reason = damaged ? "missing files or a CRC mismatch" : scr_strerror(rc);
		scr_event(s, SCR_EV_FAILURE, &ev);
		free(p.name);
		bound = p.id;
	}
	struct scr_filemap_entry *e = cached > 0 ? scr_filemap_find(&s->filemap, cached) : NULL;
	if (e) {
		s->restart_id = cached;
		s->restart_name = strdup(e->ds.name);
		s->restart_src = SCR_RESTART_CACHE;
		if (s->comm.rank == 0)
			scr_log_debug(1, "restart from dataset %d '%s' in cache", cached,
				      e->ds.name);
		struct scr_ev ev = scr_ev(cached, e->ds.name);
		ev.source = "cache";
		scr_event(s, SCR_EV_RESTART, &ev);
	} else if (s->comm.rank == 0) {
		scr_log_debug(1, "no dataset to restart from");
	}
	return 0;
}
