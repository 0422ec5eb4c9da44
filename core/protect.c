/*
 * The library's side of the redundancy schemes: what a scheme sees of a
 * cached dataset, and protecting a dataset once it is complete (or again,
 * after a rebuild).
 */
#define _GNU_SOURCE
#include "protect.h"

#include "dataset.h"
#include "io.h"
#include "log.h"
#include "reddesc.h"
#include "scr_err.h"
#include "state.h"

#include <stdlib.h>
#include <string.h>

static void warn_line(const char *msg)
{
	scr_log_warn("%s", msg);
}

int scr_red_view(struct scr_state *s, int id, const struct scr_filemap_entry *e, int have,
		 struct scr_red_view *v)
{
	memset(v, 0, sizeof(*v));
	size_t n = e ? e->nfiles : 0;
	v->files = calloc(n ? n : 1, sizeof(*v->files));
	v->dsdir = scr_layout_dataset_dir_in(&s->layout, scr_dataset_store_here(s, id), id);
	if (!v->files || !v->dsdir)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		v->files[i].path = e->files[i].path;
		v->files[i].size = e->files[i].size;
		v->files[i].crc = e->files[i].crc;
	}
	size_t meta_len = 0;
	if (e) {
		/* the rank's filemap entry, as a one-entry filemap: a rebuilt rank
		 * gets it back and knows the dataset as if it had never lost it */
		struct scr_filemap one = { .rank = s->comm.rank, .n = 1,
					   .e = (struct scr_filemap_entry *)e };
		if (scr_filemap_encode(&one, &v->meta, &meta_len))
			goto fail;
	}
	const struct scr_red_desc *desc = scr_red_desc_named(s, id, e ? e->ds.redundancy : NULL);
	v->d = (struct scr_red_dataset){
		.id = id, .world = s->comm.world, .dataset_dir = v->dsdir, .group = desc->group,
		.set_size = desc->set_size, .set_failures = desc->set_failures, .have = have,
		.nfiles = n, .files = v->files, .meta = v->meta, .meta_len = meta_len,
		.warn = warn_line,
	};
	return 0;
fail:
	scr_red_view_release(v);
	return -SCR_ENOMEM;
}

void scr_red_view_release(struct scr_red_view *v)
{
	free(v->files);
	free(v->dsdir);
	free(v->meta);
	memset(v, 0, sizeof(*v));
}

int scr_red_protect(struct scr_state *s, int id)
{
	struct scr_filemap_entry *e = scr_filemap_find(&s->filemap, id);
	const struct scr_redundancy *red = e && e->ds.redundancy
		? scr_redundancy_lookup(e->ds.redundancy) : NULL;
	if (!red)
		red = scr_red_desc_for(s, id)->red;
	struct scr_red_view v;
	int viewed = e ? scr_red_view(s, id, e, 1, &v) : -SCR_ENOENT;
	/* every rank enters the scheme's collectives, or none does */
	int rc = scr_agree_error(&s->comm, viewed);
	if (rc) {
		if (!viewed)
			scr_red_view_release(&v);
		if (s->comm.rank == 0)
			scr_log_warn("dataset %d: cannot prepare %s encoding (%s)", id, red->name,
				     scr_strerror(rc));
	} else {
		double t0 = scr_now();
		rc = red->encode(&v.d);
		scr_red_view_release(&v);
		rc = scr_agree_error(&s->comm, rc);
		if (!rc && s->comm.rank == 0)
			scr_log_debug(1, "dataset %d protected by %s in %.3f s", id, red->name,
				      scr_now() - t0);
	}
	if (rc) {
		if (s->comm.rank == 0)
			scr_log_warn("dataset %d is not protected by %s (%s): it stays usable while "
				     "every node keeps its cache, but a lost node loses it", id,
				     red->name, scr_strerror(rc));
		if (e) {
			char *single = strdup("SINGLE");
			if (single) {
				free(e->ds.redundancy);
				e->ds.redundancy = single;
			}
		}
		return rc;
	}
	return 0;
}
