// SPDX-License-Identifier: MIT
/*
 * Kernel and initrd files are read once (kernel_read_file): what was
 * checked is what gets loaded, whatever happens to the file afterwards,
 * and a file that changes while it is being read is refused by name.
 *
 * "While being read" is made deterministic by defining pread here: the
 * test binary's pread is the one libcharlie.a's kernel_file.o calls.  It
 * runs a hook that changes the file, then does the real read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch/x86/layout.h"
#include "boot/kernel.h"

#define KLEN	  0x10000
#define SETUP_LEN (5 * 512) /* setup_sects 4 */
#define RDLEN	  8192
#define MIB	  (1ull << 20)

/* ---- pread with a hook ---- */

static void (*pread_hook)(int fd); /* fd: the file, opened for writing */
static const char *hook_path;

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	void (*hook)(int) = pread_hook;

	if (hook) { /* once, before the first read */
		int wfd = open(hook_path, O_WRONLY);

		pread_hook = NULL;
		assert_true(wfd >= 0);
		hook(wfd);
		close(wfd);
	}
	return syscall(SYS_pread64, fd, buf, n, off);
}

static void shrink(int fd)
{
	assert_int_equal(ftruncate(fd, KLEN / 2), 0);
}

static void grow(int fd)
{
	assert_int_equal(pwrite(fd, "more", 4, KLEN), 4);
}

static void touch_mtime(int fd)
{
	/* a same-size rewrite in place: only the times tell */
	const struct timespec t[2] = {{1, 0}, {1, 0}};

	assert_int_equal(futimens(fd, t), 0);
}

/* ---- files ---- */

static uint8_t k[KLEN];

static void p16(unsigned int off, uint16_t v)
{
	k[off] = (uint8_t)v;
	k[off + 1] = (uint8_t)(v >> 8);
}

static void p32(unsigned int off, uint32_t v)
{
	p16(off, (uint16_t)v);
	p16(off + 2, (uint16_t)(v >> 16));
}

/* A minimal well-formed protocol 2.15 bzImage (as test_boot_bzimage.c). */
static void make_kernel(void)
{
	memset(k, 0, sizeof(k));
	k[0] = 'M';
	k[1] = 'Z';
	k[0x1f1] = 4;			     /* setup_sects */
	p32(0x1f4, (KLEN - SETUP_LEN) / 16); /* syssize */
	p16(0x1fe, 0xaa55);
	k[0x200] = 0xeb;
	k[0x201] = 0x6a;
	memcpy(k + 0x202, "HdrS", 4);
	p16(0x206, 0x020f);
	k[0x211] = 0x01;	/* LOADED_HIGH */
	p32(0x214, 0x100000);	/* code32_start */
	p32(0x22c, 0x7fffffff); /* initrd_addr_max */
	p32(0x230, 0x200000);	/* kernel_alignment */
	k[0x234] = 1;		/* relocatable */
	k[0x235] = 21;		/* min_alignment */
	p16(0x236, 0x7f);	/* xloadflags */
	p32(0x238, 2047);	/* cmdline_size */
	p32(0x260, 0x100000);	/* init_size */
	for (unsigned int i = SETUP_LEN; i < KLEN; i++)
		k[i] = (uint8_t)(i * 7 + 1);
}

struct tmp {
	char dir[32];
	char kernel[64];
	char initrd[64];
};

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void tmp_make(struct tmp *t)
{
	uint8_t rd[RDLEN];

	snprintf(t->dir, sizeof(t->dir), "/tmp/charlie-ut-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->kernel, sizeof(t->kernel), "%s/bzImage", t->dir);
	snprintf(t->initrd, sizeof(t->initrd), "%s/initrd", t->dir);
	make_kernel();
	write_file(t->kernel, k, KLEN);
	memset(rd, 0x5a, sizeof(rd));
	write_file(t->initrd, rd, sizeof(rd));
}

static void tmp_remove(struct tmp *t)
{
	unlink(t->kernel);
	unlink(t->initrd);
	rmdir(t->dir);
}

/* ---- changed after reading: the checked bytes are loaded ---- */

static void cut(const char *path)
{
	assert_int_equal(truncate(path, 100), 0);
}

static void overwrite(const char *path)
{
	int fd = open(path, O_WRONLY);
	uint8_t junk[4096];

	assert_true(fd >= 0);
	memset(junk, 0xcc, sizeof(junk));
	for (int i = 0; i < 4; i++)
		assert_int_equal(write(fd, junk, sizeof(junk)),
				 (ssize_t)sizeof(junk));
	close(fd);
}

/* read + probe + check_fit, change both files, then load: the load must
 * succeed (no SIGBUS) with exactly the bytes that were checked. */
static void changed_before_load(void (*change)(const char *))
{
	struct kernel_image img, rd;
	struct charlie_kernel_report rep;
	struct charlie_error err;
	struct boot_entry e;
	struct gm gm;
	struct tmp t;
	uint8_t *bp;

	tmp_make(&t);
	assert_int_equal(kernel_read_file(t.kernel, &img, &err), 0);
	assert_int_equal(kernel_probe(&img, &rep), 0);
	assert_int_equal(
		kernel_check_fit(&rep, t.kernel, 64 * MIB, 0, RDLEN, &err), 0);
	assert_int_equal(kernel_read_file_as(t.initrd, "initrd",
					     CHARLIE_E_INITRD, &rd, &err),
			 0);
	change(t.kernel);
	change(t.initrd);

	assert_int_equal(gm_init(&gm, 64 * MIB), 0);
	assert_int_equal(kernel_load(&gm, &img, &rep, "x", &rd, 0, &e, &err),
			 0);
	assert_memory_equal(gm_ptr(&gm, X86_KERNEL_ADDR, KLEN - SETUP_LEN),
			    k + SETUP_LEN, KLEN - SETUP_LEN);
	bp = gm_ptr(&gm, X86_BOOT_PARAMS_ADDR, 4096);
	assert_memory_equal(bp + 0x1f1, k + 0x1f1, 0x210 - 0x1f1);
	for (unsigned int i = 0; i < RDLEN; i++)
		assert_int_equal(
			*(uint8_t *)gm_ptr(&gm, 64 * MIB - RDLEN + i, 1), 0x5a);
	gm_free(&gm);
	kernel_image_free(&img);
	kernel_image_free(&rd);
	tmp_remove(&t);
}

static void truncated_after_read_loads_checked_bytes(void **state)
{
	changed_before_load(cut);
}

static void rewritten_after_read_loads_checked_bytes(void **state)
{
	changed_before_load(overwrite);
}

/* Files of 2 MiB and more go to a huge-page-aligned buffer: same rules. */
static void big_file_is_a_private_copy(void **state)
{
	const size_t len = 3 * MIB + 5;
	struct kernel_image img;
	struct charlie_error err;
	uint8_t *data = malloc(len);
	struct tmp t;

	assert_non_null(data);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 31 + (i >> 12));
	tmp_make(&t);
	write_file(t.kernel, data, len);
	assert_int_equal(kernel_read_file(t.kernel, &img, &err), 0);
	assert_int_equal(img.len, len);
	cut(t.kernel);
	assert_memory_equal(img.data, data, len);
	kernel_image_free(&img);
	assert_null(img.data);
	free(data);
	tmp_remove(&t);
}

