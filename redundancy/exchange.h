/*
 * MPI plumbing the cross-node schemes share: who is in which set, who still
 * holds what, and moving records and blocks between ranks. The arithmetic is
 * in kernels.c, the file formats in redfile.c and stream.c.
 */
#ifndef SCR_EXCHANGE_H
#define SCR_EXCHANGE_H

#include "redfile.h"
#include "redundancy.h"

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes moved per message: big enough for bandwidth, small enough that a
 * set's buffers stay within a few tens of MiB. */
#define RED_PIECE ((size_t)1 << 20)

void red_warn(const struct scr_red_dataset *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Aligned for ISA-L; freed with free(). */
unsigned char *red_alloc(size_t len);

/*
 * Collective over world: the sets of this job for set_size (0: rings, for
 * PARTNER), built from the ranks' failure groups. *comm gets this rank's
 * set (ranks ordered by position), *members its world ranks by position.
 * 0, -SCR_ECONFIG when no sets can be built (reported once), or another
 * error (-SCR_EREMOTE where it happened on another rank).
 */
int red_make_set(const struct scr_red_dataset *d, int set_size, const char *scheme,
		 MPI_Comm *comm, int **members, int *nmembers);

/* This rank's record for encode (points into d; nothing to free but files). */
int red_own_record(const struct scr_red_dataset *d, int rank, struct scr_red_record *r);

/* Every member's record, gathered within comm, in position order. */
int red_allgather_records(MPI_Comm comm, const struct scr_red_record *mine,
			  struct scr_red_record **all);
void red_records_free(struct scr_red_record *r, int n);

/* This rank's redundancy header, if it is there, intact, and belongs to this
 * dataset, rank, job size and scheme; else *ok = 0. */
int red_load_header(const struct scr_red_dataset *d, int scheme, struct scr_red_header *h,
		    uint64_t *payload_off, int *ok);

/*
 * The roll call of recover: every rank's has_data and has_red, and an
 * allgathered list of ints per rank (the scheme's set description).
 */
struct red_roll {
	int nranks;
	int *has_data, *has_red;
	int *info_off, *info_len, *info;
	int all_data, all_red;
};
int red_roll_call(const struct scr_red_dataset *d, int has_red, const int *info, int ninfo,
		  struct red_roll *roll);
void red_roll_release(struct red_roll *roll);

/* A record sent to a rank being rebuilt (point to point within comm). */
int red_send_record(const struct scr_red_record *r, int dest, MPI_Comm comm);
int red_recv_record(struct scr_red_record *r, int src, MPI_Comm comm);

/* The outcome shared by all ranks: ok and reprotect reduced over world;
 * meta taken from rec when this rank was rebuilt. */
int red_finish(const struct scr_red_dataset *d, int ok, int reprotect,
	       const struct scr_red_record *rebuilt, struct scr_red_outcome *out);

/* remove a rank's redundancy file and the .scr directory if empty */
int red_remove_file(const struct scr_red_dataset *d);

#endif
