// SPDX-License-Identifier: MIT
/*
 * Firmware platform pieces (issue 12), without KVM: fw_cfg items, the
 * file directory and DMA bounds; the ACPI table loader script, checked
 * by replaying it as OVMF does; the flash command state machine; the
 * variable store (create, size, lock, read-only, atomic write-back).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fw/fw_cfg.h"
#include "fw/fw.h"
#include "fw/pflash.h"
#include "acpi/tables.h"
#include "gm.h"
#include "../disk/mkdisk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_host.h"

/* ---- fw_cfg ---- */

static uint8_t ram[1 << 20]; /* guest RAM at 0 */

static void setup_ram(struct gm *gm)
{
	struct gm_region r = {.gpa = 0, .size = sizeof(ram), .host = ram};

	gm_init_from(gm, &r, 1);
	memset(ram, 0xaa, sizeof(ram));
}

static void mk_cfg(struct fw_cfg *c, struct gm *gm)
{
	uint16_t two = 2;

	setup_ram(gm);
	fw_cfg_init(c, gm);
	assert_int_equal(fw_cfg_add(c, FW_CFG_NB_CPUS, &two, 2), 0);
	assert_int_equal(fw_cfg_add_file(c, "etc/zeta", "ZZZZ", 4), 0);
	assert_int_equal(fw_cfg_add_file(c, "etc/alpha", "hello", 5), 0);
	assert_int_equal(fw_cfg_add_file(c, "bootorder", "x", 1), 0);
	assert_int_equal(fw_cfg_finish(c), 0);
}

static void sel(struct fw_cfg *c, uint16_t key)
{
	uint8_t d[2] = {(uint8_t)key, (uint8_t)(key >> 8)};

	fw_cfg_io_write(c, 0, d, 2);
}

static uint8_t data(struct fw_cfg *c)
{
	uint8_t b = 0xee;

	fw_cfg_io_read(c, 1, &b, 1);
	return b;
}

static void fwcfg_signature_and_id(void **state)
{
	struct fw_cfg c;
	struct gm gm;
	char sig[5] = {0};

	mk_cfg(&c, &gm);
	sel(&c, FW_CFG_SIGNATURE);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)data(&c);
	assert_string_equal(sig, "QEMU");
	assert_int_equal(data(&c), 0); /* past the end: zeros */
	sel(&c, FW_CFG_ID);
	assert_int_equal(data(&c) & (FW_CFG_F_TRADITIONAL | FW_CFG_F_DMA),
			 FW_CFG_F_TRADITIONAL | FW_CFG_F_DMA);
	sel(&c, FW_CFG_NB_CPUS);
	assert_int_equal(data(&c), 2);
	sel(&c, 0x1234); /* unknown: zeros */
	assert_int_equal(data(&c), 0);
	fw_cfg_free(&c);
}

static void fwcfg_dir_sorted_from_0x20(void **state)
{
	static const char *const want[] = {"bootorder", "etc/alpha",
					   "etc/zeta"};
	static const uint32_t lens[] = {1, 5, 4};
	struct fw_cfg c;
	struct gm gm;
	uint8_t d[4 + 3 * 64];

	mk_cfg(&c, &gm);
	sel(&c, FW_CFG_FILE_DIR);
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = data(&c);
	assert_int_equal(d[3], 3);
	for (int i = 0; i < 3; i++) {
		uint8_t *e = d + 4 + 64 * i;

		assert_int_equal(e[3], lens[i]);
		assert_int_equal(e[4] << 8 | e[5], 0x20 + i);
		assert_string_equal((char *)e + 8, want[i]);
	}
	sel(&c, 0x21);
	assert_int_equal(data(&c), 'h');
	fw_cfg_free(&c);
}

