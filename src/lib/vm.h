/* SPDX-License-Identifier: MIT */
/*
 * Internal state of one VM.  No globals: everything hangs off struct vm
 * (design.md section 3).  vm.c keeps the lifecycle; devices live in the
 * device table (device.h) and see only struct host.
 */
#ifndef CHARLIE_VM_H
#define CHARLIE_VM_H

#include "charlie.h"
#include "conout.h"
#include "device.h"
#include "gm.h"
#include "host.h"
#include "loop.h"
#include "boot/kernel.h"
#include "fw/fw.h"

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct kvm_run;
struct vm;

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	/* KVM_CAP_SYNC_REGS: registers at the last exit before the current
	 * one, for crash reports when the crash itself loses them (AMD
	 * re-initialises the vCPU on a triple fault). */
	bool sync_regs, have_last;
	struct kvm_regs last_regs;
	struct kvm_sregs last_sregs;
	uint32_t last_exit_reason;
};

/* The last console lines, kept for crash reports. */
#define CON_TAIL_SIZE 4096

struct vm_device {
	const struct device_entry *entry;
	void *state;
};

struct vm {
	struct charlie_config cfg;
	char *kernel_path, *initrd_path, *cmdline;
	char *boot_image_path;		 /* cfg.boot_image, when no kernel */
	struct kernel_image boot_initrd; /* the image's .initrd, if any */
	struct charlie_callbacks cb;

	int kvm_fd, vm_fd;
	bool is_pvm;
	struct gm gm;
	struct boot_entry entry;
	struct charlie_kernel_report krep;

	struct vcpu *vcpus;
	unsigned int nr_vcpus;

	struct host host; /* what devices see */
	struct vm_device *devs;
	unsigned int nr_devs;

	/* event loop */
	struct loop loop;
	pthread_t loop_thread;
	bool loop_started;
	int wake_fd, con_in_fd;
	struct loop_src *wake_src, *con_in_src;
	struct conout conout;
	bool conout_warned;

	/* The state machine: `lock` guards state, stop info and the console
	 * tail; `cb_lock` (recursive) serialises state callbacks so they are
	 * seen in the order the transitions happened. */
	pthread_mutex_t lock, cb_lock;
	pthread_cond_t cond;
	enum charlie_state state;
	bool stop_set, stopped_reported;
	bool final_reported;	  /* the stopped/error callback has returned */
	bool press_before_marker; /* a press came before the boot marker */
	struct charlie_stop_info stop;
	atomic_uint vcpus_running;

	char con_tail[CON_TAIL_SIZE];
	size_t con_len;

	/* the power button: pressed by charlie_vm_request_stop, ever enabled by
	 * the guest (HOST_EV_BUTTON_LISTENING); for the forced-stop summary */
	bool button_pressed, button_enabled;

	struct charlie_timeline tl;

	/* --efi (issue 12): the firmware files, saved at stop (fw/fw.h) */
	struct fw_files fw;
	/* MSI routes (host_ops.msi_route): GSI HOST_MSI_GSI_BASE + i */
	pthread_mutex_t msi_lock;
	struct vm_msi {
		bool used;
		uint64_t addr;
		uint32_t data;
	} msi[HOST_MSI_GSI_MAX];
};

uint64_t vm_now_ns(void);
void vm_log(struct vm *vm, enum charlie_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Ends the VM: the first caller's reason wins; kicks every vCPU. */
void vm_request_end(struct vm *vm, enum charlie_stop_reason reason,
		    const char *summary, const char *report);
/* Copies the console tail's last `lines` lines into buf (prefixed). */
void vm_console_tail(struct vm *vm, char *buf, size_t size, int lines);
void vm_mark(struct vm *vm, uint64_t *slot);

/* vm_host.c: the host services devices get */
extern const struct host_ops vm_host_ops;
/* vm_kvm.c */
int vm_open_kvm(struct vm *vm, struct charlie_error *err);
int vm_setup_memory(struct vm *vm, struct charlie_error *err);
int vm_setup_irqchip(struct vm *vm, struct charlie_error *err);
int vm_msi_route(struct vm *vm, unsigned int gsi, uint64_t addr, uint32_t data);
/* vm_boot.c: checks the kernel (before anything is opened), then loads
 * it with the command line devices extended. */
int vm_check_kernel(struct vm *vm, struct kernel_image *img,
		    struct charlie_error *err);
int vm_load_kernel(struct vm *vm, const struct kernel_image *img,
		   struct charlie_error *err);
/* vm_firmware.c (--efi): checks and opens the firmware files instead of
 * the kernel; saves the variable store at stop. */
int vm_check_firmware(struct vm *vm, const struct charlie_config *user,
		      struct charlie_error *err);
void vm_save_firmware(struct vm *vm);
void vm_close_firmware(struct vm *vm);

/* vcpu.c */
int vcpu_create(struct vm *vm, struct vcpu *v, unsigned int id,
		struct charlie_error *err);
void vcpu_destroy(struct vcpu *v);
void *vcpu_thread(void *arg);
void vcpu_kick(struct vcpu *v);
/* The signal that kicks vCPU threads (charlie.h: CHARLIE_KICK_SIGNAL). */
int vcpu_kick_signal(void);

/* arch/x86 */
int x86_setup_boot_cpu(struct vm *vm, struct vcpu *v);
int x86_setup_cpuid(struct vm *vm, struct vcpu *v);
int x86_write_mptable(struct vm *vm);
int x86_write_page_tables(struct vm *vm);
void x86_crash_report(struct vm *vm, struct vcpu *v, const char *what,
		      char *buf, size_t size);
/* Guest page walk (4-level, PAE, 2-level) through the checked translator. */
bool x86_linear_to_gpa(const struct gm *gm, const struct kvm_sregs *s,
		       uint64_t lin, uint64_t *gpa);

#endif
