/*
 * The SCR API's contract, call by call, on real ranks. Two phases of one job:
 *   api_semantics write     checkpoints a.1, a.2 (flushed), output o.1, bad ones
 *   api_semantics restart   restart choices, SCR_Current, Route_file in restart
 * Prints "api_semantics: N checks, M failed" on rank 0 and exits non-zero on
 * any failure. Run with SCR_PREFIX set and the current directory in it.
 */
#include "scr.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int rank, nranks, checks, failed;

#define CHECK(cond)                                                              \
	do {                                                                     \
		checks++;                                                        \
		if (!(cond)) {                                                   \
			failed++;                                                \
			fprintf(stderr, "rank %d: %s:%d: check failed: %s\n", rank,  \
				__FILE__, __LINE__, #cond);                      \
		}                                                                \
	} while (0)

static void write_file(const char *name, const char *text)
{
	char file[SCR_MAX_FILENAME];
	CHECK(SCR_Route_file(name, file) == SCR_SUCCESS);
	FILE *fp = fopen(file, "w");
	CHECK(fp != NULL);
	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

static int file_has(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return 0;
	char line[4096];
	int found = 0;
	while (!found && fgets(line, sizeof(line), fp))
		found = strstr(line, needle) != NULL;
	fclose(fp);
	return found;
}

static void phase_write(void)
{
	char name[64], file[SCR_MAX_FILENAME];

	/* outside any phase a name passes unchanged */
	CHECK(SCR_Route_file("plain/x.dat", file) == SCR_SUCCESS);
	CHECK(strcmp(file, "plain/x.dat") == 0);
	CHECK(SCR_Complete_output(1) != SCR_SUCCESS);
	CHECK(SCR_Start_restart(name) != SCR_SUCCESS);   /* nothing to restart from */

	/* SCR_CHECKPOINT_INTERVAL=3 (SCR_Config): every third call */
	int flags[6];
	for (int i = 0; i < 6; i++)
		SCR_Need_checkpoint(&flags[i]);
	CHECK(!flags[0] && !flags[1] && flags[2] && !flags[3] && !flags[4] && flags[5]);

	for (int id = 1; id <= 2; id++) {
		snprintf(name, sizeof(name), "a.%d", id);
		CHECK(SCR_Start_output(name, SCR_FLAG_CHECKPOINT) == SCR_SUCCESS);
		CHECK(SCR_Start_output("again", SCR_FLAG_CHECKPOINT) != SCR_SUCCESS);
		char path[64], first[SCR_MAX_FILENAME], second[SCR_MAX_FILENAME];
		snprintf(path, sizeof(path), "a.%d/r%d.txt", id, rank);
		CHECK(SCR_Route_file(path, first) == SCR_SUCCESS);
		CHECK(SCR_Route_file(path, second) == SCR_SUCCESS);
		CHECK(strcmp(first, second) == 0);             /* same file, same place */
		CHECK(strstr(first, "/cache/scr.dataset.") != NULL);
		write_file(path, name);
		CHECK(SCR_Complete_output(1) == SCR_SUCCESS);
	}
	/* SCR_FLUSH=1 (SCR_Config): both are in the prefix now */
	snprintf(file, sizeof(file), "a.2/r%d.txt", rank);
	CHECK(file_has(file, "a.2"));

	/* pure output: flushed at completion */
	CHECK(SCR_Start_output("o.1", SCR_FLAG_OUTPUT) == SCR_SUCCESS);
	snprintf(file, sizeof(file), "o.1/r%d.txt", rank);
	write_file(file, "output");
	/* a name outside the prefix is written in place */
	char outside[SCR_MAX_FILENAME], routed[SCR_MAX_FILENAME];
	snprintf(outside, sizeof(outside), "/tmp/scr-api-semantics-%d-%d.txt", (int)getppid(), rank);
	CHECK(SCR_Route_file(outside, routed) == SCR_SUCCESS);
	CHECK(strcmp(outside, routed) == 0);
	CHECK(SCR_Complete_output(1) == SCR_SUCCESS);
	CHECK(file_has(file, "output"));

	/* scr's own directories are never a file's place: the prefix's .scr
	 * (index, summaries) and the cache */
	CHECK(SCR_Start_output("own.1", SCR_FLAG_CHECKPOINT) == SCR_SUCCESS);
	CHECK(SCR_Route_file(".scr/index.scr", routed) != SCR_SUCCESS);
	CHECK(SCR_Route_file("./sub/../.scr/x", routed) != SCR_SUCCESS);
	snprintf(file, sizeof(file), "own.1/r%d.txt", rank);
	CHECK(SCR_Route_file(file, routed) == SCR_SUCCESS);
	char *slash = strrchr(routed, '/');
	if (slash) {
		/* a path inside the cache given back as a name */
		snprintf(slash + 1, sizeof(routed) - (size_t)(slash + 1 - routed), "x.txt");
		CHECK(SCR_Route_file(routed, file) != SCR_SUCCESS);
	}
	CHECK(SCR_Complete_output(0) != SCR_SUCCESS);
	CHECK(access(".scr/x", F_OK) != 0);

	/* one rank says invalid: failure everywhere, not kept */
	CHECK(SCR_Start_output("bad.1", SCR_FLAG_CHECKPOINT) == SCR_SUCCESS);
	snprintf(file, sizeof(file), "bad.1/r%d.txt", rank);
	write_file(file, "bad");
	CHECK(SCR_Complete_output(rank != nranks - 1) != SCR_SUCCESS);
	/* a routed file that was never written: failure too */
	CHECK(SCR_Start_output("bad.2", SCR_FLAG_CHECKPOINT) == SCR_SUCCESS);
	snprintf(file, sizeof(file), "bad.2/r%d.txt", rank);
	CHECK(SCR_Route_file(file, routed) == SCR_SUCCESS);
	if (rank != 0)
		write_file(file, "bad");
	CHECK(SCR_Complete_output(1) != SCR_SUCCESS);

	/* an invalid dataset leaves nothing in cache */
	CHECK(SCR_Start_output("bad.3", SCR_FLAG_CHECKPOINT) == SCR_SUCCESS);
	snprintf(file, sizeof(file), "bad.3/r%d.txt", rank);
	write_file(file, "bad");
	CHECK(SCR_Route_file(file, routed) == SCR_SUCCESS);
	CHECK(SCR_Complete_output(0) != SCR_SUCCESS);
	CHECK(access(routed, F_OK) != 0);

	/* a file that cannot be routed into the cache is written in place and
	 * the dataset is not complete: here "z" is a cached file, so the cache
	 * cannot hold "z/inner.txt" */
	CHECK(SCR_Start_output("bad.4", SCR_FLAG_CHECKPOINT) == SCR_SUCCESS);
	snprintf(file, sizeof(file), "z%d", rank);
	write_file(file, "z");
	snprintf(file, sizeof(file), "z%d/inner.txt", rank);
	CHECK(SCR_Route_file(file, routed) == SCR_SUCCESS);
	CHECK(strstr(routed, "/cache/") == NULL);
	FILE *fp = fopen(routed, "w");
	CHECK(fp != NULL);
	if (fp)
		fclose(fp);
	CHECK(SCR_Complete_output(1) != SCR_SUCCESS);

	/* two outputs writing the same path: the first is superseded when the
	 * second is flushed, and deleting it keeps the second's file */
	for (int k = 1; k <= 2; k++) {
		snprintf(name, sizeof(name), "s.%d", k);
		CHECK(SCR_Start_output(name, SCR_FLAG_OUTPUT) == SCR_SUCCESS);
		snprintf(file, sizeof(file), "shared/r%d.txt", rank);
		write_file(file, name);
		CHECK(SCR_Complete_output(1) == SCR_SUCCESS);
	}
	CHECK(SCR_Delete("s.1") == SCR_SUCCESS);
	CHECK(file_has(file, "s.2"));

	/* an output whose flush fails is reported, kept, and retried at
	 * finalize: a directory sits where rank 0's file must go */
	if (rank == 0) {
		mkdir("o.2", 0755);
		mkdir("o.2/r0.txt", 0755);
	}
	MPI_Barrier(MPI_COMM_WORLD);
	CHECK(SCR_Start_output("o.2", SCR_FLAG_OUTPUT) == SCR_SUCCESS);
	snprintf(file, sizeof(file), "o.2/r%d.txt", rank);
	write_file(file, "late output");
	CHECK(SCR_Complete_output(1) != SCR_SUCCESS);
	MPI_Barrier(MPI_COMM_WORLD);
	if (rank == 0)
		rmdir("o.2/r0.txt");   /* the next flush, at SCR_Finalize, can succeed */

	/* the legacy calls make a checkpoint too; then drop it again */
	CHECK(SCR_Start_checkpoint() == SCR_SUCCESS);
	snprintf(file, sizeof(file), "legacy/r%d.txt", rank);
	write_file(file, "legacy");
	CHECK(SCR_Complete_checkpoint(1) == SCR_SUCCESS);
	/* legacy checkpoints are named after their id: the 11th dataset here */
	CHECK(file_has(".scr/index.scr", "name=scr.dataset.12"));
	/* rank 0 edits the index in the calls below: read it first everywhere */
	MPI_Barrier(MPI_COMM_WORLD);
	/* SCR_Delete removes the output's files from the prefix */
	CHECK(SCR_Delete("o.1") == SCR_SUCCESS);
	snprintf(file, sizeof(file), "o.1/r%d.txt", rank);
	CHECK(access(file, F_OK) != 0);
	CHECK(!file_has(".scr/index.scr", "name=o.1"));
	CHECK(SCR_Drop("scr.dataset.12") == SCR_SUCCESS);
	CHECK(!file_has(".scr/index.scr", "name=scr.dataset.12"));
	CHECK(SCR_Drop("no-such-dataset") != SCR_SUCCESS);
	CHECK(file_has(".scr/index.scr", "name=a.2"));
}

static void phase_restart(void)
{
	int have = 0;
	char name[SCR_MAX_FILENAME], file[SCR_MAX_FILENAME], path[64];
	CHECK(SCR_Have_restart(&have, name) == SCR_SUCCESS);
	CHECK(have && strcmp(name, "a.2") == 0);   /* newest valid: not bad.*, not dropped */
	snprintf(file, sizeof(file), "o.2/r%d.txt", rank);
	CHECK(file_has(file, "late output"));      /* retried at the last SCR_Finalize */

	/* SCR_Current picks the older one */
	CHECK(SCR_Current("a.1") == SCR_SUCCESS);
	CHECK(SCR_Current("no-such-dataset") != SCR_SUCCESS);
	CHECK(SCR_Have_restart(&have, name) == SCR_SUCCESS);
	CHECK(have && strcmp(name, "a.1") == 0);

	CHECK(SCR_Start_restart(name) == SCR_SUCCESS);
	CHECK(SCR_Start_output("x", SCR_FLAG_CHECKPOINT) != SCR_SUCCESS);
	snprintf(path, sizeof(path), "a.1/r%d.txt", rank);
	CHECK(SCR_Route_file(path, file) == SCR_SUCCESS);
	CHECK(file_has(file, "a.1"));
	CHECK(SCR_Route_file("a.1/not-there.txt", file) != SCR_SUCCESS);
	CHECK(SCR_Complete_restart(1) == SCR_SUCCESS);
	CHECK(SCR_Have_restart(&have, name) == SCR_SUCCESS);
	CHECK(!have);
	CHECK(SCR_Complete_restart(1) != SCR_SUCCESS);   /* not in a restart */
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	int restart = argc > 1 && !strcmp(argv[1], "restart");

	/* SCR_Config before SCR_Init: set, query (a copy to free), printf form */
	SCR_Config("SCR_FLUSH=1");
	SCR_Configf("SCR_CHECKPOINT_INTERVAL=%d", 3);
	const char *v = SCR_Config("SCR_FLUSH");
	CHECK(v && strcmp(v, "1") == 0);
	free((char *)v);
	v = SCR_Config("SCR_CHECKPOINT_INTERVAL");
	CHECK(v && strcmp(v, "3") == 0);
	free((char *)v);
	CHECK(strncmp(SCR_Get_version(), "v", 1) == 0);

	CHECK(SCR_Init() == SCR_SUCCESS);
	CHECK(SCR_Init() != SCR_SUCCESS);    /* twice */
	if (restart)
		phase_restart();
	else
		phase_write();
	int flag = 1;
	CHECK(SCR_Should_exit(&flag) == SCR_SUCCESS && !flag);
	CHECK(SCR_Finalize() == SCR_SUCCESS);

	int all[2] = { 0, 0 }, mine[2] = { checks, failed };
	MPI_Reduce(mine, all, 2, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
	if (rank == 0)
		printf("api_semantics: %d checks, %d failed\n", all[0], all[1]);
	MPI_Bcast(all, 2, MPI_INT, 0, MPI_COMM_WORLD);
	MPI_Finalize();
	return all[1] ? 1 : 0;
}
