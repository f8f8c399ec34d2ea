// SPDX-License-Identifier: MIT
/*
 * The host side of the vsock engine: Firecracker's UNIX-socket convention
 * ("CONNECT <port>\n" on `uds`, "OK <host-port>\n" back; guest connections
 * to port P reach "<uds>_P"), library socketpairs, and the non-blocking
 * I/O on every host fd, driven by the event loop (EPOLLOUT backpressure).
 */
#include "vsock_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- guest -> host data ---- */

static void ring_put(struct vsock_engine *e, struct vsock_conn *c,
		     const uint8_t *p, size_t len)
{
	uint32_t size = c->buf_alloc, tail, first;

	if (!c->ring) {
		c->ring = malloc(size);
		if (!c->ring) {
			conn_reset(e, c);
			return;
		}
		c->ring_head = c->ring_len = 0;
		e->st.ring_alloc += size;
		if (e->st.ring_alloc > e->st.peak_ring_alloc)
			e->st.peak_ring_alloc = e->st.ring_alloc;
	}
	/* on_rw checked the credit: ring_len + len <= buf_alloc */
	tail = (c->ring_head + c->ring_len) % size;
	first = size - tail < len ? size - tail : (uint32_t)len;
	memcpy(c->ring + tail, p, first);
	memcpy(c->ring, p + first, len - first);
	c->ring_len += (uint32_t)len;
	e->st.buffered += len;
	if (e->st.buffered > e->st.peak_buffered)
		e->st.peak_buffered = e->st.buffered;
}

/* The host program reads no more: what the guest sends is dropped (and
 * credited, so it is not stuck), and the guest is told. */
static void write_side_dead(struct vsock_engine *e, struct vsock_conn *c)
{
	c->wr_dead = true;
	c->fwd_cnt += c->ring_len;
	e->st.buffered -= c->ring_len;
	c->ring_len = c->ring_head = 0;
	if (!(c->our_shut & VIRTIO_VSOCK_SHUTDOWN_RCV)) {
		c->our_shut |= VIRTIO_VSOCK_SHUTDOWN_RCV;
		c->tx_shutdown = true;
	}
}

void conn_write_host(struct vsock_engine *e, struct vsock_conn *c,
		     const uint8_t *p, size_t len)
{
	ssize_t n = 0;

	if (c->wr_dead || c->fd < 0) {
		c->fwd_cnt += (uint32_t)len;
		return;
	}
	if (!c->ring_len) {
		n = send(c->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			c->fwd_cnt += (uint32_t)len;
			write_side_dead(e, c);
			return;
		}
		if (n < 0)
			n = 0;
		c->fwd_cnt += (uint32_t)n;
	}
	if ((size_t)n < len)
		ring_put(e, c, p + n, len - (size_t)n);
}

void conn_flush(struct vsock_engine *e, struct vsock_conn *c)
{
	while (c->ring_len && !c->wr_dead) {
		uint32_t size = c->buf_alloc;
		uint32_t chunk = size - c->ring_head < c->ring_len
					 ? size - c->ring_head
					 : c->ring_len;
		ssize_t n = send(c->fd, c->ring + c->ring_head, chunk,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n < 0) {
			write_side_dead(e, c);
			break;
		}
		c->ring_head = (c->ring_head + (uint32_t)n) % size;
		c->ring_len -= (uint32_t)n;
		c->fwd_cnt += (uint32_t)n;
		e->st.buffered -= (uint64_t)n;
	}
	conn_maybe_credit(c);
	if (c->ring && !c->ring_len) {
		e->st.ring_alloc -= c->buf_alloc;
		free(c->ring);
		c->ring = NULL;
		c->ring_head = 0;
	}
	if (c->ring_len)
		return;
	/* drained: the guest's half-closes reach the host program now */
	if ((c->guest_shut & VIRTIO_VSOCK_SHUTDOWN_SEND) && !c->fd_shut_wr &&
	    c->fd >= 0) {
		shutdown(c->fd, SHUT_WR);
		c->fd_shut_wr = true;
	}
	if (c->close_after_drain)
		conn_reset(e, c); /* RST ends a connection closed both ways */
}

/* ---- host UDS connections: "CONNECT <port>\n" ---- */

static int parse_connect(const char *s, uint32_t *port)
{
	unsigned long long v = 0;
	const char *p;

	if (strncmp(s, "CONNECT ", 8))
		return -EINVAL;
	for (p = s + 8; *p >= '0' && *p <= '9' && p - s < 20; p++)
		v = v * 10 + (unsigned long long)(*p - '0');
	if (p == s + 8 || v > UINT32_MAX)
		return -EINVAL;
	if (*p == '\r')
		p++;
	if (*p != '\n' || p[1])
		return -EINVAL;
	*port = (uint32_t)v;
	return 0;
}

