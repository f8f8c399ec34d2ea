// SPDX-License-Identifier: MIT
/*
 * Network backends without a guest: the test plays the guest itself.
 *  - the stream framer (partial reads, bad lengths)
 *  - socket=: against a fake peer on a UNIX socket (frames both ways,
 *    byte-by-byte delivery, flow control, a hostile length)
 *  - nat (libslirp, restrict, a forward on 127.0.0.1): ARP, a DHCP lease
 *    from slirp's server reported through the snoop, and one forwarded
 *    TCP connection carrying bytes both ways.
 * All traffic stays on loopback and inside slirp (design.md 6).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "charlie.h"
#include "net/backend.h"
#include "net/dhcp_snoop.h"
#include "net/stream.h"
#include "net_frames.h"

/* ---- a fake device: records what the backend delivers ---- */

#define MAXF 256

struct dev {
	uint8_t *f[MAXF];
	size_t len[MAXF];
	unsigned int n, next;
	unsigned int refuse; /* answer -EAGAIN this many times */
	char ip[32];
	unsigned int ip_reports;
	unsigned int warns;
};

static int dev_rx(void *opaque, const uint8_t *frame, size_t len)
{
	struct dev *d = opaque;

	if (d->refuse) {
		d->refuse--;
		return -EAGAIN;
	}
	if (d->n < MAXF) {
		d->f[d->n] = malloc(len);
		memcpy(d->f[d->n], frame, len);
		d->len[d->n++] = len;
	}
	return 0;
}

static void dev_ip(void *opaque, const char *ip)
{
	struct dev *d = opaque;

	snprintf(d->ip, sizeof(d->ip), "%s", ip);
	d->ip_reports++;
}

static void dev_log(void *opaque, enum charlie_log_level lvl, const char *line)
{
	struct dev *d = opaque;

	if (lvl >= CHARLIE_LOG_WARN)
		d->warns++;
	if (getenv("NET_TEST_VERBOSE"))
		fprintf(stderr, "log: %s\n", line);
}

static void dev_free(struct dev *d)
{
	for (unsigned int i = 0; i < d->n; i++)
		free(d->f[i]);
}

