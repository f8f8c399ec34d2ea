// SPDX-License-Identifier: MIT
/*
 * The transport-independent half of a virtio device: taking requests off
 * a queue with queue.c's checks, completing them, and what happens when
 * the guest breaks the protocol (design.md section 4).
 */
#include "virtio/virtio.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
		virtio_interrupt(v, VIRTIO_INT_VRING);
}
