/* SPDX-License-Identifier: MIT */
/*
 * Guest console output to a host fd that must never block a vCPU
 * (issue 6): writes are non-blocking; what the fd does not take waits in
 * a bounded buffer drained by the event loop when the fd is writable;
 * what does not fit is dropped and counted.
 *
 * The fd's open file description is shared with other processes (a
 * terminal, a shell's pipe), so it is not switched to O_NONBLOCK: a FIFO,
 * pipe or terminal is reopened through /proc/self/fd for a private
 * non-blocking description; a socket is written with MSG_DONTWAIT; a
 * regular file is written directly.
 */
#ifndef CHARLIE_CONOUT_H
#define CHARLIE_CONOUT_H

#include "loop.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONOUT_BUF_SIZE (64u << 10)

enum conout_kind { CONOUT_NONE, CONOUT_FILE, CONOUT_SOCKET, CONOUT_STREAM };

struct conout {
	bool inited;
	pthread_mutex_t lock;
	enum conout_kind kind;
	int fd;		/* the fd written */
	bool own_fd;	/* reopened: ours to close */
	int restore_fl; /* >= 0: O_NONBLOCK was set on a shared fd */
	bool closed;	/* the reader went away (EPIPE) */
	uint8_t *buf;
	size_t head, len;
	uint64_t dropped;
	struct loop *loop;
	struct loop_src *src;
	bool armed;
};

/* fd < 0: no output.  Returns 0 or a negative errno. */
int conout_init(struct conout *c, int fd);
/* Watches the fd for writability on `loop` (skipped for regular files). */
int conout_attach(struct conout *c, struct loop *loop);
/* Never blocks.  Returns true when bytes were dropped by this call. */
bool conout_write(struct conout *c, const uint8_t *buf, size_t len);
/* One last non-blocking attempt; what remains is counted as dropped. */
void conout_flush_final(struct conout *c);
uint64_t conout_dropped(struct conout *c);
void conout_free(struct conout *c);

#endif
