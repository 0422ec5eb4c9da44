/* Halt conditions: the halt file, its locked updates, their evaluation and
 * the times users write (see halt.h). */
#define _GNU_SOURCE
#include "halt.h"

#include "io.h"
#include "layout.h"
#include "meta.h"
#include "scr_err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define TAG "halt"
#define K_CKPTS   "checkpoints_left"
#define K_BEFORE  "exit_before"
#define K_AFTER   "exit_after"
#define K_SECONDS "halt_seconds"
#define K_REASON  "exit_reason"
#define K_JOB     "job_id"

void scr_halt_init(struct scr_halt *h)
{
	memset(h, 0, sizeof(*h));
}

void scr_halt_release(struct scr_halt *h)
{
	free(h->exit_reason);
	free(h->job_id);
	scr_halt_init(h);
}

int scr_halt_empty(const struct scr_halt *h)
{
	return !h->has && !h->exit_reason && !h->job_id;
}

int scr_halt_job_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static int set_string(char **dst, const char *value)
{
	char *copy = NULL;
	if (value && !(copy = strdup(value)))
		return -SCR_ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

int scr_halt_set_reason(struct scr_halt *h, const char *reason)
{
	if (reason && !*reason)
		return -SCR_EINVAL;
	return set_string(&h->exit_reason, reason);
}

int scr_halt_set_job(struct scr_halt *h, const char *job_id)
{
	if (job_id && !scr_halt_job_id_ok(job_id))
		return -SCR_EINVAL;
	return set_string(&h->job_id, job_id);
}

char *scr_halt_path(const char *prefix)
{
	char *dir = scr_prefix_scrdir(prefix);
	char *path = dir ? scr_asprintf("%s/halt.scr", dir) : NULL;
	free(dir);
	return path;
}

/* ---- the record ---- */

/* What a reader accepts, checked by writers too. */
static int validate(const struct scr_halt *h)
{
	if (((h->has & SCR_HALT_HAS_BEFORE) && h->exit_before <= 0) ||
	    ((h->has & SCR_HALT_HAS_AFTER) && h->exit_after <= 0) ||
	    ((h->has & SCR_HALT_HAS_SECONDS) && h->halt_seconds < 0) ||
	    (h->exit_reason && !*h->exit_reason) ||
	    (h->job_id && !scr_halt_job_id_ok(h->job_id)))
		return -SCR_EINVAL;
	return 0;
}

static int to_recfile(const struct scr_halt *h, struct scr_recfile *f)
{
	if (validate(h))
		return -SCR_EINVAL;
	scr_recfile_init(f, SCR_HALT_KIND, SCR_HALT_VERSION);
	struct scr_rec *r = scr_recfile_add(f, TAG);
	int rc = r ? 0 : -SCR_ENOMEM;
	if (!rc && (h->has & SCR_HALT_HAS_CHECKPOINTS))
		rc = scr_rec_put_i64(r, K_CKPTS, h->checkpoints_left);
	if (!rc && (h->has & SCR_HALT_HAS_BEFORE))
		rc = scr_rec_put_i64(r, K_BEFORE, h->exit_before);
	if (!rc && (h->has & SCR_HALT_HAS_AFTER))
		rc = scr_rec_put_i64(r, K_AFTER, h->exit_after);
	if (!rc && (h->has & SCR_HALT_HAS_SECONDS))
		rc = scr_rec_put_i64(r, K_SECONDS, h->halt_seconds);
	if (!rc && h->exit_reason)
		rc = scr_rec_put_str(r, K_REASON, h->exit_reason);
	if (!rc && h->job_id)
		rc = scr_rec_put_str(r, K_JOB, h->job_id);
	if (rc)
		scr_recfile_release(f);
	return rc;
}

static int from_recfile(const struct scr_recfile *f, struct scr_halt *h,
			struct scr_meta_why *why)
{
	scr_halt_init(h);
	if (f->version != SCR_HALT_VERSION)
		return scr_meta_refuse(why, 1, -SCR_EVERSION, "a halt file of format version "
				       "%d; this scr reads version %d", f->version,
				       SCR_HALT_VERSION);
	if (f->nrec == 0)
		return 0;
	if (f->nrec > 1 || strcmp(f->rec[0].tag, TAG)) {
		size_t bad = strcmp(f->rec[0].tag, TAG) ? 0 : 1;
		return scr_meta_refuse(why, bad + 2, -SCR_EFORMAT, "not a valid halt: line %zu "
				       "(%s): a halt file has one '%s' line", bad + 2,
				       f->rec[bad].tag, TAG);
	}
	const struct scr_rec *r = &f->rec[0];
	int rc = 0;
	size_t i;
	for (i = 0; !rc && i < r->nkv; i++) {
		const char *k = r->kv[i].key;
		int64_t t = 0;
		if (!strcmp(k, K_CKPTS)) {
			rc = scr_rec_get_int(r, k, &h->checkpoints_left);
			h->has |= SCR_HALT_HAS_CHECKPOINTS;
		} else if (!strcmp(k, K_BEFORE) || !strcmp(k, K_AFTER)) {
			rc = scr_rec_get_i64(r, k, &t);
			if (!rc && t <= 0)
				rc = -SCR_EFORMAT;
			if (k[5] == 'b') {
				h->exit_before = t;
				h->has |= SCR_HALT_HAS_BEFORE;
			} else {
				h->exit_after = t;
				h->has |= SCR_HALT_HAS_AFTER;
			}
		} else if (!strcmp(k, K_SECONDS)) {
			rc = scr_rec_get_int(r, k, &h->halt_seconds);
			if (!rc && h->halt_seconds < 0)
				rc = -SCR_EFORMAT;
			h->has |= SCR_HALT_HAS_SECONDS;
		} else if (!strcmp(k, K_REASON)) {
			const char *v = r->kv[i].value;
			rc = !*v ? -SCR_EFORMAT : set_string(&h->exit_reason, v);
		} else if (!strcmp(k, K_JOB)) {
			const char *v = r->kv[i].value;
			rc = !scr_halt_job_id_ok(v) ? -SCR_EFORMAT : set_string(&h->job_id, v);
		} else {
			rc = -SCR_EFORMAT;
		}
	}
	if (rc) {
		scr_halt_release(h);
		if (rc == -SCR_ENOMEM)
			return rc;
		const char *key = r->kv[i - 1].key;
		int known = !strcmp(key, K_CKPTS) || !strcmp(key, K_BEFORE) ||
			    !strcmp(key, K_AFTER) || !strcmp(key, K_SECONDS) ||
			    !strcmp(key, K_REASON) || !strcmp(key, K_JOB);
		return scr_meta_refuse(why, 2, -SCR_EFORMAT, "not a valid halt: line 2 (%s): %s "
				       "'%s'%s", TAG, known ? "the value of" : "unknown key", key,
				       known ? " is malformed or out of range" : "");
	}
	return 0;
}

int scr_halt_encode(const struct scr_halt *h, char **buf, size_t *len)
{
	struct scr_recfile f;
	int rc = to_recfile(h, &f);
	if (rc)
		return rc;
	rc = scr_recfile_encode(&f, buf, len);
	scr_recfile_release(&f);
	return rc;
}

int scr_halt_decode_why(const char *buf, size_t len, struct scr_halt *h,
			struct scr_meta_why *why)
{
	struct scr_recfile f;
	scr_halt_init(h);
	int rc = scr_recfile_decode_why(buf, len, SCR_HALT_KIND, SCR_HALT_VERSION, &f, why);
	if (rc)
		return rc;
	rc = from_recfile(&f, h, why);
	scr_recfile_release(&f);
	return rc;
}

int scr_halt_decode(const char *buf, size_t len, struct scr_halt *h)
{
	return scr_halt_decode_why(buf, len, h, NULL);
}

int scr_halt_read(const char *path, struct scr_halt *h)
{
	struct scr_recfile f;
	scr_halt_init(h);
	int rc = scr_recfile_read_max(path, SCR_HALT_KIND, SCR_HALT_VERSION, &f);
	if (rc == -SCR_ENOENT)
		return 0;
	if (rc)
		return rc;
	rc = from_recfile(&f, h, NULL);
	scr_recfile_release(&f);
	return rc;
}

static int write_halt(const char *path, const struct scr_halt *h)
{
	struct scr_recfile f;
	int rc = to_recfile(h, &f);
	if (rc)
		return rc;
	rc = scr_recfile_write(path, &f);
	int saved = errno;
	scr_recfile_release(&f);
	errno = saved;
	return rc;
}

/* ---- the lock ---- */

/* Open and flock <path>.lock; returns the descriptor, -1 when the file
 * system cannot lock (the caller goes on unlocked), or a negative error
 * below -1. */
static int lock_open(const char *path, int *fd)
{
	*fd = -1;
	char *dir = scr_dirname(path);
	int rc = dir ? scr_mkdir_p(dir, 0755) : -SCR_ENOMEM;
	free(dir);
	if (rc)
		return rc;
	char *lp = scr_asprintf("%s.lock", path);
	if (!lp)
		return -SCR_ENOMEM;
	int l = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	int saved = errno;
	free(lp);
	if (l < 0) {
		errno = saved;
		return -SCR_EIO;
	}
	while (flock(l, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		/* no flock here (some parallel file systems): the rename still
		 * keeps readers safe, only concurrent writers may race */
		close(l);
		return 0;
	}
	*fd = l;
	return 0;
}

static void lock_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		flock(fd, LOCK_UN);
		close(fd);
		errno = saved;
	}
}

