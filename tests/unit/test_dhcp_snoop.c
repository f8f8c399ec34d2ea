// SPDX-License-Identifier: MIT
/* The DHCP snoop (net/dhcp_snoop.c): good replies, and every kind of
 * broken or foreign frame refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "net/dhcp_snoop.h"
#include "net_frames.h"

static const uint8_t mac[6] = {0xce, 0xa5, 0x71, 0xe0, 0x00, 0x01};

/* message type, then end */
static const uint8_t opts_ack[] = {53,	1,   DHCP_ACK, 1, 4,
				   255, 255, 255,      0, 255};
static const uint8_t opts_offer[] = {53, 1, DHCP_OFFER, 255};

static size_t ack(uint8_t *f)
{
	return nf_dhcp_reply(f, mac, inet_addr("10.0.2.15"), opts_ack,
			     sizeof(opts_ack));
}

static int snoop(const uint8_t *f, size_t n, struct dhcp_reply *r)
{
	/* the parser must not read past n: hand it an exact-size copy so
	 * ASan sees any overread */
	uint8_t *c = malloc(n ? n : 1);
	int ret;

	memcpy(c, f, n);
	ret = dhcp_snoop(c, n, r);
	free(c);
	return ret;
}

static void good_ack(void **state)
{
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = ack(f);

	assert_int_equal(snoop(f, n, &r), 1);
	assert_int_equal(r.type, DHCP_ACK);
	assert_int_equal(r.yiaddr, inet_addr("10.0.2.15"));
	assert_memory_equal(r.chaddr, mac, 6);
}

static void good_offer(void **state)
{
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = nf_dhcp_reply(f, mac, inet_addr("10.0.2.16"), opts_offer,
				 sizeof(opts_offer));

	assert_int_equal(snoop(f, n, &r), 1);
	assert_int_equal(r.type, DHCP_OFFER);
	assert_int_equal(r.yiaddr, inet_addr("10.0.2.16"));
}

static void nak_is_a_reply_without_address(void **state)
{
	static const uint8_t o[] = {53, 1, DHCP_NAK, 255};
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = nf_dhcp_reply(f, mac, 0, o, sizeof(o));

	assert_int_equal(snoop(f, n, &r), 1);
	assert_int_equal(r.type, DHCP_NAK);
	assert_int_equal(r.yiaddr, 0);
}

static void padding_after_ip_packet(void **state)
{
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = ack(f);

	memset(f + n, 0xee, 30); /* Ethernet padding / trailer */
	assert_int_equal(snoop(f, n + 30, &r), 1);
}

static void vlan_tagged(void **state)
{
	uint8_t f[2048], g[2048];
	struct dhcp_reply r;
	size_t n = ack(f);

	memcpy(g, f, 12);
	nf_put16(g + 12, 0x8100);
	nf_put16(g + 14, 5);
	memcpy(g + 16, f + 12, n - 12);
	assert_int_equal(snoop(g, n + 4, &r), 1);
}

static void every_truncation_refused(void **state)
{
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = ack(f);

	/* the IP total length then claims more than the frame holds, or
	 * the Ethernet/IP/UDP header is cut */
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(snoop(f, cut, &r), 0);
}

static void no_message_type_is_bootp(void **state)
{
	static const uint8_t o[] = {1, 4, 255, 255, 255, 0, 255};
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = nf_dhcp_reply(f, mac, inet_addr("10.0.2.15"), o, sizeof(o));

	assert_int_equal(snoop(f, n, &r), 0);
}

static void overlong_option_refused(void **state)
{
	/* option 12 claims 200 bytes; 3 follow */
	static const uint8_t o[] = {53, 1, DHCP_ACK, 12, 200, 'a', 'b', 'c'};
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = nf_dhcp_reply(f, mac, inet_addr("10.0.2.15"), o, sizeof(o));

	assert_int_equal(snoop(f, n, &r), 0);
}

static void option_without_length_refused(void **state)
{
	static const uint8_t o[] = {53, 1, DHCP_ACK, 12};
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = nf_dhcp_reply(f, mac, inet_addr("10.0.2.15"), o, sizeof(o));

	assert_int_equal(snoop(f, n, &r), 0);
}

static void message_type_wrong_length_refused(void **state)
{
	static const uint8_t o[] = {53, 2, DHCP_ACK, 0, 255};
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = nf_dhcp_reply(f, mac, inet_addr("10.0.2.15"), o, sizeof(o));

	assert_int_equal(snoop(f, n, &r), 0);
}

static void conflicting_message_types_refused(void **state)
{
	static const uint8_t o[] = {53, 1, DHCP_ACK, 53, 1, DHCP_NAK, 255};
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = nf_dhcp_reply(f, mac, inet_addr("10.0.2.15"), o, sizeof(o));

	assert_int_equal(snoop(f, n, &r), 0);
}

static void no_end_option_accepted(void **state)
{
	static const uint8_t o[] = {0, 0, 53, 1, DHCP_ACK};
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = nf_dhcp_reply(f, mac, inet_addr("10.0.2.15"), o, sizeof(o));

	assert_int_equal(snoop(f, n, &r), 1);
	assert_int_equal(r.type, DHCP_ACK);
}

static void bad_ihl_refused(void **state)
{
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = ack(f);

	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		f[14] = (uint8_t)(0x40 | ihl);
		assert_int_equal(snoop(f, n, &r), 0);
	}
	f[14] = 0x4f; /* 60 bytes: checksum and UDP no longer line up */
	assert_int_equal(snoop(f, n, &r), 0);
	f[14] = 0x65; /* version 6 */
	assert_int_equal(snoop(f, n, &r), 0);
}

