/*
 * Unit tests of cmds/lib/hostlist.c: SLURM hostlist parsing (padding, products,
 * duplicates, every syntax error with its position), compression to the
 * short form, set operations, and round trips expand(compress(x)) ==
 * sort(unique(x)) on random sets with a fixed seed.
 */
#define _GNU_SOURCE
#include "check.h"

#include "hostlist.h"
#include "scr_err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

/* The expansion of text joined with ',' (malloc'd), or NULL on error. */
static char *expand(const char *text)
{
	struct scr_hostlist h;
	struct scr_hostlist_error err;
	char *out = NULL;
	scr_hostlist_init(&h);
	if (scr_hostlist_parse(&h, text, &err) == 0)
		scr_hostlist_join(&h, ",", &out);
	else
		fprintf(stderr, "parse '%s': %s\n", text, err.msg);
	scr_hostlist_release(&h);
	return out;
}

static void check_expand(const char *text, const char *want)
{
	char *got = expand(text);
	CHECK_EQ_STR(got, want);
	free(got);
}

static char *compress(const char *text)
{
	struct scr_hostlist h;
	char *out = NULL;
	scr_hostlist_init(&h);
	if (scr_hostlist_parse(&h, text, NULL) == 0)
		scr_hostlist_compress(&h, &out);
	scr_hostlist_release(&h);
	return out;
}

static void check_compress(const char *text, const char *want)
{
	char *got = compress(text);
	CHECK_EQ_STR(got, want);
	/* and the short form expands to the same hosts, sorted */
	char *again = got ? compress(got) : NULL;
	CHECK_EQ_STR(again, want);
	free(again);
	free(got);
}

/* A bad text: -SCR_EINVAL, the position, a message with want in it, and
 * the list it was parsed into unchanged. */
static void check_error(const char *text, size_t pos, const char *want)
{
	struct scr_hostlist h;
	struct scr_hostlist_error err;
	scr_hostlist_init(&h);
	CHECK_EQ_INT(scr_hostlist_parse(&h, "keep1,keep[2-3]", NULL), 0);
	int rc = scr_hostlist_parse(&h, text, &err);
	CHECK_EQ_INT(rc, -SCR_EINVAL);
	CHECK_EQ_INT(err.pos, pos);
	if (!strstr(err.msg, want)) {
		check_failed++;
		fprintf(stderr, "%s:%d: error for '%.40s' is '%s', lacks '%s'\n",
			__FILE__, __LINE__, text, err.msg, want);
	}
	check_count++;
	char *left = NULL;
	CHECK_EQ_INT(scr_hostlist_join(&h, ",", &left), 0);
	CHECK_EQ_STR(left, "keep1,keep2,keep3");
	CHECK(scr_hostlist_find(&h, "keep2") == 1);
	CHECK(scr_hostlist_find(&h, "n1") == -1);
	free(left);
	/* still usable after the failure */
	CHECK_EQ_INT(scr_hostlist_parse(&h, "keep4,keep1", NULL), 0);
	CHECK_EQ_INT(scr_hostlist_count(&h), 4);
	scr_hostlist_release(&h);
}

/* ---- parsing ---- */

