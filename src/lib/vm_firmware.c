// SPDX-License-Identifier: MIT
/*
 * --efi (issue 12): a VM whose boot vCPU starts at the firmware's reset
 * vector.  The checks replace the kernel's (vm_boot.c); the firmware
 * files live in vm->fw, seen by the devices through host->fw; the
 * variable store is saved when the VM stops (finish() in vm.c) and once
 * more at destroy, which costs nothing when it is clean.
 */
#include "vm.h"
#include "err.h"
#include "config.h"
#include "fw/trace.h"

#include <string.h>
#include <unistd.h>

static uint64_t boot_rip(void *opaque)
{
	struct vm *vm = opaque;
	struct vcpu *v = vm->vcpus;

	if (!v || !v->run || !v->sync_regs)
		return 0;
	/* A stalled guest may not exit at all: kick the boot vCPU out of
	 * KVM_RUN once, so the synced registers are the current ones. */
	vcpu_kick(v);
	usleep(50000);
	/* racy by design: a diagnostic from the last exit */
	return __atomic_load_n(&v->run->s.regs.regs.rip, __ATOMIC_RELAXED) +
	       __atomic_load_n(&v->run->s.regs.sregs.cs.base, __ATOMIC_RELAXED);
}

int vm_check_firmware(struct vm *vm, const struct charlie_config *user,
		      struct charlie_error *err)
{
	uint64_t initrd_size;
	int ret;

	ret = fw_check_boot_source(user, err);
	if (!ret)
		ret = config_check_basic(&vm->cfg, &initrd_size, err);
	if (!ret)
		ret = fw_files_open(&vm->cfg, &vm->fw, err);
	if (ret)
		return ret;
	vm->host.fw = &vm->fw;
	ret = host_trace_init(&vm->host, vm->cfg.trace_exits,
			      vm->cfg.fw_stall_seconds, boot_rip, vm, err);
	if (ret)
		return ret;
	vm_log(vm, CHARLIE_LOG_INFO,
	       "UEFI firmware %s (%zu KiB), variable store %s%s",
	       vm->fw.code_path, vm->fw.code_len >> 10,
	       vm->fw.vars_path ? vm->fw.vars_path
				: "in memory only (no --efi-vars)",
	       vm->fw.vars_create ? " (new, from the template)" : "");
	if (vm->is_pvm)
		vm_log(vm, CHARLIE_LOG_WARN,
		       "this /dev/kvm is PVM (module kvm_pvm): OVMF cannot run "
		       "on it (KVM internal error at its first fwait in SEC); "
		       "use a real KVM host or the test host");
	vm_mark(vm, &vm->tl.validated);
	return 0;
}

void vm_save_firmware(struct vm *vm)
{
	struct charlie_error e;

	if (!vm->fw.vars)
		return;
	memset(&e, 0, sizeof(e));
	if (fw_files_save(&vm->fw, &e))
		vm_log(vm, CHARLIE_LOG_ERROR, "%s", e.msg);
}

void vm_close_firmware(struct vm *vm)
{
	vm_save_firmware(vm);
	host_trace_free(&vm->host);
	vm->host.fw = NULL;
	if (vm->fw.code || vm->fw.vars || vm->fw.vars_fd >= 0)
		fw_files_close(&vm->fw);
}
