// SPDX-License-Identifier: MIT
/*
 * bootwatch: the boot benchmark's stopwatch (bench/boot.sh), built static
 * and run inside the test host's busybox L1, where `date` has no
 * nanoseconds.
 *
 *   bootwatch [-t SECS] [-s SIGNAL] [-g SECS] -o OUTFILE PATTERN -- CMD...
 *
 * Runs CMD with stdin from /dev/null and stdout and stderr on one pipe,
 * copied to OUTFILE.  The clock (CLOCK_MONOTONIC) starts in the child just
 * before execve and stops when PATTERN first appears in the output.  Then
 * CMD gets SIGNAL (default SIGINT); if it has not exited after -g seconds
 * (default 20) it gets SIGKILL.  The end is not measured.
 * Prints one line on stdout: "BOOTWATCH ms=12.345" or "BOOTWATCH ms=-"
 * (no PATTERN within -t seconds, default 300, or CMD exited first).
 * Exit status 0 when PATTERN was seen, 1 otherwise, 2 on usage errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int usage(void)
{
	fprintf(stderr, "usage: bootwatch [-t SECS] [-s SIGNAL] [-g SECS] "
			"-o OUTFILE PATTERN -- CMD...\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	long limit_s = 300, grace_s = 20;
	int sig = SIGINT, opt;

	while ((opt = getopt(argc, argv, "t:s:g:o:")) != -1) {
		switch (opt) {
		case 't':
			limit_s = atol(optarg);
			break;
		case 's':
			sig = atoi(optarg);
			break;
		case 'g':
			grace_s = atol(optarg);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return usage();
		}
	}
	if (!out || optind + 2 > argc || limit_s <= 0 || grace_s <= 0 ||
	    sig <= 0 || sig >= NSIG)
		return usage();
	const char *pat = argv[optind++];
	size_t plen = strlen(pat);
	if (!strcmp(argv[optind], "--"))
		optind++;
	if (optind >= argc || plen == 0 || plen > 200)
		return usage();

	int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ofd < 0) {
		perror(out);
		return 2;
	}
	/* the child's start time, written just before execve */
	volatile uint64_t *t0 = mmap(NULL, sizeof(*t0), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int p[2];
	if (t0 == MAP_FAILED || pipe2(p, O_CLOEXEC) < 0) {
		perror("bootwatch");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul < 0 || dup2(nul, 0) < 0 || dup2(p[1], 1) < 0 ||
		    dup2(p[1], 2) < 0)
			_exit(127);
		*t0 = now_ns();
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	close(p[1]);

	/* the last plen-1 bytes carried over, so a match may span reads */
	char buf[4096 + 256];
	size_t keep = 0;
	uint64_t hit = 0, start = now_ns(), kill_at = 0;
	int killed = 0;

	for (;;) {
		uint64_t t = now_ns();
		if (!hit && !killed &&
		    t - start > (uint64_t)limit_s * 1000000000u) {
			kill(pid, sig);
			killed = 1;
			kill_at = t;
		}
		if (killed == 1 &&
		    t - kill_at > (uint64_t)grace_s * 1000000000u) {
			kill(pid, SIGKILL);
			killed = 2;
		}
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		int r = poll(&pfd, 1, 100);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		ssize_t n = read(p[0], buf + keep, sizeof(buf) - 256);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		uint64_t tr = now_ns();
		if (write(ofd, buf + keep, (size_t)n) < 0) {
			/* keep reading: a stalled pipe would stall CMD */
		}
		size_t len = keep + (size_t)n;
		if (!hit && memmem(buf, len, pat, plen)) {
			hit = tr;
			kill(pid, sig);
			killed = 1;
			kill_at = tr;
		}
		keep = len < plen - 1 ? len : plen - 1;
		memmove(buf, buf + len - keep, keep);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	close(ofd);
	if (hit && *t0 && hit >= *t0) {
		printf("BOOTWATCH ms=%.3f\n", (double)(hit - *t0) / 1e6);
		return 0;
	}
	printf("BOOTWATCH ms=-\n");
	return 1;
}
