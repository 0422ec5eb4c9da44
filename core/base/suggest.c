/* Did-you-mean suggestions for unknown names (see suggest.h): kept apart
 * from the configuration that uses them, since they know nothing of it. */
#include "suggest.h"

#include "strbuf.h"

#include <string.h>

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Levenshtein distance, case-insensitive, for short strings (both < 64). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (lower(a[i - 1]) != lower(b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

void scr_suggest_try(struct suggest *sg, const char *cand)
{
	size_t lk = strlen(sg->key), lc = strlen(cand);
	if (lc >= 64 || lk > lc + 2 || lc > lk + 2)
		return;
	size_t d = edit_distance(sg->key, cand);
	if (d <= 2 && (!sg->best || d < sg->dist)) {
		sg->best = cand;
		sg->dist = d;
	}
}

void scr_sb_suggest(struct scr_strbuf *sb, const struct suggest *sg)
{
	if (sg->best)
		scr_strbuf_addf(sb, " (did you mean %s?)", sg->best);
}
