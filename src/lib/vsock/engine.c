// SPDX-License-Identifier: MIT
/*
 * The virtio-vsock stream protocol (virtio 1.2 section 5.10.6): packets
 * from the guest, packets for the guest, credit both ways.  The guest is
 * hostile: its header is decoded once into host order, every field is
 * checked before use, and nothing it claims makes the engine buffer more
 * than buf_alloc per connection (see vsock.h).
 */
#include "vsock_priv.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The header in host byte order, read once from the guest's copy. */
struct pkt {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void vsock_lock(struct vsock_engine *e)
{
	pthread_mutex_lock(&e->lock);
}

void vsock_unlock(struct vsock_engine *e)
{
	bool n = e->notify_pending;

	e->notify_pending = false;
	pthread_mutex_unlock(&e->lock);
	if (n && e->p.notify)
		e->p.notify(e->p.opaque);
}

/* At most one line a second: a guest must not flood the host's log. */
void vsock_logf(struct vsock_engine *e, enum charlie_log_level lvl,
		const char *fmt, ...)
{
	char line[256];
	uint64_t now = now_ns();
	va_list ap;
	int n;

	if (!e->p.log)
		return;
	if (e->log_last_ns && now - e->log_last_ns < 1000000000ull) {
		e->log_suppressed++;
		return;
	}
	n = snprintf(line, sizeof(line), "vsock: ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (e->log_suppressed && n > 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n,
			 " (%u similar lines not logged)", e->log_suppressed);
	e->log_suppressed = 0;
	e->log_last_ns = now;
	e->p.log(e->p.opaque, lvl, line);
}

/* ---- the connection table ---- */

static unsigned int key_bucket(uint32_t local, uint32_t peer)
{
	return ((local * 2654435761u) ^ peer) % VSOCK_HASH;
}

static unsigned int fd_bucket(int fd)
{
	return (unsigned int)fd % VSOCK_HASH;
}

struct vsock_conn *conn_by_key(struct vsock_engine *e, uint32_t local,
			       uint32_t peer)
{
	struct vsock_conn *c = e->khash[key_bucket(local, peer)];

	while (c && (c->local_port != local || c->peer_port != peer))
		c = c->knext;
	return c;
}

struct vsock_conn *conn_by_fd(struct vsock_engine *e, int fd)
{
	struct vsock_conn *c = e->fhash[fd_bucket(fd)];

	while (c && c->fd != fd)
		c = c->fnext;
	return c;
}

struct vsock_conn *conn_new(struct vsock_engine *e, int fd)
{
	struct vsock_conn *c;

