// SPDX-License-Identifier: MIT
/*
 * ELF vmlinux through the PVH entry: the Xen ELF note
 * XEN_ELFNOTE_PHYS32_ENTRY (type 18) gives a 32-bit protected-mode entry
 * that takes a struct hvm_start_info in EBX (xen/include/public/arch-x86/
 * hvm/start_info.h).  Every header field is validated before use, with
 * overflow-safe arithmetic (house style 7.5, after Solo5's elf.c).
 */
#include "kernel_priv.h"
#include "err.h"
#include "arch/x86/layout.h"

#include <stdio.h>
#include <string.h>

#define ET_EXEC			 2
#define EM_386			 3
#define EM_X86_64		 62
#define PT_LOAD			 1
#define PT_NOTE			 4
#define ELF_MAX_PHNUM		 256
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* hvm_start_info, version 1 (start_info.h). */
#define HVM_START_MAGIC	  0x336ec578u
#define HSI_MAGIC	  0
#define HSI_VERSION	  4
#define HSI_FLAGS	  8
#define HSI_NR_MODULES	  12
#define HSI_MODLIST	  16
#define HSI_CMDLINE	  24
#define HSI_RSDP	  32
#define HSI_MEMMAP	  40
#define HSI_MEMMAP_NR	  48
#define HSI_SIZE	  56
#define MOD_SIZE	  32 /* hvm_modlist_entry: paddr, size, cmdline, rsvd */
#define MEMMAP_ENTRY_SIZE 24 /* addr, size, type, reserved */
#define MEMMAP_MAX                                                             \
	((X86_CMDLINE_ADDR - X86_PVH_MEMMAP_ADDR) / MEMMAP_ENTRY_SIZE)

/* x86 COMMAND_LINE_SIZE is 2048 including the NUL. */
#define PVH_CMDLINE_MAX 2047

struct elf_phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz, align;
};

struct elf_info {
	bool is64;
	uint64_t entry, phoff;
	uint16_t phnum, phentsize;
};

static const char *machine_name(uint16_t m)
{
	switch (m) {
	case 2:
		return "sparc";
	case 3:
		return "i386";
	case 8:
		return "mips";
	case 20:
		return "powerpc";
	case 21:
		return "powerpc64";
	case 22:
		return "s390";
	case 40:
		return "arm";
	case 43:
		return "sparc64";
	case 62:
		return "x86_64";
	case 183:
		return "arm64";
	case 243:
		return "riscv";
	case 258:
		return "loongarch";
	default:
		return "unknown machine";
	}
}

static void get_phdr(const struct kernel_image *img, const struct elf_info *e,
		     unsigned int i, struct elf_phdr *ph)
{
	const uint8_t *p = img->data + e->phoff + (uint64_t)i * e->phentsize;

	if (e->is64) {
		ph->type = kp_le32(p);
		ph->offset = kp_le64(p + 8);
		ph->paddr = kp_le64(p + 24);
		ph->filesz = kp_le64(p + 32);
		ph->memsz = kp_le64(p + 40);
		ph->align = kp_le64(p + 48);
	} else {
		ph->type = kp_le32(p);
		ph->offset = kp_le32(p + 4);
		ph->paddr = kp_le32(p + 12);
		ph->filesz = kp_le32(p + 16);
		ph->memsz = kp_le32(p + 20);
		ph->align = kp_le32(p + 28);
	}
}

/* The ELF header: identity, class, machine, program header table. */
static int elf_header(const struct kernel_image *img, struct elf_info *e,
		      struct charlie_kernel_report *rep)
{
	const uint8_t *d = img->data;
	const char *path = img->path;
	struct charlie_error *err = &rep->err;
	uint16_t mach, type, ehsize;
	uint64_t hsize;

