/*
 * scr_print: show any scr state file in readable form: filemaps of the
 * control directory, dataset summaries, the index and the halt file of a
 * prefix, any other SCR-STATE record file, and redundancy files (their header: scheme, set,
 * members, each rank's files with sizes and CRCs; not the payload). The
 * kind is taken from the content, never the name. MPI-free; the files are
 * decoded by the modules that write them (core/base/meta.c, redundancy/redfile.c),
 * so what is shown is what the library reads.
 *
 * Files are treated as hostile: a damaged, truncated or foreign file gives
 * one message naming the file and what is wrong, as the decoders say it:
 * for a state file the line, record and key at fault (scr_meta_why), for a
 * redundancy file the part of its framing (scr_red_frame_check).
 *
 * Exit status: 0 success, 1 a file could not be read or is damaged (the
 * others are still printed), 2 usage error.
 */
#define _GNU_SOURCE
#include "cmd.h"
#include "halt.h"
#include "io.h"
#include "meta.h"
#include "redfile.h"
#include "scr_err.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: scr_print [--raw] FILE...\n"
	"       scr_print --help\n"
	"\n"
	"Show scr state files in readable form: filemaps (filemap_<rank>.scr in\n"
	"the control directory), dataset summaries, the index and the halt file\n"
	"of a prefix (.scr/scr.dataset.<id>/summary.scr, .scr/index.scr,\n"
	".scr/halt.scr), any other SCR-STATE record file, and redundancy files\n"
	"(red.<rank>: scheme, set, members and the files each rank wrote, with\n"
	"sizes and CRCs; not the payload). The kind of file is found from its\n"
	"content. Damaged, truncated or foreign files are reported with what is\n"
	"wrong.\n"
	"\n"
	"  -r, --raw   print the records as they are stored, key = value, without\n"
	"              interpreting them\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 success, 1 a file cannot be read or is damaged (the\n"
	"others are still printed), 2 usage error.\n";

/* ---- output ---- */

/* A string as shown: control bytes as \xHH and backslashes doubled, so a
 * hostile value can neither drive the terminal nor break a line. */
static void put_safe(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else if (c == '\\')
			fputs("\\\\", out);
		else
			putc(c, out);
	}
}

static void indent(int depth)
{
	printf("%*s", 2 * depth, "");
}

/* Between a field's name and its value: " = " for --raw */
static const char *kv_sep = ": ";

