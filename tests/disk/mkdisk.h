/* SPDX-License-Identifier: MIT */
/*
 * A small valid disk image built in memory, the base of the disk parsers'
 * unit tests, the malformed-image corpus (gen_disk_corpus) and the fuzz
 * seeds: so none of them depends on the big bingo.img.
 *
 * 512-byte sectors: LBA 0 protective MBR, LBA 1 GPT header, LBA 2-33
 * entry array (128 x 128 bytes), LBA 34-289 the ESP, then 33 sectors
 * for a backup GPT.  The ESP is FAT12, 1 sector per cluster: boot sector,
 * FAT x 2, a 16-entry root directory, then cluster 2 = \EFI, cluster 3 =
 * \EFI\BOOT (with VFAT long names), and BOOTX64.EFI in two runs of
 * clusters (4.. and 40..) so readers must follow the chain.
 * BOOTX64.EFI is a PE32+ x86-64 unified kernel image with .osrel,
 * .cmdline, .linux (a tiny bzImage header kernel_probe accepts) and
 * .initrd; or, with `stub_kernel`, a bare bzImage that is also a PE
 * (a Linux kernel with the EFI stub).
 */
#ifndef MKDISK_H
#define MKDISK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MK_SEC	      512
#define MK_ESP_LBA    34
#define MK_ESP_SECS   256
#define MK_TOTAL_SECS (MK_ESP_LBA + MK_ESP_SECS + 33)
#define MK_LEN	      (MK_TOTAL_SECS * MK_SEC)
#define MK_ESP	      (MK_ESP_LBA * MK_SEC)
#define MK_FAT1	      (MK_ESP + 1 * MK_SEC)
#define MK_FAT2	      (MK_ESP + 2 * MK_SEC)
#define MK_ROOT	      (MK_ESP + 3 * MK_SEC)
#define MK_DATA	      (MK_ESP + 4 * MK_SEC) /* cluster 2 */
#define MK_CLUS(c)    (MK_DATA + ((size_t)(c)-2) * MK_SEC)
#define MK_EFI_CLUS   2
#define MK_BOOT_CLUS  3
#define MK_RUN1	      4 /* the file: clusters 4..4+MK_RUN1_LEN-1, */
#define MK_RUN1_LEN   6
#define MK_RUN2	      40 /* then 40.. */
#define MK_CMDLINE    "console=ttyS0 quiet"
#define MK_OSREL      "NAME=synthetic\nPRETTY_NAME=\"synthetic test image\"\n"

/* Offsets inside BOOTX64.EFI. */
#define MK_PE	       0x40 /* e_lfanew */
#define MK_OPT	       (MK_PE + 24)
#define MK_OPTSZ       240
#define MK_SECTAB      (MK_OPT + MK_OPTSZ)
#define MK_NSEC	       4
#define MK_OSREL_OFF   0x200
#define MK_CMDLINE_OFF 0x400
#define MK_LINUX_OFF   0x600
#define MK_KSETUP      4 /* setup_sects */
#define MK_KPM	       4096
#define MK_KLEN	       ((MK_KSETUP + 1) * 512 + MK_KPM)
#define MK_INITRD_OFF  (MK_LINUX_OFF + MK_KLEN)
#define MK_INITRD_LEN  512
#define MK_UKI_LEN     (MK_INITRD_OFF + MK_INITRD_LEN)

/* Section table indexes in the UKI. */
enum { MK_S_OSREL, MK_S_CMDLINE, MK_S_LINUX, MK_S_INITRD };

struct mkdisk {
	uint8_t buf[MK_LEN];
	size_t file_len;
	uint32_t file_clus; /* clusters of BOOTX64.EFI */
	size_t boot_ent;    /* offset of BOOTX64.EFI's short entry */
	size_t bootdir_ent; /* offset of BOOT's short entry (in \EFI) */
	size_t efi_ent;	    /* offset of EFI's short entry (root) */
};

static inline void mk_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void mk_put32(uint8_t *p, uint32_t v)
{
	mk_put16(p, (uint16_t)v);
	mk_put16(p + 2, (uint16_t)(v >> 16));
}
static inline void mk_put64(uint8_t *p, uint64_t v)
{
	mk_put32(p, (uint32_t)v);
	mk_put32(p + 4, (uint32_t)(v >> 32));
}
static inline uint32_t mk_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint32_t mk_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

/* Recomputes the entry array CRC and the header CRC (after a mutation
 * that should not be caught by them). */
