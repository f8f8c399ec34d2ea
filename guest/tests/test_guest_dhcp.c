// SPDX-License-Identifier: MIT
/* DHCP packets and client state machine (guest/dhcp.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dhcp.h"

#include <arpa/inet.h>
#include <string.h>

static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* A server reply builder: fixed part, then raw option bytes. */
struct reply {
	uint8_t b[DHCP_MAX_LEN + 64];
	size_t len;
};

static void reply_init(struct reply *r, uint32_t xid, const char *yiaddr)
{
	uint32_t y = yiaddr ? ip(yiaddr) : 0;

	memset(r, 0, sizeof(*r));
	r->b[0] = 2; /* BOOTREPLY */
	r->b[1] = 1;
	r->b[2] = 6;
	r->b[4] = xid >> 24;
	r->b[5] = xid >> 16;
	r->b[6] = xid >> 8;
	r->b[7] = xid;
	memcpy(r->b + 16, &y, 4);
	memcpy(r->b + 28, mac, 6);
	r->b[236] = 0x63;
	r->b[237] = 0x82;
	r->b[238] = 0x53;
	r->b[239] = 0x63;
	r->len = 240;
}

static void opt(struct reply *r, uint8_t code, const void *data, uint8_t len)
{
	r->b[r->len++] = code;
	r->b[r->len++] = len;
	memcpy(r->b + r->len, data, len);
	r->len += len;
}

static void opt_addr(struct reply *r, uint8_t code, const char *a)
{
	uint32_t v = ip(a);

	opt(r, code, &v, 4);
}

static void opt_u32(struct reply *r, uint8_t code, uint32_t v)
{
	uint8_t b[4] = {v >> 24, v >> 16, v >> 8, v};

	opt(r, code, b, 4);
}

static void opt_type(struct reply *r, uint8_t type)
{
	opt(r, DHCP_OPT_MSG_TYPE, &type, 1);
}

static void end(struct reply *r)
{
	r->b[r->len++] = DHCP_OPT_END;
}

/* slirp's answer: 10.0.2.15/24 via 10.0.2.2, DNS 10.0.2.3, 24 h. */
static void slirp_reply(struct reply *r, uint8_t type, uint32_t xid)
{
	reply_init(r, xid, "10.0.2.15");
	opt_type(r, type);
	opt_addr(r, DHCP_OPT_SERVER_ID, "10.0.2.2");
	opt_addr(r, DHCP_OPT_SUBNET_MASK, "255.255.255.0");
	opt_addr(r, DHCP_OPT_ROUTER, "10.0.2.2");
	opt_addr(r, DHCP_OPT_DNS, "10.0.2.3");
	opt_u32(r, DHCP_OPT_LEASE_TIME, 86400);
	end(r);
}

static const uint8_t *find_opt(const uint8_t *p, size_t len, uint8_t code,
			       uint8_t *olen)
{
	for (size_t i = 240; i + 1 < len;) {
		if (p[i] == 0) {
			i++;
			continue;
		}
		if (p[i] == 255)
			break;
		if (p[i] == code) {
			*olen = p[i + 1];
			return p + i + 2;
		}
		i += 2 + p[i + 1];
	}
	return NULL;
}

/* Ones' complement checksum of n bytes (test's own, big-endian words). */
static uint16_t t_csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i < n; i++)
		sum += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* IPv4 + UDP 67 -> 68 around a payload, checksums right. */
static size_t t_wrap(uint8_t *b, const uint8_t *pl, size_t n, bool udpsum)
{
	size_t tot = 28 + n;
	uint16_t c;
	uint8_t ph[12];

	memset(b, 0, 28);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[6] = 0x40; /* DF */
	b[8] = 64;
	b[9] = 17;
	memcpy(b + 12, (uint8_t[]){10, 0, 2, 2, 10, 0, 2, 15}, 8);
	c = t_csum(b, 20, 0);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	b[21] = 67;
	b[23] = 68;
	b[24] = (uint8_t)((n + 8) >> 8);
	b[25] = (uint8_t)(n + 8);
	memcpy(b + 28, pl, n);
	if (udpsum) {
		memcpy(ph, b + 12, 8);
		ph[8] = 0;
		ph[9] = 17;
		ph[10] = b[24];
		ph[11] = b[25];
		c = t_csum(b + 20, n + 8, t_csum(ph, 12, 0) ^ 0xffff);
		b[26] = (uint8_t)(c >> 8);
		b[27] = (uint8_t)c;
	}
	return tot;
}

