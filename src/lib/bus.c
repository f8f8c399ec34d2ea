// SPDX-License-Identifier: MIT
#include "bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void bus_init(struct bus *b, uint64_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

void bus_free(struct bus *b)
{
	free(b->w);
	b->w = NULL;
	b->nr = b->cap = 0;
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

int bus_add(struct bus *b, uint64_t base, uint64_t len, const char *name,
	    const struct bus_ops *ops, void *opaque)
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

const struct bus_window *bus_find(const struct bus *b, uint64_t addr)
{
	unsigned int i = upper(b, addr);

	if (i == 0)
		return NULL;
	if (addr - b->w[i - 1].base >= b->w[i - 1].len)
		return NULL;
	return &b->w[i - 1];
}

bool bus_access(const struct bus *b, uint64_t addr, bool is_write,
		uint8_t *data, unsigned size)
{
	const struct bus_window *w = bus_find(b, addr);
	uint64_t off;

	if (!is_write)
		memset(data, 0xff, size);
	if (!w)
		return false;
	off = addr - w->base;
	if (size > w->len - off)
		size = (unsigned)(w->len - off);
	if (is_write) {
		if (w->ops->write)
			w->ops->write(w->opaque, off, data, size);
	} else if (w->ops->read) {
		w->ops->read(w->opaque, off, data, size);
	}
	return true;
}
