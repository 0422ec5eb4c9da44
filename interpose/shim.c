/*
 * The transparent mode's file operations: which checkpoint file goes where,
 * and what the application sees at a path. The datasets they build are
 * completed by the agreement thread (agree.c).
 *
 * Completion protocol (see README, "Transparent mode"):
 *  - A rank contributes to the dataset being written ("slot 0") by opening
 *    matching paths for writing; it is done with it when it holds none of
 *    them open.
 *  - A rank starts the next dataset ("slot 1") when it opens for writing,
 *    with truncation, a path it already wrote in slot 0 (a checkpoint
 *    rewritten in place).
 *  - Every close records the file (size, CRC) in this rank's journal, so a
 *    closed file outlives a crash before its dataset completes.
 *  - Opens of checkpoint files for writing wait while a round is in flight,
 *    so no file can join a dataset after the round that completes it.
 */
#define _GNU_SOURCE
#include "engine.h"
#include "real.h"

#include "io.h"
#include "log.h"
#include "path.h"
#include "scr_err.h"
#include "transparent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

__thread int shim_inside;

struct engine sh = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.halt_gen = -1,
};

double engine_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void engine_enter(struct call *c)
{
	c->err = errno;
	pthread_mutex_lock(&sh.lock);
	shim_inside++;
}

void engine_leave(const struct call *c)
{
	shim_inside--;
	pthread_mutex_unlock(&sh.lock);
	errno = c->err;
}

void engine_wait_round(void)
{
	while (sh.in_round)
		pthread_cond_wait(&sh.cond, &sh.lock);
}

void engine_wait_library(void)
{
	while (sh.completing)
		pthread_cond_wait(&sh.cond, &sh.lock);
}

void shim_crashed(void)
{
	sh.crashed = 1;
}

int shim_rank(void)
{
	return sh.rank;
}

int shim_on(void)
{
	return sh.state == SHIM_ACTIVE && !shim_inside && sh.pid == getpid();
}

void shim_warn_once(int *said, const char *fmt, ...)
{
	if (*said)
		return;
	*said = 1;
	int saved = errno;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	scr_log_warn("%s", msg);
	errno = saved;
}

static void fallback_warning(const char *abs, const char *why)
{
	shim_warn_once(&sh.warned_fallback, "cannot keep '%s' in the cache (%s): it and "
		       "other such files are written at their real paths, and the "
		       "checkpoint they belong to is not used for a restart", abs, why);
}

/* ---- the journal of closed files ---- */

struct scr_tp_file *engine_slot_files(const struct book_slot *s)
{
	struct scr_tp_file *f = calloc(s->n ? s->n : 1, sizeof(*f));
	for (size_t i = 0; f && i < s->n; i++)
		f[i] = (struct scr_tp_file){ .rel = s->f[i].rel, .closed = s->f[i].closed,
					     .size = s->f[i].size, .crc = s->f[i].crc };
	return f;
}

/* errno is kept: the wrappers report the real call's. */
void engine_journal(void)
{
	if (!scr_tp_caching())
		return;
	int saved = errno;
	struct scr_tp_pending p[2];
	struct scr_tp_file *files[2] = { NULL, NULL };
	char *names[2] = { NULL, NULL };
	size_t n = 0;
	int rc = 0;
	for (int i = 0; i < 2 && !rc; i++) {
		struct book_slot *s = &sh.book.slot[i];
		if (s->n == 0)
			continue;
		files[i] = engine_slot_files(s);
		names[i] = book_slot_name(s);
		if (!files[i])
			rc = -SCR_ENOMEM;
		else
			p[n++] = (struct scr_tp_pending){ .id = s->id, .name = names[i],
							  .n = s->n, .files = files[i] };
	}
	if (!rc)
		rc = scr_tp_journal(p, n);
	if (rc)
		shim_warn_once(&sh.warned_journal, "cannot record the checkpoint files closed "
			       "so far (%s): if the job dies before their checkpoint "
			       "completes, they are lost", scr_strerror(rc));
	for (int i = 0; i < 2; i++) {
		free(files[i]);
		free(names[i]);
	}
	errno = saved;
}

