// SPDX-License-Identifier: MIT
/* bzImage probe/check_fit/load on synthetic setup headers (boot.rst),
 * the formats named on the way, and kernel_read_file.  One case per test:
 * each row of the tables below is registered as its own test. */
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

static void bzimage_probe_reports_header_fields(void **state)
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

/* One probe refusal: a valid bzImage with up to two little-endian fields
 * of w bytes at off patched to v (and, when len is non-zero, the file cut
 * to len); the error code the probe must name and, when msg is set, text
 * its message must hold. */
struct probe_case {
	const char *name;
	struct {
		unsigned int off, w;
		uint64_t v;
	} p[2];
	size_t len;
	enum charlie_err want;
	const char *msg;
};

static const struct probe_case probe_cases[] = {
	{"bzimage_rejects_file_shorter_than_header",
	 {{0}},
	 0x240,
	 CHARLIE_E_KERNEL_TOO_SMALL,
	 NULL},
	{"bzimage_rejects_bad_boot_flag",
	 {{0x1fe, 2, 0x1234}},
	 0,
	 CHARLIE_E_KERNEL_BOOT_FLAG,
	 "0x1234, expected 0xaa55"},
	/* "HdrS" becomes "HdrZ" */
	{"bzimage_rejects_bad_hdrs_magic",
	 {{0x205, 1, 'Z'}},
	 0,
	 CHARLIE_E_KERNEL_HDRS,
	 NULL},
	{"bzimage_rejects_old_protocol",
	 {{0x206, 2, 0x0205}},
	 0,
	 CHARLIE_E_KERNEL_OLD_PROTOCOL,
	 "2.05"},
	/* 65 * 512 > 32 KiB */
	{"bzimage_rejects_too_many_setup_sects",
	 {{0x1f1, 1, 64}},
	 0,
	 CHARLIE_E_KERNEL_SETUP_SECTS,
	 NULL},
	/* inside the setup code */
	{"bzimage_rejects_file_cut_in_setup_code",
	 {{0}},
	 0x800,
	 CHARLIE_E_KERNEL_TRUNCATED,
	 NULL},
	/* one paragraph short of syssize */
	{"bzimage_rejects_file_short_of_syssize",
	 {{0}},
	 KLEN - 16,
	 CHARLIE_E_KERNEL_TRUNCATED,
	 NULL},
	/* payload past the end */
	{"bzimage_rejects_payload_past_end",
	 {{0x24c, 4, 0xffffffff}},
	 0,
	 CHARLIE_E_KERNEL_TRUNCATED,
	 NULL},
	{"bzimage_rejects_missing_xlf_kernel_64",
	 {{0x236, 2, 0x7e}},
	 0,
	 CHARLIE_E_KERNEL_NOT_64BIT,
	 NULL},
	{"bzimage_rejects_not_loaded_high",
	 {{0x211, 1, 0}},
	 0,
	 CHARLIE_E_KERNEL_NOT_64BIT,
	 NULL},
	{"bzimage_rejects_kernel_alignment_not_power_of_two",
	 {{0x230, 4, 0x300000}},
	 0,
	 CHARLIE_E_KERNEL_ALIGNMENT,
	 NULL},
	/* min_alignment 4 MiB > kernel_alignment 2 MiB */
	{"bzimage_rejects_min_alignment_above_kernel_alignment",
	 {{0x235, 1, 22}},
	 0,
	 CHARLIE_E_KERNEL_ALIGNMENT,
	 NULL},
	/* not relocatable, pref_address 512 KiB */
	{"bzimage_rejects_non_relocatable_below_1mib",
	 {{0x234, 1, 0}, {0x258, 8, 0x80000}},
	 0,
	 CHARLIE_E_KERNEL_NOT_RELOCATABLE,
	 NULL},
	{"bzimage_rejects_zero_init_size",
	 {{0x260, 4, 0}},
	 0,
	 CHARLIE_E_KERNEL_INIT_SIZE,
	 NULL},
};
#define NPROBE (sizeof(probe_cases) / sizeof(probe_cases[0]))

