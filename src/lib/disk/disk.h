/* SPDX-License-Identifier: MIT */
/*
 * Disk images (design.md 11): a GPT disk whose EFI system partition holds
 * \EFI\BOOT\BOOTX64.EFI, a unified kernel image (UAPI UKI spec) or a Linux
 * kernel with the EFI stub.  Every byte of the image is untrusted
 * (design.md 5, 7.5): all reads go through one bounds-checked reader
 * (disk_read), every file-derived offset is checked for overflow before
 * use, and each way an image can be wrong has its own named error
 * (CHARLIE_E_IMAGE_*, field "image").  Images can be GBs: only the
 * structures needed and the one file are ever read.
 */
#ifndef CHARLIE_DISK_H
#define CHARLIE_DISK_H

#include "charlie.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A read-only view of an image: a file descriptor, or bytes in memory
 * (unit tests, fuzzers).  `size` is fixed when the reader is opened; a
 * file that shrinks afterwards gives a named read error, never a short
 * buffer. */
struct disk_reader {
	const char *path; /* for messages */
	int fd;		  /* -1 when mem is used */
	const uint8_t *mem;
	uint64_t size;
};

/* Opens `path` read-only (regular files only).  Errors: IMAGE_OPEN. */
int disk_open(struct disk_reader *r, const char *path,
	      struct charlie_error *err);
void disk_reader_mem(struct disk_reader *r, const char *name, const void *p,
		     size_t len);
void disk_close(struct disk_reader *r);

/* Reads [off, off + len) or fails with `code`, saying `what` lay outside
 * the image (off + len overflow-checked against the image size). */
int disk_read(const struct disk_reader *r, uint64_t off, void *buf, size_t len,
	      enum charlie_err code, const char *what,
	      struct charlie_error *err);

