/*
 * The configuration's store (config.h): the parameter and descriptor
 * tables, a slot per parameter and layer, descriptors with attributes per
 * layer, and the getters that take the highest layer that set a value.
 * The pieces it uses are listed in config_internal.h.
 */
#define _GNU_SOURCE
#include "config_internal.h"

#include "scr_err.h"
#include "strbuf.h"
#include "suggest.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

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
	BOOL_P("SCR_LOG_ENABLE", "0",
	       "write the job's events (runs, checkpoints, flushes, restarts, failures) to the sinks below"),
	BOOL_P("SCR_LOG_TXT_ENABLE", "1",
	       "event sink: the text log <prefix>/.scr/log, one line per event"),
	BOOL_P("SCR_LOG_SYSLOG_ENABLE", "0",
	       "event sink: syslog"),
	STRING_P("SCR_LOG_SYSLOG_PREFIX", "scr",
		 "syslog ident of the events"),
	ENUM_P("SCR_LOG_SYSLOG_FACILITY", "LOG_USER|LOG_DAEMON|LOG_LOCAL0|LOG_LOCAL1|LOG_LOCAL2|LOG_LOCAL3|LOG_LOCAL4|LOG_LOCAL5|LOG_LOCAL6|LOG_LOCAL7", "LOG_LOCAL7",
	       "syslog facility of the events"),
	ENUM_P("SCR_LOG_SYSLOG_LEVEL", "LOG_EMERG|LOG_ALERT|LOG_CRIT|LOG_ERR|LOG_WARNING|LOG_NOTICE|LOG_INFO|LOG_DEBUG", "LOG_INFO",
	       "syslog level of the events"),
	BOOL_P("SCR_LOG_DB_ENABLE", "0",
	       "event sink: a MySQL/MariaDB database (LLNL SCR's; accepted, no database sink yet)"),
	STRING_P("SCR_LOG_DB_HOST", NULL,
		 "database host (LLNL SCR's; accepted, not used yet)"),
	STRING_P("SCR_LOG_DB_USER", NULL,
		 "database user (LLNL SCR's; accepted, not used yet)"),
	STRING_P("SCR_LOG_DB_PASS", NULL,
		 "database password (LLNL SCR's; accepted, not used yet)"),
	STRING_P("SCR_LOG_DB_NAME", NULL,
		 "database name (LLNL SCR's; accepted, not used yet)"),
	BOOL_P("SCR_LOG_DB_DEBUG", "0",
	       "database sink debugging (LLNL SCR's; accepted, not used yet)"),
	PATH_P("SCR_PREFIX", NULL,
	       "prefix directory on the parallel file system; empty means the current working directory"),
	PATH_P("SCR_CACHE_BASE", "/dev/shm",
	       "base of the node-local cache directories"),
	PATH_P("SCR_CNTL_BASE", "/dev/shm",
	       "base of the node-local control directories"),
	INT_P("SCR_CACHE_SIZE", 1, "2",
	      "datasets kept in cache per node"),
	BYTES_P("SCR_CACHE_BYTES", "0",
		"bytes a cache store may hold per node (a store's BYTES overrides it), 0 means its free space"),
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
	       "flush checkpoints in the background (one thread per node) while the application computes"),
	BYTES_P("SCR_FLUSH_ASYNC_BW", "0",
		"background flush rate cap per node, in bytes per second; 0 means no cap"),
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
	BOOL_P("SCR_WATCHDOG", "0",
	       "scr_run and scr_srun kill a run that makes no progress for SCR_WATCHDOG_TIMEOUT and launch it again"),
	SECONDS_P("SCR_WATCHDOG_TIMEOUT", "300",
		  "time without progress after which a run is taken for hung"),
	SECONDS_P("SCR_WATCHDOG_TIMEOUT_PFS", "600",
		  "the same while the run flushes to or fetches from the prefix"),
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

/* The descriptor kinds and their attributes. */
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

void *cfg_grow_array(void *arr, size_t *alloc, size_t need, size_t size)
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

const char *cfg_layer_name(enum scr_config_layer layer)
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

int cfg_find_param(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < NPARAMS; i++)
		if (!strcmp(params[i].name, name))
			return (int)i;
	return -1;
}

int cfg_find_kind_word(const char *word)
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
	return cfg_find_kind_word(kind);
}

const struct kind_def *cfg_kind_at(int k)
{
	return &kinds[k];
}

