// SPDX-License-Identifier: MIT
/*
 * The vsock engine (src/lib/vsock) driven by a fake guest: real UNIX
 * sockets, a real event loop in its own thread, and a guest thread that
 * speaks virtio-vsock the way Linux does (credit, half-close, RST), as
 * the virtio device will once the queues exist.  Then a hostile guest:
 * malformed packets, credit lies, a flood of requests, with the engine's
 * memory counted and held to its bound.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fake_host.h"
#include "vsock/vsock.h"

#define GUEST_CID   42
#define SINK_PORT   1234    /* the fake guest listens here */
#define DEAD_PORT   4321    /* nobody listens in the guest */
#define RX_CAP	    4096    /* Linux's RX buffer size */
#define PATTERN_LEN 1048573 /* prime: chunk shifts change the hash */
#define BIG	    (64ull << 20)

static uint8_t *pattern;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}
#define FNV0 0xcbf29ce484222325ull

/* ---- the event loop in a thread ---- */

struct looper {
	struct loop loop;
	pthread_t th;
	int quit_fd;
	struct loop_src *quit_src;
};

static void on_quit(void *opaque, int fd, uint32_t ev)
{
	loop_quit(opaque);
}

static void *loop_main(void *arg)
{
	loop_run(&((struct looper *)arg)->loop);
	return NULL;
}

static void looper_start(struct looper *l)
{
	assert_int_equal(loop_init(&l->loop), 0);
	l->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	l->quit_src =
		loop_add(&l->loop, l->quit_fd, EPOLLIN, on_quit, &l->loop);
	assert_non_null(l->quit_src);
	assert_int_equal(pthread_create(&l->th, NULL, loop_main, l), 0);
}

static void looper_stop(struct looper *l)
{
	uint64_t one = 1;

	assert_int_equal(write(l->quit_fd, &one, 8), 8);
	pthread_join(l->th, NULL);
	loop_del(&l->loop, l->quit_src);
	close(l->quit_fd);
}

/* ---- the fake guest ---- */

enum grole { G_SINK, G_SOURCE };
enum gstate { G_CONNECTING, G_EST, G_CLOSED };

struct gconn {
	bool used;
	uint32_t gport, hport;
	enum gstate st;
	enum grole role;
	bool refused, reset;
	uint32_t buf_alloc, rx_cnt, fwd_cnt, fwd_sent; /* the guest's */
	uint32_t peer_buf_alloc, peer_fwd_cnt, tx_cnt; /* the host's */
	uint32_t host_shut;
	bool sent_shut_send, sent_shut_all;
	/* sink: counts and hashes, replies (count, hash) after EOF */
	uint64_t rx_bytes, rx_hash;
	uint8_t out[16];
	unsigned int out_len, out_off;
	/* source: sends `total` pattern bytes, expects (count, hash) back */
	uint64_t total, sent, tx_hash;
	uint8_t in[16];
	unsigned int in_len;
	bool ok, done;
};

#define GMAX 256

struct fguest {
	struct vsock_engine *e;
	int efd;
	pthread_t th;
	pthread_mutex_t lock;
	bool stop;
	struct gconn c[GMAX];
	uint32_t next_port;
	uint64_t credit_violations, bad_from_host;
	uint8_t *txbuf;
};

static void g_notify(void *opaque)
{
	struct fguest *g = opaque;
	uint64_t one = 1;

	if (write(g->efd, &one, 8) < 0)
		(void)0;
}

static int g_send(struct fguest *g, struct gconn *c, uint16_t op,
		  uint32_t flags, const uint8_t *p, uint32_t len)
{
	struct virtio_vsock_hdr h = {
		.src_cid = htole64(GUEST_CID),
		.dst_cid = htole64(VSOCK_CID_HOST),
		.src_port = htole32(c->gport),
		.dst_port = htole32(c->hport),
		.len = htole32(len),
		.type = htole16(VIRTIO_VSOCK_TYPE_STREAM),
		.op = htole16(op),
		.flags = htole32(flags),
		.buf_alloc = htole32(c->buf_alloc),
		.fwd_cnt = htole32(c->fwd_cnt),
	};
	int r = vsock_rx_from_guest(g->e, &h, p, len);

	if (!r)
		c->fwd_sent = c->fwd_cnt;
	return r;
}

static struct gconn *g_find(struct fguest *g, uint32_t gport, uint32_t hport)
{
	for (int i = 0; i < GMAX; i++)
		if (g->c[i].used && g->c[i].gport == gport &&
		    g->c[i].hport == hport)
			return &g->c[i];
	return NULL;
}

static struct gconn *g_alloc(struct fguest *g)
{
	for (int i = 0; i < GMAX; i++) {
		if (!g->c[i].used) {
			memset(&g->c[i], 0, sizeof(g->c[i]));
			g->c[i].used = true;
			g->c[i].buf_alloc = 256 << 10;
			return &g->c[i];
		}
	}
	return NULL;
}

