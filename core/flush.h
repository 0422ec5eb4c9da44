/*
 * Flush: copy a cached dataset to the prefix directory and record it in the
 * prefix index.
 */
#ifndef SCR_FLUSH_H
#define SCR_FLUSH_H

#include "meta.h"
#include <stddef.h>
#include <stdint.h>

struct scr_state;

/* Collective: copy cached dataset id to the prefix and index it (after
 * the background flush in flight, if any, has finished: flush_bg.h). */
int scr_flush(struct scr_state *s, int id);
/* Collective: flush dataset ds from files each rank names (its share, read
 * from src_dir; NULL: they are in place already); *flushed gets the time. */
int scr_flush_files(struct scr_state *s, const struct scr_dataset *ds, const char *src_dir,
		    const struct scr_file *files, size_t n, int64_t *flushed);
/*
 * The steps of a flush, for the background flush: begin (collective) marks
 * the older datasets whose files the copies will overwrite as failed in
 * the index and gathers the summary on rank 0; the caller copies its files
 * (scr_flush_copy_file); end (collective, copy_rc: this rank's copies)
 * agrees, writes the summary and then the index entry, so the prefix copy
 * is offered for a restart only once every byte of it is there.
 */
int scr_flush_begin(struct scr_state *s, const struct scr_dataset *ds,
		    const struct scr_file *files, size_t n, struct scr_summary *sum);
int scr_flush_end(struct scr_state *s, const struct scr_dataset *ds, struct scr_summary *sum,
		  int copy_rc, int64_t *flushed);
/* The temporary name a flush copies rank's file to before it is verified
 * and renamed to dst (malloc'd). */
char *scr_flush_tmp_path(const char *dst, int rank);
/* Copy cached file src of record f to its real path dst: under a temporary
 * name, renamed once its bytes match the record (with verify). MPI-free,
 * for any thread; progress (may be NULL) hears of every chunk copied. */
int scr_flush_copy_file(const char *src, const char *dst, const struct scr_file *f,
			int verify, void (*progress)(uint64_t bytes, void *arg), void *arg);

/* Rank 0: apply edit to the prefix index under its lock. */
int scr_index_update(struct scr_state *s, int (*edit)(struct scr_index *x, void *arg), void *arg);
/* Rank 0: a damaged prefix index is rebuilt from the summaries now,
 * said once, before anything else reads it */
void scr_index_repair(struct scr_state *s);

/* A sorted view of file paths (the strings stay owned by their files). */
struct scr_paths {
	size_t n;
	char **path;
};
int scr_paths_from_files(struct scr_paths *p, const struct scr_file *files, size_t n);
int scr_paths_has(const struct scr_paths *p, const char *path);
void scr_paths_free(struct scr_paths *p);

#endif