static void test_expand(void)
{
	check_expand("n[1-4,7],gpu01,rack[1-2]-n[01-03]",
		     "n1,n2,n3,n4,n7,gpu01,rack1-n01,rack1-n02,rack1-n03,"
		     "rack2-n01,rack2-n02,rack2-n03");
	check_expand("n1", "n1");
	check_expand("", "");
	check_expand("  \n\t ", "");
	check_expand("login", "login");
	check_expand("n[7]", "n7");
	check_expand("n[07]", "n07");
	check_expand("[1-3]", "1,2,3");
	check_expand("n[1-3]-ib", "n1-ib,n2-ib,n3-ib");
	check_expand("a.b_c-d[1-2].e", "a.b_c-d1.e,a.b_c-d2.e");

	/* padding: the width of the first number as written */
	check_expand("n[01-10]", "n01,n02,n03,n04,n05,n06,n07,n08,n09,n10");
	check_expand("n[1-10]", "n1,n2,n3,n4,n5,n6,n7,n8,n9,n10");
	check_expand("n[001-003]", "n001,n002,n003");
	check_expand("n[098-101]", "n098,n099,n100,n101");
	check_expand("n[9-11]", "n9,n10,n11");
	check_expand("n[1-3,05-06]", "n1,n2,n3,n05,n06");
	check_expand("n[0-2]", "n0,n1,n2");
	check_expand("n[00-01]", "n00,n01");

	/* several brackets: a cartesian product, the first varying slowest */
	check_expand("rack[1-2]-n[01-02]", "rack1-n01,rack1-n02,rack2-n01,rack2-n02");
	check_expand("a[1-2]b[1-2]c[1,3]",
		     "a1b1c1,a1b1c3,a1b2c1,a1b2c3,a2b1c1,a2b1c3,a2b2c1,a2b2c3");
	check_expand("[1-2][3-4]", "13,14,23,24");
	check_expand("x[1,3]y", "x1y,x3y");

	/* duplicates dropped, first order kept */
	check_expand("n1,n[1-3],n2,n1", "n1,n2,n3");
	check_expand("n[3-5],n[1-3]", "n3,n4,n5,n1,n2");
	check_expand("n[1-2,2-3,1]", "n1,n2,n3");
	check_expand("n3,n1,n2", "n3,n1,n2");
	check_expand("a[1-2]b1,a1b[1-2]", "a1b1,a2b1,a1b2");

	/* separators: commas, whitespace, newlines, spaces around commas */
	check_expand("n1 n2\nn3\tn4", "n1,n2,n3,n4");
	check_expand("n1 , n2 ,n3, n4", "n1,n2,n3,n4");
	check_expand("\n n[1-2]\n\nn3\n", "n1,n2,n3");
	check_expand("n1\r\nn2\r\n", "n1,n2");
}

static void test_big(void)
{
	struct scr_hostlist h;
	struct scr_hostlist_error err;
	scr_hostlist_init(&h);
	CHECK_EQ_INT(scr_hostlist_parse(&h, "n[1-1000000]", &err), 0);
	CHECK_EQ_INT(scr_hostlist_count(&h), 1000000);
	CHECK_EQ_STR(scr_hostlist_nth(&h, 0), "n1");
	CHECK_EQ_STR(scr_hostlist_nth(&h, 999999), "n1000000");
	CHECK(scr_hostlist_nth(&h, 1000000) == NULL);
	CHECK_EQ_INT(scr_hostlist_find(&h, "n765432"), 765431);
	/* duplicates of a full list do not count against the limit */
	CHECK_EQ_INT(scr_hostlist_parse(&h, "n[1-1000000]", &err), 0);
	CHECK_EQ_INT(scr_hostlist_count(&h), 1000000);
	char *c = NULL;
	CHECK_EQ_INT(scr_hostlist_compress(&h, &c), 0);
	CHECK_EQ_STR(c, "n[1-1000000]");
	free(c);
	scr_hostlist_release(&h);

	/* a list of a million names made of many entries */
	scr_hostlist_init(&h);
	CHECK_EQ_INT(scr_hostlist_parse(&h, "a[1-500000],b[000001-500000]", &err), 0);
	CHECK_EQ_INT(scr_hostlist_count(&h), 1000000);
	CHECK_EQ_STR(scr_hostlist_nth(&h, 500000), "b000001");
	scr_hostlist_release(&h);
	/* the limit is on what one parse adds */
	CHECK_EQ_INT(scr_hostlist_parse(&h, "c0 a[1-500000],b[000001-500000],c1", &err),
		     -SCR_EINVAL);
	CHECK(strstr(err.msg, "the list makes more than 1000000 hosts") != NULL);
	CHECK_EQ_INT(err.pos, 16);   /* the entry that crossed the limit */
	CHECK_EQ_INT(scr_hostlist_count(&h), 0);
	CHECK_EQ_INT(scr_hostlist_find(&h, "c0"), -1);
	CHECK_EQ_INT(scr_hostlist_parse(&h, "c0", &err), 0);
	CHECK_EQ_INT(scr_hostlist_find(&h, "c0"), 0);
	scr_hostlist_release(&h);
}