static void test_ip_unwrap(void **state)
{
	static uint8_t pl[301], b[400];
	size_t len, off = 0, n = 0;

	for (size_t i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 7);
	/* odd length, with and without a UDP checksum */
	for (int sum = 0; sum < 2; sum++) {
		len = t_wrap(b, pl, sizeof(pl), sum);
		assert_int_equal(dhcp_ip_unwrap(b, len, &off, &n), 0);
		assert_int_equal(off, 28);
		assert_int_equal(n, sizeof(pl));
		assert_memory_equal(b + off, pl, n);
		/* trailing bytes (Ethernet padding) beyond the IP length */
		assert_int_equal(dhcp_ip_unwrap(b, len + 10, &off, &n), 0);
		assert_int_equal(n, sizeof(pl));
	}
	len = t_wrap(b, pl, sizeof(pl), true);
	/* cut short anywhere */
	for (size_t cut = 0; cut < len; cut += 13)
		assert_int_equal(dhcp_ip_unwrap(b, cut, &off, &n), -1);
	/* every single-bit flip in the headers is refused (checksums) */
	for (size_t i = 0; i < 28 * 8; i++) {
		b[i / 8] ^= (uint8_t)(1u << i % 8);
		if (dhcp_ip_unwrap(b, len, &off, &n) == 0)
			fail_msg("bit %zu flipped and accepted", i);
		b[i / 8] ^= (uint8_t)(1u << i % 8);
	}
	/* a flipped payload bit: the UDP checksum */
	b[100] ^= 4;
	assert_int_equal(dhcp_ip_unwrap(b, len, &off, &n), -1);
	b[100] ^= 4;
	/* a fragment (MF), another port, another protocol: re-checksummed */
	len = t_wrap(b, pl, sizeof(pl), false);
	b[6] = 0x20;
	b[10] = b[11] = 0;
	{
		uint16_t c = t_csum(b, 20, 0);

		b[10] = (uint8_t)(c >> 8);
		b[11] = (uint8_t)c;
	}
	assert_int_equal(dhcp_ip_unwrap(b, len, &off, &n), -1);
	len = t_wrap(b, pl, sizeof(pl), false);
	b[23] = 67;
	assert_int_equal(dhcp_ip_unwrap(b, len, &off, &n), -1);
	/* UDP length past the IP payload */
	len = t_wrap(b, pl, sizeof(pl), false);
	b[24] = 0xff;
	assert_int_equal(dhcp_ip_unwrap(b, len, &off, &n), -1);
}

static void test_build_discover(void **state)
{
	struct dhcp_req r = {.type = DHCPDISCOVER,
			     .xid = 0xdeadbeef,
			     .secs = 3,
			     .broadcast = true,
			     .hostname = "bingo"};
	uint8_t buf[600], olen;
	const uint8_t *o;
	size_t n = dhcp_build(buf, sizeof(buf), mac, &r);

	(void)state;
	assert_int_equal(n, DHCP_MIN_LEN);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[1], 1);
	assert_int_equal(buf[2], 6);
	assert_memory_equal(buf + 4, "\xde\xad\xbe\xef", 4);
	assert_int_equal(buf[9], 3);
	assert_int_equal(buf[10], 0x80); /* broadcast flag */
	assert_memory_equal(buf + 28, mac, 6);
	assert_memory_equal(buf + 236, "\x63\x82\x53\x63", 4);
	o = find_opt(buf, n, DHCP_OPT_MSG_TYPE, &olen);
	assert_non_null(o);
	assert_int_equal(olen, 1);
	assert_int_equal(o[0], DHCPDISCOVER);
	o = find_opt(buf, n, DHCP_OPT_PARAM_LIST, &olen);
	assert_non_null(o);
	for (const uint8_t *want =
		     (const uint8_t *)"\x01\x03\x06\x33\x36\x3a\x3b";
	     *want; want++)
		assert_non_null(memchr(o, *want, olen));
	o = find_opt(buf, n, DHCP_OPT_HOSTNAME, &olen);
	assert_non_null(o);
	assert_memory_equal(o, "bingo", 5);
	assert_null(find_opt(buf, n, DHCP_OPT_REQUESTED_IP, &olen));
	assert_null(find_opt(buf, n, DHCP_OPT_SERVER_ID, &olen));
}

