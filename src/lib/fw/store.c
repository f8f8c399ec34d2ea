// SPDX-License-Identifier: MIT
/*
 * The firmware files of a VM (fw.h): the CODE image, read once into a
 * private read-only copy; the variable store, locked with an OFD lock
 * (no second VM), worked on in memory and saved atomically (temporary
 * file, fsync, rename, fsync of the directory), so the file on disk is
 * always a complete old or new image.
 */
#include "fw/fw.h"
#include "config.h"
#include "err.h"
#include "disk/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint8_t *page_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void page_free(uint8_t *p, size_t len)
{
	if (p)
		munmap(p, len);
}

/* Reads a whole regular file of at most `max` bytes into page memory. */
static int read_whole(const char *path, size_t max, uint8_t **out, size_t *len,
		      char *why, size_t wsz)
{
	struct stat st;
	uint8_t *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		snprintf(why, wsz, "cannot open: %s", strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, wsz, "not a regular file");
		return -EINVAL;
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > max) {
		close(fd);
		snprintf(why, wsz,
			 "size %lld bytes is not that of OVMF "
			 "firmware (up to %zu)",
			 (long long)st.st_size, max);
		return -EINVAL;
	}
	p = page_alloc((size_t)st.st_size);
	if (!p) {
		close(fd);
		snprintf(why, wsz, "out of memory");
		return -ENOMEM;
	}
	if (pread(fd, p, (size_t)st.st_size, 0) != st.st_size) {
		close(fd);
		page_free(p, (size_t)st.st_size);
		snprintf(why, wsz, "short read");
		return -EIO;
	}
	close(fd);
	*out = p;
	*len = (size_t)st.st_size;
	return 0;
}

/* OVMF_CODE_4M.fd -> OVMF_VARS_4M.fd, in the same directory. */
static char *template_for(const char *code)
{
	const char *base = strrchr(code, '/');
	const char *hit;
	char *t;

	base = base ? base + 1 : code;
	hit = strstr(base, "CODE");
	if (!hit)
		return NULL;
	t = strdup(code);
	if (t)
		memcpy(t + (hit - code), "VARS", 4);
	return t;
}

static int dir_writable(const char *path)
{
	char *d = strdup(path);
	int ok;

	if (!d)
		return -ENOMEM;
	ok = access(dirname(d), W_OK) == 0;
	free(d);
	return ok ? 0 : -EACCES;
}

static int check_store_bytes(const struct fw_files *f, const uint8_t *p,
			     size_t len, const char *what, const char *path,
			     struct charlie_error *err)
{
	struct charlie_fw_report r;

	if (len != f->vars_len)
		return err_set(err, CHARLIE_E_EFI_VARS, "efi-vars",
			       "%s %s: %zu bytes, but firmware %s needs a "
			       "%zu-byte variable store (%s)",
			       what, path, len, f->code_path, f->vars_len,
			       f->vars_len == 0x84000	? "OVMF_VARS_4M.fd"
			       : f->vars_len == 0x20000 ? "OVMF_VARS.fd"
							: "its VARS image");
	fw_inspect_buf(p, len, &r);
	if (r.kind != CHARLIE_FW_VARS || !r.store_valid)
		return err_set(err, CHARLIE_E_EFI_VARS, "efi-vars",
			       "%s %s: not an OVMF variable store (%s)", what,
			       path, r.why[0] ? r.why : "unknown content");
	return 0;
}

static int open_store(struct fw_files *f, const char *path,
		      struct charlie_error *err)
{
	struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;

		if (e == EACCES || e == EROFS || e == EPERM)
			return err_set(err, CHARLIE_E_EFI_VARS_RDONLY,
				       "efi-vars",
				       "efi-vars %s: read-only (%s): the "
				       "store is written back at stop",
				       path, strerror(e));
		return err_set(err, CHARLIE_E_EFI_VARS, "efi-vars",
			       "efi-vars %s: cannot open: %s", path,
			       strerror(e));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(err, CHARLIE_E_EFI_VARS, "efi-vars",
			       "efi-vars %s: not a regular file", path);
	}
	/* root opens anything: the mode bits say what the owner meant */
	if (!(st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH))) {
		close(fd);
		return err_set(err, CHARLIE_E_EFI_VARS_RDONLY, "efi-vars",
			       "efi-vars %s: read-only (mode %03o): the "
			       "store is written back at stop",
			       path, (unsigned int)(st.st_mode & 0777));
	}
	if (dir_writable(path)) {
		close(fd);
		return err_set(err, CHARLIE_E_EFI_VARS_RDONLY, "efi-vars",
			       "efi-vars %s: read-only: its directory is not "
			       "writable (the store is replaced atomically "
			       "at stop)",
			       path);
	}
	if ((uint64_t)st.st_size != f->vars_len) {
		close(fd);
		return check_store_bytes(f, NULL, (size_t)st.st_size,
					 "efi-vars", path, err);
	}
	if (fcntl(fd, F_OFD_SETLK, &lk) < 0) {
		close(fd);
		return err_set(err, CHARLIE_E_EFI_VARS_LOCKED, "efi-vars",
			       "efi-vars %s: in use by another VM (locked)",
			       path);
	}
	if (pread(fd, f->vars, f->vars_len, 0) != (ssize_t)f->vars_len) {
		close(fd);
		return err_set(err, CHARLIE_E_EFI_VARS, "efi-vars",
			       "efi-vars %s: short read", path);
	}
	ret = check_store_bytes(f, f->vars, f->vars_len, "efi-vars", path, err);
	if (ret) {
		close(fd);
		return ret;
	}
	f->vars_fd = fd;
	return 0;
}

