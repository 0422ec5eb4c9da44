#define _GNU_SOURCE
#include "layout.h"

#include "io.h"
#include "scr_err.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
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
	if (!l->cache_dir || !l->cntl_dir) {
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
	memset(l, 0, sizeof(*l));
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
