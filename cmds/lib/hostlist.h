/*
 * SLURM hostlists: "n[1-4,7],gpu01,rack[1-2]-n[01-03]" expanded to host
 * names and compressed back. MPI-free, no I/O; shared by the commands
 * (scr_glob_hosts, and the job commands that read SLURM_NODELIST).
 *
 * Syntax accepted by scr_hostlist_parse:
 *
 *   list    = [entry *(sep entry)]     surrounding whitespace is ignored
 *   sep     = ',' or whitespace, with optional whitespace around a ','
 *   entry   = 1*(name-chars / bracket)
 *   bracket = "[" range *("," range) "]"   no nesting, no whitespace
 *   range   = number ["-" number]      digits only, first <= last,
 *                                      at most 18 digits
 *   name-chars: A-Z a-z 0-9 '-' '.' '_'
 *
 * A range's numbers are printed zero-padded to the width of its first
 * number as written: n[01-10] is n01 ... n10, n[1-10] is n1 ... n10, and
 * n[1-3,05-06] is n1 n2 n3 n05 n06. Several brackets in one entry expand
 * as a cartesian product, the first bracket varying slowest:
 * rack[1-2]-n[01-02] is rack1-n01 rack1-n02 rack2-n01 rack2-n02.
 * Duplicates are dropped: a list holds each name once, in the order first
 * seen. An empty or all-whitespace text is an empty list.
 *
 * Limits: a parse yields at most SCR_HOSTLIST_MAX hosts (an entry or a
 * range that would expand to more is an error, before anything is
 * allocated for it); nothing else is fixed in size.
 */
#ifndef SCR_HOSTLIST_H
#define SCR_HOSTLIST_H

#include <stddef.h>
#include <sys/types.h>

#define SCR_HOSTLIST_MAX 1000000

/* A list of unique host names in insertion order. Read n and hosts
 * directly; change it only through the functions below. */
struct scr_hostlist {
	size_t n;          /* number of hosts */
	char **hosts;      /* n malloc'd names */
	/* private: array capacity and a hash set of the names */
	size_t cap;
	size_t nslots;     /* power of two, or 0 */
	size_t *slots;     /* index + 1 into hosts, 0 for an empty slot */
};

/* Why a parse failed: a message naming the problem and pos, the 1-based
 * position of the offending character in the text (0 when it concerns the
 * whole text). */
struct scr_hostlist_error {
	size_t pos;
	char msg[192];
};

void scr_hostlist_init(struct scr_hostlist *h);
/* Frees everything and leaves h empty (and initialised). */
void scr_hostlist_release(struct scr_hostlist *h);

/*
 * Append the hosts of a hostlist text to h (skipping names already in h).
 * Returns 0; -SCR_EINVAL for bad syntax, with *err filled when err is not
 * NULL (unbalanced or nested brackets, reversed range, empty name or range,
 * a character that has no place there, a number too long, more than
 * SCR_HOSTLIST_MAX hosts); -SCR_ENOMEM. On failure h is as it was.
 */
int scr_hostlist_parse(struct scr_hostlist *h, const char *text,
		       struct scr_hostlist_error *err);

/* Append one plain host name (no brackets; name-chars only). Returns 1 if
 * added, 0 if h has it already, -SCR_EINVAL for an empty or invalid name,
 * -SCR_ENOMEM. */
int scr_hostlist_push(struct scr_hostlist *h, const char *name);

size_t scr_hostlist_count(const struct scr_hostlist *h);
/* The i-th host, 0-based, or NULL when i >= count. */
const char *scr_hostlist_nth(const struct scr_hostlist *h, size_t i);
/* Index of a host name, or -1 when absent. */
ssize_t scr_hostlist_find(const struct scr_hostlist *h, const char *name);

/*
 * Set operations into out, which is initialised here (its old content is
 * not released): minus keeps the hosts of a not in b, intersection the
 * hosts of a also in b, both in a's order. 0 or -SCR_ENOMEM (out empty).
 */
int scr_hostlist_minus(struct scr_hostlist *out, const struct scr_hostlist *a,
		       const struct scr_hostlist *b);
int scr_hostlist_intersection(struct scr_hostlist *out, const struct scr_hostlist *a,
			      const struct scr_hostlist *b);

/*
 * Reorder h into the canonical order that scr_hostlist_compress prints:
 * names are split at their last run of digits into prefix, number and
 * suffix; ordered by prefix (digit runs compared by value), then suffix,
 * names without a number first, then padding width, then number.
 * 0 or -SCR_ENOMEM (h unchanged).
 */
int scr_hostlist_sort(struct scr_hostlist *h);

/*
 * The shortest usual SLURM form of h as a malloc'd string ("" when empty):
 * names that differ only in their last number are grouped by prefix and
 * suffix, numbers sorted, consecutive ones joined into ranges, each range
 * written with one padding width (n1,n2,n3,n5 -> n[1-3,5]; n09,n10 ->
 * n[09-10]; a group of one is written plainly). Deterministic: it depends
 * on the set of names only, not on their order, and parsing it gives the
 * hosts of h in the order of scr_hostlist_sort. 0 or -SCR_ENOMEM.
 */
int scr_hostlist_compress(const struct scr_hostlist *h, char **out);

/* The names of h joined with sep, in h's order, as a malloc'd string
 * ("" when empty). 0 or -SCR_ENOMEM. */
int scr_hostlist_join(const struct scr_hostlist *h, const char *sep, char **out);

#endif
