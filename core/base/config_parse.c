/*
 * The file syntax of scr.conf (see config.h): lines split into KEY=VALUE
 * tokens, checked as a parameter or a descriptor and handed to the store.
 * A line is checked whole before it changes anything.
 */
#define _GNU_SOURCE
#include "config_internal.h"

#include "io.h"
#include "scr_err.h"
#include "strbuf.h"
#include "suggest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	struct token *t = cfg_grow_array(ps->tok, &ps->tok_alloc, ps->ntok + 1, sizeof(*t));
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
	cfg_sb_where(&sb, &ps->w);
	scr_strbuf_add(&sb, what);
	cfg_sb_quoted(&sb, key);
	if (hint)
		scr_strbuf_add(&sb, hint);
	return cfg_sb_fail(&sb, ps->msg, -SCR_ECONFIG);
}

/* "SCR_JOB_NAME=my job": the likely slip is a missing pair of quotes. */
static int blank_in_value(struct parser *ps, const char *word)
{
	struct scr_strbuf sb = { 0 };
	cfg_sb_where(&sb, &ps->w);
	scr_strbuf_add(&sb, "unexpected ");
	cfg_sb_quoted(&sb, word);
	scr_strbuf_addf(&sb, " after %s=", ps->tok[0].key);
	cfg_sb_show(&sb, ps->tok[0].value, SHOW_MAX);
	scr_strbuf_add(&sb, " (quote values that contain blanks)");
	return cfg_sb_fail(&sb, ps->msg, -SCR_ECONFIG);
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
			if (ps->ntok == 1 && cfg_find_param(ps->tok[0].key) >= 0)
				return blank_in_value(ps, key);
			return key_error(ps, "missing '=' after ", key, NULL);
		}
		if (key_end == key)
			return cfg_simple_error(&ps->w, ps->msg, "missing key before '='");
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
	cfg_sb_where(&sb, &ps->w);
	scr_strbuf_add(&sb, "unknown attribute ");
	cfg_sb_quoted(&sb, key);
	scr_strbuf_addf(&sb, " for %s", word);
	for (size_t i = 0; i < kd->nattrs; i++)
		scr_suggest_try(&sg, kd->attrs[i].name);
	scr_sb_suggest(&sb, &sg);
	scr_strbuf_add(&sb, "; allowed: ");
	for (size_t i = 0; i < kd->nattrs; i++)
		scr_strbuf_addf(&sb, "%s%s", i ? ", " : "", kd->attrs[i].name);
	return cfg_sb_fail(&sb, ps->msg, -SCR_ECONFIG);
}

/* A descriptor line: every attribute is checked before any is stored. */
static int apply_desc(struct parser *ps, int k)
{
	const struct kind_def *kd = cfg_kind_at(k);
	const char *word = ps->tok[0].key;
	const char *name = ps->tok[0].value;
	enum verdict v = *name ? cfg_check_value(&kd->name, name) : V_SYNTAX;
	if (v != V_OK) {
		struct scr_strbuf sb = { 0 };
		cfg_sb_where(&sb, &ps->w);
		if (*name) {
			scr_strbuf_add(&sb, "invalid name ");
			cfg_sb_quoted(&sb, name);
			scr_strbuf_addf(&sb, " for %s", word);
		} else {
			scr_strbuf_add(&sb, "missing name for ");
			cfg_sb_quoted(&sb, word);
		}
		scr_strbuf_addf(&sb, " (expected %s)", kd->name_text);
		return cfg_sb_fail(&sb, ps->msg, -SCR_ECONFIG);
	}
	char *canon;
	if (k == K_CKPT) {
		long long n;
		cfg_parse_ll(name, &n);
		canon = scr_asprintf("%lld", n);
	} else {
		canon = cfg_normalise(&kd->name, name);
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
		v = cfg_check_value(spec, t->value);
		if (v != V_OK) {
			char *what = scr_asprintf("%s of %s", t->key, word);
			rc = what ? cfg_bad_value(&ps->w, t->value, what, spec, v, ps->msg)
				  : -SCR_ENOMEM;
			free(what);
			break;
		}
		if (spec->type == VT_ENUM || spec->type == VT_PATH) {
			/* in place: never longer than the original */
			char *nv = cfg_normalise(spec, t->value);
			if (!nv) {
				rc = -SCR_ENOMEM;
				break;
			}
			strcpy(t->value, nv);
			free(nv);
		}
	}
	if (!rc) {
		struct desc *d = cfg_find_or_add_desc(ps->cfg, k, canon);
		if (!d)
			rc = -SCR_ENOMEM;
		for (size_t i = 1; i < ps->ntok && !rc; i++)
			rc = cfg_set_attr(d, ps->layer, ps->tok[i].key, ps->tok[i].value);
	}
	free(canon);
	return rc;
}

static int apply_tokens(struct parser *ps)
{
	if (ps->ntok == 0)
		return 0;
	struct token *t0 = &ps->tok[0];
	int idx = cfg_find_param(t0->key);
	if (idx >= 0) {
		if (ps->ntok > 1) {
			struct scr_strbuf sb = { 0 };
			cfg_sb_where(&sb, &ps->w);
			scr_strbuf_add(&sb, "unexpected ");
			cfg_sb_quoted(&sb, ps->tok[1].key);
			scr_strbuf_addf(&sb, " after %s (a parameter line holds one KEY=VALUE)", t0->key);
			return cfg_sb_fail(&sb, ps->msg, -SCR_ECONFIG);
		}
		char *origin = stored_origin(&ps->w);
		if (!origin)
			return -SCR_ENOMEM;
		int rc = cfg_apply_param(ps->cfg, ps->layer, idx, t0->value, &ps->w, origin, ps->msg);
		free(origin);
		return rc;
	}
	int k = cfg_find_kind_word(t0->key);
	if (k >= 0)
		return apply_desc(ps, k);
	return cfg_unknown_key(&ps->w, t0->key, 1, ps->msg);
}

/* Reject bytes that have no place in a text file before looking at words. */
static int check_line(struct parser *ps, const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	for (size_t i = 0; i < n;) {
		if (u[i] == 0)
			return cfg_simple_error(&ps->w, ps->msg, "NUL byte in line");
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f)
			return cfg_simple_error(&ps->w, ps->msg,
					    "control character 0x%02x in line (not a text file?)", u[i]);
		size_t l = cfg_utf8_len(u + i, n - i);
		if (!l)
			return cfg_simple_error(&ps->w, ps->msg,
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
			char *buf = cfg_grow_array(ps.line, &ps.line_alloc, n + 1, 1);
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
	if (!cfg || !text || !cfg_valid_layer(layer))
		return -SCR_EINVAL;
	/* one SCR_Config string reads best without "line 1" */
	int numbered = layer != SCR_CONF_API || strchr(text, '\n') != NULL;
	return parse_text(cfg, layer, text, strlen(text),
			  origin ? origin : cfg_layer_name(layer), numbered, msg);
}

int scr_config_parse_file(struct scr_config *cfg, enum scr_config_layer layer,
			  const char *path, int missing_ok, char **msg)
{
	if (msg)
		*msg = NULL;
	if (!cfg || !path || !cfg_valid_layer(layer))
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
		cfg_sb_show(&sb, path, 0);
		scr_strbuf_addf(&sb, "': %s", err == EINVAL ? "not a regular file" : strerror(err));
		return cfg_sb_fail(&sb, msg, rc);
	}
	rc = parse_text(cfg, layer, buf, len, path, 1, msg);
	free(buf);
	return rc;
}
