/* SPDX-License-Identifier: MIT */
/*
 * What a virtio device sees (design.md sections 9 and 12): a small ops
 * table (features, config space, queues, notify, reset) and a few calls
 * to take requests off its queues and complete them.  A device knows
 * nothing of its transport: registers, status transitions and interrupts
 * belong to the transport (mmio.c, virtio-mmio version 2), which is the
 * only one today; virtio-pci can be added beside it.
 */
#ifndef CHARLIE_VIRTIO_H
#define CHARLIE_VIRTIO_H

#include "device.h"
#include "host.h"
#include "virtio/queue.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Device IDs (virtio 1.2 section 5). */
#define VIRTIO_ID_NET	  1
#define VIRTIO_ID_BLOCK	  2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG	  4
#define VIRTIO_ID_VSOCK	  19

/* Reserved feature bits (section 6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32

/* Device status (section 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	 1
#define VIRTIO_STATUS_DRIVER		 2
#define VIRTIO_STATUS_DRIVER_OK		 4
#define VIRTIO_STATUS_FEATURES_OK	 8
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED		 128

/* InterruptStatus bits (section 4.2.2). */
#define VIRTIO_INT_VRING  1
#define VIRTIO_INT_CONFIG 2

#define VIRTIO_MAX_QUEUES 4

struct virtio;

/* What a transport (mmio.c, pci.c) does for the common code. */
struct virtio_transport_ops {
	/* Raise `bits` of InterruptStatus; `q` is the queue for
	 * VIRTIO_INT_VRING (-1: unknown, every queue). */
	void (*interrupt)(struct virtio *v, uint32_t bits, int q);
	/* Driver reset (status 0), lock held: the transport's registers
	 * (selectors, vectors) back to power-on. */
	void (*reset)(struct virtio *v);
	void (*remove)(struct virtio *v);
};

struct virtio;

struct virtio_dev_ops {
	const char *name; /* "virtio-blk" */
	uint32_t device_id;
	unsigned int nr_queues;
	uint16_t queue_max; /* a power of two <= VQ_MAX_SIZE */
	uint32_t config_len;
	/* Device-specific feature bits (the transport adds its own). */
	uint64_t (*features)(void *dev);
	/* [off, off + size) lies inside config_len (checked by the
	 * transport); the device may leave bytes alone (they read 0). */
	void (*config_read)(void *dev, uint32_t off, uint8_t *data,
			    unsigned int size);
	void (*config_write)(void *dev, uint32_t off, const uint8_t *data,
			     unsigned int size);
	/* Queue `q` may have work: the driver kicked it.  Called with the
	 * device lock held, only after DRIVER_OK and while the device does
	 * not need a reset. */
	void (*queue_notify)(void *dev, struct virtio *v, unsigned int q);
	/* The driver reset the device (status 0): forget requests. */
	void (*reset)(void *dev);
};

struct virtio {
	const struct virtio_dev_ops *ops;
	void *dev;
	struct host *h;
	char name[24]; /* "virtio-blk0" */
	pthread_mutex_t lock;
	struct vq vq[VIRTIO_MAX_QUEUES];
	uint64_t offered, acked;
	uint8_t status;
	bool needs_reset;
	uint32_t isr;		 /* InterruptStatus */
	unsigned int interrupts; /* raised (statistics, tests) */
	struct ratelimit rl;
	void *transport; /* the transport's own state */
	const struct virtio_transport_ops *tops;
};

/*
 * The transport: virtio-pci (pci.c) when the configuration asks for it
 * (config_virtio_pci), else virtio-mmio (mmio.c).  Creates the device's
 * window, interrupt and kick, announces it (ACPI DSDT entry or a PCI
 * function; virtio_mmio.device= when the configuration asks).  `idx`
 * names the instance ("virtio-blk1").
 */
int virtio_add(struct host *h, const struct virtio_dev_ops *ops, void *dev,
	       unsigned int idx, struct virtio **out,
	       struct charlie_error *err);
