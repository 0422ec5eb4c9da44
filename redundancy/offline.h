/*
 * Rebuilding without MPI, for the commands after a job: what the surviving
 * nodes held has been gathered into two directories, every rank's files
 * under data_dir at their relative paths and the redundancy files
 * (red.<rank>) under red_dir. Files of ranks that are missing or fail their
 * CRC are rebuilt in data_dir from the redundancy data, with the same
 * kernels and block layout as the library, and verified.
 */
#ifndef SCR_OFFLINE_H
#define SCR_OFFLINE_H

#include "redfile.h"

struct scr_red_offline {
	int dataset_id;
	int nranks;
	int scheme;                      /* enum scr_red_scheme */
	struct scr_red_record *records;  /* by rank; rank -1 where no file names it */
	int *state;                      /* by rank: enum scr_red_rank_state */
};

enum scr_red_rank_state {
	SCR_RED_INTACT = 0,      /* its files were there and verified */
	SCR_RED_REBUILT,         /* rebuilt and verified */
	SCR_RED_LOST,            /* missing and beyond the scheme's reach */
};

/*
 * 0 when every rank's files are in data_dir and verified afterwards;
 * -SCR_ELOST when some could not be rebuilt (out->state says which);
 * -SCR_ENOENT when red_dir holds no usable redundancy file of the dataset
 * (id, or any when id is 0); -SCR_ENOMEM. Problems are reported through
 * warn, one line each.
 */
int scr_red_offline_rebuild(const char *data_dir, const char *red_dir, int dataset_id,
			    void (*warn)(const char *msg), struct scr_red_offline *out);
void scr_red_offline_release(struct scr_red_offline *out);

#endif
