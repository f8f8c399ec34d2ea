// SPDX-License-Identifier: MIT
/* rtnetlink message layout (guest/nlmsg.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "nlmsg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>

static uint32_t ip(const char *s)
{
	return inet_addr(s);
}

/* Finds attribute type in the message's attributes; its payload length
 * goes to *len.  Also checks that the attributes tile the message. */
static const void *attr(const struct nl_req *r, size_t fixed,
			unsigned short type, size_t *len)
{
	const char *p = (const char *)&r->h + NLMSG_LENGTH(fixed);
	const char *end = (const char *)&r->h + r->h.nlmsg_len;
	const void *found = NULL;

	while (p < end) {
		const struct rtattr *a = (const struct rtattr *)p;

		assert_true(a->rta_len >= sizeof(*a));
		assert_true(p + RTA_ALIGN(a->rta_len) <= end);
		if (a->rta_type == type) {
			found = RTA_DATA(a);
			*len = RTA_PAYLOAD(a);
		}
		p += RTA_ALIGN(a->rta_len);
	}
	assert_true(p == end);
	return found;
}

static void test_link_up(void **state)
{
	struct nl_req r;

	(void)state;
	nl_build_link_up(&r, 2);
	assert_int_equal(r.h.nlmsg_type, RTM_NEWLINK);
	assert_int_equal(r.h.nlmsg_len, NLMSG_LENGTH(sizeof(struct ifinfomsg)));
	assert_true(r.h.nlmsg_flags & NLM_F_REQUEST);
	assert_true(r.h.nlmsg_flags & NLM_F_ACK);
	assert_int_equal(r.ifi.ifi_index, 2);
	assert_int_equal(r.ifi.ifi_flags, IFF_UP);
	assert_int_equal(r.ifi.ifi_change, IFF_UP);
}

static void test_addr(void **state)
{
	struct nl_req r;
	const uint32_t *v;
	size_t len = 0;

	(void)state;
	nl_build_addr(&r, 2, ip("10.0.2.15"), 24, 1);
	assert_int_equal(r.h.nlmsg_type, RTM_NEWADDR);
	assert_int_equal(r.h.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK |
						  NLM_F_CREATE | NLM_F_REPLACE);
	assert_int_equal(r.ifa.ifa_family, AF_INET);
	assert_int_equal(r.ifa.ifa_prefixlen, 24);
	assert_int_equal(r.ifa.ifa_index, 2);
	v = attr(&r, sizeof(r.ifa), IFA_LOCAL, &len);
	assert_non_null(v);
	assert_int_equal(len, 4);
	assert_int_equal(*v, ip("10.0.2.15"));
	v = attr(&r, sizeof(r.ifa), IFA_ADDRESS, &len);
	assert_non_null(v);
	assert_int_equal(*v, ip("10.0.2.15"));
	v = attr(&r, sizeof(r.ifa), IFA_BROADCAST, &len);
	assert_non_null(v);
	assert_int_equal(*v, ip("10.0.2.255"));

	nl_build_addr(&r, 2, ip("10.0.2.15"), 24, 0);
	assert_int_equal(r.h.nlmsg_type, RTM_DELADDR);
	assert_int_equal(r.h.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	/* A /32 has no broadcast address. */
	nl_build_addr(&r, 2, ip("192.168.64.3"), 32, 1);
	assert_null(attr(&r, sizeof(r.ifa), IFA_BROADCAST, &len));
}

static void test_broadcast(void **state)
{
	(void)state;
	assert_int_equal(nl_broadcast(ip("10.0.2.15"), 24), ip("10.0.2.255"));
	assert_int_equal(nl_broadcast(ip("10.0.2.15"), 8),
			 ip("10.255.255.255"));
	assert_int_equal(nl_broadcast(ip("172.16.5.4"), 20),
			 ip("172.16.15.255"));
	assert_int_equal(nl_broadcast(ip("1.2.3.4"), 0), ip("255.255.255.255"));
	assert_int_equal(nl_broadcast(ip("1.2.3.4"), 32), ip("1.2.3.4"));
}

static void test_route(void **state)
{
	struct nl_req r;
	const uint32_t *v;
	size_t len = 0;

	(void)state;
	nl_build_route(&r, 3, ip("10.0.2.2"), 1);
	assert_int_equal(r.h.nlmsg_type, RTM_NEWROUTE);
	assert_int_equal(r.rt.rtm_family, AF_INET);
	assert_int_equal(r.rt.rtm_dst_len, 0); /* default route */
	assert_int_equal(r.rt.rtm_table, RT_TABLE_MAIN);
	assert_int_equal(r.rt.rtm_type, RTN_UNICAST);
	v = attr(&r, sizeof(r.rt), RTA_GATEWAY, &len);
	assert_non_null(v);
	assert_int_equal(*v, ip("10.0.2.2"));
	v = attr(&r, sizeof(r.rt), RTA_OIF, &len);
	assert_non_null(v);
	assert_int_equal(*v, 3);
	nl_build_route(&r, 3, ip("10.0.2.2"), 0);
	assert_int_equal(r.h.nlmsg_type, RTM_DELROUTE);
}

/* A received buffer: messages, each 4-byte aligned. */
static size_t put_msg(uint32_t *buf, size_t off, uint16_t type, uint32_t seq,
		      int error, size_t len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)buf + off);

	memset(h, 0, len);
	h->nlmsg_len = (uint32_t)len;
	h->nlmsg_type = type;
	h->nlmsg_seq = seq;
	if (type == NLMSG_ERROR && len >= NLMSG_LENGTH(sizeof(int)))
		((struct nlmsgerr *)NLMSG_DATA(h))->error = error;
	return off + NLMSG_ALIGN(len);
}

