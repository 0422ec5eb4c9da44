/*
 * Completing an output dataset and keeping the cache within SCR_CACHE_SIZE.
 */
#define _GNU_SOURCE
#include "dataset.h"

#include "eventlog.h"
#include "flush.h"
#include "flush_bg.h"
#include "heartbeat.h"
#include "io.h"
#include "log.h"
#include "protect.h"
#include "reddesc.h"
#include "scr_err.h"
#include "state.h"
#include "transparent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

int scr_filemap_save(struct scr_state *s)
{
	char *path = scr_layout_filemap_path(&s->layout, s->comm.rank);
	if (!path)
		return -SCR_ENOMEM;
	int rc = scr_filemap_write(path, &s->filemap, 0600);
	if (rc)
		scr_log_error("cannot write filemap '%s': %s (%s)", path,
			      scr_strerror(rc), strerror(errno));
	free(path);
	return rc;
}

int scr_dataset_store(const struct scr_state *s, int id)
{
	if (s->layout.nstores == 1)
		return 0;
	int store = scr_layout_store_of(&s->layout, id);
	return store >= 0 ? store : scr_red_desc_for(s, id)->store;
}

int scr_dataset_store_here(const struct scr_state *s, int id)
{
	int store = scr_dataset_store(s, id);
	return s->layout.stores[store].usable ? store : 0;
}

int scr_route_new_file(struct scr_state *s, int id, const char *abs, const char *rel,
		       char **route)
{
	char *dst = scr_dataset_bypassed(s, id) ? strdup(abs)
		: scr_layout_dataset_file_in(&s->layout, scr_dataset_store(s, id), id, rel);
	char *dir = dst ? scr_dirname(dst) : NULL;
	/* in the cache: the user's alone, like the directory above */
	int rc = dir ? scr_mkdir_p(dir, scr_dataset_bypassed(s, id) ? 0755 : 0700) : -SCR_ENOMEM;
	int saved = errno;
	free(dir);
	if (rc) {
		free(dst);
		dst = NULL;
	}
	*route = dst;
	errno = saved;
	return rc;
}

/* Remove an empty directory and its empty parents up to and including top.
 * Ranks sharing a node race here harmlessly: whoever removes the last file
 * removes the directory. */
static void prune_dirs(const char *path, const char *top)
{
	char *dir = scr_dirname(path);
	size_t tlen = strlen(top);
	while (dir && strlen(dir) >= tlen && !strncmp(dir, top, tlen)) {
		if (rmdir(dir) != 0)
			break;
		char *up = scr_dirname(dir);
		free(dir);
		dir = up;
	}
	free(dir);
}

int scr_cache_drop(struct scr_state *s, int id)
{
	struct scr_filemap_entry *e = scr_filemap_find(&s->filemap, id);
	if (!e)
		return 0;
	char *dsdir = scr_layout_dataset_dir(&s->layout, id);
	if (!dsdir)
		return -SCR_ENOMEM;
	struct scr_red_view v;
	if (scr_red_view(s, id, e, 1, &v) == 0) {
		const struct scr_redundancy *red = scr_redundancy_lookup(
			e->ds.redundancy ? e->ds.redundancy : "SINGLE");
		if (red)
			red->remove(&v.d);
		scr_red_view_release(&v);
	}
	/* only this rank's files: other ranks of the node drop their own */
	for (size_t i = 0; i < e->nfiles; i++) {
		char *p = scr_asprintf("%s/%s", dsdir, e->files[i].path);
		if (p && unlink(p) != 0 && errno != ENOENT)
			scr_log_warn("cannot remove cached file '%s': %s", p, strerror(errno));
		if (p)
			prune_dirs(p, dsdir);
		free(p);
	}
	rmdir(dsdir);
	free(dsdir);
	scr_filemap_remove(&s->filemap, id);
	scr_log_debug(2, "dropped dataset %d from cache", id);
	return scr_filemap_save(s);
}

/* An output dataset is the application's result: it leaves the cache
 * only once it is in the prefix. A dataset whose background flush is in
 * flight stays too: the cache holds one more than SCR_CACHE_SIZE until the
 * flush ends, rather than the application waiting for it. */
static int evictable(const struct scr_state *s, const struct scr_filemap_entry *e)
{
	if (e->ds.id == scr_flush_bg_id(s))
		return 0;
	return !(e->ds.flags & SCR_FLAG_OUTPUT_BIT) || e->flushed || !e->ds.complete;
}

