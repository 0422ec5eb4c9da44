/* Unit tests of the MPI-free base: CRC, lexical paths, node layout, and the
 * I/O helpers (atomic replace, copy with CRC). */
#define _GNU_SOURCE
#include "check.h"

#include "crc.h"
#include "io.h"
#include "layout.h"
#include "path.h"
#include "scr_err.h"
#include "strbuf.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static void test_crc(void)
{
	/* the standard check value of CRC-32 */
	CHECK_EQ_INT(scr_crc32(0, "123456789", 9), 0xcbf43926u);
	CHECK_EQ_INT(scr_crc32(0, "", 0), 0);

	/* same as zlib for every length around the kernels' block sizes and
	 * every alignment, on pseudo-random bytes with a fixed seed */
	size_t n = 70000;
	unsigned char *buf = malloc(n + 64);
	srand(12345);
	for (size_t i = 0; i < n + 64; i++)
		buf[i] = (unsigned char)rand();
	int mismatches = 0;
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len < 300; len++)
			mismatches += scr_crc32(0, buf + off, len) != crc32(0, buf + off, (uInt)len);
	CHECK_EQ_INT(mismatches, 0);
	CHECK_EQ_INT(scr_crc32(0, buf, n), crc32(0, buf, (uInt)n));

	/* running CRC over pieces equals one pass, and combine joins two */
	uint32_t whole = scr_crc32(0, buf, n);
	uint32_t run = scr_crc32(0, buf, 12345);
	run = scr_crc32(run, buf + 12345, n - 12345);
	CHECK_EQ_INT(run, whole);
	uint32_t a = scr_crc32(0, buf, 40000), b = scr_crc32(0, buf + 40000, n - 40000);
	CHECK_EQ_INT(scr_crc32_combine(a, b, n - 40000), whole);
	free(buf);
}

static void check_abs(const char *base, const char *name, const char *want)
{
	char *got = scr_path_absolute(base, name);
	CHECK_EQ_STR(got, want);
	free(got);
}

static void check_below(const char *path, const char *dir, const char *want)
{
	char *got = scr_path_below(path, dir);
	if (want)
		CHECK_EQ_STR(got, want);
	else
		CHECK(got == NULL);
	free(got);
}

static void test_paths(void)
{
	check_abs("/home/u", "ckpt/a.dat", "/home/u/ckpt/a.dat");
	check_abs("/home/u", "/abs//x/./y/", "/abs/x/y");
	check_abs("/home/u", "../v/./w", "/home/v/w");
	check_abs("/", "../../..", "/");
	check_abs("/a", ".", "/a");
	check_abs("/a/b", "c/../../d", "/a/d");
	CHECK(scr_path_absolute("/a", "") == NULL);
	CHECK(scr_path_absolute("/a", NULL) == NULL);

	check_below("/p/ckpt/a", "/p", "ckpt/a");
	check_below("/p", "/p", NULL);
	check_below("/p/", "/p", NULL);
	check_below("/pfx/a", "/p", NULL);      /* a prefix of the name is not a parent */
	check_below("/q/a", "/p", NULL);
	check_below("/x/y", "/", "x/y");
}

