#define _GNU_SOURCE
#include "io.h"

#include "crc.h"
#include "scr_err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Chunk for copies and CRC passes: large enough to amortise syscalls,
 * small enough to stay in cache. */
#define SCR_IO_CHUNK (4u << 20)

int scr_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return scr_err_from_errno(errno);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int scr_read_full(int fd, void *buf, size_t len, size_t *got)
{
	char *p = buf;
	size_t total = 0;
	while (total < len) {
		ssize_t n = read(fd, p + total, len - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*got = total;
			return scr_err_from_errno(errno);
		}
		if (n == 0)
			break;
		total += (size_t)n;
	}
	*got = total;
	return 0;
}

int scr_mkdir_p(const char *path, mode_t mode)
{
	char *copy = strdup(path);
	if (!copy)
		return -SCR_ENOMEM;
	int rc = 0;
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) != 0 && errno != EEXIST) {
			rc = scr_err_from_errno(errno);
			break;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	if (rc == 0) {
		struct stat st;
		if (stat(path, &st) != 0) {
			rc = scr_err_from_errno(errno);
		} else if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			rc = -SCR_EIO;
		}
	}
	free(copy);
	return rc;
}

int scr_remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -SCR_EIO;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) == 0 || errno == ENOENT ? 0 : -SCR_EIO;

	DIR *dir = opendir(path);
	if (!dir)
		return -SCR_EIO;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *child = scr_asprintf("%s/%s", path, de->d_name);
		if (!child) {
			rc = -SCR_ENOMEM;
			break;
		}
		int r = scr_remove_tree(child);
		if (r && !rc)
			rc = r;
		free(child);
	}
	closedir(dir);
	if (rmdir(path) != 0 && errno != ENOENT && !rc)
		rc = -SCR_EIO;
	return rc;
}

int scr_tree_bytes(const char *path, uint64_t *bytes)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -SCR_EIO;
	if (!S_ISDIR(st.st_mode)) {
		if (S_ISREG(st.st_mode))
			*bytes += (uint64_t)st.st_blocks * 512;
		return 0;
	}
	DIR *dir = opendir(path);
	if (!dir)
		return -SCR_EIO;
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(dir)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *child = scr_asprintf("%s/%s", path, de->d_name);
		rc = child ? scr_tree_bytes(child, bytes) : -SCR_ENOMEM;
		free(child);
	}
	closedir(dir);
	return rc;
}

int scr_open_regular(const char *path, int *fd, struct stat *st)
{
	/* O_NONBLOCK: opening a FIFO for reading would wait for a writer */
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (*fd < 0)
		return scr_err_from_errno(errno);
	struct stat mine;
	if (!st)
		st = &mine;
	int rc = fstat(*fd, st) != 0 ? scr_err_from_errno(errno) : 0;
	if (!rc && !S_ISREG(st->st_mode)) {
		errno = EINVAL;
		rc = -SCR_ENOTREG;
	}
	if (rc) {
		int saved = errno;
		close(*fd);
		*fd = -1;
		errno = saved;
	}
	return rc;
}

int scr_read_file(const char *path, size_t limit, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	int fd;
	struct stat st;
	int rc0 = scr_open_regular(path, &fd, &st);
	if (rc0)
		return rc0;
	if ((uint64_t)st.st_size > limit) {
		close(fd);
		errno = EFBIG;
		return -SCR_EFORMAT;
	}
	size_t size = (size_t)st.st_size;
	char *data = malloc(size + 1);
	if (!data) {
		close(fd);
		return -SCR_ENOMEM;
	}
	size_t got;
	int rc = scr_read_full(fd, data, size, &got);
	int saved = errno;
	close(fd);
	errno = saved;
	if (rc) {
		free(data);
		return rc;
	}
	data[got] = '\0';
	*buf = data;
	*len = got;
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *dir = scr_dirname(path);
	if (!dir)
		return -SCR_ENOMEM;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -SCR_EIO;
	/* some file systems refuse fsync on directories; the rename stands */
	fsync(fd);
	close(fd);
	return 0;
}

