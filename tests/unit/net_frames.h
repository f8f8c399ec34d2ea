/* SPDX-License-Identifier: MIT */
/*
 * Crafting Ethernet/IPv4/UDP/TCP/BOOTP frames for the network tests, with
 * correct checksums, and a one-batch dispatcher for the event loop (the
 * tests play the guest and drive the loop themselves).
 */
#ifndef CHARLIE_TEST_NET_FRAMES_H
#define CHARLIE_TEST_NET_FRAMES_H

#include "loop.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>

static const uint8_t nf_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static inline void nf_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t nf_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t nf_sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += nf_get16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static inline uint16_t nf_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Ethernet + IPv4 header (20 bytes) around `l4` of `l4len` bytes of
 * protocol `proto`, with the L4 checksum (UDP/TCP) filled in at `csum_off`
 * inside l4 (or not when csum_off < 0).  Returns the frame length. */
static inline size_t nf_ipv4(uint8_t *f, const uint8_t dst[6],
			     const uint8_t src[6], uint32_t sip, uint32_t dip,
			     uint8_t proto, const uint8_t *l4, size_t l4len,
			     int csum_off)
{
	uint8_t *ip = f + 14, *l = f + 34;
	uint32_t s;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	nf_put16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	nf_put16(ip + 2, (uint16_t)(20 + l4len));
	nf_put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &sip, 4);
	memcpy(ip + 16, &dip, 4);
	nf_put16(ip + 10, nf_fold(nf_sum(0, ip, 20)));
	memcpy(l, l4, l4len);
	if (csum_off >= 0) {
		nf_put16(l + csum_off, 0);
		s = nf_sum(0, ip + 12, 8) + proto + (uint32_t)l4len;
		s = nf_sum(s, l, l4len);
		nf_put16(l + csum_off, nf_fold(s));
	}
	return 34 + l4len;
}

static inline size_t nf_udp(uint8_t *f, const uint8_t dst[6],
			    const uint8_t src[6], uint32_t sip, uint32_t dip,
			    uint16_t sport, uint16_t dport, const uint8_t *pl,
			    size_t plen)
{
	uint8_t u[1600];

	nf_put16(u, sport);
	nf_put16(u + 2, dport);
	nf_put16(u + 4, (uint16_t)(8 + plen));
	memcpy(u + 8, pl, plen);
	return nf_ipv4(f, dst, src, sip, dip, 17, u, 8 + plen, 6);
}

/* A BOOTP message with the magic cookie and `opts` (ending included by
 * the caller as they wish).  Returns its length. */
static inline size_t nf_bootp(uint8_t *b, uint8_t op, uint32_t xid,
			      const uint8_t chaddr[6], uint32_t yiaddr,
			      const uint8_t *opts, size_t optlen)
{
	memset(b, 0, 240);
	b[0] = op;
	b[1] = 1;
	b[2] = 6;
	memcpy(b + 4, &xid, 4);
	memcpy(b + 16, &yiaddr, 4);
	memcpy(b + 28, chaddr, 6);
	b[236] = 99;
	b[237] = 130;
	b[238] = 83;
	b[239] = 99;
	memcpy(b + 240, opts, optlen);
	return 240 + optlen;
}

/* A DHCP reply frame (server 10.0.2.2:67 -> 255.255.255.255:68). */
static inline size_t nf_dhcp_reply(uint8_t *f, const uint8_t chaddr[6],
				   uint32_t yiaddr, const uint8_t *opts,
				   size_t optlen)
{
	static const uint8_t srv[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
	uint8_t b[1500];
	size_t n = nf_bootp(b, 2, 0x11223344, chaddr, yiaddr, opts, optlen);

	return nf_udp(f, nf_bcast, srv, inet_addr("10.0.2.2"),
		      inet_addr("255.255.255.255"), 67, 68, b, n);
}

/* Runs the handlers of one epoll batch (what loop_run does once);
 * returns how many ran. */
static inline int nf_loop_once(struct loop *l, int timeout_ms)
{
	struct epoll_event ev[16];
	int n = epoll_wait(l->epfd, ev, 16, timeout_ms);

	for (int i = 0; i < n; i++) {
		struct loop_src *s = ev[i].data.ptr;

		if (!__atomic_load_n(&s->dead, __ATOMIC_ACQUIRE))
			s->fn(s->opaque, s->fd, ev[i].events);
	}
	return n < 0 ? 0 : n;
}

#endif
