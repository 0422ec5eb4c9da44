/*
 * Checkpoint cost through the SCR API against plain writes, in one run:
 * every rank writes MiB of data (a) straight to a file in the baseline
 * directory, (b) into an SCR dataset routed to cache, then completes it.
 * Rank 0 prints the slowest rank's times and the ratios.
 *   ckpt_bench MIB BASELINE_DIR
 */
#include "scr.h"

#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double write_file(const char *path, const char *buf, size_t chunk, size_t nchunks)
{
	double t = MPI_Wtime();
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(path);
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	for (size_t i = 0; i < nchunks; i++)
		if (write(fd, buf, chunk) != (ssize_t)chunk)
			MPI_Abort(MPI_COMM_WORLD, 1);
	close(fd);
	return MPI_Wtime() - t;
}

static double slowest(double t)
{
	double m = t;
	MPI_Reduce(&t, &m, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
	return m;
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	int rank;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	if (argc < 3) {
		if (!rank)
			fprintf(stderr, "usage: ckpt_bench MIB BASELINE_DIR\n");
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	size_t mib = (size_t)atol(argv[1]);
	size_t chunk = 1 << 20;
	char *buf = malloc(chunk);
	for (size_t i = 0; i < chunk; i++)
		buf[i] = (char)(i * 7 + rank);
	SCR_Init();

	char path[4096], file[SCR_MAX_FILENAME];
	double plain = 0, routed = 0, complete = 0;
	for (int rep = 0; rep < 3; rep++) {
		snprintf(path, sizeof(path), "%s/plain_%d.dat", argv[2], rank);
		MPI_Barrier(MPI_COMM_WORLD);
		double t = slowest(write_file(path, buf, chunk, mib));
		unlink(path);
		if (!rep || t < plain)
			plain = t;

		MPI_Barrier(MPI_COMM_WORLD);
		double t0 = MPI_Wtime();
		SCR_Start_output(NULL, SCR_FLAG_CHECKPOINT);
		snprintf(path, sizeof(path), "bench/rank_%d.dat", rank);
		SCR_Route_file(path, file);
		write_file(file, buf, chunk, mib);
		double t1 = MPI_Wtime();
		SCR_Complete_output(1);
		double t2 = MPI_Wtime();
		double w = slowest(t1 - t0), c = slowest(t2 - t1);
		if (!rep || w + c < routed + complete) {
			routed = w;
			complete = c;
		}
	}
	if (rank == 0)
		printf("checkpoint %zu MiB/rank: plain write %.3f s, scr write %.3f s "
		       "(ratio %.3f), completion (crc + agreement) %.3f s = %.2f of the "
		       "write time\n", mib, plain, routed, routed / plain, complete,
		       complete / plain);
	SCR_Finalize();
	free(buf);
	MPI_Finalize();
	return 0;
}
