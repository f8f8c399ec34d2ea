// SPDX-License-Identifier: MIT
/* bingo's HTTP server (see server.h). */
#include "server.h"

#include "http.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/vm_sockets.h>
#include <time.h>
#include <unistd.h>

#define IN_CAP	    (HTTP_MAX_HEADER + 1)
#define OUT_CAP	    1024
#define TAG_LISTEN  SERVER_TAG_BASE
#define TAG_CONN(i) (SERVER_TAG_BASE + 1 + (uint64_t)(i))
#define TAG_VLISTEN TAG_CONN(SERVER_MAX_CONNS)

static const char hello[] = "Hello, World!\n";

static struct {
	int header, idle, write;
} tmo = {SERVER_HEADER_TIMEOUT_MS, SERVER_IDLE_TIMEOUT_MS,
	 SERVER_WRITE_TIMEOUT_MS};

enum conn_state {
	CONN_FREE,
	CONN_OPEN,    /* reading requests, answering */
	CONN_CLOSING, /* last answer sent: SHUT_WR, discarding input */
};

struct conn {
	int fd;
	enum conn_state state;
	bool close_after; /* close once out[] is flushed */
	bool want_out;	  /* EPOLLOUT registered */
	size_t in_len, out_len, out_off;
	size_t skip; /* body bytes still to discard */
	int64_t deadline;
	char peer[LOG_PEER_MAX];
	char in[IN_CAP];
	char out[OUT_CAP];
};

static struct {
	int epfd, lfd, vlfd; /* TCP and AF_VSOCK listeners */
	bool draining;
	unsigned int active;
	uint64_t requests, rng;
	struct conn conns[SERVER_MAX_CONNS];
} srv; /* zero: stays in .bss, not in the file */

