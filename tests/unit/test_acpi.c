// SPDX-License-Identifier: MIT
/*
 * ACPI: the AML emitter (ACPI 6.5 section 20), the tables (section 5.2)
 * and the PM registers of acpi/pm.c on a fake host (section 4.8).  The
 * tables are also disassembled with iasl (acpica-tools) when it is
 * installed: no errors or warnings, and the devices, \_S5 and one Local
 * APIC per CPU must be in the disassembly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake_host.h"
#include "acpi/aml.h"
#include "acpi/tables.h"

/* ---- AML ---- */

static void pkglen_boundaries(void **state)
{
	static const struct {
		uint32_t v;
		unsigned int n;
		uint8_t b[4];
	} c[] = {
		{0, 1, {0x00}},
		{63, 1, {0x3f}},
		{64, 2, {0x40, 0x04}},
		{4095, 2, {0x4f, 0xff}},
		{4096, 3, {0x80, 0x00, 0x01}},
		{1048575, 3, {0x8f, 0xff, 0xff}},
		{1048576, 4, {0xc0, 0x00, 0x00, 0x01}},
		{0x0fffffff, 4, {0xcf, 0xff, 0xff, 0xff}},
	};
	uint8_t out[4];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(aml_pkglen_encode(c[i].v, out), c[i].n);
		assert_memory_equal(out, c[i].b, c[i].n);
	}
	assert_int_equal(aml_pkglen_encode(0x10000000, out), 0);
}

/* Decodes the PkgLength at p: its value and byte count. */
static uint32_t pkglen_decode(const uint8_t *p, unsigned int *n)
{
	uint32_t v;

	*n = 1 + (p[0] >> 6);
	if (*n == 1)
		return p[0] & 0x3f;
	v = p[0] & 0x0f;
	for (unsigned int i = 1; i < *n; i++)
		v |= (uint32_t)p[i] << (4 + 8 * (i - 1));
	return v;
}

/* Minimal PkgLength byte count for a value (section 20.2.4). */
static unsigned int pkglen_bytes(uint32_t v)
{
	return v <= 63 ? 1 : v <= 4095 ? 2 : v <= 1048575 ? 3 : 4;
}

/* Buffers around every boundary: the PkgLength covers everything after
 * the opcode, counts its own bytes, and uses the fewest bytes; both
 * sides of each boundary are met.  (The value right at a boundary, e.g.
 * 4096, cannot occur: one more length byte skips it.) */
static void buffer_pkglen_sizes(void **state)
{
	static const uint32_t limits[] = {63, 4095, 1048575};
	static uint8_t zero[1 << 21];

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		unsigned int below = 0, above = 0;

		for (uint32_t body = limits[i] - 12; body <= limits[i] + 2;
		     body++) {
			struct aml a;
			unsigned int n;
			uint32_t v;

			aml_init(&a);
			aml_buffer(&a);
			aml_bytes(&a, zero, body);
			aml_end(&a);
			assert_int_equal(a.err, 0);
			assert_int_equal(a.buf[0], AML_BUFFER);
			v = pkglen_decode(a.buf + 1, &n);
			assert_int_equal(v, a.len - 1);
			assert_int_equal(n, pkglen_bytes(v));
			if (v <= limits[i])
				below++;
			else
				above++;
			aml_free(&a);
		}
		assert_true(below > 0 && above > 0);
	}
}

static void nested_blocks_measure_themselves(void **state)
{
	struct aml a;
	unsigned int n1, n2;

	aml_init(&a);
	aml_scope(&a, "\\_SB");
	aml_device(&a, "DEV0");
	aml_name_decl(&a, "_UID");
	aml_int(&a, 7);
	aml_end(&a);
	aml_end(&a);
	assert_int_equal(a.err, 0);
	assert_int_equal(a.buf[0], AML_SCOPE);
	assert_int_equal(pkglen_decode(a.buf + 1, &n1), a.len - 1);
	/* \_SB_ then ExtOp DeviceOp */
	assert_memory_equal(a.buf + 1 + n1, "\\_SB_", 5);
	assert_int_equal(a.buf[6 + n1], AML_EXT_PREFIX);
	assert_int_equal(a.buf[7 + n1], AML_DEVICE);
	assert_int_equal(pkglen_decode(a.buf + 8 + n1, &n2), a.len - 8 - n1);
	aml_free(&a);
	/* unbalanced */
	aml_init(&a);
	aml_end(&a);
	assert_int_equal(a.err, -EINVAL);
	aml_free(&a);
}

