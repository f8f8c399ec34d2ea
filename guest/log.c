// SPDX-License-Identifier: MIT
/* bingo log lines (see log.h). */
#include "log.h"

#include <arpa/inet.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

size_t log_time(char *buf, size_t size, const struct timespec *ts)
{
	struct tm tm;
	time_t t = ts->tv_sec;
	int n;

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, (long)(ts->tv_nsec / 1000000));
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size ? size - 1 : 0;
}

size_t log_duration(char *buf, size_t size, uint64_t seconds)
{
	uint64_t h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
	int n;

	/* Go prints the largest unit present and every smaller one. */
	if (h)
		n = snprintf(buf, size, "%lluh%llum%llus",
			     (unsigned long long)h, (unsigned long long)m,
			     (unsigned long long)s);
	else if (m)
		n = snprintf(buf, size, "%llum%llus", (unsigned long long)m,
			     (unsigned long long)s);
	else
		n = snprintf(buf, size, "%llus", (unsigned long long)s);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size ? size - 1 : 0;
}

const char *log_ip4(char *buf, uint32_t be_addr)
{
	const uint8_t *b = (const uint8_t *)&be_addr;

	snprintf(buf, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

const char *log_peer(char *buf, const struct sockaddr *sa, unsigned int len)
{
	char ip[16];

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		snprintf(buf, LOG_PEER_MAX, "%s:%u",
			 log_ip4(ip, in->sin_addr.s_addr), ntohs(in->sin_port));
	} else if (sa->sa_family == AF_VSOCK &&
		   len >= sizeof(struct sockaddr_vm)) {
		const struct sockaddr_vm *vm = (const struct sockaddr_vm *)sa;

		snprintf(buf, LOG_PEER_MAX, "vsock:%u:%u", vm->svm_cid,
			 vm->svm_port);
	} else {
		snprintf(buf, LOG_PEER_MAX, "?");
	}
	return buf;
}

size_t log_format(char *buf, size_t size, const struct timespec *ts,
		  enum log_level level, const char *msg, const char *kv,
		  va_list ap)
{
	size_t len = 0;
	int n;

	if (size < 32)
		return 0;
	memcpy(buf, "time=", 5);
	len = 5;
	len += log_time(buf + len, size - len, ts);
	if ((unsigned)level > LOG_ERROR)
		level = LOG_ERROR;
	n = snprintf(buf + len, size - len, " level=%s msg=\"",
		     level_names[level]);
	len += n > 0 ? (size_t)n : 0;
	/* The message is ours (no quotes or newlines), but stay safe. */
	for (; *msg && len + 8 < size; msg++) {
		char c = *msg;
		if (c == '"' || c == '\\')
			buf[len++] = '\\';
		buf[len++] = (c == '\n' || c == '\r') ? ' ' : c;
	}
	buf[len++] = '"';
	if (kv && *kv && len + 4 < size) {
		buf[len++] = ' ';
		n = vsnprintf(buf + len, size - len, kv, ap);
		if (n < 0)
			n = 0;
		if (n == 0) {
			len--; /* nothing after all: drop the space */
		} else if ((size_t)n >= size - len) {
			/* Cut: keep room for "...\n". */
			len = size - 5;
			memcpy(buf + len, "...", 3);
			len += 3;
		} else {
			len += (size_t)n;
		}
	}
	if (len > size - 2)
		len = size - 2;
	buf[len++] = '\n';
	buf[len] = '\0';
	return len;
}

static int log_fd = 2;
/* Lines logged while there is no console (log_set_fd(-1)), written out
 * when one is set. */
static char held[LOG_HOLD_MAX];
static size_t nheld;
static unsigned int held_dropped;

static void write_all(int fd, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

void log_set_fd(int fd)
{
	log_fd = fd;
	if (fd < 0)
		return;
	write_all(fd, held, nheld);
	nheld = 0;
	if (held_dropped) {
		unsigned int n = held_dropped;

		held_dropped = 0;
		log_warn("log lines dropped before there was a console",
			 "log.dropped=%u", n);
	}
}

int log_get_fd(void)
{
	return log_fd;
}

void log_msg(enum log_level level, const char *msg, const char *kv, ...)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	size_t len;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	va_start(ap, kv);
	len = log_format(line, sizeof(line), &ts, level, msg, kv, ap);
	va_end(ap);
	if (log_fd >= 0) {
		write_all(log_fd, line, len);
	} else if (len <= sizeof(held) - nheld) {
		memcpy(held + nheld, line, len);
		nheld += len;
	} else {
		held_dropped++;
	}
}

size_t log_value(char *dst, size_t size, const char *s, size_t n)
{
	bool quote = n == 0;
	size_t len = 0;

	if (!size)
		return 0;
	for (size_t i = 0; i < n && !quote; i++) {
		unsigned char c = (unsigned char)s[i];

		quote = c <= ' ' || c == '=' || c == '"' || c >= 0x7f;
	}
	if (!quote) {
		len = n < size - 1 ? n : size - 1;
		memcpy(dst, s, len);
		dst[len] = '\0';
		return len;
	}
	if (size < 3) {
		dst[0] = '\0';
		return 0;
	}
	/* Worst case per byte is "\xNN" (4); keep room for the quotes. */
	dst[len++] = '"';
	for (size_t i = 0; i < n && len + 6 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			dst[len++] = '\\';
			dst[len++] = (char)c;
		} else if (c == '\n') {
			dst[len++] = '\\';
			dst[len++] = 'n';
		} else if (c < ' ' || c >= 0x7f) {
			static const char hex[] = "0123456789abcdef";

			dst[len++] = '\\';
			dst[len++] = 'x';
			dst[len++] = hex[c >> 4];
			dst[len++] = hex[c & 15];
		} else {
			dst[len++] = (char)c;
		}
	}
	if (len + 1 < size)
		dst[len++] = '"';
	dst[len] = '\0';
	return len;
}