	snprintf(rep->format_name, sizeof(rep->format_name), "ELF");
	if (img->len < 20)
		return err_set(err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
			       "kernel %s: file is %zu bytes, too small for an "
			       "ELF header",
			       path, img->len);
	if (d[4] != 1 && d[4] != 2)
		return err_set(
			err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
			"kernel %s: ELF class (EI_CLASS) is %u, expected "
			"1 or 2",
			path, d[4]);
	e->is64 = d[4] == 2;
	if (d[5] == 2) {
		mach = (uint16_t)(d[18] << 8 | d[19]);
		snprintf(rep->arch, sizeof(rep->arch), "%s (big-endian)",
			 machine_name(mach));
		return err_set(err, CHARLIE_E_KERNEL_ELF_ARCH, "kernel",
			       "kernel %s: big-endian ELF for %s (e_machine "
			       "%u); charlie boots x86_64 kernels",
			       path, machine_name(mach), mach);
	}
	if (d[5] != 1)
		return err_set(err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
			       "kernel %s: ELF data encoding (EI_DATA) is %u, "
			       "expected 1 (little-endian)",
			       path, d[5]);
	mach = kp_le16(d + 18);
	snprintf(rep->arch, sizeof(rep->arch), "%s", machine_name(mach));
	if ((e->is64 && mach != EM_X86_64) || (!e->is64 && mach != EM_386))
		return err_set(
			err, CHARLIE_E_KERNEL_ELF_ARCH, "kernel",
			"kernel %s: ELF%d for %s (e_machine %u); charlie "
			"boots x86_64 (or i386 ELF32) kernels",
			path, e->is64 ? 64 : 32, machine_name(mach), mach);
	hsize = e->is64 ? 64 : 52;
	if (d[6] != 1 || img->len < hsize)
		return err_set(err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
			       "kernel %s: bad ELF header (EI_VERSION %u, file "
			       "%zu bytes, header needs %llu)",
			       path, d[6], img->len, (unsigned long long)hsize);
	type = kp_le16(d + 16);
	if (type != ET_EXEC)
		return err_set(err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
			       "kernel %s: ELF e_type is %u, expected %u "
			       "(ET_EXEC) for a vmlinux",
			       path, type, ET_EXEC);
	if (kp_le32(d + 20) != 1)
		return err_set(err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
			       "kernel %s: ELF e_version is %u, expected 1",
			       path, kp_le32(d + 20));
	if (e->is64) {
		e->entry = kp_le64(d + 24);
		e->phoff = kp_le64(d + 32);
		ehsize = kp_le16(d + 52);
		e->phentsize = kp_le16(d + 54);
		e->phnum = kp_le16(d + 56);
	} else {
		e->entry = kp_le32(d + 24);
		e->phoff = kp_le32(d + 28);
		ehsize = kp_le16(d + 40);
		e->phentsize = kp_le16(d + 42);
		e->phnum = kp_le16(d + 44);
	}
	if (ehsize != hsize || e->phentsize != (e->is64 ? 56 : 32))
		return err_set(err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
			       "kernel %s: ELF e_ehsize %u / e_phentsize %u do "
			       "not match ELF%d",
			       path, ehsize, e->phentsize, e->is64 ? 64 : 32);
	if (e->phnum == 0 || e->phnum > ELF_MAX_PHNUM)
		return err_set(
			err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
			"kernel %s: ELF has %u program headers, expected "
			"1..%u",
			path, e->phnum, ELF_MAX_PHNUM);
	if (!kp_in(img->len, e->phoff, (uint64_t)e->phnum * e->phentsize))
		return err_set(err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
			       "kernel %s: ELF program headers at 0x%llx (%u x "
			       "%u bytes) run past the %zu-byte file",
			       path, (unsigned long long)e->phoff, e->phnum,
			       e->phentsize, img->len);
	return 0;
}

/* Walks the notes of one PT_NOTE segment looking for the PVH entry. */
static int find_pvh(const struct kernel_image *img, const struct elf_phdr *ph,
		    unsigned int idx, bool *found, uint64_t *entry,
		    struct charlie_error *err)
{
	uint64_t pos = ph->offset, end, a = ph->align == 8 ? 8 : 4;
	const char *path = img->path;

