// SPDX-License-Identifier: MIT
/* The boot counter's efivarfs content (guest/efivar.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "efivar.h"

#include <string.h>

static void test_roundtrip(void **state)
{
	uint8_t b[EFIVAR_COUNT_FILE_LEN];
	static const uint32_t counts[] = {0,   1,     2,	  255,
					  256, 65536, 0xffffffffu};

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		efivar_format_count(b, counts[i]);
		assert_int_equal(efivar_parse_count(b, sizeof(b)), counts[i]);
	}
}

static void test_layout(void **state)
{
	/* attributes NV|BS|RT little endian, then the count */
	static const uint8_t want[8] = {7, 0, 0, 0, 0x2a, 0x01, 0, 0};
	uint8_t b[EFIVAR_COUNT_FILE_LEN];

	efivar_format_count(b, 298);
	assert_memory_equal(b, want, sizeof(want));
}

static void test_refused(void **state)
{
	uint8_t b[EFIVAR_COUNT_FILE_LEN + 1] = {7, 0, 0, 0, 5, 0, 0, 0, 0};

	assert_int_equal(efivar_parse_count(NULL, 8), -1);
	assert_int_equal(efivar_parse_count(b, 0), -1);
	assert_int_equal(efivar_parse_count(b, 7), -1); /* short */
	assert_int_equal(efivar_parse_count(b, 9), -1); /* long */
	b[0] = 6;					/* volatile */
	assert_int_equal(efivar_parse_count(b, 8), -1);
	b[0] = 7;
	assert_int_equal(efivar_parse_count(b, 8), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
