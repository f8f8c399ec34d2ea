// SPDX-License-Identifier: MIT
/*
 * Intel MultiProcessor Specification 1.4 tables, so a guest without ACPI
 * finds its CPUs and the I/O APIC.  Written into the BIOS area at
 * X86_MPTABLE_ADDR, which the kernel scans for the "_MP_" floating
 * pointer (and which the e820 map marks reserved).
 */
#include "vm.h"
#include "arch/x86/layout.h"

#include <errno.h>
#include <string.h>

#define APIC_VERSION 0x14
#define IOAPIC_ADDR  0xfec00000u
#define LAPIC_ADDR   0xfee00000u
/* All 24 I/O APIC pins: 0-15 as on a PC, 16-23 for virtio-mmio devices
 * (host_alloc_irq), which a kernel without ACPI finds only here
 * (Firecracker lists every pin the same way). */
#define ISA_IRQS 24

struct __attribute__((packed)) mpf {
	char sig[4];
	uint32_t physptr;
	uint8_t length, specrev, checksum, feature1;
	uint8_t feature2, feature3, feature4, feature5;
};

struct __attribute__((packed)) mpc_hdr {
	char sig[4];
	uint16_t length;
	uint8_t spec, checksum;
	char oem[8], product[12];
	uint32_t oemptr;
	uint16_t oemsize, count;
	uint32_t lapic;
	uint16_t reserved;
	uint8_t xchecksum, reserved2;
};

struct __attribute__((packed)) mpc_cpu {
	uint8_t type, apicid, apicver, cpuflag;
	uint32_t cpufeature, featureflag, reserved[2];
};

struct __attribute__((packed)) mpc_bus {
	uint8_t type, busid;
	char bustype[6];
};

struct __attribute__((packed)) mpc_ioapic {
	uint8_t type, apicid, apicver, flags;
	uint32_t apicaddr;
};

struct __attribute__((packed)) mpc_intsrc {
	uint8_t type, irqtype;
	uint16_t irqflag;
	uint8_t srcbus, srcbusirq, dstapic, dstirq;
};

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return (uint8_t)-s;
}

int x86_write_mptable(struct vm *vm)
{
	unsigned int n = vm->nr_vcpus;
	size_t len = sizeof(struct mpf) + sizeof(struct mpc_hdr) +
		     n * sizeof(struct mpc_cpu) + sizeof(struct mpc_bus) +
		     sizeof(struct mpc_ioapic) +
		     (ISA_IRQS + 2) * sizeof(struct mpc_intsrc);
	uint8_t *base = gm_ptr(&vm->gm, X86_MPTABLE_ADDR, len);
	struct mpf *mpf;
	struct mpc_hdr *h;
	uint8_t *p;
	uint8_t ioapic_id = (uint8_t)n;

	if (!base || X86_MPTABLE_ADDR + len > X86_BIOS_END)
		return -ENOSPC;
	memset(base, 0, len);
	mpf = (struct mpf *)base;
	h = (struct mpc_hdr *)(mpf + 1);
	p = (uint8_t *)(h + 1);

	for (unsigned int i = 0; i < n; i++) {
		struct mpc_cpu c = {
			.type = 0,
			.apicid = (uint8_t)i,
			.apicver = APIC_VERSION,
			.cpuflag = (uint8_t)(1 | (i == 0 ? 2 : 0)),
			.cpufeature = 0x600,  /* family 6 */
			.featureflag = 0x201, /* FPU, APIC */
		};
		memcpy(p, &c, sizeof(c));
		p += sizeof(c);
	}
	struct mpc_bus bus = {.type = 1, .busid = 0};
	memcpy(bus.bustype, "ISA   ", 6);
	memcpy(p, &bus, sizeof(bus));
	p += sizeof(bus);
	struct mpc_ioapic io = {
		.type = 2,
		.apicid = ioapic_id,
		.apicver = APIC_VERSION,
		.flags = 1,
		.apicaddr = IOAPIC_ADDR,
	};
	memcpy(p, &io, sizeof(io));
	p += sizeof(io);
	for (uint8_t irq = 0; irq < ISA_IRQS; irq++) {
		struct mpc_intsrc s = {
			.type = 3,    /* I/O interrupt */
			.irqtype = 0, /* INT */
			.irqflag = 0, /* conforms to the bus: edge, high */
			.srcbus = 0,
			.srcbusirq = irq,
			.dstapic = ioapic_id,
			/* ISA IRQ n on pin n, IRQ0 too: KVM's default GSI
			 * routing (kept by charlie) raises the in-kernel
			 * PIT on pin 0, not pin 2 as on a PC; see the MADT */
			.dstirq = irq,
		};
		memcpy(p, &s, sizeof(s));
		p += sizeof(s);
	}
	/* Local interrupts: ExtINT on LINT0, NMI on LINT1, all LAPICs. */
	for (uint8_t lint = 0; lint < 2; lint++) {
		struct mpc_intsrc s = {
			.type = 4,
			.irqtype = lint == 0 ? 3 : 1,
			.srcbus = 0,
			.dstapic = 0xff,
			.dstirq = lint,
		};
		memcpy(p, &s, sizeof(s));
		p += sizeof(s);
	}

	memcpy(h->sig, "PCMP", 4);
	h->length = (uint16_t)(p - (uint8_t *)h);
	h->spec = 4;
	memcpy(h->oem, "CHARLIE ", 8);
	memcpy(h->product, "MICROVM     ", 12);
	h->count = (uint16_t)(n + 1 + 1 + ISA_IRQS + 2);
	h->lapic = LAPIC_ADDR;
	h->checksum = checksum((uint8_t *)h, h->length);

	memcpy(mpf->sig, "_MP_", 4);
	mpf->physptr = (uint32_t)(X86_MPTABLE_ADDR + sizeof(*mpf));
	mpf->length = 1; /* in 16-byte units */
	mpf->specrev = 4;
	mpf->checksum = checksum((uint8_t *)mpf, sizeof(*mpf));
	return 0;
}
