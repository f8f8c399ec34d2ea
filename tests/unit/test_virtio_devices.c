// SPDX-License-Identifier: MIT
/* The virtio-mmio transport and the blk, rng, console and vsock devices
 * on the fake host over synthetic guest memory, and the --disk checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fake_host.h"
#include "virtio/virtio.h"
#include "config.h"
#include "vsock/vsock.h"

#define BASE  HOST_MMIO_POOL_START
#define DESC  0x1000ull
#define AVAIL 0x2000ull
#define USED  0x3000ull
#define BUF   0x8000ull

static uint8_t ram[0x20000];
static struct gm gm;

struct t {
	struct fake_host *f;
	const struct device_ops *ops;
	void *state;
	char path[64];
	uint16_t avail_idx;
};

static uint32_t r32(struct t *t, uint64_t off)
{
	uint32_t v = 0xffffffff;

	host_mmio(&t->f->h, BASE + off, false, (uint8_t *)&v, 4);
	return v;
}

static void w32(struct t *t, uint64_t off, uint32_t v)
{
	host_mmio(&t->f->h, BASE + off, true, (uint8_t *)&v, 4);
}

static struct t *make(const struct device_ops *ops, bool ro,
		      const char *cmdline)
{
	struct t *t = calloc(1, sizeof(*t));
	struct gm_region r = {0, sizeof(ram), ram};
	struct charlie_error err = {0};

	memset(ram, 0, sizeof(ram));
	gm_init_from(&gm, &r, 1);
	t->f = fake_host_new();
	t->f->h.gm = &gm;
	t->f->cfg.cmdline = cmdline;
	t->ops = ops;
	if (ops == &virtio_blk_ops) {
		int fd;

		snprintf(t->path, sizeof(t->path), "/tmp/charlie-vblk-XXXXXX");
		fd = mkstemp(t->path);
		assert_true(fd >= 0);
		for (int s = 0; s < 64; s++) {
			char sec[512];

			memset(sec, 'A' + s % 26, sizeof(sec));
			assert_int_equal(write(fd, sec, 512), 512);
		}
		close(fd);
		t->f->cfg.disks[0].path = t->path;
		t->f->cfg.disks[0].read_only = ro;
		t->f->cfg.nr_disks = 1;
	}
	if (ops == &vsock_dev_ops)
		t->f->cfg.vsock.cid = 3;
	assert_int_equal(ops->create(&t->f->h, NULL, 0, &t->state, &err), 0);
	return t;
}

static void drop(struct t *t)
{
	t->ops->destroy(t->state);
	if (t->path[0])
		unlink(t->path);
	fake_host_free(t->f);
	free(t);
}

/* The driver's steps (virtio 1.2 section 3.1.1) for queue `q`. */
static void driver_up(struct t *t, uint32_t feat, unsigned int nq)
{
	w32(t, 0x70, 0);
	w32(t, 0x70, 1);
	w32(t, 0x70, 3);
	w32(t, 0x24, 0);
	w32(t, 0x20, feat);
	w32(t, 0x24, 1);
	w32(t, 0x20, 1);
	w32(t, 0x70, 0xb);
	for (unsigned int q = 0; q < nq; q++) {
		/* fresh rings, as a driver allocates them */
		memset(ram + DESC + q * 0x4000, 0, 0x3000);
		w32(t, 0x30, q);
		w32(t, 0x38, 8);
		w32(t, 0x80, (uint32_t)(DESC + q * 0x4000));
		w32(t, 0x90, (uint32_t)(AVAIL + q * 0x4000));
		w32(t, 0xa0, (uint32_t)(USED + q * 0x4000));
		w32(t, 0x44, 1);
		assert_int_equal(r32(t, 0x44), 1);
	}
	w32(t, 0x70, 0xf);
	assert_int_equal(r32(t, 0x70), 0xf);
}

