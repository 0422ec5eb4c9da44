/*
 * Unit tests of core/base/meta.c: the state-file container and the typed records
 * (filemap, summary, index) built on it.
 */
#define _GNU_SOURCE
#include "check.h"

#include "crc.h"
#include "io.h"
#include "layout.h"
#include "meta.h"
#include "scr_err.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ---- */

/* A container with a correct END line around header and body text. */
static char *make_file_n(const char *kind, int version, const char *body,
			 size_t body_len, size_t *len)
{
	char *head = scr_asprintf("SCR-STATE %s %d\n", kind, version);
	size_t hl = strlen(head);
	char *buf = malloc(hl + body_len + 64);
	memcpy(buf, head, hl);
	memcpy(buf + hl, body, body_len);
	size_t n = hl + body_len;
	uint32_t crc = scr_crc32(0, buf, n);
	n += (size_t)sprintf(buf + n, "END %zu %08" PRIx32 "\n", n, crc);
	free(head);
	*len = n;
	return buf;
}

static char *make_file(const char *kind, int version, const char *body, size_t *len)
{
	return make_file_n(kind, version, body, strlen(body), len);
}

static int decode_any(const char *kind, int version, const char *body)
{
	size_t len;
	char *buf = make_file(kind, version, body, &len);
	struct scr_recfile f;
	int rc = scr_recfile_decode(buf, len, NULL, &f);
	scr_recfile_release(&f);
	free(buf);
	return rc;
}

static int decode_summary_body(const char *body)
{
	size_t len;
	char *buf = make_file("summary", 1, body, &len);
	struct scr_summary s;
	int rc = scr_summary_decode(buf, len, &s);
	scr_summary_release(&s);
	free(buf);
	return rc;
}

static int decode_filemap_body(const char *body)
{
	size_t len;
	char *buf = make_file("filemap", 1, body, &len);
	struct scr_filemap m;
	int rc = scr_filemap_decode(buf, len, &m);
	scr_filemap_release(&m);
	free(buf);
	return rc;
}

static int decode_index_body(const char *body)
{
	size_t len;
	char *buf = make_file("index", 1, body, &len);
	struct scr_index x;
	int rc = scr_index_decode(buf, len, &x);
	scr_index_release(&x);
	free(buf);
	return rc;
}

static int is_reject(int rc)
{
	return rc == -SCR_ECORRUPT || rc == -SCR_EFORMAT || rc == -SCR_ETRUNC ||
	       rc == -SCR_EVERSION;
}

static void set_dataset(struct scr_dataset *d, int id, const char *name,
			int flags, int nranks)
{
	memset(d, 0, sizeof(*d));
	d->id = id;
	d->name = strdup(name);
	d->flags = flags;
	d->created = 1700000000 + id;
	d->nranks = nranks;
	d->files = (uint64_t)nranks;
	d->bytes = UINT64_MAX - (uint64_t)id;
	d->complete = 1;
	d->redundancy = strdup("XOR");
}

static const char weird_name[] = "a b=c%d\ne\r\t\x01\x7f h\xc3\xa9llo \xe2\x9c\x93";

static void sample_filemap(struct scr_filemap *m)
{
	struct scr_dataset ds;
	scr_filemap_init(m, 3);
	set_dataset(&ds, 7, weird_name, SCR_FLAG_CKPT_BIT, 4);
	struct scr_filemap_entry *e = scr_filemap_add(m, &ds);
	scr_dataset_release(&ds);
	e->flushed = 1795000000;
	e->prefix = strdup("/pfs/my job/run 1");
	struct scr_file f = { .rank = 3, .path = "ckpt/rank 3=%.dat", .size = 12,
			      .crc = 0xdeadbeef, .complete = 1 };
	CHECK_EQ_INT(scr_filemap_add_file(e, &f), 0);
	f.path = "ckpt/\xc3\xbc.dat";
	f.rank = 2; /* a partner copy */
	f.crc = 0;
	f.complete = 0;
	CHECK_EQ_INT(scr_filemap_add_file(e, &f), 0);
	set_dataset(&ds, 2, "", SCR_FLAG_OUTPUT_BIT | SCR_FLAG_CKPT_BIT, 0);
	free(ds.redundancy);
	ds.redundancy = NULL;
	CHECK(scr_filemap_add(m, &ds) != NULL);
	scr_dataset_release(&ds);
}

static void sample_summary(struct scr_summary *s)
{
	scr_summary_init(s);
	set_dataset(&s->ds, 5, "ckpt.5", SCR_FLAG_CKPT_BIT, 3);
	struct scr_file f = { .rank = 2, .path = "out/r2", .size = 1, .crc = 1, .complete = 1 };
	CHECK_EQ_INT(scr_summary_add_file(s, &f), 0);
	f.rank = 0;
	f.path = "out/r0 a";
	CHECK_EQ_INT(scr_summary_add_file(s, &f), 0);
	f.rank = 1;
	f.path = "out/r1";
	CHECK_EQ_INT(scr_summary_add_file(s, &f), 0);
	f.rank = 0;
	f.path = "out/r0 b";
	f.size = UINT64_MAX;
	CHECK_EQ_INT(scr_summary_add_file(s, &f), 0);
}

static void sample_index(struct scr_index *x)
{
	scr_index_init(x);
	struct scr_index_entry e = { 0 };
	for (int id = 3; id >= 1; id--) {
		char *name = scr_asprintf("ckpt.%d", id);
		set_dataset(&e.ds, id, name, SCR_FLAG_CKPT_BIT, 2);
		e.flushed = id == 2 ? 0 : 1800000000 + id;
		e.failed = id == 1;
		CHECK_EQ_INT(scr_index_put(x, &e), 0);
		scr_dataset_release(&e.ds);
		free(name);
	}
	CHECK_EQ_INT(scr_index_set_current(x, "ckpt.2"), 0);
}

static int count_dir_entries(const char *dir, const char *contains)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *de;
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strstr(de->d_name, contains))
			n++;
	closedir(d);
	return n;
}

/* ---- container ---- */

