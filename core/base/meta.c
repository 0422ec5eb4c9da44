/*
 * meta.c: every on-disk state record of scr (filemaps, dataset summaries,
 * the prefix index, and generic records for other modules). No MPI.
 *
 * Format, byte by byte:
 *
 *   file    = header *line end
 *   header  = "SCR-STATE" SP kind SP version LF
 *   line    = tag *(SP key "=" value) LF
 *   end     = "END" SP count SP crc LF
 *
 *   kind, tag, key   [A-Za-z0-9_.-]+ ; the tag "END" is reserved
 *   version          decimal >= 1, no sign, no leading zero
 *   value            any byte string without NUL; the bytes 0x00-0x20,
 *                    0x7f-0xff, '%' and '=' are written as %XX (upper-case
 *                    hex) and every other byte as itself. Decoding accepts
 *                    only this canonical form (no lower-case or needless
 *                    escapes, no %00), so a decoded file re-encodes to the
 *                    same bytes.
 *   count            decimal: number of bytes before the END line
 *   crc              zlib crc32 of those bytes, exactly 8 lower-case hex
 *
 * No empty lines, no leading, trailing or doubled spaces, no key twice on a
 * line, nothing after the END line, at most SCR_META_MAX_SIZE bytes.
 *
 * Decoding order, so the error says what went wrong: magic (-SCR_EFORMAT,
 * or -SCR_ETRUNC for a file cut inside it), header syntax, then the END
 * line: no final newline or a last line that is not an END line is
 * -SCR_ETRUNC, a malformed END line or wrong count or CRC is -SCR_ECORRUPT
 * (or -SCR_EVERSION when the header announces a version newer than the
 * reader's, whose trailer we cannot judge). Only a verified file gets its
 * kind (-SCR_EFORMAT), version (-SCR_EVERSION) and body (-SCR_EFORMAT)
 * looked at.
 *
 * Numbers: u64 and i64 are decimal without leading zeros ("-0" is not a
 * number), range-checked; ints are i64 within int; flags and booleans are
 * ints in their ranges; crcs are exactly 8 lower-case hex digits.
 *
 * The typed records (filemap, summary, index) are described in meta.h. Their
 * writers check what they write with the readers' rules.
 */
#define _GNU_SOURCE
#include "meta.h"

#include "crc.h"
#include "io.h"
#include "layout.h"
#include "scr_err.h"
#include "strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define END_TAG "END"

/* ---- characters and numbers ---- */

static int is_token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int is_token_n(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_token_char((unsigned char)s[i]))
			return 0;
	return 1;
}

static int is_token(const char *s)
{
	return s && is_token_n(s, strlen(s));
}

static int is_tag(const char *s)
{
	return is_token(s) && strcmp(s, END_TAG) != 0;
}

static int needs_escape(unsigned char c)
{
	return c <= 0x20 || c >= 0x7f || c == '%' || c == '=';
}

static int upper_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int lower_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Canonical unsigned decimal of n bytes: digits only, no leading zero. */
static int parse_u64_n(const char *s, size_t n, uint64_t *out)
{
	if (n == 0 || (n > 1 && s[0] == '0'))
		return -SCR_EFORMAT;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -SCR_EFORMAT;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -SCR_EFORMAT;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_i64(const char *s, int64_t *out)
{
	int neg = s[0] == '-';
	uint64_t mag;
	if (parse_u64_n(s + neg, strlen(s + neg), &mag))
		return -SCR_EFORMAT;
	if (neg) {
		if (mag == 0 || mag > (uint64_t)INT64_MAX + 1)
			return -SCR_EFORMAT;
		*out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return -SCR_EFORMAT;
		*out = (int64_t)mag;
	}
	return 0;
}

static int parse_crc_n(const char *s, size_t n, uint32_t *out)
{
	if (n != 8)
		return -SCR_EFORMAT;
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = lower_hex_value((unsigned char)s[i]);
		if (d < 0)
			return -SCR_EFORMAT;
		v = (v << 4) | (uint32_t)d;
	}
	*out = v;
	return 0;
}

/* ---- output buffer ---- */

static void out_str(struct scr_strbuf *o, const char *s)
{
	scr_strbuf_addn(o, s, strlen(s));
}

void scr_meta_escape(struct scr_strbuf *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!needs_escape(c))
			continue;
		char e[3] = { '%', hex[c >> 4], hex[c & 15] };
		scr_strbuf_addn(o, run, (size_t)(s - run));
		scr_strbuf_addn(o, e, sizeof(e));
		run = s + 1;
	}
	scr_strbuf_addn(o, run, (size_t)(s - run));
}

static void out_header(struct scr_strbuf *o, const char *kind, int version)
{
	char num[24];
	snprintf(num, sizeof(num), " %d\n", version);
	out_str(o, SCR_META_MAGIC " ");
	out_str(o, kind);
	out_str(o, num);
}

/* " key=value" with value escaped */
static void out_kv(struct scr_strbuf *o, const char *key, const char *value)
{
	scr_strbuf_addn(o, " ", 1);
	out_str(o, key);
	scr_strbuf_addn(o, "=", 1);
	scr_meta_escape(o, value ? value : "");
}

static void out_kv_u64(struct scr_strbuf *o, const char *key, uint64_t v)
{
	char num[24];
	snprintf(num, sizeof(num), "%" PRIu64, v);
	out_kv(o, key, num);
}

static void out_kv_i64(struct scr_strbuf *o, const char *key, int64_t v)
{
	char num[24];
	snprintf(num, sizeof(num), "%" PRId64, v);
	out_kv(o, key, num);
}

static void out_kv_crc(struct scr_strbuf *o, const char *key, uint32_t v)
{
	char num[16];
	snprintf(num, sizeof(num), "%08" PRIx32, v);
	out_kv(o, key, num);
}

/* Append the END line and hand the buffer over, or free it. */
static int out_finish(struct scr_strbuf *o, char **buf, size_t *len)
{
	if (!o->oom && !o->toobig) {
		char end[64];
		uint32_t crc = scr_crc32(0, o->buf, o->len);
		snprintf(end, sizeof(end), END_TAG " %zu %08" PRIx32 "\n",
			 o->len, crc);
		out_str(o, end);
	}
	if (o->oom || o->toobig) {
		free(o->buf);
		return o->oom ? -SCR_ENOMEM : -SCR_EINVAL;
	}
	*buf = o->buf;
	*len = o->len;
	return 0;
}

/* State files in the prefix are as readable as the user's umask allows
 * (scr_index, scr_postrun and colleagues read them); those in node-local
 * storage are the user's alone. */
#define PREFIX_MODE 0644
static int write_buffer(const char *path, char *buf, size_t len, mode_t mode)
{
	int rc = scr_write_file_atomic(path, buf, len, mode);
	int saved = errno;
	free(buf);
	errno = saved;
	return rc;
}

/* ---- generic records ---- */

