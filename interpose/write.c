/*
 * The write calls are wrapped for one reason only: when the cache fills up
 * under a checkpoint file, the file moves to its real path and the write is
 * retried there, so the application never sees an error scr caused. The
 * successful path costs nothing but the call.
 */
#define _GNU_SOURCE
#include "real.h"
#include "shim.h"

#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

static int cache_full(ssize_t rc)
{
	return rc < 0 && (errno == ENOSPC || errno == EDQUOT) && shim_on();
}

SCR_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	ssize_t rc = REAL(write)(fd, buf, n);
	if (cache_full(rc) && shim_write_failed(fd) == 0)
		rc = REAL(write)(fd, buf, n);
	return rc;
}

SCR_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t rc = REAL(pwrite)(fd, buf, n, off);
	if (cache_full(rc) && shim_write_failed(fd) == 0)
		rc = REAL(pwrite)(fd, buf, n, off);
	return rc;
}

SCR_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	ssize_t rc = REAL(pwrite64)(fd, buf, n, off);
	if (cache_full(rc) && shim_write_failed(fd) == 0)
		rc = REAL(pwrite64)(fd, buf, n, off);
	return rc;
}

SCR_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	ssize_t rc = REAL(writev)(fd, iov, cnt);
	if (cache_full(rc) && shim_write_failed(fd) == 0)
		rc = REAL(writev)(fd, iov, cnt);
	return rc;
}
