// SPDX-License-Identifier: MIT
/*
 * fw_cfg's port protocol and DMA (src/lib/fw/fw_cfg.c) driven by a
 * hostile guest: records {port offset, size, 4 data bytes} against a
 * device with real items, over 64 KiB of guest RAM whose first 4 KiB the
 * input also seeds (DMA descriptors live there).  Invariants: nothing
 * outside RAM is touched (ASan), every DMA that found its descriptor
 * completes with control 0.
 */
#include "fw/fw_cfg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RAM_LEN 0x10000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static const uint8_t e820[20] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					 1, 0, 0, 0, 0, 0, 1, 0, 0, 0};
	struct gm_region r;
	struct fw_cfg c;
	struct gm gm;
	size_t seed = size < 4096 ? size : 4096;
	uint16_t two = 2;

	if (!ram)
		ram = malloc(RAM_LEN);
	memset(ram, 0, RAM_LEN);
	memcpy(ram, data, seed);
	r = (struct gm_region){.gpa = 0x1000, .size = RAM_LEN, .host = ram};
	gm_init_from(&gm, &r, 1);
	fw_cfg_init(&c, &gm);
	fw_cfg_add(&c, FW_CFG_NB_CPUS, &two, 2);
	fw_cfg_add_file(&c, "etc/e820", e820, sizeof(e820));
	fw_cfg_add_file(&c, "etc/acpi/tables", data, seed);
	fw_cfg_finish(&c);
	for (size_t i = seed; i + 6 <= size; i += 6) {
		const uint8_t *rec = data + i;
		uint64_t off = rec[0] % 12;
		unsigned int n = 1u << (rec[1] & 3);
		uint8_t v[8] = {rec[2], rec[3], rec[4], rec[5]};

		if (n > 4)
			n = 4;
		if (rec[1] & 0x80) {
			fw_cfg_io_read(&c, off, v, n);
		} else {
			fw_cfg_io_write(&c, off, v, n);
		}
		/* and a direct DMA now and then, anywhere */
		if (rec[1] & 0x40) {
			uint64_t gpa =
				0x1000 +
				(uint64_t)(rec[2] | rec[3] << 8) % RAM_LEN;

			if (fw_cfg_dma(&c, gpa) == 0 &&
			    gpa + 4 <= 0x1000 + RAM_LEN &&
			    memcmp(ram + (gpa - 0x1000), "\0\0\0\0", 4))
				abort();
		}
	}
	fw_cfg_free(&c);
	return 0;
}
