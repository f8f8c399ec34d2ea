// SPDX-License-Identifier: MIT
/*
 * virtio-net (src/lib/virtio/net.c) against a hostile guest, on the fake
 * host over synthetic guest memory, with real backends: socket= against
 * a peer this test holds (the frames that leave the device are read off
 * the stream exactly) and nat (libslirp, restrict) for DHCP packets the
 * guest mangles.  The guest sends frames shorter than an Ethernet header,
 * longer than the MTU and longer than any frame, headers with gso_type
 * set (no offload was offered), DHCP with truncated, overlong and
 * bad-checksum options; the peer sends DHCP replies with truncated and
 * overlong options (the snoop) and frames larger than the guest's receive
 * buffer.  Every request completes (the guest never hangs), the device
 * never goes NEEDS_RESET, and the next good frame goes through.
 * Also built with ASan/UBSan (test_virtio_net_asan in make check).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fake_host.h"
#include "net_frames.h"
#include "virtio/virtio.h"
#include "net/backend.h"
#include "config.h"

#define BASE  HOST_MMIO_POOL_START
#define DESC  0x1000ull /* queue q's rings at DESC/AVAIL/USED + q * 0x4000 */
#define AVAIL 0x2000ull
#define USED  0x3000ull
#define TXB   0x10000ull /* one transmit buffer, up to 64 KiB + */
#define RXB   0x30000ull /* receive buffers, RXSZ each */
#define RXSZ  0x800u
#define QSZ   8u
#define HL    12u /* virtio_net_hdr with VERSION_1 */

#define F_MTU	 (1u << 3)
#define F_MAC	 (1u << 5)
#define F_STATUS (1u << 16)

static uint8_t ram[0x40000];
static struct gm gm;
static const uint8_t gmac[6] = {0xce, 0xa5, 0x71, 0xe0, 0x00, 0x01};

struct t {
	struct fake_host *f;
	struct host_ops ops;
	void *state;
	char dir[32], path[64];
	int lfd, peer;
	char ip[32];
	unsigned int nr_ip;
	uint16_t avail[2];  /* the driver's avail.idx per queue */
	uint16_t seen_rx;   /* used.idx of the receive queue consumed */
	uint16_t next_desc; /* next transmit descriptor */
};

static struct t *cur;

static void on_ip(struct host *h, unsigned int nic, const char *ip)
{
	snprintf(cur->ip, sizeof(cur->ip), "%s", ip);
	cur->nr_ip++;
}

static uint32_t r32(struct t *t, uint64_t off)
{
	uint32_t v = 0xffffffff;

	host_mmio(&t->f->h, BASE + off, false, (uint8_t *)&v, 4);
	return v;
}

static void w32(struct t *t, uint64_t off, uint32_t v)
{
	host_mmio(&t->f->h, BASE + off, true, (uint8_t *)&v, 4);
}

