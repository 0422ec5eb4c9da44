/*
 * What a node's control directory says its cache holds: every rank's
 * filemap (filemap_<rank>.scr), for the commands that look at a node from
 * outside the job (scr_inspect_cache, scr_copy). MPI-free.
 */
#ifndef SCR_NODECACHE_H
#define SCR_NODECACHE_H

#include "meta.h"

#include <stddef.h>

struct scr_node_cache {
	size_t n;
	struct scr_filemap *maps;   /* one per readable filemap, by rank */
};

/*
 * Read every filemap in cntl_dir. A missing directory is an empty node
 * (0). A damaged filemap is reported through warn (one line naming the file
 * and the problem) and skipped. -SCR_ENOMEM when out of memory.
 */
int scr_node_cache_read(const char *cntl_dir, struct scr_node_cache *c,
			void (*warn)(const char *msg));
void scr_node_cache_release(struct scr_node_cache *c);

#endif
