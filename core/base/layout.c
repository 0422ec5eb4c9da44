#define _GNU_SOURCE
#include "layout.h"

#include "io.h"
#include "scr_err.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int scr_layout_safe_component(const char *name)
{
	return name && *name && strcmp(name, ".") && strcmp(name, "..") &&
	       !strchr(name, '/');
}

static char *default_user(void)
{
	struct passwd *pw = getpwuid(geteuid());
	if (pw && pw->pw_name)
		return strdup(pw->pw_name);
	const char *u = getenv("USER");
	return strdup(u && *u ? u : "unknown");
}

static char *default_node(void)
{
	char host[256];
	if (gethostname(host, sizeof(host)) != 0)
		return strdup("localhost");
	host[sizeof(host) - 1] = '\0';
	return strdup(host);
}

int scr_layout_init(struct scr_layout *l, const char *cache_base,
		    const char *cntl_base, const char *user, const char *jobid,
		    const char *node)
{
	memset(l, 0, sizeof(*l));
	l->user = user ? strdup(user) : default_user();
	l->jobid = strdup(jobid ? jobid : "default");
	l->node = node ? strdup(node) : default_node();
	if (!l->user || !l->jobid || !l->node) {
		scr_layout_release(l);
		return -SCR_ENOMEM;
	}
	if (!scr_layout_safe_component(l->user) ||
	    !scr_layout_safe_component(l->jobid) ||
	    !scr_layout_safe_component(l->node)) {
		scr_layout_release(l);
		return -SCR_EINVAL;
	}
	l->cache_dir = scr_asprintf("%s/%s/scr.%s/%s/cache", cache_base,
				    l->user, l->jobid, l->node);
	l->cntl_dir = scr_asprintf("%s/%s/scr.%s/%s/cntl", cntl_base,
				   l->user, l->jobid, l->node);
	l->cache_user_dir = scr_asprintf("%s/%s", cache_base, l->user);
	l->cntl_user_dir = scr_asprintf("%s/%s", cntl_base, l->user);
	if (!l->cache_dir || !l->cntl_dir || !l->cache_user_dir || !l->cntl_user_dir ||
	    scr_layout_add_store(l, cache_base, 0, 0)) {
		scr_layout_release(l);
		return -SCR_ENOMEM;
	}
	return 0;
}

int scr_layout_add_store(struct scr_layout *l, const char *base, int size, uint64_t bytes)
{
	struct scr_store *grown = realloc(l->stores, (l->nstores + 1) * sizeof(*grown));
	if (!grown)
		return -SCR_ENOMEM;
	l->stores = grown;
	struct scr_store *st = &l->stores[l->nstores];
	st->base = strdup(base);
	st->dir = scr_asprintf("%s/%s/scr.%s/%s/cache", base, l->user, l->jobid, l->node);
	st->user_dir = scr_asprintf("%s/%s", base, l->user);
	st->size = size;
	st->bytes = bytes;
	st->usable = 0;
	st->problem = NULL;
	if (!st->base || !st->dir || !st->user_dir) {
		free(st->base);
		free(st->dir);
		free(st->user_dir);
		return -SCR_ENOMEM;
	}
	l->nstores++;
	return 0;
}

/* a and b name the same directory, trailing slashes aside */
static int same_base(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	while (na > 1 && a[na - 1] == '/')
		na--;
	while (nb > 1 && b[nb - 1] == '/')
		nb--;
	return na == nb && !strncmp(a, b, na);
}

int scr_layout_store_named(const struct scr_layout *l, const char *base)
{
	for (size_t i = 0; i < l->nstores; i++)
		if (same_base(l->stores[i].base, base))
			return (int)i;
	return -1;
}

int scr_layout_store_of(const struct scr_layout *l, int id)
{
	for (size_t i = 0; i < l->nstores; i++) {
		char *dir = scr_layout_dataset_dir_in(l, (int)i, id);
		struct stat st;
		int here = dir && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
		free(dir);
		if (here)
			return (int)i;
	}
	return -1;
}

void scr_layout_release(struct scr_layout *l)
{
	for (size_t i = 0; i < l->nstores; i++) {
		free(l->stores[i].base);
		free(l->stores[i].dir);
		free(l->stores[i].user_dir);
		free(l->stores[i].problem);
	}
	free(l->stores);
	free(l->user);
	free(l->jobid);
	free(l->node);
	free(l->cache_dir);
	free(l->cntl_dir);
	free(l->cache_user_dir);
	free(l->cntl_user_dir);
	memset(l, 0, sizeof(*l));
}

static char *user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);
	return pw && pw->pw_name ? scr_asprintf("user '%s' (uid %ld)", pw->pw_name, (long)uid)
				 : scr_asprintf("uid %ld", (long)uid);
}

/* Whoever may rename entries of a directory above the per-user one could
 * swap it for one of theirs between the check and its use: each must belong
 * to root or the user and, if others or its group may write it, carry the
 * sticky bit. */
