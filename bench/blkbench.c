// SPDX-License-Identifier: MIT
/*
 * blkbench DEV [SECONDS]: inside a guest, sequential read MB/s (1 MiB
 * O_DIRECT reads over the whole device, repeated until SECONDS/2 pass) and
 * 4 KiB random-read IOPS (O_DIRECT, one at a time, SECONDS/2), printed as
 * one line "BLKBENCH seq_mbps=X rand_iops=Y".  Static, for bench/blk.sh.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 2 ? atof(argv[2]) : 10, t0, t;
	uint64_t size = 0, done = 0, n = 0, x = 88172645463325252ull;
	void *buf;
	int fd;

	if (argc < 2)
		return 2;
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) < 0 || size < (1 << 20) ||
	    posix_memalign(&buf, 4096, 1 << 20)) {
		perror("blkbench");
		return 1;
	}
	t0 = now();
	for (off_t off = 0;;
	     off = (off_t)((off + (1 << 20)) % (off_t)(size & ~0xfffffull))) {
		if (pread(fd, buf, 1 << 20, off) != 1 << 20) {
			perror("blkbench: seq");
			return 1;
		}
		done += 1 << 20;
		if ((t = now() - t0) >= secs / 2)
			break;
	}
	printf("BLKBENCH seq_mbps=%.1f", (double)done / t / 1e6);
	t0 = now();
	for (;;) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (pread(fd, buf, 4096, (off_t)((x % (size / 4096)) * 4096)) !=
		    4096) {
			perror("blkbench: rand");
			return 1;
		}
		n++;
		if ((n & 63) == 0 && (t = now() - t0) >= secs / 2)
			break;
	}
	printf(" rand_iops=%.0f\n", (double)n / t);
	return 0;
}
