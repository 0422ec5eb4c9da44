/*
 * The library's per-process state. One instance per process (the SCR API
 * has no handle), owned by api.c; the modules that change a part of it own
 * that part's struct and header (comm.h, halt_lib.h, tp_state.h, ...), and
 * each module's functions are declared in its own header.
 */
#ifndef SCR_STATE_H
#define SCR_STATE_H

#include "comm.h"
#include "config.h"
#include "halt_lib.h"
#include "layout.h"
#include "meta.h"
#include "redundancy.h"
#include "tp_state.h"

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
	struct scr_comm comm;

	struct scr_config *cfg;  /* built up by SCR_Config before SCR_Init too */
	struct scr_layout layout;
	char *prefix;            /* absolute, normalised */
	char *cwd;               /* absolute: relative names start here */

	/* parameters read once at init */
	int flush_every, fetch, bypass, crc_on_flush, crc_on_restart;
	int flush_async;             /* SCR_FLUSH_ASYNC */
	uint64_t flush_bw;           /* SCR_FLUSH_ASYNC_BW, bytes/s per node, 0: no cap */
	int ckpt_interval, ckpt_seconds;
	double ckpt_overhead;
	size_t nred_desc;
	struct scr_red_desc *red_desc;   /* at least one, interval 1 (reddesc.c) */

	struct scr_filemap filemap;  /* datasets this rank holds in cache */
	int filemap_found;           /* SCR_Init found this rank's filemap on its node */
	int next_id;                 /* id of the next dataset */
	int ckpts_since_flush;       /* checkpoints completed since the last flush */
	int newest_in_prefix;        /* newest dataset this run put in the prefix */
	struct scr_flush_bg *flush_bg;  /* the background flush in flight (flush_bg.c) */
	struct scr_events *events;      /* rank 0: the event log (eventlog.c) */
	char *heartbeat_path;           /* rank 0, SCR_WATCHDOG=1: heartbeat.c's file */

	/* the open output dataset */
	struct scr_dataset out;
	size_t nrouted, routed_cap;
	struct scr_routed *routed;
	int route_failed;            /* a file went in place: this rank's part is incomplete */
	int out_bypass;              /* it goes to the prefix directly: no room in cache */
	int room_warned;             /* that was said once on this node */
	double out_started;
	int job_lock_fd;          /* node leader: the lock of the control dir, -1 none */

	/* restart */
	int restart_id;              /* 0: none */
	char *restart_name;
	enum scr_restart_src restart_src;
	struct scr_file *restart_files;  /* prefix restarts: every file of the dataset */
	size_t restart_nfiles;

	struct scr_tp_state tp;      /* transparent mode (tp_state.h) */

	/* SCR_Need_checkpoint bookkeeping */
	long need_calls;
	int ckpts_this_run;
	double run_started, last_ckpt_end, ckpt_time_total;

	struct scr_halt_state halt;  /* halt conditions (halt_lib.h) */
};

double scr_now(void);
/* the process's library state (api.c owns it) */
struct scr_state *scr_state_get(void);

#endif
