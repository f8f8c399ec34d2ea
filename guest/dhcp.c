// SPDX-License-Identifier: MIT
/* DHCP client: packets and state machine (RFC 2131, RFC 2132). */
#include "dhcp.h"

#include <arpa/inet.h>
#include <string.h>

/* Offsets into the fixed BOOTP header (RFC 2131 section 2). */
#define OFF_OP	   0
#define OFF_HTYPE  1
#define OFF_HLEN   2
#define OFF_XID	   4
#define OFF_SECS   8
#define OFF_FLAGS  10
#define OFF_CIADDR 12
#define OFF_YIADDR 16
#define OFF_CHADDR 28
#define OFF_SNAME  44
#define OFF_FILE   108
#define OFF_COOKIE 236
#define SNAME_LEN  64
#define FILE_LEN   128

#define BOOTREQUEST    1
#define BOOTREPLY      2
#define HTYPE_ETHER    1
#define FLAG_BROADCAST 0x8000

#define REQUEST_TRIES 4	    /* REQUESTING retransmissions before restart */
#define RENEW_MIN_MS  60000 /* RFC 2131 4.4.5: down to 60 s */
#define NEVER_MS      INT64_MAX

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* Addresses stay in network order: copy the bytes. */
static uint32_t get_addr(const uint8_t *p)
{
	uint32_t a;

	memcpy(&a, p, 4);
	return a;
}

int dhcp_prefix_len(uint32_t be_mask)
{
	uint32_t m = ntohl(be_mask);
	int n = 0;

	while (m & 0x80000000u) {
		n++;
		m <<= 1;
	}
	return m ? -1 : n;
}

const char *dhcp_state_name(enum dhcp_state s)
{
	static const char *const names[] = {"INIT",  "SELECTING", "REQUESTING",
					    "BOUND", "RENEWING",  "REBINDING"};

	return (unsigned)s < 6 ? names[s] : "?";
}

/* Walks one option area; sets *overload when option 52 is seen. */
static int parse_options(const uint8_t *p, size_t len, struct dhcp_msg *m,
			 uint8_t *overload)
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = p[i++];
		uint8_t olen;
		const uint8_t *v;

		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			return 0;
		if (i >= len)
			return DHCP_E_TRUNCATED;
		olen = p[i++];
		if (olen > len - i)
			return DHCP_E_TRUNCATED;
		v = p + i;
		i += olen;
		switch (code) {
		case DHCP_OPT_MSG_TYPE:
			if (olen != 1 || v[0] < DHCPDISCOVER ||
			    v[0] > DHCPINFORM)
				return DHCP_E_OPT_LEN;
			m->type = v[0];
			break;
		case DHCP_OPT_OVERLOAD:
			if (olen != 1 || v[0] < 1 || v[0] > 3)
				return DHCP_E_OPT_LEN;
			*overload = v[0];
			break;
		case DHCP_OPT_SUBNET_MASK:
			if (olen != 4)
				return DHCP_E_OPT_LEN;
			m->mask = get_addr(v);
			break;
		case DHCP_OPT_SERVER_ID:
			if (olen != 4)
				return DHCP_E_OPT_LEN;
			m->server_id = get_addr(v);
			break;
		case DHCP_OPT_LEASE_TIME:
			if (olen != 4)
				return DHCP_E_OPT_LEN;
			m->lease_time = get32(v);
			m->has_lease = true;
			break;
		case DHCP_OPT_T1:
			if (olen != 4)
				return DHCP_E_OPT_LEN;
			m->t1 = get32(v);
			m->has_t1 = true;
			break;
		case DHCP_OPT_T2:
			if (olen != 4)
				return DHCP_E_OPT_LEN;
			m->t2 = get32(v);
			m->has_t2 = true;
			break;
		case DHCP_OPT_ROUTER:
			if (olen < 4 || olen % 4)
				return DHCP_E_OPT_LEN;
			m->router = get_addr(v);
			break;
		case DHCP_OPT_DNS:
			if (olen < 4 || olen % 4)
				return DHCP_E_OPT_LEN;
			m->n_dns = 0;
			for (size_t k = 0; k < olen && m->n_dns < DHCP_MAX_DNS;
			     k += 4)
				m->dns[m->n_dns++] = get_addr(v + k);
			break;
		default:
			break; /* not ours to understand */
		}
	}
	/* No END option: tolerated when the area simply runs out. */
	return 0;
}