static void bzimage_probe_rejects(void **state)
{
	const struct probe_case *c = *state;
	struct kernel_image img = make_kernel();
	struct charlie_kernel_report rep;

	for (unsigned int i = 0; i < 2; i++)
		for (unsigned int j = 0; j < c->p[i].w; j++)
			k[c->p[i].off + j] = (uint8_t)(c->p[i].v >> (8 * j));
	if (c->len)
		img.len = c->len;
	expect(&img, c->want);
	if (c->msg) {
		kernel_probe(&img, &rep);
		assert_non_null(strstr(rep.err.msg, c->msg));
	}
}

static void bzimage_accepts_zero_setup_sects_as_four(void **state)
{
	struct kernel_image img = make_kernel();
	struct charlie_kernel_report rep;

	k[0x1f1] = 0; /* 0 means 4: still fine */
	assert_int_equal(kernel_probe(&img, &rep), 0);
}

static void bzimage_accepts_non_relocatable_at_16mib(void **state)
{
	struct kernel_image img = make_kernel();
	struct charlie_kernel_report rep;

	k[0x234] = 0; /* non-relocatable at 16 MiB is fine */
	assert_int_equal(kernel_probe(&img, &rep), 0);
}

/* A compressed file where a kernel should be: named, not "bad kernel". */
struct magic_case {
	const char *name;
	const char *magic;
	size_t len;
};

static const struct magic_case magic_cases[] = {
	{"probe_rejects_gzip_file", "\x1f\x8b\x08", 3},
	{"probe_rejects_xz_file",
	 "\xfd"
	 "7zXZ\0",
	 6},
	{"probe_rejects_zstd_file", "\x28\xb5\x2f\xfd", 4},
	{"probe_rejects_bzip2_file", "BZh9", 4},
	{"probe_rejects_lz4_file", "\x04\x22\x4d\x18", 4},
};
#define NMAGIC (sizeof(magic_cases) / sizeof(magic_cases[0]))

static struct kernel_image other_file(void)
{
	struct kernel_image img = {.path = "/x/f", .data = k, .len = 4096};

	memset(k, 0x11, sizeof(k));
	return img;
}

static void probe_rejects_compressed_file(void **state)
{
	const struct magic_case *c = *state;
	struct kernel_image img = other_file();

	memcpy(k, c->magic, c->len);
	expect(&img, CHARLIE_E_KERNEL_COMPRESSED_FILE);
}

static void probe_rejects_unknown_magic(void **state)
{
	struct kernel_image img = other_file();
	struct charlie_kernel_report rep;

	memcpy(k, "\x13\x57\x9b\xdf", 4);
	expect(&img, CHARLIE_E_KERNEL_UNKNOWN_FORMAT);
	kernel_probe(&img, &rep);
	assert_string_equal(rep.format_name, "unknown");
}

static void probe_rejects_arm64_image(void **state)
{
	struct kernel_image img = other_file();

	memset(k, 0, sizeof(k));
	memcpy(k + 0x38, "ARM\x64", 4);
	k[0] = 'M';
	k[1] = 'Z';
	expect(&img, CHARLIE_E_KERNEL_ARM64);
}

/* An x86-64 PE file without a Linux setup header. */
static struct kernel_image pe_file(void)
{
	struct kernel_image img = other_file();

	memset(k, 0, sizeof(k));
	k[0] = 'M';
	k[1] = 'Z';
	k[0x3c] = 0x80;
	memcpy(k + 0x80, "PE\0\0\x64\x86", 6);
	return img;
}

static void probe_rejects_pe_not_linux(void **state)
{
	struct kernel_image img = pe_file();

	expect(&img, CHARLIE_E_KERNEL_PE_NOT_LINUX);
}

/* a cut-off bzImage is "too small", not "PE" */
static void probe_rejects_cut_off_pe_as_too_small(void **state)
{
	struct kernel_image img = pe_file();

	img.len = 0x100;
	expect(&img, CHARLIE_E_KERNEL_TOO_SMALL);
}

