// SPDX-License-Identifier: MIT
/*
 * KVM set-up of a VM: /dev/kvm, the VM, guest RAM slots, the in-kernel
 * irqchip and PIT.
 */
#include "vm.h"
#include "err.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Addresses KVM needs for Intel's real-mode helpers; unused RAM-less
 * space just below the 4 GiB BIOS area (as QEMU and kvmtool do). */
#define KVM_IDENTITY_MAP_ADDR 0xfeffc000ull
#define KVM_TSS_ADDR	      0xfeffd000ull

int vm_open_kvm(struct vm *vm, struct charlie_error *err)
{
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "cannot open /dev/kvm: %s%s", strerror(errno),
			       errno == EACCES
				       ? " (add this user to the kvm group)"
			       : errno == ENOENT
				       ? " (no KVM: load kvm_intel or kvm_amd, "
					 "or enable virtualization)"
				       : "");
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "/dev/kvm speaks an unexpected API version");
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0)
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "/dev/kvm lacks KVM_CAP_IMMEDIATE_EXIT (Linux "
			       "4.11+ needed)");
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "KVM_CREATE_VM failed: %s", strerror(errno));
	return 0;
}

int vm_setup_memory(struct vm *vm, struct charlie_error *err)
{
	int ret = gm_init(&vm->gm, vm->cfg.memory);

	if (ret)
		return err_set(err, CHARLIE_E_HOST, "memory",
			       "memory: cannot map %llu MiB: %s",
			       (unsigned long long)(vm->cfg.memory >> 20),
			       strerror(-ret));
	for (unsigned int i = 0; i < vm->gm.nr; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.guest_phys_addr = vm->gm.r[i].gpa,
			.memory_size = vm->gm.r[i].size,
			.userspace_addr = (uintptr_t)vm->gm.r[i].host,
		};
		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return err_set(err, CHARLIE_E_KVM, "memory",
				       "KVM_SET_USER_MEMORY_REGION failed: %s",
				       strerror(errno));
	}
	return 0;
}

int vm_setup_irqchip(struct vm *vm, struct charlie_error *err)
{
	struct kvm_pit_config pit = {.flags = 0};
	uint64_t ident = KVM_IDENTITY_MAP_ADDR;

	/* Intel-only helpers; AMD and PVM may refuse, which is fine. */
	ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
	ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR);
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "KVM_CREATE_IRQCHIP failed: %s",
			       strerror(errno));
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "KVM_CREATE_PIT2 failed: %s", strerror(errno));
	return 0;
}

/*
 * KVM_SET_GSI_ROUTING replaces the whole table, so it carries KVM's
 * default irqchip routes (arch/x86/kvm/irq_comm.c: GSI 0-15 on the I/O
 * APIC pin of the same number and on the 8259s, 16-23 on the I/O APIC)
 * plus every MSI route set so far.  Called when a guest programs an
 * MSI-X vector (a few times per device at boot), never per interrupt.
 */
int vm_msi_route(struct vm *vm, unsigned int gsi, uint64_t addr, uint32_t data)
{
	size_t n = 0, max = 24 + 16 + HOST_MSI_GSI_MAX;
	struct kvm_irq_routing *r;
	int ret = 0;

	if (gsi < HOST_MSI_GSI_BASE ||
	    gsi - HOST_MSI_GSI_BASE >= HOST_MSI_GSI_MAX)
		return -EINVAL;
	r = calloc(1, sizeof(*r) + max * sizeof(r->entries[0]));
	if (!r)
		return -ENOMEM;
	pthread_mutex_lock(&vm->msi_lock);
	vm->msi[gsi - HOST_MSI_GSI_BASE] =
		(struct vm_msi){.used = true, .addr = addr, .data = data};
	for (unsigned int i = 0; i < 24; i++) {
		struct kvm_irq_routing_entry *e = &r->entries[n++];

		e->gsi = i;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e->u.irqchip.pin = i;
		if (i >= 16)
			continue;
		e = &r->entries[n++];
		e->gsi = i;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip =
			i < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
		e->u.irqchip.pin = i % 8;
	}
	for (unsigned int i = 0; i < HOST_MSI_GSI_MAX; i++) {
		struct kvm_irq_routing_entry *e;

		if (!vm->msi[i].used)
			continue;
		e = &r->entries[n++];
		e->gsi = HOST_MSI_GSI_BASE + i;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->u.msi.address_lo = (uint32_t)vm->msi[i].addr;
		e->u.msi.address_hi = (uint32_t)(vm->msi[i].addr >> 32);
		e->u.msi.data = vm->msi[i].data;
	}
	r->nr = (uint32_t)n;
	if (ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, r) < 0)
		ret = -errno;
	pthread_mutex_unlock(&vm->msi_lock);
	free(r);
	return ret;
}
