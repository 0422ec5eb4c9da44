/*
 * The library's events (core/base/event.h), written off the checkpoint
 * path. Rank 0 alone speaks for the job: it formats each event's line and
 * queues it, and a thread writes the queue to the sinks, so a slow or dead
 * sink (a hung file system, a full disk, syslog) never slows the job. The
 * queue is bounded; when it is full, events are dropped and counted, and
 * the count is said when the log closes.
 */
#ifndef SCR_EVENTLOG_H
#define SCR_EVENTLOG_H

#include "event.h"

struct scr_state;
struct scr_events;

/* What an event says beyond its kind; unset fields are left out. Start
 * from scr_ev(id, name), which leaves every other field unset. */
struct scr_ev {
	int id;                 /* dataset, 0: none */
	const char *name;       /* dataset name */
	const char *mode;       /* checkpoint or output; sync or background; api or transparent */
	const char *scheme;     /* redundancy */
	const char *source;     /* cache or prefix */
	const char *reason;     /* why (failures, fallbacks, halts, the end of a run) */
	long long files, bytes; /* -1: unset */
	double seconds;         /* < 0: unset */
	int ranks;              /* -1: unset */
};

/* An event about dataset id (0: none) called name (may be NULL). */
struct scr_ev scr_ev(int id, const char *name);

/* Collective in SCR_Init: rank 0 opens the sinks of the configuration
 * (nothing when SCR_LOG_ENABLE=0). */
void scr_events_open(struct scr_state *s);
/* Rank 0: queue an event (other ranks: nothing). */
void scr_event(struct scr_state *s, const char *kind, const struct scr_ev *ev);
/* Write what is queued, stop the thread, say how many events were dropped. */
void scr_events_close(struct scr_state *s);

#endif
