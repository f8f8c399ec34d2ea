/* SPDX-License-Identifier: MIT */
/*
 * QEMU's stream netdev protocol (-netdev stream / -netdev socket over a
 * stream socket), which passt speaks: each frame is a 4-byte big-endian
 * length, then that many bytes of Ethernet frame.  The peer is untrusted:
 * the framer reassembles frames from reads of any size and refuses a
 * length of 0 or above NET_FRAME_MAX (the stream cannot be resynchronised
 * after that: the caller closes it).
 */
#ifndef CHARLIE_NET_STREAM_H
#define CHARLIE_NET_STREAM_H

#include "backend.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct stream_framer {
	uint8_t hdr[4];
	size_t hdr_have;
	uint32_t len; /* of the frame being assembled */
	size_t have;  /* bytes of it so far */
	bool ready;   /* frame[0..len) is complete, not yet taken */
	uint8_t frame[NET_FRAME_MAX];
};

void stream_framer_init(struct stream_framer *f);
/* Consumes bytes of `data` until a frame is complete or `len` is used
 * up; returns the number consumed (0 while a frame is ready and not
 * taken), or -EPROTO for a length the protocol cannot carry. */
ssize_t stream_framer_feed(struct stream_framer *f, const uint8_t *data,
			   size_t len);
/* Done with the ready frame; the next one may start. */
void stream_framer_take(struct stream_framer *f);

/* Writes the 4-byte header for a frame of `len` bytes. */
void stream_put_header(uint8_t hdr[4], uint32_t len);

#endif
