/* SPDX-License-Identifier: MIT */
#ifndef CHARLIE_DISK_IMAGE_H
#define CHARLIE_DISK_IMAGE_H

#include "disk.h"
#include "boot/kernel.h"

/* What a disk image boots: private copies, freed by image_boot_free. */
struct image_boot {
	struct kernel_image kernel;
	struct kernel_image initrd; /* len 0: the UKI has no .initrd */
	char *cmdline;		    /* NULL: no .cmdline */
	bool is_uki;
};

/* Errors: every CHARLIE_E_IMAGE_* code (field "image"), HOST. */
int image_extract(const char *path, struct image_boot *b,
		  struct charlie_error *err);
void image_boot_free(struct image_boot *b);

#endif