/* The application closed bf: its size and CRC are taken now. */
static void mark_closed(struct book_file *bf)
{
	int saved = errno;
	bf->closed = scr_crc_file(bf->route, &bf->size, &bf->crc) == 0;
	errno = saved;
}

/* rel now lives at its real path, written for slot s: no cached version of
 * it may win, and s lacks it (its completion writes back older ones). */
static void went_in_place(struct book_slot *s, const char *rel)
{
	if (!rel)
		return;
	if (book_forget(&sh.book, rel))
		engine_journal();
	if (s) {
		s->broken = 1;
		s->last = engine_now();
		if (book_inplace(s, rel) != 0)
			scr_log_warn("out of memory recording that '%s' went to its real path: "
				     "a restart may show an older version of it", rel);
	}
}

/* ---- closing ---- */

int shim_close(int fd, int (*real_close)(int), FILE *fp)
{
	struct call c;
	engine_enter(&c);
	struct book_open *f = book_fd(&sh.book, fd);
	if (!f) {
		engine_leave(&c);
		return fp ? REAL(fclose)(fp) : real_close(fd);
	}
	/* closed under the lock: the data is in the file before the writer
	 * count drops, and the fd number cannot be reused meanwhile */
	struct stat st;
	if (f->writable && fstat(fd, &st) == 0 && st.st_size > sh.largest)
		sh.largest = st.st_size;
	int rc = fp ? REAL(fclose)(fp) : real_close(fd);
	if (rc != 0)
		c.err = errno;
	struct book_slot *s = f->writable ? book_slot_of_gen(&sh.book, f->gen) : NULL;
	if (rc != 0 && s)
		s->broken = 1;   /* the file may be short: never a checkpoint */
	/* from here on the file is the application's to find after a crash */
	const char *rel = rc == 0 && s ? engine_rel(f->abs) : NULL;
	struct book_file *bf = rel ? book_find(s, rel) : NULL;
	if (bf) {
		mark_closed(bf);
		engine_journal();
	}
	book_open_free(book_take_fd(&sh.book, fd, engine_now()));
	pthread_cond_broadcast(&sh.cond);
	engine_leave(&c);
	return rc;
}

/* ---- opening checkpoint files ---- */

/* Room in the cache for another file like the largest so far, twice over:
 * in the store's free space and under its byte limit. */
static int cache_has_room(const char *route)
{
	if (sh.largest <= 0)
		return 1;
	unsigned long long need = 2ULL * (unsigned long long)sh.largest;
	char *dir = scr_dirname(route);
	struct statvfs fs;
	int ok = !dir || statvfs(dir, &fs) != 0 ||
		 (unsigned long long)fs.f_bavail * fs.f_frsize >= need;
	free(dir);
	return ok && scr_tp_store_room(route) >= need;
}

/* Which slot a write-open of rel takes, waiting while it would be a third
 * version; -1 when it cannot wait (the file goes to its real path). */
static int wait_for_slot(const char *abs, const char *rel, int trunc)
{
	double deadline = engine_now() + sh.watchdog;
	for (;;) {
		engine_wait_round();
		int which = book_choose(&sh.book, rel, trunc);
		if (which >= 0)
			return which;
		if (!sh.have_thread || engine_now() > deadline) {
			fallback_warning(abs, "two checkpoints are still waiting to complete");
			went_in_place(&sh.book.slot[1], rel);
			return -1;
		}
		shim_warn_once(&sh.warned_wait, "a third checkpoint started before the "
			       "first completed: waiting for it");
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sh.cond, &sh.lock, &ts);
	}
}

/* The file goes to its real path: the slot lacks it now. */
static char *send_to_real_path(struct book_slot *s, const char *abs, const char *rel,
			       const char *why)
{
	fallback_warning(abs, why);
	went_in_place(s, rel);
	return NULL;
}

/*
 * Route a write-open of abs (rel below the prefix): returns the path to
 * open (malloc'd) and the generation, or NULL when the file goes to its
 * real path. *added: a new file of the slot (undone if the open fails).
 */