static void probe_rejects_empty_file(void **state)
{
	struct kernel_image img = other_file();

	img.len = 0;
	img.data = NULL;
	expect(&img, CHARLIE_E_KERNEL_EMPTY);
}

/* One kernel_check_fit of the probed bzImage (runs at 16 MiB with
 * init_size 1 MiB, so its end is at 17 MiB); initrd_addr_max, when
 * non-zero, replaces the file's; CHARLIE_OK when it must fit. */
struct fit_case {
	const char *name;
	uint64_t memory, cmdline_len, initrd_len;
	uint32_t initrd_addr_max;
	enum charlie_err want;
};

static const struct fit_case fit_cases[] = {
	{"bzimage_fit_accepts_cmdline_of_cmdline_size", 64 * MIB, 2047, 0, 0,
	 CHARLIE_OK},
	{"bzimage_fit_rejects_cmdline_over_cmdline_size", 64 * MIB, 2048, 0, 0,
	 CHARLIE_E_KERNEL_CMDLINE_TOO_LONG},
	/* needs 17 MiB */
	{"bzimage_fit_accepts_memory_covering_init_size", 17 * MIB, 0, 0, 0,
	 CHARLIE_OK},
	{"bzimage_fit_rejects_memory_short_of_init_size", 16 * MIB, 0, 0, 0,
	 CHARLIE_E_KERNEL_INIT_SIZE},
	{"bzimage_fit_rejects_initrd_larger_than_memory", 64 * MIB, 0, 65 * MIB,
	 0, CHARLIE_E_KERNEL_INITRD_TOO_BIG},
	/* fits in memory, not above the kernel's end at 17 MiB */
	{"bzimage_fit_rejects_initrd_not_fitting_above_kernel", 64 * MIB, 0,
	 48 * MIB, 0, CHARLIE_E_KERNEL_INITRD_ADDR},
	{"bzimage_fit_accepts_initrd_fitting_above_kernel", 64 * MIB, 0,
	 47 * MIB, 0, CHARLIE_OK},
	/* initrd_addr_max below the kernel's end */
	{"bzimage_fit_rejects_initrd_addr_max_below_kernel_end", 64 * MIB, 0,
	 4096, 0x00ffffff, CHARLIE_E_KERNEL_INITRD_ADDR},
	/* memory 0: memory checks skipped, initrd_addr_max's too */
	{"bzimage_fit_skips_memory_checks_without_memory", 0, 0, 4096,
	 0x00ffffff, CHARLIE_OK},
};
#define NFIT (sizeof(fit_cases) / sizeof(fit_cases[0]))

static void bzimage_fit(void **state)
{
	const struct fit_case *c = *state;
	struct kernel_image img = make_kernel();
	struct charlie_kernel_report rep;
	struct charlie_error err;

	assert_int_equal(kernel_probe(&img, &rep), 0);
	if (c->initrd_addr_max)
		rep.initrd_addr_max = c->initrd_addr_max;
	if (c->want == CHARLIE_OK) {
		assert_int_equal(kernel_check_fit(&rep, "/x/k", c->memory,
						  c->cmdline_len, c->initrd_len,
						  &err),
				 0);
		return;
	}
	assert_int_equal(kernel_check_fit(&rep, "/x/k", c->memory,
					  c->cmdline_len, c->initrd_len, &err),
			 -22);
	assert_int_equal(err.code, c->want);
}

static uint8_t rd_data[8192];

/* The bzImage loaded into 64 MiB with an 8 KiB initrd and a command line;
 * returns the boot_params page. */
static uint8_t *load_ok(struct gm *gm, struct boot_entry *e)
{
	struct kernel_image img = make_kernel();
	struct kernel_image rd = {
		.path = "/x/rd", .data = rd_data, .len = sizeof(rd_data)};
	struct charlie_kernel_report rep;
	struct charlie_error err;

	memset(rd_data, 0x5a, sizeof(rd_data));
	assert_int_equal(gm_init(gm, 64 * MIB), 0);
	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_int_equal(
		kernel_load(gm, &img, &rep, "console=ttyS0", &rd, 0, e, &err),
		0);
	return gm_ptr(gm, X86_BOOT_PARAMS_ADDR, 4096);
}

