// SPDX-License-Identifier: MIT
/*
 * virtio-vsock (virtio 1.2 section 5.10, device ID 19): glue between the
 * virtio transport and the stream engine (vsock/engine.c, vsock/host.c),
 * which owns the protocol, the host sockets and every header check.
 *
 * Queues: rx = 0 (device -> driver), tx = 1 (driver -> device), event = 2.
 * Config space: guest_cid (le64).  No feature bits: stream only (implied
 * when none is negotiated, section 5.10.3).
 *
 *  - TX: each chain is copied out of guest memory once, header (44 bytes,
 *    which may be split across descriptors) + at most VSOCK_MAX_PAYLOAD
 *    bytes, into host memory, completed, and handed to
 *    vsock_rx_from_guest(), which checks every field (a length past the
 *    copied bytes is answered with RST).  A chain shorter than the header
 *    is dropped with a warning.  When the engine cannot take a packet
 *    (-EAGAIN: its reply ring is full) the copied packet is kept and the
 *    TX queue is left alone until the guest took RX packets.
 *  - RX: whenever the engine notifies or the guest posts buffers, RX
 *    chains are filled from vsock_next_for_guest() (header + payload,
 *    bounded by the chain's writable length).  A chain popped when the
 *    engine had nothing after all is held for the next packet.
 *  - The engine's notify may come from any thread, sometimes from inside
 *    a call this device made with its lock held: it only writes an
 *    eventfd served on the VM's loop, which takes the device lock and
 *    fills RX (the device never calls the engine with the engine's lock
 *    held: lock order device -> engine).
 *  - Event queue: VIRTIO_VSOCK_EVENT_TRANSPORT_RESET is posted when the
 *    VM is reset (device_ops.reset), before the transport resets, if the
 *    driver left an event buffer.
 *
 * The CID table and the engine's creation are also here (one device).
 */
#include "device.h"
#include "err.h"
#include "virtio/virtio.h"
#include "vsock/vsock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Guest CIDs in use in this process: two VMs with one CID would make
 * host-side tools reach the wrong guest.  Process-wide by nature. */
#define MAX_CIDS 256
static pthread_mutex_t cids_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t cids[MAX_CIDS];

static int cid_claim(uint64_t cid)
{
	int free_slot = -1, ret = 0;

	pthread_mutex_lock(&cids_lock);
	for (int i = 0; i < MAX_CIDS; i++) {
		if (cids[i] == cid)
			ret = -EADDRINUSE;
		if (!cids[i] && free_slot < 0)
			free_slot = i;
	}
	if (!ret && free_slot < 0)
		ret = -ENOSPC;
	if (!ret)
		cids[free_slot] = cid;
	pthread_mutex_unlock(&cids_lock);
	return ret;
}

static void cid_release(uint64_t cid)
{
	pthread_mutex_lock(&cids_lock);
	for (int i = 0; i < MAX_CIDS; i++)
		if (cids[i] == cid)
			cids[i] = 0;
	pthread_mutex_unlock(&cids_lock);
}

#define RXQ	0
#define TXQ	1
#define EVQ	2
#define HDR_LEN sizeof(struct virtio_vsock_hdr)
/* TX chains served per kick before yielding the loop (re-armed through
 * the eventfd, so nothing is lost). */
#define TX_BUDGET 256
#define CFG_LEN	  8 /* le64 guest_cid */

struct vsock_dev {
	struct host *h;
	struct vsock_engine *e;
	struct virtio *v;
	uint64_t cid;
	uint8_t cfg[CFG_LEN];
	int kick_fd; /* engine notify -> loop */
	struct loop_src *kick_src;
	/* separate chains per direction: an RX fill can follow a TX pop */
	struct vq_chain txc, rxc, evc;
	bool rx_held;	 /* rxc popped, not yet filled */
	bool tx_pending; /* pkt holds a packet the engine refused (-EAGAIN) */
	size_t pkt_len;	 /* payload bytes in pkt after the header */
	uint8_t pkt[HDR_LEN + VSOCK_MAX_PAYLOAD];
	uint8_t rxbuf[VSOCK_MAX_PAYLOAD];
	uint64_t tx_short, rx_short, events_sent;
};

static void dev_log(void *opaque, enum charlie_log_level lvl, const char *line)
{
	struct vsock_dev *d = opaque;

	d->h->ops->log(d->h, lvl, line);
}

/* Engine notify: any thread, maybe inside an engine call the device made
 * under its own lock.  Only a hint for the loop. */
static void dev_notify(void *opaque)
{
	struct vsock_dev *d = opaque;
	uint64_t one = 1;

	if (d->kick_fd >= 0 && write(d->kick_fd, &one, sizeof(one)) < 0)
		(void)0; /* counter saturated: a kick is pending anyway */
}

static uint64_t vsock_features(void *dev)
{
	return 0;
}

static void vsock_config_read(void *dev, uint32_t off, uint8_t *data,
			      unsigned int size)
{
	struct vsock_dev *d = dev;

	memcpy(data, d->cfg + off, size); /* bounds: the transport */
}

