// SPDX-License-Identifier: MIT
/*
 * loadgen: a small HTTP/1.1 load generator for bingo's tests.  One
 * thread, epoll, non-blocking keep-alive connections, each sending
 * "GET PATH" and checking the answer (status 200 and the expected body)
 * before sending the next.  Bounded by a request count and a time limit.
 *
 *   loadgen -p PORT [-a 127.0.0.1] [-c 50] [-n 10000] [-t 120] [-b BODY]
 *           [-u PATH] [-R: open all connections at once] [-v: say why]
 * Prints one summary line; exits 0 only if every request succeeded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define BUF	  4096

struct conn {
	int fd;
	bool connecting;
	bool warm; /* has had one answer */
	size_t sent, req_len, in_len;
	double started;
	char in[BUF];
};

static struct sockaddr_in addr;
static const char *body = "Hello, World!\n";
static char request[256];
static size_t request_len;
static long issued, done_ok, errors, total;
static double *lat;
static int epfd, verbose, nconns = 50, opened, no_ramp;
static struct conn *conns;
static double last_open;

static void note(const char *what, struct conn *c)
{
	if (verbose)
		fprintf(stderr, "loadgen: fd %d: %s (errno %d, %zu bytes in)\n",
			c->fd, what, errno, c->in_len);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void conn_open(struct conn *c)
{
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		perror("loadgen: socket");
		exit(2);
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 &&
	    errno != EINPROGRESS) {
		perror("loadgen: connect");
		exit(2);
	}
	c->connecting = true;
	c->sent = c->in_len = 0;
	c->req_len = 0;
	epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void conn_reset(struct conn *c)
{
	close(c->fd);
	conn_open(c);
}

/*
 * QEMU's user-mode hostfwd listens with a backlog of 1: a burst of
 * connects overflows the host's accept queue and those connections stall
 * (data never acknowledged, reset a minute later).  So connections are
 * opened one at a time: the next when the previous has had its first
 * answer, or after 200 ms.
 */
static void ramp(void)
{
	if (opened < nconns) {
		conn_open(&conns[opened++]);
		last_open = now();
	}
}

static void next_request(struct conn *c)
{
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};

	if (issued >= total) {
		close(c->fd);
		c->fd = -1;
		return;
	}
	issued++;
	c->req_len = request_len;
	c->sent = 0;
	c->in_len = 0;
	c->started = now();
	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* 1 complete and good, 0 need more, -1 bad. */
static int check_response(struct conn *c)
{
	char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4), *p;
	size_t hlen, clen;

	if (!end)
		return c->in_len >= BUF ? -1 : 0;
	hlen = (size_t)(end - c->in) + 4;
	if (c->in_len < 12 || memcmp(c->in, "HTTP/1.1 200", 12))
		return -1;
	c->in[hlen - 1] = '\0';
	p = strcasestr(c->in, "\r\nContent-Length:");
	c->in[hlen - 1] = '\n';
	if (!p)
		return -1;
	clen = strtoul(p + 17, NULL, 10);
	if (c->in_len < hlen + clen)
		return 0;
	if (c->in_len != hlen + clen || clen != strlen(body) ||
	    memcmp(c->in + hlen, body, clen))
		return -1;
	return 1;
}