static void put_desc(uint64_t at, uint32_t control, uint32_t len, uint64_t addr)
{
	uint8_t *d = ram + at;

	for (int i = 0; i < 4; i++) {
		d[i] = (uint8_t)(control >> (24 - 8 * i));
		d[4 + i] = (uint8_t)(len >> (24 - 8 * i));
	}
	for (int i = 0; i < 8; i++)
		d[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
}

static uint32_t control_at(uint64_t at)
{
	return (uint32_t)ram[at] << 24 | ram[at + 1] << 16 | ram[at + 2] << 8 |
	       ram[at + 3];
}

static void start_dma(struct fw_cfg *c, uint64_t gpa)
{
	uint8_t hi[4] = {(uint8_t)(gpa >> 56), (uint8_t)(gpa >> 48),
			 (uint8_t)(gpa >> 40), (uint8_t)(gpa >> 32)};
	uint8_t lo[4] = {(uint8_t)(gpa >> 24), (uint8_t)(gpa >> 16),
			 (uint8_t)(gpa >> 8), (uint8_t)gpa};

	fw_cfg_io_write(c, 4, hi, 4);
	fw_cfg_io_write(c, 8, lo, 4);
}

static void fwcfg_dma_read_skip_select(void **state)
{
	struct fw_cfg c;
	struct gm gm;

	mk_cfg(&c, &gm);
	/* SELECT etc/alpha (0x21) + READ 3 */
	put_desc(0x1000, 0x21u << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 3,
		 0x2000);
	start_dma(&c, 0x1000);
	assert_int_equal(control_at(0x1000), 0);
	assert_memory_equal(ram + 0x2000, "hel", 3);
	/* SKIP 1, then READ 4: "o" and zeros past the end */
	put_desc(0x1000, FW_CFG_DMA_SKIP, 1, 0);
	start_dma(&c, 0x1000);
	put_desc(0x1000, FW_CFG_DMA_READ, 4, 0x3000);
	start_dma(&c, 0x1000);
	assert_int_equal(control_at(0x1000), 0);
	assert_memory_equal(ram + 0x3000, "o\0\0\0", 4);
	assert_int_equal(c.dma_bad, 0);
	fw_cfg_free(&c);
}

/* A destination that leaves RAM: nothing is written, the request still
 * completes with control 0 (OVMF spins on anything else). */
static void fwcfg_dma_outside_ram(void **state)
{
	struct fw_cfg c;
	struct gm gm;

	mk_cfg(&c, &gm);
	put_desc(0x1000, 0x21u << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 16,
		 sizeof(ram) - 8);
	start_dma(&c, 0x1000);
	assert_int_equal(control_at(0x1000), 0);
	assert_int_equal(ram[sizeof(ram) - 8], 0xaa);
	assert_int_equal(c.dma_bad, 1);
	/* address overflow */
	put_desc(0x1000, FW_CFG_DMA_READ, 0x100, UINT64_MAX - 0x10);
	start_dma(&c, 0x1000);
	assert_int_equal(control_at(0x1000), 0);
	/* a WRITE is refused, completes */
	put_desc(0x1000, FW_CFG_DMA_WRITE, 4, 0x2000);
	start_dma(&c, 0x1000);
	assert_int_equal(control_at(0x1000), 0);
	/* the descriptor itself outside RAM */
	assert_int_equal(fw_cfg_dma(&c, sizeof(ram) - 8), -EFAULT);
	assert_int_equal(fw_cfg_dma(&c, UINT64_MAX - 4), -EFAULT);
	fw_cfg_free(&c);
}

static void fwcfg_refuses_bad_items(void **state)
{
	struct fw_cfg c;
	struct gm gm;
	char longname[80];

	setup_ram(&gm);
	fw_cfg_init(&c, &gm);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	assert_int_equal(fw_cfg_add_file(&c, longname, "x", 1), -EINVAL);
	assert_int_equal(fw_cfg_add_file(&c, "a", "x", 1), 0);
	assert_int_equal(fw_cfg_add_file(&c, "a", "x", 1), -EEXIST);
	assert_int_equal(fw_cfg_add(&c, FW_CFG_FILE_DIR, "x", 1), -EINVAL);
	assert_int_equal(fw_cfg_finish(&c), 0);
	assert_int_equal(fw_cfg_add_file(&c, "b", "x", 1), -EBUSY);
	fw_cfg_free(&c);
}

static void fwcfg_e820_matches_ram(void **state)
{
	static uint8_t lo[4096], hi[4096];
	struct gm_region r[2] = {
		{.gpa = 0, .size = 0xc0000000ull, .host = lo},
		{.gpa = 0x100000000ull, .size = 0x40000000ull, .host = hi},
	};
	struct gm gm;
	uint8_t e[40];

	gm_init_from(&gm, r, 2);
	assert_int_equal(fw_e820(&gm, e, sizeof(e)), 40);
	assert_int_equal(e[0], 0);
	assert_int_equal(e[8 + 3], 0xc0); /* length 0xc0000000 */
	assert_int_equal(e[16], 1);
	assert_int_equal(e[20 + 4], 1); /* 0x1_0000_0000 */
	assert_int_equal(e[20 + 8 + 3], 0x40);
	assert_int_equal(e[36], 1);
	assert_int_equal(fw_e820(&gm, e, 30), 20); /* no partial entry */
}

/* ---- the table loader, replayed as OVMF does ---- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void loader_replay_gives_valid_tables(void **state)
{
	struct host_platdev dev = {.hid = "PNP0501",
				   .name = "COM1",
				   .pio_base = 0x3f8,
				   .pio_len = 8,
				   .irq = 4};
	struct acpi_build_in in = {
		.base = 0xe0000, .cpus = 2, .dev = &dev, .nr_dev = 1};
	struct acpi_tables t, ref;
	struct fw_acpi_blobs b;
	/* where "firmware" puts the two files */
	const uint64_t A = 0xf5000, B = 0x7f00000;
	static uint8_t mem_a[64], mem_b[65536];
	size_t n, xsdt_entries;

	assert_int_equal(acpi_build_tables(&in, &t), 0);
	assert_int_equal(fw_acpi_blobs(&t, &b), 0);
	assert_int_equal(b.script_len % FW_LOADER_ENTRY, 0);
	assert_true(b.rsdp_len <= sizeof(mem_a));
	memcpy(mem_a, b.rsdp, b.rsdp_len);
	memcpy(mem_b, b.tables, b.tables_len);
	n = b.script_len / FW_LOADER_ENTRY;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = b.script + i * FW_LOADER_ENTRY;
		uint32_t cmd = le32(e);

		if (cmd == FW_LOADER_ALLOCATE) {
			assert_true(
				!strcmp((char *)e + 4, FW_ACPI_RSDP_FILE) ||
				!strcmp((char *)e + 4, FW_ACPI_TABLES_FILE));
		} else if (cmd == FW_LOADER_ADD_POINTER) {
			bool dst_rsdp =
				!strcmp((char *)e + 4, FW_ACPI_RSDP_FILE);
			uint8_t *dst = dst_rsdp ? mem_a : mem_b;
			uint32_t off = le32(e + 116);
			uint8_t size = e[120];
			uint64_t v = 0;

			assert_string_equal((char *)e + 60,
					    FW_ACPI_TABLES_FILE);
			assert_true(size == 4 || size == 8);
			assert_true(off + size <=
				    (dst_rsdp ? b.rsdp_len : b.tables_len));
			for (int k = 0; k < size; k++)
				v |= (uint64_t)dst[off + k] << (8 * k);
			assert_true(v < b.tables_len); /* an offset */
			v += B;
			for (int k = 0; k < size; k++)
				dst[off + k] = (uint8_t)(v >> (8 * k));
		} else if (cmd == FW_LOADER_ADD_CHECKSUM) {
			bool rs = !strcmp((char *)e + 4, FW_ACPI_RSDP_FILE);
			uint8_t *f = rs ? mem_a : mem_b;
			uint32_t res = le32(e + 60), start = le32(e + 64),
				 len = le32(e + 68);

			assert_true(start + len <=
				    (rs ? b.rsdp_len : b.tables_len));
			/* as OVMF: CalculateCheckSum8 over the range, the
			 * result byte included (the file must hold 0) */
			f[res] = (uint8_t)-acpi_sum(f + start, len);
		} else {
			fail_msg("unknown loader command %u", cmd);
		}
	}
	/* identical to the tables built for those addresses */
	in.base = B - b.rsdp_len;
	assert_int_equal(acpi_build_tables(&in, &ref), 0);
	assert_memory_equal(mem_b, ref.buf + b.rsdp_len, b.tables_len);
	/* the RSDP: both checksums, and it points at the XSDT */
	assert_int_equal(acpi_sum(mem_a, 20), 0);
	assert_int_equal(acpi_sum(mem_a, 36), 0);
	assert_int_equal(le32(mem_a + 24), B);
	assert_memory_equal(mem_b, "XSDT", 4);
	xsdt_entries = (le32(mem_b + 4) - 36) / 8;
	assert_int_equal(xsdt_entries, 2);
	for (size_t i = 0; i < xsdt_entries; i++) {
		uint32_t p = le32(mem_b + 36 + 8 * i);
		const uint8_t *tab = mem_b + (p - B);

		assert_true(p >= B && p - B < b.tables_len);
		assert_int_equal(acpi_sum(tab, le32(tab + 4)), 0);
	}
	(void)A;
	acpi_tables_free(&ref);
	acpi_tables_free(&t);
	fw_acpi_blobs_free(&b);
}

