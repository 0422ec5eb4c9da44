/*
 * Redundancy schemes behind one interface. The library calls encode once a
 * dataset's files are complete on every rank, and recover on restart to
 * check (and, for the cross-node schemes, rebuild) a cached dataset.
 *
 * This folder knows nothing of the library in core/: it sees a dataset only
 * through the arguments below, and uses only core's MPI-free base (its
 * error codes: every function here returns 0 or -SCR_E*). Arithmetic kernels
 * live apart from the MPI exchanges so the commands can rebuild without MPI.
 */
#ifndef SCR_REDUNDANCY_H
#define SCR_REDUNDANCY_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

/* One file of this rank in the dataset. */
struct scr_red_file {
	const char *path;   /* relative to dataset_dir */
	uint64_t size;
	uint32_t crc;
};

/* What a scheme gets to work on: one dataset, from this rank's view. */
struct scr_red_dataset {
	int id;
	MPI_Comm world;            /* all ranks of the job */
	const char *dataset_dir;   /* this node's cache directory of the dataset */
	const char *group;         /* this rank's failure group (its node by default) */
	int set_size;              /* XOR, RS: ranks per set */
	int set_failures;          /* RS: lost ranks a set survives */
	int have;                  /* recover: this rank's files are present and verified */
	size_t nfiles;
	const struct scr_red_file *files;
	/* encode: the library's record of this rank's part, kept with the
	 * redundancy data and handed back when the rank is rebuilt */
	const void *meta;
	size_t meta_len;
	/* reports a problem (one line, no newline); called on one rank per
	 * problem where the problem is global */
	void (*warn)(const char *msg);
};

/* What recover found. */
struct scr_red_outcome {
	int ok;           /* every rank's files are present and verified (same on all ranks) */
	int reprotect;    /* redundancy data was lost or rebuilt: encode again (same on all) */
	void *meta;       /* this rank was rebuilt: its record from encode (malloc'd) */
	size_t meta_len;
};

struct scr_redundancy {
	const char *name;
	/* Collective. Compute and store redundancy data; 0 on every rank, or
	 * an error on every rank: the rank's own reason (reported through
	 * warn), or -SCR_EREMOTE where another rank failed. Partial data is
	 * removed. */
	int (*encode)(const struct scr_red_dataset *d);
	/*
	 * Collective. Fills *out on every rank: whether the whole dataset is
	 * usable, after rebuilding the files of ranks that lack them where the
	 * scheme can. 0, or a negative error when the attempt itself failed.
	 */
	int (*recover)(const struct scr_red_dataset *d, struct scr_red_outcome *out);
	/* Remove this rank's redundancy data of the dataset. */
	int (*remove)(const struct scr_red_dataset *d);
};

/* Where a rank keeps its redundancy data of a dataset (one file, malloc'd):
 * it moves with the rank's files when ranks change nodes. */
char *scr_redundancy_path(const char *dataset_dir, int rank);

/* The scheme for a name (SINGLE, PARTNER, XOR, RS; case-insensitive), or
 * NULL when this build does not have it. */
const struct scr_redundancy *scr_redundancy_lookup(const char *name);

#endif
