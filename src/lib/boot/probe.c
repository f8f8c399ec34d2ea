// SPDX-License-Identifier: MIT
/*
 * What is this file?  kernel_probe() names every format it recognises,
 * bootable or not (design.md 5), then hands x86 kernels to the bzImage or
 * ELF/PVH probe.  Also the checks of a kernel against the VM
 * (kernel_check_fit) and the placement rules shared with the loaders.
 */
#include "kernel_priv.h"
#include "err.h"
#include "arch/x86/layout.h"

#include <errno.h>
#include <stdio.h>

#define PAGE_SIZE_4K 0x1000ull
#define MIB	     (1ull << 20)

/* The bytes a bzImage needs before its setup header can be recognised:
 * boot flag at 0x1fe and "HdrS" at 0x202 (boot.rst). */
#define BZ_ID_END 0x206

static const struct {
	const char *name;
	uint8_t len;
	uint8_t magic[6];
} compressors[] = {
	{"gzip", 2, {0x1f, 0x8b}},
	{"xz", 6, {0xfd, '7', 'z', 'X', 'Z', 0x00}},
	{"zstd", 4, {0x28, 0xb5, 0x2f, 0xfd}},
	{"bzip2", 3, {'B', 'Z', 'h'}},
	{"lz4", 4, {0x02, 0x21, 0x4c, 0x18}}, /* legacy frame (kernel) */
	{"lz4", 4, {0x04, 0x22, 0x4d, 0x18}}, /* lz4 frame (lz4 tool) */
	{"lzo", 4, {0x89, 'L', 'Z', 'O'}},
	{"lzma", 3, {0x5d, 0x00, 0x00}},
};

const char *kp_compression_at(const struct kernel_image *img, uint64_t off)
{
	for (size_t i = 0; i < sizeof(compressors) / sizeof(compressors[0]);
	     i++)
		if (kp_magic(img, off, compressors[i].magic,
			     compressors[i].len))
			return compressors[i].name;
	if (kp_magic(img, off,
		     "\x7f"
		     "ELF",
		     4))
		return "none";
	return NULL;
}

static void set_name(struct charlie_kernel_report *rep, const char *fmt,
		     const char *arch)
{
	snprintf(rep->format_name, sizeof(rep->format_name), "%s", fmt);
	if (arch)
		snprintf(rep->arch, sizeof(rep->arch), "%s", arch);
}

static const char *pe_machine(uint16_t m)
{
	switch (m) {
	case 0x8664:
		return "x86_64";
	case 0x014c:
		return "i386";
	case 0xaa64:
		return "arm64";
	case 0x01c4:
		return "arm";
	case 0x5064:
		return "riscv64";
	default:
		return "unknown machine";
	}
}

/* Formats that are not x86 kernels, each named (design.md 5). */
static int probe_other(const struct kernel_image *img,
		       struct charlie_kernel_report *rep)
{
	struct charlie_error *err = &rep->err;
	const char *path = img->path;
	const char *comp = kp_compression_at(img, 0);
	const uint8_t *d = img->data;

