// SPDX-License-Identifier: MIT
/*
 * nat: libslirp in-process (Debian's libslirp 4.7), on the VM's event
 * loop, no thread.  The guest network is QEMU's user-mode default:
 * 10.0.2.0/24, gateway 10.0.2.2, DNS 10.0.2.3, DHCP from 10.0.2.15.
 * Forwards listen on 127.0.0.1 unless the user gave an address; with
 * `restrict` the guest reaches only the forwards and slirp's services.
 *
 * slirp 4.7 exposes its sockets through slirp_pollfds_fill/poll (no
 * per-socket watch API until 4.8).  After anything touches the stack
 * (a guest frame, a ready fd, a timer) we refill: each fd slirp wants
 * polled is put in (or updated in, or taken out of) the loop's epoll set,
 * and slirp's wanted timeout arms one timerfd.  A ready fd is handed back
 * through slirp_pollfds_poll with only that fd's events.  slirp tells us
 * before it closes an fd (unregister_poll_fd), so a recycled fd number
 * is never mistaken for the old socket.  slirp's own timers
 * (timer_new/timer_mod) are one timerfd each.
 *
 * Frames slirp emits while the guest frame that caused them is still
 * inside slirp_input (ARP and DHCP replies, ACKs) are queued and delivered
 * after it returns, so the device's rx never runs inside its own send.
 * The same bounded queue holds frames while the device is paused.
 */
#include "backend.h"
#include "err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <slirp/libslirp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_MAX_FRAMES 512
#define QUEUE_MAX_BYTES	 (4u << 20)

struct nat_fd {
	struct loop_src *src;
	uint32_t events;  /* registered with epoll */
	uint32_t revents; /* being handed to slirp */
	unsigned int gen; /* the fill that last asked for it */
};

struct nat_pfd {
	int fd;
	int events; /* SLIRP_POLL_* */
};

struct nat_frame {
	struct nat_frame *next;
	size_t len;
	uint8_t data[];
};

struct nat_timer {
	struct nat *n;
	int fd;
	struct loop_src *src;
	SlirpTimerCb cb;
	void *cb_opaque;
};

