// SPDX-License-Identifier: MIT
/*
 * Robustness of the kernel loaders against malformed images.
 *  - One case per mutation class (a table, one cmocka test per row): a
 *    valid bzImage header or ELF/PVH image with one field broken must be
 *    refused with that class's named error code (boot.rst, ELF gABI, the
 *    Xen PVH note), and the unbroken images must load.
 *  - Random byte mutations (deterministic seed) must never read or write
 *    outside the buffers and every refusal must carry a kernel error code
 *    with a message.  `make check` also runs this file built with ASan +
 *    UBSan (build/.../san-unit/test_boot_mutate_asan), so an out-of-bounds
 *    access is a failure, not luck.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "boot/kernel.h"

#define MIB    (1ull << 20)
#define ROUNDS 3000

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void put(uint8_t *p, unsigned int w, uint64_t v)
{
	for (unsigned int i = 0; i < w; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void make_bz(uint8_t *k, size_t len)
{
	memset(k, 0, len);
	k[0x1f1] = 4;
	put(k + 0x1f4, 4, (len - 2560) / 16);
	put(k + 0x1fe, 2, 0xaa55);
	k[0x201] = 0x6a;
	memcpy(k + 0x202, "HdrS", 4);
	put(k + 0x206, 2, 0x020f);
	put(k + 0x20e, 2, 0x100);
	memcpy(k + 0x300, "6.1.0-mutant", 12);
	k[0x211] = 1;
	put(k + 0x22c, 4, 0x7fffffff);
	put(k + 0x230, 4, 0x200000);
	k[0x234] = 1;
	k[0x235] = 21;
	put(k + 0x236, 2, 0x7f);
	put(k + 0x238, 4, 2047);
	put(k + 0x248, 4, 0x10);
	put(k + 0x24c, 4, 0x10);
	put(k + 0x258, 8, 0x200000);
	put(k + 0x260, 4, 0x100000);
}

static void make_elf(uint8_t *e, size_t len)
{
	uint8_t *ph = e + 64, *n = e + 0x200;

	memset(e, 0, len);
	memcpy(e,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	put(e + 16, 2, 2);
	put(e + 18, 2, 62);
	put(e + 20, 4, 1);
	put(e + 24, 8, 0x200000);
	put(e + 32, 8, 64);
	put(e + 52, 2, 64);
	put(e + 54, 2, 56);
	put(e + 56, 2, 2);
	put(ph, 4, 1);
	put(ph + 8, 8, 0x1000);
	put(ph + 24, 8, 0x200000);
	put(ph + 32, 8, 0x800);
	put(ph + 40, 8, 0x4000);
	put(ph + 56, 4, 4);
	put(ph + 56 + 8, 8, 0x200);
	put(ph + 56 + 32, 8, 24);
	put(ph + 56 + 48, 8, 4);
	put(n, 4, 4);
	put(n + 4, 4, 8);
	put(n + 8, 4, 18);
	memcpy(n + 12, "Xen", 4);
	put(n + 16, 8, 0x200010);
}

/* A refusal must carry a code about the kernel (or the memory it needs)
 * and a message: never CHARLIE_OK, a host or KVM error, or silence. */
static void assert_named(const struct charlie_error *err)
{
	assert_true((err->code >= CHARLIE_E_KERNEL_OPEN &&
		     err->code <= CHARLIE_E_KERNEL_UNKNOWN_FORMAT) ||
		    err->code == CHARLIE_E_MEMORY);
	assert_non_null(charlie_err_name(err->code));
	assert_true(err->msg[0] != 0);
}

/* Probe; if accepted, check against the VM; if that passes, load.
 * Returns the code of the first refusal, CHARLIE_OK when it loads. */
static enum charlie_err check_one(const struct kernel_image *img,
				  const struct kernel_image *initrd,
				  struct gm *gm, unsigned int *accepted)
{
	struct charlie_kernel_report rep;
	struct charlie_error err;
	struct boot_entry be;