	if (e->nconns >= e->p.max_conns)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = fd;
	c->buf_alloc = e->p.buf_alloc;
	c->fnext = e->fhash[fd_bucket(fd)];
	e->fhash[fd_bucket(fd)] = c;
	e->nconns++;
	e->st.conns = e->nconns;
	if (e->nconns > e->st.peak_conns)
		e->st.peak_conns = e->nconns;
	return c;
}

int conn_hash(struct vsock_engine *e, struct vsock_conn *c)
{
	unsigned int b = key_bucket(c->local_port, c->peer_port);

	if (conn_by_key(e, c->local_port, c->peer_port))
		return -EADDRINUSE;
	c->knext = e->khash[b];
	e->khash[b] = c;
	c->hashed = true;
	return 0;
}

static void unlink_chain(struct vsock_conn **head, struct vsock_conn *c,
			 bool by_key)
{
	for (struct vsock_conn **pp = head; *pp;
	     pp = by_key ? &(*pp)->knext : &(*pp)->fnext) {
		if (*pp == c) {
			*pp = by_key ? c->knext : c->fnext;
			return;
		}
	}
}

static void unqueue(struct vsock_engine *e, struct vsock_conn *c)
{
	if (!c->queued)
		return;
	if (c->qprev)
		c->qprev->qnext = c->qnext;
	else
		e->qhead = c->qnext;
	if (c->qnext)
		c->qnext->qprev = c->qprev;
	else
		e->qtail = c->qprev;
	c->qprev = c->qnext = NULL;
	c->queued = false;
	e->qlen--;
}

uint32_t conn_ephemeral_port(struct vsock_engine *e)
{
	/* at most max_conns ports are taken, so this ends quickly */
	for (;;) {
		uint32_t p = e->next_ephemeral++;
		bool used = false;

		if (e->next_ephemeral < VSOCK_EPHEMERAL_BASE)
			e->next_ephemeral = VSOCK_EPHEMERAL_BASE;
		for (unsigned int b = 0; b < VSOCK_HASH && !used; b++)
			for (struct vsock_conn *c = e->khash[b]; c && !used;
			     c = c->knext)
				used = c->local_port == p;
		if (!used)
			return p;
	}
}

static void ring_release(struct vsock_engine *e, struct vsock_conn *c)
{
	if (!c->ring)
		return;
	e->st.buffered -= c->ring_len;
	e->st.ring_alloc -= c->buf_alloc;
	free(c->ring);
	c->ring = NULL;
	c->ring_head = c->ring_len = 0;
}

void conn_finish_waiter(struct vsock_engine *e, struct vsock_conn *c,
			int result)
{
	if (!c->waiter)
		return;
	c->waiter->done = true;
	c->waiter->result = result;
	c->waiter = NULL;
	pthread_cond_broadcast(&e->cond);
}

/* Off the loop and closed; the connection stays for packets owed. */
static void conn_close_fd(struct vsock_engine *e, struct vsock_conn *c)
{
	if (c->src)
		loop_del(e->loop, c->src);
	c->src = NULL;
	if (c->fd >= 0) {
		unlink_chain(&e->fhash[fd_bucket(c->fd)], c, false);
		close(c->fd);
	}
	c->fd = -1;
	c->ev = 0;
}

void conn_free(struct vsock_engine *e, struct vsock_conn *c)
{
	unqueue(e, c);
	if (c->hashed)
		unlink_chain(&e->khash[key_bucket(c->local_port, c->peer_port)],
			     c, true);
	conn_close_fd(e, c);
	ring_release(e, c);
	conn_finish_waiter(e, c, -ECONNRESET);
	e->nconns--;
	e->st.conns = e->nconns;
	free(c);
}

/* Bytes the guest can still take on this connection. */
static uint32_t peer_credit(const struct vsock_conn *c)
{
	uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;

	/* a fwd_cnt ahead of what was sent, or a shrunk buf_alloc: none */
	if (in_flight > c->peer_buf_alloc)
		return 0;
	return c->peer_buf_alloc - in_flight;
}

static bool data_ready(const struct vsock_conn *c)
{
	return c->st == CONN_ESTABLISHED && c->fd >= 0 && c->host_readable &&
	       !(c->our_shut & VIRTIO_VSOCK_SHUTDOWN_SEND) &&
	       !(c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_RCV) &&
	       peer_credit(c) > 0;
}

static bool owes(const struct vsock_conn *c)
{
	return c->tx_rst || c->tx_request || c->tx_response || c->tx_shutdown ||
	       c->tx_credit || data_ready(c);
}

void conn_schedule(struct vsock_engine *e, struct vsock_conn *c)
{
	if (c->queued || !owes(c))
		return;
	c->qprev = e->qtail;
	c->qnext = NULL;
	if (e->qtail)
		e->qtail->qnext = c;
	else
		e->qhead = c;
	e->qtail = c;
	c->queued = true;
	if (!e->qlen++ && !e->stray_len)
		e->notify_pending = true;
}

void conn_update_events(struct vsock_engine *e, struct vsock_conn *c)
{
	uint32_t want = 0;

	if (!c->src)
		return;
	if (c->st == CONN_HANDSHAKE)
		want = EPOLLIN;
	if (c->st == CONN_ESTABLISHED) {
		if (!c->host_readable && !c->host_eof &&
		    !(c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_RCV) &&
		    !(c->our_shut & VIRTIO_VSOCK_SHUTDOWN_SEND))
			want |= EPOLLIN;
		if (c->ring_len && !c->wr_dead)
			want |= EPOLLOUT;
	}
	if (want != c->ev && loop_mod(e->loop, c->src, want) == 0)
		c->ev = want;
}

void conn_reset(struct vsock_engine *e, struct vsock_conn *c)
{
	conn_finish_waiter(e, c, -ECONNRESET);
	/* the guest never heard of it: nothing to tell */
	if (c->st == CONN_HANDSHAKE ||
	    (c->st == CONN_CONNECTING && c->tx_request)) {
		conn_free(e, c);
		return;
	}
	conn_close_fd(e, c);
	ring_release(e, c);
	c->tx_request = c->tx_response = c->tx_shutdown = c->tx_credit = false;
	c->host_readable = false;
	c->tx_rst = true;
	conn_schedule(e, c);
}

static void stray_rst(struct vsock_engine *e, const struct pkt *p)
{
	struct stray_rst *s;

	if (p->op == VIRTIO_VSOCK_OP_RST ||
	    e->stray_len == VSOCK_STRAY_RST_SLOTS)
		return;
	s = &e->stray[(e->stray_head + e->stray_len) % VSOCK_STRAY_RST_SLOTS];
	s->local_port = p->dst_port;
	s->peer_port = p->src_port;
	s->type = p->type;
	if (!e->stray_len++ && !e->qlen)
		e->notify_pending = true;
}

/* ---- packets from the guest ---- */

static void decode(const struct virtio_vsock_hdr *h, struct pkt *p)
{
	struct virtio_vsock_hdr c;

	memcpy(&c, h, sizeof(c)); /* one read of the header */
	p->src_cid = le64toh(c.src_cid);
	p->dst_cid = le64toh(c.dst_cid);
	p->src_port = le32toh(c.src_port);
	p->dst_port = le32toh(c.dst_port);
	p->len = le32toh(c.len);
	p->type = le16toh(c.type);
	p->op = le16toh(c.op);
	p->flags = le32toh(c.flags);
	p->buf_alloc = le32toh(c.buf_alloc);
	p->fwd_cnt = le32toh(c.fwd_cnt);
}

static void bad(struct vsock_engine *e, const struct pkt *p, const char *why)
{
	e->st.bad_packets++;
	vsock_logf(e, CHARLIE_LOG_WARN,
		   "guest packet dropped: %s (op %u, len %u, %u -> %u)", why,
		   p->op, p->len, p->src_port, p->dst_port);
}

/* A deferred listener callback: run after the lock is released. */
struct accepted {
	vsock_accept_fn cb;
	void *opaque;
	int fd;
	uint32_t guest_port;
};

static void on_request(struct vsock_engine *e, const struct pkt *p,
		       struct accepted *acc)
{
	struct vsock_listener l = {0};
	struct vsock_conn *c;
	int user_fd = -1, fd;

