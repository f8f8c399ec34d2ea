// SPDX-License-Identifier: MIT
/*
 * The firmware flash (--efi): CODE read-only at 4 GiB - size, the
 * variable store right below it, each a KVM_MEM_READONLY memory slot
 * over charlie's in-memory copy (fw/fw.h), so reads run at memory speed
 * and every write exits as MMIO.  Writes to VARS go to the command
 * parser (pflash.h); while it is in status mode the VARS slot is removed
 * so reads exit too, and it is put back on read array.  Writes to CODE
 * are ignored (logged once), as on a write-protected flash.
 */
#include "device.h"
#include "fw/fw.h"
#include "fw/pflash.h"
#include "err.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct pflash_dev {
	struct host *host;
	struct fw_files *fw;
	struct pflash flash;
	pthread_mutex_t lock;
	uint64_t vars_gpa, code_gpa;
	unsigned int vars_slot, code_slot;
	bool vars_mapped, code_mapped, code_warned;
};

static int map_vars(struct pflash_dev *d, bool on)
{
	struct host *h = d->host;
	int ret;

	if (on == d->vars_mapped)
		return 0;
	ret = h->ops->memslot(h, d->vars_slot, d->vars_gpa,
			      on ? d->fw->vars_len : 0, d->fw->vars, true);
	if (!ret)
		d->vars_mapped = on;
	return ret;
}

static void vars_read(void *opaque, uint64_t off, uint8_t *data, unsigned size)
{
	struct pflash_dev *d = opaque;

	pthread_mutex_lock(&d->lock);
	pflash_read(&d->flash, off, data, size);
	pthread_mutex_unlock(&d->lock);
}

static void vars_write(void *opaque, uint64_t off, const uint8_t *data,
		       unsigned size)
{
	struct pflash_dev *d = opaque;
	int ret;

	pthread_mutex_lock(&d->lock);
	pflash_write(&d->flash, off, data, size);
	if (d->flash.dirty)
		d->fw->dirty = true;
	ret = map_vars(d, pflash_array_readable(&d->flash));
	pthread_mutex_unlock(&d->lock);
	if (ret)
		host_logf(d->host, CHARLIE_LOG_ERROR,
			  "flash: cannot change the variable store's memory "
			  "slot: %s",
			  strerror(-ret));
}

static void code_read(void *opaque, uint64_t off, uint8_t *data, unsigned size)
{
	struct pflash_dev *d = opaque;

	/* only without the slot (never, normally): the image itself */
	if (off < d->fw->code_len && size <= d->fw->code_len - off)
		memcpy(data, d->fw->code + off, size);
}

static void code_write(void *opaque, uint64_t off, const uint8_t *data,
		       unsigned size)
{
	struct pflash_dev *d = opaque;
	bool say;

	pthread_mutex_lock(&d->lock);
	say = !d->code_warned;
	d->code_warned = true;
	pthread_mutex_unlock(&d->lock);
	if (say)
		host_logf(d->host, CHARLIE_LOG_DEBUG,
			  "flash: the guest wrote to the read-only firmware "
			  "at offset 0x%llx (ignored; said once)",
			  (unsigned long long)off);
}

static const struct bus_ops vars_bus = {.read = vars_read, .write = vars_write};
static const struct bus_ops code_bus = {.read = code_read, .write = code_write};

static unsigned int pflash_count(const struct charlie_config *cfg)
{
	return cfg->efi.enabled ? 1 : 0;
}

static int pflash_create(struct host *h, const void *param, unsigned int idx,
			 void **state, struct charlie_error *err)
{
	struct pflash_dev *d;
	struct fw_files *fw = h->fw;
	int ret;

	if (!fw || !fw->code || !fw->vars)
		return err_set(err, CHARLIE_E_HOST, "efi",
			       "flash: no firmware files");
	if (!h->ops->memslot)
		return err_set(err, CHARLIE_E_HOST, "efi",
			       "flash: this host cannot map memory slots");
	d = calloc(1, sizeof(*d));
	*state = d;
	if (!d)
		return -ENOMEM;
	d->host = h;
	d->fw = fw;
	pthread_mutex_init(&d->lock, NULL);
	pflash_init(&d->flash, fw->vars, fw->vars_len);
	d->code_gpa = FW_TOP - fw->code_len;
	d->vars_gpa = FW_TOP - fw->flash_size;
	d->code_slot = host_alloc_memslot(h);
	d->vars_slot = host_alloc_memslot(h);
	ret = host_mmio_add(h, d->vars_gpa, fw->vars_len, "flash-vars",
			    &vars_bus, d);
	if (!ret)
		ret = host_mmio_add(h, d->code_gpa, fw->code_len, "flash-code",
				    &code_bus, d);
	if (ret)
		return ret;
	ret = h->ops->memslot(h, d->code_slot, d->code_gpa, fw->code_len,
			      fw->code, true);
	if (ret)
		return err_set(err, CHARLIE_E_KVM, "efi",
			       "flash: cannot map the firmware read-only at "
			       "0x%llx: %s (KVM_CAP_READONLY_MEM needed)",
			       (unsigned long long)d->code_gpa, strerror(-ret));
	d->code_mapped = true;
	ret = map_vars(d, true);
	if (ret)
		return err_set(err, CHARLIE_E_KVM, "efi",
			       "flash: cannot map the variable store at "
			       "0x%llx: %s",
			       (unsigned long long)d->vars_gpa, strerror(-ret));
	return 0;
}

static void pflash_reset(void *state)
{
	struct pflash_dev *d = state;

	pthread_mutex_lock(&d->lock);
	d->flash.mode = PFLASH_ARRAY;
	map_vars(d, true);
	pthread_mutex_unlock(&d->lock);
}

static void pflash_destroy(void *state)
{
	struct pflash_dev *d = state;

	/* the slots go with the VM; the store is saved by vm.c */
	pthread_mutex_destroy(&d->lock);
	free(d);
}

const struct device_ops pflash_ops = {
	.name = "pflash",
	.count = pflash_count,
	.create = pflash_create,
	.reset = pflash_reset,
	.destroy = pflash_destroy,
};
