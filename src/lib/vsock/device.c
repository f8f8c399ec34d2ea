// SPDX-License-Identifier: MIT
/*
 * The vsock device's entry in the device table (design.md section 12):
 * builds the engine from the configuration, registers its fds on the
 * VM's loop and publishes it as host->vsock for the library API.
 *
 * The virtio side (queues, config space with guest_cid, the event queue)
 * is glue to add once the virtio transport exists: its TX kick copies
 * each packet out once and calls vsock_rx_from_guest(); its RX side
 * fills posted buffers from vsock_next_for_guest() when notified and
 * when the guest posts buffers; reset sends the TRANSPORT_RESET event.
 */
#include "device.h"
#include "err.h"
#include "vsock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Guest CIDs in use in this process: two VMs with one CID would make
 * host-side tools reach the wrong guest.  Process-wide by nature. */
#define MAX_CIDS 256
static pthread_mutex_t cids_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t cids[MAX_CIDS];

static int cid_claim(uint64_t cid)
{
	int free_slot = -1, ret = 0;

	pthread_mutex_lock(&cids_lock);
	for (int i = 0; i < MAX_CIDS; i++) {
		if (cids[i] == cid)
			ret = -EADDRINUSE;
		if (!cids[i] && free_slot < 0)
			free_slot = i;
	}
	if (!ret && free_slot < 0)
		ret = -ENOSPC;
	if (!ret)
		cids[free_slot] = cid;
	pthread_mutex_unlock(&cids_lock);
	return ret;
}

static void cid_release(uint64_t cid)
{
	pthread_mutex_lock(&cids_lock);
	for (int i = 0; i < MAX_CIDS; i++)
		if (cids[i] == cid)
			cids[i] = 0;
	pthread_mutex_unlock(&cids_lock);
}

struct vsock_dev {
	struct host *h;
	struct vsock_engine *e;
	uint64_t cid;
};

static void dev_log(void *opaque, enum charlie_log_level lvl, const char *line)
{
	struct vsock_dev *d = opaque;

	d->h->ops->log(d->h, lvl, line);
}

static unsigned int vsock_count(const struct charlie_config *cfg)
{
	return cfg->vsock.cid ? 1 : 0;
}

static int vsock_create(struct host *h, const void *param, unsigned int idx,
			void **state, struct charlie_error *err)
{
	const struct charlie_vsock_config *v = &h->cfg->vsock;
	struct vsock_params p = {0};
	struct vsock_dev *d;
	int ret;

	*state = NULL;
	if (!v->cid)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->h = h;
	ret = cid_claim(v->cid);
	if (ret) {
		ret = err_set(
			err, CHARLIE_E_VSOCK_CID_IN_USE, "vsock",
			"vsock: cid %llu is %s", (unsigned long long)v->cid,
			ret == -ENOSPC ? "one CID too many in this process"
				       : "used by another VM of this "
					 "process");
		goto fail;
	}
	d->cid = v->cid;
	p.guest_cid = v->cid;
	p.uds = v->uds;
	p.log = dev_log;
	p.opaque = d;
	ret = vsock_engine_new(h->loop, &p, &d->e);
	if (ret == -EADDRINUSE || ret == -EEXIST)
		ret = err_set(err, CHARLIE_E_VSOCK_UDS_EXISTS, "vsock",
			      "vsock: uds %s: %s", v->uds,
			      ret == -EEXIST ? "exists and is not a socket"
					     : "a live socket is there");
	else if (ret == -ENAMETOOLONG)
		ret = err_set(err, CHARLIE_E_VSOCK_UDS_TOO_LONG, "vsock",
			      "vsock: uds %s: too long", v->uds);
	else if (ret)
		ret = err_set(err, CHARLIE_E_VSOCK_UDS, "vsock",
			      "vsock: uds %s: %s", v->uds ? v->uds : "-",
			      strerror(-ret));
	if (ret)
		goto fail;
	h->vsock = d->e;
	*state = d;
	return 0;
fail:
	if (d->cid)
		cid_release(d->cid);
	free(d);
	return ret;
}

static void vsock_reset(void *state)
{
	struct vsock_dev *d = state;

	vsock_engine_reset(d->e);
}

static void vsock_destroy(void *state)
{
	struct vsock_dev *d = state;

	d->h->vsock = NULL;
	vsock_engine_free(d->e);
	cid_release(d->cid);
	free(d);
}

const struct device_ops vsock_dev_ops = {
	.name = "vsock",
	.count = vsock_count,
	.create = vsock_create,
	.reset = vsock_reset,
	.destroy = vsock_destroy,
};