static void bzimage_load_enters_64bit_entry(void **state)
{
	struct boot_entry e;
	struct gm gm;

	load_ok(&gm, &e);
	assert_int_equal(e.mode, BOOT_LINUX64);
	assert_int_equal(e.rip, 0x100200);
	assert_int_equal(e.info, X86_BOOT_PARAMS_ADDR);
	gm_free(&gm);
}

static void bzimage_load_copies_protected_mode_code(void **state)
{
	struct boot_entry e;
	struct gm gm;

	load_ok(&gm, &e);
	assert_memory_equal(gm_ptr(&gm, X86_KERNEL_ADDR, KLEN - SETUP_LEN),
			    k + SETUP_LEN, KLEN - SETUP_LEN);
	gm_free(&gm);
}

static void bzimage_load_copies_cmdline(void **state)
{
	struct boot_entry e;
	struct gm gm;

	load_ok(&gm, &e);
	assert_string_equal((char *)gm_ptr(&gm, X86_CMDLINE_ADDR, 14),
			    "console=ttyS0");
	gm_free(&gm);
}

static void bzimage_load_fills_setup_header(void **state)
{
	struct boot_entry e;
	struct gm gm;
	uint8_t *bp = load_ok(&gm, &e);

	assert_memory_equal(bp + 0x1f1, k + 0x1f1, 0x210 - 0x1f1);
	assert_memory_equal(bp + 0x202, "HdrS", 4);
	assert_int_equal(bp[0x210], 0xff); /* type_of_loader */
	assert_true(bp[0x211] & 1);	   /* LOADED_HIGH */
	assert_int_equal(g32(bp + 0x228), X86_CMDLINE_ADDR);
	assert_int_equal(g32(bp + 0x238), 2047); /* from the file */
	gm_free(&gm);
}

/* initrd: page-aligned, as high as possible below 64 MiB */
static void bzimage_load_places_initrd_high(void **state)
{
	struct boot_entry e;
	struct gm gm;
	uint8_t *bp = load_ok(&gm, &e);

	assert_int_equal(g32(bp + 0x218), 64 * MIB - 8192);
	assert_int_equal(g32(bp + 0x21c), 8192);
	assert_memory_equal(gm_ptr(&gm, 64 * MIB - 8192, 8192), rd_data, 8192);
	gm_free(&gm);
}

static void bzimage_load_writes_e820(void **state)
{
	struct boot_entry e;
	struct gm gm;
	uint8_t *bp = load_ok(&gm, &e), *t;

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
	gm_free(&gm);
}

/* too long a command line is refused at load time too */
static void bzimage_load_rejects_cmdline_over_cmdline_size(void **state)
{
	struct kernel_image img = make_kernel();
	struct charlie_kernel_report rep;
	struct charlie_error err;
	struct boot_entry e;
	struct gm gm;
	char *longc = malloc(3000);

	assert_non_null(longc);
	memset(longc, 'x', 2999);
	longc[2999] = 0;
	assert_int_equal(gm_init(&gm, 64 * MIB), 0);
	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_int_equal(kernel_load(&gm, &img, &rep, longc, NULL, 0, &e, &err),
			 -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_CMDLINE_TOO_LONG);
	free(longc);
	gm_free(&gm);
}

/* 16 MiB of RAM: the kernel's runtime range does not fit */
static void bzimage_load_rejects_memory_short_of_init_size(void **state)
{
	struct kernel_image img = make_kernel();
	struct charlie_kernel_report rep;
	struct charlie_error err;
	struct boot_entry e;
	struct gm gm;

	assert_int_equal(gm_init(&gm, 16 * MIB), 0);
	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_int_equal(kernel_load(&gm, &img, &rep, NULL, NULL, 0, &e, &err),
			 -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_INIT_SIZE);
	gm_free(&gm);
}

