// SPDX-License-Identifier: MIT
/*
 * virtio-blk (virtio 1.2 section 5.2), file-backed: one request queue,
 * IN/OUT/FLUSH/GET_ID.  The request header is copied out once, then
 * checked: data a whole number of sectors, the range inside the image
 * (overflow-checked), writes refused on a read-only disk whether or not
 * the driver accepted VIRTIO_BLK_F_RO.  Kicks arrive on the event loop
 * thread (ioeventfd), so the preadv/pwritev here never run on a vCPU.
 */
#include "virtio/virtio.h"
#include "config.h"
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Feature bits (section 5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO	      5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9

/* Request types and status (section 5.2.6). */
#define VIRTIO_BLK_T_IN	    0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define SECTOR	    512
#define ID_BYTES    20
#define BLK_SEG_MAX (VQ_MAX_SEGS - 2) /* header and status besides */
#define BLK_QUEUE   256

struct blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blk {
	struct virtio *v;
	int fd;
	uint64_t size; /* bytes, a multiple of 512 */
	bool ro;
	char id[ID_BYTES + 1];
	struct vq_chain chain;
	struct iovec iov[VQ_MAX_SEGS];
};

static uint64_t blk_features(void *dev)
{
	struct blk *b = dev;

	return (1ull << VIRTIO_BLK_F_SEG_MAX) |
	       (1ull << VIRTIO_BLK_F_BLK_SIZE) | (1ull << VIRTIO_BLK_F_FLUSH) |
	       (b->ro ? 1ull << VIRTIO_BLK_F_RO : 0);
}

/* struct virtio_blk_config (section 5.2.4) up to blk_size. */
#define CFG_CAPACITY 0
#define CFG_SEG_MAX  12
#define CFG_BLK_SIZE 20
#define CFG_LEN	     24

static void blk_config_read(void *dev, uint32_t off, uint8_t *data,
			    unsigned int size)
{
	struct blk *b = dev;
	uint8_t cfg[CFG_LEN] = {0};
	uint64_t cap = b->size / SECTOR;
	uint32_t seg_max = BLK_SEG_MAX, bs = SECTOR;

	memcpy(cfg + CFG_CAPACITY, &cap, 8);
	memcpy(cfg + CFG_SEG_MAX, &seg_max, 4);
	memcpy(cfg + CFG_BLK_SIZE, &bs, 4);
	memcpy(data, cfg + off, size); /* range checked by the transport */
}

/* Builds iovecs over [off, off + len) of the chain's readable (or
 * writable) part.  The segments were checked by queue.c; gm_ptr maps
 * them again here (never stored past this request). */
static int map(struct blk *b, const struct vq_chain *c, bool writable,
	       uint64_t off, uint64_t len)
{
	unsigned int first = writable ? c->nr_in : 0;
	unsigned int end = writable ? c->nr_in + c->nr_out : c->nr_in;
	int n = 0;

	for (unsigned int i = first; i < end && len; i++) {
		const struct vq_seg *s = &c->seg[i];
		uint64_t k;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		k = s->len - off < len ? s->len - off : len;
		b->iov[n].iov_base = gm_ptr(b->v->h->gm, s->addr + off, k);
		b->iov[n].iov_len = k;
		if (!b->iov[n].iov_base)
			return -EFAULT;
		n++;
		len -= k;
		off = 0;
	}
	return len ? -EFAULT : n;
}

/* Whole transfer or an error: short reads/writes are retried. */
static int blk_io(struct blk *b, bool write, int n, uint64_t pos)
{
	struct iovec *iov = b->iov;

	while (n > 0) {
		ssize_t r = write ? pwritev(b->fd, iov, n, (off_t)pos)
				  : preadv(b->fd, iov, n, (off_t)pos);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		pos += (uint64_t)r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

/* One request; returns the status byte.  *written: data bytes put in the
 * driver's buffers (besides the status). */
static uint8_t blk_request(struct blk *b, const struct vq_chain *c,
			   const struct blk_req_hdr *h, uint64_t *written)
{
	struct virtio *v = b->v;
	uint64_t dlen, sectors;
	int n;

	*written = 0;
	switch (h->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		/* data after the header (OUT) or before the status (IN) */
		dlen = h->type == VIRTIO_BLK_T_IN ? c->wlen - 1
						  : c->rlen - sizeof(*h);
		if (h->type == VIRTIO_BLK_T_OUT && c->wlen != 1) {
			virtio_warn(v,
				    "write request with %llu writable "
				    "bytes (want the status only)",
				    (unsigned long long)c->wlen);
			return VIRTIO_BLK_S_IOERR;
		}
		if (h->type == VIRTIO_BLK_T_IN && c->rlen != sizeof(*h)) {
			virtio_warn(v, "read request with %llu readable bytes",
				    (unsigned long long)c->rlen);
			return VIRTIO_BLK_S_IOERR;
		}
		if (dlen % SECTOR) {
			virtio_warn(v,
				    "request of %llu bytes is not a whole "
				    "number of sectors",
				    (unsigned long long)dlen);
			return VIRTIO_BLK_S_IOERR;
		}
		sectors = b->size / SECTOR;
		if (h->sector > sectors ||
		    dlen / SECTOR > sectors - h->sector) {
			virtio_warn(v,
				    "sectors %llu+%llu past the end (%llu "
				    "sectors)",
				    (unsigned long long)h->sector,
				    (unsigned long long)(dlen / SECTOR),
				    (unsigned long long)sectors);
			return VIRTIO_BLK_S_IOERR;
		}
		if (h->type == VIRTIO_BLK_T_OUT && b->ro) {
			virtio_warn(v, "write to a read-only disk refused");
			return VIRTIO_BLK_S_IOERR;
		}
		if (!dlen)
			return VIRTIO_BLK_S_OK;
		n = map(b, c, h->type == VIRTIO_BLK_T_IN,
			h->type == VIRTIO_BLK_T_IN ? 0 : sizeof(*h), dlen);
		if (n < 0 || blk_io(b, h->type == VIRTIO_BLK_T_OUT, n,
				    h->sector * SECTOR)) {
			virtio_warn(v, "I/O error at sector %llu",
				    (unsigned long long)h->sector);
			return VIRTIO_BLK_S_IOERR;
		}
		if (h->type == VIRTIO_BLK_T_IN)
			*written = dlen;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_FLUSH:
		if (!b->ro && fdatasync(b->fd) < 0)
			return VIRTIO_BLK_S_IOERR;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		/* section 5.2.6: up to 20 bytes, no NUL when all used */
		dlen = c->wlen - 1 < ID_BYTES ? c->wlen - 1 : ID_BYTES;
		*written = vq_chain_write(v->h->gm, c, 0, b->id, dlen);
		return VIRTIO_BLK_S_OK;
	}
	return VIRTIO_BLK_S_UNSUPP;
}

static void blk_notify(void *dev, struct virtio *v, unsigned int q)
{
	struct blk *b = dev;
	struct vq_chain *c = &b->chain;
	const struct gm *gm = v->h->gm;

	while (virtio_pop(v, q, c) == 1) {
		struct blk_req_hdr h;
		uint64_t written = 0;
		uint8_t status;

		/* The status is the chain's last writable byte; without one
		 * the request cannot be answered: the driver broke the
		 * protocol (section 5.2.6.1). */
		if (!c->wlen) {
			virtio_push(v, q, c->head, 0);
			virtio_fail(v, "request without a status byte");
			return;
		}
		/* The header is copied once (it may span descriptors). */
		if (vq_chain_read(gm, c, 0, &h, sizeof(h)) != sizeof(h)) {
			virtio_warn(v, "request header shorter than 16 bytes");
			status = VIRTIO_BLK_S_IOERR;
		} else {
			status = blk_request(b, c, &h, &written);
		}
		vq_chain_write(gm, c, c->wlen - 1, &status, 1);
		virtio_push(v, q, c->head, (uint32_t)(written + 1));
	}
}

static const struct virtio_dev_ops blk_vops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nr_queues = 1,
	.queue_max = BLK_QUEUE,
	.config_len = CFG_LEN,
	.features = blk_features,
	.config_read = blk_config_read,
	.queue_notify = blk_notify,
};

static unsigned int blk_count(const struct charlie_config *cfg)
{
	return cfg->nr_disks;
}

static void blk_destroy(void *state)
{
	struct blk *b = state;

	virtio_remove(b->v);
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

static int blk_create(struct host *h, const void *param, unsigned int idx,
		      void **state, struct charlie_error *err)
{
	const struct charlie_disk *d = &h->cfg->disks[idx];
	struct blk *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	*state = b;
	b->fd = -1;
	b->ro = d->read_only;
	snprintf(b->id, sizeof(b->id), "charlie-disk%u", idx);
	b->fd = config_open_disk(d, &b->size, err);
	if (b->fd < 0)
		return b->fd;
	return virtio_add(h, &blk_vops, b, idx, &b->v, err);
}

static void blk_reset(void *state)
{
	virtio_reset(((struct blk *)state)->v);
}

const struct device_ops virtio_blk_ops = {
	.name = "virtio-blk",
	.count = blk_count,
	.create = blk_create,
	.reset = blk_reset,
	.destroy = blk_destroy,
};
