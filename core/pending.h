/*
 * The transparent mode's journal of files closed in datasets not complete
 * yet, and finishing those datasets at the next start.
 */
#ifndef SCR_PENDING_H
#define SCR_PENDING_H

#include <stddef.h>

struct scr_state;

struct scr_tp_pending;

/* Replace this rank's journal with the files p names (durably). */
int scr_pending_write(struct scr_state *s, const struct scr_tp_pending *p, size_t n);
/* Collective: finish what the journals name; returns the newest dataset
 * finished, 0 when none */
int scr_pending_finish(struct scr_state *s);

#endif
