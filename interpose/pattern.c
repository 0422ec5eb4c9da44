#define _GNU_SOURCE
#include "pattern.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scr_pattern {
	size_t n;
	regex_t *re;
};

void scr_pattern_free(struct scr_pattern *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		regfree(&p->re[i]);
	free(p->re);
	free(p);
}

static char *compile_error(const char *expr, regex_t *re, int err)
{
	char why[256];
	regerror(err, re, why, sizeof(why));
	char *msg = NULL;
	if (asprintf(&msg, "invalid SCR_CHECKPOINT_PATTERN '%s': %s", expr, why) < 0)
		msg = NULL;
	return msg;
}

struct scr_pattern *scr_pattern_compile(const char *text, char **msg)
{
	*msg = NULL;
	struct scr_pattern *p = calloc(1, sizeof(*p));
	char *copy = text ? strdup(text) : NULL;
	if (!p || !copy) {
		free(p);
		free(copy);
		*msg = strdup("out of memory");
		return NULL;
	}
	/* split on ';' outside bracket expressions, so "[;]" stays literal */
	size_t cap = 0;
	int in_bracket = 0;
	char *start = copy;
	for (char *c = copy;; c++) {
		if (*c == '[' && !in_bracket)
			in_bracket = 1;
		else if (*c == ']' && in_bracket && c[-1] != '[' && !(c - 2 >= copy && c[-1] == '^' && c[-2] == '['))
			in_bracket = 0;
		if ((*c != ';' || in_bracket) && *c != '\0')
			continue;
		char end = *c;
		*c = '\0';
		if (*start) {
			if (p->n == cap) {
				cap = cap ? cap * 2 : 4;
				regex_t *grown = realloc(p->re, cap * sizeof(*grown));
				if (!grown) {
					*msg = strdup("out of memory");
					break;
				}
				p->re = grown;
			}
			int err = regcomp(&p->re[p->n], start, REG_EXTENDED | REG_NOSUB);
			if (err) {
				*msg = compile_error(start, &p->re[p->n], err);
				regfree(&p->re[p->n]);
				break;
			}
			p->n++;
		}
		if (end == '\0')
			break;
		start = c + 1;
	}
	if (!*msg && p->n == 0)
		*msg = strdup("SCR_CHECKPOINT_PATTERN holds no expression");
	free(copy);
	if (*msg) {
		scr_pattern_free(p);
		return NULL;
	}
	return p;
}

int scr_pattern_match(const struct scr_pattern *p, const char *abs_path)
{
	for (size_t i = 0; p && i < p->n; i++)
		if (regexec(&p->re[i], abs_path, 0, NULL, 0) == 0)
			return 1;
	return 0;
}