static int check_disk(const struct charlie_config *cfg,
		      struct charlie_error *err)
{
	struct disk_reader r;
	struct gpt_info gi;
	int ret;

	if (!cfg->nr_disks)
		return err_set(err, CHARLIE_E_EFI_NO_DISK, "disk",
			       "efi: no --disk to boot from (the firmware "
			       "boots the first disk's EFI system "
			       "partition)");
	ret = disk_open(&r, cfg->disks[0].path, err);
	if (ret)
		return ret;
	ret = gpt_find_esp(&r, &gi, err);
	disk_close(&r);
	return ret;
}

int fw_check_boot_source(const struct charlie_config *cfg,
			 struct charlie_error *err)
{
	if ((cfg->kernel && cfg->kernel[0]) ||
	    (cfg->boot_image && cfg->boot_image[0]))
		return err_set(err, CHARLIE_E_EFI_WITH_KERNEL, "kernel",
			       "efi: --kernel/--boot-image cannot be given "
			       "with --efi (the firmware boots the disk)");
	if (!cfg->nr_disks)
		return err_set(err, CHARLIE_E_EFI_NO_DISK, "disk",
			       "efi: no --disk to boot from (the firmware "
			       "boots the first disk's EFI system "
			       "partition)");
	return 0;
}

int fw_config_validate(const struct charlie_config *cfg,
		       struct charlie_error *err)
{
	struct fw_files f;
	uint64_t initrd_size;
	int ret = fw_check_boot_source(cfg, err);

	if (!ret)
		ret = config_check_basic(cfg, &initrd_size, err);
	if (!ret)
		ret = fw_files_open(cfg, &f, err);
	if (!ret)
		fw_files_close(&f);
	return ret;
}

int fw_files_open(const struct charlie_config *cfg, struct fw_files *f,
		  struct charlie_error *err)
{
	const char *code = cfg->efi.firmware ? cfg->efi.firmware
					     : CHARLIE_EFI_DEFAULT_FIRMWARE;
	struct charlie_fw_report r;
	struct stat st;
	uint8_t *tmpl = NULL;
	size_t tlen = 0;
	char why[300];
	int ret;