static void handshake(struct vsock_engine *e, struct vsock_conn *c)
{
	size_t room = sizeof(c->line) - 1 - c->line_len;
	char peek[sizeof(c->line)];
	char *nl;
	ssize_t n;
	size_t take;

	/* peek first: bytes after the newline are the stream's */
	n = recv(c->fd, peek, room, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		goto drop;
	nl = memchr(peek, '\n', (size_t)n);
	take = nl ? (size_t)(nl - peek) + 1 : (size_t)n;
	if (recv(c->fd, c->line + c->line_len, take, MSG_DONTWAIT) !=
	    (ssize_t)take)
		goto drop;
	c->line_len += (unsigned int)take;
	c->line[c->line_len] = 0;
	if (!nl) {
		if (c->line_len >= sizeof(c->line) - 1)
			goto drop; /* no command is that long */
		return;
	}
	if (parse_connect(c->line, &c->peer_port))
		goto drop;
	c->local_port = conn_ephemeral_port(e);
	conn_hash(e, c);
	c->st = CONN_CONNECTING;
	c->tx_request = true;
	c->reply_ok = true;
	conn_update_events(e, c);
	conn_schedule(e, c);
	return;
drop:
	vsock_logf(e, CHARLIE_LOG_DEBUG,
		   "host connection closed before a "
		   "valid CONNECT line");
	conn_free(e, c);
}

static void on_listen(struct vsock_engine *e)
{
	/* a bounded batch per event: the loop stays fair */
	for (int i = 0; i < 64; i++) {
		int fd = accept4(e->listen_fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct vsock_conn *c;

		if (fd < 0)
			return;
		c = conn_new(e, fd);
		if (c)
			c->src = loop_add(e->loop, fd, 0, conn_on_fd, e);
		if (!c || !c->src) {
			if (c)
				conn_free(e, c);
			else
				close(fd);
			e->st.refused++;
			vsock_logf(e, CHARLIE_LOG_WARN,
				   "host connection refused: %u connections "
				   "already",
				   e->nconns);
			continue;
		}
		c->st = CONN_HANDSHAKE;
		conn_update_events(e, c);
	}
}

void conn_on_fd(void *opaque, int fd, uint32_t events)
{
	struct vsock_engine *e = opaque;
	struct vsock_conn *c;

	vsock_lock(e);
	if (fd == e->listen_fd) {
		on_listen(e);
		goto out;
	}
	/* events are hints: the fd may belong to a newer connection now */
	c = conn_by_fd(e, fd);
	if (!c)
		goto out;
	if (c->st == CONN_HANDSHAKE) {
		handshake(e, c);
		goto out;
	}
	if (events & EPOLLERR) {
		conn_reset(e, c);
		goto out;
	}
	if (events & EPOLLHUP) {
		/* both ways shut: epoll would say so forever, so off the
		 * loop; what is left to read is read from next_for_guest */
		if (c->st == CONN_CONNECTING) {
			conn_reset(e, c); /* the host program gave up */
			goto out;
		}
		loop_del(e->loop, c->src);
		c->src = NULL;
		c->ev = 0;
		c->hup = true;
		if (!c->host_eof)
			c->host_readable = true;
		write_side_dead(e, c);
		goto sched;
	}
	if (events & EPOLLIN)
		c->host_readable = true;
	if (events & EPOLLOUT)
		conn_flush(e, c);
	c = conn_by_fd(e, fd); /* conn_flush may have ended it */
	if (!c)
		goto out;
sched:
	conn_update_events(e, c);
	conn_schedule(e, c);
out:
	vsock_unlock(e);
}

/* ---- opening and closing ---- */

static int uds_addr(struct sockaddr_un *a, const char *path, const char *sfx)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if ((size_t)snprintf(a->sun_path, sizeof(a->sun_path), "%s%s", path,
			     sfx) >= sizeof(a->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int vsock_uds_probe(const char *path)
{
	struct sockaddr_un a;
	struct stat st;
	int fd, r;

	if (uds_addr(&a, path, "_4294967295"))
		return -ENAMETOOLONG;
	if (uds_addr(&a, path, ""))
		return -ENAMETOOLONG;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	if (r == 0 || errno == EAGAIN)
		r = -EADDRINUSE; /* someone accepts there: live */
	else if (errno == ECONNREFUSED)
		r = 1; /* stale: nobody listens */
	else
		r = -errno;
	close(fd);
	return r;
}

int host_side_open(struct vsock_engine *e)
{
	struct sockaddr_un a;
	int r;

	if (!e->p.uds)
		return 0;
	r = vsock_uds_probe(e->uds);
	if (r < 0)
		return r;
	if (r == 1 && unlink(e->uds) < 0)
		return -errno;
	uds_addr(&a, e->uds, "");
	e->listen_fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (e->listen_fd < 0)
		return -errno;
	if (bind(e->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto fail;
	if (listen(e->listen_fd, 128) < 0)
		goto fail_unlink;
	e->listen_src = loop_add(e->loop, e->listen_fd, EPOLLIN, conn_on_fd, e);
	if (!e->listen_src)
		goto fail_unlink;
	return 0;
fail_unlink:
	r = -errno;
	unlink(e->uds);
	goto out;
fail:
	r = -errno;
out:
	close(e->listen_fd);
	e->listen_fd = -1;
	return r;
}

void host_side_close(struct vsock_engine *e)
{
	if (e->listen_fd < 0)
		return;
	loop_del(e->loop, e->listen_src);
	e->listen_src = NULL;
	close(e->listen_fd);
	e->listen_fd = -1;
	unlink(e->uds);
}

static int nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

int host_side_accept(struct vsock_engine *e, uint32_t port,
		     struct vsock_listener *l, int *user_fd)
{
	struct sockaddr_un a;
	char sfx[16];
	int sv[2], fd;

	for (unsigned int i = 0; i < e->nlisteners; i++) {
		if (e->listeners[i].port != port)
			continue;
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return -errno;
		if (nonblock(sv[0])) {
			close(sv[0]);
			close(sv[1]);
			return -EIO;
		}
		*l = e->listeners[i];
		*user_fd = sv[1];
		return sv[0];
	}
	if (!e->p.uds)
		return -ECONNREFUSED;
	snprintf(sfx, sizeof(sfx), "_%u", port);
	if (uds_addr(&a, e->uds, sfx))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* AF_UNIX connects at once or fails (EAGAIN: backlog full) */
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* ---- the library API ---- */

int vsock_connect(struct vsock_engine *e, uint32_t port, int *fd_out)
{
	struct vsock_waiter w = {0};
	struct vsock_conn *c;
	struct timespec dl;
	int sv[2], ret;

	*fd_out = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	ret = nonblock(sv[0]);
	if (ret)
		goto fail;
	vsock_lock(e);
	c = conn_new(e, sv[0]);
	if (!c) {
		vsock_unlock(e);
		ret = -EMFILE;
		goto fail;
	}
	c->local_port = conn_ephemeral_port(e);
	c->peer_port = port;
	conn_hash(e, c);
	c->st = CONN_CONNECTING;
	c->tx_request = true;
	c->waiter = &w;
	c->src = loop_add(e->loop, sv[0], 0, conn_on_fd, e);
	if (!c->src) {
		conn_free(e, c); /* closes sv[0] */
		vsock_unlock(e);
		close(sv[1]);
		return -ENOMEM;
	}
	conn_schedule(e, c);
	vsock_unlock(e); /* notifies the device */

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += e->p.connect_timeout_ms / 1000;
	dl.tv_nsec += (long)(e->p.connect_timeout_ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	vsock_lock(e);
	while (!w.done)
		if (pthread_cond_timedwait(&e->cond, &e->lock, &dl) ==
		    ETIMEDOUT)
			break;
	if (!w.done) {
		/* still waiting means still linked to c */
		c->waiter = NULL;
		conn_reset(e, c);
		w.result = -ETIMEDOUT;
	}
	vsock_unlock(e);
	if (w.result) {
		close(sv[1]);
		return w.result;
	}
	*fd_out = sv[1];
	return 0;
fail:
	close(sv[0]);
	close(sv[1]);
	return ret;
}

int vsock_listen(struct vsock_engine *e, uint32_t port, vsock_accept_fn cb,
		 void *opaque)
{
	int ret = 0;
	unsigned int i;

	vsock_lock(e);
	for (i = 0; i < e->nlisteners && e->listeners[i].port != port; i++)
		;
	if (!cb) {
		if (i < e->nlisteners)
			e->listeners[i] = e->listeners[--e->nlisteners];
		else
			ret = -ENOENT;
	} else if (i < e->nlisteners) {
		ret = -EADDRINUSE;
	} else if (e->nlisteners == VSOCK_MAX_LISTEN) {
		ret = -ENOSPC;
	} else {
		e->listeners[e->nlisteners++] =
			(struct vsock_listener){port, cb, opaque};
	}
	vsock_unlock(e);
	return ret;
}
