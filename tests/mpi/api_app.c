/*
 * A small MPI "simulation" written against the SCR API, used by the
 * scenario tests and the demo. Each rank evolves a block of bytes (sizes
 * differ per rank), checkpoints it through SCR, and on start restarts from
 * the newest checkpoint SCR offers. The final answer is a checksum of all
 * ranks' state, identical for any sequence of kills and restarts.
 *
 *   api_app [--steps N] [--every K] [--bytes B] [--files F] [--die-at S]
 *           [--output-every K] [--prefix-dir D] [--expect-restart S]
 *           [--cases FILE]
 *
 * --die-at S          SIGKILL every rank right after the checkpoint of step S
 * --expect-restart S  fail (exit 3) unless the run restarted from step S
 *                     (0: expect no restart)
 * --cases FILE        run the whole program (SCR_Init to SCR_Finalize) once
 *                     per line of FILE, in the same MPI job. A line is
 *                     "DIR NODE..." with one node name per rank: the run
 *                     takes SCR_CACHE_BASE=DIR/cache, SCR_CNTL_BASE=DIR/cntl
 *                     and SCR_NODE_NAME=NODE, and each rank's stdout and
 *                     stderr go to DIR/out.RANK. Many restarts then cost one
 *                     launch (scenario 80's exhaustive node-loss sweep).
 * Exit: 0 ok, 2 usage, 3 expectation failed, 4 SCR call failed.
 */
#include "scr.h"

#include <fcntl.h>
#include <mpi.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

struct opts {
	int steps, every, files, die_at, output_every, expect_restart, pause_ms, hang_at;
	const char *hang_on;   /* --hang-at: rank 0 reads this FIFO (NULL: pause()) */
	long bytes;
	const char *dir, *cases;
};

static int rank, nranks;

static void usage(void)
{
	if (rank == 0)
		fprintf(stderr, "usage: api_app [--steps N] [--every K] [--bytes B] "
			"[--files F] [--die-at S] [--output-every K] [--dir D] "
			"[--expect-restart S] [--pause-ms MS] [--hang-at S [--hang-on FIFO]] "
			"[--cases FILE]\n");
	MPI_Finalize();
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .steps = 10, .every = 2, .files = 1, .bytes = 65536,
			    .expect_restart = -1, .dir = "ckpt" };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			usage();
		if (!strcmp(a, "--steps")) o->steps = atoi(v);
		else if (!strcmp(a, "--every")) o->every = atoi(v);
		else if (!strcmp(a, "--bytes")) o->bytes = atol(v);
		else if (!strcmp(a, "--files")) o->files = atoi(v);
		else if (!strcmp(a, "--die-at")) o->die_at = atoi(v);
		else if (!strcmp(a, "--pause-ms")) o->pause_ms = atoi(v);
		else if (!strcmp(a, "--hang-at")) o->hang_at = atoi(v);
		else if (!strcmp(a, "--hang-on")) o->hang_on = v;
		else if (!strcmp(a, "--output-every")) o->output_every = atoi(v);
		else if (!strcmp(a, "--expect-restart")) o->expect_restart = atoi(v);
		else if (!strcmp(a, "--dir")) o->dir = v;
		else if (!strcmp(a, "--cases")) o->cases = v;
		else usage();
		i++;
	}
	if (o->steps < 1 || o->every < 1 || o->files < 1 || o->bytes < 1)
		usage();
}

/* Per-rank state size: uneven on purpose. */
static size_t state_size(const struct opts *o)
{
	return (size_t)o->bytes + (size_t)rank * 1031;
}

static void init_state(unsigned char *st, size_t n)
{
	for (size_t i = 0; i < n; i++)
		st[i] = (unsigned char)(i * 31 + rank * 7);
}

/* One deterministic step: every byte depends on the step, its neighbour and
 * the rank's allreduced sum, so ranks interact. */
static void advance(unsigned char *st, size_t n, int step)
{
	unsigned long local = 0, global = 0;
	for (size_t i = 0; i < n; i += 97)
		local += st[i];
	MPI_Allreduce(&local, &global, 1, MPI_UNSIGNED_LONG, MPI_SUM, MPI_COMM_WORLD);
	unsigned char carry = (unsigned char)(global + (unsigned long)step);
	for (size_t i = 0; i < n; i++) {
		unsigned char v = (unsigned char)(st[i] * 5 + carry + (unsigned char)step);
		carry = st[i];
		st[i] = v;
	}
}

