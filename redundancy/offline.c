#define _GNU_SOURCE
#include "offline.h"

#include "kernels.h"
#include "scr_err.h"
#include "stream.h"
#include "stripe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PIECE ((size_t)1 << 20)

struct ctx {
	const char *data_dir, *red_dir;
	void (*warn)(const char *);
	struct scr_red_offline *out;
	struct scr_red_header *h;   /* by rank; scheme 0 where none */
	uint64_t *payload_off;
	int *has_data;
};

static void say(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	scr_red_vreport(c->warn, fmt, ap);
	va_end(ap);
}

static int read_at(const char *path, uint64_t off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return scr_err_from_errno(errno);
	int rc = scr_red_pread(fd, buf, len, off);
	close(fd);
	return rc;
}

static char *red_path(struct ctx *c, int rank)
{
	return scr_red_gathered_path(c->red_dir, rank);
}

static int same_dataset(const struct scr_red_header *a, const struct scr_red_header *b)
{
	return a->dataset_id == b->dataset_id && a->nranks == b->nranks && a->scheme == b->scheme;
}

/* Load every red.<rank> of the dataset from red_dir. */
static int load(struct ctx *c, int want_id)
{
	DIR *dir = opendir(c->red_dir);
	if (!dir) {
		say(c, "cannot open redundancy directory '%s': %s", c->red_dir, strerror(errno));
		return -SCR_ENOENT;
	}
	struct scr_red_header first = { 0 };
	int nfound = 0, rc = 0;
	struct dirent *de;
	/* two passes: the first valid file fixes the dataset and job size */
	struct { int rank; struct scr_red_header h; uint64_t off; } *got = NULL;
	size_t ngot = 0;
	while ((de = readdir(dir)) != NULL) {
		int r = scr_red_file_rank(de->d_name);
		if (r < 0)
			continue;
		char *path = red_path(c, r);
		if (!path) {
			rc = -SCR_ENOMEM;
			break;
		}
		struct scr_red_header h;
		uint64_t off;
		int err = scr_red_header_read(path, &h, &off, 1);
		if (err) {
			say(c, "redundancy file '%s' is %s (%s): not used", path,
			    scr_red_damaged(err) ? "damaged or not scr's" : "unreadable",
			    scr_red_strerror(err));
		} else if (h.rank != r || (want_id && h.dataset_id != want_id)) {
			scr_red_header_release(&h);
		} else {
			void *v = realloc(got, (ngot + 1) * sizeof(*got));
			if (!v) {
				scr_red_header_release(&h);
				free(path);
				rc = -SCR_ENOMEM;
				break;
			}
			got = v;
			got[ngot].rank = r;
			got[ngot].h = h;
			got[ngot].off = off;
			ngot++;
		}
		free(path);
	}
	closedir(dir);
	/* the dataset is what most files agree on, not whichever came first:
	 * one stray file must not decide the outcome */
	size_t best = 0, best_votes = 0;
	for (size_t i = 0; i < ngot; i++) {
		size_t votes = 0;
		for (size_t j = 0; j < ngot; j++)
			votes += same_dataset(&got[j].h, &got[i].h);
		if (votes > best_votes) {
			best = i;
			best_votes = votes;
		}
	}
	if (best) {
		__typeof__(*got) t = got[0];
		got[0] = got[best];
		got[best] = t;
	}
	for (size_t i = 0; i < ngot && !rc; i++) {
		struct scr_red_header *h = &got[i].h;
		if (!nfound) {
			first = *h;
			c->out->dataset_id = h->dataset_id;
			c->out->nranks = h->nranks;
			c->out->scheme = h->scheme;
			c->h = calloc((size_t)h->nranks, sizeof(*c->h));
			c->payload_off = calloc((size_t)h->nranks, sizeof(uint64_t));
			c->has_data = calloc((size_t)h->nranks, sizeof(int));
			c->out->records = calloc((size_t)h->nranks, sizeof(*c->out->records));
			c->out->state = calloc((size_t)h->nranks, sizeof(int));
			if (!c->h || !c->payload_off || !c->has_data || !c->out->records ||
			    !c->out->state)
				rc = -SCR_ENOMEM;
		}
		int same = same_dataset(h, &first);
		if (!rc && same && c->h[got[i].rank].scheme == 0) {
			c->h[got[i].rank] = *h;
			c->payload_off[got[i].rank] = got[i].off;
			memset(h, 0, sizeof(*h));
			nfound++;
		} else if (!rc && same) {
			say(c, "a second redundancy file of rank %d: not used", got[i].rank);
		} else if (!rc) {
			say(c, "redundancy file of rank %d (dataset %d, %d ranks, scheme %d) does not "
			    "match the others (dataset %d, %d ranks, scheme %d): not used",
			    got[i].rank, h->dataset_id, h->nranks, h->scheme, first.dataset_id,
			    first.nranks, first.scheme);
		}
	}
	for (size_t i = 0; i < ngot; i++)
		scr_red_header_release(&got[i].h);
	free(got);
	if (!rc && !nfound) {
		say(c, "no usable redundancy file in '%s'", c->red_dir);
		rc = -SCR_ENOENT;
	}
	return rc;
}

