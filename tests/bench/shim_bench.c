/*
 * Transparent-mode cost, measured by an unmodified MPI program (run with
 * SCR_CHECKPOINT_PATTERN='/ckpt/'). Rank 0 prints the slowest rank's times.
 *
 *   shim_bench MIB PLAIN_DIR
 *       each rank writes MIB MiB (1 MiB writes) to a path that does not
 *       match the pattern and the same bytes to one that does (routed to the
 *       cache on the same file system), best of 3 each; then MPI_Finalize
 *       completes the checkpoint (CRC + agreement)
 *   shim_bench --files N MIB PLAIN_DIR
 *       the same MIB in N files per rank, plain and through the shim: the
 *       difference is what N closes cost (size, CRC and the journal record)
 *   shim_bench --kill MIB
 *       writes MIB MiB per rank into ckpt/ and dies (SIGKILL) before scr's
 *       agreement: a checkpoint closed but not completed
 *   shim_bench --restart MIB
 *       times MPI_Init (which finishes such a checkpoint, if any) and one
 *       read of the files --kill wrote
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mpi.h>
#include <signal.h>
#include <string.h>
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

static double slowest(double t)
{
	double max = t;
	MPI_Allreduce(&t, &max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
	return max;
}

/* total MiB in n files below dir, each closed; the slowest rank's time */
static double write_files(const char *dir, int rank, int n, const char *buf, size_t mib)
{
	size_t per = (mib << 20) / (size_t)n;
	char path[4096];
	MPI_Barrier(MPI_COMM_WORLD);
	double t = now();
	for (int f = 0; f < n; f++) {
		snprintf(path, sizeof(path), "%s/r%d_f%d.dat", dir, rank, f);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			MPI_Abort(MPI_COMM_WORLD, 1);
		for (size_t done = 0; done < per;) {
			size_t chunk = per - done < (1u << 20) ? per - done : 1u << 20;
			if (write(fd, buf, chunk) != (ssize_t)chunk)
				MPI_Abort(MPI_COMM_WORLD, 1);
			done += chunk;
		}
		close(fd);
	}
	return slowest(now() - t);
}

static void remove_files(const char *dir, int rank, int n)
{
	char path[4096];
	for (int f = 0; f < n; f++) {
		snprintf(path, sizeof(path), "%s/r%d_f%d.dat", dir, rank, f);
		unlink(path);
	}
}

static char *pattern_buf(int rank)
{
	char *buf = malloc(1 << 20);
	for (int i = 0; buf && i < 1 << 20; i++)
		buf[i] = (char)(i * 13 + rank);
	return buf;
}

int main(int argc, char **argv)
{
	double t0 = now();
	MPI_Init(&argc, &argv);
	double init = now() - t0;
	int rank;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	if (argc < 3)
		MPI_Abort(MPI_COMM_WORLD, 2);
	mkdir("ckpt", 0755);
	char path[4096];
	if (!strcmp(argv[1], "--files") && argc >= 5) {
		int n = atoi(argv[2]);
		size_t mib = (size_t)atol(argv[3]);
		char *buf = pattern_buf(rank);
		double plain = 1e9, shim = 1e9;
		for (int rep = 0; rep < 3; rep++) {
			/* each rep in its own checkpoint directory: new files, new dataset */
			snprintf(path, sizeof(path), "ckpt/rep%d", rep);
			mkdir(path, 0755);
			double t = write_files(argv[4], rank, n, buf, mib);
			remove_files(argv[4], rank, n);
			plain = t < plain ? t : plain;
			t = write_files(path, rank, n, buf, mib);
			shim = t < shim ? t : shim;
		}
		if (rank == 0)
			printf("transparent, %d file(s)/rank of %zu MiB in all: plain %.4f s, through "
			       "the shim %.4f s; closes cost %.3f of the write (%.0f us each)\n", n,
			       mib, plain, shim, (shim - plain) / plain,
			       (shim - plain) / n * 1e6);
		free(buf);
	} else if (!strcmp(argv[1], "--kill")) {
		size_t mib = (size_t)atol(argv[2]);
		char *buf = pattern_buf(rank);
		write_files("ckpt", rank, 1, buf, mib);
		MPI_Barrier(MPI_COMM_WORLD);
		raise(SIGKILL);
	} else if (!strcmp(argv[1], "--restart")) {
		size_t mib = (size_t)atol(argv[2]);
		char *buf = malloc(1 << 20);
		init = slowest(init);
		snprintf(path, sizeof(path), "ckpt/r%d_f0.dat", rank);
		MPI_Barrier(MPI_COMM_WORLD);
		double t = now();
		int fd = open(path, O_RDONLY);
		size_t got = 0;
		ssize_t r;
		while (fd >= 0 && buf && (r = read(fd, buf, 1 << 20)) > 0)
			got += (size_t)r;
		if (fd >= 0)
			close(fd);
		double rd = slowest(now() - t);
		if (rank == 0)
			printf("MPI_Init %.3f s, one read of the %zu MiB/rank checkpoint %.3f s (%s)\n",
			       init, mib, rd, got == mib << 20 ? "found whole" : "NOT FOUND");
		free(buf);
	} else {
		size_t mib = (size_t)atol(argv[1]);
		char *buf = pattern_buf(rank);
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
	MPI_Finalize();
	return 0;
}
