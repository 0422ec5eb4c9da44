/*
 * Transparent-mode cost, measured by an unmodified MPI program: each rank
 * writes MIB MiB (1 MiB writes) to a path that does not match the pattern
 * and the same bytes to one that does (routed to the cache on the same
 * file system), best of 3 each; then MPI_Finalize completes the checkpoint
 * (CRC + agreement). Rank 0 prints the slowest rank's times.
 *   shim_bench MIB PLAIN_DIR       (run with SCR_CHECKPOINT_PATTERN='/ckpt/')
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double write_file(const char *path, const char *buf, size_t mib)
{
	MPI_Barrier(MPI_COMM_WORLD);
	double t = now();
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(path);
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	for (size_t i = 0; i < mib; i++)
		if (write(fd, buf, 1 << 20) != 1 << 20)
			MPI_Abort(MPI_COMM_WORLD, 1);
	close(fd);
	t = now() - t;
	double slowest = t;
	MPI_Allreduce(&t, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
	return slowest;
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	int rank;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	if (argc < 3)
		MPI_Abort(MPI_COMM_WORLD, 2);
	size_t mib = (size_t)atol(argv[1]);
	char *buf = malloc(1 << 20);
	for (int i = 0; i < 1 << 20; i++)
		buf[i] = (char)(i * 13 + rank);
	mkdir("ckpt", 0755);
	char path[4096];
	double plain = 1e9, shim = 1e9;
	for (int rep = 0; rep < 3; rep++) {
		snprintf(path, sizeof(path), "%s/plain_%d.dat", argv[2], rank);
		double t = write_file(path, buf, mib);
		unlink(path);
		if (t < plain)
			plain = t;
		snprintf(path, sizeof(path), "ckpt/rep%d_rank%d.dat", rep, rank);
		t = write_file(path, buf, mib);
		if (t < shim)
			shim = t;
	}
	double t = now();
	MPI_Finalize();
	double complete = now() - t;
	if (rank == 0)
		printf("transparent %zu MiB/rank: plain write %.3f s, through the shim %.3f s "
		       "(ratio %.3f); completion of 3 x %zu MiB at MPI_Finalize %.3f s = %.2f "
		       "of the write time\n", mib, plain, shim, shim / plain, mib, complete,
		       complete / (3 * shim));
	free(buf);
	return 0;
}