void virtio_remove(struct virtio *v);
/* Power-on reset (device_ops.reset). */
void virtio_reset(struct virtio *v);

void virtio_lock(struct virtio *v);
void virtio_unlock(struct virtio *v);
/* Whether the driver accepted feature `bit`. */
bool virtio_acked(const struct virtio *v, unsigned int bit);
/* DRIVER_OK set and no reset needed: queues may be used. */
bool virtio_running(const struct virtio *v);

/*
 * Next request of queue `q`, with the lock held.  1: *c is a well-formed
 * chain.  0: nothing (more) to do.  A malformed chain is completed with
 * 0 bytes and the device marked NEEDS_RESET (virtio_fail), so the guest
 * neither hangs nor gets more service until it resets the device.
 */
int virtio_pop(struct virtio *v, unsigned int q, struct vq_chain *c);
/* Completes a request; interrupts the driver if it asked (EVENT_IDX). */
void virtio_push(struct virtio *v, unsigned int q, uint16_t head, uint32_t len);
/* The guest broke the protocol: DEVICE_NEEDS_RESET and a configuration
 * change interrupt (virtio 1.2 section 2.1.2), one rate-limited line. */
void virtio_fail(struct virtio *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A rate-limited warning naming the device (bad requests that are
 * answered with an error status). */
void virtio_warn(struct virtio *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The transport's side, for unit tests: raise `bits` of InterruptStatus. */
void virtio_interrupt(struct virtio *v, uint32_t bits);

/* For the transports (virtio.c): the state both share and the rules
 * both enforce (Firecracker's mmio.rs status machine, section 3.1.1). */
int virtio_mmio_add(struct host *h, const struct virtio_dev_ops *ops, void *dev,
		    unsigned int idx, struct virtio **out,
		    struct charlie_error *err);
int virtio_pci_add(struct host *h, const struct virtio_dev_ops *ops, void *dev,
		   unsigned int idx, struct virtio **out,
		   struct charlie_error *err);
/* Fills the common part of `v` (embedded in the transport's state). */
void virtio_init(struct virtio *v, struct host *h,
		 const struct virtio_dev_ops *ops, void *dev, unsigned int idx,
		 void *transport, const struct virtio_transport_ops *tops);
/* Status 0: device, queues, features, status, ISR and the transport's
 * registers back to power-on.  Lock held. */
void virtio_reset_locked(struct virtio *v);
/* A Device Status write, validated.  Lock held. */
void virtio_write_status(struct virtio *v, uint32_t val);
/* Queue `qi` (= q) enabled by the driver: layout checked, or refused
 * with NEEDS_RESET.  Lock held. */
void virtio_queue_enable(struct virtio *v, struct vq *q, unsigned int qi);
/* Whether queue registers may be written now: FEATURES_OK without
 * DRIVER_OK, the queue exists and is not enabled (section 4.2.3.2 and
 * 4.1.4.3.2); else said once (rate-limited) and NULL. */
struct vq *virtio_writable_queue(struct virtio *v, unsigned int qi,
				 const char *reg);
/* Every ready queue of a running device is looked at.  Lock held. */
void virtio_notify_all(struct virtio *v);
/* Queue `qi` was notified (a register write, not the ioeventfd).
 * Lock held. */
void virtio_notify(struct virtio *v, unsigned int qi);
/* The loop's handler for a kick eventfd (opaque: the virtio). */
void virtio_on_kick(void *opaque, int fd, uint32_t events);
/* Sets the low or high half of a 64-bit guest address. */
void virtio_set_addr_half(gpa_t *a, bool high, uint32_t val);

/* The devices (one file each) and their configuration. */
extern const struct device_ops virtio_blk_ops;
extern const struct device_ops virtio_rng_ops;
extern const struct device_ops virtio_console_ops;
extern const struct device_ops virtio_net_ops;

/* Whether the guest's console is hvc0: the last console= word of the
 * command line names hvc0 (Linux makes the last console= /dev/console). */
bool virtio_console_is_hvc0(const char *cmdline);

#endif
