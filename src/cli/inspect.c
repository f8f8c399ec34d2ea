// SPDX-License-Identifier: MIT
/*
 * charlie inspect IMAGE [--memory SIZE] [--cmdline STR]
 *
 * Describes a disk image (design.md 11): the partition table, the EFI
 * system partition, \EFI\BOOT\BOOTX64.EFI and its sections, the embedded
 * kernel (check-kernel's report) and command line, and the verdict.
 * Exit 0: bootable; 2: not bootable or bad usage.
 */
#include "cli.h"
#include "charlie.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MEMORY (256ull << 20) /* the same default as `run` */

static void usage(FILE *f)
{
	fprintf(f, "usage: charlie inspect IMAGE [--memory SIZE] "
		   "[--cmdline STR]\n");
}

static void print_image(const char *path, const struct charlie_image_report *r)
{
	cli_line("image", "%s (%" PRIu64 " bytes, %.1f MiB)", path, r->size,
		 (double)r->size / (1 << 20));
	if (r->disk_guid[0])
		cli_line("partitions", "GPT, disk %s, %u of %u entries used",
			 r->disk_guid, r->partitions, r->partition_entries);
	if (r->esp_index)
		cli_line("ESP",
			 "partition %u, %s, offset %" PRIu64 " MiB, %" PRIu64
			 " bytes",
			 r->esp_index, r->esp_guid, r->esp_offset >> 20,
			 r->esp_size);
	if (r->fat_type)
		cli_line("file system", "FAT%d, %u-byte clusters, label \"%s\"",
			 r->fat_type, r->cluster_size, r->volume_label);
	if (r->file[0])
		cli_line("boot file", "%s, %" PRIu64 " bytes, %s", r->file,
			 r->file_size,
			 r->is_uki	  ? "unified kernel image (UKI)"
			 : r->kernel_size ? "Linux kernel with the EFI stub"
					  : "not understood (see the verdict)");
	for (unsigned int i = 0; i < r->nsections; i++) {
		if (i == 0)
			printf("%15s: ", "sections");
		else
			printf("%17s", "");
		printf("%-8s %10" PRIu64 " bytes\n", r->sections[i].name,
		       r->sections[i].size);
	}
	if (r->os_name[0])
		cli_line("os-release", "%s", r->os_name);
	if (r->uname[0])
		cli_line("uname", "%s", r->uname);
	if (r->is_uki)
		cli_line("cmdline", "%s",
			 r->has_cmdline ? r->cmdline : "(none embedded)");
	if (r->is_uki)
		cli_line("initrd", "%" PRIu64 " bytes%s", r->initrd_size,
			 r->is_uki && !r->initrd_size ? " (none)" : "");
	if (r->kernel_found) {
		printf("embedded kernel (%" PRIu64 " bytes):\n",
		       r->kernel_size);
		cli_print_kernel_report(r->is_uki ? ".linux" : r->file,
					&r->kernel);
	}
}

int cli_inspect_image(const char *path, uint64_t memory, const char *cmdline)
{
	struct charlie_image_report *rep = malloc(sizeof(*rep));
	int ret;

	if (!rep) {
		fprintf(stderr, "charlie: out of memory\n");
		return CHARLIE_EXIT_HOST;
	}
	ret = charlie_image_inspect(path, memory, cmdline, rep);
	print_image(path, rep);
	if (ret) {
		cli_line("verdict", "cannot boot: %s", rep->err.msg);
		fflush(stdout);
		cli_print_error(&rep->err);
		free(rep);
		return CHARLIE_EXIT_CONFIG;
	}
	cli_line("verdict",
		 "bootable with no firmware (%s -> 64-bit boot protocol, "
		 "%" PRIu64 " MiB%s)",
		 rep->is_uki ? "UKI" : "EFI-stub kernel", memory >> 20,
		 cmdline ? ", with --cmdline" : "");
	free(rep);
	return 0;
}

/* An OVMF CODE image or a variable store (issue 12); -1: neither. */
static int inspect_firmware(const char *path)
{
	struct charlie_fw_report r;
	int ret = charlie_fw_inspect(path, &r);

	if (r.kind == CHARLIE_FW_UNKNOWN && !r.nr_fv)
		return -1;
	switch (r.kind) {
	case CHARLIE_FW_OVMF_CODE:
		cli_line("firmware", "%s: OVMF CODE image, %" PRIu64 " bytes",
			 path, r.size);
		cli_line("build",
			 "%s: flash %" PRIu64 " KiB, needs a %" PRIu64
			 "-byte variable store",
			 r.build, r.flash_size >> 10, r.vars_size);
		break;
	case CHARLIE_FW_OVMF_UNIFIED:
		cli_line("firmware",
			 "%s: unified OVMF image (CODE and VARS in one file), "
			 "%" PRIu64 " bytes",
			 path, r.size);
		break;
	case CHARLIE_FW_VARS:
		cli_line("var store", "%s: %" PRIu64 " bytes (%s)", path,
			 r.size,
			 r.size == 0x84000   ? "for OVMF_CODE_4M.fd"
			 : r.size == 0x20000 ? "for OVMF_CODE.fd"
					     : "unknown build");
		cli_line("header", "%s%s",
			 r.store_valid ? "valid variable store, " : "invalid: ",
			 r.store_valid ? (r.authenticated ? "authenticated "
							    "variables"
							  : "plain variables")
				       : r.why);
		if (r.store_valid)
			cli_line("variables",
				 "%u live, %u deleted (store area %" PRIu64
				 " bytes)",
				 r.nr_vars, r.nr_deleted, r.store_size);
		break;
	default:
		cli_line("firmware", "%s: firmware volumes, but %s", path,
			 r.why);
		break;
	}
	for (unsigned int i = 0; i < r.nr_fv; i++)
		cli_line(i ? "" : "volumes", "FV %u file system %s", i,
			 r.fv_guid[i]);
	if (ret) {
		cli_line("verdict", "not usable with --efi: %s",
			 r.kind == CHARLIE_FW_OVMF_UNIFIED
				 ? "unified images are refused; use "
				   "OVMF_CODE*.fd with --efi-vars"
				 : r.why);
		return CHARLIE_EXIT_CONFIG;
	}
	cli_line("verdict", "%s",
		 r.kind == CHARLIE_FW_OVMF_CODE
			 ? "usable as --efi-firmware"
			 : "usable as --efi-vars with the matching firmware");
	return 0;
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{"memory", required_argument, NULL, 'm'},
		{"cmdline", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *cmdline = NULL;
	uint64_t memory = DEFAULT_MEMORY;
	long long v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			v = cli_parse_size(optarg);
			if (v <= 0) {
				fprintf(stderr,
					"charlie inspect: bad --memory "
					"'%s' (e.g. 256M, 1G)\n",
					optarg);
				return CHARLIE_EXIT_CONFIG;
			}
			memory = (uint64_t)v;
			break;
		case 'c':
			cmdline = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return CHARLIE_EXIT_CONFIG;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return CHARLIE_EXIT_CONFIG;
	}
	if (!charlie_file_is_disk_image(argv[optind])) {
		int r = inspect_firmware(argv[optind]);

		if (r >= 0)
			return r;
	}
	return cli_inspect_image(argv[optind], memory, cmdline);
}