static void test_escape_roundtrip(void)
{
	char all[256];
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	const char *values[] = { "", "plain", "a b", "k=v", "100%", "%41",
				 "line\nbreak\r\t", "h\xc3\xa9llo \xe2\x9c\x93",
				 "==", "% =\n", all };
	size_t nv = sizeof(values) / sizeof(values[0]);

	struct scr_recfile f;
	scr_recfile_init(&f, "test", 1);
	struct scr_rec *r = scr_recfile_add(&f, "t");
	CHECK(r != NULL);
	for (size_t i = 0; i < nv; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%zu", i);
		CHECK_EQ_INT(scr_rec_put_str(r, key, values[i]), 0);
	}
	CHECK(scr_recfile_add(&f, "empty") != NULL);

	char *buf;
	size_t len;
	CHECK_EQ_INT(scr_recfile_encode(&f, &buf, &len), 0);
	CHECK(memmem(buf, len, " k2=a%20b ", 10) != NULL);
	CHECK(memmem(buf, len, " k3=k%3Dv ", 10) != NULL);
	CHECK(memmem(buf, len, " k4=100%25 ", 11) != NULL);
	CHECK(memmem(buf, len, " k5=%2541 ", 10) != NULL);
	CHECK(memmem(buf, len, " k6=line%0Abreak%0D%09 ", 23) != NULL);
	CHECK(memmem(buf, len, " k7=h%C3%A9llo%20%E2%9C%93 ", 27) != NULL);
	CHECK(memmem(buf, len, "t k0= k1=plain ", 15) != NULL);
	CHECK(memmem(buf, len, "\nempty\n", 7) != NULL);
	/* only printable ASCII and newlines on disk */
	int clean = 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c != '\n' && (c < 0x20 || c > 0x7e))
			clean = 0;
	}
	CHECK(clean);
	/* exactly the newlines of header, two lines and END */
	size_t nl = 0;
	for (size_t i = 0; i < len; i++)
		nl += buf[i] == '\n';
	CHECK_EQ_INT(nl, 4);

	struct scr_recfile g;
	CHECK_EQ_INT(scr_recfile_decode(buf, len, "test", &g), 0);
	CHECK_EQ_STR(g.kind, "test");
	CHECK_EQ_INT(g.version, 1);
	CHECK_EQ_INT(g.nrec, 2);
	if (g.nrec == 2) {
		CHECK_EQ_STR(g.rec[0].tag, "t");
		CHECK_EQ_INT(g.rec[0].nkv, nv);
		for (size_t i = 0; i < nv; i++) {
			char key[16];
			const char *v = NULL;
			snprintf(key, sizeof(key), "k%zu", i);
			CHECK_EQ_INT(scr_rec_get_str(&g.rec[0], key, &v), 0);
			CHECK_EQ_STR(v, values[i]);
		}
		CHECK_EQ_STR(g.rec[1].tag, "empty");
		CHECK_EQ_INT(g.rec[1].nkv, 0);
	}
	/* canonical: re-encoding gives the same bytes */
	char *buf2;
	size_t len2;
	CHECK_EQ_INT(scr_recfile_encode(&g, &buf2, &len2), 0);
	CHECK(len2 == len && !memcmp(buf, buf2, len));
	free(buf2);
	scr_recfile_release(&g);
	CHECK(g.rec == NULL && g.nrec == 0 && g.kind == NULL);
	free(buf);
	scr_recfile_release(&f);
}

static void test_container_layout(void)
{
	struct scr_recfile f;
	scr_recfile_init(&f, "demo.kind-2", 7);
	struct scr_rec *r = scr_recfile_add(&f, "line");
	CHECK_EQ_INT(scr_rec_put_str(r, "a", "1"), 0);
	CHECK_EQ_INT(scr_rec_put_str(r, "a", "2"), 0); /* replaces */
	CHECK_EQ_INT(r->nkv, 1);
	char *buf;
	size_t len;
	CHECK_EQ_INT(scr_recfile_encode(&f, &buf, &len), 0);
	const char *want_body = "SCR-STATE demo.kind-2 7\nline a=2\n";
	size_t bl = strlen(want_body);
	CHECK(len > bl && !memcmp(buf, want_body, bl));
	char end[64];
	snprintf(end, sizeof(end), "END %zu %08" PRIx32 "\n", bl, scr_crc32(0, want_body, bl));
	CHECK_EQ_INT(len, bl + strlen(end));
	CHECK(len >= bl && !memcmp(buf + bl, end, strlen(end)));
	free(buf);

	/* an empty file body is fine */
	struct scr_recfile e, g;
	scr_recfile_init(&e, "x", 1);
	CHECK_EQ_INT(scr_recfile_encode(&e, &buf, &len), 0);
	CHECK_EQ_INT(scr_recfile_decode(buf, len, "x", &g), 0);
	CHECK_EQ_INT(g.nrec, 0);
	scr_recfile_release(&g);
	free(buf);
	scr_recfile_release(&e);

	/* invalid names are refused by writers */
	CHECK(scr_recfile_add(&f, "END") == NULL);
	CHECK(scr_recfile_add(&f, "a b") == NULL);
	CHECK(scr_recfile_add(&f, "") == NULL);
	CHECK_EQ_INT(scr_rec_put_str(r, "k=", "v"), -SCR_EINVAL);
	CHECK_EQ_INT(scr_rec_put_str(r, "", "v"), -SCR_EINVAL);
	CHECK_EQ_INT(scr_rec_put_str(r, "k", NULL), -SCR_EINVAL);
	scr_recfile_release(&f);
	scr_recfile_init(&f, "bad kind", 1);
	CHECK_EQ_INT(scr_recfile_encode(&f, &buf, &len), -SCR_EINVAL);
	scr_recfile_release(&f);
	scr_recfile_init(&f, "k", 0);
	CHECK_EQ_INT(scr_recfile_encode(&f, &buf, &len), -SCR_EINVAL);
	scr_recfile_release(&f);
}

static void test_numbers(void)
{
	struct scr_recfile f;
	scr_recfile_init(&f, "n", 1);
	struct scr_rec *r = scr_recfile_add(&f, "n");
	uint64_t u;
	int64_t i;
	int n;
	uint32_t c;

	CHECK_EQ_INT(scr_rec_put_u64(r, "u", UINT64_MAX), 0);
	CHECK_EQ_INT(scr_rec_get_u64(r, "u", &u), 0);
	CHECK(u == UINT64_MAX);
	CHECK_EQ_STR(r->kv[0].value, "18446744073709551615");
	CHECK_EQ_INT(scr_rec_put_i64(r, "i", INT64_MIN), 0);
	CHECK_EQ_INT(scr_rec_get_i64(r, "i", &i), 0);
	CHECK(i == INT64_MIN);
	CHECK_EQ_INT(scr_rec_put_i64(r, "i", INT64_MAX), 0);
	CHECK_EQ_INT(scr_rec_get_i64(r, "i", &i), 0);
	CHECK(i == INT64_MAX);
	CHECK_EQ_INT(scr_rec_get_int(r, "i", &n), -SCR_EFORMAT);
	CHECK_EQ_INT(scr_rec_put_i64(r, "i", -5), 0);
	CHECK_EQ_INT(scr_rec_get_int(r, "i", &n), 0);
	CHECK_EQ_INT(n, -5);
	CHECK_EQ_INT(scr_rec_get_u64(r, "i", &u), -SCR_EFORMAT);
	CHECK_EQ_INT(scr_rec_put_i64(r, "i", 2147483648LL), 0);
	CHECK_EQ_INT(scr_rec_get_int(r, "i", &n), -SCR_EFORMAT);
	CHECK_EQ_INT(scr_rec_put_i64(r, "i", -2147483648LL), 0);
	CHECK_EQ_INT(scr_rec_get_int(r, "i", &n), 0);
	CHECK_EQ_INT(n, -2147483647 - 1);
	CHECK_EQ_INT(scr_rec_put_crc(r, "c", 0xab), 0);
	CHECK_EQ_STR(r->kv[2].value, "000000ab");
	CHECK_EQ_INT(scr_rec_get_crc(r, "c", &c), 0);
	CHECK_EQ_INT(c, 0xab);
	CHECK_EQ_INT(scr_rec_get_str(r, "missing", &(const char *){ NULL }), -SCR_EFORMAT);
	CHECK_EQ_INT(scr_rec_get_u64(r, "missing", &u), -SCR_EFORMAT);
	CHECK_EQ_INT(scr_rec_get_crc(r, "missing", &c), -SCR_EFORMAT);

	const char *bad_u64[] = { "", "-1", "+1", " 1", "1 ", "01", "00", "1e3", "0x10",
				  "18446744073709551616", "99999999999999999999999" };
	for (size_t k = 0; k < sizeof(bad_u64) / sizeof(bad_u64[0]); k++) {
		scr_rec_put_str(r, "b", bad_u64[k]);
		CHECK_EQ_INT(scr_rec_get_u64(r, "b", &u), -SCR_EFORMAT);
	}
	const char *bad_i64[] = { "", "-", "-0", "--1", "+1", "-01", "9223372036854775808",
				  "-9223372036854775809", "1.5" };
	for (size_t k = 0; k < sizeof(bad_i64) / sizeof(bad_i64[0]); k++) {
		scr_rec_put_str(r, "b", bad_i64[k]);
		CHECK_EQ_INT(scr_rec_get_i64(r, "b", &i), -SCR_EFORMAT);
		CHECK_EQ_INT(scr_rec_get_int(r, "b", &n), -SCR_EFORMAT);
	}
	const char *bad_crc[] = { "", "1234567", "123456789", "ABCDEF12", "1234567g",
				  "-1234567", " 1234567" };
	for (size_t k = 0; k < sizeof(bad_crc) / sizeof(bad_crc[0]); k++) {
		scr_rec_put_str(r, "b", bad_crc[k]);
		CHECK_EQ_INT(scr_rec_get_crc(r, "b", &c), -SCR_EFORMAT);
	}
	scr_rec_put_str(r, "b", "0");
	CHECK_EQ_INT(scr_rec_get_u64(r, "b", &u), 0);
	CHECK(u == 0);
	scr_rec_put_str(r, "b", "ffffffff");
	CHECK_EQ_INT(scr_rec_get_crc(r, "b", &c), 0);
	CHECK(c == 0xffffffffu);
	scr_recfile_release(&f);
}

