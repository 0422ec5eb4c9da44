/*
 * XOR and Reed-Solomon over sets of ranks in distinct failure groups, laid
 * out as stripe.h describes. XOR is the one-parity case (xor_gen); RS keeps
 * SCR_SET_FAILURES parity blocks per stripe (Cauchy matrix).
 *
 * Encode runs in pieces of RED_PIECE bytes per block, two pieces in flight:
 * while one piece's parity is computed, the next piece's blocks travel.
 * Every member sends its data chunks to the stripes' first parity holders,
 * which compute the parity and pass the other parity blocks on.
 *
 * Recover: a roll call finds the ranks without their files; each set that
 * lost members rebuilds them stripe by stripe at the member that lost the
 * block, from any k blocks that survive, and the rebuilt member checks every
 * file's CRC before the dataset counts as whole.
 */
#define _GNU_SOURCE
#include "exchange.h"
#include "kernels.h"
#include "scr_err.h"
#include "stream.h"
#include "stripe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TAG_ENCODE 20000   /* + slot * 2 + phase */
#define TAG_BLOCK 1000     /* + stripe: a surviving block to its decoder */
#define TAG_REBUILT 6000   /* + stripe: a rebuilt block to its owner */
#define MAX_SET 4096       /* keeps the tags above apart */

static const char *scheme_name(int scheme)
{
	return scheme == SCR_RED_XOR ? "XOR" : "RS";
}

/* ---- encode ---- */

struct enc_slot {
	unsigned char **send, **recv, **par, **par_in;
	MPI_Request *req;   /* k sends, k recvs, m - 1 parity recvs, m - 1 parity sends */
};

struct enc {
	MPI_Comm comm;
	int S, m, k, pos;
	uint64_t chunk;
	struct scr_stream in;
	struct scr_red_writer *out;
	struct scr_rs rs;
	struct enc_slot slot[2];
	int err;   /* the first error of this member (-SCR_E*), 0 none */
};

/* piece: the largest piece of the chunk */
static int slot_alloc(struct enc_slot *sl, int k, int m, size_t piece)
{
	memset(sl, 0, sizeof(*sl));
	sl->send = calloc((size_t)k, sizeof(*sl->send));
	sl->recv = calloc((size_t)k, sizeof(*sl->recv));
	sl->par = calloc((size_t)m, sizeof(*sl->par));
	sl->par_in = calloc((size_t)m, sizeof(*sl->par_in));
	sl->req = malloc((size_t)(2 * k + 2 * m) * sizeof(*sl->req));
	if (!sl->send || !sl->recv || !sl->par || !sl->par_in || !sl->req)
		return -SCR_ENOMEM;
	for (int i = 0; i < k; i++)
		if (!(sl->send[i] = red_alloc(piece)) || !(sl->recv[i] = red_alloc(piece)))
			return -SCR_ENOMEM;
	for (int q = 0; q < m; q++)
		if (!(sl->par[q] = red_alloc(piece)) || !(sl->par_in[q] = red_alloc(piece)))
			return -SCR_ENOMEM;
	return 0;
}

static void slot_free(struct enc_slot *sl, int k, int m)
{
	for (int i = 0; sl->send && i < k; i++)
		free(sl->send[i]);
	for (int i = 0; sl->recv && i < k; i++)
		free(sl->recv[i]);
	for (int q = 0; sl->par && q < m; q++)
		free(sl->par[q]);
	for (int q = 0; sl->par_in && q < m; q++)
		free(sl->par_in[q]);
	free(sl->send);
	free(sl->recv);
	free(sl->par);
	free(sl->par_in);
	free(sl->req);
}

static size_t piece_len(uint64_t chunk, uint64_t off)
{
	return chunk - off < RED_PIECE ? (size_t)(chunk - off) : RED_PIECE;
}

/* Post the transfers of one piece: this member's data chunks out to the
 * stripe heads, and the inputs this member needs in. */
