// SPDX-License-Identifier: MIT
/*
 * 8250/16550A UART (COM1 is 0x3f8, IRQ 4: the guest console).
 * Transmit is instant (bytes go straight to the console), so THR is
 * always empty; receive has a FIFO fed by the event loop from the
 * console input fd.  Loopback mode is modelled because Linux's 8250
 * autoconfig checks it (MCR LOOP | RTS | OUT2 must read back as
 * CTS | DCD in MSR).
 */
#include "device.h"

#include <pthread.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define UART_IER_RDI	  0x01
#define UART_IER_THRI	  0x02
#define UART_IIR_NONE	  0x01
#define UART_IIR_THRI	  0x02
#define UART_IIR_RDI	  0x04
#define UART_IIR_FIFO	  0xc0
#define UART_LCR_DLAB	  0x80
#define UART_LSR_DR	  0x01
#define UART_LSR_OE	  0x02
#define UART_LSR_THRE	  0x20
#define UART_LSR_TEMT	  0x40
#define UART_MCR_LOOP	  0x10
#define UART_FCR_ENABLE	  0x01
#define UART_FCR_CLEAR_RX 0x02

#define RX_SIZE 1024

struct uart {
	struct host *host;
	const struct uart_param *p;
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, lsr_err, scr, fcr, dll, dlm;
	bool thr_ipending;
	int irq_level;
	uint8_t rx[RX_SIZE];
	unsigned int rx_head, rx_len;
	bool rx_dropped_warned;
};

static uint8_t uart_iir(struct uart *u)
{
	uint8_t fifo = (u->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0;

	if ((u->ier & UART_IER_RDI) && u->rx_len)
		return UART_IIR_RDI | fifo;
	if ((u->ier & UART_IER_THRI) && u->thr_ipending)
		return UART_IIR_THRI | fifo;
	return UART_IIR_NONE | fifo;
}

/* Called with u->lock held. */
static void uart_update_irq(struct uart *u)
{
	int level = !(uart_iir(u) & UART_IIR_NONE);

	if (level != u->irq_level) {
		u->irq_level = level;
		u->host->ops->irq_line(u->host, u->p->irq, level);
	}
}

static void rx_push(struct uart *u, uint8_t c)
{
	if (u->rx_len == RX_SIZE) {
		u->lsr_err |= UART_LSR_OE;
		return;
	}
	u->rx[(u->rx_head + u->rx_len) % RX_SIZE] = c;
	u->rx_len++;
}

static uint8_t msr_value(const struct uart *u)
{
	if (u->mcr & UART_MCR_LOOP) {
		uint8_t m = u->mcr;

		return (uint8_t)(((m & 0x01) << 5) | ((m & 0x02) << 3) |
				 ((m & 0x04) << 4) | ((m & 0x08) << 4));
	}
	return 0xb0; /* DCD | DSR | CTS: a cable is plugged in */
}

static void uart_read(void *opaque, uint64_t off, uint8_t *data, unsigned size)
{
	struct uart *u = opaque;
	uint8_t v = 0;

	pthread_mutex_lock(&u->lock);
	switch (off) {
	case 0:
		if (u->lcr & UART_LCR_DLAB) {
			v = u->dll;
		} else if (u->rx_len) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % RX_SIZE;
			u->rx_len--;
		}
		break;
	case 1:
		v = (u->lcr & UART_LCR_DLAB) ? u->dlm : u->ier;
		break;
	case 2:
		v = uart_iir(u);
		if ((v & 0x0f) == UART_IIR_THRI)
			u->thr_ipending = false;
		break;
	case 3:
		v = u->lcr;
		break;
	case 4:
		v = u->mcr;
		break;
	case 5:
		v = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_err |
		    (u->rx_len ? UART_LSR_DR : 0);
		u->lsr_err = 0;
		break;
	case 6:
		v = msr_value(u);
		break;
	case 7:
		v = u->scr;
		break;
	}
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	memset(data, 0, size);
	data[0] = v;
}

