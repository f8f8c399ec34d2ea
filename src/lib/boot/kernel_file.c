// SPDX-License-Identifier: MIT
/*
 * Reading a kernel (or initrd) file once, whole, at the boundary
 * (design.md 7.5).
 *
 * The file is copied into a private anonymous buffer with pread, and
 * everything after that (kernel_probe, kernel_check_fit, kernel_load) uses
 * only the buffer.  So the bytes loaded into guest memory are the bytes
 * that were checked, and a file truncated or rewritten later changes
 * nothing.
 *
 * Why not mmap of the file: a mapping is not a snapshot.  Truncation zaps
 * the mapped pages, even MAP_PRIVATE and MAP_POPULATE ones, so reading
 * them afterwards raises SIGBUS; and a write to the file shows through any
 * page not yet copied, so the loader could copy bytes the checks never saw.
 * Catching SIGBUS inside a library is not an option.
 *
 * Cost: page faults dominate, not the copy.  Debian 6.1 cloud vmlinuz
 * (14 MB, page cache warm, fresh process, loaded 2-core VM): mmap +
 * MAP_POPULATE 2.2 ms; malloc + pread 23-43 ms (3,500 4 KiB faults);
 * a 2 MiB-aligned MADV_HUGEPAGE buffer + pread 6-10 ms (7 faults), which
 * is what is done for files of 2 MiB and more.  The copy into guest RAM
 * that follows costs the same either way.
 *
 * A file that changes while it is being read is refused with a named
 * error: it shrank (pread hits EOF early), it grew (a byte after the size
 * fstat gave), or fstat after the read disagrees with fstat before it
 * (size, inode, mtime or ctime: a rewrite in place; best effort, as good
 * as the file system's timestamps).
 */
#include "kernel.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Nothing bootable is this big; keeps a wrong path from eating RAM. */
#define KERNEL_FILE_MAX (1ull << 30)
#define HUGE_SIZE	(2ull << 20)

/* The length of the buffer mapping for a file of `len` bytes: whole huge
 * pages from 2 MiB on, else whole pages (munmap rounds up to a page). */
static size_t buf_map_len(size_t len)
{
	if (len < HUGE_SIZE)
		return len;
	return (len + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
}

/* A private buffer for `len` bytes, 2 MiB-aligned and huge-page backed
 * where possible (see the top of the file), or NULL. */
uint8_t *kernel_buf_alloc(size_t len)
{
	size_t map = buf_map_len(len), over;
	uint8_t *p, *a;

	if (len < HUGE_SIZE) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	over = map + HUGE_SIZE;
	p = mmap(NULL, over, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + over > a + map)
		munmap(a + map, (size_t)(p + over - (a + map)));
	madvise(a, map, MADV_HUGEPAGE); /* a hint: 4 KiB pages still work */
	return a;
}

void kernel_buf_free(uint8_t *p, size_t len)
{
	if (p)
		munmap(p, buf_map_len(len));
}

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

/* What is being read: "kernel"/"initrd" (field and first word of every
 * message) and the code every error gets (CHARLIE_OK: per-cause codes). */
struct file_ctx {
	const char *path;
	const char *what;
	enum charlie_err code;
	struct charlie_error *err;
};

static int file_err(const struct file_ctx *c, enum charlie_err specific,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int file_err(const struct file_ctx *c, enum charlie_err specific,
		    const char *fmt, ...)
{
	char why[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return err_set(c->err, c->code != CHARLIE_OK ? c->code : specific,
		       c->what, "%s %s: %s", c->what, c->path, why);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Reads exactly `size` bytes at offset 0 into buf and checks that the file
 * ends there and was not changed meanwhile. */
static int read_exactly(const struct file_ctx *c, int fd,
			const struct stat *before, uint8_t *buf, size_t size)
{
	struct stat after;
	size_t got = 0;
	uint8_t extra;
	ssize_t n;

	while (got < size) {
		n = pread(fd, buf + got, size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return file_err(c, CHARLIE_E_KERNEL_OPEN,
					"read failed: %s", strerror(errno));
		if (n == 0)
			return file_err(c, CHARLIE_E_KERNEL_TRUNCATED,
					"file changed while being read: it "
					"was %zu bytes, it ended after %zu",
					size, got);
		got += (size_t)n;
	}
	do
		n = pread(fd, &extra, 1, (off_t)size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return file_err(c, CHARLIE_E_KERNEL_OPEN, "read failed: %s",
				strerror(errno));
	if (n > 0)
		return file_err(c, CHARLIE_E_KERNEL_TRUNCATED,
				"file changed while being read: it was %zu "
				"bytes and grew",
				size);
	if (fstat(fd, &after) < 0)
		return file_err(c, CHARLIE_E_KERNEL_OPEN, "cannot stat: %s",
				strerror(errno));
	if (!same_file(before, &after))
		return file_err(c, CHARLIE_E_KERNEL_TRUNCATED,
				"file changed while being read (size or "
				"modification time differs after reading)");
	return 0;
}

int kernel_read_file_as(const char *path, const char *what,
			enum charlie_err code, struct kernel_image *img,
			struct charlie_error *err)
{
	const struct file_ctx c = {
		.path = path, .what = what, .code = code, .err = err};
	struct stat st;
	uint8_t *buf;
	size_t size;
	int fd, ret;

	memset(img, 0, sizeof(*img));
	img->path = path;
	/* O_NONBLOCK: opening a FIFO must not hang before we can refuse it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return file_err(&c, CHARLIE_E_KERNEL_OPEN, "cannot open: %s",
				strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = file_err(&c, CHARLIE_E_KERNEL_OPEN, "cannot stat: %s",
			       strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = file_err(&c, CHARLIE_E_KERNEL_NOT_REGULAR,
			       "is %s, expected a regular file (the %s)",
			       file_kind(st.st_mode), what);
		goto out_close;
	}
	if (st.st_size == 0) {
		ret = file_err(&c, CHARLIE_E_KERNEL_EMPTY,
			       "file is empty (0 bytes)");
		goto out_close;
	}
	if ((uint64_t)st.st_size > KERNEL_FILE_MAX) {
		ret = file_err(&c, CHARLIE_E_KERNEL_OPEN,
			       "file is %lld bytes, more than the 1 GiB a %s "
			       "can be",
			       (long long)st.st_size, what);
		goto out_close;
	}
	size = (size_t)st.st_size;
	buf = kernel_buf_alloc(size);
	if (!buf) {
		ret = file_err(&c, CHARLIE_E_HOST,
			       "out of memory reading %zu bytes", size);
		goto out_close;
	}
	ret = read_exactly(&c, fd, &st, buf, size);
	if (ret) {
		kernel_buf_free(buf, size);
		goto out_close;
	}
	img->data = buf;
	img->len = size;
out_close:
	close(fd);
	return ret;
}

int kernel_read_file(const char *path, struct kernel_image *img,
		     struct charlie_error *err)
{
	return kernel_read_file_as(path, "kernel", CHARLIE_OK, img, err);
}

void kernel_image_free(struct kernel_image *img)
{
	if (!img)
		return;
	kernel_buf_free(img->data, img->len);
	img->data = NULL;
	img->len = 0;
}