static void expect_name(const char *path, const void *bytes, size_t n)
{
	struct aml a;

	aml_init(&a);
	aml_name(&a, path);
	assert_int_equal(a.err, 0);
	assert_int_equal(a.len, n);
	assert_memory_equal(a.buf, bytes, n);
	aml_free(&a);
}

static void names(void **state)
{
	struct aml a;
	static const char *const bad[] = {"1ABC", "ABCDE", "a",	    "A..B",
					  "A.",	  ".A",	   "\\A^B", "AB-C"};

	expect_name("_S5", "_S5_", 4);
	expect_name("COM1", "COM1", 4);
	expect_name("\\", "\\\0", 2);
	expect_name("\\_SB", "\\_SB_", 5);
	expect_name("\\_SB.COM1", "\\\x2e_SB_COM1", 10);
	expect_name("\\_SB.PCI0.S08", "\\\x2f\x03_SB_PCI0S08_", 15);
	expect_name("^^FOO", "^^FOO_", 6);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_init(&a);
		aml_name(&a, bad[i]);
		assert_int_equal(a.err, -EINVAL);
		aml_free(&a);
	}
}

static void integers_of_every_width(void **state)
{
	static const struct {
		uint64_t v;
		size_t n;
		uint8_t b[9];
	} c[] = {
		{0, 1, {AML_ZERO}},
		{1, 1, {AML_ONE}},
		{2, 2, {AML_BYTE_PREFIX, 2}},
		{0xff, 2, {AML_BYTE_PREFIX, 0xff}},
		{0x100, 3, {AML_WORD_PREFIX, 0x00, 0x01}},
		{0xffff, 3, {AML_WORD_PREFIX, 0xff, 0xff}},
		{0x10000, 5, {AML_DWORD_PREFIX, 0, 0, 1, 0}},
		{0xffffffff, 5, {AML_DWORD_PREFIX, 0xff, 0xff, 0xff, 0xff}},
		{0x100000000ull, 9, {AML_QWORD_PREFIX, 0, 0, 0, 0, 1, 0, 0, 0}},
		{UINT64_MAX,
		 9,
		 {AML_QWORD_PREFIX, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff}},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct aml a;

		aml_init(&a);
		aml_int(&a, c[i].v);
		assert_int_equal(a.len, c[i].n);
		assert_memory_equal(a.buf, c[i].b, c[i].n);
		aml_free(&a);
	}
}

static void strings_and_ids(void **state)
{
	struct aml a;

	aml_init(&a);
	aml_hid(&a, "PNP0501"); /* EISAID: 0x0105d041 */
	aml_hid(&a, "LNRO0005");
	assert_int_equal(a.err, 0);
	assert_memory_equal(a.buf, "\x0c\x41\xd0\x05\x01", 5);
	assert_memory_equal(a.buf + 5, "\x0dLNRO0005", 10);
	assert_int_equal(a.len, 5 + 10);
	aml_free(&a);
	aml_init(&a);
	aml_string(&a, "\x80");
	assert_int_equal(a.err, -EINVAL);
	aml_free(&a);
}

static void package_and_method(void **state)
{
	struct aml a;
	unsigned int n;

	aml_init(&a);
	aml_package(&a, 2);
	aml_int(&a, 5);
	aml_int(&a, 0);
	aml_end(&a);
	assert_memory_equal(a.buf, "\x12\x05\x02\x0a\x05\x00", 6);
	aml_free(&a);
	aml_init(&a);
	aml_method(&a, "_STA", 0);
	aml_byte(&a, AML_RETURN);
	aml_int(&a, 0x0f);
	aml_end(&a);
	assert_int_equal(a.buf[0], AML_METHOD);
	assert_int_equal(pkglen_decode(a.buf + 1, &n), a.len - 1);
	assert_memory_equal(a.buf + 1 + n, "_STA\x00\xa4\x0a\x0f", 8);
	aml_free(&a);
}

