// SPDX-License-Identifier: MIT
/*
 * The `net` entry of the device table: one network backend per --net,
 * created with the VM and closed with it.  This is a stand-in until the
 * virtio-net device exists: it owns the backends, reports the guest's IP
 * (the DHCP snoop runs on every frame the guest takes) and drops the
 * frames, since nothing in the guest can receive them yet.  virtio-net
 * takes over by opening its backend with net_backend_open() in its own
 * create() (one instance per cfg->nr_nets, as count() below) and by
 * replacing this entry in devices/table.c.
 */
#include "device.h"
#include "net/backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct net_dev {
	struct host *host;
	unsigned int nic;
	struct net_backend *be;
};

static int nd_rx(void *opaque, const uint8_t *frame, size_t len)
{
	return 0; /* no guest device yet: dropped */
}

static void nd_guest_ip(void *opaque, const char *ip)
{
	struct net_dev *d = opaque;

	if (d->host->ops->guest_ip)
		d->host->ops->guest_ip(d->host, d->nic, ip);
}

static void nd_log(void *opaque, enum charlie_log_level lvl, const char *line)
{
	struct net_dev *d = opaque;

	d->host->ops->log(d->host, lvl, line);
}

static unsigned int nd_count(const struct charlie_config *cfg)
{
	return cfg->nr_nets < CHARLIE_MAX_NICS ? cfg->nr_nets
					       : CHARLIE_MAX_NICS;
}

static int nd_create(struct host *h, const void *param, unsigned int idx,
		     void **state, struct charlie_error *err)
{
	struct net_dev *d;
	struct net_client c = {
		.rx = nd_rx,
		.guest_ip = nd_guest_ip,
		.log = nd_log,
	};
	int ret;

	*state = NULL;
	if (idx >= h->cfg->nr_nets)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->host = h;
	d->nic = idx;
	c.opaque = d;
	ret = net_backend_open(h->cfg, idx, h->loop, &c, &d->be, err);
	if (ret) {
		free(d);
		return ret;
	}
	host_logf(h, CHARLIE_LOG_DEBUG,
		  "net %u: %s backend open; no virtio-net device yet, so the "
		  "guest sees no NIC",
		  idx + 1, d->be->impl->name);
	*state = d;
	return 0;
}

static void nd_destroy(void *state)
{
	struct net_dev *d = state;

	if (!d)
		return;
	net_backend_close(d->be);
	free(d);
}

const struct device_ops net_ops = {
	.name = "net",
	.count = nd_count,
	.create = nd_create,
	.destroy = nd_destroy,
};
