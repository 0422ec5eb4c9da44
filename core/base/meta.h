/*
 * Every on-disk state record of scr: the one module that reads and writes
 * them, shared by the library and the commands. No MPI.
 *
 * Container (text, so any record can be printed and diffed):
 *
 *   SCR-STATE <kind> <version>\n            magic, record kind, format version
 *   <tag> key=value key=value ...\n          body lines (values %XX-escaped)
 *   ...
 *   END <body bytes> <crc32 hex>\n           length and zlib-compatible CRC32
 *                                            of everything before this line
 *
 * Readers reject a wrong magic or kind (-SCR_EFORMAT), a newer version
 * (-SCR_EVERSION), a missing/short END line (-SCR_ETRUNC) and a CRC or length
 * mismatch (-SCR_ECORRUPT) before looking at the body; a body that fails
 * validation (missing key, bad number, unsafe path) is -SCR_EFORMAT.
 *
 * Writes are atomic: temporary name in the same directory, fsync, rename,
 * fsync of the directory.
 *
 * Paths stored in records are relative to a base directory the reader knows
 * (the prefix or the cache directory); readers refuse absolute paths and ".."
 * components (-SCR_EPATH) so a hostile file cannot make scr write elsewhere.
 */
#ifndef SCR_META_H
#define SCR_META_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#define SCR_META_MAGIC "SCR-STATE"

/* Largest state file a reader accepts (and a writer produces). */
#define SCR_META_MAX_SIZE ((size_t)256 << 20)

/* Bounds on numbers read from state files: a dataset id (a checkpoint a
 * second for 30 years; ids one past it still fit an int) and a rank count. */
#define SCR_ID_MAX 1000000000
#define SCR_NRANKS_MAX (1 << 24)

/* Kinds and current format versions of the typed records below. Adding a
 * tag or a key to one of them needs a new version: readers refuse unknown
 * tags and keys. */
#define SCR_META_FILEMAP_KIND    "filemap"
#define SCR_META_FILEMAP_VERSION 1
#define SCR_META_SUMMARY_KIND    "summary"
#define SCR_META_SUMMARY_VERSION 1
#define SCR_META_INDEX_KIND      "index"
#define SCR_META_INDEX_VERSION   1

/* ---- generic records ---- */

struct scr_kv {
	char *key;
	char *value;
};

struct scr_rec {
	char *tag;
	size_t nkv;
	struct scr_kv *kv;
};

/* A decoded state file: its kind, version and body lines. */
struct scr_recfile {
	char *kind;
	int version;
	size_t nrec;
	struct scr_rec *rec;
};

/*
 * Tags, keys and kinds are [A-Za-z0-9_.-]+ ("END" is not a tag); versions
 * are >= 1. Values are any NUL-terminated string, stored %XX-escaped.
 * scr_recfile_release frees everything and leaves f empty (zeroed).
 */
void scr_recfile_init(struct scr_recfile *f, const char *kind, int version);
void scr_recfile_release(struct scr_recfile *f);
/* Append a line with tag; returns it (NULL when out of memory or tag is not
 * a valid tag). The pointer is valid until the next add. */
struct scr_rec *scr_recfile_add(struct scr_recfile *f, const char *tag);
/* Puts replace the value of a key already on the line; -SCR_EINVAL for a
 * key that is not a valid token or a NULL value. */
int scr_rec_put_str(struct scr_rec *r, const char *key, const char *value);
int scr_rec_put_u64(struct scr_rec *r, const char *key, uint64_t value);
int scr_rec_put_i64(struct scr_rec *r, const char *key, int64_t value);
int scr_rec_put_crc(struct scr_rec *r, const char *key, uint32_t crc); /* 8 hex digits */
/* Getters return -SCR_EFORMAT when missing or malformed. get_str's result
 * belongs to the record. */
int scr_rec_get_str(const struct scr_rec *r, const char *key, const char **out);
int scr_rec_get_u64(const struct scr_rec *r, const char *key, uint64_t *out);
int scr_rec_get_i64(const struct scr_rec *r, const char *key, int64_t *out);
int scr_rec_get_int(const struct scr_rec *r, const char *key, int *out);
int scr_rec_get_crc(const struct scr_rec *r, const char *key, uint32_t *out);

/* Serialise into a malloc'd buffer (with header and END line); -SCR_EINVAL
 * for an invalid kind, version, tag, key or duplicate key, or a result
 * larger than SCR_META_MAX_SIZE. */
int scr_recfile_encode(const struct scr_recfile *f, char **buf, size_t *len);
/*
 * Where and why a decoder refused a state file, for a reader that wants to
 * say so (scr_print). what is one sentence that names the line and, for a
 * record, its tag and the key at fault ("not a valid filemap: line 3
 * (dataset): 'flags' is out of range"); line is that line (1: the header,
 * 0: the file as a whole). Bytes read from the file appear in it only as
 * printable ASCII.
 */
