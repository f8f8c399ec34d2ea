// SPDX-License-Identifier: MIT
/*
 * CMOS RTC (MC146818) at ports 0x70/0x71: gives the guest the host's
 * wall-clock time (UTC).  Time registers are computed at every read, in
 * BCD or binary and 12/24-hour mode as register B says; writes to them
 * are accepted and ignored (the host clock stays the source of truth).
 * Register A never reports update-in-progress, register D reports a valid
 * battery.  The other 114 bytes are plain NVRAM.
 */
#include "device.h"

#include <pthread.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REG_SEC	    0x00
#define REG_MIN	    0x02
#define REG_HOUR    0x04
#define REG_WDAY    0x06
#define REG_MDAY    0x07
#define REG_MON	    0x08
#define REG_YEAR    0x09
#define REG_A	    0x0a
#define REG_B	    0x0b
#define REG_C	    0x0c
#define REG_D	    0x0d
#define REG_CENTURY 0x32

#define B_24H	 0x02
#define B_BINARY 0x04

struct cmos {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t nvram[128];
};

static uint8_t enc(const struct cmos *c, int v)
{
	if (c->nvram[REG_B] & B_BINARY)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t time_reg(const struct cmos *c, uint8_t reg)
{
	struct timespec ts;
	struct tm tm;
	int h;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	switch (reg) {
	case REG_SEC:
		return enc(c, tm.tm_sec);
	case REG_MIN:
		return enc(c, tm.tm_min);
	case REG_HOUR:
		if (c->nvram[REG_B] & B_24H)
			return enc(c, tm.tm_hour);
		h = tm.tm_hour % 12;
		return (uint8_t)(enc(c, h ? h : 12) |
				 (tm.tm_hour >= 12 ? 0x80 : 0));
	case REG_WDAY:
		return enc(c, tm.tm_wday + 1);
	case REG_MDAY:
		return enc(c, tm.tm_mday);
	case REG_MON:
		return enc(c, tm.tm_mon + 1);
	case REG_YEAR:
		return enc(c, tm.tm_year % 100);
	default: /* REG_CENTURY */
		return enc(c, 19 + tm.tm_year / 100);
	}
}

static void cmos_read(void *opaque, uint64_t off, uint8_t *data, unsigned size)
{
	struct cmos *c = opaque;
	uint8_t v = 0xff, r;

	pthread_mutex_lock(&c->lock);
	r = c->index;
	if (off == 1) {
		switch (r) {
		case REG_SEC:
		case REG_MIN:
		case REG_HOUR:
		case REG_WDAY:
		case REG_MDAY:
		case REG_MON:
		case REG_YEAR:
		case REG_CENTURY:
			v = time_reg(c, r);
			break;
		case REG_A:
			v = c->nvram[REG_A] &
			    0x7f; /* never update-in-progress */
			break;
		case REG_C:
			v = 0; /* no interrupt flags; reading clears them */
			break;
		case REG_D:
			v = 0x80; /* valid RAM and time */
			break;
		default:
			v = c->nvram[r];
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	memset(data, 0, size);
	data[0] = v;
}

static void cmos_write(void *opaque, uint64_t off, const uint8_t *data,
		       unsigned size)
{
	struct cmos *c = opaque;

	pthread_mutex_lock(&c->lock);
	if (off == 0) {
		c->index = data[0] & 0x7f; /* bit 7 is NMI disable */
	} else if (c->index != REG_C && c->index != REG_D) {
		c->nvram[c->index] = data[0];
	}
	pthread_mutex_unlock(&c->lock);
}

static const struct bus_ops cmos_bus = {
	.read = cmos_read,
	.write = cmos_write,
};

static void cmos_reset(void *state)
{
	struct cmos *c = state;

	pthread_mutex_lock(&c->lock);
	c->nvram[REG_A] = 0x26;	 /* 32.768 kHz time base, 1024 Hz rate */
	c->nvram[REG_B] = B_24H; /* BCD, 24-hour, like a PC BIOS leaves it */
	pthread_mutex_unlock(&c->lock);
}

static void cmos_destroy(void *state)
{
	struct cmos *c = state;

	pthread_mutex_destroy(&c->lock);
	free(c);
}

static int cmos_create(struct host *h, const void *param, unsigned int idx,
		       void **state, struct charlie_error *err)
{
	struct cmos *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	*state = c;
	cmos_reset(c);
	return host_pio_add(h, 0x70, 2, "cmos-rtc", &cmos_bus, c);
}

const struct device_ops cmos_ops = {
	.name = "cmos-rtc",
	.create = cmos_create,
	.reset = cmos_reset,
	.destroy = cmos_destroy,
};
