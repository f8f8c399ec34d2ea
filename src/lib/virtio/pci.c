// SPDX-License-Identifier: MIT
/*
 * virtio-pci, modern (virtio 1.2 section 4.1): a PCI function
 * 1AF4:(0x1040 + device ID), revision 1, with one 64-bit memory BAR
 * holding the four structures the vendor capabilities point at, and the
 * MSI-X table and PBA:
 *   BAR0 + 0x0000  common configuration (section 4.1.4.3)
 *          0x1000  ISR status, one byte; reading clears it (4.1.4.5)
 *          0x2000  device-specific configuration (4.1.4.6)
 *          0x3000  notifications: queue q at 0x3000 + 4 * q
 *                  (notify_off_multiplier 4, queue_notify_off q)
 *          0x4000  MSI-X table (config vector + one per queue)
 *          0x4800  MSI-X PBA
 * The same device files as virtio-mmio (devices know no transport), and
 * the same rules: status transitions, feature and queue validation are
 * virtio.c's.  Kicks: an ioeventfd on each queue's notify address, moved
 * with the BAR, served by the event loop.  Interrupts: MSI-X vectors by
 * irqfd when the driver enables MSI-X, else INTx (level; the ISR read
 * drops it).
 *
 * Not offered: VIRTIO_PCI_CAP_PCI_CFG (the config-space window into the
 * BAR; neither Linux nor OVMF uses it) and the legacy interface.
 */
#include "virtio/virtio.h"
#include "pci/pci.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define VPCI_VENDOR	 0x1af4
#define VPCI_DEVICE_BASE 0x1040
#define VPCI_SUBSYS_ID	 0x1100 /* >= 0x40 (section 4.1.2.1), as QEMU */

#define BAR_SIZE    0x8000
#define OFF_COMMON  0x0000
#define OFF_ISR	    0x1000
#define OFF_DEVICE  0x2000
#define OFF_NOTIFY  0x3000
#define OFF_MSIX    0x4000
#define OFF_PBA	    0x4800
#define REGION_SIZE 0x1000
#define NOTIFY_MULT 4

/* Capability types (section 4.1.4). */
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR	   3
#define CAP_DEVICE 4

/* Common configuration offsets (section 4.1.4.3). */
#define CC_DFSELECT  0x00
#define CC_DF	     0x04
#define CC_GFSELECT  0x08
#define CC_GF	     0x0c
#define CC_MSIX	     0x10
#define CC_NUMQ	     0x12
#define CC_STATUS    0x14
#define CC_CFGGEN    0x15
#define CC_Q_SELECT  0x16
#define CC_Q_SIZE    0x18
#define CC_Q_MSIX    0x1a
#define CC_Q_ENABLE  0x1c
#define CC_Q_NOFF    0x1e
#define CC_Q_DESCLO  0x20
#define CC_Q_DESCHI  0x24
#define CC_Q_AVAILLO 0x28
#define CC_Q_AVAILHI 0x2c
#define CC_Q_USEDLO  0x30
#define CC_Q_USEDHI  0x34
#define CC_LEN	     0x38

#define NO_VECTOR 0xffff

struct vpci {
	struct virtio v;
	struct pci_dev *pd;
	int kick_fd;
	struct loop_src *kick_src;
	bool kick_assigned;
	uint64_t notify_addr; /* where the ioeventfds are */
	uint32_t dfselect, gfselect;
	uint16_t q_select;
	uint16_t config_vector;
	uint16_t q_vector[VIRTIO_MAX_QUEUES];
};

static struct vpci *vpci_of(struct virtio *v)
{
	return v->transport;
}

/* ---- interrupts ---- */

static void vpci_interrupt(struct virtio *v, uint32_t bits, int q)
{
	struct vpci *p = vpci_of(v);

	v->interrupts++;
	if (pci_msix_enabled(p->pd)) {
		if ((bits & VIRTIO_INT_CONFIG) && p->config_vector != NO_VECTOR)
			pci_msix_notify(p->pd, p->config_vector);
		if (!(bits & VIRTIO_INT_VRING))
			return;
		for (unsigned int i = 0; i < v->ops->nr_queues; i++)
			if ((q < 0 || (unsigned int)q == i) &&
			    p->q_vector[i] != NO_VECTOR)
				pci_msix_notify(p->pd, p->q_vector[i]);
		return;
	}
	__atomic_fetch_or(&v->isr, bits, __ATOMIC_SEQ_CST);
	pci_intx(p->pd, true);
}

static void vpci_reset(struct virtio *v)
{
	struct vpci *p = vpci_of(v);

	p->dfselect = p->gfselect = 0;
	p->q_select = 0;
	p->config_vector = NO_VECTOR;
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++)
		p->q_vector[i] = NO_VECTOR;
	pci_intx(p->pd, false);
}

