// SPDX-License-Identifier: MIT
/* modules.dep load order (see modules.h). */
#include "modules.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

struct dep_line {
	char *path;
	char *deps[MOD_MAX];
	unsigned int n_deps;
	unsigned char mark; /* 0 new, 1 visiting, 2 done */
};

struct dep_graph {
	struct dep_line line[MOD_MAX];
	unsigned int n;
};

static char *next_token(char **s)
{
	char *p = *s, *t;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	t = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = '\0';
	*s = p;
	return t;
}

static int find(struct dep_graph *g, const char *path)
{
	for (unsigned int i = 0; i < g->n; i++)
		if (!strcmp(g->line[i].path, path))
			return (int)i;
	return -1;
}

static int visit(struct dep_graph *g, unsigned int i, struct mod_list *out,
		 unsigned int depth)
{
	struct dep_line *l = &g->line[i];

	if (l->mark == 2)
		return 0;
	if (l->mark == 1 || depth > MOD_MAX)
		return -ELOOP;
	l->mark = 1;
	/* depmod lists the deepest dependency last: load from the end. */
	for (unsigned int k = l->n_deps; k-- > 0;) {
		int j = find(g, l->deps[k]);
		int err;

		if (j < 0)
			return -ENOENT;
		err = visit(g, (unsigned int)j, out, depth + 1);
		if (err)
			return err;
	}
	l->mark = 2;
	if (out->n >= MOD_MAX)
		return -E2BIG;
	if (strlen(l->path) >= MOD_PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(out->path[out->n++], l->path);
	return 0;
}

int mod_order(char *text, struct mod_list *out)
{
	static struct dep_graph g;
	char *line = text;

	memset(&g, 0, sizeof(g));
	out->n = 0;
	while (line && *line) {
		char *end = strchr(line, '\n'), *colon, *rest, *tok;
		struct dep_line *l;

		if (end)
			*end = '\0';
		colon = strchr(line, ':');
		if (colon && line[0] != '#') {
			if (g.n >= MOD_MAX)
				return -E2BIG;
			*colon = '\0';
			l = &g.line[g.n++];
			rest = line;
			l->path = next_token(&rest);
			if (!l->path)
				return -EINVAL;
			rest = colon + 1;
			while ((tok = next_token(&rest))) {
				if (l->n_deps >= MOD_MAX)
					return -E2BIG;
				l->deps[l->n_deps++] = tok;
			}
		}
		line = end ? end + 1 : NULL;
	}
	for (unsigned int i = 0; i < g.n; i++) {
		int err = visit(&g, i, out, 0);

		if (err)
			return err;
	}
	return (int)out->n;
}

void mod_name(const char *path, char *name, size_t size)
{
	const char *b = strrchr(path, '/');
	size_t n = 0;

	b = b ? b + 1 : path;
	while (b[n] && b[n] != '.' && n + 1 < size) {
		name[n] = b[n] == '-' ? '_' : b[n];
		n++;
	}
	if (size)
		name[n] = '\0';
}

int mod_is_builtin(const char *text, const char *name)
{
	const char *line = text;
	char other[64];

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char path[MOD_PATH_MAX];

		if (len && len < sizeof(path)) {
			memcpy(path, line, len);
			path[len] = '\0';
			mod_name(path, other, sizeof(other));
			if (!strcmp(other, name))
				return 1;
		}
		line = end ? end + 1 : NULL;
	}
	return 0;
}
