// SPDX-License-Identifier: MIT
/*
 * The PCI core (pci/pci.c) and the i440FX personality on a fake host,
 * driven the way a guest does: through ports 0xCF8/0xCFC and the BARs'
 * windows.  Negative cases beside positive ones: BARs over RAM, over
 * each other and past the limit must simply not decode.
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

struct fx {
	struct fake_host *f;
	void *pci_state;
	struct pci_dev *d; /* a test device at 00:05.0 */
	unsigned int reads, writes;
	uint64_t last_off;
};

static void dev_read(void *opaque, uint64_t off, uint8_t *data, unsigned size)
{
	struct fx *x = opaque;

	if (pci_msix_access(x->d, off, false, data, size))
		return;
	x->reads++;
	x->last_off = off;
	memset(data, 0x5a, size);
}

static void dev_write(void *opaque, uint64_t off, const uint8_t *data,
		      unsigned size)
{
	struct fx *x = opaque;

	if (pci_msix_access(x->d, off, true, (uint8_t *)data, size))
		return;
	x->writes++;
	x->last_off = off;
}

static const struct bus_ops dev_bus = {.read = dev_read, .write = dev_write};

#define DEVFN (5 << 3)

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct charlie_error err = {0};

	x->f = fake_host_new();
	x->f->cfg.platform_pci = true;
	assert_int_equal(
		pci_i440fx_ops.create(&x->f->h, NULL, 0, &x->pci_state, &err),
		0);
	x->d = pci_dev_new(x->f->h.pci, 5, 0, 0x1af4, 0x1041, 0x02000001, 0,
			   "test");
	assert_non_null(x->d);
	assert_int_equal(
		pci_dev_set_bar(x->d, 0, PCI_BAR_MEM64, 0x8000, &dev_bus, x),
		0);
	assert_int_equal(
		pci_dev_set_bar(x->d, 2, PCI_BAR_MEM32, 0x1000, &dev_bus, x),
		0);
	assert_int_equal(
		pci_dev_set_bar(x->d, 3, PCI_BAR_IO, 0x40, &dev_bus, x), 0);
	assert_int_equal(pci_dev_add_msix(x->d, 3, 0, 0x4000, 0x5000), 0);
	pci_dev_set_pin(x->d, 1);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	pci_dev_free(x->d);
	pci_i440fx_ops.destroy(x->pci_state);
	fake_host_free(x->f);
	free(x);
	return 0;
}

static void outl(struct fx *x, uint16_t port, uint32_t v)
{
	uint8_t d[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			(uint8_t)(v >> 24)};

	host_pio(&x->f->h, port, true, d, 4);
}

static uint32_t inl(struct fx *x, uint16_t port)
{
	uint8_t d[4];

	host_pio(&x->f->h, port, false, d, 4);
	return (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
	       (uint32_t)d[3] << 24;
}

static uint32_t cfg_rd(struct fx *x, unsigned int devfn, unsigned int off,
		       unsigned int size)
{
	uint8_t d[4] = {0};
	uint32_t v = 0;

	outl(x, 0xcf8, 0x80000000u | devfn << 8 | (off & 0xfc));
	host_pio(&x->f->h, (uint16_t)(0xcfc + (off & 3)), false, d, size);
	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)d[i] << (8 * i);
	return v;
}

static void cfg_wr(struct fx *x, unsigned int devfn, unsigned int off,
		   unsigned int size, uint32_t v)
{
	uint8_t d[4];

	for (unsigned int i = 0; i < 4; i++)
		d[i] = (uint8_t)(v >> (8 * i));
	outl(x, 0xcf8, 0x80000000u | devfn << 8 | (off & 0xfc));
	host_pio(&x->f->h, (uint16_t)(0xcfc + (off & 3)), true, d, size);
}

static bool mmio_decoded(struct fx *x, uint64_t addr)
{
	struct bus_window w;

	return bus_find(&x->f->h.mmio, addr, &w) && w.opaque == x;
}

