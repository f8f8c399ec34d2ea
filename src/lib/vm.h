/* SPDX-License-Identifier: MIT */
/*
 * Internal state of one VM.  No globals: everything hangs off struct vm
 * (design.md section 3).
 */
#ifndef CHARLIE_VM_H
#define CHARLIE_VM_H

#include "charlie.h"
#include "gm.h"
#include "boot/kernel.h"

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct kvm_run;
struct vm;

/* A port-I/O device: a small table of ops (house style 7.4).  `off` is
 * relative to `base`; `size` is 1, 2 or 4.  Reads fill `data`. */
struct pio_dev {
	const char *name;
	uint16_t base, len;
	void *opaque;
	void (*read)(void *opaque, uint16_t off, uint8_t *data, unsigned size);
	void (*write)(void *opaque, uint16_t off, const uint8_t *data,
		      unsigned size);
};

#define VM_MAX_PIO 16

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

struct uart;
struct i8042;
struct cmos;

struct vm {
	struct charlie_config cfg;
	char *kernel_path, *initrd_path, *cmdline;
	struct charlie_callbacks cb;

	int kvm_fd, vm_fd;
	bool is_pvm;
	struct gm gm;
	struct boot_entry entry;
	struct charlie_kernel_report krep;

	struct vcpu *vcpus;
	unsigned int nr_vcpus;

	struct pio_dev pio[VM_MAX_PIO];
	unsigned int nr_pio;
	uint8_t pio_warned[65536 / 8]; /* unhandled ports already logged */

	struct uart *uart;
	struct i8042 *i8042;
	struct cmos *cmos;

	/* event loop */
	pthread_t loop_thread;
	bool loop_started;
	int epfd, wake_fd;

	pthread_mutex_t lock; /* state, stop info, console tail, log */
	pthread_cond_t cond;
	enum charlie_state state;
	bool stop_set, stopped_reported;
	struct charlie_stop_info stop;
	atomic_uint vcpus_running;

	char con_tail[CON_TAIL_SIZE];
	size_t con_len;

	struct charlie_timeline tl;
	int kick_signo;
};

uint64_t vm_now_ns(void);
void vm_log(struct vm *vm, enum charlie_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vm_add_pio(struct vm *vm, const struct pio_dev *dev);
void vm_pio(struct vm *vm, uint16_t port, bool is_write, uint8_t *data,
	    unsigned size);
void vm_mmio(struct vm *vm, uint64_t addr, bool is_write, uint8_t *data,
	     unsigned size);
/* Sets a level-triggered ISA interrupt line on the in-kernel irqchip. */
void vm_irq_line(struct vm *vm, unsigned int irq, int level);
/* Ends the VM: the first caller's reason wins; kicks every vCPU. */
void vm_request_end(struct vm *vm, enum charlie_stop_reason reason,
		    const char *summary, const char *report);
/* Console bytes from the UART: fd, callback, tail, timeline. */
void vm_console_out(struct vm *vm, const uint8_t *buf, size_t len);
/* Copies the console tail's last `lines` lines into buf (prefixed). */
void vm_console_tail(struct vm *vm, char *buf, size_t size, int lines);
void vm_mark(struct vm *vm, uint64_t *slot);

/* vcpu.c */
int vcpu_create(struct vm *vm, struct vcpu *v, unsigned int id,
		struct charlie_error *err);
void vcpu_destroy(struct vcpu *v);
void *vcpu_thread(void *arg);
void vcpu_kick(struct vcpu *v);

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

/* devices */
int uart_create(struct vm *vm);
void uart_destroy(struct vm *vm);
void uart_rx(struct vm *vm, const uint8_t *buf, size_t len);
int i8042_create(struct vm *vm);
void i8042_destroy(struct vm *vm);
int cmos_create(struct vm *vm);
void cmos_destroy(struct vm *vm);
int marker_create(struct vm *vm);

#endif
