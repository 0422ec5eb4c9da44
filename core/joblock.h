/*
 * One job per node control directory.
 */
#ifndef SCR_JOBLOCK_H
#define SCR_JOBLOCK_H


struct scr_state;

/* Collective: one job per node control directory (the node
 * leader locks it until scr_job_unlock); an error when another job holds it */
int scr_job_lock(struct scr_state *s);
void scr_job_unlock(struct scr_state *s);

#endif