static void g_handle(struct fguest *g, const struct virtio_vsock_hdr *h,
		     const uint8_t *p, ssize_t n)
{
	uint32_t gport = le32toh(h->dst_port), hport = le32toh(h->src_port);
	uint16_t op = le16toh(h->op);
	struct gconn *c = g_find(g, gport, hport);
	struct gconn tmp = {.gport = gport, .hport = hport};

	if (le64toh(h->src_cid) != VSOCK_CID_HOST ||
	    le64toh(h->dst_cid) != GUEST_CID || le32toh(h->len) != n)
		g->bad_from_host++;
	if (op == VIRTIO_VSOCK_OP_REQUEST) {
		if (c || gport != SINK_PORT) {
			g_send(g, &tmp, VIRTIO_VSOCK_OP_RST, 0, NULL, 0);
			return;
		}
		c = g_alloc(g);
		c->gport = gport;
		c->hport = hport;
		c->st = G_EST;
		c->role = G_SINK;
		c->rx_hash = FNV0;
	}
	if (!c) {
		if (op != VIRTIO_VSOCK_OP_RST)
			g_send(g, &tmp, VIRTIO_VSOCK_OP_RST, 0, NULL, 0);
		return;
	}
	c->peer_buf_alloc = le32toh(h->buf_alloc);
	c->peer_fwd_cnt = le32toh(h->fwd_cnt);
	switch (op) {
	case VIRTIO_VSOCK_OP_REQUEST:
		g_send(g, c, VIRTIO_VSOCK_OP_RESPONSE, 0, NULL, 0);
		break;
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (c->st == G_CONNECTING)
			c->st = G_EST;
		break;
	case VIRTIO_VSOCK_OP_RST:
		if (c->st == G_CONNECTING)
			c->refused = true;
		c->reset = true;
		c->st = G_CLOSED;
		c->done = true;
		break;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		c->host_shut |= le32toh(h->flags);
		break;
	case VIRTIO_VSOCK_OP_RW:
		c->rx_cnt += (uint32_t)n;
		if (c->rx_cnt - c->fwd_cnt > c->buf_alloc)
			g->credit_violations++;
		if (c->role == G_SINK) {
			c->rx_bytes += (uint64_t)n;
			c->rx_hash = fnv(c->rx_hash, p, (size_t)n);
		} else {
			for (ssize_t i = 0; i < n && c->in_len < 16; i++)
				c->in[c->in_len++] = p[i];
		}
		c->fwd_cnt += (uint32_t)n; /* the application read it */
		break;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		g_send(g, c, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0, NULL, 0);
		break;
	}
}

static uint32_t g_credit(const struct gconn *c)
{
	uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;

	return in_flight > c->peer_buf_alloc ? 0
					     : c->peer_buf_alloc - in_flight;
}

/* What a connection's application does next. */
static void g_pump(struct fguest *g, struct gconn *c)
{
	if (c->st != G_EST)
		return;
	if (c->fwd_cnt - c->fwd_sent >= c->buf_alloc / 4)
		g_send(g, c, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0, NULL, 0);
	if (c->role == G_SINK) {
		if ((c->host_shut & VIRTIO_VSOCK_SHUTDOWN_SEND) &&
		    !c->out_len) {
			memcpy(c->out, &c->rx_bytes, 8);
			memcpy(c->out + 8, &c->rx_hash, 8);
			c->out_len = 16;
		}
		if (c->out_off < c->out_len && g_credit(c) >= 16 &&
		    !g_send(g, c, VIRTIO_VSOCK_OP_RW, 0, c->out, 16)) {
			c->tx_cnt += 16;
			c->out_off = 16;
		}
		if (c->out_off == 16 && !c->sent_shut_all &&
		    !g_send(g, c, VIRTIO_VSOCK_OP_SHUTDOWN,
			    VIRTIO_VSOCK_SHUTDOWN_RCV |
				    VIRTIO_VSOCK_SHUTDOWN_SEND,
			    NULL, 0))
			c->sent_shut_all = true; /* close(): wait for RST */
		return;
	}
	/* source: at most 1 MiB a round, so the guest keeps pulling */
	for (int round = 0; round < 32 && c->sent < c->total; round++) {
		uint32_t n = g_credit(c);
		size_t off = c->sent % PATTERN_LEN;

		if (n > 32768)
			n = 32768;
		if (n > c->total - c->sent)
			n = (uint32_t)(c->total - c->sent);
		if (n > PATTERN_LEN - off)
			n = (uint32_t)(PATTERN_LEN - off);
		if (!n || g_send(g, c, VIRTIO_VSOCK_OP_RW, 0, pattern + off, n))
			break;
		c->tx_cnt += n;
		c->sent += n;
		c->tx_hash = fnv(c->tx_hash, pattern + off, n);
	}
	if (c->sent == c->total && !c->sent_shut_send &&
	    !g_send(g, c, VIRTIO_VSOCK_OP_SHUTDOWN, VIRTIO_VSOCK_SHUTDOWN_SEND,
		    NULL, 0))
		c->sent_shut_send = true;
	if (c->in_len == 16 && !c->sent_shut_all) {
		uint64_t cnt, hash;

		memcpy(&cnt, c->in, 8);
		memcpy(&hash, c->in + 8, 8);
		c->ok = cnt == c->total && hash == c->tx_hash;
		if (!g_send(g, c, VIRTIO_VSOCK_OP_SHUTDOWN,
			    VIRTIO_VSOCK_SHUTDOWN_RCV |
				    VIRTIO_VSOCK_SHUTDOWN_SEND,
			    NULL, 0))
			c->sent_shut_all = true;
	}
}

static void *guest_main(void *arg)
{
	struct fguest *g = arg;
	struct virtio_vsock_hdr h;
	uint8_t buf[RX_CAP];
	struct pollfd pfd = {.fd = g->efd, .events = POLLIN};
	uint64_t v;

	for (;;) {
		ssize_t n;

		poll(&pfd, 1, 1);
		if (read(g->efd, &v, 8) < 0)
			(void)0;
		pthread_mutex_lock(&g->lock);
		if (g->stop) {
			pthread_mutex_unlock(&g->lock);
			break;
		}
		while ((n = vsock_next_for_guest(g->e, &h, buf, sizeof(buf))) >=
		       0)
			g_handle(g, &h, buf, n);
		for (int i = 0; i < GMAX; i++)
			if (g->c[i].used)
				g_pump(g, &g->c[i]);
		pthread_mutex_unlock(&g->lock);
	}
	return NULL;
}

