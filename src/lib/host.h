/* SPDX-License-Identifier: MIT */
/*
 * What a device sees of the VM (design.md section 12): bus windows, the
 * event loop, interrupt helpers, guest memory, the configuration, and a
 * few services (console, ending the VM, events, rate-limited logging).
 * vm.c implements the ops; unit tests implement a fake without KVM.
 */
#ifndef CHARLIE_HOST_H
#define CHARLIE_HOST_H

#include "charlie.h"
#include "bus.h"
#include "loop.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gm;
struct host;
struct pci;
struct vsock_engine;
struct fw_files;
struct acpi_tables;

enum host_event {
	HOST_EV_BOOT_MARKER,	  /* the guest wrote the boot marker */
	HOST_EV_BUTTON_LISTENING, /* the guest enabled its power button */
	HOST_EV_BUTTON_PRESSED,	  /* a held press was delivered */
	HOST_EV_BUTTON_HELD,	  /* a press is held: nobody listens yet */
};

struct host_ops {
	/* Level of an interrupt line (GSI) of the in-kernel irqchip. */
	void (*irq_line)(struct host *h, unsigned int gsi, int level);
	/* KVM_IRQFD: `efd` raises `gsi` (edge); assign or deassign. */
	int (*irqfd)(struct host *h, unsigned int gsi, int efd, bool assign);
	/* KVM_IOEVENTFD: a guest write of `len` bytes at `addr` signals
	 * `efd` without an exit to userspace; `pio` for port I/O. */
	int (*ioeventfd)(struct host *h, uint64_t addr, unsigned int len,
			 bool pio, int efd, bool assign);
	/* Guest console output; never blocks (bounded, drops and counts). */
	void (*console_out)(struct host *h, const uint8_t *buf, size_t len);
	/* Ends the VM (the first reason wins). */
	void (*request_end)(struct host *h, enum charlie_stop_reason reason,
			    const char *summary);
	void (*event)(struct host *h, enum host_event ev);
	void (*log)(struct host *h, enum charlie_log_level lvl,
		    const char *line);
	/* Routes GSI `gsi` (from host_alloc_msi_gsi) to the MSI message
	 * `addr`/`data` (KVM_SET_GSI_ROUTING).  May be NULL (no MSI). */
	int (*msi_route)(struct host *h, unsigned int gsi, uint64_t addr,
			 uint32_t data);
	/* NIC `nic` got a new IPv4 address from DHCP (net/backend.h); called
	 * on the loop thread.  May be NULL. */
	void (*guest_ip)(struct host *h, unsigned int nic, const char *ip);
	/* Maps `size` bytes at `hva` as guest memory at `gpa` in memory slot
	 * `slot` (host_alloc_memslot); `readonly`: guest writes exit as MMIO
	 * (KVM_MEM_READONLY).  size 0 removes the slot.  May be NULL. */
	int (*memslot)(struct host *h, unsigned int slot, uint64_t gpa,
		       uint64_t size, void *hva, bool readonly);
};

/* A device the guest should find through firmware tables (ACPI DSDT) or
 * the command line: filled by devices, read by the ACPI builder. */
struct host_platdev {
	char hid[9];  /* "PNP0501", "LNRO0005" */
	char name[5]; /* AML name, 4 characters: "COM1", "VR00" */
	unsigned int uid;
	uint64_t mmio_base, mmio_len; /* 0 len: none */
	uint16_t pio_base, pio_len;   /* 0 len: none */
	int irq;		      /* -1: none */
	bool irq_level;		      /* level-triggered; false: edge */
};

/* Platform address plan (x86): RAM below 3 GiB (gm.h), then devices. */
#define HOST_MMIO_POOL_START 0xd0000000ull /* virtio-mmio windows, ... */
#define HOST_MMIO_POOL_END   0xfe000000ull /* below the I/O APIC */

#define HOST_MAX_PLATDEV 32
#define HOST_MMIO_WARNED 64

/* Something that can be pressed (the power button) and can say whether
 * the guest listens.  Registered by at most one device. */
struct host_button {
	void *opaque;
	/* Delivers a press now, or holds it until the guest listens.
	 * Returns 0, or -ENOTSUP when there is no button. */
	int (*press)(void *opaque);
	bool (*listening)(void *opaque);
};

/* Console input: the device that owns the guest's console. */
typedef void (*host_console_in_fn)(void *opaque, const uint8_t *buf,
				   size_t len);