/* ---- PARTNER ---- */

static int copy_from_partner(struct ctx *c, int r, int holder)
{
	struct scr_red_record *rec = &c->out->records[r];
	struct scr_stream st;
	char *path = red_path(c, holder);
	unsigned char *buf = malloc(PIECE);
	int rc = path && buf ? scr_stream_open(&st, c->data_dir, rec, 1) : -SCR_ENOMEM;
	uint64_t total = scr_red_record_bytes(rec);
	for (uint64_t off = 0; !rc && off < total; off += PIECE) {
		size_t n = total - off < PIECE ? (size_t)(total - off) : PIECE;
		rc = read_at(path, c->payload_off[holder] + off, buf, n);
		if (!rc)
			rc = scr_stream_write(&st, off, buf, n);
	}
	if (path && buf)
		scr_stream_close(&st);
	free(path);
	free(buf);
	return rc;
}

/* ---- XOR, RS ---- */

struct set_io {
	int S, m, k;
	uint64_t chunk;
	const int *members;
	int *has_data, *has_red;
	struct scr_stream *streams;   /* by position: read, or write for lost ones */
	int *open;
};

static int read_block(struct ctx *c, struct set_io *io, int s, int b, uint64_t off,
		      unsigned char *buf, size_t len)
{
	int p = stripe_holder(io->S, io->m, s, b);
	if (b < io->k)
		return scr_stream_read(&io->streams[p], (uint64_t)b * io->chunk + off, buf, len);
	int q = stripe_mod(p - s, io->S);
	char *path = red_path(c, io->members[p]);
	int rc = path ? read_at(path, c->payload_off[io->members[p]] + (uint64_t)q * io->chunk + off,
				buf, len) : -SCR_ENOMEM;
	free(path);
	return rc;
}

static int rebuild_set(struct ctx *c, const struct scr_red_header *rep)
{
	struct set_io io = { .S = rep->set_size, .m = rep->m, .k = rep->set_size - rep->m,
			     .chunk = rep->chunk, .members = rep->members };
	int S = io.S, rc = 0;
	io.has_data = calloc((size_t)S, sizeof(int));
	io.has_red = calloc((size_t)S, sizeof(int));
	io.streams = calloc((size_t)S, sizeof(*io.streams));
	io.open = calloc((size_t)S, sizeof(int));
	unsigned char **blocks = calloc((size_t)S, sizeof(*blocks));
	struct scr_rs rs;
	int have_rs = 0;
	if (!io.has_data || !io.has_red || !io.streams || !io.open || !blocks) {
		rc = -SCR_ENOMEM;
		goto out;
	}
	for (int p = 0; p < S; p++) {
		int r = io.members[p];
		io.has_data[p] = c->has_data[r];
		io.has_red[p] = c->h[r].scheme != 0;
		if (c->out->records[r].rank != r) {
			rc = -SCR_ELOST;   /* no file names r's files */
			goto out;
		}
	}
	if (!stripe_set_rebuildable(S, io.m, io.has_data, io.has_red)) {
		rc = -SCR_ELOST;
		goto out;
	}
	for (int p = 0; p < S && !rc; p++) {
		rc = scr_stream_open(&io.streams[p], c->data_dir, &c->out->records[io.members[p]],
				     !io.has_data[p]);
		io.open[p] = !rc;
	}
	for (int b = 0; b < S && !rc; b++)
		if (!(blocks[b] = malloc(PIECE)))
			rc = -SCR_ENOMEM;
	if (!rc && io.m > 1) {
		rc = scr_rs_init(&rs, io.k, io.m);
		have_rs = !rc;
	}
	for (uint64_t off = 0; !rc && off < io.chunk; off += PIECE) {
		size_t len = io.chunk - off < PIECE ? (size_t)(io.chunk - off) : PIECE;
		for (int s = 0; !rc && s < S; s++) {
			int erased[S], nerased = 0, lost_data = 0;
			for (int b = 0; b < S; b++) {
				if (stripe_block_ok(S, io.m, s, b, io.has_data, io.has_red))
					continue;
				erased[nerased++] = b;
				lost_data |= b < io.k;
			}
			if (!lost_data)
				continue;
			for (int b = 0; !rc && b < S; b++)
				if (stripe_block_ok(S, io.m, s, b, io.has_data, io.has_red))
					rc = read_block(c, &io, s, b, off, blocks[b], len);
			if (rc)
				break;
			rc = scr_stripe_decode(&rs, io.k, io.m, len, blocks, erased, nerased);
			for (int i = 0; !rc && i < nerased; i++) {
				int b = erased[i];
				if (b >= io.k)
					continue;
				int p = stripe_holder(S, io.m, s, b);
				rc = scr_stream_write(&io.streams[p], (uint64_t)b * io.chunk + off,
						      blocks[b], len);
			}
		}
	}
out:
	for (int p = 0; io.open && p < S; p++)
		if (io.open[p])
			scr_stream_close(&io.streams[p]);
	for (int b = 0; blocks && b < S; b++)
		free(blocks[b]);
	if (have_rs)
		scr_rs_release(&rs);
	free(blocks);
	free(io.has_data);
	free(io.has_red);
	free(io.streams);
	free(io.open);
	return rc;
}

