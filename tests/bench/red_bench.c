/*
 * Redundancy cost through the SCR API, against baselines measured in the
 * same run. Two modes, each one MPI job:
 *
 *   red_bench write SCHEME MIB BASELINE_DIR REPS
 *     Every rank writes MIB MiB (a) straight to BASELINE_DIR/plain_<rank>.dat
 *     and (b) as a checkpoint through the API, alternately protected by
 *     SINGLE (odd dataset ids) and SCHEME (even ids, CKPT descriptors), REPS
 *     times each; the last checkpoint is SCHEME's and stays in cache, the
 *     last plain files stay in BASELINE_DIR (the "prefix" copy for restart).
 *     Prints completion/write per scheme and the encode rate, (completion
 *     with SCHEME - completion with SINGLE) per rank's bytes, against the
 *     ISA-L kernel on in-memory blocks of the same set shape, timed here.
 *
 *   red_bench restart MIB BASELINE_DIR LOST_NODE [LABEL]
 *     Times SCR_Init (which finds the restart dataset, rebuilding the files
 *     of a lost node), restarts from it and checks every byte, and times the
 *     ranks of LOST_NODE reading their plain files back from BASELINE_DIR
 *     (and, for context, every rank reading its own). run.sh sets the
 *     SCR_Init times of runs with and without a lost node against each
 *     other: the difference is the rebuild.
 *
 * Every time is the slowest rank's, after a barrier; the minimum over
 * repetitions is kept for each figure (RED_BENCH_VERBOSE=1 prints each).
 * Nothing is asserted on time.
 */
#include "scr.h"
#include "kernels.h"
#include "sets.h"

#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CHUNK ((size_t)1 << 20)   /* I/O size, and the library's RED_PIECE */

static int rank, nranks;

static void die(const char *what)
{
	fprintf(stderr, "red_bench: rank %d: %s\n", rank, what);
	MPI_Abort(MPI_COMM_WORLD, 1);
}

/* Collectives the waiting ranks sleep through: Open MPI's blocking ones
 * poll, and with more ranks than cores a rank that is done would take CPU
 * from the ranks still being timed (or from a rank timing alone). */
static void sleepy_wait(MPI_Request *req)
{
	int done = 0;
	while (MPI_Test(req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done)
		usleep(1000);
}

static void sleepy_barrier(void)
{
	MPI_Request req;
	MPI_Ibarrier(MPI_COMM_WORLD, &req);
	sleepy_wait(&req);
}

/* the slowest rank's time, on every rank */
static double slowest(double t)
{
	double m = t;
	MPI_Request req;
	MPI_Iallreduce(&t, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD, &req);
	sleepy_wait(&req);
	return m;
}

static void fill(char *buf, size_t i)
{
	for (size_t b = 0; b < CHUNK; b++)
		buf[b] = (char)(b * 7 + (size_t)rank * 13 + i);
}

static double write_file(const char *path, char *buf, size_t nchunks)
{
	double t = MPI_Wtime();
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(path);
	for (size_t i = 0; i < nchunks; i++) {
		buf[0] = (char)i;   /* chunks differ, as real data does */
		if (write(fd, buf, CHUNK) != (ssize_t)CHUNK)
			die("short write");
	}
	if (close(fd))
		die("close");
	return MPI_Wtime() - t;
}

/* reads the file; with want, checks it holds what write_file wrote */
static double read_file(const char *path, char *buf, const char *want, size_t nchunks, int *ok)
{
	double t = MPI_Wtime();
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		*ok = 0;
		return 0;
	}
	for (size_t i = 0; i < nchunks; i++) {
		if (read(fd, buf, CHUNK) != (ssize_t)CHUNK) {
			*ok = 0;
			break;
		}
		if (want && (buf[0] != (char)i || memcmp(buf + 1, want + 1, CHUNK - 1)))
			*ok = 0;
	}
	close(fd);
	return MPI_Wtime() - t;
}

static const char *node_name(void)
{
	static char host[256];
	const char *n = getenv("SCR_NODE_NAME");
	if (n && *n)
		return n;
	gethostname(host, sizeof(host) - 1);
	return host;
}

static int env_int(const char *name, int dflt)
{
	const char *v = getenv(name);
	return v && *v ? atoi(v) : dflt;
}

