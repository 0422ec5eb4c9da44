/*
 * What a node's control directory says its cache holds: every rank's
 * filemap (filemap_<rank>.scr) and, in transparent mode, its journal of
 * closed files (pending_<rank>.scr, same format: one entry per dataset
 * not yet complete, with the files the application closed), for the
 * commands that look at a node from outside the job (scr_inspect_cache,
 * scr_copy, scr_flush_file). MPI-free.
 */
#ifndef SCR_NODECACHE_H
#define SCR_NODECACHE_H

#include "meta.h"

#include <stddef.h>

struct scr_node_cache {
	size_t n;
	struct scr_filemap *maps;       /* one per readable filemap, by rank */
	size_t njournals;
	struct scr_filemap *journals;   /* one per readable journal, by rank */
};

/*
 * Read every filemap and journal in cntl_dir. A missing directory is an
 * empty node (0). A damaged file is reported through warn (one line naming
 * the file and the problem) and skipped. -SCR_ENOMEM when out of memory.
 */
int scr_node_cache_read(const char *cntl_dir, struct scr_node_cache *c,
			void (*warn)(const char *msg));
void scr_node_cache_release(struct scr_node_cache *c);

/*
 * A rank's closed but never completed part of dataset id from journal j:
 * its entry there, unless the rank's filemap on this node holds the
 * dataset complete (it completed it before the job died). An entry with
 * no files is the rank's record that it wrote none. NULL when none.
 */
const struct scr_filemap_entry *scr_node_cache_closed(const struct scr_node_cache *c,
						      const struct scr_filemap *j, int id);

#endif
