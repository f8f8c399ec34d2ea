// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: one virtio device (FUZZ_DEV: 0 blk, 1 rng, 2
 * console) behind the mmio transport on the fake host, over synthetic
 * guest memory.  The input is the guest: RAM contents, then a stream of
 * register accesses (offset, value, size) including QueueNotify.  Each
 * run starts with the driver's normal set-up so the queue handlers run,
 * and ends with a device reset.
 */
#include <stdio.h>

#include "../unit/fake_host.h"
#include "virtio/virtio.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAM_GPA	 0x0ull
#define RAM_SIZE 0x20000ull
#define BASE	 HOST_MMIO_POOL_START

static uint8_t ram[RAM_SIZE];
static struct gm gm;
static struct fake_host *f;
static void *state;
static const struct device_ops *ops;

static void w32(uint64_t off, uint32_t v)
{
	host_mmio(&f->h, BASE + off, true, (uint8_t *)&v, 4);
}

static void setup(void)
{
	struct gm_region r = {RAM_GPA, RAM_SIZE, ram};
	struct charlie_error err;
	static char path[] = "/tmp/charlie-fuzz-XXXXXX";
	int fd;

	gm_init_from(&gm, &r, 1);
	f = fake_host_new();
	f->h.gm = &gm;
	f->cfg.cmdline = "console=hvc0";
#if FUZZ_DEV == 0
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 64 * 512) < 0)
		abort();
	close(fd);
	f->cfg.disks[0].path = path;
	f->cfg.nr_disks = 1;
	ops = &virtio_blk_ops;
#elif FUZZ_DEV == 1
	(void)fd;
	(void)path;
	ops = &virtio_rng_ops;
#else
	(void)fd;
	(void)path;
	ops = &virtio_console_ops;
#endif
	if (ops->create(&f->h, NULL, 0, &state, &err))
		abort();
#if FUZZ_DEV == 0
	unlink(path); /* the open fd keeps it */
#endif
}

/* The driver's set-up (virtio 1.2 section 3.1.1), rings at fixed places:
 * queue q at 0x1000 + q * 0x3000 (desc), +0x1000 (avail), +0x2000 (used). */
static void driver_init(uint32_t feat, uint16_t qsize)
{
	w32(0x70, 0);
	w32(0x70, 1);
	w32(0x70, 3);
	w32(0x24, 0);
	w32(0x20, feat);
	w32(0x24, 1);
	w32(0x20, 1);
	w32(0x70, 0xb);
	for (uint32_t q = 0; q < 2; q++) {
		w32(0x30, q);
		w32(0x38, qsize);
		w32(0x80, 0x1000 + q * 0x3000);
		w32(0x84, 0);
		w32(0x90, 0x2000 + q * 0x3000);
		w32(0x94, 0);
		w32(0xa0, 0x3000 + q * 0x3000);
		w32(0xa4, 0);
		w32(0x44, 1);
	}
	w32(0x70, 0xf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t ramlen;
	uint32_t feat;

	if (!f)
		setup();
	if (size < 4)
		return 0;
	memcpy(&feat, data, 4);
	data += 4;
	size -= 4;
	ramlen = size < RAM_SIZE ? size : RAM_SIZE;
	memset(ram, 0, sizeof(ram));
	/* the input's first half is RAM (rings included), the rest ops */
	ramlen = ramlen / 2;
	memcpy(ram + 0x1000, data, ramlen < RAM_SIZE - 0x1000 ? ramlen : 0);
	driver_init(feat & ((1u << 28) | (1u << 29) | 0xffff),
		    (uint16_t)(1u << (feat >> 28 & 7)));
	for (size_t i = ramlen; i + 7 <= size; i += 7) {
		uint16_t off = (uint16_t)((data[i] | data[i + 1] << 8) & 0xfff);
		uint8_t sz = (uint8_t)(1u << (data[i + 2] & 3));
		uint8_t buf[8] = {0};

		memcpy(buf, data + i + 3, 4);
		if (data[i + 2] & 4)
			host_mmio(&f->h, BASE + off, false, buf, sz);
		else
			host_mmio(&f->h, BASE + off, true, buf, sz);
	}
	/* kick every queue, as the ioeventfd would */
	w32(0x50, 0);
	w32(0x50, 1);
#if FUZZ_DEV == 2
	if (f->h.console_in)
		f->h.console_in(f->h.console_in_opaque, data,
				size < 64 ? size : 64);
#endif
	f->console_len = 0;
	ops->reset(state);
	return 0;
}
