// SPDX-License-Identifier: MIT
/*
 * One thread per vCPU running KVM_RUN.  Every exit reason is handled or
 * reported: a triple fault, KVM_EXIT_INTERNAL_ERROR or a failed entry
 * ends the VM with a crash report (design.md section 2).
 * A vCPU is kicked with immediate_exit plus a signal whose handler does
 * nothing (design.md section 3).
 */
#include "vm.h"
#include "err.h"

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int vcpu_create(struct vm *vm, struct vcpu *v, unsigned int id,
		struct charlie_error *err)
{
	int mmap_size, ret;

	v->vm = vm;
	v->id = id;
	vcpu_kick_signal();
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0)
		return err_set(err, CHARLIE_E_KVM, "cpus",
			       "KVM_CREATE_VCPU %u failed: %s", id,
			       strerror(errno));
	mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(struct kvm_run))
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "KVM_GET_VCPU_MMAP_SIZE failed: %s",
			       strerror(errno));
	v->run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return err_set(err, CHARLIE_E_KVM, "kvm",
			       "mmap of vCPU %u run area failed: %s", id,
			       strerror(errno));
	}
	v->run_size = (size_t)mmap_size;
	if ((ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) &
	     (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) ==
	    (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) {
		/* registers land in kvm_run at every exit, at no extra cost */
		v->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
		v->sync_regs = true;
	}
	ret = x86_setup_cpuid(vm, v);
	if (ret)
		return err_set(err, CHARLIE_E_KVM, "cpus",
			       "setting CPUID of vCPU %u failed: %s", id,
			       strerror(-ret));
	/* --efi: KVM's reset state (CS base 0xffff0000, RIP 0xfff0), the
	 * firmware's reset vector; APs wait for SIPI either way */
	if (id == 0 && !vm->cfg.efi.enabled) {
		ret = x86_setup_boot_cpu(vm, v);
		if (ret)
			return err_set(err, CHARLIE_E_KVM, "kernel",
				       "setting boot registers failed: %s",
				       strerror(-ret));
	}
	return 0;
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}

static void kick_handler(int sig)
{
	(void)sig;
}

static void install_kick_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGRTMIN + CHARLIE_KICK_SIGNAL_OFFSET, &sa, NULL);
}

/* Installed once per process, the first time a vCPU is created. */
int vcpu_kick_signal(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, install_kick_handler);
	return SIGRTMIN + CHARLIE_KICK_SIGNAL_OFFSET;
}

void vcpu_kick(struct vcpu *v)
{
	if (!v->run)
		return;
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&v->thread_started, __ATOMIC_ACQUIRE))
		pthread_kill(v->thread, vcpu_kick_signal());
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *r = v->run;
	uint8_t *data;
	unsigned int size = r->io.size;

	/* data_offset comes from the kernel, but check it lies in the page. */
	if (size == 0 || size > 4 || r->io.data_offset > v->run_size ||
	    (uint64_t)size * r->io.count > v->run_size - r->io.data_offset)
		return;
	data = (uint8_t *)r + r->io.data_offset;
	for (uint32_t i = 0; i < r->io.count; i++, data += size)
		host_pio(&v->vm->host, r->io.port,
			 r->io.direction == KVM_EXIT_IO_OUT, data, size);
}

static void crash(struct vcpu *v, const char *what)
{
	char *report = malloc(sizeof(((struct charlie_stop_info *)0)->report));
	char summary[256];

	snprintf(summary, sizeof(summary), "guest crashed: %s on vCPU %u", what,
		 v->id);
	if (report)
		x86_crash_report(
			v->vm, v, what, report,
			sizeof(((struct charlie_stop_info *)0)->report));
	vm_request_end(v->vm, CHARLIE_STOP_CRASH, summary, report);
	free(report);
}

static const char *internal_suberror(uint32_t s)
{
	switch (s) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "instruction emulation failed";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "exit during event delivery";
	case 4: /* KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON */
		return "unexpected exit reason";
	default:
		return "unknown suberror";
	}
}

