// SPDX-License-Identifier: MIT
/*
 * Split virtqueues: the rules are listed in queue.h.  Ring fields are
 * read with single loads into host variables; the chain is copied out
 * (addresses and lengths) before any device looks at it.  Memory order
 * follows virtio 1.2 section 2.7.13 (read avail.idx, then the ring; write
 * the used element, then used.idx) and section 2.7.10 for EVENT_IDX.
 */
#include "virtio/queue.h"

#include <errno.h>
#include <string.h>

/* Ring layouts (virtio 1.2 section 2.7). */
#define DESC_SIZE   16
#define AVAIL_RING  4 /* flags, idx, then ring[size], used_event */
#define USED_RING   4 /* flags, idx, then ring[size] of 8, avail_event */
#define USED_ELEM   8
#define DESC_ALIGN  16
#define AVAIL_ALIGN 2
#define USED_ALIGN  4

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static const char *const names[VQ_E__COUNT] = {
	[VQ_OK] = "ok",
	[VQ_E_NOT_READY] = "queue not ready",
	[VQ_E_RING_RANGE] = "ring outside guest RAM",
	[VQ_E_AVAIL_IDX] = "avail.idx ran ahead by more than the queue size",
	[VQ_E_HEAD] = "head index past the queue size",
	[VQ_E_DESC_INDEX] = "descriptor next index past the table",
	[VQ_E_LOOP] = "descriptor chain longer than its table (loop)",
	[VQ_E_DESC_RANGE] = "descriptor buffer not wholly inside guest RAM",
	[VQ_E_LEN_OVERFLOW] = "descriptor lengths add up past 4 GiB",
	[VQ_E_ORDER] = "readable descriptor after a writable one",
	[VQ_E_INDIRECT] = "malformed or unnegotiated indirect descriptor",
	[VQ_E_TOO_MANY] = "too many descriptors in one chain",
};

const char *vq_err_name(enum vq_err e)
{
	return (unsigned int)e < VQ_E__COUNT ? names[e] : "unknown";
}

void vq_reset(struct vq *q, uint16_t max)
{
	memset(q, 0, sizeof(*q));
	q->max = max;
	q->size = max;
}

static uint64_t avail_bytes(uint16_t size)
{
	return AVAIL_RING + 2ull * size + 2;
}

static uint64_t used_bytes(uint16_t size)
{
	return USED_RING + (uint64_t)USED_ELEM * size + 2;
}

int vq_check_layout(const struct gm *gm, const struct vq *q)
{
	uint16_t n = q->size;

	if (!n || n > q->max || (n & (n - 1)))
		return -EINVAL;
	if ((q->desc & (DESC_ALIGN - 1)) || (q->avail & (AVAIL_ALIGN - 1)) ||
	    (q->used & (USED_ALIGN - 1)))
		return -EINVAL;
	if (!gm_ptr(gm, q->desc, (uint64_t)DESC_SIZE * n) ||
	    !gm_ptr(gm, q->avail, avail_bytes(n)) ||
	    !gm_ptr(gm, q->used, used_bytes(n)))
		return -EINVAL;
	return 0;
}

/* One aligned 16-bit ring field, read once.  NULL only if RAM moved. */
static uint16_t *ring16(const struct gm *gm, gpa_t gpa)
{
	return gm_ptr(gm, gpa, 2);
}

static int fail(struct vq *q, enum vq_err *e, enum vq_err why)
{
	*e = why;
	if (vq_err_is_ring(why))
		q->broken = true;
	return -EINVAL;
}

static int avail_idx(const struct gm *gm, struct vq *q, uint16_t *idx)
{
	uint16_t *p = ring16(gm, q->avail + 2);

	if (!p)
		return -EFAULT;
	/* acquire: the ring entries are read after the index */
	*idx = __atomic_load_n(p, __ATOMIC_ACQUIRE);
	return 0;
}

bool vq_has_avail(const struct gm *gm, struct vq *q)
{
	uint16_t idx;

	if (!q->ready || q->broken || avail_idx(gm, q, &idx))
		return false;
	return idx != q->last_avail;
}

static int walk(const struct gm *gm, const struct vq *q, struct vq_chain *c,
		enum vq_err *e)
{
	gpa_t table = q->desc;
	uint32_t tsize = q->size, count = 0;
	uint16_t idx = c->head;
	bool in_indirect = false;
	uint64_t total = 0;

