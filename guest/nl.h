/* SPDX-License-Identifier: MIT */
/* Minimal rtnetlink (RFC 3549, linux/rtnetlink.h): links, addresses,
 * routes.  Every request asks for an ACK and returns its errno. */
#ifndef BINGO_NL_H
#define BINGO_NL_H

#include <stdint.h>

int nl_open(void);
int nl_link_up(int fd, int ifindex);
/* Adds (add != 0) or deletes an IPv4 address; addresses network order. */
int nl_addr(int fd, int ifindex, uint32_t ip, unsigned int prefix_len, int add);
/* Adds or replaces the default route through gw on ifindex. */
int nl_default_route(int fd, int ifindex, uint32_t gw, int add);

#endif
