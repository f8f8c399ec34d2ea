// SPDX-License-Identifier: MIT
/* evdev record decoding (guest/inputev.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "inputev.h"

#include <string.h>
#if defined(__x86_64__)
#include <linux/input.h>
#endif

static size_t put(uint8_t *buf, uint16_t type, uint16_t code, int32_t value)
{
	struct inputev ev = {.sec = 1795250965,
			     .usec = 556925,
			     .type = type,
			     .code = code,
			     .value = value};

	inputev_encode(&ev, buf);
	return INPUTEV_SIZE;
}

static void test_layout(void **state)
{
	/* A KEY_POWER press as the kernel writes it on x86_64. */
	static const uint8_t rec[24] = {
		0x15, 0xcd, 0x5b, 0x07, 0, 0, 0, 0, /* tv_sec = 123456789 */
		0x40, 0xe2, 0x01, 0,	0, 0, 0, 0, /* tv_usec = 123456 */
		0x01, 0x00,			    /* EV_KEY */
		0x74, 0x00,			    /* KEY_POWER (116) */
		0x01, 0x00, 0x00, 0x00,		    /* value 1: press */
	};
	struct inputev ev;
	uint8_t again[24];

	(void)state;
#if defined(__x86_64__)
	/* The host's own struct agrees on the size we assume. */
	assert_int_equal(sizeof(struct input_event), INPUTEV_SIZE);
	assert_int_equal(KEY_POWER, INPUTEV_KEY_POWER);
	assert_int_equal(EV_KEY, INPUTEV_EV_KEY);
#endif
	inputev_decode(rec, &ev);
	assert_int_equal(ev.sec, 123456789);
	assert_int_equal(ev.usec, 123456);
	assert_int_equal(ev.type, INPUTEV_EV_KEY);
	assert_int_equal(ev.code, INPUTEV_KEY_POWER);
	assert_int_equal(ev.value, 1);
	assert_true(inputev_is_power_press(&ev));
	inputev_encode(&ev, again);
	assert_memory_equal(again, rec, 24);
}

static void test_negative_value(void **state)
{
	uint8_t rec[24];
	struct inputev ev;

	(void)state;
	put(rec, 2 /* EV_REL */, 0, -5);
	inputev_decode(rec, &ev);
	assert_int_equal(ev.value, -5);
	assert_false(inputev_is_power_press(&ev));
}

static void test_press_among_others(void **state)
{
	struct inputev_decoder d = {0};
	uint8_t buf[24 * 6];
	size_t n = 0;

	(void)state;
	n += put(buf + n, INPUTEV_EV_KEY, INPUTEV_KEY_POWER, 1);
	n += put(buf + n, INPUTEV_EV_SYN, 0, 0);
	n += put(buf + n, INPUTEV_EV_KEY, INPUTEV_KEY_POWER, 0); /* release */
	n += put(buf + n, INPUTEV_EV_SYN, 0, 0);
	n += put(buf + n, INPUTEV_EV_KEY, INPUTEV_KEY_POWER, 2); /* repeat */
	n += put(buf + n, INPUTEV_EV_KEY, 30 /* KEY_A */, 1);
	assert_int_equal(inputev_feed(&d, buf, n, NULL, NULL), 1);
	assert_int_equal(d.have, 0);
}

static void test_not_power(void **state)
{
	struct inputev_decoder d = {0};
	uint8_t buf[24 * 3];
	size_t n = 0;

	(void)state;
	n += put(buf + n, INPUTEV_EV_KEY, 142 /* KEY_SLEEP */, 1);
	n += put(buf + n, 4 /* EV_MSC */, INPUTEV_KEY_POWER, 1);
	n += put(buf + n, INPUTEV_EV_SYN, 0, 0);
	assert_int_equal(inputev_feed(&d, buf, n, NULL, NULL), 0);
}

static void count_cb(const struct inputev *ev, void *arg)
{
	(void)ev;
	(*(int *)arg)++;
}

static void test_byte_by_byte(void **state)
{
	struct inputev_decoder d = {0};
	uint8_t buf[48];
	int presses = 0, records = 0;

	(void)state;
	put(buf, INPUTEV_EV_KEY, INPUTEV_KEY_POWER, 1);
	put(buf + 24, INPUTEV_EV_SYN, 0, 0);
	for (size_t i = 0; i < sizeof(buf); i++) {
		int p = inputev_feed(&d, buf + i, 1, count_cb, &records);

		/* The press counts exactly when its last byte arrives. */
		assert_int_equal(p, i == 23 ? 1 : 0);
		presses += p;
	}
	assert_int_equal(presses, 1);
	assert_int_equal(records, 2);
}

static void test_split_reads(void **state)
{
	struct inputev_decoder d = {0};
	uint8_t buf[24 * 4];
	int records = 0;

	(void)state;
	for (int i = 0; i < 4; i++)
		put(buf + 24 * i, INPUTEV_EV_KEY, INPUTEV_KEY_POWER, 1);
	assert_int_equal(inputev_feed(&d, buf, 30, count_cb, &records), 1);
	assert_int_equal(d.have, 6);
	assert_int_equal(inputev_feed(&d, buf + 30, 41, count_cb, &records), 1);
	assert_int_equal(inputev_feed(&d, buf + 71, 25, count_cb, &records), 2);
	assert_int_equal(records, 4);
	assert_int_equal(inputev_feed(&d, buf, 0, count_cb, &records), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_negative_value),
		cmocka_unit_test(test_press_among_others),
		cmocka_unit_test(test_not_power),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_split_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