/* ---- the flash ---- */

static uint8_t flash[4 * PFLASH_BLOCK];

static void pflash_detection_sequence(void **state)
{
	struct pflash p;
	uint8_t v;

	memset(flash, 0x8d, sizeof(flash));
	pflash_init(&p, flash, sizeof(flash));
	/* QemuFlashDetected(): 0x50, read (array), 0x70, read -> 0x00 */
	pflash_write(&p, 0x10, (const uint8_t[]){0x50}, 1);
	assert_true(pflash_array_readable(&p));
	pflash_read(&p, 0x10, &v, 1);
	assert_int_equal(v, 0x8d);
	pflash_write(&p, 0x10, (const uint8_t[]){0x70}, 1);
	assert_false(pflash_array_readable(&p)); /* reads must trap */
	pflash_read(&p, 0x10, &v, 1);
	assert_int_equal(v, 0x00);
	pflash_write(&p, 0x10, (const uint8_t[]){0xff}, 1);
	assert_true(pflash_array_readable(&p));
	assert_int_equal(flash[0x10], 0x8d); /* commands never stored */
	assert_false(p.dirty);
}

static void pflash_program_and_erase(void **state)
{
	struct pflash p;
	uint8_t v;

	memset(flash, 0xff, sizeof(flash));
	pflash_init(&p, flash, sizeof(flash));
	pflash_write(&p, 0x1234, (const uint8_t[]){0x10}, 1);
	pflash_write(&p, 0x1234, (const uint8_t[]){0x42}, 1);
	assert_int_equal(flash[0x1234], 0x42);
	assert_true(p.dirty);
	assert_true(pflash_array_readable(&p));
	pflash_write(&p, 0x1000, (const uint8_t[]){0x70}, 1);
	pflash_read(&p, 0, &v, 1);
	assert_true(v & PFLASH_STATUS_READY);
	/* erase the block of 0x1234 */
	pflash_write(&p, 0x1200, (const uint8_t[]){0x20}, 1);
	pflash_write(&p, 0x1200, (const uint8_t[]){0xd0}, 1);
	assert_int_equal(flash[0x1234], 0xff);
	assert_int_equal(p.erases, 1);
	/* erase not confirmed: nothing erased, error bits */
	flash[0x2000] = 0;
	pflash_write(&p, 0x2000, (const uint8_t[]){0x20}, 1);
	pflash_write(&p, 0x2000, (const uint8_t[]){0x00}, 1);
	assert_int_equal(flash[0x2000], 0);
	assert_true(p.status & PFLASH_STATUS_ERASE);
	pflash_write(&p, 0, (const uint8_t[]){0x50}, 1);
	assert_int_equal(p.status, 0);
}