int scr_halt_update(const char *path, int (*edit)(struct scr_halt *h, void *arg), void *arg,
		    struct scr_halt *out)
{
	if (out)
		scr_halt_init(out);
	int fd;
	int rc = lock_open(path, &fd);
	if (rc)
		return rc;
	struct scr_halt h;
	rc = scr_halt_read(path, &h);
	if (!rc) {
		int e = edit(&h, arg);
		if (e < 0)
			rc = e;
		else if (e == 0)
			rc = write_halt(path, &h);
	}
	if (!rc && out)
		*out = h;
	else
		scr_halt_release(&h);
	lock_close(fd);
	return rc;
}

int scr_halt_remove(const char *path)
{
	int fd;
	int rc = lock_open(path, &fd);
	if (rc)
		return rc;
	if (unlink(path) != 0 && errno != ENOENT)
		rc = -SCR_EIO;
	lock_close(fd);
	return rc;
}

char *scr_halt_error_text(const char *path, int rc, int saved_errno)
{
	if (rc == -SCR_EIO)
		return scr_asprintf("cannot read halt file '%s': %s", path,
				    saved_errno ? strerror(saved_errno) : scr_strerror(rc));
	return scr_asprintf("halt file '%s' is unusable (%s): remove it with "
			    "'scr_halt --remove', then set the conditions again",
			    path, scr_strerror(rc));
}

