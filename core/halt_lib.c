/*
 * Halt conditions in the library. Rank 0 alone reads and writes the halt
 * file (halt.c) and asks for the end of the allocation; every decision is
 * broadcast, so all ranks answer SCR_Should_exit alike and halt after the
 * same checkpoint.
 *
 * The end of the allocation is SCR_END_TIME when set (0: unknown), else,
 * under SLURM, squeue's answer, asked once and only when a seconds-based
 * condition is in effect (SCR_HALT_SECONDS or the file's halt_seconds).
 */
#define _GNU_SOURCE
#include "halt_lib.h"

#include "eventlog.h"
#include "flush.h"
#include "halt.h"
#include "io.h"
#include "log.h"
#include "scr_err.h"
#include "state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Rank 0: one report per run of an unusable halt file. */
static void report_file(struct scr_state *s, int rc)
{
	int saved = errno;
	if (s->halt.file_warned)
		return;
	s->halt.file_warned = 1;
	char *m = scr_halt_error_text(s->halt.path, rc, saved);
	scr_log_error("%s; halt conditions are ignored until then", m ? m : scr_strerror(rc));
	free(m);
}

/* Rank 0: when the allocation ends, 0 when unknown. Not knowing it is
 * worth a warning only where the halt seconds have nothing else to act on
 * (no exit_before). */
static int64_t end_time(struct scr_state *s, const struct scr_halt *h)
{
	if (s->halt.end_time_looked)
		return s->halt.end_time;
	s->halt.end_time_looked = 1;
	const char *v = scr_config_get(s->cfg, "SCR_END_TIME");
	if (v && *v) {
		s->halt.end_time = (int64_t)scr_config_get_int(s->cfg, "SCR_END_TIME");
		return s->halt.end_time;
	}
	const char *job = getenv("SLURM_JOB_ID");
	if (!job || !*job)
		job = getenv("SLURM_JOBID");
	if (!job || !*job) {
		if (!(h->has & SCR_HALT_HAS_BEFORE))
			scr_log_warn("the end of the allocation is unknown (no SCR_END_TIME, no "
				     "SLURM job): SCR_HALT_SECONDS cannot act");
		return 0;
	}
	char *msg = NULL;
	int64_t end = 0;
	if (scr_halt_slurm_end_time(job, &end, &msg) == 0) {
		s->halt.end_time = end;
		char when[64];
		scr_halt_format_time(end, when, sizeof(when));
		scr_log_debug(1, "allocation of job %s ends at %s (squeue)", job, when);
	} else {
		scr_log_warn("the end of the allocation is unknown (%s): halt seconds act only "
			     "on exit_before; export SCR_END_TIME to give it", msg ? msg : "squeue");
	}
	free(msg);
	return s->halt.end_time;
}

/* Rank 0: does a condition hold now? */
static int evaluate(struct scr_state *s, const struct scr_halt *h, char **reason)
{
	int64_t end = scr_halt_needs_end_time(h, s->halt.seconds) ? end_time(s, h) : 0;
	return scr_halt_eval(h, (int64_t)time(NULL), end, s->halt.seconds, reason);
}

static int edit_clear_run_end(struct scr_halt *h, void *arg)
{
	char **cleared = arg;
	if (!scr_halt_reason_is_run_end(h->exit_reason))
		return 1;
	*cleared = h->exit_reason;
	h->exit_reason = NULL;
	return 0;
}

static int edit_reason(struct scr_halt *h, void *arg)
{
	if (h->exit_reason)
		return 1;
	return scr_halt_set_reason(h, arg);
}

static int edit_count_down(struct scr_halt *h, void *arg)
{
	if (!(h->has & SCR_HALT_HAS_CHECKPOINTS) || h->checkpoints_left <= 0)
		return 1;
	h->checkpoints_left--;
	return 0;
}

void scr_halt_setup(struct scr_state *s)
{
	s->halt.seconds = scr_config_get_int(s->cfg, "SCR_HALT_SECONDS");
	s->halt.exit = scr_config_get_bool(s->cfg, "SCR_HALT_EXIT");
	s->halt.path = scr_halt_path(s->prefix);
	if (s->comm.rank != 0 || !s->halt.path || access(s->halt.path, F_OK) != 0)
		return;
	/* how an earlier run ended is no reason to stop this one */
	char *cleared = NULL;
	int rc = scr_halt_update(s->halt.path, edit_clear_run_end, &cleared, NULL);
	if (rc)
		report_file(s, rc);
	else if (cleared)
		scr_log_debug(1, "halt file: cleared the exit reason of an earlier run ('%s')",
			      cleared);
	free(cleared);
}

