/*
 * Halt conditions in the library (the rules and the halt file are the
 * base's halt.h): what a run knows of them, and the steps that check them.
 * The halt file is rank 0's.
 */
#ifndef SCR_HALT_LIB_H
#define SCR_HALT_LIB_H

#include <stdint.h>

struct scr_halt_state {
	char *path;             /* <prefix>/.scr/halt.scr */
	long long seconds;      /* SCR_HALT_SECONDS */
	int exit;               /* SCR_HALT_EXIT */
	int halted;             /* a condition held: SCR_Should_exit answers 1 */
	char *what;             /* every rank: why, and which checkpoint is safe */
	int exit_now;           /* API: SCR_Complete_output ends the run */
	int file_warned;        /* rank 0: an unusable halt file was reported */
	int end_time_looked;    /* rank 0: end_time is all there is to know */
	int64_t end_time;       /* rank 0: end of the allocation, 0 unknown */
};

struct scr_state;

/* Setup and finalize are local
 * (the file is rank 0's); the others are collective and give every rank
 * the same answer. */
void scr_halt_setup(struct scr_state *s);
/* SCR_Should_exit: 1 when a condition holds (from then on, always 1) */
int scr_halt_poll(struct scr_state *s);
/* After checkpoint id (name) completed, flushed or not: count it down,
 * evaluate, and when halting flush it if it is not in the prefix yet and
 * record the reason. Returns 1 when halting. */
int scr_halt_after_checkpoint(struct scr_state *s, int id, const char *name, int flushed);
/* SCR_Finalize: record that the run ended by itself, unless a reason is set */
void scr_halt_finalize(struct scr_state *s);
/* Frees the strings the state holds (at SCR_Finalize). */
void scr_halt_state_release(struct scr_halt_state *h);

#endif
