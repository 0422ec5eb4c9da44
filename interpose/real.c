#define _GNU_SOURCE
#include "real.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct scr_real scr_real;

void *scr_real_get(void **slot, const char *name)
{
	void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (fn)
		return fn;
	fn = dlsym(RTLD_NEXT, name);
	if (!fn) {
		/* nothing sensible can follow a missing libc symbol */
		static const char msg[] = "scr: fatal: cannot find the real ";
		write(2, msg, sizeof(msg) - 1);
		write(2, name, strlen(name));
		write(2, "\n", 1);
		abort();
	}
	__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	return fn;
}