	if (e->nconns >= e->p.max_conns) {
		vsock_logf(e, CHARLIE_LOG_WARN,
			   "guest connection to port %u refused: %u "
			   "connections already",
			   p->dst_port, e->nconns);
		goto refuse;
	}
	fd = host_side_accept(e, p->dst_port, &l, &user_fd);
	if (fd < 0)
		goto refuse;
	c = conn_new(e, fd);
	if (!c) {
		close(fd);
		if (user_fd >= 0)
			close(user_fd);
		goto refuse;
	}
	c->local_port = p->dst_port;
	c->peer_port = p->src_port;
	c->st = CONN_ESTABLISHED;
	c->peer_buf_alloc = p->buf_alloc;
	c->peer_fwd_cnt = p->fwd_cnt;
	c->tx_response = true;
	c->host_readable = true;
	conn_hash(e, c); /* cannot clash: looked up before */
	c->src = loop_add(e->loop, fd, 0, conn_on_fd, e);
	if (!c->src) {
		conn_free(e, c);
		if (user_fd >= 0)
			close(user_fd);
		goto refuse;
	}
	conn_update_events(e, c);
	conn_schedule(e, c);
	if (user_fd >= 0) {
		acc->cb = l.cb;
		acc->opaque = l.opaque;
		acc->fd = user_fd;
		acc->guest_port = p->src_port;
	}
	return;
refuse:
	e->st.refused++;
	stray_rst(e, p);
}

static void on_response(struct vsock_engine *e, struct vsock_conn *c)
{
	char ok[32];
	int n;

	if (c->st != CONN_CONNECTING || c->tx_request) {
		conn_reset(e, c);
		return;
	}
	c->st = CONN_ESTABLISHED;
	c->host_readable = true; /* the host may have written already */
	if (c->reply_ok) {
		n = snprintf(ok, sizeof(ok), "OK %u\n", c->local_port);
		/* a fresh socket with nothing written takes 16 bytes */
		if (send(c->fd, ok, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) !=
		    n) {
			conn_reset(e, c);
			return;
		}
		c->reply_ok = false;
	}
	conn_finish_waiter(e, c, 0);
}

static void on_shutdown(struct vsock_engine *e, struct vsock_conn *c,
			uint32_t flags)
{
	uint32_t new = flags & ~c->guest_shut &(VIRTIO_VSOCK_SHUTDOWN_RCV |
						VIRTIO_VSOCK_SHUTDOWN_SEND);

	c->guest_shut |= new;
	/* the guest reads no more: the host program's writes fail */
	if ((new &VIRTIO_VSOCK_SHUTDOWN_RCV) && c->fd >= 0)
		shutdown(c->fd, SHUT_RD);
	if (c->guest_shut ==
	    (VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND))
		c->close_after_drain = true;
	/* SEND: EOF to the host once the ring is drained */
	conn_flush(e, c);
}

/* RW within our credit, or the connection is reset. */
static void on_rw(struct vsock_engine *e, struct vsock_conn *c,
		  const struct pkt *p, const uint8_t *payload)
{
	uint32_t used = c->rx_cnt - c->fwd_cnt;

	if (c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_SEND) {
		bad(e, p, "data after the guest's SHUTDOWN(SEND)");
		conn_reset(e, c);
		return;
	}
	if (used > c->buf_alloc || p->len > c->buf_alloc - used) {
		bad(e, p, "data beyond the credit the host gave");
		conn_reset(e, c);
		return;
	}
	if (!p->len)
		return;
	c->rx_cnt += p->len;
	e->st.from_guest_bytes += p->len;
	conn_write_host(e, c, payload, p->len);
}

/* Credit update owed when the guest's view of our free space is low. */
void conn_maybe_credit(struct vsock_conn *c)
{
	uint32_t seen_free = c->buf_alloc - (c->rx_cnt - c->fwd_cnt_sent);

	if (c->fwd_cnt != c->fwd_cnt_sent && seen_free <= c->buf_alloc / 2)
		c->tx_credit = true;
}

int vsock_rx_from_guest(struct vsock_engine *e,
			const struct virtio_vsock_hdr *h,
			const uint8_t *payload, size_t len)
{
	struct accepted acc = {.fd = -1};
	struct vsock_conn *c;
	struct pkt p;

	decode(h, &p);
	vsock_lock(e);
	if (e->stray_len == VSOCK_STRAY_RST_SLOTS) {
		vsock_unlock(e);
		return -EAGAIN;
	}
	/* who sent it: only the guest's own CID, never forged */
	if (p.src_cid != e->p.guest_cid) {
		bad(e, &p, "source CID is not the guest's");
		goto out;
	}
	c = conn_by_key(e, p.dst_port, p.src_port);
	if (p.len > len || p.len > VSOCK_MAX_PAYLOAD) {
		bad(e, &p, "length past the buffer");
		goto reset;
	}
	if (p.dst_cid != VSOCK_CID_HOST) {
		bad(e, &p, "destination CID is not the host");
		goto reset;
	}
	if (p.type != VIRTIO_VSOCK_TYPE_STREAM) {
		bad(e, &p, "not a stream packet");
		goto reset;
	}
	if (p.op < VIRTIO_VSOCK_OP_REQUEST ||
	    p.op > VIRTIO_VSOCK_OP_CREDIT_REQUEST) {
		bad(e, &p, "unknown op");
		goto reset;
	}
	if (p.op == VIRTIO_VSOCK_OP_REQUEST) {
		if (c) {
			bad(e, &p, "REQUEST for a connection that exists");
			goto reset;
		}
		on_request(e, &p, &acc);
		goto out;
	}
	if (!c) {
		stray_rst(e, &p); /* nothing of that name (not for RST) */
		goto out;
	}
	if (c->tx_rst || c->st == CONN_HANDSHAKE)
		goto out; /* being reset: the guest will hear */
	if (p.op == VIRTIO_VSOCK_OP_RST) {
		if (c->st == CONN_CONNECTING) {
			e->st.refused++;
			conn_finish_waiter(e, c, -ECONNREFUSED);
		}
		conn_free(e, c);
		goto out;
	}
	/* every packet of a connection carries the guest's credit */
	c->peer_buf_alloc = p.buf_alloc;
	c->peer_fwd_cnt = p.fwd_cnt;
	switch (p.op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		on_response(e, c);
		goto out_conn;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		break;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		c->tx_credit = true;
		break;
	}
	if (c->st != CONN_ESTABLISHED) {
		bad(e, &p, "packet before the connection was accepted");
		conn_reset(e, c);
		goto out;
	}
	if (p.op == VIRTIO_VSOCK_OP_SHUTDOWN)
		on_shutdown(e, c, p.flags);
	else if (p.op == VIRTIO_VSOCK_OP_RW)
		on_rw(e, c, &p, payload);
out_conn:
	/* conn_reset/flush may have freed c: look it up again */
	c = conn_by_key(e, p.dst_port, p.src_port);
	if (c && !c->tx_rst) {
		conn_maybe_credit(c);
		conn_update_events(e, c);
		conn_schedule(e, c);
	}
	goto out;
reset:
	if (p.op == VIRTIO_VSOCK_OP_RST)
		goto out;
	if (c && !c->tx_rst)
		conn_reset(e, c);
	else if (!c)
		stray_rst(e, &p);
out:
	vsock_unlock(e);
	if (acc.fd >= 0)
		acc.cb(acc.opaque, acc.fd, acc.guest_port);
	return 0;
}

bool vsock_tx_ready(struct vsock_engine *e)
{
	bool r;

	vsock_lock(e);
	r = e->stray_len < VSOCK_STRAY_RST_SLOTS;
	vsock_unlock(e);
	return r;
}

/* ---- packets for the guest ---- */

static void fill(struct vsock_engine *e, struct vsock_conn *c,
		 struct virtio_vsock_hdr *h, uint16_t op, uint32_t len,
		 uint32_t flags)
{
	memset(h, 0, sizeof(*h));
	h->src_cid = htole64(VSOCK_CID_HOST);
	h->dst_cid = htole64(e->p.guest_cid);
	h->src_port = htole32(c->local_port);
	h->dst_port = htole32(c->peer_port);
	h->len = htole32(len);
	h->type = htole16(VIRTIO_VSOCK_TYPE_STREAM);
	h->op = htole16(op);
	h->flags = htole32(flags);
	h->buf_alloc = htole32(c->buf_alloc);
	h->fwd_cnt = htole32(c->fwd_cnt);
	c->fwd_cnt_sent = c->fwd_cnt; /* every packet carries our credit */
	c->tx_credit = false;
}

/* Reads host data straight into the guest's buffer: -EAGAIN when there
 * is none (or no room), else the payload length; may owe a SHUTDOWN or
 * an RST instead. */
static ssize_t produce_data(struct vsock_engine *e, struct vsock_conn *c,
			    struct virtio_vsock_hdr *out, uint8_t *buf,
			    size_t cap)
{
	size_t n = peer_credit(c);
	ssize_t r;

	if (n > cap)
		n = cap;
	if (n > VSOCK_MAX_PAYLOAD)
		n = VSOCK_MAX_PAYLOAD;
	if (!n)
		return -EAGAIN;
	r = read(c->fd, buf, n);
	if (r > 0) {
		fill(e, c, out, VIRTIO_VSOCK_OP_RW, (uint32_t)r, 0);
		c->tx_cnt += (uint32_t)r;
		e->st.to_guest_bytes += (uint64_t)r;
		return r;
	}
	c->host_readable = false;
	if (r == 0) {
		/* EOF: the host program will send no more */
		c->host_eof = true;
		c->our_shut |= VIRTIO_VSOCK_SHUTDOWN_SEND;
		if (c->hup || c->wr_dead)
			c->our_shut |= VIRTIO_VSOCK_SHUTDOWN_RCV;
		c->tx_shutdown = true;
	} else if (errno != EAGAIN && errno != EINTR) {
		conn_reset(e, c);
	}
	conn_update_events(e, c);
	return -EAGAIN;
}

/* One packet of `c`, or -EAGAIN; *freed when `c` is gone. */
static ssize_t produce(struct vsock_engine *e, struct vsock_conn *c,
		       struct virtio_vsock_hdr *out, uint8_t *buf, size_t cap,
		       bool *freed)
{
	ssize_t r;

	if (c->tx_rst) {
		fill(e, c, out, VIRTIO_VSOCK_OP_RST, 0, 0);
		e->st.rst_sent++;
		conn_free(e, c);
		*freed = true;
		return 0;
	}
	if (c->tx_request) {
		fill(e, c, out, VIRTIO_VSOCK_OP_REQUEST, 0, 0);
		c->tx_request = false;
		return 0;
	}
	if (c->tx_response) {
		fill(e, c, out, VIRTIO_VSOCK_OP_RESPONSE, 0, 0);
		c->tx_response = false;
		return 0;
	}
	if (data_ready(c)) {
		r = produce_data(e, c, out, buf, cap);
		if (r >= 0)
			return r;
		if (c->tx_rst)
			return produce(e, c, out, buf, cap, freed);
	}
	if (c->tx_shutdown) {
		fill(e, c, out, VIRTIO_VSOCK_OP_SHUTDOWN, 0, c->our_shut);
		c->tx_shutdown = false;
		return 0;
	}
	if (c->tx_credit) {
		fill(e, c, out, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0, 0);
		return 0;
	}
	return -EAGAIN;
}

ssize_t vsock_next_for_guest(struct vsock_engine *e,
			     struct virtio_vsock_hdr *out, uint8_t *buf,
			     size_t cap)
{
	ssize_t r = -EAGAIN;
	unsigned int n;

	vsock_lock(e);
	if (e->stray_len) {
		const struct stray_rst *s = &e->stray[e->stray_head];

		memset(out, 0, sizeof(*out));
		out->src_cid = htole64(VSOCK_CID_HOST);
		out->dst_cid = htole64(e->p.guest_cid);
		out->src_port = htole32(s->local_port);
		out->dst_port = htole32(s->peer_port);
		out->type = htole16(s->type);
		out->op = htole16(VIRTIO_VSOCK_OP_RST);
		e->stray_head = (e->stray_head + 1) % VSOCK_STRAY_RST_SLOTS;
		e->stray_len--;
		e->st.rst_sent++;
		r = 0;
		goto out;
	}
	/* each queued connection once at most: one that owes only data
	 * that does not fit `cap` goes back to the tail */
	for (n = e->qlen; n && r < 0; n--) {
		struct vsock_conn *c = e->qhead;
		bool freed = false;

		unqueue(e, c);
		r = produce(e, c, out, buf, cap, &freed);
		if (!freed)
			conn_schedule(e, c);
	}
out:
	/* the caller is pulling already: no notify for what it queued */
	e->notify_pending = false;
	vsock_unlock(e);
	return r;
}

bool vsock_has_work(struct vsock_engine *e)
{
	bool r;

	vsock_lock(e);
	r = e->stray_len || e->qlen;
	vsock_unlock(e);
	return r;
}

/* ---- the engine ---- */

static void drop_all(struct vsock_engine *e)
{
	for (unsigned int b = 0; b < VSOCK_HASH; b++) {
		while (e->khash[b])
			conn_free(e, e->khash[b]);
		while (e->fhash[b])
			conn_free(e, e->fhash[b]);
	}
	e->stray_len = e->stray_head = 0;
}

int vsock_engine_new(struct loop *loop, const struct vsock_params *p,
		     struct vsock_engine **out)
{
	pthread_condattr_t ca;
	struct vsock_engine *e;
	int ret;

