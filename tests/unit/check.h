/*
 * Minimal unit-test support: CHECK records a failure with its location and
 * goes on; check_done() prints a summary and gives the exit status.
 */
#ifndef SCR_TEST_CHECK_H
#define SCR_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_count, check_failed;

#define CHECK(cond)                                                         \
	do {                                                                \
		check_count++;                                              \
		if (!(cond)) {                                              \
			check_failed++;                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n",        \
				__FILE__, __LINE__, #cond);                 \
		}                                                           \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                  \
	do {                                                                \
		long long va_ = (long long)(a), vb_ = (long long)(b);       \
		check_count++;                                              \
		if (va_ != vb_) {                                           \
			check_failed++;                                     \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", \
				__FILE__, __LINE__, #a, va_, vb_);          \
		}                                                           \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                  \
	do {                                                                \
		const char *sa_ = (a), *sb_ = (b);                          \
		check_count++;                                              \
		if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                \
			check_failed++;                                     \
			fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", \
				__FILE__, __LINE__, #a, sa_ ? sa_ : "(null)", \
				sb_ ? sb_ : "(null)");                      \
		}                                                           \
	} while (0)

static inline int check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failed);
	return check_failed ? 1 : 0;
}

#endif
