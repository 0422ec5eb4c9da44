#define _GNU_SOURCE
#include "redfile.h"

#include "scr_err.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <isa-l/crc.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "SCRRED\n"       /* 8 bytes with the NUL */
#define END_MAGIC "REDEND\n"
#define VERSION SCR_RED_VERSION
#define MAX_MEMBERS 4096       /* larger sets make no sense; bounds hostile input */
#define MAX_PATH_LEN 4096

/* ---- little-endian encoding into a growing buffer ---- */

struct out {
	unsigned char *p;
	size_t len, cap;
	int failed;
};

static void put(struct out *o, const void *src, size_t n)
{
	if (o->failed)
		return;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 256;
		while (cap < o->len + n)
			cap *= 2;
		unsigned char *p = realloc(o->p, cap);
		if (!p) {
			o->failed = 1;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, src, n);
	o->len += n;
}

static void put_u64(struct out *o, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(o, b, 8);
}

static void put_u32(struct out *o, uint32_t v)
{
	unsigned char b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(o, b, 4);
}

static void put_i32(struct out *o, int v)
{
	put_u32(o, (uint32_t)v);
}

struct in {
	const unsigned char *p;
	size_t len, off;
	int failed;
};

static const unsigned char *take(struct in *i, size_t n)
{
	if (i->failed || n > i->len - i->off) {
		i->failed = 1;
		return NULL;
	}
	const unsigned char *p = i->p + i->off;
	i->off += n;
	return p;
}

static uint64_t get_u64(struct in *i)
{
	const unsigned char *b = take(i, 8);
	uint64_t v = 0;
	for (int k = 0; b && k < 8; k++)
		v |= (uint64_t)b[k] << (8 * k);
	return v;
}

static uint32_t get_u32(struct in *i)
{
	const unsigned char *b = take(i, 4);
	uint32_t v = 0;
	for (int k = 0; b && k < 4; k++)
		v |= (uint32_t)b[k] << (8 * k);
	return v;
}

/* a non-negative int no larger than max */
static int get_count(struct in *i, int max)
{
	uint32_t v = get_u32(i);
	if (v > (uint32_t)max)
		i->failed = 1;
	return i->failed ? 0 : (int)v;
}

/* ---- records ---- */

uint64_t scr_red_record_bytes(const struct scr_red_record *r)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < r->nfiles; i++)
		sum += r->files[i].size;
	return sum;
}

void scr_red_record_release(struct scr_red_record *r)
{
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->files[i].path);
	free(r->files);
	free(r->meta);
	memset(r, 0, sizeof(*r));
}

int scr_red_record_copy(struct scr_red_record *dst, const struct scr_red_record *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->rank = src->rank;
	dst->files = calloc(src->nfiles ? src->nfiles : 1, sizeof(*dst->files));
	dst->meta = malloc(src->meta_len ? src->meta_len : 1);
	if (!dst->files || !dst->meta)
		goto fail;
	for (size_t i = 0; i < src->nfiles; i++) {
		dst->files[i] = src->files[i];
		dst->files[i].path = strdup(src->files[i].path);
		if (!dst->files[i].path)
			goto fail;
		dst->nfiles = i + 1;
	}
	memcpy(dst->meta, src->meta, src->meta_len);
	dst->meta_len = src->meta_len;
	return 0;
fail:
	scr_red_record_release(dst);
	return -SCR_ENOMEM;
}

static void put_record(struct out *o, const struct scr_red_record *r)
{
	put_i32(o, r->rank);
	put_u32(o, (uint32_t)r->nfiles);
	for (size_t i = 0; i < r->nfiles; i++) {
		size_t n = strlen(r->files[i].path);
		put_u32(o, (uint32_t)n);
		put(o, r->files[i].path, n);
		put_u64(o, r->files[i].size);
		put_u32(o, r->files[i].crc);
	}
	put_u64(o, r->meta_len);
	put(o, r->meta, r->meta_len);
}