static void enc_start(struct enc *e, uint64_t off, int slot)
{
	struct enc_slot *sl = &e->slot[slot];
	size_t len = piece_len(e->chunk, off);
	int tag = TAG_ENCODE + slot * 2, n = 0;
	/* requests: k data in, k data out, m - 1 parity in, m - 1 parity out */
	for (int c = 0; c < e->k; c++)
		MPI_Irecv(sl->recv[c], (int)len, MPI_BYTE, stripe_mod(e->pos + e->m + c, e->S), tag,
			  e->comm, &sl->req[n++]);
	for (int q = 1; q < e->m; q++)
		MPI_Irecv(sl->par_in[q], (int)len, MPI_BYTE, stripe_mod(e->pos - q, e->S), tag + 1,
			  e->comm, &sl->req[2 * e->k + q - 1]);
	for (int c = 0; c < e->k; c++) {
		if (!e->err)
			e->err = scr_stream_read(&e->in, (uint64_t)c * e->chunk + off, sl->send[c], len);
		MPI_Isend(sl->send[c], (int)len, MPI_BYTE, stripe_of_chunk(e->S, e->m, e->pos, c),
			  tag, e->comm, &sl->req[n++]);
	}
}

/* Finish one piece: parity of the stripe this member heads, passed on. */
static void enc_finish(struct enc *e, uint64_t off, int slot)
{
	struct enc_slot *sl = &e->slot[slot];
	size_t len = piece_len(e->chunk, off);
	int tag = TAG_ENCODE + slot * 2;
	MPI_Waitall(2 * e->k, sl->req, MPI_STATUSES_IGNORE);
	scr_stripe_encode(&e->rs, e->k, e->m, len, sl->recv, sl->par);
	MPI_Request *sends = sl->req + 2 * e->k + (e->m - 1);
	for (int q = 1; q < e->m; q++)
		MPI_Isend(sl->par[q], (int)len, MPI_BYTE, stripe_mod(e->pos + q, e->S), tag + 1,
			  e->comm, &sends[q - 1]);
	if (!e->err)
		e->err = scr_red_writer_pwrite(e->out, sl->par[0], len, off);
	MPI_Waitall(2 * (e->m - 1), sl->req + 2 * e->k, MPI_STATUSES_IGNORE);
	for (int q = 1; q < e->m; q++)
		if (!e->err)
			e->err = scr_red_writer_pwrite(e->out, sl->par_in[q], len,
						       (uint64_t)q * e->chunk + off);
}

static int encode_set(const struct scr_red_dataset *d, int scheme, MPI_Comm comm,
		      const int *members, int S, int m)
{
	int rank, nranks, pos;
	MPI_Comm_rank(d->world, &rank);
	MPI_Comm_size(d->world, &nranks);
	MPI_Comm_rank(comm, &pos);
	struct enc e = { .comm = comm, .S = S, .m = m, .k = S - m, .pos = pos };
	struct scr_red_record own, *all = NULL;
	int rc = red_own_record(d, rank, &own);
	int ok = !rc, all_ok = 0;
	MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, comm);
	if (!all_ok)
		rc = rc ? rc : -SCR_EREMOTE;
	else
		rc = red_allgather_records(comm, &own, &all);
	if (rc) {
		free(own.files);
		return rc;
	}
	uint64_t longest = 0;
	for (int p = 0; p < S; p++) {
		uint64_t b = scr_red_record_bytes(&all[p]);
		longest = b > longest ? b : longest;
	}
	e.chunk = stripe_chunk(longest, e.k);
	struct scr_red_header h = {
		.scheme = scheme, .dataset_id = d->id, .nranks = nranks, .rank = rank,
		.set_size = S, .m = m, .pos = pos, .members = (int *)members,
		.chunk = e.chunk, .payload_len = (uint64_t)m * e.chunk,
		.nrecords = (size_t)S, .records = all,
	};
	struct scr_red_writer w;
	char *path = scr_red_file_path(d->dataset_dir, rank);
	rc = path ? scr_red_writer_begin(&w, path, &h) : -SCR_ENOMEM;
	if (rc)
		e.err = rc;
	else
		e.out = &w;
	if (!e.err)
		e.err = scr_stream_open(&e.in, d->dataset_dir, &own, 0);
	if (!e.err && m > 1)
		e.err = scr_rs_init(&e.rs, e.k, m);
	size_t piece = e.chunk < RED_PIECE ? (size_t)e.chunk : RED_PIECE;
	int bufs = slot_alloc(&e.slot[0], e.k, m, piece) == 0 &&
		   slot_alloc(&e.slot[1], e.k, m, piece) == 0;
	if (!bufs)
		red_warn(d, "out of memory for the %zu KiB of encoding buffers",
			 (size_t)(4 * (e.k + m)) * piece >> 10);
	MPI_Allreduce(&bufs, &all_ok, 1, MPI_INT, MPI_LAND, comm);
	if (all_ok) {
		uint64_t npieces = (e.chunk + RED_PIECE - 1) / RED_PIECE;
		if (npieces > 0)
			enc_start(&e, 0, 0);
		for (uint64_t i = 0; i < npieces; i++) {
			if (i + 1 < npieces)
				enc_start(&e, (i + 1) * RED_PIECE, (int)((i + 1) & 1));
			enc_finish(&e, i * RED_PIECE, (int)(i & 1));
		}
	} else if (!e.err) {
		e.err = bufs ? -SCR_EREMOTE : -SCR_ENOMEM;
	}
	scr_stream_close(&e.in);
	if (e.out) {
		if (e.err)
			scr_red_writer_abort(e.out);
		else
			e.err = scr_red_writer_finish(e.out);
	}
	if (e.err && e.err != -SCR_EREMOTE && e.err != -SCR_ENOMEM)
		red_warn(d, "cannot make redundancy file '%s' from this rank's files: %s",
			 path ? path : "?", scr_strerror(e.err));
	free(path);
	slot_free(&e.slot[0], e.k, m);
	slot_free(&e.slot[1], e.k, m);
	if (m > 1)
		scr_rs_release(&e.rs);
	red_records_free(all, S);
	free(own.files);
	return e.err;
}

