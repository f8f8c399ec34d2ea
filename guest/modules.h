/* SPDX-License-Identifier: MIT */
/*
 * Kernel module load order from modules.dep (pure part).  Each line is
 * "path.ko: dep.ko dep2.ko ..." with the full dependency list; a module
 * is loaded after everything it depends on (depth-first), each once, in
 * the file's order otherwise.
 */
#ifndef BINGO_MODULES_H
#define BINGO_MODULES_H

#include <stddef.h>

#define MOD_MAX	     64
#define MOD_PATH_MAX 160

struct mod_list {
	unsigned int n;
	char path[MOD_MAX][MOD_PATH_MAX];
};

/*
 * Computes the load order of every module in the modules.dep text (NUL
 * terminated, modified in place).  Returns the number of modules or a
 * negative errno (-E2BIG too many, -ENAMETOOLONG, -ELOOP a cycle,
 * -ENOENT a dependency without its own line).
 */
int mod_order(char *dep_text, struct mod_list *out);

/* "kernel/drivers/net/virtio_net.ko" -> "virtio_net" ('-' becomes '_'). */
void mod_name(const char *path, char *name, size_t size);

/* Is the module named (e.g. "virtio_net") listed in modules.builtin? */
int mod_is_builtin(const char *builtin_text, const char *name);

#endif
