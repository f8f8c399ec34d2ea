// SPDX-License-Identifier: MIT
/*
 * The PCI platform's personality: what Debian's OVMF looks for
 * (shared/research/ovmf-platform.md section 2.3), shaped like QEMU's
 * `pc` machine, which OVMF identifies by 00:00.0's device ID alone:
 *   00:00.0  i440FX host bridge  8086:1237, class 0600, no interrupt pin
 *   00:01.0  PIIX3 ISA bridge    8086:7000, class 0601, header type 0x80
 *            (multi-function, so 01.3 is enumerated); its command
 *            register keeps I/O and memory on (OVMF's SioBusDxe wants
 *            both); PIRQ route registers 0x60-0x63 accept writes
 *   00:01.3  PIIX4 PM            8086:7113, class 0680; PMBA (0x40)
 *            hardwired to 0xB001 and PMREGMISC (0x80) to 1, so OVMF
 *            finds its PM timer at 0xB008 and programs nothing
 * plus the reset control register at 0xCF9 (pci.c).  The ACPI PM block
 * itself (acpi/pm.c) moves to 0xB000 on this platform.
 */
#include "device.h"
#include "config.h"
#include "acpi/tables.h"
#include "pci/pci.h"

#include <errno.h>
#include <stdlib.h>

#define PIIX4_PMBA	0x40
#define PIIX4_PMREGMISC 0x80
#define PIIX3_PIRQRC	0x60

struct i440fx {
	struct host *h;
	struct pci_dev *host_bridge, *isa, *pm;
};

static unsigned int i440fx_count(const struct charlie_config *cfg)
{
	return config_pci_platform(cfg) ? 1 : 0;
}

static void i440fx_destroy(void *state)
{
	struct i440fx *s = state;

	pci_dev_free(s->pm);
	pci_dev_free(s->isa);
	pci_dev_free(s->host_bridge);
	pci_free(s->h);
	free(s);
}

static int i440fx_create(struct host *h, const void *param, unsigned int idx,
			 void **state, struct charlie_error *err)
{
	struct i440fx *s = calloc(1, sizeof(*s));
	struct pci *p;
	int ret;

	*state = s;
	if (!s)
		return -ENOMEM;
	s->h = h;
	ret = pci_init(h);
	if (ret)
		return ret;
	p = h->pci;
	/* INTA-INTD (_PRT): GSIs 16-19, kept from the allocator that gives
	 * virtio-mmio devices their lines. */
	for (int i = 0; i < PCI_INTX_LINES; i++)
		if (host_alloc_irq(h) != PCI_INTX_GSI + i)
			return -EBUSY;
	s->host_bridge =
		pci_dev_new(p, 0, 0, 0x8086, 0x1237, 0x06000002, 0, "i440fx");
	s->isa =
		pci_dev_new(p, 1, 0, 0x8086, 0x7000, 0x06010000, 0x80, "piix3");
	s->pm = pci_dev_new(p, 1, 3, 0x8086, 0x7113, 0x06800003, 0, "piix4-pm");
	if (!s->host_bridge || !s->isa || !s->pm)
		return -ENOMEM;
	/* The ISA bridge decodes the legacy ports and memory always. */
	s->isa->cfg[PCI_COMMAND] = PCI_CMD_IO | PCI_CMD_MEM;
	s->isa->wmask[PCI_COMMAND] &= (uint8_t) ~(PCI_CMD_IO | PCI_CMD_MEM);
	for (int i = 0; i < 4; i++) {
		s->isa->cfg[PIIX3_PIRQRC + i] = 0x80; /* routing disabled */
		s->isa->wmask[PIIX3_PIRQRC + i] = 0x8f;
	}
	s->pm->cfg[PIIX4_PMBA] = (ACPI_PCI_PM_BASE & 0xff) | 1;
	s->pm->cfg[PIIX4_PMBA + 1] = (uint8_t)(ACPI_PCI_PM_BASE >> 8);
	s->pm->cfg[PIIX4_PMREGMISC] = 1;
	s->pm->cfg[PCI_COMMAND] = PCI_CMD_IO;
	s->pm->wmask[PCI_COMMAND] &= (uint8_t)~PCI_CMD_IO;
	return 0;
}

const struct device_ops pci_i440fx_ops = {
	.name = "pci",
	.count = i440fx_count,
	.create = i440fx_create,
	.destroy = i440fx_destroy,
};
