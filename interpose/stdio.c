/*
 * stdio streams: glibc's fopen does not go through the interposable open,
 * so the stream calls are wrapped too. A routed stream is an fdopen of the
 * routed descriptor.
 */
#define _GNU_SOURCE
#include "real.h"
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

static FILE *fopen_common(const char *path, const char *mode, FILE *reopen,
			  FILE *(*real_fopen)(const char *, const char *),
			  FILE *(*real_freopen)(const char *, const char *, FILE *))
{
	char *abs = shim_on() && path && mode ? shim_match(AT_FDCWD, path) : NULL;
	if (!abs)
		return reopen ? real_freopen(path, mode, reopen) : real_fopen(path, mode);
	FILE *fp = shim_fopen(abs, mode, reopen);
	int saved = errno;
	free(abs);
	errno = saved;
	return fp;
}

SCR_EXPORT FILE *fopen(const char *path, const char *mode)
{
	return fopen_common(path, mode, NULL, REAL(fopen), NULL);
}

SCR_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return fopen_common(path, mode, NULL, REAL(fopen64), NULL);
}

SCR_EXPORT FILE *freopen(const char *path, const char *mode, FILE *fp)
{
	return fopen_common(path, mode, fp, NULL, REAL(freopen));
}

SCR_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *fp)
{
	return fopen_common(path, mode, fp, NULL, REAL(freopen64));
}

SCR_EXPORT int fclose(FILE *fp)
{
	if (!shim_on() || !fp)
		return REAL(fclose)(fp);
	return shim_close(fileno(fp), NULL, fp);
}
