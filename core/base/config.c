#define _GNU_SOURCE
#include "config.h"

#include "io.h"
#include "scr_err.h"
#include "strbuf.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* How many bytes of a user-supplied key or value a message shows. */
#define SHOW_MAX 60

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

struct param_def {
	const char *name;
	const char *type;	/* for documentation and --help */
	struct vspec spec;
	const char *defval;	/* NULL: no default */
	const char *doc;
};

#define COPY_TYPES "SINGLE|PARTNER|XOR|RS"

#define BOOL_P(n, d, doc)	{ n, "bool", { VT_BOOL, 0, 1, NULL }, d, doc }
#define INT_P(n, lo, d, doc)	{ n, "int>=" #lo, { VT_INT, lo, INT_MAX, NULL }, d, doc }
#define BYTES_P(n, d, doc)	{ n, "bytes", { VT_BYTES, 0, 0, NULL }, d, doc }
#define SECONDS_P(n, d, doc)	{ n, "seconds", { VT_SECONDS, 0, LLONG_MAX, NULL }, d, doc }
#define PERCENT_P(n, d, doc)	{ n, "percent 0..100", { VT_PERCENT, 0, 100, NULL }, d, doc }
#define ENUM_P(n, ch, d, doc)	{ n, ch, { VT_ENUM, 0, 0, ch }, d, doc }
#define PATH_P(n, d, doc)	{ n, "path", { VT_PATH, 0, 0, NULL }, d, doc }
#define STRING_P(n, d, doc)	{ n, "string", { VT_STRING, 0, 0, NULL }, d, doc }

/*
 * The one parameter table: validation, defaults, scr_config_param() and the
 * documentation in conf/ all come from here. Keep conf/scr.conf and
 * conf/README.md in step (tests/unit/test_config.c checks that they name
 * every parameter).
 */
static const struct param_def params[] = {
	BOOL_P("SCR_ENABLE", "1",
	       "0 turns scr into a pass-through: files go straight to their real paths"),
	INT_P("SCR_DEBUG", 0, "0",
	      "log level: 1 logs decisions, 2 adds per-file detail"),
	PATH_P("SCR_PREFIX", NULL,
	       "prefix directory on the parallel file system; empty means the current working directory"),
	PATH_P("SCR_CACHE_BASE", "/dev/shm",
	       "base of the node-local cache directories"),
	PATH_P("SCR_CNTL_BASE", "/dev/shm",
	       "base of the node-local control directories"),
	INT_P("SCR_CACHE_SIZE", 1, "2",
	      "datasets kept in cache per node"),
	BYTES_P("SCR_CACHE_BYTES", "0",
		"cache byte limit per node, 0 means unlimited (accepted; the cache's free space is what counts for now)"),
	ENUM_P("SCR_COPY_TYPE", COPY_TYPES, "SINGLE",
	       "redundancy scheme of cached checkpoints"),
	INT_P("SCR_SET_SIZE", 2, "8",
	      "nodes per redundancy set (XOR, RS)"),
	INT_P("SCR_SET_FAILURES", 1, "2",
	      "failures an RS set tolerates"),
	STRING_P("SCR_GROUP", "NODE",
		 "failure group: NODE, a name defined by GROUPS descriptors, or ENV:<variable>"),
	INT_P("SCR_FLUSH", 0, "10",
	      "flush every N checkpoints to the prefix directory, 0 never"),
	BOOL_P("SCR_FLUSH_ASYNC", "0",
	       "flush in the background while the application computes (accepted; flushes are synchronous for now)"),
	BOOL_P("SCR_FETCH", "1",
	       "on restart, fetch the latest checkpoint from the prefix directory when the cache has none"),
	BOOL_P("SCR_CACHE_BYPASS", "0",
	       "write checkpoints straight to the prefix directory, skipping the cache"),
	BOOL_P("SCR_CRC_ON_FLUSH", "1",
	       "compute and check file CRC32s on flush"),
	BOOL_P("SCR_CRC_ON_RESTART", "1",
	       "check file CRC32s on restart and fetch"),
	STRING_P("SCR_JOB_ID", NULL,
		 "job id; empty means the resource manager's"),
	STRING_P("SCR_JOB_NAME", NULL,
		 "job name (LLNL SCR's; accepted, not used yet)"),
	STRING_P("SCR_USER_NAME", NULL,
		 "user name; empty means the current user"),
	STRING_P("SCR_NODE_NAME", NULL,
		 "node name; empty means the host name"),
	PATH_P("SCR_CONF_FILE", NULL,
	       "user configuration file; empty means <prefix>/.scr/app.conf"),
	INT_P("SCR_CHECKPOINT_INTERVAL", 0, "0",
	      "SCR_Need_checkpoint is true every N calls, 0 off"),
	SECONDS_P("SCR_CHECKPOINT_SECONDS", "0",
		  "SCR_Need_checkpoint is true once this long has passed since the last checkpoint, 0 off"),
	PERCENT_P("SCR_CHECKPOINT_OVERHEAD", "0",
		  "SCR_Need_checkpoint keeps checkpoint time below this percentage of run time, 0 off"),
	SECONDS_P("SCR_HALT_SECONDS", "0",
		  "halt once no more than this time is left in the allocation (see SCR_END_TIME), 0 off"),
	BOOL_P("SCR_HALT_EXIT", "0",
	       "stop the application (exit status 0) once a checkpoint completes while a halt condition holds"),
	{ "SCR_END_TIME", "epoch seconds", { VT_INT, 0, LLONG_MAX, NULL }, NULL,
	  "when the allocation ends, for SCR_HALT_SECONDS; empty means ask SLURM (squeue), 0 unknown" },
	STRING_P("SCR_CHECKPOINT_PATTERN", NULL,
		 "pattern of file paths that the I/O interposer routes through scr as checkpoint files"),
	SECONDS_P("SCR_WATCHDOG_TIMEOUT", "300",
		  "time without progress after which a run is taken for hung"),
	SECONDS_P("SCR_SETTLE_SECONDS", "1",
		  "transparent mode: quiet time after the last checkpoint file closed before the checkpoint is complete"),
	INT_P("SCR_RUNS", 0, "1",
	      "runs scr_run launches in one allocation, 0 unlimited"),
	INT_P("SCR_MIN_NODES", 0, "0",
	      "fewest healthy nodes needed to launch a run, 0 means one"),
	STRING_P("SCR_EXCLUDE_NODES", NULL,
		 "hostlist of nodes the job commands never use, e.g. n[3,7-8]"),
	BYTES_P("SCR_FILE_BUF_SIZE", "4MB",
		"buffer size of file copies (LLNL SCR's; accepted, copies use 4 MB)"),
};

