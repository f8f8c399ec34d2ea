// SPDX-License-Identifier: MIT
/*
 * The crash report: when a guest dies, say why (design.md section 2):
 * exit reason, RIP, the instruction bytes at RIP, key registers, the last
 * console lines, and a hint when one is known (PVM).
 * The bytes at RIP are found by walking the guest's page tables here
 * (x86_linear_to_gpa), every entry read through the checked guest memory
 * translator (gm_read), never through a raw pointer.  KVM_TRANSLATE is not
 * used: after a triple fault on AMD the vCPU has been reset, and it would
 * translate with the reset CR3/CR0 rather than the saved state at the
 * last exit that the report shows.
 */
#include "vm.h"

#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

struct buf {
	char *p;
	size_t size, len;
};

static void put(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= b->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
	if (b->len >= b->size)
		b->len = b->size - 1;
}

/* Linear -> guest-physical by walking the guest's page tables through the
 * checked translator (the tables are guest memory: every entry is read
 * with gm_read, never through a raw pointer).  Handles 4-level long mode,
 * 32-bit PAE and 32-bit two-level paging, with large pages. */
bool x86_linear_to_gpa(const struct gm *gm, const struct kvm_sregs *s,
		       uint64_t lin, uint64_t *gpa)
{
	const uint64_t addr_mask = 0x000ffffffffff000ull;
	uint64_t table, e = 0;
	int levels, shift;

	if (!(s->cr0 & 0x80000000ull)) {
		*gpa = lin & 0xffffffffull;
		return true;
	}
	if (!(s->cr4 & 0x20)) { /* 32-bit, two levels, 4 MiB pages (PSE) */
		uint32_t e32;

		table = s->cr3 & 0xfffff000ull;
		if (gm_read(gm, &e32, table + ((lin >> 22) & 0x3ff) * 4, 4) ||
		    !(e32 & 1))
			return false;
		if ((e32 & 0x80) && (s->cr4 & 0x10)) {
			*gpa = (e32 & 0xffc00000u) | (lin & 0x3fffff);
			return true;
		}
		table = e32 & 0xfffff000u;
		if (gm_read(gm, &e32, table + ((lin >> 12) & 0x3ff) * 4, 4) ||
		    !(e32 & 1))
			return false;
		*gpa = (e32 & 0xfffff000u) | (lin & 0xfff);
		return true;
	}
	if (s->efer & 0x400) {
		levels = 4;
		table = s->cr3 & addr_mask;
	} else { /* PAE: 4 PDPTEs at CR3 (32-byte aligned) */
		levels = 3;
		table = s->cr3 & 0xffffffe0ull;
	}
	for (int l = levels; l >= 1; l--) {
		shift = 12 + 9 * (l - 1);
		unsigned int idx =
			(unsigned int)((lin >> shift) &
				       (l == 3 && levels == 3 ? 3 : 511));

		if (gm_read(gm, &e, table + idx * 8ull, 8) || !(e & 1))
			return false;
		if (l == 1 || (l <= 3 && l > 1 && (e & 0x80) &&
			       !(l == 3 && levels == 3))) {
			uint64_t page = 1ull << shift;

			*gpa = (e & addr_mask & ~(page - 1)) |
			       (lin & (page - 1));
			return true;
		}
		table = e & addr_mask;
	}
	return false;
}

static const char *cpu_mode(const struct kvm_sregs *s)
{
	if (!(s->cr0 & 1))
		return "real mode";
	if (s->efer & 0x400)
		return s->cs.l ? "64-bit long mode" : "compatibility mode";
	return (s->cr0 & 0x80000000ull) ? "32-bit protected mode, paging"
					: "32-bit protected mode, no paging";
}

