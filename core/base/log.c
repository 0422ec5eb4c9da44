#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

/* Process-wide by nature: one rank and one debug level per process. */
static int log_rank = -1;
static int log_level;

void scr_log_setup(int rank, int debug_level)
{
	log_rank = rank;
	log_level = debug_level;
}

int scr_log_debug_level(void)
{
	return log_level;
}

static void emit(const char *kind, const char *fmt, va_list ap)
{
	int saved = errno;
	char line[2048];
	int n;
	if (log_rank >= 0)
		n = snprintf(line, sizeof(line), "scr: rank %d: %s", log_rank, kind);
	else
		n = snprintf(line, sizeof(line), "scr: %s", kind);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* one fprintf per message keeps lines of different ranks apart */
	fprintf(stderr, "%s\n", line);
	errno = saved;
}

void scr_log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("error: ", fmt, ap);
	va_end(ap);
}

void scr_log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("warning: ", fmt, ap);
	va_end(ap);
}

void scr_log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}

void scr_log_debug(int level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}
