#define _GNU_SOURCE
#include "exchange.h"

#include "scr_err.h"
#include "sets.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TAG_RECORD 7301
#define TAG_ROOM 7302     /* the receiver has room for the record */

void red_warn(const struct scr_red_dataset *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	scr_red_vreport(d->warn, fmt, ap);
	va_end(ap);
}

unsigned char *red_alloc(size_t len)
{
	void *p = NULL;
	if (posix_memalign(&p, 64, len ? len : 64) != 0)
		return NULL;
	return p;
}

char *scr_redundancy_path(const char *dataset_dir, int rank)
{
	return scr_red_file_path(dataset_dir, rank);
}

/* Every rank's group name, gathered. */
static int gather_groups(const struct scr_red_dataset *d, int nranks, char **names_out,
			 const char ***groups_out)
{
	int len = (int)strlen(d->group) + 1;
	int *lens = malloc((size_t)nranks * sizeof(int));
	int *offs = malloc((size_t)nranks * sizeof(int));
	const char **groups = malloc((size_t)nranks * sizeof(*groups));
	char *names = NULL;
	int ok = lens && offs && groups;
	int all_ok = 0;
	MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, d->world);
	if (!all_ok)
		goto fail;
	MPI_Allgather(&len, 1, MPI_INT, lens, 1, MPI_INT, d->world);
	long total = 0;
	for (int r = 0; r < nranks; r++) {
		offs[r] = (int)total;
		total += lens[r];
	}
	names = malloc((size_t)total);
	ok = names != NULL && total < 1L << 30;
	MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, d->world);
	if (!all_ok)
		goto fail;
	MPI_Allgatherv(d->group, len, MPI_CHAR, names, lens, offs, MPI_CHAR, d->world);
	for (int r = 0; r < nranks; r++)
		groups[r] = names + offs[r];
	free(lens);
	free(offs);
	*names_out = names;
	*groups_out = groups;
	return 0;
fail:
	free(lens);
	free(offs);
	free(groups);
	free(names);
	return -SCR_ENOMEM;
}

int red_make_set(const struct scr_red_dataset *d, int set_size, const char *scheme,
		 MPI_Comm *comm, int **members, int *nmembers)
{
	int rank, nranks;
	MPI_Comm_rank(d->world, &rank);
	MPI_Comm_size(d->world, &nranks);
	*comm = MPI_COMM_NULL;
	*members = NULL;
	*nmembers = 0;
	char *names = NULL;
	const char **groups = NULL;
	int rc = gather_groups(d, nranks, &names, &groups);
	if (rc)
		return rc;
	int *ids = malloc((size_t)nranks * sizeof(int));
	int *set_of = malloc((size_t)nranks * sizeof(int));
	int *pos_of = malloc((size_t)nranks * sizeof(int));
	int nsets = -SCR_ENOMEM;
	if (ids && set_of && pos_of && scr_red_group_ids(nranks, groups, ids) == 0)
		nsets = scr_red_build_sets(nranks, ids, set_size, set_of, pos_of);
	/* the same on every rank unless memory ran out somewhere: agree */
	int agreed = nsets;
	MPI_Allreduce(&nsets, &agreed, 1, MPI_INT, MPI_MIN, d->world);
	nsets = agreed;
	/* every rank computed the same sets from the same input */
	if (nsets == -SCR_ECONFIG && rank == 0)
		red_warn(d, "%s redundancy needs ranks in at least two failure groups "
			 "(nodes, or groups set by SCR_GROUP), and some rank shares no set "
			 "with another group: dataset %d is not protected", scheme, d->id);
	else if (nsets < 0 && rank == 0)
		red_warn(d, "out of memory building %s sets", scheme);
	rc = nsets > 0 ? 0 : nsets;
	if (!rc) {
		int n = 0;
		for (int r = 0; r < nranks; r++)
			n += set_of[r] == set_of[rank];
		*members = malloc((size_t)n * sizeof(int));
		if (*members) {
			for (int r = 0; r < nranks; r++)
				if (set_of[r] == set_of[rank])
					(*members)[pos_of[r]] = r;
			*nmembers = n;
		}
		int ok = *members != NULL, all = 0;
		MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, d->world);
		if (!all)
			rc = ok ? -SCR_EREMOTE : -SCR_ENOMEM;
	}
	if (!rc)
		MPI_Comm_split(d->world, set_of[rank], pos_of[rank], comm);
	if (rc) {
		free(*members);
		*members = NULL;
		*nmembers = 0;
	}
	free(ids);
	free(set_of);
	free(pos_of);
	free(groups);
	free(names);
	return rc;
}

int red_own_record(const struct scr_red_dataset *d, int rank, struct scr_red_record *r)
{
	memset(r, 0, sizeof(*r));
	r->rank = rank;
	r->files = calloc(d->nfiles ? d->nfiles : 1, sizeof(*r->files));
	if (!r->files)
		return -SCR_ENOMEM;
	for (size_t i = 0; i < d->nfiles; i++) {
		r->files[i].path = (char *)d->files[i].path;
		r->files[i].size = d->files[i].size;
		r->files[i].crc = d->files[i].crc;
	}
	r->nfiles = d->nfiles;
	r->meta = (unsigned char *)d->meta;
	r->meta_len = d->meta_len;
	return 0;
}

