/*
 * The configuration's message builder, on strbuf: every message starts by
 * saying where (file and line, or the caller's origin) and shows user text
 * only as one safe, readable line (see config_internal.h).
 */
#define _GNU_SOURCE
#include "config_internal.h"

#include "scr_err.h"
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t cfg_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t len;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		if (c == 0xf4)
			hi = 0x8f;	/* beyond U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

void cfg_sb_show(struct scr_strbuf *sb, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	while (i < n) {
		if (max && i >= max) {
			scr_strbuf_add(sb, "...");
			return;
		}
		size_t l = cfg_utf8_len(p + i, n - i);
		if (l == 0 || p[i] < 0x20 || p[i] == 0x7f) {
			scr_strbuf_addf(sb, "\\x%02x", p[i]);
			l = 1;
		} else {
			scr_strbuf_addn(sb, s + i, l);
		}
		i += l;
	}
}

void cfg_sb_quoted(struct scr_strbuf *sb, const char *s)
{
	scr_strbuf_add(sb, "'");
	cfg_sb_show(sb, s, SHOW_MAX);
	scr_strbuf_add(sb, "'");
}

int cfg_sb_fail(struct scr_strbuf *sb, char **msg, int err)
{
	if (msg && !sb->oom)
		*msg = sb->buf;
	else
		free(sb->buf);
	return err;
}

void cfg_sb_where(struct scr_strbuf *sb, const struct where *w)
{
	if (w->line) {
		scr_strbuf_add(sb, "'");
		cfg_sb_show(sb, w->origin, 0);
		scr_strbuf_addf(sb, "' line %lu: ", w->line);
	} else {
		cfg_sb_show(sb, w->origin, 0);
		scr_strbuf_add(sb, ": ");
	}
}

int cfg_simple_error(const struct where *w, char **msg, const char *fmt, ...)
{
	struct scr_strbuf sb = { 0 };
	cfg_sb_where(&sb, w);
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		sb.oom = 1;
	else
		scr_strbuf_add(&sb, s);
	va_end(ap);
	free(s);
	return cfg_sb_fail(&sb, msg, -SCR_ECONFIG);
}