static char *route_write(const char *abs, const char *rel, int flags, long *gen, int *added)
{
	*added = 0;
	int trunc = (flags & O_TRUNC) != 0;
	int which = wait_for_slot(abs, rel, trunc);
	if (which < 0)
		return NULL;
	struct book_slot *s = &sh.book.slot[which];
	struct book_file *known = book_find(s, rel);
	if (known) {
		*gen = sh.book.gen + which;
		if (known->closed) {
			/* written again in place: until its next close it is torn */
			known->closed = 0;
			engine_journal();
		}
		return strdup(known->route);
	}
	if (s->n == 0)
		scr_tp_make_room();
	char *route = NULL, *cached_rel = NULL;
	int rc = scr_tp_write_path(which, abs, &route, &cached_rel, &s->id);
	if (rc)
		return send_to_real_path(s, abs, rel, scr_strerror(rc));
	const char *why = NULL;
	if (!cache_has_room(route)) {
		/* stdio writes hit a full cache past the wrappers: better to
		 * send the file to its real path before it starts */
		why = "the cache is nearly full";
	} else if (!trunc) {
		/* without truncation the file's current contents carry over */
		char *old = NULL;
		struct book_file *prev = which == 1 ? book_find(&sh.book.slot[0], rel) : NULL;
		if (prev)
			old = strdup(prev->route);
		else if (scr_tp_read_path(abs, &old) != 0)
			old = NULL;
		if (!old && access(abs, F_OK) == 0)
			old = strdup(abs);
		if (old && strcmp(old, route) && scr_copy_file(old, route, NULL, NULL) != 0)
			why = "cannot copy its current contents";
		free(old);
	}
	char *ret = why ? NULL : strdup(route);
	if (!why && (!ret || book_add(s, cached_rel, route) != 0))
		why = "out of memory";
	if (why) {
		free(ret);
		free(cached_rel);
		free(route);
		return send_to_real_path(s, abs, rel, why);
	}
	if (which == 1)
		sh.book.slot[0].sealed = 1;
	*gen = sh.book.gen + which;
	*added = 1;
	book_unhide(&sh.book, rel);
	return ret;
}

/* The copy to read: this rank's newest version, then scr's, else NULL. */
static char *route_read(const char *abs)
{
	const char *rel = engine_rel(abs);
	const char *pending = NULL;
	if (rel) {
		enum book_view view = book_view(&sh.book, rel, &pending);
		if (view == BOOK_PENDING)
			return strdup(pending);
		if (view == BOOK_HIDDEN)
			return NULL;
	}
	char *route = NULL;
	int rc = scr_tp_read_path(abs, &route);
	if (rc == -SCR_EREMOTE && sh.have_thread) {
		/* another node holds it: every rank flushes the restart dataset */
		long seen = sh.flushes;
		sh.need_flush = 1;
		pthread_cond_broadcast(&sh.cond);
		while (sh.flushes == seen)
			pthread_cond_wait(&sh.cond, &sh.lock);
		engine_wait_library();
		rc = scr_tp_read_path(abs, &route);
	}
	if (rc == -SCR_EREMOTE)
		shim_warn_once(&sh.warned_remote, "'%s' is in another node's cache and "
			       "could not be flushed for reading here", abs);
	return rc == 0 ? route : NULL;
}

char *shim_lookup(const char *abs)
{
	struct call c;
	engine_enter(&c);
	engine_wait_library();
	char *route = route_read(abs);
	engine_leave(&c);
	return route ? route : strdup(abs);
}

/* SCR_HALT_EXIT armed: whether a write-open of rel starts a generation
 * at or past the one to stop at. */
static int halt_reached(const char *rel, int flags)
{
	if (sh.halt_gen < 0 || sh.halt_gen == LONG_MAX)
		return 0;
	engine_wait_round();
	int which = book_choose(&sh.book, rel, (flags & O_TRUNC) != 0);
	return sh.book.gen + (which < 0 ? 2 : which) >= sh.halt_gen;
}

