/*
 * scr: Scalable Checkpoint/Restart for MPI applications.
 *
 * The public API, source-compatible with LLNL SCR 3.x: a program written
 * against SCR compiles and runs unchanged. All functions except
 * SCR_Get_version and SCR_Config must be called between MPI_Init and
 * MPI_Finalize, after SCR_Init; the ones marked "collective" must be called by
 * every rank of MPI_COMM_WORLD.
 */
#ifndef SCR_H
#define SCR_H

#ifdef __cplusplus
extern "C" {
#endif

#define SCR_MAJOR_VERSION "0"
#define SCR_MINOR_VERSION "1"
#define SCR_PATCH_VERSION "0"
#define SCR_VERSION "v0.1.0"

/* return codes */
#define SCR_SUCCESS (0)
#define SCR_FAILURE (1)

/* length of the name and file buffers passed to SCR_Route_file,
 * SCR_Have_restart and SCR_Start_restart */
#define SCR_MAX_FILENAME 1024

/* flags of SCR_Start_output, OR'd */
#define SCR_FLAG_NONE       (0 << 0)
#define SCR_FLAG_CHECKPOINT (1 << 0) /* the job can restart from this dataset */
#define SCR_FLAG_OUTPUT     (1 << 1) /* the dataset must reach the prefix directory */

/* Collective. Reads the configuration, sets up cache and control
 * directories and finds a dataset to restart from (in cache, else fetched
 * from the prefix). On a configuration error scr prints it and runs in
 * pass-through mode: files go to the paths the application names. */
int SCR_Init(void);

/* Collective. Completes an open dataset as invalid, flushes the newest
 * checkpoint if it is only in cache and SCR_FLUSH > 0, releases scr. */
int SCR_Finalize(void);

/*
 * Set or query a parameter, before SCR_Init. "KEY=VALUE" sets (an empty VALUE
 * unsets), "KEY" returns a copy of the value that the caller must free (NULL
 * when unset), a descriptor line ("CKPT=0 TYPE=SINGLE") adds a descriptor.
 * Settings here win over every other source.
 */
const char *SCR_Config(const char *config);
/* printf-style SCR_Config */
const char *SCR_Configf(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* The version string, e.g. "v0.1.0" (static; do not free). */
char *SCR_Get_version(void);

/*
 * Where to open a file. In an output phase (after SCR_Start_output), name is
 * the path the file should finally have (relative to the current directory,
 * or absolute; under the prefix directory) and file receives the path to
 * write now (in cache), with its parent directories made. In a restart phase
 * file receives the path to read, and SCR_FAILURE is returned when the
 * dataset has no such file. Otherwise name is copied unchanged.
 * file must hold SCR_MAX_FILENAME bytes.
 */
int SCR_Route_file(const char *name, char *file);

/* Collective. Sets *flag when a checkpoint should be taken now, following
 * SCR_CHECKPOINT_INTERVAL / _SECONDS / _OVERHEAD (always 1 when none is set). */
int SCR_Need_checkpoint(int *flag);

/* Collective. Opens a new dataset named name (NULL: "scr.dataset.<id>"). */
int SCR_Start_output(const char *name, int flags);

/* Collective. Closes the open dataset: records each file's size and CRC,
 * agrees over all ranks that it is complete, applies redundancy, flushes as
 * configured. Returns SCR_SUCCESS only when every rank passed valid != 0. */
int SCR_Complete_output(int valid);

/* Whether a checkpoint is available to restart from, and its name
 * (name may be NULL, else SCR_MAX_FILENAME bytes). */
int SCR_Have_restart(int *flag, char *name);

/* Collective. Begins reading the restart dataset; name as above. */
int SCR_Start_restart(char *name);

/* Collective. Ends the restart. When some rank passes valid == 0 the dataset
 * is not used again, SCR_FAILURE is returned, and SCR_Have_restart reports the
 * next older dataset, if any. */
int SCR_Complete_restart(int valid);

/* Collective. Sets *flag when the job should stop (halt conditions). */
int SCR_Should_exit(int *flag);

/* Collective. Makes the named dataset the one to restart from. */
int SCR_Current(const char *name);

/* Collective. Removes the named dataset from the index and the cache
 * (its files in the prefix stay). */
int SCR_Drop(const char *name);

/* Collective. Deletes the named dataset everywhere: cache, prefix files and
 * index entry. */
int SCR_Delete(const char *name);

/* Legacy checkpoint calls: Start_output(NULL, SCR_FLAG_CHECKPOINT) and
 * Complete_output(valid). */
int SCR_Start_checkpoint(void);
int SCR_Complete_checkpoint(int valid);

#ifdef __cplusplus
}
#endif

#endif