/* The datasets of store in this rank's filemap. */
static size_t count_in_store(const struct scr_state *s, int store)
{
	size_t n = 0;
	for (size_t i = 0; i < s->filemap.n; i++)
		n += scr_dataset_store(s, s->filemap.e[i].ds.id) == store;
	return n;
}

/* The dataset of store to evict first: an invalid one, else the oldest
 * evictable; 0 when none may go. */
static int victim_in_store(const struct scr_state *s, int store)
{
	for (size_t i = 0; i < s->filemap.n; i++)
		if (!s->filemap.e[i].ds.complete &&
		    scr_dataset_store(s, s->filemap.e[i].ds.id) == store)
			return s->filemap.e[i].ds.id;
	for (size_t i = 0; i < s->filemap.n; i++)
		if (evictable(s, &s->filemap.e[i]) &&
		    scr_dataset_store(s, s->filemap.e[i].ds.id) == store)
			return s->filemap.e[i].ds.id;
	return 0;
}

int scr_cache_evict(struct scr_state *s, int target)
{
	int rc = 0;
	for (size_t k = 0; k < s->layout.nstores; k++) {
		const struct scr_store *st = &s->layout.stores[k];
		/* the store that takes the new dataset keeps one fewer */
		size_t keep = (size_t)st->size - (target < 0 || (size_t)target == k ? 1 : 0);
		size_t n;
		while ((n = count_in_store(s, (int)k)) > keep) {
			int victim = victim_in_store(s, (int)k);
			if (!victim && scr_flush_bg_id(s)) {
				scr_log_debug(1, "keeping dataset %d beyond SIZE %d of store '%s' "
					      "while its background flush runs", scr_flush_bg_id(s),
					      st->size, st->base);
				break;
			}
			if (!victim) {
				scr_log_warn("cache store '%s' holds %zu output datasets not yet in "
					     "the prefix: keeping them beyond its SIZE %d", st->base,
					     n, st->size);
				break;
			}
			if (s->comm.rank == 0)
				scr_log_debug(1, "evicting dataset %d from cache store '%s' (SIZE %d)",
					      victim, st->base, st->size);
			int r = scr_cache_drop(s, victim);
			if (r && !rc)
				rc = r;
			if (scr_filemap_find(&s->filemap, victim))
				break;   /* could not drop it; do not spin */
		}
	}
	return rc;
}

/* Node leader: the disk space the newest complete checkpoint takes in this
 * node's cache (every rank's files and its redundancy data), 0 if none. */
static uint64_t newest_ckpt_bytes(struct scr_state *s)
{
	int newest = 0;
	for (size_t i = 0; i < s->filemap.n; i++) {
		const struct scr_dataset *ds = &s->filemap.e[i].ds;
		if (ds->complete && (ds->flags & SCR_FLAG_CKPT_BIT) && ds->id > newest)
			newest = ds->id;
	}
	char *dsdir = newest ? scr_layout_dataset_dir(&s->layout, newest) : NULL;
	uint64_t bytes = 0;
	if (dsdir && scr_tree_bytes(dsdir, &bytes) != 0)
		bytes = 0;
	free(dsdir);
	return bytes;
}

/* Node leader: whether store has less room than need (a sixteenth more:
 * the new checkpoint may have grown a little): its free space, and under
 * its BYTES limit what the node's datasets there leave of it; *room for
 * the message. */
static int short_of_room(struct scr_state *s, int store, uint64_t need, uint64_t *room)
{
	const struct scr_store *st = &s->layout.stores[store];
	struct statvfs fs;
	if (s->comm.node_rank != 0 || need == 0 || statvfs(st->dir, &fs) != 0)
		return 0;
	*room = (uint64_t)fs.f_bavail * fs.f_frsize;
	uint64_t used = 0;
	if (st->bytes && scr_tree_bytes(st->dir, &used) == 0)
		*room = used >= st->bytes ? 0 : st->bytes - used < *room ? st->bytes - used : *room;
	return *room < need + need / 16;
}