/* The guest connects to host port `hport` and sends `total` bytes. */
static struct gconn *guest_connect(struct fguest *g, uint32_t hport,
				   uint64_t total)
{
	struct gconn *c;

	pthread_mutex_lock(&g->lock);
	c = g_alloc(g);
	c->gport = g->next_port++;
	c->hport = hport;
	c->st = G_CONNECTING;
	c->role = G_SOURCE;
	c->total = total;
	c->tx_hash = FNV0;
	g_send(g, c, VIRTIO_VSOCK_OP_REQUEST, 0, NULL, 0);
	pthread_mutex_unlock(&g->lock);
	g_notify(g);
	return c;
}

static bool guest_wait(struct fguest *g, struct gconn *c, int ms)
{
	bool done = false;

	for (int i = 0; i < ms && !done; i++) {
		pthread_mutex_lock(&g->lock);
		done = c->done;
		pthread_mutex_unlock(&g->lock);
		if (!done)
			usleep(1000);
	}
	return done;
}

/* ---- fixture: loop + engine on a UDS + fake guest ---- */

struct fx {
	struct looper lp;
	struct fguest g;
	char dir[64], uds[128];
	struct vsock_params p;
};

static void log_cb(void *opaque, enum charlie_log_level lvl, const char *line)
{
	(void)opaque;
	(void)lvl;
	(void)line;
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/charlie-vsock-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->uds, sizeof(f->uds), "%s/v.sock", f->dir);
	looper_start(&f->lp);
	f->g.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&f->g.lock, NULL);
	f->g.next_port = 50000;
	f->p.guest_cid = GUEST_CID;
	f->p.uds = f->uds;
	f->p.notify = g_notify;
	f->p.log = log_cb;
	f->p.opaque = &f->g;
	assert_int_equal(vsock_engine_new(&f->lp.loop, &f->p, &f->g.e), 0);
	assert_int_equal(pthread_create(&f->g.th, NULL, guest_main, &f->g), 0);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	struct vsock_stats st;

	pthread_mutex_lock(&f->g.lock);
	f->g.stop = true;
	pthread_mutex_unlock(&f->g.lock);
	g_notify(&f->g);
	pthread_join(f->g.th, NULL);
	looper_stop(&f->lp);
	vsock_get_stats(f->g.e, &st);
	assert_true(st.peak_buffered <=
		    (uint64_t)VSOCK_DEF_MAX_CONNS * VSOCK_DEF_BUF_ALLOC);
	assert_int_equal(f->g.credit_violations, 0);
	assert_int_equal(f->g.bad_from_host, 0);
	vsock_engine_free(f->g.e);
	assert_int_equal(access(f->uds, F_OK), -1); /* socket file removed */
	loop_free(&f->lp.loop);
	close(f->g.efd);
	pthread_mutex_destroy(&f->g.lock);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int uds_connect(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static int uds_listen(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 256), 0);
	return fd;
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		assert_true(w > 0);
		p += w;
		n -= (size_t)w;
	}
}

/* Reads a line (up to '\n'), byte by byte: nothing after it. */
static ssize_t read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, 1);

		if (r <= 0)
			return r < 0 ? -1 : (ssize_t)n;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = 0;
	return (ssize_t)n;
}

