/*
 * Ranks that moved to other nodes take their cache along.
 */
#ifndef SCR_MIGRATE_H
#define SCR_MIGRATE_H


struct scr_state;

/* Collective: ranks now on other nodes get their cache and
 * journal from where they left them (have_filemap: this rank found its
 * filemap here) */
int scr_migrate(struct scr_state *s, int have_filemap);

#endif
