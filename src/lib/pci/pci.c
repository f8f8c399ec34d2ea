// SPDX-License-Identifier: MIT
/*
 * The PCI core (pci.h): configuration mechanism #1, headers, BARs on the
 * host buses, capabilities, INTx and MSI-X.
 */
#include "pci/pci.h"
#include "gm.h"

#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define CF8_ENABLE 0x80000000u

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static void set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void set32(uint8_t *p, uint32_t v)
{
	set16(p, (uint16_t)v);
	set16(p + 2, (uint16_t)(v >> 16));
}

unsigned int pci_phys_bits(void)
{
	unsigned int a, b, c, d;

	if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000008 &&
	    __get_cpuid(0x80000008, &a, &b, &c, &d) && (a & 0xff) >= 36 &&
	    (a & 0xff) <= 52)
		return a & 0xff;
	return 36;
}

/* ---- BAR decoding ---- */

static uint64_t bar_addr(const struct pci_dev *d, unsigned int i)
{
	const struct pci_bar *b = &d->bar[i];
	uint32_t lo = get32(&d->cfg[PCI_BAR0 + 4 * i]);

	switch (b->type) {
	case PCI_BAR_IO:
		return lo & ~3u;
	case PCI_BAR_MEM32:
		return lo & ~15u;
	case PCI_BAR_MEM64:
		return (lo & ~15ull) |
		       (uint64_t)get32(&d->cfg[PCI_BAR0 + 4 * (i + 1)]) << 32;
	default:
		return 0;
	}
}

/* Why a BAR at `addr` cannot decode, or NULL when it can (before the bus
 * itself checks overlaps with other windows). */
static const char *bar_refusal(struct pci_dev *d, unsigned int i, uint64_t addr)
{
	const struct pci_bar *b = &d->bar[i];
	const struct gm *gm = d->pci->h->gm;

	if (!addr)
		return "at address 0";
	if (b->type == PCI_BAR_IO)
		return addr + b->size > 0x10000 ? "past the I/O space" : NULL;
	if (addr >= d->pci->addr_limit || b->size > d->pci->addr_limit - addr)
		return "past the physical address limit";
	for (unsigned int r = 0; gm && r < gm->nr; r++)
		if (addr < gm->r[r].gpa + gm->r[r].size &&
		    gm->r[r].gpa < addr + b->size)
			return "over guest RAM";
	return NULL;
}

/* With p->lock held: brings BAR i's window in line with its register and
 * the command register. */
static void bar_update(struct pci_dev *d, unsigned int i)
{
	struct pci_bar *b = &d->bar[i];
	struct host *h = d->pci->h;
	struct bus *bus = b->type == PCI_BAR_IO ? &h->pio : &h->mmio;
	uint16_t cmd = get16(&d->cfg[PCI_COMMAND]);
	bool on = cmd & (b->type == PCI_BAR_IO ? PCI_CMD_IO : PCI_CMD_MEM);
	uint64_t addr = bar_addr(d, i);
	const char *why = NULL;
	int ret;

	if (b->type == PCI_BAR_NONE)
		return;
	if (on)
		why = bar_refusal(d, i, addr);
	if (b->decoded && on && !why && b->addr == addr)
		return;
	if (b->decoded) {
		bus_remove(bus, b->addr, b->opaque);
		b->decoded = false;
		if (d->ops && d->ops->bar_update)
			d->ops->bar_update(d, i, false, b->addr);
	}
	if (!on)
		return;
	if (!why) {
		ret = bus_add(bus, addr, b->size, d->name, b->ops, b->opaque);
		if (ret == 0) {
			b->decoded = true;
			b->addr = addr;
			b->refused = false;
			if (d->ops && d->ops->bar_update)
				d->ops->bar_update(d, i, true, addr);
			return;
		}
		why = ret == -EEXIST ? "over another device's window"
				     : "outside the bus";
	}
	/* Not decoded.  Said once per placement, rate-limited: firmware
	 * sizes BARs with decoding on, which lands them at the top. */
	if (!b->refused)
		host_log_ratelimited(h, &d->pci->rl, CHARLIE_LOG_DEBUG,
				     "pci %s: BAR %u at 0x%llx (0x%llx bytes) "
				     "%s: not decoded",
				     d->name, i, (unsigned long long)addr,
				     (unsigned long long)b->size, why);
	b->refused = true;
}

