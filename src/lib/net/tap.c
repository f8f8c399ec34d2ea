// SPDX-License-Identifier: MIT
/*
 * tap=IFNAME: an existing or new TAP device (Documentation/networking/
 * tuntap.rst), opened with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR so checksum
 * and segmentation offloads can be passed through later.  Today no
 * offload is enabled (no TUNSETOFFLOAD), so the kernel hands us complete
 * frames and every header we read says "nothing to do"; frames we write
 * carry a zeroed header.  The header is the 12-byte virtio 1.x one
 * (struct virtio_net_hdr_mrg_rxbuf, TUNSETVNETHDRSZ).
 */
#include "backend.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#define VNET_HDR_LEN  12
#define READS_PER_RUN 32

struct net_tap {
	struct net_backend be;
	int fd;
	struct loop_src *src;
	bool held; /* buf holds a frame rx refused */
	size_t held_len;
	uint8_t buf[VNET_HDR_LEN + NET_FRAME_MAX];
};

int net_tap_attach(const char *ifname, unsigned int nic, int *out,
		   struct charlie_error *err)
{
	struct ifreq ifr = {0};
	int hdr = VNET_HDR_LEN, fd, ret;

	*out = -1;
	if (strlen(ifname) >= IFNAMSIZ)
		return err_set(err, CHARLIE_E_NET_TAP, "net",
			       "net %u: tap %s: name too long", nic + 1,
			       ifname);
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM)
			return err_set(err, CHARLIE_E_NET_TAP_PERM, "net",
				       "net %u: tap %s: /dev/net/tun: %s",
				       nic + 1, ifname, strerror(errno));
		return err_set(err, CHARLIE_E_NET_TAP, "net",
			       "net %u: tap %s: /dev/net/tun: %s", nic + 1,
			       ifname, strerror(errno));
	}
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(fd);
		if (e == EPERM || e == EACCES)
			return err_set(err, CHARLIE_E_NET_TAP_PERM, "net",
				       "net %u: tap %s: not permitted: needs "
				       "CAP_NET_ADMIN, or a TAP device this "
				       "user owns (ip tuntap add %s mode tap "
				       "user USER)",
				       nic + 1, ifname, ifname);
		if (e == EBUSY)
			return err_set(err, CHARLIE_E_NET_TAP, "net",
				       "net %u: tap %s: already in use by "
				       "another program",
				       nic + 1, ifname);
		return err_set(err, CHARLIE_E_NET_TAP, "net",
			       "net %u: tap %s: %s%s", nic + 1, ifname,
			       strerror(e),
			       e == EINVAL ? " (an interface of that name "
					     "exists and is not a TAP)"
					   : "");
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		ret = err_set(err, CHARLIE_E_NET_TAP, "net",
			      "net %u: tap %s: TUNSETVNETHDRSZ: %s", nic + 1,
			      ifname, strerror(errno));
		close(fd);
		return ret;
	}
	*out = fd;
	return 0;
}

static int tap_send(struct net_backend *be, const uint8_t *frame, size_t len)
{
	struct net_tap *t = (struct net_tap *)be;
	uint8_t hdr[VNET_HDR_LEN] = {0}; /* no checksum, no GSO */
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)frame, len}};
	ssize_t n;

	do
		n = writev(t->fd, iov, 2);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		/* the interface is down, or its queue is full: dropped */
		be->tx_dropped++;
	}
	return 0;
}

static void tap_update(struct net_tap *t)
{
	loop_mod(t->be.loop, t->src, t->be.paused ? 0 : EPOLLIN);
}

static void tap_rx(struct net_tap *t)
{
	for (unsigned int i = 0; i < READS_PER_RUN; i++) {
		ssize_t n;

		if (!t->held) {
			n = read(t->fd, t->buf, sizeof(t->buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break; /* EAGAIN; EIO while the link is down */
			if ((size_t)n < VNET_HDR_LEN) {
				t->be.rx_dropped++;
				continue;
			}
			t->held_len = (size_t)n - VNET_HDR_LEN;
			t->held = true;
		}
		if (net_backend_deliver(&t->be, t->buf + VNET_HDR_LEN,
					t->held_len) == -EAGAIN) {
			tap_update(t);
			return;
		}
		t->held = false;
	}
}

static void tap_event(void *opaque, int fd, uint32_t events)
{
	tap_rx(opaque);
}

static void tap_resume(struct net_backend *be)
{
	struct net_tap *t = (struct net_tap *)be;

	tap_update(t);
	tap_rx(t);
}

static void tap_close(struct net_backend *be)
{
	struct net_tap *t = (struct net_tap *)be;

	if (t->src)
		loop_del(be->loop, t->src);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

static const struct net_backend_impl tap_impl = {
	.name = "tap",
	.send = tap_send,
	.resume = tap_resume,
	.close = tap_close,
};

int net_tap_open(const struct charlie_net *n, const struct net_backend *base,
		 struct net_backend **out, struct charlie_error *err)
{
	struct net_tap *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return err_set(err, CHARLIE_E_HOST, "net", "out of memory");
	t->be = *base;
	t->be.impl = &tap_impl;
	ret = net_tap_attach(n->target, base->nic, &t->fd, err);
	if (ret)
		goto fail;
	t->src = loop_add(base->loop, t->fd, EPOLLIN, tap_event, t);
	if (!t->src) {
		ret = err_set(err, CHARLIE_E_HOST, "net",
			      "net %u: event loop: %s", base->nic + 1,
			      strerror(errno));
		goto fail;
	}
	*out = &t->be;
	return 0;
fail:
	tap_close(&t->be);
	return ret;
}
