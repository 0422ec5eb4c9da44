/*
 * Background flush (see flush_bg.h). One thread per node, in the node's
 * leader rank, copies the files of every rank of the node: the copies of a
 * node do not contend with each other, the rate cap SCR_FLUSH_ASYNC_BW is
 * per node (as LLNL SCR's), and the other ranks carry no thread at all.
 * The thread makes no MPI call and sleeps when it is ahead of the cap,
 * never spins. What is collective (marking the datasets the copies will
 * overwrite as failed, the summary, the index) happens on the
 * application's thread, at the API calls that start, poll or wait.
 */
#define _GNU_SOURCE
#include "flush_bg.h"

#include "comm.h"
#include "dataset.h"
#include "eventlog.h"
#include "flush.h"
#include "flushprog.h"
#include "heartbeat.h"
#include "io.h"
#include "log.h"
#include "scr_err.h"
#include "state.h"

#include <errno.h>
#include <mpi.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How often the thread rewrites the node's progress file, at most, and
 * how often it says how far it is (SCR_DEBUG >= 1). */
#define PROGRESS_EVERY_MS 500
#define SAY_EVERY_MS 5000

struct bg_file {
	char *src, *dst;
	struct scr_file f;   /* as recorded: path, size, crc, rank */
};

/* The node leader's copy job: everything the thread touches is here. */
struct bg_copy {
	struct bg_file *files;
	size_t nfiles;
	int verify;                  /* SCR_CRC_ON_FLUSH */
	uint64_t bw;                 /* bytes per second, 0: no cap */
	char *progress_path;
	struct scr_flushprog prog;
	int64_t progress_written_ms;
	int64_t said_ms;
	double t0;                   /* monotonic seconds at the start */
	atomic_uint_least64_t done;
	atomic_int stop;             /* abandon the copies (another node failed) */
	atomic_int finished;
	int rc;                      /* the copies' result, read once finished */
	int threaded;
	pthread_t thread;
	cpu_set_t cpus;              /* where the thread runs */
	char *heartbeat_path;        /* rank 0's: the copies are progress */
};

struct scr_flush_bg {
	int id;
	struct scr_dataset ds;       /* its record, for the index */
	struct scr_summary sum;      /* rank 0: every rank's files */
	double started;
	struct bg_copy *copy;        /* node leader only */
};

