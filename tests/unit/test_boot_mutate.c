// SPDX-License-Identifier: MIT
/*
 * Robustness: random byte mutations of a valid bzImage header and of a
 * valid ELF/PVH image must never read or write outside the buffers (run
 * under ASan/UBSan with `make check SANITIZE=1`): probe either refuses
 * with a named kernel error or accepts, and an accepted image either
 * loads or is refused with a named error.  Deterministic seed.
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

/* Probe; if accepted, check against the VM; if that passes, load. */
static void check_one(const struct kernel_image *img,
		      const struct kernel_image *initrd, struct gm *gm,
		      unsigned int *accepted)
{
	struct charlie_kernel_report rep;
	struct charlie_error err;
	struct boot_entry be;

	if (kernel_probe(img, &rep)) {
		assert_int_not_equal(rep.err.code, CHARLIE_OK);
		return;
	}
	(*accepted)++;
	if (kernel_check_fit(&rep, "/m", gm->total, 10, initrd->len, &err))
		return;
	if (kernel_load(gm, img, &rep, "console=x", initrd, &be, &err))
		assert_int_not_equal(err.code, CHARLIE_OK);
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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mutate_bzimage),
		cmocka_unit_test(mutate_elf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
