/*
 * Background flush (SCR_FLUSH_ASYNC=1): a completed checkpoint drains to
 * the prefix while the application computes. At most one is in flight.
 * Every function here is collective unless it says otherwise, and is
 * called from the library's API calls, on the application's thread.
 */
#ifndef SCR_FLUSH_BG_H
#define SCR_FLUSH_BG_H

struct scr_state;
struct scr_flush_bg;

/* Start flushing cached dataset id in the background (after finishing the
 * one in flight). 0 when it started; an error when it could not (the
 * dataset stays in cache, unflushed, as after a failed flush). */
int scr_flush_bg_start(struct scr_state *s, int id);

/* Finish the flush in flight if every node has copied its files: the
 * summary and the index entry are written, the filemaps say flushed.
 * Cheap (one allreduce) while copies go on; nothing when none is in flight. */
void scr_flush_bg_poll(struct scr_state *s);

/* Wait for the flush in flight and finish it; 0 when none was in flight
 * or it succeeded, else why it failed (the dataset stays in cache). */
int scr_flush_bg_wait(struct scr_state *s);

/* Local: the id of the dataset in flight on this job, 0 when none. A
 * dataset in flight never leaves the cache. */
int scr_flush_bg_id(const struct scr_state *s);

/* Collective at SCR_Init: a background flush this job's previous run was
 * making on this node when it died left temporary copies beside the real
 * paths of its files: each rank removes those of its own files, and the
 * node's progress record says the flush failed. */
void scr_flush_bg_tidy(struct scr_state *s);

/* Local, when the library lets go without finishing (an error path): stop
 * the copies after the current file and forget the flush; the dataset was
 * never indexed, so nothing half-copied is offered for a restart. */
void scr_flush_bg_release(struct scr_state *s);

#endif