static int erasure_encode(const struct scr_red_dataset *d, int scheme)
{
	int m = scheme == SCR_RED_XOR ? 1 : d->set_failures;
	MPI_Comm comm;
	int *members, S;
	int rc = red_make_set(d, d->set_size, scheme_name(scheme), &comm, &members, &S);
	if (rc)
		return rc;
	int smallest = S, rank;
	MPI_Comm_rank(d->world, &rank);
	MPI_Allreduce(&S, &smallest, 1, MPI_INT, MPI_MIN, d->world);
	rc = -SCR_ECONFIG;
	if (smallest <= m) {
		if (rank == 0)
			red_warn(d, "RS with SCR_SET_FAILURES=%d needs sets of at least %d failure "
				 "groups, but a set of this job has %d: dataset %d is not protected "
				 "(lower SCR_SET_FAILURES or use more nodes)", m, m + 1, smallest, d->id);
	} else if (S > MAX_SET) {
		if (rank == 0)
			red_warn(d, "sets of %d ranks are too large (at most %d)", S, MAX_SET);
	} else {
		rc = encode_set(d, scheme, comm, members, S, m);
	}
	int mine = rc == 0, all = 0;
	MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_LAND, d->world);
	if (!all) {
		red_remove_file(d);
		rc = rc ? rc : -SCR_EREMOTE;
	}
	MPI_Comm_free(&comm);
	free(members);
	return rc;
}

/* ---- recover ---- */

/* info a rank with an intact redundancy file contributes to the roll call */
enum { I_S, I_M, I_CHUNK_LO, I_CHUNK_HI, I_MEMBERS };

struct lost_set {
	int rep;                   /* a member whose file describes the set */
	int S, m;
	uint64_t chunk;
	const int *members;        /* into the roll call's info */
	int *has_data, *has_red;   /* by position */
};

static int find_pos(const int *members, int S, int rank)
{
	for (int p = 0; p < S; p++)
		if (members[p] == rank)
			return p;
	return -1;
}

/* Whether a set can rebuild its lost members: every stripe keeps k blocks. */
static int set_feasible(const struct lost_set *ls)
{
	return stripe_set_rebuildable(ls->S, ls->m, ls->has_data, ls->has_red);
}