static void resource_template_checksum(void **state)
{
	struct aml a;
	size_t s;
	uint8_t sum = 0;

	aml_init(&a);
	s = aml_res_begin(&a);
	aml_res_io(&a, 0x3f8, 8);
	aml_res_irq_noflags(&a, 4);
	aml_res_mem32_fixed(&a, 0xd0000000, 0x1000, 1);
	aml_res_interrupt(&a, 16, 0, 0, 0);
	aml_res_end(&a, s);
	assert_int_equal(a.err, 0);
	assert_int_equal(a.len, 8 + 3 + 12 + 9 + 2);
	for (size_t i = 0; i < a.len; i++)
		sum = (uint8_t)(sum + a.buf[i]);
	assert_int_equal(sum, 0);
	assert_int_equal(a.buf[a.len - 2], 0x79);
	/* edge, active high, exclusive, consumer */
	assert_int_equal(a.buf[8 + 3 + 12 + 3], 0x03);
	aml_res_irq_noflags(&a, 16);
	assert_int_equal(a.err, -EINVAL);
	aml_free(&a);
}

/* ---- tables ---- */

static const struct host_platdev test_devs[] = {
	{.hid = "PNP0501",
	 .name = "COM1",
	 .uid = 1,
	 .pio_base = 0x3f8,
	 .pio_len = 8,
	 .irq = 4},
	{.hid = "LNRO0005",
	 .name = "VR00",
	 .uid = 0,
	 .mmio_base = 0xd0000000,
	 .mmio_len = 0x200,
	 .irq = 16},
	{.hid = "LNRO0005",
	 .name = "VR01",
	 .uid = 1,
	 .mmio_base = 0xd0001000,
	 .mmio_len = 0x200,
	 .irq = 17,
	 .irq_level = true},
};

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static const uint8_t *at(const struct acpi_tables *t, uint64_t gpa)
{
	assert_true(gpa >= t->base && gpa < t->base + t->len);
	return t->buf + (gpa - t->base);
}

static void check_table(const struct acpi_tables *t, uint64_t gpa,
			const char *sig)
{
	const uint8_t *p = at(t, gpa);
	uint32_t len = (uint32_t)le(p + 4, 4);

	assert_memory_equal(p, sig, 4);
	assert_true(gpa + len <= t->base + t->len);
	assert_int_equal(acpi_sum(p, len), 0);
}

static void build(unsigned int cpus, struct acpi_tables *t)
{
	struct acpi_build_in in = {.base = ACPI_TABLES_ADDR,
				   .cpus = cpus,
				   .dev = test_devs,
				   .nr_dev = 3};

	assert_int_equal(acpi_build_tables(&in, t), 0);
}

static void build_pci(unsigned int cpus, struct acpi_tables *t)
{
	struct acpi_build_in in = {.base = ACPI_TABLES_ADDR,
				   .cpus = cpus,
				   .dev = test_devs,
				   .nr_dev = 3,
				   .pm_base = ACPI_PCI_PM_BASE,
				   .pci = true,
				   .pci_mem32_base = 0x10000000,
				   .pci_mem32_end = 0xcfffffff,
				   .pci_mem64_base = 0x140000000ull,
				   .pci_mem64_end = 0xffffffffffull};

	assert_int_equal(acpi_build_tables(&in, t), 0);
}

static void tables_checksums_and_links(void **state)
{
	static const unsigned int cpus[] = {1, 2, 4, 64};

	for (size_t i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		struct acpi_tables t;
		const uint8_t *r, *x, *f, *m;

		build(cpus[i], &t);
		assert_true(t.len <= ACPI_TABLES_MAX);
		/* RSDP: first, 16-byte aligned, in the BIOS scan area */
		assert_int_equal(t.rsdp, ACPI_TABLES_ADDR);
		assert_int_equal(t.rsdp % 16, 0);
		assert_true(t.rsdp >= 0xe0000 && t.rsdp + 36 <= 0x100000);
		r = at(&t, t.rsdp);
		assert_memory_equal(r, "RSD PTR ", 8);
		assert_int_equal(acpi_sum(r, 20), 0);
		assert_int_equal(acpi_sum(r, 36), 0);
		assert_int_equal(r[15], 2);
		assert_int_equal(le(r + 24, 8), t.xsdt);
		check_table(&t, t.xsdt, "XSDT");
		x = at(&t, t.xsdt);
		assert_int_equal(le(x + 4, 4), 36 + 16);
		assert_int_equal(le(x + 36, 8), t.fadt);
		assert_int_equal(le(x + 44, 8), t.madt);
		check_table(&t, t.fadt, "FACP");
		f = at(&t, t.fadt);
		assert_int_equal(le(f + 4, 4), 276);
		assert_int_equal(le(f + 36, 4), t.facs);
		assert_int_equal(le(f + 40, 4), t.dsdt);
		assert_int_equal(le(f + 140, 8), t.dsdt);
		assert_int_equal(le(f + 46, 2), ACPI_SCI_IRQ);
		assert_int_equal(le(f + 48, 4), 0); /* SMI_CMD */
		assert_int_equal(le(f + 56, 4), ACPI_PM1_EVT);
		assert_int_equal(le(f + 64, 4), ACPI_PM1_CNT);
		assert_int_equal(le(f + 112, 4) & (1u << 4), 0); /* fixed btn */
		assert_int_equal(le(f + 112, 4) & (1u << 20), 0); /* !HW_RED */
		assert_int_equal(le(f + 120, 8), ACPI_RESET_PORT);
		assert_int_equal(f[128], ACPI_RESET_VALUE);
		assert_int_equal(t.facs % 64, 0);
		assert_memory_equal(at(&t, t.facs), "FACS", 4);
		check_table(&t, t.madt, "APIC");
		m = at(&t, t.madt);
		assert_int_equal(le(m + 4, 4), 44 + 8 * cpus[i] + 12 + 10 + 6);
		for (unsigned int c = 0; c < cpus[i]; c++) {
			const uint8_t *e = m + 44 + 8 * c;

			assert_int_equal(e[0], 0);
			assert_int_equal(e[3], c); /* APIC ID */
			assert_int_equal(le(e + 4, 4), 1);
		}
		check_table(&t, t.dsdt, "DSDT");
		acpi_tables_free(&t);
	}
}