static bool usable_addr(uint32_t be)
{
	uint32_t a = ntohl(be);

	return a != 0 && a != 0xffffffffu && (a >> 24) != 127 && (a >> 28) < 14;
}

int dhcp_parse(const uint8_t *pkt, size_t len, uint32_t xid,
	       const uint8_t mac[6], struct dhcp_msg *out)
{
	uint8_t overload = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (len < DHCP_FIXED_LEN)
		return DHCP_E_SHORT;
	if (len > DHCP_MAX_LEN)
		return DHCP_E_TOO_LONG;
	if (pkt[OFF_OP] != BOOTREPLY || pkt[OFF_HTYPE] != HTYPE_ETHER ||
	    pkt[OFF_HLEN] != 6)
		return DHCP_E_NOT_REPLY;
	out->xid = get32(pkt + OFF_XID);
	if (out->xid != xid)
		return DHCP_E_XID;
	if (memcmp(pkt + OFF_CHADDR, mac, 6))
		return DHCP_E_CHADDR;
	if (get32(pkt + OFF_COOKIE) != DHCP_MAGIC)
		return DHCP_E_COOKIE;
	out->yiaddr = get_addr(pkt + OFF_YIADDR);

	err = parse_options(pkt + DHCP_FIXED_LEN, len - DHCP_FIXED_LEN, out,
			    &overload);
	/* RFC 2131 section 4.1: options, then 'file', then 'sname'. */
	if (!err && (overload & 1))
		err = parse_options(pkt + OFF_FILE, FILE_LEN, out, &overload);
	if (!err && (overload & 2))
		err = parse_options(pkt + OFF_SNAME, SNAME_LEN, out, &overload);
	if (err)
		return err;

	if (!out->type)
		return DHCP_E_NO_TYPE;
	if (out->type == DHCPOFFER || out->type == DHCPACK ||
	    out->type == DHCPNAK) {
		/* RFC 2131 table 3: server identifier MUST be present. */
		if (!out->server_id)
			return DHCP_E_NO_SERVER;
	}
	if (out->type == DHCPOFFER || out->type == DHCPACK) {
		if (!out->has_lease)
			return DHCP_E_NO_LEASE;
		if (!usable_addr(out->yiaddr))
			return DHCP_E_BAD_ADDR;
	}
	return 0;
}

