/*
 * The transparent mode's bookkeeping: the datasets this rank is writing
 * ("slots"), the checkpoint files the application holds open, and the names
 * it removed from completed datasets. Which version of a path the
 * application sees follows from these alone.
 *
 * Pure data: no MPI, no locks, no I/O. The engine (shim.c) serialises every
 * call under its lock; the unit tests drive it directly.
 *
 * Two slots: slot 0 is the dataset being written (generation book.gen),
 * slot 1 the next one, begun when the application rewrites a file of slot 0
 * with truncation. Completing slot 0 shifts slot 1 down.
 */
#ifndef SCR_BOOK_H
#define SCR_BOOK_H

#include <stddef.h>
#include <stdint.h>

/* A file of a slot, named relative to the prefix directory. */
struct book_file {
	char *rel;
	char *route;     /* where it is written */
	int closed;      /* closed since its last write-open: size and crc hold */
	uint64_t size;
	uint32_t crc;
};

struct book_slot {
	int id;          /* the library's dataset id */
	size_t n, cap;
	struct book_file *f;
	int writers;     /* open writable descriptors */
	int broken;      /* a file of it had to go to its real path */
	double last;     /* last open or close, for SCR_SETTLE_SECONDS */
	int sealed;      /* this rank started the next dataset */
	size_t ninplace;
	char **inplace;  /* its files this rank wrote at their real paths */
};

/* A checkpoint file the application has open. */
struct book_open {
	long gen;        /* generation of the dataset it is written into */
	int writable;
	char *abs;       /* the application's path */
	char *route;     /* where it really is */
};

struct book {
	long gen;                 /* generation of slot[0] */
	struct book_slot slot[2];
	struct book_open **byfd;  /* indexed by descriptor */
	size_t nfd;
	char **hidden;            /* removed from completed datasets */
	size_t nhidden;
};

/* Everything the book holds, freed; the book is empty afterwards. */
void book_release(struct book *b);

/* ---- open descriptors ---- */

/* The checkpoint file open at fd, or NULL. */
struct book_open *book_fd(const struct book *b, int fd);

/* Record fd (replacing what was there); a writable one counts as a writer
 * of its generation's slot. 0, or -1 when out of memory. */
int book_put_fd(struct book *b, int fd, long gen, int writable, const char *abs,
		const char *route, double now);

/* Forget fd: its slot loses a writer (last activity now). The record is
 * returned to the caller (book_open_free), or NULL when fd was not ours. */
struct book_open *book_take_fd(struct book *b, int fd, double now);
void book_open_free(struct book_open *f);

/* ---- slots ---- */

/* The slot of a generation (slot 0 or 1), or NULL when it completed. */
struct book_slot *book_slot_of_gen(struct book *b, long gen);

struct book_file *book_find(const struct book_slot *s, const char *rel);

/* Add a file; rel and route are taken over. 0, or -1 out of memory (then
 * they stay the caller's). */
int book_add(struct book_slot *s, char *rel, char *route);

/* Remove rel from s; 1 when it was closed (a journal entry goes with it). */
int book_remove(struct book_slot *s, const char *rel);

/* The newest pending version of rel (slot 1 before slot 0), or NULL;
 * *slot tells which when not NULL. */
struct book_file *book_newest(const struct book *b, const char *rel, int *slot);

/* The slot that holds rel written at route, or -1 (its dataset completed). */
int book_holding(const struct book *b, const char *rel, const char *route);

/*
 * A file of this name now lives at its real path: no pending version of it
 * may be completed over it, and the slots that held one are broken.
 * Returns 1 when a closed file left (the journal must be rewritten).
 */
int book_forget(struct book *b, const char *rel);

/*
 * Which slot a write-open of rel goes to: 0, 1, or -1 when it would be a
 * third version (the caller waits for a completion). trunc: O_TRUNC. A file
 * a slot wrote at its real path counts as written by it.
 */
int book_choose(const struct book *b, const char *rel, int trunc);

/* rel of slot s went to its real path (once each); 0, or -1 out of memory. */
int book_inplace(struct book_slot *s, const char *rel);

/* Slot 0 completed: drop it, slot 1 becomes slot 0, generation + 1. */
void book_shift(struct book *b);

/* A slot's dataset name: its first file's directory, or the file itself
 * when at the top. malloc'd; NULL when empty. */
char *book_slot_name(const struct book_slot *s);

/* ---- names removed from completed datasets ---- */

int book_is_hidden(const struct book *b, const char *rel);
void book_hide(struct book *b, const char *rel);
void book_unhide(struct book *b, const char *rel);

/* ---- what the application sees at a path ---- */

enum book_view {
	BOOK_PENDING,    /* a file of a slot: *route is where it is */
	BOOK_HIDDEN,     /* removed by the application: not there */
	BOOK_COMPLETED,  /* ask the completed datasets (the library) */
};

/* For rel (relative to the prefix): the pending version if any (its route
 * in *route, the book's string), else whether the name is hidden. */
enum book_view book_view(const struct book *b, const char *rel, const char **route);

#endif
