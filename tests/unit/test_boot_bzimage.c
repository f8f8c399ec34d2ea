// SPDX-License-Identifier: MIT
/* bzImage probe/check_fit/load on synthetic setup headers (boot.rst),
 * the formats named on the way, and kernel_read_file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/kernel.h"
#include "arch/x86/layout.h"

#define KLEN	  0x10000
#define SETUP_LEN (5 * 512) /* setup_sects 4 */
#define MIB	  (1ull << 20)

static uint8_t k[KLEN];

static void p16(unsigned int off, uint16_t v)
{
	k[off] = (uint8_t)v;
	k[off + 1] = (uint8_t)(v >> 8);
}

static void p32(unsigned int off, uint32_t v)
{
	p16(off, (uint16_t)v);
	p16(off + 2, (uint16_t)(v >> 16));
}

static void p64(unsigned int off, uint64_t v)
{
	p32(off, (uint32_t)v);
	p32(off + 4, (uint32_t)(v >> 32));
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

/* A minimal well-formed protocol 2.15 bzImage. */
static struct kernel_image make_kernel(void)
{
	struct kernel_image img = {
		.path = "/x/bzImage", .data = k, .len = KLEN};

	memset(k, 0, sizeof(k));
	k[0] = 'M';
	k[1] = 'Z';
	k[0x1f1] = 4;			     /* setup_sects */
	p32(0x1f4, (KLEN - SETUP_LEN) / 16); /* syssize */
	p16(0x1fe, 0xaa55);
	k[0x200] = 0xeb;
	k[0x201] = 0x6a; /* header ends at 0x26c */
	memcpy(k + 0x202, "HdrS", 4);
	p16(0x206, 0x020f);
	p16(0x20e, 0x300 - 0x200); /* kernel_version */
	strcpy((char *)k + 0x300, "6.1.0-test (unit@charlie) #1");
	k[0x211] = 0x01;	     /* LOADED_HIGH */
	p32(0x214, 0x100000);	     /* code32_start */
	p32(0x22c, 0x7fffffff);	     /* initrd_addr_max */
	p32(0x230, 0x200000);	     /* kernel_alignment */
	k[0x234] = 1;		     /* relocatable */
	k[0x235] = 21;		     /* min_alignment */
	p16(0x236, 0x7f);	     /* xloadflags */
	p32(0x238, 2047);	     /* cmdline_size */
	p32(0x248, 0x300);	     /* payload_offset */
	p32(0x24c, 0x100);	     /* payload_length */
	p64(0x258, 0x1000000);	     /* pref_address */
	p32(0x260, 0x100000);	     /* init_size */
	k[SETUP_LEN + 0x300] = 0x28; /* zstd payload */
	k[SETUP_LEN + 0x301] = 0xb5;
	k[SETUP_LEN + 0x302] = 0x2f;
	k[SETUP_LEN + 0x303] = 0xfd;
	for (unsigned int i = SETUP_LEN; i < KLEN; i += 97)
		k[i] ^= (uint8_t)i;
	return img;
}

static void expect(struct kernel_image *img, enum charlie_err code)
{
	struct charlie_kernel_report rep;

	assert_int_equal(kernel_probe(img, &rep), -22);
	assert_false(rep.bootable);
	if (rep.err.code != code)
		fail_msg("expected %s, got %s: %s", charlie_err_name(code),
			 charlie_err_name(rep.err.code), rep.err.msg);
	assert_non_null(strstr(rep.err.msg, img->path));
}

static void probe_ok(void **state)
{
	struct kernel_image img = make_kernel();
	struct charlie_kernel_report rep;

	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_true(rep.bootable);
	assert_int_equal(rep.format, CHARLIE_KFMT_BZIMAGE);
	assert_int_equal(rep.protocol, 0x020f);
	assert_string_equal(rep.arch, "x86_64");
	assert_string_equal(rep.compression, "zstd");
	assert_string_equal(rep.version, "6.1.0-test (unit@charlie) #1");
	assert_true(rep.relocatable);
	assert_int_equal(rep.kernel_alignment, 0x200000);
	assert_int_equal(rep.init_size, 0x100000);
	assert_int_equal(rep.pref_address, 0x1000000);
	assert_int_equal(rep.cmdline_size, 2047);
	assert_int_equal(rep.initrd_addr_max, 0x7fffffff);
	assert_int_equal(rep.entry64, 0x200);
	assert_int_equal(rep.entry32, 0x100000);
	assert_false(rep.has_pvh_note);
}

static void probe_errors(void **state)
{
	struct kernel_image img;
	struct charlie_kernel_report rep;

	img = make_kernel();
	img.len = 0x240;
	expect(&img, CHARLIE_E_KERNEL_TOO_SMALL);
	img = make_kernel();
	p16(0x1fe, 0x1234);
	expect(&img, CHARLIE_E_KERNEL_BOOT_FLAG);
	kernel_probe(&img, &rep);
	assert_non_null(strstr(rep.err.msg, "0x1234, expected 0xaa55"));
	img = make_kernel();
	memcpy(k + 0x202, "HdrZ", 4);
	expect(&img, CHARLIE_E_KERNEL_HDRS);
	img = make_kernel();
	p16(0x206, 0x0205);
	expect(&img, CHARLIE_E_KERNEL_OLD_PROTOCOL);
	kernel_probe(&img, &rep);
	assert_non_null(strstr(rep.err.msg, "2.05"));
	img = make_kernel();
	k[0x1f1] = 64; /* 65 * 512 > 32 KiB */
	expect(&img, CHARLIE_E_KERNEL_SETUP_SECTS);
	img = make_kernel();
	k[0x1f1] = 0; /* 0 means 4: still fine */
	assert_int_equal(kernel_probe(&img, &rep), 0);
	img = make_kernel();
	img.len = 0x800; /* inside the setup code */
	expect(&img, CHARLIE_E_KERNEL_TRUNCATED);
	img = make_kernel();
	img.len = KLEN - 16; /* one paragraph short of syssize */
	expect(&img, CHARLIE_E_KERNEL_TRUNCATED);
	img = make_kernel();
	p32(0x24c, 0xffffffff); /* payload past the end */
	expect(&img, CHARLIE_E_KERNEL_TRUNCATED);
	img = make_kernel();
	p16(0x236, 0x7e);
	expect(&img, CHARLIE_E_KERNEL_NOT_64BIT);
	img = make_kernel();
	k[0x211] = 0;
	expect(&img, CHARLIE_E_KERNEL_NOT_64BIT);
	img = make_kernel();
	p32(0x230, 0x300000);
	expect(&img, CHARLIE_E_KERNEL_ALIGNMENT);
	img = make_kernel();
	k[0x235] = 22; /* min_alignment 4 MiB > kernel_alignment 2 MiB */
	expect(&img, CHARLIE_E_KERNEL_ALIGNMENT);
	img = make_kernel();
	k[0x234] = 0;
	p64(0x258, 0x80000);
	expect(&img, CHARLIE_E_KERNEL_NOT_RELOCATABLE);
	img = make_kernel();
	k[0x234] = 0; /* non-relocatable at 16 MiB is fine */
	assert_int_equal(kernel_probe(&img, &rep), 0);
	img = make_kernel();
	p32(0x260, 0);
	expect(&img, CHARLIE_E_KERNEL_INIT_SIZE);
}

static void other_formats(void **state)
{
	static const struct {
		const char *magic;
		size_t len;
		enum charlie_err code;
	} cases[] = {
		{"\x1f\x8b\x08", 3, CHARLIE_E_KERNEL_COMPRESSED_FILE},
		{"\xfd"
		 "7zXZ\0",
		 6, CHARLIE_E_KERNEL_COMPRESSED_FILE},
		{"\x28\xb5\x2f\xfd", 4, CHARLIE_E_KERNEL_COMPRESSED_FILE},
		{"BZh9", 4, CHARLIE_E_KERNEL_COMPRESSED_FILE},
		{"\x04\x22\x4d\x18", 4, CHARLIE_E_KERNEL_COMPRESSED_FILE},
		{"\x13\x57\x9b\xdf", 4, CHARLIE_E_KERNEL_UNKNOWN_FORMAT},
	};
	struct kernel_image img = {.path = "/x/f", .data = k, .len = 4096};
	struct charlie_kernel_report rep;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(k, 0x11, sizeof(k));
		memcpy(k, cases[i].magic, cases[i].len);
		expect(&img, cases[i].code);
	}
	kernel_probe(&img, &rep);
	assert_string_equal(rep.format_name, "unknown");

	memset(k, 0, sizeof(k));
	memcpy(k + 0x38, "ARM\x64", 4);
	k[0] = 'M';
	k[1] = 'Z';
	expect(&img, CHARLIE_E_KERNEL_ARM64);

	memset(k, 0, sizeof(k));
	k[0] = 'M';
	k[1] = 'Z';
	k[0x3c] = 0x80;
	memcpy(k + 0x80, "PE\0\0\x64\x86", 6);
	expect(&img, CHARLIE_E_KERNEL_PE_NOT_LINUX);
	img.len = 0x100; /* a cut-off bzImage is "too small", not "PE" */
	expect(&img, CHARLIE_E_KERNEL_TOO_SMALL);

	img.len = 0;
	img.data = NULL;
	expect(&img, CHARLIE_E_KERNEL_EMPTY);
}