static void test_build_request(void **state)
{
	struct dhcp_req r = {.type = DHCPREQUEST,
			     .xid = 1,
			     .broadcast = true,
			     .requested_ip = ip("10.0.2.15"),
			     .server_id = ip("10.0.2.2")};
	uint8_t buf[600], olen;
	const uint8_t *o;
	size_t n = dhcp_build(buf, sizeof(buf), mac, &r);

	(void)state;
	assert_true(n >= DHCP_MIN_LEN);
	o = find_opt(buf, n, DHCP_OPT_REQUESTED_IP, &olen);
	assert_non_null(o);
	assert_int_equal(olen, 4);
	assert_memory_equal(o, "\x0a\x00\x02\x0f", 4);
	o = find_opt(buf, n, DHCP_OPT_SERVER_ID, &olen);
	assert_non_null(o);
	assert_memory_equal(o, "\x0a\x00\x02\x02", 4);
	/* Too small a buffer: nothing built. */
	assert_int_equal(dhcp_build(buf, 100, mac, &r), 0);
}

static void test_parse_offer(void **state)
{
	struct reply r;
	struct dhcp_msg m;

	(void)state;
	slirp_reply(&r, DHCPOFFER, 42);
	assert_int_equal(dhcp_parse(r.b, r.len, 42, mac, &m), 0);
	assert_int_equal(m.type, DHCPOFFER);
	assert_int_equal(m.yiaddr, ip("10.0.2.15"));
	assert_int_equal(m.server_id, ip("10.0.2.2"));
	assert_int_equal(m.mask, ip("255.255.255.0"));
	assert_int_equal(m.router, ip("10.0.2.2"));
	assert_int_equal(m.n_dns, 1);
	assert_int_equal(m.dns[0], ip("10.0.2.3"));
	assert_int_equal(m.lease_time, 86400);
	assert_true(m.has_lease);
	assert_false(m.has_t1);
}

static void test_parse_short(void **state)
{
	struct reply r;
	struct dhcp_msg m;

	(void)state;
	slirp_reply(&r, DHCPOFFER, 42);
	assert_int_equal(dhcp_parse(r.b, 0, 42, mac, &m), DHCP_E_SHORT);
	assert_int_equal(dhcp_parse(r.b, 239, 42, mac, &m), DHCP_E_SHORT);
	/* Fixed part and cookie but no options at all. */
	assert_int_equal(dhcp_parse(r.b, 240, 42, mac, &m), DHCP_E_NO_TYPE);
	assert_int_equal(dhcp_parse(r.b, DHCP_MAX_LEN + 1, 42, mac, &m),
			 DHCP_E_TOO_LONG);
}

static void test_parse_truncated(void **state)
{
	struct reply r;
	struct dhcp_msg m;

	(void)state;
	/* Every cut inside the options either truncates an option or
	 * loses a required one: never accepted, never read past len. */
	slirp_reply(&r, DHCPOFFER, 7);
	for (size_t cut = 241; cut < r.len - 1; cut++)
		assert_true(dhcp_parse(r.b, cut, 7, mac, &m) < 0);
	/* A code byte with no length byte. */
	reply_init(&r, 7, "10.0.2.15");
	opt_type(&r, DHCPOFFER);
	r.b[r.len++] = DHCP_OPT_ROUTER;
	assert_int_equal(dhcp_parse(r.b, r.len, 7, mac, &m), DHCP_E_TRUNCATED);
}

static void test_parse_oversized_option(void **state)
{
	struct reply r;
	struct dhcp_msg m;

	(void)state;
	reply_init(&r, 7, "10.0.2.15");
	opt_type(&r, DHCPOFFER);
	/* Claims 200 bytes, 4 follow. */
	r.b[r.len++] = DHCP_OPT_DNS;
	r.b[r.len++] = 200;
	memcpy(r.b + r.len, "\x0a\x00\x02\x03", 4);
	r.len += 4;
	assert_int_equal(dhcp_parse(r.b, r.len, 7, mac, &m), DHCP_E_TRUNCATED);
}