static inline void mk_fix_gpt(struct mkdisk *d)
{
	uint8_t *h = d->buf + MK_SEC;
	uint32_t n = mk_get32(h + 80), esz = mk_get32(h + 84);
	uint32_t hs = mk_get32(h + 12);

	if ((uint64_t)n * esz <= 32 * MK_SEC)
		mk_put32(h + 88,
			 mk_crc32(d->buf + 2 * MK_SEC, (size_t)n * esz));
	if (hs > MK_SEC)
		hs = MK_SEC;
	mk_put32(h + 16, 0);
	mk_put32(h + 16, mk_crc32(h, hs));
}

/* FAT12 entry c = v, in both FATs. */
static inline void mk_fat_set(struct mkdisk *d, uint32_t c, uint32_t v)
{
	for (int f = 0; f < 2; f++) {
		uint8_t *fat = d->buf + (f ? MK_FAT2 : MK_FAT1);
		size_t o = c + c / 2;
		uint16_t x = (uint16_t)(fat[o] | fat[o + 1] << 8);

		if (c & 1)
			x = (uint16_t)((x & 0x000f) | (v & 0xfff) << 4);
		else
			x = (uint16_t)((x & 0xf000) | (v & 0xfff));
		mk_put16(fat + o, x);
	}
}

/* The i-th cluster of BOOTX64.EFI. */
static inline uint32_t mk_file_clus(uint32_t i)
{
	return i < MK_RUN1_LEN ? MK_RUN1 + i : MK_RUN2 + (i - MK_RUN1_LEN);
}

/* Where byte `o` of BOOTX64.EFI lies in the image. */
static inline size_t mk_file_off(size_t o)
{
	return MK_CLUS(mk_file_clus((uint32_t)(o / MK_SEC))) + o % MK_SEC;
}

static inline void mk_file_write(struct mkdisk *d, size_t o, const void *p,
				 size_t n)
{
	for (size_t i = 0; i < n; i++)
		d->buf[mk_file_off(o + i)] = ((const uint8_t *)p)[i];
}

static inline void mk_dirent(uint8_t *e, const char *name11, uint8_t attr,
			     uint16_t clus, uint32_t size)
{
	memcpy(e, name11, 11);
	e[11] = attr;
	mk_put16(e + 26, clus);
	mk_put32(e + 28, size);
}

static inline uint8_t mk_sfn_sum(const uint8_t *n)
{
	uint8_t s = 0;

	for (int i = 0; i < 11; i++)
		s = (uint8_t)(((s & 1) << 7) + (s >> 1) + n[i]);
	return s;
}

/* One VFAT long-name entry (a name of at most 13 characters). */
static inline void mk_lfn(uint8_t *e, const char *name, const uint8_t *sfn)
{
	static const int off[13] = {1,	3,  5,	7,  9,	14, 16,
				    18, 20, 22, 24, 28, 30};
	size_t n = strlen(name);

	memset(e, 0, 32);
	e[0] = 0x41; /* last (and first) entry, ordinal 1 */
	e[11] = 0x0f;
	e[13] = mk_sfn_sum(sfn);
	for (size_t i = 0; i < 13; i++)
		mk_put16(e + off[i], i < n    ? (uint16_t)name[i]
				     : i == n ? 0
					      : 0xffff);
}

/* A tiny bzImage (boot protocol 2.15) kernel_probe accepts. */
static inline void mk_kernel(uint8_t *k, bool pe_stub)
{
	memset(k, 0, MK_KLEN);
	if (pe_stub) { /* "MZ" and a PE header, like an EFI-stub kernel */
		k[0] = 'M';
		k[1] = 'Z';
	}
	k[0x1f1] = MK_KSETUP;
	mk_put32(k + 0x1f4, MK_KPM / 16);
	mk_put16(k + 0x1fe, 0xaa55);
	k[0x200] = 0xeb;
	k[0x201] = 0x6a;
	memcpy(k + 0x202, "HdrS", 4);
	mk_put16(k + 0x206, 0x020f);
	k[0x211] = 0x01;
	mk_put32(k + 0x214, 0x100000);
	mk_put32(k + 0x22c, 0x7fffffff);
	mk_put32(k + 0x230, 0x200000);
	k[0x234] = 1;
	k[0x235] = 21;
	mk_put16(k + 0x236, 0x0003);
	mk_put32(k + 0x238, 2047);
	mk_put32(k + 0x248, 0x100);
	mk_put32(k + 0x24c, 0x100);
	mk_put64(k + 0x258, 0x1000000);
	mk_put32(k + 0x260, 0x800000);
	memset(k + (MK_KSETUP + 1) * 512, 0xf4, MK_KPM);
	k[(MK_KSETUP + 1) * 512 + 0x100] = 0x1f; /* gzip magic */
	k[(MK_KSETUP + 1) * 512 + 0x101] = 0x8b;
	k[(MK_KSETUP + 1) * 512 + 0x102] = 0x08;
}

