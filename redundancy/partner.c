/*
 * PARTNER: every rank's files are copied to its right neighbour in a ring of
 * ranks on distinct failure groups (rings are the sets of stripe-free
 * red_make_set, one per rank index within a node). A dataset survives any
 * loss that spares, for every lost rank, the neighbour holding its copy.
 */
#define _GNU_SOURCE
#include "exchange.h"
#include "scr_err.h"
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TAG_LEN 7401
#define TAG_REC 7402
#define TAG_DATA 7403   /* + slot */
#define TAG_ROOM 7410   /* a record fits */
#define TAG_READY 7411  /* the transfer's buffers are there */

/* Records cross a ring in both directions at once: send mine to dest,
 * receive src's, without ordering that could deadlock. A rank that cannot
 * hold src's record says so to src before anything large moves, so nobody
 * waits for a transfer that will not happen. */
static int exchange_records(const struct scr_red_record *mine, int dest, int src, MPI_Comm comm,
			    struct scr_red_record *theirs)
{
	unsigned char *out = NULL, *in = NULL;
	size_t olen = 0;
	long n = mine && dest >= 0 && scr_red_record_encode(mine, &out, &olen) == 0 &&
			 olen < 1U << 30 ? (long)olen : -1;
	long m = -1;
	MPI_Request req[2];
	int nreq = 0;
	if (src >= 0)
		MPI_Irecv(&m, 1, MPI_LONG, src, TAG_LEN, comm, &req[nreq++]);
	if (dest >= 0)
		MPI_Isend(&n, 1, MPI_LONG, dest, TAG_LEN, comm, &req[nreq++]);
	MPI_Waitall(nreq, req, MPI_STATUSES_IGNORE);
	/* room for src's record, and whether dest has room for mine */
	int room = 0, dest_room = 0;
	if (src >= 0 && m > 0) {
		in = malloc((size_t)m);
		room = in != NULL;
		if (!room)
			fprintf(stderr, "scr: out of memory for a %ld-byte redundancy record\n", m);
	}
	nreq = 0;
	if (dest >= 0)
		MPI_Irecv(&dest_room, 1, MPI_INT, dest, TAG_ROOM, comm, &req[nreq++]);
	if (src >= 0)
		MPI_Isend(&room, 1, MPI_INT, src, TAG_ROOM, comm, &req[nreq++]);
	MPI_Waitall(nreq, req, MPI_STATUSES_IGNORE);
	nreq = 0;
	if (room)
		MPI_Irecv(in, (int)m, MPI_BYTE, src, TAG_REC, comm, &req[nreq++]);
	if (dest >= 0 && n > 0 && dest_room)
		MPI_Isend(out, (int)n, MPI_BYTE, dest, TAG_REC, comm, &req[nreq++]);
	MPI_Waitall(nreq, req, MPI_STATUSES_IGNORE);
	free(out);
	int rc = 0;
	if (src >= 0) {
		rc = room ? scr_red_record_decode(in, (size_t)m, theirs)
			  : m > 0 ? -SCR_ENOMEM : -SCR_EREMOTE;
		free(in);
	}
	if (!rc && dest >= 0 && n < 0)
		rc = mine ? -SCR_ENOMEM : -SCR_EREMOTE;
	if (!rc && dest >= 0 && !dest_room)
		rc = -SCR_EREMOTE;
	return rc;
}

/*
 * Stream send_len bytes of src to dest and, at the same time, receive
 * recv_len bytes from from, two pieces in flight. The source is a stream or
 * a redundancy payload; the sink likewise. Returns 0 or -1 (I/O); the
 * transfer always runs to its end so the partner never waits in vain.
 */
struct endpoint {
	struct scr_stream *stream;      /* or: */
	struct scr_red_writer *writer;  /* sink: payload being written */
	int fd;                         /* source: payload being read */
	uint64_t fd_off;
};

static int ep_read(struct endpoint *e, uint64_t off, void *buf, size_t len)
{
	if (e->stream)
		return scr_stream_read(e->stream, off, buf, len);
	return scr_red_pread(e->fd, buf, len, e->fd_off + off);
}

static int ep_write(struct endpoint *e, uint64_t off, const void *buf, size_t len)
{
	if (e->stream)
		return scr_stream_write(e->stream, off, buf, len);
	return scr_red_writer_pwrite(e->writer, buf, len, off);
}

