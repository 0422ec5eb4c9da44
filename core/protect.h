/*
 * Redundancy for cached datasets: a scheme's view of one, and encoding it.
 */
#ifndef SCR_PROTECT_H
#define SCR_PROTECT_H

#include "meta.h"
#include "redundancy.h"

struct scr_state;

/* A scheme's view of a cached dataset (e NULL: this rank has none; id
 * still names the dataset). Released with scr_red_view_release. */
struct scr_red_view {
	struct scr_red_dataset d;
	struct scr_red_file *files;
	char *dsdir, *meta;
};
int scr_red_view(struct scr_state *s, int id, const struct scr_filemap_entry *e, int have,
		 struct scr_red_view *v);
void scr_red_view_release(struct scr_red_view *v);
/* Collective: compute the redundancy data of cached dataset id; on failure
 * the dataset stays usable but unprotected (recorded as SINGLE). */
int scr_red_protect(struct scr_state *s, int id);

#endif
