/*
 * Fault injector for tests, preloaded into an MPI job: one rank dies by
 * SIGKILL the moment it creates a file whose path contains a given string,
 * that is in the middle of whatever scr step writes that file (a flush to
 * the prefix, a redundancy file, a rebuilt or fetched file). Deterministic
 * where a kill after a delay would race.
 *
 *   TEST_CRASH_RANK  the rank (OMPI_COMM_WORLD_RANK) that dies
 *   TEST_CRASH_PATH  the string the created file's path contains
 *   TEST_CRASH_SKIP  how many such creations still succeed first (0)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void maybe_die(const char *path, int flags)
{
	static long seen;
	const char *want = getenv("TEST_CRASH_PATH");
	const char *who = getenv("TEST_CRASH_RANK");
	const char *rank = getenv("OMPI_COMM_WORLD_RANK");
	if (!(flags & O_CREAT) || !want || !who || !rank || strcmp(who, rank) ||
	    !strstr(path, want))
		return;
	const char *skip = getenv("TEST_CRASH_SKIP");
	if (seen++ < (skip ? atol(skip) : 0))
		return;
	static const char msg[] = "crash: killed while creating a file\n";
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* dying anyway */
	}
	raise(SIGKILL);
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

/* the system calls themselves: no lookup of the next definition needed */
int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	maybe_die(path, flags);
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	maybe_die(path, flags);
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

/* the large-file names are the same calls */
int open64(const char *path, int flags, ...) __attribute__((alias("open")));
int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));
