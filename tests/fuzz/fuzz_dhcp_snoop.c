// SPDX-License-Identifier: MIT
/* libFuzzer: the DHCP snoop on any bytes (net/dhcp_snoop.c). */
#include "net/dhcp_snoop.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_reply r;

	dhcp_snoop(data, size, &r);
	return 0;
}