/* The smallest and largest set the library builds for this job: the same
 * rule (sets.h) on every rank's node name. */
static void set_shape(int set_size, int *smin, int *smax)
{
	char mine[256] = { 0 };
	snprintf(mine, sizeof(mine), "%s", node_name());
	char *all = malloc((size_t)nranks * sizeof(mine));
	const char **groups = malloc((size_t)nranks * sizeof(*groups));
	int *ids = malloc((size_t)nranks * sizeof(int));
	int *set_of = malloc((size_t)nranks * sizeof(int));
	int *pos_of = malloc((size_t)nranks * sizeof(int));
	int *size = calloc((size_t)nranks, sizeof(int));
	if (!all || !groups || !ids || !set_of || !pos_of || !size)
		die("out of memory");
	MPI_Allgather(mine, (int)sizeof(mine), MPI_CHAR, all, (int)sizeof(mine), MPI_CHAR,
		      MPI_COMM_WORLD);
	for (int r = 0; r < nranks; r++)
		groups[r] = all + (size_t)r * sizeof(mine);
	int nsets = scr_red_group_ids(nranks, groups, ids) == 0
		? scr_red_build_sets(nranks, ids, set_size, set_of, pos_of) : -1;
	*smin = *smax = 0;
	if (nsets > 0) {
		for (int r = 0; r < nranks; r++)
			size[set_of[r]]++;
		*smin = *smax = size[0];
		for (int s = 1; s < nsets; s++) {
			*smin = size[s] < *smin ? size[s] : *smin;
			*smax = size[s] > *smax ? size[s] : *smax;
		}
	}
	free(all);
	free(groups);
	free(ids);
	free(set_of);
	free(pos_of);
	free(size);
}

/*
 * The arithmetic one set member does to encode `bytes` of its data, as the
 * library cuts it: chunk = bytes / k, processed in pieces of k blocks of at
 * most 1 MiB, two pieces' buffers used in turn. Returns the seconds.
 */
static double kernel_time(int k, int m, size_t bytes)
{
	unsigned char *data[2][64], *par[2][64];
	if (k < 1 || k > 64 || m < 1 || m > 64)
		die("set shape out of range");
	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < k; i++) {
			if (!(data[s][i] = aligned_alloc(64, CHUNK)))
				die("out of memory");
			for (size_t b = 0; b < CHUNK; b++)
				data[s][i][b] = (unsigned char)(b * 7 + (size_t)i * 13 + (size_t)s);
		}
		for (int q = 0; q < m; q++)
			if (!(par[s][q] = aligned_alloc(64, CHUNK)))
				die("out of memory");
	}
	struct scr_rs rs;
	if (m > 1 && scr_rs_init(&rs, k, m))
		die("scr_rs_init");
	size_t chunk = (bytes + (size_t)k - 1) / (size_t)k;
	double t = MPI_Wtime();
	for (size_t off = 0, i = 0; off < chunk; off += CHUNK, i++) {
		size_t len = chunk - off < CHUNK ? chunk - off : CHUNK;
		if (m == 1)
			scr_xor_parity(par[i & 1][0], data[i & 1], k, len);
		else
			scr_rs_encode(&rs, len, data[i & 1], par[i & 1]);
	}
	t = MPI_Wtime() - t;
	if (m > 1)
		scr_rs_release(&rs);
	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < k; i++)
			free(data[s][i]);
		for (int q = 0; q < m; q++)
			free(par[s][q]);
	}
	return t;
}

struct ckpt_time {
	double write, complete;
};

static struct ckpt_time checkpoint(char *buf, size_t nchunks)
{
	char rel[256], file[SCR_MAX_FILENAME];
	sleepy_barrier();
	double t0 = MPI_Wtime();
	if (SCR_Start_output(NULL, SCR_FLAG_CHECKPOINT) != SCR_SUCCESS)
		die("SCR_Start_output");
	snprintf(rel, sizeof(rel), "bench/rank_%d.dat", rank);
	if (SCR_Route_file(rel, file) != SCR_SUCCESS)
		die("SCR_Route_file");
	write_file(file, buf, nchunks);
	double t1 = MPI_Wtime();
	if (SCR_Complete_output(1) != SCR_SUCCESS)
		die("SCR_Complete_output");
	double t2 = MPI_Wtime();
	return (struct ckpt_time){ slowest(t1 - t0), slowest(t2 - t1) };
}

