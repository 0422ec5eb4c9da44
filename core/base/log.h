/*
 * Messages to stderr, prefixed "scr: rank N: " once the rank is known.
 * scr_log_error always prints; scr_log_warn too; scr_log_debug prints when
 * level <= SCR_DEBUG. errno is preserved across every call.
 */
#ifndef SCR_LOG_H
#define SCR_LOG_H

/* Set once the rank is known (-1: unknown) and the debug level is read. */
void scr_log_setup(int rank, int debug_level);
int scr_log_debug_level(void);

void scr_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void scr_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void scr_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void scr_log_debug(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
