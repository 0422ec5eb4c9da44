/*
 * The transparent mode's bookkeeping (interpose/book.c): which dataset a
 * write-open joins, writers counted through descriptors, names forgotten
 * and hidden, and which version of a path the application sees.
 */
#include "check.h"

#include "book.h"

#include <stdlib.h>
#include <string.h>

/* A write-open as the engine does it: choose, add if new, count the fd. */
static int write_open(struct book *b, const char *rel, int trunc, int fd, double now)
{
	int which = book_choose(b, rel, trunc);
	if (which < 0)
		return -1;
	struct book_slot *s = &b->slot[which];
	struct book_file *known = book_find(s, rel);
	char route[256];
	snprintf(route, sizeof(route), "/cache/%ld/%s", b->gen + which, rel);
	if (!known && book_add(s, strdup(rel), strdup(route)) != 0)
		return -2;
	if (which == 1)
		b->slot[0].sealed = 1;
	CHECK_EQ_INT(book_put_fd(b, fd, b->gen + which, 1, rel, route, now), 0);
	return which;
}

static void close_fd(struct book *b, int fd, double now)
{
	struct book_open *f = book_fd(b, fd);
	CHECK(f != NULL);
	if (f) {
		struct book_slot *s = book_slot_of_gen(b, f->gen);
		struct book_file *bf = s ? book_find(s, f->abs) : NULL;
		if (bf)
			bf->closed = 1;
	}
	book_open_free(book_take_fd(b, fd, now));
}

static void datasets_in_turn(void)
{
	struct book b = { 0 };
	const char *route = NULL;
	CHECK_EQ_INT(book_choose(&b, "ckpt/a", 1), 0);
	CHECK_EQ_INT(book_view(&b, "ckpt/a", &route), BOOK_COMPLETED);

	/* the first checkpoint: two files, written one after the other */
	CHECK_EQ_INT(write_open(&b, "ckpt/a", 1, 5, 1.0), 0);
	CHECK_EQ_INT(b.slot[0].writers, 1);
	CHECK_EQ_INT(write_open(&b, "ckpt/b", 1, 6, 2.0), 0);
	CHECK_EQ_INT(b.slot[0].writers, 2);
	close_fd(&b, 5, 3.0);
	close_fd(&b, 6, 4.0);
	CHECK_EQ_INT(b.slot[0].writers, 0);
	CHECK(b.slot[0].last == 4.0);
	CHECK(book_fd(&b, 5) == NULL);

	/* appending to a file of it stays in it; rewriting it starts the next */
	CHECK_EQ_INT(book_choose(&b, "ckpt/a", 0), 0);
	CHECK_EQ_INT(book_choose(&b, "ckpt/a", 1), 1);
	CHECK_EQ_INT(write_open(&b, "ckpt/a", 1, 5, 5.0), 1);
	CHECK_EQ_INT(b.slot[0].sealed, 1);
	CHECK_EQ_INT(b.slot[1].writers, 1);
	CHECK_EQ_INT(b.slot[0].writers, 0);
	/* once the next has begun, every new file joins it */
	CHECK_EQ_INT(book_choose(&b, "ckpt/c", 1), 1);
	CHECK_EQ_INT(book_choose(&b, "ckpt/b", 1), 1);
	/* a third version of a path must wait; appending to the second not */
	CHECK_EQ_INT(book_choose(&b, "ckpt/a", 1), -1);
	CHECK_EQ_INT(book_choose(&b, "ckpt/a", 0), 1);

	/* the newest version is what a reader sees */
	CHECK_EQ_INT(book_view(&b, "ckpt/a", &route), BOOK_PENDING);
	CHECK_EQ_STR(route, "/cache/1/ckpt/a");
	CHECK_EQ_INT(book_view(&b, "ckpt/b", &route), BOOK_PENDING);
	CHECK_EQ_STR(route, "/cache/0/ckpt/b");
	int slot = -1;
	CHECK(book_newest(&b, "ckpt/a", &slot) != NULL);
	CHECK_EQ_INT(slot, 1);
	CHECK_EQ_INT(book_holding(&b, "ckpt/a", "/cache/0/ckpt/a"), 0);
	CHECK_EQ_INT(book_holding(&b, "ckpt/a", "/cache/1/ckpt/a"), 1);
	CHECK_EQ_INT(book_holding(&b, "ckpt/a", "/elsewhere"), -1);

	/* the first completes: the second moves down, its fd follows */
	long gen0 = b.gen;
	book_shift(&b);
	CHECK_EQ_INT(b.gen, gen0 + 1);
	CHECK_EQ_INT(b.slot[0].n, 1);
	CHECK_EQ_INT(b.slot[1].n, 0);
	CHECK(book_slot_of_gen(&b, gen0) == NULL);
	CHECK_EQ_INT(b.slot[0].writers, 1);
	CHECK_EQ_INT(book_view(&b, "ckpt/b", &route), BOOK_COMPLETED);
	close_fd(&b, 5, 6.0);
	CHECK_EQ_INT(b.slot[0].writers, 0);
	CHECK_EQ_INT(b.slot[0].f[0].closed, 1);
	book_release(&b);
	CHECK(b.slot[0].n == 0 && b.nfd == 0 && b.nhidden == 0);
}

