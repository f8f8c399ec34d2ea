// SPDX-License-Identifier: MIT
/* Minimal rtnetlink client (see nl.h): sends nlmsg.c's messages. */
#include "nl.h"

#include "nlmsg.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static uint32_t nl_seq;

int nl_open(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_sec = 2};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	/* Every wait for an answer is bounded. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Sends r and waits for its ACK. */
static int transact(int fd, struct nl_req *r)
{
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	char buf[4096] __attribute__((aligned(4)));
	uint32_t seq = ++nl_seq;

	r->h.nlmsg_seq = seq;
	if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		return -errno;
	for (int tries = 0; tries < 16; tries++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		int err;

		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		err = nl_parse_ack(buf, (size_t)n, seq);
		if (err <= 0)
			return err;
	}
	return -ETIMEDOUT;
}

int nl_link_up(int fd, int ifindex)
{
	struct nl_req r;

	nl_build_link_up(&r, ifindex);
	return transact(fd, &r);
}

int nl_addr(int fd, int ifindex, uint32_t ip, unsigned int prefix_len, int add)
{
	struct nl_req r;

	nl_build_addr(&r, ifindex, ip, prefix_len, add);
	return transact(fd, &r);
}

int nl_default_route(int fd, int ifindex, uint32_t gw, int add)
{
	struct nl_req r;

	nl_build_route(&r, ifindex, gw, add);
	return transact(fd, &r);
}