static void cf8_reads_back(void **state)
{
	struct fx *x = *state;
	static const uint32_t v[] = {0, 0x80000000u, 0x12345678u, 0xffffffffu,
				     0x80000804u};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		outl(x, 0xcf8, v[i]);
		assert_int_equal(inl(x, 0xcf8), v[i]);
	}
}

static void i440fx_identity(void **state)
{
	struct fx *x = *state;

	assert_int_equal(cfg_rd(x, 0, 0, 4), 0x12378086);
	assert_int_equal(cfg_rd(x, 0, 2, 2), 0x1237);
	assert_int_equal(cfg_rd(x, 0, 0x3d, 1), 0); /* no pin */
	assert_int_equal(cfg_rd(x, 0, 0x08, 4) >> 8, 0x060000);
	assert_int_equal(cfg_rd(x, 1 << 3, 0, 4), 0x70008086);
	assert_int_equal(cfg_rd(x, 1 << 3, 0x0a, 2), 0x0601);
	assert_int_equal(cfg_rd(x, 1 << 3, 0x0e, 1), 0x80);
	assert_int_equal(cfg_rd(x, 1 << 3 | 3, 0, 4), 0x71138086);
	assert_int_equal(cfg_rd(x, 1 << 3 | 3, 0x40, 4), 0xb001);
	assert_int_equal(cfg_rd(x, 1 << 3 | 3, 0x80, 1), 1);
	/* OVMF's writes change nothing it reads back */
	cfg_wr(x, 1 << 3 | 3, 0x40, 4, 0xc001);
	cfg_wr(x, 1 << 3 | 3, 0x80, 1, 0);
	assert_int_equal(cfg_rd(x, 1 << 3 | 3, 0x40, 4), 0xb001);
	assert_int_equal(cfg_rd(x, 1 << 3 | 3, 0x80, 1), 1);
	/* the ISA bridge keeps I/O and memory on; PIRQ routes stick */
	cfg_wr(x, 1 << 3, PCI_COMMAND, 2, 0);
	assert_int_equal(cfg_rd(x, 1 << 3, PCI_COMMAND, 2) & 3, 3);
	cfg_wr(x, 1 << 3, 0x60, 4, 0x0b0b0a0a);
	assert_int_equal(cfg_rd(x, 1 << 3, 0x60, 4), 0x0b0b0a0a);
	/* absent functions, other buses, disabled CF8: all ones */
	assert_int_equal(cfg_rd(x, 31 << 3, 0, 4), 0xffffffffu);
	assert_int_equal(cfg_rd(x, 1 << 3 | 1, 0, 2), 0xffff);
	outl(x, 0xcf8, 0x80010000u);
	assert_int_equal(inl(x, 0xcfc), 0xffffffffu);
	outl(x, 0xcf8, 0x00000000u);
	assert_int_equal(inl(x, 0xcfc), 0xffffffffu);
}

static void header_read_only_bits(void **state)
{
	struct fx *x = *state;
	uint8_t before[256], after[256];

	for (unsigned int o = 0; o < 256; o++)
		before[o] = (uint8_t)cfg_rd(x, 0, o, 1);
	/* every byte of the host bridge, every width */
	for (unsigned int o = 0; o < 256; o++)
		cfg_wr(x, 0, o, 1, 0xff);
	for (unsigned int o = 0; o < 256; o += 2)
		cfg_wr(x, 0, o, 2, 0xffff);
	for (unsigned int o = 0; o < 256; o++)
		after[o] = (uint8_t)cfg_rd(x, 0, o, 1);
	for (unsigned int o = 0; o < 256; o++) {
		bool writable =
			o == 4 || o == 5 || o == 0x0c || o == 0x0d || o == 0x3c;

		if (!writable)
			assert_int_equal(after[o], before[o]);
	}
	assert_int_equal(cfg_rd(x, 0, 0, 4), 0x12378086);
	assert_int_equal(cfg_rd(x, 0, 0x30, 4), 0); /* no ROM */
	cfg_wr(x, 0, 0x30, 4, 0xfffffffe);
	assert_int_equal(cfg_rd(x, 0, 0x30, 4), 0);
}

