// SPDX-License-Identifier: MIT
/*
 * mk_seeds DIR: the fuzzers' seed inputs from the synthetic image
 * (tests/disk/mkdisk.h): DIR/{gpt,uki}/valid.img (the image, UKI and
 * EFI-stub variants), DIR/fat/esp.img (the ESP's bytes), DIR/pe/uki.efi
 * and DIR/pe/stub.efi (BOOTX64.EFI's bytes).
 */
#include "../disk/mkdisk.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

static int put(const char *dir, const char *sub, const char *name,
	       const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		fprintf(stderr, "mk_seeds: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct mkdisk d;
	static uint8_t file[MK_UKI_LEN];
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: mk_seeds DIR\n");
		return 2;
	}
	mkdir(argv[1], 0755);
	for (int stub = 0; stub < 2; stub++) {
		const char *n = stub ? "stub.img" : "uki.img";

		mkdisk_build(&d, stub);
		bad |= put(argv[1], "gpt", n, d.buf, MK_LEN);
		bad |= put(argv[1], "uki", n, d.buf, MK_LEN);
		bad |= put(argv[1], "fat", n, d.buf + MK_ESP,
			   MK_ESP_SECS * MK_SEC);
		for (size_t i = 0; i < d.file_len; i++)
			file[i] = d.buf[mk_file_off(i)];
		bad |= put(argv[1], "pe", stub ? "stub.efi" : "uki.efi", file,
			   d.file_len);
	}
	return bad;
}
