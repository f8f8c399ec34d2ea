// SPDX-License-Identifier: MIT
/*
 * The host services of a real VM (host.h): KVM interrupt lines, irqfd and
 * ioeventfd, the guest console (never blocking), ending, events, logging.
 */
#include "vm.h"
#include "err.h"
#include "fw/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define container_of(p, type, member)                                          \
	((type *)((char *)(p)-offsetof(type, member)))

static struct vm *host_vm(struct host *h)
{
	return container_of(h, struct vm, host);
}

static void h_irq_line(struct host *h, unsigned int gsi, int level)
{
	struct vm *vm = host_vm(h);
	struct kvm_irq_level l = {.irq = gsi, .level = (uint32_t)level};

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		vm_log(vm, CHARLIE_LOG_WARN, "KVM_IRQ_LINE %u failed: %s", gsi,
		       strerror(errno));
}

static int h_irqfd(struct host *h, unsigned int gsi, int efd, bool assign)
{
	struct kvm_irqfd f = {
		.fd = (uint32_t)efd,
		.gsi = gsi,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	return ioctl(host_vm(h)->vm_fd, KVM_IRQFD, &f) < 0 ? -errno : 0;
}

static int h_ioeventfd(struct host *h, uint64_t addr, unsigned int len,
		       bool pio, int efd, bool assign)
{
	struct kvm_ioeventfd e = {
		.addr = addr,
		.len = len,
		.fd = efd,
		.flags = (pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(host_vm(h)->vm_fd, KVM_IOEVENTFD, &e) < 0 ? -errno : 0;
}

static void h_console_out(struct host *h, const uint8_t *buf, size_t len)
{
	struct vm *vm = host_vm(h);
	bool warn = false;

	vm_mark(vm, &vm->tl.first_console_byte);
	host_trace_progress(h);
	if (conout_write(&vm->conout, buf, len)) {
		pthread_mutex_lock(&vm->lock);
		warn = !vm->conout_warned;
		vm->conout_warned = true;
		pthread_mutex_unlock(&vm->lock);
	}
	if (warn)
		vm_log(vm, CHARLIE_LOG_WARN,
		       "the guest console's output is not being read; "
		       "dropping what does not fit (counted at the end)");
	if (vm->cb.console)
		vm->cb.console(vm->cb.opaque, buf, len);
	pthread_mutex_lock(&vm->lock);
	for (size_t i = 0; i < len; i++)
		vm->con_tail[vm->con_len++ % CON_TAIL_SIZE] = (char)buf[i];
	pthread_mutex_unlock(&vm->lock);
}

static int h_memslot(struct host *h, unsigned int slot, uint64_t gpa,
		     uint64_t size, void *hva, bool readonly)
{
	struct vm *vm = host_vm(h);
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = readonly ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	if (readonly && size &&
	    ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) <= 0)
		return -ENOTSUP;
	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno
								    : 0;
}

static void h_request_end(struct host *h, enum charlie_stop_reason reason,
			  const char *summary)
{
	vm_request_end(host_vm(h), reason, summary, NULL);
}

static void h_event(struct host *h, enum host_event ev)
{
	struct vm *vm = host_vm(h);

	if (ev == HOST_EV_BOOT_MARKER && !vm->tl.boot_marker) {
		bool again;

		vm_mark(vm, &vm->tl.boot_marker);
		host_trace_fw_done(h);
		vm_log(vm, CHARLIE_LOG_DEBUG, "guest wrote the boot marker");
		/* A press the kernel took before any process listened on its
		 * "Power Button" input device (Linux enables the button event
		 * while the driver probes, long before init opens the device)
		 * is lost in the guest: press once more now that the guest
		 * says its userspace is ready. */
		pthread_mutex_lock(&vm->lock);
		again = vm->press_before_marker && !vm->stop_set;
		vm->press_before_marker = false;
		pthread_mutex_unlock(&vm->lock);
		if (again && vm->host.button.press) {
			vm_log(vm, CHARLIE_LOG_INFO,
			       "the guest is ready (boot marker): pressing the "
			       "power button again, since the first press came "
			       "before its userspace listened");
			vm->host.button.press(vm->host.button.opaque);
		}
	}
	if (ev == HOST_EV_BUTTON_LISTENING) {
		pthread_mutex_lock(&vm->lock);
		vm->button_enabled = true;
		pthread_mutex_unlock(&vm->lock);
		vm_log(vm, CHARLIE_LOG_DEBUG,
		       "the guest enabled its power button");
	}
	if (!vm->cb.power_button)
		return;
	switch (ev) {
	case HOST_EV_BUTTON_LISTENING:
		vm->cb.power_button(vm->cb.opaque, CHARLIE_BUTTON_LISTENING);
		break;
	case HOST_EV_BUTTON_HELD:
		vm->cb.power_button(vm->cb.opaque, CHARLIE_BUTTON_HELD);
		break;
	case HOST_EV_BUTTON_PRESSED:
		vm->cb.power_button(vm->cb.opaque, CHARLIE_BUTTON_DELIVERED);
		break;
	default:
		break;
	}
}

static void h_guest_ip(struct host *h, unsigned int nic, const char *ip)
{
	struct vm *vm = host_vm(h);

	vm_mark(vm, &vm->tl.guest_ip);
	if (vm->cb.guest_ip)
		vm->cb.guest_ip(vm->cb.opaque, nic, ip);
}

static int h_msi_route(struct host *h, unsigned int gsi, uint64_t addr,
		       uint32_t data)
{
	return vm_msi_route(host_vm(h), gsi, addr, data);
}

static void h_log(struct host *h, enum charlie_log_level lvl, const char *line)
{
	struct vm *vm = host_vm(h);

	if (vm->cb.log)
		vm->cb.log(vm->cb.opaque, lvl, line);
}

const struct host_ops vm_host_ops = {
	.irq_line = h_irq_line,
	.irqfd = h_irqfd,
	.ioeventfd = h_ioeventfd,
	.console_out = h_console_out,
	.request_end = h_request_end,
	.event = h_event,
	.log = h_log,
	.guest_ip = h_guest_ip,
	.memslot = h_memslot,
	.msi_route = h_msi_route,
};

void vm_console_tail(struct vm *vm, char *buf, size_t size, int lines)
{
	char tmp[CON_TAIL_SIZE + 1];
	size_t n, start, o = 0;
	char *p, *line, *save;
	int count = 0;

	pthread_mutex_lock(&vm->lock);
	n = vm->con_len < CON_TAIL_SIZE ? vm->con_len : CON_TAIL_SIZE;
	start = vm->con_len - n;
	for (size_t i = 0; i < n; i++)
		tmp[i] = vm->con_tail[(start + i) % CON_TAIL_SIZE];
	pthread_mutex_unlock(&vm->lock);
	tmp[n] = 0;
	buf[0] = 0;
	/* find the start of the last `lines` non-empty lines */
	p = tmp + n;
	while (p > tmp && (p[-1] == '\n' || p[-1] == '\r'))
		p--;
	*p = 0;
	while (p > tmp) {
		p--;
		if (*p == '\n' && ++count >= lines) {
			p++;
			break;
		}
	}
	for (line = strtok_r(p, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);
		int w;

		/* console lines carry \r and control bytes: keep it printable
		 */
		if (l && line[l - 1] == '\r')
			line[--l] = 0;
		for (size_t i = 0; i < l; i++)
			if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
				line[i] = '?';
		w = snprintf(buf + o, size - o, "  | %s\n", line);
		if (w < 0 || (size_t)w >= size - o)
			break;
		o += (size_t)w;
	}
}
