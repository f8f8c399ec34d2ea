// SPDX-License-Identifier: MIT
/* libFuzzer: the PE/COFF parser over a file's bytes; every section it
 * accepts lies inside the buffer. */
#include "disk/disk.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_info *pi = malloc(sizeof(*pi));
	struct charlie_error e;
	struct disk_reader r;
	/* A private copy so ASan sees the exact bounds. */
	uint8_t *p = malloc(size ? size : 1);
	volatile uint8_t sink = 0;

	if (!pi || !p)
		goto out;
	memcpy(p, data, size);
	disk_reader_mem(&r, "fuzz", p, size);
	if (pe_parse(&r, p, size, pi, &e) == 0)
		for (unsigned int i = 0; i < pi->nsections; i++) {
			const struct pe_section *s = &pi->sec[i];

			if (s->rawsize)
				sink ^= p[s->offset] ^
					p[s->offset + s->rawsize - 1];
			(void)pe_find(pi, ".linux");
		}
out:
	(void)sink;
	free(p);
	free(pi);
	return 0;
}