static double mono_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int64_t wall_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_seconds(double secs)
{
	struct timespec t = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* Thread: the node's progress file, at most every PROGRESS_EVERY_MS unless
 * forced. A file that cannot be written costs the flush nothing. */
static void write_progress(struct bg_copy *c, int force)
{
	int64_t now = wall_ms();
	if (!c->progress_path || (!force && now - c->progress_written_ms < PROGRESS_EVERY_MS))
		return;
	c->prog.done = atomic_load(&c->done);
	c->prog.updated_ms = now;
	scr_flushprog_write(c->progress_path, &c->prog);
	c->progress_written_ms = now;
	scr_heartbeat_at(c->heartbeat_path, 0);
	if (!force && now - c->said_ms >= SAY_EVERY_MS) {
		double secs = (double)(now - c->prog.started_ms) / 1e3;
		double rate = secs > 0 ? (double)c->prog.done / secs : 0;
		scr_log_debug(1, "background flush of dataset %d: %llu of %llu bytes of this "
			      "node, %.1f MB/s, %.0f s left", c->prog.id,
			      (unsigned long long)c->prog.done, (unsigned long long)c->prog.bytes,
			      rate / 1e6, rate > 0 ? (double)(c->prog.bytes - c->prog.done) / rate
						   : 0.0);
		c->said_ms = now;
	}
}

/* Thread, after every chunk copied: count it, keep to the cap, report. */
static void on_chunk(uint64_t bytes, void *arg)
{
	struct bg_copy *c = arg;
	uint64_t done = atomic_fetch_add(&c->done, bytes) + bytes;
	if (c->bw) {
		double ahead = (double)done / (double)c->bw - (mono_seconds() - c->t0);
		if (ahead > 0)
			sleep_seconds(ahead);
	}
	write_progress(c, 0);
}

static void *copy_all(void *arg)
{
	struct bg_copy *c = arg;
	int rc = 0;
	for (size_t i = 0; i < c->nfiles && !rc; i++) {
		if (atomic_load(&c->stop))
			rc = -SCR_EREMOTE;
		else
			rc = scr_flush_copy_file(c->files[i].src, c->files[i].dst, &c->files[i].f,
						 c->verify, on_chunk, c);
	}
	c->rc = rc;
	c->prog.phase = rc ? SCR_FLUSH_FAILED : SCR_FLUSH_COPIED;
	write_progress(c, 1);
	atomic_store(&c->finished, 1);
	return NULL;
}

static void *copy_thread(void *arg)
{
	struct bg_copy *c = arg;
	scr_tp_thread_begin();
	/* off the leader's own core: failing that, it shares the core */
	sched_setaffinity(0, sizeof(c->cpus), &c->cpus);
	/* and yields to the application where it shares one */
	setpriority(PRIO_PROCESS, (id_t)gettid(), 19);
	return copy_all(c);
}

/*
 * Collective over the node: the CPUs no rank of the node is bound to, for
 * the leader's flush thread. mpirun binds each rank to its cores, and a
 * thread left on its rank's core takes the application's time (measured:
 * a compute loop 36 % slower, the copy at less than half the rate of cp).
 * With no CPU free, every CPU of the node: the thread then sleeps when
 * SCR_FLUSH_ASYNC_BW caps it.
 */
static void free_cpus(struct scr_state *s, cpu_set_t *cpus)
{
	unsigned char bits[CPU_SETSIZE / 8] = { 0 }, used[CPU_SETSIZE / 8] = { 0 };
	cpu_set_t mine;
	if (sched_getaffinity(0, sizeof(mine), &mine) == 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &mine))
				bits[c / 8] |= (unsigned char)(1u << (c % 8));
	MPI_Reduce(bits, used, (int)sizeof(bits), MPI_UNSIGNED_CHAR, MPI_BOR, 0, s->comm.node);
	CPU_ZERO(cpus);
	long n = sysconf(_SC_NPROCESSORS_CONF);
	if (n > CPU_SETSIZE)
		n = CPU_SETSIZE;
	for (int c = 0; c < n; c++)
		if (!(used[c / 8] & (1u << (c % 8))))
			CPU_SET(c, cpus);
	for (int c = 0; c < n && CPU_COUNT(cpus) == 0; c++)
		CPU_SET(c, cpus);
}

static void copy_free(struct bg_copy *c)
{
	if (!c)
		return;
	if (c->threaded)
		pthread_join(c->thread, NULL);
	for (size_t i = 0; i < c->nfiles; i++) {
		free(c->files[i].src);
		free(c->files[i].dst);
		scr_file_release(&c->files[i].f);
	}
	free(c->files);
	free(c->progress_path);
	free(c->heartbeat_path);
	scr_flushprog_release(&c->prog);
	free(c);
}

