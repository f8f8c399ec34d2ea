// SPDX-License-Identifier: MIT
/* evdev record decoding (see inputev.h). */
#include "inputev.h"

#include <string.h>

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

void inputev_decode(const uint8_t rec[INPUTEV_SIZE], struct inputev *ev)
{
	ev->sec = (int64_t)le64(rec);
	ev->usec = (int64_t)le64(rec + 8);
	ev->type = (uint16_t)(rec[16] | rec[17] << 8);
	ev->code = (uint16_t)(rec[18] | rec[19] << 8);
	ev->value =
		(int32_t)((uint32_t)rec[20] | (uint32_t)rec[21] << 8 |
			  (uint32_t)rec[22] << 16 | (uint32_t)rec[23] << 24);
}

void inputev_encode(const struct inputev *ev, uint8_t rec[INPUTEV_SIZE])
{
	put_le(rec, (uint64_t)ev->sec, 8);
	put_le(rec + 8, (uint64_t)ev->usec, 8);
	put_le(rec + 16, ev->type, 2);
	put_le(rec + 18, ev->code, 2);
	put_le(rec + 20, (uint32_t)ev->value, 4);
}

int inputev_is_power_press(const struct inputev *ev)
{
	return ev->type == INPUTEV_EV_KEY && ev->code == INPUTEV_KEY_POWER &&
	       ev->value == 1;
}

int inputev_feed(struct inputev_decoder *d, const uint8_t *buf, size_t len,
		 void (*cb)(const struct inputev *ev, void *arg), void *arg)
{
	int presses = 0;

	while (len) {
		size_t take = INPUTEV_SIZE - d->have;
		struct inputev ev;

		if (take > len)
			take = len;
		memcpy(d->partial + d->have, buf, take);
		d->have += take;
		buf += take;
		len -= take;
		if (d->have < INPUTEV_SIZE)
			break;
		d->have = 0;
		inputev_decode(d->partial, &ev);
		if (cb)
			cb(&ev, arg);
		if (inputev_is_power_press(&ev))
			presses++;
	}
	return presses;
}
