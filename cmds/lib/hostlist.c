/*
 * hostlist.c: SLURM hostlists (see hostlist.h for the syntax).
 *
 * The list keeps its names in an array (insertion order) and a hash set of
 * indices beside it, so parsing a million hosts with duplicates, minus and
 * intersection stay linear.
 *
 * Compression splits every name at its last run of digits into prefix,
 * number and suffix; names with the same prefix and suffix share a bracket.
 * A number written with a leading zero ("07") has a fixed width, and only
 * ranges of that width can hold it; a number without one ("7", "10") fits
 * any width up to its own length. Such a number takes the width of the
 * padded numbers of its group when it has as many digits (n09,n10,n11
 * becomes n[09-11], node001...node300 node[001-300]) or continues their
 * range past 10^W-1 (n098...n1000 becomes n[098-1000]); otherwise the
 * natural width 1. Within a bracket, ranges are ordered by width, then
 * number; that order is the canonical one of scr_hostlist_sort, so
 * expanding a compressed list gives the sorted list.
 */
#define _GNU_SOURCE
#include "hostlist.h"

#include "scr_err.h"
#include "strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIGITS 18   /* every number of 18 digits fits in a uint64_t */

/* ---- the list and its hash set ---- */

void scr_hostlist_init(struct scr_hostlist *h)
{
	memset(h, 0, sizeof(*h));
}

void scr_hostlist_release(struct scr_hostlist *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->hosts[i]);
	free(h->hosts);
	free(h->slots);
	memset(h, 0, sizeof(*h));
}

static uint64_t hash_name(const char *s)
{
	uint64_t x = 14695981039346656037ull;   /* FNV-1a */
	for (; *s; s++) {
		x ^= (unsigned char)*s;
		x *= 1099511628211ull;
	}
	return x;
}

/* The slot holding name, or the empty slot where it would go. */
static size_t slot_of(const struct scr_hostlist *h, const char *name)
{
	size_t mask = h->nslots - 1;
	size_t s = (size_t)hash_name(name) & mask;
	while (h->slots[s] && strcmp(h->hosts[h->slots[s] - 1], name))
		s = (s + 1) & mask;
	return s;
}

/* Rebuild the hash set for the first h->n names with nslots slots. */
static int rehash(struct scr_hostlist *h, size_t nslots)
{
	size_t *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return -SCR_ENOMEM;
	free(h->slots);
	h->slots = slots;
	h->nslots = nslots;
	for (size_t i = 0; i < h->n; i++)
		h->slots[slot_of(h, h->hosts[i])] = i + 1;
	return 0;
}

ssize_t scr_hostlist_find(const struct scr_hostlist *h, const char *name)
{
	if (!h->nslots || !name)
		return -1;
	size_t s = slot_of(h, name);
	return h->slots[s] ? (ssize_t)(h->slots[s] - 1) : -1;
}

/* Append a name known to be absent; takes ownership of it (freed on
 * failure). The hash set stays at most half full. */
static int append_owned(struct scr_hostlist *h, char *name)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		char **a = realloc(h->hosts, cap * sizeof(*a));
		if (!a) {
			free(name);
			return -SCR_ENOMEM;
		}
		h->hosts = a;
		h->cap = cap;
	}
	if ((h->n + 1) * 2 > h->nslots) {
		int rc = rehash(h, h->nslots ? h->nslots * 2 : 32);
		if (rc) {
			free(name);
			return rc;
		}
	}
	h->hosts[h->n++] = name;
	h->slots[slot_of(h, name)] = h->n;
	return 0;
}

/* Add a name (copied) unless present: 1 added, 0 present, or an error. */
static int add_copy(struct scr_hostlist *h, const char *name)
{
	if (scr_hostlist_find(h, name) >= 0)
		return 0;
	char *copy = strdup(name);
	if (!copy)
		return -SCR_ENOMEM;
	int rc = append_owned(h, copy);
	return rc ? rc : 1;
}

/* Drop the names after the first n (undoing a failed parse). */
static void truncate_to(struct scr_hostlist *h, size_t n)
{
	if (h->n == n)
		return;
	for (size_t i = n; i < h->n; i++)
		free(h->hosts[i]);
	h->n = n;
	/* the table has room: same size, so this cannot need more memory
	 * than it had; on failure the old table is dropped and rebuilt */
	size_t nslots = h->nslots;
	if (rehash(h, nslots)) {
		memset(h->slots, 0, nslots * sizeof(*h->slots));
		for (size_t i = 0; i < h->n; i++)
			h->slots[slot_of(h, h->hosts[i])] = i + 1;
	}
}

