/*
 * An unmodified MPI application (it knows nothing of SCR) that checkpoints
 * with stdio: fopen/fwrite/fclose, one file per rank in
 * D/ckpt.<step>/rank_<r>.dat. There is no marker file: on start rank 0 lists
 * D with opendir/readdir and takes the highest step whose ckpt.<step>
 * directory holds a file for every rank (checked with stat), the way
 * LAMMPS-like codes find their restart files. Used by the transparent-mode
 * (LD_PRELOAD) tests. State, advance() and result are the same as
 * tests/mpi/api_app.c, so results are comparable for the same arguments.
 *
 *   stdio_app [--steps N] [--every K] [--bytes B] [--die-at S] [--dir D]
 *             [--expect-restart S] [--pause-ms N]
 *
 * --pause-ms N  after each checkpoint, before the --die-at check, every rank
 *               sleeps N ms (default 0): compute time in which a background
 *               system can act on the checkpoint
 * Exit: 0 ok, 2 usage, 3 expectation failed, 4 bad/missing checkpoint or I/O.
 */
#define _GNU_SOURCE
#include <mpi.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define APP "stdio_app"

struct opts {
	int steps, every, die_at, expect_restart, pause_ms;
	long bytes;
	const char *dir;
};

static int rank, nranks;
static struct opts o;

static void usage(void)
{
	if (rank == 0)
		fprintf(stderr, "usage: " APP " [--steps N] [--every K] [--bytes B] [--die-at S] "
			"[--dir D] [--expect-restart S] [--pause-ms N]\n");
	MPI_Finalize();
	exit(2);
}

static int int_arg(const char *v)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || *end || end == v || x < -1 || x > 1000000000L)
		usage();
	return (int)x;
}

static void parse(int argc, char **argv)
{
	o = (struct opts){ .steps = 10, .every = 2, .bytes = 65536, .expect_restart = -1,
			   .dir = "ckpt" };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			usage();
		if (!strcmp(a, "--steps")) o.steps = int_arg(v);
		else if (!strcmp(a, "--every")) o.every = int_arg(v);
		else if (!strcmp(a, "--bytes")) o.bytes = int_arg(v);
		else if (!strcmp(a, "--die-at")) o.die_at = int_arg(v);
		else if (!strcmp(a, "--expect-restart")) o.expect_restart = int_arg(v);
		else if (!strcmp(a, "--pause-ms")) o.pause_ms = int_arg(v);
		else if (!strcmp(a, "--dir")) o.dir = v;
		else usage();
		i++;
	}
	if (o.steps < 1 || o.every < 1 || o.bytes < 1 || o.die_at < 0 || o.pause_ms < 0 ||
	    !*o.dir)
		usage();
}

/* ---- state: identical to tests/mpi/api_app.c ---- */

static size_t state_size(void)
{
	return (size_t)o.bytes + (size_t)rank * 1031;
}

static void init_state(unsigned char *st, size_t n)
{
	for (size_t i = 0; i < n; i++)
		st[i] = (unsigned char)(i * 31 + rank * 7);
}

static void advance(unsigned char *st, size_t n, int step)
{
	unsigned long local = 0, global = 0;
	for (size_t i = 0; i < n; i += 97)
		local += st[i];
	MPI_Allreduce(&local, &global, 1, MPI_UNSIGNED_LONG, MPI_SUM, MPI_COMM_WORLD);
	unsigned char carry = (unsigned char)(global + (unsigned long)step);
	for (size_t i = 0; i < n; i++) {
		unsigned char v = (unsigned char)(st[i] * 5 + carry + (unsigned char)step);
		carry = st[i];
		st[i] = v;
	}
}

/* ---- file format: header, then the payload bytes ---- */

struct header {
	uint64_t magic, step, size, crc;
};
#define APP_MAGIC 0x6170706b70747631ULL

static void die_io(const char *what, const char *path)
{
	fprintf(stderr, APP ": rank %d: %s %s: %s\n", rank, what, path, strerror(errno));
	MPI_Abort(MPI_COMM_WORLD, 4);
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die_io("cannot create directory", path);
}

static void make_dirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			make_dir(buf);
			*p = '/';
		}
	make_dir(buf);
}

static void checkpoint(int step, const unsigned char *st, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/ckpt.%d", o.dir, step);
	if (rank == 0)
		make_dir(path);
	MPI_Barrier(MPI_COMM_WORLD);
	snprintf(path, sizeof(path), "%s/ckpt.%d/rank_%d.dat", o.dir, step, rank);
	FILE *fp = fopen(path, "wb");
	if (!fp)
		die_io("cannot create", path);
	struct header h = { APP_MAGIC, (uint64_t)step, n, crc32(0, st, (uInt)n) };
	if (fwrite(&h, sizeof(h), 1, fp) != 1)
		die_io("cannot write", path);
	/* the payload in pieces, as a code writing its arrays one by one would */
	for (size_t off = 0; off < n; off += 10000) {
		size_t len = n - off < 10000 ? n - off : 10000;
		if (fwrite(st + off, 1, len, fp) != len)
			die_io("cannot write", path);
	}
	if (fclose(fp) != 0)
		die_io("cannot close", path);
	MPI_Barrier(MPI_COMM_WORLD);
	if (rank == 0) {
		printf(APP ": checkpoint at step %d\n", step);
		fflush(stdout);
	}
}

