// SPDX-License-Identifier: MIT
/* The checked translator: every range must lie wholly inside one region. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "gm.h"

static uint8_t low[4096], high[4096];

static void setup_gm(struct gm *gm)
{
	struct gm_region r[2] = {
		{.gpa = 0, .size = sizeof(low), .host = low},
		{.gpa = 0x100000000ull, .size = sizeof(high), .host = high},
	};
	gm_init_from(gm, r, 2);
}

static void inside_ok(void **state)
{
	struct gm gm;

	setup_gm(&gm);
	assert_ptr_equal(gm_ptr(&gm, 0, 4096), low);
	assert_ptr_equal(gm_ptr(&gm, 4095, 1), low + 4095);
	assert_ptr_equal(gm_ptr(&gm, 0x100000010ull, 16), high + 16);
	assert_int_equal(gm.total, 8192);
}

static void outside_rejected(void **state)
{
	struct gm gm;

	setup_gm(&gm);
	assert_null(gm_ptr(&gm, 4096, 1));	     /* just past the end */
	assert_null(gm_ptr(&gm, 4095, 2));	     /* straddles the end */
	assert_null(gm_ptr(&gm, 0, 0));		     /* empty range */
	assert_null(gm_ptr(&gm, 0xfff, UINT64_MAX)); /* len overflow */
	assert_null(gm_ptr(&gm, UINT64_MAX, 1));
	assert_null(gm_ptr(&gm, 0x100000000ull - 1, 2)); /* gap */
	assert_null(gm_ptr(&gm, 0x100000000ull + 4000, 200));
}

static void read_write(void **state)
{
	struct gm gm;
	uint32_t v = 0xdeadbeef, w = 0;

	setup_gm(&gm);
	assert_int_equal(gm_write(&gm, 8, &v, sizeof(v)), 0);
	assert_int_equal(gm_read(&gm, &w, 8, sizeof(w)), 0);
	assert_int_equal(w, v);
	assert_int_equal(gm_write(&gm, 4094, &v, sizeof(v)), -14);
	assert_int_equal(gm_read(&gm, &w, 4094, sizeof(w)), -14);
}

static void real_mapping_split(void **state)
{
	struct gm gm;

	assert_int_equal(gm_init(&gm, 64ull << 20), 0);
	assert_int_equal(gm.nr, 1);
	assert_int_equal(gm_low_end(&gm), 64ull << 20);
	assert_non_null(gm_ptr(&gm, (64ull << 20) - 8, 8));
	assert_null(gm_ptr(&gm, 64ull << 20, 1));
	gm_free(&gm);
	/* 4 GiB: 3 GiB below the hole and 1 GiB at 4 GiB (not touched) */
	assert_int_equal(gm_init(&gm, 4ull << 30), 0);
	assert_int_equal(gm.nr, 2);
	assert_int_equal(gm.r[1].gpa, GM_HIGH_RAM_START);
	assert_int_equal(gm.r[1].size, 1ull << 30);
	assert_null(gm_ptr(&gm, GM_LOW_RAM_MAX, 1));
	gm_free(&gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inside_ok),
		cmocka_unit_test(outside_rejected),
		cmocka_unit_test(read_write),
		cmocka_unit_test(real_mapping_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
