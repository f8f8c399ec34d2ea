// SPDX-License-Identifier: MIT
/* The checked translator: every range must lie wholly inside one region.
 * One case per test: the range table registers each row as its own test. */
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

/* One gm_ptr(gpa, len) on the two regions above: the host pointer it
 * must give, NULL when the range must be refused. */
struct range_case {
	const char *name;
	uint64_t gpa, len;
	const uint8_t *want;
};

static const struct range_case range_cases[] = {
	{"gm_ptr_accepts_whole_low_region", 0, 4096, low},
	{"gm_ptr_accepts_last_low_byte", 4095, 1, low + 4095},
	{"gm_ptr_accepts_range_inside_high_region", 0x100000010ull, 16,
	 high + 16},
	{"gm_ptr_rejects_byte_just_past_end", 4096, 1, NULL},
	{"gm_ptr_rejects_range_straddling_end", 4095, 2, NULL},
	{"gm_ptr_rejects_empty_range", 0, 0, NULL},
	{"gm_ptr_rejects_len_overflow", 0xfff, UINT64_MAX, NULL},
	{"gm_ptr_rejects_last_address", UINT64_MAX, 1, NULL},
	{"gm_ptr_rejects_range_spanning_gap", 0x100000000ull - 1, 2, NULL},
	{"gm_ptr_rejects_range_straddling_high_end", 0x100000000ull + 4000, 200,
	 NULL},
};
#define NRANGES (sizeof(range_cases) / sizeof(range_cases[0]))

static void gm_ptr_range(void **state)
{
	const struct range_case *c = *state;
	struct gm gm;

	setup_gm(&gm);
	if (c->want)
		assert_ptr_equal(gm_ptr(&gm, c->gpa, c->len), c->want);
	else
		assert_null(gm_ptr(&gm, c->gpa, c->len));
}

static void gm_total_sums_regions(void **state)
{
	struct gm gm;

	setup_gm(&gm);
	assert_int_equal(gm.total, 8192);
}

static void gm_write_then_read_round_trips(void **state)
{
	struct gm gm;
	uint32_t v = 0xdeadbeef, w = 0;

	setup_gm(&gm);
	assert_int_equal(gm_write(&gm, 8, &v, sizeof(v)), 0);
	assert_int_equal(gm_read(&gm, &w, 8, sizeof(w)), 0);
	assert_int_equal(w, v);
}

static void gm_write_rejects_range_straddling_end(void **state)
{
	struct gm gm;
	uint32_t v = 0xdeadbeef;

	setup_gm(&gm);
	assert_int_equal(gm_write(&gm, 4094, &v, sizeof(v)), -14);
}

static void gm_read_rejects_range_straddling_end(void **state)
{
	struct gm gm;
	uint32_t w = 0;

	setup_gm(&gm);
	assert_int_equal(gm_read(&gm, &w, 4094, sizeof(w)), -14);
}

static void gm_init_64m_is_one_low_region(void **state)
{
	struct gm gm;

	assert_int_equal(gm_init(&gm, 64ull << 20), 0);
	assert_int_equal(gm.nr, 1);
	assert_int_equal(gm_low_end(&gm), 64ull << 20);
	assert_non_null(gm_ptr(&gm, (64ull << 20) - 8, 8));
	assert_null(gm_ptr(&gm, 64ull << 20, 1));
	gm_free(&gm);
}

/* 4 GiB: 3 GiB below the hole and 1 GiB at 4 GiB (not touched) */
static void gm_init_4g_splits_around_hole(void **state)
{
	struct gm gm;

	assert_int_equal(gm_init(&gm, 4ull << 30), 0);
	assert_int_equal(gm.nr, 2);
	assert_int_equal(gm.r[1].gpa, GM_HIGH_RAM_START);
	assert_int_equal(gm.r[1].size, 1ull << 30);
	assert_null(gm_ptr(&gm, GM_LOW_RAM_MAX, 1));
	gm_free(&gm);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(gm_total_sums_regions),
		cmocka_unit_test(gm_write_then_read_round_trips),
		cmocka_unit_test(gm_write_rejects_range_straddling_end),
		cmocka_unit_test(gm_read_rejects_range_straddling_end),
		cmocka_unit_test(gm_init_64m_is_one_low_region),
		cmocka_unit_test(gm_init_4g_splits_around_hole),
	};
	struct CMUnitTest tests[NRANGES + sizeof(fixed) / sizeof(fixed[0])];
	size_t n = 0;

	for (size_t i = 0; i < NRANGES; i++)
		tests[n++] = (struct CMUnitTest){
			.name = range_cases[i].name,
			.test_func = gm_ptr_range,
			.initial_state = (void *)&range_cases[i],
		};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		tests[n++] = fixed[i];
	return _cmocka_run_group_tests("test_gm", tests, n, NULL, NULL);
}