static void descriptors(void)
{
	struct book b = { 0 };
	/* a descriptor far above the first table size */
	CHECK_EQ_INT(write_open(&b, "x", 1, 1000, 1.0), 0);
	CHECK(b.nfd > 1000);
	CHECK(book_fd(&b, 1000) != NULL);
	CHECK(book_fd(&b, 999) == NULL);
	CHECK(book_fd(&b, -1) == NULL);
	CHECK(book_fd(&b, 1 << 20) == NULL);
	/* replacing a record (a descriptor reused behind scr's back) keeps
	 * the writer count right */
	CHECK_EQ_INT(book_put_fd(&b, 1000, b.gen, 1, "x", "/cache/0/x", 2.0), 0);
	CHECK_EQ_INT(b.slot[0].writers, 1);
	/* moved to another descriptor (freopen): still one writer */
	struct book_open *f = book_take_fd(&b, 1000, 3.0);
	CHECK(f != NULL);
	CHECK_EQ_INT(book_put_fd(&b, 3, f->gen, f->writable, f->abs, f->route, 3.0), 0);
	book_open_free(f);
	CHECK_EQ_INT(b.slot[0].writers, 1);
	CHECK_EQ_STR(book_fd(&b, 3)->route, "/cache/0/x");
	/* a reader counts as no writer */
	CHECK_EQ_INT(book_put_fd(&b, 4, b.gen, 0, "x", "/cache/0/x", 4.0), 0);
	CHECK_EQ_INT(b.slot[0].writers, 1);
	CHECK(book_take_fd(&b, 77, 5.0) == NULL);
	CHECK_EQ_INT(book_put_fd(&b, -1, b.gen, 1, "x", "y", 5.0), -1);
	book_release(&b);
}