static void bars_update(struct pci_dev *d)
{
	for (unsigned int i = 0; i < PCI_NR_BARS; i++)
		bar_update(d, i);
}

/* ---- INTx ---- */

int pci_intx_gsi(const struct pci_dev *d)
{
	unsigned int pin = d->cfg[PCI_INTERRUPT_PIN];

	if (pin < 1 || pin > 4)
		return -1;
	return PCI_INTX_GSI + (int)(((d->devfn >> 3) + pin - 1) % 4);
}

/* With p->lock held. */
static void intx_drive(struct pci_dev *d)
{
	struct pci *p = d->pci;
	int gsi = pci_intx_gsi(d);
	bool want = d->intx_level &&
		    !(get16(&d->cfg[PCI_COMMAND]) & PCI_CMD_INTX_DISABLE);
	unsigned int line;

	/* Interrupt Status reflects the device's wish (section 6.2.3). */
	d->cfg[PCI_STATUS] = (uint8_t)((d->cfg[PCI_STATUS] & ~PCI_STATUS_INTX) |
				       (d->intx_level ? PCI_STATUS_INTX : 0));
	if (gsi < 0 || want == d->intx_asserted)
		return;
	line = (unsigned int)gsi - PCI_INTX_GSI;
	d->intx_asserted = want;
	if (want && p->intx_count[line]++ == 0)
		p->h->ops->irq_line(p->h, (unsigned int)gsi, 1);
	else if (!want && --p->intx_count[line] == 0)
		p->h->ops->irq_line(p->h, (unsigned int)gsi, 0);
}

void pci_intx(struct pci_dev *d, bool level)
{
	pthread_mutex_lock(&d->pci->lock);
	d->intx_level = level;
	intx_drive(d);
	pthread_mutex_unlock(&d->pci->lock);
}

