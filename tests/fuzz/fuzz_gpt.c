// SPDX-License-Identifier: MIT
/* libFuzzer: the protective MBR + GPT parser over a whole image. */
#include "disk/disk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct charlie_error e;
	struct disk_reader r;
	struct gpt_info gi;

	disk_reader_mem(&r, "fuzz", data, size);
	if (gpt_find_esp(&r, &gi, &e) == 0 &&
	    (gi.esp_offset + gi.esp_size > size || !gi.esp_size))
		__builtin_trap(); /* the ESP must lie inside the image */
	return 0;
}
