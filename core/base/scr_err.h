/*
 * Internal error codes. Internal functions return 0 on success or one of
 * these negated; scr_strerror() names them. Only the public API maps them to
 * SCR_SUCCESS / SCR_FAILURE.
 */
#ifndef SCR_ERR_H
#define SCR_ERR_H

#define SCR_ERRORS(X)                                                   \
	X(OK,        "success")                                         \
	X(NOMEM,     "out of memory")                                   \
	X(IO,        "input/output error")                              \
	X(INVAL,     "invalid argument")                                \
	X(CONFIG,    "invalid configuration")                           \
	X(FORMAT,    "malformed state file")                            \
	X(CORRUPT,   "checksum mismatch")                               \
	X(TRUNC,     "truncated state file")                            \
	X(VERSION,   "unsupported state file version")                  \
	X(NOENT,     "no such file or dataset")                         \
	X(NOTREG,    "not a regular file")                              \
	X(NOSPC,     "no space left in cache")                          \
	X(PATH,      "path outside the allowed directories")            \
	X(UNSAFE,    "directory not private to this user")              \
	X(STATE,     "call not allowed in this state")                  \
	X(MPI,       "MPI call failed")                                 \
	X(REMOTE,    "failed on another rank")                         \
	X(LOST,      "lost beyond what the redundancy data can rebuild")

enum scr_err {
#define SCR_ERR_ENUM(name, text) SCR_E##name,
	SCR_ERRORS(SCR_ERR_ENUM)
#undef SCR_ERR_ENUM
	SCR_E_COUNT
};

/* Describe an error code (either sign); never NULL. */
const char *scr_strerror(int err);

/* The code (negative) for a system call's errno: out of memory, no space,
 * no such file, or an I/O error for the rest. */
int scr_err_from_errno(int e);

#endif
