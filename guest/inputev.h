/* SPDX-License-Identifier: MIT */
/*
 * Decoding evdev records (struct input_event, linux/input.h): on x86_64
 * 24 bytes = struct timeval (2 x 8) + type (u16) + code (u16) + value
 * (s32).  The decoder keeps partial records between reads, so it works
 * however the bytes arrive.
 */
#ifndef BINGO_INPUTEV_H
#define BINGO_INPUTEV_H

#include <stddef.h>
#include <stdint.h>

#define INPUTEV_SIZE	  24
#define INPUTEV_EV_SYN	  0x00
#define INPUTEV_EV_KEY	  0x01
#define INPUTEV_KEY_POWER 116

struct inputev {
	int64_t sec, usec;
	uint16_t type, code;
	int32_t value;
};

struct inputev_decoder {
	uint8_t partial[INPUTEV_SIZE];
	size_t have;
};

/* Decodes one 24-byte record (little-endian x86_64 layout). */
void inputev_decode(const uint8_t rec[INPUTEV_SIZE], struct inputev *ev);
/* Encodes one record (for tests and tools). */
void inputev_encode(const struct inputev *ev, uint8_t rec[INPUTEV_SIZE]);

/*
 * Feeds bytes; calls cb for each complete record.  Returns the number of
 * power-button presses (EV_KEY, KEY_POWER, value 1) seen in these bytes.
 */
int inputev_feed(struct inputev_decoder *d, const uint8_t *buf, size_t len,
		 void (*cb)(const struct inputev *ev, void *arg), void *arg);

/* Is this record a press (value 1) of the power key? */
int inputev_is_power_press(const struct inputev *ev);

#endif
