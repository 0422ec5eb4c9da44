/*
 * What the LD_PRELOAD shim needs from the library beyond the
 * public API. Not thread-safe: the shim serialises every call with its own
 * lock. Paths are absolute and normalised.
 */
#ifndef SCR_TRANSPARENT_H
#define SCR_TRANSPARENT_H

/* 1 when the library is initialised and not in pass-through mode. */
int scr_tp_active(void);

/* A configuration value as the library resolved it at SCR_Init (NULL when
 * unset); valid until SCR_Finalize. */
const char *scr_tp_param(const char *name);

/* A parameter of type seconds or int as resolved at SCR_Init, dflt when
 * the library has no configuration. */
long long scr_tp_int(const char *name, long long dflt);

/* The prefix directory (absolute), or NULL when inactive. */
const char *scr_tp_prefix(void);

#include <stddef.h>
#include <stdint.h>

/* A checkpoint file of a dataset being written, as the shim knows it. */
struct scr_tp_file {
	const char *rel;    /* below the prefix */
	int closed;         /* the application closed it; size and crc taken then */
	uint64_t size;
	uint32_t crc;
};

/* A dataset being written on this rank. */
struct scr_tp_pending {
	int id;
	const char *name;   /* this rank's idea of its name */
	size_t n;
	const struct scr_tp_file *files;
};

/*
 * Where to write abs_path as a file of the dataset that will be completed
 * after `ahead` others (0: the next one); *id gets that dataset's id.
 * Parent directories are made. With SCR_CACHE_BYPASS the answer is abs_path
 * itself. *rel gets the path below the prefix. Both malloc'd. -SCR_EPATH
 * when abs_path is not under the prefix; other errors when the cache
 * cannot take it.
 */
int scr_tp_write_path(int ahead, const char *abs_path, char **route, char **rel, int *id);

/* fn runs first thing in every thread the library starts (the background
 * flush, the event log): the shim marks the thread's file calls as scr's
 * own, so that they pass its wrappers unchanged. Set before SCR_Init; it
 * stays for the life of the process. */
void scr_tp_set_thread_start(void (*fn)(void));

/* 1 when this rank's files live in the cache (not SCR_CACHE_BYPASS): only
 * then is there anything to journal. */
int scr_tp_caching(void);

/*
 * Record durably which files this rank closed in the datasets not complete
 * yet (replacing the previous record), for the next run to finish them if
 * this one dies first. Touches nothing that completion changes, so it may
 * run while another thread is inside the library.
 */
int scr_tp_journal(const struct scr_tp_pending *p, size_t n);

/*
 * The newest copy of abs_path held for this rank: its own files of
 * completed datasets in cache (newest first), else a file of the restart
 * dataset written by any rank: from this node's cache, else from the prefix.
 * -SCR_ENOENT when scr holds none (the real path is what there is);
 * -SCR_EREMOTE when the file is only in another node's cache: after a
 * collective scr_tp_flush_restart() it is at its real path.
 */
int scr_tp_read_path(const char *abs_path, char **route);

/*
 * Call fn for every file below the prefix that reads through scr would find
 * for this rank (its completed datasets in cache, the restart dataset), as
 * paths relative to the prefix.
 */
void scr_tp_each_file(void (*fn)(const char *rel, void *arg), void *arg);

/* A new dataset begins on this rank: evict from the cache what
 * SCR_CACHE_SIZE does not keep, before its files take the space. */
int scr_tp_make_room(void);

/* Bytes the cache store holding route (a path scr_tp_write_path gave) may
 * still take under its BYTES limit on this node; UINT64_MAX when it has no
 * limit (its free space is then what counts). */
uint64_t scr_tp_store_room(const char *route);

/* The largest checkpoint file this rank holds in the cache (from earlier
 * runs too): the shim's first guess at what the next one needs. */
uint64_t scr_tp_largest_cached(void);

/* Collective: flush the restart dataset so every rank can read every file
 * of it (on demand, when some rank asked for another node's file). */
int scr_tp_flush_restart(void);

/*
 * Collective over all ranks: complete the next dataset with the files this
 * rank routed for it, named after rank 0's name (NULL: default); the sizes
 * and CRCs of closed files are taken as given; inplace names the files of
 * it this rank wrote at their real paths instead (the dataset is then not
 * valid); newer names paths that have a newer version than this dataset or
 * none (an older checkpoint must not be written back over them). Returns 0
 * when every rank's files were complete and valid.
 */
int scr_tp_complete(const char *name, const struct scr_tp_file *files, size_t n,
		    const char *const *inplace, size_t ninplace,
		    const char *const *newer, size_t nnewer, int valid);

/*
 * After scr_tp_complete: 1 when a halt condition held at a completed
 * checkpoint and SCR_HALT_EXIT asks to stop the application (the same
 * answer on every rank); *what (the library's) says why and which
 * checkpoint is in the prefix. The shim decides where to stop.
 */
int scr_tp_halt_exit(const char **what);

/* Collective: finish the datasets whose files the previous run closed but
 * did not complete (journal), then take the restart dataset (if any) as
 * read by the application, keeping its files readable through
 * scr_tp_read_path. Sets *restarted_from to its name (malloc'd) or NULL. */
int scr_tp_begin(char **restarted_from);

#endif
