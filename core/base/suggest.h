/*
 * "Did you mean ...?" for a mistyped name: offer each known name to
 * scr_suggest_try, then let scr_sb_suggest add the closest one to a message. Names
 * are compared case-insensitively by edit distance; one within 2 edits is
 * close enough, and of equally close ones the first offered wins.
 */
#ifndef SCR_SUGGEST_H
#define SCR_SUGGEST_H

#include <stddef.h>

struct scr_strbuf;

/* Keeps the closest candidate within distance 2: { key, NULL, 0 } to start. */
struct suggest {
	const char *key;
	const char *best;
	size_t dist;
};

/* Consider cand (kept by pointer; names of 64 bytes or more are passed over). */
void scr_suggest_try(struct suggest *sg, const char *cand);
/* Add " (did you mean BEST?)" when a candidate was close enough, else nothing. */
void scr_sb_suggest(struct scr_strbuf *sb, const struct suggest *sg);

#endif