/* A relative path that stays inside the dataset directory. */
static int safe_rel_path(const char *p)
{
	if (!*p || *p == '/')
		return 0;
	for (const char *c = p; *c;) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.') ||
		    (slash && !slash[1]))
			return 0;
		c += n + (slash != NULL);
	}
	return 1;
}

static int get_record(struct in *i, struct scr_red_record *r)
{
	memset(r, 0, sizeof(*r));
	r->rank = get_count(i, INT_MAX);
	/* each file takes at least 16 bytes: bounds the count by the input */
	size_t n = get_u32(i);
	if (i->failed || n > (i->len - i->off) / 16)
		return -SCR_EFORMAT;
	r->files = calloc(n ? n : 1, sizeof(*r->files));
	if (!r->files)
		return -SCR_ENOMEM;
	for (size_t k = 0; k < n; k++) {
		uint32_t plen = get_u32(i);
		const unsigned char *p = plen <= MAX_PATH_LEN ? take(i, plen) : NULL;
		if (!p)
			goto bad;
		char *path = strndup((const char *)p, plen);
		if (!path) {
			scr_red_record_release(r);
			return -SCR_ENOMEM;
		}
		r->files[k].path = path;
		r->nfiles = k + 1;
		if (strlen(path) != plen || !safe_rel_path(path))
			goto bad;
		r->files[k].size = get_u64(i);
		r->files[k].crc = get_u32(i);
	}
	uint64_t mlen = get_u64(i);
	const unsigned char *m = mlen <= i->len - i->off ? take(i, (size_t)mlen) : NULL;
	if (!m || i->failed)
		goto bad;
	r->meta = malloc(mlen ? mlen : 1);
	if (!r->meta) {
		scr_red_record_release(r);
		return -SCR_ENOMEM;
	}
	memcpy(r->meta, m, mlen);
	r->meta_len = mlen;
	return 0;
bad:
	scr_red_record_release(r);
	return -SCR_EFORMAT;
}

int scr_red_record_encode(const struct scr_red_record *r, unsigned char **buf, size_t *len)
{
	struct out o = { 0 };
	put_record(&o, r);
	put_u32(&o, crc32_gzip_refl(0, o.p, o.len));
	if (o.failed) {
		free(o.p);
		return -SCR_ENOMEM;
	}
	*buf = o.p;
	*len = o.len;
	return 0;
}

int scr_red_record_decode(const unsigned char *buf, size_t len, struct scr_red_record *r)
{
	memset(r, 0, sizeof(*r));
	if (len < 4)
		return -SCR_EFORMAT;
	struct in i = { .p = buf, .len = len - 4 };
	struct in t = { .p = buf + len - 4, .len = 4 };
	if (get_u32(&t) != crc32_gzip_refl(0, buf, len - 4))
		return -SCR_ECORRUPT;
	int rc = get_record(&i, r);
	if (!rc && i.off != i.len) {
		scr_red_record_release(r);
		rc = -SCR_EFORMAT;
	}
	return rc;
}

/* ---- headers ---- */

void scr_red_header_release(struct scr_red_header *h)
{
	for (size_t i = 0; i < h->nrecords; i++)
		scr_red_record_release(&h->records[i]);
	free(h->records);
	free(h->members);
	memset(h, 0, sizeof(*h));
}

const struct scr_red_record *scr_red_header_record(const struct scr_red_header *h, int rank)
{
	for (size_t i = 0; i < h->nrecords; i++)
		if (h->records[i].rank == rank)
			return &h->records[i];
	return NULL;
}

const char *scr_red_scheme_name(int scheme)
{
	switch (scheme) {
	case SCR_RED_PARTNER: return "PARTNER";
	case SCR_RED_XOR:     return "XOR";
	case SCR_RED_RS:      return "RS";
	default:              return "unknown";
	}
}

#define RED_NAME "red."