	if (!kp_in(img->len, ph->offset, ph->filesz))
		return err_set(err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
			       "kernel %s: note segment %u [0x%llx, +0x%llx) "
			       "runs past the %zu-byte file",
			       path, idx, (unsigned long long)ph->offset,
			       (unsigned long long)ph->filesz, img->len);
	end = ph->offset + ph->filesz;
	while (end - pos >= 12) {
		const uint8_t *n = img->data + pos;
		uint64_t nsz = kp_le32(n), dsz = kp_le32(n + 4);
		uint32_t type = kp_le32(n + 8);
		/* sizes are < 2^32: the sums below cannot overflow */
		uint64_t name_off = pos + 12;
		uint64_t desc_off = name_off + ((nsz + a - 1) & ~(a - 1));
		uint64_t next = desc_off + ((dsz + a - 1) & ~(a - 1));

		if (desc_off > end || dsz > end - desc_off)
			return err_set(err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
				       "kernel %s: malformed note at file "
				       "offset 0x%llx (namesz %llu, descsz "
				       "%llu) runs past its segment",
				       path, (unsigned long long)pos,
				       (unsigned long long)nsz,
				       (unsigned long long)dsz);
		if (nsz == 4 && !memcmp(img->data + name_off, "Xen", 4) &&
		    type == XEN_ELFNOTE_PHYS32_ENTRY) {
			const uint8_t *desc = img->data + desc_off;

			if (dsz == 4)
				*entry = kp_le32(desc);
			else if (dsz == 8)
				*entry = kp_le64(desc);
			else
				return err_set(err, CHARLIE_E_KERNEL_ELF_BAD,
					       "kernel",
					       "kernel %s: PVH note has a "
					       "%llu-byte descriptor, expected "
					       "4 or 8",
					       path, (unsigned long long)dsz);
			*found = true;
			return 0;
		}
		if (next >= end)
			break;
		pos = next;
	}
	return 0;
}

/* The banner "Linux version X ..." if the file holds one. */
static void find_version(const struct kernel_image *img,
			 struct charlie_kernel_report *rep)
{
	static const char key[] = "Linux version ";
	const uint8_t *p = img->data, *end = img->data + img->len;

	while ((p = memmem(p, (size_t)(end - p), key, sizeof(key) - 1))) {
		size_t i = 0;

		p += sizeof(key) - 1;
		if (p >= end || *p < '0' || *p > '9')
			continue;
		while (i + 1 < sizeof(rep->version) && p + i < end &&
		       p[i] >= 0x20 && p[i] <= 0x7e) {
			rep->version[i] = (char)p[i];
			i++;
		}
		rep->version[i] = 0;
		return;
	}
}

/* All program headers: segments sane, notes walked; fills the range. */
static int elf_segments(const struct kernel_image *img,
			const struct elf_info *e,
			struct charlie_kernel_report *rep, bool *has_pvh,
			uint64_t *pvh)
{
	struct charlie_error *err = &rep->err;
	const char *path = img->path;
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned int nload = 0;
	struct elf_phdr ph;
	int ret;

	*has_pvh = false;
	for (unsigned int i = 0; i < e->phnum; i++) {
		get_phdr(img, e, i, &ph);
		if (ph.type == PT_NOTE && !*has_pvh) {
			ret = find_pvh(img, &ph, i, has_pvh, pvh, err);
			if (ret)
				return ret;
		}
		if (ph.type != PT_LOAD)
			continue;
		if (ph.filesz > ph.memsz)
			return err_set(err, CHARLIE_E_KERNEL_ELF_SEGMENT,
				       "kernel",
				       "kernel %s: segment %u has p_filesz "
				       "0x%llx > p_memsz 0x%llx",
				       path, i, (unsigned long long)ph.filesz,
				       (unsigned long long)ph.memsz);
		if (!kp_in(img->len, ph.offset, ph.filesz))
			return err_set(err, CHARLIE_E_KERNEL_ELF_SEGMENT,
				       "kernel",
				       "kernel %s: segment %u file range "
				       "[0x%llx, +0x%llx) runs past the "
				       "%zu-byte file",
				       path, i, (unsigned long long)ph.offset,
				       (unsigned long long)ph.filesz, img->len);
		if (ph.memsz == 0)
			continue;
		if (ph.paddr > UINT64_MAX - ph.memsz)
			return err_set(err, CHARLIE_E_KERNEL_ELF_SEGMENT,
				       "kernel",
				       "kernel %s: segment %u at 0x%llx + "
				       "0x%llx overflows",
				       path, i, (unsigned long long)ph.paddr,
				       (unsigned long long)ph.memsz);
		if (ph.paddr < X86_KERNEL_ADDR)
			return err_set(err, CHARLIE_E_KERNEL_ELF_SEGMENT,
				       "kernel",
				       "kernel %s: segment %u at 0x%llx lies "
				       "below 1 MiB, where charlie keeps boot "
				       "data",
				       path, i, (unsigned long long)ph.paddr);
		if (ph.paddr + ph.memsz > GM_LOW_RAM_MAX)
			return err_set(
				err, CHARLIE_E_KERNEL_ELF_SEGMENT, "kernel",
				"kernel %s: segment %u [0x%llx, 0x%llx) "
				"reaches above 3 GiB, outside low RAM",
				path, i, (unsigned long long)ph.paddr,
				(unsigned long long)(ph.paddr + ph.memsz));
		if (ph.paddr < lo)
			lo = ph.paddr;
		if (ph.paddr + ph.memsz > hi)
			hi = ph.paddr + ph.memsz;
		nload++;
	}
	if (!nload)
		return err_set(err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
			       "kernel %s: ELF has no loadable segment", path);
	rep->pref_address = lo;
	rep->init_size = hi - lo;
	return 0;
}

