// SPDX-License-Identifier: MIT
/*
 * virtio-rng (virtio 1.2 section 5.4): one request queue; each request's
 * writable buffers are filled from getrandom().  The shape of kvmtool's
 * virtio/rng.c, with the queue rules in queue.c.
 */
#include "virtio/virtio.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

/* At most this much entropy per request (the driver asks for less). */
#define RNG_MAX_REQ 4096

struct rng {
	struct virtio *v;
	struct vq_chain chain;
};

static uint64_t rng_features(void *dev)
{
	return 0;
}

static void rng_notify(void *dev, struct virtio *v, unsigned int q)
{
	struct rng *r = dev;
	struct vq_chain *c = &r->chain;

	while (virtio_pop(v, q, c) == 1) {
		uint8_t buf[RNG_MAX_REQ];
		uint64_t want = c->wlen < sizeof(buf) ? c->wlen : sizeof(buf);
		ssize_t got = want ? getrandom(buf, want, GRND_NONBLOCK) : 0;
		uint64_t put = 0;

		if (got > 0)
			put = vq_chain_write(v->h->gm, c, 0, buf, (size_t)got);
		virtio_push(v, q, c->head, (uint32_t)put);
	}
}

static const struct virtio_dev_ops rng_vops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.nr_queues = 1,
	.queue_max = 64,
	.config_len = 0,
	.features = rng_features,
	.queue_notify = rng_notify,
};

static unsigned int rng_count(const struct charlie_config *cfg)
{
	return cfg->entropy ? 1 : 0;
}

static void rng_destroy(void *state)
{
	struct rng *r = state;

	virtio_remove(r->v);
	free(r);
}

static int rng_create(struct host *h, const void *param, unsigned int idx,
		      void **state, struct charlie_error *err)
{
	struct rng *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	*state = r;
	return virtio_add(h, &rng_vops, r, idx, &r->v, err);
}

static void rng_reset(void *state)
{
	virtio_reset(((struct rng *)state)->v);
}

const struct device_ops virtio_rng_ops = {
	.name = "virtio-rng",
	.count = rng_count,
	.create = rng_create,
	.reset = rng_reset,
	.destroy = rng_destroy,
};
