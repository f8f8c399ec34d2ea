// SPDX-License-Identifier: MIT
/*
 * virtio-console (virtio 1.2 section 5.3), one port, no multiport: the
 * guest's hvc0.  transmitq bytes go to the VM console (never blocking);
 * terminal input goes to receiveq when the guest's console is hvc0,
 * held in a small buffer while the driver has no buffers posted.
 *
 * Which device gets terminal input: the UART claims it first (table
 * order); this device takes it over when the last console= word of the
 * kernel command line is console=hvc0 (Linux makes the last console=
 * /dev/console), see virtio_console_is_hvc0().
 *
 * Lock order: the device lock, then the VM's (console_out); never the
 * reverse.
 */
#include "virtio/virtio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CON_RX	       0
#define CON_TX	       1
#define CON_PENDING    4096
#define CON_TX_MAX     65536 /* bytes taken from one transmit request */
#define CON_CONFIG_LEN 12    /* cols, rows, max_nr_ports, emerg_wr */

struct con {
	struct virtio *v;
	uint8_t pending[CON_PENDING];
	size_t npending;
	bool dropped_warned;
	struct vq_chain chain;
};

bool virtio_console_is_hvc0(const char *cmdline)
{
	const char *p = cmdline, *last = NULL;

	while (p && (p = strstr(p, "console=")) != NULL) {
		if (p == cmdline || p[-1] == ' ' || p[-1] == '\t')
			last = p + 8;
		p += 8;
	}
	return last && !strncmp(last, "hvc0", 4) &&
	       (last[4] == 0 || last[4] == ' ' || last[4] == ',' ||
		last[4] == '\t');
}

static uint64_t con_features(void *dev)
{
	return 0;
}

/* Pending input into the driver's receive buffers. */
static void rx_drain(struct con *c, struct virtio *v)
{
	while (c->npending && virtio_pop(v, CON_RX, &c->chain) == 1) {
		uint64_t n = vq_chain_write(v->h->gm, &c->chain, 0, c->pending,
					    c->npending);

		memmove(c->pending, c->pending + n, c->npending - n);
		c->npending -= n;
		virtio_push(v, CON_RX, c->chain.head, (uint32_t)n);
	}
}

static void tx(struct con *c, struct virtio *v)
{
	struct vq_chain *ch = &c->chain;

	while (virtio_pop(v, CON_TX, ch) == 1) {
		uint64_t left = CON_TX_MAX;

		for (unsigned int i = 0; i < ch->nr_in && left; i++) {
			uint64_t n =
				ch->seg[i].len < left ? ch->seg[i].len : left;
			const uint8_t *p = gm_ptr(v->h->gm, ch->seg[i].addr, n);

			if (p)
				v->h->ops->console_out(v->h, p, n);
			left -= n;
		}
		virtio_push(v, CON_TX, ch->head, 0);
	}
}

static void con_notify(void *dev, struct virtio *v, unsigned int q)
{
	if (q == CON_TX)
		tx(dev, v);
	else
		rx_drain(dev, v);
}

static void con_reset(void *dev)
{
	((struct con *)dev)->npending = 0;
}

/* Terminal input (the event loop thread). */
static void con_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct con *c = opaque;
	struct virtio *v = c->v;
	size_t room, n;
	bool warn = false;

	virtio_lock(v);
	room = CON_PENDING - c->npending;
	n = len < room ? len : room;
	memcpy(c->pending + c->npending, buf, n);
	c->npending += n;
	if (n < len && !c->dropped_warned)
		warn = c->dropped_warned = true;
	if (virtio_running(v))
		rx_drain(c, v);
	virtio_unlock(v);
	if (warn)
		host_logf(v->h, CHARLIE_LOG_WARN,
			  "%s: console input faster than the guest reads it; "
			  "dropping input",
			  v->name);
}

static const struct virtio_dev_ops con_vops = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.nr_queues = 2,
	.queue_max = 64,
	.config_len = CON_CONFIG_LEN,
	.features = con_features,
	.queue_notify = con_notify,
	.reset = con_reset,
};

static void con_destroy(void *state)
{
	struct con *c = state;

	virtio_remove(c->v);
	free(c);
}

static int con_create(struct host *h, const void *param, unsigned int idx,
		      void **state, struct charlie_error *err)
{
	struct con *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	*state = c;
	ret = virtio_add(h, &con_vops, c, idx, &c->v, err);
	if (!ret && virtio_console_is_hvc0(h->cfg->cmdline)) {
		h->console_in = con_input;
		h->console_in_opaque = c;
	}
	return ret;
}

static void con_dev_reset(void *state)
{
	virtio_reset(((struct con *)state)->v);
}

const struct device_ops virtio_console_ops = {
	.name = "virtio-console",
	.create = con_create,
	.reset = con_dev_reset,
	.destroy = con_destroy,
};
