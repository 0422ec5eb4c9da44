/*
 * The event log: what happened to a job, one record per event, for the
 * people who run the machine (how often jobs checkpoint, how long it
 * takes, how much reaches the prefix, how often runs fail and restart, and
 * from where). The library and the commands write events through the
 * sinks configured by SCR_LOG_ENABLE and:
 *   text    <prefix>/.scr/log, one line per event, appended by every run
 *           and command under an advisory lock (SCR_LOG_TXT_ENABLE)
 *   syslog  SCR_LOG_SYSLOG_ENABLE, with SCR_LOG_SYSLOG_PREFIX (the ident),
 *           _FACILITY and _LEVEL
 * A line:
 *   <time> event=<kind> job=<id> user=<u> node=<n> prefix=<dir> [key=value...]
 * time is UTC, ISO 8601 with milliseconds; values are escaped as in state
 * files (scr_meta_escape), so a line splits on its spaces. MPI-free.
 */
#ifndef SCR_EVENT_H
#define SCR_EVENT_H

#include <stddef.h>
#include <stdint.h>

struct scr_config;

/* Event kinds, as they appear after event=. */
#define SCR_EV_RUN_START  "run_start"
#define SCR_EV_RUN_END    "run_end"
#define SCR_EV_CHECKPOINT "checkpoint"
#define SCR_EV_FLUSH      "flush"
#define SCR_EV_FETCH      "fetch"
#define SCR_EV_RESTART    "restart"
#define SCR_EV_REBUILD    "rebuild"
#define SCR_EV_FALLBACK   "fallback"
#define SCR_EV_FAILURE    "failure"
#define SCR_EV_HALT       "halt"
#define SCR_EV_NODES_DOWN "nodes_down"
#define SCR_EV_WATCHDOG   "watchdog"     /* by scr_run: a hung run killed */

struct scr_event_log {
	int enabled;         /* SCR_LOG_ENABLE and at least one sink */
	char *job, *user, *node, *prefix;
	char *txt_path;      /* NULL: no text log */
	int syslog;          /* syslog is open */
	char *ident;         /* its ident: openlog keeps the pointer */
	int syslog_level;
	int txt_failed;      /* said once */
};

/* From the configuration; nothing to release when it fails (-SCR_ENOMEM). */
int scr_event_log_open(struct scr_event_log *lg, const struct scr_config *cfg,
		       const char *prefix, const char *job, const char *user,
		       const char *node);
void scr_event_log_close(struct scr_event_log *lg);

/*
 * The line of an event (malloc'd, ending in a newline): kind, then the
 * key/value pairs of kv (NULL-terminated, a NULL value skips its key) after
 * the job's own keys. NULL when out of memory.
 */
char *scr_event_line(const struct scr_event_log *lg, double when, const char *kind,
		     const char *const *kv);

/* Write a line to every sink. A sink that fails is said once on stderr and
 * costs the caller nothing more; returns 0 or the text sink's error. */
int scr_event_log_write(struct scr_event_log *lg, const char *line);

/* Wall clock seconds since the epoch, for when. */
double scr_event_now(void);

/* A line of the text log, decoded: its time, and its key=value pairs
 * unescaped, event= and job= among them. */
struct scr_event_rec {
	double time;
	size_t n;
	char **key, **val;
};
/* 0; -SCR_EFORMAT for a line that is not an event (no time, no event= or
 * job=); -SCR_ENOMEM. r is left empty on failure. */
int scr_event_parse(const char *line, struct scr_event_rec *r);
/* The value of key, NULL when the line has none. */
const char *scr_event_get(const struct scr_event_rec *r, const char *key);
void scr_event_rec_release(struct scr_event_rec *r);

#endif