static size_t piece_at(uint64_t total, uint64_t off)
{
	return off >= total ? 0 : total - off < RED_PIECE ? (size_t)(total - off) : RED_PIECE;
}

static int transfer(MPI_Comm comm, struct endpoint *src, uint64_t send_len, int dest,
		    struct endpoint *sink, uint64_t recv_len, int from)
{
	unsigned char *sbuf[2] = { red_alloc(RED_PIECE), red_alloc(RED_PIECE) };
	unsigned char *rbuf[2] = { red_alloc(RED_PIECE), red_alloc(RED_PIECE) };
	int ready = sbuf[0] && sbuf[1] && rbuf[0] && rbuf[1];
	int err = ready ? 0 : -SCR_ENOMEM;   /* the first error, 0 none */
	if (!ready)
		fprintf(stderr, "scr: out of memory for the %zu MiB of copy buffers\n",
			4 * RED_PIECE >> 20);
	/* the sender's length rules: a receiver whose idea differs (its copy of
	 * the record failed) still takes every piece, writing none. A side
	 * without buffers moves nothing, and both ends of each direction know. */
	uint64_t announced = 0;
	int dest_ready = 0, from_ready = 0;
	MPI_Request lreq[6];
	int nl = 0;
	if (from >= 0) {
		MPI_Irecv(&announced, 1, MPI_UINT64_T, from, TAG_DATA + 2, comm, &lreq[nl++]);
		MPI_Irecv(&from_ready, 1, MPI_INT, from, TAG_READY, comm, &lreq[nl++]);
		MPI_Isend(&ready, 1, MPI_INT, from, TAG_READY, comm, &lreq[nl++]);
	}
	if (dest >= 0) {
		MPI_Isend(&send_len, 1, MPI_UINT64_T, dest, TAG_DATA + 2, comm, &lreq[nl++]);
		MPI_Irecv(&dest_ready, 1, MPI_INT, dest, TAG_READY, comm, &lreq[nl++]);
		MPI_Isend(&ready, 1, MPI_INT, dest, TAG_READY, comm, &lreq[nl++]);
	}
	MPI_Waitall(nl, lreq, MPI_STATUSES_IGNORE);
	if (from >= 0 && announced != recv_len) {
		if (!err)
			err = -SCR_EREMOTE;
		recv_len = announced;
	}
	if (dest >= 0 && !(ready && dest_ready)) {
		if (!err && send_len > 0)
			err = -SCR_EREMOTE;
		dest = -1;
		send_len = 0;
	}
	if (from >= 0 && !(ready && from_ready)) {
		if (!err && recv_len > 0)
			err = -SCR_EREMOTE;
		from = -1;
		recv_len = 0;
	}
	uint64_t longest = send_len > recv_len ? send_len : recv_len;
	uint64_t npieces = (longest + RED_PIECE - 1) / RED_PIECE;
	MPI_Request req[2][2];
	int nreq[2] = { 0, 0 };
	for (uint64_t i = 0; i <= npieces; i++) {
		int slot = (int)(i & 1);
		if (i < npieces) {
			uint64_t off = i * RED_PIECE;
			size_t rlen = from >= 0 ? piece_at(recv_len, off) : 0;
			size_t slen = dest >= 0 ? piece_at(send_len, off) : 0;
			nreq[slot] = 0;
			if (rlen)
				MPI_Irecv(rbuf[slot], (int)rlen, MPI_BYTE, from, TAG_DATA + slot, comm,
					  &req[slot][nreq[slot]++]);
			if (slen) {
				if (!err)
					err = ep_read(src, off, sbuf[slot], slen);
				MPI_Isend(sbuf[slot], (int)slen, MPI_BYTE, dest, TAG_DATA + slot, comm,
					  &req[slot][nreq[slot]++]);
			}
		}
		if (i == 0)
			continue;
		/* finish the previous piece while this one travels */
		int prev = !slot;
		uint64_t poff = (i - 1) * RED_PIECE;
		MPI_Waitall(nreq[prev], req[prev], MPI_STATUSES_IGNORE);
		size_t rlen = from >= 0 ? piece_at(recv_len, poff) : 0;
		if (rlen && !err)
			err = ep_write(sink, poff, rbuf[prev], rlen);
	}
	for (int i = 0; i < 2; i++) {
		free(sbuf[i]);
		free(rbuf[i]);
	}
	return err;
}

