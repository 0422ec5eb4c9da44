/*
 * Redundancy descriptors: which scheme protects which checkpoint, with what
 * sets, across which failure groups. As in SCR, CKPT descriptors each carry an
 * INTERVAL, and dataset id n uses the descriptor with the largest interval
 * dividing n (e.g. XOR every checkpoint, RS every 4th); without descriptors
 * SCR_COPY_TYPE, SCR_SET_SIZE, SCR_SET_FAILURES and SCR_GROUP apply to all.
 *
 * Failure groups: NODE (the default) puts each node in its own group; a name
 * defined by GROUPS descriptors (GROUPS=<host> POWER=<psu>) groups nodes by
 * that attribute; ENV:<VAR> takes the group from an environment variable
 * (a rack or power supply the batch system exports).
 */
#define _GNU_SOURCE
#include "reddesc.h"

#include "io.h"
#include "log.h"
#include "scr_err.h"
#include "state.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* This node's group under spec, or NULL with *msg set. */
static char *group_of_node(struct scr_state *s, const char *spec, char **msg)
{
	const char *node = s->layout.node;
	if (!spec || !*spec || !strcasecmp(spec, "NODE"))
		return strdup(node);
	if (!strncasecmp(spec, "ENV:", 4)) {
		const char *v = getenv(spec + 4);
		if (!v || !*v) {
			*msg = scr_asprintf("failure group '%s': environment variable '%s' is not "
					    "set on node '%s' (set it for every rank, or use "
					    "SCR_GROUP=NODE)", spec, spec + 4, node);
			return NULL;
		}
		return scr_asprintf("%s=%s", spec + 4, v);
	}
	size_t n = scr_config_desc_count(s->cfg, "GROUPS");
	int defined = 0;
	for (size_t i = 0; i < n; i++) {
		const char *v = scr_config_desc_get(s->cfg, "GROUPS", i, spec);
		defined |= v != NULL;
		if (v && !strcmp(scr_config_desc_name(s->cfg, "GROUPS", i), node))
			return scr_asprintf("%s=%s", spec, v);
	}
	*msg = defined
		? scr_asprintf("failure group '%s' has no value for node '%s' (add "
			       "'GROUPS=%s %s=<value>' to the configuration)", spec, node, node, spec)
		: scr_asprintf("failure group '%s' is neither NODE, ENV:<variable>, nor "
			       "defined by a GROUPS descriptor (e.g. 'GROUPS=%s %s=rack1')",
			       spec, node, spec);
	return NULL;
}

static int desc_add(struct scr_state *s, int interval, const char *type, int set_size,
		    int set_failures, const char *group_spec, const char *store_base,
		    char **msg)
{
	int store = store_base && *store_base ? scr_layout_store_named(&s->layout, store_base) : 0;
	if (store < 0) {
		*msg = scr_asprintf("CKPT descriptor with STORE=%s: no CACHE or STORE descriptor "
				    "names that directory (add 'CACHE=%s SIZE=<n>', or name one "
				    "of the configured stores)", store_base, store_base);
		return -SCR_ECONFIG;
	}
	const struct scr_redundancy *red = scr_redundancy_lookup(type ? type : "SINGLE");
	if (!red) {
		*msg = scr_asprintf("redundancy type '%s' is not available (expected SINGLE, "
				    "PARTNER, XOR or RS)", type);
		return -SCR_ECONFIG;
	}
	char *group = group_of_node(s, group_spec, msg);
	if (!group)
		return *msg ? -SCR_ECONFIG : -SCR_ENOMEM;
	struct scr_red_desc *d = realloc(s->red_desc, (s->nred_desc + 1) * sizeof(*d));
	if (!d) {
		free(group);
		return -SCR_ENOMEM;
	}
	s->red_desc = d;
	d[s->nred_desc++] = (struct scr_red_desc){ .interval = interval, .red = red,
						   .set_size = set_size,
						   .set_failures = set_failures, .group = group,
						   .store = store };
	return 0;
}

static int attr_int(struct scr_state *s, size_t i, const char *key, int dflt)
{
	const char *v = scr_config_desc_get(s->cfg, "CKPT", i, key);
	return v && *v ? atoi(v) : dflt;
}

int scr_red_desc_load(struct scr_state *s, char **msg)
{
	const char *type = scr_config_get(s->cfg, "SCR_COPY_TYPE");
	int set_size = (int)scr_config_get_int(s->cfg, "SCR_SET_SIZE");
	int set_failures = (int)scr_config_get_int(s->cfg, "SCR_SET_FAILURES");
	const char *group = scr_config_get(s->cfg, "SCR_GROUP");
	size_t n = scr_config_desc_count(s->cfg, "CKPT");
	int have_every = 0, rc = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		/* attributes left out take the plain parameters' values */
		int interval = attr_int(s, i, "INTERVAL", 1);
		const char *t = scr_config_desc_get(s->cfg, "CKPT", i, "TYPE");
		const char *g = scr_config_desc_get(s->cfg, "CKPT", i, "GROUP");
		rc = desc_add(s, interval, t && *t ? t : type, attr_int(s, i, "SET_SIZE", set_size),
			      attr_int(s, i, "SET_FAILURES", set_failures), g && *g ? g : group,
			      scr_config_desc_get(s->cfg, "CKPT", i, "STORE"), msg);
		have_every |= interval == 1;
	}
	if (!rc && !have_every)
		rc = desc_add(s, 1, type, set_size, set_failures, group, NULL, msg);
	return rc;
}

void scr_red_desc_release(struct scr_state *s)
{
	for (size_t i = 0; i < s->nred_desc; i++)
		free(s->red_desc[i].group);
	free(s->red_desc);
	s->red_desc = NULL;
	s->nred_desc = 0;
}

const struct scr_red_desc *scr_red_desc_for(const struct scr_state *s, int id)
{
	const struct scr_red_desc *best = NULL;
	for (size_t i = 0; i < s->nred_desc; i++) {
		const struct scr_red_desc *d = &s->red_desc[i];
		if (id > 0 && id % d->interval == 0 && (!best || d->interval > best->interval))
			best = d;
	}
	return best ? best : s->nred_desc ? &s->red_desc[0] : NULL;
}

const struct scr_red_desc *scr_red_desc_named(const struct scr_state *s, int id,
					      const char *scheme)
{
	const struct scr_red_desc *d = scr_red_desc_for(s, id);
	if (d && scheme && strcasecmp(d->red->name, scheme)) {
		for (size_t i = 0; i < s->nred_desc; i++)
			if (!strcasecmp(s->red_desc[i].red->name, scheme))
				return &s->red_desc[i];
	}
	return d;
}
