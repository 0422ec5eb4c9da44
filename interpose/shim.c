/*
 * The transparent mode's engine: which files are checkpoint files, where
 * they go, and when a checkpoint is complete.
 *
 * Completion protocol (see README, "Transparent mode"):
 *  - A rank contributes to the dataset being written ("slot 0") by opening
 *    matching paths for writing; it is done with it when it holds none of
 *    them open.
 *  - A rank starts the next dataset ("slot 1") when it opens for writing,
 *    with truncation, a path it already wrote in slot 0 (a checkpoint
 *    rewritten in place).
 *  - An agreement thread per rank runs rounds: one small MPI_Iallreduce
 *    over a private communicator of (has files, has files open, has started
 *    the next, quiet time, finalizing). Every rank sees the same result and
 *    so takes the same decision: slot 0 is complete when some rank wrote to
 *    it, no rank holds one of its files open, and either some rank started
 *    the next dataset, or SCR_SETTLE_SECONDS passed since the last activity,
 *    or every rank is in MPI_Finalize. Then all threads complete it together
 *    through the library (CRC, agreement, redundancy, flush as configured).
 *  - Opens of checkpoint files for writing wait while a round is in flight,
 *    so no file can join a dataset after the round that completes it.
 */
#define _GNU_SOURCE
#include "shim.h"

#include "pattern.h"
#include "real.h"

#include "io.h"
#include "log.h"
#include "path.h"
#include "scr.h"
#include "scr_err.h"
#include "transparent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mpi.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

__thread int shim_inside;

/* A checkpoint file the application has open. */
struct open_file {
	long gen;        /* dataset generation it belongs to (writers) */
	int writable;
	char *abs;       /* the application's path */
	char *route;     /* where it really is */
};

static void open_file_free(struct open_file *f)
{
	if (f) {
		free(f->abs);
		free(f->route);
		free(f);
	}
}

struct slot_file {
	char *rel;       /* below the prefix */
	char *route;     /* where it is written */
	int closed;      /* closed since its last write-open: size and crc hold */
	uint64_t size;
	uint32_t crc;
};

/* A dataset being written by this rank. */
struct slot {
	int id;          /* the library's dataset id */
	size_t n, cap;
	struct slot_file *f;
	int writers;     /* open writable fds */
	int broken;      /* a file of it had to go to its real path */
	double last;     /* last open or close, for SCR_SETTLE_SECONDS */
	int sealed;      /* this rank started the next dataset */
};

static struct {
	enum shim_state state;
	pid_t pid;
	int scr_inited;
	struct scr_pattern *pat;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int in_round;            /* a round is deciding: write-opens wait */
	int completing;          /* the thread is inside the library: lookups wait */
	int finalizing;
	int need_flush;          /* a read needs another node's restart file */
	long flushes;            /* on-demand flushes done */
	long gen;                /* generation of slot[0] */
	struct slot slot[2];
	struct open_file **byfd; /* indexed by fd */
	size_t nhidden;
	char **hidden;           /* names the application removed from scr's datasets */
	size_t nfd;
	int have_thread;
	pthread_t thread;
	MPI_Comm comm;
	int rank;
	double settle, watchdog;
	int warned_fallback, warned_wait, warned_remote, warned_journal;
	volatile sig_atomic_t crashed;   /* a fatal signal: complete nothing more */
	int abandoned;           /* no agreement at MPI_Finalize: step aside */
	off_t largest;           /* largest checkpoint file written so far */
	long halt_gen;           /* SCR_HALT_EXIT: a write-open for this generation
				  * or a later one stops the application; -1 none */
} sh = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.halt_gen = -1,
};

static struct slot_file *slot_find(struct slot *s, const char *rel);
static void mark_closed(struct slot_file *sf);
static void journal_update(void);

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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

/* ---- paths ---- */

static char *dir_path(int dirfd)
{
	if (dirfd == AT_FDCWD)
		return getcwd(NULL, 0);
	char link[64], *target = NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	for (size_t size = 256; size <= 1u << 20; size *= 2) {
		char *buf = realloc(target, size);
		if (!buf)
			break;
		target = buf;
		ssize_t n = readlink(link, target, size);
		if (n < 0)
			break;
		if ((size_t)n < size) {
			target[n] = '\0';
			return target;
		}
	}
	free(target);
	return NULL;
}

char *shim_absolute(int dirfd, const char *path)
{
	if (!path || !*path)
		return NULL;
	int saved = errno;
	char *base = path[0] == '/' ? NULL : dir_path(dirfd);
	char *abs = path[0] == '/' || base ? scr_path_absolute(base ? base : "/", path) : NULL;
	free(base);
	errno = saved;
	return abs;
}

char *shim_match(int dirfd, const char *path)
{
	if (!path || !*path || !sh.pat)
		return NULL;
	int saved = errno;
	char *abs = shim_absolute(dirfd, path);
	if (abs && !scr_pattern_match(sh.pat, abs)) {
		free(abs);
		abs = NULL;
	}
	errno = saved;
	return abs;
}

static int in_prefix(const char *abs)
{
	const char *prefix = scr_tp_prefix();
	size_t n = prefix ? strlen(prefix) : 0;
	return prefix && !strncmp(abs, prefix, n) && abs[n] == '/' && abs[n + 1];
}

/* ---- open file table ---- */

static int table_put(int fd, long gen, int writable, const char *abs, const char *route)
{
	if (fd < 0)
		return -1;
	if ((size_t)fd >= sh.nfd) {
		size_t n = sh.nfd ? sh.nfd : 64;
		while (n <= (size_t)fd)
			n *= 2;
		struct open_file **grown = realloc(sh.byfd, n * sizeof(*grown));
		if (!grown)
			return -1;
		memset(grown + sh.nfd, 0, (n - sh.nfd) * sizeof(*grown));
		sh.byfd = grown;
		sh.nfd = n;
	}
	struct open_file *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->gen = gen;
	f->writable = writable;
	f->abs = abs ? strdup(abs) : NULL;
	f->route = route ? strdup(route) : NULL;
	open_file_free(sh.byfd[fd]);
	sh.byfd[fd] = f;
	return 0;
}