static int partner_encode(const struct scr_red_dataset *d)
{
	MPI_Comm comm;
	int *members, S, rank, nranks, pos;
	int err = red_make_set(d, 0, "PARTNER", &comm, &members, &S);   /* the first error */
	if (err)
		return err;
	MPI_Comm_rank(d->world, &rank);
	MPI_Comm_size(d->world, &nranks);
	MPI_Comm_rank(comm, &pos);
	int left = (pos + S - 1) % S, right = (pos + 1) % S;
	struct scr_red_record recs[2];
	memset(recs, 0, sizeof(recs));
	err = red_own_record(d, rank, &recs[0]);
	int rc = exchange_records(err ? NULL : &recs[0], right, left, comm, &recs[1]);
	if (!err)
		err = rc;
	int ring[3] = { members[left], rank, members[right] };
	struct scr_red_header h = {
		.scheme = SCR_RED_PARTNER, .dataset_id = d->id, .nranks = nranks, .rank = rank,
		.set_size = S, .m = 0, .pos = 1, .members = ring,
		.payload_len = err ? 0 : scr_red_record_bytes(&recs[1]),
		.nrecords = 2, .records = recs,
	};
	struct scr_red_writer w = { .fd = -1 };
	char *path = scr_red_file_path(d->dataset_dir, rank);
	int writing = 0;
	if (!err) {
		err = path ? scr_red_writer_begin(&w, path, &h) : -SCR_ENOMEM;
		writing = !err;
	}
	struct scr_stream in;
	rc = scr_stream_open(&in, d->dataset_dir, &recs[0], 0);
	if (!err)
		err = rc;
	struct endpoint src = { .stream = &in }, sink = { .writer = &w };
	/* the lengths each side expects come from the records both hold */
	uint64_t send_len = scr_red_record_bytes(&recs[0]), recv_len = h.payload_len;
	rc = transfer(comm, &src, send_len, right, &sink, recv_len, left);
	if (!err)
		err = rc;
	scr_stream_close(&in);
	if (writing) {
		if (err)
			scr_red_writer_abort(&w);
		else
			err = scr_red_writer_finish(&w);
	}
	if (err && err != -SCR_EREMOTE && err != -SCR_ENOMEM)
		red_warn(d, "cannot make redundancy file '%s' from this rank's files: %s",
			 path ? path : "?", scr_strerror(err));
	free(path);
	free(recs[0].files);
	scr_red_record_release(&recs[1]);
	int mine = !err, all = 0;
	MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_LAND, d->world);
	if (!all)
		red_remove_file(d);
	MPI_Comm_free(&comm);
	free(members);
	return all ? 0 : err ? err : -SCR_EREMOTE;
}