void scr_recfile_init(struct scr_recfile *f, const char *kind, int version)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind ? strdup(kind) : NULL;
	f->version = version;
}

static void rec_release(struct scr_rec *r)
{
	for (size_t i = 0; i < r->nkv; i++) {
		free(r->kv[i].key);
		free(r->kv[i].value);
	}
	free(r->kv);
	free(r->tag);
	memset(r, 0, sizeof(*r));
}

void scr_recfile_release(struct scr_recfile *f)
{
	for (size_t i = 0; i < f->nrec; i++)
		rec_release(&f->rec[i]);
	free(f->rec);
	free(f->kind);
	memset(f, 0, sizeof(*f));
}

/* Append a line whose tag (n bytes) is already known to be valid. */
static struct scr_rec *recfile_add_n(struct scr_recfile *f, const char *tag, size_t n)
{
	char *t = strndup(tag, n);
	if (!t)
		return NULL;
	struct scr_rec *rec = realloc(f->rec, (f->nrec + 1) * sizeof(*rec));
	if (!rec) {
		free(t);
		return NULL;
	}
	f->rec = rec;
	rec = &f->rec[f->nrec++];
	memset(rec, 0, sizeof(*rec));
	rec->tag = t;
	return rec;
}

struct scr_rec *scr_recfile_add(struct scr_recfile *f, const char *tag)
{
	if (!is_tag(tag))
		return NULL;
	return recfile_add_n(f, tag, strlen(tag));
}

static const struct scr_kv *rec_find(const struct scr_rec *r, const char *key)
{
	for (size_t i = 0; i < r->nkv; i++)
		if (!strcmp(r->kv[i].key, key))
			return &r->kv[i];
	return NULL;
}

/* Append a key/value pair, taking ownership of both strings. */
static int rec_append(struct scr_rec *r, char *key, char *value)
{
	struct scr_kv *kv = realloc(r->kv, (r->nkv + 1) * sizeof(*kv));
	if (!kv) {
		free(key);
		free(value);
		return -SCR_ENOMEM;
	}
	r->kv = kv;
	r->kv[r->nkv].key = key;
	r->kv[r->nkv].value = value;
	r->nkv++;
	return 0;
}

int scr_rec_put_str(struct scr_rec *r, const char *key, const char *value)
{
	if (!is_token(key) || !value)
		return -SCR_EINVAL;
	char *v = strdup(value);
	if (!v)
		return -SCR_ENOMEM;
	struct scr_kv *kv = (struct scr_kv *)rec_find(r, key);
	if (kv) {
		free(kv->value);
		kv->value = v;
		return 0;
	}
	char *k = strdup(key);
	if (!k) {
		free(v);
		return -SCR_ENOMEM;
	}
	return rec_append(r, k, v);
}

int scr_rec_put_u64(struct scr_rec *r, const char *key, uint64_t value)
{
	char num[24];
	snprintf(num, sizeof(num), "%" PRIu64, value);
	return scr_rec_put_str(r, key, num);
}

int scr_rec_put_i64(struct scr_rec *r, const char *key, int64_t value)
{
	char num[24];
	snprintf(num, sizeof(num), "%" PRId64, value);
	return scr_rec_put_str(r, key, num);
}

int scr_rec_put_crc(struct scr_rec *r, const char *key, uint32_t crc)
{
	char num[16];
	snprintf(num, sizeof(num), "%08" PRIx32, crc);
	return scr_rec_put_str(r, key, num);
}

int scr_rec_get_str(const struct scr_rec *r, const char *key, const char **out)
{
	const struct scr_kv *kv = rec_find(r, key);
	if (!kv || !kv->value)
		return -SCR_EFORMAT;
	*out = kv->value;
	return 0;
}

int scr_rec_get_u64(const struct scr_rec *r, const char *key, uint64_t *out)
{
	const char *s;
	if (scr_rec_get_str(r, key, &s))
		return -SCR_EFORMAT;
	return parse_u64_n(s, strlen(s), out);
}

int scr_rec_get_i64(const struct scr_rec *r, const char *key, int64_t *out)
{
	const char *s;
	if (scr_rec_get_str(r, key, &s))
		return -SCR_EFORMAT;
	return parse_i64(s, out);
}

int scr_rec_get_int(const struct scr_rec *r, const char *key, int *out)
{
	int64_t v;
	if (scr_rec_get_i64(r, key, &v) || v < INT_MIN || v > INT_MAX)
		return -SCR_EFORMAT;
	*out = (int)v;
	return 0;
}

int scr_rec_get_crc(const struct scr_rec *r, const char *key, uint32_t *out)
{
	const char *s;
	if (scr_rec_get_str(r, key, &s))
		return -SCR_EFORMAT;
	return parse_crc_n(s, strlen(s), out);
}

int scr_recfile_encode(const struct scr_recfile *f, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	if (!is_token(f->kind) || f->version < 1)
		return -SCR_EINVAL;
	for (size_t i = 0; i < f->nrec; i++) {
		const struct scr_rec *r = &f->rec[i];
		if (!is_tag(r->tag))
			return -SCR_EINVAL;
		for (size_t j = 0; j < r->nkv; j++) {
			if (!is_token(r->kv[j].key) || !r->kv[j].value)
				return -SCR_EINVAL;
			for (size_t k = 0; k < j; k++)
				if (!strcmp(r->kv[k].key, r->kv[j].key))
					return -SCR_EINVAL;
		}
	}

	struct scr_strbuf o = SCR_STRBUF_LIMITED(SCR_META_MAX_SIZE);
	out_header(&o, f->kind, f->version);
	for (size_t i = 0; i < f->nrec; i++) {
		const struct scr_rec *r = &f->rec[i];
		out_str(&o, r->tag);
		for (size_t j = 0; j < r->nkv; j++)
			out_kv(&o, r->kv[j].key, r->kv[j].value);
		scr_strbuf_addn(&o, "\n", 1);
	}
	return out_finish(&o, buf, len);
}

/* ---- decoding, and saying why it failed ---- */

int scr_meta_refuse(struct scr_meta_why *why, size_t line, int rc, const char *fmt, ...)
{
	if (!why || rc == -SCR_ENOMEM)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why->what, sizeof(why->what), fmt, ap);
	va_end(ap);
	why->line = line;
	return rc;
}

/* Up to cap - 1 bytes of s for a message, every byte that is not printable
 * ASCII shown as '?': a hostile file must not write to the terminal. */
static const char *printable(char *dst, size_t cap, const char *s)
{
	size_t n = 0;
	for (; s[n] && n + 1 < cap; n++)
		dst[n] = s[n] >= 0x20 && s[n] < 0x7f ? s[n] : '?';
	dst[n] = '\0';
	return dst;
}

static size_t count_lines(const char *buf, size_t len)
{
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	return lines;
}

