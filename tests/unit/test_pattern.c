/* SCR_CHECKPOINT_PATTERN parsing and matching. */
#include "check.h"

#include "pattern.h"

#include <stdlib.h>

static int matches(const char *pat, const char *path)
{
	char *msg = NULL;
	struct scr_pattern *p = scr_pattern_compile(pat, &msg);
	if (!p) {
		fprintf(stderr, "unexpected error: %s\n", msg);
		free(msg);
		return -1;
	}
	int m = scr_pattern_match(p, path);
	scr_pattern_free(p);
	return m;
}

static void bad(const char *pat, const char *needle)
{
	char *msg = NULL;
	struct scr_pattern *p = scr_pattern_compile(pat, &msg);
	CHECK(p == NULL);
	CHECK(msg != NULL && strstr(msg, needle) != NULL);
	if (msg && !strstr(msg, needle))
		fprintf(stderr, "message was: %s\n", msg);
	free(msg);
	scr_pattern_free(p);
}

int main(void)
{
	/* unanchored: anywhere in the path */
	CHECK_EQ_INT(matches("step\\.[0-9]+/rank_[0-9]+\\.ckpt$", "/any/dir/step.10/rank_3.ckpt"), 1);
	CHECK_EQ_INT(matches("step\\.[0-9]+/rank_[0-9]+\\.ckpt$", "/any/dir/step.10/rank_3.ckpt.tmp"), 0);
	CHECK_EQ_INT(matches("ckpt/.*\\.dat$", "/home/u/run/ckpt/a.dat"), 1);
	CHECK_EQ_INT(matches("ckpt/.*\\.dat$", "/home/u/run/out/a.dat"), 0);
	/* anchored */
	CHECK_EQ_INT(matches("^/scratch/", "/scratch/x"), 1);
	CHECK_EQ_INT(matches("^/scratch/", "/home/scratch/x"), 0);
	/* several expressions, and ';' inside a bracket stays literal */
	CHECK_EQ_INT(matches("\\.ckpt$;\\.chk$", "/a/b.chk"), 1);
	CHECK_EQ_INT(matches("\\.ckpt$;\\.chk$", "/a/b.ckpt"), 1);
	CHECK_EQ_INT(matches("\\.ckpt$;\\.chk$", "/a/b.dat"), 0);
	CHECK_EQ_INT(matches("a[;]b", "/x/a;b"), 1);
	CHECK_EQ_INT(matches("a[^;]b", "/x/a;b"), 0);
	CHECK_EQ_INT(matches(";;\\.ckpt$;", "/a.ckpt"), 1);   /* empty pieces ignored */
	/* POSIX classes with ':' work */
	CHECK_EQ_INT(matches("rank_[[:digit:]]+$", "/r/rank_12"), 1);

	bad("ckpt/(", "ckpt/(");
	bad("[unclosed", "[unclosed");
	bad("ok$;*bad", "*bad");
	bad("", "no expression");
	bad(";;", "no expression");
	bad(NULL, "out of memory");
	return check_done("test_pattern");
}
