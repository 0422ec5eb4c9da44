/*
 * scr_halt: set, list, check and remove the conditions under which an scr
 * job stops (<prefix>/.scr/halt.scr), record the running job's id, or stop
 * the job at once with scancel. MPI-free; the file is read and written only
 * through core/base/halt.c, the module the library uses, so both see the same
 * conditions and evaluate them by the same rules.
 *
 * Exit status: 0 success (--check: a condition holds), 1 failure (--check:
 * none holds, or the halt file cannot be read), 2 usage error.
 */
#define _GNU_SOURCE
#include "cmd.h"
#include "config.h"
#include "halt.h"
#include "io.h"
#include "job.h"
#include "path.h"
#include "scr_err.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define IMMEDIATE_REASON "scr_halt --immediate"

static const char usage_text[] =
	"usage: scr_halt [--prefix DIR] CONDITION... [--list]\n"
	"       scr_halt [--prefix DIR] [--list] [--end-time EPOCH]\n"
	"       scr_halt [--prefix DIR] --check [--end-time EPOCH]\n"
	"       scr_halt [--prefix DIR] --remove\n"
	"       scr_halt [--prefix DIR] --immediate [--reason TEXT] [--jobid ID]\n"
	"       scr_halt [--prefix DIR] --set-job ID\n"
	"       scr_halt --help\n"
	"\n"
	"Set, list and check the conditions under which an scr job stops, kept in\n"
	"DIR/.scr/halt.scr. The library checks them in SCR_Should_exit and after\n"
	"every checkpoint (a job that halts flushes that checkpoint to DIR and\n"
	"records why); scr_srun and scr_run check them before and after each run.\n"
	"\n"
	"Conditions (any number at once; each replaces its earlier value):\n"
	"  -c, --checkpoints N  stop after N more checkpoints\n"
	"  -b, --before TIME    stop before TIME (with --seconds, that long before)\n"
	"  -a, --after TIME     stop once TIME has come\n"
	"  -s, --seconds N      margin N[smhd] for --before and for the end of the\n"
	"                       allocation; replaces SCR_HALT_SECONDS\n"
	"  -r, --reason TEXT    stop now, for this reason\n"
	"  --unset-checkpoints, --unset-before, --unset-after, --unset-seconds,\n"
	"  --unset-reason       remove that condition\n"
	"TIME is HH:MM[:SS] (today, or tomorrow when that time has passed),\n"
	"YYYY-MM-DD[ T]HH:MM[:SS] (local time), @EPOCH (seconds since 1970) or\n"
	"+N[smhd] (from now).\n"
	"\n"
	"Other operations:\n"
	"  -l, --list           print the conditions and whether one holds now\n"
	"                       (the default; also after changing them)\n"
	"      --check          print the reason and exit 0 when a condition holds\n"
	"                       now; exit 1 when none does\n"
	"      --end-time EPOCH when the allocation ends, for --list and --check\n"
	"                       (default: SCR_END_TIME)\n"
	"  -x, --remove         delete every condition (also a damaged halt file)\n"
	"  -i, --immediate      record the reason (--reason, else \"" IMMEDIATE_REASON "\")\n"
	"                       and cancel the job with scancel\n"
	"  -j, --jobid ID       the job --immediate cancels (default: the job id in\n"
	"                       the halt file, else SLURM_JOB_ID)\n"
	"      --set-job ID     record the running job's id (scr_srun does this);\n"
	"                       a new id clears the exit reason an earlier run left\n"
	"                       when it ended by itself (SCR_Finalize called) or\n"
	"                       with its allocation\n"
	"  -p, --prefix DIR     prefix directory (default: SCR_PREFIX from the\n"
	"                       configuration, else the current directory)\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 success (--check: a condition holds), 1 failure (--check:\n"
	"none holds, or the halt file cannot be read), 2 usage error.\n";

/* Long-only options. */
enum {
	O_UNSET_CKPTS = 256, O_UNSET_BEFORE, O_UNSET_AFTER, O_UNSET_SECONDS, O_UNSET_REASON,
	O_CHECK, O_END_TIME, O_SET_JOB,
};

enum op { OP_LIST, OP_CHECK, OP_REMOVE, OP_IMMEDIATE };

