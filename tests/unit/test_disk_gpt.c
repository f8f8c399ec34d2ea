// SPDX-License-Identifier: MIT
/* GPT (UEFI 2.10 §5.2-5.3): the valid synthetic disk's ESP is found; each
 * broken MBR/GPT field is refused with its own named error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../disk/unit_cases.h"

static int disk_check(const uint8_t *img, size_t len, struct charlie_error *e)
{
	struct disk_reader r;
	struct gpt_info gi;

	disk_reader_mem(&r, "synthetic.img", img, len);
	return gpt_find_esp(&r, &gi, e);
}

static void valid_finds_esp(void **state)
{
	struct mkdisk *d = mk_new(false);
	struct charlie_error e = {0};
	struct disk_reader r;
	struct gpt_info gi;
	char g[37];

	disk_reader_mem(&r, "synthetic.img", d->buf, MK_LEN);
	assert_int_equal(gpt_find_esp(&r, &gi, &e), 0);
	assert_int_equal(gi.esp_index, 1);
	assert_int_equal(gi.used, 1);
	assert_int_equal(gi.entries, 128);
	assert_int_equal(gi.esp_offset, MK_ESP);
	assert_int_equal(gi.esp_size, MK_ESP_SECS * MK_SEC);
	gpt_guid_str(gi.esp_guid, g);
	assert_string_equal(g, "E3E2E1E0-E5E4-E7E6-E8E9-EAEBECEDEEEF");
	free(d);
}

static void crc32_known_value(void **state)
{
	/* The CRC-32 check value (IEEE 802.3): "123456789" -> 0xCBF43926. */
	assert_int_equal(disk_crc32(0, "123456789", 9), 0xcbf43926u);
}

static void reader_refuses_overflow(void **state)
{
	struct charlie_error e = {0};
	struct disk_reader r;
	uint8_t b[16], img[64] = {0};

	disk_reader_mem(&r, "synthetic.img", img, sizeof(img));
	assert_int_equal(disk_read(&r, 48, b, 16, CHARLIE_E_IMAGE_MBR, "x", &e),
			 0);
	assert_int_not_equal(
		disk_read(&r, 49, b, 16, CHARLIE_E_IMAGE_MBR, "x", &e), 0);
	assert_int_equal(e.code, CHARLIE_E_IMAGE_MBR);
	assert_int_not_equal(disk_read(&r, UINT64_MAX - 4, b, 16,
				       CHARLIE_E_IMAGE_GPT_RANGE, "x", &e),
			     0);
	assert_int_equal(e.code, CHARLIE_E_IMAGE_GPT_RANGE);
}

int main(void)
{
	static const char *const prefixes[] = {"mbr-", "gpt-", "truncated-",
					       NULL};
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(valid_finds_esp),
		cmocka_unit_test(crc32_known_value),
		cmocka_unit_test(reader_refuses_overflow),
	};

	return run_cases("disk_gpt", prefixes, extra, 3);
}
