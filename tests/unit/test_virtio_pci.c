// SPDX-License-Identifier: MIT
/*
 * The virtio-pci transport (virtio/pci.c) on a fake host: the function's
 * identity and capabilities, the common configuration's state machine
 * (the same rules as virtio-mmio: virtio.c), field widths, the 64-bit
 * queue addresses in halves, MSI-X vector checks, the ISR and INTx, and
 * a whole virtio-rng request with INTx and with MSI-X.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"
#include "pci/pci.h"
#include "virtio/virtio.h"

#define BAR   PCI_MEM32_PLACE_START /* the first placed BAR (rng) */
#define CC    (BAR + 0x0000)
#define ISR   (BAR + 0x1000)
#define NTF   (BAR + 0x3000)
#define TBL   (BAR + 0x4000)
#define DESC  0x10000ull
#define AVAIL 0x11000ull
#define USED  0x12000ull
#define BUF   0x13000ull
#define DEVFN (2 << 3)

struct t {
	struct fake_host *f;
	void *pci, *rng;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct charlie_error err = {0};

	t->f = fake_host_new();
	t->f->cfg.transport = CHARLIE_TRANSPORT_PCI;
	assert_int_equal(
		pci_i440fx_ops.create(&t->f->h, NULL, 0, &t->pci, &err), 0);
	assert_int_equal(
		virtio_rng_ops.create(&t->f->h, NULL, 0, &t->rng, &err), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	virtio_rng_ops.destroy(t->rng);
	pci_i440fx_ops.destroy(t->pci);
	fake_host_free(t->f);
	free(t);
	return 0;
}

static uint32_t rd(struct t *t, uint64_t a, unsigned int size)
{
	uint8_t d[4] = {0};
	uint32_t v = 0;

	host_mmio(&t->f->h, a, false, d, size);
	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)d[i] << (8 * i);
	return v;
}

static void wr(struct t *t, uint64_t a, unsigned int size, uint32_t v)
{
	uint8_t d[4];

	for (unsigned int i = 0; i < 4; i++)
		d[i] = (uint8_t)(v >> (8 * i));
	host_mmio(&t->f->h, a, true, d, size);
}

static uint32_t cfg(struct t *t, unsigned int off, unsigned int size)
{
	uint8_t d[4] = {0};
	uint32_t v = 0;

	pci_cfg_read(t->f->h.pci, DEVFN, off, d, size);
	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)d[i] << (8 * i);
	return v;
}

static void cfg_w(struct t *t, unsigned int off, unsigned int size, uint32_t v)
{
	uint8_t d[4];

	for (unsigned int i = 0; i < 4; i++)
		d[i] = (uint8_t)(v >> (8 * i));
	pci_cfg_write(t->f->h.pci, DEVFN, off, d, size);
}

static uint8_t status(struct t *t)
{
	return (uint8_t)rd(t, CC + 0x14, 1);
}

/* ACKNOWLEDGE, DRIVER, VERSION_1, FEATURES_OK. */
static void features_ok(struct t *t)
{
	wr(t, CC + 0x14, 1, 0);
	wr(t, CC + 0x14, 1, 1);
	wr(t, CC + 0x14, 1, 3);
	wr(t, CC + 0x08, 4, 1);
	wr(t, CC + 0x0c, 4, 1);
	wr(t, CC + 0x14, 1, 0xb);
	assert_int_equal(status(t), 0xb);
}

static void queue_up(struct t *t)
{
	uint8_t *ram = gm_ptr(t->f->h.gm, DESC, 0x3000);

	memset(ram, 0, 0x3000);
	wr(t, CC + 0x16, 2, 0);
	wr(t, CC + 0x18, 2, 8);
	wr(t, CC + 0x20, 4, (uint32_t)DESC);
	wr(t, CC + 0x24, 4, 0);
	wr(t, CC + 0x28, 4, (uint32_t)AVAIL);
	wr(t, CC + 0x2c, 4, 0);
	wr(t, CC + 0x30, 4, (uint32_t)USED);
	wr(t, CC + 0x34, 4, 0);
	wr(t, CC + 0x1c, 2, 1);
	assert_int_equal(rd(t, CC + 0x1c, 2), 1);
	wr(t, CC + 0x14, 1, 0xf);
	assert_int_equal(status(t), 0xf);
}