/* "key: value" with a printf value */
static void field(int depth, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void field(int depth, const char *key, const char *fmt, ...)
{
	va_list ap;
	indent(depth);
	printf("%s%s", key, kv_sep);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* "key: value" with a string value from the file */
static void field_str(int depth, const char *key, const char *value)
{
	indent(depth);
	printf("%s%s", key, kv_sep);
	put_safe(stdout, value ? value : "", value ? strlen(value) : 0);
	putchar('\n');
}

static void time_text(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char when[64];
	if (t > 0 && localtime_r(&tt, &tm) && strftime(when, sizeof(when),
						      "%Y-%m-%d %H:%M:%S %z", &tm))
		snprintf(buf, size, "%s (%" PRId64 ")", when, t);
	else
		snprintf(buf, size, "%" PRId64, t);
}

static void field_time(int depth, const char *key, int64_t t, const char *if_zero)
{
	char buf[128];
	if (t == 0 && if_zero) {
		field(depth, key, "%s", if_zero);
		return;
	}
	time_text(t, buf, sizeof(buf));
	field(depth, key, "%s", buf);
}

static const char *yes_no(int v)
{
	return v ? "yes" : "no";
}

static const char *flags_text(int flags)
{
	switch (flags & (SCR_FLAG_CKPT_BIT | SCR_FLAG_OUTPUT_BIT)) {
	case SCR_FLAG_CKPT_BIT:                       return "checkpoint";
	case SCR_FLAG_OUTPUT_BIT:                     return "output";
	case SCR_FLAG_CKPT_BIT | SCR_FLAG_OUTPUT_BIT: return "checkpoint, output";
	default:                                      return "none";
	}
}

/* Every problem is reported through here: the file, then what is wrong. */
static int fail(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(const char *path, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("scr_print: '", stderr);
	put_safe(stderr, path, strlen(path));
	fputs("': ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

/* The heading of a file's output. */
static void heading(const char *path, const char *what)
{
	put_safe(stdout, path, strlen(path));
	printf(": %s\n", what);
}

/* ---- state files (SCR-STATE) ---- */

static void print_dataset(int depth, const struct scr_dataset *d)
{
	field_str(depth, "name", d->name);
	field(depth, "type", "%s", flags_text(d->flags));
	field_time(depth, "created", d->created, NULL);
	field(depth, "ranks", "%d%s", d->nranks, d->nranks ? "" : " (unknown)");
	field(depth, "files", "%" PRIu64 " (all ranks)", d->files);
	field(depth, "bytes", "%" PRIu64 " (all ranks)", d->bytes);
	field(depth, "complete", "%s", yes_no(d->complete));
	field_str(depth, "redundancy", d->redundancy && *d->redundancy ? d->redundancy : "-");
}

static void print_file(int depth, const struct scr_file *f)
{
	indent(depth);
	fputs("file ", stdout);
	put_safe(stdout, f->path, strlen(f->path));
	fputs(":\n", stdout);
	field(depth + 1, "rank", "%d", f->rank);
	field(depth + 1, "size", "%" PRIu64, f->size);
	field(depth + 1, "crc", "%08" PRIx32, f->crc);
	field(depth + 1, "complete", "%s", yes_no(f->complete));
}

static void print_filemap(const struct scr_filemap *m, int depth)
{
	field(depth, "rank", "%d", m->rank);
	field(depth, "datasets", "%zu", m->n);
	for (size_t i = 0; i < m->n; i++) {
		const struct scr_filemap_entry *e = &m->e[i];
		indent(depth);
		printf("dataset %d:\n", e->ds.id);
		print_dataset(depth + 1, &e->ds);
		field_time(depth + 1, "flushed", e->flushed, "no");
		field_str(depth + 1, "prefix", e->prefix ? e->prefix : "-");
		field(depth + 1, "rank files", "%zu", e->nfiles);
		for (size_t j = 0; j < e->nfiles; j++)
			print_file(depth + 1, &e->files[j]);
	}
}

static void print_summary(const struct scr_summary *s)
{
	printf("  dataset %d:\n", s->ds.id);
	print_dataset(2, &s->ds);
	field(1, "file records", "%zu", s->nfiles);
	for (size_t i = 0; i < s->nfiles; i++)
		print_file(1, &s->files[i]);
}

static void print_index(const struct scr_index *x)
{
	if (x->current)
		field_str(1, "current", x->current);
	else
		field(1, "current", "none (a restart uses the newest valid checkpoint)");
	field(1, "datasets", "%zu", x->n);
	for (size_t i = 0; i < x->n; i++) {
		const struct scr_index_entry *e = &x->e[i];
		printf("  dataset %d:\n", e->ds.id);
		print_dataset(2, &e->ds);
		field_time(2, "flushed", e->flushed, "no");
		field(2, "failed", "%s", yes_no(e->failed));
	}
}

static void print_halt(const struct scr_halt *h)
{
	if (scr_halt_empty(h))
		field(1, "conditions", "none");
	if (h->has & SCR_HALT_HAS_CHECKPOINTS)
		field(1, "checkpoints left", "%d", h->checkpoints_left);
	else
		field(1, "checkpoints left", "not set");
	if (h->has & SCR_HALT_HAS_BEFORE)
		field_time(1, "exit before", h->exit_before, NULL);
	else
		field(1, "exit before", "not set");
	if (h->has & SCR_HALT_HAS_AFTER)
		field_time(1, "exit after", h->exit_after, NULL);
	else
		field(1, "exit after", "not set");
	if (h->has & SCR_HALT_HAS_SECONDS)
		field(1, "halt seconds", "%d", h->halt_seconds);
	else
		field(1, "halt seconds", "not set (SCR_HALT_SECONDS applies)");
	if (h->exit_reason)
		field_str(1, "exit reason", h->exit_reason);
	else
		field(1, "exit reason", "not set");
	if (h->job_id)
		field_str(1, "job id", h->job_id);
	else
		field(1, "job id", "not set");
}

/* Records as stored: tag, then key = value. */
static void print_records(const struct scr_recfile *f, int depth)
{
	for (size_t i = 0; i < f->nrec; i++) {
		const struct scr_rec *r = &f->rec[i];
		indent(depth);
		printf("record %zu: ", i + 1);
		put_safe(stdout, r->tag, strlen(r->tag));
		putchar('\n');
		for (size_t j = 0; j < r->nkv; j++) {
			indent(depth + 1);
			put_safe(stdout, r->kv[j].key, strlen(r->kv[j].key));
			fputs(" = ", stdout);
			put_safe(stdout, r->kv[j].value, strlen(r->kv[j].value));
			putchar('\n');
		}
	}
}

static void print_raw_recfile(const char *path, const struct scr_recfile *f)
{
	heading(path, "state file (raw)");
	field_str(1, "kind", f->kind);
	field(1, "version", "%d", f->version);
	field(1, "records", "%zu", f->nrec);
	print_records(f, 1);
}

/* A file a decoder refused: what it said, or the error's name. */
static int refused(const char *path, int rc, const struct scr_meta_why *why)
{
	if (rc == -SCR_ENOMEM)
		cmd_out_of_memory();
	return fail(path, "%s", why->what[0] ? why->what : scr_strerror(rc));
}

static int print_state(const char *path, int fd, uint64_t size, int raw)
{
	if (size > SCR_META_MAX_SIZE)
		return fail(path, "larger than the %zu MiB a state file may be",
			    SCR_META_MAX_SIZE >> 20);
	char *buf = malloc((size_t)size + 1);
	if (!buf)
		cmd_out_of_memory();
	size_t len = 0;
	if (lseek(fd, 0, SEEK_SET) != 0 || scr_read_full(fd, buf, (size_t)size, &len)) {
		int e = errno;
		free(buf);
		return fail(path, "cannot read: %s", strerror(e));
	}
	buf[len] = '\0';

	struct scr_recfile f;
	struct scr_meta_why why = { 0 };
	int rc = scr_recfile_decode_why(buf, len, NULL, 0, &f, &why);
	if (rc) {
		rc = refused(path, rc, &why);
		free(buf);
		return rc;
	}
	rc = EXIT_OK;
	if (raw) {
		print_raw_recfile(path, &f);
		goto out;
	}

	char what[160];
	int known = 1;
	if (!strcmp(f.kind, SCR_META_FILEMAP_KIND) && f.version == SCR_META_FILEMAP_VERSION) {
		struct scr_filemap m;
		int r = scr_filemap_decode_why(buf, len, &m, &why);
		if (r) {
			rc = refused(path, r, &why);
			goto out;
		}
		snprintf(what, sizeof(what), "filemap of rank %d (SCR-STATE filemap, "
			 "version %d)", m.rank, f.version);
		heading(path, what);
		print_filemap(&m, 1);
		scr_filemap_release(&m);
	} else if (!strcmp(f.kind, SCR_META_SUMMARY_KIND) &&
		   f.version == SCR_META_SUMMARY_VERSION) {
		struct scr_summary s;
		int r = scr_summary_decode_why(buf, len, &s, &why);
		if (r) {
			rc = refused(path, r, &why);
			goto out;
		}
		snprintf(what, sizeof(what), "summary of dataset %d (SCR-STATE summary, "
			 "version %d)", s.ds.id, f.version);
		heading(path, what);
		print_summary(&s);
		scr_summary_release(&s);
	} else if (!strcmp(f.kind, SCR_META_INDEX_KIND) && f.version == SCR_META_INDEX_VERSION) {
		struct scr_index x;
		int r = scr_index_decode_why(buf, len, &x, &why);
		if (r) {
			rc = refused(path, r, &why);
			goto out;
		}
		snprintf(what, sizeof(what), "index of a prefix (SCR-STATE index, version %d)",
			 f.version);
		heading(path, what);
		print_index(&x);
		scr_index_release(&x);
	} else if (!strcmp(f.kind, SCR_HALT_KIND) && f.version == SCR_HALT_VERSION) {
		struct scr_halt h;
		int r = scr_halt_decode_why(buf, len, &h, &why);
		if (r) {
			rc = refused(path, r, &why);
			goto out;
		}
		snprintf(what, sizeof(what), "halt conditions (SCR-STATE halt, version %d)",
			 f.version);
		heading(path, what);
		print_halt(&h);
		scr_halt_release(&h);
	} else {
		known = 0;
	}
	if (!known) {
		/* another kind, or a newer version of a known one: as stored */
		indent(0);
		put_safe(stdout, path, strlen(path));
		fputs(": state file of kind '", stdout);
		put_safe(stdout, f.kind, strlen(f.kind));
		printf("', version %d", f.version);
		if (!strcmp(f.kind, SCR_META_FILEMAP_KIND) || !strcmp(f.kind, SCR_META_SUMMARY_KIND) ||
		    !strcmp(f.kind, SCR_META_INDEX_KIND) || !strcmp(f.kind, SCR_HALT_KIND))
			printf(" (newer than this scr_print reads: records as stored)");
		putchar('\n');
		field(1, "records", "%zu", f.nrec);
		print_records(&f, 1);
	}
out:
	scr_recfile_release(&f);
	free(buf);
	return rc;
}

/* ---- redundancy files ---- */

/* The library's record of a rank (a filemap), in brief. */
static void print_meta(int depth, const struct scr_red_record *r)
{
	struct scr_filemap m;
	int rc = scr_filemap_decode((const char *)r->meta, r->meta_len, &m);
	if (rc == -SCR_ENOMEM)
		cmd_out_of_memory();
	if (rc) {
		field(depth, "rank record", "%zu bytes, not a readable filemap (%s)",
		      r->meta_len, scr_strerror(rc));
		return;
	}
	indent(depth);
	printf("rank record: filemap of rank %d, %zu bytes\n", m.rank, r->meta_len);
	for (size_t i = 0; i < m.n; i++) {
		const struct scr_filemap_entry *e = &m.e[i];
		indent(depth + 1);
		printf("dataset %d:\n", e->ds.id);
		print_dataset(depth + 2, &e->ds);
		field(depth + 2, "rank files", "%zu", e->nfiles);
	}
	scr_filemap_release(&m);
}

static void print_red_record(int depth, const struct scr_red_record *r)
{
	indent(depth);
	printf("record of rank %d:\n", r->rank);
	field(depth + 1, "files", "%zu", r->nfiles);
	field(depth + 1, "bytes", "%" PRIu64, scr_red_record_bytes(r));
	for (size_t i = 0; i < r->nfiles; i++) {
		indent(depth + 1);
		fputs("file ", stdout);
		put_safe(stdout, r->files[i].path, strlen(r->files[i].path));
		fputs(":\n", stdout);
		field(depth + 2, "size", "%" PRIu64, r->files[i].size);
		field(depth + 2, "crc", "%08" PRIx32, r->files[i].crc);
	}
	print_meta(depth + 1, r);
}

static void print_red_record_raw(int depth, size_t i, const struct scr_red_record *r)
{
	indent(depth);
	printf("record %zu:\n", i + 1);
	field(depth + 1, "rank", "%d", r->rank);
	field(depth + 1, "nfiles", "%zu", r->nfiles);
	for (size_t k = 0; k < r->nfiles; k++) {
		indent(depth + 1);
		printf("file %zu:\n", k + 1);
		field_str(depth + 2, "path", r->files[k].path);
		field(depth + 2, "size", "%" PRIu64, r->files[k].size);
		field(depth + 2, "crc", "%08" PRIx32, r->files[k].crc);
	}
	field(depth + 1, "meta_length", "%zu", r->meta_len);
}

static void print_members(const struct scr_red_header *h)
{
	indent(1);
	fputs("members:", stdout);
	for (int i = 0; i < h->set_size; i++)
		printf(" %d", h->members[i]);
	fputs(" (ranks by position in the set)\n", stdout);
}

static void print_red(const char *path, const struct scr_red_header *h, uint64_t hlen,
		      uint32_t payload_crc, int raw)
{
	char what[160];
	if (raw) {
		heading(path, "redundancy file (raw)");
		field(1, "version", "%d", SCR_RED_VERSION);
		field(1, "header_length", "%" PRIu64, hlen);
		field(1, "scheme", "%d", h->scheme);
		field(1, "dataset_id", "%d", h->dataset_id);
		field(1, "nranks", "%d", h->nranks);
		field(1, "rank", "%d", h->rank);
		field(1, "set_size", "%d", h->set_size);
		field(1, "m", "%d", h->m);
		field(1, "pos", "%d", h->pos);
		indent(1);
		printf("members%s", kv_sep);
		for (int i = 0; i < (h->scheme == SCR_RED_PARTNER ? 3 : h->set_size); i++)
			printf("%s%d", i ? " " : "", h->members[i]);
		putchar('\n');
		field(1, "chunk", "%" PRIu64, h->chunk);
		field(1, "payload_length", "%" PRIu64, h->payload_len);
		field(1, "payload_crc", "%08" PRIx32, payload_crc);
		field(1, "nrecords", "%zu", h->nrecords);
		for (size_t i = 0; i < h->nrecords; i++)
			print_red_record_raw(1, i, &h->records[i]);
		return;
	}
	snprintf(what, sizeof(what), "redundancy file of rank %d, dataset %d (%s, version %d)",
		 h->rank, h->dataset_id, scr_red_scheme_name(h->scheme), SCR_RED_VERSION);
	heading(path, what);
	field(1, "scheme", "%s", scr_red_scheme_name(h->scheme));
	field(1, "dataset", "%d", h->dataset_id);
	field(1, "job ranks", "%d", h->nranks);
	field(1, "rank", "%d", h->rank);
	if (h->scheme == SCR_RED_PARTNER) {
		field(1, "left partner", "%d (this file holds a copy of its files)",
		      h->members[0]);
		field(1, "right partner", "%d (holds a copy of this rank's files)",
		      h->members[2]);
	} else {
		field(1, "set size", "%d", h->set_size);
		field(1, "parity blocks", "%d per stripe (survives %d lost rank%s in the set)",
		      h->m, h->m, h->m == 1 ? "" : "s");
		field(1, "position", "%d", h->pos);
		print_members(h);
		field(1, "chunk", "%" PRIu64 " bytes", h->chunk);
	}
	field(1, "header", "%" PRIu64 " bytes", hlen);
	field(1, "payload", "%" PRIu64 " bytes, crc %08" PRIx32 " (verified)", h->payload_len,
	      payload_crc);
	field(1, "records", "%zu", h->nrecords);
	for (size_t i = 0; i < h->nrecords; i++)
		print_red_record(1, &h->records[i]);
}

static int print_redfile(const char *path, int fd, uint64_t size, int raw)
{
	struct scr_red_frame frame;
	char why[256];
	int rc = scr_red_frame_check(fd, size, &frame, why, sizeof(why));
	if (rc == -SCR_ENOMEM)
		cmd_out_of_memory();
	if (rc == -SCR_EFORMAT)
		return fail(path, "%s", why);
	if (rc)
		return fail(path, "cannot read: %s", scr_strerror(rc));
	uint64_t payload = frame.payload_len;
	uint32_t crc = frame.payload_crc;

	/* the framing holds: the decoder judges the fields */
	struct scr_red_header h;
	uint64_t off;
	rc = scr_red_header_read(path, &h, &off, 0);
	if (rc == -SCR_ENOMEM)
		cmd_out_of_memory();
	if (scr_red_damaged(rc))
		return fail(path, "damaged: its header checksum is right but its fields are "
			    "not (scheme, set members, records, file paths or a payload length "
			    "of %" PRIu64 " bytes that does not fit them)", payload);
	if (rc)
		return fail(path, "cannot read: %s", scr_strerror(rc));
	print_red(path, &h, off, crc, raw);
	scr_red_header_release(&h);
	return EXIT_OK;
}

/* ---- dispatch ---- */

static int print_one(const char *path, int raw)
{
	const size_t smlen = strlen(SCR_META_MAGIC " ");
	unsigned char head[16];
	struct stat st;
	int rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fail(path, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = fail(path, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = fail(path, "is a directory");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = fail(path, "not a regular file");
		goto out;
	}
	size_t n = 0;
	if (scr_read_full(fd, head, sizeof(head), &n)) {
		rc = fail(path, "cannot read: %s", strerror(errno));
		goto out;
	}
	uint64_t size = (uint64_t)st.st_size;
	if (n == 0) {
		rc = fail(path, "empty file: not an scr state or redundancy file");
	} else if (!memcmp(head, SCR_META_MAGIC " ", n < smlen ? n : smlen)) {
		rc = print_state(path, fd, size, raw);
	} else if (scr_red_has_magic(head, n)) {
		rc = print_redfile(path, fd, size, raw);
	} else {
		rc = fail(path, "not an scr state or redundancy file: it starts with neither "
			  "'%s' nor the redundancy file magic", SCR_META_MAGIC);
	}
out:
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	cmd_init("scr_print");
	static const struct option longopts[] = {
		{ "raw",  no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, raw = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":rh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			raw = 1;
			kv_sep = " = ";
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		default:
			return cmd_usage_error("unknown option '%s'", cmd_bad_option(argv));
		}
	}
	if (optind == argc)
		return cmd_usage_error("%s", "name a file to print");

	int rc = EXIT_OK;
	for (int i = optind; i < argc; i++) {
		if (i > optind)
			putchar('\n');
		if (print_one(argv[i], raw) != EXIT_OK)
			rc = EXIT_FAIL;
		fflush(stdout);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "scr_print: cannot write the output: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	return rc;
}