/* File layout: header "step size crc", then the bytes of part f. */
struct header {
	uint64_t magic, step, size, crc;
};
#define APP_MAGIC 0x6170706b70747631ULL

static void part(size_t n, int files, int f, size_t *off, size_t *len)
{
	size_t chunk = n / (size_t)files;
	*off = chunk * (size_t)f;
	*len = f == files - 1 ? n - *off : chunk;
}

static int write_ckpt(const struct opts *o, const unsigned char *st, size_t n, int step,
		      int flags)
{
	char name[256];
	snprintf(name, sizeof(name), "%s.%d", flags & SCR_FLAG_OUTPUT ? "output" : "ckpt", step);
	if (SCR_Start_output(name, flags) != SCR_SUCCESS)
		return -1;
	int valid = 1;
	for (int f = 0; f < o->files; f++) {
		char path[512], file[SCR_MAX_FILENAME];
		snprintf(path, sizeof(path), "%s.%d/rank_%d.%d.dat",
			 flags & SCR_FLAG_OUTPUT ? "output" : o->dir, step, rank, f);
		if (SCR_Route_file(path, file) != SCR_SUCCESS) {
			valid = 0;
			continue;
		}
		size_t off, len;
		part(n, o->files, f, &off, &len);
		struct header h = { APP_MAGIC, (uint64_t)step, len,
				    crc32(0, st + off, (uInt)len) };
		FILE *fp = fopen(file, "wb");
		if (!fp || fwrite(&h, sizeof(h), 1, fp) != 1 ||
		    fwrite(st + off, 1, len, fp) != len)
			valid = 0;
		if (fp && fclose(fp) != 0)
			valid = 0;
	}
	return SCR_Complete_output(valid) == SCR_SUCCESS ? 0 : -1;
}

/* Read the restart dataset; returns its step or -1. */
static int read_ckpt(const struct opts *o, unsigned char *st, size_t n, const char *dsname)
{
	int step = -1;
	if (sscanf(dsname, "ckpt.%d", &step) != 1)
		return -1;
	for (int f = 0; f < o->files; f++) {
		char path[512], file[SCR_MAX_FILENAME];
		snprintf(path, sizeof(path), "%s.%d/rank_%d.%d.dat", o->dir, step, rank, f);
		if (SCR_Route_file(path, file) != SCR_SUCCESS)
			return -1;
		size_t off, len;
		part(n, o->files, f, &off, &len);
		struct header h;
		FILE *fp = fopen(file, "rb");
		int ok = fp && fread(&h, sizeof(h), 1, fp) == 1 && h.magic == APP_MAGIC &&
			 h.step == (uint64_t)step && h.size == len &&
			 fread(st + off, 1, len, fp) == len &&
			 h.crc == crc32(0, st + off, (uInt)len);
		if (fp)
			fclose(fp);
		if (!ok)
			return -1;
	}
	return step;
}

/* One run of the program, SCR_Init to SCR_Finalize: restart from what SCR
 * offers, compute to the last step, print the result. Returns the exit
 * status. */