static void test_parse_bad_lengths(void **state)
{
	struct reply r;
	struct dhcp_msg m;

	(void)state;
	reply_init(&r, 7, "10.0.2.15");
	opt(&r, DHCP_OPT_MSG_TYPE, "\x02\x00", 2);
	end(&r);
	assert_int_equal(dhcp_parse(r.b, r.len, 7, mac, &m), DHCP_E_OPT_LEN);

	reply_init(&r, 7, "10.0.2.15");
	opt_type(&r, DHCPOFFER);
	opt(&r, DHCP_OPT_SUBNET_MASK, "\xff\xff\xff", 3);
	end(&r);
	assert_int_equal(dhcp_parse(r.b, r.len, 7, mac, &m), DHCP_E_OPT_LEN);

	reply_init(&r, 7, "10.0.2.15");
	opt_type(&r, DHCPOFFER);
	opt(&r, DHCP_OPT_ROUTER, "\x0a\x00\x02\x02\x0a\x00", 6);
	end(&r);
	assert_int_equal(dhcp_parse(r.b, r.len, 7, mac, &m), DHCP_E_OPT_LEN);

	reply_init(&r, 7, "10.0.2.15");
	opt_type(&r, DHCPOFFER);
	opt(&r, DHCP_OPT_LEASE_TIME, "\x00\x01", 2);
	end(&r);
	assert_int_equal(dhcp_parse(r.b, r.len, 7, mac, &m), DHCP_E_OPT_LEN);

	reply_init(&r, 7, "10.0.2.15");
	opt(&r, DHCP_OPT_MSG_TYPE, "\x09", 1); /* no such type */
	end(&r);
	assert_int_equal(dhcp_parse(r.b, r.len, 7, mac, &m), DHCP_E_OPT_LEN);
}

static void test_parse_missing(void **state)
{
	struct reply r;
	struct dhcp_msg m;

	(void)state;
	/* OFFER without server id. */
	reply_init(&r, 9, "10.0.2.15");
	opt_type(&r, DHCPOFFER);
	opt_u32(&r, DHCP_OPT_LEASE_TIME, 60);
	end(&r);
	assert_int_equal(dhcp_parse(r.b, r.len, 9, mac, &m), DHCP_E_NO_SERVER);
	/* ACK without lease time. */
	reply_init(&r, 9, "10.0.2.15");
	opt_type(&r, DHCPACK);
	opt_addr(&r, DHCP_OPT_SERVER_ID, "10.0.2.2");
	end(&r);
	assert_int_equal(dhcp_parse(r.b, r.len, 9, mac, &m), DHCP_E_NO_LEASE);
	/* No message type. */
	reply_init(&r, 9, "10.0.2.15");
	opt_addr(&r, DHCP_OPT_SERVER_ID, "10.0.2.2");
	end(&r);
	assert_int_equal(dhcp_parse(r.b, r.len, 9, mac, &m), DHCP_E_NO_TYPE);
	/* ACK for 0.0.0.0 or a broadcast address. */
	slirp_reply(&r, DHCPACK, 9);
	memset(r.b + 16, 0, 4);
	assert_int_equal(dhcp_parse(r.b, r.len, 9, mac, &m), DHCP_E_BAD_ADDR);
	memset(r.b + 16, 0xff, 4);
	assert_int_equal(dhcp_parse(r.b, r.len, 9, mac, &m), DHCP_E_BAD_ADDR);
	/* A NAK needs no lease and no address. */
	reply_init(&r, 9, NULL);
	opt_type(&r, DHCPNAK);
	opt_addr(&r, DHCP_OPT_SERVER_ID, "10.0.2.2");
	end(&r);
	assert_int_equal(dhcp_parse(r.b, r.len, 9, mac, &m), 0);
	assert_int_equal(m.type, DHCPNAK);
}

static void test_parse_not_ours(void **state)
{
	struct reply r;
	struct dhcp_msg m;
	uint8_t other[6] = {0x52, 0x54, 0, 0, 0, 1};

	(void)state;
	slirp_reply(&r, DHCPOFFER, 100);
	assert_int_equal(dhcp_parse(r.b, r.len, 101, mac, &m), DHCP_E_XID);
	assert_int_equal(dhcp_parse(r.b, r.len, 100, other, &m), DHCP_E_CHADDR);
	r.b[0] = 1; /* a request, not a reply */
	assert_int_equal(dhcp_parse(r.b, r.len, 100, mac, &m),
			 DHCP_E_NOT_REPLY);
	r.b[0] = 2;
	r.b[239] = 0;
	assert_int_equal(dhcp_parse(r.b, r.len, 100, mac, &m), DHCP_E_COOKIE);
}