static void ip_total_length_beyond_frame_refused(void **state)
{
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = ack(f);

	nf_put16(f + 16, (uint16_t)(n - 14 + 1));
	assert_int_equal(snoop(f, n, &r), 0);
	nf_put16(f + 16, 19); /* shorter than its own header */
	assert_int_equal(snoop(f, n, &r), 0);
}

static void fragments_ignored(void **state)
{
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = ack(f);

	nf_put16(f + 20, 0x2000); /* more fragments */
	nf_put16(f + 24, 0);
	nf_put16(f + 24, nf_fold(nf_sum(0, f + 14, 20)));
	assert_int_equal(snoop(f, n, &r), 0);
	n = ack(f);
	nf_put16(f + 20, 0x0001); /* offset 8 */
	nf_put16(f + 24, 0);
	nf_put16(f + 24, nf_fold(nf_sum(0, f + 14, 20)));
	assert_int_equal(snoop(f, n, &r), 0);
}

static void bad_checksums_refused(void **state)
{
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = ack(f);

	f[24] ^= 1; /* IP header checksum */
	assert_int_equal(snoop(f, n, &r), 0);
	n = ack(f);
	f[40] ^= 1; /* UDP checksum */
	assert_int_equal(snoop(f, n, &r), 0);
	n = ack(f);
	f[14 + 20 + 8 + 16] ^= 1; /* payload: yiaddr */
	assert_int_equal(snoop(f, n, &r), 0);
	f[40] = f[41] = 0; /* no UDP checksum at all: fine */
	assert_int_equal(snoop(f, n, &r), 1);
}

static void udp_length_mismatch_refused(void **state)
{
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = ack(f);

	f[40] = f[41] = 0;
	nf_put16(f + 38, (uint16_t)(n - 34 + 1)); /* past the IP packet */
	assert_int_equal(snoop(f, n, &r), 0);
	nf_put16(f + 38, 7); /* shorter than its header */
	assert_int_equal(snoop(f, n, &r), 0);
	nf_put16(f + 38, 8 + 100); /* too short for BOOTP */
	assert_int_equal(snoop(f, n, &r), 0);
}

static void not_dhcp_refused(void **state)
{
	uint8_t f[2048], pl[300] = {0};
	struct dhcp_reply r;
	size_t n;

	/* DNS reply */
	n = nf_udp(f, mac, nf_bcast, inet_addr("10.0.2.3"),
		   inet_addr("10.0.2.15"), 53, 33333, pl, sizeof(pl));
	assert_int_equal(snoop(f, n, &r), 0);
	/* client -> server (a DISCOVER the guest sent) */
	n = nf_udp(f, nf_bcast, mac, 0, 0xffffffff, 68, 67, pl, sizeof(pl));
	assert_int_equal(snoop(f, n, &r), 0);
	/* TCP to port 68 */
	n = ack(f);
	f[23] = 6;
	nf_put16(f + 24, 0);
	nf_put16(f + 24, nf_fold(nf_sum(0, f + 14, 20)));
	assert_int_equal(snoop(f, n, &r), 0);
	/* ARP */
	n = ack(f);
	nf_put16(f + 12, 0x0806);
	assert_int_equal(snoop(f, n, &r), 0);
}

static void bootrequest_and_bad_cookie_refused(void **state)
{
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = ack(f);
	uint8_t *bp = f + 42;

	bp[0] = 1; /* BOOTREQUEST */
	f[40] = f[41] = 0;
	assert_int_equal(snoop(f, n, &r), 0);
	bp[0] = 2;
	bp[2] = 8; /* hlen */
	assert_int_equal(snoop(f, n, &r), 0);
	bp[2] = 6;
	bp[236] = 98;
	assert_int_equal(snoop(f, n, &r), 0);
	bp[236] = 99;
	assert_int_equal(snoop(f, n, &r), 1);
}

static void random_bytes_never_crash(void **state)
{
	uint8_t f[2048];
	struct dhcp_reply r;
	size_t n = ack(f);

	srand(1);
	for (int i = 0; i < 20000; i++) {
		uint8_t g[2048];

		memcpy(g, f, n);
		for (int k = 0; k < 1 + rand() % 4; k++)
			g[rand() % n] = (uint8_t)rand();
		snoop(g, (size_t)rand() % (n + 1), &r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_ack),
		cmocka_unit_test(good_offer),
		cmocka_unit_test(nak_is_a_reply_without_address),
		cmocka_unit_test(padding_after_ip_packet),
		cmocka_unit_test(vlan_tagged),
		cmocka_unit_test(every_truncation_refused),
		cmocka_unit_test(no_message_type_is_bootp),
		cmocka_unit_test(overlong_option_refused),
		cmocka_unit_test(option_without_length_refused),
		cmocka_unit_test(message_type_wrong_length_refused),
		cmocka_unit_test(conflicting_message_types_refused),
		cmocka_unit_test(no_end_option_accepted),
		cmocka_unit_test(bad_ihl_refused),
		cmocka_unit_test(ip_total_length_beyond_frame_refused),
		cmocka_unit_test(fragments_ignored),
		cmocka_unit_test(bad_checksums_refused),
		cmocka_unit_test(udp_length_mismatch_refused),
		cmocka_unit_test(not_dhcp_refused),
		cmocka_unit_test(bootrequest_and_bad_cookie_refused),
		cmocka_unit_test(random_bytes_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
