// SPDX-License-Identifier: MIT
/*
 * fw_cfg core (fw_cfg.h): items, the file directory, the port protocol
 * and DMA.  No KVM, no host: the device (fw_cfg_dev.c) wires it up.
 */
#include "fw/fw_cfg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

void fw_cfg_init(struct fw_cfg *c, const struct gm *gm)
{
	memset(c, 0, sizeof(*c));
	c->gm = gm;
	pthread_mutex_init(&c->lock, NULL);
}

void fw_cfg_free(struct fw_cfg *c)
{
	for (unsigned int i = 0; i < c->nr; i++)
		free(c->item[i].data);
	c->nr = 0;
	pthread_mutex_destroy(&c->lock);
}

static int add_item(struct fw_cfg *c, uint16_t key, const char *name,
		    const void *data, size_t len)
{
	struct fw_cfg_item *it;

	if (c->finished)
		return -EBUSY;
	if (c->nr >= FW_CFG_MAX_ITEMS)
		return -ENOSPC;
	if (len > UINT32_MAX)
		return -E2BIG;
	if (name && (!name[0] || strlen(name) >= FW_CFG_NAME_SIZE))
		return -EINVAL;
	for (unsigned int i = 0; i < c->nr; i++)
		if (name ? !strcmp(c->item[i].name, name)
			 : !c->item[i].name[0] && c->item[i].key == key)
			return -EEXIST;
	it = &c->item[c->nr];
	memset(it, 0, sizeof(*it));
	it->data = malloc(len ? len : 1);
	if (!it->data)
		return -ENOMEM;
	if (len)
		memcpy(it->data, data, len);
	it->len = (uint32_t)len;
	it->key = key;
	if (name)
		strcpy(it->name, name);
	c->nr++;
	return 0;
}

int fw_cfg_add(struct fw_cfg *c, uint16_t key, const void *data, size_t len)
{
	if (key >= FW_CFG_FILE_FIRST || key == FW_CFG_FILE_DIR)
		return -EINVAL;
	return add_item(c, key, NULL, data, len);
}

int fw_cfg_add_file(struct fw_cfg *c, const char *name, const void *data,
		    size_t len)
{
	return add_item(c, 0, name, data, len);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct fw_cfg_item *)a)->name,
		      ((const struct fw_cfg_item *)b)->name);
}

int fw_cfg_finish(struct fw_cfg *c)
{
	static const uint8_t sig[4] = {'Q', 'E', 'M', 'U'};
	uint8_t id[4] = {FW_CFG_F_TRADITIONAL | FW_CFG_F_DMA, 0, 0, 0};
	unsigned int nfiles = 0;
	uint8_t *dir;
	size_t dlen;
	int ret;

	if (c->finished)
		return -EBUSY;
	ret = add_item(c, FW_CFG_SIGNATURE, NULL, sig, sizeof(sig));
	if (!ret)
		ret = add_item(c, FW_CFG_ID, NULL, id, sizeof(id));
	if (ret)
		return ret;
	/* files to the front, in name order, numbered from 0x20 */
	for (unsigned int i = 0; i < c->nr; i++)
		if (c->item[i].name[0]) {
			struct fw_cfg_item t = c->item[nfiles];

			c->item[nfiles++] = c->item[i];
			c->item[i] = t;
		}
	qsort(c->item, nfiles, sizeof(c->item[0]), by_name);
	dlen = 4 + (size_t)nfiles * 64;
	dir = calloc(1, dlen);
	if (!dir)
		return -ENOMEM;
	be32(dir, nfiles);
	for (unsigned int i = 0; i < nfiles; i++) {
		uint8_t *e = dir + 4 + (size_t)i * 64;

		c->item[i].key = (uint16_t)(FW_CFG_FILE_FIRST + i);
		be32(e, c->item[i].len);
		be16(e + 4, c->item[i].key);
		memcpy(e + 8, c->item[i].name, strlen(c->item[i].name));
	}
	ret = add_item(c, FW_CFG_FILE_DIR, NULL, dir, dlen);
	free(dir);
	if (!ret)
		c->finished = true;
	return ret;
}

const struct fw_cfg_item *fw_cfg_find(const struct fw_cfg *c, uint16_t key)
{
	for (unsigned int i = 0; i < c->nr; i++)
		if (c->item[i].key == key &&
		    (c->item[i].name[0] || key < FW_CFG_FILE_FIRST))
			return &c->item[i];
	return NULL;
}

const struct fw_cfg_item *fw_cfg_find_file(const struct fw_cfg *c,
					   const char *name)
{
	for (unsigned int i = 0; i < c->nr; i++)
		if (c->item[i].name[0] && !strcmp(c->item[i].name, name))
			return &c->item[i];
	return NULL;
}

