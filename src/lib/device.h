/* SPDX-License-Identifier: MIT */
/*
 * Devices as a table (design.md section 12).  A device is one const ops
 * entry; vm.c walks devices/table.c in order, creating every instance the
 * configuration asks for, and destroys them in reverse.  Devices reach
 * the VM only through struct host (host.h).
 */
#ifndef CHARLIE_DEVICE_H
#define CHARLIE_DEVICE_H

#include "host.h"

struct device_ops {
	const char *name;
	/* Instances this configuration asks for; NULL means exactly one. */
	unsigned int (*count)(const struct charlie_config *cfg);
	/* Creates instance `idx` with the table entry's `param`.  Returns 0
	 * or a negative errno with `err` filled in. */
	int (*create)(struct host *h, const void *param, unsigned int idx,
		      void **state, struct charlie_error *err);
	/* Back to the power-on state (registers, FIFOs, interrupt lines). */
	void (*reset)(void *state);
	void (*destroy)(void *state);
};

struct device_entry {
	const struct device_ops *ops;
	const void *param;
};

extern const struct device_entry device_table[];
extern const unsigned int device_table_len;

/* devices/uart8250.c: an 8250/16550A at `base`/`irq`; `console` makes it
 * the guest console (output to the VM's console, input from it). */
struct uart_param {
	uint16_t base;
	uint8_t irq;
	char name[5]; /* ACPI name: "COM1" */
	bool console;
};

extern const struct device_ops uart8250_ops;
extern const struct device_ops i8042_ops;
extern const struct device_ops cmos_ops;
extern const struct device_ops boot_marker_ops;
extern const struct device_ops vsock_dev_ops;
/* pci/i440fx.c: the PCI platform (config_pci_platform) */
extern const struct device_ops pci_i440fx_ops;
/* acpi/pm.c: tables + PM registers; the last entry of the table */
extern const struct device_ops acpi_pm_ops;
/* fw/: the firmware platform (--efi): after the ACPI device */
extern const struct device_ops fw_cfg_ops;
extern const struct device_ops pflash_ops;

#endif
