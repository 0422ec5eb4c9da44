/*
 * The library's communicators and the collective helpers over them. Every
 * helper is collective over world and returns the same answer on every
 * rank unless it says otherwise.
 */
#ifndef SCR_COMM_H
#define SCR_COMM_H

#include "meta.h"

#include <mpi.h>
#include <stddef.h>

struct scr_comm {
	MPI_Comm world;      /* private duplicate of MPI_COMM_WORLD */
	MPI_Comm node;       /* ranks with the same node name */
	int rank, nranks;
	int node_rank, node_size;
};

/* Duplicate MPI_COMM_WORLD (node stays MPI_COMM_NULL until split). */
int scr_comm_open(struct scr_comm *c);
/* Free both communicators (safe on a comm never opened). */
void scr_comm_close(struct scr_comm *c);
/* Form c->node from the ranks that carry the same node name. */
int scr_comm_split_node(struct scr_comm *c, const char *node_name);

int scr_allreduce_and(const struct scr_comm *c, int mine);
int scr_allreduce_max(const struct scr_comm *c, int mine);
int scr_bcast_int(const struct scr_comm *c, int *value);
/* The reason a collective step failed, the same on every rank: the error
 * of the lowest rank that had one of its own (not -SCR_EREMOTE), else
 * -SCR_EREMOTE when some rank failed, else 0. */
int scr_agree_error(const struct scr_comm *c, int rc);
/* rank 0 gets every rank's buffer concatenated, with per-rank lengths */
int scr_gather_bufs(const struct scr_comm *c, const char *buf, int len, char **all,
		    int **lens);
/* rank 0's buffer to every rank (malloc'd, NUL-terminated, len bytes) */
int scr_bcast_buf(const struct scr_comm *c, char **buf, size_t *len);
/* The string of the lowest rank whose mine is not NULL, on every rank
 * (malloc'd); NULL everywhere when no rank has one (or out of memory). */
char *scr_agree_str(const struct scr_comm *c, const char *mine);

/* Rank 0 gets every rank's files, in rank order (others get none). */
int scr_gather_files(const struct scr_comm *c, const struct scr_file *files, size_t n,
		     struct scr_file **all, size_t *nall);

/* file lists through the meta encoding, for gathers and scatters */
int scr_files_encode(const struct scr_file *files, size_t n, char **buf, size_t *len);
int scr_files_decode(const char *buf, size_t len, struct scr_file **files, size_t *n);
void scr_files_free(struct scr_file *files, size_t n);

#endif