void red_records_free(struct scr_red_record *r, int n)
{
	for (int i = 0; r && i < n; i++)
		scr_red_record_release(&r[i]);
	free(r);
}

int red_allgather_records(MPI_Comm comm, const struct scr_red_record *mine,
			  struct scr_red_record **all)
{
	int n;
	MPI_Comm_size(comm, &n);
	*all = NULL;
	unsigned char *buf = NULL, *bufs = NULL;
	size_t len = 0;
	int rc = scr_red_record_encode(mine, &buf, &len);
	if (!rc && len >= 1U << 30)
		rc = -SCR_EINVAL;
	int ok = !rc;
	int *lens = malloc((size_t)n * sizeof(int)), *offs = malloc((size_t)n * sizeof(int));
	struct scr_red_record *recs = calloc((size_t)n, sizeof(*recs));
	if (!rc && !(lens && offs && recs))
		rc = -SCR_ENOMEM;
	ok = !rc;
	int all_ok = 0;
	MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, comm);
	if (!all_ok)
		goto fail;
	int ilen = (int)len;
	MPI_Allgather(&ilen, 1, MPI_INT, lens, 1, MPI_INT, comm);
	long total = 0;
	for (int i = 0; i < n; i++) {
		offs[i] = (int)total;
		total += lens[i];
	}
	bufs = total < 1L << 30 ? malloc((size_t)total + 1) : NULL;
	if (!bufs)
		rc = -SCR_ENOMEM;
	ok = !rc;
	MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, comm);
	if (!all_ok)
		goto fail;
	MPI_Allgatherv(buf, ilen, MPI_BYTE, bufs, lens, offs, MPI_BYTE, comm);
	for (int i = 0; i < n && !rc; i++)
		rc = scr_red_record_decode(bufs + offs[i], (size_t)lens[i], &recs[i]);
	ok = !rc;
	MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, comm);
	if (!all_ok)
		goto fail;
	free(buf);
	free(bufs);
	free(lens);
	free(offs);
	*all = recs;
	return 0;
fail:
	free(buf);
	free(bufs);
	free(lens);
	free(offs);
	red_records_free(recs, recs ? n : 0);
	return rc ? rc : -SCR_EREMOTE;
}

/* The record of this rank in its own header must describe the files the
 * library says it has; a mismatch means the header is not this dataset's. */
static int record_matches(const struct scr_red_dataset *d, const struct scr_red_record *r)
{
	if (!r || r->nfiles != d->nfiles)
		return 0;
	for (size_t i = 0; i < d->nfiles; i++)
		if (strcmp(r->files[i].path, d->files[i].path) || r->files[i].size != d->files[i].size ||
		    r->files[i].crc != d->files[i].crc)
			return 0;
	return 1;
}

int red_load_header(const struct scr_red_dataset *d, int scheme, struct scr_red_header *h,
		    uint64_t *payload_off, int *ok)
{
	int rank, nranks;
	MPI_Comm_rank(d->world, &rank);
	MPI_Comm_size(d->world, &nranks);
	*ok = 0;
	memset(h, 0, sizeof(*h));
	char *path = scr_red_file_path(d->dataset_dir, rank);
	if (!path)
		return -SCR_ENOMEM;
	int rc = scr_red_header_read(path, h, payload_off, 0);
	if (rc && rc != -SCR_ENOENT)
		red_warn(d, "redundancy file '%s' is %s (%s): not used", path,
			 scr_red_damaged(rc) ? "damaged or not scr's" : "unreadable",
			 scr_red_strerror(rc));
	if (!rc && (h->scheme != scheme || h->dataset_id != d->id || h->rank != rank ||
		    h->nranks != nranks)) {
		red_warn(d, "redundancy file '%s' belongs to another dataset, rank or scheme: "
			 "not used", path);
		rc = -SCR_EFORMAT;
	}
	if (!rc && d->have && !record_matches(d, scr_red_header_record(h, rank))) {
		red_warn(d, "redundancy file '%s' describes other files than the cache holds: "
			 "not used", path);
		rc = -SCR_EFORMAT;
	}
	free(path);
	if (rc) {
		scr_red_header_release(h);
		return rc == -SCR_ENOMEM ? rc : 0;
	}
	*ok = 1;
	return 0;
}

