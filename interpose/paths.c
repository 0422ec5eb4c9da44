/*
 * The paths the wrappers are given, as the engine compares them: absolute
 * and normalised, matched against SCR_CHECKPOINT_PATTERN, and named
 * relative to the prefix directory.
 */
#define _GNU_SOURCE
#include "engine.h"
#include "layout.h"
#include "pattern.h"

#include "meta.h"
#include "path.h"
#include "transparent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The directory an *at call's dirfd names (AT_FDCWD: the cwd). malloc'd. */
static char *dir_path(int dirfd)
{
	if (dirfd == AT_FDCWD)
		return getcwd(NULL, 0);
	char link[64], *target = NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	for (size_t size = 256; size <= 1u << 20; size *= 2) {
		char *buf = realloc(target, size);
		if (!buf)
			break;
		target = buf;
		ssize_t n = readlink(link, target, size);
		if (n < 0)
			break;
		if ((size_t)n < size) {
			target[n] = '\0';
			return target;
		}
	}
	free(target);
	return NULL;
}

char *shim_absolute(int dirfd, const char *path)
{
	if (!path || !*path)
		return NULL;
	int saved = errno;
	char *base = path[0] == '/' ? NULL : dir_path(dirfd);
	char *abs = path[0] == '/' || base ? scr_path_absolute(base ? base : "/", path) : NULL;
	free(base);
	errno = saved;
	return abs;
}

char *shim_match(int dirfd, const char *path)
{
	if (!path || !*path || !sh.pat)
		return NULL;
	int saved = errno;
	char *abs = shim_absolute(dirfd, path);
	const char *rel = abs ? engine_rel(abs) : NULL;
	/* scr's own directory of the prefix is never the application's */
	if (abs && (!scr_pattern_match(sh.pat, abs) || (rel && scr_prefix_owns(rel)))) {
		free(abs);
		abs = NULL;
	}
	errno = saved;
	return abs;
}

const char *engine_rel(const char *abs)
{
	const char *prefix = scr_tp_prefix();
	size_t n = prefix ? strlen(prefix) : 0;
	if (!prefix || !abs || strncmp(abs, prefix, n) || abs[n] != '/' || !abs[n + 1])
		return NULL;
	return abs + n + 1;
}
