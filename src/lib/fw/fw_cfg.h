/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration interface (fw_cfg), as OVMF reads it
 * (QEMU docs/specs/fw_cfg.rst; edk2 OvmfPkg/Library/QemuFwCfgLib):
 *   0x510  selector, 16-bit write: picks an item, offset back to 0
 *   0x511  data, 8-bit read (rep insb): the next byte, 0 past the end
 *   0x514  DMA address, high 32 bits, big-endian
 *   0x518  DMA address, low 32 bits, big-endian: the write starts it
 * A DMA descriptor {BE32 control, BE32 length, BE64 address} in guest
 * RAM asks for READ / SKIP / WRITE (and SELECT) of `length` bytes; the
 * device always completes it with control = 0, because OVMF polls until
 * control is 0 and would spin forever on the ERROR bit (research
 * ovmf-platform.md 4.1).  Every guest range is checked against RAM.
 *
 * The core (items, directory, DMA) is separate from the device so unit
 * tests and the fuzzer drive it on synthetic guest memory.
 */
#ifndef CHARLIE_FW_CFG_H
#define CHARLIE_FW_CFG_H

#include "gm.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_CFG_PORT_SEL	 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA	 0x514 /* 8 bytes: 0x514 high, 0x518 low */

/* Keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h). */
#define FW_CFG_SIGNATURE  0x00
#define FW_CFG_ID	  0x01
#define FW_CFG_RAM_SIZE	  0x03
#define FW_CFG_NB_CPUS	  0x05
#define FW_CFG_BOOT_MENU  0x0e
#define FW_CFG_MAX_CPUS	  0x0f
#define FW_CFG_FILE_DIR	  0x19
#define FW_CFG_FILE_FIRST 0x20

#define FW_CFG_F_TRADITIONAL 0x01
#define FW_CFG_F_DMA	     0x02

#define FW_CFG_DMA_ERROR  0x01
#define FW_CFG_DMA_READ	  0x02
#define FW_CFG_DMA_SKIP	  0x04
#define FW_CFG_DMA_SELECT 0x08
#define FW_CFG_DMA_WRITE  0x10

#define FW_CFG_NAME_SIZE 56
#define FW_CFG_MAX_ITEMS 32

struct fw_cfg_item {
	uint16_t key;
	char name[FW_CFG_NAME_SIZE]; /* "" for a numbered item */
	uint8_t *data;		     /* owned */
	uint32_t len;
};

struct fw_cfg {
	const struct gm *gm;
	struct fw_cfg_item item[FW_CFG_MAX_ITEMS];
	unsigned int nr;
	bool finished; /* files numbered and the directory built */
	/* guest-visible state, under `lock` (any vCPU may touch it) */
	pthread_mutex_t lock;
	uint16_t sel;
	uint32_t off;
	uint32_t dma_hi;
	/* counters for tests and the log */
	uint64_t dma_count, dma_bad;
};

void fw_cfg_init(struct fw_cfg *c, const struct gm *gm);
void fw_cfg_free(struct fw_cfg *c);
/* A numbered item (copied).  0, -ENOSPC, -EEXIST, -ENOMEM, -EBUSY after
 * fw_cfg_finish. */
int fw_cfg_add(struct fw_cfg *c, uint16_t key, const void *data, size_t len);
/* A named file (copied); its selector is given by fw_cfg_finish. */
int fw_cfg_add_file(struct fw_cfg *c, const char *name, const void *data,
		    size_t len);
/* Numbers the files from 0x20 in name order (as QEMU does) and adds the
 * signature, the feature bits and the file directory (key 0x19). */
int fw_cfg_finish(struct fw_cfg *c);
/* The item behind a key or a file name; NULL when there is none. */
const struct fw_cfg_item *fw_cfg_find(const struct fw_cfg *c, uint16_t key);
const struct fw_cfg_item *fw_cfg_find_file(const struct fw_cfg *c,
					   const char *name);

/* Port accesses, `off` relative to 0x510 (0..11). */
void fw_cfg_io_read(struct fw_cfg *c, uint64_t off, uint8_t *data,
		    unsigned int size);
void fw_cfg_io_write(struct fw_cfg *c, uint64_t off, const uint8_t *data,
		     unsigned int size);
/* Runs the DMA descriptor at `gpa` (what a write to 0x518 does).
 * Returns 0, or -EFAULT when the descriptor itself is not in RAM (then
 * nothing was written). */
int fw_cfg_dma(struct fw_cfg *c, uint64_t gpa);

/* ---- the ACPI table loader (fw/loader.c) ---- */

struct acpi_tables;

#define FW_LOADER_ENTRY	       128
#define FW_LOADER_ALLOCATE     1
#define FW_LOADER_ADD_POINTER  2
#define FW_LOADER_ADD_CHECKSUM 3
#define FW_LOADER_ZONE_HIGH    1
#define FW_LOADER_ZONE_FSEG    2

#define FW_ACPI_RSDP_FILE   "etc/acpi/rsdp"
#define FW_ACPI_TABLES_FILE "etc/acpi/tables"
#define FW_ACPI_LOADER_FILE "etc/table-loader"

struct fw_acpi_blobs {
	uint8_t *rsdp, *tables, *script; /* malloc'd */
	size_t rsdp_len, tables_len, script_len;
};

/* Splits charlie's tables (built for any base) into the RSDP and the
 * rest, with every pointer turned into an offset inside its target file,
 * and writes the loader script: ALLOCATE both, ADD_POINTER for each
 * pointer, ADD_CHECKSUM for each table (edk2 OvmfPkg/AcpiPlatformDxe,
 * QEMU hw/acpi/bios-linker-loader.c).  0, -EINVAL, -ENOMEM. */
int fw_acpi_blobs(const struct acpi_tables *t, struct fw_acpi_blobs *out);
void fw_acpi_blobs_free(struct fw_acpi_blobs *b);

/* The e820 table OVMF reads from etc/e820: one 20-byte entry {LE64
 * address, LE64 length, LE32 type 1} per RAM region. */
size_t fw_e820(const struct gm *gm, uint8_t *out, size_t cap);

#endif
