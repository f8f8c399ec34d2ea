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