static int run_once(const struct opts *o)
{
	if (SCR_Init() != SCR_SUCCESS) {
		fprintf(stderr, "api_app: SCR_Init failed\n");
		MPI_Abort(MPI_COMM_WORLD, 4);
	}
	size_t n = state_size(o);
	unsigned char *st = malloc(n);
	if (!st)
		MPI_Abort(MPI_COMM_WORLD, 1);

	/* restart: try what SCR offers until one reads back whole */
	int start = 0, have = 0;
	char dsname[SCR_MAX_FILENAME];
	while (SCR_Have_restart(&have, dsname) == SCR_SUCCESS && have) {
		SCR_Start_restart(dsname);
		int step = read_ckpt(o, st, n, dsname);
		if (SCR_Complete_restart(step >= 0) == SCR_SUCCESS) {
			start = step;
			break;
		}
	}
	if (start == 0)
		init_state(st, n);
	if (rank == 0 && start)
		printf("api_app: restarted from step %d\n", start);
	else if (rank == 0)
		printf("api_app: starting fresh\n");
	if (o->expect_restart >= 0 && start != o->expect_restart) {
		if (rank == 0)
			fprintf(stderr, "api_app: expected restart from step %d, got %d\n",
				o->expect_restart, start);
		free(st);
		SCR_Finalize();
		return 3;
	}

	for (int step = start + 1; step <= o->steps; step++) {
		advance(st, n, step);
		if (step % o->every == 0) {
			if (write_ckpt(o, st, n, step, SCR_FLAG_CHECKPOINT) != 0) {
				if (rank == 0)
					fprintf(stderr, "api_app: checkpoint %d failed\n", step);
				MPI_Abort(MPI_COMM_WORLD, 4);
			}
			if (rank == 0)
				printf("api_app: checkpoint at step %d\n", step);
		}
		if (o->output_every > 0 && step % o->output_every == 0 &&
		    write_ckpt(o, st, n, step, SCR_FLAG_OUTPUT) != 0)
			MPI_Abort(MPI_COMM_WORLD, 4);
		/* time the application spends computing after each step */
		if (o->pause_ms > 0)
			usleep((useconds_t)o->pause_ms * 1000);
		/* a hung run: rank 0 stops (deadlocked, or waiting on a FIFO no
		 * one writes), the others wait for it in the next step; a run
		 * that restarted goes on (the hang came and went) */
		if (step == o->hang_at && rank == 0 && start == 0) {
			fprintf(stderr, "api_app: rank 0 hangs at step %d\n", step);
			if (o->hang_on) {
				char c;
				int fd = open(o->hang_on, O_RDONLY);
				while (fd >= 0 && read(fd, &c, 1) == 0)
					;
			}
			for (;;)
				pause();
		}
		if (step == o->die_at) {
			fflush(stdout);
			MPI_Barrier(MPI_COMM_WORLD);
			if (rank == 0) {
				printf("api_app: killed at step %d\n", step);
				fflush(stdout);
			}
			raise(SIGKILL);
		}
	}

	uLong sum = crc32(0, st, (uInt)n), all = 0;
	unsigned long mine = sum;
	MPI_Reduce(&mine, &all, 1, MPI_UNSIGNED_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
	if (rank == 0)
		printf("api_app: result %lx\n", (unsigned long)all);
	free(st);
	SCR_Finalize();
	return 0;
}

/* Point fd at path (append), or back at saved when path is NULL. */
static void redirect(int fd, const char *path, int saved)
{
	fflush(fd == 1 ? stdout : stderr);
	int to = path ? open(path, O_WRONLY | O_CREAT | O_APPEND, 0644) : saved;
	if (to < 0 || dup2(to, fd) < 0) {
		perror(path ? path : "api_app: restoring output");
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	if (path)
		close(to);
}

/* --cases: one run per line, each with its own node-local directories and
 * node name, in this one MPI job. Every rank reads the same file. */
static int run_cases(const struct opts *o)
{
	FILE *fp = fopen(o->cases, "r");
	if (!fp) {
		perror(o->cases);
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	int out = dup(1), err = dup(2), worst = 0, lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, fp) > 0) {
		lineno++;
		char *save = NULL, *dir = strtok_r(line, " \t\n", &save), *node = NULL;
		if (!dir)
			continue;
		for (int r = 0; r <= rank; r++)
			node = strtok_r(NULL, " \t\n", &save);
		if (!node) {
			fprintf(stderr, "api_app: %s:%d: no node name for rank %d\n", o->cases,
				lineno, rank);
			MPI_Abort(MPI_COMM_WORLD, 2);
		}
		char cache[1024], cntl[1024], log[1024];
		snprintf(cache, sizeof(cache), "%s/cache", dir);
		snprintf(cntl, sizeof(cntl), "%s/cntl", dir);
		snprintf(log, sizeof(log), "%s/out.%d", dir, rank);
		setenv("SCR_CACHE_BASE", cache, 1);
		setenv("SCR_CNTL_BASE", cntl, 1);
		setenv("SCR_NODE_NAME", node, 1);
		redirect(1, log, -1);
		redirect(2, log, -1);
		int rc = run_once(o);
		redirect(1, NULL, out);
		redirect(2, NULL, err);
		if (rc > worst)
			worst = rc;
	}
	free(line);
	fclose(fp);
	return worst;
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	struct opts o;
	parse(argc, argv, &o);
	int rc = o.cases ? run_cases(&o) : run_once(&o);
	MPI_Finalize();
	return rc;
}