/* Sleeps ms milliseconds (the rest of it again if a signal interrupts). */
static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* "ckpt.<digits>" -> step, else -1 */
static int dir_step(const char *name)
{
	if (strncmp(name, "ckpt.", 5) || !name[5])
		return -1;
	long s = 0;
	for (const char *p = name + 5; *p; p++) {
		if (*p < '0' || *p > '9' || s > 100000000L)
			return -1;
		s = s * 10 + (*p - '0');
	}
	return s > 0 ? (int)s : -1;
}

static int complete(int step)
{
	for (int r = 0; r < nranks; r++) {
		char path[4096];
		struct stat sb;
		snprintf(path, sizeof(path), "%s/ckpt.%d/rank_%d.dat", o.dir, step, r);
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			fprintf(stderr, APP ": skipping %s/ckpt.%d: no file for rank %d\n", o.dir,
				step, r);
			return 0;
		}
	}
	return 1;
}

static int cmp_desc(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x < y) - (x > y);
}

/* Rank 0: the highest complete checkpoint step in D, or 0. */
static int find_latest(void)
{
	DIR *d = opendir(o.dir);
	if (!d)
		die_io("cannot list", o.dir);
	int *steps = NULL, count = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		int s = dir_step(e->d_name);
		if (s < 0)
			continue;
		if (count == cap) {
			cap = cap ? 2 * cap : 16;
			steps = realloc(steps, (size_t)cap * sizeof(int));
			if (!steps)
				MPI_Abort(MPI_COMM_WORLD, 1);
		}
		steps[count++] = s;
	}
	closedir(d);
	qsort(steps, (size_t)count, sizeof(int), cmp_desc);
	int found = 0;
	for (int i = 0; i < count && !found; i++)
		if (complete(steps[i]))
			found = steps[i];
	free(steps);
	return found;
}

static int read_ckpt(int step, unsigned char *st, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/ckpt.%d/rank_%d.dat", o.dir, step, rank);
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, APP ": rank %d: cannot open %s: %s\n", rank, path, strerror(errno));
		return -1;
	}
	struct header h;
	const char *err = NULL;
	if (fread(&h, sizeof(h), 1, fp) != 1)
		err = "short header";
	else if (h.magic != APP_MAGIC)
		err = "bad magic";
	else if (h.step != (uint64_t)step)
		err = "wrong step in header";
	else if (h.size != n)
		err = "wrong payload length in header";
	else if (fread(st, 1, n, fp) != n)
		err = "short payload";
	else if (h.crc != crc32(0, st, (uInt)n))
		err = "crc32 mismatch";
	else if (fgetc(fp) != EOF)
		err = "trailing data after payload";
	else if (ferror(fp))
		err = "read error";
	fclose(fp);
	if (err) {
		fprintf(stderr, APP ": rank %d: bad checkpoint file %s: %s\n", rank, path, err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	parse(argc, argv);

	size_t n = state_size();
	unsigned char *st = malloc(n);
	if (!st)
		MPI_Abort(MPI_COMM_WORLD, 1);

	int start = 0;
	if (rank == 0) {
		make_dirs(o.dir);
		start = find_latest();
	}
	MPI_Bcast(&start, 1, MPI_INT, 0, MPI_COMM_WORLD);
	if (start > 0) {
		int ok = read_ckpt(start, st, n) == 0, all_ok = 0;
		MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
		if (!all_ok) {
			if (rank == 0)
				fprintf(stderr, APP ": cannot restart from %s/ckpt.%d\n", o.dir, start);
			MPI_Finalize();
			return 4;
		}
	} else {
		init_state(st, n);
	}
	if (rank == 0) {
		if (start)
			printf(APP ": restarted from step %d\n", start);
		else
			printf(APP ": starting fresh\n");
		fflush(stdout);
	}
	if (o.expect_restart >= 0 && start != o.expect_restart) {
		if (rank == 0)
			fprintf(stderr, APP ": expected restart from step %d, got %d\n",
				o.expect_restart, start);
		MPI_Finalize();
		return 3;
	}

	for (int step = start + 1; step <= o.steps; step++) {
		advance(st, n, step);
		if (step % o.every == 0) {
			checkpoint(step, st, n);
			if (o.pause_ms > 0)
				sleep_ms(o.pause_ms);
		}
		if (step == o.die_at) {
			if (rank == 0) {
				printf(APP ": killed at step %d\n", step);
				fflush(stdout);
			}
			fflush(stdout);
			MPI_Barrier(MPI_COMM_WORLD);
			raise(SIGKILL);
		}
	}

	unsigned long mine = crc32(0, st, (uInt)n), sum = 0;
	MPI_Reduce(&mine, &sum, 1, MPI_UNSIGNED_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
	if (rank == 0)
		printf(APP ": result %lx\n", sum);
	free(st);
	MPI_Finalize();
	return 0;
}