void pci_dev_set_pin(struct pci_dev *d, unsigned int pin)
{
	d->cfg[PCI_INTERRUPT_PIN] = (uint8_t)(pin <= 4 ? pin : 0);
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

/* ---- MSI-X (PCI 3.0 section 6.8.2) ---- */

static bool msix_on(const struct pci_dev *d)
{
	return d->msix_nr &&
	       (get16(&d->cfg[d->msix_cap + 2]) & PCI_MSIX_ENABLE);
}

static bool vec_masked(const struct pci_dev *d, unsigned int v)
{
	return (get16(&d->cfg[d->msix_cap + 2]) & PCI_MSIX_MASKALL) ||
	       (d->msix[v].entry[12] & 1);
}

/* With p->lock held: the vector's KVM route follows its entry. */
static void vec_route(struct pci_dev *d, unsigned int v)
{
	struct pci_msix_vec *m = &d->msix[v];
	struct host *h = d->pci->h;
	uint64_t addr = get32(m->entry) | (uint64_t)get32(m->entry + 4) << 32;
	uint32_t data = get32(m->entry + 8);

	if (m->gsi < 0 ||
	    (m->routed && m->routed_addr == addr && m->routed_data == data))
		return;
	if (h->ops->msi_route &&
	    h->ops->msi_route(h, (unsigned int)m->gsi, addr, data) < 0) {
		host_log_ratelimited(h, &d->pci->rl, CHARLIE_LOG_WARN,
				     "pci %s: MSI-X vector %u: cannot route "
				     "0x%llx/0x%x",
				     d->name, v, (unsigned long long)addr,
				     data);
		m->routed = false;
		return;
	}
	m->routed = true;
	m->routed_addr = addr;
	m->routed_data = data;
}

/* With p->lock held. */
static void vec_fire(struct pci_dev *d, unsigned int v)
{
	uint64_t one = 1;

	vec_route(d, v);
	d->msix_fired++;
	if (d->msix[v].efd >= 0 && write(d->msix[v].efd, &one, sizeof(one)) < 0)
		(void)0; /* the counter cannot overflow in practice */
}

/* With p->lock held: pending vectors that are no longer masked fire. */
static void msix_unmasked(struct pci_dev *d)
{
	if (!msix_on(d))
		return;
	for (unsigned int v = 0; v < d->msix_nr; v++) {
		uint64_t bit = 1ull << (v % 64);

		if ((d->msix_pending[v / 64] & bit) && !vec_masked(d, v)) {
			d->msix_pending[v / 64] &= ~bit;
			vec_fire(d, v);
		}
	}
}

void pci_msix_notify(struct pci_dev *d, unsigned int vec)
{
	pthread_mutex_lock(&d->pci->lock);
	if (vec < d->msix_nr && msix_on(d)) {
		if (vec_masked(d, vec))
			d->msix_pending[vec / 64] |= 1ull << (vec % 64);
		else
			vec_fire(d, vec);
	}
	pthread_mutex_unlock(&d->pci->lock);
}

bool pci_msix_enabled(struct pci_dev *d)
{
	bool on;

	pthread_mutex_lock(&d->pci->lock);
	on = msix_on(d);
	pthread_mutex_unlock(&d->pci->lock);
	return on;
}

bool pci_msix_access(struct pci_dev *d, uint64_t off, bool is_write,
		     uint8_t *data, unsigned int size)
{
	uint64_t tlen = 16ull * d->msix_nr, plen = 8 * ((d->msix_nr + 63) / 64);

	if (!d->msix_nr)
		return false;
	pthread_mutex_lock(&d->pci->lock);
	if (off >= d->msix_table && off - d->msix_table < tlen) {
		uint64_t o = off - d->msix_table;

		/* byte by byte; the access may not leave the table */
		for (unsigned int i = 0; i < size && o + i < tlen; i++) {
			unsigned int v = (unsigned int)((o + i) / 16);
			unsigned int b = (unsigned int)((o + i) % 16);

			if (!is_write) {
				data[i] = d->msix[v].entry[b];
				continue;
			}
			/* vector control: only the mask bit is defined */
			d->msix[v].entry[b] = b == 12	? (uint8_t)(data[i] & 1)
					      : b >= 13 ? 0
							: data[i];
		}
		if (is_write) {
			unsigned int first = (unsigned int)(o / 16);

			for (unsigned int v = first;
			     v < d->msix_nr && 16ull * v < o + size; v++)
				if (!vec_masked(d, v) && msix_on(d))
					vec_route(d, v);
			msix_unmasked(d);
		}
	} else if (off >= d->msix_pba && off - d->msix_pba < plen) {
		uint64_t o = off - d->msix_pba;

		/* read-only (section 6.8.2.10): writes are ignored */
		for (unsigned int i = 0; !is_write && i < size && o + i < plen;
		     i++)
			data[i] = (uint8_t)(d->msix_pending[(o + i) / 8] >>
					    (8 * ((o + i) % 8)));
	} else {
		pthread_mutex_unlock(&d->pci->lock);
		return false;
	}
	pthread_mutex_unlock(&d->pci->lock);
	return true;
}

int pci_dev_add_msix(struct pci_dev *d, unsigned int nr, unsigned int bar,
		     uint32_t table_off, uint32_t pba_off)
{
	struct host *h = d->pci->h;
	unsigned int cap;

	if (!nr || nr > PCI_MSIX_MAX || bar >= PCI_NR_BARS || (table_off & 7) ||
	    (pba_off & 7))
		return -EINVAL;
	d->msix = calloc(nr, sizeof(*d->msix));
	if (!d->msix)
		return -ENOMEM;
	cap = pci_dev_add_cap(d, PCI_CAP_ID_MSIX, 12);
	if (!cap)
		return -ENOSPC;
	d->msix_nr = nr;
	d->msix_cap = cap;
	d->msix_bar = bar;
	d->msix_table = table_off;
	d->msix_pba = pba_off;
	set16(&d->cfg[cap + 2], (uint16_t)(nr - 1)); /* table size - 1 */
	set32(&d->cfg[cap + 4], table_off | bar);
	set32(&d->cfg[cap + 8], pba_off | bar);
	d->wmask[cap + 3] = (PCI_MSIX_ENABLE | PCI_MSIX_MASKALL) >> 8;
	for (unsigned int v = 0; v < nr; v++) {
		struct pci_msix_vec *m = &d->msix[v];

		m->entry[12] = 1; /* masked at reset (section 6.8.2.9) */
		m->gsi = host_alloc_msi_gsi(h);
		m->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (m->gsi < 0 || m->efd < 0)
			return m->efd < 0 ? -errno : -ENOSPC;
		if (h->ops->irqfd(h, (unsigned int)m->gsi, m->efd, true) < 0) {
			close(m->efd);
			m->efd = -1;
			return -EIO;
		}
	}
	return 0;
}

/* ---- headers and config space ---- */

unsigned int pci_dev_add_cap(struct pci_dev *d, uint8_t id, unsigned int len)
{
	unsigned int off = (d->cap_next + 3u) & ~3u;

	if (off < 0x40)
		off = 0x40;
	if (len < 2 || off + len > PCI_CFG_SIZE)
		return 0;
	d->cfg[off] = id;
	d->cfg[off + 1] = 0;
	if (d->cap_last)
		d->cfg[d->cap_last + 1] = (uint8_t)off;
	else
		d->cfg[PCI_CAP_PTR] = (uint8_t)off;
	d->cap_last = (uint8_t)off;
	d->cap_next = (uint8_t)(off + len < PCI_CFG_SIZE ? off + len : 0xff);
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	return off;
}

struct pci_dev *pci_dev_new(struct pci *p, int slot, unsigned int fn,
			    uint16_t vendor, uint16_t device,
			    uint32_t class_rev, uint8_t header_type,
			    const char *name)
{
	struct pci_dev *d;
	unsigned int devfn;

	if (fn > 7 || slot > 31)
		return NULL;
	if (slot < 0) {
		for (slot = 2; slot < 32 && p->dev[slot << 3]; slot++)
			;
		if (slot == 32)
			return NULL;
	}
	devfn = (unsigned int)slot << 3 | fn;
	if (p->dev[devfn])
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->pci = p;
	d->devfn = (uint8_t)devfn;
	snprintf(d->name, sizeof(d->name), "%s", name);
	set16(&d->cfg[PCI_VENDOR_ID], vendor);
	set16(&d->cfg[PCI_DEVICE_ID], device);
	set32(&d->cfg[PCI_REVISION], class_rev);
	d->cfg[PCI_HEADER_TYPE] = header_type;
	/* Command: I/O, memory, bus master, parity, SERR, INTx disable. */
	set16(&d->wmask[PCI_COMMAND],
	      PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_PARITY |
		      PCI_CMD_SERR | PCI_CMD_INTX_DISABLE);
	/* Status: the error bits are write-1-to-clear (never set here). */
	set16(&d->w1c[PCI_STATUS], 0xf900);
	d->wmask[0x0c] = 0xff; /* cache line size */
	d->wmask[0x0d] = 0xff; /* latency timer */
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	d->cap_next = 0x40;
	pthread_mutex_lock(&p->lock);
	p->dev[devfn] = d;
	pthread_mutex_unlock(&p->lock);
	return d;
}

void pci_dev_free(struct pci_dev *d)
{
	struct pci *p;
	struct host *h;

	if (!d)
		return;
	p = d->pci;
	h = p->h;
	pthread_mutex_lock(&p->lock);
	p->dev[d->devfn] = NULL;
	for (unsigned int i = 0; i < PCI_NR_BARS; i++)
		if (d->bar[i].decoded)
			bus_remove(d->bar[i].type == PCI_BAR_IO ? &h->pio
								: &h->mmio,
				   d->bar[i].addr, d->bar[i].opaque);
	d->intx_level = false;
	intx_drive(d);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int v = 0; v < d->msix_nr && d->msix; v++) {
		if (d->msix[v].efd < 0)
			continue;
		if (d->msix[v].gsi >= 0)
			h->ops->irqfd(h, (unsigned int)d->msix[v].gsi,
				      d->msix[v].efd, false);
		close(d->msix[v].efd);
	}
	free(d->msix);
	free(d);
}