int shim_open(const char *abs, int flags, mode_t mode)
{
	struct call c;
	engine_enter(&c);
	const int entry_errno = c.err;   /* a success leaves errno as it was */
	int writing = (flags & O_ACCMODE) != O_RDONLY;
	const char *rel = engine_rel(abs);
	if (writing && rel && halt_reached(rel, flags)) {
		engine_leave(&c);
		engine_halt_stop();
	}
	long gen = -1;
	int added = 0;
	char *route = NULL;
	if (writing && rel)
		route = route_write(abs, rel, flags, &gen, &added);
	else if (writing)
		fallback_warning(abs, "it is outside the prefix directory");
	else {
		engine_wait_library();
		route = route_read(abs);
	}
	errno = entry_errno;
	int fd = REAL(open)(route ? route : abs, flags, mode);
	c.err = errno;
	struct book_slot *slot = route && writing ? book_slot_of_gen(&sh.book, gen) : NULL;
	if (fd >= 0 && slot)
		book_put_fd(&sh.book, fd, gen, 1, abs, route, engine_now());
	int retry = 0;
	if (fd < 0 && slot) {
		/* a failed open leaves no trace in the dataset */
		if (added)
			book_remove(slot, rel);
		/* the cache refused it: the real path must still work */
		retry = c.err != EEXIST && c.err != EINTR && c.err != ENOENT;
		if (retry)
			send_to_real_path(slot, abs, rel, strerror(c.err));
	}
	free(route);
	engine_leave(&c);
	if (retry) {
		errno = entry_errno;
		fd = REAL(open)(abs, flags, mode);
	}
	return fd;
}

/* fopen's mode string as open flags */
static int fopen_flags(const char *mode)
{
	int plus = strchr(mode, '+') != NULL;
	int flags;
	switch (mode[0]) {
	case 'w': flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC; break;
	case 'a': flags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND; break;
	default:  flags = plus ? O_RDWR : O_RDONLY; break;
	}
	if (strchr(mode, 'x'))
		flags |= O_EXCL;
	if (strchr(mode, 'e'))
		flags |= O_CLOEXEC;
	return flags;
}

/* The record of from becomes to's (a stream's descriptor took its place). */
static void move_fd_record(int from, int to)
{
	struct call c;
	engine_enter(&c);
	double t = engine_now();
	struct book_open *f = book_take_fd(&sh.book, from, t);
	if (f)
		book_put_fd(&sh.book, to, f->gen, f->writable, f->abs, f->route, t);
	book_open_free(f);
	engine_leave(&c);
}

FILE *shim_fopen(const char *abs, const char *mode, FILE *reopen)
{
	int entry_errno = errno;
	if (reopen) {
		struct call c;
		engine_enter(&c);
		book_open_free(book_take_fd(&sh.book, fileno(reopen), engine_now()));
		engine_leave(&c);
	}
	int fd = shim_open(abs, fopen_flags(mode), 0666);
	if (fd < 0) {
		if (reopen) {
			int saved = errno;
			REAL(fclose)(reopen);
			errno = saved;
		}
		return NULL;
	}
	FILE *fp;
	if (reopen) {
		/* make the stream's descriptor the routed one */
		int target = fileno(reopen);
		fflush(reopen);
		if (dup2(fd, target) < 0) {
			int saved = errno;
			shim_close(fd, REAL(close), NULL);
			errno = saved;
			return NULL;
		}
		move_fd_record(fd, target);
		REAL(close)(fd);
		fp = reopen;
		rewind(fp);
		errno = entry_errno;
	} else {
		fp = fdopen(fd, mode);
		if (!fp) {
			int saved = errno;
			shim_close(fd, REAL(close), NULL);
			errno = saved;
		} else {
			errno = entry_errno;
		}
	}
	return fp;
}

/*
 * Move a checkpoint file being written from the cache to its real path:
 * contents so far, same offset, same descriptor number, so the application
 * goes on writing there. Its dataset cannot complete on this rank any more.
 */
