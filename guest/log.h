/* SPDX-License-Identifier: MIT */
/*
 * bingo log lines, in the format of Go's log/slog text handler:
 *   time=2026-11-21T08:39:05.123Z level=INFO msg="..." key=value ...
 * The formatting functions are pure (no syscalls) so unit tests run them
 * on the host; log_write() is the one place that touches the console.
 */
#ifndef BINGO_LOG_H
#define BINGO_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum log_level {
	LOG_DEBUG,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
};

/* Largest line log_format() produces (longer ones are cut, ending "..."). */
#define LOG_LINE_MAX 512

/*
 * Formats one line (ending in '\n') into buf.  kv is a printf format for
 * the key=value part, already in key=value form (may be NULL).  Returns
 * the length written, excluding the terminating NUL.
 */
size_t log_format(char *buf, size_t size, const struct timespec *ts,
		  enum log_level level, const char *msg, const char *kv,
		  va_list ap);

/* RFC 3339 UTC with milliseconds: 2026-11-21T08:39:05.123Z (25 bytes). */
size_t log_time(char *buf, size_t size, const struct timespec *ts);

/* Go's time.Duration.String() for whole seconds: 24h0m0s, 1m30s, 5s, 0s. */
size_t log_duration(char *buf, size_t size, uint64_t seconds);

/* Dotted quad of a network-order IPv4 address into buf (>= 16 bytes). */
const char *log_ip4(char *buf, uint32_t be_addr);
/* A peer as "a.b.c.d:port" (AF_INET) or "vsock:cid:port" (AF_VSOCK), "?"
 * for anything else; buf holds LOG_PEER_MAX bytes. */
#define LOG_PEER_MAX 32
struct sockaddr;
const char *log_peer(char *buf, const struct sockaddr *sa, unsigned int len);

/*
 * Where log() writes: a file descriptor (default 2).  -1: no console yet
 * (PID 1 before the console's driver is loaded): lines are held, up to
 * LOG_HOLD_MAX bytes (later ones are counted and dropped), and written to
 * the next descriptor set, in order.
 */
#define LOG_HOLD_MAX 8192
void log_set_fd(int fd);
int log_get_fd(void);

__attribute__((format(printf, 3, 4))) void
log_msg(enum log_level level, const char *msg, const char *kv, ...);

#define log_plain(level, msg) log_msg(level, msg, "%s", "")
#define log_info(msg, ...)    log_msg(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...)    log_msg(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...)   log_msg(LOG_ERROR, msg, __VA_ARGS__)

/*
 * Writes s[0..n) as a slog text value: as is when it is non-empty and
 * has no space, '=', '"' or control/non-ASCII byte; otherwise quoted with
 * Go-style escapes.  Always NUL-terminates; returns the length.
 */
size_t log_value(char *dst, size_t size, const char *s, size_t n);
#endif
