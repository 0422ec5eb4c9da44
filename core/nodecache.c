/* A node's filemaps, read from outside the job (see nodecache.h). */
#define _GNU_SOURCE
#include "nodecache.h"

#include "io.h"
#include "scr_err.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_rank(const void *a, const void *b)
{
	const struct scr_filemap *x = a, *y = b;
	return (x->rank > y->rank) - (x->rank < y->rank);
}

int scr_node_cache_read(const char *cntl_dir, struct scr_node_cache *c,
			void (*warn)(const char *msg))
{
	memset(c, 0, sizeof(*c));
	DIR *dir = opendir(cntl_dir);
	if (!dir)
		return 0;
	size_t cap = 0;
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(dir)) != NULL) {
		int rank;
		char tail;
		if (sscanf(de->d_name, "filemap_%d.scr%c", &rank, &tail) != 1 || rank < 0)
			continue;
		char *path = scr_asprintf("%s/%s", cntl_dir, de->d_name);
		if (!path) {
			rc = -SCR_ENOMEM;
			break;
		}
		if (c->n == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			struct scr_filemap *grown = realloc(c->maps, ncap * sizeof(*grown));
			if (!grown) {
				free(path);
				rc = -SCR_ENOMEM;
				break;
			}
			c->maps = grown;
			cap = ncap;
		}
		int r = scr_filemap_read(path, &c->maps[c->n]);
		if (r == 0) {
			c->n++;
		} else if (r == -SCR_ENOMEM) {
			rc = r;
		} else if (warn) {
			char *msg = scr_asprintf("ignoring filemap '%s': %s", path, scr_strerror(r));
			warn(msg ? msg : "ignoring a damaged filemap");
			free(msg);
		}
		free(path);
	}
	closedir(dir);
	if (rc) {
		scr_node_cache_release(c);
		return rc;
	}
	qsort(c->maps, c->n, sizeof(*c->maps), by_rank);
	return 0;
}

void scr_node_cache_release(struct scr_node_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		scr_filemap_release(&c->maps[i]);
	free(c->maps);
	memset(c, 0, sizeof(*c));
}
