/*
 * The transparent mode's engine, inside interpose/: the state the file
 * operations (shim.c) and the agreement thread (agree.c) share, and the one
 * way a call from the application enters it.
 *
 * One process-wide instance: an LD_PRELOAD shim has no other place to keep
 * what the application's calls leave behind.
 */
#ifndef SCR_ENGINE_H
#define SCR_ENGINE_H

#include "book.h"
#include "shim.h"

#include <pthread.h>
#include <signal.h>
#include <sys/types.h>

struct scr_pattern;
struct scr_tp_file;

struct engine {
	enum shim_state state;
	pid_t pid;
	int scr_inited;
	struct scr_pattern *pat;
	pthread_mutex_t lock;    /* guards everything below */
	pthread_cond_t cond;
	struct book book;
	int in_round;            /* a round is deciding: write-opens wait */
	int completing;          /* the thread is inside the library: lookups wait */
	int finalizing;
	int need_flush;          /* a read needs another node's restart file */
	long flushes;            /* on-demand flushes done */
	int have_thread;
	int rank;
	double settle, watchdog;
	int warned_fallback, warned_wait, warned_remote, warned_journal;
	volatile sig_atomic_t crashed;   /* a fatal signal: complete nothing more */
	int abandoned;           /* no agreement at MPI_Finalize: step aside */
	off_t largest;           /* largest checkpoint file written so far */
	long halt_gen;           /* SCR_HALT_EXIT: a write-open for this generation
				  * or a later one stops the application; -1 none */
};

extern struct engine sh;

/*
 * A call from the application: enter takes the lock and the recursion guard
 * and keeps the caller's errno in err; leave gives both back and sets errno
 * to err (left as it was, unless the call stored another there).
 */
struct call {
	int err;
};
void engine_enter(struct call *c);
void engine_leave(const struct call *c);

double engine_now(void);

/* The part of abs below the prefix directory, or NULL when abs is not in it. */
const char *engine_rel(const char *abs);

/* Lock and guard held: wait until no round is in flight / the library is free. */
void engine_wait_round(void);
void engine_wait_library(void);

/* Lock and guard held: rewrite this rank's journal of closed files from
 * both slots. */
void engine_journal(void);

/* A slot's files as the library takes them (strings stay the slot's);
 * calloc'd, NULL when out of memory. */
struct scr_tp_file *engine_slot_files(const struct book_slot *s);

/* Lock and guard held: move the checkpoint file open at fd from the cache
 * to its real path (same contents, offset and descriptor). 0 on success. */
int engine_move_to_real_path(int fd, const char *why);

/* SCR_HALT_EXIT: what MPI_Finalize does, then exit 0. Outside the lock. */
void engine_halt_stop(void) __attribute__((noreturn));

#endif
