/*
 * Value types of parameters and descriptor attributes: the parsers (also
 * behind the public scr_parse_bytes and scr_parse_bool that the commands
 * use), the check of a value against its type, the normal form it is
 * stored in, and the message that says what a type allows.
 */
#define _GNU_SOURCE
#include "config_internal.h"

#include "scr_err.h"
#include "strbuf.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int cfg_parse_ll(const char *s, long long *out)
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

int cfg_parse_seconds(const char *s, long long *out)
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
	int rc = cfg_parse_ll(copy, &v);
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

int cfg_parse_bytes(const char *s, uint64_t *out)
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

int cfg_parse_percent(const char *s, double *out)
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
	if (!text || cfg_parse_bytes(text, &v))
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

enum verdict cfg_check_value(const struct vspec *s, const char *v)
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
		rc = s->type == VT_INT ? cfg_parse_ll(v, &ll) : cfg_parse_seconds(v, &ll);
		if (rc == -1)
			return V_SYNTAX;
		if (ll < s->min)
			return V_LOW;
		if (rc == -2 || ll > s->max)
			return V_HIGH;
		return V_OK;
	case VT_BYTES:
		rc = cfg_parse_bytes(v, &u);
		return rc == -1 ? V_SYNTAX : rc == -2 ? V_HIGH : V_OK;
	case VT_PERCENT:
		if (cfg_parse_percent(v, &d))
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

char *cfg_normalise(const struct vspec *s, const char *v)
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

int cfg_bad_value(const struct where *w, const char *value, const char *what,
	      const struct vspec *s, enum verdict v, char **msg)
{
	struct scr_strbuf sb = { 0 };
	cfg_sb_where(&sb, w);
	scr_strbuf_add(&sb, "invalid value ");
	cfg_sb_quoted(&sb, value);
	scr_strbuf_addf(&sb, " for %s (", what);
	sb_expected(&sb, s, v);
	scr_strbuf_add(&sb, ")");
	return cfg_sb_fail(&sb, msg, -SCR_ECONFIG);
}