int pci_dev_set_bar(struct pci_dev *d, unsigned int bar, enum pci_bar_type type,
		    uint64_t size, const struct bus_ops *ops, void *opaque)
{
	uint64_t mask;
	uint8_t low;

	if (bar >= PCI_NR_BARS || !size || (size & (size - 1)) ||
	    (type == PCI_BAR_MEM64 && bar + 1 >= PCI_NR_BARS) ||
	    (type == PCI_BAR_IO && (size < 4 || size > 256)) ||
	    (type != PCI_BAR_IO && (size < 16 || size > (1ull << 31))))
		return -EINVAL;
	d->bar[bar] = (struct pci_bar){
		.type = type, .size = size, .ops = ops, .opaque = opaque};
	mask = ~(size - 1);
	low = type == PCI_BAR_IO      ? PCI_BAR_SPACE_IO
	      : type == PCI_BAR_MEM64 ? PCI_BAR_MEM_64
				      : 0;
	set32(&d->cfg[PCI_BAR0 + 4 * bar], low);
	set32(&d->wmask[PCI_BAR0 + 4 * bar],
	      (uint32_t)mask & (type == PCI_BAR_IO ? 0xfffcu : ~15u));
	if (type == PCI_BAR_MEM64) {
		set32(&d->wmask[PCI_BAR0 + 4 * (bar + 1)], 0xffffffffu);
		d->bar[bar + 1].type = PCI_BAR_NONE;
	}
	return 0;
}

