// SPDX-License-Identifier: MIT
/*
 * The transport-independent half of a virtio device: taking requests off
 * a queue with queue.c's checks, completing them, and what happens when
 * the guest breaks the protocol (design.md section 4).
 */
#include "virtio/virtio.h"
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void virtio_lock(struct virtio *v)
{
	pthread_mutex_lock(&v->lock);
}

void virtio_unlock(struct virtio *v)
{
	pthread_mutex_unlock(&v->lock);
}

bool virtio_acked(const struct virtio *v, unsigned int bit)
{
	return bit < 64 && (v->acked >> bit) & 1;
}

bool virtio_running(const struct virtio *v)
{
	return (v->status & VIRTIO_STATUS_DRIVER_OK) && !v->needs_reset &&
	       !(v->status & VIRTIO_STATUS_FAILED);
}

static void vlog(struct virtio *v, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	host_log_ratelimited(v->h, &v->rl, CHARLIE_LOG_WARN, "%s: %s", v->name,
			     line);
}

void virtio_warn(struct virtio *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(v, fmt, ap);
	va_end(ap);
}

void virtio_fail(struct virtio *v, const char *fmt, ...)
{
	va_list ap;

	if (v->needs_reset)
		return; /* said once per reset */
	v->needs_reset = true;
	va_start(ap, fmt);
	vlog(v, fmt, ap);
	va_end(ap);
	/* section 2.1.2: NEEDS_RESET, then a configuration change
	 * notification so the driver looks at the status */
	if (v->status & VIRTIO_STATUS_DRIVER_OK)
		virtio_interrupt(v, VIRTIO_INT_CONFIG);
}

int virtio_pop(struct virtio *v, unsigned int q, struct vq_chain *c)
{
	const struct gm *gm = v->h->gm;
	struct vq *vq;
	enum vq_err e;
	int ret;

	if (q >= v->ops->nr_queues || !virtio_running(v))
		return 0;
	vq = &v->vq[q];
	ret = vq_pop(gm, vq, c, &e);
	if (ret == 0) {
		/* EVENT_IDX: ask for a kick at the next buffer, then look
		 * again: one made available before the driver saw the new
		 * avail_event would get no kick (section 2.7.10) */
		vq_set_avail_event(gm, vq);
		if (vq->event_idx && vq_has_avail(gm, vq))
			ret = vq_pop(gm, vq, c, &e);
	}
	if (ret >= 0)
		return ret;
	if (!vq_err_is_ring(e))
		virtio_push(v, q, c->head, 0);
	virtio_fail(v, "queue %u: %s; the device needs a reset", q,
		    vq_err_name(e));
	return 0;
}

void virtio_push(struct virtio *v, unsigned int q, uint16_t head, uint32_t len)
{
	struct vq *vq = &v->vq[q];

	if (vq_push(v->h->gm, vq, head, len)) {
		virtio_fail(v, "queue %u: used ring outside guest RAM", q);
		return;
	}
	if (vq_should_notify(v->h->gm, vq))
		v->tops->interrupt(v, VIRTIO_INT_VRING, (int)q);
	/* a served request is progress for the firmware stall watchdog
	 * (kicks arrive by ioeventfd, unseen by the exit trace) */
	if (v->h->trace)
		host_trace_progress(v->h);
}

/* ---- shared by the transports ---- */

int virtio_add(struct host *h, const struct virtio_dev_ops *ops, void *dev,
	       unsigned int idx, struct virtio **out, struct charlie_error *err)
{
	if (config_virtio_pci(h->cfg))
		return virtio_pci_add(h, ops, dev, idx, out, err);
	return virtio_mmio_add(h, ops, dev, idx, out, err);
}

void virtio_remove(struct virtio *v)
{
	if (v)
		v->tops->remove(v);
}

void virtio_interrupt(struct virtio *v, uint32_t bits)
{
	v->tops->interrupt(v, bits, -1);
}

void virtio_init(struct virtio *v, struct host *h,
		 const struct virtio_dev_ops *ops, void *dev, unsigned int idx,
		 void *transport, const struct virtio_transport_ops *tops)
{
	v->transport = transport;
	v->tops = tops;
	v->ops = ops;
	v->dev = dev;
	v->h = h;
	v->rl = (struct ratelimit)RATELIMIT_INIT(1000000000ull);
	pthread_mutex_init(&v->lock, NULL);
	snprintf(v->name, sizeof(v->name), "%s%u", ops->name, idx);
	v->offered = ops->features(dev) | (1ull << VIRTIO_F_VERSION_1) |
		     (1ull << VIRTIO_F_EVENT_IDX) |
		     (1ull << VIRTIO_F_INDIRECT_DESC);
	for (unsigned int i = 0; i < ops->nr_queues; i++)
		vq_reset(&v->vq[i], ops->queue_max);
}

/* Status 0 (section 2.4): everything back to power-on. */
void virtio_reset_locked(struct virtio *v)
{
	if (v->ops->reset)
		v->ops->reset(v->dev);
	for (unsigned int i = 0; i < v->ops->nr_queues; i++)
		vq_reset(&v->vq[i], v->ops->queue_max);
	v->acked = 0;
	v->status = 0;
	v->needs_reset = false;
	__atomic_store_n(&v->isr, 0, __ATOMIC_SEQ_CST);
	v->tops->reset(v);
}