static void keep_min(struct ckpt_time *best, struct ckpt_time t, int first)
{
	if (first || t.write < best->write)
		best->write = t.write;
	if (first || t.complete < best->complete)
		best->complete = t.complete;
}

static int mode_write(const char *scheme, size_t mib, const char *dir, int reps)
{
	int set_size = env_int("SCR_SET_SIZE", 8), failures = env_int("SCR_SET_FAILURES", 2);
	int m = !strcasecmp(scheme, "XOR") ? 1 : !strcasecmp(scheme, "RS") ? failures : 0;
	/* odd dataset ids SINGLE, even ids the scheme: both in this one job */
	SCR_Config("CKPT=0 INTERVAL=1 TYPE=SINGLE");
	SCR_Configf("CKPT=1 INTERVAL=2 TYPE=%s", scheme);
	if (SCR_Init() != SCR_SUCCESS)
		die("SCR_Init");
	int smin = 0, smax = 0;
	set_shape(set_size, &smin, &smax);
	int k = smin - m;
	size_t bytes = mib * CHUNK;

	/* the kernel alone: on rank 0 with the other ranks asleep, then on
	 * every rank at once (as the encode runs); best of 2 */
	double solo = 0, all = 0;
	if (m > 0 && k > 0) {
		for (int rep = 0; rep < 2; rep++) {
			sleepy_barrier();
			double t = rank == 0 ? kernel_time(k, m, bytes) : 0;
			sleepy_barrier();
			MPI_Bcast(&t, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
			if (!rep || t < solo)
				solo = t;
			sleepy_barrier();
			t = slowest(kernel_time(k, m, bytes));
			if (!rep || t < all)
				all = t;
		}
	}

	char *buf = malloc(CHUNK);
	if (!buf)
		die("out of memory");
	fill(buf, 0);
	char path[4096];
	snprintf(path, sizeof(path), "%s/plain_%d.dat", dir, rank);
	double plain = 0;
	struct ckpt_time single = { 0, 0 }, red = { 0, 0 };
	for (int rep = 0; rep < reps; rep++) {
		sleepy_barrier();
		double t = slowest(write_file(path, buf, mib));
		if (rep + 1 < reps)
			unlink(path);
		if (!rep || t < plain)
			plain = t;
		struct ckpt_time a = checkpoint(buf, mib), b = checkpoint(buf, mib);
		if (getenv("RED_BENCH_VERBOSE") && rank == 0)
			printf("  rep %d: plain %.3f, SINGLE %.3f + %.3f, %s %.3f + %.3f\n", rep, t,
			       a.write, a.complete, scheme, b.write, b.complete);
		keep_min(&single, a, !rep);
		keep_min(&red, b, !rep);
	}

	if (rank == 0) {
		const char *names[2] = { "SINGLE", scheme };
		struct ckpt_time *ct[2] = { &single, &red };
		printf("  plain write of %zu MiB/rank: %.3f s (%.0f MB/s per rank)\n", mib, plain,
		       (double)bytes / 1e6 / plain);
		for (int i = 0; i < 2; i++)
			printf("  %-7s checkpoint: write %.3f s, completion %.3f s: "
			       "completion/write %.3f, (start..complete)/write %.3f\n",
			       names[i], ct[i]->write, ct[i]->complete, ct[i]->complete / plain,
			       (ct[i]->write + ct[i]->complete) / plain);
		double enc = red.complete - single.complete;
		printf("  %s encode = completion %s - completion SINGLE = %.3f s", scheme, scheme,
		       enc);
		if (enc > 0)
			printf(", %.0f MB/s per rank", (double)bytes / 1e6 / enc);
		printf("\n");
		if (m > 0 && k > 0) {
			printf("  kernel %s, sets of %d ranks (k=%d data + m=%d parity blocks of 1 MiB, "
			       "two such buffer sets in turn as the encode uses them: cache-warm), "
			       "%zu MiB per rank: alone %.4f s = %.0f MB/s; on all %d ranks at once "
			       "%.4f s = %.0f MB/s per rank\n",
			       m == 1 ? "scr_xor_parity" : "scr_rs_encode", smin, k, m, mib, solo,
			       (double)bytes / 1e6 / solo, nranks, all, (double)bytes / 1e6 / all);
			if (smin != smax)
				printf("  (sets of %d to %d ranks: kernel timed for the smallest)\n",
				       smin, smax);
			if (enc > 0)
				printf("  encode rate / kernel rate: %.3f against the kernel alone, "
				       "%.3f against the kernel on all ranks at once (target >= 0.8; "
				       "%d ranks share %ld cores here)\n",
				       solo / enc, all / enc, nranks, sysconf(_SC_NPROCESSORS_ONLN));
			else
				printf("  encode rate / kernel rate: n/a (encode time within noise)\n");
		} else if (!strcasecmp(scheme, "PARTNER")) {
			printf("  (%s copies, no parity kernel to compare with)\n", scheme);
		}
		/* for the summary table of run.sh */
		printf("@ single_cw=%.3f scheme_cw=%.3f", single.complete / plain,
		       red.complete / plain);
		if (m > 0 && k > 0 && enc > 0)
			printf(" enc_solo=%.3f enc_all=%.3f", solo / enc, all / enc);
		printf("\n");
	}
	free(buf);
	SCR_Finalize();
	return 0;
}

static int mode_restart(size_t mib, const char *dir, const char *lost, const char *label)
{
	sleepy_barrier();
	double t0 = MPI_Wtime();
	if (SCR_Init() != SCR_SUCCESS)
		die("SCR_Init");
	double init = slowest(MPI_Wtime() - t0);

	char *buf = malloc(CHUNK), *want = malloc(CHUNK);
	if (!buf || !want)
		die("out of memory");
	fill(want, 0);
	int have = 0, ok = 1;
	char name[SCR_MAX_FILENAME], rel[256], file[SCR_MAX_FILENAME];
	if (SCR_Have_restart(&have, name) != SCR_SUCCESS || !have) {
		ok = 0;
	} else {
		SCR_Start_restart(name);
		snprintf(rel, sizeof(rel), "bench/rank_%d.dat", rank);
		if (SCR_Route_file(rel, file) != SCR_SUCCESS)
			ok = 0;
		else
			read_file(file, buf, want, mib, &ok);
		SCR_Complete_restart(ok);
	}
	int all_ok = 0;
	MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);

	/* the lost node's bytes read back from the prefix copy, and for
	 * context every rank's (a restart from the prefix): best of 2 */
	int on_lost = !strcmp(node_name(), lost), lost_ranks = 0;
	MPI_Allreduce(&on_lost, &lost_ranks, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	double rd = 0, rd_all = 0;
	char path[4096];
	snprintf(path, sizeof(path), "%s/plain_%d.dat", dir, rank);
	for (int rep = 0; rep < 4; rep++) {
		int rok = 1, mine = rep < 2 ? on_lost : 1;
		sleepy_barrier();
		double t = slowest(mine ? read_file(path, buf, NULL, mib, &rok) : 0);
		if (!rok)
			die("cannot read the prefix copy");
		double *best = rep < 2 ? &rd : &rd_all;
		if (!(rep & 1) || t < *best)
			*best = t;
	}
	if (rank == 0) {
		printf("  restart, %s: SCR_Init %.3f s; all %d ranks' data %s; %s's %zu MiB "
		       "(%d rank(s)) read from the prefix copy in %.3f s, every rank's in %.3f s\n",
		       label, init, nranks, all_ok ? "read back and verified" :
		       "NOT RESTORED (restart failed)", lost, mib * (size_t)lost_ranks, lost_ranks,
		       rd, rd_all);
		printf("@ init=%.6f read=%.6f read_all=%.6f\n", init, rd, rd_all);
	}
	free(buf);
	free(want);
	SCR_Finalize();
	return all_ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	int rc = 2;
	if (argc >= 6 && !strcmp(argv[1], "write"))
		rc = mode_write(argv[2], (size_t)atol(argv[3]), argv[4], atoi(argv[5]));
	else if (argc >= 5 && !strcmp(argv[1], "restart"))
		rc = mode_restart((size_t)atol(argv[2]), argv[3], argv[4],
				  argc > 5 ? argv[5] : "");
	else if (rank == 0)
		fprintf(stderr, "usage: red_bench write SCHEME MIB BASELINE_DIR REPS\n"
				"       red_bench restart MIB BASELINE_DIR LOST_NODE [LABEL]\n");
	MPI_Finalize();
	return rc;
}