static struct slot *slot_of_gen(long gen)
{
	if (gen == sh.gen)
		return &sh.slot[0];
	if (gen == sh.gen + 1)
		return &sh.slot[1];
	return NULL;
}

/* Forget fd without closing it (a stream took it over, or it was dup'd away). */
static void table_drop(int fd)
{
	if (fd >= 0 && (size_t)fd < sh.nfd && sh.byfd[fd]) {
		struct open_file *f = sh.byfd[fd];
		struct slot *s = f->writable ? slot_of_gen(f->gen) : NULL;
		if (s) {
			s->writers--;
			s->last = now();
		}
		open_file_free(f);
		sh.byfd[fd] = NULL;
	}
}

int shim_close(int fd, int (*real_close)(int), FILE *fp)
{
	pthread_mutex_lock(&sh.lock);
	struct open_file *f = fd >= 0 && (size_t)fd < sh.nfd ? sh.byfd[fd] : NULL;
	if (!f) {
		pthread_mutex_unlock(&sh.lock);
		return fp ? REAL(fclose)(fp) : real_close(fd);
	}
	/* closed under the lock: the data is in the file before the writer
	 * count drops, and the fd number cannot be reused meanwhile */
	struct stat st;
	if (f->writable && fstat(fd, &st) == 0 && st.st_size > sh.largest)
		sh.largest = st.st_size;
	int rc = fp ? REAL(fclose)(fp) : real_close(fd);
	int saved = errno;
	struct slot *s = f->writable ? slot_of_gen(f->gen) : NULL;
	if (rc != 0 && s)
		s->broken = 1;   /* the file may be short: never a checkpoint */
	/* from here on the file is the application's to find after a crash */
	struct slot_file *sf = rc == 0 && s && f->abs && in_prefix(f->abs)
		? slot_find(s, f->abs + strlen(scr_tp_prefix()) + 1) : NULL;
	if (sf) {
		mark_closed(sf);
		journal_update();
	}
	table_drop(fd);
	pthread_cond_broadcast(&sh.cond);
	pthread_mutex_unlock(&sh.lock);
	errno = saved;
	return rc;
}

/* ---- slots ---- */

static struct slot_file *slot_find(struct slot *s, const char *rel)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->f[i].rel, rel))
			return &s->f[i];
	return NULL;
}

static int slot_add(struct slot *s, char *rel, char *route)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct slot_file *grown = realloc(s->f, cap * sizeof(*grown));
		if (!grown)
			return -1;
		s->f = grown;
		s->cap = cap;
	}
	s->f[s->n] = (struct slot_file){ .rel = rel, .route = route };
	s->n++;
	return 0;
}

/* Returns 1 when the file was closed: the caller updates the journal. */
static int slot_remove(struct slot *s, const char *rel)
{
	struct slot_file *f = slot_find(s, rel);
	if (!f)
		return 0;
	size_t k = (size_t)(f - s->f);
	int was_closed = f->closed;
	free(f->rel);
	free(f->route);
	memmove(&s->f[k], &s->f[k + 1], (s->n - k - 1) * sizeof(*s->f));
	s->n--;
	return was_closed;
}

/*
 * A file of this name now lives at its real path: no cached version of it
 * may be flushed or rescued over it later, and the datasets that held one
 * cannot be complete on this rank.
 */
static void forget_name(const char *rel)
{
	int journal = 0;
	for (int i = 0; i < 2; i++) {
		if (slot_find(&sh.slot[i], rel)) {
			journal |= slot_remove(&sh.slot[i], rel);
			sh.slot[i].broken = 1;
		}
	}
	if (journal)
		journal_update();
}

static void slot_release(struct slot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->f[i].rel);
		free(s->f[i].route);
	}
	free(s->f);
	memset(s, 0, sizeof(*s));
}

/* ---- the journal of closed files ---- */

static char *slot_name(const struct slot *s);

/* A slot's files as the library takes them (the strings stay the slot's). */
static struct scr_tp_file *slot_files(const struct slot *s)
{
	struct scr_tp_file *f = calloc(s->n ? s->n : 1, sizeof(*f));
	for (size_t i = 0; f && i < s->n; i++)
		f[i] = (struct scr_tp_file){ .rel = s->f[i].rel, .closed = s->f[i].closed,
					     .size = s->f[i].size, .crc = s->f[i].crc };
	return f;
}

/*
 * Lock held: rewrite this rank's journal from both slots, so that every
 * file closed so far outlives a crash before its checkpoint completes.
 */