int scr_meta_unescape(const char *p, size_t n, char **out)
{
	char *v = malloc(n + 1);
	if (!v)
		return -SCR_ENOMEM;
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '%') {
			int hi, lo;
			if (n - i < 3 ||
			    (hi = upper_hex_value((unsigned char)p[i + 1])) < 0 ||
			    (lo = upper_hex_value((unsigned char)p[i + 2])) < 0)
				goto bad;
			c = (unsigned char)(hi << 4 | lo);
			/* canonical only: %00 cannot live in a C string */
			if (c == 0 || !needs_escape(c))
				goto bad;
			i += 2;
		} else if (needs_escape(c)) {
			goto bad;
		}
		v[j++] = (char)c;
	}
	v[j] = '\0';
	*out = v;
	return 0;
bad:
	free(v);
	return -SCR_EFORMAT;
}

/* One body line [p, end) without its newline; line is its number. */
static int parse_line(const char *p, const char *end, size_t line, struct scr_recfile *f,
		      struct scr_meta_why *why)
{
	const char *q = memchr(p, ' ', (size_t)(end - p));
	if (!q)
		q = end;
	if (!is_token_n(p, (size_t)(q - p)) ||
	    ((size_t)(q - p) == strlen(END_TAG) && !memcmp(p, END_TAG, 3)))
		return scr_meta_refuse(why, line, -SCR_EFORMAT, "line %zu is malformed: it does "
				       "not start with a tag: a record is a tag and key=value "
				       "pairs ([A-Za-z0-9_.-] names, values %%XX-escaped)", line);
	struct scr_rec *r = recfile_add_n(f, p, (size_t)(q - p));
	if (!r)
		return -SCR_ENOMEM;
	for (int word = 2; q < end; word++) {
		p = q + 1;
		q = memchr(p, ' ', (size_t)(end - p));
		if (!q)
			q = end;
		const char *eq = memchr(p, '=', (size_t)(q - p));
		if (!eq || !is_token_n(p, (size_t)(eq - p)))
			return scr_meta_refuse(why, line, -SCR_EFORMAT, "line %zu is malformed: "
					       "word %d is not key=value ([A-Za-z0-9_.-] key)",
					       line, word);
		char *key = strndup(p, (size_t)(eq - p));
		if (!key)
			return -SCR_ENOMEM;
		if (rec_find(r, key)) {
			scr_meta_refuse(why, line, -SCR_EFORMAT, "line %zu is malformed: the key "
					"'%s' appears twice", line, key);
			free(key);
			return -SCR_EFORMAT;
		}
		char *value;
		int rc = scr_meta_unescape(eq + 1, (size_t)(q - eq - 1), &value);
		if (rc) {
			scr_meta_refuse(why, line, rc, "line %zu is malformed: the value of '%s' "
					"is not %%XX-escaped as scr writes it", line, key);
			free(key);
			return rc;
		}
		rc = rec_append(r, key, value);
		if (rc)
			return rc;
	}
	return 0;
}

/* "<kind> <version>" of the header line [p, end). */
static int parse_header(const char *p, const char *end, char **kind, int *version,
			struct scr_meta_why *why)
{
	const char *sp = memchr(p, ' ', (size_t)(end - p));
	uint64_t v;
	if (!sp || !is_token_n(p, (size_t)(sp - p)) ||
	    parse_u64_n(sp + 1, (size_t)(end - sp - 1), &v) || v < 1 || v > INT_MAX)
		return scr_meta_refuse(why, 1, -SCR_EFORMAT, "line 1, the header, is malformed: "
				       "expected 'SCR-STATE <kind> <version>'");
	*kind = strndup(p, (size_t)(sp - p));
	if (!*kind)
		return -SCR_ENOMEM;
	*version = (int)v;
	return 0;
}

/* Verify the END line; *body_end is where it starts. */
static int check_trailer(const char *buf, size_t len, size_t header_len,
			 size_t *body_end, struct scr_meta_why *why)
{
	size_t lines = count_lines(buf, len);
	if (buf[len - 1] != '\n')
		return scr_meta_refuse(why, lines + 1, -SCR_ETRUNC, "truncated: the last line "
				       "(line %zu) is cut: no newline ends it", lines + 1);
	const char *nl = memrchr(buf, '\n', len - 1);
	size_t start = nl ? (size_t)(nl - buf) + 1 : 0;
	const char *line = buf + start;
	size_t n = len - 1 - start;
	const size_t tl = strlen(END_TAG " ");
	if (start < header_len || n < tl || memcmp(line, END_TAG " ", tl))
		return scr_meta_refuse(why, lines, -SCR_ETRUNC, "truncated: no END line: the "
				       "file ends after line %zu (the END line that closes every "
				       "state file is missing)", lines);
	const char *sp = memchr(line + tl, ' ', n - tl);
	uint64_t count;
	uint32_t crc;
	if (!sp || parse_u64_n(line + tl, (size_t)(sp - line - tl), &count) ||
	    parse_crc_n(sp + 1, (size_t)(line + n - sp - 1), &crc))
		return scr_meta_refuse(why, lines, -SCR_ECORRUPT, "the END line (line %zu) is "
				       "malformed: expected 'END <bytes> <crc32 in 8 hex digits>'",
				       lines);
	if (count != start)
		return scr_meta_refuse(why, lines, -SCR_ECORRUPT, "damaged: the END line (line "
				       "%zu) counts %" PRIu64 " bytes before it, but there are %zu",
				       lines, count, start);
	uint32_t actual = scr_crc32(0, buf, start);
	if (actual != crc)
		return scr_meta_refuse(why, lines, -SCR_ECORRUPT, "checksum mismatch: the END "
				       "line records crc %08" PRIx32 ", the %zu bytes before it "
				       "have %08" PRIx32 " (the file was changed or damaged after "
				       "it was written)", crc, start, actual);
	*body_end = start;
	return 0;
}