/* Fills posted RX buffers while the engine has packets (lock held). */
static void rx_fill(struct vsock_dev *d)
{
	struct virtio *v = d->v;
	struct vq_chain *c = &d->rxc;

	for (;;) {
		struct virtio_vsock_hdr hdr;
		uint64_t cap;
		ssize_t n;

		if (!d->rx_held) {
			if (!vsock_has_work(d->e))
				return;
			if (virtio_pop(v, RXQ, c) != 1)
				return;
			d->rx_held = true;
		}
		if (c->wlen < HDR_LEN) {
			d->rx_short++;
			virtio_warn(v,
				    "receive buffer of %llu bytes, shorter "
				    "than the %zu-byte header: returned empty",
				    (unsigned long long)c->wlen, HDR_LEN);
			d->rx_held = false;
			virtio_push(v, RXQ, c->head, 0);
			continue;
		}
		cap = c->wlen - HDR_LEN;
		if (cap > VSOCK_MAX_PAYLOAD)
			cap = VSOCK_MAX_PAYLOAD;
		n = vsock_next_for_guest(d->e, &hdr, d->rxbuf, (size_t)cap);
		if (n < 0)
			return; /* keep the chain for the next packet */
		d->rx_held = false;
		if (vq_chain_write(d->h->gm, c, 0, &hdr, HDR_LEN) != HDR_LEN ||
		    vq_chain_write(d->h->gm, c, HDR_LEN, d->rxbuf, (size_t)n) !=
			    (uint64_t)n) {
			/* cannot happen: wlen was checked; the data is lost
			 * and the guest's stream with it */
			virtio_push(v, RXQ, c->head, 0);
			continue;
		}
		virtio_push(v, RXQ, c->head, (uint32_t)(HDR_LEN + (size_t)n));
	}
}

/* Copies one TX chain out (header + payload) into d->pkt.  Returns false
 * when the chain cannot hold a packet. */
static bool tx_copy(struct vsock_dev *d, const struct vq_chain *c)
{
	uint64_t want = c->rlen, got;

	if (want < HDR_LEN) {
		d->tx_short++;
		virtio_warn(d->v,
			    "transmit chain of %llu bytes, shorter than the "
			    "%zu-byte header: dropped",
			    (unsigned long long)want, HDR_LEN);
		return false;
	}
	if (want > sizeof(d->pkt))
		want = sizeof(d->pkt); /* the engine resets longer packets */
	got = vq_chain_read(d->h->gm, c, 0, d->pkt, want);
	if (got < HDR_LEN)
		return false;
	d->pkt_len = (size_t)(got - HDR_LEN);
	return true;
}

static int tx_deliver(struct vsock_dev *d)
{
	struct virtio_vsock_hdr hdr;

	memcpy(&hdr, d->pkt, HDR_LEN); /* host copy, decoded by the engine */
	return vsock_rx_from_guest(d->e, &hdr, d->pkt + HDR_LEN, d->pkt_len);
}

/* Serves the TX queue (lock held).  Returns whether packets went to the
 * engine, and *more when the budget ran out with chains left. */
static bool tx_process(struct vsock_dev *d, bool *more)
{
	struct virtio *v = d->v;
	bool progress = false;

	*more = false;
	if (d->tx_pending) {
		if (tx_deliver(d) == -EAGAIN)
			return false;
		d->tx_pending = false;
		progress = true;
	}
	for (unsigned int i = 0; i < TX_BUDGET; i++) {
		bool ok;

		if (!vsock_tx_ready(d->e))
			return progress; /* RX drains first */
		if (virtio_pop(v, TXQ, &d->txc) != 1)
			return progress;
		ok = tx_copy(d, &d->txc);
		/* copied out: the buffer is the guest's again */
		virtio_push(v, TXQ, d->txc.head, 0);
		if (!ok)
			continue;
		progress = true;
		if (tx_deliver(d) == -EAGAIN) {
			d->tx_pending = true;
			return progress;
		}
	}
	*more = true;
	return progress;
}

/* Everything that can move now (lock held, driver running). */
static void service(struct vsock_dev *d)
{
	bool more = false;

	for (unsigned int round = 0; round < 8; round++) {
		rx_fill(d);
		if (!tx_process(d, &more) && !more)
			break;
	}
	rx_fill(d);
	if (more)
		dev_notify(d); /* come back after other loop work */
}

static void vsock_queue_notify(void *dev, struct virtio *v, unsigned int q)
{
	service(dev);
}

/* The engine's kick, on the loop thread. */
static void on_engine_kick(void *opaque, int fd, uint32_t events)
{
	struct vsock_dev *d = opaque;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0)
		(void)0;
	virtio_lock(d->v);
	if (virtio_running(d->v))
		service(d);
	virtio_unlock(d->v);
}

/* The driver reset the device (status 0), lock held: its sockets are
 * gone, so are ours. */
static void vsock_vreset(void *dev)
{
	struct vsock_dev *d = dev;

	d->rx_held = false;
	d->tx_pending = false;
	vsock_engine_reset(d->e);
}