static void fit(void **state)
{
	struct kernel_image img = make_kernel();
	struct charlie_kernel_report rep;
	struct charlie_error err;

	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_int_equal(
		kernel_check_fit(&rep, "/x/k", 64 * MIB, 2047, 0, &err), 0);
	assert_int_equal(
		kernel_check_fit(&rep, "/x/k", 64 * MIB, 2048, 0, &err), -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_CMDLINE_TOO_LONG);
	/* runs at 16 MiB with init_size 1 MiB: needs 17 MiB */
	assert_int_equal(kernel_check_fit(&rep, "/x/k", 17 * MIB, 0, 0, &err),
			 0);
	assert_int_equal(kernel_check_fit(&rep, "/x/k", 16 * MIB, 0, 0, &err),
			 -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_INIT_SIZE);
	assert_int_equal(
		kernel_check_fit(&rep, "/x/k", 64 * MIB, 0, 65 * MIB, &err),
		-22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_INITRD_TOO_BIG);
	/* fits in memory, not above the kernel's end at 17 MiB */
	assert_int_equal(
		kernel_check_fit(&rep, "/x/k", 64 * MIB, 0, 48 * MIB, &err),
		-22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_INITRD_ADDR);
	assert_int_equal(
		kernel_check_fit(&rep, "/x/k", 64 * MIB, 0, 47 * MIB, &err), 0);
	/* initrd_addr_max below the kernel's end */
	rep.initrd_addr_max = 0x00ffffff;
	assert_int_equal(
		kernel_check_fit(&rep, "/x/k", 64 * MIB, 0, 4096, &err), -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_INITRD_ADDR);
	/* memory 0: memory checks skipped */
	assert_int_equal(kernel_check_fit(&rep, "/x/k", 0, 0, 4096, &err), 0);
}

