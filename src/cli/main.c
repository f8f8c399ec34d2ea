// SPDX-License-Identifier: MIT
#include "cli.h"
#include "charlie.h"

#include <stdio.h>
#include <string.h>

/* Each command documents its own options (charlie run --help), so this
 * text lists commands only and cannot drift from them. */
static void usage(FILE *f)
{
	fprintf(f, "usage: charlie COMMAND [OPTIONS]\n"
		   "  run            boot a VM (charlie run --help)\n"
		   "  check-kernel   say what a kernel file is and whether it "
		   "can boot here\n"
		   "                 (charlie check-kernel --help)\n"
		   "  inspect        describe a disk image (GPT, EFI system "
		   "partition, UKI)\n"
		   "                 and whether it can boot here "
		   "(charlie inspect --help)\n"
		   "  --help | --version\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CHARLIE_EXIT_CONFIG;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("charlie %s\n", CHARLIE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check-kernel"))
		return cmd_check_kernel(argc - 1, argv + 1);
	if (!strcmp(argv[1], "inspect"))
		return cmd_inspect(argc - 1, argv + 1);
	fprintf(stderr, "charlie: unknown command '%s' (try --help)\n",
		argv[1]);
	return CHARLIE_EXIT_CONFIG;
}

void cli_print_error(const struct charlie_error *err)
{
	fprintf(stderr, "charlie: %s [%s]\n", err->msg,
		charlie_err_name(err->code));
}
