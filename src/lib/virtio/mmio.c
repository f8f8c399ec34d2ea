// SPDX-License-Identifier: MIT
/*
 * virtio-mmio version 2 (virtio 1.2 section 4.2): the registers, the
 * status state machine (validated as Firecracker's mmio.rs does), kicks
 * through an ioeventfd on QueueNotify served by the event loop, and
 * interrupts through an irqfd (edge).  Every register access takes the
 * device lock; so does the loop when it serves a kick, so a device's
 * queue handler never runs beside a register write or a reset.
 *
 * Windows come from host_alloc_mmio in creation order (devices/table.c):
 * the first virtio device is at HOST_MMIO_POOL_START (0xd0000000), the
 * next at +0x1000, and so on.
 */
#include "virtio/virtio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Register offsets (section 4.2.2). */
#define REG_MAGIC	      0x000
#define REG_VERSION	      0x004
#define REG_DEVICE_ID	      0x008
#define REG_VENDOR_ID	      0x00c
#define REG_DEVICE_FEATURES   0x010
#define REG_DEVICE_FEATURES_S 0x014
#define REG_DRIVER_FEATURES   0x020
#define REG_DRIVER_FEATURES_S 0x024
#define REG_QUEUE_SEL	      0x030
#define REG_QUEUE_NUM_MAX     0x034
#define REG_QUEUE_NUM	      0x038
#define REG_QUEUE_READY	      0x044
#define REG_QUEUE_NOTIFY      0x050
#define REG_INTERRUPT_STATUS  0x060
#define REG_INTERRUPT_ACK     0x064
#define REG_STATUS	      0x070
#define REG_QUEUE_DESC_LOW    0x080
#define REG_QUEUE_DESC_HIGH   0x084
#define REG_QUEUE_DRIVER_LOW  0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW  0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG	      0x100

#define MMIO_MAGIC   0x74726976 /* "virt" */
#define MMIO_VERSION 2
#define MMIO_VENDOR  0x43484c45 /* "CHLE" */
#define MMIO_SIZE    0x1000

struct mmio {
	struct virtio v;
	uint64_t base;
	int irq;
	int kick_fd, irq_fd;
	bool kick_assigned, irq_assigned;
	struct loop_src *kick_src;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
};

static struct mmio *mmio_of(struct virtio *v)
{
	return v->transport;
}

static void mmio_interrupt(struct virtio *v, uint32_t bits, int q)
{
	struct mmio *m = mmio_of(v);
	uint64_t one = 1;

	__atomic_fetch_or(&v->isr, bits, __ATOMIC_SEQ_CST);
	v->interrupts++;
	if (m && m->irq_fd >= 0 && write(m->irq_fd, &one, sizeof(one)) < 0)
		(void)0; /* the counter cannot overflow in practice */
}

/* Status 0 (section 4.2.3.1): the selectors back to power-on. */
static void mmio_reset(struct virtio *v)
{
	struct mmio *m = mmio_of(v);

	m->dev_features_sel = m->drv_features_sel = m->queue_sel = 0;
}

static struct vq *sel_queue(struct virtio *v)
{
	struct mmio *m = mmio_of(v);

	return m->queue_sel < v->ops->nr_queues ? &v->vq[m->queue_sel] : NULL;
}

static uint32_t reg_read(struct virtio *v, uint64_t off)
{
	struct mmio *m = mmio_of(v);
	struct vq *q = sel_queue(v);

	switch (off) {
	case REG_MAGIC:
		return MMIO_MAGIC;
	case REG_VERSION:
		return MMIO_VERSION;
	case REG_DEVICE_ID:
		return v->ops->device_id;
	case REG_VENDOR_ID:
		return MMIO_VENDOR;
	case REG_DEVICE_FEATURES:
		if (m->dev_features_sel > 1)
			return 0;
		return (uint32_t)(v->offered >> (32 * m->dev_features_sel));
	case REG_QUEUE_NUM_MAX:
		/* 0: no such queue (section 4.2.2) */
		return q ? q->max : 0;
	case REG_QUEUE_READY:
		return q ? q->ready : 0;
	case REG_INTERRUPT_STATUS:
		return __atomic_load_n(&v->isr, __ATOMIC_SEQ_CST);
	case REG_STATUS:
		return v->status |
		       (v->needs_reset ? VIRTIO_STATUS_DEVICE_NEEDS_RESET : 0);
	case REG_CONFIG_GENERATION:
		return 0; /* config never changes under the driver */
	}
	return 0;
}

