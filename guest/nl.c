// SPDX-License-Identifier: MIT
/* Minimal rtnetlink client (see nl.h). */
#include "nl.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct nl_req {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rt;
	};
	char attrs[128];
};

static uint32_t nl_seq;

static void add_attr(struct nl_req *r, unsigned short type, const void *data,
		     unsigned short len)
{
	struct rtattr *a =
		(struct rtattr *)((char *)&r->h + NLMSG_ALIGN(r->h.nlmsg_len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

int nl_open(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Sends r and waits for its ACK (bounded by SO_RCVTIMEO). */
static int transact(int fd, struct nl_req *r)
{
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_sec = 2};
	char buf[4096];
	uint32_t seq = ++nl_seq;

	r->h.nlmsg_seq = seq;
	r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		return -errno;
	for (int tries = 0; tries < 16; tries++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;
		size_t left;

		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		left = (size_t)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len <
			    NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				return -EPROTO;
			return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		}
	}
	return -ETIMEDOUT;
}

int nl_link_up(int fd, int ifindex)
{
	struct nl_req r;

	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
	r.h.nlmsg_type = RTM_NEWLINK;
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = ifindex;
	r.ifi.ifi_flags = IFF_UP;
	r.ifi.ifi_change = IFF_UP;
	return transact(fd, &r);
}

int nl_addr(int fd, int ifindex, uint32_t ip, unsigned int prefix_len, int add)
{
	struct nl_req r;
	uint32_t brd;

	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifa));
	r.h.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	if (add)
		r.h.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	r.ifa.ifa_family = AF_INET;
	r.ifa.ifa_prefixlen = prefix_len;
	r.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	r.ifa.ifa_index = ifindex;
	add_attr(&r, IFA_LOCAL, &ip, 4);
	add_attr(&r, IFA_ADDRESS, &ip, 4);
	if (prefix_len < 31) {
		uint32_t host =
			prefix_len ? 0xffffffffu >> prefix_len : 0xffffffffu;
		/* ip is in network order: build the mask the same way. */
		uint8_t b[4];

		memcpy(b, &ip, 4);
		b[0] |= host >> 24;
		b[1] |= host >> 16;
		b[2] |= host >> 8;
		b[3] |= host;
		memcpy(&brd, b, 4);
		add_attr(&r, IFA_BROADCAST, &brd, 4);
	}
	return transact(fd, &r);
}

int nl_default_route(int fd, int ifindex, uint32_t gw, int add)
{
	struct nl_req r;
	uint32_t oif = (uint32_t)ifindex;

	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.rt));
	r.h.nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	if (add)
		r.h.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	r.rt.rtm_family = AF_INET;
	r.rt.rtm_dst_len = 0;
	r.rt.rtm_table = RT_TABLE_MAIN;
	r.rt.rtm_protocol = RTPROT_DHCP;
	r.rt.rtm_scope = RT_SCOPE_UNIVERSE;
	r.rt.rtm_type = RTN_UNICAST;
	add_attr(&r, RTA_GATEWAY, &gw, 4);
	add_attr(&r, RTA_OIF, &oif, 4);
	return transact(fd, &r);
}
