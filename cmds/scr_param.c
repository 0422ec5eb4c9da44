/*
 * scr_param: print configuration parameters as the library sees them
 * (system file, user file, environment; see core/base/job.h), so that the shell
 * commands use the same prefix, bases and limits as the job.
 *
 * Exit status: 0 success, 1 a configuration error, 2 usage error.
 */
#define _GNU_SOURCE
#include "config.h"
#include "job.h"
#include "scr_err.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"Usage: scr_param [--prefix-dir] [--cache-base] [--cntl-base] [--job-id] [NAME...]\n"
	"\n"
	"Print scr configuration values as the library would see them here: the\n"
	"system file, the user file (SCR_CONF_FILE, else <prefix>/.scr/app.conf) and\n"
	"SCR_* environment variables, over the compiled defaults. One value per\n"
	"line: first the options' in the order given, then the named parameters'\n"
	"in order; an empty line for a parameter without value. Booleans print as\n"
	"0 or 1, durations in seconds, sizes in bytes.\n"
	"\n"
	"  -p, --prefix-dir   the absolute prefix directory\n"
	"  -c, --cache-base   the base of the node-local cache directories\n"
	"  -C, --cntl-base    the base of the node-local control directories\n"
	"  -j, --job-id       the job id (SCR_JOB_ID, else SLURM's; empty if none)\n"
	"  NAME               a parameter, e.g. SCR_RUNS\n"
	"  -h, --help         this text\n"
	"\n"
	"Exit status: 0 success, 1 configuration error, 2 usage error.\n";

/* A parameter's value as the library reads it: booleans as 0 or 1,
 * durations in seconds, sizes in bytes, the rest as written. */
static void print_value(const struct scr_config *cfg, const char *name)
{
	const char *v = scr_job_param(cfg, name), *pname, *type, *dflt, *doc;
	for (size_t k = 0; v && scr_config_param(k, &pname, &type, &dflt, &doc); k++) {
		if (strcmp(pname, name))
			continue;
		if (!strcmp(type, "bool"))
			printf("%d\n", scr_config_get_bool(cfg, name));
		else if (!strcmp(type, "seconds") || !strncmp(type, "int", 3))
			printf("%lld\n", scr_config_get_int(cfg, name));
		else if (!strcmp(type, "bytes"))
			printf("%llu\n", (unsigned long long)scr_config_get_bytes(cfg, name));
		else
			puts(v);
		return;
	}
	puts(v ? v : "");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prefix-dir", no_argument, NULL, 'p' },
		{ "cache-base", no_argument, NULL, 'c' },
		{ "cntl-base",  no_argument, NULL, 'C' },
		{ "job-id",     no_argument, NULL, 'j' },
		{ "help",       no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* the options print in the order given, so remember them */
	char *order = calloc((size_t)argc + 1, 1);
	size_t norder = 0;
	int c;
	if (!order) {
		fputs("scr_param: out of memory\n", stderr);
		return 1;
	}
	while ((c = getopt_long(argc, argv, "pcCjh", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			free(order);
			return 0;
		}
		if (c == '?') {
			fputs("Try 'scr_param --help'.\n", stderr);
			free(order);
			return 2;
		}
		order[norder++] = (char)c;
	}
	if (norder == 0 && optind >= argc) {
		fputs("scr_param: name a parameter or an option\nTry 'scr_param --help'.\n", stderr);
		free(order);
		return 2;
	}

	char *cwd = getcwd(NULL, 0);
	struct scr_config *cfg = NULL;
	char *msg = NULL;
	int rc = cwd ? scr_job_command_config(cwd, &cfg, &msg) : -SCR_ENOMEM;
	if (rc) {
		fprintf(stderr, "scr_param: %s\n", msg ? msg : scr_strerror(rc));
		free(msg);
		scr_config_free(cfg);
		free(cwd);
		free(order);
		return 1;
	}
	for (size_t i = 0; i < norder; i++) {
		const char *v = NULL;
		char *own = NULL;
		switch (order[i]) {
		case 'p': v = own = scr_job_prefix(cfg, cwd); break;
		case 'c': v = scr_job_cache_base(cfg); break;
		case 'C': v = scr_job_cntl_base(cfg); break;
		case 'j': v = scr_job_id(cfg); break;
		}
		puts(v ? v : "");
		free(own);
	}
	for (int i = optind; i < argc; i++) {
		if (strncmp(argv[i], "SCR_", 4)) {
			fprintf(stderr, "scr_param: '%s' is not an scr parameter (they start with SCR_)\n",
				argv[i]);
			rc = 2;
			continue;
		}
		print_value(cfg, argv[i]);
	}
	scr_config_free(cfg);
	free(cwd);
	free(order);
	return rc ? 2 : 0;
}
