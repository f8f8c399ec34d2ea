// SPDX-License-Identifier: MIT
/* The whole path, image -> ESP -> BOOTX64.EFI -> kernel/initrd/cmdline
 * (UAPI UKI spec), for a UKI and for an EFI-stub kernel; every malformed
 * case of the corpus is refused with its named error end to end; and
 * charlie_image_inspect on a file reports the image. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../disk/unit_cases.h"

#include <fcntl.h>
#include <unistd.h>

static int disk_check(const uint8_t *img, size_t len, struct charlie_error *e)
{
	struct disk_reader r;
	struct uki u;
	int ret;

	disk_reader_mem(&r, "synthetic.img", img, len);
	ret = uki_read(&r, &u, e);
	if (!ret)
		uki_free(&u);
	return ret;
}

static void uki_sections(void **state)
{
	struct mkdisk *d = mk_new(false);
	struct charlie_error e = {0};
	struct disk_reader r;
	struct uki u;

	disk_reader_mem(&r, "synthetic.img", d->buf, MK_LEN);
	assert_int_equal(uki_read(&r, &u, &e), 0);
	assert_true(u.is_uki);
	assert_int_equal(u.kernel_len, MK_KLEN);
	assert_memory_equal(u.kernel + 0x202, "HdrS", 4);
	assert_int_equal(u.initrd_len, MK_INITRD_LEN);
	assert_memory_equal(u.initrd, "070701", 6);
	assert_string_equal(u.cmdline, MK_CMDLINE);
	assert_string_equal(u.osrel_name, "synthetic test image");
	assert_int_equal(u.fat_type, 12);
	uki_free(&u);
	free(d);
}

static void efi_stub_kernel(void **state)
{
	struct mkdisk *d = mk_new(true);
	struct charlie_error e = {0};
	struct disk_reader r;
	struct uki u;

	disk_reader_mem(&r, "synthetic.img", d->buf, MK_LEN);
	assert_int_equal(uki_read(&r, &u, &e), 0);
	assert_false(u.is_uki);
	assert_int_equal(u.kernel_len, MK_KLEN);
	assert_ptr_equal(u.kernel, u.file);
	assert_null(u.initrd);
	assert_null(u.cmdline);
	uki_free(&u);
	free(d);
}

static void random_mutations_refused_or_read(void **state)
{
	/* Flipped bytes anywhere in the metadata and the file: every
	 * refusal is an image error with a message; never out of bounds
	 * (ASan build). */
	struct mkdisk *d = mk_new(false);
	static uint8_t copy[MK_LEN];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct charlie_error e;

	for (int round = 0; round < 2000; round++) {
		memcpy(copy, d->buf, MK_LEN);
		for (int k = 0; k < 4; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* metadata (first 40 KiB + the ESP's first clusters) */
			copy[(x >> 8) % (MK_CLUS(60))] ^= (uint8_t)(x | 1);
		}
		memset(&e, 0, sizeof(e));
		if (disk_check(copy, MK_LEN, &e)) {
			assert_true(e.code >= CHARLIE_E_IMAGE_OPEN &&
				    e.code <= CHARLIE_E_IMAGE_UKI_CMDLINE);
			assert_true(e.msg[0] != 0);
		}
	}
	free(d);
}

static void inspect_file(void **state)
{
	struct mkdisk *d = mk_new(false);
	struct charlie_image_report *rep = malloc(sizeof(*rep));
	char path[] = "/tmp/charlie-test-disk-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, d->buf, MK_LEN), MK_LEN);
	close(fd);
	assert_int_equal(charlie_image_inspect(path, 256ull << 20, NULL, rep),
			 0);
	assert_true(rep->bootable);
	assert_true(rep->is_uki);
	assert_int_equal(rep->esp_index, 1);
	assert_int_equal(rep->nsections, MK_NSEC);
	assert_string_equal(rep->sections[MK_S_LINUX].name, ".linux");
	assert_string_equal(rep->cmdline, MK_CMDLINE);
	assert_int_equal(rep->kernel.protocol, 0x020f);
	assert_true(charlie_file_is_disk_image(path));
	/* A command line longer than the kernel's cmdline_size: refused by
	 * the kernel check, with the image understood. */
	{
		char longc[3000];

		memset(longc, 'a', sizeof(longc) - 1);
		longc[sizeof(longc) - 1] = 0;
		assert_int_not_equal(
			charlie_image_inspect(path, 256ull << 20, longc, rep),
			0);
		assert_int_equal(rep->err.code,
				 CHARLIE_E_KERNEL_CMDLINE_TOO_LONG);
	}
	unlink(path);
	assert_int_not_equal(
		charlie_image_inspect(path, 256ull << 20, NULL, rep), 0);
	assert_int_equal(rep->err.code, CHARLIE_E_IMAGE_OPEN);
	free(rep);
	free(d);
}

static void config_validate_boot_image(void **state)
{
	struct mkdisk *d = mk_new(false);
	struct charlie_config cfg;
	struct charlie_error e = {0};
	char path[] = "/tmp/charlie-test-disk-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, d->buf, MK_LEN), MK_LEN);
	close(fd);
	charlie_config_init(&cfg);
	cfg.boot_image = path;
	assert_int_equal(charlie_config_validate(&cfg, &e), 0);
	/* Neither a kernel nor an image: named. */
	cfg.boot_image = NULL;
	assert_int_not_equal(charlie_config_validate(&cfg, &e), 0);
	assert_int_equal(e.code, CHARLIE_E_NO_KERNEL);
	/* A broken image: its own code, before anything is opened. */
	c_chain_loop(d, NULL);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, d->buf, MK_LEN), MK_LEN);
	close(fd);
	cfg.boot_image = path;
	assert_int_not_equal(charlie_config_validate(&cfg, &e), 0);
	assert_int_equal(e.code, CHARLIE_E_IMAGE_FAT_LOOP);
	assert_string_equal(e.field, "image");
	unlink(path);
	free(d);
}

int main(void)
{
	static const char *const prefixes[] = {"", NULL};
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(uki_sections),
		cmocka_unit_test(efi_stub_kernel),
		cmocka_unit_test(random_mutations_refused_or_read),
		cmocka_unit_test(inspect_file),
		cmocka_unit_test(config_validate_boot_image),
	};

	return run_cases("disk_uki", prefixes, extra, 5);
}
