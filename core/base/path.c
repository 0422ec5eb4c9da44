#include "path.h"

#include "io.h"

#include <stdlib.h>
#include <string.h>

char *scr_path_absolute(const char *base, const char *name)
{
	if (!name || !*name)
		return NULL;
	char *joined = name[0] == '/' ? strdup(name) : scr_asprintf("%s/%s", base, name);
	if (!joined)
		return NULL;

	/* fold in place: out never runs ahead of the component being read */
	size_t len = strlen(joined);
	char *out = malloc(len + 2);
	if (!out) {
		free(joined);
		return NULL;
	}
	size_t o = 0;
	char *save = NULL;
	for (char *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		out[o++] = '/';
		size_t n = strlen(c);
		memcpy(out + o, c, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	free(joined);
	return out;
}

char *scr_path_below(const char *abs_path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return abs_path[1] ? strdup(abs_path + 1) : NULL;
	if (strncmp(abs_path, dir, n) != 0 || abs_path[n] != '/' || !abs_path[n + 1])
		return NULL;
	return strdup(abs_path + n + 1);
}
