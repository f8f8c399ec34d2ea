// SPDX-License-Identifier: MIT
/*
 * The kernel of a VM: checked before anything is opened (design.md 5),
 * loaded after the devices, whose command-line additions it carries.
 */
#include "vm.h"
#include "err.h"
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int vm_check_kernel(struct vm *vm, struct kernel_image *img,
		    struct charlie_error *err)
{
	uint64_t initrd_size;
	int ret;

	ret = config_check_basic(&vm->cfg, &initrd_size, err);
	if (ret)
		return ret;
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

/* The command line the kernel gets: the user's, then what devices add. */
static char *full_cmdline(struct vm *vm)
{
	const char *u = vm->cmdline ? vm->cmdline : "";
	const char *x = vm->host.cmdline_extra;
	char *s;

	if (!x)
		return strdup(u);
	if (asprintf(&s, "%s%s%s", u, *u ? " " : "", x) < 0)
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
				  vm->initrd_path ? &initrd : NULL,
				  vm->host.acpi_rsdp, &vm->entry, err);
	kernel_image_free(&initrd);
	free(cmdline);
	return ret;
}
