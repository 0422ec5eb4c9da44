/*
 * An unmodified MPI program with GROMACS's checkpoint habits: only rank 0
 * writes, always to the same name, state.cpt, after renaming the previous
 * one to state_prev.cpt; on start it looks for state.cpt by name.
 *   gromacs_like [--steps N] [--every K] [--pause-ms MS] [--die-at S]
 *                [--expect-restart S]
 * Prints "gromacs_like: result <hex>"; exit 3 when the restart expectation
 * fails, 4 on a bad checkpoint.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define N 4096   /* ints of state per rank */

struct header {
	unsigned magic, step, nranks, crc;
};

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	int rank, nranks;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	int steps = 10, every = 2, pause_ms = 0, die_at = 0, expect = -1;
	for (int i = 1; i + 1 < argc; i += 2) {
		int v = atoi(argv[i + 1]);
		if (!strcmp(argv[i], "--steps")) steps = v;
		else if (!strcmp(argv[i], "--every")) every = v;
		else if (!strcmp(argv[i], "--pause-ms")) pause_ms = v;
		else if (!strcmp(argv[i], "--die-at")) die_at = v;
		else if (!strcmp(argv[i], "--expect-restart")) expect = v;
	}
	unsigned *st = malloc(N * sizeof(*st));
	unsigned *all = rank == 0 ? malloc((size_t)nranks * N * sizeof(*all)) : NULL;
	for (int i = 0; i < N; i++)
		st[i] = (unsigned)(i * 2654435761u + (unsigned)rank);

	/* restart: state.cpt by name, read by rank 0 */
	int start = 0;
	if (rank == 0) {
		int fd = open("state.cpt", O_RDONLY);
		if (fd >= 0) {
			struct header h;
			size_t len = (size_t)nranks * N * sizeof(*all);
			if (read(fd, &h, sizeof(h)) != sizeof(h) || h.magic != 0x67726f6d ||
			    h.nranks != (unsigned)nranks || read(fd, all, len) != (ssize_t)len ||
			    h.crc != crc32(0, (void *)all, (uInt)len)) {
				fprintf(stderr, "gromacs_like: bad checkpoint state.cpt\n");
				MPI_Abort(MPI_COMM_WORLD, 4);
			}
			close(fd);
			start = (int)h.step;
		} else if (errno != ENOENT) {
			MPI_Abort(MPI_COMM_WORLD, 4);
		}
	}
	MPI_Bcast(&start, 1, MPI_INT, 0, MPI_COMM_WORLD);
	if (start)
		MPI_Scatter(all, N, MPI_UNSIGNED, st, N, MPI_UNSIGNED, 0, MPI_COMM_WORLD);
	if (rank == 0)
		printf(start ? "gromacs_like: restarted from step %d\n" : "gromacs_like: starting fresh\n", start);
	if (expect >= 0 && start != expect) {
		if (rank == 0)
			fprintf(stderr, "gromacs_like: expected restart from step %d, got %d\n", expect, start);
		MPI_Finalize();
		return 3;
	}

	int prev_step = start;
	for (int step = start + 1; step <= steps; step++) {
		unsigned long local = 0, global = 0;
		for (int i = 0; i < N; i += 7)
			local += st[i];
		MPI_Allreduce(&local, &global, 1, MPI_UNSIGNED_LONG, MPI_SUM, MPI_COMM_WORLD);
		for (int i = 0; i < N; i++)
			st[i] = st[i] * 2654435761u + (unsigned)global + (unsigned)step;
		if (step % every)
			continue;
		MPI_Gather(st, N, MPI_UNSIGNED, all, N, MPI_UNSIGNED, 0, MPI_COMM_WORLD);
		if (rank == 0) {
			/* once a checkpoint exists, the rename must work and the
			 * backup must hold the previous step */
			int rc = rename("state.cpt", "state_prev.cpt");
			if (rc != 0 && (prev_step || errno != ENOENT)) {
				perror("gromacs_like: rename state.cpt");
				MPI_Abort(MPI_COMM_WORLD, 4);
			}
			if (prev_step) {
				struct header b = { 0 };
				int bfd = open("state_prev.cpt", O_RDONLY);
				if (bfd < 0 || read(bfd, &b, sizeof(b)) != sizeof(b) ||
				    b.step != (unsigned)prev_step) {
					fprintf(stderr, "gromacs_like: state_prev.cpt is not step %d\n",
						prev_step);
					MPI_Abort(MPI_COMM_WORLD, 4);
				}
				close(bfd);
			}
			prev_step = step;
			size_t len = (size_t)nranks * N * sizeof(*all);
			struct header h = { 0x67726f6d, (unsigned)step, (unsigned)nranks,
					    (unsigned)crc32(0, (void *)all, (uInt)len) };
			int fd = open("state.cpt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || write(fd, &h, sizeof(h)) != sizeof(h) ||
			    write(fd, all, len) != (ssize_t)len || close(fd) != 0)
				MPI_Abort(MPI_COMM_WORLD, 4);
			printf("gromacs_like: checkpoint at step %d\n", step);
			fflush(stdout);
		}
		struct timespec ts = { pause_ms / 1000, (pause_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		if (step == die_at) {
			MPI_Barrier(MPI_COMM_WORLD);
			raise(SIGKILL);
		}
	}
	unsigned long mine = crc32(0, (void *)st, N * sizeof(*st)), sum = 0;
	MPI_Reduce(&mine, &sum, 1, MPI_UNSIGNED_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
	if (rank == 0)
		printf("gromacs_like: result %lx\n", sum);
	free(st);
	free(all);
	MPI_Finalize();
	return 0;
}