static void test_parse_overload_and_dns(void **state)
{
	struct reply r;
	struct dhcp_msg m;
	uint8_t *file;

	(void)state;
	reply_init(&r, 5, "192.168.64.3");
	opt_type(&r, DHCPACK);
	opt(&r, DHCP_OPT_OVERLOAD, "\x01", 1);
	opt(&r, DHCP_OPT_DNS,
	    "\x01\x01\x01\x01\x02\x02\x02\x02\x03\x03\x03\x03\x04\x04\x04\x04",
	    16);
	end(&r);
	/* Server id and lease time live in the 'file' field. */
	file = r.b + 108;
	file[0] = DHCP_OPT_SERVER_ID;
	file[1] = 4;
	memcpy(file + 2, "\xc0\xa8\x40\x01", 4);
	file[6] = DHCP_OPT_LEASE_TIME;
	file[7] = 4;
	memcpy(file + 8, "\x00\x00\x0e\x10", 4);
	file[12] = DHCP_OPT_END;
	assert_int_equal(dhcp_parse(r.b, r.len, 5, mac, &m), 0);
	assert_int_equal(m.server_id, ip("192.168.64.1"));
	assert_int_equal(m.lease_time, 3600);
	assert_int_equal(m.n_dns, DHCP_MAX_DNS); /* the 4th is dropped */
	assert_int_equal(m.dns[2], ip("3.3.3.3"));
}

static void test_prefix_len(void **state)
{
	(void)state;
	assert_int_equal(dhcp_prefix_len(ip("255.255.255.0")), 24);
	assert_int_equal(dhcp_prefix_len(ip("255.255.255.255")), 32);
	assert_int_equal(dhcp_prefix_len(ip("255.0.0.0")), 8);
	assert_int_equal(dhcp_prefix_len(0), 0);
	assert_int_equal(dhcp_prefix_len(ip("255.0.255.0")), -1);
}

static void test_backoff(void **state)
{
	(void)state;
	/* 2, 4, 8, 16, 32, 64, 64 s, each +/- 0.5 s. */
	for (unsigned int a = 0; a < 8; a++) {
		int64_t base = 2000LL << (a > 5 ? 5 : a);

		assert_true(dhcp_backoff_ms(a, 0) == base - 500);
		assert_true(dhcp_backoff_ms(a, 999) == base + 499);
	}
}

