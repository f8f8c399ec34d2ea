// SPDX-License-Identifier: MIT
/*
 * Every device of the platform, in creation order (destroyed in reverse).
 * A new device is a new file plus one line here.
 */
#include "device.h"
#include "virtio/virtio.h"

static const struct uart_param com1 = {
	.base = 0x3f8, .irq = 4, .name = "COM1", .console = true};

const struct device_entry device_table[] = {
	{&uart8250_ops, &com1},
	{&i8042_ops, NULL},
	{&cmos_ops, NULL},
	{&boot_marker_ops, NULL},
	/* issue 12: the PCI platform (i440FX), when on; before virtio */
	{&pci_i440fx_ops, NULL},
	/* virtio-mmio windows from 0xd0000000 in this order (mmio.c) */
	{&virtio_rng_ops, NULL},
	{&virtio_console_ops, NULL},
	{&virtio_blk_ops, NULL},
	{&virtio_net_ops, NULL}, /* one per --net */
	/* issue 10: virtio-vsock (--vsock cid=N,uds=PATH) */
	{&vsock_dev_ops, NULL},
	/* last: its DSDT describes every device created before it */
	{&acpi_pm_ops, NULL},
	/* issue 12, --efi only: fw_cfg hands the firmware the tables above */
	{&fw_cfg_ops, NULL},
	{&pflash_ops, NULL},
};

const unsigned int device_table_len =
	sizeof(device_table) / sizeof(device_table[0]);
