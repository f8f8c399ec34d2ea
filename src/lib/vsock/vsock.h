/* SPDX-License-Identifier: MIT */
/*
 * The virtio-vsock stream protocol engine (virtio 1.2 section 5.10) and
 * its host side (Firecracker's UNIX-socket convention), independent of
 * the virtqueue: the virtio device is glue that copies a TX packet out of
 * guest memory once and hands it to vsock_rx_from_guest(), and fills the
 * guest's RX buffers from vsock_next_for_guest().
 *
 * Host side: with `uds` set the engine listens on that UNIX socket; a
 * host program connects, writes "CONNECT <port>\n", and after the guest
 * accepted reads "OK <host-port>\n" and then the guest's stream.  A guest
 * connecting to host port P reaches a UNIX socket listening at "<uds>_P".
 * Library users get socketpair ends (vsock_connect, vsock_listen).
 *
 * Every fd is non-blocking and lives on one event loop (loop.h); no
 * thread per connection.  The engine is thread-safe (one mutex): the
 * device, the loop's handlers and API callers may call in from any
 * thread.  Callbacks (notify, listeners, log) run without the lock held.
 *
 * Memory: what the engine buffers is bounded whatever the guest does.
 * Host -> guest data is read from the host socket straight into the
 * guest's RX buffer, only as much as the guest's credit allows: nothing
 * is buffered on that side, and a guest that lies about its credit or
 * never returns it just stops the engine reading that socket.
 * Guest -> host data the host socket does not take at once waits in a
 * per-connection ring of at most buf_alloc bytes (the credit the engine
 * advertised); a guest that sends past its credit is reset.  So the bound
 * is max_conns * (buf_alloc + sizeof(conn)) plus a fixed reply ring
 * (vsock_memory_bound()).
 */
#ifndef CHARLIE_VSOCK_H
#define CHARLIE_VSOCK_H

#include "charlie.h"
#include "loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* virtio 1.2 section 5.10.6: every field little-endian, 44 bytes. */
struct virtio_vsock_hdr {
	uint64_t src_cid;
	uint64_t dst_cid;
	uint32_t src_port;
	uint32_t dst_port;
	uint32_t len;
	uint16_t type;
	uint16_t op;
	uint32_t flags;
	uint32_t buf_alloc;
	uint32_t fwd_cnt;
} __attribute__((packed));

_Static_assert(sizeof(struct virtio_vsock_hdr) == 44, "virtio_vsock_hdr");

#define VSOCK_CID_HOST 2u
#define VSOCK_CID_MIN  3u	   /* 0, 1, 2 are reserved */
#define VSOCK_CID_MAX  0xfffffffeu /* 0xffffffff is VMADDR_CID_ANY */

#define VIRTIO_VSOCK_TYPE_STREAM 1

enum virtio_vsock_op {
	VIRTIO_VSOCK_OP_INVALID = 0,
	VIRTIO_VSOCK_OP_REQUEST = 1,
	VIRTIO_VSOCK_OP_RESPONSE = 2,
	VIRTIO_VSOCK_OP_RST = 3,
	VIRTIO_VSOCK_OP_SHUTDOWN = 4,
	VIRTIO_VSOCK_OP_RW = 5,
	VIRTIO_VSOCK_OP_CREDIT_UPDATE = 6,
	VIRTIO_VSOCK_OP_CREDIT_REQUEST = 7,
};

#define VIRTIO_VSOCK_SHUTDOWN_RCV  1u
#define VIRTIO_VSOCK_SHUTDOWN_SEND 2u

/* The event queue (section 5.10.6.7): struct virtio_vsock_event. */
#define VIRTIO_VSOCK_EVENT_TRANSPORT_RESET 0u

/* Largest payload accepted from or sent to the guest (Linux's
 * VIRTIO_VSOCK_MAX_PKT_BUF_SIZE). */
#define VSOCK_MAX_PAYLOAD (64u << 10)

/* Defaults (vsock_params 0 fields). */
#define VSOCK_DEF_MAX_CONNS	     256
#define VSOCK_DEF_BUF_ALLOC	     (128u << 10)
#define VSOCK_DEF_CONNECT_TIMEOUT_MS 5000
/* Replies to packets that have no connection (RST), waiting for the
 * guest's RX buffers; when full, vsock_tx_ready() says stop. */
#define VSOCK_STRAY_RST_SLOTS 64
/* Host-initiated connections get local ports from here up (as Firecracker). */
#define VSOCK_EPHEMERAL_BASE (1u << 30)

struct vsock_engine;