size_t dhcp_build(uint8_t *buf, size_t size, const uint8_t mac[6],
		  const struct dhcp_req *req)
{
	static const uint8_t params[] = {
		DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER,	   DHCP_OPT_DNS,
		15 /* domain name */, DHCP_OPT_LEASE_TIME, DHCP_OPT_SERVER_ID,
		DHCP_OPT_T1,	      DHCP_OPT_T2};
	size_t n = DHCP_FIXED_LEN, hl = 0;

	if (req->hostname)
		hl = strnlen(req->hostname, 63);
	/* Worst case: fixed + 3 + 6 + 6 + (2+params) + 4 + (2+hl) + 1. */
	if (size < DHCP_MIN_LEN ||
	    size < DHCP_FIXED_LEN + 32 + sizeof(params) + hl)
		return 0;
	memset(buf, 0, size < DHCP_MAX_LEN ? size : DHCP_MAX_LEN);
	buf[OFF_OP] = BOOTREQUEST;
	buf[OFF_HTYPE] = HTYPE_ETHER;
	buf[OFF_HLEN] = 6;
	put32(buf + OFF_XID, req->xid);
	buf[OFF_SECS] = req->secs >> 8;
	buf[OFF_SECS + 1] = req->secs & 0xff;
	if (req->broadcast)
		buf[OFF_FLAGS] = FLAG_BROADCAST >> 8;
	memcpy(buf + OFF_CIADDR, &req->ciaddr, 4);
	memcpy(buf + OFF_CHADDR, mac, 6);
	put32(buf + OFF_COOKIE, DHCP_MAGIC);

	buf[n++] = DHCP_OPT_MSG_TYPE;
	buf[n++] = 1;
	buf[n++] = req->type;
	if (req->requested_ip) {
		buf[n++] = DHCP_OPT_REQUESTED_IP;
		buf[n++] = 4;
		memcpy(buf + n, &req->requested_ip, 4);
		n += 4;
	}
	if (req->server_id) {
		buf[n++] = DHCP_OPT_SERVER_ID;
		buf[n++] = 4;
		memcpy(buf + n, &req->server_id, 4);
		n += 4;
	}
	if (req->type == DHCPDISCOVER || req->type == DHCPREQUEST) {
		buf[n++] = DHCP_OPT_PARAM_LIST;
		buf[n++] = sizeof(params);
		memcpy(buf + n, params, sizeof(params));
		n += sizeof(params);
		buf[n++] = DHCP_OPT_MAX_SIZE;
		buf[n++] = 2;
		buf[n++] = (DHCP_MAX_LEN + 28) >> 8;
		buf[n++] = (DHCP_MAX_LEN + 28) & 0xff;
	}
	if (hl) {
		buf[n++] = DHCP_OPT_HOSTNAME;
		buf[n++] = hl;
		memcpy(buf + n, req->hostname, hl);
		n += hl;
	}
	buf[n++] = DHCP_OPT_END;
	return n < DHCP_MIN_LEN ? DHCP_MIN_LEN : n;
}

static uint32_t rnd(struct dhcp_client *c)
{
	uint32_t x = c->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	c->rng = x;
	return x;
}

int64_t dhcp_backoff_ms(unsigned int attempt, uint32_t r)
{
	int64_t base = 2000;

	if (attempt > 5)
		attempt = 5; /* 2 << 5 = 64 s */
	base <<= attempt;
	return base - 500 + (int64_t)(r % 1000);
}

void dhcp_init(struct dhcp_client *c, const uint8_t mac[6], uint32_t seed,
	       const char *hostname)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->mac, mac, 6);
	c->hostname = hostname;
	c->rng = seed ? seed : 0x2545f491u;
	c->state = DHCP_INIT;
	c->deadline_ms = NEVER_MS;
}

static uint16_t secs_since(struct dhcp_client *c, int64_t now)
{
	int64_t s = (now - c->state_start_ms) / 1000;

	return s < 0 ? 0 : s > 0xffff ? 0xffff : (uint16_t)s;
}

static int send_msg(struct dhcp_client *c, int64_t now, uint8_t type,
		    uint32_t ciaddr, uint32_t req_ip, uint32_t server,
		    uint32_t dst)
{
	struct dhcp_req r = {
		.type = type,
		.xid = c->xid,
		.secs = secs_since(c, now),
		.broadcast = ciaddr == 0,
		.ciaddr = ciaddr,
		.requested_ip = req_ip,
		.server_id = server,
		.hostname = c->hostname,
	};

	c->out_len = dhcp_build(c->out, sizeof(c->out), c->mac, &r);
	c->dst = dst;
	return c->out_len ? DHCP_ACT_SEND : 0;
}

static int discover(struct dhcp_client *c, int64_t now)
{
	if (c->state != DHCP_SELECTING) {
		c->state = DHCP_SELECTING;
		c->attempt = 0;
		c->state_start_ms = now;
		c->xid = rnd(c);
	}
	c->deadline_ms = now + dhcp_backoff_ms(c->attempt++, rnd(c));
	return send_msg(c, now, DHCPDISCOVER, 0, 0, 0, INADDR_BROADCAST);
}

