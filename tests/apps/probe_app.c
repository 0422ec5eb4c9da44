/*
 * An unmodified MPI program that probes how the transparent mode looks
 * from the inside: errno on failures and successes, files that do not
 * match left alone, checkpoint files that look real (stat, access, read
 * back) while they live in the cache, and forked or exec'd children that
 * pass through. Run with SCR_CHECKPOINT_PATTERN='ckpt\.[0-9]+/'.
 * Prints "probe_app: N checks, M failed" on rank 0; exit 1 on a failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int rank, checks, failed;

#define CHECK(cond)                                                              \
	do {                                                                     \
		checks++;                                                        \
		if (!(cond)) {                                                   \
			failed++;                                                \
			fprintf(stderr, "rank %d: %s:%d: check failed: %s (errno %d)\n", \
				rank, __FILE__, __LINE__, #cond, errno);         \
		}                                                                \
	} while (0)

/* stat without any wrapper: what is really at a path */
static int raw_exists(const char *path)
{
	struct stat st;
	return syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) == 0;
}

static void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
		CHECK(close(fd) == 0);
	}
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	char path[256], buf[256];
	mkdir("ckpt.1", 0755);
	mkdir("plain", 0755);
	MPI_Barrier(MPI_COMM_WORLD);

	/* failures keep the real errno */
	errno = 0;
	CHECK(open("ckpt.1/none.dat", O_RDONLY) < 0 && errno == ENOENT);
	struct stat st;
	errno = 0;
	CHECK(stat("ckpt.1/none.dat", &st) < 0 && errno == ENOENT);
	errno = 0;
	CHECK(access("ckpt.1/none.dat", R_OK) < 0 && errno == ENOENT);
	errno = 0;
	CHECK(fopen("ckpt.1/none.dat", "r") == NULL && errno == ENOENT);
	errno = 0;
	CHECK(unlink("ckpt.1/none.dat") < 0 && errno == ENOENT);

	/* successes leave errno alone, matching or not */
	snprintf(path, sizeof(path), "plain/keep_%d.txt", rank);
	errno = 4242;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && errno == 4242);
	close(fd);
	snprintf(path, sizeof(path), "ckpt.1/errno_%d.dat", rank);
	errno = 4242;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && errno == 4242);
	errno = 4242;
	CHECK(close(fd) == 0 && errno == 4242);

	/* a file that does not match goes where it is asked */
	snprintf(path, sizeof(path), "plain/out_%d.txt", rank);
	write_text(path, "plain");
	CHECK(raw_exists(path));
	/* nor does one in scr's own directory of the prefix, matching or not:
	 * scr never keeps it as a checkpoint file (a flush would replace its
	 * own state with it) */
	if (rank == 0) {
		mkdir(".scr", 0700);
		mkdir(".scr/ckpt.7", 0755);
	}
	MPI_Barrier(MPI_COMM_WORLD);
	snprintf(path, sizeof(path), ".scr/ckpt.7/mine_%d.dat", rank);
	write_text(path, "not scr's");
	CHECK(raw_exists(path));

	/* a checkpoint file lives in the cache but looks real */
	snprintf(path, sizeof(path), "ckpt.1/rank_%d.dat", rank);
	write_text(path, "checkpoint data");
	CHECK(!raw_exists(path));
	CHECK(stat(path, &st) == 0 && st.st_size == 15);
	CHECK(access(path, R_OK) == 0);
	struct statx stx;
	CHECK(statx(AT_FDCWD, path, 0, STATX_SIZE, &stx) == 0 && stx.stx_size == 15);
	FILE *fp = fopen(path, "r");
	CHECK(fp && fgets(buf, sizeof(buf), fp) && !strcmp(buf, "checkpoint data"));
	if (fp)
		fclose(fp);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, 10) == 10 && !memcmp(buf, "checkpoint", 10));
	if (fd >= 0)
		close(fd);

	/* listing the directory shows the cached file too, once */
	DIR *dir = opendir("ckpt.1");
	int seen = 0;
	struct dirent *de;
	snprintf(path, sizeof(path), "rank_%d.dat", rank);
	while (dir && (de = readdir(dir)) != NULL)
		seen += !strcmp(de->d_name, path);
	CHECK(dir != NULL && seen == 1);
	if (dir)
		closedir(dir);

	/* and so does scandir */
	struct dirent **list = NULL;
	int nlist = scandir("ckpt.1", &list, NULL, alphasort);
	seen = 0;
	for (int k = 0; k < nlist; k++) {
		seen += !strcmp(list[k]->d_name, path);
		free(list[k]);
	}
	free(list);
	CHECK(nlist > 0 && seen == 1);

	/* a forked child is not a rank: its files go to their real paths */
	pid_t pid = fork();
	if (pid == 0) {
		char child[256];
		snprintf(child, sizeof(child), "ckpt.1/child_%d.dat", rank);
		int cfd = open(child, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		_exit(cfd >= 0 && write(cfd, "c", 1) == 1 && close(cfd) == 0 ? 0 : 1);
	}
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	snprintf(path, sizeof(path), "ckpt.1/child_%d.dat", rank);
	CHECK(raw_exists(path));

	/* programs exec'd with the inherited LD_PRELOAD pass through */
	snprintf(buf, sizeof(buf), "mkdir -p exec_%d/sub && echo hi > exec_%d/sub/f && "
		 "hostname > /dev/null && echo x > ckpt.1/shell_%d.txt", rank, rank, rank);
	CHECK(system(buf) == 0);
	snprintf(path, sizeof(path), "exec_%d/sub/f", rank);
	CHECK(raw_exists(path));
	snprintf(path, sizeof(path), "ckpt.1/shell_%d.txt", rank);
	CHECK(raw_exists(path));

	/* a failed open leaves no trace: the checkpoint above stays valid */
	errno = 0;
	CHECK(open("ckpt.1/never.dat", O_WRONLY) < 0 && errno == ENOENT);

	/* truncate and remove act on the checkpoint file as the app sees it */
	snprintf(path, sizeof(path), "ckpt.1/trunc_%d.dat", rank);
	write_text(path, "0123456789");
	CHECK(truncate(path, 4) == 0);
	CHECK(stat(path, &st) == 0 && st.st_size == 4);
	snprintf(path, sizeof(path), "ckpt.1/gone_%d.dat", rank);
	write_text(path, "x");
	CHECK(remove(path) == 0);
	errno = 0;
	CHECK(stat(path, &st) < 0 && errno == ENOENT);

	/* temp-then-rename among many files of one checkpoint */
	mkdir("ckpt.3", 0755);
	MPI_Barrier(MPI_COMM_WORLD);
	for (int k = 0; k < 9; k++) {
		snprintf(path, sizeof(path), "ckpt.3/part%d_%d.dat", k, rank);
		write_text(path, "part");
	}
	char tmp[256];
	snprintf(tmp, sizeof(tmp), "ckpt.3/final_%d.tmp", rank);
	snprintf(path, sizeof(path), "ckpt.3/final_%d.dat", rank);
	write_text(tmp, "final");
	CHECK(rename(tmp, path) == 0);
	fp = fopen(path, "r");
	CHECK(fp && fgets(buf, sizeof(buf), fp) && !strcmp(buf, "final"));
	if (fp)
		fclose(fp);
	errno = 0;
	CHECK(access(tmp, F_OK) < 0 && errno == ENOENT);

	/* a checkpoint rewritten and then deleted in both versions */
	snprintf(path, sizeof(path), "ckpt.3/twice_%d.dat", rank);
	write_text(path, "v1");
	write_text(path, "v2");
	CHECK(unlink(path) == 0);
	errno = 0;
	CHECK(stat(path, &st) < 0 && errno == ENOENT);

	/* the same once the first version's checkpoint is complete (the
	 * rewrite started the next one): deleting the newer version leaves
	 * no file behind, not the older one */
	snprintf(path, sizeof(path), "ckpt.3/again_%d.dat", rank);
	write_text(path, "v1");
	write_text(path, "v2");
	usleep(500000);   /* several agreement rounds */
	CHECK(unlink(path) == 0);
	errno = 0;
	CHECK(stat(path, &st) < 0 && errno == ENOENT);
	errno = 0;
	CHECK(open(path, O_RDONLY) < 0 && errno == ENOENT);
	/* and renaming the newer version away leaves nothing under the name */
	snprintf(path, sizeof(path), "ckpt.3/moved_%d.dat", rank);
	write_text(path, "v1");
	write_text(path, "v2");
	usleep(500000);
	snprintf(tmp, sizeof(tmp), "ckpt.3/moved_%d.new", rank);
	CHECK(rename(path, tmp) == 0);
	errno = 0;
	CHECK(stat(path, &st) < 0 && errno == ENOENT);
	fp = fopen(tmp, "r");
	CHECK(fp && fgets(buf, sizeof(buf), fp) && !strcmp(buf, "v2"));
	if (fp)
		fclose(fp);

	/* "probe_app leave-open": a checkpoint file left open through
	 * MPI_Finalize keeps its data (the scenario checks the real path) */
	FILE *left_open = NULL;
	if (argc > 1 && !strcmp(argv[1], "leave-open")) {
		snprintf(path, sizeof(path), "ckpt.4/open_%d.txt", rank);
		mkdir("ckpt.4", 0755);
		left_open = fopen(path, "w");
		CHECK(left_open != NULL);
		if (left_open)
			fputs("written before finalize", left_open);
	}

	int all[2] = { 0, 0 }, mine[2] = { checks, failed };
	MPI_Reduce(mine, all, 2, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
	if (rank == 0)
		printf("probe_app: %d checks, %d failed\n", all[0], all[1]);
	MPI_Bcast(all, 2, MPI_INT, 0, MPI_COMM_WORLD);
	MPI_Finalize();
	if (left_open) {
		fputs(", and after", left_open);
		fclose(left_open);
	}
	return all[1] ? 1 : 0;
}
