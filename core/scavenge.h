/*
 * Checkpoints of a run of another shape, rescued from the node caches.
 */
#ifndef SCR_SCAVENGE_H
#define SCR_SCAVENGE_H


struct scr_state;

/* Collective: copy to the prefix the newest checkpoint of a run with another
 * number of ranks that only the node caches hold */
int scr_scavenge(struct scr_state *s);

#endif
