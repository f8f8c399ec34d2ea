// SPDX-License-Identifier: MIT
/* libFuzzer: the FAT12/16/32 reader over a volume (the ESP's bytes),
 * looking up \EFI\BOOT\BOOTX64.EFI. */
#include "disk/disk.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct charlie_error e;
	struct disk_reader r;
	struct fat_vol *v = malloc(sizeof(*v));
	uint8_t *f = NULL;
	size_t len = 0;

	if (!v)
		return 0;
	disk_reader_mem(&r, "fuzz", data, size);
	if (fat_open(v, &r, 0, size, &e) == 0 &&
	    fat_read_file(v, UKI_FILE, 1 << 24, &f, &len, &e) == 0) {
		if (len > size)
			__builtin_trap(); /* a file is never larger than its
					     volume */
		disk_buf_free(f, len);
	}
	free(v);
	return 0;
}