#define NPARAMS ARRAY_SIZE(params)

/* Descriptors: a kind, a name (the value of the kind key) and attributes. */
struct attr_def {
	const char *name;
	struct vspec spec;
};

#define A_BOOL(n)	{ n, { VT_BOOL, 0, 1, NULL } }
#define A_INT(n, lo)	{ n, { VT_INT, lo, INT_MAX, NULL } }
#define A_BYTES(n)	{ n, { VT_BYTES, 0, 0, NULL } }
#define A_ENUM(n, ch)	{ n, { VT_ENUM, 0, 0, ch } }
#define A_PATH(n)	{ n, { VT_PATH, 0, 0, NULL } }
#define A_STRING(n)	{ n, { VT_STRING, 0, 0, NULL } }

static const struct attr_def store_attrs[] = {
	A_INT("COUNT", 1), A_STRING("GROUP"), A_STRING("FLUSH"),
	A_ENUM("VIEW", "PRIVATE|GLOBAL"), A_BYTES("BYTES"),
};

static const struct attr_def ckpt_attrs[] = {
	A_INT("INTERVAL", 1), A_ENUM("TYPE", COPY_TYPES), A_INT("SET_SIZE", 2),
	A_INT("SET_FAILURES", 1), A_STRING("GROUP"), A_PATH("STORE"),
	A_BOOL("OUTPUT"), A_BOOL("BYPASS"), A_BOOL("ENABLED"),
};

static const struct attr_def cache_attrs[] = {
	A_INT("SIZE", 1), A_BYTES("BYTES"), A_STRING("GROUP"),
};

static const struct attr_def cntl_attrs[] = {
	A_BYTES("BYTES"),
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

static const struct kind_def kinds[] = {
	[K_STORE] = { "STORE", { VT_PATH, 0, 0, NULL }, "a directory",
		      store_attrs, ARRAY_SIZE(store_attrs), 0 },
	[K_CKPT] = { "CKPT", { VT_INT, 0, INT_MAX, NULL }, "a checkpoint descriptor number >= 0",
		     ckpt_attrs, ARRAY_SIZE(ckpt_attrs), 0 },
	[K_CACHE] = { "CACHE", { VT_PATH, 0, 0, NULL }, "a directory",
		      cache_attrs, ARRAY_SIZE(cache_attrs), 0 },
	[K_CNTL] = { "CNTL", { VT_PATH, 0, 0, NULL }, "a directory",
		     cntl_attrs, ARRAY_SIZE(cntl_attrs), 0 },
	[K_GROUPS] = { "GROUPS", { VT_STRING, 0, 0, NULL }, "a host name",
		       NULL, 0, 1 },
};

#define NKINDS ARRAY_SIZE(kinds)

/* How kinds are spelled in files, SCR's spellings first. */
static const struct {
	const char *word;
	int kind;
} kind_words[] = {
	{ "STORE", K_STORE }, { "CKPT", K_CKPT }, { "CACHE", K_CACHE },
	{ "CACHEDIR", K_CACHE }, { "CNTLDIR", K_CNTL }, { "GROUPS", K_GROUPS },
};

struct slot {
	char *value;	/* NULL: not set at this layer */
	char *origin;
};

struct attr {
	char *name;
	char *value;
};

struct attr_list {
	struct attr *v;
	size_t n, alloc;
};

struct desc {
	char *name;
	struct attr_list layer[SCR_CONF_NLAYERS];
};

struct desc_list {
	struct desc *v;
	size_t n, alloc;
};

struct scr_config {
	struct slot params[NPARAMS][SCR_CONF_NLAYERS];
	struct desc_list descs[NKINDS];
};

/* Grow an array to hold need elements; NULL (arr untouched) when out of memory. */
static void *grow_array(void *arr, size_t *alloc, size_t need, size_t size)
{
	if (need <= *alloc)
		return arr;
	size_t n = *alloc ? *alloc : 8;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return NULL;
		n *= 2;
	}
	void *p = realloc(arr, n * size);
	if (p)
		*alloc = n;
	return p;
}

/* Length of the valid UTF-8 sequence at p (1 to 4), 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t len;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		if (c == 0xf4)
			hi = 0x8f;	/* beyond U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * Show user text in a message: control bytes and invalid UTF-8 as \xNN,
 * cut after max bytes (0: no limit), so that a message stays one readable line.
 */
static void sb_show(struct scr_strbuf *sb, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	while (i < n) {
		if (max && i >= max) {
			scr_strbuf_add(sb, "...");
			return;
		}
		size_t l = utf8_len(p + i, n - i);
		if (l == 0 || p[i] < 0x20 || p[i] == 0x7f) {
			scr_strbuf_addf(sb, "\\x%02x", p[i]);
			l = 1;
		} else {
			scr_strbuf_addn(sb, s + i, l);
		}
		i += l;
	}
}

static void sb_quoted(struct scr_strbuf *sb, const char *s)
{
	scr_strbuf_add(sb, "'");
	sb_show(sb, s, SHOW_MAX);
	scr_strbuf_add(sb, "'");
}

/* Hand the message to the caller (or drop it) and return err. */
static int sb_fail(struct scr_strbuf *sb, char **msg, int err)
{
	if (msg && !sb->oom)
		*msg = sb->buf;
	else
		free(sb->buf);
	return err;
}

/* Where a line or value came from, for messages. */
struct where {
	const char *origin;	/* a file name, or caller text such as "SCR_Config" */
	unsigned long line;	/* 0: origin is not a numbered file */
};

