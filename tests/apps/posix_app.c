/*
 * An unmodified MPI application (it knows nothing of SCR) that checkpoints
 * with plain POSIX calls: open/write/close, one file per rank in
 * D/ckpt.<step>/rank_<r>.dat, then rank 0 writes the marker D/latest
 * ("<step> <nranks>") once every rank has closed its file. On start it reads
 * the marker and restarts from that checkpoint. Used by the transparent-mode
 * (LD_PRELOAD) tests. State, advance() and result are the same as
 * tests/mpi/api_app.c, so results are comparable for the same arguments.
 *
 *   posix_app [--steps N] [--every K] [--bytes B] [--die-at S] [--dir D]
 *             [--expect-restart S] [--files F] [--pwrite] [--rank0-only]
 *             [--tmp-rename] [--rdwr] [--append] [--backup] [--any-ranks]
 *             [--pause-ms N] [--die-writing S] [--strict-writes] [--same-name]
 *
 * --die-at S          SIGKILL every rank right after the checkpoint of step S
 * --die-writing S     in the checkpoint of step S, every rank but the last
 *                     writes and closes its files; the last writes half of
 *                     its first file, and with it still open every rank
 *                     SIGKILLs itself (no marker is written)
 * --expect-restart S  exit 3 unless the run restarted from step S (0: fresh)
 * --files F           each rank writes F files rank_<r>.<f>.dat (state split)
 * --pwrite            payload with pwrite in 3 chunks (back to front), header
 *                     last at offset 0, fsync before close; read with pread
 * --rank0-only        rank 0 gathers all states, writes D/ckpt.<step>/all.dat
 * --tmp-rename        write <name>.tmp, then rename() it onto <name>
 * --rdwr              open with O_RDWR|O_CREAT|O_TRUNC
 * --append            open with O_WRONLY|O_CREAT|O_APPEND
 * --backup            before checkpoint S, copy the previous checkpoint file(s)
 *                     to D/backup/<name>.bak (read back while writing the new)
 * --any-ranks         on restart read the files of every rank that wrote the
 *                     checkpoint (rank r takes r, r+n, ...), even if the
 *                     number of ranks changed
 * --same-name         every checkpoint rewrites the same files, D/state/<name>
 *                     (the header's step tells which checkpoint a file holds)
 * --strict-writes     a short write is an error (as many programs treat it):
 *                     each write must take the whole buffer at once
 * --pause-ms N        after each checkpoint (and its marker), before the
 *                     --die-at check, every rank sleeps N ms (default 0):
 *                     compute time in which a background system can act
 * Exit: 0 ok, 2 usage, 3 expectation failed, 4 bad/missing checkpoint or I/O.
 */
#define _GNU_SOURCE
#include <mpi.h>

#include <errno.h>
#include <fcntl.h>
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

#define APP "posix_app"

struct opts {
	int steps, every, die_at, die_writing, expect_restart, files, pause_ms;
	int pwrite, rank0_only, tmp_rename, rdwr, append, backup, any_ranks, strict_writes;
	int same_name;
	long bytes;
	const char *dir;
};

static int rank, nranks;
static struct opts o;

