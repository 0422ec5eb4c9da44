/*
 * scr_copy: on one node, copy what its cache holds of one dataset into the
 * prefix, as scr_postrun's pdsh runs it on every node at once: each rank's
 * files to <prefix>/<path>, its redundancy file to the dataset's red/
 * directory and, when every file of the rank arrived with the size and CRC
 * its filemap records, its filemap entry to the ranks/ directory (see
 * scr_prefix_ranks_dir in core/base/meta.h). "scr_index --build ID" then makes
 * the dataset whole and indexes it. A rank's part of a checkpoint the
 * application closed but the job never completed (transparent mode) comes
 * from its journal, with the size and CRC taken at each file's close.
 *
 * Output for the caller to parse: "progress <bytes done> <bytes total>"
 * lines while copying, "bad rank=<r> file=<path>: <reason>" for files that
 * could not be taken, and a last line
 *   "copied ranks=<n> files=<n> bytes=<n> red=<n> bad=<n> seconds=<s>".
 *
 * Exit status: 0 done (bad files are reported, not fatal: the rebuild
 * handles them), 1 the prefix could not be written or the node not read,
 * 2 usage error.
 */
#define _GNU_SOURCE
#include "cmd.h"
#include "config.h"
#include "io.h"
#include "job.h"
#include "layout.h"
#include "meta.h"
#include "nodecache.h"
#include "path.h"
#include "redfile.h"
#include "scr_err.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
	"Usage: scr_copy --id ID [--prefix DIR] [--jobid ID] [--node NAME] [--progress SECONDS]\n"
	"\n"
	"Copy this node's cached files of dataset ID into the prefix directory:\n"
	"data files to their paths under the prefix, redundancy files and the\n"
	"records of intact ranks under <prefix>/.scr/scr.dataset.<ID>/. Every\n"
	"file is checked against the size and CRC its rank recorded; a file that\n"
	"does not match is not placed and is reported. scr_postrun runs this on\n"
	"every node at once, then 'scr_index --build ID'.\n"
	"\n"
	"  -i, --id ID           the dataset to copy\n"
	"  -p, --prefix DIR      the prefix directory (default: SCR_PREFIX, else the\n"
	"                        current directory)\n"
	"  -j, --jobid ID        the job whose cache to read (default: SCR_JOB_ID, else\n"
	"                        SLURM_JOB_ID)\n"
	"  -n, --node NAME       this node's name in the cache layout (default:\n"
	"                        SCR_NODE_NAME, else the host name)\n"
	"  -P, --progress SECS   seconds between progress lines (default 1, 0 none)\n"
	"  -h, --help            this text\n"
	"\n"
	"Exit status: 0 done (files that did not match are reported, not fatal),\n"
	"1 the prefix could not be written or the node's records not read, 2 usage.\n";

struct copy_args {
	int id;
	const char *prefix, *jobid, *node;
	double progress_every;
};