	memset(&err, 0, sizeof(err));
	if (kernel_probe(img, &rep)) {
		assert_named(&rep.err);
		return rep.err.code;
	}
	(*accepted)++;
	if (kernel_check_fit(&rep, "/m", gm->total, 10, initrd->len, &err)) {
		assert_named(&err);
		return err.code;
	}
	if (kernel_load(gm, img, &rep, "console=x", initrd, 0, &be, &err)) {
		assert_named(&err);
		return err.code;
	}
	return CHARLIE_OK;
}

/* Mutates 1..8 bytes in [0, span) (sometimes whole little-endian words
 * of extreme values), then probes and, if accepted, loads. */
static void run(void (*make)(uint8_t *, size_t), size_t len, size_t span,
		struct gm *gm)
{
	uint8_t *buf = malloc(len), rd[64] = {1};
	struct kernel_image img = {.path = "/m", .data = buf, .len = len};
	struct kernel_image initrd = {
		.path = "/rd", .data = rd, .len = sizeof(rd)};
	unsigned int accepted = 0;

	assert_non_null(buf);
	for (unsigned int r = 0; r < ROUNDS; r++) {
		unsigned int n = 1 + rnd() % 8;

		make(buf, len);
		for (unsigned int i = 0; i < n; i++) {
			size_t off = rnd() % span;

			if (rnd() % 4 == 0 && off + 8 <= len)
				put(buf + off, 8,
				    rnd() % 2 ? UINT64_MAX - rnd() % 64
					      : (uint64_t)rnd() << 20);
			else
				buf[off] = (uint8_t)rnd();
		}
		/* an exact-size copy, so ASan sees any read past the end */
		img.len = rnd() % 16 == 0 ? 1 + rnd() % (len - 1) : len;
		img.data = malloc(img.len);
		assert_non_null(img.data);
		memcpy(img.data, buf, img.len);
		check_one(&img, &initrd, gm, &accepted);
		free(img.data);
	}
	assert_true(accepted > 0);
	free(buf);
}

/* One mutation class: up to two little-endian fields patched into a valid
 * image (and the file cut to len when len is non-zero), and the error
 * code the loaders must name. */
struct mcase {
	const char *name;
	void (*make)(uint8_t *, size_t);
	size_t size, len;
	struct {
		size_t off;
		unsigned int w;
		uint64_t v;
	} p[2];
	enum charlie_err want;
};

#define BZ  make_bz, 0x4000
#define ELF make_elf, 0x2000
/* ELF offsets: program headers at 64 (PT_LOAD, then PT_NOTE), note at
 * 0x200. */
