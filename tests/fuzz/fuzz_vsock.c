// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the vsock engine's guest input (issue 10): the
 * input is a script of guest packets (raw 44-byte headers, any payload
 * length claim), RX pulls with any buffer size, and host-side actions on
 * the accepted streams.  After every step the engine's bounds must hold:
 * connections <= max_conns, buffered bytes <= max_conns * buf_alloc, and
 * every packet it emits is well formed and within the guest's credit.
 *   make fuzz-vsock FUZZ_SECONDS=60
 */
#include "vsock/vsock.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 16
#define BUF_ALLOC 8192
#define CID	  42

static struct loop loop; /* never run: the engine works without events */
static int fds[64];
static unsigned int nfds;

static void on_accept(void *opaque, int fd, uint32_t port)
{
	if (nfds < sizeof(fds) / sizeof(fds[0]))
		fds[nfds++] = fd;
	else
		close(fd);
}

static void check(struct vsock_engine *e)
{
	struct vsock_stats st;

	vsock_get_stats(e, &st);
	if (st.conns > MAX_CONNS ||
	    st.buffered > (uint64_t)MAX_CONNS * BUF_ALLOC ||
	    st.ring_alloc > (uint64_t)MAX_CONNS * BUF_ALLOC)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static uint8_t buf[VSOCK_MAX_PAYLOAD + 64];
	struct vsock_params p = {.guest_cid = CID,
				 .max_conns = MAX_CONNS,
				 .buf_alloc = BUF_ALLOC};
	struct vsock_engine *e;
	struct virtio_vsock_hdr h;

	if (!loop.epfd && loop_init(&loop))
		return 0;
	if (vsock_engine_new(&loop, &p, &e))
		return 0;
	for (uint32_t port = 0; port < 4; port++)
		vsock_listen(e, port, on_accept, NULL);
	while (n--) {
		uint8_t cmd = *d++;

		switch (cmd & 3) {
		case 0:
		case 1: { /* a guest packet */
			size_t len;

			if (n < sizeof(h))
				goto out;
			memcpy(&h, d, sizeof(h));
			d += sizeof(h);
			n -= sizeof(h);
			if (cmd & 4) { /* plausible: get past the CID checks */
				h.src_cid = htole64(CID);
				h.dst_cid = htole64(VSOCK_CID_HOST);
				h.type = htole16(VIRTIO_VSOCK_TYPE_STREAM);
				h.src_port = htole32(le32toh(h.src_port) & 7);
				h.dst_port = htole32(le32toh(h.dst_port) & 7);
			}
			len = le32toh(h.len);
			if (cmd & 8) /* the payload present may differ */
				len = cmd >> 4;
			if (len > n)
				len = n;
			vsock_rx_from_guest(e, &h, d, len);
			d += len;
			n -= len;
			break;
		}
		case 2: { /* the device fills RX buffers of some size */
			size_t cap = (size_t)(cmd >> 2) * 1111;
			ssize_t r;

			for (int i = 0; i < 8; i++) {
				r = vsock_next_for_guest(e, &h, buf, cap);
				if (r < 0)
					break;
				if ((size_t)r > cap || le32toh(h.len) != r ||
				    le64toh(h.dst_cid) != CID)
					__builtin_trap();
			}
			break;
		}
		case 3: /* host side: write, half-close or close a stream */
			if (!nfds)
				break;
			if ((cmd >> 2) % 4 == 0) {
				close(fds[--nfds]);
			} else if ((cmd >> 2) % 4 == 1) {
				shutdown(fds[(cmd >> 4) % nfds], SHUT_WR);
			} else {
				int fd = fds[(cmd >> 4) % nfds];

				if (send(fd, buf, (size_t)cmd * 37,
					 MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
					(void)0;
			}
			break;
		}
		check(e);
	}
out:
	vsock_engine_free(e);
	while (nfds)
		close(fds[--nfds]);
	return 0;
}
