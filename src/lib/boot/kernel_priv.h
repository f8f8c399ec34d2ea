/* SPDX-License-Identifier: MIT */
/*
 * Internals of the kernel loader shared by its files: little-endian field
 * readers, the per-format probes and loaders, and the placement rules used
 * both by the pre-start checks and by the loader (so the two never
 * disagree).
 */
#ifndef CHARLIE_BOOT_KERNEL_PRIV_H
#define CHARLIE_BOOT_KERNEL_PRIV_H

#include "kernel.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t kp_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t kp_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t kp_le64(const uint8_t *p)
{
	return (uint64_t)kp_le32(p) | (uint64_t)kp_le32(p + 4) << 32;
}

static inline void kp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void kp_put32(uint8_t *p, uint32_t v)
{
	kp_put16(p, (uint16_t)v);
	kp_put16(p + 2, (uint16_t)(v >> 16));
}

static inline void kp_put64(uint8_t *p, uint64_t v)
{
	kp_put32(p, (uint32_t)v);
	kp_put32(p + 4, (uint32_t)(v >> 32));
}

/* True when [off, off + len) lies inside a buffer of `size` bytes. */
static inline bool kp_in(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

/* Magic bytes at `off`, bounds-checked. */
static inline bool kp_magic(const struct kernel_image *img, uint64_t off,
			    const void *magic, size_t len)
{
	return kp_in(img->len, off, len) &&
	       !memcmp(img->data + off, magic, len);
}

/* "gzip", "xz", ... for a compressed stream at `off`, or NULL. */
const char *kp_compression_at(const struct kernel_image *img, uint64_t off);

/* Per-format probes: fill rep, return 0 or -EINVAL with rep->err set. */
int bz_probe(const struct kernel_image *img, struct charlie_kernel_report *rep);
int elf_probe(const struct kernel_image *img,
	      struct charlie_kernel_report *rep);

int bz_load(const struct gm *gm, const struct kernel_image *img,
	    const struct charlie_kernel_report *rep, const char *cmdline,
	    const struct kernel_image *initrd, uint64_t rsdp,
	    struct boot_entry *entry, struct charlie_error *err);
int elf_load(const struct gm *gm, const struct kernel_image *img,
	     const struct charlie_kernel_report *rep, const char *cmdline,
	     const struct kernel_image *initrd, uint64_t rsdp,
	     struct boot_entry *entry, struct charlie_error *err);

/* The range the kernel occupies while booting, from the report:
 * [start, end).  -EINVAL with err set when file values overflow. */
int kp_kernel_range(const struct charlie_kernel_report *rep, const char *path,
		    uint64_t *start, uint64_t *end, struct charlie_error *err);

/* Where the initrd goes: page-aligned, as high as possible below
 * min(initrd_addr_max + 1, low_end) and at or above kernel_end. */
/* Copies the initrd to rd_addr through the checked translator. */
int kp_copy_initrd(const struct gm *gm, const char *path,
		   const struct kernel_image *initrd, gpa_t rd_addr,
		   struct charlie_error *err);
int kp_place_initrd(const struct charlie_kernel_report *rep, const char *path,
		    uint64_t low_end, uint64_t total, uint64_t size,
		    uint64_t *addr, struct charlie_error *err);

/* Writes the command line (NUL-terminated) at X86_CMDLINE_ADDR. */
int kp_put_cmdline(const struct gm *gm, const struct charlie_kernel_report *rep,
		   const char *path, const char *cmdline,
		   struct charlie_error *err);

/* The guest's memory map from gm: [0, EBDA) RAM, [EBDA, 1 MiB) reserved,
 * the rest of each region RAM.  Returns the number of entries (<= max). */
struct kp_mem {
	uint64_t addr, size;
	uint32_t type;
};
unsigned int kp_memmap(const struct gm *gm, struct kp_mem *out,
		       unsigned int max);

#endif
