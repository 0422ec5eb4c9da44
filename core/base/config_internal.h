/*
 * What the pieces of the configuration share; config.h is the public side.
 *
 *   config.c        the layered store: the parameter and descriptor tables,
 *                   setting, getting, the environment
 *   config_parse.c  the file syntax: lines, KEY=VALUE tokens, descriptors
 *   config_value.c  value types: parsing, checking, normalising
 *   config_msg.c    the start of every message and user text made safe to show
 *   suggest.c       "did you mean" (suggest.h: it knows nothing of config)
 *
 * Errors as in config.h: 0 or a negative scr_err code; a content error also
 * builds a one-line message and hands it to the caller through msg.
 */
#ifndef SCR_CONFIG_INTERNAL_H
#define SCR_CONFIG_INTERNAL_H

#include "config.h"

#include <stddef.h>
#include <stdint.h>

struct scr_strbuf;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A blank of the file syntax (space or tab); also what cfg_parse_bytes skips. */
static inline int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* ---- messages (config_msg.c) ---- */

/* How many bytes of a user-supplied key or value a message shows. */
#define SHOW_MAX 60

/* Where a line or value came from, for messages. */
struct where {
	const char *origin;	/* a file name, or caller text such as "SCR_Config" */
	unsigned long line;	/* 0: origin is not a numbered file */
};

/* Length of the valid UTF-8 sequence at p (n >= 1 bytes left): 1 to 4, 0 when invalid. */
size_t cfg_utf8_len(const unsigned char *p, size_t n);

/*
 * Show user text in a message: control bytes and invalid UTF-8 as \xNN,
 * cut after max bytes with "..." (0: no limit), so that a message stays
 * one readable line.
 */
void cfg_sb_show(struct scr_strbuf *sb, const char *s, size_t max);
/* s in single quotes, cut after SHOW_MAX bytes. */
void cfg_sb_quoted(struct scr_strbuf *sb, const char *s);
/* The start of a message: "'file' line N: ", or "origin: " when w->line is 0. */
void cfg_sb_where(struct scr_strbuf *sb, const struct where *w);
/* Hand the message to the caller (*msg, when msg is not NULL and no
 * allocation failed) or free it; returns err. */
int cfg_sb_fail(struct scr_strbuf *sb, char **msg, int err);
/* "where: " and a printf text whose variable parts the caller has already
 * made safe to show; returns -SCR_ECONFIG. */
int cfg_simple_error(const struct where *w, char **msg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- value types (config_value.c) ---- */

/*
 * Value types. Every value is stored as text (enums upper-cased, paths
 * without trailing slashes); the typed getters parse it again, which is
 * cheap and keeps one representation.
 */
enum vtype {
	VT_BOOL,	/* 0/1/yes/no/true/false/on/off */
	VT_INT,		/* decimal integer in [min, max] */
	VT_BYTES,	/* byte count with optional suffix, powers of 1024 */
	VT_SECONDS,	/* duration with optional s/m/h/d suffix, in [min, max] */
	VT_PERCENT,	/* decimal number in [min, max] */
	VT_ENUM,	/* one of choices, case-insensitive */
	VT_PATH,	/* non-empty path */
	VT_STRING,	/* anything */
};

struct vspec {
	enum vtype type;
	long long min, max;
	const char *choices;	/* VT_ENUM: "A|B|C", upper case */
};

enum verdict { V_OK, V_SYNTAX, V_LOW, V_HIGH };

/*
 * Number parsers. They return 0, -1 on bad syntax, or -2 when the number
 * does not fit (with *out saturated in the direction of the overflow).
 * cfg_parse_ll: decimal with an optional sign; cfg_parse_seconds: the same with an
 * optional s, m, h or d suffix; cfg_parse_bytes: digits, an optional fraction
 * and suffix (B, K, KB, KiB... T, case-insensitive, powers of 1024), blanks
 * around. cfg_parse_percent takes a plain decimal with an optional '%' and
 * returns 0 or -1 only.
 */
int cfg_parse_ll(const char *s, long long *out);
int cfg_parse_seconds(const char *s, long long *out);
int cfg_parse_bytes(const char *s, uint64_t *out);
int cfg_parse_percent(const char *s, double *out);

/* Whether v is a valid value of type s: V_OK, or how it is not. */
enum verdict cfg_check_value(const struct vspec *s, const char *v);
/*
 * Normalised copy of a valid value: enum values upper-cased, paths without
 * trailing slashes, never longer than v. NULL when out of memory.
 */
char *cfg_normalise(const struct vspec *s, const char *v);
/* "invalid value 'value' for what (expected ...)" for the verdict v of
 * cfg_check_value; returns -SCR_ECONFIG. */
int cfg_bad_value(const struct where *w, const char *value, const char *what,
	      const struct vspec *s, enum verdict v, char **msg);

/* ---- the store (config.c), as the parser sees it ---- */

/* Descriptors: a kind, a name (the value of the kind key) and attributes. */
struct attr_def {
	const char *name;
	struct vspec spec;
};

struct kind_def {
	const char *kind;
	struct vspec name;
	const char *name_text;		/* what a name must be, for messages */
	const struct attr_def *attrs;
	size_t nattrs;
	int any_attrs;			/* GROUPS: any upper-case attribute */
};

enum { K_STORE, K_CKPT, K_CACHE, K_CNTL, K_GROUPS };

/* One descriptor of a config: its name and its attributes at each layer. */
struct desc;

/* Grow an array to hold need elements; NULL (arr untouched) when out of memory. */
void *cfg_grow_array(void *arr, size_t *alloc, size_t need, size_t size);
/* A layer as messages name it ("environment", "SCR_Config"...). */
const char *cfg_layer_name(enum scr_config_layer layer);
int cfg_valid_layer(enum scr_config_layer layer);

/* Index of a parameter in the table, -1 when unknown (or name is NULL). */
int cfg_find_param(const char *name);
/* The K_* of a kind as files spell it (CACHEDIR is K_CACHE), -1 when none. */
int cfg_find_kind_word(const char *word);
/* The definition of kind k, one of K_*. */
const struct kind_def *cfg_kind_at(int k);

/*
 * "unknown parameter" (key starting SCR_) or "unknown key", with the
 * closest known name and the known parameters (and, when descriptors is
 * set, the descriptor kinds); returns -SCR_ECONFIG.
 */
int cfg_unknown_key(const struct where *w, const char *key, int descriptors,
		char **msg);
/*
 * Check and store the value of parameter idx at a layer; "" unsets it. w
 * places messages; origin is kept for scr_config_source().
 */
int cfg_apply_param(struct scr_config *cfg, enum scr_config_layer layer,
		int idx, const char *value, const struct where *w,
		const char *origin, char **msg);
/* The descriptor of kind k named name, added when new; NULL when out of memory. */
struct desc *cfg_find_or_add_desc(struct scr_config *cfg, int k, const char *name);
/* Set an attribute at one layer; "" removes it, uncovering lower layers. */
int cfg_set_attr(struct desc *d, enum scr_config_layer layer, const char *name,
	     const char *value);

#endif