int engine_move_to_real_path(int fd, const char *why)
{
	struct book_open *f = book_fd(&sh.book, fd);
	if (!f || !f->writable || !f->abs || !f->route || !strcmp(f->abs, f->route))
		return -1;
	int rc = -1;
	off_t off = lseek(fd, 0, SEEK_CUR);
	int flags = fcntl(fd, F_GETFL);
	int nfd = -1;
	if (off >= 0 && flags >= 0 && scr_copy_file(f->route, f->abs, NULL, NULL) == 0)
		nfd = REAL(open)(f->abs, flags & (O_ACCMODE | O_APPEND | O_SYNC | O_DSYNC));
	if (nfd >= 0 && lseek(nfd, off, SEEK_SET) == off && dup2(nfd, fd) == fd) {
		fallback_warning(f->abs, why);
		went_in_place(book_slot_of_gen(&sh.book, f->gen), engine_rel(f->abs));
		REAL(unlink)(f->route);
		book_open_free(book_take_fd(&sh.book, fd, engine_now()));
		rc = 0;
	}
	if (nfd >= 0)
		REAL(close)(nfd);
	return rc;
}

int shim_in_cache(int fd)
{
	struct call c;
	engine_enter(&c);
	struct book_open *f = book_fd(&sh.book, fd);
	int cached = f && f->writable && f->abs && f->route && strcmp(f->abs, f->route);
	engine_leave(&c);
	return cached;
}

int shim_write_failed(int fd)
{
	struct call c;
	engine_enter(&c);
	engine_wait_round();
	int rc = engine_move_to_real_path(fd, "the cache is full");
	engine_leave(&c);
	return rc;
}

/* ---- listing a directory ---- */

struct visible {
	void (*fn)(const char *rel, void *ctx);
	void *ctx[2];
};

static void if_visible(const char *rel, void *arg)
{
	struct visible *v = arg;
	if (!book_is_hidden(&sh.book, rel))
		v->fn(rel, v->ctx);
}

void shim_each_cached(const char *dir_abs, void (*fn)(const char *rel, void *ctx), void *arg)
{
	struct call c;
	engine_enter(&c);
	engine_wait_library();
	const char *prefix = scr_tp_prefix();
	const char *dir_rel = prefix && !strcmp(dir_abs, prefix) ? "" : engine_rel(dir_abs);
	if (dir_rel) {
		struct visible v = { fn, { arg, (void *)dir_rel } };
		for (int i = 0; i < 2; i++)
			for (size_t k = 0; k < sh.book.slot[i].n; k++)
				fn(sh.book.slot[i].f[k].rel, v.ctx);
		scr_tp_each_file(if_visible, &v);
	}
	engine_leave(&c);
}

/* ---- rename and unlink ---- */

/* Lock held: every version of rel that scr holds goes, as a file system
 * forgets a name: pending ones (newest first) out of the journal, then
 * from the cache; one in a completed dataset hidden, and its copy at the
 * real path removed if a flush had put it there. Returns whether there was
 * any; *rc: the removal of the newest, as unlink reports it (its errno in
 * *err on failure). */
static int forget_name(const char *abs, const char *rel, int *rc, int *err)
{
	int found = 0;
	for (int i = 1; i >= 0; i--) {
		struct book_slot *s = &sh.book.slot[i];
		struct book_file *f = book_find(s, rel);
		char *route = f ? strdup(f->route) : NULL;
		if (!route)
			continue;
		/* out of the journal first: a crash in between leaves no
		 * record of a file that is gone */
		if (book_remove(s, rel))
			engine_journal();
		int r = REAL(unlink)(route);
		if (!found) {
			*rc = r;
			if (r != 0)
				*err = errno;
		}
		free(route);
		found = 1;
	}
	char *older = route_read(abs);
	if (older) {
		book_hide(&sh.book, rel);
		int r = REAL(unlink)(abs);
		if (!found) {
			*rc = r != 0 && errno == ENOENT ? 0 : r;
			if (*rc != 0)
				*err = errno;
		}
		free(older);
		found = 1;
	}
	return found;
}

