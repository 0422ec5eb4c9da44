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

static void out_escaped(struct scr_strbuf *o, const char *s)
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
	out_escaped(o, value ? value : "");
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

/* Decode a %XX-escaped value of n bytes into a malloc'd string. */
static int unescape(const char *p, size_t n, char **out)
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

/* One body line [p, end) without its newline. */
static int parse_line(const char *p, const char *end, struct scr_recfile *f)
{
	const char *q = memchr(p, ' ', (size_t)(end - p));
	if (!q)
		q = end;
	if (!is_token_n(p, (size_t)(q - p)) ||
	    ((size_t)(q - p) == strlen(END_TAG) && !memcmp(p, END_TAG, 3)))
		return -SCR_EFORMAT;
	struct scr_rec *r = recfile_add_n(f, p, (size_t)(q - p));
	if (!r)
		return -SCR_ENOMEM;
	while (q < end) {
		p = q + 1;
		q = memchr(p, ' ', (size_t)(end - p));
		if (!q)
			q = end;
		const char *eq = memchr(p, '=', (size_t)(q - p));
		if (!eq || !is_token_n(p, (size_t)(eq - p)))
			return -SCR_EFORMAT;
		char *key = strndup(p, (size_t)(eq - p));
		if (!key)
			return -SCR_ENOMEM;
		if (rec_find(r, key)) {
			free(key);
			return -SCR_EFORMAT;
		}
		char *value;
		int rc = unescape(eq + 1, (size_t)(q - eq - 1), &value);
		if (rc) {
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
static int parse_header(const char *p, const char *end, char **kind, int *version)
{
	const char *sp = memchr(p, ' ', (size_t)(end - p));
	uint64_t v;
	if (!sp || !is_token_n(p, (size_t)(sp - p)) ||
	    parse_u64_n(sp + 1, (size_t)(end - sp - 1), &v) || v < 1 || v > INT_MAX)
		return -SCR_EFORMAT;
	*kind = strndup(p, (size_t)(sp - p));
	if (!*kind)
		return -SCR_ENOMEM;
	*version = (int)v;
	return 0;
}

/* Verify the END line; *body_end is where it starts. */
static int check_trailer(const char *buf, size_t len, size_t header_len,
			 size_t *body_end)
{
	if (buf[len - 1] != '\n')
		return -SCR_ETRUNC;
	const char *nl = memrchr(buf, '\n', len - 1);
	size_t start = nl ? (size_t)(nl - buf) + 1 : 0;
	if (start < header_len)
		return -SCR_ETRUNC;
	const char *line = buf + start;
	size_t n = len - 1 - start;
	const size_t tl = strlen(END_TAG " ");
	if (n < tl || memcmp(line, END_TAG " ", tl))
		return -SCR_ETRUNC;
	const char *sp = memchr(line + tl, ' ', n - tl);
	uint64_t count;
	uint32_t crc;
	if (!sp || parse_u64_n(line + tl, (size_t)(sp - line - tl), &count) ||
	    parse_crc_n(sp + 1, (size_t)(line + n - sp - 1), &crc))
		return -SCR_ECORRUPT;
	if (count != start || scr_crc32(0, buf, start) != crc)
		return -SCR_ECORRUPT;
	*body_end = start;
	return 0;
}

int scr_recfile_decode_max(const char *buf, size_t len, const char *expect_kind,
			   int max_version, struct scr_recfile *f)
{
	static const char magic[] = SCR_META_MAGIC " ";
	const size_t mlen = sizeof(magic) - 1;

	memset(f, 0, sizeof(*f));
	if (len > SCR_META_MAX_SIZE)
		return -SCR_EFORMAT;
	if (len == 0)
		return -SCR_ETRUNC;
	if (len < mlen)
		return memcmp(buf, magic, len) ? -SCR_EFORMAT : -SCR_ETRUNC;
	if (memcmp(buf, magic, mlen))
		return -SCR_EFORMAT;
	const char *hend = memchr(buf, '\n', len);
	if (!hend)
		return -SCR_ETRUNC;

	char *kind = NULL;
	int version = 0;
	int hrc = parse_header(buf + mlen, hend, &kind, &version);
	if (hrc == -SCR_ENOMEM)
		return hrc;
	size_t body_end = 0;
	int rc = check_trailer(buf, len, (size_t)(hend - buf) + 1, &body_end);
	if (rc) {
		if (!hrc && max_version > 0 && version > max_version)
			rc = -SCR_EVERSION;
		free(kind);
		return rc;
	}
	if (hrc)
		return hrc;
	if (expect_kind && strcmp(kind, expect_kind)) {
		free(kind);
		return -SCR_EFORMAT;
	}
	if (max_version > 0 && version > max_version) {
		free(kind);
		return -SCR_EVERSION;
	}
	f->kind = kind;
	f->version = version;

	const char *p = hend + 1;
	const char *end = buf + body_end;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		/* the byte before the END line is a newline, so eol exists */
		rc = parse_line(p, eol, f);
		if (rc) {
			scr_recfile_release(f);
			return rc;
		}
		p = eol + 1;
	}
	return 0;
}

int scr_recfile_decode(const char *buf, size_t len, const char *expect_kind,
		       struct scr_recfile *f)
{
	return scr_recfile_decode_max(buf, len, expect_kind, 0, f);
}

int scr_recfile_write(const char *path, const struct scr_recfile *f)
{
	char *buf;
	size_t len;
	int rc = scr_recfile_encode(f, &buf, &len);
	return rc ? rc : write_buffer(path, buf, len, PREFIX_MODE);
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

static int check_dataset(const struct scr_dataset *d)
{
	if (d->id <= 0 || d->id > SCR_ID_MAX || d->nranks > SCR_NRANKS_MAX ||
	    (d->flags & ~(SCR_FLAG_CKPT_BIT | SCR_FLAG_OUTPUT_BIT)) ||
	    d->created < 0 || d->nranks < 0 || !is_bool(d->complete))
		return -SCR_EFORMAT;
	return 0;
}

static int check_file(const struct scr_file *f, int nranks)
{
	if (f->rank < 0 || (nranks > 0 && f->rank >= nranks) ||
	    !is_bool(f->complete))
		return -SCR_EFORMAT;
	return scr_meta_check_relpath(f->path);
}

/* A check's verdict as a writer's error: the caller passed bad data. */
static int write_error(int rc)
{
	return rc == -SCR_EFORMAT ? -SCR_EINVAL : rc;
}

#define DATASET_NKEYS 9
#define FILE_NKEYS 5
#define INDEX_NKEYS (DATASET_NKEYS + 2)

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

/* Dataset keys of r (which must have nkeys keys in all) into d. */
static int get_dataset(const struct scr_rec *r, size_t nkeys, struct scr_dataset *d)
{
	const char *name, *redundancy;
	memset(d, 0, sizeof(*d));
	if (r->nkv != nkeys ||
	    scr_rec_get_int(r, "id", &d->id) ||
	    scr_rec_get_str(r, "name", &name) ||
	    scr_rec_get_int(r, "flags", &d->flags) ||
	    scr_rec_get_i64(r, "created", &d->created) ||
	    scr_rec_get_int(r, "nranks", &d->nranks) ||
	    scr_rec_get_u64(r, "files", &d->files) ||
	    scr_rec_get_u64(r, "bytes", &d->bytes) ||
	    scr_rec_get_int(r, "complete", &d->complete) ||
	    scr_rec_get_str(r, "redundancy", &redundancy) ||
	    check_dataset(d)) {
		memset(d, 0, sizeof(*d));
		return -SCR_EFORMAT;
	}
	if (dup_opt(&d->name, name) || dup_opt(&d->redundancy, redundancy)) {
		scr_dataset_release(d);
		return -SCR_ENOMEM;
	}
	return 0;
}

static int get_file(const struct scr_rec *r, int nranks, struct scr_file *f)
{
	const char *path;
	memset(f, 0, sizeof(*f));
	if (r->nkv != FILE_NKEYS ||
	    scr_rec_get_int(r, "rank", &f->rank) ||
	    scr_rec_get_str(r, "path", &path) ||
	    scr_rec_get_u64(r, "size", &f->size) ||
	    scr_rec_get_crc(r, "crc", &f->crc) ||
	    scr_rec_get_int(r, "complete", &f->complete)) {
		memset(f, 0, sizeof(*f));
		return -SCR_EFORMAT;
	}
	f->path = (char *)path;
	int rc = check_file(f, nranks);
	f->path = NULL;
	if (rc)
		return rc;
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

static int filemap_from_recfile(const struct scr_recfile *f, struct scr_filemap *m)
{
	if (f->nrec == 0 || strcmp(f->rec[0].tag, "filemap") ||
	    f->rec[0].nkv != 1 || scr_rec_get_int(&f->rec[0], "rank", &m->rank) ||
	    m->rank < 0)
		return -SCR_EFORMAT;

	struct scr_filemap_entry *cur = NULL;
	for (size_t i = 1; i < f->nrec; i++) {
		const struct scr_rec *r = &f->rec[i];
		int rc;
		if (!strcmp(r->tag, "dataset")) {
			struct scr_dataset ds;
			int64_t flushed;
			const char *prefix;
			rc = get_dataset(r, DATASET_NKEYS + 2, &ds);
			if (rc)
				return rc;
			if (scr_rec_get_i64(r, "flushed", &flushed) || flushed < 0 ||
			    scr_rec_get_str(r, "prefix", &prefix)) {
				scr_dataset_release(&ds);
				return -SCR_EFORMAT;
			}
			/* ids strictly increasing: sorted and no duplicates */
			if (m->n > 0 && ds.id <= m->e[m->n - 1].ds.id) {
				scr_dataset_release(&ds);
				return -SCR_EFORMAT;
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
				return -SCR_EFORMAT;
			rc = get_file(r, cur->ds.nranks, &file);
			if (rc)
				return rc;
			/* take ownership rather than copy */
			struct scr_file *a = realloc(cur->files, (cur->nfiles + 1) * sizeof(*a));
			if (!a) {
				scr_file_release(&file);
				return -SCR_ENOMEM;
			}
			a[cur->nfiles++] = file;
			cur->files = a;
		} else {
			return -SCR_EFORMAT;
		}
	}
	return 0;
}

int scr_filemap_decode(const char *buf, size_t len, struct scr_filemap *m)
{
	struct scr_recfile f;
	scr_filemap_init(m, -1);
	int rc = scr_recfile_decode_max(buf, len, SCR_META_FILEMAP_KIND,
					SCR_META_FILEMAP_VERSION, &f);
	if (rc)
		return rc;
	rc = filemap_from_recfile(&f, m);
	scr_recfile_release(&f);
	if (rc)
		scr_filemap_release(m);
	return rc;
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

static int summary_from_recfile(const struct scr_recfile *f, struct scr_summary *s)
{
	if (f->nrec == 0 || strcmp(f->rec[0].tag, "dataset"))
		return -SCR_EFORMAT;
	int rc = get_dataset(&f->rec[0], DATASET_NKEYS, &s->ds);
	if (rc)
		return rc;
	for (size_t i = 1; i < f->nrec; i++) {
		const struct scr_rec *r = &f->rec[i];
		struct scr_file file;
		if (strcmp(r->tag, "file"))
			return -SCR_EFORMAT;
		rc = get_file(r, s->ds.nranks, &file);
		if (rc)
			return rc;
		rc = scr_summary_add_file(s, &file);
		scr_file_release(&file);
		if (rc)
			return rc;
	}
	return 0;
}

int scr_summary_decode(const char *buf, size_t len, struct scr_summary *s)
{
	struct scr_recfile f;
	scr_summary_init(s);
	int rc = scr_recfile_decode_max(buf, len, SCR_META_SUMMARY_KIND,
					SCR_META_SUMMARY_VERSION, &f);
	if (rc)
		return rc;
	rc = summary_from_recfile(&f, s);
	scr_recfile_release(&f);
	if (rc)
		scr_summary_release(s);
	return rc;
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

static int index_from_recfile(const struct scr_recfile *f, struct scr_index *x)
{
	size_t i = 0;
	const char *current = NULL;
	if (f->nrec > 0 && !strcmp(f->rec[0].tag, "current")) {
		if (f->rec[0].nkv != 1 ||
		    scr_rec_get_str(&f->rec[0], "name", &current))
			return -SCR_EFORMAT;
		i = 1;
	}
	for (; i < f->nrec; i++) {
		const struct scr_rec *r = &f->rec[i];
		struct scr_index_entry e = { 0 };
		if (strcmp(r->tag, "entry"))
			return -SCR_EFORMAT;
		int rc = get_dataset(r, INDEX_NKEYS, &e.ds);
		if (rc)
			return rc;
		if (scr_rec_get_i64(r, "flushed", &e.flushed) ||
		    scr_rec_get_int(r, "failed", &e.failed) ||
		    check_index_entry(&e) ||
		    (x->n > 0 && e.ds.id <= x->e[x->n - 1].ds.id))
			rc = -SCR_EFORMAT;
		if (!rc)
			rc = scr_index_put(x, &e);
		scr_dataset_release(&e.ds);
		if (rc)
			return rc;
	}
	if (current) {
		int rc = scr_index_set_current(x, current);
		return rc == -SCR_ENOENT ? -SCR_EFORMAT : rc;
	}
	return 0;
}

int scr_index_decode(const char *buf, size_t len, struct scr_index *x)
{
	struct scr_recfile f;
	scr_index_init(x);
	int rc = scr_recfile_decode_max(buf, len, SCR_META_INDEX_KIND,
					SCR_META_INDEX_VERSION, &f);
	if (rc)
		return rc;
	rc = index_from_recfile(&f, x);
	scr_recfile_release(&f);
	if (rc)
		scr_index_release(x);
	return rc;
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