int scr_recfile_decode_why(const char *buf, size_t len, const char *expect_kind,
			   int max_version, struct scr_recfile *f, struct scr_meta_why *why)
{
	static const char magic[] = SCR_META_MAGIC " ";
	const size_t mlen = sizeof(magic) - 1;

	memset(f, 0, sizeof(*f));
	if (len > SCR_META_MAX_SIZE)
		return scr_meta_refuse(why, 0, -SCR_EFORMAT, "larger than the %zu MiB a state "
				       "file may be", SCR_META_MAX_SIZE >> 20);
	if (len == 0)
		return scr_meta_refuse(why, 0, -SCR_ETRUNC, "empty file");
	if (memcmp(buf, magic, len < mlen ? len : mlen))
		return scr_meta_refuse(why, 1, -SCR_EFORMAT, "not an scr state file: it does "
				       "not start with '%s'", SCR_META_MAGIC);
	const char *hend = memchr(buf, '\n', len);
	if (len < mlen || !hend)
		return scr_meta_refuse(why, 1, -SCR_ETRUNC, "truncated: the file (%zu bytes) "
				       "ends inside its header line", len);

	char *kind = NULL;
	int version = 0;
	int hrc = parse_header(buf + mlen, hend, &kind, &version, why);
	if (hrc == -SCR_ENOMEM)
		return hrc;
	size_t body_end = 0;
	int rc = check_trailer(buf, len, (size_t)(hend - buf) + 1, &body_end, why);
	if (rc) {
		/* a newer format may end differently */
		if (!hrc && max_version > 0 && version > max_version)
			rc = scr_meta_refuse(why, 1, -SCR_EVERSION, "a %s of format version %d, "
					     "newer than the %d this scr reads", kind, version,
					     max_version);
		free(kind);
		return rc;
	}
	if (hrc)
		return hrc;
	if (expect_kind && strcmp(kind, expect_kind)) {
		scr_meta_refuse(why, 1, -SCR_EFORMAT, "a state file of kind '%s', not of kind '%s'",
				kind, expect_kind);
		free(kind);
		return -SCR_EFORMAT;
	}
	if (max_version > 0 && version > max_version) {
		scr_meta_refuse(why, 1, -SCR_EVERSION, "a %s of format version %d, newer than "
				"the %d this scr reads", kind, version, max_version);
		free(kind);
		return -SCR_EVERSION;
	}
	f->kind = kind;
	f->version = version;

	const char *p = hend + 1;
	const char *end = buf + body_end;
	for (size_t line = 2; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		/* the byte before the END line is a newline, so eol exists */
		rc = parse_line(p, eol, line, f, why);
		if (rc) {
			scr_recfile_release(f);
			return rc;
		}
		p = eol + 1;
	}
	return 0;
}

int scr_recfile_decode_max(const char *buf, size_t len, const char *expect_kind,
			   int max_version, struct scr_recfile *f)
{
	return scr_recfile_decode_why(buf, len, expect_kind, max_version, f, NULL);
}

int scr_recfile_decode(const char *buf, size_t len, const char *expect_kind,
		       struct scr_recfile *f)
{
	return scr_recfile_decode_max(buf, len, expect_kind, 0, f);
}

int scr_recfile_write_mode(const char *path, const struct scr_recfile *f, mode_t mode)
{
	char *buf;
	size_t len;
	int rc = scr_recfile_encode(f, &buf, &len);
	return rc ? rc : write_buffer(path, buf, len, mode);
}

int scr_recfile_write(const char *path, const struct scr_recfile *f)
{
	return scr_recfile_write_mode(path, f, PREFIX_MODE);
}

int scr_recfile_read_max(const char *path, const char *expect_kind,
			 int max_version, struct scr_recfile *f)
{
	char *buf;
	size_t len;
	memset(f, 0, sizeof(*f));
	int rc = scr_read_file(path, SCR_META_MAX_SIZE, &buf, &len);
	if (rc)
		return rc;
	rc = scr_recfile_decode_max(buf, len, expect_kind, max_version, f);
	free(buf);
	return rc;
}

int scr_recfile_read(const char *path, const char *expect_kind, struct scr_recfile *f)
{
	return scr_recfile_read_max(path, expect_kind, 0, f);
}

int scr_meta_check_relpath(const char *path)
{
	if (!path || !*path || *path == '/')
		return -SCR_EPATH;
	const char *p = path;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return -SCR_EPATH;
		if (!slash)
			return 0;
		p = slash + 1;
	}
}

/* ---- datasets and files ---- */

void scr_dataset_release(struct scr_dataset *d)
{
	free(d->name);
	free(d->redundancy);
	memset(d, 0, sizeof(*d));
}

void scr_file_release(struct scr_file *f)
{
	free(f->path);
	memset(f, 0, sizeof(*f));
}

/* strdup that keeps NULL */
static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -SCR_ENOMEM;
}

int scr_dataset_copy(struct scr_dataset *dst, const struct scr_dataset *src)
{
	struct scr_dataset d = *src;
	if (dup_opt(&d.name, src->name) || dup_opt(&d.redundancy, src->redundancy)) {
		scr_dataset_release(&d);
		memset(dst, 0, sizeof(*dst));
		return -SCR_ENOMEM;
	}
	*dst = d;
	return 0;
}

static int file_copy(struct scr_file *dst, const struct scr_file *src)
{
	*dst = *src;
	if (dup_opt(&dst->path, src->path)) {
		memset(dst, 0, sizeof(*dst));
		return -SCR_ENOMEM;
	}
	return 0;
}

static int is_bool(int v)
{
	return v == 0 || v == 1;
}

/* The first key of a dataset whose value is out of range, NULL: none. */
static const char *dataset_bad_key(const struct scr_dataset *d)
{
	if (d->id <= 0 || d->id > SCR_ID_MAX)
		return "id";
	if (d->flags & ~(SCR_FLAG_CKPT_BIT | SCR_FLAG_OUTPUT_BIT))
		return "flags";
	if (d->created < 0)
		return "created";
	if (d->nranks < 0 || d->nranks > SCR_NRANKS_MAX)
		return "nranks";
	if (!is_bool(d->complete))
		return "complete";
	return NULL;
}

static int check_dataset(const struct scr_dataset *d)
{
	return dataset_bad_key(d) ? -SCR_EFORMAT : 0;
}

/* The same for a file of a dataset of nranks ranks ("path" for an unsafe one). */
static const char *file_bad_key(const struct scr_file *f, int nranks)
{
	if (f->rank < 0 || (nranks > 0 && f->rank >= nranks))
		return "rank";
	if (!is_bool(f->complete))
		return "complete";
	if (scr_meta_check_relpath(f->path))
		return "path";
	return NULL;
}

static int check_file(const struct scr_file *f, int nranks)
{
	const char *bad = file_bad_key(f, nranks);
	return !bad ? 0 : !strcmp(bad, "path") ? -SCR_EPATH : -SCR_EFORMAT;
}

/* A check's verdict as a writer's error: the caller passed bad data. */
static int write_error(int rc)
{
	return rc == -SCR_EFORMAT ? -SCR_EINVAL : rc;
}

/* The keys of each line, for telling an unknown key from a missing one. */
static const char *const dataset_keys[] = {
	"id", "name", "flags", "created", "nranks", "files", "bytes", "complete",
	"redundancy", NULL
};
static const char *const filemap_dataset_keys[] = { "flushed", "prefix", NULL };
static const char *const index_entry_keys[] = { "flushed", "failed", NULL };
static const char *const file_keys[] = { "rank", "path", "size", "crc", "complete", NULL };

static void out_dataset(struct scr_strbuf *o, const char *tag, const struct scr_dataset *d)
{
	out_str(o, tag);
	out_kv_i64(o, "id", d->id);
	out_kv(o, "name", d->name);
	out_kv_i64(o, "flags", d->flags);
	out_kv_i64(o, "created", d->created);
	out_kv_i64(o, "nranks", d->nranks);
	out_kv_u64(o, "files", d->files);
	out_kv_u64(o, "bytes", d->bytes);
	out_kv_i64(o, "complete", d->complete);
	out_kv(o, "redundancy", d->redundancy);
}

