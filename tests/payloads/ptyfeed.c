// SPDX-License-Identifier: MIT
/*
 * ptyfeed PATTERN LINE CMD [ARG]...: runs CMD on a new pseudo-terminal
 * (its stdin/stdout; stderr is inherited), copies what it prints to our
 * stdout, and types LINE + CR on its terminal once PATTERN has appeared
 * in that output.  Exits with CMD's status.  The test host's L1 has no
 * tmux: testhost_virtio.sh uses this to type on charlie's terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[4096], seen[8192] = "";
	size_t seen_len = 0;
	int m, s, status = 0, typed = 0;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: ptyfeed PATTERN LINE CMD [ARG]...\n");
		return 2;
	}
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m)) {
		perror("ptyfeed: pty");
		return 2;
	}
	s = open(ptsname(m), O_RDWR);
	if (s < 0) {
		perror("ptyfeed: pts");
		return 2;
	}
	pid = fork();
	if (pid == 0) {
		setsid();
		ioctl(s, TIOCSCTTY, 0);
		dup2(s, 0);
		dup2(s, 1);
		close(m);
		close(s);
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	close(s);
	for (;;) {
		struct pollfd p = {.fd = m, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 200) < 0 && errno != EINTR)
			break;
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(m, buf, sizeof(buf));
			if (n <= 0)
				break; /* EIO: the child closed the terminal */
			fwrite(buf, 1, (size_t)n, stdout);
			fflush(stdout);
			for (ssize_t i = 0; i < n && !typed; i++) {
				if (seen_len == sizeof(seen) - 1) {
					memmove(seen, seen + 4096, seen_len - 4096);
					seen_len -= 4096;
				}
				seen[seen_len++] = buf[i] ? buf[i] : ' ';
				seen[seen_len] = 0;
			}
			if (!typed && strstr(seen, argv[1])) {
				typed = 1;
				if (write(m, argv[2], strlen(argv[2])) < 0 ||
				    write(m, "\r", 1) < 0)
					perror("ptyfeed: write");
			}
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			while ((n = read(m, buf, sizeof(buf))) > 0)
				fwrite(buf, 1, (size_t)n, stdout);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		}
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