/* ---- common configuration ---- */

static struct vq *sel_queue(struct vpci *p)
{
	return p->q_select < p->v.ops->nr_queues ? &p->v.vq[p->q_select] : NULL;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)v);
	put16(b + 2, (uint16_t)(v >> 16));
}

/* The whole structure as the driver would read it now. */
static void common_snapshot(struct vpci *p, uint8_t *c)
{
	struct virtio *v = &p->v;
	struct vq *q = sel_queue(p);

	memset(c, 0, CC_LEN);
	put32(c + CC_DFSELECT, p->dfselect);
	put32(c + CC_DF,
	      p->dfselect > 1 ? 0
			      : (uint32_t)(v->offered >> (32 * p->dfselect)));
	put32(c + CC_GFSELECT, p->gfselect);
	put32(c + CC_GF,
	      p->gfselect > 1 ? 0 : (uint32_t)(v->acked >> (32 * p->gfselect)));
	put16(c + CC_MSIX, p->config_vector);
	put16(c + CC_NUMQ, (uint16_t)v->ops->nr_queues);
	c[CC_STATUS] =
		(uint8_t)(v->status |
			  (v->needs_reset ? VIRTIO_STATUS_DEVICE_NEEDS_RESET
					  : 0));
	c[CC_CFGGEN] = 0; /* config never changes under the driver */
	put16(c + CC_Q_SELECT, p->q_select);
	if (!q)
		return; /* queue_size 0: no such queue (section 4.1.4.3.1) */
	put16(c + CC_Q_SIZE, q->size);
	put16(c + CC_Q_MSIX, p->q_vector[p->q_select]);
	put16(c + CC_Q_ENABLE, q->ready);
	put16(c + CC_Q_NOFF, p->q_select);
	put32(c + CC_Q_DESCLO, (uint32_t)q->desc);
	put32(c + CC_Q_DESCHI, (uint32_t)(q->desc >> 32));
	put32(c + CC_Q_AVAILLO, (uint32_t)q->avail);
	put32(c + CC_Q_AVAILHI, (uint32_t)(q->avail >> 32));
	put32(c + CC_Q_USEDLO, (uint32_t)q->used);
	put32(c + CC_Q_USEDHI, (uint32_t)(q->used >> 32));
}

/* A vector the driver may use: in the table, or NO_VECTOR (which reads
 * back so the driver sees the refusal, section 4.1.5.1.2). */
static uint16_t checked_vector(struct vpci *p, uint32_t val)
{
	return val < p->pd->msix_nr ? (uint16_t)val : NO_VECTOR;
}

/* Each field is written whole at its own offset with its own width;
 * the 64-bit queue addresses as two 32-bit halves (section 4.1.3.1).
 * Anything else is ignored and said (rate-limited). */
static void common_write(struct vpci *p, uint64_t off, uint32_t val,
			 unsigned int size)
{
	static const uint8_t width[CC_LEN] = {
		[CC_DFSELECT] = 4,  [CC_GFSELECT] = 4, [CC_GF] = 4,
		[CC_MSIX] = 2,	    [CC_STATUS] = 1,   [CC_Q_SELECT] = 2,
		[CC_Q_SIZE] = 2,    [CC_Q_MSIX] = 2,   [CC_Q_ENABLE] = 2,
		[CC_Q_DESCLO] = 4,  [CC_Q_DESCHI] = 4, [CC_Q_AVAILLO] = 4,
		[CC_Q_AVAILHI] = 4, [CC_Q_USEDLO] = 4, [CC_Q_USEDHI] = 4,
	};
	struct virtio *v = &p->v;
	struct vq *q;

	if (off >= CC_LEN || width[off] != size) {
		virtio_warn(v,
			    "%u-byte write at common config 0x%02llx: "
			    "ignored",
			    size, (unsigned long long)off);
		return;
	}
	switch (off) {
	case CC_DFSELECT:
		p->dfselect = val;
		return;
	case CC_GFSELECT:
		p->gfselect = val;
		return;
	case CC_GF:
		if ((v->status &
		     (VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK)) !=
			    VIRTIO_STATUS_DRIVER ||
		    p->gfselect > 1) {
			virtio_warn(v,
				    "driver features written in status 0x%x "
				    "(select %u): ignored",
				    v->status, p->gfselect);
			return;
		}
		if (p->gfselect)
			v->acked = (v->acked & 0xffffffffull) |
				   ((uint64_t)val << 32);
		else
			v->acked = (v->acked & ~0xffffffffull) | val;
		return;
	case CC_MSIX:
		p->config_vector = checked_vector(p, val);
		return;
	case CC_STATUS:
		virtio_write_status(v, val);
		return;
	case CC_Q_SELECT:
		p->q_select = (uint16_t)val; /* checked where it is used */
		return;
	case CC_Q_MSIX:
		if (sel_queue(p))
			p->q_vector[p->q_select] = checked_vector(p, val);
		return;
	case CC_Q_ENABLE:
		q = sel_queue(p);
		if (q && val == 0) {
			q->ready = false;
			return;
		}
		q = virtio_writable_queue(v, p->q_select, "queue_enable");
		if (q)
			virtio_queue_enable(v, q, p->q_select);
		return;
	case CC_Q_SIZE:
		q = virtio_writable_queue(v, p->q_select, "queue_size");
		if (q)
			q->size = (uint16_t)val; /* checked at enable */
		return;
	default:
		q = virtio_writable_queue(v, p->q_select, "queue address");
		if (!q)
			return;
		if (off < CC_Q_AVAILLO)
			virtio_set_addr_half(&q->desc, off & 4, val);
		else if (off < CC_Q_USEDLO)
			virtio_set_addr_half(&q->avail, off & 4, val);
		else
			virtio_set_addr_half(&q->used, off & 4, val);
		return;
	}
}

