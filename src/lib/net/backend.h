/* SPDX-License-Identifier: MIT */
/*
 * Network backends (design.md section 10): one small interface between a
 * guest NIC (virtio-net) and the world behind it.
 *
 *   nat     libslirp in-process: DHCP, DNS, port forwards (nat.c)
 *   socket  QEMU's stream protocol over a UNIX socket, as passt speaks
 *           it: 4-byte big-endian length, then the frame (socket.c)
 *   tap     a TAP device opened with IFF_VNET_HDR (tap.c)
 *
 * Frames crossing this interface are plain Ethernet frames (destination
 * MAC first), without a virtio-net header in either direction: the TAP
 * backend adds and strips its own vnet header, the others have none.
 *
 * Threading: everything runs on the VM's event-loop thread.  A backend
 * registers its fds and timers (timerfd) on that loop and never starts a
 * thread; the device must call net_backend_send() and
 * net_backend_rx_resume() from the loop thread too (virtio kicks arrive
 * there through ioeventfd).
 *
 * Receive flow control: the backend hands each frame for the guest to
 * client.rx().  rx returns 0 when it took the frame (or chose to drop it)
 * and -EAGAIN when the guest's RX queue is full: the backend then keeps
 * that frame, stops reading (socket/tap: the fd leaves the epoll set; nat:
 * frames slirp emits meanwhile wait in a bounded queue), and offers the
 * same frame again after the device calls net_backend_rx_resume() (when
 * the guest posts RX buffers).
 *
 * The guest's IP: every frame the guest takes passes through the DHCP
 * snoop (dhcp_snoop.h); a DHCPACK for this NIC's MAC with a new address
 * is reported through client.guest_ip, whatever the backend.
 */
#ifndef CHARLIE_NET_BACKEND_H
#define CHARLIE_NET_BACKEND_H

#include "charlie.h"
#include "loop.h"

#include <stddef.h>
#include <stdint.h>

/* The largest frame either way: a 64 KiB IP packet (what GSO and passt's
 * 65520-byte MTU produce) plus an Ethernet header with one VLAN tag. */
#define NET_FRAME_MAX (65535 + 18)
/* The smallest: an Ethernet header. */
#define NET_FRAME_MIN 14

struct net_client {
	void *opaque;
	/* A frame for the guest: 0 taken (or dropped by choice), -EAGAIN
	 * full (keep it, stop, offer it again after rx_resume). */
	int (*rx)(void *opaque, const uint8_t *frame, size_t len);
	/* The DHCP snoop saw a new address for this NIC (dotted quad). */
	void (*guest_ip)(void *opaque, const char *ip);
	/* One line, no newline (may be NULL). */
	void (*log)(void *opaque, enum charlie_log_level lvl, const char *line);
};

struct net_backend;

struct net_backend_impl {
	const char *name;
	/* A frame from the guest; 0 sent or dropped (a full host-side
	 * buffer drops, as a wire would), negative errno on a broken
	 * backend. */
	int (*send)(struct net_backend *be, const uint8_t *frame, size_t len);
	/* rx may be called again: deliver what was held, read again. */
	void (*resume)(struct net_backend *be);
	void (*close)(struct net_backend *be);
};

/* The part every backend shares; each backend embeds it first. */
struct net_backend {
	const struct net_backend_impl *impl;
	struct loop *loop;
	struct net_client client;
	unsigned int nic;
	uint8_t mac[6];
	bool paused;	   /* rx said -EAGAIN; waiting for rx_resume */
	uint32_t guest_ip; /* last address reported (network order), 0 none */
	uint64_t rx_frames, tx_frames, rx_dropped, tx_dropped;
};

/* Opens NIC `nic` of `cfg` (its backend kind, target, MAC, forwards) on
 * `loop`.  Returns 0 or a negative errno with `err` filled in. */
int net_backend_open(const struct charlie_config *cfg, unsigned int nic,
		     struct loop *loop, const struct net_client *client,
		     struct net_backend **out, struct charlie_error *err);
/* A frame from the guest (plain Ethernet).  Frames shorter than an
 * Ethernet header or longer than NET_FRAME_MAX are dropped and counted. */
int net_backend_send(struct net_backend *be, const uint8_t *frame, size_t len);
/* The guest has RX buffers again. */
void net_backend_rx_resume(struct net_backend *be);
void net_backend_close(struct net_backend *be);

/* ---- for the backends ---- */

/* Hands a frame to the device: checks its length, runs the DHCP snoop
 * on frames the device took, and returns rx's verdict (-EAGAIN: the
 * backend keeps the frame and stops until resume). */
int net_backend_deliver(struct net_backend *be, const uint8_t *frame,
			size_t len);
void net_backend_logf(struct net_backend *be, enum charlie_log_level lvl,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int net_nat_open(const struct charlie_net *n, const struct net_backend *base,
		 struct net_backend **out, struct charlie_error *err);
int net_socket_open(const struct charlie_net *n, const struct net_backend *base,
		    struct net_backend **out, struct charlie_error *err);
int net_tap_open(const struct charlie_net *n, const struct net_backend *base,
		 struct net_backend **out, struct charlie_error *err);

/* parse.c: the host-side checks of charlie_config_validate for every
 * NIC (ports free, socket present, TAP permitted). */
int net_config_check(const struct charlie_config *cfg,
		     struct charlie_error *err);
/* tap.c: opens /dev/net/tun attached to `ifname` (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR); a missing permission is CHARLIE_E_NET_TAP_PERM. */
int net_tap_attach(const char *ifname, unsigned int nic, int *fd,
		   struct charlie_error *err);

#endif
