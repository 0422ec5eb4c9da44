/*
 * Ranks that restart on other nodes than before (a new rank order within the
 * allocation) find their cache where they left it. Each node leader hands
 * every filemap it holds for a rank now placed elsewhere, with the cached
 * files and redundancy files it names, to that rank, which stores them in its
 * own node's cache; the leader deletes its copies once the rank has them.
 * The rank's journal of closed checkpoint files (transparent mode) and the
 * files it names go along, so a checkpoint the previous run closed but never
 * completed is finished where the rank runs now. Ranks whose old node is gone
 * are left to the redundancy schemes.
 *
 * Messages are self-describing frames of at most FRAME bytes; every rank
 * sends at most one frame and receives at most one per step, both posted
 * before either is waited for, so ranks that send and receive never block
 * each other.
 */
#define _GNU_SOURCE
#include "migrate.h"

#include "dataset.h"
#include "io.h"
#include "log.h"
#include "scr_err.h"
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DATA_MAX ((size_t)1 << 20)
#define FRAME (DATA_MAX + 8192)
#define TAG_FRAME 7501
#define TAG_ACK 7502

enum frame_kind { F_FILEMAP = 'M', F_JOURNAL = 'J', F_FILE = 'F', F_DATA = 'D', F_END = 'E',
		  F_FAIL = 'X' };

/* one file to send: where it is here, and how the receiver names it */
struct item {
	int id, red;      /* red: the rank's redundancy file of dataset id */
	int optional;     /* a journal's closed file: one that is gone is skipped */
	char *rel;        /* data files: path within the dataset */
	char *src;
};

/* the stream of one rank's cache, at its sender */
struct outgoing {
	int rank;
	char *fm_path, *jn_path;
	char *fm_buf, *jn_buf;   /* as read: empty when the node has none */
	size_t fm_len, jn_len, nitems, next;
	struct item *items;
	int fd;
	uint64_t left;
	int started, failed;
};

