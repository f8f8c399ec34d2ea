/* SPDX-License-Identifier: MIT */
/*
 * A bus: the PIO or MMIO address space as a sorted array of windows.
 * Windows are added before the VM starts (overlaps refused) and looked up
 * by binary search on every exit (design.md section 12); PCI BARs add and
 * remove windows while the VM runs.
 */
#ifndef CHARLIE_BUS_H
#define CHARLIE_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* `off` is relative to the window's base; `size` is 1, 2, 4 or 8.  Reads
 * fill `data` (pre-filled with 0xff, so a device may leave bytes alone). */
struct bus_ops {
	void (*read)(void *opaque, uint64_t off, uint8_t *data, unsigned size);
	void (*write)(void *opaque, uint64_t off, const uint8_t *data,
		      unsigned size);
};

struct bus_window {
	uint64_t base, len;
	const char *name;
	const struct bus_ops *ops;
	void *opaque;
};

struct bus {
	struct bus_window *w; /* sorted by base, never overlapping */
	unsigned int nr, cap;
	uint64_t limit; /* highest address + 1 (0x10000 for PIO) */
	/* Windows move at run time (PCI BARs): a reader-writer lock, held
	 * for the lookup only; see bus.c. */
	pthread_rwlock_t lock;
};

void bus_init(struct bus *b, uint64_t limit);
void bus_free(struct bus *b);
/* 0, -EINVAL (empty, or past the limit), -EEXIST (overlaps a window),
 * -ENOMEM. */
int bus_add(struct bus *b, uint64_t base, uint64_t len, const char *name,
	    const struct bus_ops *ops, void *opaque);
/* Removes the window at `base` that belongs to `opaque`: 0 or -ENOENT. */
int bus_remove(struct bus *b, uint64_t base, const void *opaque);
/* A copy of the window decoding `addr`: true when there is one. */
bool bus_find(struct bus *b, uint64_t addr, struct bus_window *out);
/* Dispatches one access; false when no window decodes `addr` (reads are
 * then all ones).  An access that runs past its window's end is cut to
 * the window (the bytes beyond read as ones). */
bool bus_access(struct bus *b, uint64_t addr, bool is_write, uint8_t *data,
		unsigned size);

#endif
