/* SPDX-License-Identifier: MIT */
/*
 * The event loop's fd registry (design.md sections 3 and 12): one epoll
 * set; each registered fd carries a source whose pointer is the epoll
 * data, dispatched to {handler, opaque}.  Sources may be removed from any
 * thread, including from inside a handler: they are freed only after the
 * batch that might still name them has been dispatched.
 */
#ifndef CHARLIE_LOOP_H
#define CHARLIE_LOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef void (*loop_fn)(void *opaque, int fd, uint32_t events);

struct loop_src {
	int fd;
	loop_fn fn;
	void *opaque;
	bool dead;
	struct loop_src *next; /* on the dead list */
};

struct loop {
	int epfd;
	bool quit;
	pthread_mutex_t lock; /* the dead list */
	struct loop_src *dead;
};

int loop_init(struct loop *l);
void loop_free(struct loop *l);
/* events: EPOLLIN, EPOLLOUT, ... Returns the source or NULL (errno). */
struct loop_src *loop_add(struct loop *l, int fd, uint32_t events, loop_fn fn,
			  void *opaque);
int loop_mod(struct loop *l, struct loop_src *s, uint32_t events);
/* Stops dispatching to `s`; it is freed after the current batch. */
void loop_del(struct loop *l, struct loop_src *s);
/* Runs until a handler calls loop_quit (from the loop thread). */
void loop_run(struct loop *l);
void loop_quit(struct loop *l);

#endif
