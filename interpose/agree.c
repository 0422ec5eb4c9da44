/*
 * The transparent mode's agreement thread and lifecycle: the only part of
 * the engine that talks MPI.
 *
 * An agreement thread per rank runs rounds: one small MPI_Iallreduce over a
 * private communicator of (has files, has files open, has started the next,
 * quiet time, finalizing). Every rank sees the same result and so takes the
 * same decision: slot 0 is complete when some rank wrote to it, no rank
 * holds one of its files open, and either some rank started the next
 * dataset, or SCR_SETTLE_SECONDS passed since the last activity, or every
 * rank is in MPI_Finalize. Then all threads complete it together through
 * the library (CRC, agreement, redundancy, flush as configured).
 */
#define _GNU_SOURCE
#include "engine.h"
#include "pattern.h"

#include "io.h"
#include "log.h"
#include "scr.h"
#include "transparent.h"

#include <limits.h>
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The agreement's own communicator and thread. */
static MPI_Comm comm;
static pthread_t thread;

enum { V_DIRTY, V_WRITING, V_SEALED, V_NEG_QUIET_MS, V_NOT_FINAL, V_NEXT, V_NEED_FLUSH,
       V_CLEAN, V_LEN };

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
	PMPI_Iprobe(0, TAG_ROLL, comm, &flag, &st);
	if (!flag)
		return;
	int token;
	PMPI_Recv(&token, 1, MPI_INT, 0, TAG_ROLL, comm, MPI_STATUS_IGNORE);
	PMPI_Send(&token, 1, MPI_INT, 0, TAG_HERE, comm);
}

