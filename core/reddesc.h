/*
 * Redundancy descriptors: which scheme protects which checkpoint, read from
 * the configuration at SCR_Init (after the layout).
 */
#ifndef SCR_REDDESC_H
#define SCR_REDDESC_H

#include "redundancy.h"

struct scr_state;

/* A redundancy descriptor: the scheme for checkpoints whose id is a
 * multiple of interval. */
struct scr_red_desc {
	int interval;
	const struct scr_redundancy *red;
	int set_size, set_failures;
	char *group;    /* this rank's failure group */
	int store;      /* the cache store its checkpoints go to (layout.stores) */
};

/* read the descriptors at init (after the layout); *msg says what is wrong */
int scr_red_desc_load(struct scr_state *s, char **msg);
void scr_red_desc_release(struct scr_state *s);
/* the descriptor for dataset id */
const struct scr_red_desc *scr_red_desc_for(const struct scr_state *s, int id);
/* the same, but one of the given scheme when the one for id has another */
const struct scr_red_desc *scr_red_desc_named(const struct scr_state *s, int id,
					      const char *scheme);

#endif
