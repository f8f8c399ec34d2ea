// SPDX-License-Identifier: MIT
/*
 * i8042 keyboard controller, enough for Linux's probe to succeed quietly
 * and for the guest to reset the machine (`reboot=k`: command 0xfe on
 * port 0x64, or pulsing output-port bit 0 through command 0xd1).
 * Without firmware no keyboard is attached: keyboard commands written to
 * port 0x60 are answered with 0xfe (resend) so Linux's atkbd gives up at
 * once.  Under --efi a keyboard that never types answers them as a PS/2
 * keyboard does (0xfa ACK, BAT 0xaa, ID 0xab 0x83), because OVMF's PS/2
 * driver waits out a 1 s timeout, polling the status port, for every
 * command a keyboard does not ACK.
 */
#include "device.h"

#include <pthread.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define I8042_DATA 0x60
#define I8042_CMD  0x64 /* also the status register */
#define I8042_IRQ  1

#define STS_OBF 0x01
#define STS_SYS 0x04
#define STS_CMD 0x08 /* last write was a command */

#define CTR_KBDINT    0x01
#define CTR_TRANSLATE 0x40

#define KBD_ACK 0xfa

struct i8042 {
	struct host *host;
	pthread_mutex_t lock;
	bool keyboard;	 /* a keyboard answers on the first port */
	uint8_t kbd_cmd; /* keyboard command waiting for its argument */
	uint8_t status, ctr, outport, pending_cmd;
	uint8_t out[4];
	unsigned int out_len;
};

static void queue_out(struct i8042 *k, uint8_t v)
{
	if (k->out_len < sizeof(k->out))
		k->out[k->out_len++] = v;
	k->status |= STS_OBF;
}

/* A byte written to port 0x60 that no controller command claimed. */
static void keyboard_byte(struct i8042 *k, uint8_t v)
{
	if (!k->keyboard) {
		queue_out(k, 0xfe); /* no keyboard: ask to resend */
		return;
	}
	if (k->kbd_cmd) { /* the argument of 0xed/0xf0/0xf3 */
		queue_out(k, KBD_ACK);
		if (k->kbd_cmd == 0xf0 && v == 0) /* get scan code set: 2 */
			queue_out(k, (k->ctr & CTR_TRANSLATE) ? 0x41 : 0x02);
		k->kbd_cmd = 0;
		return;
	}
	switch (v) {
	case 0xff: /* reset: ACK, then BAT passed */
		queue_out(k, KBD_ACK);
		queue_out(k, 0xaa);
		break;
	case 0xf2: /* identify: an MF2 keyboard */
		queue_out(k, KBD_ACK);
		queue_out(k, 0xab);
		queue_out(k, (k->ctr & CTR_TRANSLATE) ? 0x41 : 0x83);
		break;
	case 0xee: /* echo */
		queue_out(k, 0xee);
		break;
	case 0xed: /* set LEDs */
	case 0xf0: /* get/set scan code set */
	case 0xf3: /* typematic rate */
		k->kbd_cmd = v;
		queue_out(k, KBD_ACK);
		break;
	case 0xf4: /* enable */
	case 0xf5: /* disable */
	case 0xf6: /* defaults */
	case 0xf7:
	case 0xf8:
	case 0xf9:
	case 0xfa: /* set-3 modes */
		queue_out(k, KBD_ACK);
		break;
	default:
		queue_out(k, 0xfe);
		break;
	}
}

static void update_irq(struct i8042 *k)
{
	k->host->ops->irq_line(k->host, I8042_IRQ,
			       (k->status & STS_OBF) && (k->ctr & CTR_KBDINT));
}

