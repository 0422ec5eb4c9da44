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

/* Read every file of cntl_dir named like form ("<kind>_%d.scr%c") into a
 * list sorted by rank. */
static int read_kind(const char *cntl_dir, const char *form, const char *kind,
		     struct scr_filemap **out, size_t *nout, void (*warn)(const char *msg))
{
	*out = NULL;
	*nout = 0;
	DIR *dir = opendir(cntl_dir);
	if (!dir)
		return 0;
	size_t n = 0, cap = 0;
	struct scr_filemap *maps = NULL;
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(dir)) != NULL) {
		int rank;
		char tail;
		if (sscanf(de->d_name, form, &rank, &tail) != 1 || rank < 0)
			continue;
		char *path = scr_asprintf("%s/%s", cntl_dir, de->d_name);
		if (!path) {
			rc = -SCR_ENOMEM;
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			struct scr_filemap *grown = realloc(maps, ncap * sizeof(*grown));
			if (!grown) {
				free(path);
				rc = -SCR_ENOMEM;
				break;
			}
			maps = grown;
			cap = ncap;
		}
		int r = scr_filemap_read(path, &maps[n]);
		if (r == 0) {
			n++;
		} else if (r == -SCR_ENOMEM) {
			rc = r;
		} else if (warn) {
			char *msg = scr_asprintf("ignoring %s '%s': %s", kind, path, scr_strerror(r));
			warn(msg ? msg : "ignoring a damaged file in the control directory");
			free(msg);
		}
		free(path);
	}
	closedir(dir);
	if (n)
		qsort(maps, n, sizeof(*maps), by_rank);
	*out = maps;
	*nout = n;
	return rc;
}

int scr_node_cache_read(const char *cntl_dir, struct scr_node_cache *c,
			void (*warn)(const char *msg))
{
	memset(c, 0, sizeof(*c));
	int rc = read_kind(cntl_dir, "filemap_%d.scr%c", "filemap", &c->maps, &c->n, warn);
	if (!rc)
		rc = read_kind(cntl_dir, "pending_%d.scr%c", "journal", &c->journals,
			       &c->njournals, warn);
	if (rc)
		scr_node_cache_release(c);
	return rc;
}

void scr_node_cache_release(struct scr_node_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		scr_filemap_release(&c->maps[i]);
	for (size_t i = 0; i < c->njournals; i++)
		scr_filemap_release(&c->journals[i]);
	free(c->maps);
	free(c->journals);
	memset(c, 0, sizeof(*c));
}

static const struct scr_filemap_entry *entry_of(const struct scr_filemap *m, int id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->e[i].ds.id == id)
			return &m->e[i];
	return NULL;
}

const struct scr_filemap_entry *scr_node_cache_closed(const struct scr_node_cache *c,
						      const struct scr_filemap *j, int id)
{
	const struct scr_filemap_entry *e = entry_of(j, id);
	for (size_t i = 0; e && i < c->n; i++) {
		const struct scr_filemap_entry *done =
			c->maps[i].rank == j->rank ? entry_of(&c->maps[i], id) : NULL;
		if (done && done->ds.complete)
			return NULL;
	}
	return e;
}