static int request_offer(struct dhcp_client *c, int64_t now)
{
	c->deadline_ms = now + dhcp_backoff_ms(c->attempt++, rnd(c));
	return send_msg(c, now, DHCPREQUEST, 0, c->offer_ip, c->offer_server,
			INADDR_BROADCAST);
}

/* RFC 2131 4.4.5: wait half the remaining time, down to 60 s. */
static int64_t halfway(int64_t now, int64_t limit)
{
	int64_t next = now + (limit - now) / 2;

	if (next < now + RENEW_MIN_MS)
		next = now + RENEW_MIN_MS;
	return next > limit ? limit : next;
}

static int64_t lease_at(struct dhcp_client *c, uint32_t secs)
{
	if (c->lease.lease_time == 0xffffffffu)
		return NEVER_MS;
	return c->bound_ms + (int64_t)secs * 1000;
}

int dhcp_start(struct dhcp_client *c, int64_t now_ms)
{
	c->state = DHCP_INIT;
	return discover(c, now_ms);
}

static int restart(struct dhcp_client *c, int64_t now, bool had_lease)
{
	int act = 0;

	if (had_lease) {
		c->old = c->lease;
		memset(&c->lease, 0, sizeof(c->lease));
		act |= DHCP_ACT_LOST;
	}
	c->state = DHCP_INIT;
	return act | discover(c, now);
}

static int bind_lease(struct dhcp_client *c, int64_t now,
		      const struct dhcp_msg *m)
{
	struct dhcp_lease l = {0};
	int plen, act;

	l.ip = m->yiaddr;
	l.server_id = m->server_id;
	l.router = m->router;
	l.n_dns = m->n_dns;
	memcpy(l.dns, m->dns, sizeof(l.dns));
	l.lease_time = m->lease_time;
	l.mask = m->mask;
	plen = m->mask ? dhcp_prefix_len(m->mask) : -1;
	if (plen < 1 || plen > 30) {
		/* No (or a broken) mask: fall back to the address class. */
		uint32_t a = ntohl(m->yiaddr);

		plen = a < 0x80000000u ? 8 : a < 0xc0000000u ? 16 : 24;
		l.mask = htonl(~0u << (32 - plen));
	}
	l.prefix_len = (unsigned)plen;
	/* RFC 2131 4.4.5 defaults; fix inconsistent server values. */
	l.t1 = m->has_t1 ? m->t1 : l.lease_time / 2;
	l.t2 = m->has_t2 ? m->t2 : (uint32_t)((uint64_t)l.lease_time * 7 / 8);
	if (l.lease_time != 0xffffffffu) {
		if (l.t2 >= l.lease_time)
			l.t2 = (uint32_t)((uint64_t)l.lease_time * 7 / 8);
		if (l.t1 > l.t2)
			l.t1 = l.lease_time / 2;
		if (l.t1 > l.t2)
			l.t1 = l.t2;
	}

	if (c->state == DHCP_RENEWING || c->state == DHCP_REBINDING) {
		if (l.ip == c->lease.ip &&
		    l.prefix_len == c->lease.prefix_len &&
		    l.router == c->lease.router) {
			act = DHCP_ACT_RENEWED;
		} else {
			c->old = c->lease;
			act = DHCP_ACT_LOST | DHCP_ACT_BOUND;
		}
	} else {
		act = DHCP_ACT_BOUND;
	}
	c->lease = l;
	c->state = DHCP_BOUND;
	c->attempt = 0;
	c->bound_ms = now;
	c->deadline_ms = lease_at(c, l.t1);
	return act;
}