/* Node leader: the copy job for the node's files of dataset ds, started. */
static int copy_start(struct scr_state *s, const struct scr_dataset *ds,
		      const struct scr_file *files, size_t n, const cpu_set_t *cpus,
		      struct bg_copy **out)
{
	struct bg_copy *c = calloc(1, sizeof(*c));
	if (!c)
		return -SCR_ENOMEM;
	c->files = calloc(n ? n : 1, sizeof(*c->files));
	c->progress_path = scr_flushprog_path(s->layout.cntl_dir);
	c->prog.name = strdup(ds->name ? ds->name : "");
	int rc = c->files && c->progress_path && c->prog.name ? 0 : -SCR_ENOMEM;
	for (size_t i = 0; i < n && !rc; i++) {
		struct bg_file *b = &c->files[c->nfiles++];
		b->src = scr_layout_dataset_file(&s->layout, ds->id, files[i].path);
		b->dst = scr_asprintf("%s/%s", s->prefix, files[i].path);
		b->f = files[i];
		b->f.path = strdup(files[i].path);
		if (!b->src || !b->dst || !b->f.path)
			rc = -SCR_ENOMEM;
		c->prog.bytes += files[i].size;
	}
	if (rc) {
		copy_free(c);
		return rc;
	}
	if (s->comm.rank == 0 && s->heartbeat_path && !(c->heartbeat_path = strdup(s->heartbeat_path))) {
		copy_free(c);
		return -SCR_ENOMEM;
	}
	c->verify = s->crc_on_flush;
	c->bw = s->flush_bw;
	c->prog.id = ds->id;
	c->prog.files = n;
	c->prog.bw = c->bw;
	c->prog.started_ms = c->said_ms = wall_ms();
	c->t0 = mono_seconds();
	write_progress(c, 1);
	c->cpus = *cpus;
	int err = pthread_create(&c->thread, NULL, copy_thread, c);
	c->threaded = err == 0;
	if (err) {
		scr_log_warn("cannot start the background flush thread (%s): dataset %d is "
			     "copied now", strerror(err), ds->id);
		copy_all(c);
	}
	*out = c;
	return 0;
}

static void bg_free(struct scr_flush_bg *bg)
{
	copy_free(bg->copy);
	scr_summary_release(&bg->sum);
	scr_dataset_release(&bg->ds);
	free(bg);
}

int scr_flush_bg_start(struct scr_state *s, int id)
{
	scr_flush_bg_wait(s);
	struct scr_filemap_entry *e = scr_filemap_find(&s->filemap, id);
	if (!scr_allreduce_and(&s->comm, e != NULL))
		return -SCR_ENOENT;
	struct scr_flush_bg *bg = calloc(1, sizeof(*bg));
	int rc = bg ? scr_dataset_copy(&bg->ds, &e->ds) : -SCR_ENOMEM;
	rc = scr_agree_error(&s->comm, rc);
	if (!rc)
		rc = scr_flush_begin(s, &bg->ds, e->files, e->nfiles, &bg->sum);
	if (rc) {
		if (bg)
			bg_free(bg);
		return rc;
	}
	/* the node leader learns every file of the node */
	struct scr_comm node = { .world = s->comm.node, .rank = s->comm.node_rank,
				 .nranks = s->comm.node_size };
	struct scr_file *all = NULL;
	size_t nall = 0;
	rc = scr_gather_files(&node, e->files, e->nfiles, &all, &nall);
	cpu_set_t cpus;
	free_cpus(s, &cpus);
	if (!rc && s->comm.node_rank == 0)
		rc = copy_start(s, &bg->ds, all, nall, &cpus, &bg->copy);
	scr_files_free(all, nall);
	rc = scr_agree_error(&s->comm, rc);
	if (rc) {
		if (bg->copy)
			atomic_store(&bg->copy->stop, 1);
		bg_free(bg);
		if (s->comm.rank == 0)
			scr_log_error("cannot start the background flush of dataset %d (%s): it "
				      "stays in cache only", id, scr_strerror(rc));
		return rc;
	}
	bg->id = id;
	bg->started = scr_now();
	s->flush_bg = bg;
	if (s->comm.rank == 0)
		scr_log_debug(1, "dataset %d '%s': %llu bytes flushing in the background", id,
			      bg->ds.name, (unsigned long long)bg->ds.bytes);
	return 0;
}

