/*
 * The transparent mode's share of the library state (struct scr_state's
 * tp member). transparent.c changes it, pending.c keeps the journal part;
 * completion (dataset.c) reads what the shim said of the files it closed.
 */
#ifndef SCR_TP_STATE_H
#define SCR_TP_STATE_H

#include "meta.h"
#include "transparent.h"

#include <stddef.h>

/* What the shim tells completion of the dataset it completes. */
struct scr_tp_closing {
	/* the size and CRC taken at each file's close, so that completion
	 * does not read the files again */
	const struct scr_tp_file *files;
	size_t nfiles;
	/* files the shim wrote at their real paths instead of the cache (the
	 * dataset is not valid then) */
	const char *const *inplace;
	size_t ninplace;
	/* paths with a newer version, or removed by the application */
	const char *const *newer;
	size_t nnewer;
};

struct scr_tp_state {
	int mode;    /* files belong to an unmodified application */
	/* set only while scr_tp_complete runs */
	const struct scr_tp_closing *closing;
	/* every file of the restart dataset stays readable after the restart,
	 * by any rank */
	int restart_id;
	int in_cache;
	struct scr_file *files;
	size_t nfiles;
	/* closed files of a run of another shape this run cannot finish,
	 * carried along in this rank's journal (pending.c) */
	struct scr_filemap *journal_kept;
};

/* First thing in every thread the library starts: the shim's hook, if it
 * set one (scr_tp_set_thread_start). */
void scr_tp_thread_begin(void);

/* The restart dataset left the cache: its files are no longer served. */
void scr_tp_forget_restart(struct scr_tp_state *t);
void scr_tp_state_release(struct scr_tp_state *t);

#endif
