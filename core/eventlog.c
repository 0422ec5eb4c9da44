/* The library's events, queued on rank 0 and written by a thread (see
 * eventlog.h). */
#define _GNU_SOURCE
#include "eventlog.h"

#include "event.h"
#include "log.h"
#include "scr_err.h"
#include "state.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Lines waiting for the sinks, at most; how long the end of a run waits
 * for them. */
#define QUEUE_LEN 256
#define CLOSE_WAIT_SECONDS 5

struct scr_events {
	struct scr_event_log log;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *queue[QUEUE_LEN];     /* a ring */
	size_t head, n;
	int stopping;
	int done;                   /* the writer has ended */
	unsigned long dropped;
	int threaded;
	pthread_t thread;
};

/* Thread: the sinks get every queued line, in order. */
static void *writer(void *arg)
{
	struct scr_events *ev = arg;
	scr_tp_thread_begin();
	pthread_mutex_lock(&ev->lock);
	for (;;) {
		while (!ev->n && !ev->stopping)
			pthread_cond_wait(&ev->cond, &ev->lock);
		if (!ev->n)
			break;
		char *line = ev->queue[ev->head];
		ev->head = (ev->head + 1) % QUEUE_LEN;
		ev->n--;
		pthread_mutex_unlock(&ev->lock);
		scr_event_log_write(&ev->log, line);
		free(line);
		pthread_mutex_lock(&ev->lock);
	}
	ev->done = 1;
	pthread_cond_broadcast(&ev->cond);
	pthread_mutex_unlock(&ev->lock);
	return NULL;
}

void scr_events_open(struct scr_state *s)
{
	if (s->comm.rank != 0)
		return;
	struct scr_events *ev = calloc(1, sizeof(*ev));
	if (!ev || scr_event_log_open(&ev->log, s->cfg, s->prefix, s->layout.jobid,
				      s->layout.user, s->layout.node) != 0) {
		scr_log_warn("out of memory for the event log: no events are written");
		free(ev);
		return;
	}
	if (!ev->log.enabled) {
		scr_event_log_close(&ev->log);
		free(ev);
		return;
	}
	pthread_mutex_init(&ev->lock, NULL);
	pthread_cond_init(&ev->cond, NULL);
	int err = pthread_create(&ev->thread, NULL, writer, ev);
	ev->threaded = err == 0;
	if (err)
		scr_log_warn("cannot start the event log thread (%s): events are written "
			     "as they happen", strerror(err));
	s->events = ev;
}

struct scr_ev scr_ev(int id, const char *name)
{
	return (struct scr_ev){ .id = id, .name = name, .files = -1, .bytes = -1,
				.seconds = -1, .ranks = -1 };
}

static void put_int(const char **kv, size_t *n, const char *key, char *buf, size_t len,
		    long long v)
{
	if (v < 0)
		return;
	snprintf(buf, len, "%lld", v);
	kv[(*n)++] = key;
	kv[(*n)++] = buf;
}

void scr_event(struct scr_state *s, const char *kind, const struct scr_ev *e)
{
	struct scr_events *ev = s->events;
	if (!ev)
		return;
	char id[24], files[24], bytes[24], ranks[24], secs[32], rate[32];
	const char *kv[32];
	size_t n = 0;
	put_int(kv, &n, "dataset", id, sizeof(id), e->id > 0 ? e->id : -1);
	const char *strs[][2] = {
		{ "name", e->name }, { "mode", e->mode }, { "scheme", e->scheme },
		{ "source", e->source },
	};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (strs[i][1]) {
			kv[n++] = strs[i][0];
			kv[n++] = strs[i][1];
		}
	put_int(kv, &n, "ranks", ranks, sizeof(ranks), e->ranks);
	put_int(kv, &n, "files", files, sizeof(files), e->files);
	put_int(kv, &n, "bytes", bytes, sizeof(bytes), e->bytes);
	if (e->seconds >= 0) {
		snprintf(secs, sizeof(secs), "%.3f", e->seconds);
		kv[n++] = "seconds";
		kv[n++] = secs;
		if (e->bytes >= 0 && e->seconds > 0) {
			snprintf(rate, sizeof(rate), "%.1f", (double)e->bytes / e->seconds / 1e6);
			kv[n++] = "mb_per_s";
			kv[n++] = rate;
		}
	}
	if (e->reason) {
		kv[n++] = "reason";
		kv[n++] = e->reason;
	}
	kv[n] = NULL;
	char *line = scr_event_line(&ev->log, scr_event_now(), kind, kv);
	if (!line) {
		ev->dropped++;
		return;
	}
	if (!ev->threaded) {
		scr_event_log_write(&ev->log, line);
		free(line);
		return;
	}
	pthread_mutex_lock(&ev->lock);
	if (ev->n == QUEUE_LEN) {
		ev->dropped++;
		free(line);
	} else {
		ev->queue[(ev->head + ev->n) % QUEUE_LEN] = line;
		ev->n++;
		pthread_cond_signal(&ev->cond);
	}
	pthread_mutex_unlock(&ev->lock);
}

void scr_events_close(struct scr_state *s)
{
	struct scr_events *ev = s->events;
	if (!ev)
		return;
	if (ev->threaded) {
		/* a sink that hangs (a dead file system) must not hang the job's
		 * end: the writer is left behind, and so is what it holds */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += CLOSE_WAIT_SECONDS;
		pthread_mutex_lock(&ev->lock);
		ev->stopping = 1;
		pthread_cond_broadcast(&ev->cond);
		while (!ev->done && pthread_cond_timedwait(&ev->cond, &ev->lock, &until) == 0)
			;
		int done = ev->done;
		size_t left = ev->n;
		pthread_mutex_unlock(&ev->lock);
		if (!done) {
			scr_log_warn("the event log's sinks did not answer in %d s: %zu queued event(s) "
				     "left unwritten", CLOSE_WAIT_SECONDS, left);
			pthread_detach(ev->thread);
			s->events = NULL;
			return;
		}
		pthread_join(ev->thread, NULL);
	}
	if (ev->dropped)
		scr_log_warn("%lu event(s) were dropped: the event log's sinks did not keep up",
			     ev->dropped);
	pthread_mutex_destroy(&ev->lock);
	pthread_cond_destroy(&ev->cond);
	scr_event_log_close(&ev->log);
	free(ev);
	s->events = NULL;
}