/* ---- the BAR ---- */

static void bar_read(void *opaque, uint64_t off, uint8_t *data, unsigned size)
{
	struct vpci *p = opaque;
	struct virtio *v = &p->v;
	uint8_t c[CC_LEN];

	if (pci_msix_access(p->pd, off, false, data, size))
		return;
	memset(data, 0, size);
	virtio_lock(v);
	if (off < OFF_COMMON + REGION_SIZE) {
		common_snapshot(p, c);
		for (unsigned int i = 0; i < size && off + i < CC_LEN; i++)
			data[i] = c[off + i];
	} else if (off == OFF_ISR) {
		/* section 4.1.4.5.1: reading clears; INTx drops */
		data[0] = (uint8_t)__atomic_exchange_n(&v->isr, 0,
						       __ATOMIC_SEQ_CST);
		pci_intx(p->pd, false);
	} else if (off >= OFF_DEVICE && off < OFF_DEVICE + REGION_SIZE) {
		uint64_t o = off - OFF_DEVICE;

		if (o < v->ops->config_len && size <= v->ops->config_len - o &&
		    v->ops->config_read)
			v->ops->config_read(v->dev, (uint32_t)o, data, size);
		else
			virtio_warn(v,
				    "config read at 0x%llx (%u bytes) past "
				    "its %u bytes: reads 0",
				    (unsigned long long)o, size,
				    v->ops->config_len);
	}
	virtio_unlock(v);
}

static void bar_write(void *opaque, uint64_t off, const uint8_t *data,
		      unsigned size)
{
	struct vpci *p = opaque;
	struct virtio *v = &p->v;
	uint32_t val = 0;

	if (pci_msix_access(p->pd, off, true, (uint8_t *)data, size))
		return;
	for (unsigned int i = 0; i < size && i < 4; i++)
		val |= (uint32_t)data[i] << (8 * i);
	virtio_lock(v);
	if (off < OFF_COMMON + REGION_SIZE) {
		common_write(p, off, val, size);
	} else if (off >= OFF_DEVICE && off < OFF_DEVICE + REGION_SIZE) {
		uint64_t o = off - OFF_DEVICE;

		if (o < v->ops->config_len && size <= v->ops->config_len - o &&
		    v->ops->config_write)
			v->ops->config_write(v->dev, (uint32_t)o, data, size);
		else if (!(o < v->ops->config_len &&
			   size <= v->ops->config_len - o))
			virtio_warn(v,
				    "config write at 0x%llx (%u bytes) past "
				    "its %u bytes: ignored",
				    (unsigned long long)o, size,
				    v->ops->config_len);
	} else if (off >= OFF_NOTIFY && off < OFF_NOTIFY + REGION_SIZE) {
		/* Only without ioeventfd (a width KVM does not match, or
		 * unit tests): the queue is the offset's. */
		virtio_notify(v,
			      (unsigned int)((off - OFF_NOTIFY) / NOTIFY_MULT));
	} else {
		virtio_warn(v, "write at BAR offset 0x%llx: ignored",
			    (unsigned long long)off);
	}
	virtio_unlock(v);
}

static const struct bus_ops bar_ops = {.read = bar_read, .write = bar_write};

/* ---- kicks follow the BAR ---- */

static void kicks_assign(struct vpci *p, bool assign)
{
	struct host *h = p->v.h;

	for (unsigned int q = 0; q < p->v.ops->nr_queues; q++)
		h->ops->ioeventfd(h, p->notify_addr + NOTIFY_MULT * q, 2, false,
				  p->kick_fd, assign);
	p->kick_assigned = assign;
}