static void journal_update(void)
{
	if (!scr_tp_caching())
		return;
	shim_inside++;
	int saved = errno;
	struct scr_tp_pending p[2];
	struct scr_tp_file *files[2] = { NULL, NULL };
	char *names[2] = { NULL, NULL };
	size_t n = 0;
	int rc = 0;
	for (int i = 0; i < 2 && !rc; i++) {
		struct slot *s = &sh.slot[i];
		if (s->n == 0)
			continue;
		files[i] = slot_files(s);
		names[i] = slot_name(s);
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
	shim_inside--;
}

/* Lock held: the application closed sf; its size and CRC are taken now. */
static void mark_closed(struct slot_file *sf)
{
	shim_inside++;
	int saved = errno;
	sf->closed = scr_crc_file(sf->route, &sf->size, &sf->crc) == 0;
	errno = saved;
	shim_inside--;
}

/*
 * Completed datasets are never changed: when the application unlinks or
 * renames away one of their files, the name is hidden from its view until
 * it writes the name again.
 */
static int is_hidden(const char *rel)
{
	for (size_t i = 0; i < sh.nhidden; i++)
		if (!strcmp(sh.hidden[i], rel))
			return 1;
	return 0;
}

static void hide(const char *rel)
{
	if (is_hidden(rel))
		return;
	char **grown = realloc(sh.hidden, (sh.nhidden + 1) * sizeof(*grown));
	if (!grown)
		return;
	sh.hidden = grown;
	if ((sh.hidden[sh.nhidden] = strdup(rel)) != NULL)
		sh.nhidden++;
}

static void unhide(const char *rel)
{
	for (size_t i = 0; i < sh.nhidden; i++) {
		if (strcmp(sh.hidden[i], rel))
			continue;
		free(sh.hidden[i]);
		sh.hidden[i] = sh.hidden[--sh.nhidden];
		return;
	}
}

/* Which dataset a write-open of rel belongs to: 0, 1, or -1 when it would
 * be a third version and must wait for a completion. */
static int choose_slot(const char *rel, int trunc)
{
	struct slot *s0 = &sh.slot[0], *s1 = &sh.slot[1];
	if (slot_find(s1, rel))
		return trunc ? -1 : 1;
	if (s1->n > 0)
		return 1;
	if (slot_find(s0, rel))
		return trunc ? 1 : 0;
	return 0;
}

/* ---- opening checkpoint files ---- */

static void fallback_warning(const char *abs, const char *why)
{
	shim_warn_once(&sh.warned_fallback, "cannot keep '%s' in the cache (%s): it and "
		       "other such files are written at their real paths, and the "
		       "checkpoint they belong to is not used for a restart", abs, why);
}

/* Room in the cache for another file like the largest so far, twice over. */
static int cache_has_room(const char *route)
{
	if (sh.largest <= 0)
		return 1;
	char *dir = scr_dirname(route);
	struct statvfs fs;
	int ok = !dir || statvfs(dir, &fs) != 0 ||
		 (unsigned long long)fs.f_bavail * fs.f_frsize >= 2ULL * (unsigned long long)sh.largest;
	free(dir);
	return ok;
}

static void halt_stop(void) __attribute__((noreturn));

/* Wait, lock held, until no round is in flight. */
static void wait_round(void)
{
	while (sh.in_round)
		pthread_cond_wait(&sh.cond, &sh.lock);
}

/* Wait, lock held, until the library is free for this thread. */
static void wait_library(void)
{
	while (sh.completing)
		pthread_cond_wait(&sh.cond, &sh.lock);
}

/*
 * Route a write-open: returns the path to open (malloc'd) and the
 * generation, or NULL when the file goes to its real path. Lock held.
 */
static char *route_write(const char *abs, int flags, long *gen, int *added)
{
	*added = 0;
	int trunc = (flags & O_TRUNC) != 0;
	char *rel = NULL, *route = NULL;
	int which;
	double deadline = now() + sh.watchdog;
	for (;;) {
		wait_round();
		which = choose_slot(abs + strlen(scr_tp_prefix()) + 1, trunc);
		if (which >= 0)
			break;
		if (!sh.have_thread || now() > deadline) {
			fallback_warning(abs, "two checkpoints are still waiting to complete");
			forget_name(abs + strlen(scr_tp_prefix()) + 1);
			sh.slot[1].broken = 1;   /* it lacks this file now */
			return NULL;
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
	struct slot *s = &sh.slot[which];
	const char *relp = abs + strlen(scr_tp_prefix()) + 1;
	struct slot_file *known = slot_find(s, relp);
	if (known) {
		*gen = sh.gen + which;
		if (known->closed) {
			/* written again in place: until its next close it is torn */
			known->closed = 0;
			journal_update();
		}
		return strdup(known->route);
	}
	if (s->n == 0)
		scr_tp_make_room();
	int rc = scr_tp_write_path(which, abs, &route, &rel, &s->id);
	if (rc) {
		fallback_warning(abs, scr_strerror(rc));
		forget_name(relp);
		s->broken = 1;   /* the dataset lacks this file */
		return NULL;
	}
	if (!cache_has_room(route)) {
		/* stdio writes hit a full cache past the wrappers: better to
		 * send the file to its real path before it starts */
		fallback_warning(abs, "the cache is nearly full");
		forget_name(relp);
		s->broken = 1;
		free(route);
		free(rel);
		return NULL;
	}
	/* without truncation the file's current contents carry over */
	if (!trunc) {
		char *old = NULL;
		struct slot_file *prev = which == 1 ? slot_find(&sh.slot[0], rel) : NULL;
		if (prev)
			old = strdup(prev->route);
		else if (scr_tp_read_path(abs, &old) != 0)
			old = NULL;
		if (!old && access(abs, F_OK) == 0)
			old = strdup(abs);
		if (old && strcmp(old, route) && scr_copy_file(old, route, NULL, NULL) != 0) {
			fallback_warning(abs, "cannot copy its current contents");
			forget_name(relp);
			s->broken = 1;
			free(old);
			free(rel);
			free(route);
			return NULL;
		}
		free(old);
	}
	char *ret = strdup(route);
	if (!ret || slot_add(s, rel, route) != 0) {
		free(ret);
		free(rel);
		free(route);
		return NULL;
	}
	if (which == 1)
		sh.slot[0].sealed = 1;
	*gen = sh.gen + which;
	*added = 1;
	unhide(s->f[s->n - 1].rel);
	return ret;
}

/* The copy to read: this rank's newest version, then scr's, else NULL. */
static char *route_read(const char *abs)
{
	const char *prefix = scr_tp_prefix();
	size_t plen = prefix ? strlen(prefix) : 0;
	if (prefix && !strncmp(abs, prefix, plen) && abs[plen] == '/') {
		for (int i = 1; i >= 0; i--) {
			struct slot_file *f = slot_find(&sh.slot[i], abs + plen + 1);
			if (f)
				return strdup(f->route);
		}
	}
	if (prefix && !strncmp(abs, prefix, plen) && abs[plen] == '/' && is_hidden(abs + plen + 1))
		return NULL;
	char *route = NULL;
	int rc = scr_tp_read_path(abs, &route);
	if (rc == -SCR_EREMOTE && sh.have_thread) {
		/* another node holds it: every rank flushes the restart dataset */
		long seen = sh.flushes;
		sh.need_flush = 1;
		pthread_cond_broadcast(&sh.cond);
		while (sh.flushes == seen)
			pthread_cond_wait(&sh.cond, &sh.lock);
		wait_library();
		rc = scr_tp_read_path(abs, &route);
	}
	if (rc == -SCR_EREMOTE)
		shim_warn_once(&sh.warned_remote, "'%s' is in another node's cache and "
			       "could not be flushed for reading here", abs);
	return rc == 0 ? route : NULL;
}

char *shim_lookup(const char *abs)
{
	pthread_mutex_lock(&sh.lock);
	wait_library();
	shim_inside++;
	char *route = route_read(abs);
	shim_inside--;
	pthread_mutex_unlock(&sh.lock);
	return route ? route : strdup(abs);
}

int shim_open(const char *abs, int flags, mode_t mode)
{
	int entry_errno = errno;   /* a success must leave errno as it was */
	int writing = (flags & O_ACCMODE) != O_RDONLY;
	pthread_mutex_lock(&sh.lock);
	shim_inside++;
	long gen = -1;
	int added = 0;
	char *route = NULL;
	if (writing && sh.halt_gen >= 0 && sh.halt_gen != LONG_MAX && in_prefix(abs)) {
		wait_round();
		int which = choose_slot(abs + strlen(scr_tp_prefix()) + 1, (flags & O_TRUNC) != 0);
		if (sh.gen + (which < 0 ? 2 : which) >= sh.halt_gen) {
			shim_inside--;
			pthread_mutex_unlock(&sh.lock);
			halt_stop();
		}
	}
	if (writing && in_prefix(abs))
		route = route_write(abs, flags, &gen, &added);
	else if (writing)
		fallback_warning(abs, "it is outside the prefix directory");
	else {
		wait_library();
		route = route_read(abs);
	}
	errno = entry_errno;
	int fd = REAL(open)(route ? route : abs, flags, mode);
	int saved = errno;
	struct slot *slot = route && writing ? slot_of_gen(gen) : NULL;
	if (fd >= 0 && slot && table_put(fd, gen, 1, abs, route) == 0) {
		slot->writers++;
		slot->last = now();
	}
	int retry = 0;
	if (fd < 0 && slot) {
		/* a failed open leaves no trace in the dataset */
		if (added)
			slot_remove(slot, abs + strlen(scr_tp_prefix()) + 1);
		/* the cache refused it: the real path must still work */
		retry = saved != EEXIST && saved != EINTR && saved != ENOENT;
		if (retry) {
			fallback_warning(abs, strerror(saved));
			forget_name(abs + strlen(scr_tp_prefix()) + 1);
			slot->broken = 1;   /* the dataset lacks this file */
		}
	}
	shim_inside--;
	pthread_mutex_unlock(&sh.lock);
	if (retry) {
		errno = entry_errno;
		fd = REAL(open)(abs, flags, mode);
		saved = errno;
	}
	free(route);
	errno = saved;
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

FILE *shim_fopen(const char *abs, const char *mode, FILE *reopen)
{
	int entry_errno = errno;
	if (reopen) {
		pthread_mutex_lock(&sh.lock);
		table_drop(fileno(reopen));
		pthread_mutex_unlock(&sh.lock);
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
		pthread_mutex_lock(&sh.lock);
		if ((size_t)fd < sh.nfd && sh.byfd[fd]) {
			struct open_file *f = sh.byfd[fd];
			sh.byfd[fd] = NULL;
			table_put(target, f->gen, f->writable, f->abs, f->route);
			open_file_free(f);
		}
		pthread_mutex_unlock(&sh.lock);
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
 * Lock held; 0 on success.
 */
static int move_to_real_path(int fd, const char *why)
{
	struct open_file *f = fd >= 0 && (size_t)fd < sh.nfd ? sh.byfd[fd] : NULL;
	if (!f || !f->writable || !f->abs || !f->route || !strcmp(f->abs, f->route))
		return -1;
	int rc = -1;
	shim_inside++;
	off_t off = lseek(fd, 0, SEEK_CUR);
	int flags = fcntl(fd, F_GETFL);
	int nfd = -1;
	if (off >= 0 && flags >= 0 && scr_copy_file(f->route, f->abs, NULL, NULL) == 0)
		nfd = REAL(open)(f->abs, flags & (O_ACCMODE | O_APPEND | O_SYNC | O_DSYNC));
	if (nfd >= 0 && lseek(nfd, off, SEEK_SET) == off && dup2(nfd, fd) == fd) {
		fallback_warning(f->abs, why);
		struct slot *s = slot_of_gen(f->gen);
		if (s) {
			s->writers--;
			s->last = now();
		}
		forget_name(f->abs + strlen(scr_tp_prefix()) + 1);
		REAL(unlink)(f->route);
		open_file_free(f);
		sh.byfd[fd] = NULL;
		rc = 0;
	}
	if (nfd >= 0)
		REAL(close)(nfd);
	shim_inside--;
	return rc;
}

int shim_write_failed(int fd)
{
	int saved = errno;
	pthread_mutex_lock(&sh.lock);
	wait_round();
	int rc = move_to_real_path(fd, "the cache is full");
	pthread_mutex_unlock(&sh.lock);
	errno = saved;
	return rc;
}

struct visible {
	void (*fn)(const char *rel, void *ctx);
	void *ctx[2];
};

static void if_visible(const char *rel, void *arg)
{
	struct visible *v = arg;
	if (!is_hidden(rel))
		v->fn(rel, v->ctx);
}

void shim_each_cached(const char *dir_abs, void (*fn)(const char *rel, void *ctx), void *arg)
{
	pthread_mutex_lock(&sh.lock);
	wait_library();
	shim_inside++;
	const char *prefix = scr_tp_prefix();
	size_t plen = prefix ? strlen(prefix) : 0;
	const char *dir_rel = NULL;
	if (prefix && !strcmp(dir_abs, prefix))
		dir_rel = "";
	else if (prefix && !strncmp(dir_abs, prefix, plen) && dir_abs[plen] == '/')
		dir_rel = dir_abs + plen + 1;
	if (dir_rel) {
		struct visible v = { fn, { arg, (void *)dir_rel } };
		for (int i = 0; i < 2; i++)
			for (size_t k = 0; k < sh.slot[i].n; k++)
				fn(sh.slot[i].f[k].rel, v.ctx);
		scr_tp_each_file(if_visible, &v);
	}
	shim_inside--;
	pthread_mutex_unlock(&sh.lock);
}

/* ---- rename and unlink ---- */

/* Lock held: the slot whose file rel is at route, or -1 (its dataset
 * completed). */
static int slot_holding(const char *rel, const char *route)
{
	for (int i = 0; i < 2; i++) {
		struct slot_file *f = slot_find(&sh.slot[i], rel);
		if (f && !strcmp(f->route, route))
			return i;
	}
	return -1;
}

int shim_rename(const char *src_abs, const char *dst_abs, int dst_matches, int *rc)
{
	pthread_mutex_lock(&sh.lock);
	wait_round();
	shim_inside++;
	int handled = 0;
	const char *prefix = scr_tp_prefix();
	size_t plen = prefix ? strlen(prefix) : 0;
	struct slot_file *from = NULL;
	int from_slot = -1;
	if (src_abs && prefix && in_prefix(src_abs)) {
		for (int i = 1; i >= 0 && !from; i--) {
			from = slot_find(&sh.slot[i], src_abs + plen + 1);
			from_slot = i;
		}
	}
	/* route_write may grow the slot arrays: keep copies, not pointers */
	char *from_rel = from ? strdup(from->rel) : NULL;
	char *from_route = from ? strdup(from->route) : NULL;
	/* a file of a completed dataset is copied out of it, never moved */
	char *older = !from && prefix && in_prefix(src_abs) ? route_read(src_abs) : NULL;
	if (from && (!from_rel || !from_route)) {
		free(from_rel);
		free(from_route);
		free(older);
		shim_inside--;
		pthread_mutex_unlock(&sh.lock);
		return 0;
	}
	from = NULL;
	if (dst_matches && in_prefix(dst_abs)) {
		/* a file written under a temporary name becomes a checkpoint file */
		long gen;
		int added = 0;
		char *route = route_write(dst_abs, O_WRONLY | O_TRUNC, &gen, &added);
		/* route_write may have waited for a round, which may have
		 * completed the dataset the old name was in: that file is part of
		 * a checkpoint now, copied out, never moved */
		if (route && from_rel) {
			from_slot = slot_holding(from_rel, from_route);
			if (from_slot < 0 && !older) {
				older = from_route;
				from_route = NULL;
				free(from_rel);
				from_rel = NULL;
			}
		}
		if (route) {
			const char *src = from_route ? from_route : src_abs;
			if (older)
				*rc = scr_copy_file(older, route, NULL, NULL) == 0 ? 0 : -1;
			else
				*rc = REAL(rename)(src, route);
			if (*rc != 0 && !older && errno == EXDEV)
				*rc = scr_copy_file(src, route, NULL, NULL) == 0 ? REAL(unlink)(src) : -1;
			if (*rc == 0 && from_rel)
				slot_remove(&sh.slot[from_slot], from_rel);   /* the old name is gone */
			if (*rc != 0 && added)
				slot_remove(&sh.slot[gen - sh.gen], dst_abs + plen + 1);
			else
				sh.slot[gen - sh.gen].last = now();
			if (*rc == 0) {
				/* the new name replaces the old one in the journal at once */
				struct slot_file *to = slot_find(&sh.slot[gen - sh.gen], dst_abs + plen + 1);
				if (to)
					mark_closed(to);
				journal_update();
			}
			free(route);
			handled = 1;
		}
	} else if (from_route || older) {
		/* a checkpoint file leaves scr under a name that is not one */
		*rc = scr_copy_file(from_route ? from_route : older, dst_abs, NULL, NULL) == 0 ? 0 : -1;
		if (*rc == 0 && from_rel && slot_remove(&sh.slot[from_slot], from_rel))
			journal_update();
		handled = 1;
	}
	if (handled && *rc == 0 && older) {
		hide(src_abs + plen + 1);
		if (REAL(unlink)(src_abs) != 0 && errno == ENOENT)
			errno = 0;
	}
	free(older);
	free(from_rel);
	free(from_route);
	int saved = errno;
	shim_inside--;
	pthread_mutex_unlock(&sh.lock);
	errno = saved;
	return handled;
}

int shim_unlink(const char *abs, int *rc)
{
	pthread_mutex_lock(&sh.lock);
	wait_round();
	shim_inside++;
	int handled = 0;
	const char *prefix = scr_tp_prefix();
	if (prefix && in_prefix(abs)) {
		const char *rel = abs + strlen(prefix) + 1;
		for (int i = 1; i >= 0; i--) {
			struct slot_file *f = slot_find(&sh.slot[i], rel);
			char *route = f ? strdup(f->route) : NULL;
			if (!route)
				continue;
			/* out of the journal first: a crash in between leaves no
			 * record of a file that is gone */
			if (slot_remove(&sh.slot[i], rel))
				journal_update();
			int r = REAL(unlink)(route);
			free(route);
			if (!handled)
				*rc = r;   /* the newest version answers */
			handled = 1;
		}
		char *older = handled ? NULL : route_read(abs);
		if (older) {
			/* a file of a completed dataset: hidden, and gone from its
			 * real path too if a flush had put it there */
			hide(rel);
			int r = REAL(unlink)(abs);
			*rc = r != 0 && errno == ENOENT ? 0 : r;
			free(older);
			handled = 1;
		}
	}
	int saved = errno;
	shim_inside--;
	pthread_mutex_unlock(&sh.lock);
	errno = saved;
	return handled;
}

/* ---- agreement ---- */

enum { V_DIRTY, V_WRITING, V_SEALED, V_NEG_QUIET_MS, V_NOT_FINAL, V_NEXT, V_NEED_FLUSH,
       V_CLEAN, V_LEN };

/* Dataset name: rank 0's first file's directory (or the file itself). */
static char *slot_name(const struct slot *s)
{
	if (s->n == 0)
		return NULL;
	char *dir = strdup(s->f[0].rel);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash)
		*slash = '\0';
	return dir;
}

/*
 * Who is missing from a round that does not end: rank 0 calls the roll on
 * its own tags; every rank waiting in the round answers; whoever does not
 * is named. Ranks stuck outside the round (stopped, hung in the kernel,
 * gone) cannot answer.
 */
enum { TAG_ROLL = 7301, TAG_HERE = 7302 };

static void answer_roll_call(void)
{
	int flag = 0;
	MPI_Status st;
	PMPI_Iprobe(0, TAG_ROLL, sh.comm, &flag, &st);
	if (!flag)
		return;
	int token;
	PMPI_Recv(&token, 1, MPI_INT, 0, TAG_ROLL, sh.comm, MPI_STATUS_IGNORE);
	PMPI_Send(&token, 1, MPI_INT, 0, TAG_HERE, sh.comm);
}

static void report_missing(void)
{
	int nranks = 1;
	PMPI_Comm_size(sh.comm, &nranks);
	if (sh.rank != 0) {
		scr_log_warn("checkpoint agreement has waited %.0f s (SCR_WATCHDOG_TIMEOUT) for "
			     "other ranks; rank 0 names them", sh.watchdog);
		return;
	}
	char *here = calloc((size_t)nranks, 1);
	MPI_Request *reqs = calloc((size_t)nranks, sizeof(*reqs));
	int *tokens = calloc((size_t)nranks, sizeof(int));
	if (!here || !reqs || !tokens) {
		free(here);
		free(reqs);
		free(tokens);
		return;
	}
	here[0] = 1;
	for (int r = 1; r < nranks; r++) {
		tokens[r] = r;
		PMPI_Isend(&tokens[r], 1, MPI_INT, r, TAG_ROLL, sh.comm, &reqs[r]);
	}
	/* a few seconds for the answers of ranks that are in the round */
	double until = now() + 3;
	int answered = 1;
	while (answered < nranks && now() < until) {
		int flag = 0;
		MPI_Status st;
		PMPI_Iprobe(MPI_ANY_SOURCE, TAG_HERE, sh.comm, &flag, &st);
		if (!flag) {
			struct timespec ts = { 0, 2 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			continue;
		}
		int token;
		PMPI_Recv(&token, 1, MPI_INT, st.MPI_SOURCE, TAG_HERE, sh.comm, MPI_STATUS_IGNORE);
		if (!here[st.MPI_SOURCE]) {
			here[st.MPI_SOURCE] = 1;
			answered++;
		}
	}
	for (int r = 1; r < nranks; r++) {
		int flag = 0;
		PMPI_Test(&reqs[r], &flag, MPI_STATUS_IGNORE);
		if (!flag)
			PMPI_Request_free(&reqs[r]);   /* a gone rank never takes it */
	}
	/* the list, as ranges: "3, 5-7" */
	size_t cap = 64, len = 0;
	char *list = malloc(cap);
	for (int r = 0; list && r < nranks; r++) {
		if (here[r])
			continue;
		int end = r;
		while (end + 1 < nranks && !here[end + 1])
			end++;
		char piece[48];
		int n = end > r ? snprintf(piece, sizeof(piece), "%s%d-%d", len ? ", " : "", r, end)
				: snprintf(piece, sizeof(piece), "%s%d", len ? ", " : "", r);
		if (len + (size_t)n + 1 > cap) {
			char *grown = realloc(list, cap = 2 * (len + (size_t)n + 1));
			if (!grown)
				break;
			list = grown;
		}
		memcpy(list + len, piece, (size_t)n + 1);
		len += (size_t)n;
		r = end;
	}
	if (len && list)
		scr_log_warn("checkpoint agreement has waited %.0f s (SCR_WATCHDOG_TIMEOUT): "
			     "rank(s) %s have not arrived (stopped, hung or gone); no "
			     "checkpoint is completed until they do", sh.watchdog, list);
	else
		scr_log_warn("checkpoint agreement has waited %.0f s (SCR_WATCHDOG_TIMEOUT): "
			     "every rank answered, yet the round has not ended", sh.watchdog);
	free(list);
	free(here);
	free(reqs);
	free(tokens);
}

/*
 * SCR_HALT_EXIT after a completed checkpoint (lock held; the same on every
 * rank, from the same round). An unmodified application cannot be stopped
 * at an arbitrary point: a rank taken out of MPI while another waits for it
 * in a collective hangs the job. Where every rank writes checkpoint files,
 * the start of the next checkpoint is a point that every rank reaches past
 * the same collectives: each rank stops at its first write-open of a
 * checkpoint file that belongs to a dataset none of them had begun when
 * the halt was decided (one that some rank had begun is written and
 * completed first). Where some rank wrote no file of the checkpoint (rank 0
 * writes for all) there is no such point: the application runs on.
 */
static void arm_halt(const char *what, long long some_clean, long long next_begun,
		     int all_final)
{
	if (all_final) {
		sh.halt_gen = LONG_MAX;   /* said once; nothing left to stop */
		if (sh.rank == 0)
			scr_log_info("%s; the application is ending (MPI_Finalize)", what);
		return;
	}
	if (some_clean) {
		sh.halt_gen = LONG_MAX;
		if (sh.rank == 0)
			scr_log_warn("%s; SCR_HALT_EXIT cannot stop this application safely: "
				     "some ranks write no checkpoint files, so no point is known "
				     "where every rank can stop; it runs on ('scr_halt --immediate' "
				     "ends the job)", what);
		return;
	}
	sh.halt_gen = sh.gen + (next_begun ? 1 : 0);
	if (sh.rank == 0)
		scr_log_info("%s; the application is stopped when it starts its next "
			     "checkpoint (SCR_HALT_EXIT=1)", what);
}

/* Stop the application for SCR_HALT_EXIT: what MPI_Finalize does, then exit 0.
 * Called from a write-open, outside the lock and the library. */
static void halt_stop(void)
{
	scr_log_debug(1, "SCR_HALT_EXIT: stopping as the next checkpoint starts");
	shim_finish();
	PMPI_Finalize();
	exit(0);
}

/* One round; returns 1 when the thread may stop (all finalizing, nothing left). */
static int agreement_round(void)
{
	long long v[V_LEN], all[V_LEN];
	pthread_mutex_lock(&sh.lock);
	wait_round();
	struct slot *s0 = &sh.slot[0];
	double t = now();
	v[V_DIRTY] = s0->n > 0;
	v[V_WRITING] = s0->writers > 0;
	v[V_SEALED] = s0->sealed || sh.slot[1].n > 0;
	v[V_NEG_QUIET_MS] = s0->n > 0 ? -(long long)((t - s0->last) * 1000) : -LLONG_MAX;
	v[V_NOT_FINAL] = !sh.finalizing;
	v[V_NEXT] = sh.slot[1].n > 0;
	v[V_NEED_FLUSH] = sh.need_flush;
	v[V_CLEAN] = s0->n == 0;
	sh.in_round = 1;
	pthread_mutex_unlock(&sh.lock);

	MPI_Request req;
	PMPI_Iallreduce(v, all, V_LEN, MPI_LONG_LONG, MPI_MAX, sh.comm, &req);
	int done = 0, warned = 0;
	double start = now();
	while (!done) {
		PMPI_Test(&req, &done, MPI_STATUS_IGNORE);
		if (done)
			break;
		answer_roll_call();
		struct timespec ts = { 0, 1000 * 1000 };
		nanosleep(&ts, NULL);
		if (!warned && now() - start > sh.watchdog) {
			report_missing();
			warned = 1;
		}
		if (warned && sh.finalizing && now() - start > 2 * sh.watchdog) {
			/* no agreement at the end of the run: step aside, this rank's
			 * pending files go to their real paths (shim_finish) */
			scr_log_error("no checkpoint agreement at MPI_Finalize after %.0f s: "
				      "this rank's pending checkpoint files are written to "
				      "their real paths", 2 * sh.watchdog);
			pthread_mutex_lock(&sh.lock);
			sh.abandoned = 1;
			sh.in_round = 0;
			pthread_cond_broadcast(&sh.cond);
			pthread_mutex_unlock(&sh.lock);
			return 1;
		}
	}

	pthread_mutex_lock(&sh.lock);
	int all_final = all[V_NOT_FINAL] == 0;
	long long min_quiet_ms = -all[V_NEG_QUIET_MS];
	int complete = all[V_DIRTY] &&
		       ((!all[V_WRITING] && (all[V_SEALED] || min_quiet_ms >= sh.settle * 1000)) ||
			all_final);
	/* every file of slot 0 was unlinked or moved while the next one has
	 * files: slot 0 passes as an empty, invalid dataset */
	int skip = !all[V_DIRTY] && all[V_NEXT];
	if (sh.crashed) {
		/* this process is dying of a fatal signal: whatever it was
		 * writing must not become a checkpoint */
		sh.in_round = 0;
		pthread_cond_broadcast(&sh.cond);
		pthread_mutex_unlock(&sh.lock);
		for (;;)
			pause();
	}
	if (complete || skip) {
		/* slot 0 cannot change meanwhile: write-opens, renames and
		 * unlinks wait for the round, lookups for the library */
		struct slot *c = &sh.slot[0];
		struct scr_tp_file *files = slot_files(c);
		int valid = files != NULL && c->writers == 0 && !c->broken && !skip;
		if (c->writers > 0)
			scr_log_warn("%d checkpoint file(s) still open at MPI_Finalize: "
				     "that checkpoint is not used for a restart", c->writers);
		size_t n = files ? c->n : 0;
		char *name = sh.rank == 0 ? slot_name(c) : NULL;   /* rank 0's is used */
		sh.completing = 1;
		pthread_mutex_unlock(&sh.lock);

		scr_tp_complete(name, files, n, valid);
		const char *what = NULL;
		int halt = sh.halt_gen < 0 && scr_tp_halt_exit(&what);

		pthread_mutex_lock(&sh.lock);
		free(name);
		free(files);
		slot_release(&sh.slot[0]);
		sh.slot[0] = sh.slot[1];
		memset(&sh.slot[1], 0, sizeof(sh.slot[1]));
		sh.gen++;
		sh.completing = 0;
		journal_update();   /* what is left pending: the next dataset's files */
		if (halt)
			arm_halt(what, all[V_CLEAN], all[V_NEXT], all_final);
	}
	if (all[V_NEED_FLUSH]) {
		sh.completing = 1;
		pthread_mutex_unlock(&sh.lock);
		scr_tp_flush_restart();
		pthread_mutex_lock(&sh.lock);
		sh.completing = 0;
		sh.need_flush = 0;
		sh.flushes++;
	}
	sh.in_round = 0;
	pthread_cond_broadcast(&sh.cond);
	int stop = all_final && !complete && !skip && !all[V_DIRTY] && !all[V_NEXT] &&
		   !all[V_NEED_FLUSH];
	pthread_mutex_unlock(&sh.lock);
	return stop;
}

static void *agreement_thread(void *arg)
{
	(void)arg;
	shim_inside = 1;   /* everything this thread does is scr's own */
	for (;;) {
		pthread_mutex_lock(&sh.lock);
		/* quick rounds while a checkpoint is pending, slow ones otherwise.
		 * Only a flush request or MPI_Finalize brings a round forward: the
		 * application's opens and closes do not, since every round holds
		 * back the write-opens that arrive while it is in flight. */
		long ms = sh.slot[0].n ? 20 : 50;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += ms * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		while (!sh.finalizing && !sh.need_flush &&
		       pthread_cond_timedwait(&sh.cond, &sh.lock, &ts) == 0)
			;
		pthread_mutex_unlock(&sh.lock);
		if (agreement_round())
			break;
	}
	return NULL;
}

/* ---- lifecycle ---- */

static void at_fork_child(void)
{
	/* the child of a rank is not a rank: its files are its own business */
	if (sh.state == SHIM_ACTIVE)
		sh.state = SHIM_PASSTHROUGH;
	sh.have_thread = 0;
	pthread_mutex_init(&sh.lock, NULL);
	pthread_cond_init(&sh.cond, NULL);
}

void shim_start(int thread_level)
{
	static int atfork_done;
	if (!atfork_done) {
		pthread_atfork(NULL, NULL, at_fork_child);
		atfork_done = 1;
	}
	shim_inside++;
	sh.pid = getpid();
	sh.state = SHIM_PASSTHROUGH;
	PMPI_Comm_rank(MPI_COMM_WORLD, &sh.rank);
	if (SCR_Init() != SCR_SUCCESS) {
		shim_inside--;
		return;
	}
	sh.scr_inited = 1;

	/* every rank takes the same decision, so the rounds stay paired */
	char *msg = NULL;
	const char *text = scr_tp_active() ? scr_tp_param("SCR_CHECKPOINT_PATTERN") : NULL;
	int ok = 0;
	if (text) {
		sh.pat = scr_pattern_compile(text, &msg);
		ok = sh.pat != NULL;
	}
	int all_ok = ok;
	PMPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
	if (!all_ok) {
		if (sh.rank == 0 && scr_tp_active())
			scr_log_error("%s: files pass through unchanged", msg ? msg :
				      "SCR_CHECKPOINT_PATTERN is not set (e.g. 'ckpt/.*\\.dat$')");
		free(msg);
		scr_pattern_free(sh.pat);
		sh.pat = NULL;
		shim_inside--;
		return;
	}
	sh.settle = (double)scr_tp_int("SCR_SETTLE_SECONDS", 1);
	sh.watchdog = (double)scr_tp_int("SCR_WATCHDOG_TIMEOUT", 300);

	char *from = NULL;
	scr_tp_begin(&from);
	/* this run's journal, empty: it also tells the next run that this
	 * rank's node-local storage was there */
	journal_update();
	if (sh.rank == 0)
		scr_log_debug(1, "transparent mode: %s", from ? "restarted from cache/prefix" :
			      "no checkpoint to restart from");
	free(from);

	PMPI_Comm_dup(MPI_COMM_WORLD, &sh.comm);
	shim_signals_install();
	if (thread_level >= MPI_THREAD_MULTIPLE &&
	    pthread_create(&sh.thread, NULL, agreement_thread, NULL) == 0)
		sh.have_thread = 1;
	else if (sh.rank == 0)
		scr_log_warn("MPI_THREAD_MULTIPLE is not available: checkpoints complete "
			     "only at MPI_Finalize");
	sh.state = SHIM_ACTIVE;
	shim_inside--;
}

void shim_finish(void)
{
	if (sh.pid != getpid())
		return;
	shim_inside++;
	if (sh.state == SHIM_ACTIVE) {
		/* buffered stream data reaches the files before anything completes */
		fflush(NULL);
		pthread_mutex_lock(&sh.lock);
		wait_round();
		/* a checkpoint file still open may be written after MPI_Finalize:
		 * it goes on at its real path */
		for (size_t fd = 0; fd < sh.nfd; fd++)
			if (sh.byfd[fd] && sh.byfd[fd]->writable)
				move_to_real_path((int)fd, "it is still open at MPI_Finalize");
		sh.finalizing = 1;
		pthread_cond_broadcast(&sh.cond);
		pthread_mutex_unlock(&sh.lock);
		if (sh.have_thread)
			pthread_join(sh.thread, NULL);
		else
			while (!agreement_round())
				;
		if (sh.abandoned) {
			/* no file lost: what was pending goes where the application asked */
			for (int i = 0; i < 2; i++) {
				for (size_t k = 0; k < sh.slot[i].n; k++) {
					char *real = scr_asprintf("%s/%s", scr_tp_prefix(), sh.slot[i].f[k].rel);
					if (!real || scr_copy_file(sh.slot[i].f[k].route, real, NULL, NULL))
						scr_log_error("cannot write '%s' to its real path", real ? real : "?");
					free(real);
				}
			}
		} else {
			PMPI_Comm_free(&sh.comm);
		}
	}
	sh.state = SHIM_FINALIZED;
	if (sh.scr_inited && !sh.abandoned)
		SCR_Finalize();
	sh.scr_inited = 0;
	scr_pattern_free(sh.pat);
	sh.pat = NULL;
	shim_inside--;
}
