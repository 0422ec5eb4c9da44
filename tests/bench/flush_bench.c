/*
 * What a flush costs the application, through the SCR API: every rank
 * times a compute-bound loop alone, then writes MIB of checkpoint data
 * (SCR_FLUSH=1: each checkpoint is flushed), timing the stop from
 * SCR_Start_output to the return of SCR_Complete_output, and runs the
 * same loop again right away, while a background flush (SCR_FLUSH_ASYNC=1)
 * is in flight. SCR_Finalize waits for it; the time of that wait is shown
 * too. Rank 0 prints the slowest rank's times on one "@" line for the
 * script (tests/bench/run.sh) to set against each other.
 *   flush_bench MIB LOOP_MS
 */
#include "scr.h"

#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static double slowest(double t)
{
	double m = t;
	MPI_Allreduce(&t, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
	return m;
}

/* Integer work the compiler cannot drop: iters rounds of a hash. */
static unsigned long spin(unsigned long iters)
{
	unsigned long h = 1469598103934665603UL;
	for (unsigned long i = 0; i < iters; i++)
		h = (h ^ i) * 1099511628211UL;
	return h;
}

/* The loop's seconds, over iters rounds. */
static double compute(unsigned long iters, unsigned long *sink)
{
	double t = MPI_Wtime();
	*sink += spin(iters);
	return MPI_Wtime() - t;
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	int rank;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	if (argc < 3) {
		if (!rank)
			fprintf(stderr, "usage: flush_bench MIB LOOP_MS\n");
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	size_t mib = (size_t)atol(argv[1]);
	double loop_s = atof(argv[2]) / 1e3;
	size_t chunk = 1 << 20;
	char *buf = malloc(chunk);
	for (size_t i = 0; i < chunk; i++)
		buf[i] = (char)(i * 7 + rank);
	unsigned long sink = 0;

	/* size the loop to LOOP_MS on this machine, the same on every rank */
	unsigned long iters = 1UL << 20;
	while (compute(iters, &sink) < 0.05)
		iters *= 2;
	double per = compute(iters, &sink) / (double)iters;
	iters = (unsigned long)(loop_s / per);
	MPI_Allreduce(MPI_IN_PLACE, &iters, 1, MPI_UNSIGNED_LONG, MPI_MIN, MPI_COMM_WORLD);

	SCR_Init();
	double alone = 0, stop = 0, during = 0;
	for (int rep = 0; rep < 3; rep++) {
		MPI_Barrier(MPI_COMM_WORLD);
		double a = slowest(compute(iters, &sink));

		MPI_Barrier(MPI_COMM_WORLD);
		double t0 = MPI_Wtime();
		SCR_Start_output(NULL, SCR_FLAG_CHECKPOINT);
		char path[64], file[SCR_MAX_FILENAME];
		snprintf(path, sizeof(path), "bench.%d/rank_%d.dat", rep, rank);
		SCR_Route_file(path, file);
		int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		for (size_t i = 0; fd >= 0 && i < mib; i++)
			if (write(fd, buf, chunk) != (ssize_t)chunk)
				MPI_Abort(MPI_COMM_WORLD, 1);
		if (fd < 0 || close(fd) != 0)
			MPI_Abort(MPI_COMM_WORLD, 1);
		SCR_Complete_output(1);
		double s = slowest(MPI_Wtime() - t0);

		double d = slowest(compute(iters, &sink));
		/* the next checkpoint must not wait for this flush: let it end */
		MPI_Barrier(MPI_COMM_WORLD);
		int need;
		SCR_Need_checkpoint(&need);
		sleep(1);
		SCR_Need_checkpoint(&need);
		if (!rep || s < stop) {
			alone = a;
			stop = s;
			during = d;
		}
	}
	double t = MPI_Wtime();
	SCR_Finalize();
	double fin = slowest(MPI_Wtime() - t);
	if (rank == 0)
		printf("@ mib=%zu alone=%.4f stop=%.4f during=%.4f finalize=%.4f sink=%lu\n", mib,
		       alone, stop, during, fin, sink & 1);
	free(buf);
	MPI_Finalize();
	return 0;
}