/* Queue registers: writable while FEATURES_OK is set and DRIVER_OK is
 * not, for a queue that exists and is not ready (section 4.2.3.2). */
static struct vq *writable_queue(struct virtio *v, uint64_t off)
{
	char reg[24];

	snprintf(reg, sizeof(reg), "register 0x%03llx",
		 (unsigned long long)off);
	return virtio_writable_queue(v, mmio_of(v)->queue_sel, reg);
}

static void queue_ready(struct virtio *v, struct vq *q, uint32_t val)
{
	if (!val) {
		q->ready = false;
		return;
	}
	virtio_queue_enable(v, q, mmio_of(v)->queue_sel);
}

static void reg_write(struct virtio *v, uint64_t off, uint32_t val)
{
	struct mmio *m = mmio_of(v);
	struct vq *q;

	switch (off) {
	case REG_DEVICE_FEATURES_S:
		m->dev_features_sel = val;
		return;
	case REG_DRIVER_FEATURES:
		if ((v->status &
		     (VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK)) !=
			    VIRTIO_STATUS_DRIVER ||
		    m->drv_features_sel > 1) {
			virtio_warn(v,
				    "driver features written in status "
				    "0x%x (select %u): ignored",
				    v->status, m->drv_features_sel);
			return;
		}
		if (m->drv_features_sel)
			v->acked = (v->acked & 0xffffffffull) |
				   ((uint64_t)val << 32);
		else
			v->acked = (v->acked & ~0xffffffffull) | val;
		return;
	case REG_DRIVER_FEATURES_S:
		m->drv_features_sel = val;
		return;
	case REG_QUEUE_SEL:
		m->queue_sel = val; /* checked where it is used */
		return;
	case REG_QUEUE_NOTIFY:
		/* Reaches here only without ioeventfd (or in unit tests). */
		virtio_notify(v, val);
		return;
	case REG_INTERRUPT_ACK:
		__atomic_fetch_and(&v->isr, ~val, __ATOMIC_SEQ_CST);
		return;
	case REG_STATUS:
		virtio_write_status(v, val);
		return;
	case REG_QUEUE_NUM:
		q = writable_queue(v, off);
		if (q)
			q->size = (uint16_t)(val > 0xffff ? 0 : val);
		return;
	case REG_QUEUE_READY:
		q = sel_queue(v);
		if (q && val == 0) {
			q->ready = false;
			return;
		}
		q = writable_queue(v, off);
		if (q)
			queue_ready(v, q, val);
		return;
	case REG_QUEUE_DESC_LOW:
	case REG_QUEUE_DESC_HIGH:
	case REG_QUEUE_DRIVER_LOW:
	case REG_QUEUE_DRIVER_HIGH:
	case REG_QUEUE_DEVICE_LOW:
	case REG_QUEUE_DEVICE_HIGH:
		q = writable_queue(v, off);
		if (!q)
			return;
		if (off < REG_QUEUE_DRIVER_LOW)
			virtio_set_addr_half(&q->desc, off & 4, val);
		else if (off < REG_QUEUE_DEVICE_LOW)
			virtio_set_addr_half(&q->avail, off & 4, val);
		else
			virtio_set_addr_half(&q->used, off & 4, val);
		return;
	}
	virtio_warn(v,
		    "write to read-only or unknown register 0x%03llx: "
		    "ignored",
		    (unsigned long long)off);
}

static bool config_range(struct virtio *v, uint64_t off, unsigned int size,
			 bool is_write)
{
	uint64_t c = off - REG_CONFIG;

	if (c < v->ops->config_len && size <= v->ops->config_len - c)
		return true;
	virtio_warn(v,
		    "config %s at 0x%llx (%u bytes) past its %u bytes: "
		    "ignored",
		    is_write ? "write" : "read", (unsigned long long)c, size,
		    v->ops->config_len);
	return false;
}

static void mmio_read(void *opaque, uint64_t off, uint8_t *data,
		      unsigned int size)
{
	struct virtio *v = opaque;
	uint32_t val;

	memset(data, 0, size);
	virtio_lock(v);
	if (off >= REG_CONFIG) {
		if (config_range(v, off, size, false) && v->ops->config_read)
			v->ops->config_read(v->dev,
					    (uint32_t)(off - REG_CONFIG), data,
					    size);
	} else if (size == 4 && !(off & 3)) {
		val = reg_read(v, off);
		memcpy(data, &val, 4);
	} else {
		virtio_warn(v, "%u-byte read of register 0x%03llx: reads 0",
			    size, (unsigned long long)off);
	}
	virtio_unlock(v);
}

