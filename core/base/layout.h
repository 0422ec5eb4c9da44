/*
 * Where scr keeps things on a node. Shared by the library and the commands:
 *
 *   cache dir    <cache_base>/<user>/scr.<jobid>/<node>/cache, one per store
 *   dataset dir  <cache dir>/scr.dataset.<id>/<path relative to prefix>, in
 *                the store that holds the dataset
 *   control dir  <cntl_base>/<user>/scr.<jobid>/<node>/cntl
 *   filemap      <control dir>/filemap_<rank>.scr
 *   journal      <control dir>/pending_<rank>.scr (transparent mode: files
 *                closed in datasets not yet complete, in filemap format)
 *
 * The node name is a path component so that several simulated nodes can
 * share one host and "losing a node" is deleting the paths carrying its name.
 */
#ifndef SCR_LAYOUT_H
#define SCR_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* A cache store: one class of node-local storage (a RAM disk, an SSD),
 * from a CACHE or STORE descriptor, or SCR_CACHE_BASE. */
struct scr_store {
	char *base;        /* as configured */
	char *dir;         /* <base>/<user>/scr.<jobid>/<node>/cache */
	char *user_dir;    /* <base>/<user>: private to the user */
	int size;          /* datasets it keeps */
	uint64_t bytes;    /* bytes it may hold, 0: its free space */
	/* set by the library at SCR_Init: its directory is there, else why not */
	int usable;
	char *problem;
};

/* Identity of this process's node within a job. */
struct scr_layout {
	char *user;
	char *jobid;
	char *node;
	char *cache_dir;
	char *cntl_dir;
	char *cache_user_dir;   /* <cache_base>/<user>: private to the user */
	char *cntl_user_dir;    /* <cntl_base>/<user> */
	size_t nstores;         /* at least one: stores[0] is cache_base */
	struct scr_store *stores;
};

/*
 * Fill a layout from bases and ids. user NULL: from the password database
 * ($USER as fallback); jobid NULL: "default"; node NULL: the host name.
 * Returns -SCR_EINVAL when a component would not be a single safe path
 * component (empty, ".", "..", or holding '/').
 */
int scr_layout_init(struct scr_layout *l, const char *cache_base,
		    const char *cntl_base, const char *user, const char *jobid,
		    const char *node);
void scr_layout_release(struct scr_layout *l);

/*
 * The bases are shared between users (/dev/shm is world-writable): everything
 * scr keeps there lives in the per-user directory, which must be a real
 * directory (not a symbolic link), owned by this user, with no access for
 * group or others, in a base that others cannot rename it out of (not
 * writable by all without the sticky bit). Creates it (mode 0700) when
 * missing. 0, or -SCR_EUNSAFE with *msg naming the path, what was found and
 * the fix; -SCR_EIO (errno set, no message) when it cannot be created; other
 * users cannot touch what lies below a directory that passes.
 */
int scr_layout_private_dir(const char *dir, char **msg);

/* Another store (after stores[0], which scr_layout_init makes from the
 * cache base with size and bytes 0 for the caller to set). */
int scr_layout_add_store(struct scr_layout *l, const char *base, int size, uint64_t bytes);
/* The store whose base is base (trailing slashes aside), -1 when none. */
int scr_layout_store_named(const struct scr_layout *l, const char *base);
/* The store that holds dataset id on this node (its directory is there),
 * -1 when none does. */
int scr_layout_store_of(const struct scr_layout *l, int id);

/* malloc'd paths; NULL when out of memory. The dataset's directory is in
 * the store that holds it, else in stores[0]; the _in forms name the store. */
char *scr_layout_dataset_dir(const struct scr_layout *l, int id);
char *scr_layout_dataset_dir_in(const struct scr_layout *l, int store, int id);
char *scr_layout_filemap_path(const struct scr_layout *l, int rank);
char *scr_layout_pending_path(const struct scr_layout *l, int rank);
/* <dataset dir>/<rel>: where a file of dataset id is cached on this node */
char *scr_layout_dataset_file(const struct scr_layout *l, int id, const char *rel);
char *scr_layout_dataset_file_in(const struct scr_layout *l, int store, int id,
				 const char *rel);

/* 1 when name is usable as one path component */
int scr_layout_safe_component(const char *name);

/* ---- names of things in the prefix directory ---- */

/* malloc'd "<prefix>/.scr", "<prefix>/.scr/index.scr",
 * "<prefix>/.scr/scr.dataset.<id>", ".../summary.scr", ".../red";
 * NULL when out of memory */
char *scr_prefix_scrdir(const char *prefix);
/* 1 when rel (a path relative to the prefix) is scr's own (.scr and below):
 * never an application's file. */
int scr_prefix_owns(const char *rel);
char *scr_prefix_index_path(const char *prefix);
/* "<prefix>/.scr/log": the text event log (event.h) */
char *scr_prefix_log_path(const char *prefix);
/* "<prefix>/.scr/heartbeat": the run's, for the launchers' watchdog */
char *scr_prefix_heartbeat_path(const char *prefix);
char *scr_prefix_dataset_dir(const char *prefix, int id);
char *scr_prefix_summary_path(const char *prefix, int id);
/*
 * Gathered datasets. After a job, the commands gather into the prefix what
 * the surviving nodes still hold of a dataset that was only cached: each
 * node's <cache>/scr.dataset.<id>/<rel> goes to <prefix>/<rel> (rel is the
 * path relative to the prefix, as in summaries), and its redundancy files
 * <cache>/scr.dataset.<id>/.scr/red.<rank> go to
 * <prefix>/.scr/scr.dataset.<id>/red/red.<rank>, the directory named here.
 * "scr_index --build <id>" then rebuilds the files of the lost ranks from
 * them (scr_red_offline_rebuild), writes the summary and adds the dataset
 * to the index, so that a restart in a new allocation can fetch it.
 */
char *scr_prefix_red_dir(const char *prefix, int id);
/*
 * Alongside, each rank whose files were gathered intact (size and CRC as
 * its filemap records them) leaves its filemap entry, as a one-entry
 * filemap, at <prefix>/.scr/scr.dataset.<id>/ranks/filemap.<rank>: with one
 * for every rank, the dataset is complete without any redundancy data.
 */
char *scr_prefix_ranks_dir(const char *prefix, int id);

#endif