int cfg_unknown_key(const struct where *w, const char *key, int descriptors,
		char **msg)
{
	struct scr_strbuf sb = { 0 };
	struct suggest sg = { key, NULL, 0 };
	cfg_sb_where(&sb, w);
	scr_strbuf_add(&sb, strncmp(key, "SCR_", 4) ? "unknown key " : "unknown parameter ");
	cfg_sb_quoted(&sb, key);
	for (size_t i = 0; i < NPARAMS; i++)
		scr_suggest_try(&sg, params[i].name);
	if (descriptors)
		for (size_t i = 0; i < ARRAY_SIZE(kind_words); i++)
			scr_suggest_try(&sg, kind_words[i].word);
	scr_sb_suggest(&sb, &sg);
	scr_strbuf_add(&sb, "; known parameters: ");
	for (size_t i = 0; i < NPARAMS; i++)
		scr_strbuf_addf(&sb, "%s%s", i ? ", " : "", params[i].name);
	if (descriptors) {
		scr_strbuf_add(&sb, "; descriptors: ");
		for (size_t i = 0; i < ARRAY_SIZE(kind_words); i++)
			scr_strbuf_addf(&sb, "%s%s", i ? ", " : "", kind_words[i].word);
	}
	return cfg_sb_fail(&sb, msg, -SCR_ECONFIG);
}

/* The first control character of s (tab allowed), 0 when none. */
static int control_char(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return *p;
	return 0;
}

int cfg_apply_param(struct scr_config *cfg, enum scr_config_layer layer,
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
		return cfg_simple_error(w, msg, "control character 0x%02x in value of %s",
				    c, def->name);
	enum verdict v = cfg_check_value(&def->spec, value);
	if (v != V_OK)
		return cfg_bad_value(w, value, def->name, &def->spec, v, msg);
	char *nv = cfg_normalise(&def->spec, value);
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

int cfg_valid_layer(enum scr_config_layer layer)
{
	return (int)layer >= SCR_CONF_DEFAULT && layer < SCR_CONF_NLAYERS;
}

int scr_config_set(struct scr_config *cfg, enum scr_config_layer layer,
		   const char *name, const char *value, const char *origin,
		   char **msg)
{
	if (msg)
		*msg = NULL;
	if (!cfg || !name || !cfg_valid_layer(layer))
		return -SCR_EINVAL;
	struct where w = { origin ? origin : cfg_layer_name(layer), 0 };
	int idx = cfg_find_param(name);
	if (idx < 0)
		return cfg_unknown_key(&w, name, 0, msg);
	return cfg_apply_param(cfg, layer, idx, value ? value : "", &w, w.origin, msg);
}

struct desc *cfg_find_or_add_desc(struct scr_config *cfg, int k, const char *name)
{
	struct desc_list *dl = &cfg->descs[k];
	for (size_t i = 0; i < dl->n; i++)
		if (!strcmp(dl->v[i].name, name))
			return &dl->v[i];
	struct desc *v = cfg_grow_array(dl->v, &dl->alloc, dl->n + 1, sizeof(*v));
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

int cfg_set_attr(struct desc *d, enum scr_config_layer layer, const char *name,
	     const char *value)
{
	struct attr_list *al = &d->layer[layer];
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
	struct attr *v = cfg_grow_array(al->v, &al->alloc, al->n + 1, sizeof(*v));
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
		int idx = cfg_find_param(name);
		if (idx < 0) {
			if (warn.len)
				scr_strbuf_add(&warn, "\n");
			scr_strbuf_add(&warn, "unknown environment variable ");
			cfg_sb_quoted(&warn, name);
			scr_strbuf_add(&warn, " ignored");
		} else {
			struct scr_strbuf where = { 0 };
			scr_strbuf_add(&where, "environment variable ");
			cfg_sb_quoted(&where, name);
			if (where.oom) {
				rc = -SCR_ENOMEM;
			} else {
				struct where w = { where.buf, 0 };
				rc = cfg_apply_param(cfg, SCR_CONF_ENV, idx, eq + 1, &w,
						 cfg_layer_name(SCR_CONF_ENV), msg);
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
	int idx = cfg_find_param(name);
	if (!cfg || idx < 0)
		return NULL;
	const struct slot *s = effective(cfg, idx);
	return s ? s->value : params[idx].defval;
}

enum scr_config_layer scr_config_source(const struct scr_config *cfg,
					const char *name, const char **origin)
{
	int idx = cfg_find_param(name);
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
	int idx = cfg_find_param(name);
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
		return cfg_parse_seconds(v, &ll) == -1 ? 0 : ll;
	case VT_BYTES:
		if (cfg_parse_bytes(v, &u) == -1)
			return 0;
		return u > LLONG_MAX ? LLONG_MAX : (long long)u;
	case VT_PERCENT:
		return (long long)scr_config_get_double(cfg, name);
	default:
		return cfg_parse_ll(v, &ll) == -1 ? 0 : ll;
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
		return cfg_parse_bytes(v, &u) == -1 ? 0 : u;
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
		return cfg_parse_percent(v, &d) ? 0 : d;
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