void scr_cache_make_room(struct scr_state *s)
{
	int store = scr_dataset_store(s, s->out.id);
	uint64_t need = s->comm.node_rank == 0 ? newest_ckpt_bytes(s) : 0, room = 0;
	scr_cache_evict(s, store);
	s->out_bypass = 0;
	if (s->bypass || s->tp.mode)
		return;   /* all to the prefix anyway; the shim checks room per file */
	const struct scr_store *st = &s->layout.stores[store];
	/* a store missing on some node: said at SCR_Init */
	if (scr_allreduce_max(&s->comm, !st->usable)) {
		s->out_bypass = 1;
		struct scr_ev ev = scr_ev(s->out.id, s->out.name);
		ev.reason = "its cache store is missing on some node: written to the prefix directly";
		scr_event(s, SCR_EV_FALLBACK, &ev);
		return;
	}
	if (!scr_allreduce_max(&s->comm, short_of_room(s, store, need, &room)))
		return;
	/* short of room: a background flush in flight ends now, so that its
	 * dataset can go too */
	if (scr_flush_bg_id(s))
		scr_flush_bg_wait(s);
	/* checkpoints in the prefix, or older than one there, are the cheapest
	 * to give up (every rank holds the same ones: flushes are collective) */
	for (size_t i = s->filemap.n; i-- > 0;) {
		const struct scr_filemap_entry *e = &s->filemap.e[i];
		if ((e->flushed || e->ds.id < s->newest_in_prefix) && evictable(s, e) &&
		    scr_dataset_store(s, e->ds.id) == store)
			scr_cache_drop(s, e->ds.id);
	}
	int mine = short_of_room(s, store, need, &room);
	int any = scr_allreduce_max(&s->comm, mine);
	if (any) {
		struct scr_ev ev = scr_ev(s->out.id, s->out.name);
		ev.reason = "no room in the cache: written to the prefix directly";
		scr_event(s, SCR_EV_FALLBACK, &ev);
	}
	if (mine && !s->room_warned)
		scr_log_warn("the cache '%s' has %llu bytes %s and the newest checkpoint "
			     "took %llu: dataset %d goes to the prefix directly (not cached, no "
			     "redundancy), and so does every later one that does not fit. "
			     "Free space there or lower SCR_CACHE_SIZE", st->dir,
			     (unsigned long long)room, st->bytes ? "left under its byte limit" :
			     "free", (unsigned long long)need, s->out.id);
	else if (mine)
		scr_log_debug(1, "no room in the cache: dataset %d goes to the prefix directly",
			      s->out.id);
	s->room_warned |= mine;
	s->out_bypass = any;
}

int scr_dataset_bypassed(const struct scr_state *s, int id)
{
	return s->bypass || (s->out_bypass && s->phase == SCR_PHASE_OUTPUT && id == s->out.id);
}

static void routed_release(struct scr_state *s)
{
	for (size_t i = 0; i < s->nrouted; i++) {
		free(s->routed[i].rel);
		free(s->routed[i].cache);
	}
	free(s->routed);
	s->routed = NULL;
	s->nrouted = s->routed_cap = 0;
}

/* The size and CRC taken when the shim saw rel closed, if the file still
 * has that size. */
static int known_crc(struct scr_state *s, size_t i, struct scr_file *f)
{
	const struct scr_tp_closing *c = s->tp.closing;
	for (size_t k = 0; c && k < c->nfiles; k++) {
		const struct scr_tp_file *t = &c->files[k];
		if (!t->closed || strcmp(t->rel, s->routed[i].rel))
			continue;
		struct stat st;
		if (stat(s->routed[i].cache, &st) != 0 || (uint64_t)st.st_size != t->size)
			return 0;
		f->size = t->size;
		f->crc = t->crc;
		return 1;
	}
	return 0;
}

/* Size and CRC of every routed file into a filemap entry. */
static int record_files(struct scr_state *s, struct scr_filemap_entry *e)
{
	int ok = 1;
	for (size_t i = 0; i < s->nrouted; i++) {
		struct scr_file f = { .rank = s->comm.rank, .path = s->routed[i].rel, .complete = 1 };
		int rc = known_crc(s, i, &f) ? 0 : scr_crc_file(s->routed[i].cache, &f.size, &f.crc);
		if (rc) {
			scr_log_error("cannot read '%s' (routed as '%s'): %s", s->routed[i].cache,
				      s->routed[i].rel, rc == -SCR_ENOENT ?
				      "the application did not write it" : strerror(errno));
			ok = 0;
			continue;
		}
		if (scr_filemap_add_file(e, &f)) {
			ok = 0;
			break;
		}
		e->ds.bytes += f.size;
	}
	e->ds.files = e->nfiles;
	return ok;
}

static int in_list(const char *const *list, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], path))
			return 1;
	return 0;
}

/*
 * Transparent mode, collective: dataset id was not kept, and its files went
 * to their real paths (copied there, or written there by the shim). Older
 * checkpoints in the cache hold older versions of some of those paths; a
 * restart must never bring them back over the newer ones, as a file system
 * shows the newest. So every rank writes back the files of its older cached
 * checkpoints that nothing newer replaced (newest first; flushed ones are
 * there already) and drops those checkpoints from the cache.
 */
