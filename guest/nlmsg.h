/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink messages (RFC 3549, linux/rtnetlink.h), built and parsed
 * without syscalls so the layout is unit-tested on the host; nl.c sends
 * them.  Addresses are in network order.
 */
#ifndef BINGO_NLMSG_H
#define BINGO_NLMSG_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

struct nl_req {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rt;
	};
	char attrs[128];
};

/* RTM_NEWLINK setting IFF_UP. */
void nl_build_link_up(struct nl_req *r, int ifindex);
/* RTM_NEWADDR (create/replace) or RTM_DELADDR for ip/prefix_len. */
void nl_build_addr(struct nl_req *r, int ifindex, uint32_t ip,
		   unsigned int prefix_len, int add);
/* RTM_NEWROUTE (create/replace) or RTM_DELROUTE: default via gw. */
void nl_build_route(struct nl_req *r, int ifindex, uint32_t gw, int add);
/* The broadcast address of ip/prefix_len (prefix_len <= 32). */
uint32_t nl_broadcast(uint32_t ip, unsigned int prefix_len);
/*
 * Looks for the NLMSG_ERROR answering seq in a received buffer (4-byte
 * aligned): 0 for an ACK, a negative errno for an error (-EPROTO for a
 * malformed buffer), 1 when it is not in this buffer.
 */
int nl_parse_ack(const void *buf, size_t len, uint32_t seq);

#endif