size_t scr_hostlist_count(const struct scr_hostlist *h)
{
	return h->n;
}

const char *scr_hostlist_nth(const struct scr_hostlist *h, size_t i)
{
	return i < h->n ? h->hosts[i] : NULL;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	       c == '-' || c == '.' || c == '_';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int scr_hostlist_push(struct scr_hostlist *h, const char *name)
{
	if (!name || !*name)
		return -SCR_EINVAL;
	for (const char *c = name; *c; c++)
		if (!is_name_char(*c))
			return -SCR_EINVAL;
	return add_copy(h, name);
}

/* ---- parsing ---- */

struct range {
	uint64_t lo, hi;
	int width;          /* digits of lo as written: the padding */
};

/* A bracket and the literal text after it. */
struct piece {
	struct range *r;
	size_t nr, cap;
	uint64_t count;     /* hosts of its ranges, at most SCR_HOSTLIST_MAX */
	const char *lit;
	size_t litlen;
};

/* One entry: literal text, then brackets each followed by literal text. */
struct entry {
	const char *lit0;
	size_t lit0len;
	struct piece *p;
	size_t np, cap;
};

static void entry_release(struct entry *e)
{
	for (size_t i = 0; i < e->cap; i++)
		free(e->p[i].r);
	free(e->p);
	memset(e, 0, sizeof(*e));
}

static int set_error(struct scr_hostlist_error *err, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_error(struct scr_hostlist_error *err, size_t pos, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->pos = pos;
	}
	return -SCR_EINVAL;
}

/* A character for a message: 'x', or "byte 0x07" for an unprintable one. */
static const char *show_char(char c, char buf[16])
{
	unsigned char u = (unsigned char)c;
	if (u > 0x20 && u < 0x7f)
		snprintf(buf, 16, "'%c'", c);
	else if (c == ' ')
		snprintf(buf, 16, "a space");
	else if (c == '\n')
		snprintf(buf, 16, "a newline");
	else if (c == '\t')
		snprintf(buf, 16, "a tab");
	else
		snprintf(buf, 16, "byte 0x%02x", u);
	return buf;
}

/* Digits at t[*i] into *v: their count, or an error. */
static int parse_number(const char *t, size_t *i, uint64_t *v, int *ndigits,
			struct scr_hostlist_error *err)
{
	size_t start = *i;
	uint64_t x = 0;
	while (is_digit(t[*i])) {
		if (*i - start == MAX_DIGITS)
			return set_error(err, start + 1, "number at position %zu has more than "
					 "%d digits", start + 1, MAX_DIGITS);
		x = x * 10 + (uint64_t)(t[*i] - '0');
		(*i)++;
	}
	*v = x;
	*ndigits = (int)(*i - start);
	return 0;
}

static int unclosed(struct scr_hostlist_error *err, size_t open)
{
	return set_error(err, open + 1, "unbalanced brackets: no ']' closes the '[' at "
			 "position %zu", open + 1);
}

static int bad_in_range(const char *t, size_t i, size_t open, struct scr_hostlist_error *err)
{
	char b[16];
	/* whitespace where no ']' follows: the list went on, the bracket was
	 * never closed */
	if (t[i] == '\0' || (is_space(t[i]) && !strchr(t + i, ']')))
		return unclosed(err, open);
	if (t[i] == '[')
		return set_error(err, i + 1, "'[' at position %zu inside brackets: brackets "
				 "do not nest", i + 1);
	return set_error(err, i + 1, "%s at position %zu in a range: ranges hold only "
			 "digits, ',' and '-'", show_char(t[i], b), i + 1);
}

static struct piece *add_piece(struct entry *e)
{
	if (e->np == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 4;
		struct piece *p = realloc(e->p, cap * sizeof(*p));
		if (!p)
			return NULL;
		memset(p + e->cap, 0, (cap - e->cap) * sizeof(*p));
		e->p = p;
		e->cap = cap;
	}
	struct piece *p = &e->p[e->np++];
	p->nr = 0;
	p->count = 0;
	p->lit = NULL;
	p->litlen = 0;
	return p;
}

static int add_range(struct piece *p, uint64_t lo, uint64_t hi, int width)
{
	if (p->nr == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;
		struct range *r = realloc(p->r, cap * sizeof(*r));
		if (!r)
			return -SCR_ENOMEM;
		p->r = r;
		p->cap = cap;
	}
	p->r[p->nr++] = (struct range){ lo, hi, width };
	return 0;
}

/* The bracket opening at t[*i] into a new piece of e. */
static int parse_bracket(const char *t, size_t *ip, struct entry *e,
			 struct scr_hostlist_error *err)
{
	size_t open = *ip, i = open + 1;
	struct piece *p = add_piece(e);
	if (!p)
		return -SCR_ENOMEM;
	for (;;) {
		size_t item = i;
		uint64_t lo, hi;
		int wlo, whi, rc;
		if (t[i] == ']' || t[i] == ',')
			return set_error(err, i + 1, "empty range at position %zu", i + 1);
		if (t[i] == '-')
			return set_error(err, i + 1, "range at position %zu has no first number",
					 i + 1);
		if (!is_digit(t[i]))
			return bad_in_range(t, i, open, err);
		if ((rc = parse_number(t, &i, &lo, &wlo, err)))
			return rc;
		hi = lo;
		if (t[i] == '-') {
			i++;
			if (!is_digit(t[i])) {
				if (t[i] == ']' || t[i] == ',' || t[i] == '-')
					return set_error(err, item + 1, "range at position %zu has "
							 "no last number", item + 1);
				return bad_in_range(t, i, open, err);
			}
			if ((rc = parse_number(t, &i, &hi, &whi, err)))
				return rc;
			if (t[i] == '-')
				return set_error(err, item + 1, "range '%.*s-' at position "
						 "%zu has more than two numbers",
						 (int)(i - item), t + item, item + 1);
			if (hi < lo)
				return set_error(err, item + 1, "reversed range '%.*s' at "
						 "position %zu: the first number is larger "
						 "than the last", (int)(i - item), t + item,
						 item + 1);
		}
		uint64_t n = hi - lo + 1;
		if (n > SCR_HOSTLIST_MAX || p->count + n > SCR_HOSTLIST_MAX)
			return set_error(err, item + 1, "range '%.*s' at position %zu makes "
					 "more than %d hosts", (int)(i - item), t + item,
					 item + 1, SCR_HOSTLIST_MAX);
		if ((rc = add_range(p, lo, hi, wlo)))
			return rc;
		p->count += n;
		if (t[i] == ',') {
			i++;
			continue;
		}
		if (t[i] == ']') {
			*ip = i + 1;
			return 0;
		}
		return bad_in_range(t, i, open, err);
	}
}

/* One entry from t[*i] up to a separator or the end; *count its hosts. */
static int parse_entry(const char *t, size_t *ip, struct entry *e, uint64_t *count,
		       struct scr_hostlist_error *err)
{
	size_t start = *ip, i = start;
	const char **lit = &e->lit0;
	size_t *litlen = &e->lit0len;
	char b[16];
	e->np = 0;
	e->lit0 = t + i;
	e->lit0len = 0;
	for (;;) {
		char c = t[i];
		if (is_name_char(c)) {
			(*litlen)++;
			i++;
		} else if (c == '[') {
			int rc = parse_bracket(t, &i, e, err);
			if (rc)
				return rc;
			/* pointers into e->p move with a realloc: take them anew */
			lit = &e->p[e->np - 1].lit;
			litlen = &e->p[e->np - 1].litlen;
			*lit = t + i;
		} else if (c == ']') {
			return set_error(err, i + 1, "unbalanced brackets: ']' at position %zu "
					 "has no '[' before it", i + 1);
		} else if (c == '\0' || c == ',' || is_space(c)) {
			break;
		} else {
			return set_error(err, i + 1, "%s at position %zu: host names hold only "
					 "letters, digits, '-', '.' and '_'", show_char(c, b), i + 1);
		}
	}
	uint64_t total = 1;
	for (size_t k = 0; k < e->np; k++) {
		if (e->p[k].count > SCR_HOSTLIST_MAX / total)
			return set_error(err, start + 1, "'%.*s' at position %zu makes more than "
					 "%d hosts", (int)(i - start > 60 ? 60 : i - start),
					 t + start, start + 1, SCR_HOSTLIST_MAX);
		total *= e->p[k].count;
	}
	*count = total;
	*ip = i;
	return 0;
}

/* Add the hosts of a parsed entry, the first bracket varying slowest. */
static int expand_entry(struct scr_hostlist *h, const struct entry *e, size_t old_n,
			size_t start, struct scr_hostlist_error *err)
{
	size_t len = e->lit0len + 1;
	for (size_t k = 0; k < e->np; k++)
		len += e->p[k].litlen + MAX_DIGITS + 2;
	char *name = malloc(len);
	size_t *ri = calloc(e->np ? e->np : 1, sizeof(*ri));       /* range index */
	uint64_t *val = calloc(e->np ? e->np : 1, sizeof(*val));  /* current value */
	int rc = 0;
	if (!name || !ri || !val) {
		rc = -SCR_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < e->np; k++)
		val[k] = e->p[k].r[0].lo;
	for (;;) {
		size_t n = e->lit0len;
		memcpy(name, e->lit0, n);
		for (size_t k = 0; k < e->np; k++) {
			const struct piece *p = &e->p[k];
			n += (size_t)sprintf(name + n, "%0*llu", p->r[ri[k]].width,
					     (unsigned long long)val[k]);
			memcpy(name + n, p->lit, p->litlen);
			n += p->litlen;
		}
		name[n] = '\0';
		rc = add_copy(h, name);
		if (rc < 0)
			goto out;
		if (h->n - old_n > SCR_HOSTLIST_MAX) {
			rc = set_error(err, start + 1, "the list makes more than %d hosts "
				       "(at position %zu)", SCR_HOSTLIST_MAX, start + 1);
			goto out;
		}
		/* next combination: the last bracket varies fastest */
		size_t k = e->np;
		while (k > 0) {
			const struct piece *p = &e->p[k - 1];
			if (val[k - 1] < p->r[ri[k - 1]].hi) {
				val[k - 1]++;
				break;
			}
			if (ri[k - 1] + 1 < p->nr) {
				ri[k - 1]++;
				val[k - 1] = p->r[ri[k - 1]].lo;
				break;
			}
			ri[k - 1] = 0;
			val[k - 1] = p->r[0].lo;
			k--;
		}
		if (k == 0)
			break;
	}
	rc = 0;
out:
	free(name);
	free(ri);
	free(val);
	return rc;
}

int scr_hostlist_parse(struct scr_hostlist *h, const char *text,
		       struct scr_hostlist_error *err)
{
	struct entry e = { 0 };
	size_t old_n = h->n, i = 0;
	int rc = 0;
	size_t comma = 0;   /* position of a ',' that still needs an entry, or 0 */
	if (err) {
		err->pos = 0;
		err->msg[0] = '\0';
	}
	if (!text)
		return set_error(err, 0, "no hostlist");
	for (;;) {
		while (is_space(text[i]))
			i++;
		if (text[i] == '\0') {
			if (comma)
				rc = set_error(err, comma, "empty host name after the ',' at "
					       "position %zu", comma);
			break;
		}
		if (text[i] == ',') {
			rc = set_error(err, i + 1, "empty host name before the ',' at position %zu",
				       i + 1);
			break;
		}
		size_t start = i;
		uint64_t count;
		rc = parse_entry(text, &i, &e, &count, err);
		if (!rc)
			rc = expand_entry(h, &e, old_n, start, err);
		if (rc)
			break;
		while (is_space(text[i]))
			i++;
		comma = 0;
		if (text[i] == ',')
			comma = ++i;
	}
	entry_release(&e);
	if (rc)
		truncate_to(h, old_n);
	return rc;
}

/* ---- set operations ---- */

static int filter(struct scr_hostlist *out, const struct scr_hostlist *a,
		  const struct scr_hostlist *b, int keep_if_in_b)
{
	scr_hostlist_init(out);
	for (size_t i = 0; i < a->n; i++) {
		if ((scr_hostlist_find(b, a->hosts[i]) >= 0) != keep_if_in_b)
			continue;
		int rc = add_copy(out, a->hosts[i]);
		if (rc < 0) {
			scr_hostlist_release(out);
			return rc;
		}
	}
	return 0;
}

int scr_hostlist_minus(struct scr_hostlist *out, const struct scr_hostlist *a,
		       const struct scr_hostlist *b)
{
	return filter(out, a, b, 0);
}

int scr_hostlist_intersection(struct scr_hostlist *out, const struct scr_hostlist *a,
			      const struct scr_hostlist *b)
{
	return filter(out, a, b, 1);
}

/* ---- canonical order and compression ---- */

/* A name split at its last run of digits. */
struct key {
	const char *name;
	size_t plen;        /* prefix: name[0, plen) */
	const char *suffix; /* after the number */
	int hasnum;         /* a run of 1..MAX_DIGITS digits was found */
	int forced;         /* written with a leading zero: fixed width */
	int ndigits;
	int width;          /* 1: natural; W > 1: padded to W digits */
	uint64_t value;
	size_t idx;         /* in the list */
};

static void split_name(const char *name, size_t idx, struct key *k)
{
	size_t len = strlen(name), e = len;
	memset(k, 0, sizeof(*k));
	k->name = name;
	k->idx = idx;
	k->plen = len;
	k->suffix = name + len;
	while (e > 0 && !is_digit(name[e - 1]))
		e--;
	if (e == 0)
		return;
	size_t s = e;
	while (s > 0 && is_digit(name[s - 1]))
		s--;
	if (e - s > MAX_DIGITS)
		return;   /* too long to be a number: a plain name */
	k->hasnum = 1;
	k->plen = s;
	k->suffix = name + e;
	k->ndigits = (int)(e - s);
	k->forced = k->ndigits > 1 && name[s] == '0';
	k->width = k->forced ? k->ndigits : 1;
	for (size_t i = s; i < e; i++)
		k->value = k->value * 10 + (uint64_t)(name[i] - '0');
}

/* Natural order: runs of digits compare by value (then the one with fewer
 * leading zeros first), other bytes as unsigned chars. A total order:
 * equal only for equal strings. */
static int natcmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0;
	while (i < an && j < bn) {
		if (is_digit(a[i]) && is_digit(b[j])) {
			size_t si = i, sj = j;
			while (i < an && is_digit(a[i]))
				i++;
			while (j < bn && is_digit(b[j]))
				j++;
			size_t zi = si, zj = sj;
			while (zi + 1 < i && a[zi] == '0')
				zi++;
			while (zj + 1 < j && b[zj] == '0')
				zj++;
			if (i - zi != j - zj)
				return i - zi < j - zj ? -1 : 1;
			int c = memcmp(a + zi, b + zj, i - zi);
			if (c)
				return c;
			if (i - si != j - sj)
				return i - si < j - sj ? -1 : 1;
			continue;
		}
		unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[j];
		if (ca != cb)
			return ca < cb ? -1 : 1;
		i++;
		j++;
	}
	if (i < an)
		return 1;
	if (j < bn)
		return -1;
	return 0;
}

