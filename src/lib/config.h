/* SPDX-License-Identifier: MIT */
#ifndef CHARLIE_CONFIG_H
#define CHARLIE_CONFIG_H

#include "charlie.h"

/* Checks that need no file contents: cpus, memory, cmdline, kernel given,
 * initrd readable (its size returned). */
int config_check_basic(const struct charlie_config *cfg, uint64_t *initrd_size,
		       struct charlie_error *err);

#endif
