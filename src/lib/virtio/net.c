// SPDX-License-Identifier: MIT
/*
 * virtio-net (virtio 1.2 section 5.1): one receive and one transmit
 * queue in front of a network backend (net/backend.h: nat, socket, tap).
 *
 * Offered: VIRTIO_NET_F_MAC (the stable per-VM address, charlie_net_mac),
 * VIRTIO_NET_F_STATUS (link up) and VIRTIO_NET_F_MTU = 1500.  No
 * checksum or segmentation offloads (the nat and socket backends need
 * whole, checksummed frames) and no mergeable receive buffers: with an
 * MTU of 1500 Linux posts receive buffers of header + 1518 bytes, one
 * frame per buffer (section 5.1.6.3.1), so a frame never spans buffers.
 *
 * Every request is guest input: a transmit chain is copied out once
 * (header + frame, bounded by NET_FRAME_MAX) and its header validated; a
 * receive chain must hold the header and the whole frame, else the frame
 * is dropped and counted.  Kicks and backend fds all run on the event-loop
 * thread.  A full receive queue pauses the backend (-EAGAIN); the guest
 * posting buffers resumes it through an eventfd on the loop, so the
 * backend is never re-entered from inside the device lock.
 */
#include "virtio/virtio.h"
#include "net/backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define VIRTIO_NET_F_MTU	3
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_STATUS	16
#define VIRTIO_NET_S_LINK_UP	1
#define VIRTIO_NET_HDR_GSO_NONE 0

#define NET_MTU 1500
#define RXQ	0
#define TXQ	1

/* struct virtio_net_hdr with VERSION_1: num_buffers always there. */
struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
} __attribute__((packed));

/* config space: mac[6], status, max_virtqueue_pairs, mtu (5.1.4) */
#define CFG_MAC	      0
#define CFG_STATUS    6
#define CFG_MAX_PAIRS 8
#define CFG_MTU	      10
#define CFG_LEN	      12

struct vnet {
	struct virtio *v;
	struct host *h;
	unsigned int nic;
	struct net_backend *be;
	uint8_t cfg[CFG_LEN];
	/* separate: a receive can happen inside a transmit (in_tx) */
	struct vq_chain txc, rxc;
	uint8_t buf[sizeof(struct vnet_hdr) + NET_FRAME_MAX];
	bool rx_waiting; /* the backend holds a frame for want of buffers */
	/* inside net_backend_send, under the device lock: a backend may
	 * answer at once (slirp's ARP and DHCP replies), on this thread */
	bool in_tx;
	int resume_fd;
	struct loop_src *resume_src;
	uint64_t tx_bad, rx_short;
};

static uint64_t vnet_features(void *dev)
{
	return (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |
	       (1ull << VIRTIO_NET_F_MTU);
}

static void vnet_config_read(void *dev, uint32_t off, uint8_t *data,
			     unsigned int size)
{
	struct vnet *n = dev;

	memcpy(data, n->cfg + off, size); /* bounds: the transport */
}

/* One transmit chain: header + frame, all readable (section 5.1.6.2). */
static void tx_one(struct vnet *n, struct vq_chain *c)
{
	const size_t hl = sizeof(struct vnet_hdr);
	struct vnet_hdr hdr;
	uint64_t got;

	if (c->rlen < hl + NET_FRAME_MIN || c->rlen > hl + NET_FRAME_MAX) {
		n->tx_bad++;
		virtio_warn(n->v,
			    "transmit request of %llu bytes dropped "
			    "(header + frame must be %zu..%zu)",
			    (unsigned long long)c->rlen, hl + NET_FRAME_MIN,
			    hl + NET_FRAME_MAX);
		return;
	}
	got = vq_chain_read(n->h->gm, c, 0, n->buf, c->rlen);
	if (got != c->rlen)
		return;
	memcpy(&hdr, n->buf, hl); /* copied once: no double fetch */
	if (hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		/* no segmentation offload was offered */
		n->tx_bad++;
		virtio_warn(n->v,
			    "transmit with gso_type %u dropped (not "
			    "offered)",
			    hdr.gso_type);
		return;
	}
	n->in_tx = true;
	net_backend_send(n->be, n->buf + hl, (size_t)(got - hl));
	n->in_tx = false;
}

static void vnet_notify(void *dev, struct virtio *v, unsigned int q)
{
	struct vnet *n = dev;
	uint64_t one = 1;

	if (q == TXQ) {
		while (virtio_pop(v, TXQ, &n->txc) == 1) {
			tx_one(n, &n->txc);
			virtio_push(v, TXQ, n->txc.head, 0);
		}
	} else if (q == RXQ && n->rx_waiting) {
		/* buffers posted: let the backend deliver, outside this lock */
		if (write(n->resume_fd, &one, sizeof(one)) < 0)
			(void)0;
	}
}

static void vnet_reset(void *dev)
{
	struct vnet *n = dev;

	n->rx_waiting = false;
}

static const struct virtio_dev_ops vnet_vops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.nr_queues = 2,
	.queue_max = 256,
	.config_len = CFG_LEN,
	.features = vnet_features,
	.config_read = vnet_config_read,
	.queue_notify = vnet_notify,
	.reset = vnet_reset,
};