/* Same prefix and suffix, both with a number: one bracket. */
static int same_group(const struct key *a, const struct key *b)
{
	return a->hasnum && b->hasnum && a->plen == b->plen &&
	       !memcmp(a->name, b->name, a->plen) && !strcmp(a->suffix, b->suffix);
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;
	int c = natcmp(a->name, a->plen, b->name, b->plen);
	if (c)
		return c;
	c = natcmp(a->suffix, strlen(a->suffix), b->suffix, strlen(b->suffix));
	if (c)
		return c;
	if (a->hasnum != b->hasnum)
		return a->hasnum < b->hasnum ? -1 : 1;
	if (a->width != b->width)
		return a->width < b->width ? -1 : 1;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	return strcmp(a->name, b->name);
}

static uint64_t pow10_u64(int n)
{
	uint64_t x = 1;
	while (n-- > 0)
		x *= 10;
	return x;
}

/* Index of the first of the natural numbers k[0, nat) (sorted by value)
 * that is >= v. */
static size_t find_value(const struct key *k, size_t nat, uint64_t v)
{
	size_t lo = 0, hi = nat;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k[mid].value < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * In the group k[0, n) (sorted by key_cmp with the first widths), give
 * numbers written without a leading zero the width of the padded ones:
 * (1) those with exactly W digits when numbers padded to W are there
 * (n001,n100 -> n[001,100]); (2) the run 10^W, 10^W+1, ... that continues
 * a width-W range ending at 10^W-1 (n098,n099,...,n999,n1000 ->
 * n[098-1000]). The others keep the natural width 1.
 */
static void widen_group(struct key *k, size_t n)
{
	uint32_t widths = 0;   /* widths of the padded numbers of the group */
	size_t nat = 0;        /* the natural ones come first, by value */
	for (size_t i = 0; i < n; i++) {
		if (k[i].forced)
			widths |= 1u << k[i].ndigits;
		if (k[i].width == 1)
			nat = i + 1;
	}
	if (!widths)
		return;
	for (size_t i = 0; i < nat; i++)
		if (widths & (1u << k[i].ndigits))
			k[i].width = k[i].ndigits;
	for (int w = 2; w < MAX_DIGITS; w++) {
		if (!(widths & (1u << w)))
			continue;
		uint64_t last = pow10_u64(w) - 1;   /* 99...9: the largest of w digits */
		size_t i = find_value(k, nat, last);
		if (i >= nat || k[i].value != last || k[i].width != w)
			continue;
		for (i++; i < nat && k[i].width == 1 && k[i].value == k[i - 1].value + 1; i++)
			k[i].width = w;
	}
}

/* The names of h as keys in canonical order (malloc'd array). */
static int sorted_keys(const struct scr_hostlist *h, struct key **out)
{
	struct key *k = malloc((h->n ? h->n : 1) * sizeof(*k));
	if (!k)
		return -SCR_ENOMEM;
	for (size_t i = 0; i < h->n; i++)
		split_name(h->hosts[i], i, &k[i]);
	qsort(k, h->n, sizeof(*k), key_cmp);
	int changed = 0;
	for (size_t g = 0; g < h->n;) {
		size_t e = g + 1;
		while (e < h->n && same_group(&k[g], &k[e]))
			e++;
		if (e - g > 1) {
			widen_group(k + g, e - g);
			for (size_t i = g; i < e && !changed; i++)
				changed = !k[i].forced && k[i].width != 1;
		}
		g = e;
	}
	if (changed)
		qsort(k, h->n, sizeof(*k), key_cmp);
	*out = k;
	return 0;
}

int scr_hostlist_sort(struct scr_hostlist *h)
{
	struct key *k;
	int rc = sorted_keys(h, &k);
	if (rc)
		return rc;
	char **hosts = malloc((h->cap ? h->cap : 1) * sizeof(*hosts));
	if (!hosts) {
		free(k);
		return -SCR_ENOMEM;
	}
	for (size_t i = 0; i < h->n; i++)
		hosts[i] = h->hosts[k[i].idx];
	free(k);
	char **old = h->hosts;
	h->hosts = hosts;
	if (h->nslots && rehash(h, h->nslots)) {
		h->hosts = old;
		free(hosts);
		return -SCR_ENOMEM;
	}
	free(old);
	return 0;
}

static void sb_num(struct scr_strbuf *b, uint64_t v, int width)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%0*llu", width, (unsigned long long)v);
	scr_strbuf_addn(b, num, (size_t)n);
}

