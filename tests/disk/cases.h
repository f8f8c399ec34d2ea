/* SPDX-License-Identifier: MIT */
/*
 * The malformed-image cases: each a mutation of mkdisk's valid image and
 * the named error it must be refused with.  Used by the unit tests (one
 * test per case, per parser) and by gen_disk_corpus (one file per case,
 * tests/e2e/disk_corpus.sh).
 */
#ifndef DISK_CASES_H
#define DISK_CASES_H

#include "mkdisk.h"

struct disk_case {
	const char *name;
	const char *code; /* charlie_err_name() of the expected error */
	void (*mutate)(struct mkdisk *d, size_t *len);
};

/* One line per mutation: easier to read as a table. */
/* clang-format off */
#define H(d) ((d)->buf + MK_SEC)
#define ENT(d) ((d)->buf + 2 * MK_SEC)
#define BS(d) ((d)->buf + MK_ESP)

/* ---- protective MBR and GPT ---- */
static void c_mbr_sig(struct mkdisk *d, size_t *l) { d->buf[510] = 0; }
static void c_mbr_type(struct mkdisk *d, size_t *l) { d->buf[446 + 4] = 0x83; }
static void c_mbr_start(struct mkdisk *d, size_t *l) { mk_put32(d->buf + 446 + 8, 63); }
static void c_gpt_sig(struct mkdisk *d, size_t *l) { H(d)[0] = 'X'; mk_fix_gpt(d); }
static void c_gpt_rev(struct mkdisk *d, size_t *l) { mk_put32(H(d) + 8, 0x00020000); mk_fix_gpt(d); }
static void c_gpt_hsize(struct mkdisk *d, size_t *l) { mk_put32(H(d) + 12, 1000); }
static void c_gpt_crc(struct mkdisk *d, size_t *l) { H(d)[60] ^= 0xff; }
static void c_gpt_mylba(struct mkdisk *d, size_t *l) { mk_put64(H(d) + 24, 7); mk_fix_gpt(d); }
static void c_gpt_usable(struct mkdisk *d, size_t *l) { mk_put64(H(d) + 48, 1ull << 40); mk_fix_gpt(d); }
static void c_gpt_esize(struct mkdisk *d, size_t *l) { mk_put32(H(d) + 84, 100); mk_fix_gpt(d); }
static void c_gpt_ecount(struct mkdisk *d, size_t *l) { mk_put32(H(d) + 80, 0x10000000); mk_fix_gpt(d); }
static void c_gpt_ecount0(struct mkdisk *d, size_t *l) { mk_put32(H(d) + 80, 0); mk_fix_gpt(d); }
static void c_gpt_elba(struct mkdisk *d, size_t *l) { mk_put64(H(d) + 72, 1ull << 50); mk_fix_gpt(d); }
static void c_gpt_ecrc(struct mkdisk *d, size_t *l) { ENT(d)[57] ^= 0x01; }
static void c_gpt_noesp(struct mkdisk *d, size_t *l) { ENT(d)[0] ^= 0x01; mk_fix_gpt(d); }
static void c_gpt_espbeyond(struct mkdisk *d, size_t *l) { mk_put64(ENT(d) + 40, MK_TOTAL_SECS + 100); mk_fix_gpt(d); }
static void c_gpt_espreversed(struct mkdisk *d, size_t *l) { mk_put64(ENT(d) + 32, MK_ESP_LBA + 10); mk_put64(ENT(d) + 40, MK_ESP_LBA + 5); mk_fix_gpt(d); }
static void c_trunc_hdr(struct mkdisk *d, size_t *l) { *l = 700; }
static void c_trunc_esp(struct mkdisk *d, size_t *l) { *l = MK_ESP + 40 * MK_SEC; }

