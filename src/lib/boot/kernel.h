/* SPDX-License-Identifier: MIT */
/*
 * Kernel files: read once, validated once at the boundary (design.md 5,
 * house style 7.5), then loaded into guest memory.
 *
 * Supported: bzImage through the 64-bit boot protocol (Documentation/
 * arch/x86/boot.rst) and ELF vmlinux through the PVH entry
 * (XEN_ELFNOTE_PHYS32_ENTRY, hvm_start_info).
 */
#ifndef CHARLIE_BOOT_KERNEL_H
#define CHARLIE_BOOT_KERNEL_H

#include "charlie.h"
#include "gm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kernel_image {
	const char *path;
	uint8_t *data; /* kernel_read_file: a private copy, freed with
			* kernel_image_free; else owned by the caller */
	size_t len;
};

/*
 * Reads a whole file into a private buffer: later changes to the file do
 * not reach it, so what kernel_probe/kernel_check_fit checked is what
 * kernel_load loads.  Errors (field "kernel"): KERNEL_OPEN,
 * KERNEL_NOT_REGULAR, KERNEL_EMPTY, KERNEL_TRUNCATED when the file
 * changed while being read ("... changed while being read"), HOST when
 * out of memory.
 */
int kernel_read_file(const char *path, struct kernel_image *img,
		     struct charlie_error *err);

/*
 * The same for another kind of file: `what` ("initrd") is the error field
 * and the first word of every message ("initrd /x/rd: file is empty (0
 * bytes)"); every error gets `code` (e.g. CHARLIE_E_INITRD), or the
 * per-cause codes above when `code` is CHARLIE_OK.
 */
int kernel_read_file_as(const char *path, const char *what,
			enum charlie_err code, struct kernel_image *img,
			struct charlie_error *err);
void kernel_image_free(struct kernel_image *img);
/* A buffer kernel_image_free can free (2 MiB-aligned from 2 MiB on), for
 * kernels that come from elsewhere than a file (a disk image's UKI). */
uint8_t *kernel_buf_alloc(size_t len);
void kernel_buf_free(uint8_t *p, size_t len);

/* Works out what the file is and fills `rep`.  Returns 0 if it is a
 * kernel charlie can boot, else -EINVAL with rep->err set. */
int kernel_probe(const struct kernel_image *img,
		 struct charlie_kernel_report *rep);

/* Checks a bootable kernel against the VM: init_size vs memory, command
 * line vs cmdline_size, initrd vs memory and initrd_addr_max. */
int kernel_check_fit(const struct charlie_kernel_report *rep, const char *path,
		     uint64_t memory, size_t cmdline_len, uint64_t initrd_size,
		     struct charlie_error *err);

enum boot_mode {
	BOOT_LINUX64, /* 64-bit boot protocol: long mode, RSI = boot_params */
	BOOT_PVH32,   /* PVH: 32-bit protected mode, EBX = hvm_start_info */
};

struct boot_entry {
	enum boot_mode mode;
	uint64_t rip;
	uint64_t info; /* boot_params or hvm_start_info guest address */
};

/* Loads kernel, command line, initrd (may be NULL) and the boot
 * information (boot_params + e820, or hvm_start_info + memmap) built from
 * gm's RAM regions, with [X86_EBDA_START, 1 MiB) reserved.  `rsdp` (0: none) is
 * the ACPI RSDP address given in boot_params.acpi_rsdp_addr or
 * hvm_start_info.rsdp_paddr. */
int kernel_load(const struct gm *gm, const struct kernel_image *img,
		const struct charlie_kernel_report *rep, const char *cmdline,
		const struct kernel_image *initrd, uint64_t rsdp,
		struct boot_entry *entry, struct charlie_error *err);

#endif