static void sb_where(struct scr_strbuf *sb, const struct where *w)
{
	if (w->line) {
		scr_strbuf_add(sb, "'");
		sb_show(sb, w->origin, 0);
		scr_strbuf_addf(sb, "' line %lu: ", w->line);
	} else {
		sb_show(sb, w->origin, 0);
		scr_strbuf_add(sb, ": ");
	}
}

static const char *layer_name(enum scr_config_layer layer)
{
	switch (layer) {
	case SCR_CONF_DEFAULT:
		return "default";
	case SCR_CONF_SYSTEM:
		return "system configuration";
	case SCR_CONF_USER:
		return "user configuration";
	case SCR_CONF_ENV:
		return "environment";
	case SCR_CONF_API:
		return "SCR_Config";
	default:
		return "configuration";
	}
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Number parsers. They return 0, -1 on bad syntax, or -2 when the number
 * does not fit (with *out saturated in the direction of the overflow).
 */
static int parse_ll(const char *s, long long *out)
{
	int neg = 0;
	unsigned long long v = 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s < '0' || *s > '9')
		return -1;
	int over = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (ULLONG_MAX - d) / 10)
			over = 1;
		else
			v = v * 10 + d;
	}
	if (*s)
		return -1;
	if (neg) {
		if (over || v > (unsigned long long)LLONG_MAX + 1) {
			*out = LLONG_MIN;
			return -2;
		}
		*out = v ? -(long long)(v - 1) - 1 : 0;
		return 0;
	}
	if (over || v > LLONG_MAX) {
		*out = LLONG_MAX;
		return -2;
	}
	*out = (long long)v;
	return 0;
}

static int parse_seconds(const char *s, long long *out)
{
	static const struct {
		char suffix;
		long long mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	size_t n = strlen(s);
	long long mult = 1;
	char *copy;
	if (n && ((s[n - 1] >= 'a' && s[n - 1] <= 'z') ||
		  (s[n - 1] >= 'A' && s[n - 1] <= 'Z'))) {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if ((s[n - 1] | 0x20) == units[i].suffix)
				break;
		if (i == ARRAY_SIZE(units))
			return -1;
		mult = units[i].mult;
		n--;
	}
	copy = strndup(s, n);
	if (!copy)
		return -1;
	long long v;
	int rc = parse_ll(copy, &v);
	free(copy);
	if (rc == -1)
		return -1;
	if (rc == -2 || v > LLONG_MAX / mult || v < LLONG_MIN / mult) {
		*out = v < 0 ? LLONG_MIN : LLONG_MAX;
		return -2;
	}
	*out = v * mult;
	return 0;
}

static int parse_bytes(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		int shift;
	} units[] = {
		{ "", 0 }, { "B", 0 },
		{ "K", 10 }, { "KB", 10 }, { "KIB", 10 },
		{ "M", 20 }, { "MB", 20 }, { "MIB", 20 },
		{ "G", 30 }, { "GB", 30 }, { "GIB", 30 },
		{ "T", 40 }, { "TB", 40 }, { "TIB", 40 },
	};
	while (is_blank(*s))
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	uint64_t whole = 0;
	int over = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (whole > (UINT64_MAX - d) / 10)
			over = 1;
		else
			whole = whole * 10 + d;
	}
	/* a fraction such as 1.5GB; its digits past 18 do not matter */
	uint64_t num = 0, den = 1;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (den <= UINT64_MAX / 10 / 10) {
				num = num * 10 + (uint64_t)(*s - '0');
				den *= 10;
			}
		}
	}
	while (is_blank(*s))
		s++;
	size_t n = strlen(s);
	while (n && is_blank(s[n - 1]))
		n--;
	size_t i;
	for (i = 0; i < ARRAY_SIZE(units); i++)
		if (strlen(units[i].suffix) == n && !strncasecmp(s, units[i].suffix, n))
			break;
	if (i == ARRAY_SIZE(units))
		return -1;
	int shift = units[i].shift;
	if (over || (shift && whole > (UINT64_MAX >> shift))) {
		*out = UINT64_MAX;
		return -2;
	}
	uint64_t v = whole << shift;
	uint64_t frac = (uint64_t)((long double)num / (long double)den *
				   (long double)((uint64_t)1 << shift));
	if (v > UINT64_MAX - frac) {
		*out = UINT64_MAX;
		return -2;
	}
	*out = v + frac;
	return 0;
}

static int parse_percent(const char *s, double *out)
{
	/* plain decimal only: strtod would also take hex, inf, nan and blanks */
	const char *p = s;
	int digits = 0;
	if (*p == '-' || *p == '+')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (!digits || (*p && strcmp(p, "%")))
		return -1;
	*out = strtod(s, NULL);
	return 0;
}

int scr_parse_bytes(const char *text, uint64_t *out)
{
	uint64_t v;
	if (!text || parse_bytes(text, &v))
		return -SCR_EINVAL;
	*out = v;
	return 0;
}

