// SPDX-License-Identifier: MIT
/* Placeholder until the kernel loader lands (owned by the loader work). */
#include "cli.h"
#include "charlie.h"

#include <stdio.h>

int cmd_check_kernel(int argc, char **argv)
{
	fprintf(stderr, "charlie check-kernel: not implemented yet\n");
	return CHARLIE_EXIT_HOST;
}