static void tables_refuse_bad_devices(void **state)
{
	struct host_platdev d = test_devs[1];
	struct acpi_build_in in = {
		.base = ACPI_TABLES_ADDR, .cpus = 1, .dev = &d, .nr_dev = 1};
	struct acpi_tables t;

	d.mmio_base = 0x100000000ull; /* above 4 GiB: no Memory32Fixed */
	assert_int_equal(acpi_build_tables(&in, &t), -EINVAL);
	d = test_devs[1];
	memcpy(d.name, "v0", 3); /* not an AML name */
	assert_int_equal(acpi_build_tables(&in, &t), -EINVAL);
	in.dev = test_devs;
	in.cpus = 0;
	assert_int_equal(acpi_build_tables(&in, &t), -EINVAL);
}

/* ---- iasl round trip ---- */

static int write_file(const char *dir, const char *name, const void *p,
		      size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	if (fwrite(p, 1, n, f) != n) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

static char *slurp(const char *dir, const char *name)
{
	char path[512];
	char *buf = NULL;
	size_t cap = 0, len = 0, r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	do {
		if (len + 4097 > cap) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + len, 1, 4096, f);
		len += r;
	} while (r);
	fclose(f);
	buf[len] = 0;
	return buf;
}

static unsigned int count(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void check_pci_dsdt(const char *dsl)
{
	assert_non_null(strstr(dsl, "Device (PCI0)"));
	assert_non_null(strstr(dsl, "EisaId (\"PNP0A03\")"));
	assert_non_null(strstr(dsl, "Name (_BBN, Zero)"));
	assert_non_null(strstr(dsl, "WordBusNumber (ResourceProducer"));
	assert_non_null(strstr(dsl, "0xC000,             // Range Minimum"));
	assert_non_null(strstr(dsl, "0x10000000,         // Range Minimum"));
	assert_non_null(strstr(dsl, "0xCFFFFFFF,         // Range Maximum"));
	assert_non_null(strstr(dsl, "QWordMemory (ResourceProducer"));
	assert_non_null(strstr(dsl, "0x000000FFFFFFFFFF, // Range Maximum"));
	assert_non_null(strstr(dsl, "Name (_PRT, Package (0x7C)"));
	/* slot 1 INTA on GSI 17, slot 3 INTD on GSI 18 */
	assert_non_null(strstr(dsl, "0x0001FFFF, \n                    Zero, \n"
				    "                    Zero, \n"
				    "                    0x11"));
	assert_non_null(strstr(dsl, "0x0003FFFF, \n                    0x03, \n"
				    "                    Zero, \n"
				    "                    0x12"));
}

static void iasl_round_trip(bool pci)
{
	static const unsigned int ncpu = 4;
	/* iasl -d takes tables with the common header; the RSDP has its
	 * own (checked in tables_checksums_and_links) */
	static const char *const names[] = {"xsdt", "facp", "facs", "apic",
					    "dsdt"};
	char dir[] = "/tmp/charlie-acpi-XXXXXX", cmd[1024];
	struct acpi_tables t;
	char *log, *dsl;
	uint64_t addr[5];
	int rc;

	if (system("command -v iasl >/dev/null 2>&1") != 0) {
		printf("# SKIP: iasl (acpica-tools) is not installed\n");
		skip();
	}
	if (pci)
		build_pci(ncpu, &t);
	else
		build(ncpu, &t);
	addr[0] = t.xsdt;
	addr[1] = t.fadt;
	addr[2] = t.facs;
	addr[3] = t.madt;
	addr[4] = t.dsdt;
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 5; i++) {
		const uint8_t *p = at(&t, addr[i]);
		size_t len = (size_t)le(p + 4, 4);
		char name[16];

		snprintf(name, sizeof(name), "%s.dat", names[i]);
		assert_int_equal(write_file(dir, name, p, len), 0);
	}
	/* Disassemble every table, then compile each disassembly back (the
	 * data-table compiler checks every field, the ASL compiler the
	 * AML).  Each compile ends with "N Errors, N Warnings". */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && for f in *.dat; do iasl -d $f || exit 1; done "
		 ">iasl.log 2>&1 && for f in *.dsl; do iasl -p re-${f%%.dsl} "
		 "$f || exit 1; done >iasl-c.log 2>&1",
		 dir);
	rc = system(cmd);
	log = slurp(dir, "iasl.log");
	assert_non_null(log);
	if (rc != 0 || strstr(log, "rror") || strstr(log, "arning"))
		fail_msg("iasl -d complained (exit %d):\n%.900s", rc, log);
	free(log);
	log = slurp(dir, "iasl-c.log");
	assert_non_null(log);
	if (count(log, " 0 Errors, 0 Warnings") != 5 ||
	    count(log, "rror") != 5 || count(log, "arning") != 5)
		fail_msg("iasl complained compiling the disassembly:\n%.900s",
			 log);
	free(log);

	dsl = slurp(dir, "dsdt.dsl");
	assert_non_null(dsl);
	assert_non_null(strstr(dsl, "Name (\\_S5, Package (0x04)"));
	assert_non_null(strstr(dsl, "Device (COM1)"));
	assert_non_null(strstr(dsl, "EisaId (\"PNP0501\")"));
	assert_non_null(strstr(dsl, "IRQNoFlags ()\n                    {4}"));
	assert_int_equal(count(dsl, "\"LNRO0005\""), 2);
	assert_non_null(strstr(dsl, "Memory32Fixed (ReadWrite,\n"
				    "                    0xD0000000,"));
	assert_non_null(strstr(dsl, "Interrupt (ResourceConsumer, Edge, "
				    "ActiveHigh, Exclusive, ,, )"));
	assert_non_null(strstr(dsl, "Interrupt (ResourceConsumer, Level, "
				    "ActiveHigh, Exclusive, ,, )"));
	if (pci)
		check_pci_dsdt(dsl);
	free(dsl);
	dsl = slurp(dir, "apic.dsl");
	assert_non_null(dsl);
	assert_int_equal(count(dsl, "[Processor Local APIC]"), ncpu);
	assert_int_equal(count(dsl, "[I/O APIC]"), 1);
	assert_int_equal(count(dsl, "[Interrupt Source Override]"), 1);
	assert_int_equal(count(dsl, "[Local APIC NMI]"), 1);
	free(dsl);
	dsl = slurp(dir, "facp.dsl");
	assert_non_null(dsl);
	assert_non_null(strstr(dsl, "Control Method Power Button (V1) : 0"));
	assert_non_null(strstr(dsl, "Hardware Reduced (V5) : 0"));
	assert_non_null(strstr(dsl, pci ? "PM Timer Block Address : 0000B008"
					: "PM Timer Block Address : 00000608"));
	assert_non_null(strstr(dsl, "PM Timer Block Length : 04"));
	free(dsl);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		(void)0;
	acpi_tables_free(&t);
}