static void usage(void)
{
	if (rank == 0)
		fprintf(stderr, "usage: " APP " [--steps N] [--every K] [--bytes B] [--die-at S] "
			"[--dir D] [--expect-restart S] [--files F] [--pwrite] [--rank0-only] "
			"[--tmp-rename] [--rdwr] [--append] [--backup] [--any-ranks] "
			"[--pause-ms N] [--die-writing S] [--strict-writes] [--same-name]\n");
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
	o = (struct opts){ .steps = 10, .every = 2, .files = 1, .bytes = 65536,
			   .expect_restart = -1, .dir = "ckpt" };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--pwrite")) { o.pwrite = 1; continue; }
		if (!strcmp(a, "--rank0-only")) { o.rank0_only = 1; continue; }
		if (!strcmp(a, "--tmp-rename")) { o.tmp_rename = 1; continue; }
		if (!strcmp(a, "--rdwr")) { o.rdwr = 1; continue; }
		if (!strcmp(a, "--append")) { o.append = 1; continue; }
		if (!strcmp(a, "--backup")) { o.backup = 1; continue; }
		if (!strcmp(a, "--any-ranks")) { o.any_ranks = 1; continue; }
		if (!strcmp(a, "--strict-writes")) { o.strict_writes = 1; continue; }
		if (!strcmp(a, "--same-name")) { o.same_name = 1; continue; }
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			usage();
		if (!strcmp(a, "--steps")) o.steps = int_arg(v);
		else if (!strcmp(a, "--every")) o.every = int_arg(v);
		else if (!strcmp(a, "--bytes")) o.bytes = int_arg(v);
		else if (!strcmp(a, "--files")) o.files = int_arg(v);
		else if (!strcmp(a, "--die-at")) o.die_at = int_arg(v);
		else if (!strcmp(a, "--die-writing")) o.die_writing = int_arg(v);
		else if (!strcmp(a, "--expect-restart")) o.expect_restart = int_arg(v);
		else if (!strcmp(a, "--pause-ms")) o.pause_ms = int_arg(v);
		else if (!strcmp(a, "--dir")) o.dir = v;
		else usage();
		i++;
	}
	if (o.steps < 1 || o.every < 1 || o.files < 1 || o.bytes < 1 || o.die_at < 0 ||
	    o.die_writing < 0 || (o.die_writing && (o.rank0_only || o.tmp_rename)) || o.pause_ms < 0 || !*o.dir)
		usage();
	/* pwrite on an O_APPEND file appends on Linux: the two do not mix */
	if ((o.rdwr && o.append) || (o.pwrite && o.append))
		usage();
}

/* ---- state: identical to tests/mpi/api_app.c ---- */

static size_t state_size_of(int r)
{
	return (size_t)o.bytes + (size_t)r * 1031;
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

static void part(size_t n, int f, size_t *off, size_t *len)
{
	size_t chunk = n / (size_t)o.files;
	*off = chunk * (size_t)f;
	*len = f == o.files - 1 ? n - *off : chunk;
}

/* base: "rank_<r>" or "all"; one file: <base>.dat, else <base>.<f>.dat */
static void file_name(char *buf, size_t sz, const char *dir, int step, const char *base, int f,
		      const char *ext)
{
	if (step >= 0 && o.same_name && o.files == 1)
		snprintf(buf, sz, "%s/state/%s.%s", dir, base, ext);
	else if (step >= 0 && o.same_name)
		snprintf(buf, sz, "%s/state/%s.%d.%s", dir, base, f, ext);
	else if (step >= 0 && o.files == 1)
		snprintf(buf, sz, "%s/ckpt.%d/%s.%s", dir, step, base, ext);
	else if (step >= 0)
		snprintf(buf, sz, "%s/ckpt.%d/%s.%d.%s", dir, step, base, f, ext);
	else if (o.files == 1)
		snprintf(buf, sz, "%s/backup/%s.%s", dir, base, ext);
	else
		snprintf(buf, sz, "%s/backup/%s.%d.%s", dir, base, f, ext);
}

static void die_io(const char *what, const char *path)
{
	fprintf(stderr, APP ": rank %d: %s %s: %s\n", rank, what, path, strerror(errno));
	MPI_Abort(MPI_COMM_WORLD, 4);
}

static void write_all(int fd, const void *buf, size_t len, const char *path)
{
	const char *p = buf;
	while (len > 0) {
		errno = 0;
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die_io("cannot write", path);
		if (o.strict_writes && (size_t)w < len) {
			fprintf(stderr, APP ": rank %d: short write to %s: %zd of %zu bytes, errno %d\n",
				rank, path, w, len, errno);
			MPI_Abort(MPI_COMM_WORLD, 4);
		}
		p += w;
		len -= (size_t)w;
	}
}

static void pwrite_all(int fd, const void *buf, size_t len, off_t off, const char *path)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = pwrite(fd, p, len, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die_io("cannot pwrite", path);
		p += w;
		off += w;
		len -= (size_t)w;
	}
}