char *scr_red_file_path(const char *dataset_dir, int rank)
{
	char *p = NULL;
	if (asprintf(&p, "%s/.scr/" RED_NAME "%d", dataset_dir, rank) < 0)
		return NULL;
	return p;
}

char *scr_red_gathered_path(const char *red_dir, int rank)
{
	char *p = NULL;
	if (asprintf(&p, "%s/" RED_NAME "%d", red_dir, rank) < 0)
		return NULL;
	return p;
}

int scr_red_file_rank(const char *name)
{
	int rank;
	char tail, canonical[32];
	if (sscanf(name, RED_NAME "%d%c", &rank, &tail) != 1 || rank < 0)
		return -1;
	/* only the name scr writes ("red.007" is not rank 7's) */
	snprintf(canonical, sizeof(canonical), RED_NAME "%d", rank);
	return strcmp(name, canonical) ? -1 : rank;
}

static int encode_header(const struct scr_red_header *h, struct out *o)
{
	memset(o, 0, sizeof(*o));
	put(o, MAGIC, 8);
	put_u32(o, VERSION);
	put_u32(o, 0);   /* header length, patched below */
	put_u32(o, (uint32_t)h->scheme);
	put_i32(o, h->dataset_id);
	put_i32(o, h->nranks);
	put_i32(o, h->rank);
	put_i32(o, h->set_size);
	put_i32(o, h->m);
	put_i32(o, h->pos);
	int nmembers = h->scheme == SCR_RED_PARTNER ? 3 : h->set_size;
	for (int k = 0; k < nmembers; k++)
		put_i32(o, h->members[k]);
	put_u64(o, h->chunk);
	put_u64(o, h->payload_len);
	put_u32(o, (uint32_t)h->nrecords);
	for (size_t k = 0; k < h->nrecords; k++)
		put_record(o, &h->records[k]);
	if (o->failed)
		return -SCR_ENOMEM;
	uint32_t hlen = (uint32_t)(o->len + 4);
	for (int k = 0; k < 4; k++)
		o->p[12 + k] = (unsigned char)(hlen >> (8 * k));
	put_u32(o, crc32_gzip_refl(0, o->p, o->len));
	return o->failed ? -SCR_ENOMEM : 0;
}

static int decode_header(const unsigned char *buf, size_t len, struct scr_red_header *h)
{
	memset(h, 0, sizeof(*h));
	struct in i = { .p = buf, .len = len };
	const unsigned char *magic = take(&i, 8);
	if (!magic || memcmp(magic, MAGIC, 8) || get_u32(&i) != VERSION ||
	    get_u32(&i) != len)
		return -SCR_EFORMAT;
	if (crc32_gzip_refl(0, buf, len - 4) !=
	    (uint32_t)(buf[len - 4] | buf[len - 3] << 8 | buf[len - 2] << 16 |
		       (uint32_t)buf[len - 1] << 24))
		return -SCR_ECORRUPT;
	i.len = len - 4;
	h->scheme = (int)get_u32(&i);
	h->dataset_id = get_count(&i, INT_MAX);
	h->nranks = get_count(&i, INT_MAX);
	h->rank = get_count(&i, INT_MAX);
	h->set_size = get_count(&i, MAX_MEMBERS);
	h->m = get_count(&i, MAX_MEMBERS);
	h->pos = get_count(&i, MAX_MEMBERS);
	if (i.failed || h->scheme < SCR_RED_PARTNER || h->scheme > SCR_RED_RS ||
	    h->nranks < 1 || h->rank >= h->nranks)
		return -SCR_EFORMAT;
	int nmembers = h->scheme == SCR_RED_PARTNER ? 3 : h->set_size;
	if (h->scheme != SCR_RED_PARTNER &&
	    (h->set_size < 2 || h->m < 1 || h->m >= h->set_size || h->pos >= h->set_size))
		return -SCR_EFORMAT;
	h->members = calloc((size_t)nmembers, sizeof(int));
	if (!h->members)
		return -SCR_ENOMEM;
	for (int k = 0; k < nmembers; k++) {
		h->members[k] = get_count(&i, h->nranks - 1);
		if (i.failed)
			goto bad;
	}
	int self = h->scheme == SCR_RED_PARTNER ? 1 : h->pos;
	if (h->members[self] != h->rank)
		goto bad;
	h->chunk = get_u64(&i);
	h->payload_len = get_u64(&i);
	size_t n = get_u32(&i);
	if (i.failed || n > (size_t)nmembers)
		goto bad;
	h->records = calloc(n ? n : 1, sizeof(*h->records));
	if (!h->records) {
		scr_red_header_release(h);
		return -SCR_ENOMEM;
	}
	for (size_t k = 0; k < n; k++) {
		int rc = get_record(&i, &h->records[k]);
		if (rc) {
			scr_red_header_release(h);
			return rc;
		}
		h->nrecords = k + 1;
	}
	if (i.off != i.len)
		goto bad;
	if (h->scheme != SCR_RED_PARTNER &&
	    (h->chunk > UINT64_MAX / (uint64_t)h->m || h->payload_len != (uint64_t)h->m * h->chunk))
		goto bad;
	return 0;
bad:
	scr_red_header_release(h);
	return -SCR_EFORMAT;
}

