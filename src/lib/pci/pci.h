/* SPDX-License-Identifier: MIT */
/*
 * The PCI platform's core (PCI Local Bus 3.0, PCI-to-PCI and MSI-X as in
 * PCI 3.0 section 6.8.2): configuration mechanism #1 through 0xCF8/0xCFC
 * (bus 0 only, 32 slots x 8 functions), type-0 headers with per-byte
 * writable and write-1-to-clear masks, BAR sizing and decoding on the
 * host buses, a capability list, INTx on GSIs 16-19 and MSI-X delivered
 * by KVM GSI routing (MSI entries) plus irqfd.
 *
 * Everything the guest writes is untrusted: config offsets are bounded
 * by the 256-byte space, BARs are decoded only where they fit (not over
 * RAM, not over another window, not past the address limit: refused
 * silently, said once per second), MSI-X table offsets are bounded by
 * the table.  Functions nobody implements read as all ones.
 *
 * Locking: one mutex per PCI platform (`pci->lock`) guards every
 * header, the CF8 latch and the MSI-X state.  A transport may call
 * pci_intx()/pci_msix_notify() with its own device lock held (order:
 * device lock, then pci->lock); the core never calls a device back with
 * pci->lock held except through pci_dev_ops, which must not take it.
 */
#ifndef CHARLIE_PCI_H
#define CHARLIE_PCI_H

#include "host.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PCI_CFG_SIZE   256
#define PCI_NR_BARS    6
#define PCI_NR_DEVFN   256
#define PCI_MSIX_MAX   64
#define PCI_INTX_GSI   16 /* INTA..INTD of slot 0 -> GSI 16..19 (_PRT) */
#define PCI_INTX_LINES 4

/* Type-0 header offsets (PCI 3.0 section 6.1). */
#define PCI_VENDOR_ID	   0x00
#define PCI_DEVICE_ID	   0x02
#define PCI_COMMAND	   0x04
#define PCI_STATUS	   0x06
#define PCI_REVISION	   0x08
#define PCI_CLASS_PROG	   0x09
#define PCI_HEADER_TYPE	   0x0e
#define PCI_BAR0	   0x10
#define PCI_SUBSYS_VENDOR  0x2c
#define PCI_SUBSYS_ID	   0x2e
#define PCI_ROM		   0x30
#define PCI_CAP_PTR	   0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d

#define PCI_CMD_IO	     0x0001
#define PCI_CMD_MEM	     0x0002
#define PCI_CMD_MASTER	     0x0004
#define PCI_CMD_PARITY	     0x0040
#define PCI_CMD_SERR	     0x0100
#define PCI_CMD_INTX_DISABLE 0x0400
#define PCI_STATUS_INTX	     0x0008
#define PCI_STATUS_CAP_LIST  0x0010

#define PCI_CAP_ID_MSIX	  0x11
#define PCI_CAP_ID_VENDOR 0x09
#define PCI_MSIX_ENABLE	  0x8000 /* Message Control bits */
#define PCI_MSIX_MASKALL  0x4000

/* BAR low bits (section 6.2.5.1). */
#define PCI_BAR_SPACE_IO   0x1
#define PCI_BAR_MEM_64	   0x4
#define PCI_BAR_MEM_PREFET 0x8

enum pci_bar_type {
	PCI_BAR_NONE = 0,
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64, /* takes this BAR and the next */
};

struct pci_bar {
	enum pci_bar_type type;
	uint64_t size; /* a power of two */
	const struct bus_ops *ops;
	void *opaque;
	bool decoded;  /* a window is on the host bus */
	uint64_t addr; /* ... at this address */
	bool refused;  /* the last placement was refused (said once) */
};

struct pci_dev;

struct pci_dev_ops {
	/* BAR `bar` is now decoded at `addr`, or no longer decoded. */
	void (*bar_update)(struct pci_dev *d, unsigned int bar, bool decoded,
			   uint64_t addr);
	/* The guest wrote [off, off + size) (already stored, masked). */
	void (*cfg_written)(struct pci_dev *d, unsigned int off,
			    unsigned int size);
};

struct pci_msix_vec {
	uint8_t entry[16]; /* addr lo, addr hi, data, vector control */
	int gsi;	   /* KVM GSI of its MSI route; -1 none */
	int efd;	   /* irqfd on gsi */
	bool routed;	   /* the route holds routed_addr/data */
	uint64_t routed_addr;
	uint32_t routed_data;
};

struct pci;

