// SPDX-License-Identifier: MIT
/*
 * The fw_cfg device (fw_cfg.h), on the firmware platform only (--efi):
 * ports 0x510-0x51b; items nb_cpus, max_cpus, ram_size, boot_menu 0,
 * etc/e820 (charlie's RAM map) and the ACPI tables the ACPI device built,
 * as etc/acpi/rsdp + etc/acpi/tables + etc/table-loader.  Created after
 * the ACPI device (devices/table.c).
 */
#include "device.h"
#include "fw/fw_cfg.h"
#include "acpi/tables.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct fw_cfg_dev {
	struct host *host;
	struct fw_cfg cfg;
	struct ratelimit rl; /* refused DMA requests, said once a second */
};

static void dev_read(void *opaque, uint64_t off, uint8_t *data, unsigned size)
{
	struct fw_cfg_dev *d = opaque;

	fw_cfg_io_read(&d->cfg, off, data, size);
}

static void dev_write(void *opaque, uint64_t off, const uint8_t *data,
		      unsigned size)
{
	struct fw_cfg_dev *d = opaque;
	uint64_t bad = d->cfg.dma_bad;

	fw_cfg_io_write(&d->cfg, off, data, size);
	if (d->cfg.dma_bad != bad)
		host_log_ratelimited(d->host, &d->rl, CHARLIE_LOG_WARN,
				     "fw_cfg: a DMA request outside guest "
				     "RAM or a write was refused (%llu so "
				     "far)",
				     (unsigned long long)d->cfg.dma_bad);
}

static const struct bus_ops fw_cfg_bus = {.read = dev_read, .write = dev_write};

static unsigned int fw_cfg_count(const struct charlie_config *cfg)
{
	return cfg->efi.enabled ? 1 : 0;
}

static int add_le(struct fw_cfg *c, uint16_t key, uint64_t v, size_t n)
{
	uint8_t b[8];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return fw_cfg_add(c, key, b, n);
}

static int fw_cfg_create(struct host *h, const void *param, unsigned int idx,
			 void **state, struct charlie_error *err)
{
	struct fw_cfg_dev *d = calloc(1, sizeof(*d));
	uint8_t e820[20 * GM_MAX_REGIONS];
	struct fw_acpi_blobs b = {0};
	size_t n;
	int ret;

	*state = d;
	if (!d)
		return -ENOMEM;
	d->host = h;
	d->rl.interval_ns = 1000000000ull;
	pthread_mutex_init(&d->rl.lock, NULL);
	fw_cfg_init(&d->cfg, h->gm);
	ret = add_le(&d->cfg, FW_CFG_NB_CPUS, h->cfg->cpus, 2);
	if (!ret)
		ret = add_le(&d->cfg, FW_CFG_MAX_CPUS, h->cfg->cpus, 2);
	if (!ret)
		ret = add_le(&d->cfg, FW_CFG_RAM_SIZE, h->gm->total, 8);
	if (!ret)
		ret = add_le(&d->cfg, FW_CFG_BOOT_MENU, 0, 2);
	n = fw_e820(h->gm, e820, sizeof(e820));
	if (!ret)
		ret = fw_cfg_add_file(&d->cfg, "etc/e820", e820, n);
	if (!ret && h->acpi_tables) {
		ret = fw_acpi_blobs(h->acpi_tables, &b);
		if (!ret)
			ret = fw_cfg_add_file(&d->cfg, FW_ACPI_RSDP_FILE,
					      b.rsdp, b.rsdp_len);
		if (!ret)
			ret = fw_cfg_add_file(&d->cfg, FW_ACPI_TABLES_FILE,
					      b.tables, b.tables_len);
		if (!ret)
			ret = fw_cfg_add_file(&d->cfg, FW_ACPI_LOADER_FILE,
					      b.script, b.script_len);
		fw_acpi_blobs_free(&b);
	} else if (!ret) {
		host_logf(h, CHARLIE_LOG_WARN,
			  "fw_cfg: no ACPI tables to give the firmware");
	}
	if (!ret)
		ret = fw_cfg_finish(&d->cfg);
	if (!ret)
		ret = host_pio_add(h, FW_CFG_PORT_SEL, 12, "fw_cfg",
				   &fw_cfg_bus, d);
	return ret;
}

static void fw_cfg_reset(void *state)
{
	struct fw_cfg_dev *d = state;

	pthread_mutex_lock(&d->cfg.lock);
	d->cfg.sel = 0;
	d->cfg.off = 0;
	d->cfg.dma_hi = 0;
	pthread_mutex_unlock(&d->cfg.lock);
}

static void fw_cfg_destroy(void *state)
{
	struct fw_cfg_dev *d = state;

	fw_cfg_free(&d->cfg);
	pthread_mutex_destroy(&d->rl.lock);
	free(d);
}

const struct device_ops fw_cfg_ops = {
	.name = "fw_cfg",
	.count = fw_cfg_count,
	.create = fw_cfg_create,
	.reset = fw_cfg_reset,
	.destroy = fw_cfg_destroy,
};