static uint64_t next_id(void)
{
	/* splitmix64: unique-looking request ids from one random seed. */
	uint64_t z = (srv.rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void server_http_date(char *buf, unsigned int size, int64_t unix_secs)
{
	static const char days[][4] = {"Sun", "Mon", "Tue", "Wed",
				       "Thu", "Fri", "Sat"};
	static const char months[][4] = {"Jan", "Feb", "Mar", "Apr",
					 "May", "Jun", "Jul", "Aug",
					 "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)unix_secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d GMT",
		 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void set_events(struct conn *c, size_t idx, bool out)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP,
				 .data.u64 = TAG_CONN(idx)};

	if (out == c->want_out)
		return;
	if (out)
		ev.events |= EPOLLOUT;
	epoll_ctl(srv.epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->want_out = out;
}

static void conn_free(struct conn *c)
{
	close(c->fd); /* also removes it from the epoll set */
	c->fd = -1;
	c->state = CONN_FREE;
	srv.active--;
}

static void respond(struct conn *c, int status, bool head, bool keep,
		    const char *body, size_t body_len, const char *extra)
{
	char date[40];
	struct timespec ts;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	server_http_date(date, sizeof(date), ts.tv_sec);
	n = snprintf(c->out + c->out_len, OUT_CAP - c->out_len,
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: text/plain; charset=utf-8\r\n"
		     "Content-Length: %zu\r\n"
		     "Date: %s\r\n"
		     "%s%s\r\n",
		     status, http_reason(status), body_len, date,
		     extra ? extra : "", keep ? "" : "Connection: close\r\n");
	if (n < 0 || (size_t)n >= OUT_CAP - c->out_len)
		return; /* cannot happen: out[] is flushed before each answer */
	c->out_len += (size_t)n;
	if (!head && body_len <= OUT_CAP - c->out_len) {
		memcpy(c->out + c->out_len, body, body_len);
		c->out_len += body_len;
	}
	if (!keep)
		c->close_after = true;
}

static void respond_error(struct conn *c, int status)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", status,
			 http_reason(status));

	respond(c, status, false, false, body, (size_t)n, NULL);
}

static void handle(struct conn *c, const struct http_request *req)
{
	char path[96], method[24], extra[64];
	bool keep = req->keep_alive && !srv.draining;
	const char *ka;
	bool root = req->path_len == 1;

	srv.requests++;
	log_value(path, sizeof(path), req->path, req->path_len);
	log_value(method, sizeof(method), req->method_str, req->method_len);
	log_info("request started",
		 "app.request_id=%016llx app.method=%s app.path=%s "
		 "app.remote_addr=%s",
		 (unsigned long long)next_id(), method, path, c->peer);
	/* HTTP/1.0 clients keep the connection only when told so. */
	ka = keep && req->minor == 0 ? "Connection: keep-alive\r\n" : "";
	if (req->method == HTTP_OTHER) {
		snprintf(extra, sizeof(extra), "Allow: GET, HEAD\r\n%s", ka);
		respond(c, 405, false, keep, "405 method not allowed\n", 23,
			extra);
	} else if (root) {
		respond(c, 200, req->method == HTTP_HEAD, keep, hello,
			sizeof(hello) - 1, ka);
	} else {
		respond(c, 404, req->method == HTTP_HEAD, keep,
			"404 page not found\n", 19, ka);
	}
}

/* Parses and answers what is buffered, one request at a time. */
static void process(struct conn *c, int64_t now)
{
	/* Answers are batched into out[] while another one surely fits. */
	while (c->state == CONN_OPEN && !c->close_after &&
	       (c->out_off == c->out_len || OUT_CAP - c->out_len >= 400)) {
		struct http_request req;
		long r;

		if (c->skip && c->in_len) {
			size_t d = c->skip < c->in_len ? c->skip : c->in_len;

			memmove(c->in, c->in + d, c->in_len - d);
			c->in_len -= d;
			c->skip -= d;
		}
		if (c->skip || !c->in_len)
			break;
		if (c->out_off == c->out_len)
			c->out_len = c->out_off = 0;
		r = http_parse(c->in, c->in_len, &req);
		if (r == 0) {
			if (c->in_len >= IN_CAP)
				respond_error(c, 431); /* parser guards this */
			break;
		}
		if (r < 0) {
			respond_error(c, (int)-r);
			break;
		}
		handle(c, &req);
		memmove(c->in, c->in + r, c->in_len - (size_t)r);
		c->in_len -= (size_t)r;
		c->skip = req.content_length;
		/* The next request's header clock starts now. */
		c->deadline = now + (c->in_len ? tmo.header : tmo.idle);
	}
}

static void flush(struct conn *c, size_t idx, int64_t now)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!c->want_out)
				c->deadline = now + tmo.write;
			set_events(c, idx, true);
			return;
		}
		if (n <= 0) {
			conn_free(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	set_events(c, idx, false);
	if (c->close_after && c->state == CONN_OPEN) {
		/* Lingering close: stop sending, drain input briefly, so a
		 * reset does not destroy the answer (RFC 9112 9.6). */
		shutdown(c->fd, SHUT_WR);
		c->state = CONN_CLOSING;
		c->in_len = 0;
		c->deadline = now + SERVER_LINGER_MS;
	}
}

static void on_readable(struct conn *c, size_t idx, int64_t now)
{
	for (;;) {
		ssize_t n;

		if (c->state == CONN_CLOSING) {
			char sink[4096];

			n = recv(c->fd, sink, sizeof(sink), 0);
			if (n > 0)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			conn_free(c);
			return;
		}
		if (c->in_len >= IN_CAP)
			break; /* full: process() answers 431 */
		n = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, 0);
		if (n > 0) {
			if (c->in_len == 0 && !c->skip)
				c->deadline = now + tmo.header;
			c->in_len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		/* EOF or error: answer what is complete, then close. */
		process(c, now);
		c->close_after = true;
		if (c->out_off == c->out_len) {
			conn_free(c);
			return;
		}
		flush(c, idx, now);
		return;
	}
	process(c, now);
	if (c->state != CONN_FREE)
		flush(c, idx, now);
	/* Pipelined requests left behind by a full out[]: go again. */
	while (c->state == CONN_OPEN && c->in_len && !c->close_after &&
	       c->out_off == c->out_len && !c->want_out) {
		size_t before = c->in_len;

		process(c, now);
		if (c->state != CONN_FREE)
			flush(c, idx, now);
		if (c->state == CONN_FREE || c->in_len == before)
			break;
	}
}

static void on_accept(int lfd, int64_t now)
{
	for (int burst = 0; burst < 64; burst++) {
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);
		struct epoll_event ev;
		struct conn *c = NULL;
		size_t idx;
		int one = 1;
		int fd = accept4(lfd, (struct sockaddr *)&sa, &sl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return; /* EAGAIN, or EMFILE and friends: retry later */
		for (idx = 0; idx < SERVER_MAX_CONNS; idx++) {
			if (srv.conns[idx].state == CONN_FREE) {
				c = &srv.conns[idx];
				break;
			}
		}
		if (!c) {
			close(fd); /* full: the client may retry */
			continue;
		}
		if (lfd == srv.lfd)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
		c->fd = fd;
		c->state = CONN_OPEN;
		c->close_after = c->want_out = false;
		c->in_len = c->out_len = c->out_off = c->skip = 0;
		c->deadline = now + tmo.idle;
		log_peer(c->peer, (struct sockaddr *)&sa, sl);
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.u64 = TAG_CONN(idx);
		if (epoll_ctl(srv.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			c->state = CONN_FREE;
			continue;
		}
		srv.active++;
	}
}

void server_set_timeouts(int header_ms, int idle_ms, int write_ms)
{
	if (header_ms > 0)
		tmo.header = header_ms;
	if (idle_ms > 0)
		tmo.idle = idle_ms;
	if (write_ms > 0)
		tmo.write = write_ms;
}

int server_start(int epfd, uint16_t port, uint64_t seed)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_ANY)};
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_LISTEN};
	int one = 1, fd, err;

	srv.epfd = epfd;
	srv.lfd = srv.vlfd = -1;
	srv.rng = seed;
	for (size_t i = 0; i < SERVER_MAX_CONNS; i++)
		srv.conns[i].fd = -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1024) < 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	srv.lfd = fd;
	return 0;
}

