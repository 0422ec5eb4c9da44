/* The library side of the transparent mode (see transparent.h). */
#define _GNU_SOURCE
#include "transparent.h"

#include "dataset.h"
#include "flush.h"
#include "io.h"
#include "log.h"
#include "path.h"
#include "pending.h"
#include "scr.h"
#include "scr_err.h"
#include "state.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void scr_tp_forget_restart(struct scr_tp_state *t)
{
	scr_files_free(t->files, t->nfiles);
	t->files = NULL;
	t->nfiles = 0;
	t->restart_id = 0;
	t->in_cache = 0;
}

void scr_tp_state_release(struct scr_tp_state *t)
{
	scr_tp_forget_restart(t);
	if (t->journal_kept)
		scr_filemap_release(t->journal_kept);
	free(t->journal_kept);
	t->journal_kept = NULL;
	t->closing = NULL;
}

int scr_tp_active(void)
{
	enum scr_phase p = scr_state_get()->phase;
	return p == SCR_PHASE_IDLE || p == SCR_PHASE_OUTPUT || p == SCR_PHASE_RESTART;
}

const char *scr_tp_param(const char *name)
{
	struct scr_state *s = scr_state_get();
	if (!s->cfg)
		return NULL;
	const char *v = scr_config_get(s->cfg, name);
	return v && *v ? v : NULL;
}

long long scr_tp_int(const char *name, long long dflt)
{
	struct scr_state *s = scr_state_get();
	return s->cfg ? scr_config_get_int(s->cfg, name) : dflt;
}

const char *scr_tp_prefix(void)
{
	return scr_tp_active() ? scr_state_get()->prefix : NULL;
}

int scr_tp_write_path(int ahead, const char *abs_path, char **route, char **rel, int *id)
{
	struct scr_state *s = scr_state_get();
	*route = *rel = NULL;
	*id = s->next_id + ahead;
	if (!scr_tp_active())
		return -SCR_ESTATE;
	char *r = scr_path_below(abs_path, s->prefix);
	if (!r)
		return -SCR_EPATH;
	char *dst = NULL;
	int rc = scr_route_new_file(s, s->next_id + ahead, abs_path, r, &dst);
	if (rc) {
		free(r);
		return rc;
	}
	*route = dst;
	*rel = r;
	return 0;
}

/* Where any rank's file of the restart dataset can be read from here. */
static int restart_file_path(struct scr_state *s, const char *abs_path, const char *rel,
			     char **route)
{
	if (!s->tp.in_cache) {
		*route = strdup(abs_path);   /* verified in place at restart */
		return *route ? 0 : -SCR_ENOMEM;
	}
	/* ranks of one node share the dataset's cache directory */
	char *here = scr_layout_dataset_file(&s->layout, s->tp.restart_id, rel);
	if (!here)
		return -SCR_ENOMEM;
	if (access(here, F_OK) == 0) {
		*route = here;
		return 0;
	}
	free(here);
	struct scr_filemap_entry *e = scr_filemap_find(&s->filemap, s->tp.restart_id);
	if (e && e->flushed) {
		*route = strdup(abs_path);
		return *route ? 0 : -SCR_ENOMEM;
	}
	return -SCR_EREMOTE;
}

int scr_tp_read_path(const char *abs_path, char **route)
{
	struct scr_state *s = scr_state_get();
	*route = NULL;
	if (!scr_tp_active())
		return -SCR_ESTATE;
	char *rel = scr_path_below(abs_path, s->prefix);
	if (!rel)
		return -SCR_ENOENT;
	int rc = -SCR_ENOENT;
	for (size_t i = s->filemap.n; rc == -SCR_ENOENT && i-- > 0;) {
		const struct scr_filemap_entry *e = &s->filemap.e[i];
		if (!e->ds.complete || !e->prefix || strcmp(e->prefix, s->prefix))
			continue;
		for (size_t j = 0; j < e->nfiles; j++) {
			if (strcmp(e->files[j].path, rel))
				continue;
			*route = scr_layout_dataset_file(&s->layout, e->ds.id, rel);
			rc = *route ? 0 : -SCR_ENOMEM;
			break;
		}
	}
	for (size_t i = 0; rc == -SCR_ENOENT && i < s->tp.nfiles; i++) {
		if (strcmp(s->tp.files[i].path, rel))
			continue;
		rc = restart_file_path(s, abs_path, rel, route);
		break;
	}
	free(rel);
	return rc;
}

void scr_tp_each_file(void (*fn)(const char *rel, void *arg), void *arg)
{
	struct scr_state *s = scr_state_get();
	if (!scr_tp_active())
		return;
	for (size_t i = 0; i < s->filemap.n; i++) {
		const struct scr_filemap_entry *e = &s->filemap.e[i];
		if (!e->ds.complete || !e->prefix || strcmp(e->prefix, s->prefix))
			continue;
		for (size_t j = 0; j < e->nfiles; j++)
			fn(e->files[j].path, arg);
	}
	for (size_t i = 0; i < s->tp.nfiles; i++)
		fn(s->tp.files[i].path, arg);
}

int scr_tp_make_room(void)
{
	struct scr_state *s = scr_state_get();
	return scr_tp_active() ? scr_cache_evict(s, scr_dataset_store(s, s->next_id)) : 0;
}

uint64_t scr_tp_largest_cached(void)
{
	const struct scr_state *s = scr_state_get();
	uint64_t largest = 0;
	for (size_t i = 0; scr_tp_active() && i < s->filemap.n; i++)
		for (size_t k = 0; k < s->filemap.e[i].nfiles; k++)
			if (s->filemap.e[i].files[k].size > largest)
				largest = s->filemap.e[i].files[k].size;
	return largest;
}

