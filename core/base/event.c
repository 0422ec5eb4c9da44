/* The event log's lines and sinks (see event.h). */
#define _GNU_SOURCE
#include "event.h"

#include "config.h"
#include "io.h"
#include "layout.h"
#include "log.h"
#include "meta.h"
#include "scr_err.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{ "LOG_USER", LOG_USER },     { "LOG_DAEMON", LOG_DAEMON }, { "LOG_LOCAL0", LOG_LOCAL0 },
	{ "LOG_LOCAL1", LOG_LOCAL1 }, { "LOG_LOCAL2", LOG_LOCAL2 }, { "LOG_LOCAL3", LOG_LOCAL3 },
	{ "LOG_LOCAL4", LOG_LOCAL4 }, { "LOG_LOCAL5", LOG_LOCAL5 }, { "LOG_LOCAL6", LOG_LOCAL6 },
	{ "LOG_LOCAL7", LOG_LOCAL7 },
}, levels[] = {
	{ "LOG_EMERG", LOG_EMERG },   { "LOG_ALERT", LOG_ALERT },   { "LOG_CRIT", LOG_CRIT },
	{ "LOG_ERR", LOG_ERR },       { "LOG_WARNING", LOG_WARNING }, { "LOG_NOTICE", LOG_NOTICE },
	{ "LOG_INFO", LOG_INFO },     { "LOG_DEBUG", LOG_DEBUG },
};

#define NAMED(table, name, dflt) named_value(table, sizeof(table) / sizeof(table[0]), name, dflt)

static int named_value(const void *table, size_t n, const char *name, int dflt)
{
	const struct { const char *name; int value; } *t = table;
	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(t[i].name, name))
			return t[i].value;
	return dflt;
}

double scr_event_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void scr_event_log_close(struct scr_event_log *lg)
{
	if (lg->syslog)
		closelog();
	free(lg->job);
	free(lg->user);
	free(lg->node);
	free(lg->prefix);
	free(lg->txt_path);
	free(lg->ident);
	memset(lg, 0, sizeof(*lg));
}

int scr_event_log_open(struct scr_event_log *lg, const struct scr_config *cfg,
		       const char *prefix, const char *job, const char *user,
		       const char *node)
{
	memset(lg, 0, sizeof(*lg));
	if (!scr_config_get_bool(cfg, "SCR_LOG_ENABLE"))
		return 0;
	lg->job = strdup(job ? job : "default");
	lg->user = strdup(user ? user : "");
	lg->node = strdup(node ? node : "");
	lg->prefix = strdup(prefix);
	if (scr_config_get_bool(cfg, "SCR_LOG_TXT_ENABLE"))
		lg->txt_path = scr_prefix_log_path(prefix);
	if (!lg->job || !lg->user || !lg->node || !lg->prefix ||
	    (scr_config_get_bool(cfg, "SCR_LOG_TXT_ENABLE") && !lg->txt_path)) {
		scr_event_log_close(lg);
		return -SCR_ENOMEM;
	}
	if (scr_config_get_bool(cfg, "SCR_LOG_SYSLOG_ENABLE")) {
		const char *ident = scr_config_get(cfg, "SCR_LOG_SYSLOG_PREFIX");
		if (!(lg->ident = strdup(ident && *ident ? ident : "scr"))) {
			scr_event_log_close(lg);
			return -SCR_ENOMEM;
		}
		openlog(lg->ident, LOG_PID | LOG_NDELAY,
			NAMED(facilities, scr_config_get(cfg, "SCR_LOG_SYSLOG_FACILITY"), LOG_LOCAL7));
		lg->syslog = 1;
		lg->syslog_level = NAMED(levels, scr_config_get(cfg, "SCR_LOG_SYSLOG_LEVEL"),
					 LOG_INFO);
	}
	lg->enabled = lg->txt_path || lg->syslog;
	return 0;
}

/* "2026-12-06T04:01:12.243Z", as scr_event_line writes it, into seconds
 * since the epoch; -1 if it is not that. */
static double parse_time(const char *s, size_t n)
{
	struct tm tm = { 0 };
	int ms = 0;
	char z = 0;
	if (n != 24 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year, &tm.tm_mon,
			      &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &z) != 8 ||
	    z != 'Z')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) + ms / 1000.0;
}