int pci_dev_place(struct pci_dev *d)
{
	struct pci *p = d->pci;
	uint16_t cmd = 0;

	pthread_mutex_lock(&p->lock);
	for (unsigned int i = 0; i < PCI_NR_BARS; i++) {
		struct pci_bar *b = &d->bar[i];
		uint64_t a;

		if (b->type == PCI_BAR_IO) {
			a = (p->io_next + b->size - 1) & ~(b->size - 1);
			if (a + b->size > PCI_IO_WINDOW_END + 1)
				goto full;
			p->io_next = (uint32_t)(a + b->size);
			set32(&d->cfg[PCI_BAR0 + 4 * i],
			      (uint32_t)a | PCI_BAR_SPACE_IO);
			cmd |= PCI_CMD_IO;
		} else if (b->type == PCI_BAR_MEM32 ||
			   b->type == PCI_BAR_MEM64) {
			a = (p->mem32_next + b->size - 1) & ~(b->size - 1);
			if (a + b->size > p->mem32_end)
				goto full;
			p->mem32_next = a + b->size;
			set32(&d->cfg[PCI_BAR0 + 4 * i],
			      (uint32_t)a |
				      (get32(&d->cfg[PCI_BAR0 + 4 * i]) & 15u));
			cmd |= PCI_CMD_MEM;
		}
	}
	set16(&d->cfg[PCI_COMMAND], get16(&d->cfg[PCI_COMMAND]) | cmd);
	bars_update(d);
	pthread_mutex_unlock(&p->lock);
	return 0;
full:
	pthread_mutex_unlock(&p->lock);
	return -ENOSPC;
}

/* With p->lock held. */
static void cfg_write_locked(struct pci *p, struct pci_dev *d, unsigned int off,
			     const uint8_t *data, unsigned int size)
{
	bool bars = false, cmd = false, msix = false;
	uint16_t old_cmd = get16(&d->cfg[PCI_COMMAND]);

	for (unsigned int i = 0; i < size && off + i < PCI_CFG_SIZE; i++) {
		unsigned int o = off + i;
		uint8_t v = data[i];

		d->cfg[o] = (uint8_t)((d->cfg[o] & ~d->wmask[o]) |
				      (v & d->wmask[o]));
		d->cfg[o] &= (uint8_t) ~(v & d->w1c[o]);
		if (o >= PCI_BAR0 && o < PCI_BAR0 + 4 * PCI_NR_BARS)
			bars = true;
		if (o == PCI_COMMAND || o == PCI_COMMAND + 1)
			cmd = true;
		if (d->msix_nr && o == d->msix_cap + 3)
			msix = true;
	}
	if (bars || (cmd && ((old_cmd ^ get16(&d->cfg[PCI_COMMAND])) &
			     (PCI_CMD_IO | PCI_CMD_MEM))))
		bars_update(d);
	if (cmd)
		intx_drive(d);
	if (msix) {
		for (unsigned int v = 0; v < d->msix_nr; v++)
			if (msix_on(d) && !vec_masked(d, v))
				vec_route(d, v);
		msix_unmasked(d);
	}
	if (d->ops && d->ops->cfg_written)
		d->ops->cfg_written(d, off, size);
}

void pci_cfg_read(struct pci *p, unsigned int devfn, unsigned int off,
		  uint8_t *data, unsigned int size)
{
	struct pci_dev *d;

	memset(data, 0xff, size);
	if (devfn >= PCI_NR_DEVFN || off >= PCI_CFG_SIZE)
		return;
	pthread_mutex_lock(&p->lock);
	d = p->dev[devfn];
	for (unsigned int i = 0; d && i < size && off + i < PCI_CFG_SIZE; i++)
		data[i] = d->cfg[off + i];
	pthread_mutex_unlock(&p->lock);
}