static void iasl_disassembles_without_complaint(void **state)
{
	iasl_round_trip(false);
}

/* The PCI platform: PCI0 with its windows and _PRT, the PM block at
 * 0xB000 with the timer at 0xB008. */
static void iasl_pci_platform(void **state)
{
	iasl_round_trip(true);
}

/* ---- PM registers on a fake host ---- */

struct pm_fixture {
	struct fake_host *f;
	void *state;
};

static int pm_setup(void **state)
{
	struct pm_fixture *p = calloc(1, sizeof(*p));
	struct charlie_error err = {0};

	p->f = fake_host_new();
	assert_int_equal(acpi_pm_ops.create(&p->f->h, NULL, 0, &p->state, &err),
			 0);
	*state = p;
	return 0;
}

static int pm_teardown(void **state)
{
	struct pm_fixture *p = *state;

	acpi_pm_ops.destroy(p->state);
	fake_host_free(p->f);
	free(p);
	return 0;
}

static uint16_t in16(struct fake_host *f, uint16_t port)
{
	uint8_t v[2] = {0xff, 0xff};

	host_pio(&f->h, port, false, v, 2);
	return (uint16_t)(v[0] | v[1] << 8);
}

static void out16(struct fake_host *f, uint16_t port, uint16_t val)
{
	uint8_t v[2] = {(uint8_t)val, (uint8_t)(val >> 8)};

	host_pio(&f->h, port, true, v, 2);
}

