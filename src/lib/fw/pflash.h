/* SPDX-License-Identifier: MIT */
/*
 * The variable-store flash as OVMF drives it: "CFI-lite", the subset of
 * Intel's command set QEMU's pflash_cfi01 answers and OVMF uses
 * (OvmfPkg/QemuFlashFvbServicesRuntimeDxe/QemuFlash.c; research
 * ovmf-platform.md 5.2-5.3), width 1, 4 KiB blocks:
 *   0xff      read array
 *   0x50      clear status (status reads 0x00 afterwards), read array
 *   0x70      read status: reads return the status byte
 *   0x10/0x40 program: the next write is the data byte(s)
 *   0x20 0xd0 erase the block the 0xd0 is written to (to 0xff)
 *   0x90/0x98 read id / CFI query: answered like read status
 * Anything else sets the sequence-error bits and returns to read array.
 * Program and erase finish at once (OVMF never polls) and leave the
 * flash readable as array: only status mode needs reads to trap, so the
 * device drops its read-only memory slot exactly while in status mode.
 * Pure state machine: unit tests and the fuzzer drive it directly.
 */
#ifndef CHARLIE_FW_PFLASH_H
#define CHARLIE_FW_PFLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PFLASH_BLOCK 4096u

#define PFLASH_STATUS_READY   0x80
#define PFLASH_STATUS_ERASE   0x20 /* erase / clear-lock error */
#define PFLASH_STATUS_PROGRAM 0x10 /* program error */

enum pflash_mode {
	PFLASH_ARRAY,	/* reads give the flash contents */
	PFLASH_STATUS,	/* reads give the status byte */
	PFLASH_PROGRAM, /* waiting for the data */
	PFLASH_ERASE,	/* waiting for 0xd0 */
};

struct pflash {
	uint8_t *buf; /* the flash contents (the guest maps it read-only) */
	size_t len;   /* a multiple of PFLASH_BLOCK */
	enum pflash_mode mode;
	uint8_t status;
	bool dirty; /* contents changed since the flag was last cleared */
	uint64_t programs, erases, errors;
};

void pflash_init(struct pflash *p, uint8_t *buf, size_t len);
/* True when reads may come from the memory mapping (not status mode). */
bool pflash_array_readable(const struct pflash *p);
/* A guest write of `size` bytes at `off` (relative to the flash). */
void pflash_write(struct pflash *p, uint64_t off, const uint8_t *data,
		  unsigned int size);
/* A guest read that trapped. */
void pflash_read(const struct pflash *p, uint64_t off, uint8_t *data,
		 unsigned int size);

#endif