/* ---- evaluation ---- */

void scr_halt_format_time(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t <= 0)
		snprintf(buf, size, "-");
	else if (!localtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(buf, size, "@%lld", (long long)t);
}

static long long effective_seconds(const struct scr_halt *h, long long param)
{
	return (h->has & SCR_HALT_HAS_SECONDS) ? h->halt_seconds : param;
}

int scr_halt_needs_end_time(const struct scr_halt *h, long long halt_seconds_param)
{
	return effective_seconds(h, halt_seconds_param) > 0;
}

int scr_halt_eval(const struct scr_halt *h, int64_t now, int64_t end_time,
		  long long halt_seconds_param, char **reason)
{
	long long secs = effective_seconds(h, halt_seconds_param);
	const char *src = (h->has & SCR_HALT_HAS_SECONDS) ? "halt_seconds" : "SCR_HALT_SECONDS";
	char when[64];
	char *why = NULL;
	int holds = 1;
	if (h->exit_reason) {
		why = strdup(h->exit_reason);
	} else if ((h->has & SCR_HALT_HAS_CHECKPOINTS) && h->checkpoints_left <= 0) {
		why = strdup("checkpoints left reached 0");
	} else if ((h->has & SCR_HALT_HAS_AFTER) && now >= h->exit_after) {
		scr_halt_format_time(h->exit_after, when, sizeof(when));
		why = scr_asprintf("exit after %s reached", when);
	} else if ((h->has & SCR_HALT_HAS_BEFORE) && now + (secs > 0 ? secs : 0) >= h->exit_before) {
		scr_halt_format_time(h->exit_before, when, sizeof(when));
		if (now >= h->exit_before)
			why = scr_asprintf("exit before %s: that time has come", when);
		else
			why = scr_asprintf("exit before %s: %lld s left, within the %lld s of %s",
					   when, (long long)(h->exit_before - now), secs, src);
	} else if (end_time > 0 && secs > 0 && end_time - now <= secs) {
		scr_halt_format_time(end_time, when, sizeof(when));
		why = scr_asprintf(SCR_HALT_REASON_ALLOC " at %s: %lld s left, within the "
				   "%lld s of %s", when, (long long)(end_time - now), secs, src);
	} else {
		holds = 0;
	}
	if (reason)
		*reason = why;
	else
		free(why);
	return holds;
}