void scr_event_rec_release(struct scr_event_rec *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->key[i]);
		free(r->val[i]);
	}
	free(r->key);
	free(r->val);
	memset(r, 0, sizeof(*r));
}

const char *scr_event_get(const struct scr_event_rec *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->key[i], key))
			return r->val[i];
	return NULL;
}

int scr_event_parse(const char *line, struct scr_event_rec *r)
{
	memset(r, 0, sizeof(*r));
	size_t len = strcspn(line, "\n"), stamp = strcspn(line, " \n");
	if ((r->time = parse_time(line, stamp)) < 0)
		return -SCR_EFORMAT;
	int rc = 0;
	for (const char *p = line + stamp; !rc && p < line + len;) {
		p += strspn(p, " ");
		size_t n = strcspn(p, " \n");
		const char *eq = memchr(p, '=', n);
		char *key = NULL, *value = NULL;
		/* a word that is no key=value, or a value not escaped as scr
		 * writes it, is skipped: a site's own lines may hold such */
		if (eq && scr_meta_unescape(eq + 1, (size_t)(p + n - eq - 1), &value) == 0) {
			char **k = realloc(r->key, (r->n + 1) * sizeof(*k));
			if (k)
				r->key = k;
			char **v = k ? realloc(r->val, (r->n + 1) * sizeof(*v)) : NULL;
			if (v)
				r->val = v;
			key = strndup(p, (size_t)(eq - p));
			if (!v || !key) {
				free(key);
				free(value);
				rc = -SCR_ENOMEM;
			} else {
				r->key[r->n] = key;
				r->val[r->n++] = value;
			}
		}
		p += n;
	}
	if (!rc && (!scr_event_get(r, "event") || !scr_event_get(r, "job")))
		rc = -SCR_EFORMAT;
	if (rc)
		scr_event_rec_release(r);
	return rc;
}

static void put_kv(struct scr_strbuf *b, const char *key, const char *value)
{
	scr_strbuf_addf(b, " %s=", key);
	scr_meta_escape(b, value);
}

char *scr_event_line(const struct scr_event_log *lg, double when, const char *kind,
		     const char *const *kv)
{
	struct scr_strbuf b = { 0 };
	time_t secs = (time_t)when;
	struct tm tm;
	char stamp[32];
	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	scr_strbuf_addf(&b, "%s.%03dZ event=%s", stamp, (int)((when - (double)secs) * 1000),
			kind);
	put_kv(&b, "job", lg->job);
	put_kv(&b, "user", lg->user);
	put_kv(&b, "node", lg->node);
	put_kv(&b, "prefix", lg->prefix);
	for (size_t i = 0; kv && kv[i]; i += 2)
		if (kv[i + 1])
			put_kv(&b, kv[i], kv[i + 1]);
	scr_strbuf_addn(&b, "\n", 1);
	if (scr_strbuf_failed(&b)) {
		free(b.buf);
		return NULL;
	}
	return b.buf;
}

/* Append line to the text log: one write under an exclusive lock, so the
 * lines of several runs and commands never mix. */
static int append(const char *path, const char *line)
{
	char *dir = scr_dirname(path);
	int rc = dir ? scr_mkdir_p(dir, 0755) : -SCR_ENOMEM;
	free(dir);
	if (rc)
		return rc;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		      0644);
	if (fd < 0)
		return scr_err_from_errno(errno);
	if (flock(fd, LOCK_EX) != 0)
		rc = scr_err_from_errno(errno);
	if (!rc)
		rc = scr_write_full(fd, line, strlen(line));
	if (close(fd) != 0 && !rc)
		rc = scr_err_from_errno(errno);
	return rc;
}

int scr_event_log_write(struct scr_event_log *lg, const char *line)
{
	if (!lg->enabled)
		return 0;
	if (lg->syslog)
		syslog(lg->syslog_level, "%.*s", (int)strcspn(line, "\n"), line);
	if (!lg->txt_path)
		return 0;
	int rc = append(lg->txt_path, line);
	if (rc && !lg->txt_failed) {
		scr_log_warn("cannot append to the event log '%s': %s (%s); events go on "
			     "being dropped there, the job is not affected", lg->txt_path,
			     scr_strerror(rc), strerror(errno));
		lg->txt_failed = 1;
	}
	return rc;
}
