/*
 * Small system I/O helpers: whole reads and writes over short counts and
 * EINTR, directory creation, atomic file replacement, file copy with CRC.
 * They return 0 or a negative scr_err code and keep errno from the failing
 * system call for the caller's message.
 */
#ifndef SCR_IO_H
#define SCR_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

int scr_write_full(int fd, const void *buf, size_t len);
/* Reads up to len bytes; *got is what was read before EOF. */
int scr_read_full(int fd, void *buf, size_t len, size_t *got);

/* mkdir -p with mode (existing directories are fine). */
int scr_mkdir_p(const char *path, mode_t mode);
/* rm -rf of a directory tree or file; a missing path is fine. */
int scr_remove_tree(const char *path);
/* Adds the disk space the regular files of a tree take to *bytes (links
 * are not followed; a missing path adds nothing). */
int scr_tree_bytes(const char *path, uint64_t *bytes);

/* Read a whole file into a malloc'd, NUL-terminated buffer (limit bounds it). */
int scr_read_file(const char *path, size_t limit, char **buf, size_t *len);

/* Open path for reading when it is a regular file (st filled if not NULL),
 * never blocking on a FIFO or device found in its place: 0 with *fd, or
 * -SCR_ENOTREG, or the open's error. */
struct stat;
int scr_open_regular(const char *path, int *fd, struct stat *st);
/* Replace path atomically: write path.tmp.<pid> (created with mode, less
 * the umask), fsync, rename, fsync dir. */
int scr_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode);

/*
 * Copy src to dst (created with src's read and write permissions, less the
 * umask, as cp does; parents made), computing the zlib crc32 of the bytes
 * copied. On failure dst is
 * removed. Missing src gives -SCR_ENOENT.
 */
int scr_copy_file(const char *src, const char *dst, uint64_t *size, uint32_t *crc);
/* The same, calling progress with the bytes of each piece copied. */
int scr_copy_file_progress(const char *src, const char *dst, uint64_t *size, uint32_t *crc,
			   void (*progress)(uint64_t bytes, void *arg), void *arg);
/* Size and crc32 of a file's contents. */
int scr_crc_file(const char *path, uint64_t *size, uint32_t *crc);

/* malloc'd printf; NULL when out of memory */
char *scr_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* dirname of a path into a malloc'd string */
char *scr_dirname(const char *path);

#endif