static void out_file(struct scr_strbuf *o, const struct scr_file *f)
{
	out_str(o, "file");
	out_kv_i64(o, "rank", f->rank);
	out_kv(o, "path", f->path);
	out_kv_u64(o, "size", f->size);
	out_kv_crc(o, "crc", f->crc);
	out_kv_i64(o, "complete", f->complete);
	scr_strbuf_addn(o, "\n", 1);
}

/* Where a typed decoder is: the record kind, and line i + 2 of the file
 * holding record i. */
struct at {
	const char *kind;
	size_t i;
	const struct scr_rec *r;
	struct scr_meta_why *why;
};

static int refuse_at(const struct at *a, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse_at(const struct at *a, int rc, const char *fmt, ...)
{
	if (!a->why || rc == -SCR_ENOMEM)
		return rc;
	char detail[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return scr_meta_refuse(a->why, a->i + 2, rc, "not a valid %s: line %zu (%s): %s",
			       a->kind, a->i + 2, a->r->tag, detail);
}

/* A getter failed for key: it is missing, or its value is malformed. */
static int bad_key(const struct at *a, const char *key)
{
	if (!rec_find(a->r, key))
		return refuse_at(a, -SCR_EFORMAT, "the key '%s' is missing", key);
	return refuse_at(a, -SCR_EFORMAT, "the value of '%s' is malformed or out of range",
			 key);
}

static int in_list(const char *const *list, const char *key)
{
	for (; list && *list; list++)
		if (!strcmp(*list, key))
			return 1;
	return 0;
}

/* Every key of the line is one of keys or more (a line has no key twice). */
static int only_keys(const struct at *a, const char *const *keys, const char *const *more)
{
	for (size_t k = 0; k < a->r->nkv; k++)
		if (!in_list(keys, a->r->kv[k].key) && !in_list(more, a->r->kv[k].key))
			return refuse_at(a, -SCR_EFORMAT, "unknown key '%s'", a->r->kv[k].key);
	return 0;
}

/* The dataset keys of the line into d; more: the other keys it may have. */
static int get_dataset(const struct at *a, const char *const *more, struct scr_dataset *d)
{
	const struct scr_rec *r = a->r;
	const char *name, *redundancy;
	memset(d, 0, sizeof(*d));
	int rc = only_keys(a, dataset_keys, more);
	if (rc)
		return rc;
	const char *key = scr_rec_get_int(r, "id", &d->id) ? "id"
		: scr_rec_get_str(r, "name", &name) ? "name"
		: scr_rec_get_int(r, "flags", &d->flags) ? "flags"
		: scr_rec_get_i64(r, "created", &d->created) ? "created"
		: scr_rec_get_int(r, "nranks", &d->nranks) ? "nranks"
		: scr_rec_get_u64(r, "files", &d->files) ? "files"
		: scr_rec_get_u64(r, "bytes", &d->bytes) ? "bytes"
		: scr_rec_get_int(r, "complete", &d->complete) ? "complete"
		: scr_rec_get_str(r, "redundancy", &redundancy) ? "redundancy" : NULL;
	if (key) {
		memset(d, 0, sizeof(*d));
		return bad_key(a, key);
	}
	if ((key = dataset_bad_key(d)) != NULL) {
		memset(d, 0, sizeof(*d));
		return refuse_at(a, -SCR_EFORMAT, "'%s' is out of range", key);
	}
	if (dup_opt(&d->name, name) || dup_opt(&d->redundancy, redundancy)) {
		scr_dataset_release(d);
		return -SCR_ENOMEM;
	}
	return 0;
}

static int get_file(const struct at *a, int nranks, struct scr_file *f)
{
	const struct scr_rec *r = a->r;
	const char *path;
	memset(f, 0, sizeof(*f));
	int rc = only_keys(a, file_keys, NULL);
	if (rc)
		return rc;
	const char *key = scr_rec_get_int(r, "rank", &f->rank) ? "rank"
		: scr_rec_get_str(r, "path", &path) ? "path"
		: scr_rec_get_u64(r, "size", &f->size) ? "size"
		: scr_rec_get_crc(r, "crc", &f->crc) ? "crc"
		: scr_rec_get_int(r, "complete", &f->complete) ? "complete" : NULL;
	if (key) {
		memset(f, 0, sizeof(*f));
		return bad_key(a, key);
	}
	f->path = (char *)path;
	key = file_bad_key(f, nranks);
	f->path = NULL;
	if (key && !strcmp(key, "path"))
		return refuse_at(a, -SCR_EPATH, "a file path is absolute or has '..', '.' or "
				 "empty parts");
	if (key && !strcmp(key, "rank"))
		return refuse_at(a, -SCR_EFORMAT, "'rank' is out of range (rank %d of a dataset "
				 "of %d ranks)", f->rank, nranks);
	if (key)
		return refuse_at(a, -SCR_EFORMAT, "'%s' is out of range", key);
	return dup_opt(&f->path, path);
}

/* Append a copy of f to a files array. */
static int files_append(struct scr_file **files, size_t *n, const struct scr_file *f)
{
	struct scr_file copy;
	int rc = file_copy(&copy, f);
	if (rc)
		return rc;
	struct scr_file *a = realloc(*files, (*n + 1) * sizeof(*a));
	if (!a) {
		scr_file_release(&copy);
		return -SCR_ENOMEM;
	}
	a[(*n)++] = copy;
	*files = a;
	return 0;
}

static void files_release(struct scr_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		scr_file_release(&files[i]);
	free(files);
}

/* ---- filemap ---- */

void scr_filemap_init(struct scr_filemap *m, int rank)
{
	memset(m, 0, sizeof(*m));
	m->rank = rank;
}

static void filemap_entry_release(struct scr_filemap_entry *e)
{
	scr_dataset_release(&e->ds);
	free(e->prefix);
	files_release(e->files, e->nfiles);
	memset(e, 0, sizeof(*e));
}

void scr_filemap_release(struct scr_filemap *m)
{
	for (size_t i = 0; i < m->n; i++)
		filemap_entry_release(&m->e[i]);
	free(m->e);
	memset(m, 0, sizeof(*m));
}

struct scr_filemap_entry *scr_filemap_find(struct scr_filemap *m, int id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->e[i].ds.id == id)
			return &m->e[i];
	return NULL;
}

struct scr_filemap_entry *scr_filemap_add(struct scr_filemap *m, const struct scr_dataset *ds)
{
	struct scr_filemap_entry *e = scr_filemap_find(m, ds->id);
	if (e)
		return e;
	struct scr_filemap_entry fresh = { 0 };
	if (scr_dataset_copy(&fresh.ds, ds))
		return NULL;
	e = realloc(m->e, (m->n + 1) * sizeof(*e));
	if (!e) {
		scr_dataset_release(&fresh.ds);
		return NULL;
	}
	m->e = e;
	size_t pos = m->n;
	while (pos > 0 && m->e[pos - 1].ds.id > ds->id)
		pos--;
	memmove(&m->e[pos + 1], &m->e[pos], (m->n - pos) * sizeof(*e));
	m->e[pos] = fresh;
	m->n++;
	return &m->e[pos];
}

int scr_filemap_add_file(struct scr_filemap_entry *e, const struct scr_file *f)
{
	return files_append(&e->files, &e->nfiles, f);
}

void scr_filemap_remove(struct scr_filemap *m, int id)
{
	struct scr_filemap_entry *e = scr_filemap_find(m, id);
	if (!e)
		return;
	size_t pos = (size_t)(e - m->e);
	filemap_entry_release(e);
	memmove(&m->e[pos], &m->e[pos + 1], (m->n - pos - 1) * sizeof(*e));
	m->n--;
}

int scr_filemap_encode(const struct scr_filemap *m, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	if (m->rank < 0)
		return -SCR_EINVAL;
	for (size_t i = 0; i < m->n; i++) {
		const struct scr_filemap_entry *e = &m->e[i];
		int rc = check_dataset(&e->ds);
		if (!rc && i > 0 && e->ds.id <= m->e[i - 1].ds.id)
			rc = -SCR_EINVAL;
		for (size_t j = 0; !rc && j < e->nfiles; j++)
			rc = check_file(&e->files[j], e->ds.nranks);
		if (rc)
			return write_error(rc);
	}

	struct scr_strbuf o = SCR_STRBUF_LIMITED(SCR_META_MAX_SIZE);
	out_header(&o, SCR_META_FILEMAP_KIND, SCR_META_FILEMAP_VERSION);
	out_str(&o, "filemap");
	out_kv_i64(&o, "rank", m->rank);
	scr_strbuf_addn(&o, "\n", 1);
	for (size_t i = 0; i < m->n; i++) {
		out_dataset(&o, "dataset", &m->e[i].ds);
		out_kv_i64(&o, "flushed", m->e[i].flushed);
		out_kv(&o, "prefix", m->e[i].prefix);
		scr_strbuf_addn(&o, "\n", 1);
		for (size_t j = 0; j < m->e[i].nfiles; j++)
			out_file(&o, &m->e[i].files[j]);
	}
	return out_finish(&o, buf, len);
}

static int filemap_from_recfile(const struct scr_recfile *f, struct scr_filemap *m,
				struct scr_meta_why *why)
{
	struct at a = { .kind = SCR_META_FILEMAP_KIND, .why = why };
	if (f->nrec == 0)
		return scr_meta_refuse(why, 0, -SCR_EFORMAT, "not a valid filemap: it has no "
				       "'filemap rank=' line");
	a.r = &f->rec[0];
	if (strcmp(a.r->tag, "filemap"))
		return refuse_at(&a, -SCR_EFORMAT, "a filemap starts with a 'filemap rank=' line");
	int rc = only_keys(&a, (const char *const[]){ "rank", NULL }, NULL);
	if (rc)
		return rc;
	if (scr_rec_get_int(a.r, "rank", &m->rank) || m->rank < 0)
		return bad_key(&a, "rank");

	struct scr_filemap_entry *cur = NULL;
	for (a.i = 1; a.i < f->nrec; a.i++) {
		const struct scr_rec *r = a.r = &f->rec[a.i];
		if (!strcmp(r->tag, "dataset")) {
			struct scr_dataset ds;
			int64_t flushed;
			const char *prefix;
			rc = get_dataset(&a, filemap_dataset_keys, &ds);
			if (rc)
				return rc;
			const char *key = scr_rec_get_i64(r, "flushed", &flushed) || flushed < 0
				? "flushed" : scr_rec_get_str(r, "prefix", &prefix) ? "prefix" : NULL;
			if (key) {
				scr_dataset_release(&ds);
				return bad_key(&a, key);
			}
			/* ids strictly increasing: sorted and no duplicates */
			if (m->n > 0 && ds.id <= m->e[m->n - 1].ds.id) {
				rc = refuse_at(&a, -SCR_EFORMAT, "dataset %d comes after dataset %d: "
					       "ids must increase", ds.id, m->e[m->n - 1].ds.id);
				scr_dataset_release(&ds);
				return rc;
			}
			cur = scr_filemap_add(m, &ds);
			scr_dataset_release(&ds);
			if (!cur)
				return -SCR_ENOMEM;
			cur->flushed = flushed;
			if (*prefix && !(cur->prefix = strdup(prefix)))
				return -SCR_ENOMEM;
		} else if (!strcmp(r->tag, "file")) {
			struct scr_file file;
			if (!cur)
				return refuse_at(&a, -SCR_EFORMAT, "a file line before any dataset line");
			rc = get_file(&a, cur->ds.nranks, &file);
			if (rc)
				return rc;
			/* take ownership rather than copy */
			struct scr_file *grown = realloc(cur->files, (cur->nfiles + 1) * sizeof(*grown));
			if (!grown) {
				scr_file_release(&file);
				return -SCR_ENOMEM;
			}
			grown[cur->nfiles++] = file;
			cur->files = grown;
		} else {
			return refuse_at(&a, -SCR_EFORMAT, "a line a filemap does not have");
		}
	}
	return 0;
}

int scr_filemap_decode_why(const char *buf, size_t len, struct scr_filemap *m,
			   struct scr_meta_why *why)
{
	struct scr_recfile f;
	scr_filemap_init(m, -1);
	int rc = scr_recfile_decode_why(buf, len, SCR_META_FILEMAP_KIND,
					SCR_META_FILEMAP_VERSION, &f, why);
	if (rc)
		return rc;
	rc = filemap_from_recfile(&f, m, why);
	scr_recfile_release(&f);
	if (rc)
		scr_filemap_release(m);
	return rc;
}

int scr_filemap_decode(const char *buf, size_t len, struct scr_filemap *m)
{
	return scr_filemap_decode_why(buf, len, m, NULL);
}

int scr_filemap_write(const char *path, const struct scr_filemap *m, mode_t mode)
{
	char *buf;
	size_t len;
	int rc = scr_filemap_encode(m, &buf, &len);
	return rc ? rc : write_buffer(path, buf, len, mode);
}

/* Read a whole state file and hand it to a decoder. */
static int read_with(const char *path, void *out,
		     int (*decode)(const char *, size_t, void *))
{
	char *buf;
	size_t len;
	int rc = scr_read_file(path, SCR_META_MAX_SIZE, &buf, &len);
	if (rc)
		return rc;
	rc = decode(buf, len, out);
	free(buf);
	return rc;
}

static int filemap_decode_cb(const char *buf, size_t len, void *out)
{
	return scr_filemap_decode(buf, len, out);
}

int scr_filemap_read(const char *path, struct scr_filemap *m)
{
	scr_filemap_init(m, -1);
	return read_with(path, m, filemap_decode_cb);
}

/* ---- summary ---- */

void scr_summary_init(struct scr_summary *s)
{
	memset(s, 0, sizeof(*s));
}

void scr_summary_release(struct scr_summary *s)
{
	scr_dataset_release(&s->ds);
	files_release(s->files, s->nfiles);
	memset(s, 0, sizeof(*s));
}

int scr_summary_add_file(struct scr_summary *s, const struct scr_file *f)
{
	int rc = files_append(&s->files, &s->nfiles, f);
	if (rc)
		return rc;
	/* move the new file before any of a higher rank (stable) */
	size_t pos = s->nfiles - 1;
	while (pos > 0 && s->files[pos - 1].rank > f->rank)
		pos--;
	if (pos < s->nfiles - 1) {
		struct scr_file copy = s->files[s->nfiles - 1];
		memmove(&s->files[pos + 1], &s->files[pos],
			(s->nfiles - 1 - pos) * sizeof(copy));
		s->files[pos] = copy;
	}
	return 0;
}

int scr_summary_encode(const struct scr_summary *s, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	int rc = check_dataset(&s->ds);
	for (size_t i = 0; !rc && i < s->nfiles; i++)
		rc = check_file(&s->files[i], s->ds.nranks);
	if (rc)
		return write_error(rc);

	struct scr_strbuf o = SCR_STRBUF_LIMITED(SCR_META_MAX_SIZE);
	out_header(&o, SCR_META_SUMMARY_KIND, SCR_META_SUMMARY_VERSION);
	out_dataset(&o, "dataset", &s->ds);
	scr_strbuf_addn(&o, "\n", 1);
	for (size_t i = 0; i < s->nfiles; i++)
		out_file(&o, &s->files[i]);
	return out_finish(&o, buf, len);
}

static int summary_from_recfile(const struct scr_recfile *f, struct scr_summary *s,
				struct scr_meta_why *why)
{
	struct at a = { .kind = SCR_META_SUMMARY_KIND, .why = why };
	if (f->nrec == 0)
		return scr_meta_refuse(why, 0, -SCR_EFORMAT, "not a valid summary: it has no "
				       "dataset line");
	a.r = &f->rec[0];
	if (strcmp(a.r->tag, "dataset"))
		return refuse_at(&a, -SCR_EFORMAT, "a summary starts with its dataset line");
	int rc = get_dataset(&a, NULL, &s->ds);
	if (rc)
		return rc;
	for (a.i = 1; a.i < f->nrec; a.i++) {
		a.r = &f->rec[a.i];
		struct scr_file file;
		if (strcmp(a.r->tag, "file"))
			return refuse_at(&a, -SCR_EFORMAT, "a line a summary does not have "
					 "(after its dataset line, only file lines)");
		rc = get_file(&a, s->ds.nranks, &file);
		if (rc)
			return rc;
		rc = scr_summary_add_file(s, &file);
		scr_file_release(&file);
		if (rc)
			return rc;
	}
	return 0;
}

int scr_summary_decode_why(const char *buf, size_t len, struct scr_summary *s,
			   struct scr_meta_why *why)
{
	struct scr_recfile f;
	scr_summary_init(s);
	int rc = scr_recfile_decode_why(buf, len, SCR_META_SUMMARY_KIND,
					SCR_META_SUMMARY_VERSION, &f, why);
	if (rc)
		return rc;
	rc = summary_from_recfile(&f, s, why);
	scr_recfile_release(&f);
	if (rc)
		scr_summary_release(s);
	return rc;
}

int scr_summary_decode(const char *buf, size_t len, struct scr_summary *s)
{
	return scr_summary_decode_why(buf, len, s, NULL);
}

int scr_summary_write(const char *path, const struct scr_summary *s)
{
	char *buf;
	size_t len;
	int rc = scr_summary_encode(s, &buf, &len);
	return rc ? rc : write_buffer(path, buf, len, PREFIX_MODE);
}

static int summary_decode_cb(const char *buf, size_t len, void *out)
{
	return scr_summary_decode(buf, len, out);
}

int scr_summary_read(const char *path, struct scr_summary *s)
{
	scr_summary_init(s);
	return read_with(path, s, summary_decode_cb);
}

/* ---- index ---- */

void scr_index_init(struct scr_index *x)
{
	memset(x, 0, sizeof(*x));
}

void scr_index_release(struct scr_index *x)
{
	for (size_t i = 0; i < x->n; i++)
		scr_dataset_release(&x->e[i].ds);
	free(x->e);
	free(x->current);
	memset(x, 0, sizeof(*x));
}

struct scr_index_entry *scr_index_find_id(struct scr_index *x, int id)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->e[i].ds.id == id)
			return &x->e[i];
	return NULL;
}