static int host_connect(struct fx *f, uint32_t port, uint32_t *hport)
{
	char line[64];
	int fd = uds_connect(f->uds);

	dprintf(fd, "CONNECT %u\n", port);
	if (read_line(fd, line, sizeof(line)) <= 0 ||
	    sscanf(line, "OK %u\n", hport) != 1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends n pattern bytes, half-closes, reads the guest's (count, hash). */
static void host_send_check(int fd, uint64_t n)
{
	uint64_t h = FNV0, cnt, hash, off = 0;
	uint8_t reply[16];
	size_t got = 0;

	while (off < n) {
		size_t o = off % PATTERN_LEN, k = PATTERN_LEN - o;

		if (k > n - off)
			k = n - off;
		write_all(fd, pattern + o, k);
		h = fnv(h, pattern + o, k);
		off += k;
	}
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	while (got < 16) {
		ssize_t r = read(fd, reply + got, 16 - got);

		assert_true(r > 0);
		got += (size_t)r;
	}
	memcpy(&cnt, reply, 8);
	memcpy(&hash, reply + 8, 8);
	assert_int_equal(cnt, n);
	assert_int_equal(hash, h);
	assert_int_equal(read(fd, reply, 1), 0); /* then EOF: guest closed */
}

/* Reads to EOF, then answers (count, hash) on the same stream. */
static void host_recv_reply(int fd, uint64_t want)
{
	static uint8_t buf[1 << 16];
	uint64_t h = FNV0, n = 0;
	uint8_t reply[16];
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		h = fnv(h, buf, (size_t)r);
		n += (uint64_t)r;
	}
	assert_int_equal(r, 0);
	assert_int_equal(n, want);
	memcpy(reply, &n, 8);
	memcpy(reply + 8, &h, 8);
	write_all(fd, reply, 16); /* the guest half-closed only its side */
}

/* ---- the cases ---- */

static void test_host_to_guest_64m(void **state)
{
	struct fx *f = *state;
	uint32_t hport = 0;
	uint64_t t0;
	int fd = host_connect(f, SINK_PORT, &hport);

	assert_true(fd >= 0);
	assert_true(hport >= VSOCK_EPHEMERAL_BASE);
	t0 = now_ns();
	host_send_check(fd, BIG);
	print_message("# host -> guest 64 MiB via CONNECT: %.0f MB/s\n",
		      (double)BIG / ((double)(now_ns() - t0) / 1e9) / 1e6);
	close(fd);
}

static void test_guest_to_host_64m(void **state)
{
	struct fx *f = *state;
	char path[160];
	struct gconn *c;
	uint64_t t0;
	int lfd, fd;

	snprintf(path, sizeof(path), "%s_5000", f->uds);
	lfd = uds_listen(path);
	t0 = now_ns();
	c = guest_connect(&f->g, 5000, BIG);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	host_recv_reply(fd, BIG);
	print_message("# guest -> host 64 MiB via PATH_5000: %.0f MB/s\n",
		      (double)BIG / ((double)(now_ns() - t0) / 1e9) / 1e6);
	assert_true(guest_wait(&f->g, c, 20000));
	assert_true(c->ok);
	assert_false(c->refused);
	close(fd);
	close(lfd);
	unlink(path);
}

static void test_100_connections(void **state)
{
	struct fx *f = *state;
	enum { N = 100, SZ = 64 << 10 };
	struct gconn *gc[N];
	int fds[N], lfd;
	char path[160];
	uint32_t hport;

	/* host -> guest: all open at once, then all transfer */
	for (int i = 0; i < N; i++) {
		fds[i] = host_connect(f, SINK_PORT, &hport);
		assert_true(fds[i] >= 0);
	}
	for (int i = 0; i < N; i++)
		host_send_check(fds[i], SZ + (uint64_t)i);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	/* guest -> host: 100 at once to one PATH_P listener */
	snprintf(path, sizeof(path), "%s_5001", f->uds);
	lfd = uds_listen(path);
	for (int i = 0; i < N; i++)
		gc[i] = guest_connect(&f->g, 5001, SZ);
	for (int i = 0; i < N; i++) {
		fds[i] = accept(lfd, NULL, NULL);
		assert_true(fds[i] >= 0);
	}
	for (int i = 0; i < N; i++)
		host_recv_reply(fds[i], SZ);
	for (int i = 0; i < N; i++) {
		assert_true(guest_wait(&f->g, gc[i], 10000));
		assert_true(gc[i]->ok);
		close(fds[i]);
	}
	close(lfd);
	unlink(path);
}

static void test_refused_both_sides(void **state)
{
	struct fx *f = *state;
	struct vsock_stats st;
	struct gconn *c;
	uint32_t hport;
	char b;
	int fd;

	/* host -> a guest port nobody listens on: closed, no OK line */
	fd = uds_connect(f->uds);
	dprintf(fd, "CONNECT %u\n", DEAD_PORT);
	assert_int_equal(read(fd, &b, 1), 0);
	close(fd);
	/* a bad command: closed too */
	fd = uds_connect(f->uds);
	dprintf(fd, "HELLO\n");
	assert_int_equal(read(fd, &b, 1), 0);
	close(fd);
	/* guest -> a host port without a PATH_P listener: RST */
	c = guest_connect(&f->g, 6000, 10);
	assert_true(guest_wait(&f->g, c, 5000));
	assert_true(c->refused);
	/* and the engine still works */
	fd = host_connect(f, SINK_PORT, &hport);
	assert_true(fd >= 0);
	host_send_check(fd, 1000);
	close(fd);
	vsock_get_stats(f->g.e, &st);
	assert_true(st.refused >= 2);
}

static void test_library_connect(void **state)
{
	struct fx *f = *state;
	int fd = -1;

	assert_int_equal(vsock_connect(f->g.e, SINK_PORT, &fd), 0);
	assert_true(fd >= 0);
	host_send_check(fd, 1 << 20);
	close(fd);
	assert_int_equal(vsock_connect(f->g.e, DEAD_PORT, &fd), -ECONNREFUSED);
	assert_int_equal(fd, -1);
}

struct accepted {
	pthread_mutex_t lock;
	int fd;
	uint32_t port;
};

static void on_accept(void *opaque, int fd, uint32_t guest_port)
{
	struct accepted *a = opaque;

	pthread_mutex_lock(&a->lock);
	a->fd = fd;
	a->port = guest_port;
	pthread_mutex_unlock(&a->lock);
}

static void test_library_listen(void **state)
{
	struct fx *f = *state;
	struct accepted a = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};
	struct gconn *c;
	int fd = -1;

	assert_int_equal(vsock_listen(f->g.e, 7000, on_accept, &a), 0);
	assert_int_equal(vsock_listen(f->g.e, 7000, on_accept, &a),
			 -EADDRINUSE);
	c = guest_connect(&f->g, 7000, 300000);
	for (int i = 0; i < 5000 && fd < 0; i++) {
		pthread_mutex_lock(&a.lock);
		fd = a.fd;
		pthread_mutex_unlock(&a.lock);
		if (fd < 0)
			usleep(1000);
	}
	assert_true(fd >= 0);
	assert_int_equal(a.port, c->gport);
	host_recv_reply(fd, 300000);
	assert_true(guest_wait(&f->g, c, 5000));
	assert_true(c->ok);
	close(fd);
	assert_int_equal(vsock_listen(f->g.e, 7000, NULL, NULL), 0);
	c = guest_connect(&f->g, 7000, 1); /* no listener now: refused */
	assert_true(guest_wait(&f->g, c, 5000));
	assert_true(c->refused);
}

/* ---- a hostile guest, packet by packet ---- */

