/* SPDX-License-Identifier: MIT */
/*
 * UEFI firmware files of a VM (issue 12): the OVMF CODE image, its
 * variable store (checked, locked, worked on in memory, written back
 * atomically at stop) and what `charlie inspect` says about either.
 */
#ifndef CHARLIE_FW_H
#define CHARLIE_FW_H

#include "charlie.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_MAX_CODE (16u << 20)	   /* larger is not an OVMF CODE image */
#define FW_BLOCK    4096u	   /* OVMF's flash block size */
#define FW_TOP	    0x100000000ull /* the flash ends at 4 GiB */

struct fw_files {
	char *code_path;
	uint8_t *code; /* page-aligned private copy, read-only after load */
	size_t code_len;
	uint64_t flash_size; /* code_len + vars_len, a power of two */
	char *vars_path;     /* NULL: a store in memory only */
	char *template_path;
	uint8_t *vars; /* page-aligned, the guest's flash */
	size_t vars_len;
	int vars_fd;	  /* holds the OFD write lock; -1 */
	bool vars_create; /* the store file does not exist yet */
	bool dirty;	  /* the guest wrote the flash since the last save */
};

/* Checks the firmware, the store (or its template) and the boot disk:
 * nothing is created or modified; the store is opened and locked.
 * Errors: EFI_FIRMWARE, EFI_VARS, EFI_VARS_LOCKED, EFI_VARS_RDONLY,
 * EFI_WITH_KERNEL, EFI_NO_DISK, IMAGE_* (no ESP), HOST. */
int fw_files_open(const struct charlie_config *cfg, struct fw_files *f,
		  struct charlie_error *err);
/* Creates the store file from the template when it did not exist
 * (atomically, then locked).  Called once the VM is otherwise ready. */
int fw_files_create_store(struct fw_files *f, struct charlie_error *err);
/* Writes the in-memory store back when dirty: a temporary file in the
 * same directory, fsync, rename over the store, fsync the directory. */
int fw_files_save(struct fw_files *f, struct charlie_error *err);
void fw_files_close(struct fw_files *f);
/* charlie_config_validate with --efi: the firmware checks of a VM,
 * everything opened again closed (the store stays as it was). */
int fw_config_validate(const struct charlie_config *cfg,
		       struct charlie_error *err);
/* The firmware-only checks done before config_check_basic. */
int fw_check_boot_source(const struct charlie_config *cfg,
			 struct charlie_error *err);

/* The store size the CODE image needs: the flash is CODE + VARS, a
 * power of two (4 MiB: 0x37c000 + 0x84000; 2 MiB: 0x1e0000 + 0x20000). */
uint64_t fw_vars_size_for(uint64_t code_len);

/* Classifies bytes in memory (charlie_fw_inspect on a buffer). */
void fw_inspect_buf(const uint8_t *p, size_t len, struct charlie_fw_report *r);

#endif
