/* SPDX-License-Identifier: MIT */
/*
 * The HTTP/1.1 server on :8080: one thread, epoll, non-blocking sockets,
 * keep-alive and pipelining, bounded buffers and timeouts.  The event
 * loop belongs to the caller (init.c); the server registers its sockets
 * with tags >= SERVER_TAG_BASE and gets events back through
 * server_event().
 */
#ifndef BINGO_SERVER_H
#define BINGO_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#define SERVER_TAG_BASE	 0x100
#define SERVER_MAX_CONNS 512
/* Default timeouts (server_set_timeouts() changes them, for tests). */
#define SERVER_HEADER_TIMEOUT_MS 10000 /* whole header section */
#define SERVER_IDLE_TIMEOUT_MS	 30000 /* keep-alive between requests */
#define SERVER_WRITE_TIMEOUT_MS	 10000 /* client not reading */
#define SERVER_LINGER_MS	 2000  /* draining after the last answer */

int server_start(int epfd, uint16_t port, uint64_t seed);
/* The same server on AF_VSOCK `port` too (after server_start): the host
 * reaches it through the VMM's vsock device.  0 or -errno (EAFNOSUPPORT
 * without the vsock modules). */
int server_listen_vsock(uint32_t port);
void server_set_timeouts(int header_ms, int idle_ms, int write_ms);
/* Dispatches an epoll event whose tag is >= SERVER_TAG_BASE. */
void server_event(uint64_t tag, uint32_t events, int64_t now_ms);
/* Closes connections whose deadline passed; call about once a second. */
void server_tick(int64_t now_ms);
/* Stops accepting; idle connections close now, busy ones after their
 * current answer.  Returns the number of connections still open. */
unsigned int server_drain(int64_t now_ms);
/* Open connections. */
unsigned int server_active(void);
/* Closes everything at once. */
void server_close_all(void);
uint64_t server_requests(void);

/* Formats an RFC 9110 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). */
void server_http_date(char *buf, unsigned int size, int64_t unix_secs);

#endif