struct scr_index_entry *scr_index_find_name(struct scr_index *x, const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = x->n; i > 0; i--)
		if (x->e[i - 1].ds.name && !strcmp(x->e[i - 1].ds.name, name))
			return &x->e[i - 1];
	return NULL;
}

int scr_index_put(struct scr_index *x, const struct scr_index_entry *e)
{
	/* copy first: e may point into x->e */
	struct scr_index_entry copy = *e;
	if (scr_dataset_copy(&copy.ds, &e->ds))
		return -SCR_ENOMEM;
	struct scr_index_entry *old = scr_index_find_id(x, copy.ds.id);
	if (old) {
		scr_dataset_release(&old->ds);
		*old = copy;
		/* a rename may leave current naming nothing */
		if (x->current && !scr_index_find_name(x, x->current)) {
			free(x->current);
			x->current = NULL;
		}
		return 0;
	}
	struct scr_index_entry *a = realloc(x->e, (x->n + 1) * sizeof(*a));
	if (!a) {
		scr_dataset_release(&copy.ds);
		return -SCR_ENOMEM;
	}
	x->e = a;
	size_t pos = x->n;
	while (pos > 0 && x->e[pos - 1].ds.id > copy.ds.id)
		pos--;
	memmove(&x->e[pos + 1], &x->e[pos], (x->n - pos) * sizeof(*a));
	x->e[pos] = copy;
	x->n++;
	return 0;
}