struct pci_dev {
	struct pci *pci;
	uint8_t devfn;
	char name[24];
	uint8_t cfg[PCI_CFG_SIZE], wmask[PCI_CFG_SIZE], w1c[PCI_CFG_SIZE];
	struct pci_bar bar[PCI_NR_BARS];
	const struct pci_dev_ops *ops;
	void *opaque;
	uint8_t cap_next; /* where the next capability goes (0x40 up) */
	uint8_t cap_last; /* offset of the last capability (0: none) */
	/* INTx: the device's wish, and the line as driven */
	bool intx_level, intx_asserted;
	/* MSI-X (0 vectors: none) */
	unsigned int msix_nr, msix_cap, msix_bar;
	uint32_t msix_table, msix_pba; /* offsets in the BAR */
	struct pci_msix_vec *msix;
	uint64_t msix_pending[PCI_MSIX_MAX / 64];
	unsigned int msix_fired; /* statistics, tests */
};

struct pci {
	struct host *h;
	pthread_mutex_t lock;
	uint32_t cf8;
	uint8_t rcr; /* 0xCF9 reset control */
	struct pci_dev *dev[PCI_NR_DEVFN];
	/* charlie's own BAR placement (no firmware) */
	uint64_t mem32_next, mem32_end;
	uint32_t io_next;
	uint64_t addr_limit; /* 1 << physical address bits */
	unsigned int intx_count[PCI_INTX_LINES];
	struct ratelimit rl;
};

/* The windows the host bridge forwards (ACPI _CRS of PCI0) and where
 * charlie places BARs itself when no firmware does (from the bottom of
 * the 32-bit window; Linux keeps what it finds inside _CRS). */
#define PCI_IO_WINDOW_START    0xc000
#define PCI_IO_WINDOW_END      0xffff /* inclusive */
#define PCI_MEM32_PLACE_START  0xc0000000ull
#define PCI_MEM32_PLACE_END    0xd0000000ull   /* the virtio-mmio pool */
#define PCI_MEM32_WINDOW_END   0xfc000000ull   /* exclusive; OVMF's limit */
#define PCI_MEM64_WINDOW_START 0x8000000000ull /* 512 GiB */

/* Creates the platform (0xCF8-0xCFF) on `h` (h->pci). */
int pci_init(struct host *h);
void pci_free(struct host *h);

/* A new function: `slot` -1 takes the first free slot from 2 up; `fn`
 * 0..7.  `class_rev` is class << 8 | revision (e.g. 0x06000002).  NULL
 * when the slot is taken or out of memory. */
struct pci_dev *pci_dev_new(struct pci *p, int slot, unsigned int fn,
			    uint16_t vendor, uint16_t device,
			    uint32_t class_rev, uint8_t header_type,
			    const char *name);
void pci_dev_free(struct pci_dev *d);
/* Declares BAR `bar` (size a power of two: >= 4 for I/O, >= 16 for
 * memory; MEM64 also takes bar + 1). */
int pci_dev_set_bar(struct pci_dev *d, unsigned int bar, enum pci_bar_type type,
		    uint64_t size, const struct bus_ops *ops, void *opaque);
/* Places every BAR in charlie's pool and enables decoding (firmware-free
 * boot; firmware that enumerates moves them as it likes). */
int pci_dev_place(struct pci_dev *d);
/* Appends a capability of `len` bytes (its id and next pointer
 * included); returns its offset or 0 when the space is full. */
unsigned int pci_dev_add_cap(struct pci_dev *d, uint8_t id, unsigned int len);
/* INTx pin 1..4 (INTA..INTD): the line is GSI 16 + (slot + pin - 1) % 4. */
void pci_dev_set_pin(struct pci_dev *d, unsigned int pin);
int pci_intx_gsi(const struct pci_dev *d);
/* Drives the INTx line (level; shared lines are ORed). */
void pci_intx(struct pci_dev *d, bool level);

/* MSI-X: `nr` vectors, table and PBA at these offsets of BAR `bar`
 * (the BAR's handler forwards accesses to pci_msix_access). */
int pci_dev_add_msix(struct pci_dev *d, unsigned int nr, unsigned int bar,
		     uint32_t table_off, uint32_t pba_off);
/* An access at `off` of the MSI-X BAR: true when it fell in the table or
 * the PBA (handled), false otherwise. */
bool pci_msix_access(struct pci_dev *d, uint64_t off, bool is_write,
		     uint8_t *data, unsigned int size);
bool pci_msix_enabled(struct pci_dev *d);
/* Signals vector `vec`: delivered, or pending while masked.  Vectors
 * past the table are ignored. */
void pci_msix_notify(struct pci_dev *d, unsigned int vec);

/* Config-space access as the guest sees it (for tests and ECAM). */
void pci_cfg_read(struct pci *p, unsigned int devfn, unsigned int off,
		  uint8_t *data, unsigned int size);
void pci_cfg_write(struct pci *p, unsigned int devfn, unsigned int off,
		   const uint8_t *data, unsigned int size);

/* Physical address bits of this host's CPUs (CPUID 0x80000008). */
unsigned int pci_phys_bits(void);

#endif