struct args {
	const char *prefix;
	enum op op;
	int explicit_op;              /* --list, --check, --remove, --immediate given */
	unsigned set, unset;          /* SCR_HALT_HAS_* plus the two below */
	int checkpoints, seconds;
	int64_t before, after;
	enum scr_halt_time_kind before_kind, after_kind;
	const char *before_text, *after_text;
	const char *reason, *jobid, *set_job;
	int64_t end_time;             /* 0: SCR_END_TIME */
	int have_end_time;
};

/* Bits of set/unset for the strings. */
#define HAS_REASON (1u << 8)
#define HAS_JOB    (1u << 9)

static int set_op(struct args *a, enum op op, const char *option)
{
	if (a->explicit_op && a->op != op)
		return cmd_usage_error("%s: choose one of --list, --check, --remove and --immediate",
				       option);
	a->op = op;
	a->explicit_op = 1;
	return 0;
}

static int parse_time_opt(const char *option, const char *text, int64_t now, int64_t *out,
			  enum scr_halt_time_kind *kind)
{
	if (scr_halt_parse_time(text, now, out, kind) == 0)
		return 0;
	return cmd_usage_error("%s: '%s' is not a time; use " SCR_HALT_TIME_FORMS, option, text);
}

/* Mark a condition set or unset; both for one is a usage error. */
static int mark(struct args *a, unsigned bit, int unset, const char *what)
{
	if ((unset ? a->set : a->unset) & bit)
		return cmd_usage_error("--%s and --unset-%s: give one of them", what, what);
	if (unset)
		a->unset |= bit;
	else
		a->set |= bit;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a, int64_t now)
{
	static const struct option longopts[] = {
		{ "prefix",            required_argument, NULL, 'p' },
		{ "checkpoints",       required_argument, NULL, 'c' },
		{ "before",            required_argument, NULL, 'b' },
		{ "after",             required_argument, NULL, 'a' },
		{ "seconds",           required_argument, NULL, 's' },
		{ "reason",            required_argument, NULL, 'r' },
		{ "unset-checkpoints", no_argument,       NULL, O_UNSET_CKPTS },
		{ "unset-before",      no_argument,       NULL, O_UNSET_BEFORE },
		{ "unset-after",       no_argument,       NULL, O_UNSET_AFTER },
		{ "unset-seconds",     no_argument,       NULL, O_UNSET_SECONDS },
		{ "unset-reason",      no_argument,       NULL, O_UNSET_REASON },
		{ "list",              no_argument,       NULL, 'l' },
		{ "check",             no_argument,       NULL, O_CHECK },
		{ "end-time",          required_argument, NULL, O_END_TIME },
		{ "remove",            no_argument,       NULL, 'x' },
		{ "immediate",         no_argument,       NULL, 'i' },
		{ "jobid",             required_argument, NULL, 'j' },
		{ "set-job",           required_argument, NULL, O_SET_JOB },
		{ "help",              no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = 0;
	memset(a, 0, sizeof(*a));
	opterr = 0;
	while (!rc && (c = getopt_long(argc, argv, ":p:c:b:a:s:r:lxij:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!*optarg)
				return cmd_usage_error("--prefix: empty directory name");
			a->prefix = optarg;
			break;
		case 'c': {
			char *end;
			errno = 0;
			long n = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || n < 0 || n > INT_MAX)
				return cmd_usage_error("--checkpoints: '%s' is not a number of checkpoints "
						       "(0 or more)", optarg);
			a->checkpoints = (int)n;
			rc = mark(a, SCR_HALT_HAS_CHECKPOINTS, 0, "checkpoints");
			break;
		}
		case 'b':
			rc = parse_time_opt("--before", optarg, now, &a->before, &a->before_kind);
			a->before_text = optarg;
			if (!rc)
				rc = mark(a, SCR_HALT_HAS_BEFORE, 0, "before");
			break;
		case 'a':
			rc = parse_time_opt("--after", optarg, now, &a->after, &a->after_kind);
			a->after_text = optarg;
			if (!rc)
				rc = mark(a, SCR_HALT_HAS_AFTER, 0, "after");
			break;
		case 's':
			if (scr_halt_parse_seconds(optarg, &a->seconds))
				return cmd_usage_error("--seconds: '%s' is not a duration; use N, Ns, Nm, "
						       "Nh or Nd (N a whole number, 0 or more)", optarg);
			rc = mark(a, SCR_HALT_HAS_SECONDS, 0, "seconds");
			break;
		case 'r':
			if (!*optarg)
				return cmd_usage_error("--reason: give a text (--unset-reason removes "
						       "the reason)");
			a->reason = optarg;
			rc = mark(a, HAS_REASON, 0, "reason");
			break;
		case O_UNSET_CKPTS:
			rc = mark(a, SCR_HALT_HAS_CHECKPOINTS, 1, "checkpoints");
			break;
		case O_UNSET_BEFORE:
			rc = mark(a, SCR_HALT_HAS_BEFORE, 1, "before");
			break;
		case O_UNSET_AFTER:
			rc = mark(a, SCR_HALT_HAS_AFTER, 1, "after");
			break;
		case O_UNSET_SECONDS:
			rc = mark(a, SCR_HALT_HAS_SECONDS, 1, "seconds");
			break;
		case O_UNSET_REASON:
			rc = mark(a, HAS_REASON, 1, "reason");
			break;
		case 'l':
			rc = set_op(a, OP_LIST, "--list");
			break;
		case O_CHECK:
			rc = set_op(a, OP_CHECK, "--check");
			break;
		case 'x':
			rc = set_op(a, OP_REMOVE, "--remove");
			break;
		case 'i':
			rc = set_op(a, OP_IMMEDIATE, "--immediate");
			break;
		case O_END_TIME: {
			char *end;
			errno = 0;
			long long t = strtoll(optarg, &end, 10);
			if (end == optarg || *end || errno || t <= 0)
				return cmd_usage_error("--end-time: '%s' is not a time in seconds since "
						       "1970 (as 'date +%%s' prints)", optarg);
			a->end_time = t;
			a->have_end_time = 1;
			break;
		}
		case 'j':
			if (!scr_halt_job_id_ok(optarg))
				return cmd_usage_error("--jobid: '%s' is not a job id (letters, digits, "
						       "'_', '.', '-')", optarg);
			a->jobid = optarg;
			break;
		case O_SET_JOB:
			if (!scr_halt_job_id_ok(optarg))
				return cmd_usage_error("--set-job: '%s' is not a job id (letters, digits, "
						       "'_', '.', '-')", optarg);
			a->set_job = optarg;
			a->set |= HAS_JOB;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		case ':':
			return cmd_usage_error("option '%s' needs an argument", cmd_bad_option(argv));
		default:
			return cmd_usage_error("unknown option '%s'", cmd_bad_option(argv));
		}
	}
	if (rc)
		return rc;
	if (optind < argc)
		return cmd_usage_error("unexpected argument '%s'", argv[optind]);

	int edits = a->set || a->unset;
	if (a->op == OP_CHECK && edits)
		return cmd_usage_error("--check: give it alone (with --prefix and --end-time): it "
				       "changes nothing");
	if (a->op == OP_REMOVE && (edits || a->have_end_time))
		return cmd_usage_error("--remove deletes every condition: give it alone (with "
				       "--prefix)");
	if (a->op == OP_IMMEDIATE && ((a->set & ~HAS_REASON) || a->unset || a->have_end_time))
		return cmd_usage_error("--immediate takes only --reason, --jobid and --prefix");
	if (a->jobid && a->op != OP_IMMEDIATE)
		return cmd_usage_error("--jobid goes with --immediate (--set-job records the "
				       "running job)");
	return 0;
}

/* ---- printing ---- */

/* "1h 20m", "45s", "2d 3h": a duration for people. */
static void format_span(long long s, char *buf, size_t size)
{
	if (s < 60)
		snprintf(buf, size, "%llds", s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm %02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%lldh %02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, "%lldd %02lldh", s / 86400, s % 86400 / 3600);
}

static void print_time(const char *label, int64_t t, int64_t now, const char *extra)
{
	char when[64], span[32];
	scr_halt_format_time(t, when, sizeof(when));
	format_span(t >= now ? t - now : now - t, span, sizeof(span));
	if (t >= now)
		printf("  %-17s %s (in %s)%s\n", label, when, span, extra ? extra : "");
	else
		printf("  %-17s %s (%s ago)%s\n", label, when, span, extra ? extra : "");
}

struct env {
	const char *path;
	long long halt_seconds;     /* SCR_HALT_SECONDS */
	int64_t end_time;           /* 0: unknown */
	const char *end_source;
};

static void print_list(const struct env *e, const struct scr_halt *h, int64_t now)
{
	if (scr_halt_empty(h))
		printf("no halt conditions in %s\n", e->path);
	else
		printf("halt conditions in %s:\n", e->path);
	if (h->has & SCR_HALT_HAS_CHECKPOINTS)
		printf("  %-17s %d\n", "checkpoints left", h->checkpoints_left);
	if (h->has & SCR_HALT_HAS_BEFORE)
		print_time("exit before", h->exit_before, now, NULL);
	if (h->has & SCR_HALT_HAS_AFTER)
		print_time("exit after", h->exit_after, now, NULL);
	if (h->has & SCR_HALT_HAS_SECONDS)
		printf("  %-17s %d\n", "halt seconds", h->halt_seconds);
	if (h->exit_reason) {
		char *r = cmd_printable(h->exit_reason);
		printf("  %-17s %s\n", "exit reason", r);
		free(r);
	}
	if (h->job_id)
		printf("  %-17s %s\n", "job id", h->job_id);
	/* what else takes part in the evaluation */
	if (!(h->has & SCR_HALT_HAS_SECONDS) && e->halt_seconds > 0)
		printf("  %-17s %lld (SCR_HALT_SECONDS)\n", "halt seconds", e->halt_seconds);
	if (e->end_time > 0) {
		char extra[64];
		snprintf(extra, sizeof(extra), " (%s)", e->end_source);
		print_time("allocation ends", e->end_time, now, extra);
	}
	char *why = NULL;
	if (scr_halt_eval(h, now, e->end_time, e->halt_seconds, &why)) {
		char *w = cmd_printable(why);
		printf("a halt condition holds now: %s\n", w);
		free(w);
	} else if (scr_halt_needs_end_time(h, e->halt_seconds) && e->end_time <= 0) {
		printf("no halt condition holds now (the end of the allocation is unknown: "
		       "give --end-time or SCR_END_TIME)\n");
	} else {
		printf("no halt condition holds now\n");
	}
	free(why);
}

static int read_error(const char *path, int rc)
{
	char *m = scr_halt_error_text(path, rc, errno);
	fprintf(stderr, "scr_halt: %s\n", m ? m : scr_strerror(rc));
	free(m);
	return EXIT_FAIL;
}

/* ---- operations ---- */

struct edit_arg {
	const struct args *a;
	char *cleared;        /* --set-job: the earlier run's reason it removed */
};

static int edit(struct scr_halt *h, void *arg)
{
	struct edit_arg *e = arg;
	const struct args *a = e->a;
	unsigned numbers = SCR_HALT_HAS_CHECKPOINTS | SCR_HALT_HAS_BEFORE | SCR_HALT_HAS_AFTER |
			   SCR_HALT_HAS_SECONDS;
	h->has &= ~(a->unset & numbers);
	h->has |= a->set & numbers;
	if (a->set & SCR_HALT_HAS_CHECKPOINTS)
		h->checkpoints_left = a->checkpoints;
	if (a->set & SCR_HALT_HAS_BEFORE)
		h->exit_before = a->before;
	if (a->set & SCR_HALT_HAS_AFTER)
		h->exit_after = a->after;
	if (a->set & SCR_HALT_HAS_SECONDS)
		h->halt_seconds = a->seconds;
	if ((a->unset & HAS_REASON) && scr_halt_set_reason(h, NULL))
		return -SCR_ENOMEM;
	if ((a->set & HAS_REASON) && scr_halt_set_reason(h, a->reason))
		return -SCR_ENOMEM;
	if (a->set_job) {
		/* a new job: how the previous one ended is no reason to stop it */
		if ((!h->job_id || strcmp(h->job_id, a->set_job)) && !(a->set & HAS_REASON) &&
		    scr_halt_reason_is_run_end(h->exit_reason)) {
			e->cleared = h->exit_reason;
			h->exit_reason = NULL;
		}
		if (scr_halt_set_job(h, a->set_job))
			return -SCR_ENOMEM;
	}
	return 0;
}

static void say_when(const char *option, const char *text, enum scr_halt_time_kind kind,
		     int64_t t)
{
	if (kind != SCR_HALT_TIME_TODAY && kind != SCR_HALT_TIME_TOMORROW)
		return;
	char when[64];
	scr_halt_format_time(t, when, sizeof(when));
	if (kind == SCR_HALT_TIME_TODAY)
		printf("scr_halt: %s %s is today, %s\n", option, text, when);
	else
		printf("scr_halt: %s %s is tomorrow, %s (%s has passed today)\n", option, text,
		       when, text);
}

static int cmd_edit(const struct env *env, const struct args *a, int64_t now)
{
	struct edit_arg e = { a, NULL };
	struct scr_halt h;
	errno = 0;
	int rc = scr_halt_update(env->path, edit, &e, &h);
	if (rc == -SCR_EIO) {
		fprintf(stderr, "scr_halt: cannot update '%s': %s\n", env->path,
			errno ? strerror(errno) : scr_strerror(rc));
		return EXIT_FAIL;
	}
	if (rc)
		return read_error(env->path, rc);
	if (a->set & SCR_HALT_HAS_BEFORE)
		say_when("--before", a->before_text, a->before_kind, a->before);
	if (a->set & SCR_HALT_HAS_AFTER)
		say_when("--after", a->after_text, a->after_kind, a->after);
	if (e.cleared) {
		char *r = cmd_printable(e.cleared);
		printf("scr_halt: new job %s: cleared the exit reason of an earlier run ('%s')\n",
		       a->set_job, r);
		free(r);
	}
	free(e.cleared);
	print_list(env, &h, now);
	scr_halt_release(&h);
	return EXIT_OK;
}

static int cmd_list(const struct env *env, int64_t now)
{
	struct scr_halt h;
	errno = 0;
	int rc = scr_halt_read(env->path, &h);
	if (rc)
		return read_error(env->path, rc);
	print_list(env, &h, now);
	scr_halt_release(&h);
	return EXIT_OK;
}

static int cmd_check(const struct env *env, int64_t now)
{
	struct scr_halt h;
	errno = 0;
	int rc = scr_halt_read(env->path, &h);
	if (rc)
		return read_error(env->path, rc);
	char *why = NULL;
	int holds = scr_halt_eval(&h, now, env->end_time, env->halt_seconds, &why);
	if (holds) {
		char *w = cmd_printable(why);
		printf("%s\n", w);
		free(w);
	}
	free(why);
	scr_halt_release(&h);
	return holds ? EXIT_OK : EXIT_FAIL;
}

static int cmd_remove(const struct env *env)
{
	errno = 0;
	int existed = access(env->path, F_OK) == 0;
	int rc = scr_halt_remove(env->path);
	if (rc) {
		fprintf(stderr, "scr_halt: cannot remove '%s': %s\n", env->path,
			errno ? strerror(errno) : scr_strerror(rc));
		return EXIT_FAIL;
	}
	printf(existed ? "scr_halt: removed every halt condition (%s)\n"
		       : "scr_halt: no halt conditions to remove (%s)\n", env->path);
	return EXIT_OK;
}

static int edit_immediate(struct scr_halt *h, void *arg)
{
	const char *reason = arg;
	if (!reason && h->exit_reason)
		return 1;   /* a reason is there already: keep it */
	return scr_halt_set_reason(h, reason ? reason : IMMEDIATE_REASON);
}

static int cmd_immediate(const struct env *env, const struct args *a)
{
	struct scr_halt h;
	const char *job = a->jobid;
	char *from_file = NULL;
	errno = 0;
	int rc = scr_halt_read(env->path, &h);
	if (rc) {
		read_error(env->path, rc);
	} else if (h.job_id) {
		from_file = strdup(h.job_id);
		if (!from_file)
			cmd_out_of_memory();
	}
	scr_halt_release(&h);
	const char *source = "--jobid";
	if (!job && from_file) {
		job = from_file;
		source = "the halt file";
	}
	if (!job) {
		job = getenv("SLURM_JOB_ID");
		source = "SLURM_JOB_ID";
		if (job && !scr_halt_job_id_ok(job)) {
			fprintf(stderr, "scr_halt: --immediate: SLURM_JOB_ID '%s' is not a job id\n",
				job);
			free(from_file);
			return EXIT_FAIL;
		}
	}
	if (!job || !*job) {
		fprintf(stderr, "scr_halt: --immediate: no job to cancel: give --jobid ID (the "
			"halt file records no job id and SLURM_JOB_ID is not set)\n");
		free(from_file);
		return EXIT_FAIL;
	}
	/* the reason first: whatever relaunches the job must see it */
	rc = scr_halt_update(env->path, edit_immediate, (void *)a->reason, NULL);
	if (rc) {
		fprintf(stderr, "scr_halt: cannot record the reason in '%s' (%s): cancelling the "
			"job all the same\n", env->path, scr_strerror(rc));
	}

	char *argv[] = { "scancel", (char *)job, NULL };
	pid_t pid;
	int err = posix_spawnp(&pid, "scancel", NULL, NULL, argv, environ);
	if (err) {
		fprintf(stderr, "scr_halt: cannot run scancel: %s\n", strerror(err));
		free(from_file);
		return EXIT_FAIL;
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (code == 0)
		printf("scr_halt: cancelled job %s (from %s): scancel exited with status 0\n",
		       job, source);
	else
		fprintf(stderr, "scr_halt: scancel %s (job id from %s) exited with status %d\n",
			job, source, code);
	free(from_file);
	return code == 0 ? EXIT_OK : EXIT_FAIL;
}

int main(int argc, char **argv)
{
	cmd_init("scr_halt");
	int64_t now = (int64_t)time(NULL);
	struct args a;
	int rc = parse_args(argc, argv, &a, now);
	if (rc)
		return rc;

	/* the prefix and SCR_HALT_SECONDS / SCR_END_TIME from the configuration
	 * layers, as the library sees them */
	char *cwd = getcwd(NULL, 0);
	struct scr_config *cfg = NULL;
	char *msg = NULL;
	rc = cwd ? scr_job_command_config(cwd, &cfg, &msg) : -SCR_ENOMEM;
	if (rc == -SCR_ENOMEM)
		cmd_out_of_memory();
	if (rc && !a.prefix) {
		fprintf(stderr, "scr_halt: %s (give --prefix to work without the configuration)\n",
			msg ? msg : scr_strerror(rc));
		free(msg);
		scr_config_free(cfg);
		free(cwd);
		return EXIT_FAIL;
	}
	if (rc) {
		fprintf(stderr, "scr_halt: warning: %s: SCR_HALT_SECONDS and SCR_END_TIME are "
			"taken as unset\n", msg ? msg : scr_strerror(rc));
		scr_config_free(cfg);
		cfg = scr_config_new();
		if (!cfg)
			cmd_out_of_memory();
	}
	free(msg);
	char *prefix = a.prefix ? scr_path_absolute(cwd, a.prefix) : scr_job_prefix(cfg, cwd);
	struct env env = { 0 };
	env.path = prefix ? scr_halt_path(prefix) : NULL;
	if (!env.path)
		cmd_out_of_memory();
	env.halt_seconds = scr_config_get_int(cfg, "SCR_HALT_SECONDS");
	if (a.have_end_time) {
		env.end_time = a.end_time;
		env.end_source = "--end-time";
	} else if (scr_job_param(cfg, "SCR_END_TIME")) {
		env.end_time = scr_config_get_int(cfg, "SCR_END_TIME");
		env.end_source = "SCR_END_TIME";
	}

	if (a.op == OP_CHECK)
		rc = cmd_check(&env, now);
	else if (a.op == OP_REMOVE)
		rc = cmd_remove(&env);
	else if (a.op == OP_IMMEDIATE)
		rc = cmd_immediate(&env, &a);
	else if (a.set || a.unset)
		rc = cmd_edit(&env, &a, now);
	else
		rc = cmd_list(&env, now);
	free((char *)env.path);
	free(prefix);
	scr_config_free(cfg);
	free(cwd);
	return rc;
}