struct dec {
	MPI_Comm comm;
	int S, m, k, pos;
	uint64_t chunk;
	const struct lost_set *ls;
	struct scr_stream data;      /* this member's files (read, or written if rebuilt) */
	int data_open;
	int red_fd;                  /* this member's redundancy file, if it has one */
	uint64_t payload_off;
	struct scr_rs rs;
	unsigned char **blocks;      /* decoder: k + m blocks of one stripe */
	unsigned char *out;          /* a block this member sends or receives */
	unsigned char **sendbuf;     /* per stripe: this member's block for its decoder */
	MPI_Request *req;            /* room for every transfer of one piece */
	int err;                     /* the first error of this member, 0 none */
};

/* this member's copy of block b of stripe s (it holds it) */
static int read_block(struct dec *x, int s, int b, uint64_t off, unsigned char *buf, size_t len)
{
	if (b < x->k)
		return scr_stream_read(&x->data, (uint64_t)b * x->chunk + off, buf, len);
	int q = stripe_mod(x->pos - s, x->S);
	return scr_red_pread(x->red_fd, buf, len, x->payload_off + (uint64_t)q * x->chunk + off);
}

/* the decoder of a stripe: the holder of its first lost data block */
static int stripe_decoder(const struct lost_set *ls, int s)
{
	for (int b = 0; b < ls->S - ls->m; b++)
		if (!stripe_block_ok(ls->S, ls->m, s, b, ls->has_data, ls->has_red))
			return stripe_holder(ls->S, ls->m, s, b);
	return -1;
}

static void dec_piece(struct dec *x, uint64_t off)
{
	const struct lost_set *ls = x->ls;
	size_t len = piece_len(x->chunk, off);
	int S = x->S, m = x->m, k = x->k;
	MPI_Request *req = x->req;
	int nreq = 0;
	/* 1. every surviving block of a stripe that lost data goes to its decoder */
	for (int s = 0; s < S; s++) {
		int dec = stripe_decoder(ls, s);
		if (dec < 0)
			continue;
		for (int b = 0; b < S; b++) {
			if (!stripe_block_ok(S, m, s, b, ls->has_data, ls->has_red))
				continue;
			int holder = stripe_holder(S, m, s, b);
			if (dec == x->pos && holder == x->pos) {
				if (!x->err)
					x->err = read_block(x, s, b, off, x->blocks[s * S + b], len);
			} else if (dec == x->pos) {
				MPI_Irecv(x->blocks[s * S + b], (int)len, MPI_BYTE, holder, TAG_BLOCK + s,
					  x->comm, &req[nreq++]);
			} else if (holder == x->pos) {
				/* one block per stripe is this member's */
				if (!x->err)
					x->err = read_block(x, s, b, off, x->sendbuf[s], len);
				MPI_Isend(x->sendbuf[s], (int)len, MPI_BYTE, dec, TAG_BLOCK + s, x->comm,
					  &req[nreq++]);
			}
		}
	}
	MPI_Waitall(nreq, req, MPI_STATUSES_IGNORE);
	nreq = 0;
	/* 2. decoders rebuild their stripes; lost data blocks go to their holders */
	for (int s = 0; s < S; s++) {
		int dec = stripe_decoder(ls, s);
		if (dec < 0)
			continue;
		unsigned char **blk = x->blocks + s * S;
		if (dec == x->pos) {
			int erased[MAX_SET], nerased = 0;
			for (int b = 0; b < S; b++)
				if (!stripe_block_ok(S, m, s, b, ls->has_data, ls->has_red))
					erased[nerased++] = b;
			int rc = scr_stripe_decode(&x->rs, k, m, len, blk, erased, nerased);
			if (!x->err)
				x->err = rc;
		}
		for (int b = 0; b < k; b++) {
			if (stripe_block_ok(S, m, s, b, ls->has_data, ls->has_red))
				continue;
			int holder = stripe_holder(S, m, s, b);
			if (dec == x->pos && holder == x->pos) {
				if (!x->err)
					x->err = scr_stream_write(&x->data, (uint64_t)b * x->chunk + off,
								  blk[b], len);
			} else if (dec == x->pos) {
				MPI_Isend(blk[b], (int)len, MPI_BYTE, holder, TAG_REBUILT + s, x->comm,
					  &req[nreq++]);
			} else if (holder == x->pos) {
				MPI_Recv(x->out, (int)len, MPI_BYTE, dec, TAG_REBUILT + s, x->comm,
					 MPI_STATUS_IGNORE);
				if (!x->err)
					x->err = scr_stream_write(&x->data, (uint64_t)b * x->chunk + off,
								  x->out, len);
			}
		}
	}
	MPI_Waitall(nreq, req, MPI_STATUSES_IGNORE);
}

