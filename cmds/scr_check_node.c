/*
 * scr_check_node: is this node's local storage fit for the job? Checks each
 * cache base (every CACHE descriptor's, else SCR_CACHE_BASE) and the control
 * base the way the library will use them: the base exists or can be made,
 * the job's directories (core/base/layout.h) can be made, a test file survives a
 * write, fsync, read back and removal, and the cache has the free space the
 * job needs. Runs on one node; scr_list_down_nodes runs it on all of them
 * and reads its last line.
 *
 * Output: one line per check, then "<node>: ok" or "<node>: FAIL: <reason>"
 * (each reason names the directory and what would fix it).
 * Exit status: 0 healthy, 1 not (or the configuration cannot be read),
 * 2 usage error.
 *
 * The check leaves nothing behind: directories it had to create and its test
 * file are removed again (the library creates them when the job runs).
 */
#define _GNU_SOURCE
#include "cmd.h"
#include "config.h"
#include "io.h"
#include "job.h"
#include "layout.h"
#include "scr_err.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* Size of the test file: enough to go through the page cache and the
 * storage's allocator, small enough for a nearly full RAM disk. */
#define TEST_BYTES (64 * 1024)

static const char usage_text[] =
	"usage: scr_check_node [--cache DIR]... [--cntl DIR] [--free BYTES] [--quiet]\n"
	"       scr_check_node --help\n"
	"\n"
	"Check the node-local storage the job will use on this node: each cache\n"
	"base and the control base exists or can be created, the job's cache and\n"
	"control directories can be created, a test file can be written, synced,\n"
	"read back identically and removed, and each cache base has enough free\n"
	"space. One line per check, then '<node>: ok' or '<node>: FAIL: <reason>'.\n"
	"\n"
	"  -c, --cache DIR     check cache base DIR (repeatable; default: every\n"
	"                      CACHE descriptor's base, else SCR_CACHE_BASE)\n"
	"  -C, --cntl DIR      check control base DIR (default: the CNTLDIR\n"
	"                      descriptor's base, else SCR_CNTL_BASE)\n"
	"  -f, --free BYTES    free space each cache base needs, e.g. 512MB\n"
	"                      (default: the CACHE descriptor's BYTES, else\n"
	"                      SCR_CACHE_BYTES when not 0, else no minimum)\n"
	"  -q, --quiet         print the last line only\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 the node is fit, 1 it is not (or the configuration cannot\n"
	"be read), 2 usage error.\n";

/* One base to check and where it came from, for the fix in a message. */
struct base {
	const char *role;      /* "cache" or "control" */
	const char *dir;
	const char *move;      /* how to choose another one: "set SCR_CACHE_BASE to" ... */
	uint64_t need;         /* free bytes needed, 0 none */
	const char *need_source;
};

struct checker {
	const char *node;
	int quiet;
	int failures;
	char *reasons;         /* "; "-joined failure reasons, malloc'd */
	char **created;        /* directories this run made, to remove at the end */
	size_t ncreated;
};