/* Returns false when the loop must end. */
static bool handle_exit(struct vcpu *v)
{
	struct kvm_run *r = v->run;
	char what[256];

	switch (r->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v);
		return true;
	case KVM_EXIT_MMIO:
		host_mmio(&v->vm->host, r->mmio.phys_addr, r->mmio.is_write,
			  r->mmio.data, r->mmio.len > 8 ? 8 : r->mmio.len);
		return true;
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return true;
	case KVM_EXIT_HLT:
		/* Only without an in-kernel LAPIC, which charlie always has. */
		crash(v, "HLT exit with interrupts off (KVM_EXIT_HLT)");
		return false;
	case KVM_EXIT_SHUTDOWN:
		crash(v, "triple fault (KVM_EXIT_SHUTDOWN)");
		return false;
	case KVM_EXIT_INTERNAL_ERROR: {
		int n = snprintf(
			what, sizeof(what),
			"KVM internal error: %s (KVM_EXIT_INTERNAL_ERROR, "
			"suberror %u",
			internal_suberror(r->internal.suberror),
			r->internal.suberror);
		uint32_t nd = r->internal.ndata;

		if (nd > 16)
			nd = 16;
		for (uint32_t i = 0;
		     i < nd && n > 0 && (size_t)n < sizeof(what); i++)
			n += snprintf(what + n, sizeof(what) - (size_t)n,
				      "%s0x%llx", i ? " " : ", data ",
				      (unsigned long long)r->internal.data[i]);
		if (n > 0 && (size_t)n < sizeof(what))
			snprintf(what + n, sizeof(what) - (size_t)n, ")");
		crash(v, what);
		return false;
	}
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(
			what, sizeof(what),
			"VM entry failed (KVM_EXIT_FAIL_ENTRY, hardware reason "
			"0x%llx)",
			(unsigned long long)
				r->fail_entry.hardware_entry_failure_reason);
		crash(v, what);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (r->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			vm_request_end(v->vm, CHARLIE_STOP_POWEROFF,
				       "guest powered off", NULL);
			return false;
		case KVM_SYSTEM_EVENT_RESET:
			vm_request_end(v->vm, CHARLIE_STOP_REBOOT,
				       "guest rebooted", NULL);
			return false;
		default:
			snprintf(what, sizeof(what),
				 "system event %u (KVM_EXIT_SYSTEM_EVENT)",
				 r->system_event.type);
			crash(v, what);
			return false;
		}
	default:
		snprintf(what, sizeof(what), "unhandled KVM exit reason %u",
			 r->exit_reason);
		crash(v, what);
		return false;
	}
}

static bool ending(struct vm *vm)
{
	bool s;

	pthread_mutex_lock(&vm->lock);
	s = vm->stop_set;
	pthread_mutex_unlock(&vm->lock);
	return s;
}

void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	sigset_t set;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", v->id);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&set);
	sigaddset(&set, vcpu_kick_signal());
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	/* A console reader that went away must not kill the process:
	 * SIGPIPE stays pending on this thread, EPIPE is handled. */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	while (!ending(vm)) {
		if (v->id == 0)
			vm_mark(vm, &vm->tl.first_vcpu_entry);
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			int e = errno;

			__atomic_store_n(&v->run->immediate_exit, 0,
					 __ATOMIC_SEQ_CST);
			if (e == EINTR || e == EAGAIN)
				continue;
			char what[128];

			snprintf(what, sizeof(what), "KVM_RUN failed: %s",
				 strerror(e));
			char report[512];

			snprintf(report, sizeof(report),
				 "KVM_RUN on vCPU %u returned %s (errno %d)%s",
				 v->id, strerror(e), e,
				 vm->is_pvm ? "\nhint: this /dev/kvm is PVM "
					      "(kvm_pvm); it runs only guests "
					      "built with CONFIG_PVM_GUEST"
					    : "");
			vm_request_end(vm,
				       e == EFAULT ? CHARLIE_STOP_CRASH
						   : CHARLIE_STOP_HOST_ERROR,
				       what, report);
			break;
		}
		if (!handle_exit(v))
			break;
		if (v->sync_regs) {
			v->last_regs = v->run->s.regs.regs;
			v->last_sregs = v->run->s.regs.sregs;
			v->last_exit_reason = v->run->exit_reason;
			v->have_last = true;
		}
	}
	if (atomic_fetch_sub(&vm->vcpus_running, 1) == 1) {
		uint64_t one = 1;

		/* The last vCPU out tells the event loop. */
		if (write(vm->wake_fd, &one, sizeof(one)) < 0)
			(void)0;
	}
	return NULL;
}
