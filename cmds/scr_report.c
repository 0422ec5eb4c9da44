/*
 * scr_report: what the event log (core/base/event.h) says of each job: its
 * runs, checkpoints, flushes, restarts and where they came from, rebuilds,
 * failures, and the share of the run time spent checkpointing; with --svg,
 * a timeline picture of the same (one lane per run). MPI-free; reads the
 * text log, <prefix>/.scr/log, or the file named.
 *
 * Exit status: 0 success, 1 the log cannot be read or holds no event of
 * the job asked for, 2 usage error.
 */
#define _GNU_SOURCE
#include "cmd.h"
#include "config.h"
#include "event.h"
#include "job.h"
#include "layout.h"
#include "path.h"
#include "scr_err.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: scr_report [--prefix DIR] [--job ID] [--svg FILE] [LOG]\n"
	"       scr_report --help\n"
	"\n"
	"Summarise the event log of a prefix (SCR_LOG_ENABLE=1 writes it to\n"
	"<prefix>/.scr/log), or the file LOG, job by job: runs (ended, died),\n"
	"their time, checkpoints (count, bytes, the share of the run time they\n"
	"took), flushes (bytes, rate, in the background), fetches, restarts (from\n"
	"the cache or the prefix), rebuilds, fallbacks, failures, halts and nodes\n"
	"found down.\n"
	"\n"
	"  -p, --prefix DIR  the prefix whose log to read (default: SCR_PREFIX,\n"
	"                    else the current directory)\n"
	"  -J, --job ID      only this job (default: every job in the log)\n"
	"  -s, --svg FILE    also draw the timeline of the runs into FILE (SVG):\n"
	"                    one lane per run, its checkpoints, flushes, restarts,\n"
	"                    rebuilds and failures on it\n"
	"  -h, --help        show this help\n"
	"\n"
	"Exit status: 0 success, 1 the log cannot be read or has no event of the\n"
	"job, 2 usage error.\n";

/* An event of the log: the decoded line, with its kind and job at hand. */
struct event {
	double t;
	const char *kind, *job;
	struct scr_event_rec rec;
};

struct log {
	size_t n, cap;
	struct event *ev;
	size_t bad;       /* lines that are not events */
};

static const char *get(const struct event *e, const char *key)
{
	return scr_event_get(&e->rec, key);
}

static double num(const struct event *e, const char *key, double dflt)
{
	const char *v = get(e, key);
	return v && *v ? strtod(v, NULL) : dflt;
}

static int read_log(const char *path, const char *job, struct log *lg)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		struct event e;
		int rc = scr_event_parse(line, &e.rec);
		if (rc == -SCR_ENOMEM)
			cmd_out_of_memory();
		if (rc) {
			lg->bad++;
			continue;
		}
		e.t = e.rec.time;
		e.kind = scr_event_get(&e.rec, "event");
		e.job = scr_event_get(&e.rec, "job");
		if (job && strcmp(e.job, job)) {
			scr_event_rec_release(&e.rec);
			continue;
		}
		if (lg->n == lg->cap) {
			lg->cap = lg->cap ? 2 * lg->cap : 64;
			struct event *g = realloc(lg->ev, lg->cap * sizeof(*g));
			if (!g)
				cmd_out_of_memory();
			lg->ev = g;
		}
		lg->ev[lg->n++] = e;
	}
	free(line);
	fclose(f);
	return 0;
}

/* A run: the events of one job from a run_start to the next. */
struct run {
	size_t first, last;    /* events [first, last] */
	double start, end;
	int ended;             /* it has its run_end */
};

struct job {
	const char *id;
	size_t nruns;
	struct run *runs;
};

static struct job *jobs_of(struct log *lg, size_t *njobs)
{
	struct job *jobs = NULL;
	size_t n = 0;
	for (size_t i = 0; i < lg->n; i++) {
		const struct event *e = &lg->ev[i];
		struct job *j = NULL;
		for (size_t k = 0; k < n && !j; k++)
			if (!strcmp(jobs[k].id, e->job))
				j = &jobs[k];
		if (!j) {
			struct job *g = realloc(jobs, (n + 1) * sizeof(*g));
			if (!g)
				cmd_out_of_memory();
			jobs = g;
			j = &jobs[n++];
			*j = (struct job){ .id = e->job };
		}
		if (!strcmp(e->kind, SCR_EV_RUN_START)) {
			struct run *g = realloc(j->runs, (j->nruns + 1) * sizeof(*g));
			if (!g)
				cmd_out_of_memory();
			j->runs = g;
			j->runs[j->nruns++] = (struct run){ .first = i, .last = i, .start = e->t,
							    .end = e->t };
		}
		/* the commands' events (nodes found down) come between runs */
		if (!j->nruns || j->runs[j->nruns - 1].ended || !strcmp(e->kind, SCR_EV_NODES_DOWN))
			continue;
		struct run *r = &j->runs[j->nruns - 1];
		r->last = i;
		r->end = e->t;
		r->ended |= !strcmp(e->kind, SCR_EV_RUN_END);
	}
	*njobs = n;
	return jobs;
}