/* True when `addr` lies in the file-backed part of a PT_LOAD segment. */
static bool entry_loaded(const struct kernel_image *img,
			 const struct elf_info *e, uint64_t addr)
{
	struct elf_phdr ph;

	for (unsigned int i = 0; i < e->phnum; i++) {
		get_phdr(img, e, i, &ph);
		if (ph.type == PT_LOAD && addr >= ph.paddr &&
		    addr - ph.paddr < ph.filesz)
			return true;
	}
	return false;
}

int elf_probe(const struct kernel_image *img, struct charlie_kernel_report *rep)
{
	struct charlie_error *err = &rep->err;
	const char *path = img->path;
	struct elf_info e;
	uint64_t pvh = 0;
	bool has_pvh;
	int ret;

	ret = elf_header(img, &e, rep);
	if (ret)
		return ret;
	snprintf(rep->format_name, sizeof(rep->format_name), "ELF%d executable",
		 e.is64 ? 64 : 32);
	snprintf(rep->compression, sizeof(rep->compression), "none");
	if (e.is64)
		rep->entry64 = e.entry;
	find_version(img, rep);
	ret = elf_segments(img, &e, rep, &has_pvh, &pvh);
	if (ret)
		return ret;
	if (!has_pvh)
		return err_set(err, CHARLIE_E_KERNEL_ELF_NO_PVH, "kernel",
			       "kernel %s: ELF%d %s executable without a PVH "
			       "note (Xen ELF note type 18, "
			       "XEN_ELFNOTE_PHYS32_ENTRY): build it with "
			       "CONFIG_PVH=y or boot its bzImage",
			       path, e.is64 ? 64 : 32, rep->arch);
	rep->has_pvh_note = true;
	rep->entry32 = pvh;
	if (pvh > 0xffffffffull || !entry_loaded(img, &e, pvh))
		return err_set(err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
			       "kernel %s: PVH entry 0x%llx is not inside a "
			       "loaded segment below 4 GiB",
			       path, (unsigned long long)pvh);
	rep->cmdline_size = PVH_CMDLINE_MAX;
	rep->initrd_addr_max = 0xffffffffu;
	rep->format = CHARLIE_KFMT_ELF_PVH;
	snprintf(rep->format_name, sizeof(rep->format_name),
		 "ELF vmlinux (PVH)");
	return 0;
}

int elf_load(const struct gm *gm, const struct kernel_image *img,
	     const struct charlie_kernel_report *rep, const char *cmdline,
	     const struct kernel_image *initrd, uint64_t rsdp,
	     struct boot_entry *entry, struct charlie_error *err)
{
	struct charlie_kernel_report chk;
	const char *path = img->path;
	struct kp_mem map[MEMMAP_MAX];
	uint64_t rd_addr = 0;
	struct elf_phdr ph;
	struct elf_info e;
	unsigned int n;
	uint8_t *p, *si;
	bool has_pvh;
	int ret;