static void outgoing_release(struct outgoing *o)
{
	for (size_t i = 0; i < o->nitems; i++) {
		free(o->items[i].rel);
		free(o->items[i].src);
	}
	free(o->items);
	free(o->fm_path);
	free(o->fm_buf);
	free(o->jn_path);
	free(o->jn_buf);
	if (o->fd >= 0)
		close(o->fd);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

static int add_item(struct outgoing *o, int id, int red, const char *rel, char *src)
{
	struct item *v = realloc(o->items, (o->nitems + 1) * sizeof(*v));
	if (!v || !src) {
		free(src);
		if (v)
			o->items = v;
		return -SCR_ENOMEM;
	}
	o->items = v;
	v[o->nitems] = (struct item){ .id = id, .red = red, .rel = rel ? strdup(rel) : NULL,
				      .src = src };
	o->nitems++;
	return 0;
}

static int has_item(const struct outgoing *o, int id, const char *rel)
{
	for (size_t i = 0; i < o->nitems; i++)
		if (o->items[i].id == id && o->items[i].rel && !strcmp(o->items[i].rel, rel))
			return 1;
	return 0;
}

/* Read a control file of rank (filemap or journal) into *buf and *m; a
 * missing one reads as empty. */
static int read_control(const char *path, int rank, char **buf, size_t *len,
			struct scr_filemap *m)
{
	int rc = scr_read_file(path, FRAME - 1, buf, len);
	if (rc == -SCR_ENOENT) {
		scr_filemap_init(m, rank);
		return 0;
	}
	if (!rc)
		rc = scr_filemap_decode(*buf, *len, m);
	if (!rc && m->rank != rank) {
		scr_filemap_release(m);
		rc = -SCR_EFORMAT;
	}
	return rc;
}

/* Read rank's filemap and journal from this node and list what goes with
 * them. */
static int outgoing_open(struct scr_state *s, int rank, struct outgoing *o)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->rank = rank;
	o->fm_path = scr_layout_filemap_path(&s->layout, rank);
	o->jn_path = scr_layout_pending_path(&s->layout, rank);
	if (!o->fm_path || !o->jn_path)
		return -SCR_ENOMEM;
	struct scr_filemap m, journal;
	int rc = read_control(o->fm_path, rank, &o->fm_buf, &o->fm_len, &m);
	if (rc)
		return rc;
	rc = read_control(o->jn_path, rank, &o->jn_buf, &o->jn_len, &journal);
	if (rc) {
		/* the journal is only read here: a damaged one stays behind */
		scr_log_warn("ignoring the journal '%s': %s", o->jn_path, scr_strerror(rc));
		free(o->jn_buf);
		o->jn_buf = NULL;
		o->jn_len = 0;
		scr_filemap_init(&journal, rank);
		rc = 0;
	}
	for (size_t i = 0; !rc && i < m.n; i++) {
		const struct scr_filemap_entry *e = &m.e[i];
		for (size_t j = 0; !rc && j < e->nfiles; j++)
			rc = add_item(o, e->ds.id, 0, e->files[j].path,
				      scr_layout_dataset_file(&s->layout, e->ds.id, e->files[j].path));
		char *dsdir = scr_layout_dataset_dir(&s->layout, e->ds.id);
		char *red = dsdir ? scr_redundancy_path(dsdir, rank) : NULL;
		free(dsdir);
		if (!rc && red && access(red, F_OK) == 0)
			rc = add_item(o, e->ds.id, 1, NULL, red);
		else
			free(red);
	}
	/* closed files: one the application removed since is not missed (the
	 * journal's check at the restart names what is gone) */
	for (size_t i = 0; !rc && i < journal.n; i++) {
		const struct scr_filemap_entry *e = &journal.e[i];
		for (size_t k = 0; !rc && k < e->nfiles; k++) {
			char *src = scr_layout_dataset_file(&s->layout, e->ds.id, e->files[k].path);
			if (src && (has_item(o, e->ds.id, e->files[k].path) || access(src, F_OK) != 0)) {
				free(src);
				continue;
			}
			rc = add_item(o, e->ds.id, 0, e->files[k].path, src);
			if (!rc)
				o->items[o->nitems - 1].optional = 1;
		}
	}
	scr_filemap_release(&m);
	scr_filemap_release(&journal);
	return rc;
}

