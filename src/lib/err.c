// SPDX-License-Identifier: MIT
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const names[CHARLIE_E__COUNT] = {
	[CHARLIE_OK] = "ok",
	[CHARLIE_E_CPUS] = "cpus",
	[CHARLIE_E_MEMORY] = "memory",
	[CHARLIE_E_CMDLINE] = "cmdline",
	[CHARLIE_E_NO_KERNEL] = "no-kernel",
	[CHARLIE_E_INITRD] = "initrd",
	[CHARLIE_E_KERNEL_OPEN] = "kernel-open",
	[CHARLIE_E_KERNEL_NOT_REGULAR] = "kernel-not-regular",
	[CHARLIE_E_KERNEL_EMPTY] = "kernel-empty",
	[CHARLIE_E_KERNEL_TOO_SMALL] = "kernel-too-small",
	[CHARLIE_E_KERNEL_TRUNCATED] = "kernel-truncated",
	[CHARLIE_E_KERNEL_BOOT_FLAG] = "kernel-boot-flag",
	[CHARLIE_E_KERNEL_HDRS] = "kernel-hdrs",
	[CHARLIE_E_KERNEL_OLD_PROTOCOL] = "kernel-old-protocol",
	[CHARLIE_E_KERNEL_SETUP_SECTS] = "kernel-setup-sects",
	[CHARLIE_E_KERNEL_NOT_64BIT] = "kernel-not-64bit",
	[CHARLIE_E_KERNEL_NOT_RELOCATABLE] = "kernel-not-relocatable",
	[CHARLIE_E_KERNEL_ALIGNMENT] = "kernel-alignment",
	[CHARLIE_E_KERNEL_INIT_SIZE] = "kernel-init-size",
	[CHARLIE_E_KERNEL_CMDLINE_TOO_LONG] = "kernel-cmdline-too-long",
	[CHARLIE_E_KERNEL_INITRD_TOO_BIG] = "kernel-initrd-too-big",
	[CHARLIE_E_KERNEL_INITRD_ADDR] = "kernel-initrd-addr",
	[CHARLIE_E_KERNEL_COMPRESSED_FILE] = "kernel-compressed-file",
	[CHARLIE_E_KERNEL_ARM64] = "kernel-arm64",
	[CHARLIE_E_KERNEL_PE_NOT_LINUX] = "kernel-pe-not-linux",
	[CHARLIE_E_KERNEL_ELF_NO_PVH] = "kernel-elf-no-pvh",
	[CHARLIE_E_KERNEL_ELF_BAD] = "kernel-elf-bad",
	[CHARLIE_E_KERNEL_ELF_ARCH] = "kernel-elf-arch",
	[CHARLIE_E_KERNEL_ELF_SEGMENT] = "kernel-elf-segment",
	[CHARLIE_E_KERNEL_UNKNOWN_FORMAT] = "kernel-unknown-format",
	[CHARLIE_E_NET_SPEC] = "net-spec",
	[CHARLIE_E_NET_MAC] = "net-mac",
	[CHARLIE_E_NET_PORT] = "net-port",
	[CHARLIE_E_NET_PORT_IN_USE] = "net-port-in-use",
	[CHARLIE_E_NET_SOCKET] = "net-socket",
	[CHARLIE_E_NET_TAP] = "net-tap",
	[CHARLIE_E_NET_TAP_PERM] = "net-tap-permission",
	[CHARLIE_E_NET_BACKEND] = "net-backend",
	[CHARLIE_E_DISK_MISSING] = "disk-missing",
	[CHARLIE_E_DISK_UNREADABLE] = "disk-unreadable",
	[CHARLIE_E_DISK_LOCKED] = "disk-locked",
	[CHARLIE_E_DISK_EMPTY] = "disk-empty",
	[CHARLIE_E_DISK_SIZE] = "disk-size",
	[CHARLIE_E_DISK_NOT_REGULAR] = "disk-not-regular",
	[CHARLIE_E_DISK_OPTION] = "disk-option",
	[CHARLIE_E_DISK_TOO_MANY] = "disk-too-many",
	[CHARLIE_E_IMAGE_OPEN] = "image-open",
	[CHARLIE_E_IMAGE_MBR] = "image-mbr",
	[CHARLIE_E_IMAGE_GPT_HEADER] = "image-gpt-header",
	[CHARLIE_E_IMAGE_GPT_CRC] = "image-gpt-crc",
	[CHARLIE_E_IMAGE_GPT_ENTRIES] = "image-gpt-entries",
	[CHARLIE_E_IMAGE_GPT_ENTRIES_CRC] = "image-gpt-entries-crc",
	[CHARLIE_E_IMAGE_GPT_RANGE] = "image-gpt-range",
	[CHARLIE_E_IMAGE_NO_ESP] = "image-no-esp",
	[CHARLIE_E_IMAGE_FAT_GEOMETRY] = "image-fat-geometry",
	[CHARLIE_E_IMAGE_FAT_CHAIN] = "image-fat-chain",
	[CHARLIE_E_IMAGE_FAT_LOOP] = "image-fat-loop",
	[CHARLIE_E_IMAGE_FAT_DIR] = "image-fat-dir",
	[CHARLIE_E_IMAGE_FILE_NOT_FOUND] = "image-file-not-found",
	[CHARLIE_E_IMAGE_PE_HEADER] = "image-pe-header",
	[CHARLIE_E_IMAGE_PE_MACHINE] = "image-pe-machine",
	[CHARLIE_E_IMAGE_PE_SECTIONS] = "image-pe-sections",
	[CHARLIE_E_IMAGE_PE_SECTION_RANGE] = "image-pe-section-range",
	[CHARLIE_E_IMAGE_PE_NO_LINUX] = "image-pe-no-linux",
	[CHARLIE_E_IMAGE_UKI_CMDLINE] = "image-uki-cmdline",
	[CHARLIE_E_KVM] = "kvm",
	[CHARLIE_E_HOST] = "host",
	[CHARLIE_E_STATE] = "state",
	[CHARLIE_E_VSOCK_CID] = "vsock-cid",
	[CHARLIE_E_VSOCK_CID_IN_USE] = "vsock-cid-in-use",
	[CHARLIE_E_VSOCK_UDS_EXISTS] = "vsock-uds-exists",
	[CHARLIE_E_VSOCK_UDS_TOO_LONG] = "vsock-uds-too-long",
	[CHARLIE_E_VSOCK_UDS] = "vsock-uds",
	[CHARLIE_E_EFI_FIRMWARE] = "efi-firmware",
	[CHARLIE_E_EFI_VARS] = "efi-vars",
	[CHARLIE_E_EFI_VARS_LOCKED] = "efi-vars-locked",
	[CHARLIE_E_EFI_VARS_RDONLY] = "efi-vars-read-only",
	[CHARLIE_E_EFI_WITH_KERNEL] = "efi-with-kernel",
	[CHARLIE_E_EFI_NO_DISK] = "efi-no-disk",
	[CHARLIE_E_TRACE] = "trace-file",
};

const char *charlie_err_name(enum charlie_err code)
{
	if ((unsigned int)code >= CHARLIE_E__COUNT || !names[code])
		return "unknown";
	return names[code];
}

int err_set(struct charlie_error *err, enum charlie_err code, const char *field,
	    const char *fmt, ...)
{
	va_list ap;

	/* -EINVAL is only "failed": the detail is in *err (see err.h). */
	if (!err)
		return -EINVAL;
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}