static void bar_sizing(void **state)
{
	struct fx *x = *state;

	/* 64-bit memory: low half keeps type bits 0b0100 */
	cfg_wr(x, DEVFN, 0x10, 4, 0xffffffff);
	cfg_wr(x, DEVFN, 0x14, 4, 0xffffffff);
	assert_int_equal(cfg_rd(x, DEVFN, 0x10, 4), 0xffff8004u);
	assert_int_equal(cfg_rd(x, DEVFN, 0x14, 4), 0xffffffffu);
	/* 32-bit memory */
	cfg_wr(x, DEVFN, 0x18, 4, 0xffffffff);
	assert_int_equal(cfg_rd(x, DEVFN, 0x18, 4), 0xfffff000u);
	/* I/O: 64 ports, bit 0 set */
	cfg_wr(x, DEVFN, 0x1c, 4, 0xffffffff);
	assert_int_equal(cfg_rd(x, DEVFN, 0x1c, 4), 0x0000ffc1u);
	/* unimplemented BARs read 0 */
	cfg_wr(x, DEVFN, 0x20, 4, 0xffffffff);
	cfg_wr(x, DEVFN, 0x24, 4, 0xffffffff);
	assert_int_equal(cfg_rd(x, DEVFN, 0x20, 4), 0);
	assert_int_equal(cfg_rd(x, DEVFN, 0x24, 4), 0);
	/* host bridge: no BARs */
	cfg_wr(x, 0, 0x10, 4, 0xffffffff);
	assert_int_equal(cfg_rd(x, 0, 0x10, 4), 0);
}

static void bar_moves_windows(void **state)
{
	struct fx *x = *state;
	uint8_t b[4];

	cfg_wr(x, DEVFN, 0x10, 4, 0xc0000000u);
	cfg_wr(x, DEVFN, 0x14, 4, 0);
	cfg_wr(x, DEVFN, 0x18, 4, 0xc0100000u);
	cfg_wr(x, DEVFN, 0x1c, 4, 0xc040);
	assert_false(mmio_decoded(x, 0xc0000000u)); /* MEM still off */
	cfg_wr(x, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_IO);
	assert_true(mmio_decoded(x, 0xc0000000u));
	assert_true(mmio_decoded(x, 0xc0003000u));
	assert_false(mmio_decoded(x, 0xc0008000u));
	assert_true(mmio_decoded(x, 0xc0100000u));
	host_pio(&x->f->h, 0xc040, false, b, 1);
	assert_int_equal(b[0], 0x5a);
	assert_int_equal(x->reads, 1);
	/* move the 64-bit BAR above 4 GiB (high half written last) */
	cfg_wr(x, DEVFN, 0x10, 4, 0x00000000u);
	cfg_wr(x, DEVFN, 0x14, 4, 0x10);
	assert_false(mmio_decoded(x, 0xc0000000u));
	assert_true(mmio_decoded(x, 0x1000000000ull));
	host_mmio(&x->f->h, 0x1000000010ull, true, b, 4);
	assert_int_equal(x->writes, 1);
	assert_int_equal(x->last_off, 0x10);
	/* memory decode off: every memory window goes, I/O stays */
	cfg_wr(x, DEVFN, PCI_COMMAND, 2, PCI_CMD_IO);
	assert_false(mmio_decoded(x, 0x1000000000ull));
	assert_false(mmio_decoded(x, 0xc0100000u));
	host_pio(&x->f->h, 0xc040, false, b, 1);
	assert_int_equal(x->reads, 2);
	cfg_wr(x, DEVFN, PCI_COMMAND, 2, 0);
	b[0] = 0;
	host_pio(&x->f->h, 0xc040, false, b, 1);
	assert_int_equal(b[0], 0xff);
	assert_int_equal(x->reads, 2);
}