static void i8042_read(void *opaque, uint64_t off, uint8_t *data, unsigned size)
{
	struct i8042 *k = opaque;
	uint8_t v;

	if (off != 0 && off != 4) { /* 0x61..0x63 are not ours */
		memset(data, 0xff, size);
		return;
	}
	pthread_mutex_lock(&k->lock);
	if (off == 0) { /* port 0x60 */
		v = k->out_len ? k->out[0] : 0;
		if (k->out_len) {
			memmove(k->out, k->out + 1, --k->out_len);
			if (!k->out_len)
				k->status &= ~STS_OBF;
		}
		update_irq(k);
	} else {
		v = k->status;
	}
	pthread_mutex_unlock(&k->lock);
	memset(data, 0, size);
	data[0] = v;
}

static void i8042_write(void *opaque, uint64_t off, const uint8_t *data,
			unsigned size)
{
	struct i8042 *k = opaque;
	uint8_t v = data[0];
	bool reset = false;

	if (off != 0 && off != 4)
		return;
	pthread_mutex_lock(&k->lock);
	if (off == I8042_CMD - I8042_DATA) {
		k->status |= STS_CMD;
		switch (v) {
		case 0x20: /* read CTR */
			queue_out(k, k->ctr);
			break;
		case 0x60: /* write CTR: next data byte */
		case 0xd1: /* write output port: next data byte */
		case 0xd2: /* write keyboard output buffer */
		case 0xd3: /* write aux output buffer */
		case 0xd4: /* write to aux device */
			k->pending_cmd = v;
			break;
		case 0xaa: /* self test */
			queue_out(k, 0x55);
			break;
		case 0xa9: /* aux interface test: no aux (clock line stuck) */
			queue_out(k, 0x01);
			break;
		case 0xab: /* keyboard interface test: ok */
			queue_out(k, 0x00);
			break;
		case 0xd0: /* read output port */
			queue_out(k, k->outport);
			break;
		case 0xfe: /* pulse reset line */
			reset = true;
			break;
		default:
			/* 0xad/0xae/0xa7/0xa8 enable/disable: no state */
			break;
		}
	} else {
		k->status &= ~STS_CMD;
		switch (k->pending_cmd) {
		case 0x60:
			k->ctr = v;
			if (v & 0x04)
				k->status |= STS_SYS;
			break;
		case 0xd1:
			k->outport = v;
			if (!(v & 0x01))
				reset = true;
			break;
		case 0xd2:
		case 0xd3:
			queue_out(k, v);
			break;
		case 0xd4:
			/* no aux device: nothing answers */
			break;
		default:
			keyboard_byte(k, v);
			break;
		}
		k->pending_cmd = 0;
	}
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
	if (reset)
		k->host->ops->request_end(k->host, CHARLIE_STOP_REBOOT,
					  "guest rebooted (i8042 reset)");
}

static const struct bus_ops i8042_bus = {
	.read = i8042_read,
	.write = i8042_write,
};

static void i8042_reset(void *state)
{
	struct i8042 *k = state;

	pthread_mutex_lock(&k->lock);
	k->status = STS_SYS;
	k->outport = 0x01;
	k->ctr = 0x04;
	k->pending_cmd = 0;
	k->kbd_cmd = 0;
	k->out_len = 0;
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static void i8042_destroy(void *state)
{
	struct i8042 *k = state;

	pthread_mutex_destroy(&k->lock);
	free(k);
}

static int i8042_create(struct host *h, const void *param, unsigned int idx,
			void **state, struct charlie_error *err)
{
	struct i8042 *k = calloc(1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	k->host = h;
	k->keyboard = h->cfg && h->cfg->efi.enabled;
	pthread_mutex_init(&k->lock, NULL);
	*state = k;
	i8042_reset(k);
	/* 0x60..0x64; 0x61 is KVM's in-kernel PIT speaker port */
	return host_pio_add(h, I8042_DATA, 5, "i8042", &i8042_bus, k);
}

const struct device_ops i8042_ops = {
	.name = "i8042",
	.create = i8042_create,
	.reset = i8042_reset,
	.destroy = i8042_destroy,
};