static void put_u32(char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get_u32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* The next frame of o into buf; *done when the stream has ended. */
static size_t next_frame(struct outgoing *o, char *buf, int *done)
{
	*done = 0;
	if (o->failed) {
		*done = 1;
		buf[0] = F_FAIL;
		return 1;
	}
	if (o->started < 2) {
		/* the filemap, then the journal, each as read (may be empty) */
		int journal = o->started++;
		buf[0] = journal ? F_JOURNAL : F_FILEMAP;
		size_t len = journal ? o->jn_len : o->fm_len;
		if (len)
			memcpy(buf + 1, journal ? o->jn_buf : o->fm_buf, len);
		return len + 1;
	}
	if (o->fd >= 0 && o->left > 0) {
		size_t n = o->left < DATA_MAX ? (size_t)o->left : DATA_MAX;
		buf[0] = F_DATA;
		size_t got = 0;
		if (scr_read_full(o->fd, buf + 1, n, &got) != 0 || got != n) {
			scr_log_warn("cannot read '%s': %s", o->items[o->next - 1].src,
				     strerror(errno));
			o->failed = 1;
			return next_frame(o, buf, done);
		}
		o->left -= n;
		return n + 1;
	}
	if (o->fd >= 0) {
		close(o->fd);
		o->fd = -1;
	}
	if (o->next == o->nitems) {
		*done = 1;
		buf[0] = F_END;
		return 1;
	}
	struct item *it = &o->items[o->next++];
	o->fd = open(it->src, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (o->fd < 0 && it->optional) {
		/* the restart's check of the journal names what is missing */
		scr_log_debug(1, "'%s' is gone: not moved with its rank", it->src);
		return next_frame(o, buf, done);
	}
	off_t size = o->fd >= 0 ? lseek(o->fd, 0, SEEK_END) : -1;
	size_t rel_len = it->rel ? strlen(it->rel) : 0;
	if (size < 0 || lseek(o->fd, 0, SEEK_SET) != 0 || rel_len + 16 > FRAME) {
		scr_log_warn("cannot read '%s': %s", it->src, strerror(errno));
		o->failed = 1;
		return next_frame(o, buf, done);
	}
	o->left = (uint64_t)size;
	buf[0] = F_FILE;
	put_u32(buf + 1, (uint32_t)it->id);
	buf[5] = (char)it->red;
	uint64_t sz = (uint64_t)size;
	memcpy(buf + 6, &sz, 8);
	memcpy(buf + 14, it->rel ? it->rel : "", rel_len + 1);
	return 15 + rel_len;
}

/* the receiving rank's side */
struct incoming {
	struct scr_filemap fm, journal;
	int have_fm, have_journal, fd, failed, done;
	uint64_t left;
	char *path;
	size_t nwritten;
	char **written;   /* files created so far, removed if the move fails */
};

static int in_filemap(const struct scr_filemap *m, int id, const char *rel)
{
	struct scr_filemap_entry *e = scr_filemap_find((struct scr_filemap *)m, id);
	for (size_t i = 0; e && i < e->nfiles; i++)
		if (!strcmp(e->files[i].path, rel))
			return 1;
	return 0;
}

static void take_frame(struct scr_state *s, struct incoming *in, const char *buf, size_t len)
{
	if (len < 1 || in->failed) {
		in->failed |= len < 1;
		in->done |= len >= 1 && (buf[0] == F_END || buf[0] == F_FAIL);
		return;
	}
	switch (buf[0]) {
	case F_FILEMAP:
	case F_JOURNAL: {
		/* empty: the old node had none */
		int journal = buf[0] == F_JOURNAL;
		struct scr_filemap *m = journal ? &in->journal : &in->fm;
		int *have = journal ? &in->have_journal : &in->have_fm;
		if (*have || (journal && !in->have_fm)) {
			in->failed = 1;
			break;
		}
		if (len == 1)
			scr_filemap_init(m, s->comm.rank);
		else if (scr_filemap_decode(buf + 1, len - 1, m) != 0)
			in->failed = 1;
		*have = !in->failed;
		in->failed |= *have && m->rank != s->comm.rank;
		break;
	}
	case F_FILE: {
		/* only what the filemap names: a sender cannot write elsewhere */
		if (len < 15 || buf[len - 1] != '\0' || !in->have_journal || in->fd >= 0) {
			in->failed = 1;
			break;
		}
		int id = (int)get_u32(buf + 1), red = buf[5];
		memcpy(&in->left, buf + 6, 8);
		const char *rel = buf + 14;
		char *dsdir = scr_layout_dataset_dir(&s->layout, id);
		free(in->path);
		in->path = NULL;
		if (red && scr_filemap_find(&in->fm, id))
			in->path = dsdir ? scr_redundancy_path(dsdir, s->comm.rank) : NULL;
		else if (!red && (in_filemap(&in->fm, id, rel) || in_filemap(&in->journal, id, rel)))
			in->path = scr_layout_dataset_file(&s->layout, id, rel);
		free(dsdir);
		char *dir = in->path ? scr_dirname(in->path) : NULL;
		char **w = in->path ? realloc(in->written, (in->nwritten + 1) * sizeof(*w)) : NULL;
		if (w)
			in->written = w;
		if (!w || !(w[in->nwritten] = strdup(in->path)) || !dir ||
		    scr_mkdir_p(dir, 0700) != 0 ||
		    (in->fd = open(in->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK,
				   0600)) < 0)
			in->failed = 1;
		else
			in->nwritten++;
		free(dir);
		break;
	}
	case F_DATA:
		if (in->fd < 0 || len - 1 > in->left || scr_write_full(in->fd, buf + 1, len - 1) != 0)
			in->failed = 1;
		else
			in->left -= len - 1;
		break;
	case F_END:
	case F_FAIL:
		in->done = 1;
		in->failed |= buf[0] == F_FAIL || !in->have_journal;
		break;
	default:
		in->failed = 1;
	}
	if (in->fd >= 0 && (in->left == 0 || in->failed)) {
		if (close(in->fd) != 0)
			in->failed = 1;
		in->fd = -1;
	}
}

/* Node leader: ranks whose filemap or journal this node holds but which now
 * run on other nodes. here: room for the node's ranks. */
static void orphans_here(struct scr_state *s, int *here, int **list, int *n)
{
	*list = NULL;
	*n = 0;
	MPI_Allgather(&s->comm.rank, 1, MPI_INT, here, 1, MPI_INT, s->comm.node);
	if (s->comm.node_rank != 0)
		return;
	DIR *dir = opendir(s->layout.cntl_dir);
	struct dirent *de;
	while (dir && (de = readdir(dir)) != NULL) {
		int r;
		char tail;
		if ((sscanf(de->d_name, "filemap_%d.scr%c", &r, &tail) != 1 &&
		     sscanf(de->d_name, "pending_%d.scr%c", &r, &tail) != 1) || r < 0 ||
		    r >= s->comm.nranks)
			continue;
		int known = 0;
		for (int i = 0; i < s->comm.node_size; i++)
			known |= here[i] == r;
		for (int i = 0; i < *n; i++)
			known |= (*list)[i] == r;
		if (known)
			continue;
		int *v = realloc(*list, (size_t)(*n + 1) * sizeof(int));
		if (!v) {
			scr_log_warn("out of memory listing the caches of ranks that moved: "
				     "rank %d and later ones stay here", r);
			break;
		}
		*list = v;
		v[(*n)++] = r;
	}
	if (dir)
		closedir(dir);
}

/* Rank 0 decides who serves whom: src_of[r] is the leader that sends rank
 * r its cache, or -1. Every buffer is taken before the exchange it serves
 * and the ranks agree on it, so one rank out of memory fails the plan on
 * all of them (-SCR_ENOMEM) instead of stranding the others. */
static int plan(struct scr_state *s, int lacking, int *src_of)
{
	int *here = malloc((size_t)s->comm.node_size * sizeof(int));
	int *lack = malloc((size_t)s->comm.nranks * sizeof(int));
	int *counts = NULL, *displs = NULL, *all = NULL, *orph = NULL, norph = 0;
	if (s->comm.rank == 0) {
		counts = malloc((size_t)s->comm.nranks * sizeof(int));
		displs = malloc((size_t)s->comm.nranks * sizeof(int));
	}
	int rc = -SCR_ENOMEM;
	if (!scr_allreduce_and(&s->comm, here && lack && (s->comm.rank != 0 || (counts && displs))))
		goto out;
	orphans_here(s, here, &orph, &norph);
	MPI_Gather(&norph, 1, MPI_INT, counts, 1, MPI_INT, 0, s->comm.world);
	MPI_Allgather(&lacking, 1, MPI_INT, lack, 1, MPI_INT, s->comm.world);
	int have_all = 1;
	if (s->comm.rank == 0) {
		int total = 0;
		for (int r = 0; r < s->comm.nranks; r++) {
			displs[r] = total;
			total += counts[r];
		}
		all = malloc((size_t)(total ? total : 1) * sizeof(int));
		have_all = all != NULL;
	}
	MPI_Bcast(&have_all, 1, MPI_INT, 0, s->comm.world);
	if (!have_all)
		goto out;
	MPI_Gatherv(orph, norph, MPI_INT, all, counts, displs, MPI_INT, 0, s->comm.world);
	for (int r = 0; r < s->comm.nranks; r++)
		src_of[r] = -1;
	if (s->comm.rank == 0) {
		for (int leader = 0; leader < s->comm.nranks; leader++)
			for (int i = 0; i < counts[leader]; i++) {
				int r = all[displs[leader] + i];
				if (lack[r] && src_of[r] < 0)
					src_of[r] = leader;
			}
	}
	MPI_Bcast(src_of, s->comm.nranks, MPI_INT, 0, s->comm.world);
	rc = 0;
out:
	free(here);
	free(orph);
	free(counts);
	free(lack);
	free(displs);
	free(all);
	return rc;
}

static void delete_sent(struct outgoing *o)
{
	for (size_t i = 0; i < o->nitems; i++)
		unlink(o->items[i].src);
	unlink(o->fm_path);
	if (o->jn_buf)
		unlink(o->jn_path);
}

/* The journal this rank's node holds for it, as received: written unless
 * empty. */
static int save_journal(struct scr_state *s, const struct scr_filemap *j)
{
	if (j->n == 0)
		return 0;
	char *path = scr_layout_pending_path(&s->layout, s->comm.rank);
	int rc = path ? scr_filemap_write(path, j, 0600) : -SCR_ENOMEM;
	free(path);
	return rc;
}

int scr_migrate(struct scr_state *s, int have_filemap)
{
	/* a rank with neither a filemap nor a journal here may have left them
	 * on another node */
	char *jn = scr_layout_pending_path(&s->layout, s->comm.rank);
	int have = have_filemap || (jn && access(jn, F_OK) == 0);
	free(jn);
	int all_have = scr_allreduce_and(&s->comm, have);
	if (all_have)
		return 0;
	int *src_of = malloc((size_t)s->comm.nranks * sizeof(int));
	char *inbuf = malloc(FRAME), *outbuf = malloc(FRAME);
	int ready = scr_allreduce_and(&s->comm, src_of && inbuf && outbuf);
	int planned = ready && plan(s, !have, src_of) == 0;
	int nserve = 0, moved = 0;
	for (int r = 0; planned && r < s->comm.nranks; r++) {
		nserve += src_of[r] == s->comm.rank;
		moved += src_of[r] >= 0;
	}
	/* every buffer of the exchange before its first message; src_of, and
	 * so moved, is the same on every rank */
	int *serve = NULL, *acks = NULL;
	struct outgoing *outs = NULL;
	MPI_Request *req = NULL;
	if (moved > 0) {
		size_t n = (size_t)(nserve ? nserve : 1);
		serve = malloc(n * sizeof(int));
		outs = calloc(n, sizeof(*outs));
		acks = malloc(n * sizeof(int));
		req = malloc((n + 1) * sizeof(*req));
		ready = scr_allreduce_and(&s->comm, serve && outs && acks && req);
	}
	if (!planned || moved == 0 || !ready) {
		if (s->comm.rank == 0 && (!planned || moved > 0))
			scr_log_warn("out of memory on some rank before moving the caches of ranks "
				     "that restarted on other nodes: their cached datasets count as lost");
		free(serve);
		free(outs);
		free(acks);
		free(req);
		free(src_of);
		free(inbuf);
		free(outbuf);
		return planned && moved == 0 ? 0 : -SCR_ENOMEM;
	}
	for (int r = 0, i = 0; r < s->comm.nranks; r++)
		if (src_of[r] == s->comm.rank) {
			serve[i] = r;
			if (outgoing_open(s, r, &outs[i]) != 0) {
				scr_log_warn("cannot read the cache of rank %d on this node: "
					     "it will not follow the rank", r);
				outs[i].failed = 1;
			}
			i++;
		}

	struct incoming in = { .fd = -1 };
	int from = src_of[s->comm.rank];
	in.done = from < 0;
	/* one receive and one send in flight, each re-posted as it completes:
	 * leaders that serve each other never wait on each other */
	int cur = 0, ended = 0;
	MPI_Request req2[2] = { MPI_REQUEST_NULL, MPI_REQUEST_NULL };
	if (!in.done)
		MPI_Irecv(inbuf, (int)FRAME, MPI_BYTE, from, TAG_FRAME, s->comm.world, &req2[0]);
	if (cur < nserve) {
		size_t len = next_frame(&outs[cur], outbuf, &ended);
		MPI_Isend(outbuf, (int)len, MPI_BYTE, serve[cur], TAG_FRAME, s->comm.world, &req2[1]);
	}
	while (req2[0] != MPI_REQUEST_NULL || req2[1] != MPI_REQUEST_NULL) {
		int idx = MPI_UNDEFINED;
		MPI_Status st;
		MPI_Waitany(2, req2, &idx, &st);
		if (idx == 0) {
			int len = 0;
			MPI_Get_count(&st, MPI_BYTE, &len);
			take_frame(s, &in, inbuf, (size_t)len);
			if (!in.done)
				MPI_Irecv(inbuf, (int)FRAME, MPI_BYTE, from, TAG_FRAME, s->comm.world,
					  &req2[0]);
		} else if (idx == 1) {
			if (ended)
				cur++;
			if (cur < nserve) {
				size_t len = next_frame(&outs[cur], outbuf, &ended);
				MPI_Isend(outbuf, (int)len, MPI_BYTE, serve[cur], TAG_FRAME, s->comm.world,
					  &req2[1]);
			}
		}
	}
	/* a receiver that failed part-way removes what it wrote */
	if (from >= 0 && in.failed)
		for (size_t i = 0; i < in.nwritten; i++)
			unlink(in.written[i]);
	/* the receiver records what it got, then says whether it has everything;
	 * only then the sender's copies go */
	int ok = from >= 0 && !in.failed;
	if (ok) {
		scr_filemap_release(&s->filemap);
		s->filemap = in.fm;
		in.have_fm = 0;
		ok = save_journal(s, &in.journal) == 0 && scr_filemap_save(s) == 0;
	} else if (from >= 0) {
		scr_log_warn("the cache this rank left on another node could not be moved "
			     "here: its datasets count as lost on this rank");
	}
	/* the receiver says whether it has everything; only then the copies go */
	int nreq = 0;
	for (int i = 0; i < nserve; i++)
		MPI_Irecv(&acks[i], 1, MPI_INT, serve[i], TAG_ACK, s->comm.world, &req[nreq++]);
	if (from >= 0)
		MPI_Isend(&ok, 1, MPI_INT, from, TAG_ACK, s->comm.world, &req[nreq++]);
	MPI_Waitall(nreq, req, MPI_STATUSES_IGNORE);
	for (int i = 0; i < nserve; i++) {
		if (acks[i] && !outs[i].failed)
			delete_sent(&outs[i]);
		outgoing_release(&outs[i]);
	}
	if (in.have_fm)
		scr_filemap_release(&in.fm);
	if (in.have_journal)
		scr_filemap_release(&in.journal);
	free(in.path);
	for (size_t i = 0; i < in.nwritten; i++)
		free(in.written[i]);
	free(in.written);
	int nok = 0;
	int mine = from >= 0 && ok;
	MPI_Allreduce(&mine, &nok, 1, MPI_INT, MPI_SUM, s->comm.world);
	if (s->comm.rank == 0)
		scr_log_debug(1, "%d rank(s) restarted on another node: the cache of %d followed them",
			      moved, nok);
	free(acks);
	free(req);
	free(serve);
	free(outs);
	free(src_of);
	free(inbuf);
	free(outbuf);
	return 0;
}