int scr_tp_flush_restart(void)
{
	struct scr_state *s = scr_state_get();
	struct scr_filemap_entry *e = scr_filemap_find(&s->filemap, s->tp.restart_id);
	int need = s->tp.in_cache && e && !e->flushed;
	if (!scr_allreduce_and(&s->comm, need))
		return 0;
	if (s->comm.rank == 0)
		scr_log_debug(1, "a rank reads another node's file of dataset %d: flushing it",
			      s->tp.restart_id);
	return scr_flush(s, s->tp.restart_id);
}

int scr_tp_caching(void)
{
	return scr_tp_active() && !scr_state_get()->bypass;
}

uint64_t scr_tp_store_room(const char *route)
{
	const struct scr_layout *l = &scr_state_get()->layout;
	for (size_t i = 0; i < l->nstores; i++) {
		const struct scr_store *st = &l->stores[i];
		size_t n = strlen(st->dir);
		if (strncmp(route, st->dir, n) || route[n] != '/')
			continue;
		uint64_t used = 0;
		if (!st->bytes || scr_tree_bytes(st->dir, &used) != 0)
			return UINT64_MAX;
		return used >= st->bytes ? 0 : st->bytes - used;
	}
	return UINT64_MAX;
}

/* Process-wide, as the shim is: it outlives every SCR_Init's fresh state. */
static void (*thread_start_hook)(void);

void scr_tp_set_thread_start(void (*fn)(void))
{
	thread_start_hook = fn;
}

void scr_tp_thread_begin(void)
{
	if (thread_start_hook)
		thread_start_hook();
}

int scr_tp_journal(const struct scr_tp_pending *p, size_t n)
{
	return scr_tp_caching() ? scr_pending_write(scr_state_get(), p, n) : 0;
}

int scr_tp_complete(const char *name, const struct scr_tp_file *files, size_t n,
		    const char *const *inplace, size_t ninplace,
		    const char *const *newer, size_t nnewer, int valid)
{
	struct scr_state *s = scr_state_get();
	if (SCR_Start_output(name, SCR_FLAG_CHECKPOINT) != SCR_SUCCESS)
		return -SCR_ESTATE;
	char file[SCR_MAX_FILENAME];
	for (size_t i = 0; i < n; i++) {
		char *abs = scr_asprintf("%s/%s", s->prefix, files[i].rel);
		if (!abs || SCR_Route_file(abs, file) != SCR_SUCCESS)
			valid = 0;
		free(abs);
	}
	const struct scr_tp_closing closing = {
		.files = files, .nfiles = n,
		.inplace = inplace, .ninplace = ninplace,
		.newer = newer, .nnewer = nnewer,
	};
	s->tp.closing = &closing;
	int rc = SCR_Complete_output(valid) == SCR_SUCCESS ? 0 : -SCR_EINVAL;
	s->tp.closing = NULL;
	return rc;
}

int scr_tp_halt_exit(const char **what)
{
	struct scr_state *s = scr_state_get();
	*what = s->halt.what ? s->halt.what : "halting";
	return scr_tp_active() && s->halt.halted && s->halt.exit;
}

/* Every rank learns every file of the restart dataset in cache. */
static int gather_restart_files(struct scr_state *s)
{
	struct scr_filemap_entry *e = scr_filemap_find(&s->filemap, s->restart_id);
	struct scr_file *all = NULL;
	size_t nall = 0;
	int rc = scr_gather_files(&s->comm, e ? e->files : NULL, e ? e->nfiles : 0, &all, &nall);
	char *buf = NULL;
	size_t len = 0;
	if (!rc && s->comm.rank == 0)
		rc = scr_files_encode(all, nall, &buf, &len);
	scr_files_free(all, nall);
	scr_bcast_int(&s->comm, &rc);
	if (rc) {
		free(buf);
		return rc;
	}
	rc = scr_bcast_buf(&s->comm, &buf, &len);
	if (!rc)
		rc = scr_files_decode(buf, len, &s->tp.files, &s->tp.nfiles);
	free(buf);
	return rc;
}

int scr_tp_begin(char **restarted_from)
{
	struct scr_state *s = scr_state_get();
	*restarted_from = NULL;
	s->tp.mode = 1;
	int have = 0;
	char name[SCR_MAX_FILENAME];
	if (SCR_Have_restart(&have, name) != SCR_SUCCESS || !have)
		return 0;
	if (SCR_Start_restart(name) != SCR_SUCCESS)
		return -SCR_ESTATE;
	s->tp.restart_id = s->restart_id;
	s->tp.in_cache = s->restart_src == SCR_RESTART_CACHE;
	int rc = 0;
	if (s->tp.in_cache) {
		rc = gather_restart_files(s);
	} else {
		/* a restart read in place already knows every file */
		s->tp.files = s->restart_files;
		s->tp.nfiles = s->restart_nfiles;
		s->restart_files = NULL;
		s->restart_nfiles = 0;
	}
	if (rc)
		scr_log_warn("cannot share the file list of the restart dataset: a rank "
			     "may read only its own files (%s)", scr_strerror(rc));
	/* the files were verified when the restart was chosen; whether the
	 * application likes them it cannot tell us */
	if (SCR_Complete_restart(1) != SCR_SUCCESS)
		return -SCR_EREMOTE;
	*restarted_from = strdup(name);
	return 0;
}