int scr_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
	char *tmp = scr_asprintf("%s.tmp.%ld", path, (long)getpid());
	if (!tmp)
		return -SCR_ENOMEM;
	/* a fresh file of our own: never one planted under this name (a link
	 * would send the write elsewhere); a leftover of a dead process of the
	 * same pid goes first */
	if (unlink(tmp) != 0 && errno != ENOENT) {
		int rc = scr_err_from_errno(errno);
		free(tmp);
		return rc;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		int rc = scr_err_from_errno(errno);
		free(tmp);
		return rc;
	}
	int rc = scr_write_full(fd, buf, len);
	if (!rc && fsync(fd) != 0)
		rc = scr_err_from_errno(errno);
	int saved = errno;
	if (close(fd) != 0 && !rc) {
		saved = errno;
		rc = scr_err_from_errno(errno);
	}
	if (!rc && rename(tmp, path) != 0) {
		saved = errno;
		rc = scr_err_from_errno(errno);
	}
	if (rc)
		unlink(tmp);
	else
		fsync_dir_of(path);
	free(tmp);
	errno = saved;
	return rc;
}

int scr_copy_file(const char *src, const char *dst, uint64_t *size, uint32_t *crc)
{
	return scr_copy_file_progress(src, dst, size, crc, NULL, NULL);
}

int scr_copy_file_progress(const char *src, const char *dst, uint64_t *size, uint32_t *crc,
			   void (*progress)(uint64_t bytes, void *arg), void *arg)
{
	int in;
	struct stat st;
	int rc = scr_open_regular(src, &in, &st);
	if (rc)
		return rc;
	char *dir = scr_dirname(dst);
	rc = dir ? scr_mkdir_p(dir, 0755) : -SCR_ENOMEM;
	free(dir);
	if (rc) {
		close(in);
		return rc;
	}
	/* a FIFO with no reader fails (ENXIO) instead of waiting for one */
	/* as cp does: the copy is as open as the original, no more */
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK,
		       st.st_mode & 0666);
	if (out < 0) {
		rc = scr_err_from_errno(errno);
		close(in);
		return rc;
	}
	char *buf = malloc(SCR_IO_CHUNK);
	uint64_t total = 0;
	uint32_t c = 0;
	if (!buf)
		rc = -SCR_ENOMEM;
	while (!rc) {
		size_t got;
		rc = scr_read_full(in, buf, SCR_IO_CHUNK, &got);
		if (rc || got == 0)
			break;
		c = scr_crc32(c, buf, got);
		total += got;
		rc = scr_write_full(out, buf, got);
		if (!rc && progress)
			progress(got, arg);
	}
	int saved = errno;
	free(buf);
	close(in);
	if (!rc && fsync(out) != 0) {
		saved = errno;
		rc = scr_err_from_errno(errno);
	}
	if (close(out) != 0 && !rc) {
		saved = errno;
		rc = scr_err_from_errno(errno);
	}
	if (rc)
		unlink(dst);
	errno = saved;
	if (!rc) {
		if (size)
			*size = total;
		if (crc)
			*crc = c;
	}
	return rc;
}

int scr_crc_file(const char *path, uint64_t *size, uint32_t *crc)
{
	int fd;
	int rc0 = scr_open_regular(path, &fd, NULL);
	if (rc0)
		return rc0;
	char *buf = malloc(SCR_IO_CHUNK);
	if (!buf) {
		close(fd);
		return -SCR_ENOMEM;
	}
	uint64_t total = 0;
	uint32_t c = 0;
	int rc;
	for (;;) {
		size_t got;
		rc = scr_read_full(fd, buf, SCR_IO_CHUNK, &got);
		if (rc || got == 0)
			break;
		c = scr_crc32(c, buf, got);
		total += got;
	}
	int saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	if (!rc) {
		*size = total;
		*crc = c;
	}
	return rc;
}

char *scr_asprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

char *scr_dirname(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return NULL;
	char *d = strdup(dirname(copy));
	free(copy);
	return d;
}