static struct net_client client_of(struct dev *d)
{
	return (struct net_client){
		.opaque = d, .rx = dev_rx, .guest_ip = dev_ip, .log = dev_log};
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the framer ---- */

static void put_frame(uint8_t *buf, size_t *off, size_t len, uint8_t fill)
{
	stream_put_header(buf + *off, (uint32_t)len);
	memset(buf + *off + 4, fill, len);
	*off += 4 + len;
}

static void framer_whole_and_byte_by_byte(void **state)
{
	static struct stream_framer fr;
	uint8_t s[512];
	size_t off = 0, used = 0;
	unsigned int frames = 0;

	put_frame(s, &off, 60, 0xaa);
	put_frame(s, &off, 14, 0xbb);
	put_frame(s, &off, 100, 0xcc);
	/* all at once */
	stream_framer_init(&fr);
	while (used < off) {
		ssize_t n = stream_framer_feed(&fr, s + used, off - used);

		assert_true(n > 0);
		used += (size_t)n;
		if (fr.ready) {
			assert_int_equal(fr.frame[0], 0xaa + 0x11 * frames);
			frames++;
			/* while ready, nothing more is consumed */
			assert_int_equal(stream_framer_feed(&fr, s, 1), 0);
			stream_framer_take(&fr);
		}
	}
	assert_int_equal(frames, 3);
	/* one byte at a time */
	stream_framer_init(&fr);
	frames = 0;
	for (size_t i = 0; i < off; i++) {
		assert_int_equal(stream_framer_feed(&fr, s + i, 1), 1);
		if (fr.ready) {
			assert_int_equal(fr.len, frames == 0   ? 60
						 : frames == 1 ? 14
							       : 100);
			frames++;
			stream_framer_take(&fr);
		}
	}
	assert_int_equal(frames, 3);
}

static void framer_bad_lengths(void **state)
{
	static struct stream_framer fr;
	uint8_t h[4];

	stream_framer_init(&fr);
	stream_put_header(h, 0);
	assert_int_equal(stream_framer_feed(&fr, h, 4), -EPROTO);
	stream_framer_init(&fr);
	stream_put_header(h, NET_FRAME_MAX + 1);
	assert_int_equal(stream_framer_feed(&fr, h, 4), -EPROTO);
	stream_framer_init(&fr);
	memset(h, 0xff, 4);
	/* the length arrives in pieces: refused when complete */
	assert_int_equal(stream_framer_feed(&fr, h, 3), 3);
	assert_int_equal(stream_framer_feed(&fr, h, 1), -EPROTO);
	stream_framer_init(&fr);
	stream_put_header(h, NET_FRAME_MAX);
	assert_int_equal(stream_framer_feed(&fr, h, 4), 4);
	assert_false(fr.ready);
}

/* ---- socket= against a fake peer ---- */

struct sockfix {
	char dir[32], path[64];
	int lfd, peer;
	struct loop loop;
	struct charlie_config cfg;
	struct dev d;
	struct net_backend *be;
};

static int sock_setup(void **state)
{
	struct sockfix *x = calloc(1, sizeof(*x));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct charlie_error err = {0};
	struct net_client c;
	char spec[96];

	snprintf(x->dir, sizeof(x->dir), "/tmp/charlie-sock-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->path, sizeof(x->path), "%s/s", x->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", x->path);
	x->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(x->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(x->lfd, 1), 0);
	charlie_config_init(&x->cfg);
	snprintf(spec, sizeof(spec), "socket=%s", x->path);
	assert_int_equal(charlie_net_parse(spec, &x->cfg.nets[0], &err), 0);
	x->cfg.nr_nets = 1;
	assert_int_equal(net_config_check(&x->cfg, &err), 0);
	assert_int_equal(loop_init(&x->loop), 0);
	c = client_of(&x->d);
	assert_int_equal(
		net_backend_open(&x->cfg, 0, &x->loop, &c, &x->be, &err), 0);
	x->peer = accept(x->lfd, NULL, NULL);
	assert_true(x->peer >= 0);
	*state = x;
	return 0;
}

static int sock_teardown(void **state)
{
	struct sockfix *x = *state;

	net_backend_close(x->be);
	loop_free(&x->loop);
	close(x->peer);
	close(x->lfd);
	unlink(x->path);
	rmdir(x->dir);
	dev_free(&x->d);
	free(x);
	return 0;
}

static void sock_pump(struct sockfix *x, unsigned int frames)
{
	uint64_t end = ms_now() + 2000;

	while (x->d.n < frames && ms_now() < end)
		nf_loop_once(&x->loop, 50);
}

static void socket_frames_both_ways(void **state)
{
	struct sockfix *x = *state;
	static const uint8_t mac[6] = {0xce, 0xa5, 0x71, 0xe0, 0x00, 0x01};
	static const uint8_t o[] = {53, 1, DHCP_ACK, 255};
	uint8_t s[4096], f[2048], h[4];
	size_t off = 0, n;

	/* peer -> guest: a DHCP ACK for our MAC and a 60-byte frame, in
	 * one write; then a frame one byte per write */
	n = nf_dhcp_reply(f, mac, inet_addr("10.0.2.15"), o, sizeof(o));
	stream_put_header(s, (uint32_t)n);
	memcpy(s + 4, f, n);
	off = 4 + n;
	put_frame(s, &off, 60, 0x5a);
	assert_int_equal(write(x->peer, s, off), (ssize_t)off);
	sock_pump(x, 2);
	assert_int_equal(x->d.n, 2);
	assert_int_equal(x->d.len[0], n);
	assert_int_equal(x->d.len[1], 60);
	assert_string_equal(x->d.ip, "10.0.2.15");
	off = 0;
	put_frame(s, &off, 100, 0x77);
	for (size_t i = 0; i < off; i++) {
		assert_int_equal(write(x->peer, s + i, 1), 1);
		nf_loop_once(&x->loop, 0);
	}
	sock_pump(x, 3);
	assert_int_equal(x->d.n, 3);
	assert_int_equal(x->d.len[2], 100);
	assert_int_equal(x->d.f[2][99], 0x77);

	/* guest -> peer */
	memset(f, 0x42, 64);
	assert_int_equal(net_backend_send(x->be, f, 64), 0);
	assert_int_equal(read(x->peer, h, 4), 4);
	assert_memory_equal(h, "\0\0\0\x40", 4);
	assert_int_equal(read(x->peer, s, 64), 64);
	assert_memory_equal(s, f, 64);
	/* shorter than an Ethernet header: never sent */
	assert_int_equal(net_backend_send(x->be, f, 10), 0);
	assert_int_equal(x->be->tx_dropped, 1);
}

static void socket_flow_control(void **state)
{
	struct sockfix *x = *state;
	uint8_t s[1024];
	size_t off = 0;

	put_frame(s, &off, 60, 1);
	put_frame(s, &off, 61, 2);
	put_frame(s, &off, 62, 3);
	x->d.refuse = 1; /* the first offer finds the RX queue full */
	assert_int_equal(write(x->peer, s, off), (ssize_t)off);
	sock_pump(x, 1);
	assert_int_equal(x->d.n, 0);
	assert_true(x->be->paused);
	/* nothing is read while paused */
	for (int i = 0; i < 5; i++)
		nf_loop_once(&x->loop, 10);
	assert_int_equal(x->d.n, 0);
	net_backend_rx_resume(x->be);
	sock_pump(x, 3);
	assert_int_equal(x->d.n, 3); /* none lost, in order */
	assert_int_equal(x->d.len[0], 60);
	assert_int_equal(x->d.len[1], 61);
	assert_int_equal(x->d.len[2], 62);
}

static void socket_runt_dropped_stream_continues(void **state)
{
	struct sockfix *x = *state;
	uint8_t s[1024];
	size_t off = 0;

	put_frame(s, &off, 5, 9); /* shorter than an Ethernet header */
	put_frame(s, &off, 60, 8);
	assert_int_equal(write(x->peer, s, off), (ssize_t)off);
	sock_pump(x, 1);
	assert_int_equal(x->d.n, 1);
	assert_int_equal(x->d.len[0], 60);
	assert_int_equal(x->be->rx_dropped, 1);
}

static void socket_hostile_length(void **state)
{
	struct sockfix *x = *state;
	uint8_t s[128];
	size_t off = 0;

	stream_put_header(s, 0x7fffffff);
	off = 4;
	put_frame(s, &off, 60, 1);
	assert_int_equal(write(x->peer, s, off), (ssize_t)off);
	for (int i = 0; i < 5; i++)
		nf_loop_once(&x->loop, 10);
	assert_int_equal(x->d.n, 0);
	assert_int_equal(x->d.warns, 1); /* said once: link down */
	/* the backend stays usable: sends are dropped, nothing crashes */
	memset(s, 0, sizeof(s));
	assert_int_equal(net_backend_send(x->be, s, 60), 0);
}

static void socket_peer_gone(void **state)
{
	struct sockfix *x = *state;
	uint8_t f[60] = {0};

	close(x->peer);
	x->peer = open("/dev/null", O_RDONLY);
	for (int i = 0; i < 5; i++)
		nf_loop_once(&x->loop, 10);
	assert_int_equal(x->d.warns, 1);
	assert_int_equal(net_backend_send(x->be, f, sizeof(f)), 0);
}

/* ---- nat: the test is the guest ---- */

#define GUEST_IP "10.0.2.15"
#define HOST_IP	 "10.0.2.2"
static const uint8_t gmac[6] = {0xce, 0xa5, 0x71, 0xe0, 0x00, 0x01};

struct natfix {
	struct loop loop;
	struct charlie_config cfg;
	struct dev d;
	struct net_backend *be;
	uint16_t port;
	uint8_t gw_mac[6];
};

static uint16_t free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	return ntohs(sa.sin_port);
}

