/*
 * The run's heartbeat, for the watchdog of scr_run and scr_srun
 * (SCR_WATCHDOG=1): rank 0 touches <prefix>/.scr/heartbeat whenever the run
 * makes progress (SCR_Init, every completed dataset, a background flush's
 * copies), and writes in it whether the run is busy with the prefix (a
 * flush or a fetch: the watchdog then waits SCR_WATCHDOG_TIMEOUT_PFS
 * rather than SCR_WATCHDOG_TIMEOUT). One small write; nothing without
 * SCR_WATCHDOG.
 */
#ifndef SCR_HEARTBEAT_H
#define SCR_HEARTBEAT_H

struct scr_state;

/* Rank 0 (others: nothing): progress now; io: I/O with the prefix begins
 * (1) or is over (0). */
void scr_heartbeat(const struct scr_state *s, int io);

/* The same from any thread, by path (NULL: nothing). */
void scr_heartbeat_at(const char *path, int io);

#endif