static void test_layout(void)
{
	struct scr_layout l;
	CHECK_EQ_INT(scr_layout_init(&l, "/dev/shm", "/tmp/c", "me", "42", "node7"), 0);
	CHECK_EQ_STR(l.cache_dir, "/dev/shm/me/scr.42/node7/cache");
	CHECK_EQ_STR(l.cntl_dir, "/tmp/c/me/scr.42/node7/cntl");
	char *p = scr_layout_dataset_dir(&l, 3);
	CHECK_EQ_STR(p, "/dev/shm/me/scr.42/node7/cache/scr.dataset.3");
	free(p);
	p = scr_layout_filemap_path(&l, 12);
	CHECK_EQ_STR(p, "/tmp/c/me/scr.42/node7/cntl/filemap_12.scr");
	free(p);
	scr_layout_release(&l);

	/* defaults: the host name and job "default" */
	CHECK_EQ_INT(scr_layout_init(&l, "/b", "/c", "me", NULL, NULL), 0);
	char host[256];
	gethostname(host, sizeof(host));
	CHECK_EQ_STR(l.node, host);
	CHECK_EQ_STR(l.jobid, "default");
	scr_layout_release(&l);

	/* a node name must stay one path component */
	const char *bad[] = { "", ".", "..", "a/b", "../x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ_INT(scr_layout_init(&l, "/b", "/c", "me", "1", bad[i]), -SCR_EINVAL);
	CHECK_EQ_INT(scr_layout_init(&l, "/b", "/c", "me", "x/y", "n"), -SCR_EINVAL);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static void test_io(void)
{
	char tmpl[] = "/tmp/scr-test-base.XXXXXX";
	char *dir = mkdtemp(tmpl);
	CHECK(dir != NULL);
	if (!dir)
		return;

	char *deep = scr_asprintf("%s/a/b/c", dir);
	CHECK_EQ_INT(scr_mkdir_p(deep, 0755), 0);
	CHECK_EQ_INT(scr_mkdir_p(deep, 0755), 0);   /* existing is fine */
	struct stat st;
	CHECK(stat(deep, &st) == 0 && S_ISDIR(st.st_mode));

	/* atomic replace: contents swapped, no temporary left behind */
	char *f = scr_asprintf("%s/a/state", dir);
	CHECK_EQ_INT(scr_write_file_atomic(f, "one", 3, 0644), 0);
	CHECK_EQ_INT(scr_write_file_atomic(f, "second", 6, 0644), 0);
	char *buf = NULL;
	size_t len = 0;
	CHECK_EQ_INT(scr_read_file(f, 1024, &buf, &len), 0);
	CHECK_EQ_INT(len, 6);
	CHECK_EQ_STR(buf, "second");
	free(buf);
	CHECK_EQ_INT(count_entries(dir) , 1);
	char *adir = scr_asprintf("%s/a", dir);
	CHECK_EQ_INT(count_entries(adir), 2);   /* b/ and state */
	/* a size limit guards reads of hostile files */
	CHECK_EQ_INT(scr_read_file(f, 3, &buf, &len), -SCR_EFORMAT);
	CHECK_EQ_INT(scr_read_file(adir, 1024, &buf, &len), -SCR_ENOTREG);
	/* a FIFO where a state file belongs: refused at once, never waited on */
	char *fifo = scr_asprintf("%s/fifo", adir);
	CHECK(fifo && mkfifo(fifo, 0600) == 0);
	CHECK_EQ_INT(scr_read_file(fifo, 1024, &buf, &len), -SCR_ENOTREG);
	uint64_t fsize = 0;
	uint32_t fcrc = 0;
	CHECK_EQ_INT(scr_crc_file(fifo, &fsize, &fcrc), -SCR_ENOTREG);
	CHECK_EQ_INT(scr_copy_file(fifo, f, NULL, NULL), -SCR_ENOTREG);
	CHECK(unlink(fifo) == 0);
	free(fifo);
	CHECK_EQ_INT(scr_read_file("/nonexistent/x", 1024, &buf, &len), -SCR_ENOENT);

	/* a file where a directory should be */
	char *under = scr_asprintf("%s/state/x", adir);
	CHECK(scr_mkdir_p(under, 0755) != 0);

	/* copy with CRC, into directories that do not exist yet */
	size_t n = 5 * 1024 * 1024 + 17;   /* more than one copy chunk */
	unsigned char *data = malloc(n);
	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 131 + 7);
	char *src = scr_asprintf("%s/src", dir), *dst = scr_asprintf("%s/x/y/dst", dir);
	CHECK_EQ_INT(scr_write_file_atomic(src, data, n, 0644), 0);
	uint64_t size = 0;
	uint32_t crc = 0;
	CHECK_EQ_INT(scr_copy_file(src, dst, &size, &crc), 0);
	CHECK_EQ_INT(size, n);
	CHECK_EQ_INT(crc, crc32(0, data, (uInt)n));
	uint64_t size2 = 0;
	uint32_t crc2 = 0;
	CHECK_EQ_INT(scr_crc_file(dst, &size2, &crc2), 0);
	CHECK_EQ_INT(size2, n);
	CHECK_EQ_INT(crc2, crc);
	char *missing = scr_asprintf("%s/none", dir), *dst2 = scr_asprintf("%s/dst2", dir);
	CHECK_EQ_INT(scr_copy_file(missing, dst2, &size, &crc), -SCR_ENOENT);
	CHECK(access(dst2, F_OK) != 0);
	CHECK_EQ_INT(scr_crc_file(missing, &size, &crc), -SCR_ENOENT);
	/* modes: a state file as asked, a copy as open as its original */
	mode_t old_mask = umask(022);
	char *priv = scr_asprintf("%s/private", dir), *privcopy = scr_asprintf("%s/privcopy", dir);
	CHECK_EQ_INT(scr_write_file_atomic(priv, "x", 1, 0600), 0);
	CHECK(stat(priv, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_EQ_INT(scr_copy_file(priv, privcopy, NULL, NULL), 0);
	CHECK(stat(privcopy, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(stat(dst, &st) == 0 && (st.st_mode & 0777) == 0644);
	umask(old_mask);
	free(priv);
	free(privcopy);

	CHECK_EQ_INT(scr_remove_tree(dir), 0);
	CHECK(access(dir, F_OK) != 0);
	CHECK_EQ_INT(scr_remove_tree(dir), 0);   /* already gone is fine */

	char *dn = scr_dirname("/a/b/c.dat");
	CHECK_EQ_STR(dn, "/a/b");
	free(dn);
	CHECK_EQ_STR(scr_strerror(-SCR_ECORRUPT), "checksum mismatch");
	CHECK_EQ_STR(scr_strerror(SCR_ENOSPC), "no space left in cache");
	CHECK_EQ_STR(scr_strerror(-1000), "unknown error");

	free(data);
	free(deep);
	free(f);
	free(adir);
	free(under);
	free(src);
	free(dst);
	free(missing);
	free(dst2);
}

static void test_strbuf(void)
{
	struct scr_strbuf b = { 0 };
	scr_strbuf_addn(&b, "", 0);
	CHECK_EQ_STR(b.buf, "");   /* empty, yet a string */
	scr_strbuf_add(&b, "rank ");
	scr_strbuf_addf(&b, "%d of %s", 3, "n[1-4]");
	CHECK_EQ_STR(b.buf, "rank 3 of n[1-4]");
	CHECK(!scr_strbuf_failed(&b));
	free(b.buf);

	/* past the limit: nothing more is added, and that is remembered */
	struct scr_strbuf l = SCR_STRBUF_LIMITED(8);
	scr_strbuf_add(&l, "12345");
	scr_strbuf_add(&l, "6789");
	scr_strbuf_add(&l, "0");
	CHECK_EQ_STR(l.buf, "12345");
	CHECK(l.toobig && scr_strbuf_failed(&l));
	free(l.buf);
}

int main(void)
{
	test_crc();
	test_paths();
	test_layout();
	test_io();
	test_strbuf();
	return check_done("test_base");
}