int scr_index_remove(struct scr_index *x, int id)
{
	struct scr_index_entry *e = scr_index_find_id(x, id);
	if (!e)
		return -SCR_ENOENT;
	size_t pos = (size_t)(e - x->e);
	scr_dataset_release(&e->ds);
	memmove(&x->e[pos], &x->e[pos + 1], (x->n - pos - 1) * sizeof(*e));
	x->n--;
	if (x->current && !scr_index_find_name(x, x->current)) {
		free(x->current);
		x->current = NULL;
	}
	return 0;
}

int scr_index_set_current(struct scr_index *x, const char *name)
{
	char *c = NULL;
	if (name) {
		if (!scr_index_find_name(x, name))
			return -SCR_ENOENT;
		c = strdup(name);
		if (!c)
			return -SCR_ENOMEM;
	}
	free(x->current);
	x->current = c;
	return 0;
}

static int check_index_entry(const struct scr_index_entry *e)
{
	if (e->flushed < 0 || !is_bool(e->failed))
		return -SCR_EFORMAT;
	return check_dataset(&e->ds);
}

int scr_index_encode(const struct scr_index *x, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	int has_current = !x->current;
	for (size_t i = 0; i < x->n; i++) {
		const struct scr_index_entry *e = &x->e[i];
		if (check_index_entry(e) || (i > 0 && e->ds.id <= x->e[i - 1].ds.id))
			return -SCR_EINVAL;
		if (x->current && e->ds.name && !strcmp(e->ds.name, x->current))
			has_current = 1;
	}
	if (!has_current)
		return -SCR_EINVAL;

	struct scr_strbuf o = SCR_STRBUF_LIMITED(SCR_META_MAX_SIZE);
	out_header(&o, SCR_META_INDEX_KIND, SCR_META_INDEX_VERSION);
	if (x->current) {
		out_str(&o, "current");
		out_kv(&o, "name", x->current);
		scr_strbuf_addn(&o, "\n", 1);
	}
	for (size_t i = 0; i < x->n; i++) {
		const struct scr_index_entry *e = &x->e[i];
		out_dataset(&o, "entry", &e->ds);
		out_kv_i64(&o, "flushed", e->flushed);
		out_kv_i64(&o, "failed", e->failed);
		scr_strbuf_addn(&o, "\n", 1);
	}
	return out_finish(&o, buf, len);
}