static void identity_and_caps(void **state)
{
	struct t *t = *state;
	unsigned int types = 0, n = 0;

	assert_int_equal(cfg(t, 0, 4), 0x10441af4);
	assert_int_equal(cfg(t, 8, 1), 1); /* revision 1: modern */
	assert_true(cfg(t, 0x2e, 2) >= 0x40);
	assert_int_equal(cfg(t, 0x3d, 1), 1); /* INTA */
	assert_int_equal(cfg(t, 0x10, 4) & 0xf, PCI_BAR_MEM_64);
	for (unsigned int c = cfg(t, 0x34, 1); c && n < 48;
	     c = cfg(t, c + 1, 1), n++) {
		if (cfg(t, c, 1) != PCI_CAP_ID_VENDOR)
			continue;
		types |= 1u << cfg(t, c + 3, 1);
		assert_int_equal(cfg(t, c + 4, 1), 0); /* BAR 0 */
		if (cfg(t, c + 3, 1) == 2) {
			assert_int_equal(cfg(t, c + 2, 1), 20);
			assert_int_equal(cfg(t, c + 16, 4), 4);
		}
	}
	/* common, notify, ISR, the PCI config window; no device config for
	 * rng */
	assert_int_equal(types, (1u << 1) | (1u << 2) | (1u << 3) | (1u << 5));
	assert_int_equal(rd(t, CC + 0x12, 2), 1); /* num_queues */
	wr(t, CC + 0x00, 4, 1);
	assert_int_equal(rd(t, CC + 0x04, 4) & 1, 1); /* VERSION_1 */
}

/* VIRTIO_PCI_CAP_PCI_CFG: BAR accesses through config space. */
static void pci_cfg_window(void **state)
{
	struct t *t = *state;
	unsigned int c = 0, n = 0;

	for (unsigned int x = cfg(t, 0x34, 1); x && n < 48;
	     x = cfg(t, x + 1, 1), n++)
		if (cfg(t, x, 1) == PCI_CAP_ID_VENDOR && cfg(t, x + 3, 1) == 5)
			c = x;
	assert_true(c);
	assert_int_equal(cfg(t, c + 2, 1), 20);
	/* read num_queues (common + 0x12, 2 bytes) */
	cfg_w(t, c + 4, 1, 0);
	cfg_w(t, c + 8, 4, 0x12);
	cfg_w(t, c + 12, 4, 2);
	assert_int_equal(cfg(t, c + 16, 2), 1);
	/* write device_status = ACKNOWLEDGE (common + 0x14, 1 byte) */
	cfg_w(t, c + 8, 4, 0x14);
	cfg_w(t, c + 12, 4, 1);
	cfg_w(t, c + 16, 1, 1);
	assert_int_equal(status(t), 1);
	assert_int_equal(cfg(t, c + 16, 1), 1);
	/* bad length, misaligned, past the BAR, another BAR: nothing */
	cfg_w(t, c + 12, 4, 3);
	cfg_w(t, c + 16, 1, 0);
	cfg_w(t, c + 12, 4, 2);
	cfg_w(t, c + 8, 4, 0x13);
	cfg_w(t, c + 16, 2, 0);
	cfg_w(t, c + 12, 4, 4);
	cfg_w(t, c + 8, 4, 0x7ffe);
	cfg_w(t, c + 16, 4, 0);
	cfg_w(t, c + 8, 4, 0x14);
	cfg_w(t, c + 12, 4, 1);
	cfg_w(t, c + 4, 1, 2);
	cfg_w(t, c + 16, 1, 0);
	assert_int_equal(status(t), 1);
}

