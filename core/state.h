/*
 * The library's per-process state and the functions the API files share.
 * One instance per process (the SCR API has no handle), owned by api.c.
 */
#ifndef SCR_STATE_H
#define SCR_STATE_H

#include "config.h"
#include "halt_lib.h"
#include "layout.h"
#include "meta.h"
#include "redundancy.h"

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

enum scr_phase {
	SCR_PHASE_UNINIT = 0,
	SCR_PHASE_PASSTHROUGH,  /* disabled or failed to set up: names pass unchanged */
	SCR_PHASE_IDLE,
	SCR_PHASE_OUTPUT,       /* between Start_output and Complete_output */
	SCR_PHASE_RESTART,      /* between Start_restart and Complete_restart */
	SCR_PHASE_FINALIZED
};

/* A file routed in the open dataset. */
struct scr_routed {
	char *rel;     /* path relative to the prefix */
	char *cache;   /* where the application writes it */
};

/* Where the restart dataset is read from. */
enum scr_restart_src { SCR_RESTART_NONE = 0, SCR_RESTART_CACHE, SCR_RESTART_PREFIX };

struct scr_state {
	enum scr_phase phase;
	MPI_Comm world;        /* private duplicate of MPI_COMM_WORLD */
	MPI_Comm node;         /* ranks with the same node name */
	int rank, nranks;
	int node_rank, node_size;

	struct scr_config *cfg;  /* built up by SCR_Config before SCR_Init too */
	struct scr_layout layout;
	char *prefix;            /* absolute, normalised */
	char *cwd;               /* absolute: relative names start here */

	/* parameters read once at init */
	int cache_size, flush_every, fetch, bypass, crc_on_flush, crc_on_restart;
	int ckpt_interval, ckpt_seconds;
	double ckpt_overhead;
	size_t nred_desc;
	struct scr_red_desc *red_desc;   /* at least one, interval 1 (reddesc.c) */

	struct scr_filemap filemap;  /* datasets this rank holds in cache */
	int filemap_found;           /* SCR_Init found this rank's filemap on its node */
	int next_id;                 /* id of the next dataset */
	int ckpts_since_flush;       /* checkpoints completed since the last flush */
	int newest_in_prefix;        /* newest dataset this run put in the prefix */

	/* the open output dataset */
	struct scr_dataset out;
	size_t nrouted, routed_cap;
	struct scr_routed *routed;
	int route_failed;            /* a file went in place: this rank's part is incomplete */
	int out_bypass;              /* it goes to the prefix directly: no room in cache */
	int room_warned;             /* that was said once on this node */
	double out_started;
	/* transparent mode: the size and CRC the shim took at each file's close,
	 * so that completion does not read the files again (NULL: read them) */
	const struct scr_tp_file *known;
	size_t nknown;
	/* transparent mode: files of that dataset the shim wrote at their real
	 * paths instead of the cache (the dataset is not valid then) */
	const char *const *tp_inplace;
	size_t tp_ninplace;
	/* ... and paths with a newer version, or removed by the application */
	const char *const *tp_newer;
	size_t tp_nnewer;
	/* transparent mode: closed files of a run of another shape this run
	 * cannot finish, carried along in this rank's journal */
	struct scr_filemap *journal_kept;
	int job_lock_fd;          /* node leader: the lock of the control dir, -1 none */

	/* restart */
	int restart_id;              /* 0: none */
	char *restart_name;
	enum scr_restart_src restart_src;
	struct scr_file *restart_files;  /* prefix restarts: every file of the dataset */
	size_t restart_nfiles;
	/* transparent mode: every file of the restart dataset stays readable
	 * after the restart, by any rank (see transparent.c) */
	int tp_mode;                 /* files belong to an unmodified application */
	int tp_restart_id;
	int tp_in_cache;
	struct scr_file *tp_files;
	size_t tp_nfiles;

	/* SCR_Need_checkpoint bookkeeping */
	long need_calls;
	int ckpts_this_run;
	double run_started, last_ckpt_end, ckpt_time_total;

	struct scr_halt_state halt;  /* halt conditions (halt_lib.h) */
};

/* A redundancy descriptor: the scheme for checkpoints whose id is a
 * multiple of interval. */
struct scr_red_desc {
	int interval;
	const struct scr_redundancy *red;
	int set_size, set_failures;
	char *group;    /* this rank's failure group */
};

double scr_now(void);
/* the process's library state (api.c owns it) */
struct scr_state *scr_state_get(void);

