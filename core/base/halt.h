/*
 * Halt conditions: when a job should stop. They live in the prefix, in
 * <prefix>/.scr/halt.scr, a state record (meta.h container) of kind "halt"
 * with at most one "halt" line; every key of it is optional:
 *
 *   checkpoints_left=N  stop after N more checkpoints (int; <= 0 holds now)
 *   exit_before=T       stop before the time T (epoch seconds), halt_seconds
 *                       ahead of it
 *   exit_after=T        stop once the time T (epoch seconds) has come
 *   halt_seconds=N      margin in seconds (int >= 0) for exit_before and for
 *                       the end of the allocation; overrides SCR_HALT_SECONDS
 *   exit_reason=TEXT    stop: set by a user (scr_halt --reason), or by the
 *                       library when it halted ("checkpoints left reached 0",
 *                       "SCR_Finalize called", ...)
 *   job_id=ID           the running job ([A-Za-z0-9_.-]+), recorded by the
 *                       job scripts (scr_halt --set-job) for --immediate
 *
 * Unknown keys or tags, a second line, a key twice, an empty exit_reason or
 * a time <= 0 make the file malformed (-SCR_EFORMAT). Writers and the
 * library (rank 0) change it only through scr_halt_update: a read-modify-
 * write under an flock of <halt file>.lock, written to a temporary name and
 * renamed, so readers never see half a file and need no lock. MPI-free:
 * shared by the library and the scr_halt command.
 */
#ifndef SCR_HALT_H
#define SCR_HALT_H

#include <stddef.h>
#include <stdint.h>

#define SCR_HALT_KIND    "halt"
#define SCR_HALT_VERSION 1

/* Which optional numbers are set (exit_reason and job_id: non-NULL). */
enum {
	SCR_HALT_HAS_CHECKPOINTS = 1 << 0,
	SCR_HALT_HAS_BEFORE      = 1 << 1,
	SCR_HALT_HAS_AFTER       = 1 << 2,
	SCR_HALT_HAS_SECONDS     = 1 << 3,
};

struct scr_halt {
	unsigned has;           /* SCR_HALT_HAS_* */
	int checkpoints_left;
	int64_t exit_before;    /* epoch seconds, > 0 when set */
	int64_t exit_after;     /* epoch seconds, > 0 when set */
	int halt_seconds;       /* >= 0 when set */
	char *exit_reason;      /* malloc'd, non-empty; NULL: unset */
	char *job_id;           /* malloc'd; NULL: unset */
};

/* Reasons the library records (exit_reason). */
#define SCR_HALT_REASON_FINALIZE "SCR_Finalize called"
/* Start of the reason recorded when the allocation is about to end. */
#define SCR_HALT_REASON_ALLOC    "allocation ends"

void scr_halt_init(struct scr_halt *h);     /* no conditions */
void scr_halt_release(struct scr_halt *h);  /* frees and re-inits */
/* 1 when no condition and no job id is set. */
int scr_halt_empty(const struct scr_halt *h);

/* Setters validate as the reader does (-SCR_EINVAL); NULL clears the
 * strings. */
int scr_halt_set_reason(struct scr_halt *h, const char *reason);
int scr_halt_set_job(struct scr_halt *h, const char *job_id);
/* A job id the file accepts: [A-Za-z0-9_.-]+, at most 64 bytes. */
int scr_halt_job_id_ok(const char *job_id);

/* "<prefix>/.scr/halt.scr", malloc'd (NULL when out of memory). */
char *scr_halt_path(const char *prefix);

/* In-memory forms (buf malloc'd); decode fills h (need not be
 * initialised; left empty on failure). */
int scr_halt_encode(const struct scr_halt *h, char **buf, size_t *len);
int scr_halt_decode(const char *buf, size_t len, struct scr_halt *h);
/* decode that says where and why it failed (meta.h; why may be NULL) */
struct scr_meta_why;
int scr_halt_decode_why(const char *buf, size_t len, struct scr_halt *h,
			struct scr_meta_why *why);

/*
 * Read the halt file. A missing file is no conditions (0, h empty);
 * errors: -SCR_EIO (errno kept), -SCR_EFORMAT, -SCR_ECORRUPT, -SCR_ETRUNC,
 * -SCR_EVERSION. No lock: writers replace the file by rename.
 */
int scr_halt_read(const char *path, struct scr_halt *h);

