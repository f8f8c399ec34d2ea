/* SPDX-License-Identifier: MIT */
/*
 * The guest's IP, learnt by watching the DHCP replies on their way to the
 * guest (design.md section 10), whatever the backend.  Every byte is
 * hostile input: the frame may come from a socket peer or a bridge.
 */
#ifndef CHARLIE_NET_DHCP_SNOOP_H
#define CHARLIE_NET_DHCP_SNOOP_H

#include <stddef.h>
#include <stdint.h>

/* DHCP message types (RFC 2132 9.6) */
#define DHCP_DISCOVER 1
#define DHCP_OFFER    2
#define DHCP_REQUEST  3
#define DHCP_ACK      5
#define DHCP_NAK      6

struct dhcp_reply {
	uint8_t type;	   /* option 53 */
	uint32_t yiaddr;   /* network byte order */
	uint8_t chaddr[6]; /* the client it is for */
};

/* Returns 1 and fills `out` when `frame` is a well-formed DHCP reply
 * (Ethernet [+ one VLAN tag] -> IPv4 with a good header checksum, not a
 * fragment -> UDP 67 -> 68 with a good checksum or none -> BOOTREPLY for
 * Ethernet with the magic cookie -> options with a message type);
 * 0 for anything else, including every malformed or truncated frame. */
int dhcp_snoop(const uint8_t *frame, size_t len, struct dhcp_reply *out);

#endif