static void test_errors(void)
{
	/* unbalanced brackets */
	check_error("n[1-4", 2, "unbalanced brackets: no ']' closes the '[' at position 2");
	check_error("n[1-4,", 2, "no ']' closes");
	check_error("n[1-", 2, "no ']' closes");
	check_error("n[", 2, "no ']' closes");
	check_error("n1,m[2", 5, "no ']' closes the '[' at position 5");
	check_error("n1-4]", 5, "']' at position 5 has no '['");
	check_error("n[1]]", 5, "']' at position 5 has no '['");
	check_error("]", 1, "no '['");
	check_error("n[1[2]]", 4, "brackets do not nest");
	/* reversed and absurd ranges */
	check_error("n[5-1]", 3, "reversed range '5-1' at position 3");
	check_error("n[1,10-09]", 5, "reversed range '10-09'");
	check_error("n[1-1000001]", 3, "range '1-1000001' at position 3 makes more than "
		    "1000000 hosts");
	check_error("n[0-999999999999999999]", 3, "more than 1000000 hosts");
	check_error("n[1-600000,1-600000]", 12, "more than 1000000 hosts");
	check_error("n[1-1000][1-1001]", 1, "'n[1-1000][1-1001]' at position 1 makes "
		    "more than 1000000 hosts");
	check_error("ok,x[1-10][1-10][1-10][1-10][1-10][1-10][1-10]", 4, "more than");
	check_error("n[1234567890123456789]", 3, "more than 18 digits");
	check_error("n[1-1234567890123456789]", 5, "more than 18 digits");
	/* empty names and ranges */
	check_error("n1,,n2", 4, "empty host name before the ',' at position 4");
	check_error(",n1", 1, "empty host name before the ',' at position 1");
	check_error("n1,", 3, "empty host name after the ',' at position 3");
	check_error("n1, ,n2", 5, "empty host name");
	check_error(",", 1, "empty host name");
	check_error("n[]", 3, "empty range at position 3");
	check_error("n[1,,2]", 5, "empty range at position 5");
	check_error("n[1,]", 5, "empty range");
	check_error("n[-2]", 3, "range at position 3 has no first number");
	check_error("n[1-]", 3, "range at position 3 has no last number");
	check_error("n[1-2-3]", 3, "range '1-2-' at position 3 has more than two numbers");
	/* what has no place there */
	check_error("n[1-a]", 5, "'a' at position 5 in a range: ranges hold only digits");
	check_error("n[a]", 3, "'a' at position 3 in a range");
	check_error("n[1 2]", 4, "a space at position 4 in a range");
	check_error("n[1\t2]", 4, "a tab at position 4 in a range");
	check_error("n[1-2 n3", 2, "no ']' closes the '[' at position 2");
	check_error("n1\nn[2\n", 5, "no ']' closes the '[' at position 5");
	check_error("n[1-3x]", 6, "'x' at position 6 in a range");
	check_error("n@1", 2, "'@' at position 2: host names hold only letters");
	check_error("n1;rm", 3, "';' at position 3");
	check_error("n1/x", 3, "'/' at position 3");
	check_error("n\001", 2, "byte 0x01 at position 2");
	check_error("n\xc3\xa9", 2, "byte 0xc3 at position 2");

	/* err may be NULL; the text may not */
	struct scr_hostlist h;
	scr_hostlist_init(&h);
	CHECK_EQ_INT(scr_hostlist_parse(&h, "n[", NULL), -SCR_EINVAL);
	CHECK_EQ_INT(scr_hostlist_parse(&h, NULL, NULL), -SCR_EINVAL);
	CHECK_EQ_INT(scr_hostlist_count(&h), 0);
	scr_hostlist_release(&h);
}

/* ---- single hosts, lookups, set operations ---- */

