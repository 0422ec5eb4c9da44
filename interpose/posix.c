/*
 * POSIX file calls. Every wrapper has one shape: if the call is not ours
 * (before MPI_Init, after MPI_Finalize, scr's own I/O, a forked child) or
 * the path does not match SCR_CHECKPOINT_PATTERN, call the real function
 * and return exactly what it returned.
 */
#define _GNU_SOURCE
#include "real.h"
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The mode argument exists only with O_CREAT or O_TMPFILE (whose bits
 * include O_DIRECTORY's, hence the full comparison). */
#define OPEN_MODE(flags, last)                                          \
	mode_t mode = 0;                                                \
	if (((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE) { \
		va_list ap;                                             \
		va_start(ap, last);                                     \
		mode = (mode_t)va_arg(ap, int);                         \
		va_end(ap);                                             \
	}

static int open_common(int dirfd, const char *path, int flags, mode_t mode,
		       int (*real_open)(const char *, int, ...),
		       int (*real_openat)(int, const char *, int, ...))
{
	char *abs = shim_on() && (flags & O_TMPFILE) != O_TMPFILE ? shim_match(dirfd, path) : NULL;
	if (!abs)
		return real_openat ? real_openat(dirfd, path, flags, mode)
				   : real_open(path, flags, mode);
	int fd = shim_open(abs, flags, mode);
	int saved = errno;
	free(abs);
	errno = saved;
	return fd;
}

SCR_EXPORT int open(const char *path, int flags, ...)
{
	OPEN_MODE(flags, flags);
	return open_common(AT_FDCWD, path, flags, mode, REAL(open), NULL);
}

SCR_EXPORT int open64(const char *path, int flags, ...)
{
	OPEN_MODE(flags, flags);
	return open_common(AT_FDCWD, path, flags, mode, REAL(open64), NULL);
}

SCR_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	OPEN_MODE(flags, flags);
	return open_common(dirfd, path, flags, mode, NULL, REAL(openat));
}

SCR_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	OPEN_MODE(flags, flags);
	return open_common(dirfd, path, flags, mode, NULL, REAL(openat64));
}

/* _FORTIFY_SOURCE variants: no mode (O_CREAT without one is refused by them) */
SCR_EXPORT int __open_2(const char *path, int flags)
{
	if (!shim_on())
		return REAL(__open_2)(path, flags);
	return open_common(AT_FDCWD, path, flags, 0, REAL(open), NULL);
}

SCR_EXPORT int __open64_2(const char *path, int flags)
{
	if (!shim_on())
		return REAL(__open64_2)(path, flags);
	return open_common(AT_FDCWD, path, flags, 0, REAL(open64), NULL);
}

SCR_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	if (!shim_on())
		return REAL(__openat_2)(dirfd, path, flags);
	return open_common(dirfd, path, flags, 0, NULL, REAL(openat));
}

SCR_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	if (!shim_on())
		return REAL(__openat64_2)(dirfd, path, flags);
	return open_common(dirfd, path, flags, 0, NULL, REAL(openat64));
}

SCR_EXPORT int creat(const char *path, mode_t mode)
{
	return open_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, REAL(open), NULL);
}

SCR_EXPORT int creat64(const char *path, mode_t mode)
{
	return open_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, REAL(open64), NULL);
}

SCR_EXPORT int close(int fd)
{
	if (!shim_on())
		return REAL(close)(fd);
	return shim_close(fd, REAL(close), NULL);
}

/* ---- metadata calls on matching paths answer for the routed copy ---- */

#define LOOKUP_CALL(dirfd, path, call_real)                             \
	do {                                                            \
		char *abs_ = shim_on() ? shim_match(dirfd, path) : NULL;  \
		if (!abs_) {                                            \
			const char *p_ = path;                          \
			return call_real;                               \
		}                                                       \
		int entry_ = errno;                                     \
		char *p_ = shim_lookup(abs_);                           \
		free(abs_);                                             \
		errno = entry_;                                         \
		int rc_ = call_real;                                    \
		int saved_ = errno;                                     \
		free(p_);                                               \
		errno = saved_;                                         \
		return rc_;                                             \
	} while (0)

SCR_EXPORT int stat(const char *path, struct stat *st)
{
	LOOKUP_CALL(AT_FDCWD, path, REAL(stat)(p_, st));
}

SCR_EXPORT int lstat(const char *path, struct stat *st)
{
	LOOKUP_CALL(AT_FDCWD, path, REAL(lstat)(p_, st));
}

SCR_EXPORT int stat64(const char *path, struct stat64 *st)
{
	LOOKUP_CALL(AT_FDCWD, path, REAL(stat64)(p_, st));
}

SCR_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	LOOKUP_CALL(AT_FDCWD, path, REAL(lstat64)(p_, st));
}

SCR_EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	/* a routed copy has an absolute path, which fstatat takes as is */
	LOOKUP_CALL(dirfd, path, REAL(fstatat)(dirfd, p_, st, flags));
}