static void pflash_guest_offsets_checked(void **state)
{
	struct pflash p;
	uint8_t v[8];

	memset(flash, 0xff, sizeof(flash));
	pflash_init(&p, flash, sizeof(flash));
	pflash_write(&p, sizeof(flash), (const uint8_t[]){0x10}, 1);
	pflash_write(&p, sizeof(flash), (const uint8_t[]){0x00}, 1);
	pflash_write(&p, sizeof(flash) - 2, (const uint8_t[]){0x10}, 1);
	pflash_write(&p, sizeof(flash) - 2, (const uint8_t[8]){0}, 8);
	pflash_write(&p, UINT64_MAX, (const uint8_t[]){0x20}, 1);
	pflash_write(&p, UINT64_MAX, (const uint8_t[]){0xd0}, 1);
	for (size_t i = 0; i < sizeof(flash); i++)
		assert_int_equal(flash[i], 0xff);
	assert_false(p.dirty);
	pflash_read(&p, UINT64_MAX - 3, v, 8);
	assert_int_equal(v[0], 0xff);
	/* unknown commands: error bits, back to array */
	pflash_write(&p, 0, (const uint8_t[]){0xe8}, 1);
	assert_true(pflash_array_readable(&p));
	assert_true(p.status & PFLASH_STATUS_PROGRAM);
}