static int index_from_recfile(const struct scr_recfile *f, struct scr_index *x,
			      struct scr_meta_why *why)
{
	struct at a = { .kind = SCR_META_INDEX_KIND, .why = why };
	const char *current = NULL;
	if (f->nrec > 0 && !strcmp(f->rec[0].tag, "current")) {
		a.r = &f->rec[0];
		int rc = only_keys(&a, (const char *const[]){ "name", NULL }, NULL);
		if (rc)
			return rc;
		if (scr_rec_get_str(a.r, "name", &current))
			return bad_key(&a, "name");
		a.i = 1;
	}
	for (; a.i < f->nrec; a.i++) {
		const struct scr_rec *r = a.r = &f->rec[a.i];
		struct scr_index_entry e = { 0 };
		if (strcmp(r->tag, "entry"))
			return refuse_at(&a, -SCR_EFORMAT, "a line an index does not have "
					 "(only a first 'current' line and entry lines)");
		int rc = get_dataset(&a, index_entry_keys, &e.ds);
		if (rc)
			return rc;
		const char *key = scr_rec_get_i64(r, "flushed", &e.flushed) || e.flushed < 0
			? "flushed" : scr_rec_get_int(r, "failed", &e.failed) || !is_bool(e.failed)
			? "failed" : NULL;
		if (key)
			rc = bad_key(&a, key);
		else if (x->n > 0 && e.ds.id <= x->e[x->n - 1].ds.id)
			rc = refuse_at(&a, -SCR_EFORMAT, "dataset %d comes after dataset %d: ids "
				       "must increase", e.ds.id, x->e[x->n - 1].ds.id);
		if (!rc)
			rc = scr_index_put(x, &e);
		scr_dataset_release(&e.ds);
		if (rc)
			return rc;
	}
	if (current) {
		int rc = scr_index_set_current(x, current);
		char name[64];
		if (rc == -SCR_ENOENT)
			return scr_meta_refuse(why, 2, -SCR_EFORMAT, "not a valid index: line 2 "
					       "makes '%s' current, but no dataset of the index has "
					       "that name", printable(name, sizeof(name), current));
		return rc;
	}
	return 0;
}

int scr_index_decode_why(const char *buf, size_t len, struct scr_index *x,
			 struct scr_meta_why *why)
{
	struct scr_recfile f;
	scr_index_init(x);
	int rc = scr_recfile_decode_why(buf, len, SCR_META_INDEX_KIND,
					SCR_META_INDEX_VERSION, &f, why);
	if (rc)
		return rc;
	rc = index_from_recfile(&f, x, why);
	scr_recfile_release(&f);
	if (rc)
		scr_index_release(x);
	return rc;
}

int scr_index_decode(const char *buf, size_t len, struct scr_index *x)
{
	return scr_index_decode_why(buf, len, x, NULL);
}

int scr_index_write(const char *path, const struct scr_index *x)
{
	char *buf;
	size_t len;
	int rc = scr_index_encode(x, &buf, &len);
	return rc ? rc : write_buffer(path, buf, len, PREFIX_MODE);
}

static int index_decode_cb(const char *buf, size_t len, void *out)
{
	return scr_index_decode(buf, len, out);
}

int scr_index_read(const char *path, struct scr_index *x)
{
	scr_index_init(x);
	int rc = read_with(path, x, index_decode_cb);
	return rc == -SCR_ENOENT ? 0 : rc;
}

int scr_index_damaged(int rc)
{
	return rc == -SCR_EFORMAT || rc == -SCR_ECORRUPT || rc == -SCR_ETRUNC ||
	       rc == -SCR_ENOTREG;
}

/* The id of a prefix dataset directory's name, or 0. */
static int dataset_dir_id(const char *name)
{
	int id;
	char tail;
	if (sscanf(name, "scr.dataset.%d%c", &id, &tail) != 1 || id <= 0 || id > SCR_ID_MAX)
		return 0;
	return id;
}

int scr_index_rebuild(const char *prefix, struct scr_index *x)
{
	scr_index_init(x);
	char *dir = scr_prefix_scrdir(prefix);
	DIR *d = dir ? opendir(dir) : NULL;
	int rc = !dir ? -SCR_ENOMEM : !d && errno != ENOENT ? -SCR_EIO : 0;
	struct dirent *de;
	while (!rc && d && (de = readdir(d)) != NULL) {
		int id = dataset_dir_id(de->d_name);
		char *path = id ? scr_prefix_summary_path(prefix, id) : NULL;
		struct scr_summary sum;
		struct stat st;
		/* no summary: its flush never completed */
		if (!path || scr_summary_read(path, &sum) != 0) {
			rc = id && !path ? -SCR_ENOMEM : 0;
			free(path);
			continue;
		}
		if (sum.ds.id == id) {
			struct scr_index_entry e = { .ds = sum.ds };
			e.flushed = stat(path, &st) == 0 ? (int64_t)st.st_mtime : sum.ds.created;
			if (e.flushed <= 0)
				e.flushed = 1;
			rc = scr_index_put(x, &e);
		}
		scr_summary_release(&sum);
		free(path);
	}
	if (d)
		closedir(d);
	free(dir);
	if (rc)
		scr_index_release(x);
	return rc;
}

int scr_prefix_max_id(const char *prefix)
{
	char *dir = scr_prefix_scrdir(prefix);
	DIR *d = dir ? opendir(dir) : NULL;
	int max = 0;
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		int id = dataset_dir_id(de->d_name);
		if (id > max)
			max = id;
	}
	if (d)
		closedir(d);
	free(dir);
	return max;
}
