/*
 * A rank's files seen as one logical byte stream (the files concatenated in
 * record order), padded with zeros past its end: the shape the redundancy
 * schemes encode. Files are padded logically, never on disk. MPI-free.
 */
#ifndef SCR_STREAM_H
#define SCR_STREAM_H

#include "redfile.h"

#include <stddef.h>
#include <stdint.h>

struct scr_stream {
	const char *dir;                     /* the files are dir/<path> */
	const struct scr_red_record *rec;
	int writing;
	size_t cur;                          /* file open in fd */
	int fd;
	uint64_t total;
};

/* For writing, the files are created (with their directories) and
 * truncated to their sizes. 0 or -SCR_E*. */
int scr_stream_open(struct scr_stream *s, const char *dir, const struct scr_red_record *rec,
		    int writing);
/* len bytes at logical offset off; reads past the end give zeros, writes
 * past the end are dropped. 0 or -SCR_E* (-SCR_ETRUNC for a file shorter
 * than its record says). */
int scr_stream_read(struct scr_stream *s, uint64_t off, void *buf, size_t len);
int scr_stream_write(struct scr_stream *s, uint64_t off, const void *buf, size_t len);
/* closes; for writing, fsyncs nothing (cache is node-local) */
void scr_stream_close(struct scr_stream *s);

/* Remove the record's files from dir (what a failed rebuild wrote). */
void scr_stream_remove(const char *dir, const struct scr_red_record *rec);

/* Whether every file of the record is in dir with its size and CRC; the
 * first bad one is named in *bad (malloc'd) when bad is not NULL. */
int scr_stream_verify(const char *dir, const struct scr_red_record *rec, char **bad);

#endif