static void bad_bars_not_decoded(void **state)
{
	struct fx *x = *state;
	struct pci_dev *e;

	cfg_wr(x, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_IO);
	/* over RAM (the fake host has 2 MiB at 0) */
	cfg_wr(x, DEVFN, 0x14, 4, 0);
	cfg_wr(x, DEVFN, 0x10, 4, 0x00100000u);
	assert_false(mmio_decoded(x, 0x00100000u));
	/* past the physical address limit */
	cfg_wr(x, DEVFN, 0x14, 4, 0xfffff000u);
	assert_false(mmio_decoded(x, 0xfffff00000100000ull));
	assert_int_equal(x->f->h.mmio.nr, 0);
	/* I/O over the PCI config ports and past 64 KiB */
	cfg_wr(x, DEVFN, 0x1c, 4, 0xcc0);
	assert_int_equal(cfg_rd(x, 0, 0, 4), 0x12378086);
	cfg_wr(x, DEVFN, 0x1c, 4, 0xffc0);
	cfg_wr(x, DEVFN, 0x1c, 4, 0x1fffc0);
	/* over another device's BAR: the second one does not decode */
	cfg_wr(x, DEVFN, 0x14, 4, 0);
	cfg_wr(x, DEVFN, 0x10, 4, 0xc0000000u);
	assert_true(mmio_decoded(x, 0xc0000000u));
	cfg_wr(x, DEVFN, 0x18, 4, 0xc0001000u);
	assert_true(mmio_decoded(x, 0xc0001000u));
	/* the 32-bit BAR lies inside the 64-bit one's 32 KiB: refused */
	{
		struct bus_window w;

		assert_true(bus_find(&x->f->h.mmio, 0xc0001000u, &w));
		assert_int_equal(w.base, 0xc0000000u);
	}
	/* a second device on the same address */
	e = pci_dev_new(x->f->h.pci, 6, 0, 0x1af4, 0x1042, 0x01000001, 0,
			"other");
	assert_non_null(e);
	assert_int_equal(
		pci_dev_set_bar(e, 0, PCI_BAR_MEM32, 0x1000, &dev_bus, NULL),
		0);
	cfg_wr(x, 6 << 3, 0x10, 4, 0xc0000000u);
	cfg_wr(x, 6 << 3, PCI_COMMAND, 2, PCI_CMD_MEM);
	assert_true(mmio_decoded(x, 0xc0000000u));
	/* once the first moves away, the second may take the place */
	cfg_wr(x, DEVFN, 0x10, 4, 0xc8000000u);
	cfg_wr(x, 6 << 3, 0x10, 4, 0xc0000000u);
	{
		struct bus_window w;

		assert_true(bus_find(&x->f->h.mmio, 0xc0000000u, &w));
		assert_null(w.opaque);
	}
	pci_dev_free(e);
	assert_true(x->f->log_lines >= 1);
}

/* Message Control: table size, enable, function mask; the table reads
 * back, vector control keeps only the mask bit, the PBA is read-only and
 * reflects vectors signalled while masked. */
