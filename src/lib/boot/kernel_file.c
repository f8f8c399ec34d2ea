// SPDX-License-Identifier: MIT
/* Reading a kernel file once, whole, at the boundary (design.md 7.5). */
#include "kernel.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Nothing bootable is this big; keeps a wrong path from eating RAM. */
#define KERNEL_FILE_MAX (1ull << 30)

static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int kernel_read_file(const char *path, struct kernel_image *img,
		     struct charlie_error *err)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd, ret;

	memset(img, 0, sizeof(*img));
	img->path = path;
	/* O_NONBLOCK: opening a FIFO must not hang before we can refuse it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return err_set(err, CHARLIE_E_KERNEL_OPEN, "kernel",
			       "kernel %s: cannot open: %s", path,
			       strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = err_set(err, CHARLIE_E_KERNEL_OPEN, "kernel",
			      "kernel %s: cannot stat: %s", path,
			      strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = err_set(err, CHARLIE_E_KERNEL_NOT_REGULAR, "kernel",
			      "kernel %s: is %s, expected a kernel file", path,
			      file_kind(st.st_mode));
		goto out_close;
	}
	if (st.st_size == 0) {
		ret = err_set(err, CHARLIE_E_KERNEL_EMPTY, "kernel",
			      "kernel %s: file is empty (0 bytes)", path);
		goto out_close;
	}
	if ((uint64_t)st.st_size > KERNEL_FILE_MAX) {
		ret = err_set(err, CHARLIE_E_KERNEL_OPEN, "kernel",
			      "kernel %s: file is %lld bytes, more than the "
			      "1 GiB a kernel can be",
			      path, (long long)st.st_size);
		goto out_close;
	}
	/* Mapped, not read: the loader copies straight from the page cache
	 * into guest RAM (reading a 14 MB bzImage into a fresh buffer cost
	 * ~20 ms of page faults and copying). */
	buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
		   fd, 0);
	if (buf != MAP_FAILED) {
		img->data = buf;
		img->len = (size_t)st.st_size;
		img->mapped = true;
		close(fd);
		return 0;
	}
	/* not mappable (odd filesystems): read it */
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		ret = err_set(err, CHARLIE_E_HOST, "kernel",
			      "kernel %s: out of memory reading %lld bytes",
			      path, (long long)st.st_size);
		goto out_close;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = err_set(err, CHARLIE_E_KERNEL_OPEN, "kernel",
				      "kernel %s: read failed: %s", path,
				      strerror(errno));
			goto out_free;
		}
		if (n == 0)
			break; /* shrank under us: the checks see what is left
				*/
		got += (size_t)n;
	}
	if (got == 0) {
		ret = err_set(err, CHARLIE_E_KERNEL_EMPTY, "kernel",
			      "kernel %s: file is empty (0 bytes)", path);
		goto out_free;
	}
	img->data = buf;
	img->len = got;
	close(fd);
	return 0;

out_free:
	free(buf);
out_close:
	close(fd);
	return ret;
}

void kernel_image_free(struct kernel_image *img)
{
	if (!img)
		return;
	if (img->mapped && img->data)
		munmap(img->data, img->len);
	else
		free(img->data);
	img->mapped = false;
	img->data = NULL;
	img->len = 0;
}
