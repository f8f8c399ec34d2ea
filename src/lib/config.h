/* SPDX-License-Identifier: MIT */
#ifndef CHARLIE_CONFIG_H
#define CHARLIE_CONFIG_H

#include "charlie.h"

/* Checks that need no file contents: cpus, memory, cmdline, kernel given,
 * initrd readable (its size returned). */
int config_check_basic(const struct charlie_config *cfg, uint64_t *initrd_size,
		       struct charlie_error *err);

/* Opens and locks disk `d` (a shared lock when read-only, else an
 * exclusive one: no two writers), checking it is a non-empty regular file
 * or block device whose size is a multiple of 512.  Returns the fd (its
 * lock lives as long as it) with *size, or -EINVAL with `err` naming the
 * disk.  Nothing is written. */
int config_open_disk(const struct charlie_disk *d, uint64_t *size,
		     struct charlie_error *err);

/* The disk image to boot when there is no kernel: boot_image, else the
 * first disk (design.md 11), else NULL. */
const char *config_boot_image(const struct charlie_config *cfg);

/* Whether the VM has the PCI platform: asked for, or implied by the
 * virtio-pci transport. */
static inline bool config_pci_platform(const struct charlie_config *cfg)
{
	return cfg->platform_pci || cfg->transport == CHARLIE_TRANSPORT_PCI;
}

/* Whether virtio devices use virtio-pci (else virtio-mmio). */
static inline bool config_virtio_pci(const struct charlie_config *cfg)
{
	return cfg->transport == CHARLIE_TRANSPORT_PCI ||
	       (cfg->transport == CHARLIE_TRANSPORT_AUTO && cfg->platform_pci);
}

#endif