	memset(f, 0, sizeof(*f));
	f->vars_fd = -1;
	ret = fw_check_boot_source(cfg, err);
	if (ret)
		return ret;
	f->code_path = strdup(code);
	if (!f->code_path)
		return err_set(err, CHARLIE_E_HOST, "", "out of memory");
	ret = read_whole(code, FW_MAX_CODE, &f->code, &f->code_len, why,
			 sizeof(why));
	if (ret) {
		ret = err_set(err, CHARLIE_E_EFI_FIRMWARE, "efi-firmware",
			      "efi-firmware %s: %s", code, why);
		goto fail;
	}
	fw_inspect_buf(f->code, f->code_len, &r);
	if (r.kind != CHARLIE_FW_OVMF_CODE) {
		ret = err_set(
			err, CHARLIE_E_EFI_FIRMWARE, "efi-firmware",
			"efi-firmware %s: not an OVMF CODE image: %s%s", code,
			r.kind == CHARLIE_FW_VARS ? "it is a variable store"
						  : r.why,
			r.kind == CHARLIE_FW_OVMF_UNIFIED
				? "; use OVMF_CODE*.fd with --efi-vars"
				: "");
		goto fail;
	}
	mprotect(f->code, f->code_len, PROT_READ);
	f->vars_len = (size_t)r.vars_size;
	f->flash_size = r.flash_size;
	f->vars = page_alloc(f->vars_len);
	if (!f->vars) {
		ret = err_set(err, CHARLIE_E_HOST, "", "out of memory");
		goto fail;
	}
	f->template_path = template_for(code);
	if (cfg->efi.vars && cfg->efi.vars[0]) {
		f->vars_path = strdup(cfg->efi.vars);
		if (!f->vars_path) {
			ret = err_set(err, CHARLIE_E_HOST, "", "out of memory");
			goto fail;
		}
		if (stat(f->vars_path, &st) == 0) {
			ret = open_store(f, f->vars_path, err);
			if (ret)
				goto fail;
			goto disk;
		}
		if (errno != ENOENT) {
			ret = err_set(err, CHARLIE_E_EFI_VARS, "efi-vars",
				      "efi-vars %s: %s", f->vars_path,
				      strerror(errno));
			goto fail;
		}
		if (dir_writable(f->vars_path)) {
			ret = err_set(err, CHARLIE_E_EFI_VARS_RDONLY,
				      "efi-vars",
				      "efi-vars %s: cannot be created: its "
				      "directory is missing or not writable",
				      f->vars_path);
			goto fail;
		}
		f->vars_create = true;
	}
	/* a new store (file or memory only): the firmware's template */
	if (!f->template_path) {
		ret = err_set(err, CHARLIE_E_EFI_VARS, "efi-vars",
			      "efi-vars: no template for %s (its name has no "
			      "\"CODE\" to turn into \"VARS\")",
			      code);
		goto fail;
	}
	ret = read_whole(f->template_path, FW_MAX_CODE, &tmpl, &tlen, why,
			 sizeof(why));
	if (ret) {
		ret = err_set(err, CHARLIE_E_EFI_VARS, "efi-vars",
			      "efi-vars template %s: %s", f->template_path,
			      why);
		goto fail;
	}
	ret = check_store_bytes(f, tmpl, tlen, "efi-vars template",
				f->template_path, err);
	if (!ret)
		memcpy(f->vars, tmpl, f->vars_len);
	page_free(tmpl, tlen);
	if (ret)
		goto fail;
disk:
	ret = check_disk(cfg, err);
	if (ret)
		goto fail;
	return 0;
fail:
	fw_files_close(f);
	return ret;
}

/* Writes `f->vars` to a new file next to the store, fsync'd, locked;
 * renames it over the store and fsyncs the directory.  The new file's fd
 * (with its lock) replaces the old one. */
static int replace_store(struct fw_files *f, struct charlie_error *err)
{
	struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char *tmp = NULL, *d = NULL;
	int fd = -1, dfd = -1, ret = 0;
	size_t done = 0;

	if (asprintf(&tmp, "%s.tmp-%d", f->vars_path, (int)getpid()) < 0) {
		tmp = NULL;
		goto nomem;
	}
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		goto io;
	while (done < f->vars_len) {
		ssize_t n = write(fd, f->vars + done, f->vars_len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto io_unlink;
		done += (size_t)n;
	}
	if (fsync(fd) < 0 || fcntl(fd, F_OFD_SETLK, &lk) < 0)
		goto io_unlink;
	if (rename(tmp, f->vars_path) < 0)
		goto io_unlink;
	d = strdup(f->vars_path);
	if (d) {
		dfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	free(d);
	if (f->vars_fd >= 0)
		close(f->vars_fd);
	f->vars_fd = fd;
	free(tmp);
	return 0;
io_unlink:
	ret = errno;
	unlink(tmp);
	errno = ret;
io:
	ret = err_set(err, CHARLIE_E_HOST, "efi-vars",
		      "efi-vars %s: cannot write the store: %s", f->vars_path,
		      strerror(errno));
	if (fd >= 0)
		close(fd);
	free(tmp);
	return ret;
nomem:
	return err_set(err, CHARLIE_E_HOST, "", "out of memory");
}

int fw_files_create_store(struct fw_files *f, struct charlie_error *err)
{
	int ret;

	if (!f->vars_create || !f->vars_path)
		return 0;
	ret = replace_store(f, err);
	if (!ret)
		f->vars_create = false;
	return ret;
}

int fw_files_save(struct fw_files *f, struct charlie_error *err)
{
	int ret;

	if (!f->vars_path || !f->vars || (!f->dirty && !f->vars_create))
		return 0;
	ret = replace_store(f, err);
	if (!ret) {
		f->dirty = false;
		f->vars_create = false;
	}
	return ret;
}

void fw_files_close(struct fw_files *f)
{
	page_free(f->code, f->code_len);
	page_free(f->vars, f->vars_len);
	if (f->vars_fd >= 0)
		close(f->vars_fd);
	free(f->code_path);
	free(f->vars_path);
	free(f->template_path);
	memset(f, 0, sizeof(*f));
	f->vars_fd = -1;
}
