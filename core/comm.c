/* Collective helpers over the library's private communicators. */
#include "comm.h"

#include "io.h"
#include "log.h"
#include "scr_err.h"

#include <stdlib.h>
#include <string.h>

int scr_comm_open(struct scr_comm *c)
{
	c->node = MPI_COMM_NULL;
	if (MPI_Comm_dup(MPI_COMM_WORLD, &c->world) != MPI_SUCCESS) {
		c->world = MPI_COMM_NULL;
		return -SCR_EMPI;
	}
	MPI_Comm_rank(c->world, &c->rank);
	MPI_Comm_size(c->world, &c->nranks);
	c->node_rank = 0;
	c->node_size = 1;
	return 0;
}

void scr_comm_close(struct scr_comm *c)
{
	if (c->node != MPI_COMM_NULL && c->node != 0)
		MPI_Comm_free(&c->node);
	if (c->world != MPI_COMM_NULL && c->world != 0)
		MPI_Comm_free(&c->world);
	c->node = c->world = MPI_COMM_NULL;
}

int scr_allreduce_and(const struct scr_comm *c, int mine)
{
	int all = 0;
	mine = mine ? 1 : 0;
	if (MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_LAND, c->world) != MPI_SUCCESS)
		return 0;
	return all;
}

int scr_allreduce_max(const struct scr_comm *c, int mine)
{
	int all = mine;
	MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MAX, c->world);
	return all;
}

int scr_bcast_int(const struct scr_comm *c, int *value)
{
	return MPI_Bcast(value, 1, MPI_INT, 0, c->world) == MPI_SUCCESS ? 0 : -SCR_EMPI;
}

int scr_agree_error(const struct scr_comm *c, int rc)
{
	int own = rc != 0 && rc != -SCR_EREMOTE;
	int mine = own ? c->rank : c->nranks, first = mine;
	if (MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, c->world) != MPI_SUCCESS)
		return -SCR_EMPI;
	if (first < c->nranks) {
		int why = rc;
		MPI_Bcast(&why, 1, MPI_INT, first, c->world);
		return why;
	}
	return scr_allreduce_max(c, rc != 0) ? -SCR_EREMOTE : 0;
}

int scr_gather_bufs(const struct scr_comm *c, const char *buf, int len, char **all,
		    int **lens)
{
	*all = NULL;
	*lens = NULL;
	int *counts = NULL, *displs = NULL;
	int rc = 0;
	if (c->rank == 0) {
		counts = calloc((size_t)c->nranks, sizeof(int));
		displs = calloc((size_t)c->nranks, sizeof(int));
		if (!counts || !displs)
			rc = -SCR_ENOMEM;
	}
	/* every rank must enter the collectives even if rank 0 is short of memory */
	if (MPI_Gather(&len, 1, MPI_INT, counts, 1, MPI_INT, 0, c->world) != MPI_SUCCESS)
		rc = -SCR_EMPI;
	char *data = NULL;
	if (c->rank == 0 && !rc) {
		long long total = 0;
		for (int r = 0; r < c->nranks; r++) {
			displs[r] = (int)total;
			total += counts[r];
		}
		if (total > 0x7fffffffLL)
			rc = -SCR_EINVAL;
		else if (!(data = malloc((size_t)total + 1)))
			rc = -SCR_ENOMEM;
	}
	int ok = scr_allreduce_and(c, rc == 0);
	if (!ok) {
		free(counts);
		free(displs);
		free(data);
		return rc ? rc : -SCR_EREMOTE;
	}
	if (MPI_Gatherv(buf, len, MPI_CHAR, data, counts, displs, MPI_CHAR, 0,
			c->world) != MPI_SUCCESS)
		rc = -SCR_EMPI;
	free(displs);
	if (rc) {
		free(counts);
		free(data);
		return rc;
	}
	*all = data;
	*lens = counts;
	return 0;
}

/* Ranks with equal node names form a node: the node's index is the lowest
 * rank carrying that name. */
int scr_comm_split_node(struct scr_comm *c, const char *node_name)
{
	int len = (int)strlen(node_name) + 1;
	int *lens = malloc(sizeof(int) * (size_t)c->nranks);
	int *displs = malloc(sizeof(int) * (size_t)c->nranks);
	int ok = lens && displs;
	if (!scr_allreduce_and(c, ok)) {
		free(lens);
		free(displs);
		return -SCR_ENOMEM;
	}
	MPI_Allgather(&len, 1, MPI_INT, lens, 1, MPI_INT, c->world);
	long long total = 0;
	for (int r = 0; r < c->nranks; r++) {
		displs[r] = (int)total;
		total += lens[r];
	}
	char *names = malloc((size_t)total);
	if (!scr_allreduce_and(c, names != NULL)) {
		free(lens);
		free(displs);
		free(names);
		return -SCR_ENOMEM;
	}
	MPI_Allgatherv(node_name, len, MPI_CHAR, names, lens, displs, MPI_CHAR,
		       c->world);
	int color = c->rank;
	for (int r = 0; r < c->nranks; r++) {
		if (!strcmp(names + displs[r], node_name)) {
			color = r;
			break;
		}
	}
	free(lens);
	free(displs);
	free(names);
	if (MPI_Comm_split(c->world, color, c->rank, &c->node) != MPI_SUCCESS)
		return -SCR_EMPI;
	MPI_Comm_rank(c->node, &c->node_rank);
	MPI_Comm_size(c->node, &c->node_size);
	return 0;
}

