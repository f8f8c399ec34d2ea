// SPDX-License-Identifier: MIT
/* libFuzzer: image -> GPT -> ESP -> FAT -> BOOTX64.EFI -> PE -> UKI
 * sections, end to end; what it returns is touched end to end. */
#include "disk/disk.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct charlie_error e;
	struct disk_reader r;
	struct uki u;
	volatile uint8_t sink = 0;

	disk_reader_mem(&r, "fuzz", data, size);
	if (uki_read(&r, &u, &e) == 0) {
		if (u.kernel_len)
			sink ^= u.kernel[0] ^ u.kernel[u.kernel_len - 1];
		if (u.initrd_len)
			sink ^= u.initrd[0] ^ u.initrd[u.initrd_len - 1];
		if (u.cmdline)
			sink ^= (uint8_t)strlen(u.cmdline);
		uki_free(&u);
	} else if (!e.msg[0]) {
		__builtin_trap(); /* every refusal says why */
	}
	(void)sink;
	return 0;
}
