/*
 * The event log's lines and its text sink: the line format (escaped values,
 * unset keys left out), the log made below <prefix>/.scr, a sink that
 * cannot be written said once, and many processes appending at once
 * without mixing their lines.
 */
#define _GNU_SOURCE
#include "check.h"
#include "config.h"
#include "event.h"
#include "io.h"
#include "layout.h"
#include "meta.h"
#include "scr_err.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct scr_config *config(int enable)
{
	struct scr_config *cfg = scr_config_new();
	CHECK(cfg != NULL);
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_API, "SCR_LOG_ENABLE", enable ? "1" : "0",
				    "test", NULL), 0);
	return cfg;
}

static void test_line(void)
{
	struct scr_config *cfg = config(1);
	struct scr_event_log lg;
	CHECK_EQ_INT(scr_event_log_open(&lg, cfg, "/p q", "j1", "me", "n0"), 0);
	CHECK(lg.enabled);
	CHECK_EQ_STR(lg.txt_path, "/p q/.scr/log");
	const char *kv[] = { "dataset", "3", "name", "my ckpt=1", "reason", NULL, "bytes", "10",
			     NULL };
	/* 2026-12-06T04:05:06.250Z */
	char *line = scr_event_line(&lg, 1796529906.25, SCR_EV_CHECKPOINT, kv);
	CHECK_EQ_STR(line, "2026-12-06T04:05:06.250Z event=checkpoint job=j1 user=me node=n0 "
			   "prefix=/p%20q dataset=3 name=my%20ckpt%3D1 bytes=10\n");
	/* and back: what the log's reader (scr_report) gets */
	struct scr_event_rec r;
	CHECK_EQ_INT(scr_event_parse(line, &r), 0);
	CHECK(r.time > 1796529906.24 && r.time < 1796529906.26);
	CHECK_EQ_STR(scr_event_get(&r, "event"), "checkpoint");
	CHECK_EQ_STR(scr_event_get(&r, "prefix"), "/p q");
	CHECK_EQ_STR(scr_event_get(&r, "name"), "my ckpt=1");
	CHECK(scr_event_get(&r, "reason") == NULL);
	scr_event_rec_release(&r);
	CHECK_EQ_INT(scr_event_parse("hello world\n", &r), -SCR_EFORMAT);
	CHECK_EQ_INT(scr_event_parse("2026-12-06T04:05:06.250Z job=j\n", &r), -SCR_EFORMAT);
	free(line);
	scr_event_log_close(&lg);
	scr_config_free(cfg);

	cfg = config(0);
	CHECK_EQ_INT(scr_event_log_open(&lg, cfg, "/p", "j", "u", "n"), 0);
	CHECK(!lg.enabled);
	CHECK_EQ_INT(scr_event_log_write(&lg, "x\n"), 0);
	scr_event_log_close(&lg);
	scr_config_free(cfg);
}

static size_t count_lines(const char *buf, size_t len, int *well_formed)
{
	size_t n = 0;
	*well_formed = 1;
	for (const char *p = buf; p < buf + len;) {
		const char *nl = memchr(p, '\n', (size_t)(buf + len - p));
		if (!nl) {
			*well_formed = 0;
			break;
		}
		/* each line whole: "<time> event=flush ... seq=<w>.<i>" */
		*well_formed &= !strncmp(p + 24, " event=flush job=j", 18) &&
				memmem(p, (size_t)(nl - p), " seq=", 5) != NULL;
		n++;
		p = nl + 1;
	}
	return n;
}

static void test_appends(const char *dir)
{
	struct scr_config *cfg = config(1);
	enum { WRITERS = 8, LINES = 200 };
	for (int w = 0; w < WRITERS; w++) {
		pid_t pid = fork();
		if (pid == 0) {
			struct scr_event_log lg;
			if (scr_event_log_open(&lg, cfg, dir, "j", "u", "n"))
				_exit(1);
			int bad = 0;
			for (int i = 0; i < LINES; i++) {
				char seq[32], pad[600];
				snprintf(seq, sizeof(seq), "%d.%d", w, i);
				memset(pad, 'a' + w, sizeof(pad) - 1);
				pad[sizeof(pad) - 1] = '\0';
				const char *kv[] = { "pad", pad, "seq", seq, NULL };
				char *line = scr_event_line(&lg, scr_event_now(), SCR_EV_FLUSH, kv);
				bad |= !line || scr_event_log_write(&lg, line) != 0;
				free(line);
			}
			scr_event_log_close(&lg);
			_exit(bad);
		}
	}
	int ok = 1, status;
	while (wait(&status) > 0)
		ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
	CHECK(ok);
	char *path = scr_prefix_log_path(dir), *buf = NULL;
	size_t len = 0;
	CHECK_EQ_INT(scr_read_file(path, 64 << 20, &buf, &len), 0);
	int well_formed = 0;
	CHECK_EQ_INT(count_lines(buf, len, &well_formed), WRITERS * LINES);
	CHECK(well_formed);
	free(buf);

	/* a log that cannot be written: the writer hears of it, nothing breaks */
	CHECK_EQ_INT(unlink(path), 0);
	CHECK_EQ_INT(mkdir(path, 0700), 0);
	struct scr_event_log lg;
	CHECK_EQ_INT(scr_event_log_open(&lg, cfg, dir, "j", "u", "n"), 0);
	CHECK(scr_event_log_write(&lg, "x\n") != 0);
	CHECK(lg.txt_failed);
	CHECK(scr_event_log_write(&lg, "y\n") != 0);
	scr_event_log_close(&lg);
	rmdir(path);
	free(path);
	scr_config_free(cfg);
}

int main(void)
{
	char tmpl[] = "/tmp/test_event.XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		return 1;
	}
	test_line();
	test_appends(dir);
	CHECK_EQ_INT(scr_remove_tree(dir), 0);
	return check_done("test_event");
}
