/*
 * Fault injector for tests, preloaded into an MPI job: on one rank, aligned
 * allocations of a megabyte or more fail with ENOMEM, as on a node out of
 * memory. scr's redundancy buffers are its only allocations of that kind, so
 * this reaches the encode and rebuild paths without touching the
 * application or MPI.
 *
 *   TEST_NOMEM_RANK   the rank (OMPI_COMM_WORLD_RANK) that runs short
 *   TEST_NOMEM_AFTER  how many such allocations still succeed first (0)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BIG ((size_t)1 << 20)

typedef int (*memalign_fn)(void **, size_t, size_t);

static int on_this_rank(void)
{
	const char *want = getenv("TEST_NOMEM_RANK");
	const char *rank = getenv("OMPI_COMM_WORLD_RANK");
	return want && rank && strcmp(want, rank) == 0;
}

int posix_memalign(void **out, size_t align, size_t size)
{
	static memalign_fn real;
	static long granted;
	if (!real)
		real = (memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
	if (size >= BIG && on_this_rank()) {
		const char *after = getenv("TEST_NOMEM_AFTER");
		if (granted >= (after ? atol(after) : 0)) {
			static const char msg[] = "nomem: failing an aligned allocation\n";
			if (write(2, msg, sizeof(msg) - 1) < 0) {
				/* nothing to do: stderr is the only channel */
			}
			return ENOMEM;
		}
		granted++;
	}
	return real(out, align, size);
}