static void pm_tables_in_guest_ram(void **state)
{
	struct pm_fixture *p = *state;
	uint8_t rsdp[36];

	assert_int_equal(p->f->h.acpi_rsdp, ACPI_TABLES_ADDR);
	assert_int_equal(gm_read(p->f->h.gm, rsdp, ACPI_TABLES_ADDR, 36), 0);
	assert_memory_equal(rsdp, "RSD PTR ", 8);
	assert_int_equal(acpi_sum(rsdp, 36), 0);
	assert_non_null(p->f->h.button.press);
}

static void pm_sci_always_enabled(void **state)
{
	struct pm_fixture *p = *state;

	assert_int_equal(in16(p->f, ACPI_PM1_CNT) & ACPI_CNT_SCI_EN, 1);
	out16(p->f, ACPI_PM1_CNT, 0); /* the OS cannot leave ACPI mode */
	assert_int_equal(in16(p->f, ACPI_PM1_CNT) & ACPI_CNT_SCI_EN, 1);
}

static void pm_press_when_listening(void **state)
{
	struct pm_fixture *p = *state;
	struct host *h = &p->f->h;

	assert_false(h->button.listening(h->button.opaque));
	out16(p->f, ACPI_PM1_EVT + 2, ACPI_PM1_PWRBTN); /* PWRBTN_EN */
	assert_true(h->button.listening(h->button.opaque));
	assert_int_equal(p->f->events[HOST_EV_BUTTON_LISTENING], 1);
	assert_int_equal(in16(p->f, ACPI_PM1_EVT + 2), ACPI_PM1_PWRBTN);
	assert_int_equal(p->f->irq[ACPI_SCI_IRQ], 0);
	assert_int_equal(h->button.press(h->button.opaque), 0);
	assert_int_equal(in16(p->f, ACPI_PM1_EVT) & ACPI_PM1_PWRBTN,
			 ACPI_PM1_PWRBTN);
	assert_int_equal(p->f->irq[ACPI_SCI_IRQ], 1);
	assert_int_equal(p->f->events[HOST_EV_BUTTON_HELD], 0);
	/* the OS acknowledges: write 1 to clear, the SCI drops */
	out16(p->f, ACPI_PM1_EVT, ACPI_PM1_PWRBTN);
	assert_int_equal(in16(p->f, ACPI_PM1_EVT), 0);
	assert_int_equal(p->f->irq[ACPI_SCI_IRQ], 0);
	assert_int_equal(p->f->end, CHARLIE_STOP_NONE);
}