/* Rebuild the lost members of this rank's set. *rebuilt gets this rank's
 * record when its files were rebuilt. */
static int rebuild_set(const struct scr_red_dataset *d, const struct lost_set *ls,
		       struct scr_red_header *h, uint64_t payload_off, int has_red,
		       MPI_Comm comm, struct scr_red_record *rebuilt, int *was_rebuilt)
{
	int rank, pos;
	MPI_Comm_rank(d->world, &rank);
	MPI_Comm_rank(comm, &pos);
	struct dec x = { .comm = comm, .S = ls->S, .m = ls->m, .k = ls->S - ls->m, .pos = pos,
			 .chunk = ls->chunk, .ls = ls, .red_fd = -1 };
	int rep_pos = find_pos(ls->members, ls->S, ls->rep);
	/* members without their files get their records from the representative */
	struct scr_red_record mine;
	memset(&mine, 0, sizeof(mine));
	int lost = !ls->has_data[pos];
	for (int p = 0; p < ls->S; p++) {
		if (ls->has_data[p])
			continue;
		if (pos == rep_pos && p == rep_pos) {
			const struct scr_red_record *r = scr_red_header_record(h, rank);
			x.err = r ? scr_red_record_copy(&mine, r) : -SCR_EFORMAT;
		} else if (pos == rep_pos) {
			const struct scr_red_record *r = scr_red_header_record(h, ls->members[p]);
			struct scr_red_record empty = { .rank = -1 };
			red_send_record(r ? r : &empty, p, comm);
		} else if (pos == p) {
			x.err = red_recv_record(&mine, rep_pos, comm);
		}
	}
	if (lost && !x.err && mine.rank != rank)
		x.err = -SCR_EFORMAT;   /* the representative holds no record of it */
	const struct scr_red_record *own = lost ? &mine : NULL;
	struct scr_red_record from_d;
	memset(&from_d, 0, sizeof(from_d));
	if (!lost) {
		int rc = red_own_record(d, rank, &from_d);
		if (!x.err)
			x.err = rc;
		own = &from_d;
	}
	if (!x.err)
		x.err = scr_stream_open(&x.data, d->dataset_dir, own, lost);
	x.data_open = !x.err;
	if (has_red) {
		char *path = scr_red_file_path(d->dataset_dir, rank);
		x.red_fd = path ? open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : -1;
		int rc = !path ? -SCR_ENOMEM : x.red_fd < 0 ? scr_err_from_errno(errno) : 0;
		free(path);
		x.payload_off = payload_off;
		if (!x.err)
			x.err = rc;
	}
	if (x.m > 1) {
		int rc = scr_rs_init(&x.rs, x.k, x.m);
		if (!x.err)
			x.err = rc;
	}
	/* every buffer before the first transfer: a member that cannot take
	 * part says so in the agreement below instead of leaving the others
	 * waiting */
	x.blocks = calloc((size_t)(ls->S * ls->S), sizeof(*x.blocks));
	x.sendbuf = calloc((size_t)ls->S, sizeof(*x.sendbuf));
	x.req = malloc((size_t)(2 * ls->S * ls->S + 1) * sizeof(*x.req));
	size_t piece = x.chunk < RED_PIECE ? (size_t)x.chunk : RED_PIECE;   /* the largest */
	x.out = red_alloc(piece);
	int bufs = x.blocks && x.sendbuf && x.req && x.out;
	for (int s = 0; bufs && s < ls->S; s++) {
		int dec = stripe_decoder(ls, s);
		if (dec >= 0 && dec != pos)
			bufs = (x.sendbuf[s] = red_alloc(piece)) != NULL;
		if (dec != pos)
			continue;
		for (int b = 0; bufs && b < ls->S; b++)
			bufs = (x.blocks[s * ls->S + b] = red_alloc(piece)) != NULL;
	}
	if (!bufs)
		red_warn(d, "out of memory for the rebuild buffers of a %d-member set", ls->S);
	int all_bufs = 0;
	MPI_Allreduce(&bufs, &all_bufs, 1, MPI_INT, MPI_LAND, comm);
	if (all_bufs) {
		for (uint64_t off = 0; off < x.chunk; off += RED_PIECE)
			dec_piece(&x, off);
	} else if (!x.err) {
		x.err = bufs ? -SCR_EREMOTE : -SCR_ENOMEM;
	}
	if (x.data_open)
		scr_stream_close(&x.data);
	if (lost && !x.err) {
		char *bad = NULL;
		if (!scr_stream_verify(d->dataset_dir, own, &bad)) {
			red_warn(d, "rebuilt file '%s' of rank %d fails its CRC check", bad ? bad : "?",
				 rank);
			x.err = -SCR_ECORRUPT;
		}
		free(bad);
	} else if (x.err && x.err != -SCR_EREMOTE && x.err != -SCR_ENOMEM) {
		red_warn(d, "rank %d cannot take its part in rebuilding dataset %d: %s", rank,
			 d->id, scr_strerror(x.err));
	}
	if (x.red_fd >= 0)
		close(x.red_fd);
	for (int i = 0; x.blocks && i < ls->S * ls->S; i++)
		free(x.blocks[i]);
	for (int i = 0; x.sendbuf && i < ls->S; i++)
		free(x.sendbuf[i]);
	free(x.blocks);
	free(x.sendbuf);
	free(x.req);
	free(x.out);
	if (x.m > 1)
		scr_rs_release(&x.rs);
	free(from_d.files);
	if (lost && x.data_open) {
		/* handed back even on failure: the caller removes what was written
		 * unless the whole dataset is usable */
		*rebuilt = mine;
		*was_rebuilt = x.err ? -1 : 1;
	} else {
		scr_red_record_release(&mine);
	}
	return x.err;
}