static void load(void **state)
{
	struct kernel_image img = make_kernel();
	uint8_t rd_data[8192];
	struct kernel_image rd = {
		.path = "/x/rd", .data = rd_data, .len = sizeof(rd_data)};
	struct charlie_kernel_report rep;
	struct charlie_error err;
	struct boot_entry e;
	struct gm gm;
	uint8_t *bp, *t;

	memset(rd_data, 0x5a, sizeof(rd_data));
	assert_int_equal(gm_init(&gm, 64 * MIB), 0);
	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_int_equal(
		kernel_load(&gm, &img, &rep, "console=ttyS0", &rd, 0, &e, &err),
		0);
	assert_int_equal(e.mode, BOOT_LINUX64);
	assert_int_equal(e.rip, 0x100200);
	assert_int_equal(e.info, X86_BOOT_PARAMS_ADDR);
	assert_memory_equal(gm_ptr(&gm, X86_KERNEL_ADDR, KLEN - SETUP_LEN),
			    k + SETUP_LEN, KLEN - SETUP_LEN);
	assert_string_equal((char *)gm_ptr(&gm, X86_CMDLINE_ADDR, 14),
			    "console=ttyS0");

	bp = gm_ptr(&gm, X86_BOOT_PARAMS_ADDR, 4096);
	assert_memory_equal(bp + 0x1f1, k + 0x1f1, 0x210 - 0x1f1);
	assert_memory_equal(bp + 0x202, "HdrS", 4);
	assert_int_equal(bp[0x210], 0xff); /* type_of_loader */
	assert_true(bp[0x211] & 1);	   /* LOADED_HIGH */
	assert_int_equal(g32(bp + 0x228), X86_CMDLINE_ADDR);
	assert_int_equal(g32(bp + 0x238), 2047); /* from the file */
	/* initrd: page-aligned, as high as possible below 64 MiB */
	assert_int_equal(g32(bp + 0x218), 64 * MIB - 8192);
	assert_int_equal(g32(bp + 0x21c), 8192);
	assert_memory_equal(gm_ptr(&gm, 64 * MIB - 8192, 8192), rd_data, 8192);
	/* e820 */
	assert_int_equal(bp[0x1e8], 3);
	t = bp + 0x2d0;
	assert_int_equal(g64(t), 0);
	assert_int_equal(g64(t + 8), X86_EBDA_START);
	assert_int_equal(g32(t + 16), E820_RAM);
	assert_int_equal(g64(t + 20), X86_EBDA_START);
	assert_int_equal(g64(t + 28), 0x100000 - X86_EBDA_START);
	assert_int_equal(g32(t + 36), E820_RESERVED);
	assert_int_equal(g64(t + 40), 0x100000);
	assert_int_equal(g64(t + 48), 63 * MIB);
	assert_int_equal(g32(t + 56), E820_RAM);
	assert_int_equal(g64(bp + 0x2d0 + 3 * 20 + 8), 0); /* no 4th entry */

	/* too long a command line is refused at load time too */
	{
		char *longc = malloc(3000);

		memset(longc, 'x', 2999);
		longc[2999] = 0;
		assert_int_equal(
			kernel_load(&gm, &img, &rep, longc, NULL, 0, &e, &err),
			-22);
		assert_int_equal(err.code, CHARLIE_E_KERNEL_CMDLINE_TOO_LONG);
		free(longc);
	}
	gm_free(&gm);

	/* 16 MiB of RAM: the kernel's runtime range does not fit */
	assert_int_equal(gm_init(&gm, 16 * MIB), 0);
	assert_int_equal(kernel_load(&gm, &img, &rep, NULL, NULL, 0, &e, &err),
			 -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_INIT_SIZE);
	gm_free(&gm);
}