	if (comp) {
		snprintf(rep->format_name, sizeof(rep->format_name), "%s data",
			 comp);
		snprintf(rep->compression, sizeof(rep->compression), "%s",
			 comp);
		return err_set(
			err, CHARLIE_E_KERNEL_COMPRESSED_FILE, "kernel",
			"kernel %s: is %s-compressed data, not a kernel; "
			"decompress it (charlie boots a bzImage or an "
			"ELF vmlinux)",
			path, comp);
	}
	/* arm64 Image header: magic "ARM\x64" at 0x38 (arm64/booting.rst);
	 * checked before PE because an EFI-stub Image also starts "MZ". */
	if (kp_magic(img, 0x38, "ARM\x64", 4)) {
		set_name(rep, "arm64 Linux Image", "arm64");
		return err_set(err, CHARLIE_E_KERNEL_ARM64, "kernel",
			       "kernel %s: is an arm64 Linux Image (magic "
			       "\"ARM\\x64\" at 0x38); charlie boots x86_64 "
			       "kernels",
			       path);
	}
	if (kp_magic(img, 0x38, "RSC\x05", 4)) {
		set_name(rep, "RISC-V Linux Image", "riscv64");
		return err_set(err, CHARLIE_E_KERNEL_UNKNOWN_FORMAT, "kernel",
			       "kernel %s: is a RISC-V Linux Image (magic "
			       "\"RSC\\x05\" at 0x38); charlie boots x86_64 "
			       "kernels",
			       path);
	}
	/* A cut-off bzImage also starts "MZ": too small beats "PE app". */
	if (img->len < BZ_ID_END) {
		set_name(rep, "too small", NULL);
		return err_set(err, CHARLIE_E_KERNEL_TOO_SMALL, "kernel",
			       "kernel %s: file is %zu bytes, too small for a "
			       "kernel (a bzImage's header alone reaches 0x%x)",
			       path, img->len, BZ_ID_END);
	}
	if (kp_magic(img, 0, "MZ", 2) && img->len >= 0x40) {
		uint32_t pe = kp_le32(d + 0x3c);

		if (kp_magic(img, pe, "PE\0\0", 4) && kp_in(img->len, pe, 6)) {
			uint16_t m = kp_le16(d + pe + 4);

			set_name(rep, "PE/COFF executable", pe_machine(m));
			return err_set(err, CHARLIE_E_KERNEL_PE_NOT_LINUX,
				       "kernel",
				       "kernel %s: is a PE/EFI executable "
				       "(machine 0x%04x, %s) without a Linux "
				       "boot header (no boot flag 0xaa55 at "
				       "0x1fe nor \"HdrS\" at 0x202): an EFI "
				       "application, not a Linux kernel",
				       path, m, pe_machine(m));
		}
	}
	set_name(rep, "unknown", NULL);
	return err_set(
		err, CHARLIE_E_KERNEL_UNKNOWN_FORMAT, "kernel",
		"kernel %s: unknown format (starts %02x %02x %02x %02x): "
		"neither a bzImage (no boot flag 0xaa55 at 0x1fe, no "
		"\"HdrS\" at 0x202) nor an ELF vmlinux",
		path, d[0], img->len > 1 ? d[1] : 0, img->len > 2 ? d[2] : 0,
		img->len > 3 ? d[3] : 0);
}

int kernel_probe(const struct kernel_image *img,
		 struct charlie_kernel_report *rep)
{
	int ret;

	memset(rep, 0, sizeof(*rep));
	if (!img->data || img->len == 0)
		return err_set(&rep->err, CHARLIE_E_KERNEL_EMPTY, "kernel",
			       "kernel %s: file is empty (0 bytes)",
			       img->path ? img->path : "?");
	if (kp_magic(img, 0,
		     "\x7f"
		     "ELF",
		     4))
		ret = elf_probe(img, rep);
	else if (kp_magic(img, 0x1fe, "\x55\xaa", 2) ||
		 kp_magic(img, 0x202, "HdrS", 4))
		ret = bz_probe(img, rep);
	else
		ret = probe_other(img, rep);
	rep->bootable = ret == 0;
	return ret;
}

int kp_kernel_range(const struct charlie_kernel_report *rep, const char *path,
		    uint64_t *start, uint64_t *end, struct charlie_error *err)
{
	uint64_t s = rep->pref_address;

	if (rep->format == CHARLIE_KFMT_BZIMAGE && rep->relocatable) {
		/* boot.rst + head_64.S: a relocatable kernel runs at its load
		 * address rounded up to kernel_alignment, but never below
		 * LOAD_PHYSICAL_ADDR (= pref_address). */
		uint64_t a = rep->kernel_alignment;
		uint64_t al = (X86_KERNEL_ADDR + a - 1) & ~(a - 1);

		if (al > s)
			s = al;
	}
	if (rep->init_size > UINT64_MAX - s)
		return err_set(err, CHARLIE_E_KERNEL_INIT_SIZE, "kernel",
			       "kernel %s: runtime address 0x%llx + init_size "
			       "0x%llx overflows",
			       path, (unsigned long long)s,
			       (unsigned long long)rep->init_size);
	*start = s;
	*end = s + rep->init_size;
	return 0;
}