/* The packet a client just sent: its xid and message type. */
static uint32_t sent_xid(const struct dhcp_client *c)
{
	const uint8_t *p = c->out;

	return (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
	       (uint32_t)p[6] << 8 | p[7];
}

static uint8_t sent_type(const struct dhcp_client *c)
{
	uint8_t olen;
	const uint8_t *o =
		find_opt(c->out, c->out_len, DHCP_OPT_MSG_TYPE, &olen);

	return o ? o[0] : 0;
}

static void bind_client(struct dhcp_client *c, int64_t t)
{
	struct reply r;
	int act;

	dhcp_init(c, mac, 12345, "bingo");
	act = dhcp_start(c, t);
	assert_int_equal(act, DHCP_ACT_SEND);
	assert_int_equal(sent_type(c), DHCPDISCOVER);
	assert_int_equal(c->dst, 0xffffffffu);
	assert_int_equal(c->state, DHCP_SELECTING);
	slirp_reply(&r, DHCPOFFER, sent_xid(c));
	act = dhcp_input(c, t + 10, r.b, r.len);
	assert_int_equal(act, DHCP_ACT_SEND);
	assert_int_equal(sent_type(c), DHCPREQUEST);
	assert_int_equal(c->state, DHCP_REQUESTING);
	slirp_reply(&r, DHCPACK, sent_xid(c));
	act = dhcp_input(c, t + 20, r.b, r.len);
	assert_int_equal(act, DHCP_ACT_BOUND);
	assert_int_equal(c->state, DHCP_BOUND);
}

static void test_client_exchange(void **state)
{
	struct dhcp_client c;

	(void)state;
	bind_client(&c, 1000);
	assert_int_equal(c.lease.ip, ip("10.0.2.15"));
	assert_int_equal(c.lease.prefix_len, 24);
	assert_int_equal(c.lease.router, ip("10.0.2.2"));
	assert_int_equal(c.lease.dns[0], ip("10.0.2.3"));
	assert_int_equal(c.lease.lease_time, 86400);
	/* RFC 2131 4.4.5 defaults: T1 = 0.5, T2 = 0.875 of the lease. */
	assert_int_equal(c.lease.t1, 43200);
	assert_int_equal(c.lease.t2, 75600);
	assert_true(c.deadline_ms == 1020 + 43200LL * 1000);
}

static void test_client_ignores_wrong_xid(void **state)
{
	struct dhcp_client c;
	struct reply r;

	(void)state;
	dhcp_init(&c, mac, 99, NULL);
	dhcp_start(&c, 0);
	slirp_reply(&r, DHCPOFFER, sent_xid(&c) + 1);
	assert_int_equal(dhcp_input(&c, 5, r.b, r.len), 0);
	assert_int_equal(c.state, DHCP_SELECTING);
	assert_int_equal(c.last_err, DHCP_E_XID);
	/* An ACK while selecting is not an offer. */
	slirp_reply(&r, DHCPACK, sent_xid(&c));
	assert_int_equal(dhcp_input(&c, 5, r.b, r.len), 0);
	assert_int_equal(c.state, DHCP_SELECTING);
}

static void test_client_retransmit_backoff(void **state)
{
	struct dhcp_client c;
	int64_t t = 0, prev;
	uint32_t xid;

	(void)state;
	dhcp_init(&c, mac, 7, NULL);
	dhcp_start(&c, t);
	xid = sent_xid(&c);
	assert_int_equal(dhcp_timeout(&c, c.deadline_ms - 1), 0);
	for (int i = 1; i < 8; i++) {
		int64_t want = 2000LL << (i > 5 ? 5 : i);

		prev = c.deadline_ms;
		t = prev;
		assert_int_equal(dhcp_timeout(&c, t), DHCP_ACT_SEND);
		assert_int_equal(sent_type(&c), DHCPDISCOVER);
		assert_int_equal(sent_xid(&c), xid);
		assert_true(c.deadline_ms - t >= want - 500);
		assert_true(c.deadline_ms - t < want + 500);
	}
	/* secs counts from the start of the exchange. */
	assert_true(c.out[8] << 8 | c.out[9]);
}

static void test_client_nak_restarts(void **state)
{
	struct dhcp_client c;
	struct reply r;
	uint32_t xid;
	int act;

	(void)state;
	dhcp_init(&c, mac, 3, NULL);
	dhcp_start(&c, 0);
	slirp_reply(&r, DHCPOFFER, sent_xid(&c));
	dhcp_input(&c, 1, r.b, r.len);
	xid = sent_xid(&c);
	reply_init(&r, xid, NULL);
	opt_type(&r, DHCPNAK);
	opt_addr(&r, DHCP_OPT_SERVER_ID, "10.0.2.2");
	end(&r);
	act = dhcp_input(&c, 2, r.b, r.len);
	assert_int_equal(act, DHCP_ACT_SEND);
	assert_int_equal(c.state, DHCP_SELECTING);
	assert_int_equal(sent_type(&c), DHCPDISCOVER);
	assert_int_not_equal(sent_xid(&c), xid);
}

static void test_client_request_gives_up(void **state)
{
	struct dhcp_client c;
	struct reply r;

	(void)state;
	dhcp_init(&c, mac, 3, NULL);
	dhcp_start(&c, 0);
	slirp_reply(&r, DHCPOFFER, sent_xid(&c));
	dhcp_input(&c, 1, r.b, r.len);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(dhcp_timeout(&c, c.deadline_ms),
				 DHCP_ACT_SEND);
		assert_int_equal(sent_type(&c), DHCPREQUEST);
	}
	assert_int_equal(dhcp_timeout(&c, c.deadline_ms), DHCP_ACT_SEND);
	assert_int_equal(sent_type(&c), DHCPDISCOVER);
	assert_int_equal(c.state, DHCP_SELECTING);
}

static void test_client_renew(void **state)
{
	struct dhcp_client c;
	struct reply r;
	uint8_t olen;
	int act;

	(void)state;
	bind_client(&c, 0);
	/* T1: unicast REQUEST to the server, ciaddr set, no option 50. */
	act = dhcp_timeout(&c, c.deadline_ms);
	assert_int_equal(act, DHCP_ACT_SEND);
	assert_int_equal(c.state, DHCP_RENEWING);
	assert_int_equal(c.dst, ip("10.0.2.2"));
	assert_int_equal(sent_type(&c), DHCPREQUEST);
	assert_memory_equal(c.out + 12, "\x0a\x00\x02\x0f", 4);
	assert_null(find_opt(c.out, c.out_len, DHCP_OPT_REQUESTED_IP, &olen));
	assert_int_equal(c.out[10], 0); /* no broadcast flag */
	slirp_reply(&r, DHCPACK, sent_xid(&c));
	act = dhcp_input(&c, 43200 * 1000LL + 50, r.b, r.len);
	assert_int_equal(act, DHCP_ACT_RENEWED);
	assert_int_equal(c.state, DHCP_BOUND);
}