static void bzimage_load_adds_high_region_to_e820(void **state)
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

/* A fresh directory for each read_file test, with path a name in it. */
static char dir[32], path[64];

static int tmp_setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/charlie-ut-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kernel", dir);
	return 0;
}

static int tmp_teardown(void **state)
{
	unlink(path);
	rmdir(dir);
	return 0;
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void read_file_rejects_directory(void **state)
{
	struct kernel_image img;
	struct charlie_error err;

	assert_int_equal(kernel_read_file(dir, &img, &err), -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_NOT_REGULAR);
	assert_non_null(strstr(err.msg, "directory"));
}

static void read_file_rejects_empty_file(void **state)
{
	struct kernel_image img;
	struct charlie_error err;

	write_file("");
	assert_int_equal(kernel_read_file(path, &img, &err), -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_EMPTY);
}

static void read_file_reads_whole_file(void **state)
{
	struct kernel_image img;
	struct charlie_error err;

	write_file("hello");
	assert_int_equal(kernel_read_file(path, &img, &err), 0);
	assert_int_equal(img.len, 5);
	assert_memory_equal(img.data, "hello", 5);
	kernel_image_free(&img);
}

static void read_file_rejects_missing_file(void **state)
{
	struct kernel_image img;
	struct charlie_error err;

	assert_int_equal(kernel_read_file(path, &img, &err), -22);
	assert_int_equal(err.code, CHARLIE_E_KERNEL_OPEN);
}

#define TMP_TEST(f) cmocka_unit_test_setup_teardown(f, tmp_setup, tmp_teardown)

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(bzimage_probe_reports_header_fields),
		cmocka_unit_test(bzimage_accepts_zero_setup_sects_as_four),
		cmocka_unit_test(bzimage_accepts_non_relocatable_at_16mib),
		cmocka_unit_test(probe_rejects_unknown_magic),
		cmocka_unit_test(probe_rejects_arm64_image),
		cmocka_unit_test(probe_rejects_pe_not_linux),
		cmocka_unit_test(probe_rejects_cut_off_pe_as_too_small),
		cmocka_unit_test(probe_rejects_empty_file),
		cmocka_unit_test(bzimage_load_enters_64bit_entry),
		cmocka_unit_test(bzimage_load_copies_protected_mode_code),
		cmocka_unit_test(bzimage_load_copies_cmdline),
		cmocka_unit_test(bzimage_load_fills_setup_header),
		cmocka_unit_test(bzimage_load_places_initrd_high),
		cmocka_unit_test(bzimage_load_writes_e820),
		cmocka_unit_test(
			bzimage_load_rejects_cmdline_over_cmdline_size),
		cmocka_unit_test(
			bzimage_load_rejects_memory_short_of_init_size),
		cmocka_unit_test(bzimage_load_adds_high_region_to_e820),
		TMP_TEST(read_file_rejects_directory),
		TMP_TEST(read_file_rejects_empty_file),
		TMP_TEST(read_file_reads_whole_file),
		TMP_TEST(read_file_rejects_missing_file),
	};
	struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) + NPROBE +
				NMAGIC + NFIT];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		tests[n++] = fixed[i];
	for (size_t i = 0; i < NPROBE; i++)
		tests[n++] = (struct CMUnitTest){
			.name = probe_cases[i].name,
			.test_func = bzimage_probe_rejects,
			.initial_state = (void *)&probe_cases[i],
		};
	for (size_t i = 0; i < NMAGIC; i++)
		tests[n++] = (struct CMUnitTest){
			.name = magic_cases[i].name,
			.test_func = probe_rejects_compressed_file,
			.initial_state = (void *)&magic_cases[i],
		};
	for (size_t i = 0; i < NFIT; i++)
		tests[n++] = (struct CMUnitTest){
			.name = fit_cases[i].name,
			.test_func = bzimage_fit,
			.initial_state = (void *)&fit_cases[i],
		};
	return _cmocka_run_group_tests("test_boot_bzimage", tests, n, NULL,
				       NULL);
}