static int is(const struct event *e, const char *kind)
{
	return !strcmp(e->kind, kind);
}

static void summary(const struct log *lg, const struct job *j)
{
	size_t died = 0, ckpts = 0, flushes = 0, bg = 0, fetches = 0, from_cache = 0,
	       from_prefix = 0, rebuilds = 0, rebuilt_ranks = 0, failures = 0, fallbacks = 0,
	       halts = 0, down = 0, watchdog = 0;
	double run_time = 0, ckpt_time = 0, ckpt_bytes = 0, flush_bytes = 0, flush_time = 0;
	const char *prefix = NULL;
	for (size_t r = 0; r < j->nruns; r++) {
		run_time += j->runs[r].end - j->runs[r].start;
		died += !j->runs[r].ended;
	}
	for (size_t i = 0; i < lg->n; i++) {
		const struct event *e = &lg->ev[i];
		if (strcmp(e->job, j->id))
			continue;
		prefix = prefix ? prefix : get(e, "prefix");
		if (is(e, SCR_EV_CHECKPOINT)) {
			ckpts++;
			ckpt_time += num(e, "seconds", 0);
			ckpt_bytes += num(e, "bytes", 0);
		} else if (is(e, SCR_EV_FLUSH)) {
			flushes++;
			flush_bytes += num(e, "bytes", 0);
			flush_time += num(e, "seconds", 0);
			bg += get(e, "mode") && !strcmp(get(e, "mode"), "background");
		} else if (is(e, SCR_EV_FETCH)) {
			fetches++;
		} else if (is(e, SCR_EV_RESTART)) {
			const char *src = get(e, "source");
			from_cache += src && !strcmp(src, "cache");
			from_prefix += src && !strcmp(src, "prefix");
		} else if (is(e, SCR_EV_REBUILD)) {
			rebuilds++;
			rebuilt_ranks += (size_t)num(e, "ranks", 0);
		} else if (is(e, SCR_EV_FAILURE)) {
			failures++;
		} else if (is(e, SCR_EV_FALLBACK)) {
			fallbacks++;
		} else if (is(e, SCR_EV_HALT)) {
			halts++;
		} else if (is(e, SCR_EV_NODES_DOWN)) {
			down++;
		} else if (is(e, SCR_EV_WATCHDOG)) {
			watchdog++;
		}
	}
	char *p = cmd_printable(prefix ? prefix : "?"), *id = cmd_printable(j->id);
	printf("job %s (prefix %s): %zu run(s), %zu ended, %zu died; %.1f s of runs\n", id, p,
	       j->nruns, j->nruns - died, died, run_time);
	printf("  checkpoints: %zu, %.1f MB, %.2f s in checkpointing (%.1f %% of the run "
	       "time)\n", ckpts, ckpt_bytes / 1e6, ckpt_time,
	       run_time > 0 ? 100 * ckpt_time / run_time : 0.0);
	printf("  flushes: %zu (%zu in the background), %.1f MB in %.2f s", flushes, bg,
	       flush_bytes / 1e6, flush_time);
	if (flush_time > 0)
		printf(", %.1f MB/s", flush_bytes / flush_time / 1e6);
	printf("\n  restarts: %zu from the cache, %zu from the prefix (%zu fetch(es)); "
	       "rebuilds: %zu (%zu rank(s))\n", from_cache, from_prefix, fetches, rebuilds,
	       rebuilt_ranks);
	printf("  failures: %zu; fallbacks to the prefix: %zu; halts: %zu; hung runs killed: "
	       "%zu; nodes found down: %zu time(s)\n", failures, fallbacks, halts, watchdog, down);
	free(p);
	free(id);
}

/* ---- the timeline ---- */

#define SVG_W 1000
#define LEFT 120
#define RIGHT 20
#define LANE 46
#define TOP 60

struct scale {
	double t0, t1;
};

static double x_of(const struct scale *sc, double t)
{
	double span = sc->t1 > sc->t0 ? sc->t1 - sc->t0 : 1;
	return LEFT + (t - sc->t0) / span * (SVG_W - LEFT - RIGHT);
}