static void test_client_rebind_and_expire(void **state)
{
	struct dhcp_client c;
	int act = 0, sends = 0;

	(void)state;
	bind_client(&c, 0);
	/* Nobody answers: renew, rebind (broadcast), then lose the lease. */
	while (c.state == DHCP_BOUND || c.state == DHCP_RENEWING ||
	       c.state == DHCP_REBINDING) {
		act = dhcp_timeout(&c, c.deadline_ms);
		assert_true(act & DHCP_ACT_SEND);
		assert_true(++sends < 100);
		if (c.state == DHCP_REBINDING)
			assert_int_equal(c.dst, 0xffffffffu);
		if (act & DHCP_ACT_LOST)
			break;
	}
	assert_true(act & DHCP_ACT_LOST);
	assert_int_equal(c.old.ip, ip("10.0.2.15"));
	assert_int_equal(c.state, DHCP_SELECTING);
	assert_true(c.deadline_ms > 86400 * 1000LL);
}

static void test_client_nak_while_renewing(void **state)
{
	struct dhcp_client c;
	struct reply r;
	int act;

	(void)state;
	bind_client(&c, 0);
	dhcp_timeout(&c, c.deadline_ms);
	reply_init(&r, sent_xid(&c), NULL);
	opt_type(&r, DHCPNAK);
	opt_addr(&r, DHCP_OPT_SERVER_ID, "10.0.2.2");
	end(&r);
	act = dhcp_input(&c, c.deadline_ms - 1, r.b, r.len);
	assert_int_equal(act, DHCP_ACT_LOST | DHCP_ACT_SEND);
	assert_int_equal(c.old.ip, ip("10.0.2.15"));
	assert_int_equal(c.state, DHCP_SELECTING);
}

static void test_client_t1_t2_options(void **state)
{
	struct dhcp_client c;
	struct reply r;

	(void)state;
	dhcp_init(&c, mac, 5, NULL);
	dhcp_start(&c, 0);
	slirp_reply(&r, DHCPOFFER, sent_xid(&c));
	dhcp_input(&c, 0, r.b, r.len);
	reply_init(&r, sent_xid(&c), "10.0.2.15");
	opt_type(&r, DHCPACK);
	opt_addr(&r, DHCP_OPT_SERVER_ID, "10.0.2.2");
	opt_u32(&r, DHCP_OPT_LEASE_TIME, 3600);
	opt_u32(&r, DHCP_OPT_T1, 600);
	opt_u32(&r, DHCP_OPT_T2, 5000); /* beyond the lease: fixed up */
	end(&r);
	assert_int_equal(dhcp_input(&c, 0, r.b, r.len), DHCP_ACT_BOUND);
	assert_int_equal(c.lease.t1, 600);
	assert_int_equal(c.lease.t2, 3150);
	assert_int_equal(c.lease.prefix_len, 8); /* no mask: class A */
	assert_true(c.deadline_ms == 600 * 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_unwrap),
		cmocka_unit_test(test_build_discover),
		cmocka_unit_test(test_build_request),
		cmocka_unit_test(test_parse_offer),
		cmocka_unit_test(test_parse_short),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_oversized_option),
		cmocka_unit_test(test_parse_bad_lengths),
		cmocka_unit_test(test_parse_missing),
		cmocka_unit_test(test_parse_not_ours),
		cmocka_unit_test(test_parse_overload_and_dns),
		cmocka_unit_test(test_prefix_len),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_client_exchange),
		cmocka_unit_test(test_client_ignores_wrong_xid),
		cmocka_unit_test(test_client_retransmit_backoff),
		cmocka_unit_test(test_client_nak_restarts),
		cmocka_unit_test(test_client_request_gives_up),
		cmocka_unit_test(test_client_renew),
		cmocka_unit_test(test_client_rebind_and_expire),
		cmocka_unit_test(test_client_nak_while_renewing),
		cmocka_unit_test(test_client_t1_t2_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