int dhcp_input(struct dhcp_client *c, int64_t now_ms, const uint8_t *pkt,
	       size_t len)
{
	struct dhcp_msg m;
	int err;

	if (c->state == DHCP_INIT || c->state == DHCP_BOUND)
		return 0;
	err = dhcp_parse(pkt, len, c->xid, c->mac, &m);
	if (err) {
		c->last_err = err;
		return 0;
	}
	switch (c->state) {
	case DHCP_SELECTING:
		if (m.type != DHCPOFFER)
			return 0;
		c->offer_ip = m.yiaddr;
		c->offer_server = m.server_id;
		c->state = DHCP_REQUESTING;
		c->attempt = 0;
		return request_offer(c, now_ms);
	case DHCP_REQUESTING:
		if (m.server_id != c->offer_server)
			return 0; /* another server's answer */
		if (m.type == DHCPACK)
			return bind_lease(c, now_ms, &m);
		if (m.type == DHCPNAK)
			return restart(c, now_ms, false);
		return 0;
	case DHCP_RENEWING:
	case DHCP_REBINDING:
		if (m.type == DHCPACK)
			return bind_lease(c, now_ms, &m);
		if (m.type == DHCPNAK)
			return restart(c, now_ms, true);
		return 0;
	default:
		return 0;
	}
}

int dhcp_timeout(struct dhcp_client *c, int64_t now_ms)
{
	int64_t t2, end;

	if (now_ms < c->deadline_ms)
		return 0;
	switch (c->state) {
	case DHCP_INIT:
	case DHCP_SELECTING:
		return discover(c, now_ms);
	case DHCP_REQUESTING:
		if (c->attempt >= REQUEST_TRIES)
			return restart(c, now_ms, false);
		return request_offer(c, now_ms);
	case DHCP_BOUND:
		c->state = DHCP_RENEWING;
		c->xid = rnd(c);
		c->state_start_ms = now_ms;
		c->attempt = 0;
		/* fall through */
	case DHCP_RENEWING:
		t2 = lease_at(c, c->lease.t2);
		if (now_ms < t2) {
			c->deadline_ms = halfway(now_ms, t2);
			return send_msg(c, now_ms, DHCPREQUEST, c->lease.ip, 0,
					0, c->lease.server_id);
		}
		c->state = DHCP_REBINDING;
		c->xid = rnd(c);
		/* fall through */
	case DHCP_REBINDING:
		end = lease_at(c, c->lease.lease_time);
		if (now_ms < end) {
			c->deadline_ms = halfway(now_ms, end);
			return send_msg(c, now_ms, DHCPREQUEST, c->lease.ip, 0,
					0, INADDR_BROADCAST);
		}
		return restart(c, now_ms, true);
	}
	return 0;
}

/* RFC 1071 ones' complement sum, folded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

int dhcp_ip_unwrap(const uint8_t *ip, size_t len, size_t *off, size_t *plen)
{
	size_t ihl, tot, ulen;
	const uint8_t *udp;
	uint32_t sum;

	if (len < 20 || ip[0] >> 4 != 4)
		return -1;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = (size_t)ip[2] << 8 | ip[3];
	if (ihl < 20 || tot < ihl + 8 || tot > len)
		return -1;
	/* MF set or a fragment offset: not reassembled here */
	if (((ip[6] << 8 | ip[7]) & 0x3fff) || ip[9] != 17)
		return -1;
	if (csum_fold(csum_add(0, ip, ihl)) != 0xffff)
		return -1;
	udp = ip + ihl;
	ulen = (size_t)udp[4] << 8 | udp[5];
	if (((size_t)udp[2] << 8 | udp[3]) != DHCP_CLIENT_PORT || ulen < 8 ||
	    ulen > tot - ihl)
		return -1;
	if (udp[6] | udp[7]) {
		/* pseudo-header: source, destination, protocol, UDP length */
		sum = csum_add(0, ip + 12, 8) + 17 + (uint32_t)ulen;
		if (csum_fold(csum_add(sum, udp, ulen)) != 0xffff)
			return -1;
	}
	*off = ihl + 8;
	*plen = ulen - 8;
	return 0;
}