static void test_parse_ack(void **state)
{
	uint32_t buf[256] = {0};
	size_t ack = NLMSG_LENGTH(sizeof(struct nlmsgerr)), n;

	(void)state;
	n = put_msg(buf, 0, NLMSG_ERROR, 7, 0, ack);
	assert_int_equal(nl_parse_ack(buf, n, 7), 0);
	assert_int_equal(nl_parse_ack(buf, n, 8), 1); /* not ours */
	n = put_msg(buf, 0, NLMSG_ERROR, 7, -EEXIST, ack);
	assert_int_equal(nl_parse_ack(buf, n, 7), -EEXIST);
	/* Ours after someone else's message. */
	n = put_msg(buf, 0, RTM_NEWADDR, 7, 0, 30);
	n = put_msg(buf, n, NLMSG_ERROR, 7, -EPERM, ack);
	assert_int_equal(nl_parse_ack(buf, n, 7), -EPERM);
	/* A positive "error" is nonsense. */
	n = put_msg(buf, 0, NLMSG_ERROR, 7, 5, ack);
	assert_int_equal(nl_parse_ack(buf, n, 7), -EPROTO);
}

static void test_parse_malformed(void **state)
{
	uint32_t buf[256] = {0};
	size_t n;

	(void)state;
	assert_int_equal(nl_parse_ack(buf, 0, 1), 1);
	assert_int_equal(nl_parse_ack(buf, 10, 1),
			 1); /* shorter than a header */
	/* Length beyond the buffer, or smaller than a header. */
	n = put_msg(buf, 0, NLMSG_ERROR, 1, 0, 36);
	assert_int_equal(nl_parse_ack(buf, n - 4, 1), -EPROTO);
	put_msg(buf, 0, NLMSG_ERROR, 1, 0, 36);
	((struct nlmsghdr *)buf)->nlmsg_len = 8;
	assert_int_equal(nl_parse_ack(buf, 36, 1), -EPROTO);
	/* An error message too short to hold its errno. */
	n = put_msg(buf, 0, NLMSG_ERROR, 1, 0, NLMSG_LENGTH(2));
	assert_int_equal(nl_parse_ack(buf, n, 1), -EPROTO);
	/* An unaligned last length must not walk past the end. */
	n = put_msg(buf, 0, RTM_NEWLINK, 2, 0, 17);
	assert_int_equal(nl_parse_ack(buf, 17, 1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_up),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_broadcast),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_parse_ack),
		cmocka_unit_test(test_parse_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