struct copy_run {
	const char *prefix;
	uint64_t total, done;
	double started, last_report, every;
	int ranks, files, red, bad;
	uint64_t bytes;
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(uint64_t bytes, void *arg)
{
	struct copy_run *run = arg;
	run->done += bytes;
	double t = now_seconds();
	if (run->every > 0 && t - run->last_report >= run->every) {
		printf("progress %llu %llu\n", (unsigned long long)run->done,
		       (unsigned long long)run->total);
		fflush(stdout);
		run->last_report = t;
	}
}

static int parse_args(int argc, char **argv, struct copy_args *a)
{
	static const struct option longopts[] = {
		{ "id",       required_argument, NULL, 'i' },
		{ "prefix",   required_argument, NULL, 'p' },
		{ "jobid",    required_argument, NULL, 'j' },
		{ "node",     required_argument, NULL, 'n' },
		{ "progress", required_argument, NULL, 'P' },
		{ "help",     no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof(*a));
	a->progress_every = 1;
	int c;
	while ((c = getopt_long(argc, argv, "i:p:j:n:P:h", longopts, NULL)) != -1) {
		char *end;
		long v;
		switch (c) {
		case 'i':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v <= 0 || v > INT_MAX)
				return cmd_usage_error("--id: '%s' is not a dataset id (a number >= 1)",
						       optarg);
			a->id = (int)v;
			break;
		case 'p': a->prefix = optarg; break;
		case 'j': a->jobid = optarg; break;
		case 'n': a->node = optarg; break;
		case 'P':
			a->progress_every = strtod(optarg, &end);
			if (*end || end == optarg || a->progress_every < 0)
				return cmd_usage_error("--progress: '%s' is not a number of seconds",
						       optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fputs("Try 'scr_copy --help'.\n", stderr);
			return 2;
		}
	}
	if (optind < argc)
		return cmd_usage_error("unexpected argument '%s'", argv[optind]);
	if (!a->id)
		return cmd_usage_error("%sname the dataset with --id", "");
	return 0;
}

/* Copy src to dst through dst.scr-part, so a half copy never sits at dst.
 * With expect, the copy replaces dst only when its size and CRC match the
 * record; otherwise it is removed and 1 returned. */
static int copy_in(struct copy_run *run, const char *src, const char *dst,
		   const struct scr_file *expect)
{
	char *part = scr_asprintf("%s.scr-part", dst);
	uint64_t size = 0;
	uint32_t crc = 0;
	if (!part)
		return -SCR_ENOMEM;
	int rc = scr_copy_file_progress(src, part, &size, &crc, progress, run);
	if (!rc && expect && (size != expect->size || crc != expect->crc))
		rc = 1;
	if (!rc && rename(part, dst) != 0)
		rc = -SCR_EIO;
	if (rc)
		unlink(part);
	free(part);
	return rc;
}

static void report_bad(struct copy_run *run, int rank, const char *path, const char *why)
{
	printf("bad rank=%d file=%s: %s\n", rank, path, why);
	run->bad++;
}

/* One rank's part of the dataset; -SCR_EIO etc. only for prefix failures. */
static int copy_rank(struct copy_run *run, const struct scr_layout *l,
		     const struct scr_filemap_entry *e, int rank)
{
	int intact = 1, rc = 0;
	for (size_t i = 0; i < e->nfiles && !rc; i++) {
		const struct scr_file *f = &e->files[i];
		char *src = scr_layout_dataset_file(l, e->ds.id, f->path);
		char *dst = scr_asprintf("%s/%s", run->prefix, f->path);
		int r = !src || !dst ? -SCR_ENOMEM
			: !f->complete ? 2 : copy_in(run, src, dst, f);
		if (r == 2) {
			report_bad(run, rank, f->path, "never completed");
			intact = 0;
		} else if (r == 1) {
			report_bad(run, rank, f->path, "size or CRC differs from the record "
				   "(corrupt in cache)");
			intact = 0;
		} else if (r == -SCR_ENOENT || (r && access(src, R_OK) != 0)) {
			report_bad(run, rank, f->path, "missing from the cache");
			intact = 0;
		} else if (r == -SCR_ENOMEM) {
			rc = r;
		} else if (r) {
			fprintf(stderr, "scr_copy: cannot copy '%s' to '%s': %s\n", src, dst,
				strerror(errno));
			rc = r;
		} else {
			run->files++;
			run->bytes += f->size;
		}
		free(src);
		free(dst);
	}
	if (rc)
		return rc;

	/* the redundancy file, whatever became of the data */
	char *dsdir = scr_layout_dataset_dir(l, e->ds.id);
	char *src = dsdir ? scr_red_file_path(dsdir, rank) : NULL;
	char *red_dir = scr_prefix_red_dir(run->prefix, e->ds.id);
	char *dst = red_dir ? scr_red_gathered_path(red_dir, rank) : NULL;
	free(dsdir);
	if (!src || !dst) {
		rc = -SCR_ENOMEM;
	} else if (access(src, F_OK) == 0) {
		int r = copy_in(run, src, dst, NULL);
		if (!r) {
			run->red++;
		} else if (r == -SCR_ENOMEM) {
			rc = r;
		} else if (access(src, R_OK) != 0) {
			report_bad(run, rank, ".scr/red", "redundancy file unreadable");
		} else {
			fprintf(stderr, "scr_copy: cannot copy '%s' to '%s': %s\n", src, dst,
				strerror(errno));
			rc = r;
		}
	}
	free(src);
	free(dst);
	free(red_dir);
	if (rc || !intact)
		return rc;

	/* the rank's record: its files are all in place and verified */
	char *ranks_dir = scr_prefix_ranks_dir(run->prefix, e->ds.id);
	char *path = ranks_dir ? scr_asprintf("%s/filemap.%d", ranks_dir, rank) : NULL;
	struct scr_filemap m;
	scr_filemap_init(&m, rank);
	struct scr_filemap_entry *ne = path ? scr_filemap_add(&m, &e->ds) : NULL;
	rc = ne ? 0 : -SCR_ENOMEM;
	if (!rc && e->prefix && !(ne->prefix = strdup(e->prefix)))
		rc = -SCR_ENOMEM;
	for (size_t i = 0; i < e->nfiles && !rc; i++)
		rc = scr_filemap_add_file(ne, &e->files[i]);
	if (!rc)
		rc = scr_mkdir_p(ranks_dir, 0755);
	if (!rc)
		rc = scr_filemap_write(path, &m, 0644);
	if (rc && rc != -SCR_ENOMEM)
		fprintf(stderr, "scr_copy: cannot write '%s': %s\n", path, strerror(errno));
	if (!rc)
		run->ranks++;
	scr_filemap_release(&m);
	free(path);
	free(ranks_dir);
	return rc;
}

/* One rank's part of the dataset on this node. */
struct part {
	int rank;
	const struct scr_filemap_entry *e;
};

/* Does rank's journal hold its part of dataset id, closed, not completed? */
static int closed_part(const struct scr_node_cache *nc, int rank, int id)
{
	for (size_t i = 0; i < nc->njournals; i++)
		if (nc->journals[i].rank == rank)
			return scr_node_cache_closed(nc, &nc->journals[i], id) != NULL;
	return 0;
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	return path && stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

int main(int argc, char **argv)
{
	cmd_init("scr_copy");
	struct copy_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;

	char *cwd = getcwd(NULL, 0);
	struct scr_config *cfg = NULL;
	char *msg = NULL, *prefix = NULL;
	struct scr_layout l = { 0 };
	struct scr_node_cache nc = { 0 };
	rc = cwd ? scr_job_command_config(cwd, &cfg, &msg) : -SCR_ENOMEM;
	if (!rc)
		prefix = a.prefix ? scr_path_absolute(cwd, a.prefix) : scr_job_prefix(cfg, cwd);
	if (!rc && !prefix)
		rc = -SCR_ENOMEM;
	if (!rc)
		rc = scr_job_layout(cfg, a.jobid, a.node, &l, &msg);
	if (!rc)
		rc = scr_node_cache_read(l.cntl_dir, &nc, cmd_warn);
	if (rc) {
		fprintf(stderr, "scr_copy: %s\n", msg ? msg : scr_strerror(rc));
		goto out;
	}

	struct copy_run run = { .prefix = prefix, .every = a.progress_every };
	run.started = run.last_report = now_seconds();
	/* every rank's part: its filemap entry, or (closed files of a
	 * transparent run that died before completing them) its journal's */
	size_t nparts = 0;
	struct part *parts = calloc(nc.n + nc.njournals + 1, sizeof(*parts));
	if (!parts) {
		rc = -SCR_ENOMEM;
		fputs("scr_copy: out of memory\n", stderr);
		goto out;
	}
	for (size_t i = 0; i < nc.n; i++) {
		const struct scr_filemap_entry *e = scr_filemap_find(&nc.maps[i], a.id);
		if (e && (e->ds.complete || !closed_part(&nc, nc.maps[i].rank, a.id)))
			parts[nparts++] = (struct part){ nc.maps[i].rank, e };
	}
	for (size_t i = 0; i < nc.njournals; i++) {
		const struct scr_filemap_entry *e =
			scr_node_cache_closed(&nc, &nc.journals[i], a.id);
		if (e)   /* with no files too: the rank's record that it wrote none */
			parts[nparts++] = (struct part){ nc.journals[i].rank, e };
	}
	/* the bytes to copy, for progress */
	for (size_t i = 0; i < nparts; i++) {
		for (size_t j = 0; j < parts[i].e->nfiles; j++)
			run.total += parts[i].e->files[j].size;
		char *dsdir = scr_layout_dataset_dir(&l, a.id);
		char *red = dsdir ? scr_red_file_path(dsdir, parts[i].rank) : NULL;
		run.total += file_size(red);
		free(red);
		free(dsdir);
	}
	for (size_t i = 0; i < nparts && !rc; i++) {
		const struct scr_filemap_entry *e = parts[i].e;
		if (e->prefix && strcmp(e->prefix, prefix)) {
			fprintf(stderr, "scr_copy: rank %d's dataset %d belongs to prefix '%s', "
				"not '%s': skipped (give --prefix)\n", parts[i].rank, a.id,
				e->prefix, prefix);
			continue;
		}
		if (!e->ds.complete && !closed_part(&nc, parts[i].rank, a.id)) {
			report_bad(&run, parts[i].rank, "-", "the dataset was never completed");
			continue;
		}
		rc = copy_rank(&run, &l, e, parts[i].rank);
	}
	free(parts);
	if (rc) {
		if (rc == -SCR_ENOMEM)
			fputs("scr_copy: out of memory\n", stderr);
		fprintf(stderr, "scr_copy: stopped: the prefix '%s' could not be written\n", prefix);
		goto out;
	}
	printf("copied ranks=%d files=%d bytes=%llu red=%d bad=%d seconds=%.2f\n", run.ranks,
	       run.files, (unsigned long long)run.bytes, run.red, run.bad,
	       now_seconds() - run.started);
out:
	scr_node_cache_release(&nc);
	scr_layout_release(&l);
	scr_config_free(cfg);
	free(msg);
	free(prefix);
	free(cwd);
	return rc ? 1 : 0;
}
