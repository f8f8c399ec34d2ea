// SPDX-License-Identifier: MIT
/* The one bounds-checked reader of disk images (design.md 7.5). */
#include "disk.h"
#include "err.h"
#include "boot/kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int disk_err(const struct disk_reader *r, struct charlie_error *err,
	     enum charlie_err code, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return err_set(err, code, "image", "image %s: %s", r->path, why);
}

int disk_open(struct disk_reader *r, const char *path,
	      struct charlie_error *err)
{
	struct stat st;
	int fd;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->fd = -1;
	/* O_NONBLOCK: opening a FIFO must not hang before it is refused. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return disk_err(r, err, CHARLIE_E_IMAGE_OPEN, "cannot open: %s",
				strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return disk_err(r, err, CHARLIE_E_IMAGE_OPEN,
				"not a regular file");
	}
	r->fd = fd;
	r->size = (uint64_t)st.st_size;
	return 0;
}

void disk_reader_mem(struct disk_reader *r, const char *name, const void *p,
		     size_t len)
{
	memset(r, 0, sizeof(*r));
	r->path = name;
	r->fd = -1;
	r->mem = p;
	r->size = len;
}

void disk_close(struct disk_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

int disk_read(const struct disk_reader *r, uint64_t off, void *buf, size_t len,
	      enum charlie_err code, const char *what,
	      struct charlie_error *err)
{
	size_t got = 0;
	ssize_t n;

	if (!disk_range_ok(off, len, r->size))
		return disk_err(r, err, code,
				"%s at offset %llu (%zu bytes) lies outside "
				"the image (%llu bytes)",
				what, (unsigned long long)off, len,
				(unsigned long long)r->size);
	if (r->mem) {
		memcpy(buf, r->mem + off, len);
		return 0;
	}
	while (got < len) {
		n = pread(r->fd, (uint8_t *)buf + got, len - got,
			  (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return disk_err(r, err, CHARLIE_E_IMAGE_OPEN,
					"reading %s at offset %llu: %s", what,
					(unsigned long long)(off + got),
					n < 0 ? strerror(errno)
					      : "file shrank while being read");
		got += (size_t)n;
	}
	return 0;
}

uint32_t disk_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
	}
	return ~crc;
}

/* Files read from an image (a UKI of 15 MB) go into the kernel loader's
 * huge-page backed buffers: 7 page faults instead of 3,500. */
uint8_t *disk_buf_alloc(size_t len)
{
	return kernel_buf_alloc(len ? len : 1);
}

void disk_buf_free(uint8_t *p, size_t len)
{
	kernel_buf_free(p, len ? len : 1);
}