static int check_ancestor(const char *path, char **msg)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -SCR_EIO;
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		char *owner = user_name(st.st_uid);
		*msg = scr_asprintf("'%s' belongs to %s: its owner could replace your directory "
				    "below it; scr will not use it (choose a base whose directories "
				    "belong to root or to you)", path, owner ? owner : "another user");
		free(owner);
		return -SCR_EUNSAFE;
	}
	if ((st.st_mode & (S_IWOTH | S_IWGRP)) && !(st.st_mode & S_ISVTX)) {
		*msg = scr_asprintf("'%s' is writable by %s and lacks the sticky bit: another "
				    "user could replace your directory below it; scr will not use it "
				    "(chmod +t '%s', or choose another base)", path,
				    st.st_mode & S_IWOTH ? "every user" : "its group", path);
		return -SCR_EUNSAFE;
	}
	return 0;
}

int scr_layout_private_dir(const char *dir, char **msg)
{
	char *base = scr_dirname(dir);
	struct stat st;
	if (!base)
		return -SCR_ENOMEM;
	if (scr_mkdir_p(base, 0755) != 0) {
		free(base);
		return -SCR_EIO;
	}
	/* the base and every directory above it, symbolic links resolved */
	char *real = realpath(base, NULL);
	int rc = real ? check_ancestor("/", msg) : -SCR_EIO;
	for (size_t i = 1; !rc && real[i - 1] != '\0'; i++) {
		if (real[i] != '/' && real[i] != '\0')
			continue;
		char c = real[i];
		real[i] = '\0';
		rc = check_ancestor(real, msg);
		real[i] = c;
	}
	free(real);
	free(base);
	if (rc)
		return rc;
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) || lstat(dir, &st) != 0)
		return -SCR_EIO;
	const char *fix = "remove it (or have its owner or the administrator remove it), "
			  "or set SCR_CACHE_BASE and SCR_CNTL_BASE to other directories";
	if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
		*msg = scr_asprintf("'%s' is %s, not a directory of yours: scr will not use it "
				    "(%s)", dir, S_ISLNK(st.st_mode) ? "a symbolic link" :
				    "not a directory", fix);
		return -SCR_EUNSAFE;
	}
	if (st.st_uid != geteuid()) {
		char *owner = user_name(st.st_uid);
		*msg = scr_asprintf("'%s' belongs to %s, not to you: its owner could read and "
				    "change your checkpoints there; scr will not use it (%s)", dir,
				    owner ? owner : "another user", fix);
		free(owner);
		return -SCR_EUNSAFE;
	}
	if (st.st_mode & 077) {
		*msg = scr_asprintf("'%s' has mode %03o: other users can reach your checkpoints "
				    "there, and may have left files in it; scr will not use it "
				    "(check its contents, then chmod 700 '%s')", dir,
				    (unsigned)(st.st_mode & 0777), dir);
		return -SCR_EUNSAFE;
	}
	return 0;
}

char *scr_layout_dataset_dir_in(const struct scr_layout *l, int store, int id)
{
	return scr_asprintf("%s/scr.dataset.%d", l->stores[store].dir, id);
}

char *scr_layout_dataset_file_in(const struct scr_layout *l, int store, int id,
				 const char *rel)
{
	return scr_asprintf("%s/scr.dataset.%d/%s", l->stores[store].dir, id, rel);
}

/* the store of dataset id, or the first one (where a new one would go) */
static int store_or_first(const struct scr_layout *l, int id)
{
	int store = l->nstores > 1 ? scr_layout_store_of(l, id) : 0;
	return store < 0 ? 0 : store;
}

char *scr_layout_dataset_dir(const struct scr_layout *l, int id)
{
	return scr_layout_dataset_dir_in(l, store_or_first(l, id), id);
}

char *scr_layout_dataset_file(const struct scr_layout *l, int id, const char *rel)
{
	return scr_layout_dataset_file_in(l, store_or_first(l, id), id, rel);
}

char *scr_layout_filemap_path(const struct scr_layout *l, int rank)
{
	return scr_asprintf("%s/filemap_%d.scr", l->cntl_dir, rank);
}

char *scr_layout_pending_path(const struct scr_layout *l, int rank)
{
	return scr_asprintf("%s/pending_%d.scr", l->cntl_dir, rank);
}

/* ---- names of things in the prefix directory ---- */

int scr_prefix_owns(const char *rel)
{
	return !strcmp(rel, ".scr") || !strncmp(rel, ".scr/", 5);
}

char *scr_prefix_scrdir(const char *prefix)
{
	return scr_asprintf("%s/.scr", prefix);
}

char *scr_prefix_index_path(const char *prefix)
{
	return scr_asprintf("%s/.scr/index.scr", prefix);
}

char *scr_prefix_log_path(const char *prefix)
{
	return scr_asprintf("%s/.scr/log", prefix);
}

char *scr_prefix_heartbeat_path(const char *prefix)
{
	return scr_asprintf("%s/.scr/heartbeat", prefix);
}

char *scr_prefix_dataset_dir(const char *prefix, int id)
{
	return scr_asprintf("%s/.scr/scr.dataset.%d", prefix, id);
}

char *scr_prefix_summary_path(const char *prefix, int id)
{
	return scr_asprintf("%s/.scr/scr.dataset.%d/summary.scr", prefix, id);
}

char *scr_prefix_red_dir(const char *prefix, int id)
{
	return scr_asprintf("%s/.scr/scr.dataset.%d/red", prefix, id);
}

char *scr_prefix_ranks_dir(const char *prefix, int id)
{
	return scr_asprintf("%s/.scr/scr.dataset.%d/ranks", prefix, id);
}