	*out = NULL;
	if (p->guest_cid < VSOCK_CID_MIN || p->guest_cid > VSOCK_CID_MAX)
		return -EINVAL;
	if (p->uds && strlen(p->uds) + sizeof("_4294967295") >
			      sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->loop = loop;
	e->p = *p;
	if (!e->p.max_conns)
		e->p.max_conns = VSOCK_DEF_MAX_CONNS;
	if (!e->p.buf_alloc)
		e->p.buf_alloc = VSOCK_DEF_BUF_ALLOC;
	if (!e->p.connect_timeout_ms)
		e->p.connect_timeout_ms = VSOCK_DEF_CONNECT_TIMEOUT_MS;
	e->p.uds = NULL;
	if (p->uds) {
		snprintf(e->uds, sizeof(e->uds), "%s", p->uds);
		e->p.uds = e->uds;
	}
	e->listen_fd = -1;
	e->next_ephemeral = VSOCK_EPHEMERAL_BASE;
	pthread_mutex_init(&e->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cond, &ca);
	pthread_condattr_destroy(&ca);
	ret = host_side_open(e);
	if (ret)
		goto fail;
	*out = e;
	return 0;
fail:
	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
	free(e);
	return ret;
}

void vsock_engine_reset(struct vsock_engine *e)
{
	vsock_lock(e);
	drop_all(e);
	vsock_unlock(e);
}

void vsock_engine_free(struct vsock_engine *e)
{
	if (!e)
		return;
	vsock_lock(e);
	drop_all(e);
	host_side_close(e);
	e->notify_pending = false;
	vsock_unlock(e);
	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

size_t vsock_transport_reset_event(uint8_t *buf, size_t cap)
{
	uint32_t id = htole32(VIRTIO_VSOCK_EVENT_TRANSPORT_RESET);

	if (cap < sizeof(id))
		return 0;
	memcpy(buf, &id, sizeof(id));
	return sizeof(id);
}

uint64_t vsock_guest_cid(const struct vsock_engine *e)
{
	return e->p.guest_cid;
}

void vsock_get_stats(struct vsock_engine *e, struct vsock_stats *s)
{
	vsock_lock(e);
	*s = e->st;
	vsock_unlock(e);
}

uint64_t vsock_memory_bound(const struct vsock_params *p)
{
	uint64_t conns = p->max_conns ? p->max_conns : VSOCK_DEF_MAX_CONNS;
	uint64_t buf = p->buf_alloc ? p->buf_alloc : VSOCK_DEF_BUF_ALLOC;

	/* a loop source per connection, and malloc's own overhead */
	return conns * (buf + sizeof(struct vsock_conn) +
			sizeof(struct loop_src) + 64) +
	       sizeof(struct vsock_engine);
}
