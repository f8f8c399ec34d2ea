// SPDX-License-Identifier: MIT
/* ELF vmlinux through PVH: probe each header/segment/note error, load
 * (segments, bss, hvm_start_info, modlist, memmap), segments outside RAM. */
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

#define PH0  (e + 64)	   /* PT_LOAD */
#define PH1  (e + 64 + 56) /* PT_NOTE */
#define NOTE (e + 0x200)

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

static void probe_ok(void **state)
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

static void probe_elf32(void **state)
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

static void probe_errors(void **state)
{
	struct kernel_image img;

	img = make_elf();
	p32(NOTE + 28, 17); /* no PVH note */
	expect(&img, CHARLIE_E_KERNEL_ELF_NO_PVH);
	img = make_elf();
	p16(e + 56, 1); /* no PT_NOTE at all */
	expect(&img, CHARLIE_E_KERNEL_ELF_NO_PVH);
	img = make_elf();
	p16(e + 18, 183);
	expect(&img, CHARLIE_E_KERNEL_ELF_ARCH);
	img = make_elf();
	e[5] = 2; /* big-endian */
	expect(&img, CHARLIE_E_KERNEL_ELF_ARCH);
	img = make_elf();
	e[4] = 1; /* ELF32 with EM_X86_64 */
	expect(&img, CHARLIE_E_KERNEL_ELF_ARCH);
	img = make_elf();
	e[4] = 3;
	expect(&img, CHARLIE_E_KERNEL_ELF_BAD);
	img = make_elf();
	img.len = 40; /* shorter than the ELF64 header */
	expect(&img, CHARLIE_E_KERNEL_ELF_BAD);
	img = make_elf();
	p16(e + 16, 3); /* ET_DYN */
	expect(&img, CHARLIE_E_KERNEL_ELF_BAD);
	img = make_elf();
	p16(e + 54, 32);
	expect(&img, CHARLIE_E_KERNEL_ELF_BAD);
	img = make_elf();
	p16(e + 56, 0);
	expect(&img, CHARLIE_E_KERNEL_ELF_BAD);
	img = make_elf();
	p64(e + 32, UINT64_MAX - 8); /* e_phoff wraps */
	expect(&img, CHARLIE_E_KERNEL_ELF_BAD);
	img = make_elf();
	p64(e + 32, ELEN - 100); /* table runs past the end */
	expect(&img, CHARLIE_E_KERNEL_ELF_BAD);
	img = make_elf();
	p32(NOTE + 20, 0xfffffff0); /* namesz runs past the segment */
	expect(&img, CHARLIE_E_KERNEL_ELF_BAD);
	img = make_elf();
	p64(PH1 + 8, UINT64_MAX - 4); /* note segment offset wraps */
	expect(&img, CHARLIE_E_KERNEL_ELF_BAD);
	img = make_elf();
	p32(NOTE + 24, 2); /* PVH desc of 2 bytes */
	expect(&img, CHARLIE_E_KERNEL_ELF_BAD);
	img = make_elf();
	p64(NOTE + 36, PADDR + 0x1800); /* entry in bss, not file-backed */
	expect(&img, CHARLIE_E_KERNEL_ELF_BAD);
	img = make_elf();
	p64(NOTE + 36, 0x100000000ull + PADDR); /* not 32-bit */
	expect(&img, CHARLIE_E_KERNEL_ELF_BAD);
	img = make_elf();
	p32(PH0, 6); /* no PT_LOAD left */
	expect(&img, CHARLIE_E_KERNEL_ELF_BAD);
	img = make_elf();
	p64(PH0 + 32, 0x3000); /* filesz > memsz */
	expect(&img, CHARLIE_E_KERNEL_ELF_SEGMENT);
	img = make_elf();
	p64(PH0 + 8, ELEN - 0x800); /* file range past the end */
	expect(&img, CHARLIE_E_KERNEL_ELF_SEGMENT);
	img = make_elf();
	p64(PH0 + 8, UINT64_MAX - 0x10); /* offset + filesz wraps */
	expect(&img, CHARLIE_E_KERNEL_ELF_SEGMENT);
	img = make_elf();
	p64(PH0 + 24, UINT64_MAX - 0x1000); /* paddr + memsz wraps */
	expect(&img, CHARLIE_E_KERNEL_ELF_SEGMENT);
	img = make_elf();
	p64(PH0 + 24, 0x9000); /* below 1 MiB */
	expect(&img, CHARLIE_E_KERNEL_ELF_SEGMENT);
	img = make_elf();
	p64(PH0 + 24, 0xbffff000ull); /* reaches past 3 GiB */
	expect(&img, CHARLIE_E_KERNEL_ELF_SEGMENT);
}