static void setd(unsigned int q, uint16_t i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	uint8_t *p = ram + DESC + q * 0x4000 + 16u * i;

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

static void kick(struct t *t, unsigned int q, uint16_t head)
{
	uint16_t *avail = (uint16_t *)(ram + AVAIL + q * 0x4000);

	avail[2 + avail[1] % 8] = head;
	avail[1]++;
	w32(t, 0x50, q);
}

static uint16_t used_idx(unsigned int q)
{
	return *(uint16_t *)(ram + USED + q * 0x4000 + 2);
}

static uint32_t used_len(unsigned int q, unsigned int n)
{
	uint32_t v;

	memcpy(&v, ram + USED + q * 0x4000 + 4 + 8 * (n % 8) + 4, 4);
	return v;
}

/* ---- transport ---- */

static void registers(void **state)
{
	struct t *t = make(&virtio_rng_ops, false, NULL);

	assert_int_equal(r32(t, 0x000), 0x74726976);
	assert_int_equal(r32(t, 0x004), 2);
	assert_int_equal(r32(t, 0x008), VIRTIO_ID_RNG);
	w32(t, 0x14, 1);
	assert_int_equal(r32(t, 0x10) & 1, 1); /* VERSION_1 (bit 32) */
	assert_int_equal(t->f->h.nr_platdev, 1);
	assert_string_equal(t->f->h.platdev[0].hid, "LNRO0005");
	assert_int_equal(t->f->h.platdev[0].mmio_base, BASE);
	assert_int_equal(t->f->h.platdev[0].irq, 16);
	assert_false(t->f->h.platdev[0].irq_level);
	/* by default only for a guest that will not read the DSDT */
	assert_null(t->f->h.cmdline_extra);
	assert_string_equal(t->f->h.cmdline_noacpi,
			    "virtio_mmio.device=4K@0xd0000000:16");
	drop(t);
}

static void cmdline_acpi_off(void **state)
{
	(void)state;
	assert_true(host_cmdline_acpi_off("acpi=off"));
	assert_true(host_cmdline_acpi_off("console=ttyS0 acpi=off quiet"));
	assert_true(host_cmdline_acpi_off("acpi=force\tacpi=off"));
	assert_false(host_cmdline_acpi_off(""));
	assert_false(host_cmdline_acpi_off(NULL));
	assert_false(host_cmdline_acpi_off("acpi=offx"));
	assert_false(host_cmdline_acpi_off("xacpi=off"));
	assert_false(host_cmdline_acpi_off("pci=off acpi=noirq"));
	/* Linux takes the last acpi= */
	assert_false(host_cmdline_acpi_off("acpi=off acpi=force"));
}

static void status_transitions(void **state)
{
	struct t *t = make(&virtio_rng_ops, false, NULL);

	w32(t, 0x70, 4); /* DRIVER_OK from 0 */
	assert_int_equal(r32(t, 0x70), 0);
	w32(t, 0x70, 1);
	w32(t, 0x70, 0xf); /* skipping steps */
	assert_int_equal(r32(t, 0x70), 1);
	w32(t, 0x70, 3);
	w32(t, 0x70, 0xb); /* without VERSION_1: refused */
	assert_int_equal(r32(t, 0x70), 3);
	w32(t, 0x24, 1);
	w32(t, 0x20, 1);
	w32(t, 0x24, 0);
	w32(t, 0x20, 1u << 20); /* never offered */
	w32(t, 0x70, 0xb);
	assert_int_equal(r32(t, 0x70), 3);
	w32(t, 0x20, 0);
	w32(t, 0x70, 0xb);
	assert_int_equal(r32(t, 0x70), 0xb);
	w32(t, 0x70, 1); /* clearing bits */
	assert_int_equal(r32(t, 0x70), 0xb);
	w32(t, 0x70, 0x8b); /* FAILED at any time */
	assert_int_equal(r32(t, 0x70), 0x8b);
	w32(t, 0x70, 0);
	assert_int_equal(r32(t, 0x70), 0);
	assert_true(t->f->log_lines > 0);
	drop(t);
}

static void queue_sel_and_size(void **state)
{
	struct t *t = make(&virtio_rng_ops, false, NULL);

	w32(t, 0x70, 1);
	w32(t, 0x70, 3);
	w32(t, 0x24, 1);
	w32(t, 0x20, 1);
	w32(t, 0x70, 0xb);
	w32(t, 0x30, 1); /* rng has one queue */
	assert_int_equal(r32(t, 0x34), 0);
	w32(t, 0x38, 8);
	w32(t, 0x44, 1);
	assert_int_equal(r32(t, 0x44), 0);
	w32(t, 0x30, 0);
	assert_int_equal(r32(t, 0x34), 64);
	w32(t, 0x38, 6); /* not a power of two */
	w32(t, 0x80, DESC);
	w32(t, 0x90, AVAIL);
	w32(t, 0xa0, USED);
	w32(t, 0x44, 1);
	assert_int_equal(r32(t, 0x44), 0);
	assert_int_equal(r32(t, 0x70) & VIRTIO_STATUS_DEVICE_NEEDS_RESET,
			 VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	w32(t, 0x70, 0);
	assert_int_equal(r32(t, 0x70), 0);
	drop(t);
}

static void config_bounds(void **state)
{
	struct t *t = make(&virtio_blk_ops, false, NULL);
	uint8_t b[8];

	assert_int_equal(r32(t, 0x100), 64); /* capacity */
	assert_int_equal(r32(t, 0x100 + 20), 512);
	assert_int_equal(r32(t, 0x100 + 22), 0); /* crosses the end */
	assert_int_equal(r32(t, 0x100 + 24), 0);
	memset(b, 0x77, sizeof(b));
	host_mmio(&t->f->h, BASE + 0xfff, false, b, 1);
	assert_int_equal(b[0], 0);
	host_mmio(&t->f->h, BASE + 0x100, false, b, 8); /* 64-bit read */
	assert_int_equal(b[0], 64);
	w32(t, 0x100, 5);
	assert_int_equal(r32(t, 0x100), 64);
	drop(t);
}

static void notify_before_driver_ok(void **state)
{
	struct t *t = make(&virtio_rng_ops, false, NULL);

	driver_up(t, 0, 1);
	w32(t, 0x70, 0);
	w32(t, 0x70, 1);
	setd(0, 0, BUF, 16, VIRTQ_DESC_F_WRITE, 0);
	kick(t, 0, 0);
	assert_int_equal(used_idx(0), 0);
	drop(t);
}

/* ---- rng ---- */

static void rng_fills(void **state)
{
	struct t *t = make(&virtio_rng_ops, false, NULL);
	uint8_t zero[64] = {0};

	driver_up(t, 0, 1);
	setd(0, 0, BUF, 64, VIRTQ_DESC_F_WRITE, 0);
	kick(t, 0, 0);
	assert_int_equal(used_idx(0), 1);
	assert_int_equal(used_len(0, 0), 64);
	assert_memory_not_equal(ram + BUF, zero, 64);
	assert_int_equal(r32(t, 0x60) & 1, 1);
	w32(t, 0x64, 1);
	assert_int_equal(r32(t, 0x60), 0);
	drop(t);
}

static void rng_bad_chain_needs_reset(void **state)
{
	struct t *t = make(&virtio_rng_ops, false, NULL);

	driver_up(t, 0, 1);
	setd(0, 0, 0x7fff0000, 64, VIRTQ_DESC_F_WRITE, 0);
	kick(t, 0, 0);
	assert_int_equal(used_idx(0), 1); /* completed, 0 bytes */
	assert_int_equal(used_len(0, 0), 0);
	assert_int_equal(r32(t, 0x70) & 0x40, 0x40);
	assert_int_equal(r32(t, 0x60) & 2, 2); /* config change */
	/* no service until reset */
	setd(0, 1, BUF, 64, VIRTQ_DESC_F_WRITE, 0);
	kick(t, 0, 1);
	assert_int_equal(used_idx(0), 1);
	driver_up(t, 0, 1); /* after a reset it works again */
	setd(0, 0, BUF, 64, VIRTQ_DESC_F_WRITE, 0);
	kick(t, 0, 0);
	assert_int_equal(used_idx(0), 1);
	assert_int_equal(used_len(0, 0), 64);
	drop(t);
}

/* ---- blk ---- */

static uint8_t blk_req(struct t *t, uint32_t type, uint64_t sector,
		       uint32_t len, bool data_writable)
{
	uint8_t hdr[16] = {0};
	uint16_t n = 0;

	memcpy(hdr, &type, 4);
	memcpy(hdr + 8, &sector, 8);
	memcpy(ram + BUF, hdr, 16);
	ram[BUF + 0x100] = 0xee;
	setd(0, n, BUF, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(n + 1));
	n++;
	if (len) {
		setd(0, n, BUF + 0x1000, len,
		     VIRTQ_DESC_F_NEXT |
			     (data_writable ? VIRTQ_DESC_F_WRITE : 0),
		     (uint16_t)(n + 1));
		n++;
	}
	setd(0, n, BUF + 0x100, 1, VIRTQ_DESC_F_WRITE, 0);
	kick(t, 0, 0);
	return ram[BUF + 0x100];
}

static void blk_read(void **state)
{
	struct t *t = make(&virtio_blk_ops, false, NULL);

	driver_up(t, 0, 1);
	assert_int_equal(blk_req(t, 0, 2, 1024, true), 0);
	assert_int_equal(ram[BUF + 0x1000], 'C');
	assert_int_equal(ram[BUF + 0x1000 + 1023], 'D');
	assert_int_equal(used_len(0, 0), 1025);
	drop(t);
}

static void blk_write_and_flush(void **state)
{
	struct t *t = make(&virtio_blk_ops, false, NULL);
	char c;
	int fd;

	driver_up(t, 0, 1);
	memset(ram + BUF + 0x1000, 'z', 512);
	assert_int_equal(blk_req(t, 1, 9, 512, false), 0);
	assert_int_equal(blk_req(t, 4, 0, 0, false), 0);
	fd = open(t->path, O_RDONLY);
	assert_int_equal(pread(fd, &c, 1, 9 * 512), 1);
	close(fd);
	assert_int_equal(c, 'z');
	drop(t);
}

static void blk_ro_refuses_writes(void **state)
{
	struct t *t = make(&virtio_blk_ops, true, NULL);
	char c;
	int fd;

	w32(t, 0x14, 0);
	assert_true(r32(t, 0x10) & (1u << 5)); /* VIRTIO_BLK_F_RO offered */
	driver_up(t, 0, 1);		       /* ... but not accepted */
	memset(ram + BUF + 0x1000, 'z', 512);
	assert_int_equal(blk_req(t, 1, 0, 512, false), 1);
	fd = open(t->path, O_RDONLY);
	assert_int_equal(pread(fd, &c, 1, 0), 1);
	close(fd);
	assert_int_equal(c, 'A');
	drop(t);
}

static void blk_ranges(void **state)
{
	struct t *t = make(&virtio_blk_ops, false, NULL);

	driver_up(t, 0, 1);
	assert_int_equal(blk_req(t, 0, 64, 512, true), 1);
	assert_int_equal(blk_req(t, 0, 63, 1024, true), 1);
	assert_int_equal(blk_req(t, 0, UINT64_MAX, 512, true), 1);
	assert_int_equal(blk_req(t, 0, 0, 100, true), 1);  /* not sectors */
	assert_int_equal(blk_req(t, 1, 0, 512, true), 1);  /* OUT, writable */
	assert_int_equal(blk_req(t, 99, 0, 512, true), 2); /* UNSUPP */
	assert_int_equal(blk_req(t, 0, 63, 512, true), 0);
	drop(t);
}

static void blk_get_id(void **state)
{
	struct t *t = make(&virtio_blk_ops, false, NULL);

	driver_up(t, 0, 1);
	assert_int_equal(blk_req(t, 8, 0, 20, true), 0);
	assert_string_equal((char *)ram + BUF + 0x1000, "charlie-disk0");
	drop(t);
}

static void blk_header_split(void **state)
{
	struct t *t = make(&virtio_blk_ops, false, NULL);
	uint32_t type = 0;
	uint64_t sector = 3;

	driver_up(t, 0, 1);
	memcpy(ram + BUF, &type, 4);
	memset(ram + BUF + 4, 0, 4);
	memcpy(ram + BUF + 8, &sector, 8);
	setd(0, 0, BUF, 3, VIRTQ_DESC_F_NEXT, 1);
	setd(0, 1, BUF + 3, 13, VIRTQ_DESC_F_NEXT, 2);
	setd(0, 2, BUF + 0x1000, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
	     3);
	setd(0, 3, BUF + 0x100, 1, VIRTQ_DESC_F_WRITE, 0);
	kick(t, 0, 0);
	assert_int_equal(ram[BUF + 0x100], 0);
	assert_int_equal(ram[BUF + 0x1000], 'D');
	drop(t);
}

/* ---- console ---- */

static void console_tx_rx(void **state)
{
	struct t *t =
		make(&virtio_console_ops, false, "console=ttyS0 console=hvc0");

	assert_ptr_not_equal(t->f->h.console_in, NULL);
	driver_up(t, 0, 2);
	memcpy(ram + BUF, "hi there", 8);
	setd(1, 0, BUF, 8, 0, 0);
	kick(t, 1, 0);
	assert_int_equal(t->f->console_len, 8);
	assert_memory_equal(t->f->console, "hi there", 8);
	/* input before a receive buffer is posted is held */
	t->f->h.console_in(t->f->h.console_in_opaque, (const uint8_t *)"ls\r",
			   3);
	assert_int_equal(used_idx(0), 0);
	setd(0, 0, BUF + 0x1000, 64, VIRTQ_DESC_F_WRITE, 0);
	kick(t, 0, 0);
	assert_int_equal(used_idx(0), 1);
	assert_int_equal(used_len(0, 0), 3);
	assert_memory_equal(ram + BUF + 0x1000, "ls\r", 3);
	drop(t);
}

static void console_hvc0_rule(void **state)
{
	assert_true(virtio_console_is_hvc0("console=hvc0"));
	assert_true(virtio_console_is_hvc0("quiet console=ttyS0 console=hvc0"));
	assert_true(virtio_console_is_hvc0("console=hvc0,115200 quiet"));
	assert_false(virtio_console_is_hvc0("console=hvc0 console=ttyS0"));
	assert_false(virtio_console_is_hvc0("console=hvc01"));
	assert_false(virtio_console_is_hvc0("xconsole=hvc0"));
	assert_false(virtio_console_is_hvc0(NULL));
	assert_false(virtio_console_is_hvc0(""));
}

static void console_not_claimed_for_ttyS0(void **state)
{
	struct t *t = make(&virtio_console_ops, false, "console=ttyS0");

	assert_null(t->f->h.console_in);
	drop(t);
}

/* ---- --disk checks (design.md section 2: named errors) ---- */

static enum charlie_err disk_code(const char *path, bool ro)
{
	struct charlie_disk d = {path, ro};
	struct charlie_error err = {0};
	uint64_t size;
	int fd = config_open_disk(&d, &size, &err);

	if (fd >= 0) {
		close(fd);
		return CHARLIE_OK;
	}
	assert_non_null(strstr(err.msg, path));
	return err.code;
}

static void disk_errors(void **state)
{
	char dir[] = "/tmp/charlie-disks-XXXXXX", p[128];
	struct charlie_config cfg;
	struct charlie_error err = {0};
	char spec[256];
	struct stat st;
	int fd, fd2;

	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/missing", dir);
	assert_int_equal(disk_code(p, false), CHARLIE_E_DISK_MISSING);
	assert_int_equal(disk_code(dir, false), CHARLIE_E_DISK_NOT_REGULAR);
	snprintf(p, sizeof(p), "%s/empty", dir);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	assert_int_equal(disk_code(p, false), CHARLIE_E_DISK_EMPTY);
	snprintf(p, sizeof(p), "%s/odd", dir);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(disk_code(p, false), CHARLIE_E_DISK_SIZE);
	snprintf(p, sizeof(p), "%s/ok", dir);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	assert_int_equal(ftruncate(fd, 4096), 0);
	close(fd);
	if (geteuid() != 0) {
		chmod(p, 0);
		assert_int_equal(disk_code(p, true), CHARLIE_E_DISK_UNREADABLE);
		chmod(p, 0644);
	}
	/* a writer locks out a second writer and readers; readers share */
	{
		struct charlie_disk w = {p, false}, r = {p, true};
		uint64_t size;

		fd = config_open_disk(&w, &size, &err);
		assert_true(fd >= 0);
		assert_int_equal(disk_code(p, false), CHARLIE_E_DISK_LOCKED);
		assert_int_equal(disk_code(p, true), CHARLIE_E_DISK_LOCKED);
		close(fd);
		fd = config_open_disk(&r, &size, &err);
		fd2 = config_open_disk(&r, &size, &err);
		assert_true(fd >= 0 && fd2 >= 0);
		assert_int_equal(disk_code(p, false), CHARLIE_E_DISK_LOCKED);
		close(fd);
		close(fd2);
	}
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 4096); /* nothing written */
	/* options */
	charlie_config_init(&cfg);
	snprintf(spec, sizeof(spec), "%s,ro", p);
	assert_int_equal(charlie_config_add_disk(&cfg, spec, &err), 0);
	assert_true(cfg.disks[0].read_only);
	assert_string_equal(cfg.disks[0].path, p);
	snprintf(spec, sizeof(spec), "%s,rw,cache=none", p);
	assert_int_equal(charlie_config_add_disk(&cfg, spec, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_DISK_OPTION);
	assert_non_null(strstr(err.msg, "rw"));
	for (int i = 1; i < CHARLIE_MAX_DISKS; i++) {
		static char specs[CHARLIE_MAX_DISKS][256];

		snprintf(specs[i], sizeof(specs[i]), "%s", p);
		assert_int_equal(charlie_config_add_disk(&cfg, specs[i], &err),
				 0);
	}
	assert_int_equal(charlie_config_add_disk(&cfg, spec, &err), -EINVAL);
	assert_int_equal(err.code, CHARLIE_E_DISK_TOO_MANY);
	assert_string_equal(charlie_err_name(CHARLIE_E_DISK_LOCKED),
			    "disk-locked");
	snprintf(p, sizeof(p), "rm -rf %s", dir);
	assert_int_equal(system(p), 0);
}

/* ---- vsock ---- */

/* Buffers above the three queues' rings (0x1000 + 3 * 0x4000). */
#define VS_RX	  0xd000ull /* 4 RX buffers of VS_RX_LEN */
#define VS_RX_LEN 0x1000u
#define VS_TX	  0x11800ull
#define VS_HDR	  44u

struct vs_loop {
	struct loop *loop;
	pthread_t th;
	int quit_fd;
	struct loop_src *quit_src;
	int accepted; /* listener's fd */
	uint32_t accepted_port;
};

static void vs_quit(void *opaque, int fd, uint32_t ev)
{
	loop_quit(opaque);
}

static void *vs_main(void *arg)
{
	loop_run(((struct vs_loop *)arg)->loop);
	return NULL;
}

static void vs_accept(void *opaque, int fd, uint32_t guest_port)
{
	struct vs_loop *l = opaque;

	l->accepted_port = guest_port;
	__atomic_store_n(&l->accepted, fd, __ATOMIC_SEQ_CST);
}

static void vs_hdr(uint8_t *p, uint64_t src_cid, uint32_t sport, uint32_t dport,
		   uint32_t len, uint16_t op)
{
	struct virtio_vsock_hdr h = {
		.src_cid = src_cid,
		.dst_cid = VSOCK_CID_HOST,
		.src_port = sport,
		.dst_port = dport,
		.len = len,
		.type = VIRTIO_VSOCK_TYPE_STREAM,
		.op = op,
		.buf_alloc = 65536,
	};

	memcpy(p, &h, sizeof(h));
}

/* Waits (hang guard 10 s) until queue q's used.idx reaches n. */
static void vs_wait_used(unsigned int q, uint16_t n)
{
	for (int i = 0; i < 10000; i++) {
		if (__atomic_load_n((uint16_t *)(ram + USED + q * 0x4000 + 2),
				    __ATOMIC_SEQ_CST) == n)
			return;
		usleep(1000);
	}
	fail_msg("queue %u: used.idx %u, want %u", q, used_idx(q), n);
}

/* The RX packet in used slot n: its header. */
static struct virtio_vsock_hdr vs_rx_hdr(unsigned int n, uint32_t *len)
{
	struct virtio_vsock_hdr h;
	uint32_t id;

	memcpy(&id, ram + USED + 4 + 8 * (n % 8), 4);
	assert_true(id < 4);
	memcpy(&h, ram + VS_RX + id * VS_RX_LEN, sizeof(h));
	*len = used_len(0, n);
	return h;
}

static void vs_post_rx(struct t *t, uint16_t i)
{
	setd(0, i, VS_RX + i * VS_RX_LEN, VS_RX_LEN, VIRTQ_DESC_F_WRITE, 0);
	kick(t, 0, i);
}

static void vsock_request_response(void **state)
{
	struct t *t = make(&vsock_dev_ops, false, NULL);
	struct vs_loop l = {.loop = &t->f->loop, .accepted = -1};
	struct vsock_engine *e = t->f->h.vsock;
	struct virtio_vsock_hdr h;
	uint8_t *tx = ram + VS_TX;
	uint16_t rx_used = 0, tx_used = 0;
	uint32_t len;
	char got[8] = {0};

	assert_non_null(e);
	assert_int_equal(r32(t, 0x008), 19);
	assert_int_equal(r32(t, 0x100), 3); /* guest_cid, le64 */
	assert_int_equal(r32(t, 0x104), 0);
	l.quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	l.quit_src = loop_add(l.loop, l.quit_fd, EPOLLIN, vs_quit, l.loop);
	assert_int_equal(pthread_create(&l.th, NULL, vs_main, &l), 0);
	assert_int_equal(vsock_listen(e, 5000, vs_accept, &l), 0);
	driver_up(t, 0, 3);
	for (uint16_t i = 0; i < 4; i++)
		vs_post_rx(t, i);

	/* REQUEST 1234 -> host 5000 through TX: RESPONSE on RX */
	vs_hdr(tx, 3, 1234, 5000, 0, VIRTIO_VSOCK_OP_REQUEST);
	setd(1, 0, VS_TX, VS_HDR, 0, 0);
	kick(t, 1, 0);
	vs_wait_used(1, ++tx_used);
	vs_wait_used(0, ++rx_used);
	h = vs_rx_hdr(0, &len);
	assert_int_equal(len, VS_HDR);
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RESPONSE);
	assert_int_equal(h.src_cid, VSOCK_CID_HOST);
	assert_int_equal(h.dst_cid, 3);
	assert_int_equal(h.src_port, 5000);
	assert_int_equal(h.dst_port, 1234);
	for (int i = 0;
	     i < 5000 && __atomic_load_n(&l.accepted, __ATOMIC_SEQ_CST) < 0;
	     i++)
		usleep(1000);
	assert_true(l.accepted >= 0);
	assert_int_equal(l.accepted_port, 1234);

	/* data with the header split over two descriptors (20 + 24 + 4):
	 * legal, reaches the listener's fd */
	vs_hdr(tx, 3, 1234, 5000, 4, VIRTIO_VSOCK_OP_RW);
	memcpy(tx + VS_HDR, "ping", 4);
	setd(1, 0, VS_TX, 20, VIRTQ_DESC_F_NEXT, 1);
	setd(1, 1, VS_TX + 20, VS_HDR - 20 + 4, 0, 0);
	kick(t, 1, 0);
	vs_wait_used(1, ++tx_used);
	{
		struct pollfd p = {.fd = l.accepted, .events = POLLIN};

		assert_int_equal(poll(&p, 1, 5000), 1);
		assert_int_equal(read(l.accepted, got, 4), 4);
		assert_memory_equal(got, "ping", 4);
	}

	/* a length past the chain: the engine answers RST */
	vs_hdr(tx, 3, 1234, 5000, 1000, VIRTIO_VSOCK_OP_RW);
	setd(1, 0, VS_TX, VS_HDR + 10, 0, 0);
	kick(t, 1, 0);
	vs_wait_used(1, ++tx_used);
	vs_wait_used(0, ++rx_used);
	h = vs_rx_hdr(1, &len);
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	assert_int_equal(h.dst_port, 1234);

	/* a chain shorter than the header: dropped, said, no reply */
	{
		unsigned int logs = t->f->log_lines;

		setd(1, 0, VS_TX, 20, 0, 0);
		kick(t, 1, 0);
		vs_wait_used(1, ++tx_used);
		assert_int_equal(used_len(1, tx_used - 1), 0);
		assert_true(t->f->log_lines > logs);
	}

	/* REQUEST to a port nobody listens on: RST, the device still works */
	vs_hdr(tx, 3, 1235, 6000, 0, VIRTIO_VSOCK_OP_REQUEST);
	setd(1, 0, VS_TX, VS_HDR, 0, 0);
	kick(t, 1, 0);
	vs_wait_used(1, ++tx_used);
	vs_wait_used(0, ++rx_used);
	h = vs_rx_hdr(2, &len);
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	assert_int_equal(h.src_port, 6000);
	assert_int_equal(h.dst_port, 1235);

	/* a forged source CID: dropped (no RST to somebody else) */
	vs_hdr(tx, 7, 1236, 5000, 0, VIRTIO_VSOCK_OP_REQUEST);
	setd(1, 0, VS_TX, VS_HDR, 0, 0);
	kick(t, 1, 0);
	vs_wait_used(1, ++tx_used);

	/* an RX buffer too short for a header is returned empty */
	vs_hdr(tx, 3, 1237, 6001, 0, VIRTIO_VSOCK_OP_REQUEST);
	setd(0, 3, VS_RX + 3 * VS_RX_LEN, 10, VIRTQ_DESC_F_WRITE, 0);
	setd(1, 0, VS_TX, VS_HDR, 0, 0);
	kick(t, 1, 0);
	vs_wait_used(1, ++tx_used);
	assert_int_equal(r32(t, 0x70) & VIRTIO_STATUS_DEVICE_NEEDS_RESET, 0);

	/* the VM's reset posts TRANSPORT_RESET on the event queue */
	setd(2, 0, VS_TX + 0x100, 8, VIRTQ_DESC_F_WRITE, 0);
	kick(t, 2, 0);
	t->ops->reset(t->state);
	assert_int_equal(used_idx(2), 1);
	assert_int_equal(used_len(2, 0), 4);
	assert_int_equal(ram[VS_TX + 0x100],
			 VIRTIO_VSOCK_EVENT_TRANSPORT_RESET);
	/* the host end saw the connection go */
	{
		struct pollfd p = {.fd = l.accepted, .events = POLLIN};

		assert_int_equal(poll(&p, 1, 5000), 1);
		assert_true(read(l.accepted, got, sizeof(got)) <= 0);
	}

	{
		uint64_t one = 1;

		assert_int_equal(write(l.quit_fd, &one, 8), 8);
	}
	pthread_join(l.th, NULL);
	loop_del(l.loop, l.quit_src);
	close(l.quit_fd);
	close(l.accepted);
	drop(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registers),
		cmocka_unit_test(cmdline_acpi_off),
		cmocka_unit_test(status_transitions),
		cmocka_unit_test(queue_sel_and_size),
		cmocka_unit_test(config_bounds),
		cmocka_unit_test(notify_before_driver_ok),
		cmocka_unit_test(rng_fills),
		cmocka_unit_test(rng_bad_chain_needs_reset),
		cmocka_unit_test(blk_read),
		cmocka_unit_test(blk_write_and_flush),
		cmocka_unit_test(blk_ro_refuses_writes),
		cmocka_unit_test(blk_ranges),
		cmocka_unit_test(blk_get_id),
		cmocka_unit_test(blk_header_split),
		cmocka_unit_test(console_tx_rx),
		cmocka_unit_test(console_hvc0_rule),
		cmocka_unit_test(console_not_claimed_for_ttyS0),
		cmocka_unit_test(disk_errors),
		cmocka_unit_test(vsock_request_response),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