/* Called by the PCI core with its lock held (never the device lock). */
static void vpci_bar_update(struct pci_dev *d, unsigned int bar, bool decoded,
			    uint64_t addr)
{
	struct vpci *p = d->opaque;

	if (bar != 0 || p->kick_fd < 0)
		return;
	if (p->kick_assigned)
		kicks_assign(p, false);
	if (decoded) {
		p->notify_addr = addr + OFF_NOTIFY;
		kicks_assign(p, true);
	}
}

static const struct pci_dev_ops vpci_dev_ops = {
	.bar_update = vpci_bar_update,
};

/* ---- creation ---- */

static void add_cap(struct pci_dev *d, uint8_t type, uint32_t off, uint32_t len,
		    bool notify)
{
	unsigned int c =
		pci_dev_add_cap(d, PCI_CAP_ID_VENDOR, notify ? 20 : 16);

	if (!c)
		return;
	d->cfg[c + 2] = notify ? 20 : 16; /* cap_len */
	d->cfg[c + 3] = type;
	d->cfg[c + 4] = 0; /* BAR 0 */
	put32(&d->cfg[c + 8], off);
	put32(&d->cfg[c + 12], len);
	if (notify)
		put32(&d->cfg[c + 16], NOTIFY_MULT);
}

static uint32_t class_of(uint32_t device_id)
{
	switch (device_id) {
	case VIRTIO_ID_NET:
		return 0x020000; /* Ethernet */
	case VIRTIO_ID_BLOCK:
		return 0x018000; /* other mass storage */
	case VIRTIO_ID_CONSOLE:
	case VIRTIO_ID_VSOCK:
		return 0x078000; /* other communication */
	default:
		return 0xff0000;
	}
}

static void vpci_remove(struct virtio *v)
{
	struct vpci *p = vpci_of(v);
	struct host *h = v->h;

	if (p->kick_src)
		loop_del(h->loop, p->kick_src);
	pci_dev_free(p->pd); /* its windows and the ioeventfds go */
	if (p->kick_assigned)
		kicks_assign(p, false);
	if (p->kick_fd >= 0)
		close(p->kick_fd);
	pthread_mutex_destroy(&v->lock);
	free(p);
}

static const struct virtio_transport_ops vpci_tops = {
	.interrupt = vpci_interrupt,
	.reset = vpci_reset,
	.remove = vpci_remove,
};

int virtio_pci_add(struct host *h, const struct virtio_dev_ops *ops, void *dev,
		   unsigned int idx, struct virtio **out,
		   struct charlie_error *err)
{
	struct vpci *p = calloc(1, sizeof(*p));
	struct pci_dev *d;
	struct virtio *v;
	int ret;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	v = &p->v;
	p->kick_fd = -1;
	virtio_init(v, h, ops, dev, idx, p, &vpci_tops);
	*out = v;
	if (!h->pci) {
		host_logf(h, CHARLIE_LOG_ERROR,
			  "%s: virtio-pci needs the PCI platform", v->name);
		return -ENODEV;
	}
	d = pci_dev_new(h->pci, -1, 0, VPCI_VENDOR,
			(uint16_t)(VPCI_DEVICE_BASE + ops->device_id),
			class_of(ops->device_id) << 8 | 1, 0, v->name);
	if (!d)
		return -ENOSPC;
	p->pd = d;
	d->ops = &vpci_dev_ops;
	d->opaque = p;
	d->cfg[PCI_SUBSYS_VENDOR] = VPCI_VENDOR & 0xff;
	d->cfg[PCI_SUBSYS_VENDOR + 1] = VPCI_VENDOR >> 8;
	d->cfg[PCI_SUBSYS_ID] = VPCI_SUBSYS_ID & 0xff;
	d->cfg[PCI_SUBSYS_ID + 1] = VPCI_SUBSYS_ID >> 8;
	pci_dev_set_pin(d, 1);
	ret = pci_dev_set_bar(d, 0, PCI_BAR_MEM64, BAR_SIZE, &bar_ops, p);
	if (ret)
		return ret;
	ret = pci_dev_add_msix(d, ops->nr_queues + 1, 0, OFF_MSIX, OFF_PBA);
	if (ret)
		return ret;
	add_cap(d, CAP_COMMON, OFF_COMMON, CC_LEN, false);
	add_cap(d, CAP_NOTIFY, OFF_NOTIFY, NOTIFY_MULT * ops->nr_queues, true);
	add_cap(d, CAP_ISR, OFF_ISR, 1, false);
	if (ops->config_len)
		add_cap(d, CAP_DEVICE, OFF_DEVICE, ops->config_len, false);
	vpci_reset(v);
	p->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->kick_fd < 0)
		return -errno;
	p->kick_src = loop_add(h->loop, p->kick_fd, EPOLLIN, virtio_on_kick, v);
	if (!p->kick_src)
		return -errno;
	/* charlie places the BAR; firmware that enumerates moves it */
	return pci_dev_place(d);
}