static void test_list_ops(void)
{
	struct scr_hostlist a, b, out;
	char *s = NULL;
	scr_hostlist_init(&a);
	CHECK_EQ_INT(scr_hostlist_count(&a), 0);
	CHECK(scr_hostlist_nth(&a, 0) == NULL);
	CHECK_EQ_INT(scr_hostlist_find(&a, "n1"), -1);
	CHECK_EQ_INT(scr_hostlist_compress(&a, &s), 0);
	CHECK_EQ_STR(s, "");
	free(s);
	CHECK_EQ_INT(scr_hostlist_join(&a, ",", &s), 0);
	CHECK_EQ_STR(s, "");
	free(s);

	CHECK_EQ_INT(scr_hostlist_push(&a, "n2"), 1);
	CHECK_EQ_INT(scr_hostlist_push(&a, "n1"), 1);
	CHECK_EQ_INT(scr_hostlist_push(&a, "n2"), 0);
	CHECK_EQ_INT(scr_hostlist_push(&a, ""), -SCR_EINVAL);
	CHECK_EQ_INT(scr_hostlist_push(&a, NULL), -SCR_EINVAL);
	CHECK_EQ_INT(scr_hostlist_push(&a, "n[1-2]"), -SCR_EINVAL);
	CHECK_EQ_INT(scr_hostlist_push(&a, "n 1"), -SCR_EINVAL);
	CHECK_EQ_INT(scr_hostlist_push(&a, "n,1"), -SCR_EINVAL);
	CHECK_EQ_INT(scr_hostlist_count(&a), 2);
	CHECK_EQ_STR(scr_hostlist_nth(&a, 0), "n2");
	CHECK_EQ_STR(scr_hostlist_nth(&a, 1), "n1");
	CHECK_EQ_INT(scr_hostlist_find(&a, "n1"), 1);
	CHECK_EQ_INT(scr_hostlist_find(&a, NULL), -1);
	CHECK_EQ_INT(scr_hostlist_join(&a, " ", &s), 0);
	CHECK_EQ_STR(s, "n2 n1");
	free(s);
	scr_hostlist_release(&a);
	CHECK_EQ_INT(scr_hostlist_count(&a), 0);
	scr_hostlist_release(&a);   /* twice is fine */

	/* minus and intersection keep a's order */
	scr_hostlist_init(&a);
	scr_hostlist_init(&b);
	CHECK_EQ_INT(scr_hostlist_parse(&a, "n[10-1]", NULL), -SCR_EINVAL);
	CHECK_EQ_INT(scr_hostlist_parse(&a, "n10,n[1-9]", NULL), 0);
	CHECK_EQ_INT(scr_hostlist_parse(&b, "n[3-5],n20,n10", NULL), 0);
	CHECK_EQ_INT(scr_hostlist_minus(&out, &a, &b), 0);
	CHECK_EQ_INT(scr_hostlist_join(&out, ",", &s), 0);
	CHECK_EQ_STR(s, "n1,n2,n6,n7,n8,n9");
	free(s);
	CHECK_EQ_INT(scr_hostlist_compress(&out, &s), 0);
	CHECK_EQ_STR(s, "n[1-2,6-9]");
	free(s);
	CHECK_EQ_INT(scr_hostlist_find(&out, "n6"), 2);
	scr_hostlist_release(&out);
	CHECK_EQ_INT(scr_hostlist_intersection(&out, &a, &b), 0);
	CHECK_EQ_INT(scr_hostlist_join(&out, ",", &s), 0);
	CHECK_EQ_STR(s, "n10,n3,n4,n5");
	free(s);
	scr_hostlist_release(&out);
	CHECK_EQ_INT(scr_hostlist_intersection(&out, &b, &a), 0);
	CHECK_EQ_INT(scr_hostlist_join(&out, ",", &s), 0);
	CHECK_EQ_STR(s, "n3,n4,n5,n10");
	free(s);
	scr_hostlist_release(&out);
	/* empty results and empty operands */
	CHECK_EQ_INT(scr_hostlist_minus(&out, &a, &a), 0);
	CHECK_EQ_INT(scr_hostlist_count(&out), 0);
	scr_hostlist_release(&out);
	scr_hostlist_release(&b);
	CHECK_EQ_INT(scr_hostlist_intersection(&out, &a, &b), 0);
	CHECK_EQ_INT(scr_hostlist_count(&out), 0);
	scr_hostlist_release(&out);
	CHECK_EQ_INT(scr_hostlist_minus(&out, &a, &b), 0);
	CHECK_EQ_INT(scr_hostlist_count(&out), 10);
	scr_hostlist_release(&out);
	CHECK_EQ_INT(scr_hostlist_minus(&out, &b, &a), 0);
	CHECK_EQ_INT(scr_hostlist_count(&out), 0);
	scr_hostlist_release(&out);
	scr_hostlist_release(&a);

	/* sort: the canonical order */
	scr_hostlist_init(&a);
	CHECK_EQ_INT(scr_hostlist_parse(&a, "rack10-n1,n10,login,n2,rack2-n1,n02,n1,x,n", NULL), 0);
	CHECK_EQ_INT(scr_hostlist_sort(&a), 0);
	CHECK_EQ_INT(scr_hostlist_join(&a, ",", &s), 0);
	CHECK_EQ_STR(s, "login,n,n1,n2,n02,n10,rack2-n1,rack10-n1,x");
	free(s);
	CHECK_EQ_INT(scr_hostlist_find(&a, "n10"), 5);
	CHECK_EQ_INT(scr_hostlist_find(&a, "x"), 8);
	scr_hostlist_release(&a);
}

/* ---- compression ---- */

