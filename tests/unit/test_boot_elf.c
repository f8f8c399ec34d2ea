// SPDX-License-Identifier: MIT
/* ELF vmlinux through PVH: probe each header/segment/note error, load
 * (segments, bss, hvm_start_info, modlist, memmap), segments outside RAM.
 * One case per test: each row of the probe error table is its own test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "boot/kernel.h"
#include "arch/x86/layout.h"

#define MIB   (1ull << 20)
#define ELEN  0x3000
#define PADDR 0x200000ull /* 2 MiB */
#define ENTRY (PADDR + 0x10)

static uint8_t e[ELEN];

static void p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void p32(uint8_t *p, uint32_t v)
{
	p16(p, (uint16_t)v);
	p16(p + 2, (uint16_t)(v >> 16));
}

static void p64(uint8_t *p, uint64_t v)
{
	p32(p, (uint32_t)v);
	p32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t g32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t g64(const uint8_t *p)
{
	return g32(p) | (uint64_t)g32(p + 4) << 32;
}

#define OFF_PH0	 64	   /* PT_LOAD */
#define OFF_PH1	 (64 + 56) /* PT_NOTE */
#define OFF_NOTE 0x200
#define PH0	 (e + OFF_PH0)
#define PH1	 (e + OFF_PH1)
#define NOTE	 (e + OFF_NOTE)

/* ELF64 x86_64 vmlinux: one PT_LOAD (0x1000 file bytes, 0x2000 in memory)
 * at PADDR and a PT_NOTE with a GNU note then the Xen PVH note. */
static struct kernel_image make_elf(void)
{
	struct kernel_image img = {
		.path = "/x/vmlinux", .data = e, .len = ELEN};

	memset(e, 0, sizeof(e));
	memcpy(e,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	p16(e + 16, 2);
	p16(e + 18, 62);
	p32(e + 20, 1);
	p64(e + 24, PADDR);
	p64(e + 32, 64);
	p16(e + 52, 64);
	p16(e + 54, 56);
	p16(e + 56, 2);
	p32(PH0, 1);
	p64(PH0 + 8, 0x1000);
	p64(PH0 + 16, 0xffffffff80000000ull + PADDR);
	p64(PH0 + 24, PADDR);
	p64(PH0 + 32, 0x1000);
	p64(PH0 + 40, 0x2000);
	p64(PH0 + 48, 0x1000);
	p32(PH1, 4);
	p64(PH1 + 8, 0x200);
	p64(PH1 + 32, 16 + 4 + 24);
	p64(PH1 + 48, 4);
	/* an unrelated note first: "GNU", type 3, 4-byte desc */
	p32(NOTE, 4);
	p32(NOTE + 4, 4);
	p32(NOTE + 8, 3);
	memcpy(NOTE + 12, "GNU", 4);
	/* then Xen / XEN_ELFNOTE_PHYS32_ENTRY with an 8-byte desc (Linux) */
	p32(NOTE + 20, 4);
	p32(NOTE + 24, 8);
	p32(NOTE + 28, 18);
	memcpy(NOTE + 32, "Xen", 4);
	p64(NOTE + 36, ENTRY);
	for (unsigned int i = 0x1000; i < 0x2000; i++)
		e[i] = (uint8_t)(i * 7);
	memcpy(e + 0x2800, "Linux version 6.1.0-unit (x@y) #1\n", 34);
	return img;
}

static void expect(struct kernel_image *img, enum charlie_err code)
{
	struct charlie_kernel_report rep;

	assert_int_equal(kernel_probe(img, &rep), -22);
	if (rep.err.code != code)
		fail_msg("expected %s, got %s: %s", charlie_err_name(code),
			 charlie_err_name(rep.err.code), rep.err.msg);
	assert_non_null(strstr(rep.err.msg, img->path));
}

static void elf_probe_reports_pvh_fields(void **state)
{
	struct kernel_image img = make_elf();
	struct charlie_kernel_report rep;

	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_int_equal(rep.format, CHARLIE_KFMT_ELF_PVH);
	assert_true(rep.has_pvh_note);
	assert_int_equal(rep.entry32, ENTRY);
	assert_int_equal(rep.entry64, PADDR);
	assert_int_equal(rep.pref_address, PADDR);
	assert_int_equal(rep.init_size, 0x2000);
	assert_string_equal(rep.arch, "x86_64");
	assert_string_equal(rep.compression, "none");
	assert_string_equal(rep.version, "6.1.0-unit (x@y) #1");
	assert_int_equal(rep.protocol, 0);
}

static void elf_probe_accepts_elf32_i386(void **state)
{
	struct kernel_image img = {
		.path = "/x/vmlinux32", .data = e, .len = ELEN};
	struct charlie_kernel_report rep;
	uint8_t *ph = e + 52;

	memset(e, 0, sizeof(e));
	memcpy(e,
	       "\x7f"
	       "ELF\x01\x01\x01",
	       7);
	p16(e + 16, 2);
	p16(e + 18, 3);
	p32(e + 20, 1);
	p32(e + 28, 52);
	p16(e + 40, 52);
	p16(e + 42, 32);
	p16(e + 44, 2);
	p32(ph, 1);
	p32(ph + 4, 0x1000);
	p32(ph + 12, PADDR);
	p32(ph + 16, 0x1000);
	p32(ph + 20, 0x1000);
	p32(ph + 32, 4);
	p32(ph + 32 + 4, 0x200);
	p32(ph + 32 + 16, 20);
	p32(NOTE, 4);
	p32(NOTE + 4, 4);
	p32(NOTE + 8, 18);
	memcpy(NOTE + 12, "Xen", 4);
	p32(NOTE + 16, PADDR);
	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_string_equal(rep.arch, "i386");
	assert_int_equal(rep.entry32, PADDR);
}

/* One probe refusal: a valid image with one little-endian field of w
 * bytes at off patched to v (or, when len is non-zero, the file cut to
 * len), and the error code the probe must name. */
struct probe_case {
	const char *name;
	unsigned int off, w;
	uint64_t v;
	size_t len;
	enum charlie_err want;
};

static const struct probe_case probe_cases[] = {
	/* no PVH note */
	{"elf_rejects_missing_pvh_note", OFF_NOTE + 28, 4, 17, 0,
	 CHARLIE_E_KERNEL_ELF_NO_PVH},
	/* no PT_NOTE at all */
	{"elf_rejects_missing_pt_note", 56, 2, 1, 0,
	 CHARLIE_E_KERNEL_ELF_NO_PVH},
	{"elf_rejects_foreign_machine", 18, 2, 183, 0,
	 CHARLIE_E_KERNEL_ELF_ARCH},
	{"elf_rejects_big_endian", 5, 1, 2, 0, CHARLIE_E_KERNEL_ELF_ARCH},
	/* ELF32 with EM_X86_64 */
	{"elf_rejects_elf32_with_x86_64_machine", 4, 1, 1, 0,
	 CHARLIE_E_KERNEL_ELF_ARCH},
	{"elf_rejects_bad_class", 4, 1, 3, 0, CHARLIE_E_KERNEL_ELF_BAD},
	/* shorter than the ELF64 header */
	{"elf_rejects_file_shorter_than_header", 0, 0, 0, 40,
	 CHARLIE_E_KERNEL_ELF_BAD},
	/* ET_DYN */
	{"elf_rejects_et_dyn", 16, 2, 3, 0, CHARLIE_E_KERNEL_ELF_BAD},
	{"elf_rejects_bad_phentsize", 54, 2, 32, 0, CHARLIE_E_KERNEL_ELF_BAD},
	{"elf_rejects_zero_phnum", 56, 2, 0, 0, CHARLIE_E_KERNEL_ELF_BAD},
	/* e_phoff wraps */
	{"elf_rejects_wrapping_phoff", 32, 8, UINT64_MAX - 8, 0,
	 CHARLIE_E_KERNEL_ELF_BAD},
	/* table runs past the end */
	{"elf_rejects_phdrs_past_file_end", 32, 8, ELEN - 100, 0,
	 CHARLIE_E_KERNEL_ELF_BAD},
	/* namesz runs past the segment */
	{"elf_rejects_note_name_past_segment", OFF_NOTE + 20, 4, 0xfffffff0, 0,
	 CHARLIE_E_KERNEL_ELF_BAD},
	/* note segment offset wraps */
	{"elf_rejects_wrapping_note_offset", OFF_PH1 + 8, 8, UINT64_MAX - 4, 0,
	 CHARLIE_E_KERNEL_ELF_BAD},
	/* PVH desc of 2 bytes */
	{"elf_rejects_short_pvh_desc", OFF_NOTE + 24, 4, 2, 0,
	 CHARLIE_E_KERNEL_ELF_BAD},
	/* entry in bss, not file-backed */
	{"elf_rejects_pvh_entry_in_bss", OFF_NOTE + 36, 8, PADDR + 0x1800, 0,
	 CHARLIE_E_KERNEL_ELF_BAD},
	/* not 32-bit */
	{"elf_rejects_pvh_entry_above_4g", OFF_NOTE + 36, 8,
	 0x100000000ull + PADDR, 0, CHARLIE_E_KERNEL_ELF_BAD},
	/* no PT_LOAD left */
	{"elf_rejects_missing_pt_load", OFF_PH0, 4, 6, 0,
	 CHARLIE_E_KERNEL_ELF_BAD},
	/* filesz > memsz */
	{"elf_rejects_filesz_above_memsz", OFF_PH0 + 32, 8, 0x3000, 0,
	 CHARLIE_E_KERNEL_ELF_SEGMENT},
	/* file range past the end */
	{"elf_rejects_segment_past_file_end", OFF_PH0 + 8, 8, ELEN - 0x800, 0,
	 CHARLIE_E_KERNEL_ELF_SEGMENT},
	/* offset + filesz wraps */
	{"elf_rejects_wrapping_segment_offset", OFF_PH0 + 8, 8,
	 UINT64_MAX - 0x10, 0, CHARLIE_E_KERNEL_ELF_SEGMENT},
	/* paddr + memsz wraps */
	{"elf_rejects_wrapping_segment_paddr", OFF_PH0 + 24, 8,
	 UINT64_MAX - 0x1000, 0, CHARLIE_E_KERNEL_ELF_SEGMENT},
	/* below 1 MiB */
	{"elf_rejects_segment_below_1mib", OFF_PH0 + 24, 8, 0x9000, 0,
	 CHARLIE_E_KERNEL_ELF_SEGMENT},
	/* reaches past 3 GiB */
	{"elf_rejects_segment_past_3gib", OFF_PH0 + 24, 8, 0xbffff000ull, 0,
	 CHARLIE_E_KERNEL_ELF_SEGMENT},
};
#define NPROBE (sizeof(probe_cases) / sizeof(probe_cases[0]))

static void elf_probe_rejects(void **state)
{
	const struct probe_case *c = *state;
	struct kernel_image img = make_elf();

	for (unsigned int i = 0; i < c->w; i++)
		e[c->off + i] = (uint8_t)(c->v >> (8 * i));
	if (c->len)
		img.len = c->len;
	expect(&img, c->want);
}

static uint8_t rd_data[3000];

/* The image loaded into 16 MiB with a 3000-byte initrd and a command line,
 * over dirty memory (so bss must be cleared). */
static void load_ok(struct gm *gm, struct boot_entry *be)
{
	struct kernel_image img = make_elf();
	struct kernel_image rd = {
		.path = "/x/rd", .data = rd_data, .len = sizeof(rd_data)};
	struct charlie_kernel_report rep;
	struct charlie_error err;

	memset(rd_data, 0x3c, sizeof(rd_data));
	assert_int_equal(gm_init(gm, 16 * MIB), 0);
	memset(gm_ptr(gm, PADDR, 0x2000), 0xaa, 0x2000); /* dirty "bss" */
	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_int_equal(
		kernel_check_fit(&rep, img.path, 16 * MIB, 12, 3000, &err), 0);
	assert_int_equal(
		kernel_load(gm, &img, &rep, "console=hvc0", &rd, 0, be, &err),
		0);
}

static void elf_load_enters_at_pvh_entry(void **state)
{
	struct boot_entry be;
	struct gm gm;

	load_ok(&gm, &be);
	assert_int_equal(be.mode, BOOT_PVH32);
	assert_int_equal(be.rip, ENTRY);
	assert_int_equal(be.info, X86_PVH_START_INFO_ADDR);
	gm_free(&gm);
}

static void elf_load_copies_segment_and_zeroes_bss(void **state)
{
	struct boot_entry be;
	struct gm gm;
	uint8_t *p;

	load_ok(&gm, &be);
	p = gm_ptr(&gm, PADDR, 0x2000);
	assert_memory_equal(p, e + 0x1000, 0x1000);
	for (unsigned int i = 0x1000; i < 0x2000; i++)
		assert_int_equal(p[i], 0);
	gm_free(&gm);
}

static void elf_load_copies_cmdline(void **state)
{
	struct boot_entry be;
	struct gm gm;

	load_ok(&gm, &be);
	assert_string_equal((char *)gm_ptr(&gm, X86_CMDLINE_ADDR, 13),
			    "console=hvc0");
	gm_free(&gm);
}

static void elf_load_fills_start_info(void **state)
{
	struct boot_entry be;
	struct gm gm;
	uint8_t *si;

	load_ok(&gm, &be);
	si = gm_ptr(&gm, X86_PVH_START_INFO_ADDR, 56);
	assert_int_equal(g32(si), 0x336ec578);
	assert_int_equal(g32(si + 4), 1);  /* version */
	assert_int_equal(g32(si + 12), 1); /* nr_modules */
	assert_int_equal(g64(si + 16), X86_PVH_MODLIST_ADDR);
	assert_int_equal(g64(si + 24), X86_CMDLINE_ADDR);
	assert_int_equal(g64(si + 32), 0); /* rsdp_paddr */
	assert_int_equal(g64(si + 40), X86_PVH_MEMMAP_ADDR);
	assert_int_equal(g32(si + 48), 3);
	gm_free(&gm);
}

/* initrd: page-aligned, as high as possible in RAM */
static void elf_load_places_initrd_high(void **state)
{
	struct boot_entry be;
	struct gm gm;
	uint8_t *m;

	load_ok(&gm, &be);
	m = gm_ptr(&gm, X86_PVH_MODLIST_ADDR, 32);
	assert_int_equal(g64(m), (16 * MIB - 3000) & ~0xfffull);
	assert_int_equal(g64(m + 8), 3000);
	assert_memory_equal(gm_ptr(&gm, g64(m), 3000), rd_data, 3000);
	gm_free(&gm);
}

static void elf_load_writes_memmap(void **state)
{
	struct boot_entry be;
	struct gm gm;
	uint8_t *m;

	load_ok(&gm, &be);
	m = gm_ptr(&gm, X86_PVH_MEMMAP_ADDR, 3 * 24);
	assert_int_equal(g64(m), 0);
	assert_int_equal(g64(m + 8), X86_EBDA_START);
	assert_int_equal(g32(m + 16), E820_RAM);
	assert_int_equal(g64(m + 24), X86_EBDA_START);
	assert_int_equal(g32(m + 24 + 16), E820_RESERVED);
	assert_int_equal(g64(m + 48), 0x100000);
	assert_int_equal(g64(m + 56), 15 * MIB);
	assert_int_equal(g32(m + 64), E820_RAM);
	gm_free(&gm);
}

static void elf_load_without_initrd_or_cmdline(void **state)
{
	struct kernel_image img = make_elf();
	struct charlie_kernel_report rep;
	struct charlie_error err;
	struct boot_entry be;
	struct gm gm;
	uint8_t *si;

	assert_int_equal(gm_init(&gm, 16 * MIB), 0);
	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_int_equal(kernel_load(&gm, &img, &rep, NULL, NULL, 0, &be, &err),
			 0);
	si = gm_ptr(&gm, X86_PVH_START_INFO_ADDR, 56);
	assert_int_equal(g32(si + 12), 0);
	assert_int_equal(g64(si + 16), 0);
	assert_int_equal(*(uint8_t *)gm_ptr(&gm, X86_CMDLINE_ADDR, 1), 0);
	gm_free(&gm);
}

/* A valid file whose segment starts at gpa (entry there too). */
static struct kernel_image elf_at(uint64_t gpa,
				  struct charlie_kernel_report *rep)
{
	struct kernel_image img = make_elf();

	p64(PH0 + 24, gpa);
	p64(NOTE + 36, gpa);
	assert_int_equal(kernel_probe(&img, rep), 0);
	return img;
}

/* at 32 MiB: a valid file, but outside a 16 MiB guest */
static void elf_fit_rejects_segment_outside_ram(void **state)
{
	struct charlie_kernel_report rep;
	struct kernel_image img = elf_at(32 * MIB, &rep);
	struct charlie_error err;

	assert_int_equal(kernel_check_fit(&rep, img.path, 16 * MIB, 0, 0, &err),
			 -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_INIT_SIZE);
}

static void elf_load_rejects_segment_outside_ram(void **state)
{
	struct charlie_kernel_report rep;
	struct kernel_image img = elf_at(32 * MIB, &rep);
	struct charlie_error err;
	struct boot_entry be;
	struct gm gm;

	assert_int_equal(gm_init(&gm, 16 * MIB), 0);
	assert_int_equal(kernel_load(&gm, &img, &rep, NULL, NULL, 0, &be, &err),
			 -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_ELF_SEGMENT);
	gm_free(&gm);
}

static void elf_load_rejects_segment_straddling_ram_end(void **state)
{
	struct charlie_kernel_report rep;
	struct kernel_image img = elf_at(16 * MIB - 0x1000, &rep);
	struct charlie_error err;
	struct boot_entry be;
	struct gm gm;

	assert_int_equal(gm_init(&gm, 16 * MIB), 0);
	assert_int_equal(kernel_load(&gm, &img, &rep, NULL, NULL, 0, &be, &err),
			 -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_ELF_SEGMENT);
	gm_free(&gm);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(elf_probe_reports_pvh_fields),
		cmocka_unit_test(elf_probe_accepts_elf32_i386),
		cmocka_unit_test(elf_load_enters_at_pvh_entry),
		cmocka_unit_test(elf_load_copies_segment_and_zeroes_bss),
		cmocka_unit_test(elf_load_copies_cmdline),
		cmocka_unit_test(elf_load_fills_start_info),
		cmocka_unit_test(elf_load_places_initrd_high),
		cmocka_unit_test(elf_load_writes_memmap),
		cmocka_unit_test(elf_load_without_initrd_or_cmdline),
		cmocka_unit_test(elf_fit_rejects_segment_outside_ram),
		cmocka_unit_test(elf_load_rejects_segment_outside_ram),
		cmocka_unit_test(elf_load_rejects_segment_straddling_ram_end),
	};
	struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) + NPROBE];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		tests[n++] = fixed[i];
	for (size_t i = 0; i < NPROBE; i++)
		tests[n++] = (struct CMUnitTest){
			.name = probe_cases[i].name,
			.test_func = elf_probe_rejects,
			.initial_state = (void *)&probe_cases[i],
		};
	return _cmocka_run_group_tests("test_boot_elf", tests, n, NULL, NULL);
}