struct host {
	const struct host_ops *ops;
	const struct charlie_config *cfg;
	struct gm *gm;
	struct loop *loop;
	struct bus pio, mmio;
	struct host_platdev platdev[HOST_MAX_PLATDEV];
	unsigned int nr_platdev;
	struct host_button button;
	host_console_in_fn console_in;
	void *console_in_opaque;
	char *cmdline_extra;   /* appended to the kernel command line */
	char *cmdline_noacpi;  /* appended too when the guest has no ACPI */
	uint64_t acpi_rsdp;    /* guest-physical; 0: no ACPI tables */
	uint64_t mmio_next;    /* host_alloc_mmio */
	unsigned int msi_next; /* host_alloc_msi_gsi */
	struct pci *pci;       /* the PCI platform (pci/pci.h), if any */
	unsigned int irq_next; /* host_alloc_irq */
	/* the vsock device's engine, if any (charlie_vm_vsock_*) */
	struct vsock_engine *vsock;
	/* unhandled accesses already logged */
	uint8_t pio_warned[65536 / 8];
	uint64_t mmio_warned[HOST_MMIO_WARNED];
	unsigned int nr_mmio_warned;
	pthread_mutex_t warn_lock;
	/* UEFI firmware boot (issue 12): the firmware files (fw/fw.h), the
	 * ACPI tables the ACPI device built (kept for fw_cfg), memory slots
	 * beyond RAM */
	struct fw_files *fw;
	struct acpi_tables *acpi_tables;
	unsigned int memslot_next;
	/* --trace-exits and the firmware stall watchdog (fw/trace.c) */
	struct host_trace *trace;
};

/* Memory slots 0..HOST_MEMSLOT_FIRST-1 are RAM's (vm_kvm.c). */
#define HOST_MEMSLOT_FIRST 8
unsigned int host_alloc_memslot(struct host *h);

/* Set up the parts every host has (buses, warn lock); ops by the caller. */
void host_init(struct host *h, const struct host_ops *ops,
	       const struct charlie_config *cfg, struct gm *gm,
	       struct loop *loop);
void host_free(struct host *h);

int host_pio_add(struct host *h, uint16_t base, uint16_t len, const char *name,
		 const struct bus_ops *ops, void *opaque);
int host_mmio_add(struct host *h, uint64_t base, uint64_t len, const char *name,
		  const struct bus_ops *ops, void *opaque);
/* Dispatch from the vCPU exits; unhandled accesses read as all ones and
 * are logged once per address (debug level). */
void host_pio(struct host *h, uint16_t port, bool is_write, uint8_t *data,
	      unsigned int size);
void host_mmio(struct host *h, uint64_t addr, bool is_write, uint8_t *data,
	       unsigned int size);

int host_describe(struct host *h, const struct host_platdev *d);
/* A free MMIO window of `size` bytes (a power of two, at most 16 MiB),
 * aligned to its size, from the device pool; 0 when the pool is full. */
uint64_t host_alloc_mmio(struct host *h, uint64_t size);
/* A free interrupt line for a device: I/O APIC pins 16..23 first, then
 * the ISA lines no platform device uses (5, 6, 7, 10, 11, 12, 14, 15);
 * -1 when none is left.  (0 PIT, 1 i8042, 3/4 COM, 8 RTC, 9 ACPI SCI.) */
int host_alloc_irq(struct host *h);
/* A GSI above the I/O APIC pins for an MSI route; -1 when none is left. */
#define HOST_MSI_GSI_BASE 24
#define HOST_MSI_GSI_MAX  256
int host_alloc_msi_gsi(struct host *h);
int host_cmdline_append(struct host *h, const char *s);
/* `s` is appended only when the guest will not read the ACPI tables
 * (none were built, or the command line says acpi=off): words that say
 * again what the DSDT already says. */
int host_cmdline_append_noacpi(struct host *h, const char *s);
/* Whether the command line `cmdline` turns ACPI off (acpi=off). */
bool host_cmdline_acpi_off(const char *cmdline);

void host_logf(struct host *h, enum charlie_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* At most one line per `interval_ns` (the first always passes); lines
 * suppressed in between are counted and said with the next one. */
struct ratelimit {
	uint64_t interval_ns, last_ns;
	unsigned int suppressed;
	pthread_mutex_t lock;
};
#define RATELIMIT_INIT(ns)                                                     \
	{                                                                      \
		.interval_ns = (ns), .lock = PTHREAD_MUTEX_INITIALIZER         \
	}
void host_log_ratelimited(struct host *h, struct ratelimit *rl,
			  enum charlie_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

uint64_t host_now_ns(void);

/* fw/trace.c: one line per access with --trace-exits; progress for the
 * firmware stall watchdog (a new port or MMIO page, console output). */
void host_trace_access(struct host *h, bool mmio, uint64_t addr, bool is_write,
		       const uint8_t *data, unsigned int size);
void host_trace_progress(struct host *h);

#endif