int shim_rename(const char *src_abs, const char *dst_abs, int dst_matches, int *rc)
{
	struct call c;
	engine_enter(&c);
	engine_wait_round();
	int handled = 0;
	const char *src_rel = engine_rel(src_abs);
	const char *dst_rel = dst_matches ? engine_rel(dst_abs) : NULL;
	int from_slot = -1;
	struct book_file *from = src_rel ? book_newest(&sh.book, src_rel, &from_slot) : NULL;
	/* route_write may grow the slot arrays: keep copies, not pointers */
	char *from_rel = from ? strdup(from->rel) : NULL;
	char *from_route = from ? strdup(from->route) : NULL;
	/* a file of a completed dataset is copied out of it, never moved */
	char *older = !from && src_rel ? route_read(src_abs) : NULL;
	if (from && (!from_rel || !from_route)) {
		free(from_rel);
		free(from_route);
		free(older);
		engine_leave(&c);
		return 0;
	}
	if (dst_rel) {
		/* a file written under a temporary name becomes a checkpoint file */
		long gen;
		int added = 0;
		char *route = route_write(dst_abs, dst_rel, O_WRONLY | O_TRUNC, &gen, &added);
		/* route_write may have waited for a round, which may have
		 * completed the dataset the old name was in: that file is part of
		 * a checkpoint now, copied out, never moved */
		if (route && from_rel) {
			from_slot = book_holding(&sh.book, from_rel, from_route);
			if (from_slot < 0 && !older) {
				older = from_route;
				from_route = NULL;
				free(from_rel);
				from_rel = NULL;
			}
		}
		if (route) {
			struct book_slot *to_slot = &sh.book.slot[gen - sh.book.gen];
			const char *src = from_route ? from_route : src_abs;
			if (older)
				*rc = scr_copy_file(older, route, NULL, NULL) == 0 ? 0 : -1;
			else
				*rc = REAL(rename)(src, route);
			if (*rc != 0 && !older && errno == EXDEV)
				*rc = scr_copy_file(src, route, NULL, NULL) == 0 ? REAL(unlink)(src) : -1;
			if (*rc != 0)
				c.err = errno;
			if (*rc == 0 && from_rel)
				book_remove(&sh.book.slot[from_slot], from_rel);   /* the old name is gone */
			if (*rc != 0 && added)
				book_remove(to_slot, dst_rel);
			else
				to_slot->last = engine_now();
			if (*rc == 0) {
				/* the new name replaces the old one in the journal at once */
				struct book_file *to = book_find(to_slot, dst_rel);
				if (to)
					mark_closed(to);
				engine_journal();
			}
			free(route);
			handled = 1;
		}
	}
	if (!handled && (from_route || older)) {
		/* a checkpoint file leaves scr: under a name that is not one, or
		 * one the cache could not take (it goes to its real path); a wait
		 * for a round may have completed its dataset meanwhile */
		if (from_rel && (from_slot = book_holding(&sh.book, from_rel, from_route)) < 0 &&
		    !older) {
			older = from_route;
			from_route = NULL;
			free(from_rel);
			from_rel = NULL;
		}
		*rc = scr_copy_file(from_route ? from_route : older, dst_abs, NULL, NULL) == 0 ? 0 : -1;
		if (*rc != 0)
			c.err = errno;
		if (*rc == 0 && from_rel && from_slot >= 0) {
			if (book_remove(&sh.book.slot[from_slot], from_rel))
				engine_journal();
			REAL(unlink)(from_route);
		}
		handled = 1;
	}
	if (handled && *rc == 0 && src_rel && (!dst_rel || strcmp(src_rel, dst_rel))) {
		/* the old name is gone in every version: one older than the
		 * moved file would show again, and a flushed copy at the real
		 * path too */
		int ignored_rc, ignored_err;
		forget_name(src_abs, src_rel, &ignored_rc, &ignored_err);
	}
	free(older);
	free(from_rel);
	free(from_route);
	engine_leave(&c);
	return handled;
}

int shim_unlink(const char *abs, int *rc)
{
	struct call c;
	engine_enter(&c);
	engine_wait_round();
	const char *rel = engine_rel(abs);
	int handled = rel ? forget_name(abs, rel, rc, &c.err) : 0;
	engine_leave(&c);
	return handled;
}
