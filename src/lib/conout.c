// SPDX-License-Identifier: MIT
#include "conout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int conout_init(struct conout *c, int fd)
{
	struct stat st;
	char path[64];

	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->inited = true;
	c->fd = -1;
	c->restore_fl = -1;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	c->buf = malloc(CONOUT_BUF_SIZE);
	if (!c->buf)
		return -ENOMEM;
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		c->kind = CONOUT_FILE;
		c->fd = fd;
		return 0;
	}
	if (S_ISSOCK(st.st_mode)) {
		c->kind = CONOUT_SOCKET;
		c->fd = fd;
		return 0;
	}
	c->kind = CONOUT_STREAM;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	c->fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (c->fd >= 0) {
		c->own_fd = true;
		return 0;
	}
	/* No /proc: the shared description goes non-blocking, restored at
	 * the end. */
	c->fd = fd;
	c->restore_fl = fcntl(fd, F_GETFL);
	if (c->restore_fl < 0 ||
	    fcntl(fd, F_SETFL, c->restore_fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static void on_writable(void *opaque, int fd, uint32_t events);

int conout_attach(struct conout *c, struct loop *loop)
{
	if (c->kind != CONOUT_STREAM && c->kind != CONOUT_SOCKET)
		return 0;
	c->loop = loop;
	c->src = loop_add(loop, c->fd, 0, on_writable, c);
	return c->src ? 0 : -errno;
}

/* Writes what the fd takes now; returns bytes written, -1 when the reader
 * has gone. */
static ssize_t try_write(struct conout *c, const uint8_t *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w;

		if (c->kind == CONOUT_SOCKET)
			w = send(c->fd, p + done, n - done,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			w = write(c->fd, p + done, n - done);
		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		c->closed = true; /* EPIPE, EIO, ...: nobody will read */
		return -1;
	}
	return (ssize_t)done;
}

/* Called with the lock held. */
static void arm(struct conout *c, bool on)
{
	if (!c->src || c->armed == on)
		return;
	c->armed = on;
	loop_mod(c->loop, c->src, on ? EPOLLOUT : 0);
}

/* Drains the ring; called with the lock held. */
static void drain(struct conout *c)
{
	while (c->len && !c->closed) {
		size_t chunk = CONOUT_BUF_SIZE - c->head;
		ssize_t w;

		if (chunk > c->len)
			chunk = c->len;
		w = try_write(c, c->buf + c->head, chunk);
		if (w <= 0)
			break;
		c->head = (c->head + (size_t)w) % CONOUT_BUF_SIZE;
		c->len -= (size_t)w;
	}
	if (c->closed) {
		c->dropped += c->len;
		c->len = 0;
	}
}

static void on_writable(void *opaque, int fd, uint32_t events)
{
	struct conout *c = opaque;

	pthread_mutex_lock(&c->lock);
	drain(c);
	arm(c, c->len != 0);
	pthread_mutex_unlock(&c->lock);
}

bool conout_write(struct conout *c, const uint8_t *buf, size_t len)
{
	uint64_t before;
	bool dropped;

	if (c->kind == CONOUT_NONE)
		return false;
	pthread_mutex_lock(&c->lock);
	before = c->dropped;
	if (c->closed) {
		c->dropped += len;
	} else {
		if (!c->len) { /* nothing queued: straight out */
			ssize_t w = try_write(c, buf, len);

			if (w < 0) {
				c->dropped += len;
				w = (ssize_t)len;
			}
			buf += w;
			len -= (size_t)w;
		}
		if (len && c->kind == CONOUT_FILE) {
			c->dropped += len; /* a file that refuses: full disk */
			len = 0;
		}
		while (len) {
			size_t room = CONOUT_BUF_SIZE - c->len, tail, n;

			if (!room) {
				c->dropped += len;
				break;
			}
			tail = (c->head + c->len) % CONOUT_BUF_SIZE;
			n = len < room ? len : room;
			if (n > CONOUT_BUF_SIZE - tail)
				n = CONOUT_BUF_SIZE - tail;
			memcpy(c->buf + tail, buf, n);
			c->len += n;
			buf += n;
			len -= n;
		}
		arm(c, c->len != 0);
	}
	dropped = c->dropped != before;
	pthread_mutex_unlock(&c->lock);
	return dropped;
}

void conout_flush_final(struct conout *c)
{
	if (c->kind == CONOUT_NONE)
		return;
	pthread_mutex_lock(&c->lock);
	drain(c);
	c->dropped += c->len;
	c->len = 0;
	arm(c, false);
	pthread_mutex_unlock(&c->lock);
}

uint64_t conout_dropped(struct conout *c)
{
	uint64_t d;

	pthread_mutex_lock(&c->lock);
	d = c->dropped;
	pthread_mutex_unlock(&c->lock);
	return d;
}

void conout_free(struct conout *c)
{
	if (!c->inited)
		return;
	if (c->src)
		loop_del(c->loop, c->src);
	c->src = NULL;
	if (c->own_fd && c->fd >= 0)
		close(c->fd);
	if (c->restore_fl >= 0)
		fcntl(c->fd, F_SETFL, c->restore_fl);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	pthread_mutex_destroy(&c->lock);
}
