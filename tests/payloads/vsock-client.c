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
 *   vsock-client sink UDS PORT N    "SINK\n" + N pattern bytes, then
 *                                   shutdown(SHUT_WR) (half-close host ->
 *                                   guest); the guest answers "SUNK n hash"
 *   vsock-client source UDS PORT N  "SOURCE N\n": N pattern bytes, the
 *                                   guest then shuts its side; checks the
 *                                   FNV-1a and prints MB/s
 *   vsock-client source-tcp IP PORT N   the same over TCP (nat forward)
 *   vsock-client many UDS PORT K    K connections at once, each "ECHO\n"
 *                                   and its own line echoed back
 *   vsock-client listen PATH        one connection on a UNIX listener
 *                                   (the guest's PATH_P): read to EOF,
 *                                   answer "GOT n hash"
 * In the guest (the same binary, AF_VSOCK):
 *   vsock-client serve PORT         SINK / SOURCE / ECHO server (forks)
 *   vsock-client serve-tcp PORT     the same on TCP
 *   vsock-client send PORT N        to the host's PORT: N pattern bytes,
 *                                   shutdown(SHUT_WR), read the answer
 *   vsock-client connect PORT       to the host's PORT: prints the errno
 * Data is a pattern with a 2^32-byte period, checked with FNV-1a 64.
 * Every wait is guarded by alarm(): a hang is a failure, not a timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/vm_sockets.h>
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
#define FNV0	0xcbf29ce484222325ull

static uint8_t pat(uint64_t i)
{
	return (uint8_t)(((uint32_t)i * 0x9e3779b1u) >> 24);
}

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Sends n pattern bytes; returns their FNV-1a or 0 on error. */
static int write_all(int fd, const void *buf, size_t len);
static uint64_t send_pattern(int fd, uint64_t n)
{
	static uint8_t b[65536];
	uint64_t h = FNV0, off = 0;

	while (off < n) {
		size_t k = n - off < sizeof(b) ? (size_t)(n - off) : sizeof(b);

		for (size_t i = 0; i < k; i++)
			b[i] = pat(off + i);
		if (write_all(fd, b, k))
			return 0;
		h = fnv(h, b, k);
		off += k;
		alarm(GUARD_S); /* progress: the guard is for hangs */
	}
	return h;
}

static uint64_t pattern_hash(uint64_t n)
{
	uint64_t h = FNV0;

	for (uint64_t i = 0; i < n; i++)
		h = (h ^ pat(i)) * 0x100000001b3ull;
	return h;
}

/* Reads to EOF: *n bytes, their FNV-1a.  -1 on error. */
static int read_to_eof(int fd, uint64_t *n, uint64_t *h)
{
	static uint8_t b[65536];

	*n = 0;
	*h = FNV0;
	for (;;) {
		ssize_t r = read(fd, b, sizeof(b));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		*h = fnv(*h, b, (size_t)r);
		*n += (uint64_t)r;
		alarm(GUARD_S); /* progress: the guard is for hangs */
	}
}

static int vsock_connect_host(unsigned int port)
{
	struct sockaddr_vm a = {.svm_family = AF_VSOCK,
				.svm_cid = VMADDR_CID_HOST,
				.svm_port = port};
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

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


/* ---- the guest's side ---- */

static void serve_one(int fd)
{
	char line[64];
	uint64_t n, h;

	alarm(GUARD_S);
	if (read_line(fd, line, sizeof(line)) < 0)
		_exit(1);
	if (!strcmp(line, "SINK")) {
		if (read_to_eof(fd, &n, &h))
			_exit(1);
		snprintf(line, sizeof(line), "SUNK %llu %016llx\n",
			 (unsigned long long)n, (unsigned long long)h);
		write_all(fd, line, strlen(line));
	} else if (!strncmp(line, "SOURCE ", 7)) {
		n = strtoull(line + 7, NULL, 10);
		send_pattern(fd, n);
		shutdown(fd, SHUT_WR); /* half-close guest -> host */
		read_to_eof(fd, &n, &h);
	} else if (!strcmp(line, "ECHO")) {
		char b[4096];
		ssize_t r;

		while ((r = read(fd, b, sizeof(b))) > 0)
			if (write_all(fd, b, (size_t)r))
				break;
	}
	_exit(0);
}

static int guest_main(int argc, char **argv)
{
	unsigned int port = (unsigned int)strtoul(argv[2], NULL, 10);
	int fd;

	if (!strcmp(argv[1], "serve") || !strcmp(argv[1], "serve-tcp")) {
		int tcp = !strcmp(argv[1], "serve-tcp"), one = 1;
		struct sockaddr_vm a = {.svm_family = AF_VSOCK,
					.svm_cid = VMADDR_CID_ANY,
					.svm_port = port};
		struct sockaddr_in ai = {.sin_family = AF_INET,
					 .sin_port = htons((uint16_t)port)};
		int l = socket(tcp ? AF_INET : AF_VSOCK,
			       SOCK_STREAM | SOCK_CLOEXEC, 0);

		signal(SIGCHLD, SIG_IGN); /* no zombies (maybe PID 1) */
		if (tcp && l >= 0)
			setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one,
				   sizeof(one));
		if (l < 0 ||
		    (tcp ? bind(l, (struct sockaddr *)&ai, sizeof(ai))
			 : bind(l, (struct sockaddr *)&a, sizeof(a))) ||
		    listen(l, 128)) {
			perror("vsock serve");
			return 1;
		}
		printf("SERVE %s:%u\n", tcp ? "tcp" : "vsock", port);
		fflush(stdout);
		for (;;) {
			fd = accept(l, NULL, NULL);
			if (fd < 0)
				continue;
			if (fork() == 0) {
				close(l);
				serve_one(fd);
			}
			close(fd);
		}
	}
	if (!strcmp(argv[1], "send") && argc > 3) {
		uint64_t n = strtoull(argv[3], NULL, 10), h;
		char line[128];
		double t0 = now_ms(), t;

		alarm(GUARD_S);
		fd = vsock_connect_host(port);
		if (fd < 0) {
			printf("SEND connect: %s\n", strerror(-fd));
			return 1;
		}
		h = send_pattern(fd, n);
		shutdown(fd, SHUT_WR);
		if (read_line(fd, line, sizeof(line)) < 0)
			snprintf(line, sizeof(line), "(no answer)");
		t = now_ms() - t0;
		printf("SEND n=%llu hash=%016llx ms=%.0f MB/s=%.1f host: %s\n",
		       (unsigned long long)n, (unsigned long long)h, t,
		       t > 0 ? (double)n / 1e3 / t : 0.0, line);
		return 0;
	}
	if (!strcmp(argv[1], "connect")) {
		alarm(GUARD_S);
		fd = vsock_connect_host(port);
		printf("CONNECT %u: %s\n", port,
		       fd >= 0 ? "connected" : strerror(-fd));
		return fd >= 0 ? 0 : 1;
	}
	return usage();
}

int main(int argc, char **argv)
{
	static char buf[65536];
	char line[128];
	unsigned int port;
	int fd, r;

	if (argc >= 3 && (!strncmp(argv[1], "serve", 5) || !strcmp(argv[1], "send") ||
			  !strcmp(argv[1], "connect")))
		return guest_main(argc, argv);
	if (argc < 3 || (argc < 4 && strcmp(argv[1], "listen")))
		return usage();
	port = argc > 3 ? (unsigned int)strtoul(argv[3], NULL, 10) : 0;
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
	if (!strcmp(argv[1], "sink") || !strcmp(argv[1], "source") ||
	    !strcmp(argv[1], "source-tcp")) {
		uint64_t n = argc > 4 ? strtoull(argv[4], NULL, 10) : 0;
		uint64_t h, got, gh;
		char cmd[64];
		double t0, t;
		int src = !strncmp(argv[1], "source", 6);
		int tcp = !strcmp(argv[1], "source-tcp");

		fd = tcp ? tcp_connect(argv[2], port) : uds_connect(argv[2]);
		if (fd < 0 ||
		    (!tcp && handshake(fd, port, line, sizeof(line)) != 1)) {
			printf("%s handshake failed\n", argv[1]);
			return 1;
		}
		t0 = now_ms();
		if (src) {
			snprintf(cmd, sizeof(cmd), "SOURCE %llu\n",
				 (unsigned long long)n);
			if (write_all(fd, cmd, strlen(cmd)) ||
			    read_to_eof(fd, &got, &gh))
				return 1;
			t = now_ms() - t0;
			h = pattern_hash(n);
			printf("SOURCE %s n=%llu got=%llu %s ms=%.0f MB/s=%.1f\n",
			       tcp ? "tcp" : "vsock", (unsigned long long)n,
			       (unsigned long long)got,
			       got == n && gh == h ? "match" : "MISMATCH", t,
			       t > 0 ? (double)got / 1e3 / t : 0.0);
			return got == n && gh == h ? 0 : 1;
		}
		if (write_all(fd, "SINK\n", 5))
			return 1;
		h = send_pattern(fd, n);
		shutdown(fd, SHUT_WR); /* half-close: the guest still answers */
		if (read_line(fd, line, sizeof(line)) < 0) {
			printf("SINK no answer after half-close\n");
			return 1;
		}
		t = now_ms() - t0;
		snprintf(cmd, sizeof(cmd), "SUNK %llu %016llx",
			 (unsigned long long)n, (unsigned long long)h);
		printf("SINK n=%llu %s ms=%.0f MB/s=%.1f (guest: %s)\n",
		       (unsigned long long)n, strcmp(line, cmd) ? "MISMATCH" : "match",
		       t, t > 0 ? (double)n / 1e3 / t : 0.0, line);
		return strcmp(line, cmd) ? 1 : 0;
	}
	if (!strcmp(argv[1], "many")) {
		unsigned long k = argc > 4 ? strtoul(argv[4], NULL, 10) : 100;
		static int fds[1024];
		unsigned long ok = 0;

		if (k > 1024)
			return usage();
		for (unsigned long i = 0; i < k; i++) {
			fds[i] = uds_connect(argv[2]);
			if (fds[i] < 0 ||
			    handshake(fds[i], port, line, sizeof(line)) != 1 ||
			    write_all(fds[i], "ECHO\n", 5)) {
				printf("MANY connection %lu failed\n", i);
				return 1;
			}
		}
		/* all k open now: one line each, echoed */
		for (unsigned long i = 0; i < k; i++) {
			char msg[32];

			snprintf(msg, sizeof(msg), "conn %lu\n", i);
			if (write_all(fds[i], msg, strlen(msg)))
				return 1;
		}
		for (unsigned long i = 0; i < k; i++) {
			char want[32];

			snprintf(want, sizeof(want), "conn %lu", i);
			if (read_line(fds[i], line, sizeof(line)) >= 0 &&
			    !strcmp(line, want))
				ok++;
			close(fds[i]);
		}
		printf("MANY %lu/%lu echoed with all open\n", ok, k);
		return ok == k ? 0 : 1;
	}
	if (!strcmp(argv[1], "listen")) {
		struct sockaddr_un a = {.sun_family = AF_UNIX};
		uint64_t got, gh;
		int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		alarm(0); /* waits for the guest: the caller's guard */
		snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[2]);
		unlink(argv[2]);
		if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
		    listen(l, 4))
			return 1;
		fd = accept(l, NULL, NULL);
		if (fd < 0)
			return 1;
		alarm(GUARD_S);
		if (read_to_eof(fd, &got, &gh))
			return 1;
		snprintf(line, sizeof(line), "GOT %llu %016llx\n",
			 (unsigned long long)got, (unsigned long long)gh);
		write_all(fd, line, strlen(line));
		printf("LISTEN %s", line);
		return 0;
	}
	return usage();
}
