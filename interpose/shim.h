/*
 * The transparent mode's shared state: lifecycle, recursion guard, the
 * table of open checkpoint files, and the datasets being written.
 *
 * Lifecycle: UNINIT until MPI_Init (everything passes through), ACTIVE
 * after scr started, PASSTHROUGH when scr could not start or in a forked
 * child, FINALIZED from MPI_Finalize on.
 */
#ifndef SCR_SHIM_H
#define SCR_SHIM_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define SCR_EXPORT __attribute__((visibility("default")))

enum shim_state { SHIM_UNINIT = 0, SHIM_ACTIVE, SHIM_PASSTHROUGH, SHIM_FINALIZED };

/* Per-thread recursion guard: scr's own I/O never re-enters the wrappers. */
extern __thread int shim_inside;

/* Whether a call from the application on this thread is ours to look at. */
int shim_on(void);

/*
 * Absolute, normalised form of a path given to a wrapper (relative to the
 * cwd, or to dirfd for the *at calls; AT_FDCWD for none) when it matches
 * SCR_CHECKPOINT_PATTERN; NULL otherwise. malloc'd.
 */
char *shim_match(int dirfd, const char *path);

/*
 * Open a matching path (abs) for the application: routes writes into the
 * cache, reads to the newest copy. Returns the fd, or -1 with errno set by
 * the real open. Falls back to the real path when scr cannot take the file.
 */
int shim_open(const char *abs, int flags, mode_t mode);

/* FILE* version for fopen/fopen64/freopen: mode string as fopen's. */
FILE *shim_fopen(const char *abs, const char *mode, FILE *reopen);

/* close(fd) or, when fp is set, fclose(fp) (fd = fileno(fp)), keeping the
 * table of checkpoint files right. */
int shim_close(int fd, int (*real_close)(int), FILE *fp);

/* A write to fd failed with ENOSPC/EDQUOT: move the file from the cache
 * to its real path under the same fd; 0 when the write may be retried. */
int shim_write_failed(int fd);

/* Whether fd is a checkpoint file being written into the cache. */
int shim_in_cache(int fd);

/* The path to use for a stat/access/read-only lookup of a matching path:
 * the routed copy, else abs itself. malloc'd. */
char *shim_lookup(const char *abs);

/* Absolute, normalised form of any path (NULL when it cannot be had). */
char *shim_absolute(int dirfd, const char *path);

/* rename/unlink where a matching path is involved: 1 when handled (result
 * in *rc, errno set), 0 when the real call should run on the real paths.
 * dst_matches tells whether the new name is a checkpoint file's. */
int shim_rename(const char *src_abs, const char *dst_abs, int dst_matches, int *rc);
int shim_unlink(const char *abs, int *rc);

/* Fatal signals: install the handler (at MPI_Init); the handler marks the
 * process so no checkpoint is completed any more. */
void shim_signals_install(void);
void shim_crashed(void);
int shim_rank(void);

/*
 * For a directory (absolute path): call fn(rel, ctx) for each file scr keeps
 * for this rank below the prefix (its datasets being written, completed
 * ones, the restart dataset); ctx[0] is arg, ctx[1] the directory relative
 * to the prefix ("" for the prefix itself). Nothing when the directory is
 * outside the prefix.
 */
void shim_each_cached(const char *dir_abs, void (*fn)(const char *rel, void *ctx), void *arg);

/* Called by the MPI wrappers. */
void shim_start(int thread_level);
void shim_finish(void);

/* Warnings that must be said once per process. */
void shim_warn_once(int *said, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