int red_roll_call(const struct scr_red_dataset *d, int has_red, const int *info, int ninfo,
		  struct red_roll *roll)
{
	memset(roll, 0, sizeof(*roll));
	int nranks;
	MPI_Comm_size(d->world, &nranks);
	roll->nranks = nranks;
	int mine[3] = { d->have != 0, has_red != 0, ninfo };
	int *all = malloc((size_t)nranks * 3 * sizeof(int));
	roll->has_data = malloc((size_t)nranks * sizeof(int));
	roll->has_red = malloc((size_t)nranks * sizeof(int));
	roll->info_off = malloc((size_t)nranks * sizeof(int));
	roll->info_len = malloc((size_t)nranks * sizeof(int));
	int ok = all && roll->has_data && roll->has_red && roll->info_off && roll->info_len;
	int all_ok = 0;
	MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, d->world);
	if (!all_ok)
		goto fail;
	MPI_Allgather(mine, 3, MPI_INT, all, 3, MPI_INT, d->world);
	long total = 0;
	roll->all_data = roll->all_red = 1;
	for (int r = 0; r < nranks; r++) {
		roll->has_data[r] = all[3 * r];
		roll->has_red[r] = all[3 * r + 1];
		roll->info_len[r] = all[3 * r + 2];
		roll->info_off[r] = (int)total;
		total += all[3 * r + 2];
		roll->all_data &= roll->has_data[r];
		roll->all_red &= roll->has_red[r];
	}
	free(all);
	all = NULL;
	if (roll->all_data)
		return 0;   /* nothing to rebuild: the set descriptions are not needed */
	roll->info = total < 1L << 28 ? malloc((size_t)(total ? total : 1) * sizeof(int)) : NULL;
	ok = roll->info != NULL;
	MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, d->world);
	if (!all_ok)
		goto fail;
	MPI_Allgatherv(info, ninfo, MPI_INT, roll->info, roll->info_len, roll->info_off, MPI_INT,
		       d->world);
	return 0;
fail:
	free(all);
	red_roll_release(roll);
	return -SCR_ENOMEM;
}

void red_roll_release(struct red_roll *roll)
{
	free(roll->has_data);
	free(roll->has_red);
	free(roll->info_off);
	free(roll->info_len);
	free(roll->info);
	memset(roll, 0, sizeof(*roll));
}

/* A record goes only once the receiver has said it has room for it: a
 * receiver out of memory fails its part instead of stranding the sender. */
int red_send_record(const struct scr_red_record *r, int dest, MPI_Comm comm)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	long n = scr_red_record_encode(r, &buf, &len) == 0 && len < 1U << 30 ? (long)len : -1;
	int room = 0;
	MPI_Send(&n, 1, MPI_LONG, dest, TAG_RECORD, comm);
	if (n > 0)
		MPI_Recv(&room, 1, MPI_INT, dest, TAG_ROOM, comm, MPI_STATUS_IGNORE);
	if (room)
		MPI_Send(buf, (int)n, MPI_BYTE, dest, TAG_RECORD, comm);
	free(buf);
	return room ? 0 : n > 0 ? -SCR_EREMOTE : -SCR_ENOMEM;
}

int red_recv_record(struct scr_red_record *r, int src, MPI_Comm comm)
{
	memset(r, 0, sizeof(*r));
	long n = -1;
	MPI_Recv(&n, 1, MPI_LONG, src, TAG_RECORD, comm, MPI_STATUS_IGNORE);
	if (n <= 0)
		return -SCR_EREMOTE;
	unsigned char *buf = malloc((size_t)n);
	int room = buf != NULL;
	if (!room)
		fprintf(stderr, "scr: out of memory for a %ld-byte redundancy record\n", n);
	MPI_Send(&room, 1, MPI_INT, src, TAG_ROOM, comm);
	if (!room)
		return -SCR_ENOMEM;
	MPI_Recv(buf, (int)n, MPI_BYTE, src, TAG_RECORD, comm, MPI_STATUS_IGNORE);
	int rc = scr_red_record_decode(buf, (size_t)n, r);
	free(buf);
	return rc;
}

int red_finish(const struct scr_red_dataset *d, int ok, int reprotect,
	       const struct scr_red_record *rebuilt, struct scr_red_outcome *out)
{
	memset(out, 0, sizeof(*out));
	int mine[2] = { ok != 0, reprotect != 0 }, all[2] = { 0, 0 };
	MPI_Allreduce(&mine[0], &all[0], 1, MPI_INT, MPI_LAND, d->world);
	MPI_Allreduce(&mine[1], &all[1], 1, MPI_INT, MPI_LOR, d->world);
	out->ok = all[0];
	out->reprotect = all[1];
	if (out->ok && rebuilt) {
		out->meta = malloc(rebuilt->meta_len ? rebuilt->meta_len : 1);
		if (!out->meta)
			return -SCR_ENOMEM;
		memcpy(out->meta, rebuilt->meta, rebuilt->meta_len);
		out->meta_len = rebuilt->meta_len;
	}
	return 0;
}

int red_remove_file(const struct scr_red_dataset *d)
{
	int rank;
	MPI_Comm_rank(d->world, &rank);
	char *path = scr_red_file_path(d->dataset_dir, rank);
	if (!path)
		return -SCR_ENOMEM;
	int rc = unlink(path) == 0 || errno == ENOENT ? 0 : scr_err_from_errno(errno);
	free(path);
	char *dir = NULL;
	if (asprintf(&dir, "%s/.scr", d->dataset_dir) >= 0) {
		rmdir(dir);   /* fails while other ranks of the node keep theirs */
		free(dir);
	}
	return rc;
}