/* Reads up to len bytes (fewer only at end of file); -1 on error. */
static ssize_t read_full(int fd, void *buf, size_t len, off_t off, int positional)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t r = positional ? pread(fd, p + got, len - got, off + (off_t)got)
				       : read(fd, p + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static void write_file(const char *path, int step, const unsigned char *data, size_t len)
{
	char tmp[4200];
	const char *target = path;
	if (o.tmp_rename) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		target = tmp;
	}
	int flags = o.append ? O_WRONLY | O_CREAT | O_APPEND
		  : o.rdwr  ? O_RDWR | O_CREAT | O_TRUNC
			    : O_WRONLY | O_CREAT | O_TRUNC;
	int fd = open(target, flags, 0644);
	if (fd < 0)
		die_io("cannot create", target);
	struct header h = { APP_MAGIC, (uint64_t)step, len, crc32(0, data, (uInt)len) };
	if (o.pwrite) {
		/* three chunks, back to front, then the header at offset 0 */
		size_t c = len / 3;
		size_t offs[3] = { 0, c, 2 * c }, lens[3] = { c, c, len - 2 * c };
		for (int k = 2; k >= 0; k--)
			pwrite_all(fd, data + offs[k], lens[k], (off_t)(sizeof(h) + offs[k]), target);
		pwrite_all(fd, &h, sizeof(h), 0, target);
		if (fsync(fd) != 0)
			die_io("cannot fsync", target);
	} else {
		write_all(fd, &h, sizeof(h), target);
		write_all(fd, data, len, target);
	}
	if (close(fd) != 0)
		die_io("cannot close", target);
	if (o.tmp_rename && rename(tmp, path) != 0)
		die_io("cannot rename onto", path);
}

/* Reads and verifies one file into data; prints an error naming it and
 * returns -1 if it is missing or wrong. */
static int read_file(const char *path, int step, unsigned char *data, size_t len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, APP ": rank %d: cannot open %s: %s\n", rank, path, strerror(errno));
		return -1;
	}
	struct header h;
	const char *err = NULL;
	char extra;
	int pos = o.pwrite;
	ssize_t r = read_full(fd, &h, sizeof(h), 0, pos);
	if (r < 0)
		err = strerror(errno);
	else if (r != (ssize_t)sizeof(h))
		err = "short header";
	else if (h.magic != APP_MAGIC)
		err = "bad magic";
	else if (h.step != (uint64_t)step)
		err = "wrong step in header";
	else if (h.size != len)
		err = "wrong payload length in header";
	else if ((r = read_full(fd, data, len, sizeof(h), pos)) < 0)
		err = strerror(errno);
	else if ((size_t)r != len)
		err = "short payload";
	else if (h.crc != crc32(0, data, (uInt)len))
		err = "crc32 mismatch";
	else if (read_full(fd, &extra, 1, (off_t)(sizeof(h) + len), pos) != 0)
		err = "trailing data after payload";
	close(fd);
	if (err) {
		fprintf(stderr, APP ": rank %d: bad checkpoint file %s: %s\n", rank, path, err);
		return -1;
	}
	return 0;
}

/* Copies one previous checkpoint file to D/backup/<name>.bak. */
static void backup_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY);
	if (in < 0)
		die_io("cannot open previous checkpoint", from);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		die_io("cannot create", to);
	char buf[16384];
	ssize_t r;
	while ((r = read_full(in, buf, sizeof(buf), 0, 0)) > 0)
		write_all(out, buf, (size_t)r, to);
	if (r < 0)
		die_io("cannot read", from);
	close(in);
	if (close(out) != 0)
		die_io("cannot close", to);
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die_io("cannot create directory", path);
}

/* mkdir -p for the checkpoint root (it may be nested) */
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

/* ---- checkpoint / restart ---- */

static int *counts, *displs;	/* for --rank0-only: per-rank sizes */
static unsigned char *all;	/* for --rank0-only: rank 0's gather buffer */
static size_t all_size;

static void write_files(const char *base, int step, const unsigned char *data, size_t len)
{
	for (int f = 0; f < o.files; f++) {
		char path[4096];
		size_t off, plen;
		file_name(path, sizeof(path), o.dir, step, base, f, "dat");
		part(len, f, &off, &plen);
		write_file(path, step, data + off, plen);
	}
}

static void backup_files(const char *base, int prev)
{
	for (int f = 0; f < o.files; f++) {
		char from[4096], to[4096];
		file_name(from, sizeof(from), o.dir, prev, base, f, "dat");
		file_name(to, sizeof(to), o.dir, -1, base, f, "bak");
		backup_file(from, to);
	}
}

