// SPDX-License-Identifier: MIT
/*
 * bzImage through the 64-bit boot protocol (Documentation/arch/x86/
 * boot.rst).  The setup header is validated once here; the loader then
 * places the protected-mode part at 1 MiB and builds the zero page.
 */
#include "kernel_priv.h"
#include "err.h"
#include "arch/x86/layout.h"

#include <stdio.h>

/* Setup header fields (boot.rst, "The real-mode kernel header"). */
#define HDR_START	  0x1f1
#define HDR_SETUP_SECTS	  0x1f1
#define HDR_SYSSIZE	  0x1f4
#define HDR_BOOT_FLAG	  0x1fe
#define HDR_JUMP	  0x200
#define HDR_MAGIC	  0x202
#define HDR_VERSION	  0x206
#define HDR_KERNEL_VER	  0x20e
#define HDR_LOADER_TYPE	  0x210
#define HDR_LOADFLAGS	  0x211
#define HDR_CODE32_START  0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE  0x21c
#define HDR_CMD_LINE_PTR  0x228
#define HDR_INITRD_MAX	  0x22c
#define HDR_KERNEL_ALIGN  0x230
#define HDR_RELOCATABLE	  0x234
#define HDR_MIN_ALIGN	  0x235
#define HDR_XLOADFLAGS	  0x236
#define HDR_CMDLINE_SIZE  0x238
#define HDR_PAYLOAD_OFF	  0x248
#define HDR_PAYLOAD_LEN	  0x24c
#define HDR_SETUP_DATA	  0x250
#define HDR_PREF_ADDRESS  0x258
#define HDR_INIT_SIZE	  0x260
/* Everything up to kernel_info_offset (2.15) must be in the file. */
#define HDR_NEED 0x26c
/* The setup header may not run past this in struct boot_params. */
#define BP_HDR_LIMIT 0x290

/* struct boot_params (the zero page) fields outside the setup header. */
#define BP_SIZE		0x1000
#define BP_ACPI_RSDP	0x070 /* acpi_rsdp_addr, boot protocol 2.14+ */
#define BP_EXT_CMD_LINE 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE	0x2d0
#define BP_E820_MAX	128
#define E820_ENTRY_SIZE 20

#define LOADED_HIGH   0x01
#define XLF_KERNEL_64 0x0001
/* boot.rst memory layout: the real-mode code (boot sector + setup) lives
 * in X..X+0x8000; arch/x86/boot/setup.ld asserts the same. */
#define SETUP_MAX 0x8000
#define MIB	  (1ull << 20)

struct bz_layout {
	uint64_t setup_len; /* (setup_sects + 1) * 512 */
	uint64_t pm_len;    /* the protected-mode part: rest of the file */
	uint64_t hdr_end;   /* end of the setup header to copy */
};

/* The layout checks shared by probe and load. */
static int bz_layout(const struct kernel_image *img, struct bz_layout *l,
		     struct charlie_error *err)
{
	const uint8_t *d = img->data;
	const char *path = img->path;
	unsigned int sects;
	uint64_t sys, need;

	sects = d[HDR_SETUP_SECTS];
	if (sects == 0)
		sects = 4; /* boot.rst: 0 means 4 */
	l->setup_len = ((uint64_t)sects + 1) * 512;
	if (l->setup_len > SETUP_MAX)
		return err_set(err, CHARLIE_E_KERNEL_SETUP_SECTS, "kernel",
			       "kernel %s: setup_sects at 0x1f1 is %u, a "
			       "%llu-byte real-mode setup; boot.rst allows at "
			       "most 63 (32 KiB)",
			       path, d[HDR_SETUP_SECTS],
			       (unsigned long long)l->setup_len);
	if (img->len < l->setup_len)
		return err_set(err, CHARLIE_E_KERNEL_TRUNCATED, "kernel",
			       "kernel %s: truncated: file is %zu bytes and "
			       "ends inside the %llu-byte setup code "
			       "(setup_sects %u)",
			       path, img->len, (unsigned long long)l->setup_len,
			       sects);
	/* syssize: protected-mode size in 16-byte units (boot.rst 2.04+). */
	sys = (uint64_t)kp_le32(d + HDR_SYSSIZE) * 16;
	need = l->setup_len + sys;
	if (img->len < need)
		return err_set(err, CHARLIE_E_KERNEL_TRUNCATED, "kernel",
			       "kernel %s: truncated: file is %zu bytes, the "
			       "header says %llu ((setup_sects %u + 1) * 512 + "
			       "syssize 0x%x * 16)",
			       path, img->len, (unsigned long long)need, sects,
			       kp_le32(d + HDR_SYSSIZE));
	l->pm_len = img->len - l->setup_len;
	if (l->pm_len <= 0x200)
		return err_set(err, CHARLIE_E_KERNEL_TRUNCATED, "kernel",
			       "kernel %s: truncated: the protected-mode part "
			       "is %llu bytes, too short for the 64-bit entry "
			       "at +0x200",
			       path, (unsigned long long)l->pm_len);
	/* boot.rst: the header ends at 0x202 + the byte at 0x201. */
	l->hdr_end = 0x202 + (uint64_t)d[HDR_JUMP + 1];
	if (l->hdr_end > BP_HDR_LIMIT)
		l->hdr_end = BP_HDR_LIMIT;
	return 0;
}

