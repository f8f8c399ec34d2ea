// SPDX-License-Identifier: MIT
/* libFuzzer: the stream framer (net/stream.c) on any byte stream, cut
 * into reads of sizes taken from the input itself. */
#include "net/stream.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stream_framer fr;
	size_t off = 0, cut;

	if (size < 1)
		return 0;
	cut = 1 + data[0] % 64; /* read size */
	data++;
	size--;
	stream_framer_init(&fr);
	while (off < size) {
		size_t n = size - off < cut ? size - off : cut;

		while (n) {
			ssize_t used = stream_framer_feed(&fr, data + off, n);

			if (used < 0)
				return 0; /* the backend closes the stream */
			if (fr.ready) {
				if (fr.len == 0 || fr.len > NET_FRAME_MAX)
					abort();
				stream_framer_take(&fr);
			} else if (used == 0) {
				abort(); /* no progress without a frame */
			}
			off += (size_t)used;
			n -= (size_t)used;
		}
	}
	return 0;
}