int scr_files_encode(const struct scr_file *files, size_t n, char **buf, size_t *len)
{
	struct scr_recfile f;
	scr_recfile_init(&f, "files", 1);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		struct scr_rec *r = scr_recfile_add(&f, "file");
		if (!r) {
			rc = -SCR_ENOMEM;
			break;
		}
		rc = scr_rec_put_i64(r, "rank", files[i].rank);
		if (!rc)
			rc = scr_rec_put_str(r, "path", files[i].path);
		if (!rc)
			rc = scr_rec_put_u64(r, "size", files[i].size);
		if (!rc)
			rc = scr_rec_put_crc(r, "crc", files[i].crc);
		if (!rc)
			rc = scr_rec_put_i64(r, "complete", files[i].complete);
	}
	if (!rc)
		rc = scr_recfile_encode(&f, buf, len);
	scr_recfile_release(&f);
	return rc;
}

void scr_files_free(struct scr_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		scr_file_release(&files[i]);
	free(files);
}

int scr_files_decode(const char *buf, size_t len, struct scr_file **files, size_t *n)
{
	struct scr_recfile f;
	*files = NULL;
	*n = 0;
	int rc = scr_recfile_decode(buf, len, "files", &f);
	if (rc)
		return rc;
	struct scr_file *out = calloc(f.nrec ? f.nrec : 1, sizeof(*out));
	if (!out) {
		scr_recfile_release(&f);
		return -SCR_ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < f.nrec && !rc; i++) {
		const struct scr_rec *r = &f.rec[i];
		const char *path;
		if (strcmp(r->tag, "file")) {
			rc = -SCR_EFORMAT;
			break;
		}
		rc = scr_rec_get_int(r, "rank", &out[k].rank);
		if (!rc)
			rc = scr_rec_get_str(r, "path", &path);
		if (!rc)
			rc = scr_meta_check_relpath(path);
		if (!rc)
			rc = scr_rec_get_u64(r, "size", &out[k].size);
		if (!rc)
			rc = scr_rec_get_crc(r, "crc", &out[k].crc);
		if (!rc)
			rc = scr_rec_get_int(r, "complete", &out[k].complete);
		if (!rc && !(out[k].path = strdup(path)))
			rc = -SCR_ENOMEM;
		k++;
	}
	scr_recfile_release(&f);
	if (rc) {
		scr_files_free(out, k);
		return rc;
	}
	*files = out;
	*n = k;
	return 0;
}

int scr_bcast_buf(const struct scr_comm *c, char **buf, size_t *len)
{
	long long n = c->rank == 0 && *buf ? (long long)*len : -1;
	if (n > 0x7fffffffLL)
		n = -1;
	MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, c->world);
	if (n < 0)
		return -SCR_EREMOTE;
	char *data = c->rank == 0 ? *buf : malloc((size_t)n + 1);
	if (!scr_allreduce_and(c, data != NULL))
		return -SCR_ENOMEM;
	if (MPI_Bcast(data, (int)n, MPI_CHAR, 0, c->world) != MPI_SUCCESS) {
		if (c->rank != 0)
			free(data);
		return -SCR_EMPI;
	}
	if (c->rank != 0)
		data[n] = '\0';
	*buf = data;
	*len = (size_t)n;
	return 0;
}

char *scr_agree_str(const struct scr_comm *c, const char *mine)
{
	int me = mine ? c->rank : c->nranks, root = me;
	MPI_Allreduce(&me, &root, 1, MPI_INT, MPI_MIN, c->world);
	if (root >= c->nranks)
		return NULL;
	int len = c->rank == root ? (int)strlen(mine) : 0;
	MPI_Bcast(&len, 1, MPI_INT, root, c->world);
	char *out = malloc((size_t)len + 1);
	if (!scr_allreduce_and(c, out != NULL)) {
		free(out);
		return NULL;
	}
	if (c->rank == root)
		memcpy(out, mine, (size_t)len);
	MPI_Bcast(out, len, MPI_CHAR, root, c->world);
	out[len] = '\0';
	return out;
}

int scr_gather_files(const struct scr_comm *c, const struct scr_file *files, size_t n,
		     struct scr_file **all_files, size_t *nall)
{
	*all_files = NULL;
	*nall = 0;
	char *buf = NULL, *all = NULL;
	size_t len = 0;
	int *lens = NULL;
	int rc = scr_files_encode(files, n, &buf, &len);
	if (!scr_allreduce_and(c, rc == 0)) {
		free(buf);
		return rc ? rc : -SCR_EREMOTE;
	}
	rc = scr_gather_bufs(c, buf, (int)len, &all, &lens);
	free(buf);
	if (rc)
		return rc;
	struct scr_file *out = NULL;
	size_t total = 0, off = 0;
	for (int r = 0; c->rank == 0 && r < c->nranks && !rc; r++) {
		struct scr_file *part;
		size_t k;
		rc = scr_files_decode(all + off, (size_t)lens[r], &part, &k);
		off += (size_t)lens[r];
		struct scr_file *grown = rc ? NULL : realloc(out, (total + k + 1) * sizeof(*out));
		if (!rc && !grown)
			rc = -SCR_ENOMEM;
		if (rc) {
			scr_files_free(part, k);
			break;
		}
		out = grown;
		memcpy(out + total, part, k * sizeof(*part));
		total += k;
		free(part);   /* the strings moved to out */
	}
	free(all);
	free(lens);
	scr_bcast_int(c, &rc);
	if (rc) {
		scr_files_free(out, total);
		return rc;
	}
	*all_files = out;
	*nall = total;
	return 0;
}