void scr_red_vreport(void (*warn)(const char *msg), const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (warn)
		warn(msg);
	else
		fprintf(stderr, "scr: %s\n", msg);
}

/* ---- writing ---- */

static int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return scr_err_from_errno(errno);
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int scr_red_pread(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return scr_err_from_errno(errno);
		}
		if (n == 0)
			return -SCR_ETRUNC;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* The file's directory (<dataset dir>/.scr) and, on a node where no rank
 * wrote a file of the dataset, the dataset directory above it. */
static int mkdir_parent(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return -SCR_ENOMEM;
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash) {
		*slash = '\0';
		rc = mkdir(dir, 0700) != 0 && errno != EEXIST ? scr_err_from_errno(errno) : 0;
		char *up = rc == -SCR_ENOENT ? strrchr(dir, '/') : NULL;
		if (up && up != dir) {
			*up = '\0';
			rc = mkdir(dir, 0700) != 0 && errno != EEXIST ? scr_err_from_errno(errno) : 0;
			*up = '/';
			if (!rc)
				rc = mkdir(dir, 0700) != 0 && errno != EEXIST ? scr_err_from_errno(errno) : 0;
		}
	}
	free(dir);
	return rc;
}

int scr_red_writer_begin(struct scr_red_writer *w, const char *path,
			 const struct scr_red_header *h)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	struct out o;
	int rc = encode_header(h, &o);
	if (rc) {
		free(o.p);
		return rc;
	}
	w->path = strdup(path);
	if (!w->path || asprintf(&w->tmp, "%s.tmp", path) < 0) {
		w->tmp = NULL;
		rc = -SCR_ENOMEM;
		goto out;
	}
	rc = mkdir_parent(path);
	if (rc)
		goto out;
	/* a fresh file: never one planted under this name */
	if (unlink(w->tmp) != 0 && errno != ENOENT) {
		rc = scr_err_from_errno(errno);
		goto out;
	}
	w->fd = open(w->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (w->fd < 0) {
		rc = scr_err_from_errno(errno);
		goto out;
	}
	rc = pwrite_full(w->fd, o.p, o.len, 0);
	w->payload_off = o.len;
	w->payload_len = h->payload_len;
out:
	free(o.p);
	if (rc)
		scr_red_writer_abort(w);
	return rc;
}

int scr_red_writer_pwrite(struct scr_red_writer *w, const void *buf, size_t len,
			  uint64_t offset)
{
	if (offset > w->payload_len || len > w->payload_len - offset)
		return -SCR_EINVAL;
	return pwrite_full(w->fd, buf, len, w->payload_off + offset);
}