static void mmio_write(void *opaque, uint64_t off, const uint8_t *data,
		       unsigned int size)
{
	struct virtio *v = opaque;
	uint32_t val;

	virtio_lock(v);
	if (off >= REG_CONFIG) {
		if (config_range(v, off, size, true) && v->ops->config_write)
			v->ops->config_write(v->dev,
					     (uint32_t)(off - REG_CONFIG), data,
					     size);
	} else if (size == 4 && !(off & 3)) {
		memcpy(&val, data, 4);
		reg_write(v, off, val);
	} else {
		virtio_warn(v, "%u-byte write to register 0x%03llx: ignored",
			    size, (unsigned long long)off);
	}
	virtio_unlock(v);
}

static const struct bus_ops mmio_bus = {
	.read = mmio_read,
	.write = mmio_write,
};

static int wire(struct mmio *m, struct host *h)
{
	int ret;

	m->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	m->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->kick_fd < 0 || m->irq_fd < 0)
		return -errno;
	ret = h->ops->irqfd(h, (unsigned int)m->irq, m->irq_fd, true);
	if (ret)
		return ret;
	m->irq_assigned = true;
	/* Any 4-byte write to QueueNotify signals kick_fd inside KVM. */
	ret = h->ops->ioeventfd(h, m->base + REG_QUEUE_NOTIFY, 4, false,
				m->kick_fd, true);
	if (ret)
		return ret;
	m->kick_assigned = true;
	m->kick_src =
		loop_add(h->loop, m->kick_fd, EPOLLIN, virtio_on_kick, &m->v);
	return m->kick_src ? 0 : -errno;
}

static void mmio_remove(struct virtio *v);

static const struct virtio_transport_ops mmio_tops = {
	.interrupt = mmio_interrupt,
	.reset = mmio_reset,
	.remove = mmio_remove,
};

int virtio_mmio_add(struct host *h, const struct virtio_dev_ops *ops, void *dev,
		    unsigned int idx, struct virtio **out,
		    struct charlie_error *err)
{
	struct mmio *m = calloc(1, sizeof(*m));
	struct virtio *v;
	struct host_platdev d = {.hid = "LNRO0005", .mmio_len = MMIO_SIZE};
	char arg[64];
	int ret;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	v = &m->v;
	m->kick_fd = m->irq_fd = -1;
	virtio_init(v, h, ops, dev, idx, m, &mmio_tops);
	*out = v;

	m->base = host_alloc_mmio(h, MMIO_SIZE);
	m->irq = host_alloc_irq(h);
	if (!m->base || m->irq < 0)
		return -ENOSPC;
	ret = host_mmio_add(h, m->base, MMIO_SIZE, v->name, &mmio_bus, v);
	if (!ret)
		ret = wire(m, h);
	if (ret)
		return ret;
	/* Announced for the ACPI DSDT; uid/name from the window's slot. */
	d.uid = (unsigned int)((m->base - HOST_MMIO_POOL_START) / MMIO_SIZE);
	snprintf(d.name, sizeof(d.name), "VR%02X", d.uid & 0xff);
	d.mmio_base = m->base;
	d.irq = m->irq;
	d.irq_level = false;
	ret = host_describe(h, &d);
	if (ret)
		return ret;
	if (h->cfg->virtio_mmio_cmdline) {
		snprintf(arg, sizeof(arg), "virtio_mmio.device=4K@0x%llx:%d",
			 (unsigned long long)m->base, m->irq);
		ret = host_cmdline_append(h, arg);
	}
	return ret;
}

static void mmio_remove(struct virtio *v)
{
	struct mmio *m;
	struct host *h;

	m = mmio_of(v);
	h = v->h;
	if (m->kick_src)
		loop_del(h->loop, m->kick_src);
	if (m->kick_assigned)
		h->ops->ioeventfd(h, m->base + REG_QUEUE_NOTIFY, 4, false,
				  m->kick_fd, false);
	if (m->irq_assigned)
		h->ops->irqfd(h, (unsigned int)m->irq, m->irq_fd, false);
	if (m->kick_fd >= 0)
		close(m->kick_fd);
	if (m->irq_fd >= 0)
		close(m->irq_fd);
	pthread_mutex_destroy(&v->lock);
	free(m);
}
