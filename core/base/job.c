/* The job's configuration layers and places (see job.h). */
#define _GNU_SOURCE
#include "job.h"

#include "io.h"
#include "path.h"
#include "scr_err.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SCR_SYSTEM_CONF
#define SCR_SYSTEM_CONF "/etc/scr.conf"
#endif

const char *scr_job_param(const struct scr_config *cfg, const char *name)
{
	const char *v = scr_config_get(cfg, name);
	return v && *v ? v : NULL;
}

char *scr_job_prefix(const struct scr_config *cfg, const char *cwd)
{
	const char *prefix = scr_job_param(cfg, "SCR_PREFIX");
	return scr_path_absolute(cwd, prefix ? prefix : ".");
}

int scr_job_load_config(struct scr_config *cfg, const char *cwd, char *const *envp,
			char **warnings, char **msg)
{
	*warnings = NULL;
	int rc = scr_config_parse_file(cfg, SCR_CONF_SYSTEM, SCR_SYSTEM_CONF, 1, msg);
	if (!rc)
		rc = scr_config_load_env(cfg, envp, warnings, msg);
	if (rc)
		return rc;
	const char *user = scr_job_param(cfg, "SCR_CONF_FILE");
	if (user)
		return scr_config_parse_file(cfg, SCR_CONF_USER, user, 0, msg);
	char *prefix = scr_job_prefix(cfg, cwd);
	char *path = prefix ? scr_asprintf("%s/.scr/app.conf", prefix) : NULL;
	free(prefix);
	if (!path)
		return -SCR_ENOMEM;
	rc = scr_config_parse_file(cfg, SCR_CONF_USER, path, 1, msg);
	free(path);
	return rc;
}

int scr_job_command_config(const char *cwd, struct scr_config **cfg, char **msg)
{
	char *warnings = NULL;
	*cfg = scr_config_new();
	if (!*cfg)
		return -SCR_ENOMEM;
	int rc = scr_job_load_config(*cfg, cwd, environ, &warnings, msg);
	free(warnings);
	return rc;
}

const char *scr_job_cache_base(const struct scr_config *cfg)
{
	if (scr_config_desc_count(cfg, "CACHE") > 0)
		return scr_config_desc_name(cfg, "CACHE", 0);
	const char *base = scr_job_param(cfg, "SCR_CACHE_BASE");
	return base ? base : "/dev/shm";
}

const char *scr_job_cntl_base(const struct scr_config *cfg)
{
	if (scr_config_desc_count(cfg, "CNTL") > 0)
		return scr_config_desc_name(cfg, "CNTL", 0);
	const char *base = scr_job_param(cfg, "SCR_CNTL_BASE");
	return base ? base : "/dev/shm";
}

const char *scr_job_id(const struct scr_config *cfg)
{
	const char *id = scr_job_param(cfg, "SCR_JOB_ID");
	if (!id || !*id)
		id = getenv("SLURM_JOB_ID");
	if (!id || !*id)
		id = getenv("SLURM_JOBID");
	return id && *id ? id : NULL;
}

int scr_job_layout(const struct scr_config *cfg, const char *jobid, const char *node,
		   struct scr_layout *l, char **msg)
{
	int rc = scr_layout_init(l, scr_job_cache_base(cfg), scr_job_cntl_base(cfg),
				 scr_job_param(cfg, "SCR_USER_NAME"),
				 jobid ? jobid : scr_job_id(cfg),
				 node ? node : scr_job_param(cfg, "SCR_NODE_NAME"));
	if (rc && msg)
		*msg = scr_asprintf("invalid user, job id or node name "
				    "(SCR_USER_NAME, SCR_JOB_ID, SCR_NODE_NAME): each must "
				    "be one path component without '/'");
	return rc;
}