void virtio_reset(struct virtio *v)
{
	virtio_lock(v);
	virtio_reset_locked(v);
	virtio_unlock(v);
}

void virtio_notify_all(struct virtio *v)
{
	for (unsigned int q = 0; q < v->ops->nr_queues; q++)
		if (virtio_running(v) && v->vq[q].ready)
			v->ops->queue_notify(v->dev, v, q);
}

void virtio_notify(struct virtio *v, unsigned int qi)
{
	if (!virtio_running(v)) {
		virtio_warn(v,
			    "queue %u notified in status 0x%x (before "
			    "DRIVER_OK or after an error): ignored",
			    qi, v->status);
		return;
	}
	if (qi < v->ops->nr_queues && v->vq[qi].ready)
		v->ops->queue_notify(v->dev, v, qi);
}

/* The ioeventfd fired: a notify write that never left KVM.  No
 * datamatch, so the queue is unknown: look at all of them (cheap). */
void virtio_on_kick(void *opaque, int fd, uint32_t events)
{
	struct virtio *v = opaque;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0)
		return;
	virtio_lock(v);
	if (virtio_running(v))
		virtio_notify_all(v);
	else
		virtio_warn(v,
			    "notified in status 0x%x (before DRIVER_OK or "
			    "after an error): ignored",
			    v->status);
	virtio_unlock(v);
}

struct vq *virtio_writable_queue(struct virtio *v, unsigned int qi,
				 const char *reg)
{
	struct vq *q = qi < v->ops->nr_queues ? &v->vq[qi] : NULL;

	if (!q) {
		virtio_warn(v,
			    "%s written for queue %u; the device has %u: "
			    "ignored",
			    reg, qi, v->ops->nr_queues);
		return NULL;
	}
	if ((v->status & (VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK |
			  VIRTIO_STATUS_FAILED)) != VIRTIO_STATUS_FEATURES_OK ||
	    q->ready) {
		virtio_warn(v,
			    "%s written for queue %u in status 0x%x%s: "
			    "ignored",
			    reg, qi, v->status,
			    q->ready ? " (queue ready)" : "");
		return NULL;
	}
	return q;
}

void virtio_set_addr_half(gpa_t *a, bool high, uint32_t val)
{
	if (high)
		*a = (*a & 0xffffffffull) | ((uint64_t)val << 32);
	else
		*a = (*a & ~0xffffffffull) | val;
}

void virtio_queue_enable(struct virtio *v, struct vq *q, unsigned int qi)
{
	if (vq_check_layout(v->h->gm, q)) {
		/* size 0 or not a power of two, misaligned or outside RAM:
		 * the queue stays not ready and the driver is told */
		virtio_fail(v,
			    "queue %u refused: size %u (max %u), desc 0x%llx, "
			    "driver 0x%llx, device 0x%llx",
			    qi, q->size, q->max, (unsigned long long)q->desc,
			    (unsigned long long)q->avail,
			    (unsigned long long)q->used);
		return;
	}
	q->event_idx = virtio_acked(v, VIRTIO_F_EVENT_IDX);
	q->indirect = virtio_acked(v, VIRTIO_F_INDIRECT_DESC);
	q->last_avail = q->used_idx = 0;
	q->signalled_valid = false;
	q->broken = false;
	q->ready = true;
}

/* Status writes (section 3.1.1): bits are only ever added, one step at a
 * time, in the order ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK; FAILED
 * at any time; 0 resets.  Anything else is ignored and said once. */
void virtio_write_status(struct virtio *v, uint32_t val)
{
	uint8_t old = v->status, add;

	if (val == 0) {
		virtio_reset_locked(v);
		return;
	}
	val &= ~(uint32_t)VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	add = (uint8_t)(val & ~old);
	if (val > 0xff || (val & old) != old)
		goto bad;
	if (add == 0)
		return;
	if (add == VIRTIO_STATUS_FAILED) {
		v->status = (uint8_t)val;
		return;
	}
	switch (add) {
	case VIRTIO_STATUS_ACKNOWLEDGE:
		if (old)
			goto bad;
		break;
	case VIRTIO_STATUS_DRIVER:
		if (old != VIRTIO_STATUS_ACKNOWLEDGE)
			goto bad;
		break;
	case VIRTIO_STATUS_FEATURES_OK:
		if (old != (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER))
			goto bad;
		/* section 2.2.2: a subset of what was offered, and 1.0
		 * semantics (section 6.1): else FEATURES_OK stays clear */
		if ((v->acked & ~v->offered) ||
		    !virtio_acked(v, VIRTIO_F_VERSION_1)) {
			virtio_warn(v,
				    "driver features 0x%llx refused "
				    "(offered 0x%llx)",
				    (unsigned long long)v->acked,
				    (unsigned long long)v->offered);
			return;
		}
		break;
	case VIRTIO_STATUS_DRIVER_OK:
		if (old != (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			    VIRTIO_STATUS_FEATURES_OK))
			goto bad;
		break;
	default:
		goto bad;
	}
	v->status = (uint8_t)val;
	if (add == VIRTIO_STATUS_DRIVER_OK)
		virtio_notify_all(v); /* buffers made available before */
	return;
bad:
	virtio_warn(v, "invalid status transition 0x%x -> 0x%x: ignored", old,
		    val);
}