static void pm_press_held_until_enabled(void **state)
{
	struct pm_fixture *p = *state;
	struct host *h = &p->f->h;

	assert_int_equal(h->button.press(h->button.opaque), 0);
	assert_int_equal(p->f->events[HOST_EV_BUTTON_HELD], 1);
	assert_int_equal(p->f->irq[ACPI_SCI_IRQ], 0);
	/* what ACPICA does while it initialises: clear every status bit,
	 * disable every fixed event; the press must survive it */
	out16(p->f, ACPI_PM1_EVT, 0xffff);
	out16(p->f, ACPI_PM1_EVT + 2, 0);
	assert_int_equal(in16(p->f, ACPI_PM1_EVT), 0);
	/* the global lock handler, then the button driver */
	out16(p->f, ACPI_PM1_EVT + 2, ACPI_PM1_GBL);
	assert_int_equal(in16(p->f, ACPI_PM1_EVT + 2), ACPI_PM1_GBL);
	assert_int_equal(p->f->events[HOST_EV_BUTTON_PRESSED], 0);
	out16(p->f, ACPI_PM1_EVT + 2, ACPI_PM1_GBL | ACPI_PM1_PWRBTN);
	assert_int_equal(p->f->events[HOST_EV_BUTTON_LISTENING], 1);
	assert_int_equal(p->f->events[HOST_EV_BUTTON_PRESSED], 1);
	assert_int_equal(in16(p->f, ACPI_PM1_EVT), ACPI_PM1_PWRBTN);
	assert_int_equal(p->f->irq[ACPI_SCI_IRQ], 1);
	/* delivered once: disabling and enabling again gives no press */
	out16(p->f, ACPI_PM1_EVT, ACPI_PM1_PWRBTN);
	out16(p->f, ACPI_PM1_EVT + 2, 0);
	out16(p->f, ACPI_PM1_EVT + 2, ACPI_PM1_PWRBTN);
	assert_int_equal(p->f->events[HOST_EV_BUTTON_PRESSED], 1);
	assert_int_equal(in16(p->f, ACPI_PM1_EVT), 0);
}

static void pm_s5_powers_off(void **state)
{
	struct pm_fixture *p = *state;

	/* Linux: SLP_TYP first, then SLP_TYP | SLP_EN (hwsleep.c) */
	out16(p->f, ACPI_PM1_CNT, ACPI_SLP_TYP_S5 << ACPI_CNT_SLP_TYP_SHIFT);
	assert_int_equal(p->f->end, CHARLIE_STOP_NONE);
	out16(p->f, ACPI_PM1_CNT,
	      ACPI_SLP_TYP_S5 << ACPI_CNT_SLP_TYP_SHIFT | ACPI_CNT_SLP_EN);
	assert_int_equal(p->f->end, CHARLIE_STOP_POWEROFF);
	assert_string_equal(p->f->end_summary, "guest powered off");
}

/* OVMF's EfiResetShutdown: SLP_TYP 0, then SLP_EN. */
static void pm_slp_typ0_powers_off(void **state)
{
	struct pm_fixture *p = *state;

	out16(p->f, ACPI_PM1_CNT, 0);
	assert_int_equal(p->f->end, CHARLIE_STOP_NONE);
	out16(p->f, ACPI_PM1_CNT, ACPI_CNT_SLP_EN);
	assert_int_equal(p->f->end, CHARLIE_STOP_POWEROFF);
}

/* PM_TMR: 24 bits at 3.579545 MHz; 20 ms later it moved by about 71,591
 * ticks (wide bounds: a loaded machine may sleep longer), and writes do
 * not change it. */
static void pm_timer_counts(void **state)
{
	struct pm_fixture *p = *state;
	uint8_t r[4], w[4] = {0, 0, 0, 0};
	uint32_t a, b, d;
	struct timespec ts = {0, 20000000};

	host_pio(&p->f->h, ACPI_PM_BASE + ACPI_PM_TMR_OFF, false, r, 4);
	a = (uint32_t)le(r, 4);
	assert_int_equal(a >> 24, 0);
	host_pio(&p->f->h, ACPI_PM_BASE + ACPI_PM_TMR_OFF, true, w, 4);
	nanosleep(&ts, NULL);
	host_pio(&p->f->h, ACPI_PM_BASE + ACPI_PM_TMR_OFF, false, r, 4);
	b = (uint32_t)le(r, 4);
	assert_int_equal(b >> 24, 0);
	d = (b - a) & 0xffffff;
	assert_true(d >= 70000 && d < 3579545);
}

static void pm_other_sleep_types_ignored(void **state)
{
	struct pm_fixture *p = *state;

	for (uint16_t typ = 0; typ < 8; typ++) {
		if (typ == ACPI_SLP_TYP_S5 || typ == ACPI_SLP_TYP_S5_ALT)
			continue;
		out16(p->f, ACPI_PM1_CNT,
		      (uint16_t)(typ << ACPI_CNT_SLP_TYP_SHIFT |
				 ACPI_CNT_SLP_EN));
		assert_int_equal(p->f->end, CHARLIE_STOP_NONE);
	}
	assert_true(p->f->log_lines >= 1); /* said (rate-limited) */
}

