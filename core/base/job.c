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

/* A descriptor's attribute as a number (validated by the configuration),
 * dflt when unset. */
static uint64_t desc_num(const struct scr_config *cfg, const char *kind, size_t i,
			 const char *attr, uint64_t dflt)
{
	const char *v = scr_config_desc_get(cfg, kind, i, attr);
	uint64_t n;
	if (!v || !*v)
		return dflt;
	if (!strcmp(attr, "BYTES"))
		return scr_parse_bytes(v, &n) == 0 ? n : dflt;
	return strtoull(v, NULL, 10);
}

/* The stores: every CACHE descriptor (the first is the cache base), then
 * every STORE descriptor naming another directory; without descriptors,
 * SCR_CACHE_BASE alone. SIZE (a STORE's COUNT) and BYTES default to
 * SCR_CACHE_SIZE and SCR_CACHE_BYTES. */
static int add_stores(const struct scr_config *cfg, struct scr_layout *l)
{
	int size = (int)scr_config_get_int(cfg, "SCR_CACHE_SIZE");
	uint64_t bytes = scr_config_get_bytes(cfg, "SCR_CACHE_BYTES");
	size_t ncache = scr_config_desc_count(cfg, "CACHE");
	l->stores[0].size = (int)desc_num(cfg, "CACHE", 0, "SIZE", (uint64_t)size);
	l->stores[0].bytes = desc_num(cfg, "CACHE", 0, "BYTES", bytes);
	if (!ncache)
		l->stores[0].size = size;
	int rc = 0;
	for (size_t i = 1; i < ncache && !rc; i++) {
		const char *base = scr_config_desc_name(cfg, "CACHE", i);
		if (scr_layout_store_named(l, base) < 0)
			rc = scr_layout_add_store(l, base, (int)desc_num(cfg, "CACHE", i, "SIZE",
									 (uint64_t)size),
						  desc_num(cfg, "CACHE", i, "BYTES", bytes));
	}
	size_t nstore = scr_config_desc_count(cfg, "STORE");
	for (size_t i = 0; i < nstore && !rc; i++) {
		const char *base = scr_config_desc_name(cfg, "STORE", i);
		if (scr_layout_store_named(l, base) < 0)
			rc = scr_layout_add_store(l, base, (int)desc_num(cfg, "STORE", i, "COUNT",
									 (uint64_t)size),
						  desc_num(cfg, "STORE", i, "BYTES", bytes));
	}
	return rc;
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
	if (!rc && (rc = add_stores(cfg, l)) != 0)
		scr_layout_release(l);
	return rc;
}
