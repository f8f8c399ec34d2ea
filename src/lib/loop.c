// SPDX-License-Identifier: MIT
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

int loop_init(struct loop *l)
{
	l->quit = false;
	l->dead = NULL;
	pthread_mutex_init(&l->lock, NULL);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

static void reap(struct loop *l)
{
	struct loop_src *s;

	pthread_mutex_lock(&l->lock);
	s = l->dead;
	l->dead = NULL;
	pthread_mutex_unlock(&l->lock);
	while (s) {
		struct loop_src *n = s->next;

		free(s);
		s = n;
	}
}

void loop_free(struct loop *l)
{
	reap(l);
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
	pthread_mutex_destroy(&l->lock);
}

struct loop_src *loop_add(struct loop *l, int fd, uint32_t events, loop_fn fn,
			  void *opaque)
{
	struct loop_src *s = calloc(1, sizeof(*s));
	struct epoll_event ev = {.events = events};

	if (!s)
		return NULL;
	s->fd = fd;
	s->fn = fn;
	s->opaque = opaque;
	ev.data.ptr = s;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;

		free(s);
		errno = e;
		return NULL;
	}
	return s;
}

int loop_mod(struct loop *l, struct loop_src *s, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = s};

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0 ? -errno : 0;
}

void loop_del(struct loop *l, struct loop_src *s)
{
	if (!s)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	pthread_mutex_lock(&l->lock);
	__atomic_store_n(&s->dead, true, __ATOMIC_RELEASE);
	s->next = l->dead;
	l->dead = s;
	pthread_mutex_unlock(&l->lock);
}

void loop_quit(struct loop *l)
{
	l->quit = true;
}

void loop_run(struct loop *l)
{
	struct epoll_event ev[16];

	while (!l->quit) {
		int n = epoll_wait(l->epfd, ev, 16, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < n && !l->quit; i++) {
			struct loop_src *s = ev[i].data.ptr;

			/* removed by an earlier handler of this batch */
			if (__atomic_load_n(&s->dead, __ATOMIC_ACQUIRE))
				continue;
			s->fn(s->opaque, s->fd, ev[i].events);
		}
		reap(l);
	}
}
