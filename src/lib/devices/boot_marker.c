// SPDX-License-Identifier: MIT
/*
 * The boot marker: the guest writes CHARLIE_BOOT_MARKER_VALUE to
 * CHARLIE_BOOT_MARKER_PORT when its userspace is ready (charlie.h).
 */
#include "device.h"

#include <errno.h>

static void marker_write(void *opaque, uint64_t off, const uint8_t *data,
			 unsigned size)
{
	struct host *h = opaque;

	if (data[0] == CHARLIE_BOOT_MARKER_VALUE)
		h->ops->event(h, HOST_EV_BOOT_MARKER);
}

static const struct bus_ops marker_bus = {.write = marker_write};

static int marker_create(struct host *h, const void *param, unsigned int idx,
			 void **state, struct charlie_error *err)
{
	*state = NULL;
	return host_pio_add(h, CHARLIE_BOOT_MARKER_PORT, 1, "boot-marker",
			    &marker_bus, h);
}

const struct device_ops boot_marker_ops = {
	.name = "boot-marker",
	.create = marker_create,
};
