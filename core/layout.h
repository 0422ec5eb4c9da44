/*
 * Where scr keeps things on a node. Shared by the library and the commands:
 *
 *   cache dir    <cache_base>/<user>/scr.<jobid>/<node>/cache
 *   dataset dir  <cache dir>/scr.dataset.<id>/<path relative to prefix>
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

/* Identity of this process's node within a job. */
struct scr_layout {
	char *user;
	char *jobid;
	char *node;
	char *cache_dir;
	char *cntl_dir;
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

/* malloc'd paths; NULL when out of memory */
char *scr_layout_dataset_dir(const struct scr_layout *l, int id);
char *scr_layout_filemap_path(const struct scr_layout *l, int rank);
char *scr_layout_pending_path(const struct scr_layout *l, int rank);
/* <dataset dir>/<rel>: where a file of dataset id is cached on this node */
char *scr_layout_dataset_file(const struct scr_layout *l, int id, const char *rel);

/* 1 when name is usable as one path component */
int scr_layout_safe_component(const char *name);

#endif