static void supersede_older(struct scr_state *s, int id)
{
	static const struct scr_tp_closing none;
	const struct scr_tp_closing *c = s->tp.closing ? s->tp.closing : &none;
	if (!scr_allreduce_max(&s->comm, s->nrouted > 0 || c->ninplace > 0))
		return;
	size_t cap = s->nrouted + c->ninplace + c->nnewer, n = 0, ndrop = 0;
	const char **newer = malloc((cap ? cap : 1) * sizeof(*newer));
	int *drop = malloc((s->filemap.n ? s->filemap.n : 1) * sizeof(*drop));
	int failed = !newer || !drop;
	for (size_t i = 0; !failed && i < s->nrouted; i++)
		newer[n++] = s->routed[i].rel;
	for (size_t i = 0; !failed && i < c->ninplace; i++)
		newer[n++] = c->inplace[i];
	for (size_t i = 0; !failed && i < c->nnewer; i++)
		newer[n++] = c->newer[i];
	for (size_t i = s->filemap.n; !failed && i-- > 0;) {
		const struct scr_filemap_entry *e = &s->filemap.e[i];
		if (e->ds.id >= id || !e->ds.complete || !(e->ds.flags & SCR_FLAG_CKPT_BIT) ||
		    !e->prefix || strcmp(e->prefix, s->prefix))
			continue;
		int kept = 0;
		for (size_t j = 0; j < e->nfiles; j++) {
			const char *rel = e->files[j].path;
			if (in_list(newer, n, rel))
				continue;
			const char **grown = realloc(newer, (n + 1) * sizeof(*newer));
			char *src = scr_layout_dataset_file(&s->layout, e->ds.id, rel);
			char *real = scr_asprintf("%s/%s", s->prefix, rel);
			if (grown)
				newer = grown;
			if (!grown || !src || !real ||
			    (!e->flushed && scr_copy_file(src, real, NULL, NULL) != 0)) {
				scr_log_error("cannot write '%s' of the older checkpoint '%s' back to "
					      "its real path: that checkpoint stays in the cache",
					      real ? real : rel, e->ds.name);
				kept = 1;
			}
			/* even so: no older checkpoint writes it back either */
			if (grown)
				newer[n++] = rel;
			free(src);
			free(real);
		}
		if (!kept)
			drop[ndrop++] = e->ds.id;
	}
	if (failed)
		scr_log_error("out of memory: older checkpoints in the cache may hide newer "
			      "versions of their files at the real paths");
	for (size_t i = 0; i < ndrop; i++) {
		/* its files are at their real paths now: read them there */
		if (drop[i] == s->tp.restart_id)
			scr_tp_forget_restart(&s->tp);
		scr_cache_drop(s, drop[i]);
	}
	int dropped = scr_allreduce_max(&s->comm, ndrop > 0);
	if (dropped && s->comm.rank == 0)
		scr_log_warn("checkpoint %d went to the real paths of its files: the older "
			     "checkpoints in the cache were written back where nothing newer "
			     "replaced them, and leave the cache (a restart never shows older "
			     "versions of those files)", id);
	free(newer);
	free(drop);
}

static void discard_output(struct scr_state *s, int id)
{
	if (scr_dataset_bypassed(s, id)) {
		/* the files are the application's own, at their real paths: keep them */
		scr_filemap_remove(&s->filemap, id);
		scr_filemap_save(s);
		return;
	}
	/* whatever this rank routed, recorded in the filemap or not */
	char *dsdir = scr_layout_dataset_dir(&s->layout, id);
	for (size_t i = 0; s->tp.mode && i < s->nrouted; i++) {
		/* an unmodified application still expects its files: they go
		 * where it asked, as if scr were not there */
		char *real = scr_asprintf("%s/%s", s->prefix, s->routed[i].rel);
		if (!real || scr_copy_file(s->routed[i].cache, real, NULL, NULL) != 0)
			scr_log_error("cannot write '%s' to its real path: %s", real ? real : "?",
				      strerror(errno));
		free(real);
	}
	if (s->tp.mode)
		supersede_older(s, id);
	for (size_t i = 0; dsdir && i < s->nrouted; i++) {
		if (unlink(s->routed[i].cache) == 0 || errno == ENOENT)
			prune_dirs(s->routed[i].cache, dsdir);
	}
	free(dsdir);
	scr_cache_drop(s, id);
}