static int nat_setup(void **state)
{
	struct natfix *x = calloc(1, sizeof(*x));
	struct charlie_error err = {0};
	struct net_client c;
	char spec[96];

	x->port = free_port();
	charlie_config_init(&x->cfg);
	snprintf(spec, sizeof(spec), "nat,restrict,forward=127.0.0.1:%u:8080",
		 x->port);
	assert_int_equal(charlie_net_parse(spec, &x->cfg.nets[0], &err), 0);
	x->cfg.nr_nets = 1;
	assert_int_equal(net_config_check(&x->cfg, &err), 0);
	assert_int_equal(loop_init(&x->loop), 0);
	c = client_of(&x->d);
	if (net_backend_open(&x->cfg, 0, &x->loop, &c, &x->be, &err)) {
		fprintf(stderr, "open: %s\n", err.msg);
		fail();
	}
	*state = x;
	return 0;
}

static int nat_teardown(void **state)
{
	struct natfix *x = *state;

	net_backend_close(x->be);
	loop_free(&x->loop);
	dev_free(&x->d);
	free(x);
	return 0;
}

static void send_arp(struct natfix *x, uint16_t op, const uint8_t *tha,
		     uint32_t spa, uint32_t tpa, const uint8_t *dst)
{
	uint8_t f[60] = {0}, *a = f + 14;

	memcpy(f, dst, 6);
	memcpy(f + 6, gmac, 6);
	nf_put16(f + 12, 0x0806);
	nf_put16(a, 1);
	nf_put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	nf_put16(a + 6, op);
	memcpy(a + 8, gmac, 6);
	memcpy(a + 14, &spa, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, &tpa, 4);
	assert_int_equal(net_backend_send(x->be, f, sizeof(f)), 0);
}