static void pm_reset_register(void **state)
{
	struct pm_fixture *p = *state;
	uint8_t v = 0x01;

	host_pio(&p->f->h, ACPI_RESET_PORT, true, &v, 1);
	assert_int_equal(p->f->end, CHARLIE_STOP_NONE);
	v = ACPI_RESET_VALUE;
	host_pio(&p->f->h, ACPI_RESET_PORT, true, &v, 1);
	assert_int_equal(p->f->end, CHARLIE_STOP_REBOOT);
	assert_string_equal(p->f->end_summary, "guest rebooted (ACPI reset)");
}

/* Every value of every width at every offset, from the power-on state:
 * the only effects are the documented ones. */
static void pm_fuzz_every_register(void **state)
{
	static const unsigned int sizes[] = {1, 2, 4};
	unsigned int rnd = 12345;

	for (size_t s = 0; s < 3; s++) {
		unsigned int size = sizes[s];

		for (unsigned int off = 0; off < ACPI_PM_LEN; off++) {
			unsigned int n = size == 1 ? 256 : 4096;

			for (unsigned int k = 0; k < n; k++) {
				struct pm_fixture *p;
				uint8_t d[4], r[8];
				uint32_t v;
				bool sleep_s5, reset;
				uint16_t cnt;

				rnd = rnd * 1103515245u + 12345u;
				v = size == 1 ? k : (rnd >> 1) ^ (k << 20);
				if (k < 4)
					v = k == 0 ? 0 : k == 1 ? ~0u : k << 12;
				for (int i = 0; i < 4; i++)
					d[i] = (uint8_t)(v >> (8 * i));
				pm_setup((void **)&p);
				host_pio(&p->f->h,
					 (uint16_t)(ACPI_PM_BASE + off), true,
					 d, size);
				/* which documented effect was asked for */
				sleep_s5 = false;
				reset = false;
				for (unsigned int i = 0; i < size; i++) {
					unsigned int o = off + i;

					if (o == 5)
						sleep_s5 =
							(d[i] & 0x20) &&
							(((d[i] >> 2) &
							  7) == ACPI_SLP_TYP_S5 ||
							 ((d[i] >> 2) &
							  7) == ACPI_SLP_TYP_S5_ALT);
					if (o == 6)
						reset = d[i] ==
							ACPI_RESET_VALUE;
				}
				if (sleep_s5)
					assert_int_equal(p->f->end,
							 CHARLIE_STOP_POWEROFF);
				else if (reset)
					assert_int_equal(p->f->end,
							 CHARLIE_STOP_REBOOT);
				else
					assert_int_equal(p->f->end,
							 CHARLIE_STOP_NONE);
				/* nothing pressed: no status, no SCI */
				memset(r, 0, sizeof(r));
				host_pio(&p->f->h, ACPI_PM_BASE, false, r, 4);
				host_pio(&p->f->h, ACPI_PM_BASE + 4, false,
					 r + 4, 4);
				assert_int_equal(r[0] | r[1], 0);
				assert_int_equal(p->f->irq[ACPI_SCI_IRQ], 0);
				assert_int_equal(r[6] | r[7], 0);
				cnt = (uint16_t)(r[4] | r[5] << 8);
				assert_int_equal(cnt & ACPI_CNT_SCI_EN, 1);
				assert_int_equal(cnt & (ACPI_CNT_SLP_EN |
							ACPI_CNT_GBL_RLS),
						 0);
				/* a press is heard exactly when PWRBTN_EN
				 * is set */
				p->f->h.button.press(p->f->h.button.opaque);
				assert_int_equal(p->f->irq[ACPI_SCI_IRQ],
						 (r[3] & 1) ? 1 : 0);
				pm_teardown((void **)&p);
			}
		}
	}
}

#define T(f)  cmocka_unit_test(f)
#define TP(f) cmocka_unit_test_setup_teardown(f, pm_setup, pm_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(pkglen_boundaries),
		T(buffer_pkglen_sizes),
		T(nested_blocks_measure_themselves),
		T(names),
		T(integers_of_every_width),
		T(strings_and_ids),
		T(package_and_method),
		T(resource_template_checksum),
		T(tables_checksums_and_links),
		T(tables_refuse_bad_devices),
		T(iasl_disassembles_without_complaint),
		T(iasl_pci_platform),
		TP(pm_timer_counts),
		TP(pm_slp_typ0_powers_off),
		TP(pm_tables_in_guest_ram),
		TP(pm_sci_always_enabled),
		TP(pm_press_when_listening),
		TP(pm_press_held_until_enabled),
		TP(pm_s5_powers_off),
		TP(pm_other_sleep_types_ignored),
		TP(pm_reset_register),
		T(pm_fuzz_every_register),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
