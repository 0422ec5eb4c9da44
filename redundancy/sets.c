#include "sets.h"

#include "scr_err.h"

#include <stdlib.h>
#include <string.h>

struct named {
	const char *name;
	int rank;
};

static int by_name_then_rank(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->rank > y->rank) - (x->rank < y->rank);
}

int scr_red_group_ids(int nranks, const char *const *groups, int *ids)
{
	struct named *v = malloc((size_t)(nranks ? nranks : 1) * sizeof(*v));
	int *first = malloc((size_t)(nranks ? nranks : 1) * sizeof(*first));
	if (!v || !first) {
		free(v);
		free(first);
		return -SCR_ENOMEM;
	}
	for (int r = 0; r < nranks; r++)
		v[r] = (struct named){ groups[r], r };
	qsort(v, (size_t)nranks, sizeof(*v), by_name_then_rank);
	/* first[r]: the lowest rank of r's group */
	for (int i = 0, lead = 0; i < nranks; i++) {
		if (i == 0 || strcmp(v[i].name, v[i - 1].name))
			lead = v[i].rank;
		first[v[i].rank] = lead;
	}
	/* number groups by their lowest rank: ranks in order meet them in order */
	int next = 0;
	for (int r = 0; r < nranks; r++)
		ids[r] = first[r] == r ? next++ : ids[first[r]];
	free(v);
	free(first);
	return 0;
}

struct set {
	int n, cap;
	int *rank;
};

static int set_has_group(const struct set *s, const int *group_ids, int g)
{
	for (int i = 0; i < s->n; i++)
		if (group_ids[s->rank[i]] == g)
			return 1;
	return 0;
}

static int set_add(struct set *s, int rank)
{
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 8;
		int *p = realloc(s->rank, (size_t)cap * sizeof(int));
		if (!p)
			return -1;
		s->rank = p;
		s->cap = cap;
	}
	s->rank[s->n++] = rank;
	return 0;
}

struct ordered {
	int local, group, rank;
};

static int by_local_then_group(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;
	if (x->local != y->local)
		return x->local < y->local ? -1 : 1;
	return (x->group > y->group) - (x->group < y->group);
}

int scr_red_build_sets(int nranks, const int *group_ids, int set_size, int *set_of,
		       int *pos_of)
{
	int rc = -SCR_ENOMEM, nsets = 0, first_open = 0;
	struct ordered *order = malloc((size_t)(nranks ? nranks : 1) * sizeof(*order));
	int *seen = calloc((size_t)(nranks ? nranks : 1), sizeof(int));
	struct set *sets = calloc((size_t)(nranks ? nranks : 1), sizeof(*sets));
	if (!order || !seen || !sets)
		goto out;
	for (int r = 0; r < nranks; r++)
		order[r] = (struct ordered){ seen[group_ids[r]]++, group_ids[r], r };
	qsort(order, (size_t)nranks, sizeof(*order), by_local_then_group);

	for (int i = 0; i < nranks; i++) {
		int g = order[i].group, s = first_open;
		while (s < nsets && ((set_size > 0 && sets[s].n >= set_size) ||
				     set_has_group(&sets[s], group_ids, g)))
			s++;
		if (s == nsets)
			nsets++;
		if (set_add(&sets[s], order[i].rank))
			goto out;
		while (first_open < nsets && set_size > 0 && sets[first_open].n >= set_size)
			first_open++;
	}
	/* a set of one protects nothing: its rank joins another set */
	for (int s = 0; s < nsets; s++) {
		if (sets[s].n != 1)
			continue;
		int r = sets[s].rank[0], t;
		for (t = 0; t < nsets; t++)
			if (t != s && sets[t].n > 1 && !set_has_group(&sets[t], group_ids, group_ids[r]))
				break;
		if (t == nsets) {
			/* every set holds r's group: take a rank of another group
			 * from a set that can spare one (only this group is ever
			 * left over, so its ranks are no more than half) */
			for (t = 0; t < nsets; t++)
				if (t != s && sets[t].n > 2)
					break;
			if (t == nsets) {
				rc = -SCR_ECONFIG;
				goto out;
			}
			int p = sets[t].n - 1;
			while (group_ids[sets[t].rank[p]] == group_ids[r])
				p--;
			int x = sets[t].rank[p];
			memmove(&sets[t].rank[p], &sets[t].rank[p + 1],
				(size_t)(sets[t].n - p - 1) * sizeof(int));
			sets[t].n--;
			if (set_add(&sets[s], x))
				goto out;
			continue;
		}
		if (set_add(&sets[t], r))
			goto out;
		sets[s].n = 0;
	}
	int out_sets = 0;
	for (int s = 0; s < nsets; s++) {
		if (sets[s].n == 0)
			continue;
		for (int p = 0; p < sets[s].n; p++) {
			set_of[sets[s].rank[p]] = out_sets;
			pos_of[sets[s].rank[p]] = p;
		}
		out_sets++;
	}
	rc = out_sets;
out:
	for (int s = 0; sets && s < nsets; s++)
		free(sets[s].rank);
	free(sets);
	free(order);
	free(seen);
	return rc;
}