static void forgetting_and_hiding(void)
{
	struct book b = { 0 };
	const char *route = NULL;
	write_open(&b, "d/a", 1, 3, 1.0);
	close_fd(&b, 3, 1.0);
	write_open(&b, "d/a", 1, 3, 2.0);   /* second version, still open */
	write_open(&b, "d/b", 1, 4, 2.0);
	close_fd(&b, 4, 2.0);
	/* the name went to its real path: both versions leave, both broken;
	 * a closed one left, so the journal must be rewritten */
	CHECK_EQ_INT(book_forget(&b, "d/a"), 1);
	CHECK(book_find(&b.slot[0], "d/a") == NULL);
	CHECK(book_find(&b.slot[1], "d/a") == NULL);
	CHECK_EQ_INT(b.slot[0].broken, 1);
	CHECK_EQ_INT(b.slot[1].broken, 1);
	CHECK_EQ_INT(book_forget(&b, "d/nothing"), 0);
	/* only an open (unclosed) version: nothing for the journal */
	write_open(&b, "d/c", 1, 5, 3.0);
	CHECK_EQ_INT(book_forget(&b, "d/c"), 0);

	/* removing from the middle keeps the others in order */
	struct book_slot s = { 0 };
	for (int i = 0; i < 100; i++) {
		char name[16];
		snprintf(name, sizeof(name), "f%02d", i);
		CHECK_EQ_INT(book_add(&s, strdup(name), strdup(name)), 0);
	}
	s.f[50].closed = 1;
	CHECK_EQ_INT(book_remove(&s, "f50"), 1);
	CHECK_EQ_INT(book_remove(&s, "f49"), 0);
	CHECK_EQ_INT(book_remove(&s, "f49"), 0);
	CHECK_EQ_INT(s.n, 98);
	CHECK_EQ_STR(s.f[49].rel, "f51");
	CHECK_EQ_STR(s.f[97].rel, "f99");
	struct book holder = { 0 };
	holder.slot[0] = s;
	book_release(&holder);

	/* hidden names: once each, until written again */
	CHECK_EQ_INT(book_view(&b, "d/old", &route), BOOK_COMPLETED);
	book_hide(&b, "d/old");
	book_hide(&b, "d/old");
	book_hide(&b, "d/other");
	CHECK_EQ_INT(b.nhidden, 2);
	CHECK_EQ_INT(book_view(&b, "d/old", &route), BOOK_HIDDEN);
	book_unhide(&b, "d/old");
	CHECK_EQ_INT(book_view(&b, "d/old", &route), BOOK_COMPLETED);
	CHECK_EQ_INT(book_is_hidden(&b, "d/other"), 1);
	/* a pending version wins over a hidden name */
	book_hide(&b, "d/b");
	CHECK_EQ_INT(book_view(&b, "d/b", &route), BOOK_PENDING);
	book_release(&b);
}

static void written_in_place(void)
{
	struct book b = { 0 };
	/* slot 0's file went to its real path: rewriting it starts the next */
	CHECK_EQ_INT(book_inplace(&b.slot[0], "s/a"), 0);
	CHECK_EQ_INT(book_inplace(&b.slot[0], "s/a"), 0);
	CHECK_EQ_INT(b.slot[0].ninplace, 1);
	CHECK_EQ_INT(book_choose(&b, "s/a", 1), 1);
	CHECK_EQ_INT(book_choose(&b, "s/a", 0), 0);
	CHECK_EQ_INT(book_choose(&b, "s/b", 1), 0);
	/* the next wrote it at its real path too: a third version waits, and
	 * every new file joins the next */
	CHECK_EQ_INT(book_inplace(&b.slot[1], "s/a"), 0);
	CHECK_EQ_INT(book_choose(&b, "s/a", 1), -1);
	CHECK_EQ_INT(book_choose(&b, "s/b", 1), 1);
	/* not a pending version: what the application sees is elsewhere */
	const char *route = NULL;
	CHECK_EQ_INT(book_view(&b, "s/a", &route), BOOK_COMPLETED);
	book_shift(&b);
	CHECK_EQ_INT(b.slot[0].ninplace, 1);
	CHECK_EQ_INT(b.slot[1].ninplace, 0);
	book_release(&b);
}

static void names(void)
{
	struct book_slot s = { 0 };
	CHECK(book_slot_name(&s) == NULL);
	book_add(&s, strdup("ckpt/step.10/rank_0.ckpt"), strdup("r"));
	char *name = book_slot_name(&s);
	CHECK_EQ_STR(name, "ckpt/step.10");
	free(name);
	struct book_slot top = { 0 };
	book_add(&top, strdup("state.cpt"), strdup("r"));
	name = book_slot_name(&top);
	CHECK_EQ_STR(name, "state.cpt");
	free(name);
	struct book b = { 0 };
	b.slot[0] = s;
	b.slot[1] = top;
	book_release(&b);
}

int main(void)
{
	datasets_in_turn();
	descriptors();
	forgetting_and_hiding();
	written_in_place();
	names();
	return check_done("test_book");
}