struct nat {
	struct net_backend be;
	Slirp *slirp;
	struct nat_fd *fds; /* indexed by fd */
	size_t nr_fds;
	struct nat_pfd *pfd; /* the last fill, indexed as slirp saw it */
	size_t nr_pfd, cap_pfd;
	unsigned int gen;
	int poll_tfd;
	struct loop_src *poll_src;
	bool in_input;
	struct nat_frame *qhead, **qtail;
	size_t qframes, qbytes;
	uint64_t last_guest_error_ns;
	unsigned int guest_errors_quiet;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void arm_abs_ns(int tfd, uint64_t ns)
{
	struct itimerspec its = {0};

	if (ns == 0)
		ns = 1; /* 0 would disarm: "now" */
	its.it_value.tv_sec = (time_t)(ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(ns % 1000000000ull);
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void drain_tfd(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		(void)0; /* EAGAIN: another handler got there first */
}

/* ---- frames towards the guest ---- */

static void queue_push(struct nat *n, const uint8_t *buf, size_t len)
{
	struct nat_frame *f;

	if (n->qframes >= QUEUE_MAX_FRAMES ||
	    n->qbytes + len > QUEUE_MAX_BYTES ||
	    !(f = malloc(sizeof(*f) + len))) {
		n->be.rx_dropped++; /* slirp's TCP retransmits */
		return;
	}
	f->next = NULL;
	f->len = len;
	memcpy(f->data, buf, len);
	*n->qtail = f;
	n->qtail = &f->next;
	n->qframes++;
	n->qbytes += len;
}

/* Delivers queued frames until the device is full. */
static void queue_drain(struct nat *n)
{
	struct nat_frame *f;

	while ((f = n->qhead)) {
		if (net_backend_deliver(&n->be, f->data, f->len) == -EAGAIN)
			return;
		n->qhead = f->next;
		if (!n->qhead)
			n->qtail = &n->qhead;
		n->qframes--;
		n->qbytes -= f->len;
		free(f);
	}
}

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct nat *n = opaque;

	if (!n->in_input && !n->qhead && !n->be.paused &&
	    net_backend_deliver(&n->be, buf, len) != -EAGAIN)
		return (ssize_t)len;
	queue_push(n, buf, len);
	return (ssize_t)len;
}

/* ---- slirp's fds on the loop ---- */

static uint32_t to_epoll(int ev, bool paused)
{
	uint32_t e = 0;

	if ((ev & SLIRP_POLL_IN) && !paused)
		e |= EPOLLIN;
	if (ev & SLIRP_POLL_OUT)
		e |= EPOLLOUT;
	if (ev & SLIRP_POLL_PRI)
		e |= EPOLLPRI;
	return e;
}

static int to_slirp(uint32_t e)
{
	int ev = 0;

	if (e & EPOLLIN)
		ev |= SLIRP_POLL_IN;
	if (e & EPOLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (e & EPOLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (e & EPOLLERR)
		ev |= SLIRP_POLL_ERR;
	if (e & EPOLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

static void nat_cycle(struct nat *n);
static int cb_get_revents(int idx, void *opaque);

static void fd_forget(struct nat *n, int fd)
{
	if (fd < 0 || (size_t)fd >= n->nr_fds || !n->fds[fd].src)
		return;
	loop_del(n->be.loop, n->fds[fd].src);
	n->fds[fd].src = NULL;
	n->fds[fd].events = 0;
}

static void on_fd(void *opaque, int fd, uint32_t events)
{
	struct nat *n = opaque;

	if ((size_t)fd >= n->nr_fds)
		return;
	n->fds[fd].revents = events;
	slirp_pollfds_poll(n->slirp, 0, cb_get_revents, n);
	n->fds[fd].revents = 0;
	nat_cycle(n);
}

static int cb_add_poll(int fd, int events, void *opaque)
{
	struct nat *n = opaque;

	if (fd < 0)
		return -1;
	if ((size_t)fd >= n->nr_fds) {
		size_t nr = (size_t)fd + 64;
		struct nat_fd *t = realloc(n->fds, nr * sizeof(*t));

		if (!t)
			return -1;
		memset(t + n->nr_fds, 0, (nr - n->nr_fds) * sizeof(*t));
		n->fds = t;
		n->nr_fds = nr;
	}
	if (n->nr_pfd == n->cap_pfd) {
		size_t cap = n->cap_pfd ? n->cap_pfd * 2 : 32;
		struct nat_pfd *t = realloc(n->pfd, cap * sizeof(*t));

		if (!t)
			return -1;
		n->pfd = t;
		n->cap_pfd = cap;
	}
	n->pfd[n->nr_pfd].fd = fd;
	n->pfd[n->nr_pfd].events = events;
	n->fds[fd].gen = n->gen;
	return (int)n->nr_pfd++;
}

static int cb_get_revents(int idx, void *opaque)
{
	struct nat *n = opaque;
	int fd;

	if (idx < 0 || (size_t)idx >= n->nr_pfd)
		return 0;
	fd = n->pfd[idx].fd;
	return to_slirp(n->fds[fd].revents);
}

static void sync_fd(struct nat *n, int fd, uint32_t want)
{
	struct nat_fd *e = &n->fds[fd];

	if (e->src && e->events == want)
		return;
	if (e->src && loop_mod(n->be.loop, e->src, want) == 0) {
		e->events = want;
		return;
	}
	fd_forget(n, fd); /* not in the set any more (closed behind us) */
	e->src = loop_add(n->be.loop, fd, want, on_fd, n);
	e->events = want;
	if (!e->src)
		net_backend_logf(&n->be, CHARLIE_LOG_WARN,
				 "cannot watch slirp's fd %d: %s", fd,
				 strerror(errno));
}

static void nat_cycle(struct nat *n)
{
	uint32_t timeout = UINT32_MAX;
	struct itimerspec off = {0};

	n->gen++;
	n->nr_pfd = 0;
	slirp_pollfds_fill(n->slirp, &timeout, cb_add_poll, n);
	for (size_t i = 0; i < n->nr_pfd; i++)
		sync_fd(n, n->pfd[i].fd,
			to_epoll(n->pfd[i].events, n->be.paused));
	for (size_t fd = 0; fd < n->nr_fds; fd++)
		if (n->fds[fd].src && n->fds[fd].gen != n->gen)
			fd_forget(n, (int)fd);
	if (timeout == UINT32_MAX)
		timerfd_settime(n->poll_tfd, 0, &off, NULL);
	else
		arm_abs_ns(n->poll_tfd,
			   mono_ns() + (uint64_t)timeout * 1000000);
}

static void on_poll_timer(void *opaque, int fd, uint32_t events)
{
	struct nat *n = opaque;

	drain_tfd(fd);
	/* no fd is ready: slirp runs its TCP fast/slow timers */
	slirp_pollfds_poll(n->slirp, 0, cb_get_revents, n);
	nat_cycle(n);
}

static void cb_register_poll_fd(int fd, void *opaque)
{
}

static void cb_unregister_poll_fd(int fd, void *opaque)
{
	fd_forget(opaque, fd);
}

static void cb_notify(void *opaque)
{
	/* we refill after every call into slirp; nothing more to do */
}

/* ---- slirp's timers ---- */

static void on_slirp_timer(void *opaque, int fd, uint32_t events)
{
	struct nat_timer *t = opaque;

	drain_tfd(fd);
	t->cb(t->cb_opaque);
	nat_cycle(t->n);
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct nat *n = opaque;
	struct nat_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n = n;
	t->cb = cb;
	t->cb_opaque = cb_opaque;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->fd >= 0)
		t->src =
			loop_add(n->be.loop, t->fd, EPOLLIN, on_slirp_timer, t);
	if (!t->src) {
		net_backend_logf(&n->be, CHARLIE_LOG_WARN,
				 "cannot create a timer: %s", strerror(errno));
		if (t->fd >= 0)
			close(t->fd);
		free(t);
		return NULL;
	}
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	struct nat_timer *t = timer;

	if (!t)
		return;
	loop_del(t->n->be.loop, t->src);
	close(t->fd);
	free(t);
}

/* expire_time: milliseconds on cb_clock_get_ns's clock */
static void cb_timer_mod(void *timer, int64_t expire_time, void *opaque)
{
	struct nat_timer *t = timer;

	if (t)
		arm_abs_ns(t->fd, expire_time > 0
					  ? (uint64_t)expire_time * 1000000ull
					  : 0);
}

static int64_t cb_clock_get_ns(void *opaque)
{
	return (int64_t)mono_ns();
}

static void cb_guest_error(const char *msg, void *opaque)
{
	struct nat *n = opaque;
	uint64_t now = mono_ns();

	/* a misbehaving guest must not flood the log: one line a second */
	if (n->last_guest_error_ns &&
	    now - n->last_guest_error_ns < 1000000000ull) {
		n->guest_errors_quiet++;
		return;
	}
	net_backend_logf(&n->be, CHARLIE_LOG_WARN,
			 "guest error: %s (%u more not shown)", msg,
			 n->guest_errors_quiet);
	n->guest_errors_quiet = 0;
	n->last_guest_error_ns = now;
}

static const SlirpCb nat_callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_unregister_poll_fd,
	.notify = cb_notify,
};

/* ---- the backend ---- */

static int nat_send(struct net_backend *be, const uint8_t *frame, size_t len)
{
	struct nat *n = (struct nat *)be;

	n->in_input = true;
	slirp_input(n->slirp, frame, (int)len);
	n->in_input = false;
	queue_drain(n);
	nat_cycle(n);
	return 0;
}

static void nat_resume(struct net_backend *be)
{
	struct nat *n = (struct nat *)be;

	queue_drain(n);
	nat_cycle(n); /* reads again (EPOLLIN back) unless still paused */
}

static void nat_close(struct net_backend *be)
{
	struct nat *n = (struct nat *)be;
	struct nat_frame *f;

	if (n->slirp)
		slirp_cleanup(n->slirp); /* frees its timers, closes fds */
	for (size_t fd = 0; fd < n->nr_fds; fd++)
		fd_forget(n, (int)fd);
	if (n->poll_src)
		loop_del(be->loop, n->poll_src);
	if (n->poll_tfd >= 0)
		close(n->poll_tfd);
	while ((f = n->qhead)) {
		n->qhead = f->next;
		free(f);
	}
	free(n->fds);
	free(n->pfd);
	free(n);
}

static const struct net_backend_impl nat_impl = {
	.name = "nat",
	.send = nat_send,
	.resume = nat_resume,
	.close = nat_close,
};

int net_nat_open(const struct charlie_net *cn, const struct net_backend *base,
		 struct net_backend **out, struct charlie_error *err)
{
	SlirpConfig sc = {
		.version = 4,
		.restricted = cn->restrict_,
		.in_enabled = true,
		.vhostname = "charlie",
		.in6_enabled = false,
	};
	struct nat *n = calloc(1, sizeof(*n));
	int ret;

	if (!n)
		return err_set(err, CHARLIE_E_HOST, "net", "out of memory");
	n->be = *base;
	n->be.impl = &nat_impl;
	n->qtail = &n->qhead;
	n->poll_tfd = -1;
	inet_pton(AF_INET, "10.0.2.0", &sc.vnetwork);
	inet_pton(AF_INET, "255.255.255.0", &sc.vnetmask);
	inet_pton(AF_INET, "10.0.2.2", &sc.vhost);
	inet_pton(AF_INET, "10.0.2.15", &sc.vdhcp_start);
	inet_pton(AF_INET, "10.0.2.3", &sc.vnameserver);

	n->poll_tfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (n->poll_tfd >= 0)
		n->poll_src = loop_add(base->loop, n->poll_tfd, EPOLLIN,
				       on_poll_timer, n);
	if (!n->poll_src) {
		ret = err_set(err, CHARLIE_E_HOST, "net", "net %u: timerfd: %s",
			      base->nic + 1, strerror(errno));
		goto fail;
	}
	n->slirp = slirp_new(&sc, &nat_callbacks, n);
	if (!n->slirp) {
		ret = err_set(err, CHARLIE_E_NET_BACKEND, "net",
			      "net %u: libslirp refused its configuration",
			      base->nic + 1);
		goto fail;
	}
	for (unsigned int i = 0; i < cn->nr_fwd && i < CHARLIE_MAX_FWDS; i++) {
		const struct charlie_fwd *f = &cn->fwd[i];
		struct in_addr host = {.s_addr = f->host_addr};
		struct in_addr guest = {.s_addr = 0}; /* the DHCP address */
		char a[INET_ADDRSTRLEN];

		if (slirp_add_hostfwd(n->slirp, f->udp, host, (int)f->host_port,
				      guest, (int)f->guest_port) < 0) {
			inet_ntop(AF_INET, &host, a, sizeof(a));
			ret = err_set(err, CHARLIE_E_NET_PORT_IN_USE, "net",
				      "net %u: forward %s%s:%u: cannot listen "
				      "(the port is in use?)",
				      base->nic + 1, f->udp ? "udp:" : "", a,
				      f->host_port);
			goto fail;
		}
	}
	nat_cycle(n);
	*out = &n->be;
	return 0;
fail:
	nat_close(&n->be);
	return ret;
}
