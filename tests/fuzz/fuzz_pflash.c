// SPDX-License-Identifier: MIT
/*
 * The flash command parser (src/lib/fw/pflash.c) under hostile guest
 * writes and reads: each 10-byte record is {op, size, LE64 offset} + a
 * data byte pattern.  Invariants: no access outside the flash buffer
 * (ASan), the status byte reads back in status mode, contents change
 * only through program/erase.
 */
#include "fw/pflash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FLASH_LEN (4 * PFLASH_BLOCK)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *buf;
	struct pflash p;

	if (!buf)
		buf = malloc(FLASH_LEN);
	memset(buf, 0x5a, FLASH_LEN);
	pflash_init(&p, buf, FLASH_LEN);
	for (size_t i = 0; i + 11 <= size; i += 11) {
		const uint8_t *r = data + i;
		unsigned int n = 1u + (r[1] & 7);
		uint64_t off = 0;
		uint8_t v[8];

		for (int k = 0; k < 8; k++)
			off |= (uint64_t)r[2 + k] << (8 * k);
		/* mostly in range, sometimes anywhere */
		if (!(r[0] & 0x80))
			off %= FLASH_LEN + 16;
		memset(v, r[10], sizeof(v));
		if (r[0] & 1) {
			pflash_write(&p, off, v, n);
		} else {
			uint8_t out[8];

			pflash_read(&p, off, out, n);
			if (!pflash_array_readable(&p) && out[0] != p.status)
				abort();
		}
	}
	return 0;
}