static uint64_t low_end_of(uint64_t memory)
{
	return memory < GM_LOW_RAM_MAX ? memory : GM_LOW_RAM_MAX;
}

int kp_copy_initrd(const struct gm *gm, const char *path,
		   const struct kernel_image *initrd, gpa_t rd_addr,
		   struct charlie_error *err)
{
	uint8_t *p = gm_ptr(gm, rd_addr, initrd->len);

	if (!p)
		return err_set(
			err, CHARLIE_E_KERNEL_INITRD_ADDR, "initrd",
			"kernel %s: initrd at 0x%llx is outside guest RAM",
			path, (unsigned long long)rd_addr);
	memcpy(p, initrd->data, initrd->len);
	return 0;
}

int kp_place_initrd(const struct charlie_kernel_report *rep, const char *path,
		    uint64_t low_end, uint64_t total, uint64_t size,
		    uint64_t *addr, struct charlie_error *err)
{
	uint64_t kstart, kend, top, max;
	int ret;

	if (size > total)
		return err_set(err, CHARLIE_E_KERNEL_INITRD_TOO_BIG, "initrd",
			       "kernel %s: initrd is %llu bytes (%llu MiB), "
			       "larger than the guest's %llu MiB of memory",
			       path, (unsigned long long)size,
			       (unsigned long long)((size + MIB - 1) / MIB),
			       (unsigned long long)(total / MIB));
	ret = kp_kernel_range(rep, path, &kstart, &kend, err);
	if (ret)
		return ret;
	kend = (kend + PAGE_SIZE_4K - 1) & ~(PAGE_SIZE_4K - 1);
	/* initrd_addr_max is the highest address the initrd may occupy. */
	max = (uint64_t)rep->initrd_addr_max + 1;
	top = (max < low_end ? max : low_end) & ~(PAGE_SIZE_4K - 1);
	if (top < kend || size > top - kend)
		return err_set(err, CHARLIE_E_KERNEL_INITRD_ADDR, "initrd",
			       "kernel %s: initrd of %llu bytes does not fit "
			       "between the kernel's end at 0x%llx and 0x%llx "
			       "(initrd_addr_max 0x%x, RAM below 3 GiB ends at "
			       "0x%llx)",
			       path, (unsigned long long)size,
			       (unsigned long long)kend,
			       (unsigned long long)top, rep->initrd_addr_max,
			       (unsigned long long)low_end);
	*addr = (top - size) & ~(PAGE_SIZE_4K - 1);
	return 0;
}

static uint64_t cmdline_limit(const struct charlie_kernel_report *rep)
{
	uint64_t lim = rep->cmdline_size;

	return lim < X86_CMDLINE_MAX - 1 ? lim : X86_CMDLINE_MAX - 1;
}

static int check_cmdline(const struct charlie_kernel_report *rep,
			 const char *path, size_t len,
			 struct charlie_error *err)
{
	if (len <= cmdline_limit(rep))
		return 0;
	return err_set(err, CHARLIE_E_KERNEL_CMDLINE_TOO_LONG, "cmdline",
		       "kernel %s: command line is %zu bytes, longer than the "
		       "%llu the kernel accepts (%s)",
		       path, len, (unsigned long long)cmdline_limit(rep),
		       rep->format == CHARLIE_KFMT_BZIMAGE
			       ? "cmdline_size in its setup header"
			       : "x86 COMMAND_LINE_SIZE - 1");
}

int kp_put_cmdline(const struct gm *gm, const struct charlie_kernel_report *rep,
		   const char *path, const char *cmdline,
		   struct charlie_error *err)
{
	size_t len = cmdline ? strlen(cmdline) : 0;
	uint8_t *p;
	int ret;

	ret = check_cmdline(rep, path, len, err);
	if (ret)
		return ret;
	p = gm_ptr(gm, X86_CMDLINE_ADDR, len + 1);
	if (!p)
		return err_set(err, CHARLIE_E_MEMORY, "memory",
			       "kernel %s: no guest RAM for the command line "
			       "at 0x%llx",
			       path, (unsigned long long)X86_CMDLINE_ADDR);
	if (len)
		memcpy(p, cmdline, len);
	p[len] = 0;
	return 0;
}