static void svg_text(FILE *f, double x, double y, const char *anchor, const char *text)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);
	for (const char *c = text; *c; c++) {
		if (*c == '<')
			fputs("&lt;", f);
		else if (*c == '&')
			fputs("&amp;", f);
		else if ((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f)
			fputc(*c, f);
	}
	fputs("</text>\n", f);
}

static int draw(const char *path, const struct log *lg, const struct job *jobs, size_t njobs)
{
	struct scale sc = { lg->ev[0].t, lg->ev[0].t };
	size_t lanes = 0;
	for (size_t i = 0; i < lg->n; i++) {
		double t0 = lg->ev[i].t - num(&lg->ev[i], "seconds", 0);
		sc.t0 = t0 < sc.t0 ? t0 : sc.t0;
		sc.t1 = lg->ev[i].t > sc.t1 ? lg->ev[i].t : sc.t1;
	}
	for (size_t k = 0; k < njobs; k++)
		lanes += jobs[k].nruns;
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int h = TOP + (int)lanes * LANE + 70;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", SVG_W, h);
	svg_text(f, SVG_W / 2.0, 22, "middle", "scr: runs, checkpoints, flushes, restarts and "
		 "failures over time");
	/* the time axis, in seconds from the first event */
	double span = sc.t1 - sc.t0, step = 1;
	while (span / step > 10)
		step *= step == 1 ? 5 : 2;
	int axis = TOP + (int)lanes * LANE + 10;
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", LEFT,
		axis, SVG_W - RIGHT, axis);
	for (double s = 0; s <= span + 1e-9; s += step) {
		char label[32];
		double x = x_of(&sc, sc.t0 + s);
		snprintf(label, sizeof(label), "%gs", s);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n",
			x, axis, x, axis + 5);
		svg_text(f, x, axis + 18, "middle", label);
	}
	size_t lane = 0;
	for (size_t k = 0; k < njobs; k++) {
		for (size_t r = 0; r < jobs[k].nruns; r++, lane++) {
			const struct run *run = &jobs[k].runs[r];
			double y = TOP + (double)lane * LANE;
			char label[96];
			snprintf(label, sizeof(label), "%.60s run %zu", jobs[k].id, r + 1);
			svg_text(f, LEFT - 8, y + 20, "end", label);
			double x0 = x_of(&sc, run->start), x1 = x_of(&sc, run->end);
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"24\" "
				"fill=\"#dde6f0\" stroke=\"#6b7f99\"/>\n", x0, y + 6,
				x1 - x0 > 1 ? x1 - x0 : 1);
			if (!run->ended)   /* died: a red cross where its events stop */
				fprintf(f, "<path d=\"M%.1f %.1f l10 10 m0 -10 l-10 10\" "
					"stroke=\"#c00\" stroke-width=\"3\"/>\n", x1 - 5, y + 13);
			for (size_t i = run->first; i <= run->last; i++) {
				const struct event *e = &lg->ev[i];
				if (strcmp(e->job, jobs[k].id))
					continue;
				double x = x_of(&sc, e->t);
				double xs = x_of(&sc, e->t - num(e, "seconds", 0));
				if (is(e, SCR_EV_CHECKPOINT))
					fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
						"height=\"12\" fill=\"#1f5fbf\"/>\n", xs, y + 8,
						x - xs > 2 ? x - xs : 2);
				else if (is(e, SCR_EV_FLUSH))
					fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
						"height=\"8\" fill=\"#2a9d3a\"/>\n", xs, y + 21,
						x - xs > 2 ? x - xs : 2);
				else if (is(e, SCR_EV_RESTART))
					fprintf(f, "<path d=\"M%.1f %.1f l7 -12 l7 12 z\" fill=\"%s\"/>\n",
						x - 7, y + 42, get(e, "source") &&
						!strcmp(get(e, "source"), "prefix") ? "#e08a00"
										    : "#8a4fd0");
				else if (is(e, SCR_EV_REBUILD))
					fprintf(f, "<path d=\"M%.1f %.1f l6 -6 l6 6 l-6 6 z\" "
						"fill=\"#b0309a\"/>\n", x - 6, y + 18);
				else if (is(e, SCR_EV_FAILURE) || is(e, SCR_EV_FALLBACK))
					fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" "
						"fill=\"#c00\"/>\n", x, y + 18);
			}
		}
	}
	/* legend */
	int ly = axis + 40;
	static const struct { const char *shape, *color, *text; } legend[] = {
		{ "rect", "#dde6f0", "run" },
		{ "rect", "#1f5fbf", "checkpoint" },
		{ "rect", "#2a9d3a", "flush" },
		{ "tri", "#8a4fd0", "restart from cache" },
		{ "tri", "#e08a00", "restart from prefix" },
		{ "dia", "#b0309a", "rebuild" },
		{ "dot", "#c00", "failure or fallback" },
		{ "x", "#c00", "run died" },
	};
	double lx = LEFT;
	for (size_t i = 0; i < sizeof(legend) / sizeof(legend[0]); i++) {
		const char *sh = legend[i].shape;
		if (!strcmp(sh, "rect"))
			fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"10\" fill=\"%s\" "
				"stroke=\"#6b7f99\"/>\n", lx, ly - 9, legend[i].color);
		else if (!strcmp(sh, "tri"))
			fprintf(f, "<path d=\"M%.1f %d l7 -12 l7 12 z\" fill=\"%s\"/>\n", lx, ly + 1,
				legend[i].color);
		else if (!strcmp(sh, "dia"))
			fprintf(f, "<path d=\"M%.1f %d l6 -6 l6 6 l-6 6 z\" fill=\"%s\"/>\n", lx,
				ly - 4, legend[i].color);
		else if (!strcmp(sh, "dot"))
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%d\" r=\"5\" fill=\"%s\"/>\n", lx + 6,
				ly - 4, legend[i].color);
		else
			fprintf(f, "<path d=\"M%.1f %d l10 10 m0 -10 l-10 10\" stroke=\"%s\" "
				"stroke-width=\"3\"/>\n", lx, ly - 9, legend[i].color);
		svg_text(f, lx + 18, ly, "start", legend[i].text);
		lx += 18 + 7.0 * (double)strlen(legend[i].text) + 16;
	}
	fputs("</svg>\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	cmd_init("scr_report");
	static const struct option longopts[] = {
		{ "prefix", required_argument, NULL, 'p' },
		{ "job",    required_argument, NULL, 'J' },
		{ "svg",    required_argument, NULL, 's' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prefix_opt = NULL, *job = NULL, *svg = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:J:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!*optarg)
				return cmd_usage_error("%s: empty prefix", "--prefix");
			prefix_opt = optarg;
			break;
		case 'J':
			job = optarg;
			break;
		case 's':
			svg = optarg;
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
	if (argc - optind > 1)
		return cmd_usage_error("unexpected argument '%s'", argv[optind + 1]);
	char *path = NULL;
	if (optind < argc) {
		path = strdup(argv[optind]);
	} else {
		char *cwd = getcwd(NULL, 0);
		struct scr_config *cfg = NULL;
		char *msg = NULL;
		if (!cwd || scr_job_command_config(cwd, &cfg, &msg) != 0) {
			fprintf(stderr, "scr_report: %s\n", msg ? msg : "cannot read the configuration");
			return EXIT_FAIL;
		}
		char *prefix = prefix_opt ? scr_path_absolute(cwd, prefix_opt)
					  : scr_job_prefix(cfg, cwd);
		path = prefix ? scr_prefix_log_path(prefix) : NULL;
		free(prefix);
		scr_config_free(cfg);
		free(cwd);
	}
	if (!path)
		cmd_out_of_memory();
	struct log lg = { 0 };
	if (read_log(path, job, &lg) != 0) {
		fprintf(stderr, "scr_report: cannot read the event log '%s': %s (SCR_LOG_ENABLE=1 "
			"writes it)\n", path, strerror(errno));
		free(path);
		return EXIT_FAIL;
	}
	int status = EXIT_OK;
	if (!lg.n) {
		fprintf(stderr, "scr_report: no events%s%s in '%s'\n", job ? " of job " : "",
			job ? job : "", path);
		status = EXIT_FAIL;
	} else {
		size_t njobs = 0;
		struct job *jobs = jobs_of(&lg, &njobs);
		for (size_t k = 0; k < njobs; k++)
			summary(&lg, &jobs[k]);
		if (lg.bad)
			printf("(%zu line(s) of the log are not events: skipped)\n", lg.bad);
		if (svg && draw(svg, &lg, jobs, njobs) != 0) {
			fprintf(stderr, "scr_report: cannot write '%s': %s\n", svg, strerror(errno));
			status = EXIT_FAIL;
		} else if (svg) {
			printf("timeline: %s\n", svg);
		}
		for (size_t k = 0; k < njobs; k++)
			free(jobs[k].runs);
		free(jobs);
	}
	for (size_t i = 0; i < lg.n; i++)
		scr_event_rec_release(&lg.ev[i].rec);
	free(lg.ev);
	free(path);
	return status;
}
