// SPDX-License-Identifier: MIT
/*
 * libFuzzer: bingo's DHCP client on any bytes (guest/dhcp.c), the code
 * that reads what the network sends the guest.
 *   - dhcp_ip_unwrap() on the input as an IPv4 datagram (the raw socket's
 *     view); what it returns must lie inside the input;
 *   - dhcp_parse() and the client (SELECTING, then REQUESTING) on the input
 *     as a DHCP message, with the xid and client MAC made ours, so the
 *     fuzzer reaches the options instead of stopping at the xid check.
 */
#include "dhcp.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t mac[6] = {0xce, 0xa5, 0x71, 0xe0, 0x00, 0x01};

/* The input with our xid and MAC written in, in a buffer of its own size
 * (so ASan sees any read past the end). */
static uint8_t *as_ours(const uint8_t *data, size_t size, uint32_t xid)
{
	uint8_t *p = malloc(size ? size : 1);

	if (!p)
		abort();
	memcpy(p, data, size);
	if (size >= 8)
		memcpy(p + 4, &(uint32_t){htonl(xid)}, 4);
	if (size >= 28 + sizeof(mac))
		memcpy(p + 28, mac, sizeof(mac));
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_client c;
	struct dhcp_msg m;
	size_t off = 0, len = 0;
	uint8_t *p;

	if (dhcp_ip_unwrap(data, size, &off, &len) == 0) {
		if (off > size || len > size - off)
			abort(); /* the message must lie inside the datagram */
		p = as_ours(data + off, len, 0x1234);
		dhcp_parse(p, len, 0x1234, mac, &m);
		free(p);
	}
	dhcp_init(&c, mac, 7, "bingo");
	dhcp_start(&c, 0);
	p = as_ours(data, size, c.xid);
	dhcp_input(&c, 10, p, size); /* an OFFER, or not */
	free(p);
	p = as_ours(data, size, c.xid);
	dhcp_input(&c, 20, p, size); /* an ACK/NAK if we now request */
	free(p);
	if (c.state == DHCP_BOUND)
		dhcp_timeout(&c, c.deadline_ms); /* T1: renew */
	return 0;
}
