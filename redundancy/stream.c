#define _GNU_SOURCE
#include "stream.h"

#include "scr_err.h"

#include <errno.h>
#include <fcntl.h>
#include <isa-l/crc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *join(const char *dir, const char *rel)
{
	char *p = NULL;
	return asprintf(&p, "%s/%s", dir, rel) < 0 ? NULL : p;
}

static int mkdirs_for(const char *path)
{
	char *p = strdup(path);
	if (!p)
		return -SCR_ENOMEM;
	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			int rc = scr_err_from_errno(errno);
			free(p);
			return rc;
		}
		*c = '/';
	}
	free(p);
	return 0;
}

int scr_stream_open(struct scr_stream *s, const char *dir, const struct scr_red_record *rec,
		    int writing)
{
	memset(s, 0, sizeof(*s));
	s->dir = dir;
	s->rec = rec;
	s->writing = writing;
	s->fd = -1;
	s->total = scr_red_record_bytes(rec);
	for (size_t i = 0; writing && i < rec->nfiles; i++) {
		char *p = join(dir, rec->files[i].path);
		int rc = p ? mkdirs_for(p) : -SCR_ENOMEM;
		/* O_NONBLOCK here and below: a FIFO planted in the cache fails
		 * the open or the I/O instead of hanging the job */
		int fd = rc ? -1 : open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK,
					0644);
		if (!rc && fd < 0)
			rc = scr_err_from_errno(errno);
		if (!rc && ftruncate(fd, (off_t)rec->files[i].size) != 0)
			rc = scr_err_from_errno(errno);
		if (fd >= 0)
			close(fd);
		free(p);
		if (rc)
			return rc;
	}
	return 0;
}

static int use_file(struct scr_stream *s, size_t i)
{
	if (s->fd >= 0 && s->cur == i)
		return 0;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	char *p = join(s->dir, s->rec->files[i].path);
	if (!p)
		return -SCR_ENOMEM;
	s->fd = open(p, (s->writing ? O_WRONLY : O_RDONLY) | O_CLOEXEC | O_NONBLOCK);
	int rc = s->fd < 0 ? scr_err_from_errno(errno) : 0;
	free(p);
	s->cur = i;
	return rc;
}

/* visit the pieces of [off, off+len) that fall in files */
static int each_piece(struct scr_stream *s, uint64_t off, char *buf, size_t len)
{
	uint64_t start = 0;
	for (size_t i = 0; i < s->rec->nfiles && len > 0; i++) {
		uint64_t size = s->rec->files[i].size;
		if (off >= start + size) {
			start += size;
			continue;
		}
		uint64_t in = off - start;
		size_t n = size - in < len ? (size_t)(size - in) : len;
		int rc = use_file(s, i);
		if (rc)
			return rc;
		size_t done = 0;
		while (done < n) {
			ssize_t r = s->writing
				? pwrite(s->fd, buf + done, n - done, (off_t)(in + done))
				: pread(s->fd, buf + done, n - done, (off_t)(in + done));
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return scr_err_from_errno(errno);
			if (r == 0)
				return -SCR_ETRUNC;
			done += (size_t)r;
		}
		buf += n;
		off += n;
		len -= n;
		start += size;
	}
	if (len > 0 && !s->writing)
		memset(buf, 0, len);
	return 0;
}

int scr_stream_read(struct scr_stream *s, uint64_t off, void *buf, size_t len)
{
	if (off >= s->total) {
		memset(buf, 0, len);
		return 0;
	}
	return each_piece(s, off, buf, len);
}

int scr_stream_write(struct scr_stream *s, uint64_t off, const void *buf, size_t len)
{
	if (off >= s->total)
		return 0;
	return each_piece(s, off, (char *)buf, len);
}

void scr_stream_close(struct scr_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

void scr_stream_remove(const char *dir, const struct scr_red_record *rec)
{
	for (size_t i = 0; i < rec->nfiles; i++) {
		char *p = join(dir, rec->files[i].path);
		if (p)
			unlink(p);
		free(p);
	}
}

static int file_crc(const char *path, uint64_t *size, uint32_t *crc)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return scr_err_from_errno(errno);
	size_t cap = 1 << 20;
	unsigned char *buf = malloc(cap);
	uint32_t c = 0;
	uint64_t total = 0;
	int rc = buf ? 0 : -SCR_ENOMEM;
	while (!rc) {
		ssize_t n = read(fd, buf, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = scr_err_from_errno(errno);
		if (n <= 0)
			break;
		c = crc32_gzip_refl(c, buf, (size_t)n);
		total += (uint64_t)n;
	}
	free(buf);
	close(fd);
	*size = total;
	*crc = c;
	return rc;
}

int scr_stream_verify(const char *dir, const struct scr_red_record *rec, char **bad)
{
	if (bad)
		*bad = NULL;
	for (size_t i = 0; i < rec->nfiles; i++) {
		char *p = join(dir, rec->files[i].path);
		uint64_t size = 0;
		uint32_t crc = 0;
		int ok = p && file_crc(p, &size, &crc) == 0 && size == rec->files[i].size &&
			 crc == rec->files[i].crc;
		if (!ok) {
			if (bad)
				*bad = p;
			else
				free(p);
			return 0;
		}
		free(p);
	}
	return 1;
}