static int erasure_recover(const struct scr_red_dataset *d, int scheme,
			   struct scr_red_outcome *out)
{
	int rank;
	MPI_Comm_rank(d->world, &rank);
	struct scr_red_header h;
	uint64_t payload_off = 0;
	int has_red = 0;
	if (red_load_header(d, scheme, &h, &payload_off, &has_red))
		has_red = 0;
	int ninfo = has_red ? I_MEMBERS + h.set_size : 0;
	int *info = malloc((size_t)(ninfo ? ninfo : 1) * sizeof(int));
	if (has_red && info) {
		info[I_S] = h.set_size;
		info[I_M] = h.m;
		info[I_CHUNK_LO] = (int)(uint32_t)h.chunk;
		info[I_CHUNK_HI] = (int)(uint32_t)(h.chunk >> 32);
		memcpy(info + I_MEMBERS, h.members, (size_t)h.set_size * sizeof(int));
	} else {
		ninfo = 0;
	}
	struct red_roll roll;
	int rc = red_roll_call(d, has_red && info, info, ninfo, &roll);
	free(info);
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

	/* every rank works out the same plan from the roll call */
	int n = roll.nranks;
	int *rep = malloc((size_t)n * sizeof(int));
	int feasible = rep != NULL;
	for (int r = 0; rep && r < n; r++)
		rep[r] = -1;
	for (int x = 0; feasible && x < n; x++) {
		if (!roll.has_red[x] || roll.info_len[x] < I_MEMBERS)
			continue;
		const int *inf = roll.info + roll.info_off[x];
		for (int p = 0; p < inf[I_S] && I_MEMBERS + p < roll.info_len[x]; p++)
			if (rep[inf[I_MEMBERS + p]] < 0)
				rep[inf[I_MEMBERS + p]] = x;
	}
	int all_feasible = feasible;
	MPI_Allreduce(&feasible, &all_feasible, 1, MPI_INT, MPI_LAND, d->world);
	feasible = all_feasible;
	int lost = 0, lost_sets_ok = feasible;
	for (int r = 0; feasible && r < n; r++) {
		if (roll.has_data[r])
			continue;
		lost++;
		if (rep[r] < 0) {
			lost_sets_ok = 0;
			continue;
		}
		const int *inf = roll.info + roll.info_off[rep[r]];
		struct lost_set ls = { .rep = rep[r], .S = inf[I_S], .m = inf[I_M],
				       .members = inf + I_MEMBERS };
		int has_d[MAX_SET], has_r[MAX_SET];
		for (int p = 0; p < ls.S; p++) {
			has_d[p] = roll.has_data[ls.members[p]];
			has_r[p] = roll.has_red[ls.members[p]];
		}
		ls.has_data = has_d;
		ls.has_red = has_r;
		if (!set_feasible(&ls))
			lost_sets_ok = 0;
	}
	if (!lost_sets_ok) {
		if (rank == 0)
			red_warn(d, "%s cannot rebuild dataset %d: %d rank(s) lost their files and "
				 "too much of their sets' redundancy data is gone with them",
				 scheme_name(scheme), d->id, lost);
		free(rep);
		red_roll_release(&roll);
		scr_red_header_release(&h);
		return red_finish(d, 0, 0, NULL, out);
	}