/* Every rank: a condition holds (reason on rank 0). Records it once. */
static void halt_begin(struct scr_state *s, char *reason, const char *ckpt)
{
	int first = !s->halt.halted;
	s->halt.halted = 1;
	if (s->comm.rank == 0 && reason) {
		int rc = scr_halt_update(s->halt.path, edit_reason, reason, NULL);
		if (rc)
			report_file(s, rc);
	}
	if (!first)
		return;
	char *what = NULL;
	if (s->comm.rank == 0)
		what = ckpt ? scr_asprintf("halting: %s; checkpoint '%s' is in the prefix",
					   reason, ckpt)
			    : scr_asprintf("halting: %s", reason);
	size_t len = what ? strlen(what) : 0;
	if (scr_bcast_buf(&s->comm, &what, &len) != 0)
		what = NULL;
	s->halt.what = what;
	if (s->comm.rank != 0 || !what)
		return;
	struct scr_ev ev = scr_ev(0, ckpt);
	ev.reason = reason;
	scr_event(s, SCR_EV_HALT, &ev);
	if (!ckpt)
		scr_log_info("%s: SCR_Should_exit returns 1", what);
	else if (s->tp.mode && s->halt.exit)
		;   /* the transparent mode says when it stops the application */
	else if (s->tp.mode)
		scr_log_info("%s; the application runs on (SCR_HALT_EXIT=1 would stop it)", what);
	else if (s->halt.exit)
		scr_log_info("%s; exiting (SCR_HALT_EXIT=1)", what);
	else
		scr_log_info("%s; SCR_Should_exit returns 1", what);
}

int scr_halt_poll(struct scr_state *s)
{
	if (s->halt.halted)
		return 1;   /* every rank knows it */
	int holds = 0;
	char *reason = NULL;
	if (s->comm.rank == 0 && s->halt.path) {
		struct scr_halt h;
		int rc = scr_halt_read(s->halt.path, &h);
		if (rc)
			report_file(s, rc);
		else
			holds = evaluate(s, &h, &reason);
		scr_halt_release(&h);
	}
	scr_bcast_int(&s->comm, &holds);
	if (holds)
		halt_begin(s, reason, NULL);
	free(reason);
	return holds;
}

int scr_halt_after_checkpoint(struct scr_state *s, int id, const char *name, int flushed)
{
	int holds = 0;
	char *reason = NULL;
	if (s->comm.rank == 0 && s->halt.path) {
		struct scr_halt h;
		scr_halt_init(&h);
		int rc = 0;
		/* no file, nothing to count down (and no lock file made) */
		if (access(s->halt.path, F_OK) == 0 || errno != ENOENT)
			rc = scr_halt_update(s->halt.path, edit_count_down, NULL, &h);
		if (rc)
			report_file(s, rc);
		else
			holds = evaluate(s, &h, &reason);
		scr_halt_release(&h);
	}
	scr_bcast_int(&s->comm, &holds);
	if (!holds)
		return 0;
	/* the checkpoint the job stops at must outlive the job's nodes */
	if (!flushed) {
		if (s->comm.rank == 0)
			scr_log_debug(1, "halting: flushing checkpoint %d '%s'", id, name);
		if (scr_flush(s, id) != 0 && s->comm.rank == 0)
			scr_log_error("cannot flush checkpoint '%s' before halting: it stays in "
				      "cache only (scr_postrun can save it)", name);
	}
	halt_begin(s, reason, name);
	free(reason);
	if (s->halt.exit && !s->tp.mode)
		s->halt.exit_now = 1;
	return 1;
}

void scr_halt_finalize(struct scr_state *s)
{
	if (s->comm.rank != 0 || !s->halt.path)
		return;
	int rc = scr_halt_update(s->halt.path, edit_reason, SCR_HALT_REASON_FINALIZE, NULL);
	if (rc)
		report_file(s, rc);
}

void scr_halt_state_release(struct scr_halt_state *h)
{
	free(h->path);
	free(h->what);
	h->path = h->what = NULL;
}
