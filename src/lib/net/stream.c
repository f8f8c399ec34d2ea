// SPDX-License-Identifier: MIT
/* The stream protocol's framer (stream.h); hand-written, a dozen lines
 * of state. */
#include "stream.h"

#include <errno.h>
#include <string.h>

void stream_framer_init(struct stream_framer *f)
{
	f->hdr_have = 0;
	f->len = 0;
	f->have = 0;
	f->ready = false;
}

ssize_t stream_framer_feed(struct stream_framer *f, const uint8_t *data,
			   size_t len)
{
	size_t used = 0, n;

	if (f->ready)
		return 0;
	if (f->hdr_have < sizeof(f->hdr)) {
		n = sizeof(f->hdr) - f->hdr_have;
		if (n > len)
			n = len;
		memcpy(f->hdr + f->hdr_have, data, n);
		f->hdr_have += n;
		used += n;
		if (f->hdr_have < sizeof(f->hdr))
			return (ssize_t)used;
		f->len = (uint32_t)f->hdr[0] << 24 | (uint32_t)f->hdr[1] << 16 |
			 (uint32_t)f->hdr[2] << 8 | f->hdr[3];
		if (f->len == 0 || f->len > NET_FRAME_MAX)
			return -EPROTO;
		f->have = 0;
	}
	n = f->len - f->have;
	if (n > len - used)
		n = len - used;
	memcpy(f->frame + f->have, data + used, n);
	f->have += n;
	used += n;
	if (f->have == f->len)
		f->ready = true;
	return (ssize_t)used;
}

void stream_framer_take(struct stream_framer *f)
{
	f->hdr_have = 0;
	f->have = 0;
	f->len = 0;
	f->ready = false;
}

void stream_put_header(uint8_t hdr[4], uint32_t len)
{
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
}