/* Every node copied (or gave up): record the dataset in the prefix. */
static int finish(struct scr_state *s)
{
	struct scr_flush_bg *bg = s->flush_bg;
	int rc = 0;
	if (bg->copy) {
		if (bg->copy->threaded) {
			pthread_join(bg->copy->thread, NULL);
			bg->copy->threaded = 0;
		}
		rc = bg->copy->rc;
	}
	int64_t when = 0;
	rc = scr_flush_end(s, &bg->ds, &bg->sum, rc, &when);
	if (!rc) {
		struct scr_filemap_entry *e = scr_filemap_find(&s->filemap, bg->id);
		if (e) {
			e->flushed = when;
			scr_filemap_save(s);
		}
		struct scr_ev ev = scr_ev(bg->id, bg->ds.name);
		ev.mode = "background";
		ev.bytes = (long long)bg->ds.bytes;
		ev.seconds = scr_now() - bg->started;
		scr_event(s, SCR_EV_FLUSH, &ev);
		if (s->comm.rank == 0 && bg->copy) {
			/* the copy's own time: the index waits for the next poll */
			const struct scr_flushprog *p = &bg->copy->prog;
			double secs = (double)(p->updated_ms - p->started_ms) / 1e3;
			scr_log_debug(1, "flushed dataset %d '%s' to '%s' in the background: %llu "
				      "bytes; this node's %llu in %.3f s (%.3f GB/s); indexed "
				      "%.3f s after the start", bg->id, bg->ds.name, s->prefix,
				      (unsigned long long)bg->ds.bytes,
				      (unsigned long long)p->bytes, secs,
				      secs > 0 ? (double)p->bytes / secs / 1e9 : 0.0,
				      scr_now() - bg->started);
		}
	} else {
		if (s->comm.rank == 0)
			scr_log_warn("the background flush of dataset %d '%s' failed (%s): it "
				     "stays in cache only (a later flush or scr_postrun can save "
				     "it)", bg->id, bg->ds.name, scr_strerror(rc));
		struct scr_ev ev = scr_ev(bg->id, bg->ds.name);
		ev.mode = "background";
		ev.reason = scr_strerror(rc);
		scr_event(s, SCR_EV_FAILURE, &ev);
	}
	s->flush_bg = NULL;
	bg_free(bg);
	return rc;
}

void scr_flush_bg_poll(struct scr_state *s)
{
	if (!s->flush_bg)
		return;
	const struct bg_copy *c = s->flush_bg->copy;
	if (scr_allreduce_and(&s->comm, !c || atomic_load(&c->finished)))
		finish(s);
}

int scr_flush_bg_wait(struct scr_state *s)
{
	if (!s->flush_bg)
		return 0;
	if (s->comm.rank == 0)
		scr_log_debug(1, "waiting for the background flush of dataset %d",
			      s->flush_bg->id);
	return finish(s);
}

int scr_flush_bg_id(const struct scr_state *s)
{
	return s->flush_bg ? s->flush_bg->id : 0;
}

void scr_flush_bg_tidy(struct scr_state *s)
{
	char *path = scr_flushprog_path(s->layout.cntl_dir);
	struct scr_flushprog p;
	int interrupted = path && scr_flushprog_read(path, &p) == 0;
	if (interrupted && p.phase == SCR_FLUSH_RUNNING) {
		const struct scr_filemap_entry *e = scr_filemap_find(&s->filemap, p.id);
		for (size_t i = 0; e && i < e->nfiles; i++) {
			char *dst = scr_asprintf("%s/%s", s->prefix, e->files[i].path);
			char *tmp = dst ? scr_flush_tmp_path(dst, e->files[i].rank) : NULL;
			free(dst);
			if (tmp && unlink(tmp) == 0)
				scr_log_debug(2, "removed '%s', left by a flush the job's end cut short",
					      tmp);
			free(tmp);
		}
	}
	/* every rank of the node has read the record before it changes */
	MPI_Barrier(s->comm.node);
	if (interrupted && p.phase == SCR_FLUSH_RUNNING && s->comm.node_rank == 0) {
		p.phase = SCR_FLUSH_FAILED;
		scr_flushprog_write(path, &p);
	}
	if (interrupted)
		scr_flushprog_release(&p);
	free(path);
}

void scr_flush_bg_release(struct scr_state *s)
{
	if (!s->flush_bg)
		return;
	if (s->flush_bg->copy)
		atomic_store(&s->flush_bg->copy->stop, 1);
	bg_free(s->flush_bg);
	s->flush_bg = NULL;
}