static inline void mk_section(uint8_t *s, const char *name, uint32_t off,
			      uint32_t len)
{
	memset(s, 0, 40);
	memcpy(s, name, strlen(name));
	mk_put32(s + 8, len);		       /* VirtualSize */
	mk_put32(s + 12, 0x10000 + off);       /* VirtualAddress */
	mk_put32(s + 16, (len + 511) & ~511u); /* SizeOfRawData */
	mk_put32(s + 20, off);		       /* PointerToRawData */
	mk_put32(s + 36, 0x40000040);	       /* initialized, read */
}

/* The PE headers: MZ, e_lfanew, "PE\0\0", COFF, PE32+ optional header,
 * and `nsec` section headers from `secs`. */
static inline void mk_pe_headers(uint8_t *f, unsigned int nsec)
{
	f[0] = 'M';
	f[1] = 'Z';
	mk_put32(f + 0x3c, MK_PE);
	memcpy(f + MK_PE, "PE\0\0", 4);
	mk_put16(f + MK_PE + 4, 0x8664);
	mk_put16(f + MK_PE + 6, (uint16_t)nsec);
	mk_put16(f + MK_PE + 20, MK_OPTSZ);
	mk_put16(f + MK_PE + 22, 0x0206);
	mk_put16(f + MK_OPT, 0x20b);
	mk_put32(f + MK_OPT + 32, 512); /* SectionAlignment */
	mk_put32(f + MK_OPT + 36, 512); /* FileAlignment */
	mk_put32(f + MK_OPT + 60, 512); /* SizeOfHeaders */
	mk_put32(f + MK_OPT + 108, 16); /* NumberOfRvaAndSizes */
}

