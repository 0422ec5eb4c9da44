/* Unit tests of the halt conditions (core/base/halt.c): the record, its locked
 * updates, the evaluation rules and the times users write. */
#define _GNU_SOURCE
#include "check.h"

#include "crc.h"
#include "halt.h"
#include "io.h"
#include "meta.h"
#include "scr_err.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* 2026-11-23 12:00:00 UTC (TZ is UTC for these tests) */
#define NOON ((int64_t)1795435200)

static void test_record(void)
{
	struct scr_halt h, g;
	char *buf = NULL;
	size_t len = 0;

	/* empty: one line without keys, reads back empty */
	scr_halt_init(&h);
	CHECK(scr_halt_empty(&h));
	CHECK_EQ_INT(scr_halt_encode(&h, &buf, &len), 0);
	CHECK_EQ_INT(scr_halt_decode(buf, len, &g), 0);
	CHECK(scr_halt_empty(&g));
	free(buf);

	/* everything set round-trips */
	h.has = SCR_HALT_HAS_CHECKPOINTS | SCR_HALT_HAS_BEFORE | SCR_HALT_HAS_AFTER |
		SCR_HALT_HAS_SECONDS;
	h.checkpoints_left = -2;
	h.exit_before = NOON;
	h.exit_after = NOON + 60;
	h.halt_seconds = 0;
	CHECK_EQ_INT(scr_halt_set_reason(&h, "maintenance = at 14:00 %"), 0);
	CHECK_EQ_INT(scr_halt_set_job(&h, "12345_7"), 0);
	CHECK_EQ_INT(scr_halt_encode(&h, &buf, &len), 0);
	CHECK(strstr(buf, "SCR-STATE halt 1\nhalt ") == buf);
	CHECK_EQ_INT(scr_halt_decode(buf, len, &g), 0);
	CHECK_EQ_INT(g.has, h.has);
	CHECK_EQ_INT(g.checkpoints_left, -2);
	CHECK_EQ_INT(g.exit_before, NOON);
	CHECK_EQ_INT(g.exit_after, NOON + 60);
	CHECK_EQ_INT(g.halt_seconds, 0);
	CHECK_EQ_STR(g.exit_reason, "maintenance = at 14:00 %");
	CHECK_EQ_STR(g.job_id, "12345_7");
	scr_halt_release(&g);
	CHECK(scr_halt_empty(&g));

	/* a flipped byte is caught by the CRC */
	buf[20] ^= 1;
	CHECK_EQ_INT(scr_halt_decode(buf, len, &g), -SCR_ECORRUPT);
	CHECK(scr_halt_empty(&g));
	CHECK_EQ_INT(scr_halt_decode(buf, len / 2, &g), -SCR_ETRUNC);
	free(buf);

	/* writers refuse what readers would */
	CHECK_EQ_INT(scr_halt_set_reason(&h, ""), -SCR_EINVAL);
	CHECK_EQ_INT(scr_halt_set_job(&h, "12 34"), -SCR_EINVAL);
	CHECK_EQ_INT(scr_halt_set_job(&h, "a/b"), -SCR_EINVAL);
	h.halt_seconds = -1;
	CHECK_EQ_INT(scr_halt_encode(&h, &buf, &len), -SCR_EINVAL);
	h.halt_seconds = 5;
	h.exit_before = 0;
	CHECK_EQ_INT(scr_halt_encode(&h, &buf, &len), -SCR_EINVAL);
	scr_halt_release(&h);

	/* hand-made bodies: unknown key, other tag, two lines, bad values */
	static const char *bad[] = {
		"halt checkpoints_left=1 colour=red\n",
		"stop checkpoints_left=1\n",
		"halt checkpoints_left=1\nhalt exit_after=5\n",
		"halt checkpoints_left=x\n",
		"halt exit_after=0\n",
		"halt exit_before=-5\n",
		"halt halt_seconds=-1\n",
		"halt exit_reason=\n",
		"halt job_id=a%2Fb\n",
		"halt checkpoints_left=99999999999\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct scr_recfile f;
		/* a valid container around the body: header, END line with
		 * its length and CRC */
		char *body = scr_asprintf("SCR-STATE halt 1\n%s", bad[i]);
		size_t blen = strlen(body);
		char *file = scr_asprintf("%sEND %zu %08x\n", body, blen,
				    (unsigned)scr_crc32(0, body, blen));
		int rc = scr_recfile_decode(file, strlen(file), "halt", &f);
		if (rc == 0)
			scr_recfile_release(&f);
		/* the container may already refuse it; the halt reader must */
		int hr = scr_halt_decode(file, strlen(file), &g);
		if (hr != -SCR_EFORMAT)
			fprintf(stderr, "bad body %zu: %d\n", i, hr);
		CHECK_EQ_INT(hr, -SCR_EFORMAT);
		CHECK(scr_halt_empty(&g));
		free(body);
		free(file);
	}
	/* a newer version is refused as such */
	{
		char *body = strdup("SCR-STATE halt 2\nhalt\n");
		char *file = scr_asprintf("%sEND %zu %08x\n", body, strlen(body),
					  (unsigned)scr_crc32(0, body, strlen(body)));
		CHECK_EQ_INT(scr_halt_decode(file, strlen(file), &g), -SCR_EVERSION);
		free(body);
		free(file);
	}
}

