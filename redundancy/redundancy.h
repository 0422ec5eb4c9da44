/*
 * Redundancy schemes behind one interface. The library calls encode once a
 * dataset's files are complete on every rank, and recover on restart to
 * check (and, for the cross-node schemes, rebuild) a cached dataset.
 *
 * This folder knows nothing of core/: it sees a dataset only through the
 * arguments below. Arithmetic kernels live apart from the MPI exchanges so
 * the commands can rebuild without MPI.
 */
#ifndef SCR_REDUNDANCY_H
#define SCR_REDUNDANCY_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

/* One file of this rank in the dataset. */
struct scr_red_file {
	const char *path;   /* absolute path in this node's cache */
	uint64_t size;
	uint32_t crc;
};

/* What a scheme gets to work on: one dataset, from this rank's view. */
struct scr_red_dataset {
	int id;
	MPI_Comm world;            /* all ranks of the job */
	MPI_Comm node;             /* ranks sharing this rank's node */
	const char *dataset_dir;   /* this node's cache directory of the dataset */
	const char *node_name;
	int have;                  /* recover: this rank's files are present and verified */
	size_t nfiles;
	const struct scr_red_file *files;
};

struct scr_redundancy {
	const char *name;
	/* Collective. Compute and store redundancy data; 0 or negative error. */
	int (*encode)(const struct scr_red_dataset *d);
	/*
	 * Collective. Sets *ok on every rank when the whole dataset is usable
	 * (rebuilding missing files first where the scheme can); 0 or a
	 * negative error when the attempt itself failed.
	 */
	int (*recover)(const struct scr_red_dataset *d, int *ok);
	/* Remove this rank's redundancy data of the dataset. */
	int (*remove)(const struct scr_red_dataset *d);
};

/* The scheme for a name (SINGLE, PARTNER, XOR, RS; case-insensitive), or
 * NULL when this build does not have it. */
const struct scr_redundancy *scr_redundancy_lookup(const char *name);

#endif