struct hx {
	struct looper lp;
	struct vsock_engine *e;
	struct vsock_params p;
	char dir[64], uds[128], path[160];
	int lfd; /* "<uds>_80": accepts, reads only when told */
};

static int hx_setup(void **state)
{
	struct hx *x = calloc(1, sizeof(*x));

	snprintf(x->dir, sizeof(x->dir), "/tmp/charlie-vsock-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->uds, sizeof(x->uds), "%s/v.sock", x->dir);
	snprintf(x->path, sizeof(x->path), "%s_80", x->uds);
	x->lfd = uds_listen(x->path);
	fcntl(x->lfd, F_SETFL, O_NONBLOCK);
	looper_start(&x->lp);
	x->p.guest_cid = GUEST_CID;
	x->p.uds = x->uds;
	x->p.max_conns = 8;
	x->p.buf_alloc = 4096;
	x->p.connect_timeout_ms = 300;
	x->p.log = log_cb;
	assert_int_equal(vsock_engine_new(&x->lp.loop, &x->p, &x->e), 0);
	*state = x;
	return 0;
}

static int hx_teardown(void **state)
{
	struct hx *x = *state;

	looper_stop(&x->lp);
	vsock_engine_free(x->e);
	loop_free(&x->lp.loop);
	close(x->lfd);
	unlink(x->path);
	rmdir(x->dir);
	free(x);
	return 0;
}

struct raw {
	uint64_t src_cid, dst_cid;
	uint32_t sport, dport, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

static int raw_send(struct vsock_engine *e, const struct raw *r,
		    const uint8_t *p, size_t n)
{
	struct virtio_vsock_hdr h = {
		.src_cid = htole64(r->src_cid),
		.dst_cid = htole64(r->dst_cid),
		.src_port = htole32(r->sport),
		.dst_port = htole32(r->dport),
		.len = htole32(r->len),
		.type = htole16(r->type),
		.op = htole16(r->op),
		.flags = htole32(r->flags),
		.buf_alloc = htole32(r->buf_alloc),
		.fwd_cnt = htole32(r->fwd_cnt),
	};

	return vsock_rx_from_guest(e, &h, p, n);
}

static struct raw pkt(uint16_t op, uint32_t sport, uint32_t dport)
{
	return (struct raw){GUEST_CID, VSOCK_CID_HOST,
			    sport,     dport,
			    0,	       VIRTIO_VSOCK_TYPE_STREAM,
			    op,	       0,
			    1 << 20,   0};
}

/* Pulls every packet; returns how many, counting ops and RW bytes. */
static int pull(struct vsock_engine *e, unsigned int *ops, uint64_t *bytes)
{
	static uint8_t buf[RX_CAP];
	struct virtio_vsock_hdr h;
	ssize_t n;
	int cnt = 0;

	while ((n = vsock_next_for_guest(e, &h, buf, sizeof(buf))) >= 0) {
		unsigned int op = le16toh(h.op);

		assert_int_equal(le32toh(h.len), n);
		if (ops && op < 8)
			ops[op]++;
		if (bytes)
			*bytes += (uint64_t)n;
		cnt++;
	}
	return cnt;
}

/* Pulls until `want` RW bytes came (the loop thread sees EPOLLIN when
 * it gets to it), at most 5 s. */
static void pull_until(struct vsock_engine *e, uint64_t *bytes, uint64_t want)
{
	for (int i = 0; i < 5000 && *bytes < want; i++) {
		pull(e, NULL, bytes);
		if (*bytes < want)
			usleep(1000);
	}
}

static void test_hostile_malformed(void **state)
{
	struct hx *x = *state;
	static uint8_t big[VSOCK_MAX_PAYLOAD + 16];
	unsigned int ops[8] = {0};
	struct vsock_stats st;
	struct raw r;

	/* a length past the payload present */
	r = pkt(VIRTIO_VSOCK_OP_RW, 1, 80);
	r.len = 100;
	assert_int_equal(raw_send(x->e, &r, big, 10), 0);
	r.len = 0xffffffff;
	assert_int_equal(raw_send(x->e, &r, big, 10), 0);
	/* more than any packet may carry, even when present */
	r.len = VSOCK_MAX_PAYLOAD + 1;
	assert_int_equal(raw_send(x->e, &r, big, sizeof(big)), 0);
	/* unknown ops, a non-stream type */
	for (unsigned int op = 8; op < 12; op++) {
		r = pkt((uint16_t)op, 2, 80);
		assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
	}
	r = pkt(0, 2, 80);
	assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
	r = pkt(VIRTIO_VSOCK_OP_REQUEST, 3, 80);
	r.type = 2; /* SEQPACKET: not offered */
	assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
	/* bad CIDs: a forged source is dropped silently, a foreign
	 * destination gets RST, the reserved upper 32 bits are checked */
	r = pkt(VIRTIO_VSOCK_OP_REQUEST, 4, 80);
	r.src_cid = 7;
	assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
	r.src_cid = GUEST_CID | (1ull << 32);
	assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
	r = pkt(VIRTIO_VSOCK_OP_REQUEST, 5, 80);
	r.dst_cid = 3;
	assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
	/* packets for connections that do not exist */
	r = pkt(VIRTIO_VSOCK_OP_RW, 6, 80);
	r.len = 3;
	assert_int_equal(raw_send(x->e, &r, big, 3), 0);
	r = pkt(VIRTIO_VSOCK_OP_RST, 7, 80); /* never answered */
	assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
	pull(x->e, ops, NULL);
	/* 3 length + 5 op + 1 type + 1 dst CID + 1 stray RW */
	assert_int_equal(ops[VIRTIO_VSOCK_OP_RST], 11);
	assert_int_equal(ops[VIRTIO_VSOCK_OP_RESPONSE], 0);
	vsock_get_stats(x->e, &st);
	assert_int_equal(st.conns, 0);
	assert_true(st.bad_packets >= 12);
}

/* A guest connection to the "<uds>_80" listener: returns the host fd. */
static int hostile_open(struct hx *x, uint32_t sport, uint32_t buf_alloc)
{
	unsigned int ops[8] = {0};
	struct raw r = pkt(VIRTIO_VSOCK_OP_REQUEST, sport, 80);
	int fd;

	r.buf_alloc = buf_alloc;
	assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
	pull(x->e, ops, NULL);
	assert_int_equal(ops[VIRTIO_VSOCK_OP_RESPONSE], 1);
	fd = accept4(x->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	assert_true(fd >= 0);
	return fd;
}

static void test_hostile_credit(void **state)
{
	struct hx *x = *state;
	static uint8_t data[1 << 20], sink[1 << 16];
	unsigned int ops[8] = {0};
	struct vsock_stats st;
	uint64_t bytes = 0, total = 0, bad;
	struct raw r;
	ssize_t w;
	int fd, fd2;

	/* guest -> host past the credit: the host program does not read,
	 * so the engine holds at most buf_alloc (4096) and then resets */
	fd = hostile_open(x, 100, 0);
	vsock_get_stats(x->e, &st);
	bad = st.bad_packets;
	for (int i = 0; i < 2000 && st.bad_packets == bad; i++) {
		r = pkt(VIRTIO_VSOCK_OP_RW, 100, 80);
		r.len = 4096;
		assert_int_equal(raw_send(x->e, &r, data, 4096), 0);
		vsock_get_stats(x->e, &st);
		assert_true(st.buffered <= 4096);
	}
	assert_int_equal(st.bad_packets, bad + 1);
	pull(x->e, ops, NULL);
	assert_int_equal(ops[VIRTIO_VSOCK_OP_RST], 1);
	vsock_get_stats(x->e, &st);
	assert_int_equal(st.conns, 0); /* reset for sending past credit */
	assert_int_equal(st.buffered, 0);
	close(fd);

	/* host -> guest with a guest that claims 1000 bytes of buffer and
	 * never returns credit: exactly 1000 bytes leave the host socket */
	fd = hostile_open(x, 101, 1000);
	while ((w = write(fd, data, sizeof(data))) > 0)
		total += (uint64_t)w;
	assert_true(total > 1000);
	pull_until(x->e, &bytes, 1000); /* once the loop saw EPOLLIN */
	usleep(20000);
	pull(x->e, NULL, &bytes);
	assert_int_equal(bytes, 1000);
	assert_false(vsock_has_work(x->e));
	/* ... and one that claims 4 GiB: the engine reads only into the
	 * guest's own RX buffers, it never buffers host data itself */
	fd2 = hostile_open(x, 102, 0xffffffff);
	assert_true(write(fd2, data, sizeof(data)) > 0);
	bytes = 0;
	pull_until(x->e, &bytes, 1);
	vsock_get_stats(x->e, &st);
	assert_int_equal(st.buffered, 0);
	assert_true(st.peak_ring_alloc <= (uint64_t)x->p.max_conns * 4096);
	/* a fwd_cnt ahead of what was sent (credit from nowhere): none */
	r = pkt(VIRTIO_VSOCK_OP_CREDIT_UPDATE, 101, 80);
	r.buf_alloc = 1000;
	r.fwd_cnt = 5000;
	assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
	bytes = 0;
	pull(x->e, NULL, &bytes);
	assert_int_equal(bytes, 0);
	/* honest credit back: data flows again */
	r.fwd_cnt = 1000;
	assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
	pull_until(x->e, &bytes, 1000);
	assert_int_equal(bytes, 1000);
	while (read(fd2, sink, sizeof(sink)) > 0)
		;
	close(fd);
	close(fd2);
}

static void test_hostile_flood(void **state)
{
	struct hx *x = *state;
	static const uint8_t msg[] = "still working";
	unsigned int ops[8] = {0};
	struct vsock_stats st;
	int again = 0, fds[8], nf = 0, fd;
	char buf[32];
	struct raw r;

	/* one honest connection first */
	fd = hostile_open(x, 9, 0);
	/* 10000 REQUESTs, nobody pulling the replies: the engine holds at
	 * most max_conns connections and 64 pending RSTs, then says stop */
	for (uint32_t p = 10000; p < 20000; p++) {
		r = pkt(VIRTIO_VSOCK_OP_REQUEST, p, 80);
		if (raw_send(x->e, &r, NULL, 0) == -EAGAIN) {
			again++;
			assert_false(vsock_tx_ready(x->e));
			pull(x->e, ops, NULL); /* the device drains RX */
			assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
		}
		vsock_get_stats(x->e, &st);
		assert_true(st.conns <= x->p.max_conns);
	}
	pull(x->e, ops, NULL);
	assert_true(again > 0);
	vsock_get_stats(x->e, &st);
	assert_true(st.peak_conns <= x->p.max_conns);
	assert_true(ops[VIRTIO_VSOCK_OP_RST] >= 10000 - x->p.max_conns);
	print_message("# flood: peak %u connections, %llu bytes buffered at "
		      "most; bound %llu bytes\n",
		      st.peak_conns, (unsigned long long)st.peak_buffered,
		      (unsigned long long)vsock_memory_bound(&x->p));
	/* the honest connection still carries data */
	r = pkt(VIRTIO_VSOCK_OP_RW, 9, 80);
	r.len = sizeof(msg);
	assert_int_equal(raw_send(x->e, &r, msg, sizeof(msg)), 0);
	{
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		assert_int_equal(poll(&pfd, 1, 5000), 1);
	}
	assert_int_equal(read(fd, buf, sizeof(buf)), sizeof(msg));
	assert_string_equal(buf, msg);
	close(fd);
	while (nf < 8 && (fds[nf] = accept4(x->lfd, NULL, NULL,
					    SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0)
		nf++;
	while (nf)
		close(fds[--nf]);
}

struct late_pull {
	struct vsock_engine *e;
	unsigned int ops[8];
};

static void *late_pull_main(void *arg)
{
	struct late_pull *lp = arg;

	usleep(50000);
	pull(lp->e, lp->ops, NULL);
	return NULL;
}

static void test_hostile_protocol(void **state)
{
	struct hx *x = *state;
	unsigned int ops[8] = {0};
	struct vsock_stats st;
	struct raw r;
	int fd, lfd;

	/* a REQUEST for a connection that exists resets it */
	fd = hostile_open(x, 20, 0);
	r = pkt(VIRTIO_VSOCK_OP_REQUEST, 20, 80);
	assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
	pull(x->e, ops, NULL);
	assert_int_equal(ops[VIRTIO_VSOCK_OP_RST], 1);
	close(fd);
	/* a RESPONSE nobody asked for: RST */
	r = pkt(VIRTIO_VSOCK_OP_RESPONSE, 21, 80);
	assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
	memset(ops, 0, sizeof(ops));
	pull(x->e, ops, NULL);
	assert_int_equal(ops[VIRTIO_VSOCK_OP_RST], 1);
	/* data after its own SHUTDOWN(SEND): reset */
	fd = hostile_open(x, 22, 0);
	r = pkt(VIRTIO_VSOCK_OP_SHUTDOWN, 22, 80);
	r.flags = VIRTIO_VSOCK_SHUTDOWN_SEND | 0xfffffff0u; /* junk bits */
	assert_int_equal(raw_send(x->e, &r, NULL, 0), 0);
	r = pkt(VIRTIO_VSOCK_OP_RW, 22, 80);
	r.len = 1;
	assert_int_equal(raw_send(x->e, &r, (const uint8_t *)"x", 1), 0);
	memset(ops, 0, sizeof(ops));
	pull(x->e, ops, NULL);
	assert_int_equal(ops[VIRTIO_VSOCK_OP_RST], 1);
	close(fd);
	/* library connect to a guest that never answers: times out, and
	 * the engine tells the guest (RST) */
	lfd = -1;
	assert_int_equal(vsock_connect(x->e, 99, &lfd), -ETIMEDOUT);
	assert_int_equal(lfd, -1);
	memset(ops, 0, sizeof(ops));
	pull(x->e, ops, NULL); /* never pulled: the guest never heard */
	assert_int_equal(ops[VIRTIO_VSOCK_OP_REQUEST], 0);
	assert_int_equal(ops[VIRTIO_VSOCK_OP_RST], 0);
	/* the guest took the REQUEST and never answered: RST after */
	{
		pthread_t th;
		struct late_pull lp = {.e = x->e};

		pthread_create(&th, NULL, late_pull_main, &lp);
		assert_int_equal(vsock_connect(x->e, 99, &lfd), -ETIMEDOUT);
		pthread_join(th, NULL);
		assert_int_equal(lp.ops[VIRTIO_VSOCK_OP_REQUEST], 1);
	}
	pull(x->e, ops, NULL);
	assert_int_equal(ops[VIRTIO_VSOCK_OP_RST], 1);
	vsock_get_stats(x->e, &st);
	assert_int_equal(st.conns, 0);
	/* device reset: every connection dropped, the event is 4 bytes */
	fd = hostile_open(x, 23, 0);
	vsock_engine_reset(x->e);
	vsock_get_stats(x->e, &st);
	assert_int_equal(st.conns, 0);
	{
		char b;
		uint8_t ev[4];

		assert_int_equal(read(fd, &b, 1), 0);
		assert_int_equal(vsock_transport_reset_event(ev, 4), 4);
		assert_int_equal(ev[0] | ev[1] | ev[2] | ev[3], 0);
		assert_int_equal(vsock_transport_reset_event(ev, 3), 0);
	}
	close(fd);
}

/* ---- creation: uds files, CIDs, the device entry ---- */

static void test_uds_stale_and_live(void **state)
{
	struct looper lp;
	struct vsock_engine *e, *e2;
	struct vsock_params p = {.guest_cid = GUEST_CID};
	char dir[64] = "/tmp/charlie-vsock-XXXXXX", path[96];
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	/* a stale socket: bound, then closed without unlink */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	close(fd);
	assert_int_equal(vsock_uds_probe(path), 1);
	looper_start(&lp);
	p.uds = path;
	assert_int_equal(vsock_engine_new(&lp.loop, &p, &e), 0);
	/* now live: a second engine is refused */
	assert_int_equal(vsock_uds_probe(path), -EADDRINUSE);
	assert_int_equal(vsock_engine_new(&lp.loop, &p, &e2), -EADDRINUSE);
	looper_stop(&lp);
	vsock_engine_free(e);
	assert_int_equal(vsock_uds_probe(path), 0);
	p.guest_cid = 2;
	assert_int_equal(vsock_engine_new(&lp.loop, &p, &e2), -EINVAL);
	loop_free(&lp.loop);
	rmdir(dir);
}

static void test_device_cid_in_use(void **state)
{
	struct fake_host *a = fake_host_new(), *b = fake_host_new();
	struct charlie_error err = {0};
	void *sa = NULL, *sb = NULL;

	a->cfg.vsock.cid = b->cfg.vsock.cid = 77;
	assert_int_equal(vsock_dev_ops.count(&a->cfg), 1);
	assert_int_equal(vsock_dev_ops.create(&a->h, NULL, 0, &sa, &err), 0);
	assert_non_null(a->h.vsock);
	assert_true(vsock_dev_ops.create(&b->h, NULL, 0, &sb, &err) < 0);
	assert_int_equal(err.code, CHARLIE_E_VSOCK_CID_IN_USE);
	assert_string_equal(charlie_err_name(err.code), "vsock-cid-in-use");
	vsock_dev_ops.destroy(sa);
	assert_null(a->h.vsock);
	/* released: the CID can be used again */
	assert_int_equal(vsock_dev_ops.create(&b->h, NULL, 0, &sb, &err), 0);
	vsock_dev_ops.destroy(sb);
	/* no vsock configured: no instance */
	b->cfg.vsock.cid = 0;
	assert_int_equal(vsock_dev_ops.count(&b->cfg), 0);
	fake_host_free(a);
	fake_host_free(b);
}

/* The public API on real VMs (a tiny kernel; the VM is not started). */
static void test_vm_api(void **state)
{
	const char *b = getenv("CHARLIE_BUILD");
	char kernel[256], dir[64] = "/tmp/charlie-vsock-XXXXXX", uds[96],
			  uds2[96];
	struct charlie_vm *vm = NULL, *vm2 = NULL;
	struct charlie_error err = {0};
	struct charlie_config cfg;
	struct accepted a = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};
	int fd, kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	snprintf(kernel, sizeof(kernel), "%s/tests/kernels/hello.elf",
		 b ? b : "build");
	if (kvm < 0 || access(kernel, R_OK)) {
		print_message("# needs /dev/kvm and %s\n", kernel);
		if (kvm >= 0)
			close(kvm);
		skip();
	}
	close(kvm);
	assert_non_null(mkdtemp(dir));
	snprintf(uds, sizeof(uds), "%s/a.sock", dir);
	snprintf(uds2, sizeof(uds2), "%s/b.sock", dir);
	charlie_config_init(&cfg);
	cfg.kernel = kernel;
	cfg.memory = 64 << 20;
	/* no vsock device: no engine */
	assert_int_equal(charlie_vm_create(&cfg, NULL, &vm, &err), 0);
	assert_int_equal(charlie_vm_vsock_connect(vm, 5, &fd), -ENODEV);
	assert_int_equal(charlie_vm_vsock_listen(vm, 5, on_accept, &a),
			 -ENODEV);
	charlie_vm_destroy(vm);
	cfg.vsock.cid = 3;
	cfg.vsock.uds = uds;
	assert_int_equal(charlie_config_validate(&cfg, &err), 0);
	assert_int_equal(charlie_vm_create(&cfg, NULL, &vm, &err), 0);
	assert_int_equal(access(uds, F_OK), 0);
	assert_int_equal(charlie_vm_vsock_listen(vm, 5, on_accept, &a), 0);
	assert_int_equal(charlie_vm_vsock_connect(vm, 5, &fd), -ENOTCONN);
	assert_int_equal(fd, -1);
	/* a second VM: the same CID, then the same (live) uds */
	cfg.vsock.uds = uds2;
	assert_true(charlie_vm_create(&cfg, NULL, &vm2, &err) < 0);
	assert_int_equal(err.code, CHARLIE_E_VSOCK_CID_IN_USE);
	cfg.vsock.cid = 4;
	cfg.vsock.uds = uds;
	assert_int_equal(charlie_config_validate(&cfg, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_VSOCK_UDS_EXISTS);
	assert_true(charlie_vm_create(&cfg, NULL, &vm2, &err) < 0);
	assert_int_equal(err.code, CHARLIE_E_VSOCK_UDS_EXISTS);
	charlie_vm_destroy(vm);
	assert_int_equal(access(uds, F_OK), -1); /* removed */
	/* both free again */
	assert_int_equal(charlie_vm_create(&cfg, NULL, &vm2, &err), 0);
	charlie_vm_destroy(vm2);
	rmdir(dir);
}

static void test_memory_bound_figure(void **state)
{
	struct vsock_params p = {0};
	uint64_t b = vsock_memory_bound(&p);

	/* the defaults: 256 connections x 128 KiB, plus per-connection
	 * bookkeeping: a little over 32 MiB whatever the guest does */
	print_message("# default memory bound: %.1f MiB\n",
		      (double)b / (1 << 20));
	assert_true(b >= (uint64_t)VSOCK_DEF_MAX_CONNS * VSOCK_DEF_BUF_ALLOC);
	assert_true(b < (33ull << 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_host_to_guest_64m,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_guest_to_host_64m,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_100_connections, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_refused_both_sides,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_library_connect, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_library_listen, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_malformed,
						hx_setup, hx_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_credit, hx_setup,
						hx_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_flood, hx_setup,
						hx_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_protocol, hx_setup,
						hx_teardown),
		cmocka_unit_test(test_uds_stale_and_live),
		cmocka_unit_test(test_device_cid_in_use),
		cmocka_unit_test(test_vm_api),
		cmocka_unit_test(test_memory_bound_figure),
	};

	pattern = malloc(PATTERN_LEN);
	srand(1);
	for (size_t i = 0; i < PATTERN_LEN; i++)
		pattern[i] = (uint8_t)rand();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