/* ---- FAT ---- */
static void c_fat_sig(struct mkdisk *d, size_t *l) { BS(d)[510] = 0; }
static void c_fat_bps(struct mkdisk *d, size_t *l) { mk_put16(BS(d) + 11, 513); }
static void c_fat_spc(struct mkdisk *d, size_t *l) { BS(d)[13] = 3; }
static void c_fat_rsvd(struct mkdisk *d, size_t *l) { mk_put16(BS(d) + 14, 0); }
static void c_fat_nfats(struct mkdisk *d, size_t *l) { BS(d)[16] = 0; }
static void c_fat_totsec(struct mkdisk *d, size_t *l) { mk_put16(BS(d) + 19, 60000); }
static void c_fat_fatsz(struct mkdisk *d, size_t *l) { mk_put16(BS(d) + 22, 0); }
static void c_fat_rootent(struct mkdisk *d, size_t *l) { mk_put16(BS(d) + 17, 0); }
static void c_fat_meta(struct mkdisk *d, size_t *l) { mk_put16(BS(d) + 14, 300); }
static void c_chain_loop(struct mkdisk *d, size_t *l) { mk_fat_set(d, mk_file_clus(d->file_clus - 1), MK_RUN1 + 1); }
static void c_chain_self(struct mkdisk *d, size_t *l) { mk_fat_set(d, MK_RUN1 + 2, MK_RUN1 + 2); }
static void c_chain_free(struct mkdisk *d, size_t *l) { mk_fat_set(d, MK_RUN1 + 1, 0); }
static void c_chain_bad(struct mkdisk *d, size_t *l) { mk_fat_set(d, MK_RUN1 + 1, 0xff7); }
static void c_chain_range(struct mkdisk *d, size_t *l) { mk_fat_set(d, MK_RUN1 + 1, 0xf00); }
static void c_chain_short(struct mkdisk *d, size_t *l) { mk_put32(d->buf + d->boot_ent + 28, (uint32_t)d->file_len + 4096); }
static void c_chain_start(struct mkdisk *d, size_t *l) { mk_put16(d->buf + d->boot_ent + 26, 1); }
static void c_file_missing(struct mkdisk *d, size_t *l) { d->buf[d->boot_ent + 6] = '5'; }
static void c_dir_missing(struct mkdisk *d, size_t *l) { d->buf[d->bootdir_ent + 3] = 'X'; }
static void c_file_isdir(struct mkdisk *d, size_t *l) { d->buf[d->boot_ent + 11] = 0x10; }
static void c_efi_isfile(struct mkdisk *d, size_t *l) { d->buf[d->efi_ent + 11] = 0x20; }
static void c_dir_loop(struct mkdisk *d, size_t *l) { mk_fat_set(d, MK_BOOT_CLUS, MK_BOOT_CLUS); }
static void c_dir_nocluster(struct mkdisk *d, size_t *l) { mk_put16(d->buf + d->bootdir_ent + 26, 0); }

/* ---- PE / UKI (inside BOOTX64.EFI) ---- */
static void pe_put16(struct mkdisk *d, size_t o, uint16_t v) { uint8_t b[2]; mk_put16(b, v); mk_file_write(d, o, b, 2); }
static void pe_put32(struct mkdisk *d, size_t o, uint32_t v) { uint8_t b[4]; mk_put32(b, v); mk_file_write(d, o, b, 4); }
static void c_pe_mz(struct mkdisk *d, size_t *l) { pe_put16(d, 0, 0x0000); }
static void c_pe_lfanew(struct mkdisk *d, size_t *l) { pe_put32(d, 0x3c, 0xfffffff0u); }
static void c_pe_sig(struct mkdisk *d, size_t *l) { mk_file_write(d, MK_PE + 1, "X", 1); }
static void c_pe_machine(struct mkdisk *d, size_t *l) { pe_put16(d, MK_PE + 4, 0xaa64); }
static void c_pe_magic(struct mkdisk *d, size_t *l) { pe_put16(d, MK_OPT, 0x10b); }
static void c_pe_nsec0(struct mkdisk *d, size_t *l) { pe_put16(d, MK_PE + 6, 0); }
static void c_pe_nsecbig(struct mkdisk *d, size_t *l) { pe_put16(d, MK_PE + 6, 500); }
static void c_pe_sectab(struct mkdisk *d, size_t *l) { pe_put16(d, MK_PE + 20, (uint16_t)(d->file_len - MK_OPT - 8)); }
static void c_pe_secoff(struct mkdisk *d, size_t *l) { pe_put32(d, MK_SECTAB + 40 * MK_S_LINUX + 20, 0xfffff000u); }
static void c_pe_secsize(struct mkdisk *d, size_t *l) { pe_put32(d, MK_SECTAB + 40 * MK_S_INITRD + 16, 0xffffffffu); }
static void c_pe_vsize(struct mkdisk *d, size_t *l) { pe_put32(d, MK_SECTAB + 40 * MK_S_LINUX + 8, MK_KLEN + 4096); }
static void c_pe_nolinux(struct mkdisk *d, size_t *l) { mk_file_write(d, MK_SECTAB + 40 * MK_S_LINUX + 5, "y", 1); }
static void c_pe_dup(struct mkdisk *d, size_t *l) { mk_file_write(d, MK_SECTAB + 40 * MK_S_INITRD, ".linux\0", 8); }
static void c_uki_cmdline(struct mkdisk *d, size_t *l) { mk_file_write(d, MK_CMDLINE_OFF + 3, "\x01", 1); }

