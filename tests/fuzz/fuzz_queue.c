// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: queue.c's walker over synthetic guest memory.  The
 * input is the guest: the first bytes choose the queue (size, ring
 * addresses, negotiated features, where the device's indexes stand), the
 * rest is RAM.  Every chain vq_pop hands out must satisfy queue.h's
 * promises; ASan/UBSan catch the rest.
 */
#include "virtio/queue.h"

#include <stdlib.h>
#include <string.h>

#define RAM_GPA	 0x10000ull
#define RAM_SIZE 0x10000ull
#define HI_GPA	 0x100000000ull
#define HI_SIZE	 0x1000ull

static uint8_t ram[RAM_SIZE], hi[HI_SIZE];

static uint64_t take(const uint8_t **d, size_t *n, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes && *n; i++, (*d)++, (*n)--)
		v |= (uint64_t) * *d << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gm_region r[2] = {{RAM_GPA, RAM_SIZE, ram},
				 {HI_GPA, HI_SIZE, hi}};
	static struct vq_chain c;
	struct gm gm;
	struct vq q;
	uint8_t flags;
	enum vq_err e;

	gm_init_from(&gm, r, 2);
	vq_reset(&q, VQ_MAX_SIZE);
	q.size = (uint16_t)take(&data, &size, 2);
	q.desc = RAM_GPA + (take(&data, &size, 2) & 0xfff0);
	q.avail = RAM_GPA + (take(&data, &size, 2) & 0xfffe);
	q.used = RAM_GPA + (take(&data, &size, 2) & 0xfffc);
	flags = (uint8_t)take(&data, &size, 1);
	q.last_avail = (uint16_t)take(&data, &size, 2);
	q.used_idx = q.last_avail;
	q.event_idx = flags & 1;
	q.indirect = flags & 2;
	memset(ram, 0, sizeof(ram));
	memset(hi, 0, sizeof(hi));
	memcpy(ram, data, size < RAM_SIZE ? size : RAM_SIZE);
	if (size > RAM_SIZE)
		memcpy(hi, data + RAM_SIZE,
		       size - RAM_SIZE < HI_SIZE ? size - RAM_SIZE : HI_SIZE);
	if (vq_check_layout(&gm, &q))
		return 0;
	q.ready = true;
	for (int i = 0; i < 2 * VQ_MAX_SIZE; i++) {
		int ret = vq_pop(&gm, &q, &c, &e);
		uint64_t rl = 0, wl = 0;

		if (ret == 0)
			break;
		if (ret < 0 && vq_err_is_ring(e))
			break;
		if (ret > 0) {
			/* the promises of queue.h */
			if (c.nr_in + c.nr_out > VQ_MAX_SEGS)
				abort();
			for (unsigned int s = 0; s < c.nr_in + c.nr_out; s++) {
				if (!gm_ptr(&gm, c.seg[s].addr, c.seg[s].len))
					abort();
				if (s < c.nr_in)
					rl += c.seg[s].len;
				else
					wl += c.seg[s].len;
			}
			if (rl != c.rlen || wl != c.wlen ||
			    rl + wl > UINT32_MAX)
				abort();
		}
		if (c.head >= q.size)
			abort();
		vq_push(&gm, &q, c.head, (uint32_t)i);
		vq_should_notify(&gm, &q);
		vq_set_avail_event(&gm, &q);
	}
	return 0;
}