void pci_cfg_write(struct pci *p, unsigned int devfn, unsigned int off,
		   const uint8_t *data, unsigned int size)
{
	pthread_mutex_lock(&p->lock);
	if (devfn < PCI_NR_DEVFN && off < PCI_CFG_SIZE && p->dev[devfn])
		cfg_write_locked(p, p->dev[devfn], off, data, size);
	pthread_mutex_unlock(&p->lock);
}

/* ---- 0xCF8-0xCFF ---- */

/* 0xCF8 (4 bytes): CONFIG_ADDRESS, read back as written (OVMF saves and
 * restores it).  0xCF9 alone: the PIIX reset control register; bit 2
 * (RST_CPU) resets, as in QEMU's piix (0x06 is what firmware writes). */
static void cf8_read(void *opaque, uint64_t off, uint8_t *data, unsigned size)
{
	struct pci *p = opaque;

	pthread_mutex_lock(&p->lock);
	if (off == 0 && size == 4)
		set32(data, p->cf8);
	else if (off == 1 && size == 1)
		data[0] = p->rcr;
	pthread_mutex_unlock(&p->lock);
}

static void cf8_write(void *opaque, uint64_t off, const uint8_t *data,
		      unsigned size)
{
	struct pci *p = opaque;
	bool reset = false;

	pthread_mutex_lock(&p->lock);
	if (off == 0 && size == 4) {
		p->cf8 = get32(data);
	} else if (off == 1 && size == 1) {
		p->rcr = data[0] & 0x0a;
		reset = data[0] & 0x04;
	}
	pthread_mutex_unlock(&p->lock);
	if (reset)
		p->h->ops->request_end(p->h, CHARLIE_STOP_REBOOT,
				       "guest rebooted (reset control 0xCF9)");
}

static const struct bus_ops cf8_bus = {.read = cf8_read, .write = cf8_write};

/* 0xCFC-0xCFF: the data window for CONFIG_ADDRESS's function and dword;
 * bus 0 only (no bridges), every width at every byte. */
static bool cfc_target(struct pci *p, uint64_t off, unsigned int *devfn,
		       unsigned int *reg)
{
	uint32_t a = __atomic_load_n(&p->cf8, __ATOMIC_RELAXED);

	if (!(a & CF8_ENABLE) || ((a >> 16) & 0xff) != 0)
		return false;
	*devfn = (a >> 8) & 0xff;
	*reg = (a & 0xfc) + (unsigned int)off;
	return true;
}

static void cfc_read(void *opaque, uint64_t off, uint8_t *data, unsigned size)
{
	struct pci *p = opaque;
	unsigned int devfn, reg;

	if (cfc_target(p, off, &devfn, &reg))
		pci_cfg_read(p, devfn, reg, data, size);
}

static void cfc_write(void *opaque, uint64_t off, const uint8_t *data,
		      unsigned size)
{
	struct pci *p = opaque;
	unsigned int devfn, reg;

	if (cfc_target(p, off, &devfn, &reg))
		pci_cfg_write(p, devfn, reg, data, size);
}

static const struct bus_ops cfc_bus = {.read = cfc_read, .write = cfc_write};

int pci_init(struct host *h)
{
	struct pci *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	p->h = h;
	pthread_mutex_init(&p->lock, NULL);
	p->rl = (struct ratelimit)RATELIMIT_INIT(1000000000ull);
	p->mem32_next = PCI_MEM32_PLACE_START;
	p->mem32_end = PCI_MEM32_PLACE_END;
	p->io_next = PCI_IO_WINDOW_START;
	p->addr_limit = 1ull << pci_phys_bits();
	h->pci = p;
	ret = host_pio_add(h, 0xcf8, 4, "pci-cf8", &cf8_bus, p);
	if (!ret)
		ret = host_pio_add(h, 0xcfc, 4, "pci-cfc", &cfc_bus, p);
	return ret;
}

void pci_free(struct host *h)
{
	struct pci *p = h->pci;

	if (!p)
		return;
	bus_remove(&h->pio, 0xcf8, p);
	bus_remove(&h->pio, 0xcfc, p);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->rl.lock);
	free(p);
	h->pci = NULL;
}