/* True when [off, off + len) lies inside [0, size) (no overflow). */
static inline bool disk_range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* err_set with field "image" and the message prefixed "image PATH: ". */
int disk_err(const struct disk_reader *r, struct charlie_error *err,
	     enum charlie_err code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* CRC-32 as in UEFI 2.10 §5.3.2 (IEEE 802.3, reflected, as zlib's). */
uint32_t disk_crc32(uint32_t crc, const void *buf, size_t len);

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}
static inline uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---- GPT (UEFI 2.10 §5.2 protective MBR, §5.3 GPT) ---- */

#define GPT_SECTOR 512 /* logical block size: 512-byte sectors only */

struct gpt_info {
	uint8_t disk_guid[16];
	uint32_t entries;	/* NumberOfPartitionEntries */
	uint32_t entry_size;	/* SizeOfPartitionEntry */
	unsigned int used;	/* entries with a non-zero type GUID */
	unsigned int esp_index; /* 1-based, like Linux's partition numbers */
	uint8_t esp_guid[16];	/* UniquePartitionGUID */
	uint64_t esp_offset, esp_size; /* bytes */
};

/* Validates the protective MBR and the primary GPT and finds the first
 * EFI system partition.  Errors: IMAGE_MBR, IMAGE_GPT_HEADER,
 * IMAGE_GPT_CRC, IMAGE_GPT_ENTRIES, IMAGE_GPT_ENTRIES_CRC,
 * IMAGE_GPT_RANGE, IMAGE_NO_ESP. */
int gpt_find_esp(const struct disk_reader *r, struct gpt_info *gi,
		 struct charlie_error *err);

/* "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" (buf >= 37 bytes). */
void gpt_guid_str(const uint8_t g[16], char *buf);

/* ---- FAT (Microsoft FAT specification, 2005: "fatgen") ---- */

struct fat_vol {
	const struct disk_reader *r;
	uint64_t base, len; /* the partition, bytes */
	int type;	    /* 12, 16, 32 */
	uint32_t bytes_per_sec, sec_per_clus, clus_size;
	uint64_t fat_off;      /* first FAT, bytes from the image start */
	uint64_t fat_bytes;    /* one FAT's size */
	uint64_t root_off;     /* FAT12/16: the fixed root directory */
	uint32_t root_entries; /* FAT12/16 */
	uint32_t root_clus;    /* FAT32 */
	uint64_t data_off;     /* cluster 2 */
	uint32_t clusters;     /* CountofClusters: valid are 2..clusters+1 */
	char label[12];
	/* one cached sector of the FAT */
	uint64_t cache_off;
	bool cache_valid;
	uint8_t cache[4096 + 4];
};

/* Reads and range-checks the boot sector of the volume at [base, base +
 * len).  Errors: IMAGE_FAT_GEOMETRY. */
int fat_open(struct fat_vol *v, const struct disk_reader *r, uint64_t base,
	     uint64_t len, struct charlie_error *err);

/* Finds `path` ("\EFI\BOOT\BOOTX64.EFI" or with '/'), case-insensitively
 * (8.3 and VFAT long names), and reads it into a new buffer of *len bytes
 * (free with disk_buf_free).  `max` bounds the file size.  Errors:
 * IMAGE_FILE_NOT_FOUND, IMAGE_FAT_DIR, IMAGE_FAT_CHAIN, IMAGE_FAT_LOOP. */
int fat_read_file(struct fat_vol *v, const char *path, uint64_t max,
		  uint8_t **data, size_t *len, struct charlie_error *err);

/* ---- PE/COFF (Microsoft PE format specification) ---- */

#define PE_MAX_SECTIONS 96 /* PE/COFF spec: the loader's limit */

struct pe_section {
	char name[9];	  /* NUL-terminated */
	uint32_t vaddr;	  /* VirtualAddress */
	uint32_t vsize;	  /* VirtualSize */
	uint32_t offset;  /* PointerToRawData */
	uint32_t rawsize; /* SizeOfRawData */
	uint32_t size;	  /* content bytes: VirtualSize (or raw if 0) */
};

struct pe_info {
	uint16_t machine;
	unsigned int nsections;
	struct pe_section sec[PE_MAX_SECTIONS];
};

/* Validates a PE32+ x86-64 image's headers and section table; every
 * section's content lies inside the buffer.  Errors: IMAGE_PE_HEADER,
 * IMAGE_PE_MACHINE, IMAGE_PE_SECTIONS, IMAGE_PE_SECTION_RANGE. */
int pe_parse(const struct disk_reader *r, const uint8_t *p, size_t len,
	     struct pe_info *pi, struct charlie_error *err);
const struct pe_section *pe_find(const struct pe_info *pi, const char *name);

/* ---- the unified kernel image / EFI-stub kernel on a disk ---- */

#define UKI_FILE	"\\EFI\\BOOT\\BOOTX64.EFI"
#define UKI_FILE_MAX	(1ull << 30)
#define UKI_CMDLINE_MAX 65535

struct uki {
	struct gpt_info gpt;
	int fat_type;
	uint32_t clus_size;
	char label[12];
	bool have_file; /* BOOTX64.EFI was found and read */
	uint64_t file_size;
	struct pe_info pe;
	bool is_uki; /* has .linux; else a bzImage with the EFI stub */
	/* what to boot: pointers into `file` (kernel may be all of it) */
	uint8_t *file;
	size_t file_len;
	const uint8_t *kernel, *initrd;
	size_t kernel_len, initrd_len;
	char *cmdline; /* NULL when there is no .cmdline */
	char osrel_name[64];
	char uname[128];
};

/* Image -> ESP -> \EFI\BOOT\BOOTX64.EFI -> kernel, initrd, cmdline.
 * Errors: every code above, IMAGE_PE_NO_LINUX, IMAGE_UKI_CMDLINE. */
int uki_read(const struct disk_reader *r, struct uki *u,
	     struct charlie_error *err);
void uki_free(struct uki *u);

uint8_t *disk_buf_alloc(size_t len);
void disk_buf_free(uint8_t *p, size_t len);

#endif
