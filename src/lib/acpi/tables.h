/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables charlie gives the guest (ACPI 6.5 section 5.2): RSDP,
 * XSDT, FADT, FACS, MADT and DSDT, built into one host buffer laid out
 * for guest-physical address `base`, then copied into guest RAM by the
 * ACPI device (pm.c).  Not hardware-reduced: the FADT describes the
 * fixed-feature power button and PM1 registers (design.md section 8).
 */
#ifndef CHARLIE_ACPI_TABLES_H
#define CHARLIE_ACPI_TABLES_H

#include "host.h"

#include <stddef.h>
#include <stdint.h>

/* Where the tables go: the BIOS area, e820-reserved, below the MP table
 * at 0xF0000.  The RSDP comes first, so it lies 16-byte aligned inside
 * the 0xE0000-0xFFFFF range the kernel scans (section 5.2.5.1). */
#define ACPI_TABLES_ADDR 0x000e0000ull
#define ACPI_TABLES_MAX	 0x00010000ull

/*
 * The PM register block (I/O ports), decoded by pm.c, at ACPI_PM_BASE
 * (0x600) on the plain platform and ACPI_PCI_PM_BASE (0xB000, PIIX4's
 * PMBA, where OVMF looks) on the PCI platform:
 *   +0  PM1a_STS  16 bits, write 1 to clear  (section 4.8.3.1.1)
 *   +2  PM1a_EN   16 bits                    (section 4.8.3.1.2)
 *   +4  PM1a_CNT  16 bits                    (section 4.8.3.2.1)
 *   +6  RESET_REG  8 bits: ACPI_RESET_VALUE resets (section 4.8.3.6)
 *   +7  reserved (reads 0, writes ignored)
 *   +8  PM_TMR    32 bits read-only: a 24-bit counter at 3.579545 MHz
 *       (section 4.8.3.3), from CLOCK_MONOTONIC
 */
#define ACPI_PM_BASE	 0x600
#define ACPI_PCI_PM_BASE 0xb000
#define ACPI_PM_LEN	 12
#define ACPI_PM1_CNT_OFF 4
#define ACPI_RESET_OFF	 6
#define ACPI_PM_TMR_OFF	 8
#define ACPI_PM_TMR_LEN	 4
#define ACPI_PM_TMR_HZ	 3579545ull
#define ACPI_PM1_EVT	 (ACPI_PM_BASE + 0)
#define ACPI_PM1_EVT_LEN 4
#define ACPI_PM1_CNT	 (ACPI_PM_BASE + 4)
#define ACPI_PM1_CNT_LEN 2
#define ACPI_RESET_PORT	 (ACPI_PM_BASE + 6)
/* The full-reset value of a PC's 0xCF9 (SYS_RST | RST_CPU | FULL_RST). */
#define ACPI_RESET_VALUE 0x0e
#define ACPI_SCI_IRQ	 9
/* SLP_TYP for S5 in \_S5 (section 7.4.2); other values are not offered.
 * SLP_TYP 0 with SLP_EN also powers off: OVMF's EfiResetShutdown writes
 * it (QEMU's piix4 \_S5 is 0), and S0 is no sleep state to enter. */
#define ACPI_SLP_TYP_S5	    5
#define ACPI_SLP_TYP_S5_ALT 0

/* PM1 status and enable bits (Tables 4.16, 4.17). */
#define ACPI_PM1_TMR	0x0001
#define ACPI_PM1_BM_STS 0x0010
#define ACPI_PM1_GBL	0x0020
#define ACPI_PM1_PWRBTN 0x0100
#define ACPI_PM1_SLPBTN 0x0200
#define ACPI_PM1_RTC	0x0400
#define ACPI_PM1_PCIEXP 0x4000
#define ACPI_PM1_WAK	0x8000
/* PM1 control bits (Table 4.18). */
#define ACPI_CNT_SCI_EN	       0x0001
#define ACPI_CNT_BM_RLD	       0x0002
#define ACPI_CNT_GBL_RLS       0x0004
#define ACPI_CNT_SLP_TYP_SHIFT 10
#define ACPI_CNT_SLP_TYP       0x1c00
#define ACPI_CNT_SLP_EN	       0x2000

#define X86_IOAPIC_ADDR 0xfec00000u
#define X86_LAPIC_ADDR	0xfee00000u

struct acpi_build_in {
	uint64_t base;	   /* guest-physical address of the buffer */
	unsigned int cpus; /* one Local APIC each, APIC ID = index */
	const struct host_platdev *dev;
	unsigned int nr_dev;
	/* the PM block (0: ACPI_PM_BASE) */
	uint16_t pm_base;
	/* the PCI platform: PCI0 with these windows (inclusive ends) and
	 * a _PRT for INTx; no PCI0 when `pci` is false */
	bool pci;
	uint64_t pci_mem32_base, pci_mem32_end;
	uint64_t pci_mem64_base, pci_mem64_end;
};

/* A pointer field inside the buffer (its value is a guest-physical
 * address inside the buffer) and a checksum to recompute after pointers
 * move: what firmware's table loader needs (fw/loader.c). */
#define ACPI_MAX_FIXUPS 32
struct acpi_ptr_fixup {
	uint32_t off; /* of the field, from the start of the buffer */
	uint8_t size; /* 4 or 8 */
};
struct acpi_cksum_fixup {
	uint32_t start, len, result; /* buffer offsets; result in range */
};

struct acpi_tables {
	uint8_t *buf; /* malloc'd */
	size_t len;
	uint64_t base;
	/* guest-physical addresses of each table */
	uint64_t rsdp, xsdt, fadt, facs, madt, dsdt;
	/* every pointer between tables, every checksum (in the order they
	 * must be recomputed: the RSDP's 20-byte one before its full one) */
	struct acpi_ptr_fixup ptr[ACPI_MAX_FIXUPS];
	unsigned int nr_ptr;
	struct acpi_cksum_fixup ck[ACPI_MAX_FIXUPS];
	unsigned int nr_ck;
};

/* What this VM's tables describe (acpi/pm.c): CPUs, the devices that
 * called host_describe() so far, the PM block of the platform and, on the
 * PCI platform, PCI0 and its windows.  `base` is ACPI_TABLES_ADDR; a
 * caller that places the tables elsewhere (fw_cfg) changes it. */
void acpi_host_build_in(struct host *h, struct acpi_build_in *in);

/* Builds every table.  0, -ENOMEM, -E2BIG (more than ACPI_TABLES_MAX),
 * -EINVAL (a device that cannot be described: bad name, MMIO above
 * 4 GiB). */
int acpi_build_tables(const struct acpi_build_in *in, struct acpi_tables *t);
void acpi_tables_free(struct acpi_tables *t);

/* The DSDT's AML body (no header) for those devices; for tests. */
int acpi_build_dsdt_aml(const struct acpi_build_in *in, uint8_t **aml,
			size_t *len);

/* Sum of `len` bytes (0 for a valid table). */
uint8_t acpi_sum(const uint8_t *p, size_t len);

#endif
