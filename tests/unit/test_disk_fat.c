// SPDX-License-Identifier: MIT
/* FAT (Microsoft FAT spec): the file is read through its fragmented
 * chain, by long or short name, case-insensitively; each broken geometry
 * field, chain and directory is refused with its own named error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../disk/unit_cases.h"

static int read_path(const uint8_t *img, size_t len, const char *path,
		     uint8_t **data, size_t *flen, struct charlie_error *e)
{
	struct disk_reader r;
	struct gpt_info gi;
	struct fat_vol *v = malloc(sizeof(*v));
	int ret;

	assert_non_null(v);
	disk_reader_mem(&r, "synthetic.img", img, len);
	ret = gpt_find_esp(&r, &gi, e);
	if (!ret)
		ret = fat_open(v, &r, gi.esp_offset, gi.esp_size, e);
	if (!ret)
		ret = fat_read_file(v, path, 1 << 20, data, flen, e);
	free(v);
	return ret;
}

static int disk_check(const uint8_t *img, size_t len, struct charlie_error *e)
{
	uint8_t *data = NULL;
	size_t flen = 0;
	int ret = read_path(img, len, UKI_FILE, &data, &flen, e);

	disk_buf_free(data, flen);
	return ret;
}

static void expect_file(const char *path)
{
	struct mkdisk *d = mk_new(false);
	struct charlie_error e = {0};
	uint8_t *data = NULL;
	size_t flen = 0;

	assert_int_equal(read_path(d->buf, MK_LEN, path, &data, &flen, &e), 0);
	assert_int_equal(flen, MK_UKI_LEN);
	for (size_t i = 0; i < flen; i++)
		if (data[i] != d->buf[mk_file_off(i)])
			fail_msg("byte %zu differs", i);
	disk_buf_free(data, flen);
	free(d);
}

static void reads_fragmented_file(void **state)
{
	expect_file("\\EFI\\BOOT\\BOOTX64.EFI");
}

static void path_case_insensitive(void **state)
{
	expect_file("/efi/Boot/bootx64.EFI");
}

static void long_name_only(void **state)
{
	/* The short name no longer matches; the long name "bootx64.efi"
	 * still does if its checksum follows the new short name. */
	struct mkdisk *d = mk_new(false);
	struct charlie_error e = {0};
	uint8_t *data = NULL;
	size_t flen = 0;
	uint8_t *ent = d->buf + d->boot_ent;

	memcpy(ent, "BOOTX6~1EFI", 11);
	mk_lfn(ent - 32, "bootx64.efi", ent);
	assert_int_equal(read_path(d->buf, MK_LEN, UKI_FILE, &data, &flen, &e),
			 0);
	assert_int_equal(flen, MK_UKI_LEN);
	disk_buf_free(data, flen);
	free(d);
}

static void fat_geometry_valid(void **state)
{
	struct mkdisk *d = mk_new(false);
	struct charlie_error e = {0};
	struct disk_reader r;
	struct fat_vol *v = malloc(sizeof(*v));

	disk_reader_mem(&r, "synthetic.img", d->buf, MK_LEN);
	assert_int_equal(fat_open(v, &r, MK_ESP, MK_ESP_SECS * MK_SEC, &e), 0);
	assert_int_equal(v->type, 12);
	assert_int_equal(v->clus_size, 512);
	assert_int_equal(v->clusters, MK_ESP_SECS - 4);
	assert_string_equal(v->label, "SYNTH-ESP");
	free(v);
	free(d);
}

int main(void)
{
	static const char *const prefixes[] = {"fat-", NULL};
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(reads_fragmented_file),
		cmocka_unit_test(path_case_insensitive),
		cmocka_unit_test(long_name_only),
		cmocka_unit_test(fat_geometry_valid),
	};

	return run_cases("disk_fat", prefixes, extra, 4);
}