int kernel_check_fit(const struct charlie_kernel_report *rep, const char *path,
		     uint64_t memory, size_t cmdline_len, uint64_t initrd_size,
		     struct charlie_error *err)
{
	uint64_t start, end, low, addr;
	int ret;

	if (rep->format != CHARLIE_KFMT_BZIMAGE &&
	    rep->format != CHARLIE_KFMT_ELF_PVH)
		return err_set(err, CHARLIE_E_KERNEL_UNKNOWN_FORMAT, "kernel",
			       "kernel %s: not a kernel charlie can boot",
			       path);
	ret = check_cmdline(rep, path, cmdline_len, err);
	if (ret)
		return ret;
	if (!memory)
		return 0;
	low = low_end_of(memory);
	ret = kp_kernel_range(rep, path, &start, &end, err);
	if (ret)
		return ret;
	if (end > low) {
		if (rep->format == CHARLIE_KFMT_BZIMAGE)
			return err_set(
				err, CHARLIE_E_KERNEL_INIT_SIZE, "memory",
				"kernel %s: needs RAM up to 0x%llx while "
				"booting (runs at 0x%llx, init_size "
				"0x%llx = %llu MiB) but the guest's RAM "
				"below 3 GiB ends at 0x%llx (%llu MiB)",
				path, (unsigned long long)end,
				(unsigned long long)start,
				(unsigned long long)rep->init_size,
				(unsigned long long)((rep->init_size + MIB -
						      1) /
						     MIB),
				(unsigned long long)low,
				(unsigned long long)(low / MIB));
		return err_set(err, CHARLIE_E_KERNEL_INIT_SIZE, "memory",
			       "kernel %s: segments occupy [0x%llx, 0x%llx) "
			       "but the guest's RAM below 3 GiB ends at "
			       "0x%llx (%llu MiB)",
			       path, (unsigned long long)start,
			       (unsigned long long)end, (unsigned long long)low,
			       (unsigned long long)(low / MIB));
	}
	if (!initrd_size)
		return 0;
	return kp_place_initrd(rep, path, low, memory, initrd_size, &addr, err);
}

int kernel_load(const struct gm *gm, const struct kernel_image *img,
		const struct charlie_kernel_report *rep, const char *cmdline,
		const struct kernel_image *initrd, uint64_t rsdp,
		struct boot_entry *entry, struct charlie_error *err)
{
	switch (rep->format) {
	case CHARLIE_KFMT_BZIMAGE:
		return bz_load(gm, img, rep, cmdline, initrd, rsdp, entry, err);
	case CHARLIE_KFMT_ELF_PVH:
		return elf_load(gm, img, rep, cmdline, initrd, rsdp, entry,
				err);
	default:
		return err_set(err, CHARLIE_E_KERNEL_UNKNOWN_FORMAT, "kernel",
			       "kernel %s: not a kernel charlie can boot",
			       img->path);
	}
}

unsigned int kp_memmap(const struct gm *gm, struct kp_mem *out,
		       unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < gm->nr; i++) {
		uint64_t s = gm->r[i].gpa, e = s + gm->r[i].size;
		/* [0, EBDA) RAM, [EBDA, 1 MiB) reserved (MP table, BIOS
		 * area), [1 MiB, end) RAM; clipped to the region. */
		const struct {
			uint64_t start, end;
			uint32_t type;
		} parts[3] = {
			{0, X86_EBDA_START, E820_RAM},
			{X86_EBDA_START, X86_BIOS_END, E820_RESERVED},
			{X86_BIOS_END, UINT64_MAX, E820_RAM},
		};

		for (unsigned int j = 0; j < 3; j++) {
			uint64_t a = s > parts[j].start ? s : parts[j].start;
			uint64_t b = e < parts[j].end ? e : parts[j].end;

			if (a >= b || n >= max)
				continue;
			out[n].addr = a;
			out[n].size = b - a;
			out[n].type = parts[j].type;
			n++;
		}
	}
	return n;
}
