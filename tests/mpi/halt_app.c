/*
 * halt_app: an MPI loop written against the SCR API that checkpoints every
 * step and leaves its loop when SCR_Should_exit says so, as a production
 * code does. Used by the halt scenario (tests/scenarios/86-halt.sh).
 *
 *   halt_app [--steps N] [--sleep-ms M] [--bytes B] [--expect-restart S]
 *
 * --steps N           stop after step N at the latest (default 1000)
 * --sleep-ms M        compute time per step (default 0)
 * --expect-restart S  exit 3 unless the run restarted from step S (0: fresh)
 *
 * Rank 0 prints "halt_app: restarted from step S" or "halt_app: starting
 * fresh", "halt_app: checkpoint at step S" for each checkpoint, and last
 * "halt_app: told to exit after step S" or "halt_app: done at step S".
 * Each rank's file ckpt.<S>/rank_<r>.dat holds "halt_app <S> <r>" and B
 * bytes derived from both; a restart checks them.
 * Exit: 0 ok, 2 usage, 3 expectation failed, 4 an SCR call or a file failed.
 */
#include "scr.h"

#include <errno.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int rank;

static void die(const char *what, int step)
{
	fprintf(stderr, "halt_app: rank %d: %s (step %d)\n", rank, what, step);
	MPI_Abort(MPI_COMM_WORLD, 4);
}

static int int_arg(const char *v)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || *end || end == v || x < 0 || x > 1000000000L) {
		if (rank == 0)
			fprintf(stderr, "usage: halt_app [--steps N] [--sleep-ms M] [--bytes B] "
				"[--expect-restart S]\n");
		MPI_Finalize();
		exit(2);
	}
	return (int)x;
}

static unsigned char byte_of(int step, long i)
{
	return (unsigned char)(step * 131 + rank * 17 + i * 7);
}

static void write_ckpt(int step, long bytes)
{
	char name[64], path[128], file[SCR_MAX_FILENAME];
	snprintf(name, sizeof(name), "ckpt.%d", step);
	snprintf(path, sizeof(path), "ckpt.%d/rank_%d.dat", step, rank);
	if (SCR_Start_output(name, SCR_FLAG_CHECKPOINT) != SCR_SUCCESS)
		die("SCR_Start_output failed", step);
	int valid = SCR_Route_file(path, file) == SCR_SUCCESS;
	FILE *fp = valid ? fopen(file, "w") : NULL;
	valid = fp && fprintf(fp, "halt_app %d %d\n", step, rank) > 0;
	for (long i = 0; valid && i < bytes; i++)
		valid = fputc(byte_of(step, i), fp) != EOF;
	if (fp && fclose(fp) != 0)
		valid = 0;
	if (SCR_Complete_output(valid) != SCR_SUCCESS || !valid)
		die("checkpoint failed", step);
}

/* The step of the restart dataset, read back and checked; -1 if bad. */
static int read_ckpt(const char *name, long bytes)
{
	int step = -1, s = -1, r = -1;
	char path[128], file[SCR_MAX_FILENAME];
	if (sscanf(name, "ckpt.%d", &step) != 1)
		return -1;
	snprintf(path, sizeof(path), "ckpt.%d/rank_%d.dat", step, rank);
	if (SCR_Route_file(path, file) != SCR_SUCCESS)
		return -1;
	FILE *fp = fopen(file, "r");
	int ok = fp && fscanf(fp, "halt_app %d %d", &s, &r) == 2 && s == step && r == rank &&
		 fgetc(fp) == '\n';
	for (long i = 0; ok && i < bytes; i++)
		ok = fgetc(fp) == byte_of(step, i);
	ok = ok && fgetc(fp) == EOF;
	if (fp)
		fclose(fp);
	return ok ? step : -1;
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	int steps = 1000, sleep_ms = 0, expect = -1;
	long bytes = 4096;
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "x";
		if (!strcmp(argv[i], "--steps")) steps = int_arg(v);
		else if (!strcmp(argv[i], "--sleep-ms")) sleep_ms = int_arg(v);
		else if (!strcmp(argv[i], "--bytes")) bytes = int_arg(v);
		else if (!strcmp(argv[i], "--expect-restart")) expect = int_arg(v);
		else int_arg("bad");
		i++;
	}
	if (SCR_Init() != SCR_SUCCESS)
		die("SCR_Init failed", 0);

	int start = 0, have = 0;
	char name[SCR_MAX_FILENAME];
	while (SCR_Have_restart(&have, name) == SCR_SUCCESS && have) {
		SCR_Start_restart(name);
		int step = read_ckpt(name, bytes);
		if (SCR_Complete_restart(step >= 0) == SCR_SUCCESS) {
			start = step;
			break;
		}
	}
	if (rank == 0 && start)
		printf("halt_app: restarted from step %d\n", start);
	else if (rank == 0)
		printf("halt_app: starting fresh\n");
	fflush(stdout);
	if (expect >= 0 && start != expect) {
		if (rank == 0)
			fprintf(stderr, "halt_app: expected a restart from step %d, got %d\n",
				expect, start);
		SCR_Finalize();
		MPI_Finalize();
		return 3;
	}

	int step = start, told = 0;
	while (step < steps) {
		step++;
		struct timespec ts = { sleep_ms / 1000, (long)(sleep_ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		MPI_Barrier(MPI_COMM_WORLD);
		write_ckpt(step, bytes);
		if (rank == 0) {
			printf("halt_app: checkpoint at step %d\n", step);
			fflush(stdout);
		}
		int flag = 0;
		if (SCR_Should_exit(&flag) != SCR_SUCCESS)
			die("SCR_Should_exit failed", step);
		/* every rank must get the same answer */
		int any = 0, all = 0;
		MPI_Allreduce(&flag, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
		MPI_Allreduce(&flag, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
		if (any != all)
			die("ranks disagree on SCR_Should_exit", step);
		if (flag) {
			told = 1;
			break;
		}
	}
	if (rank == 0)
		printf(told ? "halt_app: told to exit after step %d\n" : "halt_app: done at step %d\n",
		       step);
	fflush(stdout);
	if (SCR_Finalize() != SCR_SUCCESS)
		die("SCR_Finalize failed", step);
	MPI_Finalize();
	return 0;
}