/* Before fw_cfg_finish, file keys are not given yet: nothing matches. */
static const struct fw_cfg_item *current(const struct fw_cfg *c)
{
	return c->finished ? fw_cfg_find(c, c->sel) : NULL;
}

static void select_key(struct fw_cfg *c, uint16_t key)
{
	c->sel = key;
	c->off = 0;
}

void fw_cfg_io_read(struct fw_cfg *c, uint64_t off, uint8_t *data,
		    unsigned int size)
{
	const struct fw_cfg_item *it;

	/* the data port: one byte per access; wider reads give the next
	 * bytes in order, as QEMU's does */
	if (off != FW_CFG_PORT_DATA - FW_CFG_PORT_SEL)
		return; /* all ones */
	pthread_mutex_lock(&c->lock);
	it = current(c);
	for (unsigned int i = 0; i < size; i++) {
		data[i] = it && c->off < it->len ? it->data[c->off] : 0;
		if (it && c->off < it->len)
			c->off++;
	}
	pthread_mutex_unlock(&c->lock);
}

void fw_cfg_io_write(struct fw_cfg *c, uint64_t off, const uint8_t *data,
		     unsigned int size)
{
	if (off == 0 && size == 2) {
		pthread_mutex_lock(&c->lock);
		select_key(c, (uint16_t)(data[0] | data[1] << 8));
		pthread_mutex_unlock(&c->lock);
		return;
	}
	if (off == FW_CFG_PORT_DMA - FW_CFG_PORT_SEL && size == 4) {
		pthread_mutex_lock(&c->lock);
		c->dma_hi = get_be32(data);
		pthread_mutex_unlock(&c->lock);
		return;
	}
	if (off == FW_CFG_PORT_DMA + 4 - FW_CFG_PORT_SEL && size == 4) {
		uint64_t gpa;

		pthread_mutex_lock(&c->lock);
		gpa = (uint64_t)c->dma_hi << 32 | get_be32(data);
		c->dma_hi = 0;
		pthread_mutex_unlock(&c->lock);
		fw_cfg_dma(c, gpa);
		return;
	}
	/* data-port writes (deprecated) and odd widths are ignored */
}

int fw_cfg_dma(struct fw_cfg *c, uint64_t gpa)
{
	uint8_t d[16], zero[4] = {0};
	uint32_t control, len;
	uint64_t addr;
	const struct fw_cfg_item *it;
	bool bad = false;

	/* The descriptor is copied out once (no double fetch). */
	if (gm_read(c->gm, d, gpa, sizeof(d))) {
		pthread_mutex_lock(&c->lock);
		c->dma_count++;
		c->dma_bad++;
		pthread_mutex_unlock(&c->lock);
		return -EFAULT;
	}
	control = get_be32(d);
	len = get_be32(d + 4);
	addr = get_be64(d + 8);

	pthread_mutex_lock(&c->lock);
	c->dma_count++;
	if (control & FW_CFG_DMA_SELECT)
		select_key(c, (uint16_t)(control >> 16));
	it = current(c);
	if (control & FW_CFG_DMA_READ) {
		/* the whole destination must be RAM, or nothing is written */
		uint8_t *dst = len ? gm_ptr(c->gm, addr, len) : NULL;
		uint32_t avail = it && c->off < it->len ? it->len - c->off : 0;
		uint32_t n = avail < len ? avail : len;

		if (len && !dst) {
			bad = true;
		} else if (len) {
			if (n)
				memcpy(dst, it->data + c->off, n);
			/* past the end of the item: zeros, as QEMU */
			memset(dst + n, 0, len - n);
		}
		c->off += n;
	} else if (control & (FW_CFG_DMA_SKIP | FW_CFG_DMA_WRITE)) {
		/* No item is writable: a WRITE only moves the offset. */
		uint32_t avail = it && c->off < it->len ? it->len - c->off : 0;

		c->off += avail < len ? avail : len;
		if (control & FW_CFG_DMA_WRITE)
			bad = true;
	}
	if (bad)
		c->dma_bad++;
	pthread_mutex_unlock(&c->lock);
	/* Always done, never ERROR: OVMF spins on anything but 0. */
	gm_write(c->gm, gpa, zero, sizeof(zero));
	return 0;
}

size_t fw_e820(const struct gm *gm, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (unsigned int i = 0; i < gm->nr && n + 20 <= cap; i++, n += 20) {
		uint8_t *e = out + n;

		for (int b = 0; b < 8; b++) {
			e[b] = (uint8_t)(gm->r[i].gpa >> (8 * b));
			e[8 + b] = (uint8_t)(gm->r[i].size >> (8 * b));
		}
		e[16] = 1; /* E820_RAM */
		e[17] = e[18] = e[19] = 0;
	}
	return n;
}
