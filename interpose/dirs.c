/*
 * Directory listings: a directory that holds checkpoint files lists the
 * files scr keeps in the cache too, so an application that finds its latest
 * checkpoint by listing a directory sees it. The real entries come first,
 * then the cached ones the real directory lacks (a cached file deeper down
 * shows as its first directory).
 */
#define _GNU_SOURCE
#include "real.h"
#include "shim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Extra entries of one open DIR stream. */
struct listing {
	DIR *dir;
	size_t n, next;
	char **name;
	unsigned char *type;
	struct dirent64 ent;   /* what readdir returns; dirent has the same layout here */
	struct listing *link;
};

_Static_assert(sizeof(struct dirent) == sizeof(struct dirent64),
	       "dirent and dirent64 must share one layout on this target");

static pthread_mutex_t listings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct listing *listings;

static int has_name(const struct listing *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return 1;
	return 0;
}

static void add_name(const char *name, unsigned char type, void *arg)
{
	struct listing *l = arg;
	if (has_name(l, name))
		return;
	/* only what the real directory lacks */
	struct stat st;
	if (REAL(fstatat)(dirfd(l->dir), name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return;
	char **names = realloc(l->name, (l->n + 1) * sizeof(*names));
	unsigned char *types = names ? realloc(l->type, l->n + 1) : NULL;
	if (names)
		l->name = names;
	if (!types)
		return;
	l->type = types;
	if (!(l->name[l->n] = strdup(name)))
		return;
	l->type[l->n] = type;
	l->n++;
}

/* The entry of rel directly inside dir_rel, if any. */
static void consider(const char *rel, void *arg)
{
	struct listing *l = ((struct listing **)arg)[0];
	const char *dir_rel = ((const char **)arg)[1];
	size_t n = strlen(dir_rel);
	if (n && (strncmp(rel, dir_rel, n) || rel[n] != '/'))
		return;
	const char *rest = n ? rel + n + 1 : rel;
	const char *slash = strchr(rest, '/');
	if (!slash) {
		add_name(rest, DT_REG, l);
		return;
	}
	char *first = strndup(rest, (size_t)(slash - rest));
	if (first)
		add_name(first, DT_DIR, l);
	free(first);
}

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->name[i]);
	free(l->name);
	free(l->type);
	free(l);
}

SCR_EXPORT DIR *opendir(const char *path)
{
	DIR *dir = REAL(opendir)(path);
	if (!dir || !shim_on())
		return dir;
	int saved = errno;
	char *abs = shim_absolute(AT_FDCWD, path);
	struct listing *l = abs ? calloc(1, sizeof(*l)) : NULL;
	if (l) {
		l->dir = dir;
		shim_each_cached(abs, consider, l);
		if (l->n) {
			pthread_mutex_lock(&listings_lock);
			l->link = listings;
			listings = l;
			pthread_mutex_unlock(&listings_lock);
		} else {
			listing_free(l);
		}
	}
	free(abs);
	errno = saved;
	return dir;
}

static struct listing *find(DIR *dir, int unlink_it)
{
	pthread_mutex_lock(&listings_lock);
	struct listing **p = &listings;
	while (*p && (*p)->dir != dir)
		p = &(*p)->link;
	struct listing *l = *p;
	if (l && unlink_it)
		*p = l->link;
	pthread_mutex_unlock(&listings_lock);
	return l;
}

static struct dirent64 *next_extra(DIR *dir)
{
	struct listing *l = listings ? find(dir, 0) : NULL;
	if (!l || l->next >= l->n)
		return NULL;
	const char *name = l->name[l->next];
	memset(&l->ent, 0, sizeof(l->ent));
	l->ent.d_ino = 1;   /* any non-zero number: some readers skip zero */
	l->ent.d_type = l->type[l->next];
	l->ent.d_reclen = sizeof(l->ent);
	strncpy(l->ent.d_name, name, sizeof(l->ent.d_name) - 1);
	l->next++;
	return &l->ent;
}

SCR_EXPORT struct dirent *readdir(DIR *dir)
{
	int saved = errno;
	struct dirent *e = REAL(readdir)(dir);
	if (e || errno != saved)
		return e;
	return (struct dirent *)next_extra(dir);
}

SCR_EXPORT struct dirent64 *readdir64(DIR *dir)
{
	int saved = errno;
	struct dirent64 *e = REAL(readdir64)(dir);
	if (e || errno != saved)
		return e;
	return next_extra(dir);
}

SCR_EXPORT int closedir(DIR *dir)
{
	struct listing *l = listings ? find(dir, 1) : NULL;
	if (l)
		listing_free(l);
	return REAL(closedir)(dir);
}

/* glibc's scandir reads the directory with internal calls, past the
 * wrappers: scandir of a directory under the prefix is done here with the
 * wrapped opendir/readdir, with glibc's conventions (each entry and the
 * list malloc'd, sorted with compar). */
static int scandir_common(const char *path, struct dirent ***namelist,
			  int (*filter)(const struct dirent *),
			  int (*compar)(const struct dirent **, const struct dirent **))
{
	DIR *dir = opendir(path);
	if (!dir)
		return -1;
	struct dirent **list = NULL, *e;
	size_t n = 0, cap = 0;
	int saved = errno;
	errno = 0;
	while ((e = readdir(dir)) != NULL) {
		if (filter && !filter(e))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct dirent **grown = realloc(list, cap * sizeof(*grown));
			if (!grown)
				goto fail;
			list = grown;
		}
		struct dirent *copy = malloc(sizeof(*copy));
		if (!copy)
			goto fail;
		memcpy(copy, e, sizeof(*copy));
		list[n++] = copy;
		errno = 0;
	}
	if (errno)
		goto fail;
	closedir(dir);
	if (compar && n > 1)
		qsort(list, n, sizeof(*list), (int (*)(const void *, const void *))compar);
	*namelist = list;
	errno = saved;
	return (int)n;
fail:
	saved = errno ? errno : ENOMEM;
	while (n > 0)
		free(list[--n]);
	free(list);
	closedir(dir);
	errno = saved;
	return -1;
}

SCR_EXPORT int scandir(const char *path, struct dirent ***namelist,
		       int (*filter)(const struct dirent *),
		       int (*compar)(const struct dirent **, const struct dirent **))
{
	if (!shim_on())
		return REAL(scandir)(path, namelist, filter, compar);
	return scandir_common(path, namelist, filter, compar);
}

SCR_EXPORT int scandir64(const char *path, struct dirent64 ***namelist,
			 int (*filter)(const struct dirent64 *),
			 int (*compar)(const struct dirent64 **, const struct dirent64 **))
{
	if (!shim_on())
		return REAL(scandir64)(path, namelist, filter, compar);
	/* same layout on this target (checked above) */
	return scandir_common(path, (struct dirent ***)namelist,
			      (int (*)(const struct dirent *))filter,
			      (int (*)(const struct dirent **, const struct dirent **))compar);
}