static void report_missing(void)
{
	int nranks = 1;
	PMPI_Comm_size(comm, &nranks);
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
		PMPI_Isend(&tokens[r], 1, MPI_INT, r, TAG_ROLL, comm, &reqs[r]);
	}
	/* a few seconds for the answers of ranks that are in the round */
	double until = engine_now() + 3;
	int answered = 1;
	while (answered < nranks && engine_now() < until) {
		int flag = 0;
		MPI_Status st;
		PMPI_Iprobe(MPI_ANY_SOURCE, TAG_HERE, comm, &flag, &st);
		if (!flag) {
			struct timespec ts = { 0, 2 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			continue;
		}
		int token;
		PMPI_Recv(&token, 1, MPI_INT, st.MPI_SOURCE, TAG_HERE, comm, MPI_STATUS_IGNORE);
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
	sh.halt_gen = sh.book.gen + (next_begun ? 1 : 0);
	if (sh.rank == 0)
		scr_log_info("%s; the application is stopped when it starts its next "
			     "checkpoint (SCR_HALT_EXIT=1)", what);
}

/* Stop the application for SCR_HALT_EXIT: what MPI_Finalize does, then exit 0.
 * Called from a write-open, outside the lock and the library. */
void engine_halt_stop(void)
{
	scr_log_debug(1, "SCR_HALT_EXIT: stopping as the next checkpoint starts");
	shim_finish();
	PMPI_Finalize();
	exit(0);
}

/* Lock held: names with a version newer than slot 0 could hold (the next
 * dataset's files, cached or in place) or none at all (removed by the
 * application): never to be written back from an older checkpoint. The
 * strings stay the book's. NULL when out of memory or none. */
static const char **newer_names(size_t *n)
{
	const struct book *b = &sh.book;
	const struct book_slot *s1 = &b->slot[1];
	size_t cap = s1->n + s1->ninplace + b->nhidden;
	const char **names = cap ? malloc(cap * sizeof(*names)) : NULL;
	*n = 0;
	for (size_t i = 0; names && i < s1->n; i++)
		names[(*n)++] = s1->f[i].rel;
	for (size_t i = 0; names && i < s1->ninplace; i++)
		names[(*n)++] = s1->inplace[i];
	for (size_t i = 0; names && i < b->nhidden; i++)
		names[(*n)++] = b->hidden[i];
	if (cap && !names)
		scr_log_warn("out of memory listing newer checkpoint files: older cached "
			     "checkpoints are kept as they are");
	return names;
}

/* One round; returns 1 when the thread may stop (all finalizing, nothing left). */
static int agreement_round(void)
{
	long long v[V_LEN], all[V_LEN];
	pthread_mutex_lock(&sh.lock);
	engine_wait_round();
	struct book_slot *s0 = &sh.book.slot[0];
	double t = engine_now();
	/* files written at their real paths count: their completion (invalid)
	 * is what keeps older cached versions from coming back */
	int wrote = s0->n > 0 || s0->ninplace > 0;
	v[V_DIRTY] = wrote;
	v[V_WRITING] = s0->writers > 0;
	const struct book_slot *s1 = &sh.book.slot[1];
	int next = s1->n > 0 || s1->ninplace > 0;   /* files of it in place count */
	v[V_SEALED] = s0->sealed || next;
	v[V_NEG_QUIET_MS] = wrote ? -(long long)((t - s0->last) * 1000) : -LLONG_MAX;
	v[V_NOT_FINAL] = !sh.finalizing;
	v[V_NEXT] = next;
	v[V_NEED_FLUSH] = sh.need_flush;
	v[V_CLEAN] = !wrote;
	sh.in_round = 1;
	pthread_mutex_unlock(&sh.lock);

	MPI_Request req;
	PMPI_Iallreduce(v, all, V_LEN, MPI_LONG_LONG, MPI_MAX, comm, &req);
	int done = 0, warned = 0;
	double start = engine_now();
	while (!done) {
		PMPI_Test(&req, &done, MPI_STATUS_IGNORE);
		if (done)
			break;
		answer_roll_call();
		struct timespec ts = { 0, 1000 * 1000 };
		nanosleep(&ts, NULL);
		if (!warned && engine_now() - start > sh.watchdog) {
			report_missing();
			warned = 1;
		}
		if (warned && sh.finalizing && engine_now() - start > 2 * sh.watchdog) {
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
		struct book_slot *c = &sh.book.slot[0];
		struct scr_tp_file *files = engine_slot_files(c);
		int valid = files != NULL && c->writers == 0 && !c->broken && !skip;
		if (c->writers > 0)
			scr_log_warn("%d checkpoint file(s) still open at MPI_Finalize: "
				     "that checkpoint is not used for a restart", c->writers);
		size_t n = files ? c->n : 0;
		char *name = sh.rank == 0 ? book_slot_name(c) : NULL;   /* rank 0's is used */
		size_t nkeep = 0;
		const char **keep = newer_names(&nkeep);
		sh.completing = 1;
		pthread_mutex_unlock(&sh.lock);

		/* the slots and hidden names stay as they are until the round
		 * ends (every change to them waits for it): their names can be
		 * read without the lock */
		scr_tp_complete(name, files, n, (const char *const *)c->inplace, c->ninplace,
				keep, keep ? nkeep : 0, valid);
		free(keep);
		const char *what = NULL;
		int halt = sh.halt_gen < 0 && scr_tp_halt_exit(&what);

		pthread_mutex_lock(&sh.lock);
		free(name);
		free(files);
		book_shift(&sh.book);
		sh.completing = 0;
		engine_journal();   /* what is left pending: the next dataset's files */
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
		const struct book_slot *s0 = &sh.book.slot[0], *s1 = &sh.book.slot[1];
		long ms = s0->n || s0->ninplace || s1->n || s1->ninplace ? 20 : 50;
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

/* A thread the library starts (the background flush): its file calls are
 * scr's own, never a checkpoint's. */
static void library_thread(void)
{
	shim_inside = 1;
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
	scr_tp_set_thread_start(library_thread);
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
	/* the room a checkpoint file needs, as the checkpoints in cache show */
	uint64_t largest = scr_tp_largest_cached();
	sh.largest = largest > (uint64_t)INT64_MAX ? INT64_MAX : (off_t)largest;
	/* this run's journal, empty: it also tells the next run that this
	 * rank's node-local storage was there */
	engine_journal();
	if (sh.rank == 0)
		scr_log_debug(1, "transparent mode: %s", from ? "restarted from cache/prefix" :
			      "no checkpoint to restart from");
	free(from);

	PMPI_Comm_dup(MPI_COMM_WORLD, &comm);
	shim_signals_install();
	if (thread_level >= MPI_THREAD_MULTIPLE &&
	    pthread_create(&thread, NULL, agreement_thread, NULL) == 0)
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
		engine_wait_round();
		/* a checkpoint file still open may be written after MPI_Finalize:
		 * it goes on at its real path */
		for (size_t fd = 0; fd < sh.book.nfd; fd++)
			if (sh.book.byfd[fd] && sh.book.byfd[fd]->writable)
				engine_move_to_real_path((int)fd, "it is still open at MPI_Finalize");
		sh.finalizing = 1;
		pthread_cond_broadcast(&sh.cond);
		pthread_mutex_unlock(&sh.lock);
		if (sh.have_thread)
			pthread_join(thread, NULL);
		else
			while (!agreement_round())
				;
		if (sh.abandoned) {
			/* no file lost: what was pending goes where the application asked */
			for (int i = 0; i < 2; i++) {
				for (size_t k = 0; k < sh.book.slot[i].n; k++) {
					char *real = scr_asprintf("%s/%s", scr_tp_prefix(), sh.book.slot[i].f[k].rel);
					if (!real || scr_copy_file(sh.book.slot[i].f[k].route, real, NULL, NULL))
						scr_log_error("cannot write '%s' to its real path", real ? real : "?");
					free(real);
				}
			}
		} else {
			PMPI_Comm_free(&comm);
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