int server_listen_vsock(uint32_t port)
{
	struct sockaddr_vm sa = {.svm_family = AF_VSOCK,
				 .svm_port = port,
				 .svm_cid = VMADDR_CID_ANY};
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_VLISTEN};
	int fd, err;

	fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1024) < 0 ||
	    epoll_ctl(srv.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	srv.vlfd = fd;
	return 0;
}

void server_event(uint64_t tag, uint32_t events, int64_t now_ms)
{
	struct conn *c;
	size_t idx;

	if (tag == TAG_LISTEN || tag == TAG_VLISTEN) {
		int lfd = tag == TAG_LISTEN ? srv.lfd : srv.vlfd;

		if (lfd >= 0)
			on_accept(lfd, now_ms);
		return;
	}
	idx = (size_t)(tag - TAG_CONN(0));
	if (idx >= SERVER_MAX_CONNS)
		return;
	c = &srv.conns[idx];
	if (c->state == CONN_FREE)
		return;
	if (events & EPOLLOUT) {
		flush(c, idx, now_ms);
		if (c->state == CONN_OPEN && c->out_off == c->out_len)
			on_readable(c, idx, now_ms); /* resume pipeline */
	}
	if (c->state != CONN_FREE &&
	    (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		on_readable(c, idx, now_ms);
}

void server_tick(int64_t now_ms)
{
	for (size_t i = 0; i < SERVER_MAX_CONNS; i++) {
		struct conn *c = &srv.conns[i];

		if (c->state == CONN_FREE || now_ms < c->deadline)
			continue;
		if (c->state == CONN_OPEN && c->in_len && !c->close_after &&
		    c->out_off == c->out_len) {
			/* A slow client: say so, then close. */
			c->out_len = c->out_off = 0;
			respond_error(c, 408);
			c->deadline = now_ms + SERVER_LINGER_MS;
			flush(c, i, now_ms);
			continue;
		}
		conn_free(c);
	}
}

unsigned int server_drain(int64_t now_ms)
{
	srv.draining = true;
	if (srv.lfd >= 0) {
		close(srv.lfd);
		srv.lfd = -1;
	}
	if (srv.vlfd >= 0) {
		close(srv.vlfd);
		srv.vlfd = -1;
	}
	for (size_t i = 0; i < SERVER_MAX_CONNS; i++) {
		struct conn *c = &srv.conns[i];

		if (c->state == CONN_FREE)
			continue;
		if (c->state == CONN_OPEN && !c->in_len && !c->skip &&
		    c->out_off == c->out_len) {
			conn_free(c); /* idle keep-alive: nothing in flight */
			continue;
		}
		if (c->deadline > now_ms + SERVER_LINGER_MS)
			c->deadline = now_ms + SERVER_LINGER_MS;
	}
	return srv.active;
}

unsigned int server_active(void)
{
	return srv.active;
}

void server_close_all(void)
{
	for (size_t i = 0; i < SERVER_MAX_CONNS; i++)
		if (srv.conns[i].state != CONN_FREE)
			conn_free(&srv.conns[i]);
}

uint64_t server_requests(void)
{
	return srv.requests;
}
