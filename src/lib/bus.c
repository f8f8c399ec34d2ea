// SPDX-License-Identifier: MIT
/*
 * Locking: PCI BARs move while vCPUs run, so the window array is guarded
 * by a reader-writer lock (not an RCU-like swap: one uncontended
 * rdlock per exit is cheap, and nothing here needs grace periods).  The
 * read lock is held only to find the window and copy it; the handler
 * runs unlocked.  That lets a handler add or remove windows on any bus
 * (a PCI config write that moves an I/O BAR changes the very bus it was
 * dispatched from) without deadlock.  It is safe because a removed
 * window's device is not freed until every vCPU has stopped (vm.c
 * destroys devices after joining the vCPU threads).
 */
#include "bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void bus_init(struct bus *b, uint64_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
	pthread_rwlock_init(&b->lock, NULL);
}

void bus_free(struct bus *b)
{
	free(b->w);
	b->w = NULL;
	b->nr = b->cap = 0;
	pthread_rwlock_destroy(&b->lock);
}

/* Index of the first window whose base is above addr. */
static unsigned int upper(const struct bus *b, uint64_t addr)
{
	unsigned int lo = 0, hi = b->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (b->w[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int add_locked(struct bus *b, uint64_t base, uint64_t len,
		      const char *name, const struct bus_ops *ops, void *opaque)
{
	unsigned int i;

	if (!len || base >= b->limit || len > b->limit - base)
		return -EINVAL;
	i = upper(b, base);
	/* the window before must end at or below base; the one after must
	 * start at or above base + len */
	if (i > 0 && b->w[i - 1].base + b->w[i - 1].len > base)
		return -EEXIST;
	if (i < b->nr && b->w[i].base < base + len)
		return -EEXIST;
	if (b->nr == b->cap) {
		unsigned int cap = b->cap ? b->cap * 2 : 16;
		struct bus_window *w = realloc(b->w, cap * sizeof(*w));

		if (!w)
			return -ENOMEM;
		b->w = w;
		b->cap = cap;
	}
	memmove(&b->w[i + 1], &b->w[i], (b->nr - i) * sizeof(*b->w));
	b->w[i] = (struct bus_window){base, len, name, ops, opaque};
	b->nr++;
	return 0;
}

int bus_add(struct bus *b, uint64_t base, uint64_t len, const char *name,
	    const struct bus_ops *ops, void *opaque)
{
	int ret;

	pthread_rwlock_wrlock(&b->lock);
	ret = add_locked(b, base, len, name, ops, opaque);
	pthread_rwlock_unlock(&b->lock);
	return ret;
}

int bus_remove(struct bus *b, uint64_t base, const void *opaque)
{
	unsigned int i;
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&b->lock);
	i = upper(b, base);
	if (i > 0 && b->w[i - 1].base == base && b->w[i - 1].opaque == opaque) {
		memmove(&b->w[i - 1], &b->w[i], (b->nr - i) * sizeof(*b->w));
		b->nr--;
		ret = 0;
	}
	pthread_rwlock_unlock(&b->lock);
	return ret;
}

bool bus_find(struct bus *b, uint64_t addr, struct bus_window *out)
{
	unsigned int i;
	bool found = false;

	pthread_rwlock_rdlock(&b->lock);
	i = upper(b, addr);
	if (i > 0 && addr - b->w[i - 1].base < b->w[i - 1].len) {
		*out = b->w[i - 1];
		found = true;
	}
	pthread_rwlock_unlock(&b->lock);
	return found;
}

bool bus_access(struct bus *b, uint64_t addr, bool is_write, uint8_t *data,
		unsigned size)
{
	struct bus_window w;
	uint64_t off;

	if (!is_write)
		memset(data, 0xff, size);
	if (!bus_find(b, addr, &w))
		return false;
	off = addr - w.base;
	if (size > w.len - off)
		size = (unsigned)(w.len - off);
	if (is_write) {
		if (w.ops->write)
			w.ops->write(w.opaque, off, data, size);
	} else if (w.ops->read) {
		w.ops->read(w.opaque, off, data, size);
	}
	return true;
}
