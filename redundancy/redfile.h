/*
 * The redundancy file: one per rank and dataset, next to the dataset in the
 * node's cache (<dataset dir>/.scr/red.<rank>). It holds the set the rank
 * belongs to, the records of the ranks whose data it protects (file names,
 * sizes, CRCs and the library's own opaque record of each rank), and the
 * payload: parity blocks (XOR, RS) or a copy of the partner's files.
 *
 * Layout: a header (magic, version, lengths, CRC32 of the header), the
 * payload, and a trailer (CRC32 of the payload, closing magic). MPI-free, so
 * the commands read exactly what the library writes; decoding treats the file
 * as hostile (every length bounded by the file).
 *
 * Errors are -SCR_E* (scr_err.h): -SCR_EFORMAT for a damaged or foreign
 * file, -SCR_ECORRUPT for a checksum mismatch, -SCR_ETRUNC for one that
 * ends early, -SCR_ENOENT, -SCR_ENOSPC, -SCR_EIO, -SCR_ENOMEM.
 */
#ifndef SCR_REDFILE_H
#define SCR_REDFILE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum scr_red_scheme { SCR_RED_PARTNER = 1, SCR_RED_XOR = 2, SCR_RED_RS = 3 };

/* "PARTNER", "XOR", "RS", or "unknown" for any other value. */
const char *scr_red_scheme_name(int scheme);

struct scr_red_rfile {
	char *path;       /* relative to the dataset directory */
	uint64_t size;
	uint32_t crc;
};

/* What one rank wrote: enough to recreate its part of the dataset. */
struct scr_red_record {
	int rank;
	size_t nfiles;
	struct scr_red_rfile *files;
	size_t meta_len;
	unsigned char *meta;   /* the library's record of this rank (opaque here) */
};

struct scr_red_header {
	int scheme;            /* enum scr_red_scheme */
	int dataset_id;
	int nranks;            /* ranks of the job that wrote the dataset */
	int rank;              /* the rank this file belongs to */
	/* XOR, RS: the set's ranks by position, this rank at pos; m parity
	 * blocks per stripe. PARTNER: the ring neighbours: members[0] is the
	 * left one (whose copy this file holds), members[1] this rank,
	 * members[2] the right one (which holds this rank's copy); m = 0. */
	int set_size, m, pos;
	int *members;
	uint64_t chunk;        /* XOR, RS: bytes per block */
	uint64_t payload_len;
	size_t nrecords;       /* XOR, RS: every member's; PARTNER: own, then left's */
	struct scr_red_record *records;
};

/* The total bytes of a record's files (its logical data stream). */
uint64_t scr_red_record_bytes(const struct scr_red_record *r);
const struct scr_red_record *scr_red_header_record(const struct scr_red_header *h, int rank);
void scr_red_record_release(struct scr_red_record *r);
int scr_red_record_copy(struct scr_red_record *dst, const struct scr_red_record *src);
void scr_red_header_release(struct scr_red_header *h);

/* A record alone, for sending to a rank being rebuilt. */
int scr_red_record_encode(const struct scr_red_record *r, unsigned char **buf, size_t *len);
int scr_red_record_decode(const unsigned char *buf, size_t len, struct scr_red_record *r);

/* A one-line report through warn (stderr, prefixed "scr: ", when NULL). */
void scr_red_vreport(void (*warn)(const char *msg), const char *fmt, va_list ap);

/* len bytes at off of fd: 0, an error, or -SCR_ETRUNC for a file that ends first.
 * The schemes' and the offline rebuild's reads of payloads go through here. */
int scr_red_pread(int fd, void *buf, size_t len, uint64_t off);

/* The path of a rank's redundancy file in a dataset directory (malloc'd). */
char *scr_red_file_path(const char *dataset_dir, int rank);
/* The same in a directory the commands gathered such files into
 * (red_dir/red.<rank>), and the rank a file name there stands for (-1:
 * not a redundancy file's name). */
char *scr_red_gathered_path(const char *red_dir, int rank);
int scr_red_file_rank(const char *name);

/*
 * Writing: begin creates path.tmp and writes the header; the payload is
 * written with pwrite at payload_off + offset; finish writes the trailer
 * (payload CRC computed from the file) and renames into place. abort
 * removes the temporary. Return 0 or an error.
 */
struct scr_red_writer {
	int fd;
	char *path, *tmp;
	uint64_t payload_off, payload_len;
};
int scr_red_writer_begin(struct scr_red_writer *w, const char *path,
			 const struct scr_red_header *h);
int scr_red_writer_pwrite(struct scr_red_writer *w, const void *buf, size_t len,
			  uint64_t offset);
int scr_red_writer_finish(struct scr_red_writer *w);
void scr_red_writer_abort(struct scr_red_writer *w);

/*
 * The framing of a redundancy file: an 8-byte magic, u32 version and u32
 * header length (little-endian), the header ending in the CRC32 of what
 * precedes it, the payload, then the payload's CRC32 and an 8-byte closing
 * magic. scr_red_frame_check judges it for a reader that wants to say
 * what is wrong (scr_print) before the fields are decoded.
 */
#define SCR_RED_VERSION 1
struct scr_red_frame {
	uint32_t version;
	uint32_t header_len;
	uint64_t payload_len;
	uint32_t payload_crc;
};
/* 1 when the n bytes at head (n up to 8) begin a redundancy file's magic. */
int scr_red_has_magic(const void *head, size_t n);
/* Checks magic, version, header CRC, trailer and payload CRC of the open
 * file fd of size bytes: 0 with f filled; -SCR_EFORMAT with why (a
 * sentence, truncated to whylen) for a damaged, truncated or foreign file;
 * or another error when it cannot be read. */
int scr_red_frame_check(int fd, uint64_t size, struct scr_red_frame *f, char *why,
			size_t whylen);

/*
 * Reading: the header, checked (magic, version, CRC, lengths against the
 * file's size); *payload_off is where the payload starts. With
 * check_payload, the payload's CRC is checked too. 0 or an error;
 * scr_red_damaged tells a damaged or foreign file from an unreadable one.
 */
int scr_red_header_read(const char *path, struct scr_red_header *h, uint64_t *payload_off,
			int check_payload);
/* 1 when rc says a file is damaged or not scr's (rather than unreadable). */
int scr_red_damaged(int rc);
/* What rc says of a redundancy file, for a message. */
const char *scr_red_strerror(int rc);

#endif
