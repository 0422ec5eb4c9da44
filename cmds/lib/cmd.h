/*
 * The frame the C commands share: their exit codes, their name in every
 * message, usage errors that point at --help, the option getopt stopped
 * at, out of memory, and names made safe to print.
 */
#ifndef SCR_CMD_H
#define SCR_CMD_H

#define EXIT_OK    0
#define EXIT_FAIL  1
#define EXIT_USAGE 2

/* Once, first thing in main: the name messages start with. */
void cmd_init(const char *name);
const char *cmd_name(void);

/* "<name>: <message>" and a pointer to --help on stderr; EXIT_USAGE. */
int cmd_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The option getopt stopped at: the long one as written, else "-x". */
const char *cmd_bad_option(char **argv);
/* "<name>: out of memory" after what stdout holds; exits EXIT_FAIL. */
void cmd_out_of_memory(void) __attribute__((noreturn));
/* "<name>: <msg>" on stderr: a warning callback for the base's readers. */
void cmd_warn(const char *msg);
/* A malloc'd copy with control bytes as '?', so a hostile name cannot
 * drive the terminal; out of memory exits. */
char *cmd_printable(const char *s);

#endif