/* Hand-written containers: syntax the decoder must refuse. */
static void test_container_strict(void)
{
	CHECK_EQ_INT(decode_any("k", 1, "t a=1 b=2\n"), 0);
	CHECK_EQ_INT(decode_any("k", 1, "t a=1 a=2\n"), -SCR_EFORMAT);   /* duplicate key */
	CHECK_EQ_INT(decode_any("k", 1, "\n"), -SCR_EFORMAT);            /* empty line */
	CHECK_EQ_INT(decode_any("k", 1, "t  a=1\n"), -SCR_EFORMAT);      /* double space */
	CHECK_EQ_INT(decode_any("k", 1, "t a=1 \n"), -SCR_EFORMAT);      /* trailing space */
	CHECK_EQ_INT(decode_any("k", 1, " t\n"), -SCR_EFORMAT);          /* leading space */
	CHECK_EQ_INT(decode_any("k", 1, "t a\n"), -SCR_EFORMAT);         /* no '=' */
	CHECK_EQ_INT(decode_any("k", 1, "t =1\n"), -SCR_EFORMAT);        /* empty key */
	CHECK_EQ_INT(decode_any("k", 1, "t a=b=c\n"), -SCR_EFORMAT);     /* raw '=' */
	CHECK_EQ_INT(decode_any("k", 1, "t a=%0a\n"), -SCR_EFORMAT);     /* lower-case escape */
	CHECK_EQ_INT(decode_any("k", 1, "t a=%41\n"), -SCR_EFORMAT);     /* needless escape */
	CHECK_EQ_INT(decode_any("k", 1, "t a=%00\n"), -SCR_EFORMAT);     /* NUL */
	CHECK_EQ_INT(decode_any("k", 1, "t a=%2\n"), -SCR_EFORMAT);      /* short escape */
	CHECK_EQ_INT(decode_any("k", 1, "t a=%\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_any("k", 1, "t a=%G0\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_any("k", 1, "t a=\x01\n"), -SCR_EFORMAT);    /* raw control */
	CHECK_EQ_INT(decode_any("k", 1, "t a=\xc3\xa9\n"), -SCR_EFORMAT); /* raw UTF-8 */
	CHECK_EQ_INT(decode_any("k", 1, "t a=x\ty\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_any("k", 1, "END a=1\n"), -SCR_EFORMAT);     /* reserved tag */
	CHECK_EQ_INT(decode_any("k", 1, "t/x a=1\n"), -SCR_EFORMAT);     /* bad tag */
	CHECK_EQ_INT(decode_any("k", 1, "t a:b=1\n"), -SCR_EFORMAT);     /* bad key */
	CHECK_EQ_INT(decode_any("k", 1, "t a=1\r\n"), -SCR_EFORMAT);     /* CRLF */
	CHECK_EQ_INT(decode_any("k", 1, "t a=%25%3D%20\n"), 0);
	CHECK_EQ_INT(decode_any("k", 0, ""), -SCR_EFORMAT);              /* version 0 */
	CHECK_EQ_INT(decode_any("k k", 1, ""), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_any("", 1, ""), -SCR_EFORMAT);

	/* NUL bytes inside a line with a valid CRC */
	size_t len;
	char *buf = make_file_n("k", 1, "t a=1\0b\n", 8, &len);
	struct scr_recfile f;
	CHECK_EQ_INT(scr_recfile_decode(buf, len, NULL, &f), -SCR_EFORMAT);
	free(buf);
	buf = make_file_n("k", 1, "t\0 a=1\n", 7, &len);
	CHECK_EQ_INT(scr_recfile_decode(buf, len, NULL, &f), -SCR_EFORMAT);
	free(buf);

	/* header and END line syntax */
	const struct { const char *text; int rc; } raw[] = {
		{ "", -SCR_ETRUNC },
		{ "SCR", -SCR_ETRUNC },
		{ "SCR-STATE k 1", -SCR_ETRUNC },
		{ "SCR-STATE k 1\n", -SCR_ETRUNC },
		{ "XYZ", -SCR_EFORMAT },
		{ "scr-state k 1\nEND 14 00000000\n", -SCR_EFORMAT },
		{ "\x7f" "ELF\x02\x01\x01", -SCR_EFORMAT },
		{ "SCR-STATE k 1\nEND 14 00000000\n", -SCR_ECORRUPT },
		{ "SCR-STATE k 1\nEND 14\n", -SCR_ECORRUPT },
		{ "SCR-STATE k 1\nEND 014 00000000\n", -SCR_ECORRUPT },
		{ "SCR-STATE k 1\nEND 99999999999999999999999 00000000\n", -SCR_ECORRUPT },
		{ "SCR-STATE k 1\nEND  14 00000000\n", -SCR_ECORRUPT },
		{ "SCR-STATE k 1\nEND\n", -SCR_ETRUNC },
		{ "SCR-STATE k 1\nt a=1\n", -SCR_ETRUNC },
		{ "SCR-STATE k 99999999999\nEND 14 00000000\n", -SCR_ECORRUPT },
	};
	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		int rc = scr_recfile_decode(raw[i].text, strlen(raw[i].text), NULL, &f);
		if (rc != raw[i].rc)
			fprintf(stderr, "raw case %zu: got %d\n", i, rc);
		CHECK_EQ_INT(rc, raw[i].rc);
		CHECK(f.nrec == 0 && f.kind == NULL);
	}

	/* a correct file with something after its END line */
	buf = make_file("k", 1, "t a=1\n", &len);
	char *more = malloc(len + 32);
	memcpy(more, buf, len);
	memcpy(more + len, "x", 1);
	CHECK_EQ_INT(scr_recfile_decode(more, len + 1, NULL, &f), -SCR_ETRUNC);
	memcpy(more + len, "END 1 00000000\n", 15);
	CHECK_EQ_INT(scr_recfile_decode(more, len + 15, NULL, &f), -SCR_ECORRUPT);
	memcpy(more + len, "t b=2\n", 6);
	CHECK_EQ_INT(scr_recfile_decode(more, len + 6, NULL, &f), -SCR_ETRUNC);
	free(more);
	free(buf);
}

static void test_kind_version(void)
{
	size_t len;
	struct scr_recfile f;
	struct scr_index x;
	char *buf = make_file("index", 2, "", &len);
	/* a generic reader accepts any version and reports it */
	CHECK_EQ_INT(scr_recfile_decode(buf, len, "index", &f), 0);
	CHECK_EQ_INT(f.version, 2);
	scr_recfile_release(&f);
	CHECK_EQ_INT(scr_recfile_decode_max(buf, len, "index", 1, &f), -SCR_EVERSION);
	CHECK_EQ_INT(scr_recfile_decode_max(buf, len, "index", 2, &f), 0);
	scr_recfile_release(&f);
	CHECK_EQ_INT(scr_index_decode(buf, len, &x), -SCR_EVERSION);
	/* even when the trailer of the newer format is different */
	buf[len - 2] = 'X';
	CHECK_EQ_INT(scr_index_decode(buf, len, &x), -SCR_EVERSION);
	CHECK_EQ_INT(scr_recfile_decode(buf, len, "index", &f), -SCR_ECORRUPT);
	free(buf);

	buf = make_file("filemap", 1, "filemap rank=0\n", &len);
	CHECK_EQ_INT(scr_index_decode(buf, len, &x), -SCR_EFORMAT);
	CHECK_EQ_INT(scr_recfile_decode(buf, len, "index", &f), -SCR_EFORMAT);
	CHECK_EQ_INT(scr_recfile_decode(buf, len, NULL, &f), 0);
	CHECK_EQ_STR(f.kind, "filemap");
	scr_recfile_release(&f);
	struct scr_filemap m;
	CHECK_EQ_INT(scr_filemap_decode(buf, len, &m), 0);
	CHECK_EQ_INT(m.rank, 0);
	scr_filemap_release(&m);
	free(buf);

	/* typed kinds cross-checked */
	struct scr_summary s;
	sample_summary(&s);
	CHECK_EQ_INT(scr_summary_encode(&s, &buf, &len), 0);
	CHECK_EQ_INT(scr_filemap_decode(buf, len, &m), -SCR_EFORMAT);
	CHECK_EQ_INT(scr_index_decode(buf, len, &x), -SCR_EFORMAT);
	free(buf);
	scr_summary_release(&s);
}

/* Every byte changed to every other value, and every truncation. */
typedef int (*decode_fn)(const char *buf, size_t len);

static int dec_filemap(const char *buf, size_t len)
{
	struct scr_filemap m;
	int rc = scr_filemap_decode(buf, len, &m);
	scr_filemap_release(&m);
	return rc;
}

static int dec_summary(const char *buf, size_t len)
{
	struct scr_summary s;
	int rc = scr_summary_decode(buf, len, &s);
	scr_summary_release(&s);
	return rc;
}

static int dec_index(const char *buf, size_t len)
{
	struct scr_index x;
	int rc = scr_index_decode(buf, len, &x);
	scr_index_release(&x);
	return rc;
}

static void check_damage(const char *what, const char *buf, size_t len, decode_fn dec)
{
	CHECK_EQ_INT(dec(buf, len), 0);
	char *copy = malloc(len);
	size_t accepted = 0, bad_code = 0;
	for (size_t pos = 0; pos < len; pos++) {
		for (int x = 1; x < 256; x++) {
			memcpy(copy, buf, len);
			copy[pos] = (char)(copy[pos] ^ x);
			int rc = dec(copy, len);
			if (rc == 0)
				accepted++;
			else if (!is_reject(rc))
				bad_code++;
		}
	}
	size_t not_trunc = 0;
	for (size_t n = 0; n < len; n++) {
		/* a fresh allocation of exactly n bytes so valgrind sees overreads */
		char *cut = malloc(n ? n : 1);
		memcpy(cut, buf, n);
		if (dec(cut, n) != -SCR_ETRUNC)
			not_trunc++;
		free(cut);
	}
	if (accepted || bad_code || not_trunc)
		fprintf(stderr, "%s: %zu flips accepted, %zu odd codes, %zu cuts not TRUNC\n",
			what, accepted, bad_code, not_trunc);
	CHECK_EQ_INT(accepted, 0);
	CHECK_EQ_INT(bad_code, 0);
	CHECK_EQ_INT(not_trunc, 0);
	free(copy);
}

static void test_damage(void)
{
	char *buf;
	size_t len;
	struct scr_filemap m;
	sample_filemap(&m);
	CHECK_EQ_INT(scr_filemap_encode(&m, &buf, &len), 0);
	check_damage("filemap", buf, len, dec_filemap);
	free(buf);
	scr_filemap_release(&m);

	struct scr_summary s;
	sample_summary(&s);
	CHECK_EQ_INT(scr_summary_encode(&s, &buf, &len), 0);
	check_damage("summary", buf, len, dec_summary);
	free(buf);
	scr_summary_release(&s);

	struct scr_index x;
	sample_index(&x);
	CHECK_EQ_INT(scr_index_encode(&x, &buf, &len), 0);
	check_damage("index", buf, len, dec_index);
	free(buf);
	scr_index_release(&x);

	scr_index_init(&x);
	CHECK_EQ_INT(scr_index_encode(&x, &buf, &len), 0);
	check_damage("empty index", buf, len, dec_index);
	free(buf);
}

/* ---- paths ---- */

static void test_relpath(const char *dir)
{
	const char *bad[] = { "/etc/passwd", "../x", "a/../b", "a//b", ".", "", "..",
			      "a/.", "./a", "a/", "/", "a/b/..", "//x" };
	const char *good[] = { "a", "a/b", "ckpt/rank3.dat", ".hidden", "a/..b", "...",
			       "a b/c=d", "\xc3\xbc" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ_INT(scr_meta_check_relpath(bad[i]), -SCR_EPATH);

		/* a hostile summary and filemap carrying the path */
		struct scr_recfile f;
		scr_recfile_init(&f, "summary", 1);
		struct scr_rec *r = scr_recfile_add(&f, "dataset");
		scr_rec_put_i64(r, "id", 1);
		scr_rec_put_str(r, "name", "n");
		scr_rec_put_i64(r, "flags", 1);
		scr_rec_put_i64(r, "created", 0);
		scr_rec_put_i64(r, "nranks", 1);
		scr_rec_put_u64(r, "files", 1);
		scr_rec_put_u64(r, "bytes", 0);
		scr_rec_put_i64(r, "complete", 1);
		scr_rec_put_str(r, "redundancy", "SINGLE");
		r = scr_recfile_add(&f, "file");
		scr_rec_put_i64(r, "rank", 0);
		scr_rec_put_str(r, "path", bad[i]);
		scr_rec_put_u64(r, "size", 0);
		scr_rec_put_crc(r, "crc", 0);
		scr_rec_put_i64(r, "complete", 1);
		char *path = scr_asprintf("%s/hostile.scr", dir);
		CHECK_EQ_INT(scr_recfile_write(path, &f), 0);
		struct scr_summary s;
		CHECK_EQ_INT(scr_summary_read(path, &s), -SCR_EPATH);
		CHECK(s.nfiles == 0 && s.files == NULL && s.ds.name == NULL);

		free(f.kind);
		f.kind = strdup("filemap");
		f.rec[0].tag[0] = 'X'; /* "Xataset": now the first line must be filemap */
		CHECK_EQ_INT(scr_recfile_write(path, &f), 0);
		struct scr_filemap m;
		CHECK_EQ_INT(scr_filemap_read(path, &m), -SCR_EFORMAT);
		/* make it a proper filemap: filemap line, dataset, file */
		struct scr_recfile g;
		scr_recfile_init(&g, "filemap", 1);
		scr_rec_put_i64(scr_recfile_add(&g, "filemap"), "rank", 0);
		struct scr_rec *d = scr_recfile_add(&g, "dataset");
		for (size_t k = 0; k < f.rec[0].nkv; k++)
			scr_rec_put_str(d, f.rec[0].kv[k].key, f.rec[0].kv[k].value);
		scr_rec_put_i64(d, "flushed", 0);
		scr_rec_put_str(d, "prefix", "");
		struct scr_rec *fl = scr_recfile_add(&g, "file");
		for (size_t k = 0; k < f.rec[1].nkv; k++)
			scr_rec_put_str(fl, f.rec[1].kv[k].key, f.rec[1].kv[k].value);
		CHECK_EQ_INT(scr_recfile_write(path, &g), 0);
		CHECK_EQ_INT(scr_filemap_read(path, &m), -SCR_EPATH);
		CHECK(m.n == 0 && m.e == NULL);
		scr_recfile_release(&g);
		scr_recfile_release(&f);

		/* and writers refuse to write it */
		struct scr_file file = { .rank = 0, .path = (char *)bad[i], .complete = 1 };
		scr_summary_init(&s);
		set_dataset(&s.ds, 1, "n", 1, 1);
		s.files = &file;
		s.nfiles = 1;
		char *buf;
		size_t len;
		CHECK_EQ_INT(scr_summary_encode(&s, &buf, &len), -SCR_EPATH);
		s.files = NULL;
		s.nfiles = 0;
		scr_summary_release(&s);
		free(path);
	}
	CHECK_EQ_INT(scr_meta_check_relpath(NULL), -SCR_EPATH);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK_EQ_INT(scr_meta_check_relpath(good[i]), 0);
	/* an escaped NUL cannot smuggle a shorter path through */
	CHECK_EQ_INT(decode_summary_body(
		"dataset id=1 name=n flags=1 created=0 nranks=1 files=1 bytes=0 complete=1 redundancy=\n"
		"file rank=0 path=a%00/../../x size=0 crc=00000000 complete=1\n"), -SCR_EFORMAT);
}

/* ---- typed validation ---- */

#define DS1 "dataset id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X\n"
/* filemap dataset lines also say when the dataset was flushed */
#define FM_DS1 "dataset id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X flushed=0 prefix=/p\n"
#define FILE0 "file rank=0 path=a size=0 crc=00000000 complete=1\n"
#define ENTRY1 "entry id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X flushed=0 failed=0\n"

static void test_typed_validation(void)
{
	CHECK_EQ_INT(decode_summary_body(DS1 FILE0), 0);
	CHECK_EQ_INT(decode_summary_body(DS1), 0);
	CHECK_EQ_INT(decode_summary_body(""), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_summary_body(FILE0 DS1), -SCR_EFORMAT);  /* file before dataset */
	CHECK_EQ_INT(decode_summary_body(DS1 DS1), -SCR_EFORMAT);    /* two datasets */
	CHECK_EQ_INT(decode_summary_body(DS1 "other a=1\n"), -SCR_EFORMAT);
	/* missing, unknown and duplicate keys */
	CHECK_EQ_INT(decode_summary_body(
		"dataset id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_summary_body(
		"dataset id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X extra=1\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_summary_body(
		"dataset id=1 id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_summary_body(DS1 "file rank=0 path=a size=0 complete=1\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_summary_body(DS1 "file rank=0 path=a size=0 crc=00000000 complete=1 x=\n"), -SCR_EFORMAT);
	/* values out of range */
	const char *bad_ds[] = {
		"dataset id=0 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X\n",
		"dataset id=-1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X\n",
		"dataset id=2147483648 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X\n",
		"dataset id=1 name=n flags=4 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X\n",
		"dataset id=1 name=n flags=-1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X\n",
		"dataset id=1 name=n flags=1 created=-1 nranks=2 files=1 bytes=0 complete=1 redundancy=X\n",
		"dataset id=1 name=n flags=1 created=0 nranks=-2 files=1 bytes=0 complete=1 redundancy=X\n",
		"dataset id=1 name=n flags=1 created=0 nranks=2147483648 files=1 bytes=0 complete=1 redundancy=X\n",
		"dataset id=1 name=n flags=1 created=0 nranks=2 files=-1 bytes=0 complete=1 redundancy=X\n",
		"dataset id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=18446744073709551616 complete=1 redundancy=X\n",
		"dataset id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=2 redundancy=X\n",
		"dataset id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=yes redundancy=X\n",
	};
	for (size_t i = 0; i < sizeof(bad_ds) / sizeof(bad_ds[0]); i++)
		CHECK_EQ_INT(decode_summary_body(bad_ds[i]), -SCR_EFORMAT);
	const char *bad_file[] = {
		"file rank=2 path=a size=0 crc=00000000 complete=1\n",   /* rank >= nranks */
		"file rank=-1 path=a size=0 crc=00000000 complete=1\n",
		"file rank=0 path=a size=18446744073709551616 crc=00000000 complete=1\n",
		"file rank=0 path=a size=0 crc=0000000 complete=1\n",
		"file rank=0 path=a size=0 crc=00000000 complete=-1\n",
	};
	for (size_t i = 0; i < sizeof(bad_file) / sizeof(bad_file[0]); i++) {
		char *body = scr_asprintf("%s%s", DS1, bad_file[i]);
		CHECK_EQ_INT(decode_summary_body(body), -SCR_EFORMAT);
		free(body);
	}
	/* nranks 0: ranks not bounded */
	CHECK_EQ_INT(decode_summary_body(
		"dataset id=1 name=n flags=3 created=0 nranks=0 files=1 bytes=0 complete=0 redundancy=X\n"
		"file rank=2000000 path=a size=18446744073709551615 crc=ffffffff complete=0\n"), 0);

	CHECK_EQ_INT(decode_filemap_body("filemap rank=0\n" FM_DS1 FILE0), 0);
	CHECK_EQ_INT(decode_filemap_body(FM_DS1 FILE0), -SCR_EFORMAT);           /* no filemap line */
	CHECK_EQ_INT(decode_filemap_body("filemap rank=0\n" FILE0 FM_DS1), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_filemap_body("filemap rank=-1\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_filemap_body("filemap\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_filemap_body("filemap rank=0 x=1\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_filemap_body("filemap rank=0\nfilemap rank=0\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_filemap_body("filemap rank=0\n" FM_DS1 FM_DS1), -SCR_EFORMAT); /* duplicate id */
	CHECK_EQ_INT(decode_filemap_body("filemap rank=0\n"
		"dataset id=2 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X flushed=0 prefix=/p\n"
		FM_DS1), -SCR_EFORMAT);                                            /* ids not increasing */
	CHECK_EQ_INT(decode_filemap_body("filemap rank=0\n" FM_DS1
		"file rank=5 path=a size=0 crc=00000000 complete=1\n"), -SCR_EFORMAT);

	CHECK_EQ_INT(decode_filemap_body("filemap rank=0\n" DS1 FILE0), -SCR_EFORMAT); /* no flushed= */
	CHECK_EQ_INT(decode_filemap_body("filemap rank=0\n"
		"dataset id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X flushed=-1 prefix=/p\n"),
		-SCR_EFORMAT);

	CHECK_EQ_INT(decode_index_body(""), 0);
	CHECK_EQ_INT(decode_index_body(ENTRY1), 0);
	CHECK_EQ_INT(decode_index_body("current name=n\n" ENTRY1), 0);
	CHECK_EQ_INT(decode_index_body("current name=m\n" ENTRY1), -SCR_EFORMAT); /* names nothing */
	CHECK_EQ_INT(decode_index_body(ENTRY1 "current name=n\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_index_body("current\n" ENTRY1), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_index_body(ENTRY1 ENTRY1), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_index_body(DS1), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_index_body(
		"entry id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X flushed=0 prefix=/p\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_index_body(
		"entry id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X flushed=0 failed=2\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_index_body(
		"entry id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X flushed=-5 failed=0\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_index_body(
		"entry id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X flushed=9223372036854775808 failed=0\n"), -SCR_EFORMAT);
	CHECK_EQ_INT(decode_index_body(
		"entry id=1 name=n flags=1 created=0 nranks=2 files=1 bytes=0 complete=1 redundancy=X flushed=0 failed=0 z=1\n"), -SCR_EFORMAT);
}

/* ---- typed round trips and operations ---- */

static void check_same_dataset(const struct scr_dataset *a, const struct scr_dataset *b)
{
	CHECK_EQ_INT(a->id, b->id);
	CHECK_EQ_STR(a->name, b->name ? b->name : "");
	CHECK_EQ_INT(a->flags, b->flags);
	CHECK_EQ_INT(a->created, b->created);
	CHECK_EQ_INT(a->nranks, b->nranks);
	CHECK(a->files == b->files);
	CHECK(a->bytes == b->bytes);
	CHECK_EQ_INT(a->complete, b->complete);
	CHECK_EQ_STR(a->redundancy, b->redundancy ? b->redundancy : "");
}

static void test_filemap(const char *dir)
{
	struct scr_filemap m, r;
	sample_filemap(&m);
	CHECK_EQ_INT(m.n, 2);
	CHECK_EQ_INT(m.e[0].ds.id, 2);   /* sorted on insert */
	CHECK_EQ_INT(m.e[1].ds.id, 7);
	CHECK(scr_filemap_find(&m, 7) == &m.e[1]);
	CHECK(scr_filemap_find(&m, 3) == NULL);
	/* adding an existing id returns that entry unchanged */
	struct scr_dataset ds;
	set_dataset(&ds, 7, "other", 1, 1);
	CHECK(scr_filemap_add(&m, &ds) == &m.e[1]);
	CHECK_EQ_STR(m.e[1].ds.name, weird_name);
	scr_dataset_release(&ds);

	char *path = scr_asprintf("%s/filemap_3.scr", dir);
	CHECK_EQ_INT(scr_filemap_write(path, &m, 0600), 0);
	CHECK_EQ_INT(scr_filemap_read(path, &r), 0);
	CHECK_EQ_INT(r.rank, 3);
	CHECK_EQ_INT(r.n, 2);
	for (size_t i = 0; i < r.n && i < m.n; i++) {
		check_same_dataset(&r.e[i].ds, &m.e[i].ds);
		CHECK_EQ_INT(r.e[i].flushed, m.e[i].flushed);
		if (m.e[i].prefix)
			CHECK_EQ_STR(r.e[i].prefix, m.e[i].prefix);
		else
			CHECK(r.e[i].prefix == NULL);
		CHECK_EQ_INT(r.e[i].nfiles, m.e[i].nfiles);
		for (size_t j = 0; j < r.e[i].nfiles && j < m.e[i].nfiles; j++) {
			CHECK_EQ_INT(r.e[i].files[j].rank, m.e[i].files[j].rank);
			CHECK_EQ_STR(r.e[i].files[j].path, m.e[i].files[j].path);
			CHECK(r.e[i].files[j].size == m.e[i].files[j].size);
			CHECK(r.e[i].files[j].crc == m.e[i].files[j].crc);
			CHECK_EQ_INT(r.e[i].files[j].complete, m.e[i].files[j].complete);
		}
	}
	scr_filemap_release(&r);

	scr_filemap_remove(&m, 2);
	scr_filemap_remove(&m, 99);
	CHECK_EQ_INT(m.n, 1);
	CHECK_EQ_INT(m.e[0].ds.id, 7);
	CHECK_EQ_INT(scr_filemap_write(path, &m, 0600), 0);
	CHECK_EQ_INT(scr_filemap_read(path, &r), 0);
	CHECK_EQ_INT(r.n, 1);
	scr_filemap_release(&r);

	/* writers refuse what readers would refuse */
	m.e[0].files[0].rank = 4;     /* nranks is 4 */
	char *buf;
	size_t len;
	CHECK_EQ_INT(scr_filemap_encode(&m, &buf, &len), -SCR_EINVAL);
	m.e[0].files[0].rank = 0;
	m.e[0].ds.flags = 8;
	CHECK_EQ_INT(scr_filemap_encode(&m, &buf, &len), -SCR_EINVAL);
	m.e[0].ds.flags = 1;
	m.rank = -1;
	CHECK_EQ_INT(scr_filemap_encode(&m, &buf, &len), -SCR_EINVAL);
	m.rank = 3;
	CHECK_EQ_INT(scr_filemap_encode(&m, &buf, &len), 0);
	free(buf);
	scr_filemap_release(&m);
	CHECK(m.n == 0 && m.e == NULL);

	/* an empty filemap */
	scr_filemap_init(&m, 0);
	CHECK_EQ_INT(scr_filemap_write(path, &m, 0600), 0);
	CHECK_EQ_INT(scr_filemap_read(path, &r), 0);
	CHECK_EQ_INT(r.rank, 0);
	CHECK_EQ_INT(r.n, 0);
	scr_filemap_release(&r);
	scr_filemap_release(&m);

	unlink(path);
	CHECK_EQ_INT(scr_filemap_read(path, &r), -SCR_ENOENT);
	free(path);
}

static void test_summary(const char *dir)
{
	struct scr_summary s, r;
	sample_summary(&s);
	/* ordered by rank, then as added */
	CHECK_EQ_INT(s.nfiles, 4);
	CHECK_EQ_STR(s.files[0].path, "out/r0 a");
	CHECK_EQ_STR(s.files[1].path, "out/r0 b");
	CHECK_EQ_STR(s.files[2].path, "out/r1");
	CHECK_EQ_STR(s.files[3].path, "out/r2");

	char *path = scr_prefix_summary_path(dir, 5);
	char *ddir = scr_prefix_dataset_dir(dir, 5);
	CHECK_EQ_INT(scr_mkdir_p(ddir, 0700), 0);
	CHECK_EQ_INT(scr_summary_write(path, &s), 0);
	CHECK_EQ_INT(scr_summary_read(path, &r), 0);
	check_same_dataset(&r.ds, &s.ds);
	CHECK_EQ_INT(r.nfiles, s.nfiles);
	for (size_t i = 0; i < r.nfiles && i < s.nfiles; i++) {
		CHECK_EQ_INT(r.files[i].rank, s.files[i].rank);
		CHECK_EQ_STR(r.files[i].path, s.files[i].path);
		CHECK(r.files[i].size == s.files[i].size);
	}
	scr_summary_release(&r);
	scr_summary_release(&s);
	CHECK_EQ_INT(scr_remove_tree(ddir), 0);
	free(path);
	free(ddir);
}

static void test_index(const char *dir)
{
	struct scr_index x, r;
	sample_index(&x);
	CHECK_EQ_INT(x.n, 3);
	CHECK_EQ_INT(x.e[0].ds.id, 1);
	CHECK_EQ_INT(x.e[2].ds.id, 3);
	CHECK_EQ_STR(x.current, "ckpt.2");
	CHECK(scr_index_find_id(&x, 2) == &x.e[1]);
	CHECK(scr_index_find_id(&x, 4) == NULL);
	CHECK(scr_index_find_name(&x, "ckpt.3") == &x.e[2]);
	CHECK(scr_index_find_name(&x, "nope") == NULL);
	CHECK_EQ_INT(scr_index_set_current(&x, "nope"), -SCR_ENOENT);
	CHECK_EQ_STR(x.current, "ckpt.2");

	char *scrdir = scr_prefix_scrdir(dir);
	char *path = scr_prefix_index_path(dir);
	CHECK_EQ_INT(scr_mkdir_p(scrdir, 0700), 0);
	/* missing file: empty index */
	CHECK_EQ_INT(scr_index_read(path, &r), 0);
	CHECK(r.n == 0 && r.current == NULL);
	scr_index_release(&r);

	CHECK_EQ_INT(scr_index_write(path, &x), 0);
	CHECK_EQ_INT(count_dir_entries(scrdir, ""), 1);
	CHECK_EQ_INT(count_dir_entries(scrdir, ".tmp"), 0);
	CHECK_EQ_INT(scr_index_read(path, &r), 0);
	CHECK_EQ_INT(r.n, 3);
	CHECK_EQ_STR(r.current, "ckpt.2");
	for (size_t i = 0; i < r.n && i < x.n; i++) {
		check_same_dataset(&r.e[i].ds, &x.e[i].ds);
		CHECK_EQ_INT(r.e[i].flushed, x.e[i].flushed);
		CHECK_EQ_INT(r.e[i].failed, x.e[i].failed);
	}
	scr_index_release(&r);

	/* replace: same id, new content; put from an entry of the index itself */
	struct scr_index_entry e = { 0 };
	set_dataset(&e.ds, 3, "ckpt.3b", SCR_FLAG_OUTPUT_BIT, 8);
	e.flushed = 42;
	CHECK_EQ_INT(scr_index_put(&x, &e), 0);
	scr_dataset_release(&e.ds);
	CHECK_EQ_INT(x.n, 3);
	CHECK_EQ_STR(x.e[2].ds.name, "ckpt.3b");
	CHECK_EQ_INT(x.e[2].flushed, 42);
	CHECK(scr_index_find_name(&x, "ckpt.3") == NULL);
	CHECK_EQ_INT(scr_index_put(&x, &x.e[2]), 0);
	CHECK_EQ_STR(x.e[2].ds.name, "ckpt.3b");

	/* a reused name: the newest entry wins */
	set_dataset(&e.ds, 9, "ckpt.2", SCR_FLAG_CKPT_BIT, 2);
	CHECK_EQ_INT(scr_index_put(&x, &e), 0);
	scr_dataset_release(&e.ds);
	CHECK(scr_index_find_name(&x, "ckpt.2") == &x.e[3]);
	/* removing one keeps current while another has the name */
	CHECK_EQ_INT(scr_index_remove(&x, 9), 0);
	CHECK_EQ_STR(x.current, "ckpt.2");
	CHECK(scr_index_find_name(&x, "ckpt.2") == &x.e[1]);
	/* removing the one it names clears current */
	CHECK_EQ_INT(scr_index_remove(&x, 2), 0);
	CHECK(x.current == NULL);
	CHECK_EQ_INT(scr_index_remove(&x, 2), -SCR_ENOENT);
	CHECK_EQ_INT(x.n, 2);
	CHECK_EQ_INT(scr_index_set_current(&x, "ckpt.1"), 0);
	CHECK_EQ_STR(x.current, "ckpt.1");
	CHECK_EQ_INT(scr_index_set_current(&x, NULL), 0);
	CHECK(x.current == NULL);
	CHECK_EQ_INT(scr_index_set_current(&x, "ckpt.3b"), 0);
	/* renaming the current one by put clears current */
	set_dataset(&e.ds, 3, "renamed", SCR_FLAG_CKPT_BIT, 2);
	CHECK_EQ_INT(scr_index_put(&x, &e), 0);
	scr_dataset_release(&e.ds);
	CHECK(x.current == NULL);

	CHECK_EQ_INT(scr_index_write(path, &x), 0);
	CHECK_EQ_INT(scr_index_read(path, &r), 0);
	CHECK_EQ_INT(r.n, 2);
	CHECK(r.current == NULL);
	scr_index_release(&r);

	/* writers refuse a dangling current and a bad entry */
	char *buf;
	size_t len;
	x.current = strdup("gone");
	CHECK_EQ_INT(scr_index_encode(&x, &buf, &len), -SCR_EINVAL);
	CHECK_EQ_INT(scr_index_write(path, &x), -SCR_EINVAL);
	free(x.current);
	x.current = NULL;
	x.e[0].failed = 3;
	CHECK_EQ_INT(scr_index_encode(&x, &buf, &len), -SCR_EINVAL);
	x.e[0].failed = 0;

	/* a damaged file is an error, not an empty index */
	FILE *fp = fopen(path, "r+");
	fseek(fp, 30, SEEK_SET);
	fputc('#', fp);
	fclose(fp);
	CHECK_EQ_INT(scr_index_read(path, &r), -SCR_ECORRUPT);
	CHECK(r.n == 0 && r.e == NULL);
	/* a directory in its place is an error too */
	unlink(path);
	CHECK_EQ_INT(mkdir(path, 0700), 0);
	CHECK(scr_index_read(path, &r) < 0);
	rmdir(path);

	scr_index_release(&x);
	CHECK_EQ_INT(scr_remove_tree(scrdir), 0);
	free(scrdir);
	free(path);
}

static void test_generic_files(const char *dir)
{
	char *path = scr_asprintf("%s/halt.scr", dir);
	struct scr_recfile f, g;
	scr_recfile_init(&f, "halt", 3);
	struct scr_rec *r = scr_recfile_add(&f, "halt");
	scr_rec_put_str(r, "reason", "user asked: stop now");
	scr_rec_put_i64(r, "seconds", -1);
	CHECK_EQ_INT(scr_recfile_write(path, &f), 0);
	CHECK_EQ_INT(count_dir_entries(dir, ".tmp."), 0);
	CHECK_EQ_INT(scr_recfile_read(path, "halt", &g), 0);
	const char *v = NULL;
	CHECK_EQ_INT(g.version, 3);
	CHECK_EQ_INT(scr_rec_get_str(&g.rec[0], "reason", &v), 0);
	CHECK_EQ_STR(v, "user asked: stop now");
	scr_recfile_release(&g);
	CHECK_EQ_INT(scr_recfile_read_max(path, "halt", 2, &g), -SCR_EVERSION);
	CHECK_EQ_INT(scr_recfile_read(path, "flush", &g), -SCR_EFORMAT);
	scr_recfile_release(&f);
	unlink(path);
	CHECK_EQ_INT(scr_recfile_read(path, NULL, &g), -SCR_ENOENT);

	/* a file above the limit is refused without reading it */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK_EQ_INT(ftruncate(fd, (off_t)SCR_META_MAX_SIZE + 1), 0);
	close(fd);
	CHECK_EQ_INT(scr_recfile_read(path, NULL, &g), -SCR_EFORMAT);
	struct scr_index x;
	CHECK_EQ_INT(scr_index_read(path, &x), -SCR_EFORMAT);
	unlink(path);
	free(path);

	/* and the decoder refuses an oversized buffer by its length alone */
	char c = 'S';
	CHECK_EQ_INT(scr_recfile_decode(&c, SCR_META_MAX_SIZE + 1, NULL, &g), -SCR_EFORMAT);
}

static void test_prefix_and_copy(void)
{
	char *s = scr_prefix_scrdir("/p/q");
	CHECK_EQ_STR(s, "/p/q/.scr");
	free(s);
	s = scr_prefix_index_path("/p/q");
	CHECK_EQ_STR(s, "/p/q/.scr/index.scr");
	free(s);
	s = scr_prefix_dataset_dir("/p/q", 12);
	CHECK_EQ_STR(s, "/p/q/.scr/scr.dataset.12");
	free(s);
	s = scr_prefix_summary_path("rel", 3);
	CHECK_EQ_STR(s, "rel/.scr/scr.dataset.3/summary.scr");
	free(s);

	struct scr_dataset a, b;
	set_dataset(&a, 4, "four", 3, 16);
	CHECK_EQ_INT(scr_dataset_copy(&b, &a), 0);
	CHECK(b.name != a.name && b.redundancy != a.redundancy);
	check_same_dataset(&b, &a);
	scr_dataset_release(&a);
	CHECK_EQ_STR(b.name, "four");
	scr_dataset_release(&b);
	CHECK(b.name == NULL && b.id == 0);
}

/* The decoder says where and why: line, record, key. */
static int why_of(const char *kind, const char *body, struct scr_meta_why *why)
{
	size_t len;
	char *buf = make_file(kind, 1, body, &len);
	memset(why, 0, sizeof(*why));
	int rc;
	if (!strcmp(kind, SCR_META_SUMMARY_KIND)) {
		struct scr_summary s;
		rc = scr_summary_decode_why(buf, len, &s, why);
		scr_summary_release(&s);
	} else if (!strcmp(kind, SCR_META_INDEX_KIND)) {
		struct scr_index x;
		rc = scr_index_decode_why(buf, len, &x, why);
		scr_index_release(&x);
	} else {
		struct scr_filemap m;
		rc = scr_filemap_decode_why(buf, len, &m, why);
		scr_filemap_release(&m);
	}
	free(buf);
	return rc;
}

static void expect_why(const char *kind, const char *body, int rc, size_t line,
		       const char *says)
{
	struct scr_meta_why why;
	CHECK_EQ_INT(why_of(kind, body, &why), rc);
	CHECK_EQ_INT((int)why.line, (int)line);
	if (!strstr(why.what, says)) {
		fprintf(stderr, "  '%s' does not say '%s'\n", why.what, says);
		CHECK(0);
	}
}

static void test_why(void)
{
	const char *S = SCR_META_SUMMARY_KIND;
	expect_why(S, DS1 FILE0, 0, 0, "");
	expect_why(S, DS1 "file rank=0 path=a size=0 complete=1\n", -SCR_EFORMAT, 3,
		   "not a valid summary: line 3 (file): the key 'crc' is missing");
	expect_why(S, DS1 "file rank=0 path=a size=0 crc=0000000g complete=1\n", -SCR_EFORMAT, 3,
		   "line 3 (file): the value of 'crc' is malformed");
	expect_why(S, DS1 "file rank=0 path=a size=0 crc=00000000 complete=1 x=1\n",
		   -SCR_EFORMAT, 3, "line 3 (file): unknown key 'x'");
	expect_why(S, "dataset id=1 name=n flags=4 created=0 nranks=2 files=1 bytes=0 complete=1 "
		   "redundancy=X\n", -SCR_EFORMAT, 2, "line 2 (dataset): 'flags' is out of range");
	expect_why(S, DS1 "file rank=0 path=../x size=0 crc=00000000 complete=1\n", -SCR_EPATH,
		   3, "line 3 (file): a file path is absolute");
	expect_why(S, DS1 "file rank=5 path=a size=0 crc=00000000 complete=1\n", -SCR_EFORMAT, 3,
		   "'rank' is out of range (rank 5 of a dataset of 2 ranks)");
	expect_why(S, DS1 FILE0 "file rank=0 rank=1\n", -SCR_EFORMAT, 4,
		   "line 4 is malformed: the key 'rank' appears twice");
	expect_why(S, DS1 "file rank=0 path=%zz size=0 crc=00000000 complete=1\n", -SCR_EFORMAT,
		   3, "line 3 is malformed: the value of 'path' is not %XX-escaped");
	expect_why(S, DS1 "file nokey\n", -SCR_EFORMAT, 3, "line 3 is malformed: word 2");
	expect_why(S, "", -SCR_EFORMAT, 0, "not a valid summary: it has no dataset line");
	expect_why(S, FILE0 DS1, -SCR_EFORMAT, 2, "starts with its dataset line");
	expect_why(SCR_META_FILEMAP_KIND, "filemap rank=0\n" FILE0, -SCR_EFORMAT, 3,
		   "a file line before any dataset line");
	expect_why(SCR_META_INDEX_KIND, "current name=x%0A\n", -SCR_EFORMAT, 2,
		   "line 2 makes 'x?' current, but no dataset");

	/* the container: the END line, truncation, the kind */
	struct scr_meta_why why;
	struct scr_recfile f;
	size_t len;
	char *buf = make_file(S, 1, DS1 FILE0, &len);
	buf[len / 2] ^= 1;
	CHECK_EQ_INT(scr_recfile_decode_why(buf, len, NULL, 0, &f, &why), -SCR_ECORRUPT);
	CHECK(strstr(why.what, "checksum mismatch: the END line (line 4)") ||
	      strstr(why.what, "checksum mismatch: the END line records crc"));
	buf[len / 2] ^= 1;
	CHECK_EQ_INT(scr_recfile_decode_why(buf, len - 1, NULL, 0, &f, &why), -SCR_ETRUNC);
	CHECK(strstr(why.what, "the last line (line 4) is cut") != NULL);
	CHECK_EQ_INT((int)why.line, 4);
	CHECK_EQ_INT(scr_recfile_decode_why(buf, len, SCR_META_INDEX_KIND, 0, &f, &why),
		     -SCR_EFORMAT);
	CHECK(strstr(why.what, "a state file of kind 'summary', not of kind 'index'") != NULL);
	CHECK_EQ_INT(scr_recfile_decode_why(buf, len, S, 0, &f, &why), 0);
	scr_recfile_release(&f);
	free(buf);
	buf = make_file(S, 7, DS1, &len);
	CHECK_EQ_INT(scr_summary_decode_why(buf, len, &(struct scr_summary){ 0 }, &why),
		     -SCR_EVERSION);
	CHECK(strstr(why.what, "format version 7, newer than the 1") != NULL);
	free(buf);
}

int main(void)
{
	char tmpl[] = "/tmp/test_meta.XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		return 1;
	}

	test_escape_roundtrip();
	test_container_layout();
	test_numbers();
	test_container_strict();
	test_kind_version();
	test_damage();
	test_relpath(dir);
	test_typed_validation();
	test_why();
	test_filemap(dir);
	test_summary(dir);
	test_index(dir);
	test_generic_files(dir);
	test_prefix_and_copy();

	CHECK_EQ_INT(count_dir_entries(dir, ".tmp."), 0);
	CHECK_EQ_INT(scr_remove_tree(dir), 0);
	return check_done("test_meta");
}