int scr_halt_reason_is_run_end(const char *reason)
{
	return reason && (!strcmp(reason, SCR_HALT_REASON_FINALIZE) ||
			  !strncmp(reason, SCR_HALT_REASON_ALLOC " ", strlen(SCR_HALT_REASON_ALLOC) + 1));
}

/* ---- times ---- */

/* Exactly n digits at *p into *v; advances *p. */
static int digits(const char **p, int n, int *v)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		x = x * 10 + (c - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

/* "HH:MM[:SS]" at p, the whole rest of the string. */
static int parse_clock(const char *p, int *hh, int *mm, int *ss)
{
	*ss = 0;
	if (digits(&p, 2, hh) || *p++ != ':' || digits(&p, 2, mm))
		return -1;
	if (*p == ':' && (p++, digits(&p, 2, ss)))
		return -1;
	if (*p || *hh > 23 || *mm > 59 || *ss > 59)
		return -1;
	return 0;
}

/* Local time to epoch; fails when the fields do not name a real moment
 * (Feb 30, a time skipped by a DST change is let through as mktime has it). */
static int local_epoch(int y, int mo, int d, int hh, int mm, int ss, int64_t *out)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = hh, .tm_min = mm, .tm_sec = ss, .tm_isdst = -1 };
	time_t t = mktime(&tm);
	if (t == (time_t)-1 || tm.tm_year != y - 1900 || tm.tm_mon != mo - 1 || tm.tm_mday != d)
		return -1;
	*out = (int64_t)t;
	return 0;
}

/* "YYYY-MM-DD" sep "HH:MM[:SS]"; sep is any of seps. */
static int parse_date_time(const char *text, const char *seps, int64_t *out)
{
	const char *p = text;
	int y, mo, d, hh, mm, ss;
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d) || !*p || !strchr(seps, *p))
		return -1;
	p++;
	if (parse_clock(p, &hh, &mm, &ss) || mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970)
		return -1;
	return local_epoch(y, mo, d, hh, mm, ss, out);
}

/* Decimal without sign into *v (<= max); the rest at *end. */
static int number(const char *p, long long max, long long *v, const char **end)
{
	if (*p < '0' || *p > '9')
		return -1;
	long long x = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		x = x * 10 + (*p - '0');
		if (x > max)
			return -1;
	}
	*v = x;
	*end = p;
	return 0;
}