struct dec_arg {
	int calls;
};

static int edit_decrement(struct scr_halt *h, void *arg)
{
	((struct dec_arg *)arg)->calls++;
	if (!(h->has & SCR_HALT_HAS_CHECKPOINTS))
		return 1;
	h->checkpoints_left--;
	return 0;
}

static int edit_set(struct scr_halt *h, void *arg)
{
	h->has |= SCR_HALT_HAS_CHECKPOINTS;
	h->checkpoints_left = *(int *)arg;
	return 0;
}

static void test_files(const char *dir)
{
	char *prefix = scr_asprintf("%s/prefix", dir);
	char *path = scr_halt_path(prefix);
	CHECK_EQ_STR(strstr(path, "/prefix/.scr/halt.scr"), "/prefix/.scr/halt.scr");
	struct scr_halt h;

	/* missing: no conditions; an update that changes nothing writes nothing */
	CHECK_EQ_INT(scr_halt_read(path, &h), 0);
	CHECK(scr_halt_empty(&h));
	struct dec_arg d = { 0 };
	CHECK_EQ_INT(scr_halt_update(path, edit_decrement, &d, &h), 0);
	CHECK_EQ_INT(d.calls, 1);
	CHECK(access(path, F_OK) != 0);

	/* set, then decrement from several processes at once: none is lost */
	int n = 40;
	CHECK_EQ_INT(scr_halt_update(path, edit_set, &n, NULL), 0);
	int procs = 8, each = 5;
	for (int p = 0; p < procs; p++) {
		if (fork() == 0) {
			for (int i = 0; i < each; i++) {
				struct dec_arg dd = { 0 };
				if (scr_halt_update(path, edit_decrement, &dd, NULL))
					_exit(1);
				/* a reader never sees half a file */
				struct scr_halt r;
				if (scr_halt_read(path, &r))
					_exit(2);
				scr_halt_release(&r);
			}
			_exit(0);
		}
	}
	int bad = 0;
	for (int p = 0; p < procs; p++) {
		int st;
		wait(&st);
		bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(scr_halt_read(path, &h), 0);
	CHECK_EQ_INT(h.checkpoints_left, n - procs * each);
	scr_halt_release(&h);

	/* a damaged file: reads fail, updates fail without calling edit and
	 * leave it, the message names the file and the fix; remove clears it */
	char *data = NULL;
	size_t len = 0;
	CHECK_EQ_INT(scr_read_file(path, 1 << 20, &data, &len), 0);
	data[len - 3] = data[len - 3] == '0' ? '1' : '0';
	CHECK_EQ_INT(scr_write_file_atomic(path, data, len, 0644), 0);
	int rc = scr_halt_read(path, &h);
	CHECK_EQ_INT(rc, -SCR_ECORRUPT);
	d.calls = 0;
	CHECK_EQ_INT(scr_halt_update(path, edit_decrement, &d, &h), -SCR_ECORRUPT);
	CHECK_EQ_INT(d.calls, 0);
	char *msg = scr_halt_error_text(path, rc, 0);
	CHECK(msg && strstr(msg, path) && strstr(msg, "scr_halt --remove"));
	free(msg);
	CHECK_EQ_INT(scr_halt_remove(path), 0);
	CHECK(access(path, F_OK) != 0);
	CHECK_EQ_INT(scr_halt_remove(path), 0);
	CHECK_EQ_INT(scr_halt_read(path, &h), 0);
	CHECK(scr_halt_empty(&h));
	/* a file that is not a state file at all */
	CHECK_EQ_INT(scr_write_file_atomic(path, "checkpoints=3\n", 14, 0644), 0);
	CHECK_EQ_INT(scr_halt_read(path, &h), -SCR_EFORMAT);
	free(data);
	CHECK_EQ_INT(scr_remove_tree(prefix), 0);
	free(path);
	free(prefix);
}

static int holds(const struct scr_halt *h, int64_t now, int64_t end, long long param,
		 const char *want)
{
	char *why = NULL;
	int r = scr_halt_eval(h, now, end, param, &why);
	if (r && want && (!why || !strstr(why, want))) {
		fprintf(stderr, "reason '%s' lacks '%s'\n", why ? why : "(null)", want);
		r = -1;
	}
	if (!r && why)
		r = -2;   /* a reason without a halt */
	free(why);
	return r;
}

static void test_eval(void)
{
	struct scr_halt h;
	scr_halt_init(&h);
	CHECK_EQ_INT(holds(&h, NOON, 0, 0, NULL), 0);
	CHECK_EQ_INT(holds(&h, NOON, NOON + 100, 300, "allocation ends at"), 1);
	CHECK_EQ_INT(holds(&h, NOON, NOON + 100, 0, NULL), 0);      /* SCR_HALT_SECONDS off */
	CHECK_EQ_INT(holds(&h, NOON, NOON + 301, 300, NULL), 0);
	CHECK_EQ_INT(holds(&h, NOON, NOON + 300, 300, "300 s left"), 1);   /* <= */
	CHECK_EQ_INT(holds(&h, NOON, 0, 300, NULL), 0);             /* end unknown */
	CHECK(!scr_halt_needs_end_time(&h, 0));
	CHECK(scr_halt_needs_end_time(&h, 5));

	/* checkpoints */
	h.has = SCR_HALT_HAS_CHECKPOINTS;
	h.checkpoints_left = 1;
	CHECK_EQ_INT(holds(&h, NOON, 0, 0, NULL), 0);
	h.checkpoints_left = 0;
	CHECK_EQ_INT(holds(&h, NOON, 0, 0, "checkpoints left reached 0"), 1);
	h.checkpoints_left = -3;
	CHECK_EQ_INT(holds(&h, NOON, 0, 0, "checkpoints left reached 0"), 1);

	/* after */
	h.has = SCR_HALT_HAS_AFTER;
	h.exit_after = NOON + 10;
	CHECK_EQ_INT(holds(&h, NOON, 0, 0, NULL), 0);
	CHECK_EQ_INT(holds(&h, NOON + 10, 0, 0, "exit after 2026-11-23 12:00:10 UTC reached"), 1);
	CHECK_EQ_INT(holds(&h, NOON + 99, 0, 0, "exit after"), 1);

	/* before, with the file's seconds, then SCR_HALT_SECONDS */
	h.has = SCR_HALT_HAS_BEFORE;
	h.exit_before = NOON + 600;
	CHECK_EQ_INT(holds(&h, NOON, 0, 0, NULL), 0);
	CHECK_EQ_INT(holds(&h, NOON + 600, 0, 0, "that time has come"), 1);
	CHECK_EQ_INT(holds(&h, NOON, 0, 600, "SCR_HALT_SECONDS"), 1);
	CHECK_EQ_INT(holds(&h, NOON, 0, 599, NULL), 0);
	h.has |= SCR_HALT_HAS_SECONDS;
	h.halt_seconds = 700;
	CHECK_EQ_INT(holds(&h, NOON, 0, 0, "within the 700 s of halt_seconds"), 1);
	h.halt_seconds = 0;    /* the file's 0 overrides the parameter */
	CHECK_EQ_INT(holds(&h, NOON, 0, 600, NULL), 0);
	CHECK_EQ_INT(holds(&h, NOON, NOON + 5, 600, NULL), 0);
	CHECK(!scr_halt_needs_end_time(&h, 600));

	/* file seconds with the allocation end */
	h.has = SCR_HALT_HAS_SECONDS;
	h.halt_seconds = 120;
	CHECK_EQ_INT(holds(&h, NOON, NOON + 121, 0, NULL), 0);
	CHECK_EQ_INT(holds(&h, NOON, NOON + 120, 0, "halt_seconds"), 1);
	CHECK_EQ_INT(holds(&h, NOON, NOON - 50, 0, "-50 s left"), 1);   /* past its end */

	/* a reason wins over everything and is given as it is */
	scr_halt_set_reason(&h, "the user says so");
	CHECK_EQ_INT(holds(&h, NOON, 0, 0, "the user says so"), 1);
	char *why = NULL;
	scr_halt_eval(&h, NOON, 0, 0, &why);
	CHECK_EQ_STR(why, "the user says so");
	free(why);
	CHECK_EQ_INT(scr_halt_eval(&h, NOON, 0, 0, NULL), 1);
	scr_halt_release(&h);

	/* which recorded reasons only tell how a run ended */
	CHECK(scr_halt_reason_is_run_end(SCR_HALT_REASON_FINALIZE));
	CHECK(scr_halt_reason_is_run_end("allocation ends at 2026-11-23 12:00:00 UTC: 5 s left"));
	CHECK(!scr_halt_reason_is_run_end("checkpoints left reached 0"));
	CHECK(!scr_halt_reason_is_run_end("maintenance"));
	CHECK(!scr_halt_reason_is_run_end(NULL));
}

static int64_t at(const char *text, int64_t now, enum scr_halt_time_kind *k)
{
	int64_t t = -1;
	if (scr_halt_parse_time(text, now, &t, k))
		return -1;
	return t;
}

static void test_times(void)
{
	enum scr_halt_time_kind k;
	CHECK_EQ_INT(at("@1795435200", NOON, &k), NOON);
	CHECK_EQ_INT(k, SCR_HALT_TIME_ABSOLUTE);
	CHECK_EQ_INT(at("+90", NOON, &k), NOON + 90);
	CHECK_EQ_INT(k, SCR_HALT_TIME_RELATIVE);
	CHECK_EQ_INT(at("+90s", NOON, NULL), NOON + 90);
	CHECK_EQ_INT(at("+5m", NOON, NULL), NOON + 300);
	CHECK_EQ_INT(at("+2h", NOON, NULL), NOON + 7200);
	CHECK_EQ_INT(at("+1d", NOON, NULL), NOON + 86400);
	CHECK_EQ_INT(at("+0", NOON, NULL), NOON);
	CHECK_EQ_INT(at("2026-11-23 14:00", NOON, &k), NOON + 7200);
	CHECK_EQ_INT(k, SCR_HALT_TIME_ABSOLUTE);
	CHECK_EQ_INT(at("2026-11-23T14:00:30", NOON, NULL), NOON + 7230);
	CHECK_EQ_INT(at("2024-02-29 00:00", NOON, NULL), 1709164800);
	CHECK_EQ_INT(at("14:00", NOON, &k), NOON + 7200);
	CHECK_EQ_INT(k, SCR_HALT_TIME_TODAY);
	CHECK_EQ_INT(at("11:59:59", NOON, &k), NOON + 86400 - 1);
	CHECK_EQ_INT(k, SCR_HALT_TIME_TOMORROW);
	CHECK_EQ_INT(at("12:00", NOON, &k), NOON + 86400);   /* now is past */
	CHECK_EQ_INT(k, SCR_HALT_TIME_TOMORROW);
	/* tomorrow across a month end: 2026-11-30 23:00 -> 2026-12-01 */
	CHECK_EQ_INT(at("22:00", NOON + 7 * 86400 + 11 * 3600, NULL),
		     NOON + 8 * 86400 + 10 * 3600);

	static const char *bad[] = {
		"", "now", "14", "14:0", "24:00", "12:60", "12:00:60", "12:00:", "1:00",
		"2026-11-31 12:00", "2026-13-01 12:00", "2026-02-29 12:00", "2026-11-23",
		"2026-11-23_12:00", "2026-11-23 12:00 ", "1969-12-31 12:00", "+", "+5x",
		"+5mm", "+-5", "+99999999999d", "@", "@0", "@-5", "@12a", "@99999999999999999",
		" 14:00", "14:00:00:00",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t;
		int rc = scr_halt_parse_time(bad[i], NOON, &t, NULL);
		if (rc != -SCR_EINVAL)
			fprintf(stderr, "time '%s' accepted\n", bad[i]);
		CHECK_EQ_INT(rc, -SCR_EINVAL);
	}

	int s;
	CHECK_EQ_INT(scr_halt_parse_seconds("600", &s), 0);
	CHECK_EQ_INT(s, 600);
	CHECK_EQ_INT(scr_halt_parse_seconds("10m", &s), 0);
	CHECK_EQ_INT(s, 600);
	CHECK_EQ_INT(scr_halt_parse_seconds("0", &s), 0);
	CHECK_EQ_INT(s, 0);
	CHECK_EQ_INT(scr_halt_parse_seconds("-1", &s), -SCR_EINVAL);
	CHECK_EQ_INT(scr_halt_parse_seconds("1y", &s), -SCR_EINVAL);
	CHECK_EQ_INT(scr_halt_parse_seconds("", &s), -SCR_EINVAL);
	CHECK_EQ_INT(scr_halt_parse_seconds("99999999d", &s), -SCR_EINVAL);

	int64_t t;
	CHECK_EQ_INT(scr_halt_parse_slurm_time("2026-11-23T14:00:00\n", &t), 0);
	CHECK_EQ_INT(t, NOON + 7200);
	CHECK_EQ_INT(scr_halt_parse_slurm_time("  2026-11-23T14:00:00  \n", &t), 0);
	CHECK_EQ_INT(scr_halt_parse_slurm_time("N/A\n", &t), -SCR_EINVAL);
	CHECK_EQ_INT(scr_halt_parse_slurm_time("UNLIMITED", &t), -SCR_EINVAL);
	CHECK_EQ_INT(scr_halt_parse_slurm_time("", &t), -SCR_EINVAL);
	CHECK_EQ_INT(scr_halt_parse_slurm_time("2026-11-23 14:00:00", &t), -SCR_EINVAL);
	CHECK_EQ_INT(scr_halt_parse_slurm_time("2026-11-23T14:00:00\n2026-11-23T15:00:00\n", &t),
		     -SCR_EINVAL);

	char buf[64];
	scr_halt_format_time(NOON, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "2026-11-23 12:00:00 UTC");
	scr_halt_format_time(0, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "-");
}

/* squeue is asked through PATH: a stand-in script answers */
static void test_squeue(const char *dir)
{
	char *bin = scr_asprintf("%s/bin", dir);
	char *sq = scr_asprintf("%s/squeue", bin);
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	scr_mkdir_p(bin, 0755);
	setenv("PATH", bin, 1);
	int64_t end = 0;
	char *msg = NULL;
	CHECK(scr_halt_slurm_end_time("77", &end, &msg) != 0);   /* no squeue */
	CHECK(msg && strstr(msg, "squeue"));
	free(msg);

	const char *script = "#!/bin/sh\n[ \"$*\" = \"-h -j 77 -o %e\" ] || exit 9\n"
			     "echo 2026-11-23T14:00:00\n";
	CHECK_EQ_INT(scr_write_file_atomic(sq, script, strlen(script), 0644), 0);
	chmod(sq, 0755);
	CHECK_EQ_INT(scr_halt_slurm_end_time("77", &end, &msg), 0);
	CHECK_EQ_INT(end, NOON + 7200);
	CHECK(!msg);
	CHECK(scr_halt_slurm_end_time("78", &end, &msg) != 0);   /* exits 9 */
	CHECK(msg && strstr(msg, "status 9"));
	free(msg);
	CHECK(scr_halt_slurm_end_time("7 8", &end, &msg) != 0);
	free(msg);
	script = "#!/bin/sh\necho UNLIMITED\n";
	CHECK_EQ_INT(scr_write_file_atomic(sq, script, strlen(script), 0644), 0);
	chmod(sq, 0755);
	CHECK(scr_halt_slurm_end_time("77", &end, &msg) != 0);
	CHECK(msg && strstr(msg, "UNLIMITED"));
	free(msg);

	if (old)
		setenv("PATH", old, 1);
	free(old);
	scr_remove_tree(bin);
	free(sq);
	free(bin);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	char tmpl[] = "/tmp/scr-test-halt.XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		return 1;
	}
	test_record();
	test_files(dir);
	test_eval();
	test_times();
	test_squeue(dir);
	scr_remove_tree(dir);
	return check_done("test_halt");
}