static int read_files(const char *base, int step, unsigned char *data, size_t len)
{
	for (int f = 0; f < o.files; f++) {
		char path[4096];
		size_t off, plen;
		file_name(path, sizeof(path), o.dir, step, base, f, "dat");
		part(len, f, &off, &plen);
		if (read_file(path, step, data + off, plen) != 0)
			return -1;
	}
	return 0;
}

/* --die-writing: the last rank's file of the checkpoint, half written and
 * left open, once every other rank has closed its files */
static void die_writing(const char *base, int step, const unsigned char *st, size_t n)
{
	char path[4096];
	file_name(path, sizeof(path), o.dir, step, base, 0, "dat");
	MPI_Barrier(MPI_COMM_WORLD);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die_io("cannot create", path);
	struct header h = { APP_MAGIC, (uint64_t)step, n, crc32(0, st, (uInt)n) };
	write_all(fd, &h, sizeof(h), path);
	write_all(fd, st, n / 2, path);
	printf(APP ": rank %d dies while writing %s\n", rank, path);
	fflush(stdout);
}

static void checkpoint(int step, int prev, const unsigned char *st, size_t n)
{
	char path[4096], base[64];
	if (rank == 0) {
		snprintf(path, sizeof(path), o.same_name ? "%s/state" : "%s/ckpt.%d", o.dir, step);
		make_dir(path);
	}
	MPI_Barrier(MPI_COMM_WORLD);
	snprintf(base, sizeof(base), "rank_%d", rank);
	if (o.rank0_only) {
		MPI_Gatherv(st, (int)n, MPI_UNSIGNED_CHAR, all, counts, displs, MPI_UNSIGNED_CHAR,
			    0, MPI_COMM_WORLD);
		if (rank == 0) {
			if (o.backup && prev > 0)
				backup_files("all", prev);
			write_files("all", step, all, all_size);
		}
	} else if (step == o.die_writing && rank == nranks - 1) {
		die_writing(base, step, st, n);
	} else {
		if (o.backup && prev > 0)
			backup_files(base, prev);
		write_files(base, step, st, n);
	}
	if (step == o.die_writing) {
		if (rank != nranks - 1)
			MPI_Barrier(MPI_COMM_WORLD);   /* closed: the last rank may start */
		MPI_Barrier(MPI_COMM_WORLD);           /* it holds a half-written file */
		raise(SIGKILL);
	}
	/* every rank has closed its file(s): now the marker */
	MPI_Barrier(MPI_COMM_WORLD);
	if (rank == 0) {
		char line[64];
		snprintf(path, sizeof(path), "%s/latest", o.dir);
		int len = snprintf(line, sizeof(line), "%d %d\n", step, nranks);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			die_io("cannot create", path);
		write_all(fd, line, (size_t)len, path);
		if (close(fd) != 0)
			die_io("cannot close", path);
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

/* Rank 0 reads D/latest: returns 0 (no marker), the step, or -1 (bad). */
static int read_marker(int *old_ranks)
{
	char path[4096], buf[128];
	snprintf(path, sizeof(path), "%s/latest", o.dir);
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, APP ": cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	ssize_t r = read_full(fd, buf, sizeof(buf) - 1, 0, 0);
	close(fd);
	int step = 0, nr = 0;
	char tail = 0;
	if (r > 0) {
		buf[r] = 0;
		if (sscanf(buf, "%d %d %c", &step, &nr, &tail) != 2)
			step = 0;
	}
	if (step < 1 || nr < 1) {
		fprintf(stderr, APP ": bad marker file %s\n", path);
		return -1;
	}
	*old_ranks = nr;
	return step;
}

/* Collective: exit 4 everywhere if any rank failed. */
static void check_all(int ok)
{
	int all_ok = 0;
	MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
	if (!all_ok) {
		if (rank == 0)
			fprintf(stderr, APP ": cannot restart: bad or missing checkpoint\n");
		MPI_Finalize();
		exit(4);
	}
}

/* Restart from step (written by old_ranks ranks); fills st. */
static void restart(int step, int old_ranks, unsigned char *st, size_t n)
{
	char base[64];
	int ok = 1, verified = 0;
	if (o.rank0_only) {
		/* all.dat holds old_ranks states back to back */
		size_t total = 0;
		for (int r = 0; r < old_ranks; r++)
			total += state_size_of(r);
		unsigned char *buf = NULL;
		if (rank == 0) {
			buf = malloc(total);
			if (!buf)
				MPI_Abort(MPI_COMM_WORLD, 1);
			ok = read_files("all", step, buf, total) == 0;
			verified = o.files;
		}
		check_all(ok);
		/* ranks the old run did not have start from the initial state */
		int *cnt = calloc((size_t)nranks, sizeof(int)), *dsp = calloc((size_t)nranks, sizeof(int));
		size_t off = 0;
		for (int r = 0; r < nranks && r < old_ranks; r++) {
			cnt[r] = (int)state_size_of(r);
			dsp[r] = (int)off;
			off += state_size_of(r);
		}
		MPI_Scatterv(buf, cnt, dsp, MPI_UNSIGNED_CHAR, st, rank < old_ranks ? (int)n : 0,
			     MPI_UNSIGNED_CHAR, 0, MPI_COMM_WORLD);
		if (rank >= old_ranks)
			init_state(st, n);
		free(cnt);
		free(dsp);
		free(buf);
	} else if (o.any_ranks) {
		/* rank r reads old ranks r, r+n, ...; keeps old rank r's state */
		for (int r = rank; r < old_ranks && ok; r += nranks) {
			size_t len = state_size_of(r);
			unsigned char *buf = r == rank ? st : malloc(len);
			if (!buf)
				MPI_Abort(MPI_COMM_WORLD, 1);
			snprintf(base, sizeof(base), "rank_%d", r);
			ok = read_files(base, step, buf, len) == 0;
			verified += o.files;
			if (buf != st)
				free(buf);
		}
		if (rank >= old_ranks)
			init_state(st, n);
		check_all(ok);
	} else {
		snprintf(base, sizeof(base), "rank_%d", rank);
		ok = read_files(base, step, st, n) == 0;
		verified = o.files;
		check_all(ok);
	}
	if (o.any_ranks) {
		int total = 0;
		MPI_Reduce(&verified, &total, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
		if (rank == 0)
			printf(APP ": verified %d files\n", total);
	}
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	parse(argc, argv);

	size_t n = state_size_of(rank);
	unsigned char *st = malloc(n);
	if (!st)
		MPI_Abort(MPI_COMM_WORLD, 1);
	if (o.rank0_only) {
		counts = calloc((size_t)nranks, sizeof(int));
		displs = calloc((size_t)nranks, sizeof(int));
		for (int r = 0; r < nranks; r++) {
			counts[r] = (int)state_size_of(r);
			displs[r] = (int)all_size;
			all_size += state_size_of(r);
		}
		if (rank == 0 && !(all = malloc(all_size)))
			MPI_Abort(MPI_COMM_WORLD, 1);
	}

	/* rank 0 finds the latest checkpoint through the marker */
	int info[2] = { 0, 0 };	/* step (-1: bad marker), ranks that wrote it */
	if (rank == 0) {
		make_dirs(o.dir);
		if (o.backup) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/backup", o.dir);
			make_dir(path);
		}
		info[0] = read_marker(&info[1]);
	}
	MPI_Bcast(info, 2, MPI_INT, 0, MPI_COMM_WORLD);
	int start = info[0];
	check_all(start >= 0);
	if (start > 0 && info[1] != nranks && !o.any_ranks) {
		if (rank == 0)
			fprintf(stderr, APP ": checkpoint %d in %s/latest was written by %d ranks, "
				"running on %d (use --any-ranks)\n", start, o.dir, info[1], nranks);
		check_all(0);
	}
	if (start > 0)
		restart(start, info[1], st, n);
	else
		init_state(st, n);
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

	/* the checkpoint this rank would back up first (none for new ranks) */
	int prev = start > 0 && rank < info[1] ? start : 0;
	for (int step = start + 1; step <= o.steps; step++) {
		advance(st, n, step);
		if (step % o.every == 0) {
			checkpoint(step, prev, st, n);
			prev = step;
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
	free(all);
	free(counts);
	free(displs);
	MPI_Finalize();
	return 0;
}