static void test_compress(void)
{
	check_compress("n1,n2,n3,n5", "n[1-3,5]");
	check_compress("n5,n3,n1,n2", "n[1-3,5]");
	check_compress("n[1-4,7],gpu01,rack[1-2]-n[01-03]",
		       "gpu01,n[1-4,7],rack1-n[01-03],rack2-n[01-03]");
	check_compress("gpu01", "gpu01");
	check_compress("n1", "n1");
	check_compress("", "");
	check_compress("n1,n2", "n[1-2]");
	check_compress("n1,n3", "n[1,3]");
	check_compress("n01,n02,n03", "n[01-03]");
	check_compress("n9,n10,n11", "n[9-11]");
	check_compress("n09,n10,n11", "n[09-11]");
	check_compress("n08,n09,n10,n12", "n[08-10,12]");
	check_compress("n098,n099,n100,n101,n1000", "n[1000,098-101]");
	check_compress("n[098-1000]", "n[098-1000]");
	check_compress("n[098-999],n[1001-1002]", "n[1001-1002,098-999]");
	check_compress("n[001-106,108-116,118-300]", "n[001-106,108-116,118-300]");
	check_compress("n[001-003],n[100-102],n[1000-1001]", "n[1000-1001,001-003,100-102]");
	check_compress("n[0998-1001]", "n[0998-1001]");
	check_compress("n9,n01,n10", "n[9,01,10]");
	check_compress("n10,n11", "n[10-11]");
	check_compress("n1,n01", "n[1,01]");
	check_compress("n0,n1,n00", "n[0-1,00]");
	check_compress("n007,n08,n9", "n[9,08,007]");
	check_compress("n2,n10,n1", "n[1-2,10]");
	check_compress("n1-ib,n2-ib,n3-ib,n1", "n1,n[1-3]-ib");
	check_compress("login,n1,n2", "login,n[1-2]");
	check_compress("c,a,b", "a,b,c");
	check_compress("rack10-n1,rack2-n1,rack2-n2", "rack2-n[1-2],rack10-n1");
	check_compress("a1b1,a1b2,a2b1,a2b2", "a1b[1-2],a2b[1-2]");
	check_compress("n[1-3]x,n[1-3]y", "n[1-3]x,n[1-3]y");
	check_compress("1,2,3,10", "[1-3,10]");
	check_compress("n-1,n-2", "n-[1-2]");
	/* a run of digits too long for a number is a plain name */
	check_compress("n1234567890123456789,n1234567890123456790",
		       "n1234567890123456789,n1234567890123456790");
	check_compress("n123456789012345678,n123456789012345679", "n[123456789012345678-123456789012345679]");
}

/* ---- round trips on random sets ---- */

static const char *const prefixes[] = { "n", "gpu", "rack1-n", "rack12-n", "a.b_", "" };
static const char *const suffixes[] = { "", "-ib", "x" };

