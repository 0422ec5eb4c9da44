/* The background flush's progress record (see flushprog.h). */
#define _GNU_SOURCE
#include "flushprog.h"

#include "io.h"
#include "meta.h"
#include "scr_err.h"

#include <stdlib.h>
#include <string.h>

#define TAG "flush"

static const char *const phase_names[] = { "running", "copied", "failed" };

const char *scr_flushprog_phase_name(enum scr_flush_phase phase)
{
	return phase >= SCR_FLUSH_RUNNING && phase <= SCR_FLUSH_FAILED ? phase_names[phase] : "?";
}

void scr_flushprog_release(struct scr_flushprog *p)
{
	free(p->name);
	memset(p, 0, sizeof(*p));
}

char *scr_flushprog_path(const char *cntl_dir)
{
	return scr_asprintf("%s/flush.scr", cntl_dir);
}

int scr_flushprog_write(const char *path, const struct scr_flushprog *p)
{
	struct scr_recfile f;
	scr_recfile_init(&f, SCR_FLUSHPROG_KIND, SCR_FLUSHPROG_VERSION);
	struct scr_rec *r = scr_recfile_add(&f, TAG);
	int rc = r ? 0 : -SCR_ENOMEM;
	if (!rc)
		rc = scr_rec_put_i64(r, "id", p->id);
	if (!rc)
		rc = scr_rec_put_str(r, "name", p->name ? p->name : "");
	if (!rc)
		rc = scr_rec_put_str(r, "phase", scr_flushprog_phase_name(p->phase));
	if (!rc)
		rc = scr_rec_put_u64(r, "files", p->files);
	if (!rc)
		rc = scr_rec_put_u64(r, "bytes", p->bytes);
	if (!rc)
		rc = scr_rec_put_u64(r, "done", p->done);
	if (!rc)
		rc = scr_rec_put_i64(r, "started_ms", p->started_ms);
	if (!rc)
		rc = scr_rec_put_i64(r, "updated_ms", p->updated_ms);
	if (!rc)
		rc = scr_rec_put_u64(r, "bw", p->bw);
	if (!rc)
		rc = scr_recfile_write_mode(path, &f, 0600);
	scr_recfile_release(&f);
	return rc;
}

int scr_flushprog_read(const char *path, struct scr_flushprog *p)
{
	struct scr_recfile f;
	memset(p, 0, sizeof(*p));
	int rc = scr_recfile_read_max(path, SCR_FLUSHPROG_KIND, SCR_FLUSHPROG_VERSION, &f);
	if (rc)
		return rc;
	/* one line of exactly the keys written */
	const struct scr_rec *r = f.nrec == 1 && !strcmp(f.rec[0].tag, TAG) && f.rec[0].nkv == 9
		? &f.rec[0] : NULL;
	const char *name = NULL, *phase = NULL;
	if (!r || scr_rec_get_int(r, "id", &p->id) || p->id <= 0 ||
	    scr_rec_get_str(r, "name", &name) || scr_rec_get_str(r, "phase", &phase) ||
	    scr_rec_get_u64(r, "files", &p->files) || scr_rec_get_u64(r, "bytes", &p->bytes) ||
	    scr_rec_get_u64(r, "done", &p->done) || p->done > p->bytes ||
	    scr_rec_get_i64(r, "started_ms", &p->started_ms) ||
	    scr_rec_get_i64(r, "updated_ms", &p->updated_ms) || p->updated_ms < p->started_ms ||
	    scr_rec_get_u64(r, "bw", &p->bw))
		rc = -SCR_EFORMAT;
	p->phase = SCR_FLUSH_FAILED + 1;
	for (int k = SCR_FLUSH_RUNNING; !rc && k <= SCR_FLUSH_FAILED; k++)
		if (!strcmp(phase, phase_names[k]))
			p->phase = (enum scr_flush_phase)k;
	if (!rc && p->phase > SCR_FLUSH_FAILED)
		rc = -SCR_EFORMAT;
	if (!rc && !(p->name = strdup(name)))
		rc = -SCR_ENOMEM;
	scr_recfile_release(&f);
	if (rc)
		scr_flushprog_release(p);
	return rc;
}