static int duration(const char *text, long long max, long long *out)
{
	long long n;
	const char *end;
	if (number(text, max, &n, &end))
		return -1;
	long long mult = 1;
	switch (*end) {
	case '\0': case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	if (n > max / mult)
		return -1;
	*out = n * mult;
	return 0;
}

int scr_halt_parse_seconds(const char *text, int *out)
{
	long long v;
	if (!text || duration(text, INT_MAX, &v))
		return -SCR_EINVAL;
	*out = (int)v;
	return 0;
}

int scr_halt_parse_time(const char *text, int64_t now, int64_t *out,
			enum scr_halt_time_kind *kind)
{
	enum scr_halt_time_kind k = SCR_HALT_TIME_ABSOLUTE;
	int64_t t;
	long long v;
	const char *end;
	/* ten years ahead is plenty and keeps every sum far from overflow */
	const long long far = 10LL * 366 * 86400;
	if (!text || !*text)
		return -SCR_EINVAL;
	if (text[0] == '@') {
		if (number(text + 1, (long long)1 << 40, &v, &end) || *end || v <= 0)
			return -SCR_EINVAL;
		t = v;
	} else if (text[0] == '+') {
		if (duration(text + 1, far, &v))
			return -SCR_EINVAL;
		t = now + v;
		k = SCR_HALT_TIME_RELATIVE;
	} else if (strlen(text) <= 8 && strchr(text, ':') && !strchr(text, '-')) {
		int hh, mm, ss;
		struct tm tm;
		time_t tt = (time_t)now;
		if (parse_clock(text, &hh, &mm, &ss) || !localtime_r(&tt, &tm))
			return -SCR_EINVAL;
		int y = tm.tm_year + 1900, mo = tm.tm_mon + 1, d = tm.tm_mday;
		if (local_epoch(y, mo, d, hh, mm, ss, &t))
			return -SCR_EINVAL;
		k = SCR_HALT_TIME_TODAY;
		if (t <= now) {
			/* tomorrow's date, through mktime so month ends and DST work */
			struct tm next = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d + 1,
					   .tm_hour = 12, .tm_isdst = -1 };
			if (mktime(&next) == (time_t)-1 ||
			    local_epoch(next.tm_year + 1900, next.tm_mon + 1, next.tm_mday,
					hh, mm, ss, &t))
				return -SCR_EINVAL;
			k = SCR_HALT_TIME_TOMORROW;
		}
	} else if (parse_date_time(text, " T", &t)) {
		return -SCR_EINVAL;
	}
	if (t <= 0)
		return -SCR_EINVAL;
	*out = t;
	if (kind)
		*kind = k;
	return 0;
}

int scr_halt_parse_slurm_time(const char *text, int64_t *out)
{
	if (!text)
		return -SCR_EINVAL;
	while (*text == ' ' || *text == '\t')
		text++;
	char buf[32];
	size_t n = strcspn(text, " \t\r\n");
	if (n == 0 || n >= sizeof(buf) || text[n + strspn(text + n, " \t\r\n")])
		return -SCR_EINVAL;
	memcpy(buf, text, n);
	buf[n] = '\0';
	int64_t t;
	if (parse_date_time(buf, "T", &t) || t <= 0)
		return -SCR_EINVAL;
	*out = t;
	return 0;
}

int scr_halt_slurm_end_time(const char *jobid, int64_t *end, char **msg)
{
	*msg = NULL;
	if (!scr_halt_job_id_ok(jobid)) {
		*msg = scr_asprintf("job id '%s' is not a SLURM job id", jobid ? jobid : "");
		return -SCR_EINVAL;
	}
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		*msg = scr_asprintf("cannot run squeue: %s", strerror(errno));
		return -SCR_EIO;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	char *argv[] = { "squeue", "-h", "-j", (char *)jobid, "-o", "%e", NULL };
	pid_t pid;
	int err = posix_spawnp(&pid, "squeue", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (err) {
		close(pipefd[0]);
		*msg = scr_asprintf("cannot run squeue: %s", strerror(err));
		return -SCR_EIO;
	}
	char out[256];
	size_t got = 0;
	scr_read_full(pipefd[0], out, sizeof(out) - 1, &got);
	out[got] = '\0';
	close(pipefd[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*msg = scr_asprintf("squeue -j %s failed (status %d)", jobid,
				    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -SCR_EIO;
	}
	if (scr_halt_parse_slurm_time(out, end)) {
		out[strcspn(out, "\r\n")] = '\0';
		*msg = scr_asprintf("squeue gives no end time for job %s ('%s')", jobid, out);
		return -SCR_EINVAL;
	}
	return 0;
}
