#define _GNU_SOURCE
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void scr_strbuf_addn(struct scr_strbuf *b, const void *data, size_t n)
{
	if (b->oom || b->toobig)
		return;
	if (b->limit && n > b->limit - b->len) {
		b->toobig = 1;
		return;
	}
	if (n + 1 > b->alloc - b->len) {
		size_t want = b->alloc ? b->alloc : 256;
		while (want - b->len < n + 1) {
			if (want > (size_t)-1 / 2) {
				b->oom = 1;
				return;
			}
			want *= 2;
		}
		char *p = realloc(b->buf, want);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->buf = p;
		b->alloc = want;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void scr_strbuf_add(struct scr_strbuf *b, const char *s)
{
	scr_strbuf_addn(b, s, strlen(s));
}

void scr_strbuf_addf(struct scr_strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	scr_strbuf_addn(b, s, (size_t)n);
	free(s);
}

int scr_strbuf_failed(const struct scr_strbuf *b)
{
	return b->oom || b->toobig;
}
