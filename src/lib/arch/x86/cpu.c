// SPDX-License-Identifier: MIT
/*
 * Boot CPU state for the two entry paths:
 *  - 64-bit boot protocol (boot.rst "64-bit BOOT PROTOCOL"): long mode,
 *    paging on with an identity map covering the kernel and boot_params,
 *    __BOOT_CS 0x10 / __BOOT_DS 0x18 flat, RSI = boot_params;
 *  - PVH (xen/include/public/arch-x86/hvm/start_info.h): 32-bit protected
 *    mode, paging off, flat segments, EBX = hvm_start_info.
 * Secondary vCPUs are left in their reset state: the guest starts them
 * with INIT/SIPI through the in-kernel LAPIC.
 */
#include "vm.h"
#include "arch/x86/layout.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define CR0_PE	 0x1ull
#define CR0_ET	 0x10ull
#define CR0_PG	 0x80000000ull
#define CR4_PAE	 0x20ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull

#define MSR_IA32_MISC_ENABLE	0x1a0
#define MISC_ENABLE_FAST_STRING 0x1ull

/* GDT: null, 32-bit code (0x08), 64-bit code (0x10), data (0x18). */
static const uint64_t gdt[4] = {
	0,
	0x00cf9b000000ffffull,
	0x00af9b000000ffffull,
	0x00cf93000000ffffull,
};

int x86_write_page_tables(struct vm *vm)
{
	uint64_t pml4e = X86_PDPT_ADDR | 0x3;
	int ret;

	ret = gm_write(&vm->gm, X86_GDT_ADDR, gdt, sizeof(gdt));
	if (ret)
		return ret;
	/* Identity map the first 4 GiB with 2 MiB pages: 4 page directories. */
	ret = gm_write(&vm->gm, X86_PML4_ADDR, &pml4e, sizeof(pml4e));
	for (uint64_t i = 0; i < 4 && !ret; i++) {
		uint64_t pdpte = (X86_PD_ADDR + i * 0x1000) | 0x3;

		ret = gm_write(&vm->gm, X86_PDPT_ADDR + i * 8, &pdpte, 8);
	}
	for (uint64_t i = 0; i < 4 * 512 && !ret; i++) {
		uint64_t pde = (i << 21) | 0x83; /* present, writable, 2 MiB */

		ret = gm_write(&vm->gm, X86_PD_ADDR + i * 8, &pde, 8);
	}
	return ret;
}

static struct kvm_segment seg(uint16_t sel, uint8_t type, bool l, bool db)
{
	struct kvm_segment s = {
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = db,
		.s = 1,
		.l = l,
		.g = 1,
	};
	return s;
}

static int set_msrs(struct vcpu *v)
{
	/* header and entries in one buffer: kvm_msrs ends in a flexible array
	 */
	union {
		struct kvm_msrs hdr;
		uint8_t raw[sizeof(struct kvm_msrs) +
			    sizeof(struct kvm_msr_entry)];
	} m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.hdr.entries[0].index = MSR_IA32_MISC_ENABLE;
	m.hdr.entries[0].data = MISC_ENABLE_FAST_STRING;
	/* Not fatal: some hosts (PVM) may refuse; the kernel copes. */
	ioctl(v->fd, KVM_SET_MSRS, &m);
	return 0;
}

int x86_setup_boot_cpu(struct vm *vm, struct vcpu *v)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;
	bool lm = vm->entry.mode == BOOT_LINUX64;

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.gdt.base = X86_GDT_ADDR;
	sregs.gdt.limit = sizeof(gdt) - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cs = lm ? seg(X86_BOOT_CS, 0xb, true, false)
		      : seg(0x08, 0xb, false, true);
	sregs.ds = seg(X86_BOOT_DS, 0x3, false, true);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.tr.base = 0;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 0xb; /* 32/64-bit busy TSS */
	sregs.tr.present = 1;
	sregs.tr.s = 0;
	sregs.ldt.type = 0x2;
	sregs.ldt.present = 1;
	sregs.ldt.s = 0;
	sregs.ldt.limit = 0xffff;
	sregs.cr0 = CR0_PE | CR0_ET;
	if (lm) {
		sregs.cr3 = X86_PML4_ADDR;
		sregs.cr4 |= CR4_PAE;
		sregs.cr0 |= CR0_PG;
		sregs.efer |= EFER_LME | EFER_LMA;
	} else {
		sregs.cr4 = 0;
		sregs.efer = 0;
	}
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = vm->entry.rip;
	if (lm)
		regs.rsi = vm->entry.info;
	else
		regs.rbx = vm->entry.info;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;

	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	if (ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	return set_msrs(v);
}

int x86_setup_cpuid(struct vm *vm, struct vcpu *v)
{
	unsigned int nent = 128;
	struct kvm_cpuid2 *c;
	int ret = 0;

	for (;;) {
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c)
			return -ENOMEM;
		c->nent = nent;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		ret = -errno;
		free(c);
		if (ret != -E2BIG || nent >= 4096)
			return ret;
		nent *= 2;
		ret = 0;
	}
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			/* initial APIC ID and logical processor count */
			e->ebx = (e->ebx & 0x0000ffff) | (v->id << 24) |
				 ((vm->nr_vcpus & 0xff) << 16);
			e->ecx |= 1u << 31; /* hypervisor present */
			if (vm->nr_vcpus > 1)
				e->edx |= 1u << 28; /* HTT: multi-core */
			break;
		case 0xb:
		case 0x1f:
			e->edx = v->id; /* x2APIC ID */
			break;
		case 0x8000001f:
			/* AMD SEV/SME: a guest that sees SEV here (OVMF's
			 * reset vector) reads SEV MSRs before it has an
			 * IDT; charlie runs no encrypted guests (as QEMU) */
			e->eax = e->ebx = e->ecx = e->edx = 0;
			break;
		default:
			break;
		}
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
		ret = -errno;
	free(c);
	return ret;
}