static void setd(unsigned int q, uint16_t i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	uint8_t *p = ram + DESC + q * 0x4000 + 16u * i;

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

static void kick(struct t *t, unsigned int q, uint16_t head)
{
	uint16_t *avail = (uint16_t *)(ram + AVAIL + q * 0x4000);

	avail[2 + t->avail[q] % QSZ] = head;
	t->avail[q]++;
	__atomic_store_n(&avail[1], t->avail[q], __ATOMIC_RELEASE);
	w32(t, 0x50, q);
}

static uint16_t used_idx(unsigned int q)
{
	return __atomic_load_n((uint16_t *)(ram + USED + q * 0x4000 + 2),
			       __ATOMIC_ACQUIRE);
}

static void used_elem(unsigned int q, unsigned int n, uint32_t *id,
		      uint32_t *len)
{
	const uint8_t *e = ram + USED + q * 0x4000 + 4 + 8 * (n % QSZ);

	memcpy(id, e, 4);
	memcpy(len, e + 4, 4);
}

static struct t *make(const char *spec)
{
	struct t *t = calloc(1, sizeof(*t));
	struct gm_region r = {0, sizeof(ram), ram};
	struct charlie_error err = {0};
	char s[128];

	cur = t;
	memset(ram, 0, sizeof(ram));
	gm_init_from(&gm, &r, 1);
	t->f = fake_host_new();
	t->f->h.gm = &gm;
	t->ops = fake_host_ops;
	t->ops.guest_ip = on_ip;
	t->f->h.ops = &t->ops;
	t->lfd = t->peer = -1;
	if (!spec) { /* socket= against a peer we hold */
		struct sockaddr_un sa = {.sun_family = AF_UNIX};

		snprintf(t->dir, sizeof(t->dir), "/tmp/charlie-vnet-XXXXXX");
		assert_non_null(mkdtemp(t->dir));
		snprintf(t->path, sizeof(t->path), "%s/s", t->dir);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t->path);
		t->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_int_equal(
			bind(t->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(listen(t->lfd, 1), 0);
		snprintf(s, sizeof(s), "socket=%s", t->path);
		spec = s;
	}
	assert_int_equal(charlie_net_parse(spec, &t->f->cfg.nets[0], &err), 0);
	t->f->cfg.nr_nets = 1;
	assert_int_equal(
		virtio_net_ops.create(&t->f->h, NULL, 0, &t->state, &err), 0);
	if (t->lfd >= 0) {
		t->peer = accept(t->lfd, NULL, NULL);
		assert_true(t->peer >= 0);
	}
	return t;
}

static void drop(struct t *t)
{
	virtio_net_ops.destroy(t->state);
	fake_host_free(t->f);
	if (t->peer >= 0)
		close(t->peer);
	if (t->lfd >= 0) {
		close(t->lfd);
		unlink(t->path);
		rmdir(t->dir);
	}
	free(t);
	cur = NULL;
}

/* virtio 1.2 3.1.1, both queues, then QSZ receive buffers posted. */
static void driver_up(struct t *t)
{
	w32(t, 0x70, 0);
	w32(t, 0x70, 1);
	w32(t, 0x70, 3);
	w32(t, 0x14, 0);
	assert_int_equal(r32(t, 0x10) & (F_MAC | F_STATUS | F_MTU),
			 F_MAC | F_STATUS | F_MTU);
	w32(t, 0x24, 0);
	w32(t, 0x20, F_MAC | F_STATUS | F_MTU);
	w32(t, 0x24, 1);
	w32(t, 0x20, 1);
	w32(t, 0x70, 0xb);
	for (unsigned int q = 0; q < 2; q++) {
		w32(t, 0x30, q);
		w32(t, 0x38, QSZ);
		w32(t, 0x80, (uint32_t)(DESC + q * 0x4000));
		w32(t, 0x90, (uint32_t)(AVAIL + q * 0x4000));
		w32(t, 0xa0, (uint32_t)(USED + q * 0x4000));
		w32(t, 0x44, 1);
	}
	w32(t, 0x70, 0xf);
	assert_int_equal(r32(t, 0x70), 0xf);
	for (uint16_t i = 0; i < QSZ; i++) {
		setd(0, i, RXB + i * RXSZ, RXSZ, 2 /* WRITE */, 0);
		kick(t, 0, i);
	}
}

static void assert_healthy(struct t *t)
{
	assert_int_equal(r32(t, 0x70), 0xf); /* no NEEDS_RESET (0x40) */
	assert_int_equal(t->f->end, CHARLIE_STOP_NONE);
}

/* Transmits header (gso_type) + frame of `len` bytes from TXB; returns
 * with the request completed (used.idx moved, length 0). */
static void tx(struct t *t, const uint8_t *frame, size_t len, uint8_t gso)
{
	uint16_t before = used_idx(1), d = t->next_desc++ % QSZ;
	uint32_t id, ulen;

	memset(ram + TXB, 0, HL);
	ram[TXB + 1] = gso;
	memcpy(ram + TXB + HL, frame, len);
	setd(1, d, TXB, (uint32_t)(HL + len), 0, 0);
	kick(t, 1, d);
	assert_int_equal(used_idx(1), (uint16_t)(before + 1));
	used_elem(1, before, &id, &ulen);
	assert_int_equal(id, d);
	assert_int_equal(ulen, 0);
}

static size_t eth_frame(uint8_t *f, size_t len, uint8_t fill)
{
	memset(f, fill, len);
	memcpy(f, nf_bcast, 6);
	memcpy(f + 6, gmac, 6);
	f[12] = 0x88; /* local experimental ethertype 0x88b5 */
	f[13] = 0xb5;
	return len;
}

/* The next frame on the peer's stream (1 s guard), or -1. */
static ssize_t peer_frame(struct t *t, uint8_t *buf, size_t cap)
{
	struct pollfd p = {.fd = t->peer, .events = POLLIN};
	uint8_t h[4];
	size_t n, got = 0;

	if (poll(&p, 1, 1000) != 1)
		return -1;
	if (recv(t->peer, h, 4, MSG_WAITALL) != 4)
		return -1;
	n = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
	if (n > cap)
		return -1;
	while (got < n) {
		ssize_t r = recv(t->peer, buf + got, n - got, MSG_WAITALL);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return (ssize_t)n;
}

static bool peer_quiet(struct t *t)
{
	struct pollfd p = {.fd = t->peer, .events = POLLIN};

	return poll(&p, 1, 100) == 0;
}

static void peer_send(struct t *t, const uint8_t *f, size_t n)
{
	uint8_t h[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16),
			(uint8_t)(n >> 8), (uint8_t)n};

	assert_int_equal(write(t->peer, h, 4), 4);
	assert_int_equal(write(t->peer, f, n), (ssize_t)n);
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs the loop until the receive queue's used.idx reaches `want` (2 s
 * guard: a hang guard, the frames are local). */
static void pump_rx(struct t *t, uint16_t want)
{
	uint64_t end = ms_now() + 2000;

	while ((int16_t)(used_idx(0) - want) < 0 && ms_now() < end)
		nf_loop_once(&t->f->loop, 20);
}

/* The receive buffer the n-th used receive element names; re-posted
 * with `size` bytes (read it before the next frame can land). */
static const uint8_t *rx_take_sz(struct t *t, unsigned int n, uint32_t *len,
				 uint32_t size)
{
	uint32_t id;

	used_elem(0, n, &id, len);
	assert_true(id < QSZ);
	setd(0, (uint16_t)id, RXB + id * RXSZ, size, 2, 0);
	kick(t, 0, (uint16_t)id);
	return ram + RXB + id * RXSZ;
}

static const uint8_t *rx_take(struct t *t, unsigned int n, uint32_t *len)
{
	return rx_take_sz(t, n, len, RXSZ);
}

/* ---- guest -> backend ---- */

static void tx_hostile_frames(void **state)
{
	struct t *t = make(NULL);
	static uint8_t f[NET_FRAME_MAX + 64], got[NET_FRAME_MAX];
	ssize_t n;

	driver_up(t);
	/* shorter than an Ethernet header (13 bytes), and nothing at all */
	tx(t, f, eth_frame(f, 13, 1), 0);
	tx(t, f, 0, 0);
	assert_true(peer_quiet(t));
	/* a header alone, shorter than the header (chain of 5 bytes) */
	{
		uint16_t before = used_idx(1), d = t->next_desc++ % QSZ;

		setd(1, d, TXB, 5, 0, 0);
		kick(t, 1, d);
		assert_int_equal(used_idx(1), (uint16_t)(before + 1));
	}
	/* longer than any Ethernet frame (NET_FRAME_MAX + 1): dropped */
	tx(t, f, eth_frame(f, NET_FRAME_MAX + 1, 2), 0);
	assert_true(peer_quiet(t));
	/* a bad virtio-net header: gso_type TCPV4 / UDP / ECN bit, never
	 * offered */
	tx(t, f, eth_frame(f, 60, 3), 1);
	tx(t, f, eth_frame(f, 1514, 3), 3);
	tx(t, f, eth_frame(f, 60, 3), 0x80);
	assert_true(peer_quiet(t));
	assert_healthy(t);

	/* longer than the MTU (1514 + 86) but a valid stream frame: charlie
	 * does not police the guest's MTU; it leaves whole and framed */
	tx(t, f, eth_frame(f, 1600, 4), 0);
	n = peer_frame(t, got, sizeof(got));
	assert_int_equal(n, 1600);
	assert_memory_equal(got, f, 1600);

	/* the next good frame goes through, byte for byte */
	tx(t, f, eth_frame(f, 60, 5), 0);
	n = peer_frame(t, got, sizeof(got));
	assert_int_equal(n, 60);
	assert_memory_equal(got, f, 60);
	assert_true(peer_quiet(t));
	assert_healthy(t);
	drop(t);
}

/* ---- backend -> guest ---- */

static void rx_hostile_dhcp_and_sizes(void **state)
{
	struct t *t = make(NULL);
	static const uint8_t trunc[] = {53, 1, 5, 51, 4, 0}; /* 51 cut short */
	static const uint8_t over[] = {53,  1,	 5,  1,
				       255, 255, 255}; /* len 255 */
	static const uint8_t noend[] = {53, 1, 5, 54, 4, 10, 0, 2, 2};
	static const uint8_t len0[] = {53, 0, 0, 0, 255};
	static const uint8_t good[] = {53, 1, 5, 1, 4, 255, 255, 255, 0, 255};
	uint8_t f[2048];
	const uint8_t *b;
	uint32_t len;
	uint16_t base;
	size_t n;

	driver_up(t);
	base = used_idx(0);
	/* replies with truncated, overlong, unterminated and zero-length
	 * options, and one with a bad UDP checksum: delivered (the guest's
	 * own stack judges them), and only a whole ACK is reported */
	n = nf_dhcp_reply(f, gmac, inet_addr("10.0.2.99"), trunc,
			  sizeof(trunc));
	peer_send(t, f, n);
	n = nf_dhcp_reply(f, gmac, inet_addr("10.0.2.98"), over, sizeof(over));
	peer_send(t, f, n);
	n = nf_dhcp_reply(f, gmac, inet_addr("10.0.2.97"), noend,
			  sizeof(noend));
	peer_send(t, f, n);
	n = nf_dhcp_reply(f, gmac, inet_addr("10.0.2.96"), len0, sizeof(len0));
	peer_send(t, f, n);
	n = nf_dhcp_reply(f, gmac, inet_addr("10.0.2.95"), good, sizeof(good));
	f[n - 1] ^= 0xff; /* the UDP checksum no longer matches */
	peer_send(t, f, n);
	pump_rx(t, (uint16_t)(base + 5));
	assert_int_equal(used_idx(0), (uint16_t)(base + 5));
	/* re-posted: four full buffers, the fifth only 64 bytes long */
	for (unsigned int i = 0; i < 5; i++)
		rx_take_sz(t, base + i, &len, i < 4 ? RXSZ : 64);
	/* only the unterminated one counts: every option whole, the options
	 * area simply ends with the packet (no END), which the snoop accepts */
	assert_int_equal(t->nr_ip, 1);
	assert_string_equal(t->ip, "10.0.2.97");
	assert_healthy(t);

	/* a frame larger than the guest's receive buffer: dropped, that
	 * buffer completes with length 0; the next one lands whole.  The
	 * QSZ - 1 full buffers ahead of the small one get 60-byte frames */
	base = used_idx(0);
	for (unsigned int i = 0; i < QSZ - 1; i++) {
		n = eth_frame(f, 60, (uint8_t)i);
		memcpy(f, gmac, 6);
		peer_send(t, f, n);
	}
	pump_rx(t, (uint16_t)(base + QSZ - 1));
	assert_int_equal(used_idx(0), (uint16_t)(base + QSZ - 1));
	for (unsigned int i = 0; i < QSZ - 1; i++) {
		b = rx_take(t, base + i, &len);
		assert_int_equal(len, HL + 60);
		assert_int_equal(b[HL + 12], 0x88);
	}
	base = used_idx(0);
	n = eth_frame(f, 1000, 7);
	memcpy(f, gmac, 6);
	peer_send(t, f, n); /* into the 64-byte buffer: dropped */
	n = nf_dhcp_reply(f, gmac, inet_addr("10.0.2.15"), good, sizeof(good));
	peer_send(t, f, n); /* the good ACK: lands and is reported */
	pump_rx(t, (uint16_t)(base + 2));
	assert_int_equal(used_idx(0), (uint16_t)(base + 2));
	rx_take(t, base, &len);
	assert_int_equal(len, 0);
	b = rx_take(t, base + 1, &len);
	assert_int_equal(len, HL + n);
	assert_memory_equal(b + HL, f, n);
	assert_int_equal(t->nr_ip, 2); /* the address changed: said again */
	assert_string_equal(t->ip, "10.0.2.15");
	assert_healthy(t);
	drop(t);
}

/* ---- guest -> libslirp's DHCP server (nat, restrict) ---- */

static size_t discover(uint8_t *f, const uint8_t *opts, size_t optlen,
		       size_t bootp_len)
{
	uint8_t b[1500];
	size_t n = nf_bootp(b, 1, 0x55667788, gmac, 0, opts, optlen);

	if (bootp_len)
		n = bootp_len; /* cut the message short */
	return nf_udp(f, nf_bcast, gmac, 0, inet_addr("255.255.255.255"), 68,
		      67, b, n);
}

static void nat_hostile_dhcp(void **state)
{
	struct t *t = make("nat,restrict");
	static const uint8_t trunc[] = {53, 1}; /* no value, no end */
	static const uint8_t over[] = {53, 1, 1, 12, 200, 'h', 'o', 's', 't'};
	static const uint8_t req_over[] = {53, 1, 1, 50, 255, 10, 0, 2};
	static const uint8_t good[] = {53, 1, 1, 255};
	static uint8_t big[1200];
	uint8_t f[2048];
	const uint8_t *b;
	uint32_t len;
	uint16_t base;
	size_t n;
	bool offer = false;

	driver_up(t);
	base = used_idx(0);
	tx(t, f, discover(f, trunc, sizeof(trunc), 0), 0);
	tx(t, f, discover(f, over, sizeof(over), 0), 0);
	tx(t, f, discover(f, req_over, sizeof(req_over), 0), 0);
	tx(t, f, discover(f, good, sizeof(good), 100), 0); /* bootp cut */
	tx(t, f, discover(f, good, sizeof(good), 239), 0); /* no cookie */
	/* options filling the frame: 255-byte options, no end */
	for (size_t i = 0; i + 257 <= sizeof(big); i += 257) {
		big[i] = 60;
		big[i + 1] = 255;
		memset(big + i + 2, 'x', 255);
	}
	tx(t, f, discover(f, big, sizeof(big), 0), 0);
	n = discover(f, good, sizeof(good), 0);
	f[n - 1] ^= 0x5a; /* bad UDP checksum */
	tx(t, f, n, 0);
	n = discover(f, good, sizeof(good), 0);
	f[24] ^= 0x5a; /* bad IP header checksum */
	tx(t, f, n, 0);
	assert_healthy(t);
	/* whatever slirp made of those (it may answer some), drain it */
	pump_rx(t, (uint16_t)(base + QSZ));
	while (used_idx(0) != base)
		rx_take(t, base++, &len);

	/* the next good DISCOVER gets its OFFER of 10.0.2.15 (2 s guard) */
	tx(t, f, discover(f, good, sizeof(good), 0), 0);
	for (uint64_t end = ms_now() + 2000; !offer && ms_now() < end;) {
		pump_rx(t, (uint16_t)(base + 1));
		while (used_idx(0) != base) {
			b = rx_take(t, base++, &len);
			if (len >= HL + 42 + 240 && b[HL + 23] == 17 &&
			    nf_get16(b + HL + 36) == 68 && b[HL + 42] == 2 &&
			    memcmp(b + HL + 42 + 16, "\x0a\x00\x02\x0f", 4) ==
				    0)
				offer = true;
		}
	}
	assert_true(offer);
	assert_healthy(t);
	drop(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tx_hostile_frames),
		cmocka_unit_test(rx_hostile_dhcp_and_sizes),
		cmocka_unit_test(nat_hostile_dhcp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