#define PH_LOAD 64
static const struct mcase mcases[] = {
	{"bz/valid", BZ, 0, {{0}}, CHARLIE_OK},
	{"bz/too-small", BZ, 0x100, {{0}}, CHARLIE_E_KERNEL_TOO_SMALL},
	{"bz/boot-flag",
	 BZ,
	 0,
	 {{0x1fe, 2, 0x1234}},
	 CHARLIE_E_KERNEL_BOOT_FLAG},
	{"bz/hdrs", BZ, 0, {{0x202, 4, 0}}, CHARLIE_E_KERNEL_HDRS},
	{"bz/old-protocol",
	 BZ,
	 0,
	 {{0x206, 2, 0x0205}},
	 CHARLIE_E_KERNEL_OLD_PROTOCOL},
	{"bz/setup-sects",
	 BZ,
	 0,
	 {{0x1f1, 1, 0xff}},
	 CHARLIE_E_KERNEL_SETUP_SECTS},
	{"bz/syssize",
	 BZ,
	 0,
	 {{0x1f4, 4, 0x10000}},
	 CHARLIE_E_KERNEL_TRUNCATED},
	{"bz/setup-cut", BZ, 0x900, {{0}}, CHARLIE_E_KERNEL_TRUNCATED},
	{"bz/payload-outside",
	 BZ,
	 0,
	 {{0x248, 4, 0x7ffff000}},
	 CHARLIE_E_KERNEL_TRUNCATED},
	{"bz/not-loaded-high",
	 BZ,
	 0,
	 {{0x211, 1, 0}},
	 CHARLIE_E_KERNEL_NOT_64BIT},
	{"bz/no-xlf-kernel64",
	 BZ,
	 0,
	 {{0x236, 2, 0x7e}},
	 CHARLIE_E_KERNEL_NOT_64BIT},
	{"bz/alignment",
	 BZ,
	 0,
	 {{0x230, 4, 0x300000}},
	 CHARLIE_E_KERNEL_ALIGNMENT},
	{"bz/min-alignment",
	 BZ,
	 0,
	 {{0x235, 1, 22}},
	 CHARLIE_E_KERNEL_ALIGNMENT},
	{"bz/init-size-zero",
	 BZ,
	 0,
	 {{0x260, 4, 0}},
	 CHARLIE_E_KERNEL_INIT_SIZE},
	{"bz/init-size-huge",
	 BZ,
	 0,
	 {{0x260, 4, 0x40000000}},
	 CHARLIE_E_KERNEL_INIT_SIZE},
	{"bz/not-relocatable-low",
	 BZ,
	 0,
	 {{0x234, 1, 0}, {0x258, 8, 0x80000}},
	 CHARLIE_E_KERNEL_NOT_RELOCATABLE},
	{"elf/valid", ELF, 0, {{0}}, CHARLIE_OK},
	{"elf/arch", ELF, 0, {{18, 2, 183}}, CHARLIE_E_KERNEL_ELF_ARCH},
	{"elf/no-pvh-note",
	 ELF,
	 0,
	 {{0x200 + 8, 4, 17}},
	 CHARLIE_E_KERNEL_ELF_NO_PVH},
	{"elf/phentsize", ELF, 0, {{54, 2, 40}}, CHARLIE_E_KERNEL_ELF_BAD},
	{"elf/segment-below-1mib",
	 ELF,
	 0,
	 {{PH_LOAD + 24, 8, 0x8000}},
	 CHARLIE_E_KERNEL_ELF_SEGMENT},
	{"elf/segment-outside-file",
	 ELF,
	 0,
	 {{PH_LOAD + 8, 8, 0x100000}},
	 CHARLIE_E_KERNEL_ELF_SEGMENT},
};
#define NCASES (sizeof(mcases) / sizeof(mcases[0]))

static void mutation_class(void **state)
{
	const struct mcase *c = *state;
	uint8_t *buf = malloc(c->size), rd[64] = {1};
	struct kernel_image img = {.path = "/m", .data = buf, .len = c->size};
	struct kernel_image initrd = {
		.path = "/rd", .data = rd, .len = sizeof(rd)};
	unsigned int accepted = 0;
	struct gm gm;

	assert_non_null(buf);
	assert_int_equal(gm_init(&gm, 24 * MIB), 0);
	c->make(buf, c->size);
	for (unsigned int i = 0; i < 2; i++)
		if (c->p[i].w)
			put(buf + c->p[i].off, c->p[i].w, c->p[i].v);
	if (c->len)
		img.len = c->len;
	assert_string_equal(
		charlie_err_name(check_one(&img, &initrd, &gm, &accepted)),
		charlie_err_name(c->want));
	gm_free(&gm);
	free(buf);
}

static void mutate_bzimage(void **state)
{
	struct gm gm;

	assert_int_equal(gm_init(&gm, 24 * MIB), 0);
	run(make_bz, 0x4000, 0x300, &gm);
	gm_free(&gm);
}

static void mutate_elf(void **state)
{
	struct gm gm;

	assert_int_equal(gm_init(&gm, 24 * MIB), 0);
	run(make_elf, 0x2000, 0x240, &gm);
	gm_free(&gm);
}

int main(void)
{
	struct CMUnitTest tests[NCASES + 2];
	size_t n = 0;

	for (size_t i = 0; i < NCASES; i++)
		tests[n++] = (struct CMUnitTest){
			.name = mcases[i].name,
			.test_func = mutation_class,
			.initial_state = (void *)&mcases[i],
		};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(mutate_bzimage);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(mutate_elf);
	return _cmocka_run_group_tests("test_boot_mutate", tests, n, NULL,
				       NULL);
}
