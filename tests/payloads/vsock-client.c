// SPDX-License-Identifier: MIT
/*
 * A tiny static client for the vsock e2e test (tests/e2e/vsock_guest.sh),
 * run in L1 (busybox, no socat).  Firecracker's host convention: connect
 * to the UNIX socket, write "CONNECT <port>\n", read "OK <host-port>\n",
 * then the stream is the guest's socket.
 *
 *   vsock-client hello UDS PORT     GET / once; prints the reply;
 *                                   exit 0 when it has "Hello, World!"
 *   vsock-client refused UDS PORT   exit 0 when the host end is closed
 *                                   without an OK line
 *   vsock-client rate UDS PORT N    N sequential CONNECT + GET /: prints
 *                                   "RATE vsock N conns MS ms"
 *   vsock-client rate-tcp IP PORT N the same over TCP (the nat forward)
 * Every wait is guarded by alarm(): a hang is a failure, not a timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define GUARD_S 60

static const char req[] = "GET / HTTP/1.0\r\n\r\n";

static int uds_connect(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(a.sun_path))
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int tcp_connect(const char *ip, unsigned int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads one line (byte by byte: what follows stays in the stream).
 * Returns its length, -1 on EOF/error before the newline. */
static int read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, 1);

		if (r <= 0)
			return -1;
		if (buf[n] == '\n') {
			buf[n] = 0;
			return (int)n;
		}
		n++;
	}
	return -1;
}

/* CONNECT handshake: 1 OK, 0 closed without OK, -1 other. */
static int handshake(int fd, unsigned int port, char *line, size_t cap)
{
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "CONNECT %u\n", port);
	if (write_all(fd, cmd, strlen(cmd)))
		return -1;
	if (read_line(fd, line, cap) < 0)
		return 0;
	return strncmp(line, "OK ", 3) == 0 ? 1 : -1;
}

/* GET / and read to EOF into buf (NUL-terminated). */
static ssize_t get(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	if (write_all(fd, req, sizeof(req) - 1))
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || n + (size_t)r >= cap - 1) {
			n += (size_t)(r > 0 ? r : 0);
			break;
		}
		n += (size_t)r;
	}
	buf[n] = 0;
	return (ssize_t)n;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int usage(void)
{
	fprintf(stderr, "usage: vsock-client hello|refused UDS PORT\n"
			"       vsock-client rate UDS PORT N\n"
			"       vsock-client rate-tcp IP PORT N\n");
	return 2;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	char line[128];
	unsigned int port;
	int fd, r;

	if (argc < 4)
		return usage();
	port = (unsigned int)strtoul(argv[3], NULL, 10);
	signal(SIGPIPE, SIG_IGN);
	alarm(GUARD_S);
	if (!strcmp(argv[1], "hello")) {
		fd = uds_connect(argv[2]);
		if (fd < 0) {
			perror("connect");
			return 1;
		}
		r = handshake(fd, port, line, sizeof(line));
		printf("HANDSHAKE %s\n", r == 1 ? line : "failed");
		if (r != 1)
			return 1;
		if (get(fd, buf, sizeof(buf)) < 0)
			return 1;
		printf("%s\n", buf);
		return strstr(buf, "Hello, World!") ? 0 : 1;
	}
	if (!strcmp(argv[1], "refused")) {
		fd = uds_connect(argv[2]);
		if (fd < 0) {
			perror("connect");
			return 1;
		}
		r = handshake(fd, port, line, sizeof(line));
		printf("REFUSED %s\n", r == 0 ? "closed without OK"
				   : r == 1 ? "got OK (wrong)"
					    : "bad reply");
		return r == 0 ? 0 : 1;
	}
	if (!strcmp(argv[1], "rate") || !strcmp(argv[1], "rate-tcp")) {
		int tcp = !strcmp(argv[1], "rate-tcp");
		unsigned long n = argc > 4 ? strtoul(argv[4], NULL, 10) : 100;
		unsigned long ok = 0;
		double t0 = now_ms(), t;

		for (unsigned long i = 0; i < n; i++) {
			alarm(GUARD_S);
			fd = tcp ? tcp_connect(argv[2], port)
				 : uds_connect(argv[2]);
			if (fd < 0)
				break;
			if (!tcp && handshake(fd, port, line, sizeof(line)) != 1) {
				close(fd);
				break;
			}
			if (get(fd, buf, sizeof(buf)) > 0 &&
			    strstr(buf, "Hello, World!"))
				ok++;
			close(fd);
		}
		t = now_ms() - t0;
		printf("RATE %s %lu/%lu conns %.0f ms %.0f conn/s\n",
		       tcp ? "tcp" : "vsock", ok, n, t,
		       t > 0 ? (double)ok * 1e3 / t : 0.0);
		return ok == n ? 0 : 1;
	}
	return usage();
}