static char *random_name(void)
{
	char buf[64];
	int kind = rand() % 20;
	if (kind == 0) {   /* no number */
		static const char *const plain[] = { "login", "head", "n", "mgmt-a" };
		return strdup(plain[rand() % 4]);
	}
	const char *p = prefixes[rand() % 6];
	const char *s = suffixes[rand() % 10 < 8 ? 0 : 1 + rand() % 2];
	unsigned v = (unsigned)(rand() % 150);
	int width = rand() % 6 == 0 ? 2 + rand() % 2 : 1;
	if (!*p && !*s)
		p = "n";
	snprintf(buf, sizeof(buf), "%s%0*u%s", p, width, v, s);
	return strdup(buf);
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

static void test_round_trip(void)
{
	srand(20240607);
	int bad_set = 0, bad_order = 0, bad_stable = 0, bad_len = 0, bad_ref = 0;
	for (int iter = 0; iter < 300; iter++) {
		struct scr_hostlist x, y, sorted, shuffled;
		scr_hostlist_init(&x);
		scr_hostlist_init(&shuffled);
		int n = 1 + rand() % (iter < 200 ? 40 : 400);
		char **names = malloc((size_t)n * sizeof(*names));
		for (int i = 0; i < n; i++) {
			names[i] = random_name();
			CHECK(scr_hostlist_push(&x, names[i]) >= 0);
		}
		/* the same names in another order, with duplicates */
		for (int i = n - 1; i >= 0; i--)
			scr_hostlist_push(&shuffled, names[(i * 7 + 3) % n]);
		for (int i = 0; i < n; i++)
			scr_hostlist_push(&shuffled, names[i]);

		char *c = NULL, *c2 = NULL, *j = NULL, *js = NULL;
		CHECK_EQ_INT(scr_hostlist_compress(&x, &c), 0);
		scr_hostlist_init(&y);
		struct scr_hostlist_error err;
		int rc = scr_hostlist_parse(&y, c, &err);
		CHECK_EQ_INT(rc, 0);
		if (rc)
			fprintf(stderr, "compressed '%s' does not parse: %s\n", c, err.msg);

		/* the same set */
		bad_set += scr_hostlist_count(&y) != scr_hostlist_count(&x);
		for (size_t i = 0; i < x.n; i++)
			bad_set += scr_hostlist_find(&y, x.hosts[i]) < 0;

		/* in the canonical order */
		scr_hostlist_init(&sorted);
		for (size_t i = 0; i < x.n; i++)
			scr_hostlist_push(&sorted, x.hosts[i]);
		CHECK_EQ_INT(scr_hostlist_sort(&sorted), 0);
		scr_hostlist_join(&sorted, ",", &js);
		scr_hostlist_join(&y, ",", &j);
		if (strcmp(j, js)) {
			bad_order++;
			fprintf(stderr, "expand(compress) '%s'\n       sorted '%s'\n", j, js);
		}
		/* sort kept the hash in step with the new order */
		for (size_t i = 0; i < sorted.n; i++)
			bad_order += scr_hostlist_find(&sorted, sorted.hosts[i]) != (ssize_t)i;

		/* independent of the order of the input, and idempotent */
		CHECK_EQ_INT(scr_hostlist_compress(&shuffled, &c2), 0);
		bad_stable += strcmp(c, c2) != 0;
		free(c2);
		CHECK_EQ_INT(scr_hostlist_compress(&y, &c2), 0);
		bad_stable += strcmp(c, c2) != 0;
		free(c2);

		/* never longer than the plain list but for the brackets (a group
		 * of lone numbers, n[1,3], is longer than n1,n3) */
		free(j);
		scr_hostlist_join(&x, ",", &j);
		size_t brackets = 0;
		for (const char *p = c; *p; p++)
			brackets += *p == '[' || *p == ']';
		bad_len += strlen(c) > strlen(j) + brackets;

		free(c);
		free(j);
		free(js);
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
		scr_hostlist_release(&x);
		scr_hostlist_release(&y);
		scr_hostlist_release(&sorted);
		scr_hostlist_release(&shuffled);
	}
	CHECK_EQ_INT(bad_set, 0);
	CHECK_EQ_INT(bad_order, 0);
	CHECK_EQ_INT(bad_stable, 0);
	CHECK_EQ_INT(bad_len, 0);

	/* against a reference: one prefix, no padding, numbers sorted by a
	 * plain qsort, ranges counted by hand */
	for (int iter = 0; iter < 200; iter++) {
		int n = 1 + rand() % 100;
		unsigned *v = malloc((size_t)n * sizeof(*v));
		struct scr_hostlist x, y;
		scr_hostlist_init(&x);
		scr_hostlist_init(&y);
		for (int i = 0; i < n; i++) {
			char buf[32];
			v[i] = (unsigned)(rand() % 300);
			snprintf(buf, sizeof(buf), "node%u", v[i]);
			scr_hostlist_push(&x, buf);
		}
		qsort(v, (size_t)n, sizeof(*v), cmp_uint);
		int u = 0, ranges = 0;
		for (int i = 0; i < n; i++) {
			if (u > 0 && v[u - 1] == v[i])
				continue;
			if (u == 0 || v[i] != v[u - 1] + 1)
				ranges++;
			v[u++] = v[i];
		}
		char *c = NULL;
		scr_hostlist_compress(&x, &c);
		scr_hostlist_parse(&y, c, NULL);
		bad_ref += (int)y.n != u;
		for (int i = 0; i < u && i < (int)y.n; i++) {
			char buf[32];
			snprintf(buf, sizeof(buf), "node%u", v[i]);
			bad_ref += strcmp(y.hosts[i], buf) != 0;
		}
		int commas = 0;
		for (char *p = c; *p; p++)
			commas += *p == ',';
		bad_ref += commas != ranges - 1;
		bad_ref += (u == 1) != (strchr(c, '[') == NULL);
		free(c);
		free(v);
		scr_hostlist_release(&x);
		scr_hostlist_release(&y);
	}
	CHECK_EQ_INT(bad_ref, 0);
}

int main(void)
{
	test_expand();
	test_big();
	test_errors();
	test_list_ops();
	test_compress();
	test_round_trip();
	return check_done("test_hostlist");
}
