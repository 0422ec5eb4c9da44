/*
 * scr_log_event: write one event of the job to the event log's sinks
 * (core/base/event.h), for the job scripts (nodes found down, a checkpoint
 * saved by scr_postrun) and for sites that add their own. The sinks and
 * SCR_LOG_ENABLE come from the same configuration as the library's, so the
 * commands' events land beside the runs'. MPI-free.
 *
 * Exit status: 0 written (or the event log is off), 1 a sink failed or
 * the configuration cannot be read, 2 usage error.
 */
#define _GNU_SOURCE
#include "cmd.h"
#include "config.h"
#include "event.h"
#include "job.h"
#include "layout.h"
#include "path.h"
#include "scr_err.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: scr_log_event [--prefix DIR] [--jobid ID] KIND [KEY=VALUE...]\n"
	"       scr_log_event --help\n"
	"\n"
	"Write one event of the job to the event log (SCR_LOG_ENABLE=1): the text\n"
	"log <prefix>/.scr/log and, with SCR_LOG_SYSLOG_ENABLE=1, syslog. KIND is\n"
	"the event's kind (run_start, checkpoint, flush, nodes_down, ... or a\n"
	"site's own); each KEY=VALUE adds a field (KEY: lower-case letters, digits\n"
	"and '_'; VALUE: any text, escaped in the log). The job, user, node and\n"
	"prefix fields come first, as in the library's events.\n"
	"\n"
	"  -p, --prefix DIR  prefix directory (default: SCR_PREFIX, else the\n"
	"                    current directory)\n"
	"  -j, --jobid ID    the job (default: SCR_JOB_ID, else SLURM's)\n"
	"  -h, --help        show this help\n"
	"\n"
	"Exit status: 0 written (or the event log is off), 1 a sink failed or the\n"
	"configuration cannot be read, 2 usage error.\n";

static int is_key(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	cmd_init("scr_log_event");
	static const struct option longopts[] = {
		{ "prefix", required_argument, NULL, 'p' },
		{ "jobid",  required_argument, NULL, 'j' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prefix_opt = NULL, *jobid = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!*optarg)
				return cmd_usage_error("%s: empty prefix", "--prefix");
			prefix_opt = optarg;
			break;
		case 'j':
			if (!scr_layout_safe_component(optarg))
				return cmd_usage_error("--jobid: '%s' is not a job id (one path "
						       "component, no '/')", optarg);
			jobid = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case ':':
			return cmd_usage_error("option '%s' needs an argument", cmd_bad_option(argv));
		default:
			return cmd_usage_error("unknown option '%s'", cmd_bad_option(argv));
		}
	}
	if (optind >= argc)
		return cmd_usage_error("%s", "name the event's KIND");
	const char *kind = argv[optind++];
	if (!is_key(kind, strlen(kind)))
		return cmd_usage_error("'%s' is not an event kind (lower-case letters, digits, "
				       "'_')", kind);
	size_t npairs = (size_t)(argc - optind);
	const char **kv = calloc(2 * npairs + 1, sizeof(*kv));
	char **keys = calloc(npairs + 1, sizeof(*keys));
	if (!kv || !keys)
		cmd_out_of_memory();
	for (size_t i = 0; i < npairs; i++) {
		const char *arg = argv[optind + (int)i];
		const char *eq = strchr(arg, '=');
		if (!eq || !is_key(arg, (size_t)(eq - arg)))
			return cmd_usage_error("'%s' is not KEY=VALUE (KEY: lower-case letters, "
					       "digits, '_')", arg);
		if (!(keys[i] = strndup(arg, (size_t)(eq - arg))))
			cmd_out_of_memory();
		kv[2 * i] = keys[i];
		kv[2 * i + 1] = eq + 1;
	}

	char *cwd = getcwd(NULL, 0);
	struct scr_config *cfg = NULL;
	char *msg = NULL;
	struct scr_layout l;
	int rc = cwd ? scr_job_command_config(cwd, &cfg, &msg) : -SCR_ENOMEM;
	if (!rc)
		rc = scr_job_layout(cfg, jobid, NULL, &l, &msg);
	if (rc) {
		fprintf(stderr, "scr_log_event: %s\n", msg ? msg : scr_strerror(rc));
		return EXIT_FAIL;
	}
	char *prefix = prefix_opt ? scr_path_absolute(cwd, prefix_opt) : scr_job_prefix(cfg, cwd);
	struct scr_event_log lg;
	if (!prefix || scr_event_log_open(&lg, cfg, prefix, l.jobid, l.user, l.node) != 0)
		cmd_out_of_memory();
	int status = EXIT_OK;
	if (lg.enabled) {
		char *line = scr_event_line(&lg, scr_event_now(), kind, kv);
		if (!line)
			cmd_out_of_memory();
		if (scr_event_log_write(&lg, line) != 0)
			status = EXIT_FAIL;
		free(line);
	}
	scr_event_log_close(&lg);
	for (size_t i = 0; i < npairs; i++)
		free(keys[i]);
	free(keys);
	free(kv);
	free(prefix);
	scr_layout_release(&l);
	scr_config_free(cfg);
	free(cwd);
	return status;
}