int scr_red_offline_rebuild(const char *data_dir, const char *red_dir, int dataset_id,
			    void (*warn)(const char *msg), struct scr_red_offline *out)
{
	memset(out, 0, sizeof(*out));
	struct ctx c = { .data_dir = data_dir, .red_dir = red_dir, .warn = warn, .out = out };
	int rc = load(&c, dataset_id);
	int n = out->nranks;
	/* every rank's record, from any file that carries it */
	for (int x = 0; !rc && x < n; x++)
		for (size_t i = 0; c.h[x].scheme && i < c.h[x].nrecords; i++) {
			const struct scr_red_record *r = &c.h[x].records[i];
			if (r->rank >= 0 && r->rank < n && out->records[r->rank].files == NULL &&
			    scr_red_record_copy(&out->records[r->rank], r))
				rc = -SCR_ENOMEM;
		}
	for (int r = 0; !rc && r < n; r++) {
		if (!out->records[r].files)
			out->records[r].rank = -1;
		c.has_data[r] = out->records[r].rank == r &&
				scr_stream_verify(data_dir, &out->records[r], NULL);
		out->state[r] = c.has_data[r] ? SCR_RED_INTACT : SCR_RED_LOST;
	}
	int *done = rc ? NULL : calloc((size_t)n, sizeof(int));
	if (!rc && !done)
		rc = -SCR_ENOMEM;
	for (int r = 0; !rc && r < n; r++) {
		if (c.has_data[r] || done[r])
			continue;
		if (out->scheme == SCR_RED_PARTNER) {
			int holder = -1;
			for (int x = 0; x < n && holder < 0; x++)
				if (c.h[x].scheme && c.h[x].members[0] == r &&
				    scr_red_header_record(&c.h[x], r))
					holder = x;
			done[r] = 1;
			if (holder >= 0 && out->records[r].rank == r && copy_from_partner(&c, r, holder) == 0)
				out->state[r] = SCR_RED_REBUILT;
			continue;
		}
		/* the set of r, from any file that lists it */
		const struct scr_red_header *rep = NULL;
		for (int x = 0; x < n && !rep; x++)
			for (int p = 0; c.h[x].scheme && p < c.h[x].set_size && !rep; p++)
				if (c.h[x].members[p] == r)
					rep = &c.h[x];
		if (!rep) {
			done[r] = 1;
			continue;
		}
		int src = rebuild_set(&c, rep);
		if (src == -SCR_ENOMEM)
			rc = src;
		else if (src && src != -SCR_ELOST)
			say(&c, "dataset %d: cannot rebuild the set of rank %d: %s", out->dataset_id, r,
			    scr_strerror(src));
		for (int p = 0; p < rep->set_size; p++) {
			int y = rep->members[p];
			if (c.has_data[y] || done[y])
				continue;
			done[y] = 1;
			if (src == 0)
				out->state[y] = SCR_RED_REBUILT;
		}
	}
	free(done);
	/* a rebuilt rank counts only once its files pass their CRC */
	int lost = 0;
	for (int r = 0; !rc && r < n; r++) {
		if (out->state[r] == SCR_RED_REBUILT) {
			char *bad = NULL;
			if (!scr_stream_verify(data_dir, &out->records[r], &bad)) {
				say(&c, "rebuilt file '%s' of rank %d fails its CRC check", bad ? bad : "?",
				    r);
				out->state[r] = SCR_RED_LOST;
			}
			free(bad);
		}
		lost += out->state[r] == SCR_RED_LOST;
	}
	if (!rc && lost)
		say(&c, "dataset %d: the files of %d rank(s) are lost and cannot be rebuilt "
			"from the redundancy data", out->dataset_id, lost);
	for (int x = 0; c.h && x < n; x++)
		scr_red_header_release(&c.h[x]);
	free(c.h);
	free(c.payload_off);
	free(c.has_data);
	return rc ? rc : lost ? -SCR_ELOST : 0;
}

void scr_red_offline_release(struct scr_red_offline *out)
{
	for (int r = 0; out->records && r < out->nranks; r++)
		scr_red_record_release(&out->records[r]);
	free(out->records);
	free(out->state);
	memset(out, 0, sizeof(*out));
}