/* The next frame for the guest within `ms`, answering ARP requests for
 * the guest's address on the way, as a guest would; NULL on timeout. */
static const uint8_t *next_frame(struct natfix *x, size_t *len, unsigned ms)
{
	uint64_t end = ms_now() + ms;

	for (;;) {
		while (x->d.next < x->d.n) {
			const uint8_t *f = x->d.f[x->d.next];

			*len = x->d.len[x->d.next++];
			if (*len >= 42 && nf_get16(f + 12) == 0x0806 &&
			    nf_get16(f + 20) == 1 &&
			    !memcmp(f + 38, &(uint32_t){inet_addr(GUEST_IP)},
				    4)) {
				uint32_t spa;

				memcpy(&spa, f + 28, 4);
				send_arp(x, 2, f + 22, inet_addr(GUEST_IP), spa,
					 f + 6);
				continue;
			}
			return f;
		}
		if (ms_now() >= end)
			return NULL;
		nf_loop_once(&x->loop, 20);
	}
}

static void send_dhcp(struct natfix *x, uint8_t type)
{
	uint8_t b[600], f[1600], o[32];
	size_t on = 0, n;
	uint32_t req = inet_addr(GUEST_IP), srv = inet_addr(HOST_IP);

	o[on++] = 53;
	o[on++] = 1;
	o[on++] = type;
	if (type == DHCP_REQUEST) {
		o[on++] = 50;
		o[on++] = 4;
		memcpy(o + on, &req, 4);
		on += 4;
		o[on++] = 54;
		o[on++] = 4;
		memcpy(o + on, &srv, 4);
		on += 4;
	}
	o[on++] = 255;
	n = nf_bootp(b, 1, 0x5eed, gmac, 0, o, on);
	n = nf_udp(f, nf_bcast, gmac, 0, 0xffffffff, 68, 67, b, n);
	assert_int_equal(net_backend_send(x->be, f, n), 0);
}

static const uint8_t *expect_dhcp(struct natfix *x, uint8_t type,
				  struct dhcp_reply *r)
{
	const uint8_t *f;
	size_t len;

	while ((f = next_frame(x, &len, 2000)))
		if (dhcp_snoop(f, len, r) && r->type == type)
			return f;
	fail_msg("no DHCP message type %u from slirp", type);
	return NULL;
}