static void copy_version(const struct kernel_image *img,
			 struct charlie_kernel_report *rep)
{
	uint16_t kv = kp_le16(img->data + HDR_KERNEL_VER);
	uint64_t off = (uint64_t)kv + 0x200;
	size_t i;

	if (!kv || off >= img->len)
		return;
	for (i = 0; i + 1 < sizeof(rep->version) && off + i < img->len; i++) {
		uint8_t c = img->data[off + i];

		if (c < 0x20 || c > 0x7e)
			break;
		rep->version[i] = (char)c;
	}
	rep->version[i] = 0;
}

int bz_probe(const struct kernel_image *img, struct charlie_kernel_report *rep)
{
	const uint8_t *d = img->data;
	const char *path = img->path;
	struct charlie_error *err = &rep->err;
	struct bz_layout l;
	uint16_t flag, proto;
	int ret;

	snprintf(rep->format_name, sizeof(rep->format_name), "bzImage");
	snprintf(rep->arch, sizeof(rep->arch), "x86");
	if (img->len < HDR_NEED)
		return err_set(err, CHARLIE_E_KERNEL_TOO_SMALL, "kernel",
			       "kernel %s: file is %zu bytes, too small for a "
			       "bzImage setup header (which ends at 0x%x)",
			       path, img->len, HDR_NEED);
	flag = kp_le16(d + HDR_BOOT_FLAG);
	if (flag != 0xaa55)
		return err_set(err, CHARLIE_E_KERNEL_BOOT_FLAG, "kernel",
			       "kernel %s: boot flag at 0x1fe is 0x%04x, "
			       "expected 0xaa55",
			       path, flag);
	if (memcmp(d + HDR_MAGIC, "HdrS", 4))
		return err_set(err, CHARLIE_E_KERNEL_HDRS, "kernel",
			       "kernel %s: header magic at 0x202 is 0x%08x, "
			       "expected \"HdrS\" (0x53726448): a boot sector "
			       "or pre-2.00 zImage, not a bzImage",
			       path, kp_le32(d + HDR_MAGIC));
	proto = kp_le16(d + HDR_VERSION);
	rep->protocol = proto;
	copy_version(img, rep);
	if (proto < 0x0206)
		return err_set(err, CHARLIE_E_KERNEL_OLD_PROTOCOL, "kernel",
			       "kernel %s: boot protocol %u.%02u is too old; "
			       "charlie needs 2.06 or later (64-bit entry, "
			       "cmdline_size)",
			       path, proto >> 8, proto & 0xff);
	ret = bz_layout(img, &l, err);
	if (ret)
		return ret;
	if (!(d[HDR_LOADFLAGS] & LOADED_HIGH))
		return err_set(err, CHARLIE_E_KERNEL_NOT_64BIT, "kernel",
			       "kernel %s: loadflags 0x%02x lack LOADED_HIGH: "
			       "a zImage that runs at 0x10000, not a bzImage "
			       "with a 64-bit entry",
			       path, d[HDR_LOADFLAGS]);
	if (proto >= 0x020c) {
		uint16_t xlf = kp_le16(d + HDR_XLOADFLAGS);

		if (!(xlf & XLF_KERNEL_64))
			return err_set(err, CHARLIE_E_KERNEL_NOT_64BIT,
				       "kernel",
				       "kernel %s: xloadflags 0x%04x lack "
				       "XLF_KERNEL_64: no 64-bit entry point "
				       "(a 32-bit kernel?)",
				       path, xlf);
		snprintf(rep->arch, sizeof(rep->arch), "x86_64");
	}
	rep->entry32 = kp_le32(d + HDR_CODE32_START);
	rep->entry64 = 0x200; /* startup_64: load address + 0x200 */
	rep->initrd_addr_max = kp_le32(d + HDR_INITRD_MAX);
	rep->cmdline_size = kp_le32(d + HDR_CMDLINE_SIZE);
	rep->relocatable = d[HDR_RELOCATABLE] != 0;
	rep->kernel_alignment = kp_le32(d + HDR_KERNEL_ALIGN);
	if (proto >= 0x0208) {
		uint32_t off = kp_le32(d + HDR_PAYLOAD_OFF);
		uint32_t len = kp_le32(d + HDR_PAYLOAD_LEN);
		const char *c;

		if (!kp_in(l.pm_len, off, len))
			return err_set(
				err, CHARLIE_E_KERNEL_TRUNCATED, "kernel",
				"kernel %s: truncated: payload [0x%x, "
				"+0x%x) lies outside the %llu-byte "
				"protected-mode part",
				path, off, len, (unsigned long long)l.pm_len);
		c = kp_compression_at(img, l.setup_len + off);
		snprintf(rep->compression, sizeof(rep->compression), "%s",
			 c ? c : "unknown");
	}
	if (proto >= 0x020a) {
		rep->pref_address = kp_le64(d + HDR_PREF_ADDRESS);
		rep->init_size = kp_le32(d + HDR_INIT_SIZE);
		if (!rep->init_size)
			return err_set(
				err, CHARLIE_E_KERNEL_INIT_SIZE, "kernel",
				"kernel %s: init_size at 0x260 is 0", path);
	} else {
		/* No init_size before 2.10: at least the image itself. */
		rep->pref_address = X86_KERNEL_ADDR;
		rep->init_size = l.pm_len;
	}
	if (rep->relocatable) {
		uint64_t a = rep->kernel_alignment;

		if (a < 0x1000 || (a & (a - 1)) || a > (1ull << 30))
			return err_set(
				err, CHARLIE_E_KERNEL_ALIGNMENT, "kernel",
				"kernel %s: kernel_alignment at 0x230 is "
				"0x%llx, not a power of two between 4 "
				"KiB and 1 GiB",
				path, (unsigned long long)a);
		if (proto >= 0x020a &&
		    (d[HDR_MIN_ALIGN] > 30 || (1ull << d[HDR_MIN_ALIGN]) > a))
			return err_set(
				err, CHARLIE_E_KERNEL_ALIGNMENT, "kernel",
				"kernel %s: min_alignment 2^%u is larger "
				"than kernel_alignment 0x%llx",
				path, d[HDR_MIN_ALIGN], (unsigned long long)a);
	} else if (rep->pref_address < X86_KERNEL_ADDR) {
		return err_set(err, CHARLIE_E_KERNEL_NOT_RELOCATABLE, "kernel",
			       "kernel %s: not relocatable and must run at "
			       "0x%llx (pref_address), below 1 MiB where "
			       "charlie keeps boot data",
			       path, (unsigned long long)rep->pref_address);
	}
	rep->format = CHARLIE_KFMT_BZIMAGE;
	snprintf(rep->format_name, sizeof(rep->format_name),
		 "bzImage (boot protocol %u.%02u)", proto >> 8, proto & 0xff);
	return 0;
}