/* ---- the variable store ---- */

#define T_CODE 0xf000u /* a tiny CODE image: the flash is 64 KiB */
#define T_VARS 0x1000u

static char dir[64];

static void write_file(const char *path, const uint8_t *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	close(fd);
}

static void fv_header(uint8_t *p, size_t len, bool nv)
{
	static const uint8_t nvg[16] = {0x8d, 0x2b, 0xf1, 0xff, 0x96, 0x76,
					0x8b, 0x4c, 0xa9, 0x85, 0x27, 0x47,
					0x07, 0x5b, 0x4f, 0x50};
	static const uint8_t ffs2[16] = {0x78, 0xe5, 0x8c, 0x8c, 0x3d, 0x8a,
					 0x1c, 0x4f, 0x99, 0x35, 0x89, 0x61,
					 0x85, 0xc3, 0x2d, 0xd3};
	static const uint8_t auth[16] = {0x78, 0x2c, 0xf3, 0xaa, 0x7b, 0x94,
					 0x9a, 0x43, 0xa1, 0x80, 0x2e, 0x14,
					 0x4e, 0xc3, 0x77, 0x92};

	memset(p, 0xff, len);
	memset(p, 0, 0x48);
	memcpy(p + 0x10, nv ? nvg : ffs2, 16);
	mk_put64(p + 0x20, len);
	memcpy(p + 0x28, "_FVH", 4);
	mk_put16(p + 0x30, 0x48);
	if (nv) {
		memcpy(p + 0x48, auth, 16);
		mk_put32(p + 0x48 + 16, (uint32_t)len - 0x48);
		p[0x48 + 20] = 0x5a;
		p[0x48 + 21] = 0xfe;
		memset(p + 0x48 + 22, 0, 6);
	} else {
		p[len - 16] = 0x90;
		p[len - 14] = 0xe9; /* the reset vector's jmp */
	}
}

