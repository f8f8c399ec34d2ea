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

/* PML4[511] -> PDPT 0x2000; PDPT[510] -> PD 0x3000 */
static void map_top_2g(void)
{
	put64(0x1000 + 511 * 8, 0x2000 | 3);
	put64(0x2000 + 510 * 8, 0x3000 | 3);
}

static void four_level_4k_page(void **state)
{
	struct kvm_sregs s = long_mode(0x1000);
	uint64_t gpa;

	/* PD[0] -> PT 0x4000 */
	map_top_2g();
	put64(0x3000 + 0 * 8, 0x4000 | 3);
	put64(0x4000 + 5 * 8, 0x123000 | 3);
	/* 0xffffffff80005abc: PML4 511, PDPT 510, PD 0, PT 5 */
	assert_true(x86_linear_to_gpa(&gm, &s, 0xffffffff80005abcull, &gpa));
	assert_int_equal(gpa, 0x123abc);
}

static void four_level_2m_page(void **state)
{
	struct kvm_sregs s = long_mode(0x1000);
	uint64_t gpa;

	/* PD[1]: a 2 MiB page at 0x400000 */
	map_top_2g();
	put64(0x3000 + 1 * 8, 0x400000 | 0x83);
	assert_true(x86_linear_to_gpa(&gm, &s, 0xffffffff80212345ull, &gpa));
	assert_int_equal(gpa, 0x412345);
}

static void four_level_1g_page(void **state)
{
	struct kvm_sregs s = long_mode(0x1000);
	uint64_t gpa;

	/* PML4[0] -> PDPT 0x2000; PDPT[0]: a 1 GiB page at 0 */
	put64(0x1000, 0x2000 | 3);
	put64(0x2000, 0x0 | 0x83);
	assert_true(x86_linear_to_gpa(&gm, &s, 0x3456789, &gpa));
	assert_int_equal(gpa, 0x3456789);
}

static void not_present_fails(void **state)
{
	struct kvm_sregs s = long_mode(0x1000);
	uint64_t gpa;

	assert_false(x86_linear_to_gpa(&gm, &s, 0x7000000000ull, &gpa));
}

/* an entry pointing far outside guest RAM */
static void entry_outside_ram_fails(void **state)
{
	struct kvm_sregs s = long_mode(0x1000);
	uint64_t gpa;

	put64(0x1000, 0x7fff00000000ull | 3);
	assert_false(x86_linear_to_gpa(&gm, &s, 0x1000, &gpa));
}

static void cr3_outside_ram_fails(void **state)
{
	struct kvm_sregs s = long_mode(0xfffff000000ull);
	uint64_t gpa;

	assert_false(x86_linear_to_gpa(&gm, &s, 0x1000, &gpa));
}

/* CR3 at the very end of RAM: the entry read must not overrun */
static void cr3_at_ram_end_fails_without_overrun(void **state)
{
	struct kvm_sregs s = long_mode(sizeof(ram) - 4096);
	uint64_t gpa;

	put64(sizeof(ram) - 8, 0x2000 | 3);
	assert_false(x86_linear_to_gpa(&gm, &s, 0xff8000000000ull, &gpa));
}

static struct kvm_sregs protected_paging(void)
{
	struct kvm_sregs s;

	memset(&s, 0, sizeof(s));
	s.cr0 = 0x80000001;
	s.cr3 = 0x1000;
	return s;
}

static void two_level_32bit_4k_page(void **state)
{
	struct kvm_sregs s = protected_paging();
	uint32_t pde = 0x5000 | 3, pte = 0x6000 | 3;
	uint64_t gpa;

	memcpy(ram + 0x1000 + 0x300 * 4, &pde, 4); /* 0xc0000000 */
	memcpy(ram + 0x5000 + 2 * 4, &pte, 4);
	assert_true(x86_linear_to_gpa(&gm, &s, 0xc0002010, &gpa));
	assert_int_equal(gpa, 0x6010);
}

static void two_level_32bit_pse_4m_page(void **state)
{
	struct kvm_sregs s = protected_paging();
	uint32_t big = 0x400000 | 0x83;
	uint64_t gpa;

	s.cr4 = 0x10; /* PSE: 4 MiB pages */
	memcpy(ram + 0x1000 + 0x301 * 4, &big, 4);
	assert_true(x86_linear_to_gpa(&gm, &s, 0xc0412345, &gpa));
	assert_int_equal(gpa, 0x412345);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(no_paging_is_identity, setup),
		cmocka_unit_test_setup(four_level_4k_page, setup),
		cmocka_unit_test_setup(four_level_2m_page, setup),
		cmocka_unit_test_setup(four_level_1g_page, setup),
		cmocka_unit_test_setup(not_present_fails, setup),
		cmocka_unit_test_setup(entry_outside_ram_fails, setup),
		cmocka_unit_test_setup(cr3_outside_ram_fails, setup),
		cmocka_unit_test_setup(cr3_at_ram_end_fails_without_overrun,
				       setup),
		cmocka_unit_test_setup(two_level_32bit_4k_page, setup),
		cmocka_unit_test_setup(two_level_32bit_pse_4m_page, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