int bz_load(const struct gm *gm, const struct kernel_image *img,
	    const struct charlie_kernel_report *rep, const char *cmdline,
	    const struct kernel_image *initrd, uint64_t rsdp,
	    struct boot_entry *entry, struct charlie_error *err)
{
	const char *path = img->path;
	struct kp_mem map[BP_E820_MAX];
	uint64_t low = gm_low_end(gm), kstart, kend, rd_addr = 0, rd_len = 0;
	struct bz_layout l;
	unsigned int n;
	uint8_t *p, *bp;
	int ret;

	if (img->len < HDR_NEED || rep->format != CHARLIE_KFMT_BZIMAGE)
		return err_set(err, CHARLIE_E_KERNEL_UNKNOWN_FORMAT, "kernel",
			       "kernel %s: not a probed bzImage", path);
	ret = bz_layout(img, &l, err);
	if (ret)
		return ret;
	ret = kp_kernel_range(rep, path, &kstart, &kend, err);
	if (ret)
		return ret;
	if (kend > low || X86_KERNEL_ADDR + l.pm_len > low)
		return err_set(err, CHARLIE_E_KERNEL_INIT_SIZE, "memory",
			       "kernel %s: needs RAM up to 0x%llx while "
			       "booting but the guest's RAM below 3 GiB ends "
			       "at 0x%llx",
			       path, (unsigned long long)kend,
			       (unsigned long long)low);
	p = gm_ptr(gm, X86_KERNEL_ADDR, l.pm_len);
	if (!p)
		return err_set(err, CHARLIE_E_KERNEL_INIT_SIZE, "memory",
			       "kernel %s: the %llu-byte image does not fit in "
			       "guest RAM at 1 MiB",
			       path, (unsigned long long)l.pm_len);
	memcpy(p, img->data + l.setup_len, l.pm_len);