/* A frame from the backend for the guest (loop thread). */
static int vnet_rx(void *opaque, const uint8_t *frame, size_t len)
{
	struct vnet *n = opaque;
	struct vnet_hdr hdr = {.num_buffers = 1};
	const size_t hl = sizeof(hdr);
	struct vq_chain *c = &n->rxc;
	bool relock = !n->in_tx; /* in_tx: the lock is ours already */
	int ret = 0;

	if (relock)
		virtio_lock(n->v);
	if (!virtio_running(n->v))
		goto out; /* no driver yet: the wire drops it */
	if (virtio_pop(n->v, RXQ, c) != 1) {
		n->rx_waiting = true;
		ret = -EAGAIN;
		goto out;
	}
	n->rx_waiting = false;
	if (c->wlen < hl + len) {
		n->rx_short++;
		virtio_warn(n->v,
			    "receive buffer of %llu bytes too small for "
			    "a %zu-byte frame; dropped",
			    (unsigned long long)c->wlen, len);
		virtio_push(n->v, RXQ, c->head, 0);
		goto out;
	}
	if (vq_chain_write(n->h->gm, c, 0, &hdr, hl) != hl ||
	    vq_chain_write(n->h->gm, c, hl, frame, len) != len) {
		virtio_push(n->v, RXQ, c->head, 0);
		goto out;
	}
	virtio_push(n->v, RXQ, c->head, (uint32_t)(hl + len));
out:
	if (relock)
		virtio_unlock(n->v);
	return ret;
}

static void vnet_resume(void *opaque, int fd, uint32_t events)
{
	struct vnet *n = opaque;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		(void)0;
	net_backend_rx_resume(n->be);
}

static void vnet_guest_ip(void *opaque, const char *ip)
{
	struct vnet *n = opaque;

	if (n->h->ops->guest_ip)
		n->h->ops->guest_ip(n->h, n->nic, ip);
}

static void vnet_log(void *opaque, enum charlie_log_level lvl, const char *line)
{
	struct vnet *n = opaque;

	n->h->ops->log(n->h, lvl, line);
}

static unsigned int vnet_count(const struct charlie_config *cfg)
{
	return cfg->nr_nets < CHARLIE_MAX_NICS ? cfg->nr_nets
					       : CHARLIE_MAX_NICS;
}

static void vnet_destroy(void *state)
{
	struct vnet *n = state;

	if (n->be)
		net_backend_close(n->be);
	if (n->v)
		virtio_remove(n->v);
	if (n->resume_src)
		loop_del(n->h->loop, n->resume_src);
	if (n->resume_fd >= 0)
		close(n->resume_fd);
	free(n);
}

static int vnet_create(struct host *h, const void *param, unsigned int idx,
		       void **state, struct charlie_error *err)
{
	struct vnet *n = calloc(1, sizeof(*n));
	struct net_client c = {
		.rx = vnet_rx,
		.guest_ip = vnet_guest_ip,
		.log = vnet_log,
	};
	uint16_t status = VIRTIO_NET_S_LINK_UP, pairs = 1, mtu = NET_MTU;
	int ret;

	if (!n)
		return -ENOMEM;
	*state = n;
	n->h = h;
	n->nic = idx;
	n->resume_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (n->resume_fd < 0)
		return -errno;
	n->resume_src =
		loop_add(h->loop, n->resume_fd, EPOLLIN, vnet_resume, n);
	if (!n->resume_src)
		return -errno;
	charlie_net_mac(h->cfg, idx, n->cfg + CFG_MAC);
	/* config fields are little-endian (VERSION_1); x86 is too */
	memcpy(n->cfg + CFG_STATUS, &status, 2);
	memcpy(n->cfg + CFG_MAX_PAIRS, &pairs, 2);
	memcpy(n->cfg + CFG_MTU, &mtu, 2);
	ret = virtio_add(h, &vnet_vops, n, idx, &n->v, err);
	if (ret)
		return ret;
	c.opaque = n;
	return net_backend_open(h->cfg, idx, h->loop, &c, &n->be, err);
}

static void vnet_dev_reset(void *state)
{
	virtio_reset(((struct vnet *)state)->v);
}

const struct device_ops virtio_net_ops = {
	.name = "virtio-net",
	.count = vnet_count,
	.create = vnet_create,
	.reset = vnet_dev_reset,
	.destroy = vnet_destroy,
};
