/* The transparent mode's bookkeeping; see book.h. */
#include "book.h"

#include <stdlib.h>
#include <string.h>

void book_open_free(struct book_open *f)
{
	if (f) {
		free(f->abs);
		free(f->route);
		free(f);
	}
}

static void slot_release(struct book_slot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->f[i].rel);
		free(s->f[i].route);
	}
	free(s->f);
	for (size_t i = 0; i < s->ninplace; i++)
		free(s->inplace[i]);
	free(s->inplace);
	memset(s, 0, sizeof(*s));
}

void book_release(struct book *b)
{
	for (int i = 0; i < 2; i++)
		slot_release(&b->slot[i]);
	for (size_t fd = 0; fd < b->nfd; fd++)
		book_open_free(b->byfd[fd]);
	free(b->byfd);
	for (size_t i = 0; i < b->nhidden; i++)
		free(b->hidden[i]);
	free(b->hidden);
	memset(b, 0, sizeof(*b));
}

/* ---- open descriptors ---- */

struct book_open *book_fd(const struct book *b, int fd)
{
	return fd >= 0 && (size_t)fd < b->nfd ? b->byfd[fd] : NULL;
}

struct book_slot *book_slot_of_gen(struct book *b, long gen)
{
	if (gen == b->gen)
		return &b->slot[0];
	if (gen == b->gen + 1)
		return &b->slot[1];
	return NULL;
}

struct book_open *book_take_fd(struct book *b, int fd, double now)
{
	struct book_open *f = book_fd(b, fd);
	if (!f)
		return NULL;
	struct book_slot *s = f->writable ? book_slot_of_gen(b, f->gen) : NULL;
	if (s) {
		s->writers--;
		s->last = now;
	}
	b->byfd[fd] = NULL;
	return f;
}

int book_put_fd(struct book *b, int fd, long gen, int writable, const char *abs,
		const char *route, double now)
{
	if (fd < 0)
		return -1;
	if ((size_t)fd >= b->nfd) {
		size_t n = b->nfd ? b->nfd : 64;
		while (n <= (size_t)fd)
			n *= 2;
		struct book_open **grown = realloc(b->byfd, n * sizeof(*grown));
		if (!grown)
			return -1;
		memset(grown + b->nfd, 0, (n - b->nfd) * sizeof(*grown));
		b->byfd = grown;
		b->nfd = n;
	}
	struct book_open *f = calloc(1, sizeof(*f));
	if (!f || (abs && !(f->abs = strdup(abs))) || (route && !(f->route = strdup(route)))) {
		book_open_free(f);
		return -1;
	}
	f->gen = gen;
	f->writable = writable;
	book_open_free(book_take_fd(b, fd, now));
	b->byfd[fd] = f;
	struct book_slot *s = writable ? book_slot_of_gen(b, gen) : NULL;
	if (s) {
		s->writers++;
		s->last = now;
	}
	return 0;
}

/* ---- slots ---- */

struct book_file *book_find(const struct book_slot *s, const char *rel)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->f[i].rel, rel))
			return &s->f[i];
	return NULL;
}

int book_add(struct book_slot *s, char *rel, char *route)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct book_file *grown = realloc(s->f, cap * sizeof(*grown));
		if (!grown)
			return -1;
		s->f = grown;
		s->cap = cap;
	}
	s->f[s->n] = (struct book_file){ .rel = rel, .route = route };
	s->n++;
	return 0;
}

int book_remove(struct book_slot *s, const char *rel)
{
	struct book_file *f = book_find(s, rel);
	if (!f)
		return 0;
	size_t k = (size_t)(f - s->f);
	int was_closed = f->closed;
	free(f->rel);
	free(f->route);
	memmove(&s->f[k], &s->f[k + 1], (s->n - k - 1) * sizeof(*s->f));
	s->n--;
	return was_closed;
}

struct book_file *book_newest(const struct book *b, const char *rel, int *slot)
{
	for (int i = 1; i >= 0; i--) {
		struct book_file *f = book_find(&b->slot[i], rel);
		if (f) {
			if (slot)
				*slot = i;
			return f;
		}
	}
	return NULL;
}

int book_holding(const struct book *b, const char *rel, const char *route)
{
	for (int i = 0; i < 2; i++) {
		struct book_file *f = book_find(&b->slot[i], rel);
		if (f && !strcmp(f->route, route))
			return i;
	}
	return -1;
}

int book_forget(struct book *b, const char *rel)
{
	int closed = 0;
	for (int i = 0; i < 2; i++) {
		if (book_find(&b->slot[i], rel)) {
			closed |= book_remove(&b->slot[i], rel);
			b->slot[i].broken = 1;
		}
	}
	return closed;
}

/* Did slot s write rel, in the cache or at its real path? */
static int slot_wrote(const struct book_slot *s, const char *rel)
{
	if (book_find(s, rel))
		return 1;
	for (size_t i = 0; i < s->ninplace; i++)
		if (!strcmp(s->inplace[i], rel))
			return 1;
	return 0;
}

int book_choose(const struct book *b, const char *rel, int trunc)
{
	const struct book_slot *s0 = &b->slot[0], *s1 = &b->slot[1];
	if (slot_wrote(s1, rel))
		return trunc ? -1 : 1;
	if (s1->n > 0 || s1->ninplace > 0)
		return 1;
	if (slot_wrote(s0, rel))
		return trunc ? 1 : 0;
	return 0;
}

int book_inplace(struct book_slot *s, const char *rel)
{
	for (size_t i = 0; i < s->ninplace; i++)
		if (!strcmp(s->inplace[i], rel))
			return 0;
	char **grown = realloc(s->inplace, (s->ninplace + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	s->inplace = grown;
	if (!(s->inplace[s->ninplace] = strdup(rel)))
		return -1;
	s->ninplace++;
	return 0;
}

void book_shift(struct book *b)
{
	slot_release(&b->slot[0]);
	b->slot[0] = b->slot[1];
	memset(&b->slot[1], 0, sizeof(b->slot[1]));
	b->gen++;
}

char *book_slot_name(const struct book_slot *s)
{
	if (s->n == 0)
		return NULL;
	char *dir = strdup(s->f[0].rel);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash)
		*slash = '\0';
	return dir;
}

/* ---- hidden names ---- */

int book_is_hidden(const struct book *b, const char *rel)
{
	for (size_t i = 0; i < b->nhidden; i++)
		if (!strcmp(b->hidden[i], rel))
			return 1;
	return 0;
}

void book_hide(struct book *b, const char *rel)
{
	if (book_is_hidden(b, rel))
		return;
	char **grown = realloc(b->hidden, (b->nhidden + 1) * sizeof(*grown));
	if (!grown)
		return;
	b->hidden = grown;
	if ((b->hidden[b->nhidden] = strdup(rel)) != NULL)
		b->nhidden++;
}

void book_unhide(struct book *b, const char *rel)
{
	for (size_t i = 0; i < b->nhidden; i++) {
		if (strcmp(b->hidden[i], rel))
			continue;
		free(b->hidden[i]);
		b->hidden[i] = b->hidden[--b->nhidden];
		return;
	}
}

enum book_view book_view(const struct book *b, const char *rel, const char **route)
{
	struct book_file *f = book_newest(b, rel, NULL);
	if (f) {
		*route = f->route;
		return BOOK_PENDING;
	}
	return book_is_hidden(b, rel) ? BOOK_HIDDEN : BOOK_COMPLETED;
}
