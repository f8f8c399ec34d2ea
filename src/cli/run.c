// SPDX-License-Identifier: MIT
#include "cli.h"
#include "charlie.h"

#include <stdio.h>

int cmd_run(int argc, char **argv)
{
	fprintf(stderr, "charlie run: not implemented yet\n");
	return CHARLIE_EXIT_HOST;
}
