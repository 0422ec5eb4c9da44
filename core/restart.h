/*
 * Choosing the dataset to restart from, in cache or in the prefix.
 */
#ifndef SCR_RESTART_H
#define SCR_RESTART_H

#include "meta.h"

struct scr_state;

/* Collective: find the newest dataset below below_id (0: any) to restart
 * from, in cache (rebuilt where needed) or in the prefix. */
int scr_restart_find(struct scr_state *s, int below_id);
/* Forget the chosen restart dataset. */
void scr_restart_clear(struct scr_state *s);
/* Whether a file holds what its record says (sizes only unless with_crc);
 * says what is wrong on stderr */
int scr_file_intact(const char *path, const struct scr_file *f, int with_crc);

#endif