	/* the sets with lost members rebuild, each on its own communicator */
	int my_rep = rep[rank];
	int involved = 0;
	for (int r = 0; r < n && my_rep >= 0; r++)
		if (!roll.has_data[r] && rep[r] == my_rep)
			involved = 1;
	struct lost_set ls = { 0 };
	int has_d[MAX_SET], has_r[MAX_SET];
	int pos = 0;
	if (involved) {
		const int *inf = roll.info + roll.info_off[my_rep];
		ls = (struct lost_set){ .rep = my_rep, .S = inf[I_S], .m = inf[I_M],
					.members = inf + I_MEMBERS,
					.chunk = (uint64_t)(uint32_t)inf[I_CHUNK_LO] |
						 (uint64_t)(uint32_t)inf[I_CHUNK_HI] << 32 };
		for (int p = 0; p < ls.S; p++) {
			has_d[p] = roll.has_data[ls.members[p]];
			has_r[p] = roll.has_red[ls.members[p]];
		}
		ls.has_data = has_d;
		ls.has_red = has_r;
		pos = find_pos(ls.members, ls.S, rank);
	}
	MPI_Comm comm;
	MPI_Comm_split(d->world, involved ? my_rep : MPI_UNDEFINED, pos, &comm);
	struct scr_red_record rebuilt;
	int was_rebuilt = 0, ok = 1;
	if (involved)
		ok = rebuild_set(d, &ls, &h, payload_off, has_red, comm, &rebuilt, &was_rebuilt) == 0;
	if (comm != MPI_COMM_NULL)
		MPI_Comm_free(&comm);
	free(rep);
	red_roll_release(&roll);
	scr_red_header_release(&h);
	rc = red_finish(d, ok, 1, was_rebuilt == 1 ? &rebuilt : NULL, out);
	if (was_rebuilt && !out->ok)
		scr_stream_remove(d->dataset_dir, &rebuilt);
	if (was_rebuilt)
		scr_red_record_release(&rebuilt);
	return rc;
}

static int xor_encode(const struct scr_red_dataset *d)
{
	return erasure_encode(d, SCR_RED_XOR);
}

static int xor_recover(const struct scr_red_dataset *d, struct scr_red_outcome *out)
{
	return erasure_recover(d, SCR_RED_XOR, out);
}

static int rs_encode(const struct scr_red_dataset *d)
{
	return erasure_encode(d, SCR_RED_RS);
}

static int rs_recover(const struct scr_red_dataset *d, struct scr_red_outcome *out)
{
	return erasure_recover(d, SCR_RED_RS, out);
}

static int erasure_remove(const struct scr_red_dataset *d)
{
	return red_remove_file(d);
}

const struct scr_redundancy scr_red_xor = {
	.name = "XOR", .encode = xor_encode, .recover = xor_recover, .remove = erasure_remove,
};

const struct scr_redundancy scr_red_rs = {
	.name = "RS", .encode = rs_encode, .recover = rs_recover, .remove = erasure_remove,
};