static void load_two_regions(void **state)
{
	struct kernel_image img = make_kernel();
	static uint8_t high[4096];
	struct charlie_kernel_report rep;
	struct charlie_error err;
	struct boot_entry e;
	struct gm full, gm;
	uint8_t *t;

	/* low RAM from a real mapping, plus a fake 4 KiB region at 4 GiB */
	assert_int_equal(gm_init(&full, 32 * MIB), 0);
	struct gm_region r[2] = {
		full.r[0],
		{.gpa = GM_HIGH_RAM_START, .size = sizeof(high), .host = high},
	};
	gm_init_from(&gm, r, 2);
	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_int_equal(kernel_load(&gm, &img, &rep, NULL, NULL, 0, &e, &err),
			 0);
	t = gm_ptr(&gm, X86_BOOT_PARAMS_ADDR, 4096);
	assert_int_equal(t[0x1e8], 4);
	t += 0x2d0 + 3 * 20;
	assert_int_equal(g64(t), GM_HIGH_RAM_START);
	assert_int_equal(g64(t + 8), sizeof(high));
	assert_int_equal(g32(t + 16), E820_RAM);
	assert_int_equal(g32(gm_ptr(&gm, X86_BOOT_PARAMS_ADDR + 0x218, 4)), 0);
	assert_int_equal(*(uint8_t *)gm_ptr(&gm, X86_CMDLINE_ADDR, 1), 0);
	gm_free(&full);
}

static void read_file_errors(void **state)
{
	char dir[] = "/tmp/charlie-ut-XXXXXX", path[64];
	struct kernel_image img;
	struct charlie_error err;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(kernel_read_file(dir, &img, &err), -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_NOT_REGULAR);
	assert_non_null(strstr(err.msg, "directory"));
	snprintf(path, sizeof(path), "%s/empty", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(kernel_read_file(path, &img, &err), -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_EMPTY);
	f = fopen(path, "w");
	fputs("hello", f);
	fclose(f);
	assert_int_equal(kernel_read_file(path, &img, &err), 0);
	assert_int_equal(img.len, 5);
	assert_memory_equal(img.data, "hello", 5);
	kernel_image_free(&img);
	unlink(path);
	assert_int_equal(kernel_read_file(path, &img, &err), -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_OPEN);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe_ok),
		cmocka_unit_test(probe_errors),
		cmocka_unit_test(other_formats),
		cmocka_unit_test(fit),
		cmocka_unit_test(load),
		cmocka_unit_test(load_two_regions),
		cmocka_unit_test(read_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