/*
 * Locked read-modify-write. edit(h, arg) changes the conditions read (empty
 * when there is no file) and returns 0 to write them, > 0 to leave the file
 * as it is, or a negative error (returned, nothing written). The file is not
 * read-modified when it cannot be read: that error is returned without
 * calling edit. The parent directory is made when missing. When out is not
 * NULL it gets the conditions as they are afterwards (the caller releases
 * it; empty on error). Where the file system has no flock the update goes
 * on unlocked (the rename still keeps readers safe).
 */
int scr_halt_update(const char *path, int (*edit)(struct scr_halt *h, void *arg), void *arg,
		    struct scr_halt *out);

/* Delete the halt file under the lock (missing is fine). The file is not
 * read first, so this also clears a damaged one. */
int scr_halt_remove(const char *path);

/*
 * One line for a read error of the halt file at path, naming the file and
 * the fix ("scr_halt --remove"), without a trailing newline; malloc'd (NULL
 * when out of memory). saved_errno: errno after the failed read.
 */
char *scr_halt_error_text(const char *path, int rc, int saved_errno);

/*
 * Does a condition hold at time now (epoch seconds)? end_time: when the
 * allocation ends (epoch seconds, 0 unknown); halt_seconds_param:
 * SCR_HALT_SECONDS, used when the file sets no halt_seconds. In order:
 *   exit_reason set                                  -> holds
 *   checkpoints_left set and <= 0                    -> holds
 *   exit_after set and now >= exit_after             -> holds
 *   exit_before set and now + halt seconds >= exit_before -> holds
 *   end_time known, halt seconds > 0 and end_time - now <= halt seconds
 *                                                    -> holds
 * Returns 1 (holds) or 0; when reason is not NULL and a condition holds,
 * *reason gets a malloc'd one-line text of the first that does (else NULL).
 * Pure apart from the local time zone used to print times.
 */
int scr_halt_eval(const struct scr_halt *h, int64_t now, int64_t end_time,
		  long long halt_seconds_param, char **reason);

/* 1 when the effective halt seconds (file, else param) are > 0: only then
 * is the end of the allocation worth asking for. */
int scr_halt_needs_end_time(const struct scr_halt *h, long long halt_seconds_param);

/* 1 for a reason that tells how an earlier run ended (SCR_Finalize called,
 * allocation ending) rather than a reason to stop the next run. */
int scr_halt_reason_is_run_end(const char *reason);

/* ---- times ---- */

/* "2026-11-23 14:00:00 CET" (local time), or "-" for t <= 0. */
void scr_halt_format_time(int64_t t, char *buf, size_t size);

/* Where a parsed time came from, for messages. */
enum scr_halt_time_kind {
	SCR_HALT_TIME_ABSOLUTE,   /* a date and time, or @EPOCH */
	SCR_HALT_TIME_RELATIVE,   /* +N[smhd] from now */
	SCR_HALT_TIME_TODAY,      /* HH:MM[:SS], later today */
	SCR_HALT_TIME_TOMORROW,   /* HH:MM[:SS], already past today: tomorrow */
};

/*
 * A time as a user writes it, in local time: "HH:MM[:SS]" (today, or
 * tomorrow when that time has passed), "YYYY-MM-DD[ T]HH:MM[:SS]",
 * "@EPOCH", "+N[smhd]". now is the current time (epoch seconds).
 * 0 or -SCR_EINVAL; *kind (may be NULL) says which form it was.
 */
int scr_halt_parse_time(const char *text, int64_t now, int64_t *out,
			enum scr_halt_time_kind *kind);
/* The accepted forms, for messages. */
#define SCR_HALT_TIME_FORMS \
	"HH:MM[:SS] (today, or tomorrow when past), YYYY-MM-DD[ T]HH:MM[:SS], @EPOCH or +N[smhd]"

/* A duration: N with an optional s, m, h or d suffix, 0 <= result <= INT_MAX. */
int scr_halt_parse_seconds(const char *text, int *out);

/* squeue's %e: "YYYY-MM-DDTHH:MM:SS" in local time; -SCR_EINVAL for
 * anything else ("N/A", "UNLIMITED", "INVALID"). Surrounding blanks and a
 * final newline are allowed. */
int scr_halt_parse_slurm_time(const char *text, int64_t *out);

/*
 * Ask SLURM when job jobid ends: runs "squeue -h -j ID -o %e" (searched in
 * PATH, stderr discarded) and parses its answer. 0 and *end, or an error
 * with *msg (malloc'd) saying why it is unknown.
 */
int scr_halt_slurm_end_time(const char *jobid, int64_t *end, char **msg);

#endif