/* reddesc.c: redundancy descriptors, read at init (after the layout) */
int scr_red_desc_load(struct scr_state *s, char **msg);
void scr_red_desc_release(struct scr_state *s);
/* the descriptor for dataset id */
const struct scr_red_desc *scr_red_desc_for(const struct scr_state *s, int id);
/* the same, but one of the given scheme when the one for id has another */
const struct scr_red_desc *scr_red_desc_named(const struct scr_state *s, int id,
					      const char *scheme);

/* dataset.c: completion and cache bookkeeping */
/* Where a new file of dataset id is written: its cache path (its real path
 * abs with SCR_CACHE_BYPASS), with the parent directories made. The API and
 * the transparent mode both route through here, so they agree. */
int scr_route_new_file(struct scr_state *s, int id, const char *abs, const char *rel,
		       char **route);
int scr_dataset_complete(struct scr_state *s, int valid);
int scr_cache_evict(struct scr_state *s);
/* Collective, as a dataset starts: evict to SCR_CACHE_SIZE, then send the
 * new dataset to the prefix directly (out_bypass, said on stderr) when some
 * node's cache has less room than its newest checkpoint took. An API
 * application cannot be told to rewrite a file that met a full cache. */
void scr_cache_make_room(struct scr_state *s);
/* Dataset id's files are at their real paths, none in cache
 * (SCR_CACHE_BYPASS, or the open dataset sent there for lack of room). */
int scr_dataset_bypassed(const struct scr_state *s, int id);
int scr_cache_drop(struct scr_state *s, int id);
int scr_filemap_save(struct scr_state *s);
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

/* flush.c: copy a cached dataset to the prefix and record it in the index */
int scr_flush(struct scr_state *s, int id);
/* Collective: flush dataset ds from files each rank names (its share, read
 * from src_dir; NULL: they are in place already); *flushed gets the time. */
int scr_flush_files(struct scr_state *s, const struct scr_dataset *ds, const char *src_dir,
		    const struct scr_file *files, size_t n, int64_t *flushed);
int scr_index_update(struct scr_state *s, int (*edit)(struct scr_index *x, void *arg), void *arg);
/* flush.c, rank 0: a damaged prefix index is rebuilt from the summaries now,
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

/* joblock.c: collective; one job per node control directory (the node
 * leader locks it until scr_job_unlock); an error when another job holds it */
int scr_job_lock(struct scr_state *s);
void scr_job_unlock(struct scr_state *s);

/* migrate.c: collective; ranks now on other nodes get their cache and
 * journal from where they left them (have_filemap: this rank found its
 * filemap here) */
int scr_migrate(struct scr_state *s, int have_filemap);

/* scavenge.c: copy to the prefix the newest checkpoint of a run with another
 * number of ranks that only the node caches hold (collective) */
int scr_scavenge(struct scr_state *s);

/* restart.c: find a dataset to restart from, in cache or in the prefix */
int scr_restart_find(struct scr_state *s, int below_id);
void scr_restart_clear(struct scr_state *s);
/* Whether a file holds what its record says (sizes only unless with_crc);
 * says what is wrong on stderr */
int scr_file_intact(const char *path, const struct scr_file *f, int with_crc);

/* pending.c (transparent mode): the journal of files closed in datasets
 * not yet complete, and finishing such datasets at the next start */
struct scr_tp_pending;
int scr_pending_write(struct scr_state *s, const struct scr_tp_pending *p, size_t n);
/* Collective: finish what the journals name; returns the newest dataset
 * finished, 0 when none */
int scr_pending_finish(struct scr_state *s);

/* comm.c: collective helpers */
int scr_allreduce_and(struct scr_state *s, int mine);
int scr_allreduce_max(struct scr_state *s, int mine);
int scr_bcast_int(struct scr_state *s, int *value);
/* rank 0 gets every rank's buffer concatenated, with per-rank lengths */
int scr_gather_bufs(struct scr_state *s, const char *buf, int len, char **all,
		    int **lens);
/* rank 0's buffer to every rank (malloc'd, NUL-terminated, len bytes) */
int scr_bcast_buf(struct scr_state *s, char **buf, size_t *len);
/* The string of the lowest rank whose mine is not NULL, on every rank
 * (malloc'd); NULL everywhere when no rank has one (or out of memory). */
char *scr_agree_str(struct scr_state *s, const char *mine);
int scr_split_node(struct scr_state *s);

/* Rank 0 gets every rank's files, in rank order (others get none). */
int scr_gather_files(struct scr_state *s, const struct scr_file *files, size_t n,
		     struct scr_file **all, size_t *nall);

/* file lists through the meta encoding, for gathers and scatters */
int scr_files_encode(const struct scr_file *files, size_t n, char **buf, size_t *len);
int scr_files_decode(const char *buf, size_t len, struct scr_file **files, size_t *n);
void scr_files_free(struct scr_file *files, size_t n);

#endif