int scr_dataset_complete(struct scr_state *s, int valid)
{
	struct scr_dataset *ds = &s->out;
	int id = ds->id;
	int ok = valid != 0 && !s->route_failed;
	if (!valid)
		scr_log_debug(1, "dataset %d '%s' marked invalid by the application", id, ds->name);

	struct scr_filemap_entry *e = scr_filemap_add(&s->filemap, ds);
	if (!e || !(e->prefix = strdup(s->prefix)))
		ok = 0;
	if (e && ok)
		ok = record_files(s, e);

	/* totals and agreement: the dataset is complete only if every rank says so */
	uint64_t mine[2] = { e ? e->ds.files : 0, e ? e->ds.bytes : 0 }, all[2] = { 0, 0 };
	MPI_Allreduce(mine, all, 2, MPI_UINT64_T, MPI_SUM, s->comm.world);
	int all_ok = scr_allreduce_and(&s->comm, ok);
	int rc = 0;
	int bypassed = scr_dataset_bypassed(s, id);
	if (all_ok) {
		e->ds.files = all[0];
		e->ds.bytes = all[1];
		e->ds.complete = 1;
		/* a dataset the scheme cannot protect is still a good checkpoint;
		 * one written to the prefix directly has nothing in cache to protect */
		if (!bypassed)
			scr_red_protect(s, id);
	}
	if (all_ok && !scr_allreduce_and(&s->comm, scr_filemap_save(s) == 0))
		all_ok = 0;

	if (!all_ok) {
		if (s->comm.rank == 0)
			scr_log_warn("dataset %d '%s' is incomplete or invalid on some rank: "
				     "it will not be used for a restart", id, ds->name);
		struct scr_ev ev = scr_ev(id, ds->name);
		ev.reason = "incomplete or invalid on some rank";
		scr_event(s, SCR_EV_FAILURE, &ev);
		discard_output(s, id);
		rc = -SCR_EINVAL;
	} else {
		if (s->comm.rank == 0)
			scr_log_debug(1, "dataset %d '%s' complete: %llu files, %llu bytes", id,
				      ds->name, (unsigned long long)all[0],
				      (unsigned long long)all[1]);
		int is_ckpt = ds->flags & SCR_FLAG_CKPT_BIT;
		struct scr_ev ev = scr_ev(id, ds->name);
		ev.mode = is_ckpt ? "checkpoint" : "output";
		ev.files = (long long)all[0];
		ev.bytes = (long long)all[1];
		ev.seconds = scr_now() - s->out_started;
		struct scr_filemap_entry *done = scr_filemap_find(&s->filemap, id);
		ev.scheme = done && done->ds.redundancy ? done->ds.redundancy : bypassed ? "none" : NULL;
		scr_event(s, SCR_EV_CHECKPOINT, &ev);
		if (is_ckpt)
			s->ckpts_since_flush++;
		int is_output = ds->flags & SCR_FLAG_OUTPUT_BIT;
		int flush = is_output || bypassed ||
			    (is_ckpt && s->flush_every > 0 && s->ckpts_since_flush >= s->flush_every);
		int flushed = 0;
		if (flush && s->flush_async && !is_output && !bypassed) {
			/* the application goes on while the files drain */
			if (scr_flush_bg_start(s, id) == 0)
				s->ckpts_since_flush = 0;
		} else if (flush) {
			int frc = scr_flush(s, id);
			flushed = frc == 0;
			if (frc == 0 && is_ckpt)
				s->ckpts_since_flush = 0;
			/* an output that did not reach the prefix is not done: the
			 * application must hear it (it stays in cache for a retry) */
			if (frc && (is_output || bypassed))
				rc = frc;
		}
		/* a halt condition: this checkpoint is the job's last, in the
		 * prefix before anything stops (collective) */
		if (is_ckpt && scr_halt_after_checkpoint(s, id, ds->name, flushed) && !flushed)
			s->ckpts_since_flush = 0;
		if (bypassed) {
			/* nothing of it is in cache */
			scr_filemap_remove(&s->filemap, id);
			scr_filemap_save(s);
		}
		double now = scr_now();
		if (is_ckpt) {
			s->ckpt_time_total += now - s->out_started;
			s->last_ckpt_end = now;
			s->ckpts_this_run++;
		}
	}
	scr_heartbeat(s, 0);
	routed_release(s);
	s->route_failed = 0;
	s->out_bypass = 0;
	scr_dataset_release(ds);
	memset(ds, 0, sizeof(*ds));
	s->phase = SCR_PHASE_IDLE;
	return rc;
}
