/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues (virtio 1.2 section 2.7): the only code that reads the
 * guest's rings and descriptor chains (design.md section 4).  Every rule
 * the guest can break is checked here, once:
 *  - queue size a power of two, 1..max; rings aligned (16/2/4 bytes,
 *    section 2.7) and wholly inside RAM;
 *  - avail.idx never more than the queue size ahead of what was consumed;
 *  - a head index below the queue size;
 *  - a chain no longer than the queue size (direct) or the indirect
 *    table (indirect): the loop guard;
 *  - every descriptor range wholly inside RAM (gm_ptr), the sum of the
 *    lengths checked against overflow;
 *  - readable descriptors before writable ones (section 2.7.4.2);
 *  - indirect tables: only when negotiated, a multiple of 16 bytes, not
 *    empty, inside RAM, no nested INDIRECT, not combined with NEXT
 *    (section 2.7.5.3.1);
 *  - ring fields are read once each into host memory (no double fetch);
 *    the chain handed to a device is a host copy of (addr, len) pairs.
 * A ring-level error breaks the queue (the device must be reset); a
 * chain-level error yields the chain's head so it can still be completed.
 */
#ifndef CHARLIE_VIRTIO_QUEUE_H
#define CHARLIE_VIRTIO_QUEUE_H

#include "gm.h"

#include <stdbool.h>
#include <stdint.h>

/* Largest queue any device offers, and the longest chain (descriptors
 * after following an indirect table) a device is handed. */
#define VQ_MAX_SIZE 256
#define VQ_MAX_SEGS 256

/* Descriptor flags (virtio 1.2 section 2.7.5). */
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4
/* avail.flags / used.flags (section 2.7.7). */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY	   1

struct vq {
	/* set by the driver through the transport */
	uint16_t size; /* QueueNum */
	bool ready;
	gpa_t desc, avail, used;
	/* negotiated */
	bool event_idx, indirect;
	/* device side, host memory only (never trusted from the guest) */
	uint16_t max;	     /* QueueNumMax */
	uint16_t last_avail; /* next avail.ring slot to consume */
	uint16_t used_idx;   /* our used.idx */
	uint16_t signalled;  /* used_idx at the last interrupt */
	bool signalled_valid;
	bool broken; /* a ring-level error: nothing more until reset */
};

struct vq_seg {
	gpa_t addr;
	uint32_t len;
};

/* One request: readable segments first (nr_in of them, rlen bytes), then
 * writable ones (nr_out, wlen bytes). */
struct vq_chain {
	uint16_t head;
	unsigned int nr_in, nr_out;
	uint64_t rlen, wlen;
	struct vq_seg seg[VQ_MAX_SEGS];
};

enum vq_err {
	VQ_OK = 0,
	/* ring level: the queue is broken */
	VQ_E_NOT_READY,
	VQ_E_RING_RANGE, /* a ring outside RAM (checked again per access) */
	VQ_E_AVAIL_IDX,	 /* avail.idx ran ahead by more than the size */
	VQ_E_HEAD,	 /* head index >= queue size */
	/* chain level: the chain is completed with 0 bytes */
	VQ_E_DESC_INDEX,   /* next index >= size */
	VQ_E_LOOP,	   /* longer than the queue/table: a loop */
	VQ_E_DESC_RANGE,   /* a buffer not wholly inside RAM */
	VQ_E_LEN_OVERFLOW, /* the lengths' sum overflows */
	VQ_E_ORDER,	   /* readable after writable */
	VQ_E_INDIRECT,	   /* indirect not negotiated / malformed */
	VQ_E_TOO_MANY,	   /* more segments than VQ_MAX_SEGS */
	VQ_E__COUNT,
};

const char *vq_err_name(enum vq_err e);

/* True for errors that break the queue (as opposed to one chain). */
static inline bool vq_err_is_ring(enum vq_err e)
{
	return e >= VQ_E_NOT_READY && e <= VQ_E_HEAD;
}

/* Back to the reset state (size = max, not ready, addresses 0). */
void vq_reset(struct vq *q, uint16_t max);
/* Checks size and ring placement when the driver sets QueueReady.
 * Returns 0 or -EINVAL (the queue stays not ready). */
int vq_check_layout(const struct gm *gm, const struct vq *q);

/*
 * Takes the next available chain.  Returns 1 with *c filled, 0 when the
 * ring is empty, or -EINVAL with *e set: for a chain-level error c->head
 * is valid and the caller completes it (vq_push with 0 bytes); for a
 * ring-level error the queue is marked broken.
 */
int vq_pop(const struct gm *gm, struct vq *q, struct vq_chain *c,
	   enum vq_err *e);
/* Puts `head` on the used ring with `len` bytes written.  Returns 0 or
 * -EFAULT (the queue is broken). */
int vq_push(const struct gm *gm, struct vq *q, uint16_t head, uint32_t len);
/* Whether the driver wants an interrupt for what was pushed since the
 * last call that returned true (VIRTIO_F_EVENT_IDX, section 2.7.10, or
 * VIRTQ_AVAIL_F_NO_INTERRUPT, section 2.7.7). */
bool vq_should_notify(const struct gm *gm, struct vq *q);
/* With EVENT_IDX: tells the driver to kick once more is available
 * (avail_event = last_avail), so no kick is lost. */
void vq_set_avail_event(const struct gm *gm, struct vq *q);
/* True when the driver has made buffers available not yet popped. */
bool vq_has_avail(const struct gm *gm, struct vq *q);

/* Copies up to `len` bytes starting `off` bytes into the readable part
 * of the chain into `dst`; returns the bytes copied. */
uint64_t vq_chain_read(const struct gm *gm, const struct vq_chain *c,
		       uint64_t off, void *dst, uint64_t len);
/* Copies `len` bytes into the writable part at `off`; returns the bytes
 * copied (short at the end of the writable part). */
uint64_t vq_chain_write(const struct gm *gm, const struct vq_chain *c,
			uint64_t off, const void *src, uint64_t len);

#endif
