/* The library side of the transparent mode (see transparent.h). */
#define _GNU_SOURCE
#include "transparent.h"

#include "io.h"
#include "log.h"
#include "path.h"
#include "scr.h"
#include "scr_err.h"
#include "state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int scr_tp_active(void)
{
	enum scr_phase p = scr_state_get()->phase;
	return p == SCR_PHASE_IDLE || p == SCR_PHASE_OUTPUT || p == SCR_PHASE_RESTART;
}

const char *scr_tp_param(const char *name)
{
	struct scr_state *s = scr_state_get();
	if (!s->cfg)
		return NULL;
	const char *v = scr_config_get(s->cfg, name);
	return v && *v ? v : NULL;
}

long long scr_tp_int(const char *name, long long dflt)
{
	struct scr_state *s = scr_state_get();
	return s->cfg ? scr_config_get_int(s->cfg, name) : dflt;
}

const char *scr_tp_prefix(void)
{
	return scr_tp_active() ? scr_state_get()->prefix : NULL;
}

int scr_tp_write_path(int ahead, const char *abs_path, char **route, char **rel)
{
	struct scr_state *s = scr_state_get();
	*route = *rel = NULL;
	if (!scr_tp_active())
		return -SCR_ESTATE;
	char *r = scr_path_below(abs_path, s->prefix);
	if (!r)
		return -SCR_EPATH;
	char *dst;
	if (s->bypass) {
		dst = strdup(abs_path);
	} else {
		char *dsdir = scr_layout_dataset_dir(&s->layout, s->next_id + ahead);
		dst = dsdir ? scr_asprintf("%s/%s", dsdir, r) : NULL;
		free(dsdir);
	}
	char *dir = dst ? scr_dirname(dst) : NULL;
	int rc = dir ? scr_mkdir_p(dir, 0755) : -SCR_ENOMEM;
	free(dir);
	if (rc) {
		free(dst);
		free(r);
		return rc;
	}
	*route = dst;
	*rel = r;
	return 0;
}

int scr_tp_read_path(const char *abs_path, char **route)
{
	struct scr_state *s = scr_state_get();
	*route = NULL;
	if (!scr_tp_active())
		return -SCR_ESTATE;
	char *rel = scr_path_below(abs_path, s->prefix);
	if (!rel)
		return -SCR_ENOENT;
	int rc = -SCR_ENOENT;
	for (size_t i = s->filemap.n; rc == -SCR_ENOENT && i-- > 0;) {
		const struct scr_filemap_entry *e = &s->filemap.e[i];
		if (!e->ds.complete || !e->prefix || strcmp(e->prefix, s->prefix))
			continue;
		for (size_t j = 0; j < e->nfiles; j++) {
			if (strcmp(e->files[j].path, rel))
				continue;
			char *dsdir = scr_layout_dataset_dir(&s->layout, e->ds.id);
			*route = dsdir ? scr_asprintf("%s/%s", dsdir, rel) : NULL;
			free(dsdir);
			rc = *route ? 0 : -SCR_ENOMEM;
			break;
		}
	}
	for (size_t i = 0; rc == -SCR_ENOENT && i < s->tp_nfiles; i++) {
		if (!strcmp(s->tp_files[i].path, rel)) {
			*route = strdup(abs_path);
			rc = *route ? 0 : -SCR_ENOMEM;
		}
	}
	free(rel);
	return rc;
}

int scr_tp_complete(const char *name, char *const *rels, int nrels, int valid)
{
	struct scr_state *s = scr_state_get();
	if (SCR_Start_output(name, SCR_FLAG_CHECKPOINT) != SCR_SUCCESS)
		return -SCR_ESTATE;
	char file[SCR_MAX_FILENAME];
	for (int i = 0; i < nrels; i++) {
		char *abs = scr_asprintf("%s/%s", s->prefix, rels[i]);
		if (!abs || SCR_Route_file(abs, file) != SCR_SUCCESS)
			valid = 0;
		free(abs);
	}
	return SCR_Complete_output(valid) == SCR_SUCCESS ? 0 : -SCR_EINVAL;
}

int scr_tp_begin(char **restarted_from)
{
	struct scr_state *s = scr_state_get();
	*restarted_from = NULL;
	int have = 0;
	char name[SCR_MAX_FILENAME];
	if (SCR_Have_restart(&have, name) != SCR_SUCCESS || !have)
		return 0;
	if (SCR_Start_restart(name) != SCR_SUCCESS)
		return -SCR_ESTATE;
	/* a restart read in place stays readable; one in cache is in the filemap */
	s->tp_files = s->restart_files;
	s->tp_nfiles = s->restart_nfiles;
	s->restart_files = NULL;
	s->restart_nfiles = 0;
	/* the files were verified when the restart was chosen; whether the
	 * application likes them it cannot tell us */
	if (SCR_Complete_restart(1) != SCR_SUCCESS)
		return -SCR_EREMOTE;
	*restarted_from = strdup(name);
	return 0;
}