int scr_parse_bool(const char *text, int *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	if (!text)
		return -SCR_EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(text, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(text, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -SCR_EINVAL;
}

/* Index of value in "A|B|C" (case-insensitive), -1 when absent. */
static int enum_index(const char *choices, const char *value)
{
	size_t n = strlen(value);
	int i = 0;
	for (const char *c = choices;; i++) {
		const char *bar = strchr(c, '|');
		size_t l = bar ? (size_t)(bar - c) : strlen(c);
		if (l == n && !strncasecmp(c, value, n))
			return i;
		if (!bar)
			return -1;
		c = bar + 1;
	}
}

enum verdict { V_OK, V_SYNTAX, V_LOW, V_HIGH };

static enum verdict check_value(const struct vspec *s, const char *v)
{
	long long ll;
	uint64_t u;
	double d;
	int b, rc;
	switch (s->type) {
	case VT_BOOL:
		return scr_parse_bool(v, &b) ? V_SYNTAX : V_OK;
	case VT_INT:
	case VT_SECONDS:
		rc = s->type == VT_INT ? parse_ll(v, &ll) : parse_seconds(v, &ll);
		if (rc == -1)
			return V_SYNTAX;
		if (ll < s->min)
			return V_LOW;
		if (rc == -2 || ll > s->max)
			return V_HIGH;
		return V_OK;
	case VT_BYTES:
		rc = parse_bytes(v, &u);
		return rc == -1 ? V_SYNTAX : rc == -2 ? V_HIGH : V_OK;
	case VT_PERCENT:
		if (parse_percent(v, &d))
			return V_SYNTAX;
		if (!(d >= (double)s->min))
			return V_LOW;
		return d > (double)s->max ? V_HIGH : V_OK;
	case VT_ENUM:
		return enum_index(s->choices, v) < 0 ? V_SYNTAX : V_OK;
	case VT_PATH:
	case VT_STRING:
		break;
	}
	return V_OK;
}

static void sb_expected(struct scr_strbuf *sb, const struct vspec *s, enum verdict v)
{
	switch (s->type) {
	case VT_BOOL:
		scr_strbuf_add(sb, "expected 0, 1, yes, no, true, false, on or off");
		break;
	case VT_INT:
		if (v == V_HIGH)
			scr_strbuf_addf(sb, "expected an integer <= %lld", s->max);
		else
			scr_strbuf_addf(sb, "expected an integer >= %lld", s->min);
		break;
	case VT_SECONDS:
		if (v == V_HIGH)
			scr_strbuf_add(sb, "duration too large");
		else
			scr_strbuf_addf(sb, "expected a duration >= %lld in seconds or with suffix s, m, h or d, such as 90, 30m, 12h, 1d", s->min);
		break;
	case VT_BYTES:
		if (v == V_HIGH)
			scr_strbuf_add(sb, "byte count too large");
		else
			scr_strbuf_add(sb, "expected a byte count such as 4096, 64KB, 1.5GB or 2TB; suffixes B, K, M, G, T are powers of 1024");
		break;
	case VT_PERCENT:
		scr_strbuf_addf(sb, "expected a percentage from %lld to %lld", s->min, s->max);
		break;
	case VT_ENUM:
		scr_strbuf_add(sb, "expected one of ");
		for (const char *c = s->choices; *c; c++) {
			if (*c == '|')
				scr_strbuf_add(sb, ", ");
			else
				scr_strbuf_addn(sb, c, 1);
		}
		break;
	case VT_PATH:
	case VT_STRING:
		scr_strbuf_add(sb, "expected text");
		break;
	}
}

/*
 * Normalised copy of a valid value: enum values upper-cased, paths without
 * trailing slashes. NULL when out of memory.
 */
static char *normalise(const struct vspec *s, const char *v)
{
	char *copy = strdup(v);
	if (!copy)
		return NULL;
	if (s->type == VT_ENUM) {
		for (char *p = copy; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
	} else if (s->type == VT_PATH) {
		size_t n = strlen(copy);
		while (n > 1 && copy[n - 1] == '/')
			copy[--n] = '\0';
	}
	return copy;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Levenshtein distance, case-insensitive, for short strings (both < 64). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (lower(a[i - 1]) != lower(b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Keeps the closest candidate within distance 2. */
struct suggest {
	const char *key;
	const char *best;
	size_t dist;
};

static void suggest_try(struct suggest *sg, const char *cand)
{
	size_t lk = strlen(sg->key), lc = strlen(cand);
	if (lc >= 64 || lk > lc + 2 || lc > lk + 2)
		return;
	size_t d = edit_distance(sg->key, cand);
	if (d <= 2 && (!sg->best || d < sg->dist)) {
		sg->best = cand;
		sg->dist = d;
	}
}

static void sb_suggest(struct scr_strbuf *sb, const struct suggest *sg)
{
	if (sg->best)
		scr_strbuf_addf(sb, " (did you mean %s?)", sg->best);
}

static int find_param(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < NPARAMS; i++)
		if (!strcmp(params[i].name, name))
			return (int)i;
	return -1;
}

static int find_kind_word(const char *word)
{
	for (size_t i = 0; i < ARRAY_SIZE(kind_words); i++)
		if (!strcmp(kind_words[i].word, word))
			return kind_words[i].kind;
	return -1;
}

/* A kind as the getters name it: the stored kind or a file spelling. */
static int find_kind(const char *kind)
{
	if (!kind)
		return -1;
	for (size_t i = 0; i < NKINDS; i++)
		if (!strcmp(kinds[i].kind, kind))
			return (int)i;
	return find_kind_word(kind);
}

static int unknown_key(const struct where *w, const char *key, int descriptors,
		       char **msg)
{
	struct scr_strbuf sb = { 0 };
	struct suggest sg = { key, NULL, 0 };
	sb_where(&sb, w);
	scr_strbuf_add(&sb, strncmp(key, "SCR_", 4) ? "unknown key " : "unknown parameter ");
	sb_quoted(&sb, key);
	for (size_t i = 0; i < NPARAMS; i++)
		suggest_try(&sg, params[i].name);
	if (descriptors)
		for (size_t i = 0; i < ARRAY_SIZE(kind_words); i++)
			suggest_try(&sg, kind_words[i].word);
	sb_suggest(&sb, &sg);
	scr_strbuf_add(&sb, "; known parameters: ");
	for (size_t i = 0; i < NPARAMS; i++)
		scr_strbuf_addf(&sb, "%s%s", i ? ", " : "", params[i].name);
	if (descriptors) {
		scr_strbuf_add(&sb, "; descriptors: ");
		for (size_t i = 0; i < ARRAY_SIZE(kind_words); i++)
			scr_strbuf_addf(&sb, "%s%s", i ? ", " : "", kind_words[i].word);
	}
	return sb_fail(&sb, msg, -SCR_ECONFIG);
}

static int bad_value(const struct where *w, const char *value, const char *what,
		     const struct vspec *s, enum verdict v, char **msg)
{
	struct scr_strbuf sb = { 0 };
	sb_where(&sb, w);
	scr_strbuf_add(&sb, "invalid value ");
	sb_quoted(&sb, value);
	scr_strbuf_addf(&sb, " for %s (", what);
	sb_expected(&sb, s, v);
	scr_strbuf_add(&sb, ")");
	return sb_fail(&sb, msg, -SCR_ECONFIG);
}

static int simple_error(const struct where *w, char **msg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An error whose variable parts the caller has already made safe to show. */
static int simple_error(const struct where *w, char **msg, const char *fmt, ...)
{
	struct scr_strbuf sb = { 0 };
	sb_where(&sb, w);
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		sb.oom = 1;
	else
		scr_strbuf_add(&sb, s);
	va_end(ap);
	free(s);
	return sb_fail(&sb, msg, -SCR_ECONFIG);
}

/* The first control character of s (tab allowed), 0 when none. */
static int control_char(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return *p;
	return 0;
}

/*
 * Check and store one parameter value at a layer; "" unsets it. origin is
 * kept for scr_config_source().
 */
static int apply_param(struct scr_config *cfg, enum scr_config_layer layer,
		       int idx, const char *value, const struct where *w,
		       const char *origin, char **msg)
{
	const struct param_def *def = &params[idx];
	struct slot *slot = &cfg->params[idx][layer];
	if (!*value) {
		free(slot->value);
		free(slot->origin);
		slot->value = slot->origin = NULL;
		return 0;
	}
	int c = control_char(value);
	if (c)
		return simple_error(w, msg, "control character 0x%02x in value of %s",
				    c, def->name);
	enum verdict v = check_value(&def->spec, value);
	if (v != V_OK)
		return bad_value(w, value, def->name, &def->spec, v, msg);
	char *nv = normalise(&def->spec, value);
	char *no = strdup(origin);
	if (!nv || !no) {
		free(nv);
		free(no);
		return -SCR_ENOMEM;
	}
	free(slot->value);
	free(slot->origin);
	slot->value = nv;
	slot->origin = no;
	return 0;
}

struct scr_config *scr_config_new(void)
{
	return calloc(1, sizeof(struct scr_config));
}

void scr_config_free(struct scr_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < NPARAMS; i++) {
		for (int l = 0; l < SCR_CONF_NLAYERS; l++) {
			free(cfg->params[i][l].value);
			free(cfg->params[i][l].origin);
		}
	}
	for (size_t k = 0; k < NKINDS; k++) {
		struct desc_list *dl = &cfg->descs[k];
		for (size_t i = 0; i < dl->n; i++) {
			struct desc *d = &dl->v[i];
			for (int l = 0; l < SCR_CONF_NLAYERS; l++) {
				for (size_t a = 0; a < d->layer[l].n; a++) {
					free(d->layer[l].v[a].name);
					free(d->layer[l].v[a].value);
				}
				free(d->layer[l].v);
			}
			free(d->name);
		}
		free(dl->v);
	}
	free(cfg);
}

static int valid_layer(enum scr_config_layer layer)
{
	return (int)layer >= SCR_CONF_DEFAULT && layer < SCR_CONF_NLAYERS;
}

int scr_config_set(struct scr_config *cfg, enum scr_config_layer layer,
		   const char *name, const char *value, const char *origin,
		   char **msg)
{
	if (msg)
		*msg = NULL;
	if (!cfg || !name || !valid_layer(layer))
		return -SCR_EINVAL;
	struct where w = { origin ? origin : layer_name(layer), 0 };
	int idx = find_param(name);
	if (idx < 0)
		return unknown_key(&w, name, 0, msg);
	return apply_param(cfg, layer, idx, value ? value : "", &w, w.origin, msg);
}

/* Line parser state; tokens point into the line buffer. */
struct token {
	char *key;
	char *value;
};

struct parser {
	struct scr_config *cfg;
	enum scr_config_layer layer;
	struct where w;
	char **msg;
	char *line;
	size_t line_alloc;
	struct token *tok;
	size_t ntok, tok_alloc;
};

static int add_token(struct parser *ps, char *key, char *value)
{
	struct token *t = grow_array(ps->tok, &ps->tok_alloc, ps->ntok + 1, sizeof(*t));
	if (!t)
		return -SCR_ENOMEM;
	ps->tok = t;
	t[ps->ntok].key = key;
	t[ps->ntok].value = value;
	ps->ntok++;
	return 0;
}

static int key_error(struct parser *ps, const char *what, const char *key,
		     const char *hint)
{
	struct scr_strbuf sb = { 0 };
	sb_where(&sb, &ps->w);
	scr_strbuf_add(&sb, what);
	sb_quoted(&sb, key);
	if (hint)
		scr_strbuf_add(&sb, hint);
	return sb_fail(&sb, ps->msg, -SCR_ECONFIG);
}

/* "SCR_JOB_NAME=my job": the likely slip is a missing pair of quotes. */
static int blank_in_value(struct parser *ps, const char *word)
{
	struct scr_strbuf sb = { 0 };
	sb_where(&sb, &ps->w);
	scr_strbuf_add(&sb, "unexpected ");
	sb_quoted(&sb, word);
	scr_strbuf_addf(&sb, " after %s=", ps->tok[0].key);
	sb_show(&sb, ps->tok[0].value, SHOW_MAX);
	scr_strbuf_add(&sb, " (quote values that contain blanks)");
	return sb_fail(&sb, ps->msg, -SCR_ECONFIG);
}

/*
 * Split a line into KEY=VALUE tokens in place. Blanks may surround '=';
 * a value is a run of non-blanks or a double-quoted string; '#' at the start
 * of a word begins a comment.
 */
static int tokenize(struct parser *ps, char *s)
{
	char *p = s;
	ps->ntok = 0;
	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			return 0;
		char *key = p;
		while (*p && *p != '=' && !is_blank(*p))
			p++;
		char *key_end = p;
		while (is_blank(*p))
			p++;
		if (*p != '=') {
			*key_end = '\0';
			if (ps->ntok == 1 && find_param(ps->tok[0].key) >= 0)
				return blank_in_value(ps, key);
			return key_error(ps, "missing '=' after ", key, NULL);
		}
		if (key_end == key)
			return simple_error(&ps->w, ps->msg, "missing key before '='");
		p++;
		*key_end = '\0';
		int blank = 0;
		while (is_blank(*p)) {
			p++;
			blank = 1;
		}
		char *value;
		int bare_empty = 0;
		if (*p == '"') {
			value = ++p;
			char *q = strchr(p, '"');
			if (!q)
				return key_error(ps, "unterminated quote in value of ", key, NULL);
			*q = '\0';
			p = q + 1;
			if (*p && !is_blank(*p))
				return key_error(ps, "unexpected text after the closing quote of ", key, NULL);
		} else if (!*p || (blank && *p == '#')) {
			/* SCR_Config("KEY=") unsets, as in SCR; in a file it is a slip */
			if (ps->layer != SCR_CONF_API)
				return key_error(ps, "missing value for ", key, NULL);
			*p = '\0';	/* the rest is a comment */
			value = p;
			bare_empty = 1;
		} else {
			value = p;
			while (*p && !is_blank(*p)) {
				if (*p == '"')
					return key_error(ps, "unexpected '\"' in value of ", key,
							 " (quote the whole value)");
				p++;
			}
			/* "COUNT= GROUP=NODE": the next word is a key, not a value */
			if (blank && memchr(value, '=', (size_t)(p - value)))
				return key_error(ps, "missing value for ", key, NULL);
			if (*p)
				*p++ = '\0';
		}
		int rc = add_token(ps, key, value);
		if (rc || bare_empty)
			return rc;
	}
}

/* "file:line" for a value read from a numbered file, else the origin. */
static char *stored_origin(const struct where *w)
{
	if (w->line)
		return scr_asprintf("%s:%lu", w->origin, w->line);
	return strdup(w->origin);
}

static int is_upper_name(const char *s)
{
	if (*s < 'A' || *s > 'Z')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static const struct attr_def *find_attr(const struct kind_def *kd, const char *name)
{
	for (size_t i = 0; i < kd->nattrs; i++)
		if (!strcmp(kd->attrs[i].name, name))
			return &kd->attrs[i];
	return NULL;
}

static int unknown_attr(struct parser *ps, const char *word,
			const struct kind_def *kd, const char *key)
{
	struct scr_strbuf sb = { 0 };
	struct suggest sg = { key, NULL, 0 };
	sb_where(&sb, &ps->w);
	scr_strbuf_add(&sb, "unknown attribute ");
	sb_quoted(&sb, key);
	scr_strbuf_addf(&sb, " for %s", word);
	for (size_t i = 0; i < kd->nattrs; i++)
		suggest_try(&sg, kd->attrs[i].name);
	sb_suggest(&sb, &sg);
	scr_strbuf_add(&sb, "; allowed: ");
	for (size_t i = 0; i < kd->nattrs; i++)
		scr_strbuf_addf(&sb, "%s%s", i ? ", " : "", kd->attrs[i].name);
	return sb_fail(&sb, ps->msg, -SCR_ECONFIG);
}

static struct desc *find_or_add_desc(struct desc_list *dl, const char *name)
{
	for (size_t i = 0; i < dl->n; i++)
		if (!strcmp(dl->v[i].name, name))
			return &dl->v[i];
	struct desc *v = grow_array(dl->v, &dl->alloc, dl->n + 1, sizeof(*v));
	if (!v)
		return NULL;
	dl->v = v;
	struct desc *d = &v[dl->n];
	memset(d, 0, sizeof(*d));
	d->name = strdup(name);
	if (!d->name)
		return NULL;
	dl->n++;
	return d;
}

/* Set an attribute at one layer; "" removes it, uncovering lower layers. */
static int set_attr(struct attr_list *al, const char *name, const char *value)
{
	for (size_t i = 0; i < al->n; i++) {
		if (strcmp(al->v[i].name, name))
			continue;
		if (!*value) {
			free(al->v[i].name);
			free(al->v[i].value);
			memmove(&al->v[i], &al->v[i + 1], (al->n - i - 1) * sizeof(*al->v));
			al->n--;
			return 0;
		}
		char *nv = strdup(value);
		if (!nv)
			return -SCR_ENOMEM;
		free(al->v[i].value);
		al->v[i].value = nv;
		return 0;
	}
	if (!*value)
		return 0;
	char *nv = strdup(value);
	if (!nv)
		return -SCR_ENOMEM;
	struct attr *v = grow_array(al->v, &al->alloc, al->n + 1, sizeof(*v));
	char *nn = strdup(name);
	if (!v || !nn) {
		if (v)
			al->v = v;
		free(nn);
		free(nv);
		return -SCR_ENOMEM;
	}
	al->v = v;
	v[al->n].name = nn;
	v[al->n].value = nv;
	al->n++;
	return 0;
}

/* A descriptor line: every attribute is checked before any is stored. */
static int apply_desc(struct parser *ps, int k)
{
	const struct kind_def *kd = &kinds[k];
	const char *word = ps->tok[0].key;
	const char *name = ps->tok[0].value;
	enum verdict v = *name ? check_value(&kd->name, name) : V_SYNTAX;
	if (v != V_OK) {
		struct scr_strbuf sb = { 0 };
		sb_where(&sb, &ps->w);
		if (*name) {
			scr_strbuf_add(&sb, "invalid name ");
			sb_quoted(&sb, name);
			scr_strbuf_addf(&sb, " for %s", word);
		} else {
			scr_strbuf_add(&sb, "missing name for ");
			sb_quoted(&sb, word);
		}
		scr_strbuf_addf(&sb, " (expected %s)", kd->name_text);
		return sb_fail(&sb, ps->msg, -SCR_ECONFIG);
	}
	char *canon;
	if (k == K_CKPT) {
		long long n;
		parse_ll(name, &n);
		canon = scr_asprintf("%lld", n);
	} else {
		canon = normalise(&kd->name, name);
	}
	if (!canon)
		return -SCR_ENOMEM;

	static const struct vspec any = { VT_STRING, 0, 0, NULL };
	int rc = 0;
	for (size_t i = 1; i < ps->ntok && !rc; i++) {
		struct token *t = &ps->tok[i];
		const struct vspec *spec = &any;
		if (kd->any_attrs) {
			if (!is_upper_name(t->key)) {
				rc = key_error(ps, "invalid attribute ", t->key,
					       " for GROUPS (expected an upper-case name such as POWER)");
				break;
			}
		} else {
			const struct attr_def *ad = find_attr(kd, t->key);
			if (!ad) {
				rc = unknown_attr(ps, word, kd, t->key);
				break;
			}
			spec = &ad->spec;
		}
		for (size_t j = 1; j < i; j++) {
			if (!strcmp(ps->tok[j].key, t->key)) {
				rc = key_error(ps, "duplicate attribute ", t->key, NULL);
				break;
			}
		}
		if (rc || !*t->value)
			continue;
		/* check_line has already refused control characters */
		v = check_value(spec, t->value);
		if (v != V_OK) {
			char *what = scr_asprintf("%s of %s", t->key, word);
			rc = what ? bad_value(&ps->w, t->value, what, spec, v, ps->msg)
				  : -SCR_ENOMEM;
			free(what);
			break;
		}
		if (spec->type == VT_ENUM || spec->type == VT_PATH) {
			/* in place: never longer than the original */
			char *nv = normalise(spec, t->value);
			if (!nv) {
				rc = -SCR_ENOMEM;
				break;
			}
			strcpy(t->value, nv);
			free(nv);
		}
	}
	if (!rc) {
		struct desc *d = find_or_add_desc(&ps->cfg->descs[k], canon);
		if (!d)
			rc = -SCR_ENOMEM;
		for (size_t i = 1; i < ps->ntok && !rc; i++)
			rc = set_attr(&d->layer[ps->layer], ps->tok[i].key, ps->tok[i].value);
	}
	free(canon);
	return rc;
}

static int apply_tokens(struct parser *ps)
{
	if (ps->ntok == 0)
		return 0;
	struct token *t0 = &ps->tok[0];
	int idx = find_param(t0->key);
	if (idx >= 0) {
		if (ps->ntok > 1) {
			struct scr_strbuf sb = { 0 };
			sb_where(&sb, &ps->w);
			scr_strbuf_add(&sb, "unexpected ");
			sb_quoted(&sb, ps->tok[1].key);
			scr_strbuf_addf(&sb, " after %s (a parameter line holds one KEY=VALUE)", t0->key);
			return sb_fail(&sb, ps->msg, -SCR_ECONFIG);
		}
		char *origin = stored_origin(&ps->w);
		if (!origin)
			return -SCR_ENOMEM;
		int rc = apply_param(ps->cfg, ps->layer, idx, t0->value, &ps->w, origin, ps->msg);
		free(origin);
		return rc;
	}
	int k = find_kind_word(t0->key);
	if (k >= 0)
		return apply_desc(ps, k);
	return unknown_key(&ps->w, t0->key, 1, ps->msg);
}

/* Reject bytes that have no place in a text file before looking at words. */
static int check_line(struct parser *ps, const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	for (size_t i = 0; i < n;) {
		if (u[i] == 0)
			return simple_error(&ps->w, ps->msg, "NUL byte in line");
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f)
			return simple_error(&ps->w, ps->msg,
					    "control character 0x%02x in line (not a text file?)", u[i]);
		size_t l = utf8_len(u + i, n - i);
		if (!l)
			return simple_error(&ps->w, ps->msg,
					    "invalid UTF-8 byte 0x%02x in line (not a text file?)", u[i]);
		i += l;
	}
	return 0;
}

static int parse_text(struct scr_config *cfg, enum scr_config_layer layer,
		      const char *text, size_t len, const char *origin,
		      int numbered, char **msg)
{
	struct parser ps = { cfg, layer, { origin, 0 }, msg, NULL, 0, NULL, 0, 0 };
	const char *p = text, *end = text + len;
	unsigned long lineno = 0;
	int rc = 0;
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (n && p[n - 1] == '\r')
			n--;
		lineno++;
		ps.w.line = numbered ? lineno : 0;
		rc = check_line(&ps, p, n);
		if (!rc) {
			char *buf = grow_array(ps.line, &ps.line_alloc, n + 1, 1);
			if (!buf) {
				rc = -SCR_ENOMEM;
				break;
			}
			ps.line = buf;
			memcpy(buf, p, n);
			buf[n] = '\0';
			rc = tokenize(&ps, buf);
		}
		if (!rc)
			rc = apply_tokens(&ps);
		p = nl ? nl + 1 : end;
	}
	free(ps.line);
	free(ps.tok);
	return rc;
}

int scr_config_parse_string(struct scr_config *cfg, enum scr_config_layer layer,
			    const char *text, const char *origin, char **msg)
{
	if (msg)
		*msg = NULL;
	if (!cfg || !text || !valid_layer(layer))
		return -SCR_EINVAL;
	/* one SCR_Config string reads best without "line 1" */
	int numbered = layer != SCR_CONF_API || strchr(text, '\n') != NULL;
	return parse_text(cfg, layer, text, strlen(text),
			  origin ? origin : layer_name(layer), numbered, msg);
}

int scr_config_parse_file(struct scr_config *cfg, enum scr_config_layer layer,
			  const char *path, int missing_ok, char **msg)
{
	if (msg)
		*msg = NULL;
	if (!cfg || !path || !valid_layer(layer))
		return -SCR_EINVAL;
	char *buf = NULL;
	size_t len;
	struct stat st;
	int rc;
	/* stat first: opening a FIFO would block */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		rc = -SCR_EFORMAT;
	} else {
		rc = scr_read_file(path, SIZE_MAX - 1, &buf, &len);
	}
	if (rc) {
		int err = errno;
		struct scr_strbuf sb = { 0 };
		if (rc == -SCR_ENOMEM)
			return rc;
		if (rc == -SCR_ENOENT) {
			if (missing_ok)
				return 0;
		} else {
			rc = -SCR_EIO;
		}
		scr_strbuf_add(&sb, "cannot read '");
		sb_show(&sb, path, 0);
		scr_strbuf_addf(&sb, "': %s", err == EINVAL ? "not a regular file" : strerror(err));
		return sb_fail(&sb, msg, rc);
	}
	rc = parse_text(cfg, layer, buf, len, path, 1, msg);
	free(buf);
	return rc;
}

int scr_config_load_env(struct scr_config *cfg, char *const *envp,
			char **warnings, char **msg)
{
	if (msg)
		*msg = NULL;
	if (warnings)
		*warnings = NULL;
	if (!cfg)
		return -SCR_EINVAL;
	struct scr_strbuf warn = { 0 };
	int rc = 0;
	for (char *const *e = envp; e && *e && !rc; e++) {
		const char *eq = strchr(*e, '=');
		if (strncmp(*e, "SCR_", 4) || !eq)
			continue;
		char *name = strndup(*e, (size_t)(eq - *e));
		if (!name) {
			rc = -SCR_ENOMEM;
			break;
		}
		int idx = find_param(name);
		if (idx < 0) {
			if (warn.len)
				scr_strbuf_add(&warn, "\n");
			scr_strbuf_add(&warn, "unknown environment variable ");
			sb_quoted(&warn, name);
			scr_strbuf_add(&warn, " ignored");
		} else {
			struct scr_strbuf where = { 0 };
			scr_strbuf_add(&where, "environment variable ");
			sb_quoted(&where, name);
			if (where.oom) {
				rc = -SCR_ENOMEM;
			} else {
				struct where w = { where.buf, 0 };
				rc = apply_param(cfg, SCR_CONF_ENV, idx, eq + 1, &w,
						 layer_name(SCR_CONF_ENV), msg);
			}
			free(where.buf);
		}
		free(name);
	}
	if (warn.oom && !rc)
		rc = -SCR_ENOMEM;
	if (warnings && warn.len && !warn.oom)
		*warnings = warn.buf;
	else
		free(warn.buf);
	return rc;
}

/* The slot holding the effective value, NULL when the default applies. */
static const struct slot *effective(const struct scr_config *cfg, int idx)
{
	for (int l = SCR_CONF_NLAYERS - 1; l >= 0; l--)
		if (cfg->params[idx][l].value)
			return &cfg->params[idx][l];
	return NULL;
}

const char *scr_config_get(const struct scr_config *cfg, const char *name)
{
	int idx = find_param(name);
	if (!cfg || idx < 0)
		return NULL;
	const struct slot *s = effective(cfg, idx);
	return s ? s->value : params[idx].defval;
}

enum scr_config_layer scr_config_source(const struct scr_config *cfg,
					const char *name, const char **origin)
{
	int idx = find_param(name);
	if (origin)
		*origin = NULL;
	if (!cfg || idx < 0)
		return SCR_CONF_DEFAULT;
	for (int l = SCR_CONF_NLAYERS - 1; l >= 0; l--) {
		const struct slot *s = &cfg->params[idx][l];
		if (s->value) {
			if (origin)
				*origin = s->origin;
			return (enum scr_config_layer)l;
		}
	}
	if (origin)
		*origin = "default";
	return SCR_CONF_DEFAULT;
}

/* The effective value and its type; NULL when unknown or without value. */
static const char *typed_value(const struct scr_config *cfg, const char *name,
			       const struct vspec **spec)
{
	int idx = find_param(name);
	if (!cfg || idx < 0)
		return NULL;
	*spec = &params[idx].spec;
	return scr_config_get(cfg, name);
}

long long scr_config_get_int(const struct scr_config *cfg, const char *name)
{
	const struct vspec *s;
	const char *v = typed_value(cfg, name, &s);
	long long ll = 0;
	uint64_t u;
	int b;
	if (!v)
		return 0;
	switch (s->type) {
	case VT_BOOL:
		return scr_parse_bool(v, &b) ? 0 : b;
	case VT_SECONDS:
		return parse_seconds(v, &ll) == -1 ? 0 : ll;
	case VT_BYTES:
		if (parse_bytes(v, &u) == -1)
			return 0;
		return u > LLONG_MAX ? LLONG_MAX : (long long)u;
	case VT_PERCENT:
		return (long long)scr_config_get_double(cfg, name);
	default:
		return parse_ll(v, &ll) == -1 ? 0 : ll;
	}
}

int scr_config_get_bool(const struct scr_config *cfg, const char *name)
{
	const struct vspec *s;
	const char *v = typed_value(cfg, name, &s);
	int b;
	if (!v)
		return 0;
	if (s->type == VT_BOOL)
		return scr_parse_bool(v, &b) ? 0 : b;
	return scr_config_get_int(cfg, name) != 0;
}

uint64_t scr_config_get_bytes(const struct scr_config *cfg, const char *name)
{
	const struct vspec *s;
	const char *v = typed_value(cfg, name, &s);
	uint64_t u;
	if (!v)
		return 0;
	if (s->type == VT_BYTES)
		return parse_bytes(v, &u) == -1 ? 0 : u;
	long long ll = scr_config_get_int(cfg, name);
	return ll < 0 ? 0 : (uint64_t)ll;
}

double scr_config_get_double(const struct scr_config *cfg, const char *name)
{
	const struct vspec *s;
	const char *v = typed_value(cfg, name, &s);
	double d;
	if (!v)
		return 0;
	if (s->type == VT_PERCENT)
		return parse_percent(v, &d) ? 0 : d;
	return (double)scr_config_get_int(cfg, name);
}

size_t scr_config_desc_count(const struct scr_config *cfg, const char *kind)
{
	int k = find_kind(kind);
	return cfg && k >= 0 ? cfg->descs[k].n : 0;
}

static const struct desc *desc_at(const struct scr_config *cfg, const char *kind, size_t i)
{
	int k = find_kind(kind);
	if (!cfg || k < 0 || i >= cfg->descs[k].n)
		return NULL;
	return &cfg->descs[k].v[i];
}

const char *scr_config_desc_name(const struct scr_config *cfg, const char *kind, size_t i)
{
	const struct desc *d = desc_at(cfg, kind, i);
	return d ? d->name : NULL;
}

const char *scr_config_desc_get(const struct scr_config *cfg, const char *kind,
				size_t i, const char *attr)
{
	const struct desc *d = desc_at(cfg, kind, i);
	if (!d || !attr)
		return NULL;
	for (int l = SCR_CONF_NLAYERS - 1; l >= 0; l--) {
		const struct attr_list *al = &d->layer[l];
		for (size_t a = 0; a < al->n; a++)
			if (!strcmp(al->v[a].name, attr))
				return al->v[a].value;
	}
	return NULL;
}

int scr_config_param(size_t i, const char **name, const char **type,
		     const char **defval, const char **doc)
{
	if (i >= NPARAMS)
		return 0;
	if (name)
		*name = params[i].name;
	if (type)
		*type = params[i].type;
	if (defval)
		*defval = params[i].defval ? params[i].defval : "";
	if (doc)
		*doc = params[i].doc;
	return 1;
}
