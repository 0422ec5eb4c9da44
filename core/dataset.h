/*
 * Datasets in the cache: where their files go, completion, eviction and the
 * filemap that records them.
 */
#ifndef SCR_DATASET_H
#define SCR_DATASET_H

#include <stdint.h>

struct scr_state;

/* Where a new file of dataset id is written: its cache path (its real path
 * abs with SCR_CACHE_BYPASS), with the parent directories made. The API and
 * the transparent mode both route through here, so they agree. */
int scr_route_new_file(struct scr_state *s, int id, const char *abs, const char *rel,
		       char **route);
/* The cache store of dataset id on this node: where it is, else where its
 * redundancy descriptor sends it (STORE=). */
int scr_dataset_store(const struct scr_state *s, int id);
/* The same, but the first store when that one is missing on this node:
 * where a fetched or rebuilt dataset goes. */
int scr_dataset_store_here(const struct scr_state *s, int id);
/* Collective: complete the open dataset (CRCs, filemap, redundancy,
 * agreement, maybe a flush); 0 when every rank's part is valid. */
int scr_dataset_complete(struct scr_state *s, int valid);
/* Make room for one more dataset in store target (-1: any): every store
 * keeps at most its SIZE datasets, the target one fewer (invalid ones out
 * first, then the oldest; output datasets only once flushed, the one being
 * flushed in the background not at all). */
int scr_cache_evict(struct scr_state *s, int target);
/* Collective, as a dataset starts: evict to SCR_CACHE_SIZE, then send the
 * new dataset to the prefix directly (out_bypass, said on stderr) when some
 * node's cache has less room than its newest checkpoint took. An API
 * application cannot be told to rewrite a file that met a full cache. */
void scr_cache_make_room(struct scr_state *s);
/* Dataset id's files are at their real paths, none in cache
 * (SCR_CACHE_BYPASS, or the open dataset sent there for lack of room). */
int scr_dataset_bypassed(const struct scr_state *s, int id);
/* Remove dataset id from this rank's cache and filemap. */
int scr_cache_drop(struct scr_state *s, int id);
/* Write this rank's filemap atomically. */
int scr_filemap_save(struct scr_state *s);

#endif