struct vsock_params {
	uint64_t guest_cid;	/* VSOCK_CID_MIN..VSOCK_CID_MAX */
	const char *uds;	/* NULL: no host UNIX sockets */
	unsigned int max_conns; /* 0: VSOCK_DEF_MAX_CONNS */
	uint32_t buf_alloc;	/* 0: VSOCK_DEF_BUF_ALLOC (per connection) */
	int connect_timeout_ms; /* 0: VSOCK_DEF_CONNECT_TIMEOUT_MS */
	/* "The engine has packets for the guest": edge-triggered; the device
	 * then pulls with vsock_next_for_guest() until -EAGAIN, and pulls
	 * again whenever the guest posts RX buffers. */
	void (*notify)(void *opaque);
	void (*log)(void *opaque, enum charlie_log_level lvl, const char *line);
	void *opaque;
};

/* Creates the engine; with p->uds, binds and listens there (a stale
 * socket file is removed; anything else at that path is refused).  Fds
 * are registered on `loop` (which may run already or later). */
int vsock_engine_new(struct loop *loop, const struct vsock_params *p,
		     struct vsock_engine **out);
/* Closes every connection and the listener (removing the socket file). */
void vsock_engine_free(struct vsock_engine *e);

/*
 * A packet the guest sent on its TX queue, already copied out of guest
 * memory: `h` is the raw header (little-endian, as in the ring) and
 * `payload` the `len` bytes that followed it in the descriptor chain.
 * Every field is checked before use.  Returns 0 when the packet was
 * consumed (accepted, or dropped/answered with RST), or -EAGAIN when the
 * engine cannot take a packet now (its reply ring is full: the device
 * should leave the TX queue alone until the guest took RX packets).
 */
int vsock_rx_from_guest(struct vsock_engine *e,
			const struct virtio_vsock_hdr *h,
			const uint8_t *payload, size_t len);
/* True when vsock_rx_from_guest() would not return -EAGAIN. */
bool vsock_tx_ready(struct vsock_engine *e);

/*
 * The next packet for the guest, for one posted RX buffer with room for
 * the header and `cap` payload bytes: writes the header (little-endian)
 * to *out and the payload to buf.  Returns the payload length (0 for
 * control packets), or -EAGAIN when there is nothing to send.  Data
 * never exceeds the guest's credit (peer_buf_alloc - (tx_cnt -
 * peer_fwd_cnt)) nor cap.
 */
ssize_t vsock_next_for_guest(struct vsock_engine *e,
			     struct virtio_vsock_hdr *out, uint8_t *buf,
			     size_t cap);
bool vsock_has_work(struct vsock_engine *e);

/* Device reset or VM stop: every connection is dropped (host ends see
 * EOF; library connects waiting get -ECONNRESET). */
void vsock_engine_reset(struct vsock_engine *e);
/* The event-queue packet telling the guest its connections are gone
 * (struct virtio_vsock_event, id TRANSPORT_RESET): 4 bytes; returns the
 * length written, 0 if cap is too small. */
size_t vsock_transport_reset_event(uint8_t *buf, size_t cap);

uint64_t vsock_guest_cid(const struct vsock_engine *e);

/* What is at a `uds` path: 0 nothing, 1 a stale socket (nobody accepts:
 * safe to remove), -EADDRINUSE a live one, -EEXIST not a socket,
 * -ENAMETOOLONG when "<path>_<port>" cannot fit sun_path, else -errno. */
int vsock_uds_probe(const char *path);

/* A stream to the guest's `port` (socketpair; the other end is the
 * engine's).  Blocks until the guest accepts or refuses (or the connect
 * timeout): 0, -ECONNREFUSED, -ETIMEDOUT, -ECONNRESET, -EMFILE (at the
 * connection cap).  Not from the loop thread (its handlers). */
int vsock_connect(struct vsock_engine *e, uint32_t port, int *fd_out);

typedef void (*vsock_accept_fn)(void *opaque, int fd, uint32_t guest_port);
/* Guest connections to host port `port` are accepted and given to `cb`
 * (on the loop thread; the fd is the caller's to close).  Takes
 * precedence over "<uds>_<port>".  cb NULL removes the listener. */
int vsock_listen(struct vsock_engine *e, uint32_t port, vsock_accept_fn cb,
		 void *opaque);

struct vsock_stats {
	unsigned int conns, peak_conns;
	uint64_t buffered, peak_buffered;     /* guest -> host bytes held */
	uint64_t ring_alloc, peak_ring_alloc; /* ring memory allocated */
	uint64_t bad_packets;		      /* malformed or lying */
	uint64_t rst_sent, refused;
	uint64_t to_guest_bytes, from_guest_bytes;
};
void vsock_get_stats(struct vsock_engine *e, struct vsock_stats *s);
/* The most memory the engine's buffers and connections can hold with
 * these parameters (bytes). */
uint64_t vsock_memory_bound(const struct vsock_params *p);

#endif