/* CRC32 of len bytes of fd from off */
static int crc_range(int fd, uint64_t off, uint64_t len, uint32_t *crc)
{
	size_t cap = 1 << 20;
	unsigned char *buf = malloc(cap);
	if (!buf)
		return -SCR_ENOMEM;
	uint32_t c = 0;
	int rc = 0;
	while (!rc && len > 0) {
		size_t n = len < cap ? (size_t)len : cap;
		rc = scr_red_pread(fd, buf, n, off);
		if (!rc)
			c = crc32_gzip_refl(c, buf, n);
		off += n;
		len -= n;
	}
	free(buf);
	*crc = c;
	return rc;
}

int scr_red_writer_finish(struct scr_red_writer *w)
{
	uint32_t crc = 0;
	int rc = crc_range(w->fd, w->payload_off, w->payload_len, &crc);
	if (!rc) {
		struct out o = { 0 };
		put_u32(&o, crc);
		put(&o, END_MAGIC, 8);
		rc = o.failed ? -SCR_ENOMEM
			      : pwrite_full(w->fd, o.p, o.len, w->payload_off + w->payload_len);
		free(o.p);
	}
	if (!rc && close(w->fd) != 0)
		rc = scr_err_from_errno(errno);
	else if (rc)
		close(w->fd);
	w->fd = -1;
	if (!rc && rename(w->tmp, w->path) != 0)
		rc = scr_err_from_errno(errno);
	if (rc) {
		scr_red_writer_abort(w);
		return rc;
	}
	free(w->tmp);
	free(w->path);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	return 0;
}

