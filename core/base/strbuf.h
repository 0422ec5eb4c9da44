/*
 * A growable string for building messages and state files. It stays
 * NUL-terminated; the first failure (out of memory, or past its size
 * limit) is remembered and later additions do nothing, so a writer builds
 * the whole text and checks once at the end.
 */
#ifndef SCR_STRBUF_H
#define SCR_STRBUF_H

#include <stddef.h>

struct scr_strbuf {
	char *buf;      /* NULL until something is added */
	size_t len, alloc;
	size_t limit;   /* most bytes it may hold, 0: no limit */
	int oom;        /* an allocation failed */
	int toobig;     /* an addition would pass the limit */
};
/* An empty buffer: struct scr_strbuf b = { 0 }, or with a limit: */
#define SCR_STRBUF_LIMITED(n) { .limit = (n) }

void scr_strbuf_addn(struct scr_strbuf *b, const void *data, size_t n);
void scr_strbuf_add(struct scr_strbuf *b, const char *s);
void scr_strbuf_addf(struct scr_strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Whether an addition was lost (out of memory or over the limit). */
int scr_strbuf_failed(const struct scr_strbuf *b);

#endif
