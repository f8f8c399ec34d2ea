// SPDX-License-Identifier: MIT
/*
 * Disk images for the VM and for `charlie inspect`: the kernel, initrd
 * and command line of a UKI (or EFI-stub kernel) taken into private
 * buffers, so everything downstream of vm_check_kernel is the plain
 * kernel path (design.md 11: no firmware, no new loader).
 */
#include "image.h"
#include "err.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int copy_out(const uint8_t *p, size_t len, const char *path,
		    struct kernel_image *img, struct charlie_error *err)
{
	memset(img, 0, sizeof(*img));
	img->path = path;
	if (!len)
		return 0;
	img->data = kernel_buf_alloc(len);
	if (!img->data)
		return err_set(err, CHARLIE_E_HOST, "image", "out of memory");
	memcpy(img->data, p, len);
	img->len = len;
	return 0;
}

int image_extract(const char *path, struct image_boot *b,
		  struct charlie_error *err)
{
	struct disk_reader r;
	struct uki u;
	int ret;

	memset(b, 0, sizeof(*b));
	ret = disk_open(&r, path, err);
	if (ret)
		return ret;
	ret = uki_read(&r, &u, err);
	disk_close(&r);
	if (ret)
		return ret;
	b->is_uki = u.is_uki;
	ret = copy_out(u.kernel, u.kernel_len, path, &b->kernel, err);
	if (!ret)
		ret = copy_out(u.initrd, u.initrd_len, path, &b->initrd, err);
	if (!ret && u.cmdline) {
		b->cmdline = u.cmdline; /* ownership moves */
		u.cmdline = NULL;
	}
	uki_free(&u);
	if (ret)
		image_boot_free(b);
	return ret;
}

void image_boot_free(struct image_boot *b)
{
	kernel_image_free(&b->kernel);
	kernel_image_free(&b->initrd);
	free(b->cmdline);
	b->cmdline = NULL;
}

static void fill_report(struct charlie_image_report *rep, const struct uki *u)
{
	gpt_guid_str(u->gpt.disk_guid, rep->disk_guid);
	rep->partition_entries = u->gpt.entries;
	rep->partitions = u->gpt.used;
	rep->esp_index = u->gpt.esp_index;
	if (u->gpt.esp_index)
		gpt_guid_str(u->gpt.esp_guid, rep->esp_guid);
	rep->esp_offset = u->gpt.esp_offset;
	rep->esp_size = u->gpt.esp_size;
	rep->fat_type = u->fat_type;
	rep->cluster_size = u->clus_size;
	memcpy(rep->volume_label, u->label, sizeof(rep->volume_label));
	if (u->have_file) {
		snprintf(rep->file, sizeof(rep->file), "%s", UKI_FILE);
		rep->file_size = u->file_size;
	}
	for (unsigned int i = 0;
	     i < u->pe.nsections && i < CHARLIE_IMAGE_MAX_SECTIONS; i++) {
		memcpy(rep->sections[i].name, u->pe.sec[i].name, 9);
		rep->sections[i].offset = u->pe.sec[i].offset;
		rep->sections[i].size = u->pe.sec[i].size;
		rep->nsections = i + 1;
	}
	rep->is_uki = u->is_uki;
	rep->kernel_size = u->kernel_len;
	rep->initrd_size = u->initrd_len;
	if (u->cmdline) {
		rep->has_cmdline = true;
		snprintf(rep->cmdline, sizeof(rep->cmdline), "%s", u->cmdline);
	}
	memcpy(rep->os_name, u->osrel_name, sizeof(rep->os_name));
	memcpy(rep->uname, u->uname, sizeof(rep->uname));
}

int charlie_image_inspect(const char *path, uint64_t memory,
			  const char *cmdline, struct charlie_image_report *rep)
{
	struct kernel_image k;
	struct disk_reader r;
	struct uki u;
	int ret;

	memset(rep, 0, sizeof(*rep));
	ret = disk_open(&r, path, &rep->err);
	if (ret)
		return ret;
	rep->size = r.size;
	/* uki_read fills u as far as it got even when it fails: report
	 * what was understood (the GPT, the ESP) alongside the error. */
	ret = uki_read(&r, &u, &rep->err);
	disk_close(&r);
	fill_report(rep, &u);
	if (ret)
		goto out;
	k.path = path;
	k.data = (uint8_t *)u.kernel;
	k.len = u.kernel_len;
	rep->kernel_found = true;
	ret = kernel_probe(&k, &rep->kernel);
	if (ret) {
		rep->err = rep->kernel.err;
		goto out_free;
	}
	if (!cmdline)
		cmdline = u.cmdline;
	ret = kernel_check_fit(&rep->kernel, path, memory,
			       cmdline ? strlen(cmdline) : 0, u.initrd_len,
			       &rep->err);
	rep->kernel.bootable = ret == 0;
out_free:
	uki_free(&u);
out:
	rep->bootable = ret == 0;
	return ret;
}

bool charlie_file_is_disk_image(const char *path)
{
	uint8_t b[520];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	bool yes;

	if (fd < 0)
		return false;
	yes = pread(fd, b, sizeof(b), 0) == (ssize_t)sizeof(b) &&
	      b[510] == 0x55 && b[511] == 0xaa &&
	      !memcmp(b + 512, "EFI PART", 8);
	close(fd);
	return yes;
}
