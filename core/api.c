/*
 * The public API (scr.h): argument checks, phases and the pass-through
 * policy. The work is done in dataset.c, flush.c and restart.c.
 */
#define _GNU_SOURCE
#include "scr.h"

#include "dataset.h"
#include "eventlog.h"
#include "flush.h"
#include "flush_bg.h"
#include "heartbeat.h"
#include "io.h"
#include "job.h"
#include "joblock.h"
#include "log.h"
#include "migrate.h"
#include "path.h"
#include "pending.h"
#include "reddesc.h"
#include "restart.h"
#include "scavenge.h"
#include "scr_err.h"
#include "state.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SCR_EXPORT __attribute__((visibility("default")))

extern char **environ;

/* The SCR API has no handle: one library state per process. */
static struct scr_state scr;

struct scr_state *scr_state_get(void)
{
	return &scr;
}

double scr_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int ensure_config(void)
{
	if (!scr.cfg)
		scr.cfg = scr_config_new();
	return scr.cfg ? 0 : -SCR_ENOMEM;
}

/* Copy into a caller's SCR_MAX_FILENAME buffer; fails rather than truncate. */
static int copy_out(char *dst, const char *src)
{
	size_t n = strlen(src);
	if (n >= SCR_MAX_FILENAME) {
		scr_log_error("path '%s' is longer than SCR_MAX_FILENAME (%d)", src,
			      SCR_MAX_FILENAME);
		return -SCR_EINVAL;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

/* ---- configuration ---- */

SCR_EXPORT const char *SCR_Config(const char *config)
{
	if (!config || !*config)
		return NULL;
	if (scr.phase != SCR_PHASE_UNINIT && scr.phase != SCR_PHASE_FINALIZED) {
		scr_log_error("SCR_Config(\"%s\") ignored: it must come before SCR_Init",
			      config);
		return NULL;
	}
	if (ensure_config())
		return NULL;
	if (!strchr(config, '=')) {
		/* a query: the effective value as the library would see it now */
		const char *v = scr_config_get(scr.cfg, config);
		if (!v && !strncmp(config, "SCR_", 4))
			v = getenv(config);
		return v ? strdup(v) : NULL;
	}
	char *msg = NULL;
	if (scr_config_parse_string(scr.cfg, SCR_CONF_API, config, "SCR_Config", &msg)) {
		scr_log_error("%s", msg ? msg : "invalid SCR_Config string");
		free(msg);
	}
	return NULL;
}

SCR_EXPORT const char *SCR_Configf(const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	char *text = NULL;
	int n = vasprintf(&text, format, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	const char *v = SCR_Config(text);
	free(text);
	return v;
}

SCR_EXPORT char *SCR_Get_version(void)
{
	return (char *)SCR_VERSION;
}

static int load_config(char **msg)
{
	char *warnings = NULL;
	int rc = scr_job_load_config(scr.cfg, scr.cwd, environ, &warnings, msg);
	if (warnings) {
		if (scr.comm.rank == 0)
			scr_log_warn("%s", warnings);
		free(warnings);
	}
	return rc;
}

static int read_params(char **msg)
{
	scr.flush_every = (int)scr_config_get_int(scr.cfg, "SCR_FLUSH");
	scr.fetch = scr_config_get_bool(scr.cfg, "SCR_FETCH");
	scr.bypass = scr_config_get_bool(scr.cfg, "SCR_CACHE_BYPASS");
	scr.crc_on_flush = scr_config_get_bool(scr.cfg, "SCR_CRC_ON_FLUSH");
	scr.flush_async = scr_config_get_bool(scr.cfg, "SCR_FLUSH_ASYNC");
	scr.flush_bw = scr_config_get_bytes(scr.cfg, "SCR_FLUSH_ASYNC_BW");
	scr.crc_on_restart = scr_config_get_bool(scr.cfg, "SCR_CRC_ON_RESTART");
	scr.ckpt_interval = (int)scr_config_get_int(scr.cfg, "SCR_CHECKPOINT_INTERVAL");
	scr.ckpt_seconds = (int)scr_config_get_int(scr.cfg, "SCR_CHECKPOINT_SECONDS");
	scr.ckpt_overhead = scr_config_get_double(scr.cfg, "SCR_CHECKPOINT_OVERHEAD");

	return 0;
}

/* Everything SCR_Init does that can fail on one rank alone. */
static int setup_local(char **msg)
{
	char *cwd = getcwd(NULL, 0);
	if (!cwd) {
		*msg = scr_asprintf("cannot get the current directory: %s", strerror(errno));
		return -SCR_EIO;
	}
	scr.cwd = cwd;
	int rc = ensure_config();
	if (!rc)
		rc = load_config(msg);
	if (!rc && !scr_config_get_bool(scr.cfg, "SCR_ENABLE"))
		return 1;   /* disabled on purpose */
	if (!rc)
		rc = read_params(msg);
	if (rc)
		return rc;

	scr.prefix = scr_job_prefix(scr.cfg, cwd);
	if (!scr.prefix)
		return -SCR_ENOMEM;
	rc = scr_mkdir_p(scr.prefix, 0755);
	if (rc) {
		*msg = scr_asprintf("cannot create prefix directory '%s': %s",
				    scr.prefix, strerror(errno));
		return rc;
	}
	/* the prefix is compared with getcwd() paths, which have no symlinks */
	char *real = realpath(scr.prefix, NULL);
	if (real) {
		free(scr.prefix);
		scr.prefix = real;
	}

	rc = scr_job_layout(scr.cfg, NULL, NULL, &scr.layout, msg);
	if (rc)
		return rc;
	/* failure groups may name the node: after the layout */
	rc = scr_red_desc_load(&scr, msg);
	if (rc)
		return rc;
	/* the bases are shared with other users: only a private directory */
	rc = scr_layout_private_dir(scr.layout.cache_user_dir, msg);
	if (rc == -SCR_EIO)
		*msg = scr_asprintf("cannot create cache directory '%s': %s (set "
				    "SCR_CACHE_BASE to a writable node-local directory)",
				    scr.layout.cache_dir, strerror(errno));
	if (rc)
		return rc;
	rc = scr_layout_private_dir(scr.layout.cntl_user_dir, msg);
	if (rc == -SCR_EIO)
		*msg = scr_asprintf("cannot create control directory '%s': %s (set "
				    "SCR_CNTL_BASE to a writable node-local directory)",
				    scr.layout.cntl_dir, strerror(errno));
	if (rc)
		return rc;
	rc = scr_mkdir_p(scr.layout.cache_dir, 0700);
	if (rc) {
		*msg = scr_asprintf("cannot create cache directory '%s': %s "
				    "(set SCR_CACHE_BASE to a writable node-local directory)",
				    scr.layout.cache_dir, strerror(errno));
		return rc;
	}
	rc = scr_mkdir_p(scr.layout.cntl_dir, 0700);
	if (rc) {
		*msg = scr_asprintf("cannot create control directory '%s': %s "
				    "(set SCR_CNTL_BASE to a writable node-local directory)",
				    scr.layout.cntl_dir, strerror(errno));
		return rc;
	}
	/* further stores: one that is missing here only sends its checkpoints
	 * to the prefix (said once per node after SCR_Init) */
	scr.layout.stores[0].usable = 1;
	for (size_t i = 1; i < scr.layout.nstores; i++) {
		struct scr_store *st = &scr.layout.stores[i];
		char *why = NULL;
		int r = scr_layout_private_dir(st->user_dir, &why);
		if (!r)
			r = scr_mkdir_p(st->dir, 0700);
		st->usable = r == 0;
		if (r && !why)
			why = scr_asprintf("cannot create '%s': %s", st->dir, strerror(errno));
		st->problem = why;
	}

	char *fm = scr_layout_filemap_path(&scr.layout, scr.comm.rank);
	if (!fm)
		return -SCR_ENOMEM;
	rc = scr_filemap_read(fm, &scr.filemap);
	scr.filemap_found = rc != -SCR_ENOENT;
	if (rc == 0 && scr.filemap.rank != scr.comm.rank) {
		/* another rank's files would be served as this rank's */
		scr_log_warn("ignoring filemap '%s': it names rank %d (copied or tampered "
			     "with)", fm, scr.filemap.rank);
		scr_filemap_release(&scr.filemap);
		scr_filemap_init(&scr.filemap, scr.comm.rank);
	} else if (rc == -SCR_ENOENT) {
		scr_filemap_init(&scr.filemap, scr.comm.rank);
		rc = 0;
	} else if (rc) {
		/* never trust a damaged filemap: start this rank with an empty one */
		scr_log_warn("ignoring filemap '%s': %s", fm, scr_strerror(rc));
		scr_filemap_init(&scr.filemap, scr.comm.rank);
		rc = 0;
	}
	free(fm);
	return rc;
}

static void release_state(void)
{
	scr_events_close(&scr);
	free(scr.heartbeat_path);
	scr.heartbeat_path = NULL;
	scr_flush_bg_release(&scr);
	scr_job_unlock(&scr);
	scr_restart_clear(&scr);
	scr_tp_state_release(&scr.tp);
	scr_filemap_release(&scr.filemap);
	scr_red_desc_release(&scr);
	scr_layout_release(&scr.layout);
	scr_config_free(scr.cfg);
	scr.cfg = NULL;
	free(scr.prefix);
	free(scr.cwd);
	scr.prefix = scr.cwd = NULL;
	scr_halt_state_release(&scr.halt);
	scr_comm_close(&scr.comm);
}

/* Largest dataset id in the prefix index (rank 0) */
static int prefix_max_id(void)
{
	struct scr_index x;
	char *path = scr_prefix_index_path(scr.prefix);
	/* a dataset directory without an index entry keeps its id too */
	int max = scr_prefix_max_id(scr.prefix);
	if (path && scr_index_read(path, &x) == 0) {
		for (size_t i = 0; i < x.n; i++)
			if (x.e[i].ds.id > max)
				max = x.e[i].ds.id;
		scr_index_release(&x);
	} else if (path) {
		scr_log_warn("cannot read index '%s': dataset ids continue after the dataset "
			     "directories in the prefix and the cache", path);
	}
	free(path);
	return max;
}

SCR_EXPORT int SCR_Init(void)
{
	if (scr.phase != SCR_PHASE_UNINIT && scr.phase != SCR_PHASE_FINALIZED) {
		scr_log_error("SCR_Init called twice");
		return SCR_FAILURE;
	}
	int inited = 0;
	MPI_Initialized(&inited);
	if (!inited) {
		scr_log_error("SCR_Init must be called after MPI_Init");
		return SCR_FAILURE;
	}
	struct scr_config *cfg = scr.cfg;
	memset(&scr, 0, sizeof(scr));
	scr.cfg = cfg;
	scr.job_lock_fd = -1;
	if (scr_comm_open(&scr.comm)) {
		scr_log_error("SCR_Init: cannot duplicate MPI_COMM_WORLD");
		return SCR_FAILURE;
	}
	scr_log_setup(scr.comm.rank, 0);
	scr.run_started = scr.last_ckpt_end = scr_now();

	char *msg = NULL;
	int rc = setup_local(&msg);
	if (scr.cfg)
		scr_log_setup(scr.comm.rank, (int)scr_config_get_int(scr.cfg, "SCR_DEBUG"));

	/* the decision is collective so that no rank waits for a disabled one */
	/* decided on collective values only, so that no rank waits for one
	 * that stepped aside */
	int disabled = rc == 1;
	int failed = rc < 0;
	int any_failed = scr_allreduce_max(&scr.comm, failed);
	int any_disabled = scr_allreduce_max(&scr.comm, disabled);
	int all_disabled = scr_allreduce_and(&scr.comm, disabled);
	if (any_failed || any_disabled) {
		/* the lowest failing rank speaks for all: usually the cause is shared */
		int mine = failed ? scr.comm.rank : scr.comm.nranks, first = mine;
		MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, scr.comm.world);
		if (failed && scr.comm.rank == first)
			scr_log_error("%s", msg ? msg : scr_strerror(rc));
		if (scr.comm.rank == 0 && any_failed)
			scr_log_error("scr is disabled for this run: files are written "
				      "to the paths the application names");
		else if (scr.comm.rank == 0 && !all_disabled)
			scr_log_warn("SCR_ENABLE=0 on some ranks only: scr is disabled for "
				     "this run");
		else if (scr.comm.rank == 0)
			scr_log_debug(1, "SCR_ENABLE=0: running in pass-through mode");
		free(msg);
		scr.phase = SCR_PHASE_PASSTHROUGH;
		return SCR_SUCCESS;
	}
	free(msg);

	rc = scr_comm_split_node(&scr.comm, scr.layout.node);
	if (!scr_allreduce_and(&scr.comm, rc == 0)) {
		if (rc)
			scr_log_error("cannot group ranks by node: %s", scr_strerror(rc));
		if (scr.comm.node != MPI_COMM_NULL)
			MPI_Comm_free(&scr.comm.node);
		scr.phase = SCR_PHASE_PASSTHROUGH;
		return SCR_SUCCESS;
	}
	/* one job at a time in this node's control directory */
	if (scr_job_lock(&scr) != 0) {
		scr.phase = SCR_PHASE_PASSTHROUGH;
		return SCR_SUCCESS;
	}
	if (scr.comm.rank == 0)
		scr_log_debug(1, "prefix '%s', cache '%s', control '%s', redundancy %s, "
			      "flush every %d, cache size %d",
			      scr.prefix, scr.layout.cache_dir, scr.layout.cntl_dir,
			      scr_red_desc_for(&scr, 1)->red->name, scr.flush_every,
			      scr.layout.stores[0].size);
	for (size_t i = 1; scr.comm.node_rank == 0 && i < scr.layout.nstores; i++)
		if (!scr.layout.stores[i].usable)
			scr_log_warn("cache store '%s' is not usable on node '%s' (%s): the "
				     "checkpoints it takes go to the prefix directly",
				     scr.layout.stores[i].base, scr.layout.node,
				     scr.layout.stores[i].problem ? scr.layout.stores[i].problem
								  : "?");

	/* a rank placed on another node than before takes its cache along */
	scr_migrate(&scr, scr.filemap_found);
	/* what a background flush cut short by the last run's end left */
	scr_flush_bg_tidy(&scr);

	/* ids continue after everything this job has in cache or in the prefix */
	int max_id = scr.filemap.n ? scr.filemap.e[scr.filemap.n - 1].ds.id : 0;
	if (scr.comm.rank == 0) {
		scr_index_repair(&scr);
		int p = prefix_max_id();
		if (p > max_id)
			max_id = p;
	}
	scr.next_id = scr_allreduce_max(&scr.comm, max_id) + 1;

	scr.phase = SCR_PHASE_IDLE;
	if (scr.comm.rank == 0 && scr_config_get_bool(scr.cfg, "SCR_WATCHDOG"))
		scr.heartbeat_path = scr_prefix_heartbeat_path(scr.prefix);
	scr_heartbeat(&scr, 0);
	scr_events_open(&scr);
	struct scr_ev ev = scr_ev(0, NULL);
	ev.ranks = scr.comm.nranks;
	scr_event(&scr, SCR_EV_RUN_START, &ev);
	scr_halt_setup(&scr);
	if (scr.fetch && !scr.bypass)
		scr_scavenge(&scr);
	/* files a transparent run closed but never completed are newer than
	 * anything else this job holds; finished before the cache is judged,
	 * which would drop a part some ranks completed before the job died */
	if (!scr.bypass)
		scr_pending_finish(&scr);
	scr_restart_find(&scr, INT_MAX);
	return SCR_SUCCESS;
}

/* Newest dataset of this prefix in this rank's cache below bound that
 * matches want (output or checkpoint), or 0. */
static int newest_of_kind(int flag, int bound)
{
	for (size_t i = scr.filemap.n; i-- > 0;) {
		const struct scr_filemap_entry *e = &scr.filemap.e[i];
		if (e->ds.id < bound && e->ds.complete && (e->ds.flags & flag) &&
		    e->prefix && !strcmp(e->prefix, scr.prefix))
			return e->ds.id;
	}
	return 0;
}

static int flush_one_at_finalize(int mine)
{
	int id = scr_allreduce_max(&scr.comm, mine);
	if (id <= 0 || !scr_allreduce_and(&scr.comm, mine == id))
		return 0;
	struct scr_filemap_entry *e = scr_filemap_find(&scr.filemap, id);
	if (!scr_allreduce_and(&scr.comm, !e->flushed))
		return 0;
	if (scr.comm.rank == 0)
		scr_log_debug(1, "flushing dataset %d '%s' at finalize", id, e->ds.name);
	return scr_flush(&scr, id);
}

/*
 * Nothing the application must keep stays only in cache: output datasets
 * whose flush failed are retried, and the newest checkpoint is flushed
 * unless SCR_FLUSH=0 asks to leave checkpoints to scr_postrun.
 */
static int flush_at_finalize(void)
{
	int rc = 0, bound = INT_MAX;
	for (;;) {
		int id = scr_allreduce_max(&scr.comm, newest_of_kind(SCR_FLAG_OUTPUT_BIT, bound));
		if (id <= 0)
			break;
		struct scr_filemap_entry *e = scr_filemap_find(&scr.filemap, id);
		int r = flush_one_at_finalize(e && !e->flushed ? id : 0);
		if (r && !rc)
			rc = r;
		bound = id;
	}
	/* a checkpoint older than one already in the prefix is never
	 * restarted from, and its files could overwrite newer ones there */
	int ckpt = newest_of_kind(SCR_FLAG_CKPT_BIT, INT_MAX);
	if (scr.flush_every > 0) {
		int r = flush_one_at_finalize(ckpt > scr.newest_in_prefix ? ckpt : 0);
		if (r && !rc)
			rc = r;
	}
	return rc;
}

SCR_EXPORT int SCR_Finalize(void)
{
	if (scr.phase == SCR_PHASE_UNINIT || scr.phase == SCR_PHASE_FINALIZED) {
		scr_log_error("SCR_Finalize called without SCR_Init");
		return SCR_FAILURE;
	}
	int rc = 0;
	if (scr.phase == SCR_PHASE_OUTPUT) {
		scr_log_warn("dataset '%s' still open at SCR_Finalize: completing it as invalid",
			     scr.out.name);
		scr_dataset_complete(&scr, 0);
	}
	if (scr.phase == SCR_PHASE_RESTART)
		scr.phase = SCR_PHASE_IDLE;
	/* a background flush finishes first; one that failed is retried below */
	if (scr.phase == SCR_PHASE_IDLE) {
		scr_flush_bg_wait(&scr);
		rc = flush_at_finalize();
	}
	/* a job that ends by itself says so, for whatever would relaunch it */
	scr_halt_finalize(&scr);
	struct scr_ev ev = scr_ev(0, NULL);
	ev.reason = scr.halt.halted ? "halted" : "SCR_Finalize";
	ev.seconds = scr_now() - scr.run_started;
	scr_event(&scr, SCR_EV_RUN_END, &ev);
	scr_events_close(&scr);
	release_state();
	scr.phase = SCR_PHASE_FINALIZED;
	return rc ? SCR_FAILURE : SCR_SUCCESS;
}

/* ---- output ---- */

SCR_EXPORT int SCR_Start_output(const char *name, int flags)
{
	if (scr.phase == SCR_PHASE_PASSTHROUGH)
		return SCR_SUCCESS;
	if (scr.phase != SCR_PHASE_IDLE) {
		scr_log_error("SCR_Start_output(\"%s\"): %s", name ? name : "",
			      scr.phase == SCR_PHASE_OUTPUT ?
			      "a dataset is already open; call SCR_Complete_output first" :
			      scr.phase == SCR_PHASE_RESTART ?
			      "a restart is open; call SCR_Complete_restart first" :
			      "SCR_Init has not been called");
		return SCR_FAILURE;
	}
	if (flags & ~(SCR_FLAG_CHECKPOINT | SCR_FLAG_OUTPUT)) {
		scr_log_error("SCR_Start_output: unknown flags 0x%x", (unsigned)flags);
		return SCR_FAILURE;
	}
	if (flags == SCR_FLAG_NONE)
		flags = SCR_FLAG_CHECKPOINT;

	/* every rank must agree on the name: take rank 0's */
	int id = scr.next_id++;
	char *own = name && *name ? strdup(name) : scr_asprintf("scr.dataset.%d", id);
	int len = own ? (int)strlen(own) + 1 : 0;
	MPI_Bcast(&len, 1, MPI_INT, 0, scr.comm.world);
	char *agreed = len > 0 ? malloc((size_t)len) : NULL;
	if (scr.comm.rank == 0 && agreed)
		memcpy(agreed, own, (size_t)len);
	if (!scr_allreduce_and(&scr.comm, agreed != NULL)) {
		free(own);
		free(agreed);
		scr_log_error("SCR_Start_output: out of memory");
		return SCR_FAILURE;
	}
	MPI_Bcast(agreed, len, MPI_CHAR, 0, scr.comm.world);
	if (name && *name && own && strcmp(own, agreed) && scr.comm.rank != 0)
		scr_log_warn("dataset name '%s' differs from rank 0's '%s': using '%s'",
			     own, agreed, agreed);
	free(own);

	memset(&scr.out, 0, sizeof(scr.out));
	scr.out.id = id;
	scr.out.name = agreed;
	scr.out.flags = flags;
	scr.out.created = (int64_t)time(NULL);
	scr.out.nranks = scr.comm.nranks;
	scr.out_started = scr_now();
	scr.phase = SCR_PHASE_OUTPUT;

	/* make room first: a new dataset must not push the cache past its size */
	scr_flush_bg_poll(&scr);
	scr_cache_make_room(&scr);
	/* files written to the prefix directly have no redundancy in cache */
	scr.out.redundancy = strdup(scr_dataset_bypassed(&scr, id) ? "SINGLE"
				    : scr_red_desc_for(&scr, id)->red->name);
	if (scr.comm.rank == 0)
		scr_log_debug(1, "dataset %d '%s' started (%s%s)", id, agreed,
			      flags & SCR_FLAG_CHECKPOINT ? "checkpoint" : "",
			      flags & SCR_FLAG_OUTPUT ? " output" : "");
	return SCR_SUCCESS;
}

SCR_EXPORT int SCR_Start_checkpoint(void)
{
	return SCR_Start_output(NULL, SCR_FLAG_CHECKPOINT);
}

/* Route a file of the open dataset; 0, or an error after which the name
 * passes through unchanged. */
static int route_output(const char *name, char **route)
{
	char *abs = scr_path_absolute(scr.cwd, name);
	if (!abs)
		return -SCR_ENOMEM;
	char *rel = scr_path_below(abs, scr.prefix);
	if (!rel) {
		scr_log_warn("'%s' is not under the prefix directory '%s': it is written "
			     "in place and is not part of dataset '%s'", abs, scr.prefix,
			     scr.out.name);
		*route = abs;
		return 0;
	}
	/* the same file routed twice gets the same place */
	for (size_t i = 0; i < scr.nrouted; i++) {
		if (!strcmp(scr.routed[i].rel, rel)) {
			free(abs);
			free(rel);
			*route = strdup(scr.routed[i].cache);
			return *route ? 0 : -SCR_ENOMEM;
		}
	}
	char *cache = NULL;
	int rc = scr_route_new_file(&scr, scr.out.id, abs, rel, &cache);
	if (rc)
		scr_log_error("cannot make a place for '%s' in the cache: %s", abs,
			      rc == -SCR_ENOMEM ? scr_strerror(rc) : strerror(errno));
	free(abs);
	if (!rc && scr.nrouted == scr.routed_cap) {
		size_t cap = scr.routed_cap ? scr.routed_cap * 2 : 8;
		struct scr_routed *grown = realloc(scr.routed, cap * sizeof(*grown));
		if (!grown)
			rc = -SCR_ENOMEM;
		else {
			scr.routed = grown;
			scr.routed_cap = cap;
		}
	}
	if (rc) {
		free(rel);
		free(cache);
		return rc;
	}
	scr.routed[scr.nrouted].rel = rel;
	scr.routed[scr.nrouted].cache = cache;
	scr.nrouted++;
	*route = strdup(cache);
	if (scr_log_debug_level() >= 2)
		scr_log_debug(2, "routed '%s' to '%s'", rel, cache);
	return *route ? 0 : -SCR_ENOMEM;
}

static int route_restart(const char *name, char **route)
{
	char *abs = scr_path_absolute(scr.cwd, name);
	char *rel = abs ? scr_path_below(abs, scr.prefix) : NULL;
	int rc = -SCR_ENOENT;
	if (rel && scr.restart_src == SCR_RESTART_CACHE) {
		struct scr_filemap_entry *e = scr_filemap_find(&scr.filemap, scr.restart_id);
		for (size_t i = 0; e && i < e->nfiles; i++) {
			if (!strcmp(e->files[i].path, rel)) {
				*route = scr_layout_dataset_file(&scr.layout, scr.restart_id, rel);
				rc = *route ? 0 : -SCR_ENOMEM;
				break;
			}
		}
	} else if (rel && scr.restart_src == SCR_RESTART_PREFIX) {
		/* verified in place at restart: any rank may read any file */
		for (size_t i = 0; i < scr.restart_nfiles; i++) {
			if (!strcmp(scr.restart_files[i].path, rel)) {
				*route = abs;
				abs = NULL;
				rc = 0;
				break;
			}
		}
	}
	if (rc == -SCR_ENOENT)
		scr_log_error("SCR_Route_file: '%s' is not a file of restart dataset '%s'",
			      name, scr.restart_name);
	free(abs);
	free(rel);
	return rc;
}

/* Which of scr's own directories name lies in (a file there would replace
 * scr's state), or NULL. */
static const char *own_dir_of(const char *name)
{
	char *abs = scr_path_absolute(scr.cwd, name);
	char *rel = abs ? scr_path_below(abs, scr.prefix) : NULL;
	const char *own = NULL;
	if (rel && scr_prefix_owns(rel))
		own = "the prefix's .scr directory (index and summaries)";
	free(rel);
	const char *dirs[2] = { scr.layout.cache_dir, scr.layout.cntl_dir };
	const char *what[2] = { "the cache directory", "the control directory" };
	for (int i = 0; abs && !own && i < 2; i++) {
		rel = dirs[i] ? scr_path_below(abs, dirs[i]) : NULL;
		if (rel || (dirs[i] && !strcmp(abs, dirs[i])))
			own = what[i];
		free(rel);
	}
	free(abs);
	return own;
}

SCR_EXPORT int SCR_Route_file(const char *name, char *file)
{
	if (!name || !*name || !file) {
		scr_log_error("SCR_Route_file: name and file must not be NULL or empty");
		return SCR_FAILURE;
	}
	const char *own = scr.phase != SCR_PHASE_PASSTHROUGH ? own_dir_of(name) : NULL;
	if (own) {
		scr_log_error("SCR_Route_file: '%s' is inside %s, which belongs to scr: "
			      "name the file elsewhere", name, own);
		return SCR_FAILURE;
	}
	char *route = NULL;
	int rc = 0;
	if (scr.phase == SCR_PHASE_OUTPUT) {
		rc = route_output(name, &route);
		if (rc) {
			/* the application's write must still work: give it the real
			 * path; the dataset cannot be complete without the file */
			scr_log_warn("cannot route '%s' into the cache (%s): it is written "
				     "in place and dataset '%s' will not be used for a restart",
				     name, scr_strerror(rc), scr.out.name);
			scr.route_failed = 1;
			rc = 0;
		}
	} else if (scr.phase == SCR_PHASE_RESTART) {
		rc = route_restart(name, &route);
	}
	if (!route) {
		if (scr.phase == SCR_PHASE_OUTPUT || scr.phase == SCR_PHASE_PASSTHROUGH) {
			/* in place: the parent directory may be expected to exist */
			char *dir = scr_dirname(name);
			if (dir)
				scr_mkdir_p(dir, 0755);
			free(dir);
		}
		if (copy_out(file, name))
			return SCR_FAILURE;
		return rc ? SCR_FAILURE : SCR_SUCCESS;
	}
	int crc = copy_out(file, route);
	free(route);
	return crc || rc ? SCR_FAILURE : SCR_SUCCESS;
}

SCR_EXPORT int SCR_Complete_output(int valid)
{
	if (scr.phase == SCR_PHASE_PASSTHROUGH)
		return SCR_SUCCESS;
	if (scr.phase != SCR_PHASE_OUTPUT) {
		scr_log_error("SCR_Complete_output without SCR_Start_output");
		return SCR_FAILURE;
	}
	int rc = scr_dataset_complete(&scr, valid);
	if (scr.halt.exit_now) {
		/* SCR_HALT_EXIT: the checkpoint is in the prefix; end the run on
		 * every rank as the application would at its end */
		SCR_Finalize();
		MPI_Finalize();
		exit(0);
	}
	return rc ? SCR_FAILURE : SCR_SUCCESS;
}

SCR_EXPORT int SCR_Complete_checkpoint(int valid)
{
	return SCR_Complete_output(valid);
}

/* ---- restart ---- */

SCR_EXPORT int SCR_Have_restart(int *flag, char *name)
{
	if (!flag)
		return SCR_FAILURE;
	*flag = 0;
	if (scr.phase == SCR_PHASE_PASSTHROUGH)
		return SCR_SUCCESS;
	if (scr.phase != SCR_PHASE_IDLE && scr.phase != SCR_PHASE_RESTART) {
		scr_log_error("SCR_Have_restart called outside SCR_Init/SCR_Finalize "
			      "or with an output dataset open");
		return SCR_FAILURE;
	}
	*flag = scr.restart_id > 0;
	if (*flag && name && copy_out(name, scr.restart_name))
		return SCR_FAILURE;
	return SCR_SUCCESS;
}

SCR_EXPORT int SCR_Start_restart(char *name)
{
	if (scr.phase != SCR_PHASE_IDLE || scr.restart_id <= 0) {
		scr_log_error("SCR_Start_restart: %s", scr.phase == SCR_PHASE_IDLE ?
			      "there is no dataset to restart from (check SCR_Have_restart)" :
			      "not allowed now (after SCR_Init, outside an output or restart)");
		return SCR_FAILURE;
	}
	if (name && copy_out(name, scr.restart_name))
		return SCR_FAILURE;
	scr.phase = SCR_PHASE_RESTART;
	return SCR_SUCCESS;
}

SCR_EXPORT int SCR_Complete_restart(int valid)
{
	if (scr.phase != SCR_PHASE_RESTART) {
		scr_log_error("SCR_Complete_restart without SCR_Start_restart");
		return SCR_FAILURE;
	}
	scr.phase = SCR_PHASE_IDLE;
	int all = scr_allreduce_and(&scr.comm, valid);
	int id = scr.restart_id;
	if (all) {
		if (scr.comm.rank == 0)
			scr_log_debug(1, "restarted from dataset %d '%s'", id, scr.restart_name);
		scr_restart_clear(&scr);
		scr.last_ckpt_end = scr_now();
		return SCR_SUCCESS;
	}
	if (scr.comm.rank == 0)
		scr_log_warn("restart from dataset %d '%s' reported invalid by the "
			     "application: looking for an older one", id, scr.restart_name);
	/* never offer it again in this run: drop the cached copy */
	scr_cache_drop(&scr, id);
	scr_restart_find(&scr, id);
	return SCR_FAILURE;
}

/* ---- policies ---- */

SCR_EXPORT int SCR_Need_checkpoint(int *flag)
{
	if (!flag)
		return SCR_FAILURE;
	if (scr.phase == SCR_PHASE_PASSTHROUGH) {
		*flag = 1;
		return SCR_SUCCESS;
	}
	if (scr.phase != SCR_PHASE_IDLE) {
		*flag = 0;
		scr_log_error("SCR_Need_checkpoint called outside SCR_Init/SCR_Finalize "
			      "or inside an output or restart phase");
		return SCR_FAILURE;
	}
	scr.need_calls++;
	scr_flush_bg_poll(&scr);
	int need = 0;
	if (scr.comm.rank == 0) {
		double now = scr_now();
		int any = 0;
		if (scr.ckpt_interval > 0) {
			any = 1;
			need |= scr.need_calls % scr.ckpt_interval == 0;
		}
		if (scr.ckpt_seconds > 0) {
			any = 1;
			need |= now - scr.last_ckpt_end >= scr.ckpt_seconds;
		}
		if (scr.ckpt_overhead > 0) {
			/* checkpoint when the share of time spent checkpointing,
			 * counting the one we would take now, stays under the limit */
			any = 1;
			double elapsed = now - scr.run_started;
			double per_ckpt = scr.ckpt_time_total;
			if (scr.ckpts_this_run > 0)
				per_ckpt /= (double)scr.ckpts_this_run;
			need |= elapsed > 0 &&
				100.0 * (scr.ckpt_time_total + per_ckpt) / elapsed <= scr.ckpt_overhead;
		}
		if (!any)
			need = 1;
	}
	scr_bcast_int(&scr.comm, &need);
	*flag = need;
	return SCR_SUCCESS;
}

SCR_EXPORT int SCR_Should_exit(int *flag)
{
	if (!flag)
		return SCR_FAILURE;
	*flag = 0;
	if (scr.phase == SCR_PHASE_PASSTHROUGH)
		return SCR_SUCCESS;   /* no halt conditions without scr */
	if (scr.phase == SCR_PHASE_UNINIT || scr.phase == SCR_PHASE_FINALIZED) {
		scr_log_error("SCR_Should_exit called outside SCR_Init/SCR_Finalize");
		return SCR_FAILURE;
	}
	/* halt conditions: scr_halt's file, SCR_HALT_SECONDS (halt_lib.c) */
	*flag = scr_halt_poll(&scr);
	return SCR_SUCCESS;
}

/* ---- index edits ---- */

struct name_arg {
	const char *name;
	int id;       /* out: id of the named dataset, 0 if not found */
};

static int edit_current(struct scr_index *x, void *arg)
{
	struct name_arg *a = arg;
	struct scr_index_entry *e = scr_index_find_name(x, a->name);
	if (!e)
		return -SCR_ENOENT;
	a->id = e->ds.id;
	return scr_index_set_current(x, a->name);
}

static int edit_drop(struct scr_index *x, void *arg)
{
	struct name_arg *a = arg;
	struct scr_index_entry *e = scr_index_find_name(x, a->name);
	if (!e)
		return 0;
	a->id = e->ds.id;
	return scr_index_remove(x, e->ds.id);
}

/* The id of a named dataset in this rank's cache, 0 if none. */
static int cached_id(const char *name)
{
	for (size_t i = 0; i < scr.filemap.n; i++)
		if (!strcmp(scr.filemap.e[i].ds.name, name))
			return scr.filemap.e[i].ds.id;
	return 0;
}

static int require_idle(const char *fn, const char *name)
{
	if (scr.phase == SCR_PHASE_PASSTHROUGH)
		return 1;
	if (scr.phase != SCR_PHASE_IDLE || !name || !*name) {
		scr_log_error("%s: %s", fn, !name || !*name ? "name must not be empty" :
			      "not allowed now (after SCR_Init, outside an output or restart)");
		return -1;
	}
	return 0;
}

SCR_EXPORT int SCR_Current(const char *name)
{
	int r = require_idle("SCR_Current", name);
	if (r)
		return r > 0 ? SCR_SUCCESS : SCR_FAILURE;
	struct name_arg a = { name, 0 };
	int rc = scr_index_update(&scr, edit_current, &a);
	scr_bcast_int(&scr.comm, &a.id);   /* the edit ran on rank 0 only */
	int in_cache = scr_allreduce_max(&scr.comm, cached_id(name));
	if (rc && !in_cache) {
		if (scr.comm.rank == 0)
			scr_log_error("SCR_Current: no dataset named '%s'", name);
		return SCR_FAILURE;
	}
	/* restart from it: newer cached datasets are passed over */
	int id = a.id > in_cache ? a.id : in_cache;
	scr_restart_find(&scr, id + 1);
	return SCR_SUCCESS;
}

SCR_EXPORT int SCR_Drop(const char *name)
{
	int r = require_idle("SCR_Drop", name);
	if (r)
		return r > 0 ? SCR_SUCCESS : SCR_FAILURE;
	struct name_arg a = { name, 0 };
	int rc = scr_index_update(&scr, edit_drop, &a);
	scr_bcast_int(&scr.comm, &a.id);   /* the edit ran on rank 0 only */
	int id = scr_allreduce_max(&scr.comm, cached_id(name));
	if (id > 0)
		scr_cache_drop(&scr, id);
	if (scr.restart_id > 0 && (scr.restart_id == id || scr.restart_id == a.id))
		scr_restart_find(&scr, scr.restart_id);
	if (!rc && a.id == 0 && id == 0) {
		if (scr.comm.rank == 0)
			scr_log_error("SCR_Drop: no dataset named '%s'", name);
		return SCR_FAILURE;
	}
	return rc ? SCR_FAILURE : SCR_SUCCESS;
}

/* Paths of every usable dataset in the index other than id, into *paths
 * (with their summaries kept alive in *sums). */
static int paths_in_use(int id, struct scr_summary **sums, size_t *nsums,
			struct scr_paths *paths)
{
	struct scr_index x;
	char *ip = scr_prefix_index_path(scr.prefix);
	int rc = ip ? scr_index_read(ip, &x) : -SCR_ENOMEM;
	free(ip);
	*sums = NULL;
	*nsums = 0;
	struct scr_file *all = NULL;
	size_t nall = 0;
	if (!rc) {
		*sums = calloc(x.n ? x.n : 1, sizeof(**sums));
		if (!*sums)
			rc = -SCR_ENOMEM;
		for (size_t i = 0; !rc && i < x.n; i++) {
			if (x.e[i].ds.id == id || x.e[i].failed)
				continue;
			char *sp = scr_prefix_summary_path(scr.prefix, x.e[i].ds.id);
			if (sp && scr_summary_read(sp, &(*sums)[*nsums]) == 0)
				nall += (*sums)[(*nsums)++].nfiles;
			free(sp);
		}
		scr_index_release(&x);
	}
	if (!rc && !(all = calloc(nall ? nall : 1, sizeof(*all))))
		rc = -SCR_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; !rc && i < *nsums; i++)
		for (size_t j = 0; j < (*sums)[i].nfiles; j++)
			all[k++] = (*sums)[i].files[j];
	if (!rc)
		rc = scr_paths_from_files(paths, all, k);
	free(all);
	return rc;
}

/*
 * Rank 0: remove the prefix files of dataset id, except those that another
 * usable dataset lists too (the same path written again later). Returns
 * non-zero when a file could not be removed.
 */
static int delete_prefix_files(int id)
{
	struct scr_summary *sums = NULL, sum;
	size_t nsums = 0;
	struct scr_paths keep = { 0 };
	int bad = 0;
	char *sp = scr_prefix_summary_path(scr.prefix, id);
	if (paths_in_use(id, &sums, &nsums, &keep) != 0) {
		scr_log_error("SCR_Delete: cannot read the index of '%s': files of dataset "
			      "%d are left in place", scr.prefix, id);
		bad = 1;
	} else if (sp && scr_summary_read(sp, &sum) == 0) {
		for (size_t i = 0; i < sum.nfiles; i++) {
			if (scr_paths_has(&keep, sum.files[i].path))
				continue;
			char *p = scr_asprintf("%s/%s", scr.prefix, sum.files[i].path);
			if (p && unlink(p) != 0 && errno != ENOENT) {
				scr_log_error("cannot delete '%s': %s", p, strerror(errno));
				bad = 1;
			}
			free(p);
		}
		scr_summary_release(&sum);
	}
	free(sp);
	scr_paths_free(&keep);
	for (size_t i = 0; i < nsums; i++)
		scr_summary_release(&sums[i]);
	free(sums);
	if (!bad) {
		char *dd = scr_prefix_dataset_dir(scr.prefix, id);
		if (dd)
			scr_remove_tree(dd);
		free(dd);
	}
	return bad;
}

SCR_EXPORT int SCR_Delete(const char *name)
{
	int r = require_idle("SCR_Delete", name);
	if (r)
		return r > 0 ? SCR_SUCCESS : SCR_FAILURE;
	struct name_arg a = { name, 0 };
	int rc = scr_index_update(&scr, edit_drop, &a);
	scr_bcast_int(&scr.comm, &a.id);   /* the edit ran on rank 0 only */
	int id = scr_allreduce_max(&scr.comm, cached_id(name));
	if (id > 0)
		scr_cache_drop(&scr, id);
	int bad = 0;
	if (scr.comm.rank == 0 && a.id > 0)
		bad = delete_prefix_files(a.id);
	bad = scr_allreduce_max(&scr.comm, bad);
	if (scr.restart_id > 0 && (scr.restart_id == id || scr.restart_id == a.id))
		scr_restart_find(&scr, scr.restart_id);
	if (!rc && a.id == 0 && id == 0) {
		if (scr.comm.rank == 0)
			scr_log_error("SCR_Delete: no dataset named '%s'", name);
		return SCR_FAILURE;
	}
	return rc || bad ? SCR_FAILURE : SCR_SUCCESS;
}
