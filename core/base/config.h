/*
 * Configuration: parameters and redundancy/store descriptors, merged from
 * layers with SCR's precedence (highest wins):
 *
 *   API (SCR_Config)  >  environment  >  user file  >  system file  >  defaults
 *
 * Pure logic: no MPI, no logging. Every function that can fail returns 0 or a
 * negative scr_err code and, when msg is not NULL, sets *msg to a malloc'd
 * one-line message naming the origin (file:line, "environment", "SCR_Config"),
 * the key and what is allowed. The caller frees *msg and decides how to report.
 *
 * File syntax (SCR's scr.conf):
 *   # comment                      (anywhere after optional blanks; also trailing " # ...")
 *   SCR_FLUSH=10                   a parameter (also "SCR_FLUSH = 10")
 *   STORE=/dev/shm COUNT=2         a descriptor: the first KEY=VALUE names the
 *   CKPT=0 INTERVAL=1 TYPE=XOR SET_SIZE=8   kind and its name, the rest are
 *   CACHE=/dev/shm SIZE=2          its attributes
 *   CNTLDIR=/dev/shm  CACHEDIR=/ssd BYTES=10GB  GROUPS=host1 POWER=psu1
 * Values may be double-quoted to hold blanks. Keys are case-sensitive, as in SCR.
 * KEY="" unsets KEY at that layer; a bare "KEY=" is a "missing value" error in
 * files but unsets at SCR_CONF_API, as SCR_Config("KEY=") does in SCR. Lines
 * may end in CRLF, a UTF-8 BOM is skipped; control characters, NUL bytes and
 * invalid UTF-8 are errors. Content errors return -SCR_ECONFIG; bad arguments
 * (NULL cfg, layer out of range) -SCR_EINVAL. Enum values are stored upper
 * case and paths without trailing slashes; other values as written.
 */
#ifndef SCR_CONFIG_H
#define SCR_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum scr_config_layer {
	SCR_CONF_DEFAULT = 0,
	SCR_CONF_SYSTEM,
	SCR_CONF_USER,
	SCR_CONF_ENV,
	SCR_CONF_API,
	SCR_CONF_NLAYERS
};

struct scr_config;

/* A config holding only the compiled defaults. NULL when out of memory. */
struct scr_config *scr_config_new(void);
void scr_config_free(struct scr_config *cfg);

/*
 * Set one parameter (NAME, VALUE) at a layer after checking that NAME is a
 * known parameter and VALUE has its type (int, bool, bytes, seconds, enum...).
 * An empty VALUE unsets the parameter at that layer. origin is used in messages.
 */
int scr_config_set(struct scr_config *cfg, enum scr_config_layer layer,
		   const char *name, const char *value, const char *origin,
		   char **msg);

/*
 * Parse one line or a string of lines in file syntax (parameters and
 * descriptors) into a layer; origin names the source in messages (a file name;
 * line numbers are added). Stops at the first error.
 * (A single line at SCR_CONF_API gets no line number: "SCR_Config: ...". Lines
 * before the failing one stay applied; the failing line changes nothing.)
 */
int scr_config_parse_string(struct scr_config *cfg, enum scr_config_layer layer,
			    const char *text, const char *origin, char **msg);

/*
 * Parse a file into a layer. A missing file is not an error when
 * missing_ok is set (returns 0); an unreadable one always is (-SCR_EIO).
 * (A missing file without missing_ok gives -SCR_ENOENT.)
 */
int scr_config_parse_file(struct scr_config *cfg, enum scr_config_layer layer,
			  const char *path, int missing_ok, char **msg);

/*
 * Take every known SCR_* parameter from an environment vector (NULL
 * terminated, like environ) into SCR_CONF_ENV. Unknown SCR_* variables are not
 * errors (other tools set some): each is appended to *warnings (malloc'd,
 * newline-separated, NULL when none) for the caller to print.
 * (An empty variable leaves the parameter unset at SCR_CONF_ENV. *warnings is
 * set on failure too; the caller frees it in every case.)
 */
int scr_config_load_env(struct scr_config *cfg, char *const *envp,
			char **warnings, char **msg);

/* Effective value of a parameter (highest layer that set it, else its
 * default; NULL when it has none). The string belongs to cfg. */
const char *scr_config_get(const struct scr_config *cfg, const char *name);

/* Which layer the effective value came from, and its origin text ("file:line"). */
enum scr_config_layer scr_config_source(const struct scr_config *cfg,
					const char *name, const char **origin);

/* Typed getters of an effective value, already validated by set/parse.
 * (0 for an unknown name or a parameter without value; seconds come back as
 * seconds from get_int; a percentage from get_double.) */
long long scr_config_get_int(const struct scr_config *cfg, const char *name);
int scr_config_get_bool(const struct scr_config *cfg, const char *name);
/* byte counts accept suffixes: 10KB, 4MB, 2GB, 1TB (powers of 1024), or a plain number */
uint64_t scr_config_get_bytes(const struct scr_config *cfg, const char *name);
double scr_config_get_double(const struct scr_config *cfg, const char *name);

/*
 * Descriptors of a kind ("STORE", "CKPT", "CACHE", "CNTL", "GROUPS"): CACHEDIR
 * is stored as kind "CACHE" and CNTLDIR as "CNTL". Attributes of later layers
 * override those of earlier ones for the same kind and name; the list is
 * ordered by name as first seen.
 */
size_t scr_config_desc_count(const struct scr_config *cfg, const char *kind);
/* The name (the value of the kind key, e.g. "/dev/shm" or "0") of descriptor i. */
const char *scr_config_desc_name(const struct scr_config *cfg, const char *kind, size_t i);
/* One attribute of descriptor i, or NULL when not set. (An empty value,
 * ATTR="", removes the attribute at its layer, uncovering lower layers.) */
const char *scr_config_desc_get(const struct scr_config *cfg, const char *kind,
				size_t i, const char *attr);

/*
 * Parameter table, for documentation and --help output: iterate i = 0.. while
 * it returns non-zero.
 */
int scr_config_param(size_t i, const char **name, const char **type,
		     const char **defval, const char **doc);

/* Parse helpers shared with the commands (0 or -SCR_EINVAL). */
int scr_parse_bytes(const char *text, uint64_t *out);
int scr_parse_bool(const char *text, int *out);

#endif
