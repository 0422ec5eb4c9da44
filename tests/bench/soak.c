/*
 * Soak: thousands of small checkpoints in one run, watching the process for
 * growth that would end a long job: open descriptors, resident memory, and
 * the time a checkpoint takes. Rank 0 prints, for the slowest rank, the
 * growth per checkpoint after a warm-up (the goal is zero) and the time of
 * a checkpoint at the end against the start.
 *
 *   soak_api N     N checkpoints through the SCR API (one 4 KiB file per rank)
 *   soak_plain N   N checkpoints written with open/write/close, one file per
 *                  rank rewritten in place (for LD_PRELOAD=libscr_interpose.so
 *                  with SCR_CHECKPOINT_PATTERN='/ckpt/')
 *
 * Built twice from this file: with SOAK_API (linked with libscr) and without.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef SOAK_API
#include "scr.h"
#endif

#define FILE_BYTES 4096

static int rank;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static void write_file(const char *path, const char *buf)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, FILE_BYTES) != FILE_BYTES || close(fd) != 0) {
		perror(path);
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
}

static void checkpoint(int i, const char *buf)
{
	char path[256];
	snprintf(path, sizeof(path), "ckpt/rank_%d.dat", rank);
#ifdef SOAK_API
	char name[32], routed[SCR_MAX_FILENAME];
	snprintf(name, sizeof(name), "ckpt.%d", i);
	if (SCR_Start_output(name, SCR_FLAG_CHECKPOINT) != SCR_SUCCESS ||
	    SCR_Route_file(path, routed) != SCR_SUCCESS)
		MPI_Abort(MPI_COMM_WORLD, 1);
	write_file(routed, buf);
	if (SCR_Complete_output(1) != SCR_SUCCESS)
		MPI_Abort(MPI_COMM_WORLD, 1);
#else
	(void)i;
	write_file(path, buf);
	/* the application's own rhythm: a barrier per checkpoint */
	MPI_Barrier(MPI_COMM_WORLD);
#endif
}

/* The largest value over ranks. */
static double maxd(double v)
{
	double m = v;
	MPI_Allreduce(&v, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
	return m;
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	int n = argc > 1 ? atoi(argv[1]) : 0;
	if (n < 100) {
		if (rank == 0)
			fprintf(stderr, "usage: %s N (N >= 100 checkpoints)\n", argv[0]);
		MPI_Finalize();
		return 2;
	}
#ifdef SOAK_API
	if (SCR_Init() != SCR_SUCCESS)
		MPI_Abort(MPI_COMM_WORLD, 1);
#endif
	if (rank == 0)
		mkdir("ckpt", 0755);
	MPI_Barrier(MPI_COMM_WORLD);
	char buf[FILE_BYTES];
	memset(buf, rank + 1, sizeof(buf));

	/* a tenth of the run warms up (caches, first allocations) */
	int warm = n / 10, window = n / 10;
	long fd0 = 0, rss0 = 0;
	double t_first = 0, t_last = 0, t = 0;
	for (int i = 1; i <= n; i++) {
		if (i == warm + 1) {
			fd0 = open_fds();
			rss0 = rss_kib();
		}
		if (i == warm + 1 || i == n - window + 1)
			t = now();
		checkpoint(i, buf);
		if (i == warm + window)
			t_first = now() - t;
		if (i == n)
			t_last = now() - t;
	}
	double fd_growth = (double)(open_fds() - fd0) / (n - warm);
	double rss_growth = (double)(rss_kib() - rss0) * 1024.0 / (n - warm);
	fd_growth = maxd(fd_growth);
	rss_growth = maxd(rss_growth);
	t_first = maxd(t_first) / window;
	t_last = maxd(t_last) / window;
	if (rank == 0)
		printf("%d checkpoints: descriptors %+.4f per checkpoint, resident memory %+.1f B per "
		       "checkpoint; a checkpoint takes %.2f ms at the end against %.2f ms after "
		       "the warm-up (%.2fx)\n", n, fd_growth, rss_growth, t_last * 1e3,
		       t_first * 1e3, t_first > 0 ? t_last / t_first : 0.0);
#ifdef SOAK_API
	SCR_Finalize();
#endif
	MPI_Finalize();
	return 0;
}