void scr_red_writer_abort(struct scr_red_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	free(w->tmp);
	free(w->path);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

/* ---- reading ---- */

#define FIXED_LEN 16     /* magic, version, header length */
#define TRAILER_LEN 12   /* payload CRC, closing magic */

static uint32_t le32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

int scr_red_damaged(int rc)
{
	return rc == -SCR_EFORMAT || rc == -SCR_ECORRUPT || rc == -SCR_ETRUNC ||
	       rc == -SCR_EVERSION;
}

const char *scr_red_strerror(int rc)
{
	switch (rc) {
	case -SCR_EFORMAT:
		return "bad header or framing";
	case -SCR_ECORRUPT:
		return "checksum mismatch";
	case -SCR_ETRUNC:
		return "truncated";
	default:
		return scr_strerror(rc);
	}
}

int scr_red_has_magic(const void *head, size_t n)
{
	return !memcmp(head, MAGIC, n < 8 ? n : 8);
}

static int damaged(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int damaged(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -SCR_EFORMAT;
}

int scr_red_frame_check(int fd, uint64_t size, struct scr_red_frame *f, char *why,
			size_t whylen)
{
	unsigned char fixed[FIXED_LEN], trailer[TRAILER_LEN], b[4];
	memset(f, 0, sizeof(*f));
	if (size < FIXED_LEN)
		return damaged(why, whylen, "truncated: %" PRIu64 " bytes, shorter than the %d "
			       "of a redundancy file's fixed header", size, FIXED_LEN);
	int rc = scr_red_pread(fd, fixed, FIXED_LEN, 0);
	if (rc)
		return rc;
	if (memcmp(fixed, MAGIC, 8))
		return damaged(why, whylen, "not a redundancy file (no magic)");
	f->version = le32(fixed + 8);
	f->header_len = le32(fixed + 12);
	uint32_t hlen = f->header_len;
	if (f->version != VERSION)
		return damaged(why, whylen, "redundancy file of unknown format version %" PRIu32
			       " (damaged, or written by a newer scr): this scr reads version %d",
			       f->version, VERSION);
	if (hlen < FIXED_LEN + 4)
		return damaged(why, whylen, "damaged: the header length %" PRIu32 " is impossible "
			       "(at least %d)", hlen, FIXED_LEN + 4);
	if (hlen > size)
		return damaged(why, whylen, "truncated or damaged: the header length says %"
			       PRIu32 " bytes, the file has only %" PRIu64, hlen, size);
	uint32_t crc;
	if ((rc = crc_range(fd, 0, hlen - 4, &crc)) || (rc = scr_red_pread(fd, b, 4, hlen - 4)))
		return rc;
	if (crc != le32(b))
		return damaged(why, whylen, "header checksum mismatch: stored %08" PRIx32 ", the %"
			       PRIu32 " header bytes have %08" PRIx32 " (the header was changed or "
			       "damaged)", le32(b), hlen - 4, crc);
	if (size < (uint64_t)hlen + TRAILER_LEN)
		return damaged(why, whylen, "truncated: %" PRIu64 " bytes, no room for the %d-byte "
			       "trailer after the %" PRIu32 "-byte header", size, TRAILER_LEN, hlen);
	if ((rc = scr_red_pread(fd, trailer, TRAILER_LEN, size - TRAILER_LEN)))
		return rc;
	if (memcmp(trailer + 4, END_MAGIC, 8))
		return damaged(why, whylen, "truncated or damaged: it does not end with the "
			       "closing magic of a redundancy file (the end of the payload is "
			       "missing)");
	f->payload_len = size - hlen - TRAILER_LEN;
	if ((rc = crc_range(fd, hlen, f->payload_len, &crc)))
		return rc;
	f->payload_crc = le32(trailer);
	if (crc != f->payload_crc)
		return damaged(why, whylen, "payload checksum mismatch: stored %08" PRIx32 ", the %"
			       PRIu64 " payload bytes have %08" PRIx32 " (the parity or copy data "
			       "was changed or damaged)", f->payload_crc, f->payload_len, crc);
	return 0;
}


int scr_red_header_read(const char *path, struct scr_red_header *h, uint64_t *payload_off,
			int check_payload)
{
	memset(h, 0, sizeof(*h));
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return scr_err_from_errno(errno);
	struct stat st;
	unsigned char fixed[16];
	int rc = fstat(fd, &st) == 0 ? 0 : scr_err_from_errno(errno);
	if (!rc)
		rc = scr_red_pread(fd, fixed, sizeof(fixed), 0);
	uint32_t hlen = 0;
	for (int k = 0; !rc && k < 4; k++)
		hlen |= (uint32_t)fixed[12 + k] << (8 * k);
	if (!rc && (hlen < 16 + 4 || hlen > (uint64_t)st.st_size))
		rc = -SCR_EFORMAT;
	unsigned char *buf = rc ? NULL : malloc(hlen);
	if (!rc && !buf)
		rc = -SCR_ENOMEM;
	if (!rc)
		rc = scr_red_pread(fd, buf, hlen, 0);
	if (!rc)
		rc = decode_header(buf, hlen, h);
	free(buf);
	/* the file is exactly header, payload and trailer */
	if (!rc && ((uint64_t)st.st_size < (uint64_t)hlen + 12 ||
		    (uint64_t)st.st_size - hlen - 12 != h->payload_len))
		rc = -SCR_ETRUNC;
	unsigned char trailer[12];
	if (!rc)
		rc = scr_red_pread(fd, trailer, sizeof(trailer), hlen + h->payload_len);
	if (!rc && memcmp(trailer + 4, END_MAGIC, 8))
		rc = -SCR_EFORMAT;
	if (!rc && check_payload) {
		uint32_t want = trailer[0] | trailer[1] << 8 | trailer[2] << 16 |
				(uint32_t)trailer[3] << 24;
		uint32_t crc = 0;
		rc = crc_range(fd, hlen, h->payload_len, &crc);
		if (!rc && crc != want)
			rc = -SCR_ECORRUPT;
	}
	close(fd);
	if (rc)
		scr_red_header_release(h);
	else
		*payload_off = hlen;
	return rc;
}
