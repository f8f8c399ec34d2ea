/* SPDX-License-Identifier: MIT */
/*
 * DHCP client (RFC 2131, options from RFC 2132): packet building and
 * parsing, and the client state machine.  Everything here is pure: the
 * caller feeds in packets and the monotonic time and carries out the
 * actions returned (send a packet, configure or drop the lease), so the
 * whole protocol runs under unit tests on the host.
 */
#ifndef BINGO_DHCP_H
#define BINGO_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_MAGIC	 0x63825363u
/* op..file (RFC 2131 section 2, figure 1) plus the magic cookie. */
#define DHCP_FIXED_LEN 240
/* RFC 2131 section 2: a client must accept messages of 576 bytes of IP;
 * we accept up to a full Ethernet frame's worth of UDP payload. */
#define DHCP_MAX_LEN 1472
/* BOOTP relays may drop shorter messages (RFC 1542 section 2.1). */
#define DHCP_MIN_LEN 300
#define DHCP_MAX_DNS 3

enum dhcp_msg_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

enum dhcp_opt {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_LIST = 55,
	DHCP_OPT_MAX_SIZE = 57,
	DHCP_OPT_T1 = 58,
	DHCP_OPT_T2 = 59,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_END = 255,
};

/* Errors from dhcp_parse() (negative). */
enum dhcp_parse_err {
	DHCP_E_SHORT = -1,     /* shorter than the fixed part + cookie */
	DHCP_E_NOT_REPLY = -2, /* op is not BOOTREPLY or wrong htype/hlen */
	DHCP_E_XID = -3,       /* transaction id is not ours */
	DHCP_E_CHADDR = -4,    /* client hardware address is not ours */
	DHCP_E_COOKIE = -5,    /* magic cookie missing */
	DHCP_E_TRUNCATED = -6, /* an option runs past the end */
	DHCP_E_OPT_LEN = -7,   /* an option has an impossible length */
	DHCP_E_NO_TYPE = -8,   /* no message type (option 53) */
	DHCP_E_NO_SERVER = -9, /* OFFER/ACK/NAK without server id (54) */
	DHCP_E_NO_LEASE = -10, /* ACK/OFFER without lease time (51) */
	DHCP_E_BAD_ADDR = -11, /* yiaddr unusable (0, broadcast, ...) */
	DHCP_E_TOO_LONG = -12, /* longer than DHCP_MAX_LEN */
};

struct dhcp_msg {
	uint8_t type;	 /* enum dhcp_msg_type */
	uint32_t xid;	 /* host order */
	uint32_t yiaddr; /* network order, like every address below */
	uint32_t server_id;
	uint32_t mask;	 /* 0 if absent */
	uint32_t router; /* first router, 0 if absent */
	uint32_t dns[DHCP_MAX_DNS];
	unsigned int n_dns;
	uint32_t lease_time; /* seconds; 0xffffffff is infinite */
	uint32_t t1, t2;     /* seconds, 0 if absent */
	bool has_lease, has_t1, has_t2;
};

/* Parses a server's reply; 0 or a dhcp_parse_err.  xid and mac are ours. */
int dhcp_parse(const uint8_t *pkt, size_t len, uint32_t xid,
	       const uint8_t mac[6], struct dhcp_msg *out);

/* What to put in a client message. Addresses in network order. */
struct dhcp_req {
	uint8_t type; /* DHCPDISCOVER, DHCPREQUEST, DHCPRELEASE */
	uint32_t xid;
	uint16_t secs;
	bool broadcast; /* ask for broadcast replies (no address yet) */
	uint32_t ciaddr;
	uint32_t requested_ip; /* option 50 when nonzero */
	uint32_t server_id;    /* option 54 when nonzero */
	const char *hostname;  /* option 12 when non-NULL */
};

/* Builds a message into buf (>= DHCP_MIN_LEN bytes); returns its length
 * or 0 if buf is too small. */
size_t dhcp_build(uint8_t *buf, size_t size, const uint8_t mac[6],
		  const struct dhcp_req *req);

enum dhcp_state {
	DHCP_INIT,
	DHCP_SELECTING,
	DHCP_REQUESTING,
	DHCP_BOUND,
	DHCP_RENEWING,
	DHCP_REBINDING,
};

struct dhcp_lease {
	uint32_t ip, mask, router, server_id;
	uint32_t dns[DHCP_MAX_DNS];
	unsigned int n_dns;
	uint32_t lease_time, t1, t2; /* seconds */
	unsigned int prefix_len;
};

/* What the caller must do after a dhcp_* call (flags may combine). */
enum {
	DHCP_ACT_SEND = 1,    /* send out[0..out_len) to dst:67 */
	DHCP_ACT_BOUND = 2,   /* configure c->lease (new or changed) */
	DHCP_ACT_RENEWED = 4, /* same lease, timers extended */
	DHCP_ACT_LOST = 8,    /* deconfigure the previous lease (old) */
};

struct dhcp_client {
	uint8_t mac[6];
	const char *hostname;
	enum dhcp_state state;
	uint32_t xid;
	uint32_t rng;		/* xorshift32 state, never 0 */
	unsigned int attempt;	/* retransmissions in this state */
	int64_t state_start_ms; /* for the secs field */
	int64_t deadline_ms;	/* next timeout (retransmit or T1/T2/expiry) */
	int64_t bound_ms;	/* when the lease was (re)acquired */
	uint32_t offer_ip, offer_server;
	struct dhcp_lease lease, old;
	/* The packet to send when DHCP_ACT_SEND is returned. */
	uint8_t out[DHCP_MIN_LEN + 64];
	size_t out_len;
	uint32_t dst; /* network order; INADDR_BROADCAST or the server */
	int last_err; /* last dhcp_parse() error seen, for logging */
};

/* Retransmission delay for attempt n (0-based): 2, 4, 8 ... 64 s
 * (RFC 2131 section 4.1 doubles up to 64 s), jitter in [-500, +500) ms. */
int64_t dhcp_backoff_ms(unsigned int attempt, uint32_t rnd);

void dhcp_init(struct dhcp_client *c, const uint8_t mac[6], uint32_t seed,
	       const char *hostname);
/* Starts (or restarts) discovery: returns actions (DHCP_ACT_SEND). */
int dhcp_start(struct dhcp_client *c, int64_t now_ms);
/* Call when now_ms >= c->deadline_ms. */
int dhcp_timeout(struct dhcp_client *c, int64_t now_ms);
/* Call for every packet received on port 68. */
int dhcp_input(struct dhcp_client *c, int64_t now_ms, const uint8_t *pkt,
	       size_t len);

/*
 * A DHCP reply as an IPv4 datagram (what an AF_PACKET SOCK_DGRAM socket
 * reads: from the IP header on).  Servers that answer a client without an
 * address by unicast to the offered address (passt does, whatever the
 * broadcast flag says) are only heard this way: the kernel's IP layer
 * drops a datagram for an address the interface does not have yet.
 * Checks: IPv4, header length and total length inside len, not a
 * fragment, UDP to port 68, UDP length inside the IP payload, IP header
 * checksum, UDP checksum when not 0.  Returns 0 and sets *off and *plen to the
 * DHCP message, or -1.
 */
int dhcp_ip_unwrap(const uint8_t *ip, size_t len, size_t *off, size_t *plen);

/* Prefix length of a netmask (network order); -1 if not contiguous. */
int dhcp_prefix_len(uint32_t be_mask);
const char *dhcp_state_name(enum dhcp_state s);

#endif