static void load(void **state)
{
	struct kernel_image img = make_elf();
	uint8_t rd_data[3000];
	struct kernel_image rd = {
		.path = "/x/rd", .data = rd_data, .len = sizeof(rd_data)};
	struct charlie_kernel_report rep;
	struct charlie_error err;
	struct boot_entry be;
	struct gm gm;
	uint8_t *si, *m, *p;

	memset(rd_data, 0x3c, sizeof(rd_data));
	assert_int_equal(gm_init(&gm, 16 * MIB), 0);
	memset(gm_ptr(&gm, PADDR, 0x2000), 0xaa, 0x2000); /* dirty "bss" */
	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_int_equal(
		kernel_check_fit(&rep, img.path, 16 * MIB, 12, 3000, &err), 0);
	assert_int_equal(
		kernel_load(&gm, &img, &rep, "console=hvc0", &rd, 0, &be, &err),
		0);
	assert_int_equal(be.mode, BOOT_PVH32);
	assert_int_equal(be.rip, ENTRY);
	assert_int_equal(be.info, X86_PVH_START_INFO_ADDR);
	p = gm_ptr(&gm, PADDR, 0x2000);
	assert_memory_equal(p, e + 0x1000, 0x1000);
	for (unsigned int i = 0x1000; i < 0x2000; i++)
		assert_int_equal(p[i], 0);
	assert_string_equal((char *)gm_ptr(&gm, X86_CMDLINE_ADDR, 13),
			    "console=hvc0");

	si = gm_ptr(&gm, X86_PVH_START_INFO_ADDR, 56);
	assert_int_equal(g32(si), 0x336ec578);
	assert_int_equal(g32(si + 4), 1);  /* version */
	assert_int_equal(g32(si + 12), 1); /* nr_modules */
	assert_int_equal(g64(si + 16), X86_PVH_MODLIST_ADDR);
	assert_int_equal(g64(si + 24), X86_CMDLINE_ADDR);
	assert_int_equal(g64(si + 32), 0); /* rsdp_paddr */
	assert_int_equal(g64(si + 40), X86_PVH_MEMMAP_ADDR);
	assert_int_equal(g32(si + 48), 3);
	m = gm_ptr(&gm, X86_PVH_MODLIST_ADDR, 32);
	/* initrd: page-aligned, as high as possible in RAM */
	assert_int_equal(g64(m), (16 * MIB - 3000) & ~0xfffull);
	assert_int_equal(g64(m + 8), 3000);
	assert_memory_equal(gm_ptr(&gm, g64(m), 3000), rd_data, 3000);
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

static void load_no_initrd(void **state)
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

static void segment_outside_ram(void **state)
{
	struct kernel_image img = make_elf();
	struct charlie_kernel_report rep;
	struct charlie_error err;
	struct boot_entry be;
	struct gm gm;

	/* at 32 MiB: a valid file, but outside a 16 MiB guest */
	p64(PH0 + 24, 32 * MIB);
	p64(NOTE + 36, 32 * MIB);
	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_int_equal(kernel_check_fit(&rep, img.path, 16 * MIB, 0, 0, &err),
			 -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_INIT_SIZE);
	assert_int_equal(gm_init(&gm, 16 * MIB), 0);
	assert_int_equal(kernel_load(&gm, &img, &rep, NULL, NULL, 0, &be, &err),
			 -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_ELF_SEGMENT);
	/* straddling the end of RAM */
	p64(PH0 + 24, 16 * MIB - 0x1000);
	p64(NOTE + 36, 16 * MIB - 0x1000);
	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_int_equal(kernel_load(&gm, &img, &rep, NULL, NULL, 0, &be, &err),
			 -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_ELF_SEGMENT);
	gm_free(&gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe_ok),
		cmocka_unit_test(probe_elf32),
		cmocka_unit_test(probe_errors),
		cmocka_unit_test(load),
		cmocka_unit_test(load_no_initrd),
		cmocka_unit_test(segment_outside_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
