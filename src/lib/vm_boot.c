// SPDX-License-Identifier: MIT
/*
 * The kernel of a VM: checked before anything is opened (design.md 5),
 * loaded after the devices, whose command-line additions it carries.
 */
#include "vm.h"
#include "err.h"
#include "config.h"
#include "disk/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s && s[1] ? s + 1 : p;
}

/*
 * No kernel, a disk image: its UKI's kernel, initrd and command line into
 * memory (design.md 11), then the same checks and loader as a kernel file.
 * --cmdline and --initrd override the embedded ones.
 */
static int take_boot_image(struct vm *vm, struct kernel_image *img,
			   uint64_t *initrd_size, struct charlie_error *err)
{
	const char *path = vm->boot_image_path;
	struct image_boot b;
	int ret;

	ret = image_extract(path, &b, err);
	if (ret)
		return ret;
	vm_log(vm, CHARLIE_LOG_INFO, "booting the %s from %s (no firmware)",
	       b.is_uki ? "unified kernel image" : "EFI-stub kernel",
	       base_name(path));
	vm_log(vm, CHARLIE_LOG_DEBUG,
	       "%s: kernel %zu bytes, initrd %zu bytes%s, cmdline %s%s%s",
	       base_name(path), b.kernel.len, b.initrd.len,
	       vm->initrd_path ? " (replaced by --initrd)" : "",
	       vm->cmdline ? "from --cmdline"
	       : b.cmdline ? "\""
			   : "none",
	       !vm->cmdline && b.cmdline ? b.cmdline : "",
	       !vm->cmdline && b.cmdline ? "\"" : "");
	*img = b.kernel;
	memset(&b.kernel, 0, sizeof(b.kernel));
	if (!vm->initrd_path && b.initrd.len) {
		vm->boot_initrd = b.initrd;
		memset(&b.initrd, 0, sizeof(b.initrd));
		*initrd_size = vm->boot_initrd.len;
	}
	if (!vm->cmdline && b.cmdline) {
		vm->cmdline = b.cmdline;
		vm->cfg.cmdline = vm->cmdline;
		b.cmdline = NULL;
	}
	/* Messages about the kernel name the image it came from. */
	vm->kernel_path = strdup(path);
	vm->cfg.kernel = NULL;
	image_boot_free(&b);
	if (!vm->kernel_path)
		return err_set(err, CHARLIE_E_HOST, "", "out of memory");
	img->path = vm->kernel_path;
	return 0;
}

int vm_check_kernel(struct vm *vm, struct kernel_image *img,
		    struct charlie_error *err)
{
	uint64_t initrd_size;
	int ret;

	ret = config_check_basic(&vm->cfg, &initrd_size, err);
	if (ret)
		return ret;
	if (!vm->kernel_path)
		ret = take_boot_image(vm, img, &initrd_size, err);
	else
		ret = kernel_read_file(vm->kernel_path, img, err);
	if (ret)
		return ret;
	ret = kernel_probe(img, &vm->krep);
	if (ret) {
		*err = vm->krep.err;
		return ret;
	}
	ret = kernel_check_fit(&vm->krep, vm->kernel_path, vm->cfg.memory,
			       vm->cmdline ? strlen(vm->cmdline) : 0,
			       initrd_size, err);
	if (!ret)
		vm_mark(vm, &vm->tl.validated);
	return ret;
}

/* The command line the kernel gets: the user's, then what devices add
 * (and, when the guest will not read the ACPI tables, the words that
 * stand in for them). */
static char *full_cmdline(struct vm *vm)
{
	const char *u = vm->cmdline ? vm->cmdline : "";
	const char *x = vm->host.cmdline_extra ? vm->host.cmdline_extra : "";
	const char *y = vm->host.cmdline_noacpi;
	char *s;

	if (y && vm->host.acpi_rsdp && !host_cmdline_acpi_off(u))
		y = NULL;
	if (!y)
		y = "";
	if (asprintf(&s, "%s%s%s%s%s", u, *u && *x ? " " : "", x,
		     (*u || *x) && *y ? " " : "", y) < 0)
		return NULL;
	return s;
}

int vm_load_kernel(struct vm *vm, const struct kernel_image *img,
		   struct charlie_error *err)
{
	struct kernel_image initrd = {0};
	char *cmdline = full_cmdline(vm);
	int ret;

	if (!cmdline)
		return err_set(err, CHARLIE_E_HOST, "", "out of memory");
	ret = kernel_check_fit(&vm->krep, vm->kernel_path, vm->cfg.memory,
			       strlen(cmdline), 0, err);
	if (!ret && vm->initrd_path)
		ret = kernel_read_file_as(vm->initrd_path, "initrd",
					  CHARLIE_E_INITRD, &initrd, err);
	if (!ret)
		ret = kernel_load(&vm->gm, img, &vm->krep, cmdline,
				  vm->initrd_path	? &initrd
				  : vm->boot_initrd.len ? &vm->boot_initrd
							: NULL,
				  vm->host.acpi_rsdp, &vm->entry, err);
	kernel_image_free(&initrd);
	kernel_image_free(&vm->boot_initrd); /* in guest memory now */
	free(cmdline);
	return ret;
}