	for (;;) {
		struct vring_desc d;

		/* Loop guard: a chain visits each slot of its table once. */
		if (count++ >= tsize)
			return *e = VQ_E_LOOP, -EINVAL;
		if (gm_read(gm, &d, table + (uint64_t)idx * DESC_SIZE,
			    sizeof(d)))
			return *e = VQ_E_DESC_RANGE, -EINVAL;
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* section 2.7.5.3.1: negotiated, not nested, not with
			 * NEXT, a whole number of descriptors */
			if (!q->indirect || in_indirect ||
			    (d.flags & VIRTQ_DESC_F_NEXT) || !d.len ||
			    d.len % DESC_SIZE ||
			    d.len / DESC_SIZE > VQ_MAX_SEGS)
				return *e = VQ_E_INDIRECT, -EINVAL;
			if (!gm_ptr(gm, d.addr, d.len) ||
			    (d.addr & (DESC_ALIGN - 1)))
				return *e = VQ_E_INDIRECT, -EINVAL;
			table = d.addr;
			tsize = d.len / DESC_SIZE;
			count = 0;
			idx = 0;
			in_indirect = true;
			continue;
		}
		if (d.len) {
			/* wholly inside RAM; gm_ptr also refuses a range that
			 * wraps the address space */
			if (!gm_ptr(gm, d.addr, d.len))
				return *e = VQ_E_DESC_RANGE, -EINVAL;
			total += d.len;
			if (total > UINT32_MAX)
				return *e = VQ_E_LEN_OVERFLOW, -EINVAL;
			if (c->nr_in + c->nr_out >= VQ_MAX_SEGS)
				return *e = VQ_E_TOO_MANY, -EINVAL;
			c->seg[c->nr_in + c->nr_out] =
				(struct vq_seg){d.addr, d.len};
			if (d.flags & VIRTQ_DESC_F_WRITE) {
				c->nr_out++;
				c->wlen += d.len;
			} else {
				/* section 2.7.4.2: readable ones come first */
				if (c->nr_out)
					return *e = VQ_E_ORDER, -EINVAL;
				c->nr_in++;
				c->rlen += d.len;
			}
		} else if (!(d.flags & VIRTQ_DESC_F_WRITE) && c->nr_out) {
			return *e = VQ_E_ORDER, -EINVAL;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		idx = d.next;
		if (idx >= tsize)
			return *e = VQ_E_DESC_INDEX, -EINVAL;
	}
}

int vq_pop(const struct gm *gm, struct vq *q, struct vq_chain *c,
	   enum vq_err *e)
{
	uint16_t idx, pending, *slot;

	*e = VQ_OK;
	if (!q->ready || q->broken)
		return 0;
	if (avail_idx(gm, q, &idx))
		return fail(q, e, VQ_E_RING_RANGE);
	pending = (uint16_t)(idx - q->last_avail);
	if (!pending)
		return 0;
	if (pending > q->size)
		return fail(q, e, VQ_E_AVAIL_IDX);
	slot = ring16(gm, q->avail + AVAIL_RING +
				  2ull * (q->last_avail & (q->size - 1)));
	if (!slot)
		return fail(q, e, VQ_E_RING_RANGE);
	memset(c, 0, offsetof(struct vq_chain, seg));
	c->head = __atomic_load_n(slot, __ATOMIC_RELAXED);
	q->last_avail++;
	if (c->head >= q->size)
		return fail(q, e, VQ_E_HEAD);
	if (walk(gm, q, c, e))
		return -EINVAL;
	return 1;
}

int vq_push(const struct gm *gm, struct vq *q, uint16_t head, uint32_t len)
{
	gpa_t at = q->used + USED_RING +
		   (uint64_t)USED_ELEM * (q->used_idx & (q->size - 1));
	uint32_t elem[2] = {head, len};
	uint16_t *idx = ring16(gm, q->used + 2);

	if (!q->ready || !idx || gm_write(gm, at, elem, sizeof(elem))) {
		q->broken = true;
		return -EFAULT;
	}
	q->used_idx++;
	/* release: the element is visible before the index */
	__atomic_store_n(idx, q->used_idx, __ATOMIC_RELEASE);
	return 0;
}

/* section 2.7.10: notify when new_idx has passed event since old */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

bool vq_should_notify(const struct gm *gm, struct vq *q)
{
	uint16_t old = q->signalled, v, *p;
	bool valid = q->signalled_valid, yes;

	if (!q->ready)
		return false;
	/* the used.idx store before the driver's flag/event reads */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->event_idx) {
		p = ring16(gm, q->avail + AVAIL_RING + 2ull * q->size);
		if (!p)
			return true;
		v = __atomic_load_n(p, __ATOMIC_RELAXED);
		yes = !valid || need_event(v, q->used_idx, old);
	} else {
		p = ring16(gm, q->avail);
		if (!p)
			return true;
		v = __atomic_load_n(p, __ATOMIC_RELAXED);
		yes = !(v & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	q->signalled = q->used_idx;
	q->signalled_valid = true;
	return yes;
}

void vq_set_avail_event(const struct gm *gm, struct vq *q)
{
	uint16_t *p;

	if (!q->ready || !q->event_idx)
		return;
	p = ring16(gm, q->used + USED_RING + (uint64_t)USED_ELEM * q->size);
	if (p)
		__atomic_store_n(p, q->last_avail, __ATOMIC_RELAXED);
	/* the driver reads avail_event after its avail.idx store */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

uint64_t vq_chain_read(const struct gm *gm, const struct vq_chain *c,
		       uint64_t off, void *dst, uint64_t len)
{
	uint64_t done = 0;

	for (unsigned int i = 0; i < c->nr_in && done < len; i++) {
		const struct vq_seg *s = &c->seg[i];
		uint64_t n;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off;
		if (n > len - done)
			n = len - done;
		if (gm_read(gm, (uint8_t *)dst + done, s->addr + off, n))
			break;
		done += n;
		off = 0;
	}
	return done;
}

uint64_t vq_chain_write(const struct gm *gm, const struct vq_chain *c,
			uint64_t off, const void *src, uint64_t len)
{
	uint64_t done = 0;

	for (unsigned int i = c->nr_in; i < c->nr_in + c->nr_out && done < len;
	     i++) {
		const struct vq_seg *s = &c->seg[i];
		uint64_t n;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off;
		if (n > len - done)
			n = len - done;
		if (gm_write(gm, s->addr + off, (const uint8_t *)src + done, n))
			break;
		done += n;
		off = 0;
	}
	return done;
}
