/*
 * The job's view of its configuration and places, shared by the library
 * (SCR_Init) and the commands so that both find the same prefix, cache and
 * control directories from the same layers: system file, user file
 * (SCR_CONF_FILE, else <prefix>/.scr/app.conf), environment. MPI-free.
 */
#ifndef SCR_JOB_H
#define SCR_JOB_H

#include "config.h"
#include "layout.h"

/*
 * Load the system file, the environment (envp) and the user file into cfg.
 * The prefix can itself come from any layer, so the environment is read
 * first and the user file chosen after; relative names start at cwd.
 * Unknown SCR_* variables are appended to *warnings (malloc'd, NULL when
 * none; the caller frees it in every case).
 */
int scr_job_load_config(struct scr_config *cfg, const char *cwd, char *const *envp,
			char **warnings, char **msg);

/*
 * For the commands: a new config loaded as the library loads it in cwd
 * (scr_job_load_config over the process environment). Unknown SCR_*
 * variables are the library's to report and are dropped here. *cfg is set
 * even when loading fails (NULL only when out of memory), so the caller
 * can still read what came before the error; the caller frees it.
 */
int scr_job_command_config(const char *cwd, struct scr_config **cfg, char **msg);

/* Parameter value, NULL when unset or empty (belongs to cfg). */
const char *scr_job_param(const struct scr_config *cfg, const char *name);

/* Absolute, normalised prefix (SCR_PREFIX from cwd, else cwd); malloc'd. */
char *scr_job_prefix(const struct scr_config *cfg, const char *cwd);

/* Cache and control bases: the first CACHE / CNTL descriptor, else the
 * parameters, else /dev/shm. */
const char *scr_job_cache_base(const struct scr_config *cfg);
const char *scr_job_cntl_base(const struct scr_config *cfg);

/* SCR_JOB_ID, else SLURM_JOB_ID / SLURM_JOBID from the environment; NULL
 * when none (the layout then uses "default"). */
const char *scr_job_id(const struct scr_config *cfg);

/*
 * This process's layout on its node. node NULL: SCR_NODE_NAME, else the
 * host name; jobid NULL: scr_job_id(). *msg explains a rejected component.
 */
int scr_job_layout(const struct scr_config *cfg, const char *jobid, const char *node,
		   struct scr_layout *l, char **msg);

#endif
