// SPDX-License-Identifier: MIT
/*
 * charlie check-kernel PATH [--memory SIZE] [--cmdline STR] [--initrd PATH]
 *
 * Says what a kernel file is and whether charlie can boot it with the
 * given VM settings (design.md 5).  Exit 0: bootable; 2: not bootable or
 * bad usage (CHARLIE_EXIT_CONFIG).
 */
#include "cli.h"
#include "charlie.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_MEMORY (256ull << 20) /* the same default as `run` */

static void usage(FILE *f)
{
	fprintf(f, "usage: charlie check-kernel PATH [--memory SIZE] "
		   "[--cmdline STR] [--initrd PATH]\n");
}

/* One right-aligned "key: value" line, so "verdict: ..." greps simply. */
void cli_line(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("%15s: ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void size_str(char *buf, size_t n, uint64_t v)
{
	if (v >= (1ull << 20))
		snprintf(buf, n, "0x%" PRIx64 " (%.1f MiB)", v,
			 (double)v / (1 << 20));
	else
		snprintf(buf, n, "0x%" PRIx64 " (%" PRIu64 " KiB)", v, v >> 10);
}

void cli_print_kernel_report(const char *path,
			     const struct charlie_kernel_report *r)
{
	char buf[64];

	cli_line("file", "%s", path);
	if (r->format_name[0])
		cli_line("format", "%s", r->format_name);
	if (r->arch[0])
		cli_line("arch", "%s", r->arch);
	if (r->protocol)
		cli_line("boot protocol", "%u.%02u", r->protocol >> 8,
			 r->protocol & 0xff);
	if (r->format == CHARLIE_KFMT_BZIMAGE || r->protocol) {
		cli_line("entry points",
			 "64-bit at load address + 0x%" PRIx64
			 ", 32-bit code32_start 0x%" PRIx64,
			 r->entry64, r->entry32);
	} else if (r->has_pvh_note || r->entry64) {
		if (r->has_pvh_note)
			cli_line("entry points",
				 "PVH 0x%" PRIx64
				 " (32-bit), ELF e_entry 0x%" PRIx64,
				 r->entry32, r->entry64);
		else
			cli_line("entry points", "ELF e_entry 0x%" PRIx64,
				 r->entry64);
	}
	if (r->compression[0])
		cli_line("payload", "%s", r->compression);
	if (r->format == CHARLIE_KFMT_ELF_PVH || r->entry64 || r->protocol)
		cli_line("PVH note", "%s", r->has_pvh_note ? "yes" : "no");
	if (r->protocol) {
		if (r->relocatable)
			cli_line("relocatable",
				 "yes (kernel_alignment 0x%" PRIx64 ")",
				 r->kernel_alignment);
		else
			cli_line("relocatable", "no");
	}
	if (r->pref_address)
		cli_line("load address", "0x%" PRIx64 "%s", r->pref_address,
			 r->format == CHARLIE_KFMT_BZIMAGE || r->protocol
				 ? " (pref_address)"
				 : " (lowest segment)");
	if (r->init_size) {
		size_str(buf, sizeof(buf), r->init_size);
		cli_line(r->protocol ? "init_size" : "memory image", "%s", buf);
	}
	if (r->cmdline_size)
		cli_line("cmdline_size", "%u", r->cmdline_size);
	if (r->protocol && r->initrd_addr_max)
		cli_line("initrd_addr_max", "0x%x", r->initrd_addr_max);
	if (r->version[0])
		cli_line("version", "%s", r->version);
}

int cmd_check_kernel(int argc, char **argv)
{
	static const struct option opts[] = {
		{"memory", required_argument, NULL, 'm'},
		{"cmdline", required_argument, NULL, 'c'},
		{"initrd", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct charlie_kernel_report rep;
	const char *cmdline = NULL, *initrd = NULL, *path;
	uint64_t memory = DEFAULT_MEMORY;
	long long v;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			v = cli_parse_size(optarg);
			if (v <= 0) {
				fprintf(stderr,
					"charlie check-kernel: bad --memory "
					"'%s' (e.g. 256M, 1G)\n",
					optarg);
				return CHARLIE_EXIT_CONFIG;
			}
			memory = (uint64_t)v;
			break;
		case 'c':
			cmdline = optarg;
			break;
		case 'i':
			initrd = optarg;
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
	path = argv[optind];

	/* A disk image is described by `inspect` (same verdict line). */
	if (charlie_file_is_disk_image(path) && !initrd)
		return cli_inspect_image(path, memory, cmdline);
	ret = charlie_kernel_inspect(path, memory, cmdline, initrd, &rep);
	cli_print_kernel_report(path, &rep);
	if (ret) {
		struct charlie_fw_report fw;

		/* UEFI firmware files: say what they are for (issue 12) */
		charlie_fw_inspect(path, &fw);
		if (fw.kind == CHARLIE_FW_OVMF_CODE ||
		    fw.kind == CHARLIE_FW_VARS)
			cli_line("note", "this is %s: see `charlie inspect %s`",
				 fw.kind == CHARLIE_FW_OVMF_CODE
					 ? "OVMF firmware (charlie run --efi "
					   "--efi-firmware)"
					 : "a UEFI variable store (charlie run "
					   "--efi --efi-vars)",
				 path);
		cli_line("verdict", "cannot boot: %s", rep.err.msg);
		fflush(stdout);
		cli_print_error(&rep.err);
		return CHARLIE_EXIT_CONFIG;
	}
	cli_line("verdict", "bootable (%s, %" PRIu64 " MiB%s%s)",
		 rep.format == CHARLIE_KFMT_ELF_PVH ? "PVH entry"
						    : "64-bit boot protocol",
		 memory >> 20, initrd ? ", with initrd" : "",
		 cmdline ? ", with cmdline" : "");
	return 0;
}
