/* SPDX-License-Identifier: MIT */
/*
 * bingo's boot counter in a UEFI variable: when the guest was booted by
 * UEFI firmware (/sys/firmware/efi exists), init mounts efivarfs, reads
 * BingoBootCount, adds one and writes it back, so a variable store that
 * persists across power-offs shows 1, 2, 3... and a fresh one 1.  The
 * parse and format functions are pure, for host unit tests.
 */
#ifndef BINGO_EFIVAR_H
#define BINGO_EFIVAR_H

#include <stddef.h>
#include <stdint.h>

/* bingo's vendor GUID (random) and the variable's efivarfs file name */
#define EFIVAR_BINGO_GUID "5d2b1c1e-6a0f-4c43-9b8e-62696e676f21"
#define EFIVAR_BOOT_COUNT "BingoBootCount-" EFIVAR_BINGO_GUID

/* NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS */
#define EFIVAR_ATTR_NV_BS_RT 0x7u

/* efivarfs content: 4 bytes of attributes (little endian), then data */
#define EFIVAR_COUNT_FILE_LEN 8

/* The count in an efivarfs file's content; -1 when it is not a 4-byte
 * non-volatile counter (any other length or attributes). */
int64_t efivar_parse_count(const uint8_t *buf, size_t len);
/* The file content for `count`: EFIVAR_COUNT_FILE_LEN bytes into out. */
void efivar_format_count(uint8_t out[EFIVAR_COUNT_FILE_LEN], uint32_t count);

/* The glue (init.c): mounts efivarfs, bumps the counter, logs one line.
 * Does nothing without UEFI firmware. */
void efivar_boot_count(void);

#endif
