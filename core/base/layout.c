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
	if (!l->cache_dir || !l->cntl_dir || !l->cache_user_dir || !l->cntl_user_dir) {
		scr_layout_release(l);
		return -SCR_ENOMEM;
	}
	return 0;
}

void scr_layout_release(struct scr_layout *l)
{
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

char *scr_layout_dataset_dir(const struct scr_layout *l, int id)
{
	return scr_asprintf("%s/scr.dataset.%d", l->cache_dir, id);
}

char *scr_layout_dataset_file(const struct scr_layout *l, int id, const char *rel)
{
	return scr_asprintf("%s/scr.dataset.%d/%s", l->cache_dir, id, rel);
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