static void nat_arp_and_dhcp_lease(void **state)
{
	struct natfix *x = *state;
	struct dhcp_reply r;
	const uint8_t *f;
	size_t len;

	/* who has 10.0.2.2? */
	send_arp(x, 1, (const uint8_t[6]){0}, 0, inet_addr(HOST_IP), nf_bcast);
	f = next_frame(x, &len, 2000);
	assert_non_null(f);
	assert_int_equal(nf_get16(f + 12), 0x0806);
	assert_int_equal(nf_get16(f + 20), 2); /* reply */
	assert_memory_equal(f + 28, &(uint32_t){inet_addr(HOST_IP)}, 4);

	send_dhcp(x, DHCP_DISCOVER);
	expect_dhcp(x, DHCP_OFFER, &r);
	assert_int_equal(r.yiaddr, inet_addr(GUEST_IP));
	assert_int_equal(x->d.ip_reports, 0); /* an offer is no lease */
	send_dhcp(x, DHCP_REQUEST);
	expect_dhcp(x, DHCP_ACK, &r);
	assert_int_equal(x->d.ip_reports, 1);
	assert_string_equal(x->d.ip, GUEST_IP);
	/* a renewal with the same address is not said again */
	send_dhcp(x, DHCP_REQUEST);
	expect_dhcp(x, DHCP_ACK, &r);
	assert_int_equal(x->d.ip_reports, 1);
}