static void on_event(struct conn *c, uint32_t events)
{
	if (c->connecting) {
		int err = 0;
		socklen_t l = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err || (events & (EPOLLERR | EPOLLHUP))) {
			errno = err;
			note("connect failed", c);
			errors++;
			if (issued < total)
				issued++; /* a failed attempt uses up a request
					   */
			conn_reset(c);
			return;
		}
		c->connecting = false;
		next_request(c);
		return;
	}
	if (c->sent < c->req_len) {
		ssize_t n = send(c->fd, request + c->sent, c->req_len - c->sent,
				 MSG_NOSIGNAL);

		if (n < 0 && errno != EAGAIN) {
			note("send failed", c);
			errors++;
			conn_reset(c);
			return;
		}
		if (n > 0)
			c->sent += (size_t)n;
		if (c->sent == c->req_len) {
			struct epoll_event ev = {.events = EPOLLIN,
						 .data.ptr = c};

			epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
		}
		return;
	}
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len, BUF - c->in_len, 0);
		int r;

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			note(n ? "recv failed" : "closed by peer", c);
			errors++; /* closed with an answer outstanding */
			conn_reset(c);
			return;
		}
		c->in_len += (size_t)n;
		r = check_response(c);
		if (r == 0)
			continue;
		if (r < 0) {
			note("bad response", c);
			errors++;
			conn_reset(c);
			return;
		}
		lat[done_ok++] = now() - c->started;
		if (!c->warm) {
			c->warm = true;
			ramp();
		}
		next_request(c);
		return;
	}
}

int main(int argc, char **argv)
{
	int port = 0, limit = 120, opt;
	const char *host = "127.0.0.1", *path = "/";
	double t0, t1;
	int open, peak = 0;

	total = 10000;
	while ((opt = getopt(argc, argv, "a:p:c:n:t:b:u:vR")) != -1) {
		switch (opt) {
		case 'a':
			host = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'c':
			nconns = atoi(optarg);
			break;
		case 'n':
			total = atol(optarg);
			break;
		case 't':
			limit = atoi(optarg);
			break;
		case 'b':
			body = optarg;
			break;
		case 'u':
			path = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'R':
			no_ramp = 1; /* all at once (not through QEMU) */
			break;
		default:
			goto usage;
		}
	}
	if (port <= 0 || port > 65535 || nconns < 1 || nconns > MAX_CONNS ||
	    total < 1 || limit < 1)
		goto usage;
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
		goto usage;
	/* Tests send traffic only to loopback. */
	if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "loadgen: %s is not a loopback address\n",
			host);
		return 2;
	}
	request_len = (size_t)snprintf(request, sizeof(request),
				       "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
				       "User-Agent: bingo-loadgen\r\n\r\n",
				       path, host, port);
	lat = calloc((size_t)total, sizeof(*lat));
	conns = calloc((size_t)nconns, sizeof(*conns));
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!lat || !conns || epfd < 0)
		return 2;
	t0 = now();
	for (int i = 0; i < nconns; i++)
		conns[i].fd = -1;
	do
		ramp();
	while (no_ramp && opened < nconns);
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(epfd, evs, 64, 100);

		for (int i = 0; i < n; i++)
			on_event(evs[i].data.ptr, evs[i].events);
		if (opened < nconns && now() - last_open > 0.2)
			ramp();
		open = 0;
		for (int i = 0; i < nconns; i++)
			open += conns[i].fd >= 0;
		if (open > peak)
			peak = open;
		if ((!open && (opened == nconns || issued >= total)) ||
		    now() - t0 > limit)
			break;
	}
	t1 = now();
	if (open)
		fprintf(stderr, "loadgen: time limit (%d s) reached\n", limit);
	qsort(lat, (size_t)done_ok, sizeof(*lat), cmp_double);
	printf("loadgen: requests=%ld ok=%ld errors=%ld conns=%d peak_conns=%d "
	       "seconds=%.2f rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
	       total, done_ok, errors, nconns, peak, t1 - t0,
	       done_ok / (t1 - t0), done_ok ? lat[done_ok / 2] * 1e3 : 0,
	       done_ok ? lat[done_ok * 99 / 100] * 1e3 : 0,
	       done_ok ? lat[done_ok - 1] * 1e3 : 0);
	return done_ok == total && !errors ? 0 : 1;
usage:
	fprintf(stderr,
		"usage: loadgen -p PORT [-a 127.0.0.1] [-c CONNS] "
		"[-n REQUESTS] [-t SECONDS] [-u PATH] [-b BODY] [-R] [-v]\n");
	return 2;
}
