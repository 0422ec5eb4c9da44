/*
 * The write calls are wrapped for one reason only: when the cache fills up
 * under a checkpoint file, the file moves to its real path and the write
 * goes on there, so the application never sees an error or a short count
 * that scr caused. A nearly full tmpfs takes part of a write and returns a
 * short count; the rest then meets ENOSPC. The successful path costs
 * nothing but the call.
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

/* A write into the cache that took only part of the buffer. */
static int short_in_cache(ssize_t rc, size_t n, int fd)
{
	return rc >= 0 && (size_t)rc < n && shim_on() && shim_in_cache(fd);
}

/*
 * Write the rest of buf after done bytes (at off, or at the file offset
 * when off < 0): in the cache while it takes more, at the real path once it
 * is full. Returns the bytes written in all; short only when the real path
 * refuses too (as the file system would have answered).
 */
static ssize_t finish(int fd, const char *buf, size_t n, size_t done, off_t off)
{
	while (done < n) {
		ssize_t r = off < 0 ? REAL(write)(fd, buf + done, n - done)
				    : REAL(pwrite)(fd, buf + done, n - done, off + (off_t)done);
		if (r > 0)
			done += (size_t)r;
		else if (r < 0 && errno == EINTR)
			continue;
		else if (!(cache_full(r) && shim_write_failed(fd) == 0))
			return done > 0 ? (ssize_t)done : r;
	}
	return (ssize_t)done;
}

SCR_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	ssize_t rc = REAL(write)(fd, buf, n);
	if (cache_full(rc) && shim_write_failed(fd) == 0)
		rc = REAL(write)(fd, buf, n);
	if (short_in_cache(rc, n, fd))
		rc = finish(fd, buf, n, (size_t)rc, -1);
	return rc;
}

SCR_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t rc = REAL(pwrite)(fd, buf, n, off);
	if (cache_full(rc) && shim_write_failed(fd) == 0)
		rc = REAL(pwrite)(fd, buf, n, off);
	if (short_in_cache(rc, n, fd) && off >= 0)
		rc = finish(fd, buf, n, (size_t)rc, off);
	return rc;
}

SCR_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	ssize_t rc = REAL(pwrite64)(fd, buf, n, off);
	if (cache_full(rc) && shim_write_failed(fd) == 0)
		rc = REAL(pwrite64)(fd, buf, n, off);
	if (short_in_cache(rc, n, fd) && off >= 0)
		rc = finish(fd, buf, n, (size_t)rc, (off_t)off);
	return rc;
}

SCR_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	ssize_t rc = REAL(writev)(fd, iov, cnt);
	if (cache_full(rc) && shim_write_failed(fd) == 0)
		rc = REAL(writev)(fd, iov, cnt);
	size_t n = 0;
	for (int i = 0; rc >= 0 && i < cnt; i++)
		n += iov[i].iov_len;
	if (!short_in_cache(rc, n, fd))
		return rc;
	/* the rest, buffer by buffer, from the first byte not written */
	size_t skip = (size_t)rc, total = (size_t)rc;
	for (int i = 0; i < cnt; i++) {
		size_t len = iov[i].iov_len;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		ssize_t r = finish(fd, (const char *)iov[i].iov_base + skip, len - skip, 0, -1);
		if (r > 0)
			total += (size_t)r;
		if (r < 0 || (size_t)r < len - skip)
			return total > 0 ? (ssize_t)total : r;
		skip = 0;
	}
	return (ssize_t)total;
}