static void status_machine(void **state)
{
	struct t *t = *state;

	/* skipping steps is ignored */
	wr(t, CC + 0x14, 1, 4);
	assert_int_equal(status(t), 0);
	wr(t, CC + 0x14, 1, 1);
	wr(t, CC + 0x14, 1, 9);
	assert_int_equal(status(t), 1);
	wr(t, CC + 0x14, 1, 3);
	/* features not offered: FEATURES_OK stays clear */
	wr(t, CC + 0x08, 4, 1);
	wr(t, CC + 0x0c, 4, 0x80000001u);
	wr(t, CC + 0x14, 1, 0xb);
	assert_int_equal(status(t), 3);
	/* without VERSION_1: refused too */
	wr(t, CC + 0x0c, 4, 0);
	wr(t, CC + 0x14, 1, 0xb);
	assert_int_equal(status(t), 3);
	wr(t, CC + 0x0c, 4, 1);
	wr(t, CC + 0x14, 1, 0xb);
	assert_int_equal(status(t), 0xb);
	/* features are frozen after FEATURES_OK */
	wr(t, CC + 0x0c, 4, 0);
	assert_int_equal(rd(t, CC + 0x0c, 4), 1);
	/* reset */
	wr(t, CC + 0x14, 1, 0);
	assert_int_equal(status(t), 0);
	assert_int_equal(rd(t, CC + 0x0c, 4), 0);
}