static void line(struct checker *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void line(struct checker *c, const char *fmt, ...)
{
	if (c->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Record a failed check: its line, and its reason for the last line. */
static void failed(struct checker *c, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void failed(struct checker *c, const char *what, const char *fmt, ...)
{
	char *reason = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		cmd_out_of_memory();
	va_end(ap);
	line(c, "%s: FAIL: %s", what, reason);
	char *all = c->reasons ? scr_asprintf("%s; %s", c->reasons, reason) : strdup(reason);
	if (!all)
		cmd_out_of_memory();
	free(c->reasons);
	c->reasons = all;
	c->failures++;
	free(reason);
}

/* What usually fixes a storage error. */
static const char *fix_for(int err)
{
	switch (err) {
	case EROFS:  return "remount it read-write";
	case ENOSPC:
	case EDQUOT: return "free space there";
	case EACCES:
	case EPERM:  return "give this user write access to it";
	case ENOTDIR:
	case EEXIST: return "remove the file that is in the way";
	case EIO:    return "the device is failing: repair or replace it";
	default:     return "repair it";
	}
}

static void human(uint64_t n, char *buf, size_t size)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)n;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
}

/*
 * mkdir -p that remembers what it made (so it can be undone) and tells
 * which component failed. Returns 0, or -1 with errno set and *bad the
 * malloc'd path that could not be made. Checks of other nodes may share the
 * upper directories (simulated nodes on one host) and create or remove them
 * meanwhile: a component that appears or vanishes under us starts the walk
 * again.
 */
static int make_dirs(struct checker *c, const char *path, char **bad)
{
	char *copy = strdup(path);
	if (!copy)
		cmd_out_of_memory();
	size_t len = strlen(copy);
	int e = 0;
	for (int attempt = 0;; attempt++) {
		e = 0;
		for (size_t i = 1; i <= len && !e; i++) {
			if (copy[i] != '/' && copy[i] != '\0')
				continue;
			char saved = copy[i];
			copy[i] = '\0';
			struct stat st;
			if (stat(copy, &st) == 0) {
				if (!S_ISDIR(st.st_mode))
					e = ENOTDIR;
			} else if (errno != ENOENT) {
				e = errno;
			} else if (mkdir(copy, 0700) != 0) {
				e = errno;
			} else {
				char **grown = realloc(c->created,
						       (c->ncreated + 1) * sizeof(*grown));
				if (!grown || !(grown[c->ncreated] = strdup(copy)))
					cmd_out_of_memory();
				c->created = grown;
				c->ncreated++;
			}
			if (e) {
				*bad = strdup(copy);
				if (!*bad)
					cmd_out_of_memory();
			}
			copy[i] = saved;
		}
		if ((e != EEXIST && e != ENOENT) || attempt == 49)
			break;
		free(*bad);
		*bad = NULL;
	}
	free(copy);
	errno = e;
	return e ? -1 : 0;
}

/* Write, sync, read back, compare and remove a test file in dir. */
static int write_test(const char *dir, const char **step)
{
	char *path = scr_asprintf("%s/.scr_check_node.%ld", dir, (long)getpid());
	unsigned char *out = malloc(TEST_BYTES), *in = malloc(TEST_BYTES);
	if (!path || !out || !in)
		cmd_out_of_memory();
	/* a pattern that differs per run and per byte */
	uint32_t x = (uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL);
	for (size_t i = 0; i < TEST_BYTES; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		out[i] = (unsigned char)x;
	}
	int rc = -1, e = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	*step = "create a test file in";
	if (fd < 0) {
		e = errno;
		goto done;
	}
	*step = "write a test file in";
	if (scr_write_full(fd, out, TEST_BYTES) != 0) {
		e = errno;
		close(fd);
		goto unlink;
	}
	*step = "sync a test file in";
	if (fsync(fd) != 0) {
		e = errno;
		close(fd);
		goto unlink;
	}
	*step = "close a test file in";
	if (close(fd) != 0) {
		e = errno;
		goto unlink;
	}
	*step = "read back a test file in";
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	size_t got = 0;
	if (fd < 0 || scr_read_full(fd, in, TEST_BYTES, &got) != 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		goto unlink;
	}
	close(fd);
	if (got != TEST_BYTES || memcmp(in, out, TEST_BYTES)) {
		*step = "read back what was written to a test file in";
		e = EIO;
		goto unlink;
	}
	*step = "remove a test file in";
	if (unlink(path) != 0) {
		e = errno;
		goto done;
	}
	rc = 0;
	goto done;
unlink:
	unlink(path);
done:
	free(path);
	free(out);
	free(in);
	errno = e;
	return rc;
}

static void check_base(struct checker *c, const struct base *b, const char *userdir,
		       const char *jobdir)
{
	char what[64];
	snprintf(what, sizeof(what), "%s base", b->role);
	char *bad = NULL;
	size_t before = c->ncreated;

	/* the base itself */
	if (make_dirs(c, b->dir, &bad) != 0) {
		int e = errno;
		if (e == ENOTDIR)
			failed(c, what, "%s base '%s': '%s' is not a directory: %s, or %s "
			       "another directory", b->role, b->dir, bad, fix_for(e), b->move);
		else
			failed(c, what, "cannot create %s base '%s': %s at '%s': %s, or %s "
			       "another directory", b->role, b->dir, strerror(e), bad,
			       fix_for(e), b->move);
		free(bad);
		return;
	}
	line(c, "%s base '%s': ok (%s)", b->role, b->dir,
	     c->ncreated > before ? "created" : "exists");

	/* the user's directory in it: private, or another user can reach it */
	snprintf(what, sizeof(what), "%s dir", b->role);
	char *msg = NULL;
	before = c->ncreated;
	if (make_dirs(c, userdir, &bad) != 0) {
		int e = errno;
		failed(c, what, "cannot create the job's %s directory '%s': %s at '%s': %s, "
		       "or %s another directory", b->role, jobdir, strerror(e), bad,
		       fix_for(e), b->move);
		free(bad);
		return;
	}
	if (scr_layout_private_dir(userdir, &msg) != 0) {
		if (msg)
			failed(c, what, "%s", msg);
		else
			failed(c, what, "cannot check '%s': %s", userdir, strerror(errno));
		free(msg);
		return;
	}

	/* the job's directory below it */
	before = c->ncreated;
	if (make_dirs(c, jobdir, &bad) != 0) {
		int e = errno;
		failed(c, what, "cannot create the job's %s directory '%s': %s at '%s': %s, "
		       "or %s another directory", b->role, jobdir, strerror(e), bad,
		       fix_for(e), b->move);
		free(bad);
		return;
	}
	line(c, "%s dir '%s': ok (%s)", b->role, jobdir,
	     c->ncreated > before ? "created" : "exists");

	/* a file goes in and comes back out unchanged */
	const char *step = "";
	if (write_test(jobdir, &step) != 0) {
		int e = errno;
		if (e == EIO && strstr(step, "what was written"))
			failed(c, what, "cannot %s '%s': the data came back different: the "
			       "storage is corrupting data: do not use it, %s another "
			       "directory", step, jobdir, b->move);
		else
			failed(c, what, "cannot %s '%s': %s: %s, or %s another directory",
			       step, jobdir, strerror(e), fix_for(e), b->move);
		return;
	}
	line(c, "%s dir '%s': ok (test file written, synced, read back and removed)",
	     b->role, jobdir);

	/* room for what the job will cache */
	struct statvfs sv;
	if (statvfs(jobdir, &sv) != 0) {
		int e = errno;
		failed(c, what, "cannot tell the free space in '%s': %s: %s, or %s "
		       "another directory", jobdir, strerror(e), fix_for(e), b->move);
		return;
	}
	uint64_t avail = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
	char have[32], need[32];
	human(avail, have, sizeof(have));
	human(b->need, need, sizeof(need));
	if (b->need == 0) {
		line(c, "%s dir '%s': ok (%s free, no minimum set)", b->role, jobdir, have);
	} else if (avail < b->need) {
		failed(c, what, "only %s free in %s base '%s', %s needed (%s): free space "
		       "there, lower %s, or %s a larger one", have, b->role,
		       b->dir, need, b->need_source, b->need_source, b->move);
	} else {
		line(c, "%s dir '%s': ok (%s free, %s needed)", b->role, jobdir, have, need);
	}
}

/* Remove what make_dirs created, deepest first; a directory something else
 * has meanwhile put files into stays. */
static void undo_dirs(struct checker *c)
{
	for (size_t i = c->ncreated; i > 0; i--) {
		rmdir(c->created[i - 1]);
		free(c->created[i - 1]);
	}
	free(c->created);
	c->created = NULL;
	c->ncreated = 0;
}

int main(int argc, char **argv)
{
	cmd_init("scr_check_node");
	static const struct option longopts[] = {
		{ "cache", required_argument, NULL, 'c' },
		{ "cntl",  required_argument, NULL, 'C' },
		{ "free",  required_argument, NULL, 'f' },
		{ "quiet", no_argument,       NULL, 'q' },
		{ "help",  no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char **cache_opt = calloc((size_t)argc + 1, sizeof(*cache_opt));
	size_t ncache_opt = 0;
	const char *cntl_opt = NULL, *free_opt = NULL;
	uint64_t free_bytes = 0;
	int quiet = 0, c;
	if (!cache_opt)
		cmd_out_of_memory();
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:C:f:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!*optarg)
				return cmd_usage_error("%s: empty directory", "--cache");
			cache_opt[ncache_opt++] = optarg;
			break;
		case 'C':
			if (!*optarg)
				return cmd_usage_error("%s: empty directory", "--cntl");
			cntl_opt = optarg;
			break;
		case 'f':
			if (scr_parse_bytes(optarg, &free_bytes) != 0)
				return cmd_usage_error("--free: '%s' is not a byte count (e.g. 4096, "
						       "512MB, 2GB)", optarg);
			free_opt = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case ':':
			return cmd_usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			return cmd_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cmd_usage_error("unexpected argument '%s'", argv[optind]);

	/* the configuration, as the library will read it on this node */
	char *cwd = getcwd(NULL, 0);
	struct scr_config *cfg = NULL;
	char *msg = NULL;
	int rc = cwd ? scr_job_command_config(cwd, &cfg, &msg) : -SCR_ENOMEM;
	struct scr_layout l;
	if (!rc)
		rc = scr_job_layout(cfg, NULL, NULL, &l, &msg);
	if (rc) {
		char host[256] = "localhost";
		gethostname(host, sizeof(host) - 1);
		const char *node = cfg && scr_job_param(cfg, "SCR_NODE_NAME") ?
				   scr_job_param(cfg, "SCR_NODE_NAME") : host;
		printf("%s: FAIL: cannot read the configuration: %s\n", node,
		       msg ? msg : scr_strerror(rc));
		free(msg);
		scr_config_free(cfg);
		free(cwd);
		return EXIT_FAIL;
	}

	/* the bases to check */
	size_t ncache = ncache_opt ? ncache_opt : scr_config_desc_count(cfg, "CACHE");
	struct base *bases = calloc(ncache + 2, sizeof(*bases));
	size_t nbases = 0;
	if (!bases)
		cmd_out_of_memory();
	uint64_t cache_bytes = scr_config_get_bytes(cfg, "SCR_CACHE_BYTES");
	for (size_t i = 0; i < ncache || (ncache == 0 && i == 0); i++) {
		struct base *b = &bases[nbases++];
		b->role = "cache";
		const char *desc_bytes = NULL;
		if (ncache_opt) {
			b->dir = cache_opt[i];
			b->move = "pass --cache";
		} else if (ncache) {
			b->dir = scr_config_desc_name(cfg, "CACHE", i);
			b->move = "point its CACHE descriptor at";
			desc_bytes = scr_config_desc_get(cfg, "CACHE", i, "BYTES");
		} else {
			b->dir = scr_job_cache_base(cfg);
			b->move = "set SCR_CACHE_BASE to";
		}
		uint64_t v;
		if (free_opt) {
			b->need = free_bytes;
			b->need_source = "--free";
		} else if (desc_bytes && scr_parse_bytes(desc_bytes, &v) == 0 && v > 0) {
			b->need = v;
			b->need_source = "the BYTES of its CACHE descriptor";
		} else if (cache_bytes > 0) {
			b->need = cache_bytes;
			b->need_source = "SCR_CACHE_BYTES";
		}
	}
	struct base *cntl = &bases[nbases++];
	cntl->role = "control";
	if (cntl_opt) {
		cntl->dir = cntl_opt;
		cntl->move = "pass --cntl";
	} else {
		cntl->dir = scr_job_cntl_base(cfg);
		cntl->move = scr_config_desc_count(cfg, "CNTL") ? "point the CNTLDIR descriptor at"
								: "set SCR_CNTL_BASE to";
	}

	struct checker chk = { .node = l.node, .quiet = quiet };
	for (size_t i = 0; i < nbases; i++) {
		struct scr_layout bl;
		int r = scr_layout_init(&bl, bases[i].dir, bases[i].dir, l.user, l.jobid, l.node);
		if (r == -SCR_ENOMEM)
			cmd_out_of_memory();
		check_base(&chk, &bases[i], i + 1 < nbases ? bl.cache_user_dir : bl.cntl_user_dir,
			   i + 1 < nbases ? bl.cache_dir : bl.cntl_dir);
		scr_layout_release(&bl);
		/* undo per base: a later base may lie below an earlier one */
		undo_dirs(&chk);
	}

	if (chk.failures)
		printf("%s: FAIL: %s\n", l.node, chk.reasons);
	else
		printf("%s: ok\n", l.node);
	fflush(stdout);
	int status = chk.failures ? EXIT_FAIL : EXIT_OK;
	free(chk.reasons);
	free(bases);
	free(cache_opt);
	scr_layout_release(&l);
	scr_config_free(cfg);
	free(cwd);
	return status;
}