static int sb_finish(struct scr_strbuf *b, char **out)
{
	scr_strbuf_addn(b, "", 0);   /* an empty list is "", not NULL */
	if (b->oom) {
		free(b->buf);
		*out = NULL;
		return -SCR_ENOMEM;
	}
	*out = b->buf;
	return 0;
}

int scr_hostlist_compress(const struct scr_hostlist *h, char **out)
{
	struct key *k;
	struct scr_strbuf b = { 0 };
	int rc = sorted_keys(h, &k);
	*out = NULL;
	if (rc)
		return rc;
	for (size_t g = 0; g < h->n;) {
		size_t e = g + 1;
		while (e < h->n && same_group(&k[g], &k[e]))
			e++;
		if (g > 0)
			scr_strbuf_addn(&b, ",", 1);
		if (e - g == 1) {
			scr_strbuf_add(&b, k[g].name);
			g = e;
			continue;
		}
		scr_strbuf_addn(&b, k[g].name, k[g].plen);
		scr_strbuf_addn(&b, "[", 1);
		for (size_t i = g; i < e; i++) {
			size_t last = i;
			while (last + 1 < e && k[last + 1].width == k[i].width &&
			       k[last + 1].value == k[last].value + 1)
				last++;
			if (i > g)
				scr_strbuf_addn(&b, ",", 1);
			sb_num(&b, k[i].value, k[i].width);
			if (last > i) {
				scr_strbuf_addn(&b, "-", 1);
				sb_num(&b, k[last].value, k[i].width);
			}
			i = last;
		}
		scr_strbuf_addn(&b, "]", 1);
		scr_strbuf_add(&b, k[g].suffix);
		g = e;
	}
	free(k);
	return sb_finish(&b, out);
}

int scr_hostlist_join(const struct scr_hostlist *h, const char *sep, char **out)
{
	struct scr_strbuf b = { 0 };
	for (size_t i = 0; i < h->n; i++) {
		if (i > 0)
			scr_strbuf_add(&b, sep);
		scr_strbuf_add(&b, h->hosts[i]);
	}
	return sb_finish(&b, out);
}