	ret = kp_put_cmdline(gm, rep, path, cmdline, err);
	if (ret)
		return ret;
	if (initrd && initrd->len) {
		ret = kp_place_initrd(rep, path, low, gm->total, initrd->len,
				      &rd_addr, err);
		if (ret)
			return ret;
		/* ramdisk_image/size are 32-bit: placement keeps it there. */
		if (rd_addr < X86_KERNEL_ADDR + l.pm_len ||
		    rd_addr + initrd->len > 0x100000000ull)
			return err_set(err, CHARLIE_E_KERNEL_INITRD_ADDR,
				       "initrd",
				       "kernel %s: no room for the %zu-byte "
				       "initrd above the kernel image",
				       path, initrd->len);
		ret = kp_copy_initrd(gm, path, initrd, rd_addr, err);
		if (ret)
			return ret;
		rd_len = initrd->len;
	}

	bp = gm_ptr(gm, X86_BOOT_PARAMS_ADDR, BP_SIZE);
	if (!bp)
		return err_set(err, CHARLIE_E_MEMORY, "memory",
			       "kernel %s: no guest RAM for boot_params at "
			       "0x%llx",
			       path, (unsigned long long)X86_BOOT_PARAMS_ADDR);
	memset(bp, 0, BP_SIZE);
	/* boot.rst: copy the setup header from the file, then fill in the
	 * loader's fields. */
	memcpy(bp + HDR_START, img->data + HDR_START, l.hdr_end - HDR_START);
	bp[HDR_LOADER_TYPE] = 0xff; /* undefined loader */
	bp[HDR_LOADFLAGS] |= LOADED_HIGH;
	kp_put32(bp + HDR_CMD_LINE_PTR, (uint32_t)X86_CMDLINE_ADDR);
	kp_put32(bp + BP_EXT_CMD_LINE, 0);
	/* Older kernels ignore it and scan the BIOS area for the RSDP. */
	kp_put64(bp + BP_ACPI_RSDP, rsdp);
	kp_put32(bp + HDR_RAMDISK_IMAGE, (uint32_t)rd_addr);
	kp_put32(bp + HDR_RAMDISK_SIZE, (uint32_t)rd_len);
	if (l.hdr_end >= HDR_SETUP_DATA + 8)
		kp_put64(bp + HDR_SETUP_DATA, 0);

	n = kp_memmap(gm, map, BP_E820_MAX);
	bp[BP_E820_ENTRIES] = (uint8_t)n;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *e = bp + BP_E820_TABLE + i * E820_ENTRY_SIZE;

		kp_put64(e, map[i].addr);
		kp_put64(e + 8, map[i].size);
		kp_put32(e + 16, map[i].type);
	}

	entry->mode = BOOT_LINUX64;
	entry->rip = X86_KERNEL_ADDR + 0x200;
	entry->info = X86_BOOT_PARAMS_ADDR;
	return 0;
}