static int partner_recover(const struct scr_red_dataset *d, struct scr_red_outcome *out)
{
	int rank;
	MPI_Comm_rank(d->world, &rank);
	struct scr_red_header h;
	uint64_t payload_off = 0;
	int has_red = 0;
	if (red_load_header(d, SCR_RED_PARTNER, &h, &payload_off, &has_red))
		has_red = 0;
	int left = has_red ? h.members[0] : -1;
	struct red_roll roll;
	int rc = red_roll_call(d, has_red, &left, has_red ? 1 : 0, &roll);
	if (rc) {
		scr_red_header_release(&h);
		return rc;
	}
	if (roll.all_data) {
		int all_red = roll.all_red;
		red_roll_release(&roll);
		scr_red_header_release(&h);
		return red_finish(d, 1, !all_red, NULL, out);
	}
	/* holder[r]: the rank keeping a copy of lost rank r */
	int n = roll.nranks, lost = 0, feasible = 1;
	int *holder = malloc((size_t)n * sizeof(int));
	int have_holder = holder != NULL, all_have = 0;
	if (!holder)
		red_warn(d, "out of memory for the rebuild plan of %d ranks", n);
	MPI_Allreduce(&have_holder, &all_have, 1, MPI_INT, MPI_LAND, d->world);
	if (!all_have) {
		free(holder);
		red_roll_release(&roll);
		scr_red_header_release(&h);
		return red_finish(d, 0, 0, NULL, out);
	}
	for (int r = 0; r < n; r++)
		holder[r] = -1;
	for (int x = 0; x < n; x++)
		if (roll.has_red[x] && roll.info_len[x] == 1)
			holder[roll.info[roll.info_off[x]]] = x;
	for (int r = 0; r < n; r++) {
		if (roll.has_data[r])
			continue;
		lost++;
		if (holder[r] < 0)
			feasible = 0;
	}
	if (!feasible) {
		if (rank == 0)
			red_warn(d, "PARTNER cannot rebuild dataset %d: %d rank(s) lost their files "
				 "together with the partner that kept their copy", d->id, lost);
		free(holder);
		red_roll_release(&roll);
		scr_red_header_release(&h);
		return red_finish(d, 0, 0, NULL, out);
	}
	/* a holder sends the copy it keeps (its left's) to that rank if lost */
	int send_to = has_red && !roll.has_data[left] ? left : -1;
	int recv_from = !d->have ? holder[rank] : -1;
	struct scr_red_record mine;
	memset(&mine, 0, sizeof(mine));
	const struct scr_red_record *copy = send_to >= 0 ? scr_red_header_record(&h, left) : NULL;
	int err = 0;   /* the first error of this rank */
	if (send_to >= 0 && !copy)
		err = -SCR_EFORMAT;   /* its redundancy file lacks the copy it should keep */
	struct scr_red_record empty = { .rank = -1 };
	rc = exchange_records(send_to >= 0 ? (copy ? copy : &empty) : NULL, send_to, recv_from,
			      d->world, &mine);
	if (rc && recv_from >= 0 && !err)
		err = rc;
	if (recv_from >= 0 && !err && mine.rank != rank)
		err = -SCR_EFORMAT;   /* the holder had no copy of this rank */
	struct scr_stream sink_stream;
	int sink_open = 0;
	if (recv_from >= 0 && !err) {
		err = scr_stream_open(&sink_stream, d->dataset_dir, &mine, 1);
		sink_open = !err;
	}
	int fd = -1;
	if (send_to >= 0) {
		char *path = scr_red_file_path(d->dataset_dir, rank);
		fd = path ? open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : -1;
		rc = !path ? -SCR_ENOMEM : fd < 0 ? scr_err_from_errno(errno) : 0;
		free(path);
		if (!err)
			err = rc;
	}
	struct endpoint src = { .fd = fd, .fd_off = payload_off };
	struct endpoint sink = { .stream = sink_open ? &sink_stream : NULL };
	/* a receiver that failed to set up still drains what it is sent */
	struct scr_red_writer discard = { .fd = -1 };
	if (recv_from >= 0 && !sink_open) {
		sink.writer = &discard;
		discard.payload_len = 0;
	}
	uint64_t send_len = copy ? scr_red_record_bytes(copy) : 0;
	uint64_t recv_len = recv_from >= 0 ? scr_red_record_bytes(&mine) : 0;
	rc = transfer(d->world, &src, send_len, send_to, &sink, recv_len, recv_from);
	if (!err)
		err = rc;
	if (fd >= 0)
		close(fd);
	if (sink_open)
		scr_stream_close(&sink_stream);
	if (recv_from >= 0 && !err) {
		char *bad = NULL;
		if (!scr_stream_verify(d->dataset_dir, &mine, &bad)) {
			red_warn(d, "rebuilt file '%s' of rank %d fails its CRC check", bad ? bad : "?",
				 rank);
			err = -SCR_ECORRUPT;
		}
		free(bad);
	} else if (err && err != -SCR_EREMOTE && err != -SCR_ENOMEM) {
		red_warn(d, "rank %d cannot take its part in rebuilding dataset %d: %s", rank,
			 d->id, scr_strerror(err));
	}
	free(holder);
	red_roll_release(&roll);
	scr_red_header_release(&h);
	rc = red_finish(d, !err, 1, recv_from >= 0 && !err ? &mine : NULL, out);
	if (sink_open && !out->ok)
		scr_stream_remove(d->dataset_dir, &mine);
	scr_red_record_release(&mine);
	return rc;
}

static int partner_remove(const struct scr_red_dataset *d)
{
	return red_remove_file(d);
}

const struct scr_redundancy scr_red_partner = {
	.name = "PARTNER",
	.encode = partner_encode,
	.recover = partner_recover,
	.remove = partner_remove,
};
