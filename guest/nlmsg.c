// SPDX-License-Identifier: MIT
/* rtnetlink message building and parsing (see nlmsg.h). */
#include "nlmsg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

static void add_attr(struct nl_req *r, unsigned short type, const void *data,
		     unsigned short len)
{
	size_t off = NLMSG_ALIGN(r->h.nlmsg_len);
	struct rtattr *a;

	/* The request is one buffer: address it as such, within bounds. */
	if (off + RTA_ALIGN(RTA_LENGTH(len)) > sizeof(*r))
		return;
	a = (struct rtattr *)((char *)r + off);
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

void nl_build_link_up(struct nl_req *r, int ifindex)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(sizeof(r->ifi));
	r->h.nlmsg_type = RTM_NEWLINK;
	r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r->ifi.ifi_family = AF_UNSPEC;
	r->ifi.ifi_index = ifindex;
	r->ifi.ifi_flags = IFF_UP;
	r->ifi.ifi_change = IFF_UP;
}

uint32_t nl_broadcast(uint32_t ip, unsigned int prefix_len)
{
	uint32_t host = prefix_len >= 32 ? 0 : 0xffffffffu >> prefix_len;

	return htonl(ntohl(ip) | host);
}

void nl_build_addr(struct nl_req *r, int ifindex, uint32_t ip,
		   unsigned int prefix_len, int add)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(sizeof(r->ifa));
	r->h.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (add)
		r->h.nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
	r->ifa.ifa_family = AF_INET;
	r->ifa.ifa_prefixlen = prefix_len;
	r->ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	r->ifa.ifa_index = ifindex;
	add_attr(r, IFA_LOCAL, &ip, 4);
	add_attr(r, IFA_ADDRESS, &ip, 4);
	if (prefix_len < 31) { /* RFC 3021: /31 and /32 have none */
		uint32_t brd = nl_broadcast(ip, prefix_len);

		add_attr(r, IFA_BROADCAST, &brd, 4);
	}
}

void nl_build_route(struct nl_req *r, int ifindex, uint32_t gw, int add)
{
	uint32_t oif = (uint32_t)ifindex;

	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(sizeof(r->rt));
	r->h.nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (add)
		r->h.nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
	r->rt.rtm_family = AF_INET;
	r->rt.rtm_dst_len = 0;
	r->rt.rtm_table = RT_TABLE_MAIN;
	r->rt.rtm_protocol = RTPROT_DHCP;
	r->rt.rtm_scope = RT_SCOPE_UNIVERSE;
	r->rt.rtm_type = RTN_UNICAST;
	add_attr(r, RTA_GATEWAY, &gw, 4);
	add_attr(r, RTA_OIF, &oif, 4);
}

int nl_parse_ack(const void *buf, size_t len, uint32_t seq)
{
	size_t off = 0;

	/* Walked by hand: NLMSG_NEXT on a size_t can wrap past the end. */
	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *h =
			(const void *)((const char *)buf + off);
		size_t mlen = h->nlmsg_len;
		const struct nlmsgerr *e;

		if (mlen < sizeof(*h) || mlen > len - off)
			return -EPROTO;
		if (h->nlmsg_seq == seq && h->nlmsg_type == NLMSG_ERROR) {
			if (mlen < NLMSG_LENGTH(sizeof(*e)))
				return -EPROTO;
			e = NLMSG_DATA(h);
			return e->error > 0 ? -EPROTO : e->error;
		}
		mlen = NLMSG_ALIGN(mlen);
		if (mlen >= len - off)
			break;
		off += mlen;
	}
	return 1;
}