/* ---- changed while being read: a named error ---- */

struct changing {
	const char *name;
	void (*hook)(int fd);
	const char *says;
};

static const struct changing changing[] = {
	{"shrinks", shrink, "it ended after"},
	{"grows", grow, "grew"},
	{"rewritten in place", touch_mtime, "modification time"},
};

static void expect_changed(const char *path, const char *what,
			   enum charlie_err code, const struct changing *c)
{
	struct kernel_image img;
	struct charlie_error err;
	char head[128];
	int ret;

	hook_path = path;
	pread_hook = c->hook;
	if (code == CHARLIE_OK)
		ret = kernel_read_file(path, &img, &err);
	else
		ret = kernel_read_file_as(path, what, code, &img, &err);
	pread_hook = NULL;
	if (ret != -22)
		fail_msg("%s (%s): read returned %d", what, c->name, ret);
	assert_null(img.data);
	assert_int_equal(err.code, code == CHARLIE_OK
					   ? CHARLIE_E_KERNEL_TRUNCATED
					   : code);
	assert_string_equal(err.field, what);
	snprintf(head, sizeof(head), "%s %s: file changed while being read",
		 what, path);
	if (strncmp(err.msg, head, strlen(head)) || !strstr(err.msg, c->says))
		fail_msg("%s (%s): message \"%s\"", what, c->name, err.msg);
}

static void kernel_changed_while_read(void **state)
{
	struct tmp t;

	for (size_t i = 0; i < sizeof(changing) / sizeof(changing[0]); i++) {
		tmp_make(&t);
		expect_changed(t.kernel, "kernel", CHARLIE_OK, &changing[i]);
		tmp_remove(&t);
	}
}

static void initrd_changed_while_read(void **state)
{
	struct tmp t;

	for (size_t i = 0; i < sizeof(changing) / sizeof(changing[0]); i++) {
		tmp_make(&t);
		/* the hooks cut/extend at KLEN: make the initrd that long */
		write_file(t.initrd, k, KLEN);
		expect_changed(t.initrd, "initrd", CHARLIE_E_INITRD,
			       &changing[i]);
		tmp_remove(&t);
	}
}

/* ---- the initrd's errors name the initrd ---- */

static void initrd_errors_name_initrd(void **state)
{
	struct kernel_image img;
	struct charlie_error err;
	char path[96], head[128];
	struct tmp t;
	const struct {
		const char *file;
		const char *says;
	} cases[] = {
		{"", "is a directory, expected a regular file (the initrd)"},
		{"/missing", "cannot open: No such file or directory"},
		{"/empty", "file is empty (0 bytes)"},
	};

	tmp_make(&t);
	snprintf(path, sizeof(path), "%s/empty", t.dir);
	write_file(path, "", 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", t.dir, cases[i].file);
		assert_int_equal(kernel_read_file_as(path, "initrd",
						     CHARLIE_E_INITRD, &img,
						     &err),
				 -22);
		assert_int_equal(err.code, CHARLIE_E_INITRD);
		assert_string_equal(err.field, "initrd");
		snprintf(head, sizeof(head), "initrd %s: %s", path,
			 cases[i].says);
		assert_string_equal(err.msg, head);
	}
	snprintf(path, sizeof(path), "%s/empty", t.dir);
	unlink(path);
	tmp_remove(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(truncated_after_read_loads_checked_bytes),
		cmocka_unit_test(rewritten_after_read_loads_checked_bytes),
		cmocka_unit_test(big_file_is_a_private_copy),
		cmocka_unit_test(kernel_changed_while_read),
		cmocka_unit_test(initrd_changed_while_read),
		cmocka_unit_test(initrd_errors_name_initrd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