static void msix_table_and_pba(void **state)
{
	struct fx *x = *state;
	unsigned int cap = x->d->msix_cap;
	uint8_t b[8];
	uint32_t v;

	assert_int_equal(cfg_rd(x, DEVFN, PCI_CAP_PTR, 1), cap);
	assert_int_equal(cfg_rd(x, DEVFN, cap, 1), PCI_CAP_ID_MSIX);
	assert_int_equal(cfg_rd(x, DEVFN, cap + 2, 2), 2); /* 3 vectors */
	assert_int_equal(cfg_rd(x, DEVFN, cap + 4, 4), 0x4000);
	assert_int_equal(cfg_rd(x, DEVFN, cap + 8, 4), 0x5000);
	assert_true(cfg_rd(x, DEVFN, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	cfg_wr(x, DEVFN, 0x10, 4, 0xc0000000u);
	cfg_wr(x, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM);
	/* every entry starts masked */
	for (unsigned int i = 0; i < 3; i++) {
		host_mmio(&x->f->h, 0xc0004000u + 16 * i + 12, false, b, 4);
		assert_int_equal(b[0], 1);
	}
	/* program vector 1: address, data, control with junk bits */
	v = 0xfee00000u;
	host_mmio(&x->f->h, 0xc0004010u, true, (uint8_t *)&v, 4);
	v = 0x4041;
	host_mmio(&x->f->h, 0xc0004018u, true, (uint8_t *)&v, 4);
	v = 0xfffffffe;
	host_mmio(&x->f->h, 0xc000401cu, true, (uint8_t *)&v, 4);
	host_mmio(&x->f->h, 0xc000401cu, false, b, 4);
	assert_int_equal(b[0] | b[1] | b[2] | b[3], 0);
	host_mmio(&x->f->h, 0xc0004018u, false, b, 4);
	assert_int_equal(b[0], 0x41);
	/* MSI-X off: nothing fires, nothing pends */
	pci_msix_notify(x->d, 1);
	assert_int_equal(x->d->msix_fired, 0);
	/* enabled with the function masked: pends */
	cfg_wr(x, DEVFN, cap + 2, 2, PCI_MSIX_ENABLE | PCI_MSIX_MASKALL);
	assert_true(pci_msix_enabled(x->d));
	pci_msix_notify(x->d, 1);
	pci_msix_notify(x->d, 0); /* vector 0 masked itself */
	assert_int_equal(x->d->msix_fired, 0);
	host_mmio(&x->f->h, 0xc0005000u, false, b, 8);
	assert_int_equal(b[0], 3);
	/* the PBA ignores writes */
	memset(b, 0, 8);
	host_mmio(&x->f->h, 0xc0005000u, true, b, 8);
	host_mmio(&x->f->h, 0xc0005000u, false, b, 8);
	assert_int_equal(b[0], 3);
	/* unmask the function: vector 1 fires once, 0 stays pending */
	cfg_wr(x, DEVFN, cap + 2, 2, PCI_MSIX_ENABLE);
	assert_int_equal(x->d->msix_fired, 1);
	host_mmio(&x->f->h, 0xc0005000u, false, b, 8);
	assert_int_equal(b[0], 1);
	pci_msix_notify(x->d, 1);
	assert_int_equal(x->d->msix_fired, 2);
	/* vectors past the table, offsets past the table: ignored */
	pci_msix_notify(x->d, 3);
	pci_msix_notify(x->d, 1000000);
	assert_int_equal(x->d->msix_fired, 2);
	v = 0;
	host_mmio(&x->f->h, 0xc0004030u + 12, true, (uint8_t *)&v, 4);
	host_mmio(&x->f->h, 0xc0004ffcu, true, (uint8_t *)&v, 4);
	assert_int_equal(x->d->msix_fired, 2);
	/* a table access straddling the end is cut at the end */
	memset(b, 0xee, 8);
	host_mmio(&x->f->h, 0xc000402cu, true, b, 8);
	host_mmio(&x->f->h, 0xc000402cu, false, b, 4);
	assert_int_equal(b[0], 0); /* 0xee & 1 == 0: unmasked vector 2 */
	/* vector 0 unmasked: its pending bit fires */
	v = 0;
	host_mmio(&x->f->h, 0xc000400cu, true, (uint8_t *)&v, 4);
	assert_int_equal(x->d->msix_fired, 3);
	host_mmio(&x->f->h, 0xc0005000u, false, b, 8);
	assert_int_equal(b[0], 0);
}

static void intx_level(void **state)
{
	struct fx *x = *state;
	int gsi = pci_intx_gsi(x->d);

	/* slot 5, INTA: GSI 16 + (5 + 0) % 4 = 17 */
	assert_int_equal(gsi, 17);
	assert_int_equal(cfg_rd(x, DEVFN, PCI_INTERRUPT_PIN, 1), 1);
	cfg_wr(x, DEVFN, PCI_INTERRUPT_LINE, 1, 11); /* OVMF's swizzle */
	assert_int_equal(cfg_rd(x, DEVFN, PCI_INTERRUPT_LINE, 1), 11);
	pci_intx(x->d, true);
	assert_int_equal(x->f->irq[gsi], 1);
	assert_true(cfg_rd(x, DEVFN, PCI_STATUS, 2) & PCI_STATUS_INTX);
	/* INTx disable drops the line, the status bit stays */
	cfg_wr(x, DEVFN, PCI_COMMAND, 2, PCI_CMD_INTX_DISABLE);
	assert_int_equal(x->f->irq[gsi], 0);
	assert_true(cfg_rd(x, DEVFN, PCI_STATUS, 2) & PCI_STATUS_INTX);
	cfg_wr(x, DEVFN, PCI_COMMAND, 2, 0);
	assert_int_equal(x->f->irq[gsi], 1);
	/* a second device on the same line: the line is their OR */
	{
		struct pci_dev *e =
			pci_dev_new(x->f->h.pci, 9, 0, 1, 2, 0, 0, "e");

		pci_dev_set_pin(e, 1); /* 16 + 9 % 4 = 17 */
		pci_intx(e, true);
		pci_intx(x->d, false);
		assert_int_equal(x->f->irq[gsi], 1);
		pci_intx(e, false);
		assert_int_equal(x->f->irq[gsi], 0);
		pci_dev_free(e);
	}
	assert_int_equal(x->f->irq_edges[gsi], 2);
}

/* charlie's own placement: BARs in the 32-bit pool, decoding on. */
static void place_assigns_and_decodes(void **state)
{
	struct fx *x = *state;
	uint32_t lo;

	assert_int_equal(pci_dev_place(x->d), 0);
	lo = cfg_rd(x, DEVFN, 0x10, 4);
	assert_int_equal(lo & 0xf, PCI_BAR_MEM_64);
	assert_true((lo & ~0xfu) >= PCI_MEM32_PLACE_START);
	assert_int_equal((lo & ~0xfu) % 0x8000, 0);
	assert_true(mmio_decoded(x, lo & ~0xfu));
	assert_true(cfg_rd(x, DEVFN, 0x1c, 4) >= PCI_IO_WINDOW_START);
	assert_int_equal(cfg_rd(x, DEVFN, PCI_COMMAND, 2) & 3, 3);
}

static void reset_control_cf9(void **state)
{
	struct fx *x = *state;
	uint8_t v = 0x02;

	host_pio(&x->f->h, 0xcf9, true, &v, 1);
	assert_int_equal(x->f->end, CHARLIE_STOP_NONE);
	v = 0x06;
	host_pio(&x->f->h, 0xcf9, true, &v, 1);
	assert_int_equal(x->f->end, CHARLIE_STOP_REBOOT);
}

/* Every offset, every width, random values, on every function: the
 * identity of the platform survives and nothing ends the VM. */
static void config_fuzz(void **state)
{
	struct fx *x = *state;
	unsigned int rnd = 7;
	static const unsigned int fns[] = {0, 1 << 3, 1 << 3 | 3, DEVFN,
					   2 << 3};

	for (unsigned int k = 0; k < 20000; k++) {
		unsigned int devfn = fns[k % 5], off, size;
		uint32_t val;

		rnd = rnd * 1103515245u + 12345u;
		off = (rnd >> 8) & 0xff;
		size = 1u << ((rnd >> 4) & 3);
		if (size > 4)
			size = 4;
		val = rnd ^ (k << 13);
		if (k % 7 == 0)
			val = 0xffffffffu;
		if (off + size > 256)
			size = 1;
		cfg_wr(x, devfn, off, size, val);
		(void)cfg_rd(x, devfn, off, size);
	}
	assert_int_equal(cfg_rd(x, 0, 0, 4), 0x12378086);
	assert_int_equal(cfg_rd(x, 1 << 3 | 3, 0x40, 4), 0xb001);
	assert_int_equal(x->f->end, CHARLIE_STOP_NONE);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(cf8_reads_back),
		T(i440fx_identity),
		T(header_read_only_bits),
		T(bar_sizing),
		T(bar_moves_windows),
		T(bad_bars_not_decoded),
		T(msix_table_and_pba),
		T(intx_level),
		T(place_assigns_and_decodes),
		T(reset_control_cf9),
		T(config_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
