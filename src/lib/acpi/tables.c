// SPDX-License-Identifier: MIT
/*
 * ACPI tables (tables.h).  Every table is written field by field at the
 * offsets of ACPI 6.5 section 5.2 (little-endian), never as a C struct
 * image, so the layout is what the specification's tables say.
 */
#include "acpi/tables.h"
#include "acpi/aml.h"
#include "pci/pci.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define OEM_ID	     "CHARLI"
#define OEM_TABLE_ID "CHARLIE "
#define CREATOR_ID   "CHRL"

#define HDR_LEN 36

/* Table lengths and revisions (ACPI 6.5). */
#define RSDP_LEN   36
#define FADT_LEN   276
#define FADT_REV   6
#define FADT_MINOR 3 /* ACPI 6.3's FADT layout, what iasl 2020 knows */
#define FACS_LEN   64
#define MADT_REV   5
#define DSDT_REV   2 /* 64-bit integers */

/* Generic Address Structure (section 5.2.3.2). */
#define GAS_SYSTEM_IO	1
#define GAS_ACCESS_BYTE 1

/* FADT flags (Table 5.10). */
#define FADT_WBINVD	   (1u << 0)
#define FADT_PROC_C1	   (1u << 2)
#define FADT_SLP_BUTTON	   (1u << 5) /* no fixed sleep button */
#define FADT_FIX_RTC	   (1u << 6) /* no RTC_STS in PM1 */
#define FADT_RESET_REG_SUP (1u << 10)
/* PWR_BUTTON (bit 4) stays clear: the fixed-feature power button. */

/* IA-PC boot architecture flags (Table 5.11). */
#define IAPC_8042	     (1u << 1)
#define IAPC_VGA_NOT_PRESENT (1u << 2)

#define CMOS_CENTURY 0x32 /* devices/cmos.c */

/* MADT (section 5.2.12). */
#define MADT_PCAT_COMPAT 1u
#define MADT_LAPIC	 0
#define MADT_IOAPIC	 1
#define MADT_ISO	 2
#define MADT_LAPIC_NMI	 4
/* MPS INTI flags (Table 5.26): polarity bits 0-1, trigger bits 2-3. */
#define INTI_CONFORMS	 0x0000
#define INTI_ACTIVE_HIGH 0x0001
#define INTI_EDGE	 0x0004
#define INTI_LEVEL	 0x000c

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

uint8_t acpi_sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* System Description Table Header (section 5.2.6); the checksum is set
 * by finish(). */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	put32(t + 24, 1);
	memcpy(t + 28, CREATOR_ID, 4);
	put32(t + 32, 1);
}

static void finish(uint8_t *t, size_t len)
{
	t[9] = 0;
	t[9] = (uint8_t)-acpi_sum(t, len);
}

static void gas_io(uint8_t *p, uint16_t port, uint8_t bits, uint8_t access)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = bits;
	p[2] = 0;
	p[3] = access;
	put64(p + 4, port);
}

/* ---- DSDT ---- */