void x86_crash_report(struct vm *vm, struct vcpu *v, const char *what,
		      char *out, size_t size)
{
	struct buf b = {.p = out, .size = size};
	struct kvm_regs r;
	struct kvm_sregs s;
	bool have_regs, have_sregs;
	uint64_t lin, gpa;

	out[0] = 0;
	have_regs = ioctl(v->fd, KVM_GET_REGS, &r) == 0;
	have_sregs = ioctl(v->fd, KVM_GET_SREGS, &s) == 0;
	put(&b, "exit: %s\n", what);
	/* After a triple fault, KVM on AMD re-initialises the vCPU (the VMCB
	 * is undefined after a shutdown intercept), so what we read is the
	 * reset state.  Show the state at the last exit instead, and say so. */
	if (have_regs && have_sregs && r.rip == 0xfff0 &&
	    s.cs.selector == 0xf000) {
		if (v->have_last) {
			put(&b,
			    "note: KVM reset this vCPU when it crashed (AMD "
			    "re-initialises a vCPU on shutdown), so the "
			    "registers at the fault are lost; below is the "
			    "state at the last exit to charlie (exit reason "
			    "%u), just before the crash\n",
			    v->last_exit_reason);
			r = v->last_regs;
			s = v->last_sregs;
		} else {
			put(&b, "note: KVM reset this vCPU when it crashed and "
				"the guest never exited to charlie before, so "
				"no earlier state is known\n");
		}
	}
	if (have_regs && have_sregs) {
		lin = s.cs.base + r.rip;
		if (!(s.efer & 0x400) || !s.cs.l)
			lin &= 0xffffffffull;
		put(&b, "RIP: 0x%016llx (CS 0x%04x base 0x%llx, %s)\n",
		    (unsigned long long)r.rip, s.cs.selector,
		    (unsigned long long)s.cs.base, cpu_mode(&s));
		if (x86_linear_to_gpa(&vm->gm, &s, lin, &gpa)) {
			uint8_t code[16];
			/* stay within the page: the next may be unmapped */
			uint64_t n = 0x1000 - (gpa & 0xfff);

			if (n > sizeof(code))
				n = sizeof(code);
			if (gm_read(&vm->gm, code, gpa, n) == 0) {
				put(&b, "code at RIP (guest-physical 0x%llx):",
				    (unsigned long long)gpa);
				for (uint64_t i = 0; i < n; i++)
					put(&b, " %02x", code[i]);
				put(&b, "\n");
			} else {
				put(&b,
				    "code at RIP: guest-physical 0x%llx "
				    "is outside guest RAM\n",
				    (unsigned long long)gpa);
			}
		} else {
			put(&b, "code at RIP: linear 0x%llx is not mapped\n",
			    (unsigned long long)lin);
		}
		put(&b,
		    "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
		    "RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n"
		    "R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n"
		    "R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n"
		    "RFLAGS=%08llx CR0=%08llx CR2=%016llx CR3=%016llx "
		    "CR4=%08llx EFER=%llx\n"
		    "IDT base=%016llx limit=0x%x  GDT base=%016llx "
		    "limit=0x%x\n",
		    (unsigned long long)r.rax, (unsigned long long)r.rbx,
		    (unsigned long long)r.rcx, (unsigned long long)r.rdx,
		    (unsigned long long)r.rsi, (unsigned long long)r.rdi,
		    (unsigned long long)r.rbp, (unsigned long long)r.rsp,
		    (unsigned long long)r.r8, (unsigned long long)r.r9,
		    (unsigned long long)r.r10, (unsigned long long)r.r11,
		    (unsigned long long)r.r12, (unsigned long long)r.r13,
		    (unsigned long long)r.r14, (unsigned long long)r.r15,
		    (unsigned long long)r.rflags, (unsigned long long)s.cr0,
		    (unsigned long long)s.cr2, (unsigned long long)s.cr3,
		    (unsigned long long)s.cr4, (unsigned long long)s.efer,
		    (unsigned long long)s.idt.base, s.idt.limit,
		    (unsigned long long)s.gdt.base, s.gdt.limit);
	} else {
		put(&b, "registers: unavailable (KVM_GET_REGS/SREGS failed)\n");
	}
	{
		char tail[2048];

		vm_console_tail(vm, tail, sizeof(tail), 10);
		if (tail[0])
			put(&b, "last console lines:\n%s", tail);
		else
			put(&b, "last console lines: (the guest printed "
				"nothing)\n");
	}
	if (vm->is_pvm)
		put(&b, "hint: this /dev/kvm is PVM (module kvm_pvm): it "
			"emulates guest kernel code and lacks instructions "
			"stock kernels use (cmpxchg16b, xrstor, int3, popcnt, "
			"clac, fwait/fninit); only kernels built with "
			"CONFIG_PVM_GUEST run reliably here. Boot this kernel "
			"on hardware KVM or in the nested test host "
			"(testhost/run.sh).\n");
	else if (strstr(what, "triple fault"))
		put(&b, "hint: a triple fault means the guest took an "
			"exception it could not handle (often an early boot "
			"failure: wrong kernel for this CPU, or a bad "
			"command line); the console lines above show how far "
			"it got.\n");
	if (b.len && out[b.len - 1] == '\n')
		out[b.len - 1] = 0;
}