/* The whole image.  stub_kernel: BOOTX64.EFI is a bare EFI-stub bzImage. */
static inline void mkdisk_build(struct mkdisk *d, bool stub_kernel)
{
	static const uint8_t esp_type[16] = {0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8,
					     0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0,
					     0xc9, 0x3e, 0xc9, 0x3b};
	uint8_t *b = d->buf, *h = b + MK_SEC, *e = b + 2 * MK_SEC, *bs;
	uint8_t *f;
	size_t flen = stub_kernel ? MK_KLEN : MK_UKI_LEN;
	uint32_t nclus = (uint32_t)((flen + MK_SEC - 1) / MK_SEC);
	uint8_t *dir;

	memset(d, 0, sizeof(*d));
	d->file_len = flen;
	d->file_clus = nclus;
	/* Protective MBR (UEFI 2.10 §5.2.3). */
	b[446 + 2] = 0x02;
	b[446 + 4] = 0xee;
	memset(b + 446 + 5, 0xff, 3);
	mk_put32(b + 446 + 8, 1);
	mk_put32(b + 446 + 12, MK_TOTAL_SECS - 1);
	b[510] = 0x55;
	b[511] = 0xaa;
	/* GPT header (§5.3.2) and entry 1: the ESP. */
	memcpy(h, "EFI PART", 8);
	mk_put32(h + 8, 0x00010000);
	mk_put32(h + 12, 92);
	mk_put64(h + 24, 1);
	mk_put64(h + 32, MK_TOTAL_SECS - 1);
	mk_put64(h + 40, MK_ESP_LBA);
	mk_put64(h + 48, MK_ESP_LBA + MK_ESP_SECS - 1);
	for (int i = 0; i < 16; i++)
		h[56 + i] = (uint8_t)(0xd0 + i);
	mk_put64(h + 72, 2);
	mk_put32(h + 80, 128);
	mk_put32(h + 84, 128);
	memcpy(e, esp_type, 16);
	for (int i = 0; i < 16; i++)
		e[16 + i] = (uint8_t)(0xe0 + i);
	mk_put64(e + 32, MK_ESP_LBA);
	mk_put64(e + 40, MK_ESP_LBA + MK_ESP_SECS - 1);
	mk_put16(e + 56, 'E');
	mk_put16(e + 58, 'S');
	mk_put16(e + 60, 'P');
	mk_fix_gpt(d);
	/* FAT12 boot sector (Microsoft FAT spec §3). */
	bs = b + MK_ESP;
	bs[0] = 0xeb;
	bs[1] = 0x3c;
	bs[2] = 0x90;
	memcpy(bs + 3, "MSWIN4.1", 8);
	mk_put16(bs + 11, 512);
	bs[13] = 1;
	mk_put16(bs + 14, 1);
	bs[16] = 2;
	mk_put16(bs + 17, 16);
	mk_put16(bs + 19, MK_ESP_SECS);
	bs[21] = 0xf8;
	mk_put16(bs + 22, 1);
	mk_put16(bs + 24, 32);
	mk_put16(bs + 26, 2);
	mk_put32(bs + 28, MK_ESP_LBA);
	bs[36] = 0x80;
	bs[38] = 0x29;
	mk_put32(bs + 39, 0x12345678);
	memcpy(bs + 43, "SYNTH-ESP  ", 11);
	memcpy(bs + 54, "FAT12   ", 8);
	bs[510] = 0x55;
	bs[511] = 0xaa;
	/* The FATs: media, reserved, \EFI, \EFI\BOOT, then the file. */
	mk_fat_set(d, 0, 0xff8);
	mk_fat_set(d, 1, 0xfff);
	mk_fat_set(d, MK_EFI_CLUS, 0xfff);
	mk_fat_set(d, MK_BOOT_CLUS, 0xfff);
	for (uint32_t i = 0; i < nclus; i++)
		mk_fat_set(d, mk_file_clus(i),
			   i + 1 < nclus ? mk_file_clus(i + 1) : 0xfff);
	/* Root: volume label, a deleted entry, EFI. */
	dir = b + MK_ROOT;
	mk_dirent(dir, "SYNTH-ESP  ", 0x08, 0, 0);
	mk_dirent(dir + 32, "\xe5OLD    TXT", 0x20, 0, 0);
	mk_dirent(dir + 64, "EFI        ", 0x10, MK_EFI_CLUS, 0);
	d->efi_ent = MK_ROOT + 64;
	/* \EFI: ".", "..", a long name "Boot" + BOOT. */
	dir = b + MK_CLUS(MK_EFI_CLUS);
	mk_dirent(dir, ".          ", 0x10, MK_EFI_CLUS, 0);
	mk_dirent(dir + 32, "..         ", 0x10, 0, 0);
	mk_dirent(dir + 96, "BOOT       ", 0x10, MK_BOOT_CLUS, 0);
	mk_lfn(dir + 64, "Boot", dir + 96);
	d->bootdir_ent = MK_CLUS(MK_EFI_CLUS) + 96;
	/* \EFI\BOOT: ".", "..", a long name "bootx64.efi" + BOOTX64.EFI. */
	dir = b + MK_CLUS(MK_BOOT_CLUS);
	mk_dirent(dir, ".          ", 0x10, MK_BOOT_CLUS, 0);
	mk_dirent(dir + 32, "..         ", 0x10, MK_EFI_CLUS, 0);
	mk_dirent(dir + 96, "BOOTX64 EFI", 0x20, MK_RUN1, (uint32_t)flen);
	mk_lfn(dir + 64, "bootx64.efi", dir + 96);
	d->boot_ent = MK_CLUS(MK_BOOT_CLUS) + 96;
	/* The file, built flat, then spread over its clusters. */
	f = calloc(1, MK_UKI_LEN);
	if (!f)
		abort();
	if (stub_kernel) {
		mk_kernel(f, true);
		mk_pe_headers(f, 1);
		/* A kernel's own section (not .linux): ".text". */
		mk_section(f + MK_SECTAB, ".text", 0x400, MK_KLEN - 0x400);
	} else {
		mk_pe_headers(f, MK_NSEC);
		mk_section(f + MK_SECTAB, ".osrel", MK_OSREL_OFF,
			   sizeof(MK_OSREL) - 1);
		mk_section(f + MK_SECTAB + 40, ".cmdline", MK_CMDLINE_OFF,
			   sizeof(MK_CMDLINE) - 1);
		mk_section(f + MK_SECTAB + 80, ".linux", MK_LINUX_OFF, MK_KLEN);
		mk_section(f + MK_SECTAB + 120, ".initrd", MK_INITRD_OFF,
			   MK_INITRD_LEN);
		memcpy(f + MK_OSREL_OFF, MK_OSREL, sizeof(MK_OSREL) - 1);
		memcpy(f + MK_CMDLINE_OFF, MK_CMDLINE, sizeof(MK_CMDLINE) - 1);
		mk_kernel(f + MK_LINUX_OFF, false);
		memcpy(f + MK_INITRD_OFF, "070701", 6);
		memset(f + MK_INITRD_OFF + 6, 'i', MK_INITRD_LEN - 6);
	}
	mk_file_write(d, 0, f, flen);
	free(f);
}

/* Offset in the image of section i's header field at `field`. */
static inline size_t mk_sec_field(unsigned int i, size_t field)
{
	return mk_file_off(MK_SECTAB + 40 * i + field);
}

#endif
