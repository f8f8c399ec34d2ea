// SPDX-License-Identifier: MIT
/* The crash report's guest page walk: guest-controlled tables, so every
 * entry pointing outside RAM must fail cleanly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "vm.h"

static uint8_t ram[8 << 20] __attribute__((aligned(4096)));
static struct gm gm;

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, 8);
}

static int setup(void **state)
{
	struct gm_region r = {.gpa = 0, .size = sizeof(ram), .host = ram};

	memset(ram, 0, sizeof(ram));
	gm_init_from(&gm, &r, 1);
	return 0;
}

static struct kvm_sregs long_mode(uint64_t cr3)
{
	struct kvm_sregs s;

	memset(&s, 0, sizeof(s));
	s.cr0 = 0x80000001;
	s.cr4 = 0x20;
	s.efer = 0x500;
	s.cr3 = cr3;
	return s;
}

static void no_paging_is_identity(void **state)
{
	struct kvm_sregs s;
	uint64_t gpa;

	memset(&s, 0, sizeof(s));
	s.cr0 = 1;
	assert_true(x86_linear_to_gpa(&gm, &s, 0x100019, &gpa));
	assert_int_equal(gpa, 0x100019);
}

static void four_level_4k_2m_1g(void **state)
{
	struct kvm_sregs s = long_mode(0x1000);
	uint64_t gpa;

	/* PML4[511] -> PDPT 0x2000; PDPT[510] -> PD 0x3000; PD[0] -> PT 0x4000
	 */
	put64(0x1000 + 511 * 8, 0x2000 | 3);
	put64(0x2000 + 510 * 8, 0x3000 | 3);
	put64(0x3000 + 0 * 8, 0x4000 | 3);
	put64(0x4000 + 5 * 8, 0x123000 | 3);
	/* 0xffffffff80005abc: PML4 511, PDPT 510, PD 0, PT 5 */
	assert_true(x86_linear_to_gpa(&gm, &s, 0xffffffff80005abcull, &gpa));
	assert_int_equal(gpa, 0x123abc);
	/* PD[1]: a 2 MiB page at 0x400000 */
	put64(0x3000 + 1 * 8, 0x400000 | 0x83);
	assert_true(x86_linear_to_gpa(&gm, &s, 0xffffffff80212345ull, &gpa));
	assert_int_equal(gpa, 0x412345);
	/* PDPT[0]: a 1 GiB page at 0 */
	put64(0x1000, 0x2000 | 3);
	put64(0x2000, 0x0 | 0x83);
	assert_true(x86_linear_to_gpa(&gm, &s, 0x3456789, &gpa));
	assert_int_equal(gpa, 0x3456789);
}

static void not_present_and_outside_ram_fail(void **state)
{
	struct kvm_sregs s = long_mode(0x1000);
	uint64_t gpa;

	assert_false(x86_linear_to_gpa(&gm, &s, 0x7000000000ull, &gpa));
	/* an entry pointing far outside guest RAM */
	put64(0x1000, 0x7fff00000000ull | 3);
	assert_false(x86_linear_to_gpa(&gm, &s, 0x1000, &gpa));
	/* CR3 itself outside RAM */
	s = long_mode(0xfffff000000ull);
	assert_false(x86_linear_to_gpa(&gm, &s, 0x1000, &gpa));
	/* CR3 at the very end of RAM: the entry read must not overrun */
	s = long_mode(sizeof(ram) - 4096);
	put64(sizeof(ram) - 8, 0x2000 | 3);
	assert_false(x86_linear_to_gpa(&gm, &s, 0xff8000000000ull, &gpa));
}

static void two_level_32bit(void **state)
{
	struct kvm_sregs s;
	uint32_t pde = 0x5000 | 3, pte = 0x6000 | 3, big = 0x400000 | 0x83;
	uint64_t gpa;

	memset(&s, 0, sizeof(s));
	s.cr0 = 0x80000001;
	s.cr3 = 0x1000;
	memcpy(ram + 0x1000 + 0x300 * 4, &pde, 4); /* 0xc0000000 */
	memcpy(ram + 0x5000 + 2 * 4, &pte, 4);
	assert_true(x86_linear_to_gpa(&gm, &s, 0xc0002010, &gpa));
	assert_int_equal(gpa, 0x6010);
	s.cr4 = 0x10; /* PSE: 4 MiB pages */
	memcpy(ram + 0x1000 + 0x301 * 4, &big, 4);
	assert_true(x86_linear_to_gpa(&gm, &s, 0xc0412345, &gpa));
	assert_int_equal(gpa, 0x412345);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(no_paging_is_identity, setup),
		cmocka_unit_test_setup(four_level_4k_2m_1g, setup),
		cmocka_unit_test_setup(not_present_and_outside_ram_fail, setup),
		cmocka_unit_test_setup(two_level_32bit, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