static const struct disk_case disk_cases[] = {
	{"mbr-no-signature", "image-mbr", c_mbr_sig},
	{"mbr-no-ee-partition", "image-mbr", c_mbr_type},
	{"mbr-ee-not-at-lba1", "image-mbr", c_mbr_start},
	{"gpt-bad-signature", "image-gpt-header", c_gpt_sig},
	{"gpt-bad-revision", "image-gpt-header", c_gpt_rev},
	{"gpt-header-size", "image-gpt-header", c_gpt_hsize},
	{"gpt-header-crc", "image-gpt-crc", c_gpt_crc},
	{"gpt-my-lba", "image-gpt-header", c_gpt_mylba},
	{"gpt-usable-beyond-disk", "image-gpt-range", c_gpt_usable},
	{"gpt-entry-size", "image-gpt-entries", c_gpt_esize},
	{"gpt-entry-count-huge", "image-gpt-entries", c_gpt_ecount},
	{"gpt-entry-count-zero", "image-gpt-entries", c_gpt_ecount0},
	{"gpt-entry-array-beyond", "image-gpt-range", c_gpt_elba},
	{"gpt-entry-array-crc", "image-gpt-entries-crc", c_gpt_ecrc},
	{"gpt-no-esp", "image-no-esp", c_gpt_noesp},
	{"gpt-esp-beyond-disk", "image-gpt-range", c_gpt_espbeyond},
	{"gpt-esp-reversed", "image-gpt-range", c_gpt_espreversed},
	{"truncated-in-gpt-header", "image-gpt-header", c_trunc_hdr},
	{"truncated-in-esp", "image-gpt-range", c_trunc_esp},
	{"fat-no-signature", "image-fat-geometry", c_fat_sig},
	{"fat-bytes-per-sector", "image-fat-geometry", c_fat_bps},
	{"fat-sectors-per-cluster", "image-fat-geometry", c_fat_spc},
	{"fat-reserved-zero", "image-fat-geometry", c_fat_rsvd},
	{"fat-no-fats", "image-fat-geometry", c_fat_nfats},
	{"fat-total-beyond-partition", "image-fat-geometry", c_fat_totsec},
	{"fat-fat-size-zero", "image-fat-geometry", c_fat_fatsz},
	{"fat-root-entries-zero", "image-fat-geometry", c_fat_rootent},
	{"fat-metadata-beyond-volume", "image-fat-geometry", c_fat_meta},
	{"fat-chain-loop", "image-fat-loop", c_chain_loop},
	{"fat-chain-self-loop", "image-fat-loop", c_chain_self},
	{"fat-chain-free-cluster", "image-fat-chain", c_chain_free},
	{"fat-chain-bad-cluster", "image-fat-chain", c_chain_bad},
	{"fat-chain-out-of-range", "image-fat-chain", c_chain_range},
	{"fat-chain-shorter-than-file", "image-fat-chain", c_chain_short},
	{"fat-file-start-cluster", "image-fat-chain", c_chain_start},
	{"fat-file-missing", "image-file-not-found", c_file_missing},
	{"fat-dir-missing", "image-file-not-found", c_dir_missing},
	{"fat-file-is-directory", "image-file-not-found", c_file_isdir},
	{"fat-dir-is-file", "image-file-not-found", c_efi_isfile},
	{"fat-dir-chain-loop", "image-fat-loop", c_dir_loop},
	{"fat-dir-no-cluster", "image-fat-dir", c_dir_nocluster},
	{"pe-no-mz", "image-pe-header", c_pe_mz},
	{"pe-lfanew-beyond", "image-pe-header", c_pe_lfanew},
	{"pe-no-signature", "image-pe-header", c_pe_sig},
	{"pe-machine-arm64", "image-pe-machine", c_pe_machine},
	{"pe-not-pe32plus", "image-pe-header", c_pe_magic},
	{"pe-no-sections", "image-pe-sections", c_pe_nsec0},
	{"pe-too-many-sections", "image-pe-sections", c_pe_nsecbig},
	{"pe-section-table-beyond", "image-pe-sections", c_pe_sectab},
	{"pe-section-outside-file", "image-pe-section-range", c_pe_secoff},
	{"pe-section-size-overflow", "image-pe-section-range", c_pe_secsize},
	{"pe-linux-virtual-size", "image-pe-section-range", c_pe_vsize},
	{"pe-no-linux-section", "image-pe-no-linux", c_pe_nolinux},
	{"pe-duplicate-section", "image-pe-sections", c_pe_dup},
	{"uki-cmdline-control-char", "image-uki-cmdline", c_uki_cmdline},
};
/* clang-format on */

#define DISK_NCASES (sizeof(disk_cases) / sizeof(disk_cases[0]))

#endif
