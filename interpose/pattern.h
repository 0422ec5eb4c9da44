/*
 * SCR_CHECKPOINT_PATTERN: one or more POSIX extended regular expressions
 * separated by ';' (write a literal ';' as "[;]"), matched like regexec
 * against the absolute, normalised path: anywhere in it unless anchored.
 */
#ifndef SCR_PATTERN_H
#define SCR_PATTERN_H

#include <stddef.h>

struct scr_pattern;

/*
 * Compile a pattern list. On error returns NULL and sets *msg (malloc'd) to
 * a message naming the pattern and the regex error; an empty list is an
 * error too.
 */
struct scr_pattern *scr_pattern_compile(const char *text, char **msg);
void scr_pattern_free(struct scr_pattern *p);

/* 1 when abs_path matches one of the expressions. Thread-safe. */
int scr_pattern_match(const struct scr_pattern *p, const char *abs_path);

#endif