SCR_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	LOOKUP_CALL(dirfd, path, REAL(fstatat64)(dirfd, p_, st, flags));
}

SCR_EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *st)
{
	LOOKUP_CALL(dirfd, path, REAL(statx)(dirfd, p_, flags, mask, st));
}

/* binaries built against glibc before 2.33 call these for stat and lstat */
SCR_EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
	LOOKUP_CALL(AT_FDCWD, path, REAL(__xstat)(ver, p_, st));
}

SCR_EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
	LOOKUP_CALL(AT_FDCWD, path, REAL(__lxstat)(ver, p_, st));
}

SCR_EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	LOOKUP_CALL(dirfd, path, REAL(__fxstatat)(ver, dirfd, p_, st, flags));
}

SCR_EXPORT int access(const char *path, int how)
{
	LOOKUP_CALL(AT_FDCWD, path, REAL(access)(p_, how));
}

SCR_EXPORT int faccessat(int dirfd, const char *path, int how, int flags)
{
	LOOKUP_CALL(dirfd, path, REAL(faccessat)(dirfd, p_, how, flags));
}

/* truncating a checkpoint file writes it: a new version, like an open for
 * writing without O_TRUNC followed by ftruncate */
SCR_EXPORT int truncate(const char *path, off_t len)
{
	char *abs = shim_on() ? shim_match(AT_FDCWD, path) : NULL;
	if (!abs)
		return REAL(truncate)(path, len);
	int entry_errno = errno;
	int fd = shim_open(abs, O_WRONLY, 0);
	int rc = fd < 0 ? -1 : ftruncate(fd, len);
	int saved = errno;
	if (fd >= 0 && shim_close(fd, REAL(close), NULL) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	free(abs);
	errno = rc == 0 ? entry_errno : saved;
	return rc;
}

/* ---- rename and unlink ---- */

static int rename_common(int olddirfd, const char *oldpath, int newdirfd,
			 const char *newpath)
{
	int entry_errno = errno;
	char *src = shim_on() ? shim_match(olddirfd, oldpath) : NULL;
	char *dst = shim_on() ? shim_match(newdirfd, newpath) : NULL;
	int rc = 0, handled = 0;
	if (src || dst) {
		/* a temporary name need not match: the shim wants both absolute */
		char *src_abs = src ? src : shim_absolute(olddirfd, oldpath);
		char *dst_abs = dst ? dst : shim_absolute(newdirfd, newpath);
		if (src_abs && dst_abs)
			handled = shim_rename(src_abs, dst_abs, dst != NULL, &rc);
		int saved = errno;
		if (src_abs != src)
			free(src_abs);
		if (dst_abs != dst)
			free(dst_abs);
		errno = saved;
	}
	int saved = handled && rc == 0 ? entry_errno : errno;
	free(src);
	free(dst);
	errno = saved;
	if (handled)
		return rc;
	if (olddirfd == AT_FDCWD && newdirfd == AT_FDCWD)
		return REAL(rename)(oldpath, newpath);
	return REAL(renameat)(olddirfd, oldpath, newdirfd, newpath);
}

SCR_EXPORT int rename(const char *oldpath, const char *newpath)
{
	return rename_common(AT_FDCWD, oldpath, AT_FDCWD, newpath);
}

SCR_EXPORT int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	return rename_common(olddirfd, oldpath, newdirfd, newpath);
}

/* with flags (RENAME_NOREPLACE, RENAME_EXCHANGE...) checkpoint paths are not
 * routed: the flags' promises cannot be kept across the cache */
SCR_EXPORT int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
			 unsigned int flags)
{
	if (flags == 0)
		return rename_common(olddirfd, oldpath, newdirfd, newpath);
	return REAL(renameat2)(olddirfd, oldpath, newdirfd, newpath, flags);
}

/*
 * unlink, unlinkat and remove of a matching path: 1 when the shim handled
 * it (result in *rc, errno as the call leaves it), 0 for the real call.
 */
static int unlink_matching(int dirfd, const char *path, int *rc)
{
	int entry_errno = errno;
	char *abs = shim_on() ? shim_match(dirfd, path) : NULL;
	int handled = abs ? shim_unlink(abs, rc) : 0;
	int saved = handled && *rc == 0 ? entry_errno : errno;
	free(abs);
	errno = saved;
	return handled;
}

SCR_EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	int rc;
	if (!(flags & AT_REMOVEDIR) && unlink_matching(dirfd, path, &rc))
		return rc;
	return REAL(unlinkat)(dirfd, path, flags);
}

/* glibc's remove() calls unlink internally, past the wrapper */
SCR_EXPORT int remove(const char *path)
{
	int rc;
	return unlink_matching(AT_FDCWD, path, &rc) ? rc : REAL(remove)(path);
}

SCR_EXPORT int unlink(const char *path)
{
	int rc;
	return unlink_matching(AT_FDCWD, path, &rc) ? rc : REAL(unlink)(path);
}