static void make_files(struct charlie_config *cfg, char *code, char *vars,
		       char *disk)
{
	static uint8_t c[T_CODE], v[T_VARS];
	static struct mkdisk d;
	char tmpl[128];

	snprintf(dir, sizeof(dir), "/tmp/charlie-fw-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(code, 128, "%s/OVMF_CODE_T.fd", dir);
	snprintf(tmpl, sizeof(tmpl), "%s/OVMF_VARS_T.fd", dir);
	snprintf(vars, 128, "%s/vm.vars", dir);
	snprintf(disk, 128, "%s/disk.img", dir);
	fv_header(c, sizeof(c), false);
	fv_header(v, sizeof(v), true);
	write_file(code, c, sizeof(c));
	write_file(tmpl, v, sizeof(v));
	mkdisk_build(&d, false);
	write_file(disk, d.buf, sizeof(d.buf));
	charlie_config_init(cfg);
	cfg->efi.enabled = true;
	cfg->efi.firmware = code;
	cfg->efi.vars = vars;
	cfg->disks[0].path = disk;
	cfg->nr_disks = 1;
}

static void cleanup_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void store_created_from_template_at_create(void **state)
{
	struct charlie_config cfg;
	char code[128], vars[128], disk[128];
	struct charlie_error err = {0};
	struct fw_files f;
	struct stat st;

	make_files(&cfg, code, vars, disk);
	assert_int_equal(fw_files_open(&cfg, &f, &err), 0);
	assert_int_equal(f.vars_len, T_VARS);
	assert_int_equal(f.flash_size, 0x10000);
	assert_true(f.vars_create);
	/* nothing on disk until the VM is otherwise ready */
	assert_int_equal(stat(vars, &st), -1);
	assert_int_equal(fw_files_create_store(&f, &err), 0);
	assert_int_equal(stat(vars, &st), 0);
	assert_int_equal(st.st_size, T_VARS);
	/* a second VM: locked */
	{
		struct fw_files g;

		assert_int_equal(fw_files_open(&cfg, &g, &err), -EINVAL);
		assert_int_equal(err.code, CHARLIE_E_EFI_VARS_LOCKED);
		assert_non_null(strstr(err.msg, "in use by another VM"));
	}
	fw_files_close(&f);
	/* closed: free again */
	assert_int_equal(fw_files_open(&cfg, &f, &err), 0);
	assert_false(f.vars_create);
	fw_files_close(&f);
	cleanup_dir();
}

static void store_wrong_size_and_readonly_refused(void **state)
{
	struct charlie_config cfg;
	char code[128], vars[128], disk[128];
	struct charlie_error err = {0};
	uint8_t junk[T_VARS * 2];
	struct fw_files f;

	make_files(&cfg, code, vars, disk);
	memset(junk, 0xff, sizeof(junk));
	write_file(vars, junk, sizeof(junk));
	assert_int_equal(fw_files_open(&cfg, &f, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_EFI_VARS);
	write_file(vars, junk, T_VARS); /* right size, no header */
	assert_int_equal(fw_files_open(&cfg, &f, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_EFI_VARS);
	assert_non_null(strstr(err.msg, "not an OVMF variable store"));
	chmod(vars, 0444);
	assert_int_equal(fw_files_open(&cfg, &f, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_EFI_VARS_RDONLY);
	/* the firmware is a variable store: refused */
	cfg.efi.firmware = vars;
	assert_int_equal(fw_files_open(&cfg, &f, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_EFI_FIRMWARE);
	cleanup_dir();
}

static void store_saved_atomically_when_dirty(void **state)
{
	struct charlie_config cfg;
	char code[128], vars[128], disk[128], tmp[160];
	struct charlie_error err = {0};
	uint8_t back[T_VARS];
	struct fw_files f, g;
	struct stat a, b;
	int fd;

	make_files(&cfg, code, vars, disk);
	assert_int_equal(fw_files_open(&cfg, &f, &err), 0);
	assert_int_equal(fw_files_create_store(&f, &err), 0);
	assert_int_equal(stat(vars, &a), 0);
	/* clean: nothing written */
	assert_int_equal(fw_files_save(&f, &err), 0);
	assert_int_equal(stat(vars, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	/* dirty: a new file renamed over the old one */
	f.vars[0x200] = 0x42;
	f.dirty = true;
	assert_int_equal(fw_files_save(&f, &err), 0);
	assert_int_equal(stat(vars, &b), 0);
	assert_int_not_equal(a.st_ino, b.st_ino);
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", vars, (int)getpid());
	assert_int_equal(access(tmp, F_OK), -1);
	fd = open(vars, O_RDONLY);
	assert_int_equal(read(fd, back, sizeof(back)), (ssize_t)sizeof(back));
	close(fd);
	assert_memory_equal(back, f.vars, sizeof(back));
	/* still locked after the rename */
	assert_int_equal(fw_files_open(&cfg, &g, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_EFI_VARS_LOCKED);
	fw_files_close(&f);
	cleanup_dir();
}

static void store_needs_disk_with_esp(void **state)
{
	struct charlie_config cfg;
	char code[128], vars[128], disk[128];
	struct charlie_error err = {0};
	static struct mkdisk d;
	struct fw_files f;
	struct stat st;

	make_files(&cfg, code, vars, disk);
	mkdisk_build(&d, false);
	/* the ESP's type GUID becomes "basic data": no ESP left */
	memset(d.buf + 2 * MK_SEC, 0x11, 16);
	mk_fix_gpt(&d);
	write_file(disk, d.buf, sizeof(d.buf));
	assert_int_equal(fw_files_open(&cfg, &f, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_IMAGE_NO_ESP);
	assert_int_equal(stat(vars, &st), -1); /* nothing created */
	cfg.nr_disks = 0;
	assert_int_equal(fw_files_open(&cfg, &f, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_EFI_NO_DISK);
	cfg.nr_disks = 1;
	cfg.kernel = "/boot/vmlinuz";
	assert_int_equal(fw_files_open(&cfg, &f, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_EFI_WITH_KERNEL);
	cleanup_dir();
}

static void inspect_counts_variables(void **state)
{
	static uint8_t v[T_VARS];
	struct charlie_fw_report r;
	uint8_t *var;

	fv_header(v, sizeof(v), true);
	/* one live authenticated variable "A" (UCS-2) with 1 byte */
	var = v + 0x48 + 28;
	memset(var, 0, 60);
	mk_put16(var, 0x55aa);
	var[2] = 0x3f;
	mk_put32(var + 36, 4);
	mk_put32(var + 40, 1);
	var[60] = 'A';
	fw_inspect_buf(v, sizeof(v), &r);
	assert_int_equal(r.kind, CHARLIE_FW_VARS);
	assert_true(r.store_valid);
	assert_true(r.authenticated);
	assert_int_equal(r.nr_vars, 1);
	/* a name size running past the store stops the walk */
	mk_put32(var + 36, 0xfffffff0);
	fw_inspect_buf(v, sizeof(v), &r);
	assert_int_equal(r.nr_vars, 0);
	assert_int_equal(fw_vars_size_for(0x37c000), 0x84000);
	assert_int_equal(fw_vars_size_for(0x1e0000), 0x20000);
}

/* The firmware platform's wiring: the ACPI device keeps its tables for
 * fw_cfg, which lists them (and etc/e820) in its directory; a platform
 * without --efi keeps nothing and logs nothing. */
static void efi_platform_fw_cfg_lists_tables(void **state)
{
	static const char *const want[] = {"etc/acpi/rsdp", "etc/acpi/tables",
					   "etc/e820", "etc/table-loader"};
	struct fake_host *f = fake_host_new();
	struct charlie_error err = {0};
	void *acpi = NULL, *fwc = NULL;
	uint8_t d[4 + 4 * 64], key[2] = {FW_CFG_FILE_DIR, 0};

	f->cfg.efi.enabled = true;
	assert_int_equal(acpi_pm_ops.create(&f->h, NULL, 0, &acpi, &err), 0);
	assert_non_null(f->h.acpi_tables);
	assert_int_equal(fw_cfg_ops.count(&f->cfg), 1);
	assert_int_equal(fw_cfg_ops.create(&f->h, NULL, 0, &fwc, &err), 0);
	assert_int_equal(f->log_lines, 0);
	host_pio(&f->h, FW_CFG_PORT_SEL, true, key, 2);
	for (size_t i = 0; i < sizeof(d); i++)
		host_pio(&f->h, FW_CFG_PORT_DATA, false, &d[i], 1);
	assert_int_equal(d[3], 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal((char *)d + 4 + 64 * i + 8, want[i]);
	fw_cfg_ops.destroy(fwc);
	acpi_pm_ops.destroy(acpi);
	assert_null(f->h.acpi_tables);
	fake_host_free(f);

	f = fake_host_new();
	assert_int_equal(fw_cfg_ops.count(&f->cfg), 0);
	assert_int_equal(pflash_ops.count(&f->cfg), 0);
	assert_int_equal(acpi_pm_ops.create(&f->h, NULL, 0, &acpi, &err), 0);
	assert_null(f->h.acpi_tables);
	assert_int_equal(f->log_lines, 0);
	acpi_pm_ops.destroy(acpi);
	fake_host_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fwcfg_signature_and_id),
		cmocka_unit_test(fwcfg_dir_sorted_from_0x20),
		cmocka_unit_test(fwcfg_dma_read_skip_select),
		cmocka_unit_test(fwcfg_dma_outside_ram),
		cmocka_unit_test(fwcfg_refuses_bad_items),
		cmocka_unit_test(fwcfg_e820_matches_ram),
		cmocka_unit_test(loader_replay_gives_valid_tables),
		cmocka_unit_test(pflash_detection_sequence),
		cmocka_unit_test(pflash_program_and_erase),
		cmocka_unit_test(pflash_guest_offsets_checked),
		cmocka_unit_test(store_created_from_template_at_create),
		cmocka_unit_test(store_wrong_size_and_readonly_refused),
		cmocka_unit_test(store_saved_atomically_when_dirty),
		cmocka_unit_test(store_needs_disk_with_esp),
		cmocka_unit_test(inspect_counts_variables),
		cmocka_unit_test(efi_platform_fw_cfg_lists_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