static bool valid_seg(const char *n)
{
	if (strnlen(n, 5) != 4)
		return false;
	for (int i = 0; i < 4; i++) {
		char c = n[i];

		if (!((c >= 'A' && c <= 'Z') || c == '_' ||
		      (i && c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/* Device (NAME) { _HID, _UID, _CRS } under \_SB (section 6.1, 6.2.2). */
static int dsdt_device(struct aml *a, const struct host_platdev *d)
{
	size_t res;

	if (!valid_seg(d->name) || !d->hid[0] ||
	    (d->mmio_len &&
	     (d->mmio_base > UINT32_MAX || d->mmio_len > UINT32_MAX ||
	      d->mmio_base + d->mmio_len - 1 > UINT32_MAX)) ||
	    (d->pio_len && (d->pio_len > 0xff ||
			    (uint32_t)d->pio_base + d->pio_len > 0x10000)) ||
	    d->irq > 255)
		return -EINVAL;
	aml_device(a, d->name);
	aml_name_decl(a, "_HID");
	aml_hid(a, d->hid);
	aml_name_decl(a, "_UID");
	aml_int(a, d->uid);
	aml_name_decl(a, "_CRS");
	aml_buffer(a);
	res = aml_res_begin(a);
	if (d->pio_len)
		aml_res_io(a, d->pio_base, (uint8_t)d->pio_len);
	if (d->mmio_len)
		aml_res_mem32_fixed(a, (uint32_t)d->mmio_base,
				    (uint32_t)d->mmio_len, 1);
	/* ISA devices keep the classic IRQ descriptor (edge, high); the
	 * others name their GSI with its trigger, active high. */
	if (d->irq >= 0 && d->irq < 16 && d->pio_len && !d->irq_level)
		aml_res_irq_noflags(a, (uint8_t)d->irq);
	else if (d->irq >= 0)
		aml_res_interrupt(a, (uint32_t)d->irq, d->irq_level, 0, 0);
	aml_res_end(a, res);
	aml_end(a); /* Buffer */
	aml_end(a); /* Device */
	return 0;
}

/* The PCI host bridge (PCI Firmware 3.2 section 4.1; ACPI 6.5 section
 * 6.2.13 _PRT): bus 0 only, config ports 0xCF8-0xCFF, the I/O windows
 * 0xB000-0xB03F (PIIX4 PM) and 0xC000-0xFFFF, the memory windows pm.c
 * computed; INTA-INTD of slot S on GSI 16 + (S + pin) % 4 (pci/pci.h), level,
 * active high as KVM's I/O APIC takes lines. */
static void dsdt_pci(struct aml *a, const struct acpi_build_in *in)
{
	size_t res;

	aml_device(a, "PCI0");
	aml_name_decl(a, "_HID");
	aml_hid(a, "PNP0A03");
	aml_name_decl(a, "_UID");
	aml_int(a, 0);
	aml_name_decl(a, "_BBN");
	aml_int(a, 0);
	aml_name_decl(a, "_CRS");
	aml_buffer(a);
	res = aml_res_begin(a);
	aml_res_addr(a, 2, AML_RES_BUS, 0, 0, 0);
	aml_res_io(a, 0xcf8, 8);
	/* the PIIX4 PM function's 64 ports (PMBA): Linux claims them for
	 * 00:01.3 and wants a window that holds them */
	aml_res_addr(a, 2, AML_RES_IO, 3, ACPI_PCI_PM_BASE,
		     ACPI_PCI_PM_BASE + 0x3f);
	aml_res_addr(a, 2, AML_RES_IO, 3, PCI_IO_WINDOW_START,
		     PCI_IO_WINDOW_END);
	/* cacheable, read-write (the _MEM and _RW flags) */
	aml_res_addr(a, 4, AML_RES_MEM, 3, in->pci_mem32_base,
		     in->pci_mem32_end);
	if (in->pci_mem64_end > in->pci_mem64_base)
		aml_res_addr(a, 8, AML_RES_MEM, 3, in->pci_mem64_base,
			     in->pci_mem64_end);
	aml_res_end(a, res);
	aml_end(a); /* Buffer */
	aml_name_decl(a, "_PRT");
	aml_package(a, 31 * 4);
	for (unsigned int slot = 1; slot < 32; slot++) {
		for (unsigned int pin = 0; pin < 4; pin++) {
			aml_package(a, 4);
			aml_int(a, (uint64_t)slot << 16 | 0xffff);
			aml_int(a, pin);
			aml_int(a, 0);
			aml_int(a, PCI_INTX_GSI + (slot + pin) % 4);
			aml_end(a);
		}
	}
	aml_end(a); /* _PRT */
	aml_end(a); /* Device */
}

int acpi_build_dsdt_aml(const struct acpi_build_in *in, uint8_t **out,
			size_t *len)
{
	struct aml a;
	int ret = 0;

	aml_init(&a);
	/* \_S5: SLP_TYPa, SLP_TYPb, reserved, reserved (section 7.4.2) */
	aml_name_decl(&a, "\\_S5");
	aml_package(&a, 4);
	aml_int(&a, ACPI_SLP_TYP_S5);
	aml_int(&a, ACPI_SLP_TYP_S5);
	aml_int(&a, 0);
	aml_int(&a, 0);
	aml_end(&a);
	aml_scope(&a, "\\_SB");
	if (in->pci)
		dsdt_pci(&a, in);
	for (unsigned int i = 0; i < in->nr_dev && !ret; i++)
		ret = dsdt_device(&a, &in->dev[i]);
	aml_end(&a);
	if (!ret)
		ret = a.err;
	if (!ret && a.depth)
		ret = -EINVAL;
	if (ret) {
		aml_free(&a);
		return ret;
	}
	*out = aml_take(&a, len);
	return 0;
}

/* ---- the other tables ---- */

static void build_fadt(uint8_t *t, uint64_t facs, uint64_t dsdt, uint16_t pm)
{
	header(t, "FACP", FADT_LEN, FADT_REV);
	put32(t + 36, (uint32_t)facs); /* FIRMWARE_CTRL */
	put32(t + 40, (uint32_t)dsdt); /* DSDT */
	t[45] = 0;		       /* Preferred_PM_Profile: unspecified */
	put16(t + 46, ACPI_SCI_IRQ);   /* SCI_INT */
	put32(t + 48, 0);  /* SMI_CMD: none, always in ACPI mode (4.8.2.1) */
	put32(t + 56, pm); /* PM1a_EVT_BLK */
	put32(t + 64, pm + ACPI_PM1_CNT_OFF); /* PM1a_CNT_BLK */
	put32(t + 76, pm + ACPI_PM_TMR_OFF);  /* PM_TMR_BLK */
	t[88] = ACPI_PM1_EVT_LEN;
	t[89] = ACPI_PM1_CNT_LEN;
	t[91] = ACPI_PM_TMR_LEN; /* 24-bit: TMR_VAL_EXT stays clear */
	put16(t + 96, 101);	 /* P_LVL2_LAT > 100: no C2 */
	put16(t + 98, 1001);	 /* P_LVL3_LAT > 1000: no C3 */
	t[108] = CMOS_CENTURY;
	put16(t + 109, IAPC_8042 | IAPC_VGA_NOT_PRESENT);
	put32(t + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON |
			       FADT_FIX_RTC | FADT_RESET_REG_SUP);
	gas_io(t + 116, pm + ACPI_RESET_OFF, 8,
	       GAS_ACCESS_BYTE); /* RESET_REG */
	t[128] = ACPI_RESET_VALUE;
	t[131] = FADT_MINOR;
	put64(t + 132, 0);    /* X_FIRMWARE_CTRL: FIRMWARE_CTRL is used */
	put64(t + 140, dsdt); /* X_DSDT */
	/* The 64-bit register blocks repeat the 32-bit ones exactly (same
	 * address and width), as ACPICA checks (tbfadt.c). */
	gas_io(t + 148, pm, 8 * ACPI_PM1_EVT_LEN, 0);
	gas_io(t + 172, pm + ACPI_PM1_CNT_OFF, 8 * ACPI_PM1_CNT_LEN, 0);
	gas_io(t + 208, pm + ACPI_PM_TMR_OFF, 8 * ACPI_PM_TMR_LEN, 0);
	finish(t, FADT_LEN);
}

/* Firmware ACPI Control Structure (section 5.2.10): no checksum. */
static void build_facs(uint8_t *t)
{
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	t[32] = 2; /* Version */
}

static size_t madt_len(unsigned int cpus)
{
	return 44 + 8 * (size_t)cpus + 12 + 10 + 6;
}

static void build_madt(uint8_t *t, unsigned int cpus)
{
	size_t len = madt_len(cpus);
	uint8_t *p = t + 44;

	header(t, "APIC", (uint32_t)len, MADT_REV);
	put32(t + 36, X86_LAPIC_ADDR);
	put32(t + 40, MADT_PCAT_COMPAT); /* the 8259s exist (KVM irqchip) */
	for (unsigned int i = 0; i < cpus; i++, p += 8) {
		/* Processor Local APIC (5.2.12.2): UID = APIC ID = index,
		 * the IDs vcpu.c gives and mptable.c announces. */
		p[0] = MADT_LAPIC;
		p[1] = 8;
		p[2] = (uint8_t)i;
		p[3] = (uint8_t)i;
		put32(p + 4, 1); /* Enabled */
	}
	/* I/O APIC (5.2.12.3): ID after the CPUs, as in the MP table. */
	p[0] = MADT_IOAPIC;
	p[1] = 12;
	p[2] = (uint8_t)cpus;
	p[3] = 0;
	put32(p + 4, X86_IOAPIC_ADDR);
	put32(p + 8, 0); /* GSI base */
	p += 12;
	/* Interrupt Source Override (5.2.12.5) for the SCI only: it is
	 * level-triggered, active high, as pm.c drives it (KVM's I/O APIC
	 * takes the line level as given).  No IRQ0 -> GSI2 override: charlie
	 * keeps KVM's default routing, where the in-kernel PIT's GSI 0 is
	 * I/O APIC pin 0 (QEMU's override goes with its own routing table,
	 * which moves GSI 0 to pin 2). */
	p[0] = MADT_ISO;
	p[1] = 10;
	p[2] = 0;
	p[3] = ACPI_SCI_IRQ;
	put32(p + 4, ACPI_SCI_IRQ);
	put16(p + 8, INTI_ACTIVE_HIGH | INTI_LEVEL);
	p += 10;
	/* Local APIC NMI (5.2.12.7): LINT1 of every processor. */
	p[0] = MADT_LAPIC_NMI;
	p[1] = 6;
	p[2] = 0xff;
	put16(p + 3, INTI_ACTIVE_HIGH | INTI_EDGE);
	p[5] = 1;
	finish(t, len);
}

static void fix_ptr(struct acpi_tables *t, size_t off, uint8_t size)
{
	if (t->nr_ptr < ACPI_MAX_FIXUPS)
		t->ptr[t->nr_ptr++] =
			(struct acpi_ptr_fixup){(uint32_t)off, size};
}

static void fix_ck(struct acpi_tables *t, size_t start, size_t len,
		   size_t result)
{
	if (t->nr_ck < ACPI_MAX_FIXUPS)
		t->ck[t->nr_ck++] = (struct acpi_cksum_fixup){
			(uint32_t)start, (uint32_t)len, (uint32_t)result};
}

/* The fixups of the layout acpi_build_tables writes. */
static void record_fixups(struct acpi_tables *t, size_t o_rsdp, size_t o_xsdt,
			  size_t xsdt_len, size_t o_fadt, size_t o_madt,
			  size_t madt_len_, size_t o_dsdt, size_t dsdt_len)
{
	fix_ptr(t, o_fadt + 36, 4);  /* FIRMWARE_CTRL -> FACS */
	fix_ptr(t, o_fadt + 40, 4);  /* DSDT */
	fix_ptr(t, o_fadt + 140, 8); /* X_DSDT */
	for (size_t o = HDR_LEN; o < xsdt_len; o += 8)
		fix_ptr(t, o_xsdt + o, 8);
	fix_ptr(t, o_rsdp + 24, 8); /* XsdtAddress */
	fix_ck(t, o_dsdt, dsdt_len, o_dsdt + 9);
	fix_ck(t, o_madt, madt_len_, o_madt + 9);
	fix_ck(t, o_fadt, FADT_LEN, o_fadt + 9);
	fix_ck(t, o_xsdt, xsdt_len, o_xsdt + 9);
	fix_ck(t, o_rsdp, 20, o_rsdp + 8);
	fix_ck(t, o_rsdp, RSDP_LEN, o_rsdp + 32);
}

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int acpi_build_tables(const struct acpi_build_in *in, struct acpi_tables *t)
{
	size_t o_rsdp = 0, o_xsdt, o_fadt, o_facs, o_madt, o_dsdt, end;
	size_t xsdt_len = HDR_LEN + 8 * 2, aml_len = 0;
	uint8_t *aml = NULL, *b;
	int ret;

	memset(t, 0, sizeof(*t));
	if (!in->cpus || in->cpus > 255)
		return -EINVAL;
	ret = acpi_build_dsdt_aml(in, &aml, &aml_len);
	if (ret)
		return ret;
	o_xsdt = align_up(o_rsdp + RSDP_LEN, 16);
	o_fadt = align_up(o_xsdt + xsdt_len, 16);
	o_facs = align_up(o_fadt + FADT_LEN, 64); /* 64-byte aligned */
	o_madt = align_up(o_facs + FACS_LEN, 16);
	o_dsdt = align_up(o_madt + madt_len(in->cpus), 16);
	end = o_dsdt + HDR_LEN + aml_len;
	if (aml_len > ACPI_TABLES_MAX || end > ACPI_TABLES_MAX) {
		free(aml);
		return -E2BIG;
	}
	b = calloc(1, end);
	if (!b) {
		free(aml);
		return -ENOMEM;
	}
	t->buf = b;
	t->len = end;
	t->base = in->base;
	t->rsdp = in->base + o_rsdp;
	t->xsdt = in->base + o_xsdt;
	t->fadt = in->base + o_fadt;
	t->facs = in->base + o_facs;
	t->madt = in->base + o_madt;
	t->dsdt = in->base + o_dsdt;

	header(b + o_dsdt, "DSDT", (uint32_t)(HDR_LEN + aml_len), DSDT_REV);
	memcpy(b + o_dsdt + HDR_LEN, aml, aml_len);
	finish(b + o_dsdt, HDR_LEN + aml_len);
	free(aml);
	build_madt(b + o_madt, in->cpus);
	build_facs(b + o_facs);
	build_fadt(b + o_fadt, t->facs, t->dsdt,
		   in->pm_base ? in->pm_base : ACPI_PM_BASE);

	/* XSDT (section 5.2.8): the FADT and the MADT. */
	header(b + o_xsdt, "XSDT", (uint32_t)xsdt_len, 1);
	put64(b + o_xsdt + HDR_LEN, t->fadt);
	put64(b + o_xsdt + HDR_LEN + 8, t->madt);
	finish(b + o_xsdt, xsdt_len);

	/* RSDP (section 5.2.5.3), revision 2: the XSDT only. */
	memcpy(b + o_rsdp, "RSD PTR ", 8);
	memcpy(b + o_rsdp + 9, OEM_ID, 6);
	b[o_rsdp + 15] = 2;
	put32(b + o_rsdp + 20, RSDP_LEN);
	put64(b + o_rsdp + 24, t->xsdt);
	b[o_rsdp + 8] = (uint8_t)-acpi_sum(b + o_rsdp, 20);
	b[o_rsdp + 32] = (uint8_t)-acpi_sum(b + o_rsdp, RSDP_LEN);
	record_fixups(t, o_rsdp, o_xsdt, xsdt_len, o_fadt, o_madt,
		      madt_len(in->cpus), o_dsdt, HDR_LEN + aml_len);
	return 0;
}

void acpi_tables_free(struct acpi_tables *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}