	/* Re-validate the headers this function walks (cheap, and the
	 * loader must not trust that `rep` came from this very buffer). */
	memset(&chk, 0, sizeof(chk));
	ret = elf_header(img, &e, &chk);
	if (!ret)
		ret = elf_segments(img, &e, &chk, &has_pvh, &entry->rip);
	if (!ret && !has_pvh)
		ret = err_set(&chk.err, CHARLIE_E_KERNEL_ELF_NO_PVH, "kernel",
			      "kernel %s: no PVH note", path);
	if (ret) {
		if (err)
			*err = chk.err;
		return ret;
	}
	if (entry->rip > 0xffffffffull || !entry_loaded(img, &e, entry->rip))
		return err_set(err, CHARLIE_E_KERNEL_ELF_BAD, "kernel",
			       "kernel %s: PVH entry 0x%llx is not inside a "
			       "loaded segment below 4 GiB",
			       path, (unsigned long long)entry->rip);
	chk.format = CHARLIE_KFMT_ELF_PVH;
	chk.initrd_addr_max = 0xffffffffu;
	/* All segments inside guest RAM before anything is written. */
	for (unsigned int pass = 0; pass < 2; pass++) {
		for (unsigned int i = 0; i < e.phnum; i++) {
			get_phdr(img, &e, i, &ph);
			if (ph.type != PT_LOAD || ph.memsz == 0)
				continue;
			p = gm_ptr(gm, ph.paddr, ph.memsz);
			if (!p)
				return err_set(
					err, CHARLIE_E_KERNEL_ELF_SEGMENT,
					"memory",
					"kernel %s: segment %u [0x%llx, "
					"0x%llx) is outside guest RAM",
					path, i, (unsigned long long)ph.paddr,
					(unsigned long long)(ph.paddr +
							     ph.memsz));
			if (!pass)
				continue;
			memcpy(p, img->data + ph.offset, ph.filesz);
			memset(p + ph.filesz, 0, ph.memsz - ph.filesz);
		}
	}

	ret = kp_put_cmdline(gm, rep, path, cmdline, err);
	if (ret)
		return ret;
	si = gm_ptr(gm, X86_PVH_START_INFO_ADDR, HSI_SIZE);
	if (!si || !gm_ptr(gm, X86_PVH_MODLIST_ADDR, MOD_SIZE))
		return err_set(err, CHARLIE_E_MEMORY, "memory",
			       "kernel %s: no guest RAM for hvm_start_info at "
			       "0x%llx",
			       path,
			       (unsigned long long)X86_PVH_START_INFO_ADDR);
	memset(si, 0, HSI_SIZE);
	if (initrd && initrd->len) {
		uint8_t *m;

		ret = kp_place_initrd(&chk, path, gm_low_end(gm), gm->total,
				      initrd->len, &rd_addr, err);
		if (ret)
			return ret;
		ret = kp_copy_initrd(gm, path, initrd, rd_addr, err);
		if (ret)
			return ret;
		m = gm_ptr(gm, X86_PVH_MODLIST_ADDR, MOD_SIZE);
		memset(m, 0, MOD_SIZE);
		kp_put64(m, rd_addr);
		kp_put64(m + 8, initrd->len);
		kp_put32(si + HSI_NR_MODULES, 1);
		kp_put64(si + HSI_MODLIST, X86_PVH_MODLIST_ADDR);
	}
	n = kp_memmap(gm, map, MEMMAP_MAX);
	p = gm_ptr(gm, X86_PVH_MEMMAP_ADDR, (uint64_t)n * MEMMAP_ENTRY_SIZE);
	if (!p)
		return err_set(err, CHARLIE_E_MEMORY, "memory",
			       "kernel %s: no guest RAM for the memory map at "
			       "0x%llx",
			       path, (unsigned long long)X86_PVH_MEMMAP_ADDR);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *m = p + i * MEMMAP_ENTRY_SIZE;

		kp_put64(m, map[i].addr);
		kp_put64(m + 8, map[i].size);
		kp_put32(m + 16, map[i].type);
		kp_put32(m + 20, 0);
	}
	kp_put32(si + HSI_MAGIC, HVM_START_MAGIC);
	kp_put32(si + HSI_VERSION, 1);
	kp_put64(si + HSI_CMDLINE, X86_CMDLINE_ADDR);
	kp_put64(si + HSI_RSDP, rsdp); /* 0: none; the kernel then scans */
	kp_put64(si + HSI_MEMMAP, X86_PVH_MEMMAP_ADDR);
	kp_put32(si + HSI_MEMMAP_NR, n);

	entry->mode = BOOT_PVH32;
	entry->info = X86_PVH_START_INFO_ADDR;
	return 0;
}