static const struct virtio_dev_ops vsock_vops = {
	.name = "virtio-vsock",
	.device_id = VIRTIO_ID_VSOCK,
	.nr_queues = 3,
	.queue_max = 256,
	.config_len = CFG_LEN,
	.features = vsock_features,
	.config_read = vsock_config_read,
	.queue_notify = vsock_queue_notify,
	.reset = vsock_vreset,
};

/* VIRTIO_VSOCK_EVENT_TRANSPORT_RESET into the next event buffer, if the
 * driver left one (lock held).  Returns whether it was posted. */
static bool post_reset_event(struct vsock_dev *d)
{
	uint8_t ev[8];
	size_t n = vsock_transport_reset_event(ev, sizeof(ev));

	if (!n || virtio_pop(d->v, EVQ, &d->evc) != 1)
		return false;
	if (vq_chain_write(d->h->gm, &d->evc, 0, ev, n) != n) {
		virtio_warn(d->v, "event buffer of %llu bytes too short",
			    (unsigned long long)d->evc.wlen);
		virtio_push(d->v, EVQ, d->evc.head, 0);
		return false;
	}
	virtio_push(d->v, EVQ, d->evc.head, (uint32_t)n);
	d->events_sent++;
	return true;
}

static unsigned int vsock_count(const struct charlie_config *cfg)
{
	return cfg->vsock.cid ? 1 : 0;
}

static void vsock_destroy(void *state)
{
	struct vsock_dev *d = state;

	if (d->v)
		virtio_remove(d->v);
	if (d->kick_src)
		loop_del(d->h->loop, d->kick_src);
	if (d->e) {
		if (d->h->vsock == d->e)
			d->h->vsock = NULL;
		vsock_engine_free(d->e);
	}
	if (d->kick_fd >= 0)
		close(d->kick_fd);
	if (d->cid)
		cid_release(d->cid);
	free(d);
}

static int vsock_create(struct host *h, const void *param, unsigned int idx,
			void **state, struct charlie_error *err)
{
	const struct charlie_vsock_config *v = &h->cfg->vsock;
	struct vsock_params p = {0};
	struct vsock_dev *d;
	int ret;

	*state = NULL;
	if (!v->cid)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->h = h;
	d->kick_fd = -1;
	ret = cid_claim(v->cid);
	if (ret) {
		ret = err_set(
			err, CHARLIE_E_VSOCK_CID_IN_USE, "vsock",
			"vsock: cid %llu is %s", (unsigned long long)v->cid,
			ret == -ENOSPC ? "one CID too many in this process"
				       : "used by another VM of this "
					 "process");
		goto fail;
	}
	d->cid = v->cid;
	memcpy(d->cfg, &d->cid, CFG_LEN); /* le64; x86 is little-endian */
	d->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->kick_fd < 0) {
		ret = -errno;
		goto fail;
	}
	p.guest_cid = v->cid;
	p.uds = v->uds;
	p.log = dev_log;
	p.notify = dev_notify;
	p.opaque = d;
	ret = vsock_engine_new(h->loop, &p, &d->e);
	if (ret == -EADDRINUSE || ret == -EEXIST)
		ret = err_set(err, CHARLIE_E_VSOCK_UDS_EXISTS, "vsock",
			      "vsock: uds %s: %s", v->uds,
			      ret == -EEXIST ? "exists and is not a socket"
					     : "a live socket is there");
	else if (ret == -ENAMETOOLONG)
		ret = err_set(err, CHARLIE_E_VSOCK_UDS_TOO_LONG, "vsock",
			      "vsock: uds %s: too long", v->uds);
	else if (ret)
		ret = err_set(err, CHARLIE_E_VSOCK_UDS, "vsock",
			      "vsock: uds %s: %s", v->uds ? v->uds : "-",
			      strerror(-ret));
	if (ret) {
		d->e = NULL;
		goto fail;
	}
	ret = virtio_add(h, &vsock_vops, d, idx, &d->v, err);
	if (ret)
		goto fail;
	d->kick_src = loop_add(h->loop, d->kick_fd, EPOLLIN, on_engine_kick, d);
	if (!d->kick_src) {
		ret = -errno;
		goto fail;
	}
	h->vsock = d->e;
	*state = d;
	return 0;
fail:
	vsock_destroy(d);
	return ret;
}

/* VM reset: tell the guest its connections are gone (if it left an event
 * buffer), then drop them and reset the transport. */
static void vsock_reset(void *state)
{
	struct vsock_dev *d = state;

	virtio_lock(d->v);
	if (virtio_running(d->v))
		post_reset_event(d);
	virtio_unlock(d->v);
	virtio_reset(d->v); /* calls vsock_vreset: the engine is reset */
}

const struct device_ops vsock_dev_ops = {
	.name = "virtio-vsock",
	.count = vsock_count,
	.create = vsock_create,
	.reset = vsock_reset,
	.destroy = vsock_destroy,
};