static void uart_write(void *opaque, uint64_t off, const uint8_t *data,
		       unsigned size)
{
	struct uart *u = opaque;
	uint8_t v = data[0];
	bool out = false;

	pthread_mutex_lock(&u->lock);
	switch (off) {
	case 0:
		if (u->lcr & UART_LCR_DLAB) {
			u->dll = v;
		} else {
			if (u->mcr & UART_MCR_LOOP)
				rx_push(u, v);
			else
				out = true;
			u->thr_ipending = true;
		}
		break;
	case 1:
		if (u->lcr & UART_LCR_DLAB) {
			u->dlm = v;
		} else {
			/* Enabling THRI with THR empty raises THRE at once. */
			if (!(u->ier & UART_IER_THRI) && (v & UART_IER_THRI))
				u->thr_ipending = true;
			u->ier = v & 0x0f;
		}
		break;
	case 2:
		u->fcr = v & 0xc9;
		if (v & UART_FCR_CLEAR_RX)
			u->rx_len = 0;
		break;
	case 3:
		u->lcr = v;
		break;
	case 4:
		u->mcr = v & 0x1f;
		break;
	case 7:
		u->scr = v;
		break;
	}
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	/* Console output outside the device lock (it takes the VM's). */
	if (out && u->p->console)
		u->host->ops->console_out(u->host, &v, 1);
}

static void uart_rx(void *opaque, const uint8_t *buf, size_t len)
{
	struct uart *u = opaque;
	bool dropped = false;

	pthread_mutex_lock(&u->lock);
	for (size_t i = 0; i < len; i++) {
		if (u->rx_len == RX_SIZE)
			dropped = true;
		rx_push(u, buf[i]);
	}
	uart_update_irq(u);
	if (dropped && !u->rx_dropped_warned) {
		u->rx_dropped_warned = true;
		pthread_mutex_unlock(&u->lock);
		host_logf(u->host, CHARLIE_LOG_WARN,
			  "%s: console input faster than the guest reads it; "
			  "dropping input",
			  u->p->name);
		return;
	}
	pthread_mutex_unlock(&u->lock);
}

static const struct bus_ops uart_bus = {
	.read = uart_read,
	.write = uart_write,
};

static void uart_reset(void *state)
{
	struct uart *u = state;

	pthread_mutex_lock(&u->lock);
	u->ier = u->lcr = u->mcr = u->lsr_err = u->scr = u->fcr = 0;
	u->dll = u->dlm = 0;
	u->thr_ipending = false;
	u->rx_head = u->rx_len = 0;
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static void uart_destroy(void *state)
{
	struct uart *u = state;

	pthread_mutex_destroy(&u->lock);
	free(u);
}

static int uart_create(struct host *h, const void *param, unsigned int idx,
		       void **state, struct charlie_error *err)
{
	const struct uart_param *p = param;
	struct uart *u = calloc(1, sizeof(*u));
	struct host_platdev d = {
		.hid = "PNP0501",
		.uid = p->base == 0x3f8 ? 1u : 2u,
		.pio_base = p->base,
		.pio_len = 8,
		.irq = p->irq,
	};
	int ret;

	if (!u)
		return -ENOMEM;
	u->host = h;
	u->p = p;
	pthread_mutex_init(&u->lock, NULL);
	*state = u;
	memcpy(d.name, p->name, sizeof(d.name));
	ret = host_pio_add(h, p->base, 8, p->name, &uart_bus, u);
	if (!ret)
		ret = host_describe(h, &d);
	if (!ret && p->console && !h->console_in) {
		h->console_in = uart_rx;
		h->console_in_opaque = u;
	}
	return ret;
}

const struct device_ops uart8250_ops = {
	.name = "uart8250",
	.create = uart_create,
	.reset = uart_reset,
	.destroy = uart_destroy,
};
