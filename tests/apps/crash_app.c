/*
 * An unmodified MPI program that dies of SIGSEGV while writing its second
 * checkpoint.  "crash_app write" writes ckpt.1, waits, starts ckpt.2 and
 * crashes on rank 0 inside crash_here() with its file open; "crash_app
 * verify" (the restart) checks that ckpt.1 is there and ckpt.2 is not.
 */
#include <errno.h>
#include <fcntl.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int rank;

static int write_file(const char *path, const char *text, int keep_open)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	if (!keep_open)
		close(fd);
	return 0;
}

__attribute__((noinline)) static void crash_here(void)
{
	/* a real invalid access, hidden from the optimiser */
	volatile uintptr_t nowhere = 0;
	*(volatile int *)nowhere = 42;
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	char path[256], buf[64];
	int verify = argc > 1 && !strcmp(argv[1], "verify");
	if (!verify) {
		mkdir("ckpt.1", 0755);
		mkdir("ckpt.2", 0755);
		MPI_Barrier(MPI_COMM_WORLD);
		snprintf(path, sizeof(path), "ckpt.1/rank_%d.dat", rank);
		if (write_file(path, "one", 0))
			MPI_Abort(MPI_COMM_WORLD, 4);
		usleep(2300 * 1000);   /* time for the checkpoint to complete */
		snprintf(path, sizeof(path), "ckpt.2/rank_%d.dat", rank);
		if (write_file(path, "two, partial", 1))
			MPI_Abort(MPI_COMM_WORLD, 4);
		if (rank == 0)
			crash_here();
		sleep(60);   /* the job dies with rank 0 */
		MPI_Finalize();
		return 0;
	}
	int ok = 1;
	snprintf(path, sizeof(path), "ckpt.1/rank_%d.dat", rank);
	FILE *fp = fopen(path, "r");
	ok = fp && fgets(buf, sizeof(buf), fp) && !strcmp(buf, "one");
	if (fp)
		fclose(fp);
	snprintf(path, sizeof(path), "ckpt.2/rank_%d.dat", rank);
	errno = 0;
	int fd = open(path, O_RDONLY);
	if (fd >= 0 || errno != ENOENT) {
		fprintf(stderr, "crash_app: rank %d: the crashed checkpoint is readable\n", rank);
		ok = 0;
	}
	int all = 0;
	MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
	if (rank == 0)
		printf("crash_app: verify %s\n", all ? "ok" : "FAILED");
	MPI_Finalize();
	return all ? 0 : 1;
}