static void queue_rules(void **state)
{
	struct t *t = *state;

	/* before FEATURES_OK: queue registers ignored; the size reads the
	 * maximum, a power of two */
	wr(t, CC + 0x16, 2, 0);
	{
		uint32_t max = rd(t, CC + 0x18, 2);

		assert_true(max >= 8 && (max & (max - 1)) == 0);
		wr(t, CC + 0x18, 2, 4);
		assert_int_equal(rd(t, CC + 0x18, 2), max);
	}
	features_ok(t);
	/* a queue that does not exist reads size 0 and takes nothing */
	wr(t, CC + 0x16, 2, 7);
	assert_int_equal(rd(t, CC + 0x18, 2), 0);
	wr(t, CC + 0x1c, 2, 1);
	assert_int_equal(rd(t, CC + 0x1c, 2), 0);
	wr(t, CC + 0x16, 2, 0);
	/* 64-bit addresses in halves */
	wr(t, CC + 0x20, 4, 0x1000);
	wr(t, CC + 0x24, 4, 0x2);
	assert_int_equal(rd(t, CC + 0x20, 4), 0x1000);
	assert_int_equal(rd(t, CC + 0x24, 4), 2);
	/* wrong widths are ignored */
	wr(t, CC + 0x20, 2, 0x3000);
	wr(t, CC + 0x14, 4, 0xf);
	assert_int_equal(rd(t, CC + 0x20, 4), 0x1000);
	assert_int_equal(status(t), 0xb);
	/* a ring outside RAM: refused with NEEDS_RESET */
	wr(t, CC + 0x18, 2, 8);
	wr(t, CC + 0x1c, 2, 1);
	assert_int_equal(rd(t, CC + 0x1c, 2), 0);
	assert_true(status(t) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	/* a size that is not a power of two: refused as well */
	features_ok(t);
	wr(t, CC + 0x18, 2, 6);
	wr(t, CC + 0x20, 4, (uint32_t)DESC);
	wr(t, CC + 0x28, 4, (uint32_t)AVAIL);
	wr(t, CC + 0x30, 4, (uint32_t)USED);
	wr(t, CC + 0x1c, 2, 1);
	assert_int_equal(rd(t, CC + 0x1c, 2), 0);
	features_ok(t);
	queue_up(t);
	/* queue registers are frozen once the queue is enabled */
	wr(t, CC + 0x20, 4, 0x5000);
	assert_int_equal(rd(t, CC + 0x20, 4), (uint32_t)DESC);
}

static void vectors_checked(void **state)
{
	struct t *t = *state;

	/* rng: 2 vectors (config + 1 queue) */
	assert_int_equal(rd(t, CC + 0x10, 2), 0xffff);
	wr(t, CC + 0x10, 2, 1);
	assert_int_equal(rd(t, CC + 0x10, 2), 1);
	wr(t, CC + 0x10, 2, 2);
	assert_int_equal(rd(t, CC + 0x10, 2), 0xffff);
	wr(t, CC + 0x16, 2, 0);
	wr(t, CC + 0x1a, 2, 0);
	assert_int_equal(rd(t, CC + 0x1a, 2), 0);
	wr(t, CC + 0x1a, 2, 0x7fff);
	assert_int_equal(rd(t, CC + 0x1a, 2), 0xffff);
	/* reset puts them back */
	wr(t, CC + 0x1a, 2, 1);
	wr(t, CC + 0x14, 1, 0);
	assert_int_equal(rd(t, CC + 0x1a, 2), 0xffff);
	assert_int_equal(rd(t, CC + 0x10, 2), 0xffff);
}

/* Entropy request `n` (1, 2, ...): descriptor, avail, notify through the BAR.
 */
static void request(struct t *t, uint16_t n)
{
	uint8_t *ram = gm_ptr(t->f->h.gm, DESC, 0x4000);
	uint64_t a = BUF;
	uint32_t len = 16;
	uint16_t flags = 2, head = 0;

	memcpy(ram + 0, &a, 8);
	memcpy(ram + 8, &len, 4);
	memcpy(ram + 12, &flags, 2);
	memcpy(ram + 0x1000 + 4 + 2 * ((n - 1) % 8), &head, 2);
	memcpy(ram + 0x1000 + 2, &n, 2);
	wr(t, NTF, 2, 0);
	assert_int_equal(*(uint16_t *)(ram + 0x2000 + 2), n);
}

static void intx_request(void **state)
{
	struct t *t = *state;
	int gsi = 16 + (2 + 0) % 4;

	/* notify before DRIVER_OK: ignored */
	wr(t, NTF, 2, 0);
	features_ok(t);
	queue_up(t);
	assert_int_equal(t->f->irq[gsi], 0);
	request(t, 1);
	assert_int_equal(t->f->irq[gsi], 1);
	assert_int_equal(rd(t, ISR, 1), VIRTIO_INT_VRING);
	assert_int_equal(t->f->irq[gsi], 0); /* the read cleared it */
	assert_int_equal(rd(t, ISR, 1), 0);
}

static void msix_request(void **state)
{
	struct t *t = *state;
	struct pci_dev *d = t->f->h.pci->dev[DEVFN];
	int gsi = 16 + (2 + 0) % 4;

	features_ok(t);
	cfg_w(t, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	cfg_w(t, d->msix_cap + 2, 2, PCI_MSIX_ENABLE);
	wr(t, TBL + 16, 4, 0xfee00000u);
	wr(t, TBL + 24, 4, 0x41);
	wr(t, TBL + 28, 4, 0);
	wr(t, CC + 0x16, 2, 0);
	wr(t, CC + 0x1a, 2, 1);
	queue_up(t);
	request(t, 1);
	assert_int_equal(d->msix_fired, 1);
	assert_int_equal(t->f->irq[gsi], 0); /* no INTx with MSI-X */
	/* masked: pending, delivered on unmask */
	wr(t, TBL + 28, 4, 1);
	request(t, 2);
	assert_int_equal(d->msix_fired, 1);
	wr(t, TBL + 28, 4, 0);
	assert_int_equal(d->msix_fired, 2);
}

static void junk_everywhere(void **state)
{
	struct t *t = *state;
	unsigned int rnd = 99;

	for (unsigned int k = 0; k < 20000; k++) {
		uint64_t off;
		unsigned int size;

		rnd = rnd * 1103515245u + 12345u;
		off = (rnd >> 4) % 0x8000;
		size = 1u << ((rnd >> 1) & 3);
		if (size > 4)
			size = 4;
		if (off == 0x14 && (rnd & 0x10000))
			continue;
		wr(t, BAR + off, size, rnd ^ (k << 7));
		(void)rd(t, BAR + ((rnd >> 9) % 0x8000), 4);
	}
	/* a reset brings a working device back */
	features_ok(t);
	queue_up(t);
	request(t, 1);
	assert_int_equal(t->f->end, CHARLIE_STOP_NONE);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(identity_and_caps), T(pci_cfg_window),  T(status_machine),
		T(queue_rules),	      T(vectors_checked), T(intx_request),
		T(msix_request),      T(junk_everywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
