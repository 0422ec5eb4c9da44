/*
 * The progress of a background flush on one node, as the node's flush
 * thread last wrote it (<control dir>/flush.scr, a state file of kind
 * "flush"): which dataset, bytes copied of how many, since when, at what
 * cap. The library writes it; scr_flush_file --progress and scr_inspect
 * read it while the job runs. MPI-free.
 */
#ifndef SCR_FLUSHPROG_H
#define SCR_FLUSHPROG_H

#include <stdint.h>

#define SCR_FLUSHPROG_KIND    "flush"
#define SCR_FLUSHPROG_VERSION 1

enum scr_flush_phase {
	SCR_FLUSH_RUNNING = 0,
	SCR_FLUSH_COPIED,      /* this node's files are in the prefix, verified */
	SCR_FLUSH_FAILED,      /* a copy failed: the dataset stays in cache only */
};

struct scr_flushprog {
	int id;
	char *name;
	enum scr_flush_phase phase;
	uint64_t files, bytes;   /* this node's share */
	uint64_t done;           /* bytes copied so far */
	int64_t started_ms;      /* wall clock, milliseconds since the epoch */
	int64_t updated_ms;
	uint64_t bw;             /* SCR_FLUSH_ASYNC_BW, bytes per second, 0: none */
};

void scr_flushprog_release(struct scr_flushprog *p);
/* <cntl_dir>/flush.scr, malloc'd (NULL when out of memory) */
char *scr_flushprog_path(const char *cntl_dir);
/* Atomic replace (0600: it names the user's dataset). */
int scr_flushprog_write(const char *path, const struct scr_flushprog *p);
/* -SCR_ENOENT when no flush ran on this node; other errors as meta.h's. */
int scr_flushprog_read(const char *path, struct scr_flushprog *p);
/* The phase's word: "running", "copied", "failed". */
const char *scr_flushprog_phase_name(enum scr_flush_phase phase);

#endif