static void send_tcp(struct natfix *x, const uint8_t *syn, uint32_t seq,
		     uint32_t ack, uint8_t flags, const void *data, size_t dlen)
{
	const uint8_t *ip = syn + 14, *t = ip + 20;
	uint8_t seg[1500] = {0}, f[1600];
	uint32_t sip, dip;
	size_t n;

	memcpy(&sip, ip + 16, 4); /* we answer: swap addresses and ports */
	memcpy(&dip, ip + 12, 4);
	memcpy(seg, t + 2, 2);
	memcpy(seg + 2, t, 2);
	seg[4] = (uint8_t)(seq >> 24);
	seg[5] = (uint8_t)(seq >> 16);
	seg[6] = (uint8_t)(seq >> 8);
	seg[7] = (uint8_t)seq;
	seg[8] = (uint8_t)(ack >> 24);
	seg[9] = (uint8_t)(ack >> 16);
	seg[10] = (uint8_t)(ack >> 8);
	seg[11] = (uint8_t)ack;
	seg[12] = 5 << 4;
	seg[13] = flags;
	nf_put16(seg + 14, 65535);
	if (dlen)
		memcpy(seg + 20, data, dlen);
	n = nf_ipv4(f, syn + 6, gmac, sip, dip, 6, seg, 20 + dlen, 16);
	assert_int_equal(net_backend_send(x->be, f, n), 0);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The next TCP segment for the guest (skipping pure ACKs when asked). */
static const uint8_t *next_tcp(struct natfix *x, size_t *len, bool data)
{
	const uint8_t *f;

	while ((f = next_frame(x, len, 3000))) {
		if (*len < 54 || nf_get16(f + 12) != 0x0800 || f[23] != 6)
			continue;
		if (data && *len <= 14 + 20 + (size_t)(f[46] >> 4) * 4)
			continue;
		return f;
	}
	return NULL;
}

static void nat_forward_tcp_both_ways(void **state)
{
	struct natfix *x = *state;
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(x->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	const uint8_t *syn, *seg;
	uint8_t synf[128], buf[64];
	struct dhcp_reply r;
	uint32_t their, ours = 1000;
	size_t len, hl;
	ssize_t got = 0;
	uint64_t end;
	int c;

	send_dhcp(x, DHCP_DISCOVER);
	expect_dhcp(x, DHCP_OFFER, &r);
	send_dhcp(x, DHCP_REQUEST);
	expect_dhcp(x, DHCP_ACK, &r);

	/* the host connects to the forward; slirp calls the guest */
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	connect(c, (struct sockaddr *)&sa, sizeof(sa));
	syn = next_tcp(x, &len, false);
	assert_non_null(syn);
	assert_int_equal(syn[47] & 0x12, 0x02); /* SYN */
	assert_int_equal(nf_get16(syn + 36), 8080);
	assert_memory_equal(syn + 30, &(uint32_t){inet_addr(GUEST_IP)}, 4);
	memcpy(synf, syn, len < sizeof(synf) ? len : sizeof(synf));
	their = get32(syn + 38) + 1;
	send_tcp(x, synf, ours++, their, 0x12, NULL, 0); /* SYN-ACK */

	/* host -> guest */
	end = ms_now() + 2000;
	while (send(c, "ping", 4, MSG_NOSIGNAL) < 0 && ms_now() < end)
		nf_loop_once(&x->loop, 20);
	seg = next_tcp(x, &len, true);
	assert_non_null(seg);
	hl = 14 + 20 + (size_t)(seg[46] >> 4) * 4;
	assert_int_equal(len - hl, 4);
	assert_memory_equal(seg + hl, "ping", 4);
	assert_int_equal(get32(seg + 38), their);
	their += 4;

	/* guest -> host: ACK the ping, send a pong */
	send_tcp(x, synf, ours, their, 0x18, "pong", 4);
	ours += 4;
	end = ms_now() + 2000;
	while (got < 4 && ms_now() < end) {
		ssize_t n = recv(c, buf + got, sizeof(buf) - (size_t)got, 0);

		if (n > 0)
			got += n;
		else
			nf_loop_once(&x->loop, 20);
	}
	assert_int_equal(got, 4);
	assert_memory_equal(buf, "pong", 4);
	close(c);
}

static void nat_flow_control_queues(void **state)
{
	struct natfix *x = *state;
	struct dhcp_reply r;

	x->d.refuse = 1; /* the OFFER finds the queue full */
	send_dhcp(x, DHCP_DISCOVER);
	for (int i = 0; i < 5; i++)
		nf_loop_once(&x->loop, 10);
	assert_true(x->be->paused);
	assert_int_equal(x->d.n, 0);
	net_backend_rx_resume(x->be);
	expect_dhcp(x, DHCP_OFFER, &r);
}

static void nat_hostile_frames(void **state)
{
	struct natfix *x = *state;
	uint8_t f[2048];
	struct dhcp_reply r;

	/* runts, giants, garbage and a truncated IP header: slirp and the
	 * backend survive, and the next good frame still works */
	memset(f, 0xff, sizeof(f));
	net_backend_send(x->be, f, 0);
	net_backend_send(x->be, f, 13);
	net_backend_send(x->be, f, NET_FRAME_MAX + 1);
	srand(7);
	for (int i = 0; i < 2000; i++) {
		size_t n = 14 + (size_t)rand() % 600;

		for (size_t k = 0; k < n; k++)
			f[k] = (uint8_t)rand();
		if (i & 1)
			nf_put16(f + 12, 0x0800);
		if (i % 4 == 1)
			f[14] = 0x45;
		net_backend_send(x->be, f, n);
	}
	send_dhcp(x, DHCP_DISCOVER);
	expect_dhcp(x, DHCP_OFFER, &r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(framer_whole_and_byte_by_byte),
		cmocka_unit_test(framer_bad_lengths),
		cmocka_unit_test_setup_teardown(socket_frames_both_ways,
						sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(socket_flow_control, sock_setup,
						sock_teardown),
		cmocka_unit_test_setup_teardown(
			socket_runt_dropped_stream_continues, sock_setup,
			sock_teardown),
		cmocka_unit_test_setup_teardown(socket_hostile_length,
						sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(socket_peer_gone, sock_setup,
						sock_teardown),
		cmocka_unit_test_setup_teardown(nat_arp_and_dhcp_lease,
						nat_setup, nat_teardown),
		cmocka_unit_test_setup_teardown(nat_forward_tcp_both_ways,
						nat_setup, nat_teardown),
		cmocka_unit_test_setup_teardown(nat_flow_control_queues,
						nat_setup, nat_teardown),
		cmocka_unit_test_setup_teardown(nat_hostile_frames, nat_setup,
						nat_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
