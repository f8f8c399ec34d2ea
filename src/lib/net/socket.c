// SPDX-License-Identifier: MIT
/*
 * socket=PATH: QEMU's stream netdev protocol (stream.h) over a UNIX stream
 * socket, as passt ("passt --socket PATH") and QEMU's -netdev stream
 * server speak it.  Nonblocking on the event loop: reads go through the
 * framer (a peer's length is never trusted), writes go out at once or
 * wait in a bounded buffer flushed on EPOLLOUT; a frame that does not fit
 * is dropped, as a full wire would.
 */
#include "backend.h"
#include "err.h"
#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define WBUF_SIZE     (512u << 10)
#define READS_PER_RUN 32 /* then back to the loop (level-triggered) */

struct net_socket {
	struct net_backend be;
	int fd;
	struct loop_src *src;
	uint32_t events;
	bool broken;
	struct stream_framer fr;
	size_t roff, rlen;
	uint8_t rbuf[65536];
	size_t woff, wlen; /* pending bytes: wbuf[woff..wlen) */
	uint8_t wbuf[WBUF_SIZE];
};

static void sock_update(struct net_socket *s)
{
	uint32_t ev = 0;

	if (s->broken || !s->src)
		return;
	if (!s->be.paused)
		ev |= EPOLLIN;
	if (s->wlen > s->woff)
		ev |= EPOLLOUT;
	if (ev != s->events && loop_mod(s->be.loop, s->src, ev) == 0)
		s->events = ev;
}

static void sock_break(struct net_socket *s, const char *why, int e)
{
	if (s->broken)
		return;
	s->broken = true;
	net_backend_logf(&s->be, CHARLIE_LOG_WARN,
			 "%s%s%s; the link is down from now on", why,
			 e ? ": " : "", e ? strerror(e) : "");
	loop_del(s->be.loop, s->src);
	s->src = NULL;
}

static void sock_flush(struct net_socket *s)
{
	while (s->wlen > s->woff) {
		ssize_t n = send(s->fd, s->wbuf + s->woff, s->wlen - s->woff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			sock_break(s, "write to the peer failed",
				   n < 0 ? errno : EPIPE);
			return;
		}
		s->woff += (size_t)n;
	}
	if (s->woff == s->wlen)
		s->woff = s->wlen = 0;
}

static int sock_send(struct net_backend *be, const uint8_t *frame, size_t len)
{
	struct net_socket *s = (struct net_socket *)be;
	uint8_t hdr[4];
	size_t need = len + sizeof(hdr), done = 0;

	if (s->broken) {
		be->tx_dropped++;
		return 0;
	}
	stream_put_header(hdr, (uint32_t)len);
	if (s->wlen == s->woff) {
		/* nothing queued: straight to the socket */
		struct iovec iov[2] = {{hdr, sizeof(hdr)},
				       {(void *)frame, len}};
		struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
		ssize_t n;

		do
			n = sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			sock_break(s, "write to the peer failed", errno);
			return 0;
		}
		done = n > 0 ? (size_t)n : 0;
		if (done == need)
			return 0;
	}
	/* the rest (all of it, or what the socket did not take) waits */
	if (s->woff && WBUF_SIZE - s->wlen < need - done) {
		memmove(s->wbuf, s->wbuf + s->woff, s->wlen - s->woff);
		s->wlen -= s->woff;
		s->woff = 0;
	}
	if (WBUF_SIZE - s->wlen < need - done) {
		/* a frame half-written must still be finished, or the stream
		 * would lose its framing; one that never started is dropped */
		if (done == 0) {
			be->tx_dropped++;
			return 0;
		}
		sock_break(s, "the peer does not read", 0);
		return 0;
	}
	for (size_t i = done; i < need; i++)
		s->wbuf[s->wlen++] =
			i < sizeof(hdr) ? hdr[i] : frame[i - sizeof(hdr)];
	sock_update(s);
	return 0;
}

static void sock_rx(struct net_socket *s)
{
	unsigned int reads = 0;

	while (!s->broken) {
		if (s->fr.ready) {
			if (net_backend_deliver(&s->be, s->fr.frame,
						s->fr.len) == -EAGAIN)
				break; /* held in the framer until resume */
			stream_framer_take(&s->fr);
			continue;
		}
		if (s->roff < s->rlen) {
			ssize_t n = stream_framer_feed(
				&s->fr, s->rbuf + s->roff, s->rlen - s->roff);

			if (n < 0) {
				sock_break(s,
					   "the peer sent a frame length of "
					   "0 or above 65553 (not the stream "
					   "protocol?)",
					   0);
				return;
			}
			s->roff += (size_t)n;
			continue;
		}
		if (reads++ >= READS_PER_RUN)
			break;
		ssize_t n = recv(s->fd, s->rbuf, sizeof(s->rbuf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			sock_break(s,
				   n == 0 ? "the peer closed the connection"
					  : "read from the peer failed",
				   n < 0 ? errno : 0);
			return;
		}
		s->roff = 0;
		s->rlen = (size_t)n;
	}
	sock_update(s);
}

static void sock_event(void *opaque, int fd, uint32_t events)
{
	struct net_socket *s = opaque;

	if (events & EPOLLOUT) {
		sock_flush(s);
		sock_update(s);
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		sock_rx(s);
}

static void sock_resume(struct net_backend *be)
{
	sock_rx((struct net_socket *)be);
}

static void sock_close(struct net_backend *be)
{
	struct net_socket *s = (struct net_socket *)be;

	if (s->src)
		loop_del(be->loop, s->src);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

static const struct net_backend_impl socket_impl = {
	.name = "socket",
	.send = sock_send,
	.resume = sock_resume,
	.close = sock_close,
};

int net_socket_open(const struct charlie_net *n, const struct net_backend *base,
		    struct net_backend **out, struct charlie_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct net_socket *s;
	int ret;

	if (strlen(n->target) >= sizeof(sa.sun_path))
		return err_set(err, CHARLIE_E_NET_SOCKET, "net",
			       "net %u: socket %s: path too long",
			       base->nic + 1, n->target);
	memcpy(sa.sun_path, n->target, strlen(n->target) + 1);
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(err, CHARLIE_E_HOST, "net", "out of memory");
	s->be = *base;
	s->be.impl = &socket_impl;
	stream_framer_init(&s->fr);
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		ret = err_set(err, CHARLIE_E_NET_BACKEND, "net",
			      "net %u: socket: %s", base->nic + 1,
			      strerror(errno));
		goto fail;
	}
	/* a blocking connect: a UNIX socket answers at once */
	if (connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = err_set(err, CHARLIE_E_NET_SOCKET, "net",
			      "net %u: socket %s: cannot connect: %s%s",
			      base->nic + 1, n->target, strerror(errno),
			      errno == ECONNREFUSED ? " (is passt running?)"
						    : "");
		goto fail;
	}
	s->events = EPOLLIN;
	s->src = loop_add(base->loop, s->fd, s->events, sock_event, s);
	if (!s->src) {
		ret = err_set(err, CHARLIE_E_HOST, "net",
			      "net %u: event loop: %s", base->nic + 1,
			      strerror(errno));
		goto fail;
	}
	*out = &s->be;
	return 0;
fail:
	sock_close(&s->be);
	return ret;
}