struct scr_meta_why {
	size_t line;
	char what[320];
};
/* Fill why (when not NULL) and return rc: for decoders of other record kinds
 * (halt.c). Out of memory (-SCR_ENOMEM) leaves why alone. */
int scr_meta_refuse(struct scr_meta_why *why, size_t line, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parse and verify a buffer; expect_kind NULL accepts any kind. f need not
 * be initialised; on failure it is left empty. Any version is accepted:
 * the caller compares f->version, or uses the _max variants. */
int scr_recfile_decode(const char *buf, size_t len, const char *expect_kind,
		       struct scr_recfile *f);
/* Write atomically (the parent directory must exist), mode 0644 (_mode:
 * as given, e.g. 0600 in node-local storage). */
int scr_recfile_write(const char *path, const struct scr_recfile *f);
int scr_recfile_write_mode(const char *path, const struct scr_recfile *f, mode_t mode);
/* Read and decode; a missing file is -SCR_ENOENT, errno is kept from a
 * failing system call. */
int scr_recfile_read(const char *path, const char *expect_kind, struct scr_recfile *f);
/* As decode/read, but a version above max_version is -SCR_EVERSION, also
 * when the END line does not verify (a newer format may differ there). */
int scr_recfile_decode_max(const char *buf, size_t len, const char *expect_kind,
			   int max_version, struct scr_recfile *f);
int scr_recfile_read_max(const char *path, const char *expect_kind,
			 int max_version, struct scr_recfile *f);
/* decode_max that says where and why it failed (why may be NULL). */
int scr_recfile_decode_why(const char *buf, size_t len, const char *expect_kind,
			   int max_version, struct scr_recfile *f, struct scr_meta_why *why);

/* A value as state files store it (bytes 0x00-0x20, 0x7f-0xff, '%' and '='
 * as %XX), and back (canonical escapes only: -SCR_EFORMAT otherwise); other
 * line formats of scr (the event log) share the rule. */
struct scr_strbuf;
void scr_meta_escape(struct scr_strbuf *o, const char *s);
int scr_meta_unescape(const char *p, size_t n, char **out);

/* Accept only a relative path without "..", empty or "." components
 * (so no leading, trailing or doubled '/'): 0 or -SCR_EPATH. */
int scr_meta_check_relpath(const char *path);

/* ---- typed records ----
 *
 * Every typed write checks what it writes as its read would (-SCR_EINVAL,
 * or -SCR_EPATH for an unsafe path), so scr never writes a record it cannot
 * read back. Reads and decodes fill a struct that need not be initialised
 * (its previous content is not released); on failure it is left empty and
 * safe to release. Read validation (-SCR_EFORMAT unless said otherwise):
 * every key present exactly once and no unknown tag or key; ids > 0; flags
 * only SCR_FLAG_CKPT_BIT | SCR_FLAG_OUTPUT_BIT; created, flushed >= 0;
 * nranks >= 0 (0: unknown); complete and failed 0 or 1; file ranks >= 0 and
 * < nranks when nranks > 0; paths pass scr_meta_check_relpath (-SCR_EPATH).
 * NULL name or redundancy strings are written as empty ones.
 *
 *   filemap: "filemap rank=" first, then per dataset (ids increasing, no
 *            duplicates) a "dataset id= name= flags= created= nranks= files=
 *            bytes= complete= redundancy=" line followed by its "file rank=
 *            path= size= crc= complete=" lines
 *   summary: one dataset line first, then file lines
 *   index:   optional "current name=" first, then one "entry" line per
 *            dataset (dataset keys plus flushed= failed=); current must name
 *            an entry
 */

#define SCR_FLAG_CKPT_BIT   1  /* same values as SCR_FLAG_CHECKPOINT */
#define SCR_FLAG_OUTPUT_BIT 2  /* and SCR_FLAG_OUTPUT in scr.h */

/* One dataset: identity and totals. */
struct scr_dataset {
	int id;            /* 1, 2, 3 ... within a job */
	char *name;        /* user's name, unique within a prefix */
	int flags;         /* SCR_FLAG_CKPT_BIT | SCR_FLAG_OUTPUT_BIT */
	int64_t created;   /* seconds since the epoch */
	int nranks;        /* ranks that wrote it */
	uint64_t files;    /* files over all ranks */
	uint64_t bytes;    /* bytes over all ranks */
	int complete;      /* all ranks agreed it is complete and valid */
	char *redundancy;  /* scheme name, e.g. "SINGLE" */
};

/* One file of a dataset, as written by one rank. */
struct scr_file {
	int rank;
	char *path;        /* relative to the prefix: where the application sees it */
	uint64_t size;
	uint32_t crc;      /* zlib crc32 of the contents */
	int complete;      /* size and crc recorded after the rank finished writing */
};

void scr_dataset_release(struct scr_dataset *d);
void scr_file_release(struct scr_file *f);
int scr_dataset_copy(struct scr_dataset *dst, const struct scr_dataset *src);

/*
 * Filemap: what one rank holds in this node's cache. Kept in the control
 * directory as filemap_<rank>.scr; files are relative to the dataset's cache
 * directory (which is cache_dir/scr.dataset.<id>).
 */
struct scr_filemap_entry {
	struct scr_dataset ds;
	int64_t flushed;   /* when this dataset reached the prefix, 0 if not yet */
	char *prefix;      /* absolute prefix directory the dataset belongs to (malloc'd);
			    * compared only, never used to build a path */
	size_t nfiles;
	struct scr_file *files;
};
struct scr_filemap {
	int rank;
	size_t n;
	struct scr_filemap_entry *e;   /* ordered by dataset id */
};
void scr_filemap_init(struct scr_filemap *m, int rank);
void scr_filemap_release(struct scr_filemap *m);
/* Entry for a dataset id or NULL. */
struct scr_filemap_entry *scr_filemap_find(struct scr_filemap *m, int id);
/* Add (copying ds) or return the existing entry for ds->id. */
struct scr_filemap_entry *scr_filemap_add(struct scr_filemap *m, const struct scr_dataset *ds);
/* Append a file (copying it) to an entry. */
int scr_filemap_add_file(struct scr_filemap_entry *e, const struct scr_file *f);
void scr_filemap_remove(struct scr_filemap *m, int id);
/* mode: 0600 in node-local storage, where it names the user's files */
int scr_filemap_write(const char *path, const struct scr_filemap *m, mode_t mode);
int scr_filemap_read(const char *path, struct scr_filemap *m);
/* In-memory forms of write and read (buf is malloc'd). */
int scr_filemap_encode(const struct scr_filemap *m, char **buf, size_t *len);
int scr_filemap_decode(const char *buf, size_t len, struct scr_filemap *m);
int scr_filemap_decode_why(const char *buf, size_t len, struct scr_filemap *m,
			   struct scr_meta_why *why);

/*
 * Summary: a dataset and every file of every rank, written to the prefix as
 * .scr/scr.dataset.<id>/summary.scr when the dataset is flushed.
 */
struct scr_summary {
	struct scr_dataset ds;
	size_t nfiles;
	struct scr_file *files;  /* ordered by rank, then as written */
};
void scr_summary_init(struct scr_summary *s);
void scr_summary_release(struct scr_summary *s);
/* Insert a copy after the last file of the same or a lower rank. */
int scr_summary_add_file(struct scr_summary *s, const struct scr_file *f);
int scr_summary_write(const char *path, const struct scr_summary *s);
int scr_summary_read(const char *path, struct scr_summary *s);
int scr_summary_encode(const struct scr_summary *s, char **buf, size_t *len);
int scr_summary_decode(const char *buf, size_t len, struct scr_summary *s);
int scr_summary_decode_why(const char *buf, size_t len, struct scr_summary *s,
			   struct scr_meta_why *why);

/*
 * Index: the datasets in a prefix (.scr/index.scr), newest last.
 */
struct scr_index_entry {
	struct scr_dataset ds;
	int64_t flushed;   /* when the flush completed, 0 if never */
	int failed;        /* a fetch found it missing or corrupt: never restart from it */
};
struct scr_index {
	char *current;     /* name of the dataset to restart from, or NULL: newest valid */
	size_t n;
	struct scr_index_entry *e;  /* ordered by dataset id */
};
void scr_index_init(struct scr_index *x);
void scr_index_release(struct scr_index *x);
struct scr_index_entry *scr_index_find_id(struct scr_index *x, int id);
/* Names should be unique; when a rerun has reused one, the newest entry
 * (highest id) with that name is the one found. */
struct scr_index_entry *scr_index_find_name(struct scr_index *x, const char *name);
/* Insert or replace the entry for e->ds.id (copying it). */
int scr_index_put(struct scr_index *x, const struct scr_index_entry *e);
/* Remove by id; -SCR_ENOENT when absent. Clears current if it named it
 * (and no other entry has that name). */
int scr_index_remove(struct scr_index *x, int id);
/* NULL clears; a name no entry has is -SCR_ENOENT. */
int scr_index_set_current(struct scr_index *x, const char *name);
/* A missing file reads as an empty index (0). */
int scr_index_write(const char *path, const struct scr_index *x);
int scr_index_read(const char *path, struct scr_index *x);
/* Whether an index read failed because the file is damaged (rather than
 * unreadable for the moment): then it can be rebuilt. */
int scr_index_damaged(int rc);
/* An index made from the summaries of the datasets in <prefix>/.scr (each
 * flushed when its summary was written); marks of failed datasets and the
 * current name are not in summaries and are lost. */
int scr_index_rebuild(const char *prefix, struct scr_index *x);
/* The largest dataset id that has a directory in <prefix>/.scr (0: none):
 * a new dataset must never reuse one. */
int scr_prefix_max_id(const char *prefix);
int scr_index_encode(const struct scr_index *x, char **buf, size_t *len);
int scr_index_decode(const char *buf, size_t len, struct scr_index *x);
int scr_index_decode_why(const char *buf, size_t len, struct scr_index *x,
			 struct scr_meta_why *why);

#endif
